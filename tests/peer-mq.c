/* peer-mq: a program that calls mq_open(3) directly, to test against. */
#include <err.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * peer-mq send NAME MESSAGE [PRIORITY]	create (4 x 64) if need be, send
 * peer-mq recv NAME			receive one, print "PRIO:MESSAGE"
 * peer-mq attr NAME			print "MAXMSG MSGSIZE CURMSGS"
 * peer-mq unlink NAME			remove it, if it is there
 */
int
main(int argc, char *argv[])
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 };
	char buf[65536];
	unsigned int prio;
	ssize_t n;
	mqd_t q;

	if (argc < 3)
		errx(2, "usage: peer-mq send|recv|attr|unlink name [message [prio]]");
	if (strcmp(argv[1], "send") == 0 && argc >= 4) {
		if ((q = mq_open(argv[2], O_WRONLY | O_CREAT, 0600, &attr)) ==
		    (mqd_t)-1)
			err(2, "mq_open %s", argv[2]);
		prio = argc > 4 ? (unsigned int)atoi(argv[4]) : 0;
		if (mq_send(q, argv[3], strlen(argv[3]), prio) == -1)
			err(2, "mq_send");
	} else if (strcmp(argv[1], "recv") == 0) {
		if ((q = mq_open(argv[2], O_RDONLY)) == (mqd_t)-1)
			err(2, "mq_open %s", argv[2]);
		if ((n = mq_receive(q, buf, sizeof(buf), &prio)) == -1)
			err(2, "mq_receive");
		printf("%u:%.*s\n", prio, (int)n, buf);
	} else if (strcmp(argv[1], "attr") == 0) {
		if ((q = mq_open(argv[2], O_RDONLY)) == (mqd_t)-1)
			err(2, "mq_open %s", argv[2]);
		if (mq_getattr(q, &attr) == -1)
			err(2, "mq_getattr");
		printf("%ld %ld %ld\n", attr.mq_maxmsg, attr.mq_msgsize,
		    attr.mq_curmsgs);
	} else if (strcmp(argv[1], "unlink") == 0) {
		mq_unlink(argv[2]);
	} else
		errx(2, "unknown command: %s", argv[1]);
	return 0;
}
