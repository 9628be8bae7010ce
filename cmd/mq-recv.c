/* mq-recv: receive messages from a message queue, or run a command for each. */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "pool.h"
#include "queue.h"

#define OUTCAP	65536	/* write out once this much is waiting */
#define PRIOPAD	16	/* room for "32767\t" */
#define JSONPAD	80	/* room for the JSON object but its data */
#define MAXJOBS	1024
#define OPTSTRING "+0ac:defhJj:m:npt:uVx"

enum {
	OPT_EXEC = IPC_OPT_TOOL,
	OPT_FAILED,
	OPT_RETRIES,
	OPT_LOCKSTEP
};

static const struct option longopts[] = {
	{ "null",		no_argument,		NULL, '0' },
	{ "all",		no_argument,		NULL, 'a' },
	{ "count",		required_argument,	NULL, 'c' },
	{ "drain",		no_argument,		NULL, 'd' },
	{ "must-exist",		no_argument,		NULL, 'e' },
	{ "forever",		no_argument,		NULL, 'f' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "json",		no_argument,		NULL, 'J' },
	{ "jobs",		required_argument,	NULL, 'j' },
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
	IPC_QUEUE_LONGOPTS,
	{ "exec",		required_argument,	NULL, OPT_EXEC },
	{ "failed",		required_argument,	NULL, OPT_FAILED },
	{ "retries",		required_argument,	NULL, OPT_RETRIES },
	{ "lockstep",		no_argument,		NULL, OPT_LOCKSTEP },
	{ NULL,			0,			NULL, 0 }
};

/*
 * Received messages wait, framed, in out[] until the queue runs empty or
 * the batch is full; held[] keeps each one whole in keep[] until it is
 * written, so that what could not be written goes back on the queue.
 * A batch is begun only when output can take it, and for a pipe it is at
 * most PIPE_BUF bytes (or one message), which a pipe that poll(2) calls
 * writable takes without blocking: so a reader that stops reading stops
 * mq-recv before it takes more, not with a batch in hand.  Elsewhere a
 * batch is at most the queue's capacity.
 *
 * What went into a pipe is not delivered yet: the reader may go without
 * reading it.  So it stays in inpipe[] (its data in pipedata[]) until
 * FIONREAD on our end, which counts the bytes written and not read, also
 * once the reader is gone, says the reader took it; then it is done with,
 * and what the reader left is put back.
 */
struct held {
	struct ipc_msg	 m;
	size_t		 end;	/* the end of its framing in out[] */
};

struct inpipe {
	struct ipc_msg	 m;	/* its data: at off in pipedata[] */
	size_t		 off;
	size_t		 framed;	/* its bytes in the pipe */
};

static char		*shown;		/* the queue, for messages */
static struct ipc_queue	*q;
static int		 dflag, fflag, Jflag, pflag, uflag;
static enum ipc_framing	 framing = IPC_LINE;
static char		*out, *keep;
static size_t		 outlen, keeplen, batchcap;
static int		 pollout;	/* stdout may not be writable */
static struct held	*held;
static size_t		 nheld, maxheld;
static char		*command;	/* --exec */
static struct ipc_command cmd;
static struct ipc_pool	 pool = { .njobs = 1 };
static char		*failshown;	/* --failed, as shown */
static int		 topipe, lockstep;
static struct inpipe	*inpipe;
static size_t		 ninpipe, inpipecap, unread;	/* unread: framed */
static char		*pipedata;
static size_t		 pipedatalen, pipedatacap;
static const struct timespec *readlimit; /* -t: the wait for a reader */

