/* mq-recv: receive messages from a POSIX message queue, or a broker's. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
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
	IPC_AMQP_LONGOPTS,
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
 * the batch is full; held[] keeps each one whole in keep[] until it is
 * written, so that what could not be written goes back on the queue.
 * A batch holds at most the queue's capacity, and on a pipe at most
 * PIPE_BUF bytes, which a pipe that poll(2) calls writable takes without
 * blocking: so a reader that stops reading stops mq-recv before it takes
 * more, not with a batch in hand.
 */
struct held {
	struct msg	 m;
	size_t		 end;	/* the end of its framing in out[] */
};

static const char	*name;
static mqd_t		 q;
static long		 msgsize;
static int		 dflag, fflag, pflag, uflag;
static enum ipc_framing	 framing = IPC_LINE;
static char		*out, *keep;
static size_t		 outlen, keeplen, batchcap;
static struct held	*held;
static size_t		 nheld, maxheld;
static struct msg	*pending;	/* received, not yet in held[] */
static struct ipc_amqp	*amqp;		/* an amqp:// name */

static void		 mq_open_posix(const char *, const struct ipc_create *);
static void		 amqp_open(const char *, const struct ipc_amqp_conf *,
			    const struct ipc_create *, long long,
			    const struct timespec *);
static int		 take(struct msg *, const struct timespec *);
static void		 done(struct msg *);
static int		 putback(const struct msg *);
static int		 receive(long long, const struct timespec *);
static int		 writable(void);
static struct msg	*slot(void);
static size_t		 framed(const struct msg *);
static int		 fits(const struct msg *);
static void		 hold(struct msg *);
static void		 flush(void);
static _Noreturn void	 giveback(size_t, int);
static _Noreturn void	 finish(int);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	struct ipc_amqp_conf ac = IPC_AMQP_CONF_DEFAULT;
	struct ipc_wait wait = { { 0, 0 }, 0 };
	struct stat st;
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
		IPC_AMQP_CASES:
			ipc_xamqp_option(&ac, ch, optarg);
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

	ipc_catch_signals();
	if (ipc_is_amqp(argv[0]))
		amqp_open(argv[0], &ac, &c, count, IPC_WAIT_TIMEOUT(&wait));
	else {
		ipc_xamqp_unused(&ac);
		mq_open_posix(argv[0], &c);
	}
	batchcap = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode) ?
	    PIPE_BUF : OUTCAP;
	if ((keep = malloc(OUTCAP + msgsize)) == NULL ||
	    (out = malloc(OUTCAP + msgsize + PRIOPAD + IPC_FRAMEPAD)) == NULL ||
	    (held = calloc(maxheld, sizeof(*held))) == NULL)
		err(IPC_ERROR, NULL);

	finish(receive(count, IPC_WAIT_TIMEOUT(&wait)));
}

/* Open the POSIX queue, or create it as c says. */
static void
mq_open_posix(const char *arg, const struct ipc_create *c)
{
	static char namebuf[IPC_NAMEBUF];
	struct mq_attr attr;
	char why[256];

	name = ipc_xname(arg, IPC_MQ, namebuf, sizeof(namebuf));
	/*
	 * Write access too, to put back what could not be written out;
	 * non-blocking, for the waits are ipc_wait_fd's, which a signal
	 * always ends.
	 */
	q = ipc_mq_open(name, O_RDWR | O_NONBLOCK | O_CLOEXEC, c);
	if (q == (mqd_t)-1 && errno == EACCES)
		q = ipc_mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC, c);
	if (q == (mqd_t)-1)
		errx(IPC_ERROR, "%s: %s", name,
		    ipc_mq_strerror(errno, c, why, sizeof(why)));
	if (mq_getattr(q, &attr) == -1)
		err(IPC_ERROR, "%s", name);
	msgsize = attr.mq_msgsize;
	maxheld = attr.mq_maxmsg;
}

/*
 * A broker's queue: consume, but for -n and -d (basic.get); at most as
 * many messages are held at once, unacknowledged, as -c asks.
 */
static void
amqp_open(const char *arg, const struct ipc_amqp_conf *ac,
    const struct ipc_create *c, long long count,
    const struct timespec *timeout)
{
	amqp = ipc_amqp_xopen(arg, ac, c, &name);
	msgsize = IPC_AMQP_MSGMAX;
	/* Written out, so acknowledged, before the broker's window closes. */
	maxheld = IPC_AMQP_PREFETCH / 2;
	if (!dflag && (timeout == NULL || timeout->tv_sec != 0 ||
	    timeout->tv_nsec != 0))
		ipc_amqp_xconsume(amqp, count > 0 && count < IPC_AMQP_PREFETCH ?
		    count : IPC_AMQP_PREFETCH);
}

/*
 * The source of messages, the one place that knows it is a POSIX queue
 * (or hands it to lib/amqp.c, for a broker's): take() receives one, done() says that it was delivered, putback() puts
 * one that was not back on its queue, at its priority.
 */

/*
 * Receive one message into m->data (room for msgsize bytes): 0, or -1
 * with errno EAGAIN when none is queued and timeout is 0, ETIMEDOUT when
 * none came in time, EINTR when SIGINT or SIGTERM came.
 */
