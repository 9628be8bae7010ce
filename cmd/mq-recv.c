/* mq-recv: receive messages from a POSIX message queue. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq.h"

#define OUTCAP	65536	/* write out once this much is waiting */
#define PRIOPAD	16	/* room for "32767\t" */

static const struct option longopts[] = {
	{ "null",		no_argument,		NULL, '0' },
	{ "all",		no_argument,		NULL, 'a' },
	{ "count",		required_argument,	NULL, 'c' },
	{ "drain",		no_argument,		NULL, 'd' },
	{ "must-exist",		no_argument,		NULL, 'e' },
	{ "forever",		no_argument,		NULL, 'f' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "mode",		required_argument,	NULL, 'm' },
	{ "nonblock",		no_argument,		NULL, 'n' },
	{ "priority",		no_argument,		NULL, 'p' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "unlink",		no_argument,		NULL, 'u' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "exclusive",		no_argument,		NULL, 'x' },
	{ "max-messages",	required_argument,	NULL, IPC_OPT_MAXMSG },
	{ "message-size",	required_argument,	NULL, IPC_OPT_MSGSIZE },
	{ "any-owner",		no_argument,		NULL, IPC_OPT_ANYOWNER },
	{ NULL,			0,			NULL, 0 }
};

/*
 * Received messages wait in out[] until the queue runs empty or OUTCAP
 * bytes are waiting; held[] remembers where each one lies, so that what
 * could not be written goes back on the queue.
 */
struct held {
	size_t		 off;	/* the message's bytes in out[] */
	size_t		 len;
	size_t		 end;	/* its framing's end in out[] */
	unsigned int	 prio;
};

static const char	*name;
static mqd_t		 q, qn;
static int		 pflag, uflag;
static enum ipc_framing	 framing = IPC_LINE;
static char		*out;
static size_t		 outlen;
static struct held	*held;
static size_t		 nheld, maxheld;