static void		 setup_workers(const char *, struct ipc_queue_conf *);
static void		 setup_output(void);
static void		 done(struct ipc_msg *);
static int		 receive(long long, const struct timespec *);
static int		 readerwait(long long);
static int		 timedout(long long, long long);
static int		 workers(long long, const struct timespec *);
static void		 tell(enum ipc_pool_event, long long, const char *, int);
static size_t		 frame(char *, const struct ipc_msg *);
static int		 writable(void);
static struct ipc_msg	*slot(void);
static size_t		 maxframe(size_t);
static void		 hold(struct ipc_msg *);
static void		 flush(void);
static void		 inthepipe(const struct ipc_msg *, size_t);
static void		 trim(void);
static int		 drained(const struct timespec *);
static _Noreturn void	 giveback(size_t, int);
static _Noreturn void	 finish(int);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_queue_conf c = IPC_QUEUE_CONF_DEFAULT;
	struct ipc_wait wait = { { 0, 0 }, 0 };
	struct stat st;
	const char *failarg = NULL, *e;
	char why[IPC_WHYLEN];
	long long count = 1;
	int ch, cflag = 0, jset = 0, rset = 0;

	ipc_stdfds();
	/* With --exec every failure of ours is 125, in any option order. */
	if (ipc_has_option(argc, argv, OPTSTRING, longopts, OPT_EXEC))
		ipc_errexit = IPC_CMD_FAILED;
	while ((ch = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) !=
	    -1) {
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
			ipc_xqueue_option(&c, ch, optarg);
			break;
		case 'f':
			fflag = 1;
			break;
		case 'h':
			usage(IPC_OK);
		case 'J':
			Jflag = 1;
			break;
		case 'j':
			pool.njobs = ipc_xnum(optarg, 1, MAXJOBS, "jobs");
			jset = 1;
			break;
		case 'm':
			ipc_xqueue_option(&c, ch, optarg);
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
		IPC_QUEUE_CASES:
			ipc_xqueue_option(&c, ch, optarg);
			break;
		case OPT_EXEC:
			command = optarg;
			break;
		case OPT_FAILED:
			failarg = optarg;
			break;
		case OPT_RETRIES:
			pool.retries = ipc_xnum(optarg, 0, LLONG_MAX - 1,
			    "retries");
			rset = 1;
			break;
		case OPT_LOCKSTEP:
			lockstep = 1;
			break;
		default:
			usage(ipc_errexit);
		}
	}
	argc -= optind;
	argv += optind;
	ipc_xoptions_first(argc, argv, "name", ipc_errexit);
	if (argc != 1)
		usage(ipc_errexit);
	if (cflag + dflag + fflag > 1)
		errx(ipc_errexit, "cannot use more than one of -c, -d and -f");
	if (dflag && wait.set)
		errx(ipc_errexit, "cannot use -d with -n or -t");
	if (Jflag && (pflag || framing != IPC_LINE))
		errx(ipc_errexit, "cannot use -J with -0, -a or -p");
	if (command == NULL && (jset || rset || failarg != NULL))
		errx(ipc_errexit, "-j, --retries and --failed need --exec");
	if (command != NULL && lockstep)
		errx(ipc_errexit, "cannot use --lockstep with --exec");
	if (dflag || fflag)
		count = 0;
	if ((e = ipc_queue_unused(&c, (char *[]){ argv[0], (char *)failarg },
	    2)) != NULL)
		errx(ipc_errexit, "%s", e);
	shown = ipc_xqueue_shown(argv[0]);
	if (failarg != NULL) {
		failshown = ipc_xqueue_shown(failarg);
		if (strcmp(failshown, shown) == 0)
			errx(ipc_errexit, "%s: --failed is the queue itself",
			    shown);
	}

	if (lockstep && (fstat(STDOUT_FILENO, &st) == -1 ||
	    !S_ISFIFO(st.st_mode)))
		errx(ipc_errexit, "stdout: --lockstep needs a pipe");

	ipc_catch_signals();
	if ((q = ipc_queue_open(argv[0], shown, IPC_Q_RECV, &c, why,
	    sizeof(why))) == NULL)
		errx(ipc_errexit, "%s: %s", shown, why);
	/* A batch is acknowledged at half the messages taken ahead. */
	if (!dflag && (!wait.set || wait.ts.tv_sec != 0 ||
	    wait.ts.tv_nsec != 0) && ipc_queue_listen(q, command != NULL ?
	    pool.njobs : count) == -1)
		errx(ipc_errexit, "%s: %s", shown, ipc_queue_why(q, errno));
	if (command != NULL) {
		setup_workers(failarg, &c);
		finish(workers(count, IPC_WAIT_TIMEOUT(&wait)));
	}
	setup_output();
	/* -n is about the queue: a reader is waited for all the same. */
	if (wait.set && (wait.ts.tv_sec != 0 || wait.ts.tv_nsec != 0))
		readlimit = &wait.ts;
	finish(receive(count, IPC_WAIT_TIMEOUT(&wait)));
}

