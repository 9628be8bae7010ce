/* mq-send: send messages to a POSIX message queue, or a broker's. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "mq.h"

static const struct option longopts[] = {
	{ "null",		no_argument,		NULL, '0' },
	{ "all",		no_argument,		NULL, 'a' },
	{ "must-exist",		no_argument,		NULL, 'e' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "mode",		required_argument,	NULL, 'm' },
	{ "nonblock",		no_argument,		NULL, 'n' },
	{ "priority",		required_argument,	NULL, 'p' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "exclusive",		no_argument,		NULL, 'x' },
	{ "max-messages",	required_argument,	NULL, IPC_OPT_MAXMSG },
	{ "message-size",	required_argument,	NULL, IPC_OPT_MSGSIZE },
	{ "any-owner",		no_argument,		NULL, IPC_OPT_ANYOWNER },
	IPC_AMQP_LONGOPTS,
	{ NULL,			0,			NULL, 0 }
};

static const char	*name, *shown;	/* shown: for messages */
static mqd_t		 q;
static long		 msgsize;
static unsigned int	 prio;
static struct ipc_wait	 wait;
static unsigned long	 nsent;
static struct ipc_amqp	*amqp;		/* an amqp:// name */

static void		 send1(const char *, size_t, unsigned long);
static _Noreturn void	 stop(const char *);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	struct ipc_amqp_conf ac = IPC_AMQP_CONF_DEFAULT;
	enum ipc_framing framing = IPC_LINE;
	struct ipc_reader r;
	struct mq_attr attr;
	char namebuf[IPC_NAMEBUF], why[256], *rec;
	int ch, i;
	ssize_t len;

	while ((ch = getopt_long(argc, argv, "+0aehm:np:t:Vx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case '0':
		case 'a':
			ipc_xframing(&framing, ch);
			break;
		case 'e':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'h':
			usage(IPC_OK);
		case 'm':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'n':
			ipc_xwait_option(&wait, ch, optarg);
			break;
		case 'p':
			prio = ipc_xnum(optarg, 0, sysconf(_SC_MQ_PRIO_MAX) - 1,
			    "priority");
			break;
		case 't':
			ipc_xwait_option(&wait, ch, optarg);
			break;
		case 'V':
			ipc_version();
		case 'x':
		case IPC_OPT_MAXMSG:
		case IPC_OPT_MSGSIZE:
		case IPC_OPT_ANYOWNER:
			ipc_xcreate_option(&c, ch, optarg);
			break;
		IPC_AMQP_CASES:
			ipc_xamqp_option(&ac, ch, optarg);
			break;
		default:
			usage(IPC_ERROR);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(IPC_ERROR);
	if (argc > 1 && framing != IPC_LINE)
		errx(IPC_ERROR, "-0 and -a frame standard input, not arguments");

	ipc_catch_signals();
	if (ipc_is_amqp(argv[0])) {
		ac.priority = prio;
		amqp = ipc_amqp_xopen(argv[0], &ac, &c, &name);
		shown = ipc_xshown(name);
		msgsize = IPC_AMQP_MSGMAX;
	} else {
		ipc_xamqp_unused(&ac);
		name = ipc_xname(argv[0], IPC_MQ, namebuf, sizeof(namebuf));
		shown = ipc_xshown(name);
		/*
		 * Non-blocking: the waits for room are ipc_wait_fd's,
		 * signal-safe.
		 */
		if ((q = ipc_mq_open(name, O_WRONLY | O_NONBLOCK | O_CLOEXEC,
		    &c)) == (mqd_t)-1)
			errx(IPC_ERROR, "%s: %s", shown,
			    ipc_mq_strerror(errno, &c, why, sizeof(why)));
		if (mq_getattr(q, &attr) == -1)
			err(IPC_ERROR, "%s", shown);
		msgsize = attr.mq_msgsize;
	}

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			send1(argv[i], strlen(argv[i]), i);
		if (amqp != NULL)
			ipc_amqp_xsend_done(amqp, &wait);
		return 0;
	}
	ipc_reader_init(&r, stdin, framing);
	r.limit = msgsize;
	while ((len = ipc_read_record(&r, &rec)) != -1)
		send1(rec, len, nsent + 1);
	if (ipc_signalled)
		stop("");
	if (ferror(r.fp))
		err(IPC_ERROR, "stdin");
	ipc_reader_free(&r);
	if (amqp != NULL)
		ipc_amqp_xsend_done(amqp, &wait);
	return 0;
}

/*
 * Send one record, or exit: 1 when the queue stayed full, 2 on errors, by
 * the signal when SIGINT or SIGTERM came while it waited for room.
 */
static void
send1(const char *msg, size_t len, unsigned long recno)
{
	struct timespec abs, *deadline;

	if (len > (size_t)msgsize)
		errx(IPC_ERROR, "%s: record %lu is %zu bytes, over the queue's message "
		    "size of %ld; %lu sent", shown, recno, len, msgsize, nsent);
	if (amqp != NULL) {
		/* Confirmed in batches; the library counts what was. */
		ipc_amqp_xsend(amqp, msg, len, prio, recno, &wait);
		nsent++;
		return;
	}
	deadline = ipc_deadline(IPC_WAIT_TIMEOUT(&wait), &abs);
	for (;;) {
		if (ipc_signalled)
			stop("");
		if (mq_send(q, msg, len, prio) == 0) {
			nsent++;
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			err(IPC_ERROR, "%s", shown);
		/* Linux's mqd_t is a descriptor that poll(2) takes. */
		if (ipc_wait_fd(q, POLLOUT, deadline) != -1)
			continue;
		if (errno == ETIMEDOUT || errno == EINTR)
			stop("queue is full; ");
		err(IPC_ERROR, "%s", shown);
	}
}

/*
 * Stopped before the end, because the queue stayed full or a signal came:
 * say how many went, and exit 1, or by the signal.
 */
static _Noreturn void
stop(const char *why)
{
	if (amqp != NULL)
		nsent = ipc_amqp_confirmed(amqp);
	warnx("%s: %s%lu message%s sent", shown, why, nsent,
	    nsent == 1 ? "" : "s");
	if (ipc_signalled)
		ipc_die_signalled();
	exit(IPC_NOTNOW);
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-0ae] [-m mode] [-n | -t timeout] "
	    "[-p priority] [-x]\n"
	    "\t[--max-messages n] [--max-priority n] [--message-size bytes] "
	    "[--any-owner]\n"
	    "\t[--tls-ca file] [--tls-cert file] [--tls-key file] "
	    "[--tls-name name]\n"
	    "\t[--tls-noverify] name [message ...]\n", getprogname());
	if (status == 0) {
		fprintf(fp, "Send each message, or each record of standard "
		    "input, to the queue.\n\n"
		    "  -0, --null            records end with NUL, "
		    "not newline\n"
		    "  -a, --all             all of standard input is one "
		    "message\n"
		    "  -e, --must-exist      do not create the queue\n"
		    "  -m, --mode mode       mode of a new queue (0600)\n"
		    "  -n, --nonblock        do not wait for room "
		    "(exit 1 when full)\n"
		    "  -p, --priority n      send at priority n (0)\n"
		    "  -t, --timeout time    wait at most time for room "
		    "(250ms, 1.5s, 2m)\n"
		    "  -x, --exclusive       fail if the queue exists\n"
		    "      --max-messages n  capacity of a new queue\n"
		    "      --message-size b  message size of a new queue\n"
		    "      --any-owner       use it even if another user "
		    "owns it\n"
		    IPC_AMQP_HELP
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