static void		 hold(const char *, size_t, unsigned int);
static void		 flush(void);
static _Noreturn void	 finish(int);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	struct ipc_wait wait = { { 0, 0 }, 0 };
	struct timespec *timeout, abs;
	struct mq_attr attr;
	char namebuf[IPC_NAMEBUF], why[256], *msg;
	long long count = 1, received = 0;
	int ch, dflag = 0, fflag = 0, cflag = 0;
	unsigned int prio;
	ssize_t n;

	while ((ch = getopt_long(argc, argv, "+0ac:defhm:npt:uVx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case '0':
		case 'a':
			ipc_xframing(&framing, ch);
			break;
		case 'c':
			count = ipc_xnum(optarg, 1, LLONG_MAX, "count");
			cflag = 1;
			break;
		case 'd':
			dflag = 1;
			break;
		case 'e':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'f':
			fflag = 1;
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
			pflag = 1;
			break;
		case 't':
			ipc_xwait_option(&wait, ch, optarg);
			break;
		case 'u':
			uflag = 1;
			break;
		case 'V':
			ipc_version();
		case 'x':
		case IPC_OPT_MAXMSG:
		case IPC_OPT_MSGSIZE:
		case IPC_OPT_ANYOWNER:
			ipc_xcreate_option(&c, ch, optarg);
			break;
		default:
			usage(IPC_ERROR);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(IPC_ERROR);
	if (cflag + dflag + fflag > 1)
		errx(IPC_ERROR, "cannot use more than one of -c, -d and -f");
	if (dflag && wait.set)
		errx(IPC_ERROR, "cannot use -d with -n or -t");
	timeout = IPC_WAIT_TIMEOUT(&wait);
	if (dflag || fflag)
		count = 0;

	name = ipc_xname(argv[0], IPC_MQ, namebuf, sizeof(namebuf));
	ipc_catch_signals();
	/* Write access too, to put back what could not be written out. */
	q = ipc_mq_open(name, O_RDWR | O_CLOEXEC, &c);
	if (q == (mqd_t)-1 && errno == EACCES)
		q = ipc_mq_open(name, O_RDONLY | O_CLOEXEC, &c);
	if (q == (mqd_t)-1)
		errx(IPC_ERROR, "%s: %s", name,
		    ipc_mq_strerror(errno, &c, why, sizeof(why)));
	/*
	 * A second, non-blocking descriptor looks for what is queued more
	 * cheaply than a timed receive that has expired.
	 */
	if ((qn = mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) ==
	    (mqd_t)-1 || mq_getattr(q, &attr) == -1)
		err(IPC_ERROR, "%s", name);
	if ((msg = malloc(attr.mq_msgsize)) == NULL ||
	    (out = malloc(OUTCAP + attr.mq_msgsize + PRIOPAD +
	    IPC_FRAMEPAD)) == NULL)
		err(IPC_ERROR, NULL);

	while (count == 0 || received < count) {
		/* What is queued already is taken without waiting ... */
		n = mq_receive(qn, msg, attr.mq_msgsize, &prio);
		if (n == -1 && errno == EAGAIN) {
			/* ... and written out before a wait. */
			flush();
			if (dflag)
				break;
			if (timeout == NULL)
				n = mq_receive(q, msg, attr.mq_msgsize, &prio);
			else {
				ipc_deadline(timeout, &abs);
				n = mq_timedreceive(q, msg, attr.mq_msgsize,
				    &prio, &abs);
			}
		}
		if (n == -1) {
			if (errno == ETIMEDOUT) {
				if (fflag && received > 0)
					break;
				if (received > 0)
					warnx("%s: %lld of %lld messages "
					    "arrived in time", name, received,
					    count);
				finish(1);
			}
			if (errno == EINTR && ipc_signalled)
				finish(-1);
			if (errno == EINTR)
				continue;
			err(IPC_ERROR, "%s", name);
		}
		hold(msg, n, prio);
		received++;
		if (outlen >= OUTCAP)
			flush();
	}
	finish(0);
}

/* Frame a received message into out[] and remember it. */
static void
hold(const char *msg, size_t len, unsigned int prio)
{
	struct held *h;

	if (nheld == maxheld) {
		if ((h = reallocarray(held, maxheld ? 2 * maxheld : 64,
		    sizeof(*h))) == NULL)
			err(IPC_ERROR, NULL);
		held = h;
		maxheld = maxheld ? 2 * maxheld : 64;
	}
	h = &held[nheld++];
	h->prio = prio;
	if (pflag)
		outlen += snprintf(out + outlen, PRIOPAD, "%u\t", prio);
	h->off = outlen;
	h->len = len;
	outlen += ipc_frame(out + outlen, msg, len, framing);
	h->end = outlen;
}

/*
 * Write out what is held.  A message not written whole goes back on the
 * queue at its priority, so that a closed pipe or a full disk loses
 * nothing; then the tool reports the failure and exits 2.
 */
static void
flush(void)
{
	struct timespec now = { 0, 0 };
	size_t done, first, i;
	int e;

	if (outlen == 0)
		return;
	done = ipc_write_all(STDOUT_FILENO, out, outlen);
	if (done == outlen) {
		outlen = nheld = 0;
		return;
	}
	e = errno;
	for (first = 0; held[first].end <= done; first++)
		continue;
	for (i = first; i < nheld; i++)
		if (mq_timedsend(q, out + held[i].off, held[i].len,
		    held[i].prio, &now) == -1)
			break;
	if (i < nheld)
		errc(2, e, "stdout: %zu message%s put back on %s, %zu lost",
		    i - first, i - first == 1 ? "" : "s", name, nheld - i);
	errc(2, e, "stdout: %zu message%s put back on %s", i - first,
	    i - first == 1 ? "" : "s", name);
}

/* Exit with status, or by the signal that came (-1); -u removes the queue. */
static _Noreturn void
finish(int status)
{
	flush();
	if (uflag && mq_unlink(name) == -1 && errno != ENOENT)
		err(IPC_ERROR, "%s", name);
	if (status == -1)
		ipc_die_signalled();
	exit(status);
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-0aenpux] [-c count | -d | -f] [-m mode] "
	    "[-t timeout]\n"
	    "\t[--max-messages n] [--message-size bytes] [--any-owner] name\n",
	    getprogname());
	if (status == 0) {
		fprintf(fp, "Receive messages from the queue and write them "
		    "to standard output.\n\n"
		    "  -0, --null            end each message with NUL, "
		    "not newline\n"
		    "  -a, --all             add nothing after a message\n"
		    "  -c, --count n         receive exactly n messages (1)\n"
		    "  -d, --drain           receive what is queued now, "
		    "then exit\n"
		    "  -e, --must-exist      do not create the queue\n"
		    "  -f, --forever         receive until killed\n"
		    "  -m, --mode mode       mode of a new queue (0600)\n"
		    "  -n, --nonblock        do not wait (exit 1 when empty)\n"
		    "  -p, --priority        print each priority and a tab "
		    "first\n"
		    "  -t, --timeout time    wait at most time for each "
		    "message\n"
		    "  -u, --unlink          remove the queue when done\n"
		    "  -x, --exclusive       fail if the queue exists\n"
		    "      --max-messages n  capacity of a new queue\n"
		    "      --message-size b  message size of a new queue\n"
		    "      --any-owner       use it even if another user "
		    "owns it\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