/* --exec: the --failed queue, the slots, the environment. */
static void
setup_workers(const char *failarg, struct ipc_queue_conf *c)
{
	char why[IPC_WHYLEN];

	c->create.exclusive = 0;
	if (failarg != NULL) {
		/* Made, if need be, to take what the work queue holds. */
		c->like = q;
		if ((pool.failed = ipc_queue_open(failarg, failshown,
		    IPC_Q_SEND, c, why, sizeof(why))) == NULL)
			errx(ipc_errexit, "%s: %s", failshown, why);
	}
	pool.q = q;
	pool.cmd = &cmd;
	pool.frame = frame;
	pool.framecap = maxframe(q->msgsize);
	pool.tell = tell;
	if (ipc_pool_init(&pool) == -1 || ipc_command(&cmd, command) == -1 ||
	    setenv("IPC_MSG_QUEUE", q->name, 1) == -1)
		err(ipc_errexit, NULL);
}

/* Writing out: how large a batch may grow, and the buffers for it. */
static void
setup_output(void)
{
	struct stat st;

	/* A file or a device (/dev/null) is always writable; a pipe is not. */
	if (fstat(STDOUT_FILENO, &st) == -1 || S_ISFIFO(st.st_mode) ||
	    S_ISSOCK(st.st_mode) || (S_ISCHR(st.st_mode) &&
	    isatty(STDOUT_FILENO)))
		pollout = 1;
	/*
	 * A batch for a pipe is one write that poll(2) said it takes whole;
	 * elsewhere a write may fail after the messages were taken, and
	 * then at most a queue's worth is to be put back.
	 */
	if (pollout && S_ISFIFO(st.st_mode)) {
		topipe = 1;
		batchcap = PIPE_BUF;
		maxheld = lockstep ? 1 : PIPE_BUF;
	} else {
		batchcap = OUTCAP;
		maxheld = q->maxmsg;
	}
	if ((keep = malloc(OUTCAP + q->msgsize)) == NULL ||
	    (out = malloc(OUTCAP + maxframe(q->msgsize))) == NULL ||
	    (held = calloc(maxheld, sizeof(*held))) == NULL)
		err(IPC_ERROR, NULL);
}

