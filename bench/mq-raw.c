/* mq-raw: the limits for bench/mq.sh: bare mq_send(3), mq_receive(3), posix_spawn(3). */
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <mqueue.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/*
 * mq-raw send NAME COUNT SIZE	send COUNT messages of SIZE bytes
 * mq-raw recv NAME COUNT		receive COUNT messages
 * mq-raw spawn - COUNT		run sh -c true COUNT times, one at a time
 * mq-raw spawn FILE COUNT [JOBS]	run FILE (a path) COUNT times, JOBS (1) at a time
 */
int
main(int argc, char *argv[])
{
	char *sh[] = { "sh", "-c", "true", NULL }, *file[] = { NULL, NULL };
	struct mq_attr attr;
	char *buf;
	long i, n, jobs, running = 0;
	pid_t pid;
	int st;
	mqd_t q;

	if (argc < 4)
		errx(2, "usage: mq-raw send|recv|spawn name count [size|jobs]");
	n = atol(argv[3]);
	if (strcmp(argv[1], "spawn") == 0) {
		file[0] = argv[2];
		jobs = argc > 4 ? atol(argv[4]) : 1;
		for (i = 0; i < n || running > 0; ) {
			if (i < n && running < jobs) {
				if (posix_spawn(&pid, strcmp(argv[2], "-") == 0 ?
				    "/bin/sh" : argv[2], NULL, NULL,
				    strcmp(argv[2], "-") == 0 ? sh : file,
				    environ) != 0)
					err(2, "spawn");
				i++;
				running++;
			} else if (wait(&st) == -1)
				err(2, "wait");
			else
				running--;
		}
	} else if (strcmp(argv[1], "send") == 0 && argc == 5) {
		if ((q = mq_open(argv[2], O_WRONLY)) == (mqd_t)-1)
			err(2, "%s", argv[2]);
		if ((buf = malloc(atol(argv[4]))) == NULL)
			err(2, NULL);
		memset(buf, 'x', atol(argv[4]));
		for (i = 0; i < n; i++)
			if (mq_send(q, buf, atol(argv[4]), 0) == -1)
				err(2, "mq_send");
	} else {
		if ((q = mq_open(argv[2], O_RDONLY)) == (mqd_t)-1)
			err(2, "%s", argv[2]);
		if (mq_getattr(q, &attr) == -1)
			err(2, "mq_getattr");
		if ((buf = malloc(attr.mq_msgsize)) == NULL)
			err(2, NULL);
		for (i = 0; i < n; i++)
			if (mq_receive(q, buf, attr.mq_msgsize, NULL) == -1)
				err(2, "mq_receive");
	}
	return 0;
}
