/* mq-recv: receive messages from a POSIX message queue, or run a command for each. */
#include "config.h"	/* first: _GNU_SOURCE, for memfd_create */

#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

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
#include "exec.h"
#include "json.h"

#define OUTCAP	65536	/* write out once this much is waiting */
#define PRIOPAD	16	/* room for "32767\t" */
#define JSONPAD	80	/* room for the JSON object but its data */
#define MAXJOBS	1024

enum {
	OPT_EXEC = IPC_OPT_ANYOWNER + 1,
	OPT_FAILED,
	OPT_RETRIES
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
	IPC_AMQP_LONGOPTS,
	{ "exec",		required_argument,	NULL, OPT_EXEC },
	{ "failed",		required_argument,	NULL, OPT_FAILED },
	{ "retries",		required_argument,	NULL, OPT_RETRIES },
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
 * A batch is begun only when output can take it, and for a pipe it is at
 * most PIPE_BUF bytes (or one message), which a pipe that poll(2) calls
 * writable takes without blocking: so a reader that stops reading stops
 * mq-recv before it takes more, not with a batch in hand.  Elsewhere a
 * batch is at most the queue's capacity.
 */
struct held {
	struct msg	 m;
	size_t		 end;	/* the end of its framing in out[] */
};

/* --exec: a command running for a message, in one of -j slots. */
struct job {
	pid_t		 pid;	/* 0: the slot is free */
	int		 pidfd;	/* readable once the command has ended */
	struct msg	 m;	/* with a buffer of its own, of cap bytes */
	size_t		 cap;
	long long	 seq;	/* IPC_MSG_SEQ: its number in this run */
	long long	 tries;
};

static const char	*name, *shown;	/* shown: for messages */
static mqd_t		 q;
static long		 msgsize;
static int		 dflag, fflag, Jflag, pflag, uflag;
static enum ipc_framing	 framing = IPC_LINE;
static char		*out, *keep;
static size_t		 outlen, keeplen, batchcap;
static int		 pollout;	/* stdout may not be writable */
static struct held	*held;
static size_t		 nheld, maxheld;
static char		*command;	/* --exec */
static struct ipc_command cmd;
static struct job	*jobs;
static long long	 njobs = 1, retries, running;
static const char	*failed;	/* --failed, as shown */
static mqd_t		 fq = (mqd_t)-1;
static struct ipc_amqp	*famqp;		/* --failed on a broker */
static char		*stdinbuf;	/* a command's standard input */
static struct msg	 in;		/* --exec: one taken, of msgsize */
static struct ipc_amqp	*amqp;		/* an amqp:// name */

static void		 setup_workers(const char *, const struct ipc_amqp_conf *,
			    struct ipc_create *, const struct mq_attr *);
static void		 setup_output(const struct mq_attr *);
static void		 openq(const struct ipc_create *, struct mq_attr *);
static void		 amqp_open(const char *, const struct ipc_amqp_conf *,
			    const struct ipc_create *, long long,
			    const struct timespec *, struct mq_attr *);
static int		 take(struct msg *, const struct timespec *);
static void		 done(struct msg *);
static int		 putback(const struct msg *);
static int		 sendwait(mqd_t, const struct msg *);
static int		 sendfailed(const struct job *);
static int		 receive(long long, const struct timespec *);
static int		 timedout(long long, long long);
static int		 workers(long long, const struct timespec *);
static void		 tojob(struct job *, const struct msg *);
static int		 start(struct job *);
static int		 ended(struct job *, int, int);
static void		 passon(int);
static void		 orphans(void);
static size_t		 frame(char *, const struct msg *);
static int		 writable(void);
static struct msg	*slot(void);
static size_t		 maxframe(size_t);
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
	struct mq_attr attr;
	char namebuf[IPC_NAMEBUF], failbuf[IPC_NAMEBUF];
	const char *failarg = NULL;
	long long count = 1;
	int ch, cflag = 0, jset = 0, rset = 0;