/* Written out: done with, acknowledged with the next batch. */
static void
done(struct ipc_msg *m)
{
	if (ipc_queue_done(q, m, 0) == -1)
		errx(IPC_ERROR, "%s: %s", shown, ipc_queue_why(q, errno));
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
	struct ipc_msg *m;
	int rv;

	while (count == 0 || received < count) {
		/* Out with the batch before it could overflow ... */
		if (nheld > 0 && (nheld == maxheld ||
		    outlen + maxframe(q->msgsize) > batchcap))
			flush();
		/* --lockstep: the next only once the reader took the last. */
		if (lockstep && ninpipe > 0 &&
		    (rv = readerwait(received)) != IPC_OK)
			return rv;
		/* ... and nothing is taken that could not be written now. */
		if (nheld == 0 && writable() == -1)
			return -1;
		m = slot();
		/* What is queued already is taken without waiting ... */
		if ((rv = ipc_queue_take(q, m, &nowait)) == -1 &&
		    errno == EAGAIN) {
			if (dflag) {
				flush();
				break;
			}
			/*
			 * ... and written out before a wait; and read, when
			 * as many are in the pipe as may be taken before any
			 * is done with (a broker's window): not before.
			 */
			if (nheld > 0) {
				flush();
				if (writable() == -1)
					return -1;
				m = slot();
			}
			if (ninpipe >= (size_t)q->maxmsg &&
			    (rv = readerwait(received)) != IPC_OK)
				return rv;
			rv = ipc_queue_take(q, m, timeout);
		}
		if (rv == -1 && (errno == ETIMEDOUT || errno == EAGAIN))
			return timedout(received, count);
		if (rv == -1 && errno == EINTR)
			return -1;
		if (rv == -1) {
			int e = errno;

			/* What was taken before is not lost with the exit. */
			flush();
			errx(IPC_ERROR, "%s: %s", shown, ipc_queue_why(q, e));
		}
		received++;
		hold(m);
	}
	return IPC_OK;
}

/*
 * Wait for the reader to take what is in the pipe, -t at most:
 * IPC_OK; or -1 when a signal came; or 1, and why, when the reader took
 * nothing in time.  A reader that is gone ends mq-recv (drained).
 */
static int
readerwait(long long received)
{
	struct timespec abs;

	if (drained(ipc_deadline(readlimit, &abs)) == 0)
		return IPC_OK;
	if (errno == EINTR)
		return -1;
	warnx("stdout: the reader took nothing in time; %lld message%s "
	    "received", received, received == 1 ? "" : "s");
	return IPC_NOTNOW;
}

/* Nothing came in time: 0 for -f once something came, or 1 and why. */
static int
timedout(long long received, long long count)
{
	if (fflag && received > 0)
		return IPC_OK;
	if (received > 0)
		warnx("%s: %lld of %lld messages arrived in time", shown,
		    received, count);
	return IPC_NOTNOW;
}

/*
 * --exec: the pool runs the command for each message (lib/pool.c).  The
 * exit status, or -1 for a signal; a failure of the pool's own is 125,
 * once the commands it left running have ended.
 */
static int
workers(long long count, const struct timespec *timeout)
{
	int rv;

	if ((rv = ipc_pool_run(&pool, count, timeout, dflag)) != -1) {
		if (pool.timedout)
			return timedout(pool.taken, count);
		return rv;
	}
	if (errno == EINTR)
		return -1;
	warnx("%s", pool.why);
	ipc_pool_wait(&pool);
	exit(ipc_errexit);
}

/* What the pool has to tell, as mq-recv tells it. */
static void
tell(enum ipc_pool_event ev, long long seq, const char *how, int e)
{
	switch (ev) {
	case IPC_POOL_SENT:
		warnx("%s: message %lld: command %s; sent to %s", shown, seq,
		    how, failshown);
		break;
	case IPC_POOL_PUTBACK:
		warnx("%s: message %lld: command %s; put back on %s", shown,
		    seq, how, shown);
		break;
	case IPC_POOL_LOST:
		if (how != NULL)
			warnc(e, "%s: message %lld: command %s; lost", shown,
			    seq, how);
		else
			warnc(e, "%s: message %lld lost", shown, seq);
		break;
	case IPC_POOL_NOTSENT:
		warnx("%s: %s", failshown, ipc_queue_why(pool.failed, e));
		break;
	case IPC_POOL_NOEXEC:
		warnc(e, "%s", ipc_command_name(&cmd));
		break;
	case IPC_POOL_ACKLOST:
		warnx("%s: %s: a message done may come again", shown,
		    ipc_queue_why(q, e));
		break;
	case IPC_POOL_FULL:
		warnx("%s: message %lld: command %s; %s stayed full, put back "
		    "on %s", shown, seq, how, failshown, shown);
		break;
	case IPC_POOL_ORPHANS:
		warnx("%s: waiting for the %lld command%s still running", shown,
		    seq, seq == 1 ? "" : "s");
		break;
	}
}

