/* mq-send: send messages to a message queue: POSIX, or on a broker. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"

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
	IPC_QUEUE_LONGOPTS,
	IPC_QUEUE_SEND_LONGOPTS,
	{ NULL,			0,			NULL, 0 }
};

static char		*shown;		/* the queue, for messages */
static struct ipc_queue	*q;
static unsigned int	 prio;
static struct ipc_wait	 wait;

static void		 send1(const char *, size_t, unsigned long);
static void		 sent(int);
static _Noreturn void	 stop(const char *);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_queue_conf c = IPC_QUEUE_CONF_DEFAULT;
	enum ipc_framing framing = IPC_LINE;
	struct ipc_reader r;
	const char *e;
	char why[IPC_WHYLEN], *rec;
	unsigned long nread = 0, returned, total;
	int ch, i;
	ssize_t len;

	ipc_stdfds();
	while ((ch = getopt_long(argc, argv, "+0aehm:np:t:Vx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case '0':
		case 'a':
			ipc_xframing(&framing, ch);
			break;
		case 'e':
			ipc_xqueue_option(&c, ch, optarg);
			break;
		case 'h':
			usage(IPC_OK);
		case 'm':
			ipc_xqueue_option(&c, ch, optarg);
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
		IPC_QUEUE_CASES:
		IPC_QUEUE_SEND_CASES:
			ipc_xqueue_option(&c, ch, optarg);
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

	if ((e = ipc_queue_unused(&c, argv, 1)) != NULL)
		errx(IPC_ERROR, "%s", e);

	ipc_catch_signals();
	c.priority = prio;
	shown = ipc_xqueue_shown(argv[0]);
	if ((q = ipc_queue_open(argv[0], shown, IPC_Q_SEND, &c, why,
	    sizeof(why))) == NULL)
		errx(IPC_ERROR, "%s: %s", shown, why);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			send1(argv[i], strlen(argv[i]), i);
	} else {
		ipc_reader_init(&r, stdin, framing);
		r.limit = q->msgsize;
		while ((len = ipc_read_record(&r, &rec)) != -1)
			send1(rec, len, ++nread);
		if (ipc_signalled)
			stop("");
		if (ferror(r.fp))
			err(IPC_ERROR, "stdin");
		ipc_reader_free(&r);
	}
	sent(ipc_queue_sync(q, IPC_WAIT_TIMEOUT(&wait)));
	returned = q->returned;
	total = q->confirmed;
	if (ipc_queue_close(q, why, sizeof(why)) == -1)
		errx(IPC_ERROR, "%s: %s", shown, why);
	/* Nothing lost unseen: the user learns how many went nowhere. */
	if (returned > 0)
		errx(IPC_NOTNOW, "%s: %lu of %lu message%s reached no queue "
		    "(unroutable)", shown, returned, total,
		    total == 1 ? "" : "s");
	return IPC_OK;
}

/* Send one record, or exit as sent() says. */
static void
send1(const char *msg, size_t len, unsigned long recno)
{
	if (len > q->msgsize)
		errx(IPC_ERROR, "%s: record %lu is %zu bytes, over the queue's "
		    "message size of %zu; %lu sent", shown, recno, len,
		    q->msgsize, q->confirmed);
	sent(ipc_queue_send(q, msg, len, prio, recno,
	    IPC_WAIT_TIMEOUT(&wait)));
}

/*
 * What a send or the wait for its confirm came to: on, or exit 1 when the
 * queue stayed full, by the signal when SIGINT or SIGTERM came, 2 on
 * errors; each says what the queue has.
 */
static void
sent(int rv)
{
	char why[sizeof(q->why) + 2];

	if (rv == 0)
		return;
	if (errno == EAGAIN || errno == ETIMEDOUT)
		stop("queue is full; ");
	if (errno == EINTR) {
		snprintf(why, sizeof(why), "%s%s", q->why,
		    q->why[0] != '\0' ? "; " : "");
		stop(why);
	}
	if (q->unconfirmed != 0)
		errx(IPC_ERROR, "%s: %s; %lu message%s confirmed, record %lu "
		    "was the first not confirmed", shown,
		    ipc_queue_why(q, errno), q->confirmed,
		    q->confirmed == 1 ? "" : "s", q->unconfirmed);
	errx(IPC_ERROR, "%s: %s", shown, ipc_queue_why(q, errno));
}

/*
 * Stopped before the end, because the queue stayed full or a signal came:
 * say how many went, and exit 1, or by the signal.
 */
static _Noreturn void
stop(const char *why)
{
	warnx("%s: %s%lu message%s sent", shown, why, q->confirmed,
	    q->confirmed == 1 ? "" : "s");
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
	    "\t[--tls-noverify] [--unroutable-ok] name [message ...]\n",
	    getprogname());
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
		    IPC_QUEUE_HELP
		    IPC_QUEUE_SEND_HELP
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