static int
take(struct msg *m, const struct timespec *timeout)
{
	struct timespec abs, *deadline;
	ssize_t n;

	if (amqp != NULL)
		return ipc_amqp_xtake(amqp, timeout, m->data, msgsize, &m->len,
		    &m->prio, &m->tag);
	deadline = ipc_deadline(timeout, &abs);
	for (;;) {
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		if ((n = mq_receive(q, m->data, msgsize, &m->prio)) >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || (timeout != NULL &&
		    timeout->tv_sec == 0 && timeout->tv_nsec == 0))
			return -1;
		/* Linux's mqd_t is a descriptor that poll(2) takes. */
		if (ipc_wait_fd(q, POLLIN, deadline) == -1)
			return -1;
	}
	m->len = n;
	m->tag = 0;
	return 0;
}

/* The message was delivered: a broker hears it, a POSIX queue needs not. */
static void
done(struct msg *m)
{
	if (amqp != NULL)
		ipc_amqp_done(amqp, m->tag);
}

/*
 * Put a message that was not delivered back on its queue, waiting for
 * room as long as it takes: 0, or -1 (EINTR: a signal ended the wait).
 */
static int
putback(const struct msg *m)
{
	if (amqp != NULL)
		return ipc_amqp_putback(amqp, m->tag);
	for (;;) {
		if (mq_send(q, m->data, m->len, m->prio) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (ipc_wait_fd(q, POLLOUT, NULL) == -1)
			return -1;
	}
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
	struct msg *m, tmp;
	int rv;

	while (count == 0 || received < count) {
		/* Nothing is taken that could not be written now. */
		if (nheld == 0 && writable() == -1)
			return -1;
		m = slot();
		/* What is queued already is taken without waiting ... */
		if ((rv = take(m, &nowait)) == -1 && errno == EAGAIN) {
			/* ... and written out before a wait. */
			flush();
			if (dflag)
				break;
			m = slot();
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
		received++;
		if (!fits(m)) {
			/* The batch is full: out with it, then this one. */
			tmp = *m;
			pending = &tmp;
			flush();
			pending = NULL;
			m = slot();
			memmove(m->data, tmp.data, tmp.len);
			m->len = tmp.len;
			m->prio = tmp.prio;
			m->tag = tmp.tag;
		}
		hold(m);
		if (nheld == maxheld)
			flush();
	}
	return IPC_OK;
}

/*
 * Wait until standard output can take a batch: 0, or -1 when a signal
 * came.  A reader that is gone is an error before anything is taken.
 */
static int
writable(void)
{
	int ev;

	if ((ev = ipc_wait_fd(STDOUT_FILENO, POLLOUT, NULL)) == -1) {
		if (errno == EINTR)
			return -1;
		err(IPC_ERROR, "stdout");
	}
	if (ev & POLLNVAL)
		errc(IPC_ERROR, EBADF, "stdout");
	if (ev & (POLLERR | POLLHUP))
		errc(IPC_ERROR, EPIPE, "stdout");
	return 0;
}
/* Where the next message is received: free room in keep[]. */
static struct msg *
slot(void)
{
	held[nheld].m.data = keep + keeplen;
	return &held[nheld].m;
}

/* How many bytes of out[] a message takes, at most. */
static size_t
framed(const struct msg *m)
{
	return (pflag ? PRIOPAD : 0) + m->len + IPC_FRAMEPAD;
}

/* Does the message fit in the batch?  One always does. */
static int
fits(const struct msg *m)
{
	return nheld == 0 || outlen + framed(m) <= batchcap;
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
 * queue at its priority, so that a closed pipe, a full disk or a signal
 * loses nothing; then the tool reports the failure and exits 2, or ends
 * by the signal.
 */
static void
flush(void)
{
	size_t written, first;

	if (outlen == 0 && pending == NULL)
		return;
	written = ipc_write_all(STDOUT_FILENO, out, outlen);
	for (first = 0; first < nheld && held[first].end <= written; first++)
		done(&held[first].m);
	if (first < nheld)
		giveback(first, errno);
	outlen = keeplen = nheld = 0;
}

/*
 * Put back what is held from held[first] on, and the message pending, and
 * exit: 2 with the reason e, or by the signal that came.  The wait for
 * room ends at a signal: at a second one when a signal brought us here.
 */
static _Noreturn void
giveback(size_t first, int e)
{
	int sig = ipc_signalled;
	size_t i, n = 0, lost = 0;

	ipc_signalled = 0;
	for (i = first; i < nheld; i++)
		if (lost > 0 || putback(&held[i].m) == -1)
			lost++;
		else
			n++;
	if (pending != NULL) {
		if (lost > 0 || putback(pending) == -1)
			lost++;
		else
			n++;
	}
	if (sig != 0)
		ipc_signalled = sig;
	if (lost > 0)
		warnc(e, "stdout: %zu message%s put back on %s, %zu lost", n,
		    n == 1 ? "" : "s", name, lost);
	else if (!ipc_signalled)
		warnc(e, "stdout: %zu message%s put back on %s", n,
		    n == 1 ? "" : "s", name);
	if (ipc_signalled)
		ipc_die_signalled();
	exit(IPC_ERROR);
}

/* Exit with status, or by the signal that came (-1); -u removes the queue. */
static _Noreturn void
finish(int status)
{
	if (status == -1 && (nheld > 0 || pending != NULL))
		giveback(0, EINTR);
	flush();
	if (amqp != NULL) {
		if (uflag)
			ipc_amqp_xdelete(amqp);
		ipc_amqp_xclose(amqp);
	} else if (uflag && mq_unlink(name) == -1 && errno != ENOENT)
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
	    "\t[--max-messages n] [--max-priority n] [--message-size bytes]\n"
	    "\t[--tls-ca file] [--tls-cert file] [--tls-key file] "
	    "[--tls-name name]\n"
	    "\t[--tls-noverify] name\n", getprogname());
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
		    IPC_AMQP_HELP
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