/*
 * Wait until standard output can take a batch: 0, or -1 when a signal
 * came.  A reader that is gone is an error before anything is taken.
 */
static int
writable(void)
{
	struct pollfd pfd = { STDOUT_FILENO, POLLOUT, 0 };
	int ev;

	if (!pollout)
		return 0;
	/* Most often it is: a look costs less than a signal-safe wait. */
	if (poll(&pfd, 1, 0) == 1)
		ev = pfd.revents;
	else if ((ev = ipc_wait_fd(STDOUT_FILENO, POLLOUT, NULL)) == -1) {
		if (errno == EINTR)
			return -1;
		err(IPC_ERROR, "stdout");
	}
	if (ev & POLLNVAL)
		errc(IPC_ERROR, EBADF, "stdout");
	if (ev & (POLLERR | POLLHUP))
		giveback(nheld, EPIPE);
	return 0;
}

/* Where the next message is received: free room in keep[]. */
static struct ipc_msg *
slot(void)
{
	held[nheld].m.data = keep + keeplen;
	return &held[nheld].m;
}

/* How many bytes a message of len bytes takes framed, at most. */
static size_t
maxframe(size_t len)
{
	if (Jflag)
		return JSONPAD + IPC_JSON_MAX(len) + 2;
	return PRIOPAD + len + IPC_FRAMEPAD;
}

/*
 * A message as mq-recv writes it, and as a command gets it: its priority
 * and a tab with -p, its framing; or with -J one JSON object, one line.
 */
static size_t
frame(char *dst, const struct ipc_msg *m)
{
	size_t n = 0, s;

	if (Jflag) {
		n = snprintf(dst, JSONPAD, "{\"priority\":%u,\"size\":%zu,"
		    "\"data", m->prio, m->len);
		if ((s = ipc_json_string(dst + n + 2, m->data, m->len, 0)) != 0) {
			memcpy(dst + n, "\":", 2);
			n += 2 + s;
		} else {
			memcpy(dst + n, "_base64\":\"", 10);
			n += 10;
			n += ipc_base64(dst + n, m->data, m->len);
			dst[n++] = '"';
		}
		memcpy(dst + n, "}\n", 2);
		return n + 2;
	}
	if (pflag)
		n = snprintf(dst, PRIOPAD, "%u\t", m->prio);
	return n + ipc_frame(dst + n, m->data, m->len, framing);
}

/* Frame the message just received into out[] and keep it. */
static void
hold(struct ipc_msg *m)
{
	outlen += frame(out + outlen, m);
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
	size_t written, first, start;
	int e;

	if (nheld == 0)
		return;
	written = ipc_write_all(STDOUT_FILENO, out, outlen);
	e = errno;
	for (first = 0, start = 0; first < nheld &&
	    held[first].end <= written; start = held[first++].end)
		if (topipe)
			inthepipe(&held[first].m, held[first].end - start);
		else
			done(&held[first].m);
	if (first < nheld)
		giveback(first, e);
	if (topipe)
		trim();
	outlen = keeplen = nheld = 0;
}

/* A message went into the pipe: kept until the reader takes it. */
static void
inthepipe(const struct ipc_msg *m, size_t framed)
{
	struct inpipe *ip;
	size_t cap;
	char *d;

	if (ninpipe == inpipecap) {
		cap = inpipecap ? inpipecap * 2 : 64;
		if ((ip = reallocarray(inpipe, cap, sizeof(*ip))) == NULL)
			err(IPC_ERROR, NULL);
		inpipe = ip;
		inpipecap = cap;
	}
	if (pipedatalen + m->len > pipedatacap) {
		cap = pipedatacap ? pipedatacap : OUTCAP;
		while (pipedatalen + m->len > cap)
			cap *= 2;
		if ((d = realloc(pipedata, cap)) == NULL)
			err(IPC_ERROR, NULL);
		pipedata = d;
		pipedatacap = cap;
	}
	ip = &inpipe[ninpipe++];
	ip->m = *m;
	ip->m.data = NULL;
	ip->off = pipedatalen;
	ip->framed = framed;
	memcpy(pipedata + pipedatalen, m->data, m->len);
	pipedatalen += m->len;
	unread += framed;
}