	while ((ch = getopt_long(argc, argv, "+0ac:defhJj:m:npt:uVx", longopts,
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
		case 'J':
			Jflag = 1;
			break;
		case 'j':
			njobs = ipc_xnum(optarg, 1, MAXJOBS, "jobs");
			jset = 1;
			break;
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
		IPC_AMQP_CASES:
			ipc_xamqp_option(&ac, ch, optarg);
			break;
		case OPT_EXEC:
			command = optarg;
			break;
		case OPT_FAILED:
			failarg = optarg;
			break;
		case OPT_RETRIES:
			retries = ipc_xnum(optarg, 0, LLONG_MAX - 1, "retries");
			rset = 1;
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
	if (Jflag && (pflag || framing != IPC_LINE))
		errx(IPC_ERROR, "cannot use -J with -0, -a or -p");
	if (command == NULL && (jset || rset || failarg != NULL))
		errx(IPC_ERROR, "-j, --retries and --failed need --exec");
	if (dflag || fflag)
		count = 0;

	if (!ipc_is_amqp(argv[0])) {
		if (failarg == NULL || !ipc_is_amqp(failarg))
			ipc_xamqp_unused(&ac);
		name = ipc_xname(argv[0], IPC_MQ, namebuf, sizeof(namebuf));
		shown = ipc_xshown(name);
	} else
		shown = ipc_amqp_shown(argv[0]);
	if (failarg != NULL) {
		if (ipc_is_amqp(failarg))
			failed = ipc_amqp_shown(failarg);
		else
			failed = ipc_xshown(ipc_xname(failarg, IPC_MQ, failbuf,
			    sizeof(failbuf)));
		if (strcmp(failed, shown) == 0)
			errx(IPC_ERROR, "%s: --failed is the queue itself", shown);
	}
	/* From here on, with a command, mq-recv's own failures are 125. */
	if (command != NULL)
		ipc_errexit = IPC_CMD_FAILED;
	ipc_catch_signals();
	if (ipc_is_amqp(argv[0]))
		amqp_open(argv[0], &ac, &c, count, IPC_WAIT_TIMEOUT(&wait),
		    &attr);
	else
		openq(&c, &attr);
	if (command != NULL) {
		setup_workers(failarg, &ac, &c, &attr);
		finish(workers(count, IPC_WAIT_TIMEOUT(&wait)));
	}
	setup_output(&attr);
	finish(receive(count, IPC_WAIT_TIMEOUT(&wait)));
}

/* --exec: the --failed queue, the slots, the environment. */
static void
setup_workers(const char *failarg, const struct ipc_amqp_conf *ac,
    struct ipc_create *c, const struct mq_attr *attr)
{
	char why[256], buf[IPC_NAMEBUF];

	c->exclusive = 0;
	if (failarg != NULL && ipc_is_amqp(failarg))
		famqp = ipc_amqp_xopen(failarg, ac, c, &failed);
	else if (failarg != NULL) {
		/* Made, if need be, to take what a POSIX queue takes. */
		if (amqp == NULL) {
			c->maxmsg = attr->mq_maxmsg;
			c->msgsize = attr->mq_msgsize;
		}
		if ((fq = ipc_mq_open(ipc_xname(failarg, IPC_MQ, buf,
		    sizeof(buf)), O_WRONLY | O_NONBLOCK | O_CLOEXEC, c)) ==
		    (mqd_t)-1)
			errx(ipc_errexit, "%s: %s", failed,
			    ipc_mq_strerror(errno, c, why, sizeof(why)));
	}
	if ((jobs = calloc(njobs, sizeof(*jobs))) == NULL ||
	    (stdinbuf = malloc(maxframe(msgsize))) == NULL ||
	    (in.data = malloc(msgsize)) == NULL)
		err(ipc_errexit, NULL);
	if (ipc_command(&cmd, command) == -1 ||
	    setenv("IPC_MSG_QUEUE", name, 1) == -1 || atexit(orphans) != 0)
		err(ipc_errexit, NULL);
}

/* Writing out: how large a batch may grow, and the buffers for it. */
static void
setup_output(const struct mq_attr *attr)
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
		batchcap = PIPE_BUF;
		maxheld = PIPE_BUF;
	} else {
		batchcap = OUTCAP;
		maxheld = attr->mq_maxmsg;
	}
	if ((keep = malloc(OUTCAP + msgsize)) == NULL ||
	    (out = malloc(OUTCAP + maxframe(msgsize))) == NULL ||
	    (held = calloc(maxheld, sizeof(*held))) == NULL)
		err(IPC_ERROR, NULL);
}

/*
 * The source of messages, the one place that knows it is a POSIX queue:
 * openq() opens it, take() receives one, done() says that it was
 * delivered, putback() puts one that was not back on its queue, at its
 * priority.  A broker's queue (lib/amqp.c) acknowledges in done() and
 * rejects with requeue in putback().
 */

/*
 * Open the queue, with write access too, to put back what could not be
 * delivered; non-blocking, for the waits are ipc_poll's, which a signal
 * always ends.
 */
static void
openq(const struct ipc_create *c, struct mq_attr *attr)
{
	char why[256];

	q = ipc_mq_open(name, O_RDWR | O_NONBLOCK | O_CLOEXEC, c);
	if (q == (mqd_t)-1 && errno == EACCES)
		q = ipc_mq_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC, c);
	if (q == (mqd_t)-1)
		errx(ipc_errexit, "%s: %s", shown,
		    ipc_mq_strerror(errno, c, why, sizeof(why)));
	if (mq_getattr(q, attr) == -1)
		err(ipc_errexit, "%s", shown);
	msgsize = attr->mq_msgsize;
}

