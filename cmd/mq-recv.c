/* mq-recv: receive messages from a POSIX message queue. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
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
	{ NULL,			0,			NULL, 0 }
};

/*
 * A message in hand: received, and neither done with (written out, or its
 * command succeeded) nor put back yet.  tag is for a source that wants
 * each message acknowledged (a broker's delivery tag); a POSIX queue
 * needs none.
 */
struct msg {
	char		*data;
	size_t		 len;
	unsigned int	 prio;
	uint64_t	 tag;
};

/*
 * Received messages wait, framed, in out[] until the queue runs empty or
 * OUTCAP bytes are waiting; held[] keeps each one whole in keep[] until
 * it is written, so that what could not be written goes back on the queue.
 */
struct held {
	struct msg	 m;
	size_t		 end;	/* the end of its framing in out[] */
};

static const char	*name;
static mqd_t		 q, qn;
static long		 msgsize;
static int		 dflag, fflag, pflag, uflag;
static enum ipc_framing	 framing = IPC_LINE;
static char		*out, *keep;
static size_t		 outlen, keeplen;
static struct held	*held;
static size_t		 nheld, maxheld;

static int		 take(struct msg *, const struct timespec *);
static void		 done(struct msg *);
static int		 putback(const struct msg *);
static int		 receive(long long, const struct timespec *);
static struct msg	*slot(void);
static void		 hold(struct msg *);
static void		 flush(void);
static _Noreturn void	 finish(int);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	struct ipc_wait wait = { { 0, 0 }, 0 };
	struct mq_attr attr;
	char namebuf[IPC_NAMEBUF], why[256];
	long long count = 1;
	int ch, cflag = 0;

	while ((ch = getopt_long(argc, argv, "0ac:defhm:npt:uVx", longopts,
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
	msgsize = attr.mq_msgsize;
	if ((keep = malloc(OUTCAP + msgsize)) == NULL ||
	    (out = malloc(OUTCAP + msgsize + PRIOPAD + IPC_FRAMEPAD)) == NULL)
		err(IPC_ERROR, NULL);

	finish(receive(count, IPC_WAIT_TIMEOUT(&wait)));
}

/*
 * The source of messages, the one place that knows it is a POSIX queue:
 * take() receives one, done() says that it was delivered, putback() puts
 * one that was not back on its queue, at its priority.
 */

/*
 * Receive one message into m->data (room for msgsize bytes): 0, or -1
 * with errno EAGAIN when none is queued and timeout is 0, ETIMEDOUT when
 * none came in time, EINTR when a signal ended the wait.
 */
static int
take(struct msg *m, const struct timespec *timeout)
{
	struct timespec abs;
	ssize_t n;

	for (;;) {
		if (timeout != NULL && timeout->tv_sec == 0 &&
		    timeout->tv_nsec == 0)
			n = mq_receive(qn, m->data, msgsize, &m->prio);
		else if (timeout == NULL)
			n = mq_receive(q, m->data, msgsize, &m->prio);
		else
			n = mq_timedreceive(q, m->data, msgsize, &m->prio,
			    ipc_deadline(timeout, &abs));
		if (n >= 0)
			break;
		if (errno == EINTR && !ipc_signalled)
			continue;
		return -1;
	}
	m->len = n;
	m->tag = 0;
	return 0;
}

/* The message was delivered: a POSIX queue has nothing more to hear. */
static void
done(struct msg *m)
{
	(void)m;
}

/* Put a message that was not delivered back on its queue: 0 or -1. */
static int
putback(const struct msg *m)
{
	struct timespec now = { 0, 0 };

	return mq_timedsend(q, m->data, m->len, m->prio, &now);
}

static const struct timespec nowait = { 0, 0 };

/*
 * The receive loop: count messages (0: until -d finds the queue empty, or
 * -f's idle timeout), written out as they come.  The exit status, or -1
 * for a signal.
 */
static int
receive(long long count, const struct timespec *timeout)
{
	long long received = 0;
	struct msg *m;
	int rv;

	while (count == 0 || received < count) {
		m = slot();
		/* What is queued already is taken without waiting ... */
		if ((rv = take(m, &nowait)) == -1 && errno == EAGAIN) {
			/* ... and written out before a wait. */
			flush();
			if (dflag)
				break;
			rv = take(m, timeout);
		}
		if (rv == -1 && (errno == ETIMEDOUT || errno == EAGAIN)) {
			if (fflag && received > 0)
				break;
			if (received > 0)
				warnx("%s: %lld of %lld messages arrived in time",
				    name, received, count);
			return IPC_NOTNOW;
		}
		if (rv == -1 && errno == EINTR)
			return -1;
		if (rv == -1)
			err(IPC_ERROR, "%s", name);
		hold(m);
		received++;
		if (outlen >= OUTCAP || keeplen >= OUTCAP)
			flush();
	}
	return IPC_OK;
}

/* Where the next message is received: free room in keep[]. */
static struct msg *
slot(void)
{
	struct held *h;

	if (nheld == maxheld) {
		if ((h = reallocarray(held, maxheld ? 2 * maxheld : 64,
		    sizeof(*h))) == NULL)
			err(IPC_ERROR, NULL);
		held = h;
		maxheld = maxheld ? 2 * maxheld : 64;
	}
	held[nheld].m.data = keep + keeplen;
	return &held[nheld].m;
}

/* Frame the message just received into out[] and keep it. */
static void
hold(struct msg *m)
{
	if (pflag)
		outlen += snprintf(out + outlen, PRIOPAD, "%u\t", m->prio);
	outlen += ipc_frame(out + outlen, m->data, m->len, framing);
	keeplen += m->len;
	held[nheld++].end = outlen;
}

/*
 * Write out what is held.  A message not written whole goes back on the
 * queue at its priority, so that a closed pipe or a full disk loses
 * nothing; then the tool reports the failure and exits 2.
 */
static void
flush(void)
{
	size_t done_, first, i;
	int e;

	if (outlen == 0)
		return;
	done_ = ipc_write_all(STDOUT_FILENO, out, outlen);
	e = errno;
	for (first = 0; first < nheld && held[first].end <= done_; first++)
		done(&held[first].m);
	if (first == nheld) {
		outlen = keeplen = nheld = 0;
		return;
	}
	for (i = first; i < nheld; i++)
		if (putback(&held[i].m) == -1)
			break;
	if (i < nheld)
		errc(IPC_ERROR, e, "stdout: %zu message%s put back on %s, "
		    "%zu lost", i - first, i - first == 1 ? "" : "s", name,
		    nheld - i);
	errc(IPC_ERROR, e, "stdout: %zu message%s put back on %s", i - first,
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

	fprintf(fp, "usage: %s [-0aefnpux] [-c count | -d] [-m mode] "
	    "[-t timeout]\n"
	    "\t[--max-messages n] [--message-size bytes] name\n",
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
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