/* The message i in the pipe, its data where it is now. */
static struct ipc_msg *
piped(size_t i)
{
	inpipe[i].m.data = pipedata + inpipe[i].off;
	return &inpipe[i].m;
}

/*
 * What the reader took is done with: FIONREAD counts the last bytes
 * written that it did not take (0 where it cannot tell: all taken).
 */
static void
trim(void)
{
	size_t i, j, off;
	int u;

	if (ninpipe == 0)
		return;
	if (ioctl(STDOUT_FILENO, FIONREAD, &u) == -1 || u < 0)
		u = 0;
	for (i = 0; i < ninpipe && unread - inpipe[i].framed >= (size_t)u;
	    i++) {
		unread -= inpipe[i].framed;
		done(piped(i));
	}
	if (i == 0)
		return;
	off = i < ninpipe ? inpipe[i].off : pipedatalen;
	memmove(pipedata, pipedata + off, pipedatalen - off);
	pipedatalen -= off;
	for (j = 0; i < ninpipe; i++, j++) {
		inpipe[j] = inpipe[i];
		inpipe[j].off -= off;
	}
	ninpipe = j;
}

/*
 * Wait until the reader took all that is in the pipe (0), or until the
 * deadline (NULL: none) passed or a signal came: -1 and ETIMEDOUT or
 * EINTR.  No poll(2) event says that a pipe was read: it is looked at
 * after a few yields to the reader (another core often has it running),
 * then after naps that double from 20 us to 10 ms.  A reader that is
 * gone leaves it there: back on the queue, and mq-recv exits 2.
 */
static int
drained(const struct timespec *deadline)
{
	struct timespec nap = { 0, 20000 };
	struct pollfd pfd = { STDOUT_FILENO, 0, 0 };
	int yields = 4;

	for (;;) {
		trim();
		if (ninpipe == 0)
			return 0;
		/* A pipe's writing end is in error once nobody reads. */
		if (poll(&pfd, 1, 0) == 1 &&
		    (pfd.revents & (POLLERR | POLLHUP)))
			giveback(nheld, EPIPE);
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		if (deadline != NULL && ipc_expired(deadline)) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (yields > 0) {
			yields--;
			sched_yield();
			continue;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 10000000)
			nap.tv_nsec *= 2;
	}
}

/*
 * Put back what is held from held[first] on, and exit: 2 with the reason
 * e, or by the signal that came.  When the reader is gone (EPIPE), what
 * it did not take from the pipe goes back first.  The wait for room ends
 * at a signal: at a second one when a signal brought us here.
 */
static _Noreturn void
giveback(size_t first, int e)
{
	char why[IPC_WHYLEN];
	int sig = ipc_signalled;
	size_t i, n = 0, lost = 0;

	ipc_signalled = 0;
	if (topipe && e == EPIPE) {
		trim();
		for (i = 0; i < ninpipe; i++)
			if (lost > 0 || ipc_queue_putback(q, piped(i)) == -1)
				lost++;
			else
				n++;
	}
	for (i = first; i < nheld; i++)
		if (lost > 0 || ipc_queue_putback(q, &held[i].m) == -1)
			lost++;
		else
			n++;
	if (sig != 0)
		ipc_signalled = sig;
	if (n + lost == 0 && !ipc_signalled)
		warnc(e, "stdout");
	else if (lost > 0)
		warnc(e, "stdout: %zu message%s put back on %s, %zu lost", n,
		    n == 1 ? "" : "s", shown, lost);
	else if (!ipc_signalled)
		warnc(e, "stdout: %zu message%s put back on %s", n,
		    n == 1 ? "" : "s", shown);
	/* What the reader took is done with: a broker hears it on close. */
	if (ipc_queue_close(q, why, sizeof(why)) == -1)
		warnx("%s: %s", shown, why);
	if (ipc_signalled)
		ipc_die_signalled();
	exit(IPC_ERROR);
}