/*
 * A broker's queue: consume, but for -n and -d (basic.get); written out,
 * so acknowledged, at half the window of messages held unacknowledged.
 */
static void
amqp_open(const char *arg, const struct ipc_amqp_conf *ac,
    const struct ipc_create *c, long long count,
    const struct timespec *timeout, struct mq_attr *attr)
{
	amqp = ipc_amqp_xopen(arg, ac, c, &name);
	shown = ipc_xshown(name);
	memset(attr, 0, sizeof(*attr));
	attr->mq_maxmsg = IPC_AMQP_PREFETCH / 2;
	attr->mq_msgsize = msgsize = IPC_AMQP_MSGMAX;
	if (!dflag && (timeout == NULL || timeout->tv_sec != 0 ||
	    timeout->tv_nsec != 0))
		ipc_amqp_xconsume(amqp, command != NULL ? njobs : count > 0 &&
		    count < IPC_AMQP_PREFETCH ? count : IPC_AMQP_PREFETCH);
}

/*
 * Receive one message into m->data (room for msgsize bytes): 0, or -1
 * with errno EAGAIN when none is queued and timeout is 0, ETIMEDOUT when
 * none came in time, EINTR when SIGINT or SIGTERM came.
 */
static int
take(struct msg *m, const struct timespec *timeout)
{
	struct timespec abs, *deadline = NULL;
	ssize_t n;
	int waited = 0;

	if (amqp != NULL)
		return ipc_amqp_xtake(amqp, timeout, m->data, msgsize, &m->len,
		    &m->prio, &m->tag);
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
		if (!waited++)
			deadline = ipc_deadline(timeout, &abs);
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
	if (amqp == NULL)
		return;
	/* A command's message is done on its own, in whatever order. */
	if (command == NULL)
		ipc_amqp_done(amqp, m->tag);
	else if (ipc_amqp_ack(amqp, m->tag) == -1)
		warnx("%s: the broker is gone: a message done may come again",
		    shown);
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
	return sendwait(q, m);
}