/*
 * Exit with status, or by the signal that came (-1); -u removes the queue.
 * What is held is written out first, also after a signal: a batch is
 * only begun when output can take it, so that write does not block.
 */
static _Noreturn void
finish(int status)
{
	char why[IPC_WHYLEN];
	struct timespec abs;

	flush();
	/*
	 * Not gone before the reader took what is in the pipe, or went (then
	 * it is put back), the timeout at most; after it, or after a signal,
	 * what is left there is the reader's.
	 */
	if (ninpipe > 0 && status != -1 &&
	    drained(ipc_deadline(readlimit, &abs)) == -1 && errno == EINTR)
		status = -1;
	if (ipc_queue_close(pool.failed, why, sizeof(why)) == -1)
		errx(ipc_errexit, "%s: %s", failshown, why);
	if (uflag && ipc_queue_remove(q) == -1 && errno != ENOENT)
		errx(ipc_errexit, "%s: %s", shown, ipc_queue_why(q, errno));
	if (ipc_queue_close(q, why, sizeof(why)) == -1)
		errx(ipc_errexit, "%s: %s", shown, why);
	if (status == -1)
		ipc_die_signalled();
	exit(status);
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-0aeJnpux] [-c count | -d | -f] [-m mode] "
	    "[-t timeout]\n"
	    "\t[--lockstep] [--max-messages n] [--max-priority n]\n"
	    "\t[--message-size bytes] [--any-owner]\n"
	    "\t[--exec command [-j jobs] [--retries n] [--failed queue]]\n"
	    "\t[--tls-ca file] [--tls-cert file] [--tls-key file] "
	    "[--tls-name name]\n"
	    "\t[--tls-noverify] name\n", getprogname());
	if (status == 0) {
		fprintf(fp, "Receive messages from the queue and write them "
		    "to standard output,\nor run a command for each.\n\n"
		    "  -0, --null            end each message with NUL, "
		    "not newline\n"
		    "  -a, --all             add nothing after a message\n"
		    "  -c, --count n         receive exactly n messages (1)\n"
		    "  -d, --drain           receive what is queued now, "
		    "then exit\n"
		    "  -e, --must-exist      do not create the queue\n"
		    "  -f, --forever         receive until a signal, or -t idle\n"
		    "  -J, --json            one JSON object a line: "
		    "priority, size, data\n"
		    "  -j, --jobs n          run at most n commands at once "
		    "(1)\n"
		    "  -m, --mode mode       mode of a new queue (0600)\n"
		    "  -n, --nonblock        do not wait (exit 1 when empty)\n"
		    "  -p, --priority        print each priority and a tab "
		    "first\n"
		    "  -t, --timeout time    wait at most time for each "
		    "message\n"
		    "  -u, --unlink          remove the queue when done\n"
		    "  -x, --exclusive       fail if the queue exists\n"
		    "      --lockstep        write a message once the reader "
		    "took the last\n"
		    "      --max-messages n  capacity of a new queue\n"
		    "      --message-size b  message size of a new queue\n"
		    "      --any-owner       use it even if another user "
		    "owns it\n"
		    "      --exec command    run command, as sh -c does, for "
		    "each message, on its input\n"
		    "      --retries n       run a command that failed n "
		    "times more (0)\n"
		    "      --failed queue    send a message whose command "
		    "failed there\n"
		    IPC_QUEUE_HELP
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