/* --failed: send a job's message there, at its priority: 0 or -1. */
static int
sendfailed(const struct job *j)
{
	static const struct ipc_wait forever = { { 0, 0 }, 0 };

	if (famqp == NULL)
		return sendwait(fq, &j->m);
	/* Confirmed by the broker, or mq-recv exits, the message unacked. */
	ipc_amqp_xsend(famqp, j->m.data, j->m.len, j->m.prio, j->seq,
	    &forever);
	ipc_amqp_xconfirm(famqp, &forever);
	return 0;
}

/* Send a message to a queue at its priority, waiting for room: 0 or -1. */
static int
sendwait(mqd_t to, const struct msg *m)
{
	for (;;) {
		if (mq_send(to, m->data, m->len, m->prio) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (ipc_wait_fd(to, POLLOUT, NULL) == -1)
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
	struct msg *m;
	int rv;

	while (count == 0 || received < count) {
		/* Out with the batch before it could overflow ... */
		if (nheld > 0 && (nheld == maxheld ||
		    outlen + maxframe(msgsize) > batchcap))
			flush();
		/* ... and nothing is taken that could not be written now. */
		if (nheld == 0 && writable() == -1)
			return -1;
		m = slot();
		/* What is queued already is taken without waiting ... */
		if ((rv = take(m, &nowait)) == -1 && errno == EAGAIN) {
			if (dflag) {
				flush();
				break;
			}
			/* ... and written out before a wait. */
			if (nheld > 0) {
				flush();
				if (writable() == -1)
					return -1;
				m = slot();
			}
			rv = take(m, timeout);
		}
		if (rv == -1 && (errno == ETIMEDOUT || errno == EAGAIN))
			return timedout(received, count);
		if (rv == -1 && errno == EINTR)
			return -1;
		if (rv == -1)
			err(IPC_ERROR, "%s", shown);
		received++;
		hold(m);
	}
	return IPC_OK;
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
 * --exec: run the command for each message, at most njobs at once.  A
 * message is taken only when a slot is free, and done with once its
 * command exits 0; see ended() for the rest.  The exit status, or -1 for
 * a signal.
 */
static int
workers(long long count, const struct timespec *timeout)
{
	struct pollfd *pfd;
	struct timespec abs, *deadline;
	struct job *j;
	long long taken = 0, i;
	int status = IPC_OK, stop = 0, sig = 0, rearm = 1, want, rv, st;

	if ((pfd = calloc(njobs + 1, sizeof(*pfd))) == NULL)
		err(ipc_errexit, NULL);
	deadline = ipc_deadline(timeout, &abs);
	for (;;) {
		if (ipc_signalled) {
			/* No more messages; the running commands get it. */
			sig = ipc_signalled;
			ipc_signalled = 0;
			stop = 1;
			passon(sig);
		}
		want = !stop && (count == 0 || taken < count) &&
		    running < njobs;
		/* -t counts only while a slot is free. */
		if (running >= njobs)
			rearm = 1;
		else if (want && rearm) {
			deadline = ipc_deadline(timeout, &abs);
			rearm = 0;
		}
		if (want) {
			for (j = jobs; j->pid != 0; j++)
				continue;
			if ((rv = take(&in, &nowait)) == 0) {
				tojob(j, &in);
				j->seq = ++taken;
				j->tries = 0;
				if ((rv = start(j)) != IPC_OK) {
					status = rv;
					stop = 1;
				}
				rearm = 1;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				err(ipc_errexit, "%s", shown);
			if (dflag) {
				stop = 1;
				want = 0;
			}
		}
		if (!want && running == 0)
			break;
		pfd[0].fd = !want ? -1 : amqp != NULL ? ipc_amqp_fd(amqp) : q;
		pfd[0].events = POLLIN;
		for (i = 0; i < njobs; i++) {
			pfd[i + 1].fd = jobs[i].pid != 0 ? jobs[i].pidfd : -1;
			pfd[i + 1].events = POLLIN;
		}
		if (ipc_poll(pfd, njobs + 1, want ? deadline : NULL) == -1) {
			if (errno == ETIMEDOUT) {
				if ((rv = timedout(taken, count)) > status)
					status = rv;
				stop = 1;
			} else if (errno != EINTR)
				err(ipc_errexit, "poll");
			continue;
		}
		for (i = 0; i < njobs; i++) {
			if (jobs[i].pid == 0 || pfd[i + 1].revents == 0)
				continue;
			while (waitpid(jobs[i].pid, &st, 0) == -1)
				if (errno != EINTR)
					err(ipc_errexit, "wait");
			close(jobs[i].pidfd);
			jobs[i].pid = 0;
			running--;
			if ((rv = ended(&jobs[i], st, sig)) != IPC_OK) {
				if (rv > status)
					status = rv;
				stop = 1;
			}
		}
	}
	free(pfd);
	if (sig != 0) {
		ipc_signalled = sig;
		return -1;
	}
	return status;
}

/*
 * A message taken goes to its slot, in a buffer grown to fit: -j slots
 * of a broker's largest message each (128 MiB) would ask for gigabytes.
 */
static void
tojob(struct job *j, const struct msg *m)
{
	char *p;

	if (m->len > j->cap || j->m.data == NULL) {
		if ((p = realloc(j->m.data, m->len + 1)) == NULL) {
			if (putback(m) == -1 && amqp == NULL)
				warn("%s: a message lost", shown);
			err(ipc_errexit, NULL);
		}
		j->m.data = p;
		j->cap = m->len + 1;
	}
	memcpy(j->m.data, m->data, m->len);
	j->m.len = m->len;
	j->m.prio = m->prio;
	j->m.tag = m->tag;
}

/*
 * Run the command for the message of a free slot, its framing on the
 * command's standard input (a file: the command need not read it all)
 * and its metadata in the environment: IPC_OK, or the status for a
 * command that cannot be run, the message back on its queue.
 */
static int
start(struct job *j)
{
	char prio[16], seq[24];
	size_t n;
	int fd, e;

	n = frame(stdinbuf, &j->m);
	if ((fd = memfd_create("mq-recv", MFD_CLOEXEC)) == -1 ||
	    ipc_write_all(fd, stdinbuf, n) != n ||
	    lseek(fd, 0, SEEK_SET) == -1)
		err(ipc_errexit, "standard input of message %lld", j->seq);
	snprintf(prio, sizeof(prio), "%u", j->m.prio);
	snprintf(seq, sizeof(seq), "%lld", j->seq);
	if (setenv("IPC_MSG_PRIORITY", prio, 1) == -1 ||
	    setenv("IPC_MSG_SEQ", seq, 1) == -1)
		err(ipc_errexit, NULL);
	e = ipc_spawn_command(&j->pid, &cmd, fd, NULL, NULL, 1);
	close(fd);
	if (e != 0) {
		j->pid = 0;
		warnc(e, "%s", ipc_command_name(&cmd));
		if (putback(&j->m) == -1)
			warn("%s: message %lld lost", shown, j->seq);
		return ipc_spawn_status(e);
	}
	if ((j->pidfd = pidfd_open(j->pid, 0)) == -1)
		err(ipc_errexit, "pidfd_open");
	running++;
	return IPC_OK;
}

/*
 * A signal goes to the running commands, and to what they started: each
 * leads a process group of its own.
 */
static void
passon(int sig)
{
	long long i;

	for (i = 0; i < njobs; i++)
		if (jobs[i].pid != 0)
			kill(-jobs[i].pid, sig);
}

/*
 * mq-recv failed (125: the broker gone, poll, memory) with commands
 * running: it waits for them, so that none outlives it, and puts back
 * the message of each that did not exit 0; a signal meanwhile goes on to
 * them.  A broker that is gone gives their messages again itself.
 */
static void
orphans(void)
{
	long long i;
	int st;

	if (running == 0)
		return;
	warnx("%s: waiting for the %lld command%s still running", shown,
	    running, running == 1 ? "" : "s");
	for (i = 0; i < njobs; i++) {
		if (jobs[i].pid == 0)
			continue;
		while (waitpid(jobs[i].pid, &st, 0) == -1) {
			if (errno != EINTR)
				return;
			if (ipc_signalled)
				passon(ipc_signalled);
			ipc_signalled = 0;
		}
		jobs[i].pid = 0;
		running--;
		if (st == 0)
			done(&jobs[i].m);
		else if (putback(&jobs[i].m) == -1 && amqp == NULL)
			warn("%s: message %lld lost", shown, jobs[i].seq);
	}
}

/*
 * A command ended with wait status st; sig: after that signal came.  0 is
 * done; after a signal its message goes back; a command that cannot run
 * (126, 127) puts it back and stops mq-recv with that status; otherwise
 * it runs again, up to --retries times, then the message goes to
 * --failed and mq-recv goes on, or back on its queue and mq-recv stops
 * with 2.  IPC_OK to go on, or the status to stop with.
 */
static int
ended(struct job *j, int st, int sig)
{
	char how[64];
	int code, rv;

	if ((code = ipc_cmd_status(st)) == 0) {
		done(&j->m);
		return IPC_OK;
	}
	if (sig != 0) {
		if (putback(&j->m) == -1)
			warn("%s: message %lld lost", shown, j->seq);
		return IPC_OK;
	}
	if (WIFSIGNALED(st))
		snprintf(how, sizeof(how), "was killed by signal %d",
		    WTERMSIG(st));
	else
		snprintf(how, sizeof(how), "exited %d", code);
	if (code != IPC_CMD_NOEXEC && code != IPC_CMD_NOTFOUND) {
		if (j->tries < retries) {
			j->tries++;
			return start(j);
		}
		if (failed != NULL && sendfailed(j) == 0) {
			warnx("%s: message %lld: command %s; sent to %s", shown,
			    j->seq, how, failed);
			done(&j->m);
			return IPC_OK;
		}
		if (failed != NULL)
			warn("%s", failed);
		rv = IPC_ERROR;
	} else
		rv = code;
	if (putback(&j->m) == -1) {
		warn("%s: message %lld: command %s; lost", shown, j->seq, how);
		return rv;
	}
	warnx("%s: message %lld: command %s; put back on %s", shown, j->seq,
	    how, shown);
	return rv;
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
frame(char *dst, const struct msg *m)
{
	size_t n = 0, s;

	if (Jflag) {
		n = snprintf(dst, JSONPAD, "{\"priority\":%u,\"size\":%zu,"
		    "\"data", m->prio, m->len);
		if ((s = ipc_json_string(dst + n + 2, m->data, m->len)) != 0) {
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
hold(struct msg *m)
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
	size_t written, first;

	if (nheld == 0)
		return;
	written = ipc_write_all(STDOUT_FILENO, out, outlen);
	for (first = 0; first < nheld && held[first].end <= written; first++)
		done(&held[first].m);
	if (first < nheld)
		giveback(first, errno);
	outlen = keeplen = nheld = 0;
}

/*
 * Put back what is held from held[first] on, and exit: 2 with the reason e, or by the signal that came.  The wait for
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
	if (sig != 0)
		ipc_signalled = sig;
	if (lost > 0)
		warnc(e, "stdout: %zu message%s put back on %s, %zu lost", n,
		    n == 1 ? "" : "s", shown, lost);
	else if (!ipc_signalled)
		warnc(e, "stdout: %zu message%s put back on %s", n,
		    n == 1 ? "" : "s", shown);
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
	flush();
	if (famqp != NULL)
		ipc_amqp_close(famqp);
	if (amqp != NULL) {
		if (uflag)
			ipc_amqp_xdelete(amqp);
		ipc_amqp_xclose(amqp);
	} else if (uflag && mq_unlink(name) == -1 && errno != ENOENT)
		err(IPC_ERROR, "%s", shown);
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
	    "\t[--max-messages n] [--max-priority n] [--message-size bytes] "
	    "[--any-owner]\n"
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
		    "  -f, --forever         receive until killed\n"
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
		    IPC_AMQP_HELP
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
