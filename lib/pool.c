/* pool.c: a command run for each message of a queue, -j at once. */
#include "config.h"	/* first: _GNU_SOURCE, for memfd_create */

#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

/* A command running for a message, in one of njobs slots. */
struct ipc_pool_job {
	pid_t		 pid;	/* 0: the slot is free */
	int		 pidfd;	/* readable once the command has ended */
	struct ipc_msg	 m;	/* in a buffer of its own, of cap bytes */
	size_t		 cap;
	long long	 seq;	/* IPC_MSG_SEQ: its number in this run */
	long long	 tries;
	int		 full;	/* its command failed; failed is full */
	char		 how[64];	/* how its command ended */
};

static const struct timespec nowait = { 0, 0 };

/*
 * A full failed queue whose descriptor cannot tell room (a broker's: no
 * word comes when a consumer makes some) is tried again after a wait
 * that doubles from ROOM_MS_MIN to ROOM_MS_MAX.
 */
#define ROOM_MS_MIN	10
#define ROOM_MS_MAX	1000

/* A failure of the pool's own: "queue: what: errno's words" in why[]. */
static int
fail(struct ipc_pool *p, const char *what)
{
	int e = errno;

	snprintf(p->why, sizeof(p->why), "%s: %s: %s", p->q->shown, what,
	    strerror(e));
	errno = e;
	return -1;
}

/*
 * A command that could not be started for a failure of the pool's own
 * (what, errno e): its message goes back on its queue, and -1.
 */
static int
unstarted(struct ipc_pool *p, struct ipc_pool_job *j, const char *what,
    int e)
{
	j->pid = 0;
	if (ipc_queue_putback(p->q, &j->m) == -1)
		snprintf(p->why, sizeof(p->why), "%s: message %lld: %s: %s; "
		    "lost: %s", p->q->shown, j->seq, what, strerror(e),
		    ipc_queue_why(p->q, errno));
	else
		snprintf(p->why, sizeof(p->why), "%s: message %lld: %s: %s; "
		    "put back on %s", p->q->shown, j->seq, what, strerror(e),
		    p->q->shown);
	errno = e;
	return -1;
}

int
ipc_pool_init(struct ipc_pool *p)
{
	p->running = 0;
	p->why[0] = '\0';
	if ((p->jobs = calloc(p->njobs, sizeof(*p->jobs))) == NULL ||
	    (p->stdinbuf = malloc(p->framecap)) == NULL ||
	    (p->in.data = malloc(p->q->msgsize)) == NULL)
		return -1;
	return 0;
}

/*
 * A message taken goes to its slot, in a buffer grown to fit: njobs
 * slots of a broker's largest message each (128 MiB) would ask for
 * gigabytes.
 */
static int
tojob(struct ipc_pool *p, struct ipc_pool_job *j)
{
	char *d;

	if (p->in.len > j->cap || j->m.data == NULL) {
		if ((d = realloc(j->m.data, p->in.len + 1)) == NULL) {
			if (ipc_queue_putback(p->q, &p->in) == -1)
				p->tell(IPC_POOL_LOST, 0, NULL, errno);
			errno = ENOMEM;
			return -1;
		}
		j->m.data = d;
		j->cap = p->in.len + 1;
	}
	memcpy(j->m.data, p->in.data, p->in.len);
	j->m.len = p->in.len;
	j->m.prio = p->in.prio;
	j->m.tag = p->in.tag;
	return 0;
}

/*
 * Run the command for the message of a slot, its framing on the
 * command's standard input (a file: the command need not read it all)
 * and its metadata in the environment: IPC_OK, the status for a command
 * that cannot be run (its message back on its queue), or -1 for a
 * failure of the pool's own.
 */
static int
start(struct ipc_pool *p, struct ipc_pool_job *j)
{
	char prio[16], seq[24];
	size_t n;
	int fd, e;

	n = p->frame(p->stdinbuf, &j->m);
	if ((fd = memfd_create("mq-recv", MFD_CLOEXEC)) == -1 ||
	    ipc_write_all(fd, p->stdinbuf, n) != n ||
	    lseek(fd, 0, SEEK_SET) == -1) {
		e = errno;
		if (fd != -1)
			close(fd);
		return unstarted(p, j, "its standard input", e);
	}
	snprintf(prio, sizeof(prio), "%u", j->m.prio);
	snprintf(seq, sizeof(seq), "%lld", j->seq);
	if (setenv("IPC_MSG_PRIORITY", prio, 1) == -1 ||
	    setenv("IPC_MSG_SEQ", seq, 1) == -1) {
		e = errno;
		close(fd);
		return unstarted(p, j, "setenv", e);
	}
	e = ipc_spawn_command(&j->pid, p->cmd, fd, NULL, NULL, 1);
	close(fd);
	if (e != 0) {
		j->pid = 0;
		p->tell(IPC_POOL_NOEXEC, j->seq, NULL, e);
		if (ipc_queue_putback(p->q, &j->m) == -1)
			p->tell(IPC_POOL_LOST, j->seq, NULL, errno);
		return ipc_spawn_status(e);
	}
	/* Running: ipc_pool_wait waits for it, also when this fails. */
	p->running++;
	if ((j->pidfd = pidfd_open(j->pid, 0)) == -1)
		return fail(p, "pidfd_open");
	return IPC_OK;
}

/* Delivered: done with, now, for commands end in any order. */
static void
done(struct ipc_pool *p, const struct ipc_pool_job *j)
{
	if (ipc_queue_done(p->q, &j->m, 1) == -1)
		p->tell(IPC_POOL_ACKLOST, j->seq, NULL, errno);
}

/*
 * A failed command's message back on its own queue, told as ev; its slot
 * is free again.  The wait for room there ends only at a signal: the
 * first one ended the wait for room in failed, a second gives up.
 */
static void
unwait(struct ipc_pool *p, struct ipc_pool_job *j, enum ipc_pool_event ev)
{
	if (j->full) {
		j->full = 0;
		p->waiting--;
	}
	if (ipc_queue_putback(p->q, &j->m) == -1)
		p->tell(IPC_POOL_LOST, j->seq, j->how, errno);
	else
		p->tell(ev, j->seq, j->how, 0);
}

/* Put back what waits for room in failed, told as ev. */
static void
unwait_all(struct ipc_pool *p, enum ipc_pool_event ev)
{
	long long i;

	for (i = 0; i < p->njobs && p->waiting > 0; i++)
		if (p->jobs[i].full)
			unwait(p, &p->jobs[i], ev);
}

/*
 * --failed: send a job's message there, at its priority, without waiting
 * for room: the pool's loop waits for it, reaping the other commands,
 * until the timeout or a signal.  IPC_OK when it went, or waits for room
 * (j->full); otherwise its message goes back and IPC_ERROR.
 */
static int
tofailed(struct ipc_pool *p, struct ipc_pool_job *j)
{
	if (ipc_queue_send(p->failed, j->m.data, j->m.len, j->m.prio, j->seq,
	    &nowait) == 0 && ipc_queue_sync(p->failed, &nowait) == 0) {
		if (j->full) {
			j->full = 0;
			p->waiting--;
		}
		p->tell(IPC_POOL_SENT, j->seq, j->how, 0);
		done(p, j);
		return IPC_OK;
	}
	if (errno == EAGAIN || errno == ETIMEDOUT) {
		if (!j->full) {
			j->full = 1;
			p->waiting++;
		}
		return IPC_OK;
	}
	p->tell(IPC_POOL_NOTSENT, j->seq, j->how, errno);
	unwait(p, j, IPC_POOL_PUTBACK);
	return IPC_ERROR;
}

/*
 * A command ended with wait status st; sig: after that signal came.  0 is
 * done; after a signal its message goes back; a command that cannot run
 * (126, 127) puts it back and stops the pool with that status; otherwise
 * it runs again, up to retries times, then the message goes to failed
 * and the pool goes on, or back on its queue and the pool stops with 2.
 * IPC_OK to go on, the status to stop with, or -1.
 */
static int
ended(struct ipc_pool *p, struct ipc_pool_job *j, int st, int sig)
{
	char *how = j->how;
	int code, rv;

	if ((code = ipc_cmd_status(st)) == 0) {
		done(p, j);
		return IPC_OK;
	}
	if (sig != 0) {
		if (ipc_queue_putback(p->q, &j->m) == -1)
			p->tell(IPC_POOL_LOST, j->seq, NULL, errno);
		return IPC_OK;
	}
	if (WIFSIGNALED(st))
		snprintf(how, sizeof(j->how), "was killed by signal %d",
		    WTERMSIG(st));
	else
		snprintf(how, sizeof(j->how), "exited %d", code);
	if (code != IPC_CMD_NOEXEC && code != IPC_CMD_NOTFOUND) {
		if (j->tries < p->retries) {
			j->tries++;
			return start(p, j);
		}
		if (p->failed != NULL)
			return tofailed(p, j);
		rv = IPC_ERROR;
	} else
		rv = code;
	if (ipc_queue_putback(p->q, &j->m) == -1)
		p->tell(IPC_POOL_LOST, j->seq, how, errno);
	else
		p->tell(IPC_POOL_PUTBACK, j->seq, how, 0);
	return rv;
}

/*
 * A signal goes to the running commands, and to what they started: each
 * leads a process group of its own.
 */
static void
passon(struct ipc_pool *p, int sig)
{
	long long i;

	for (i = 0; i < p->njobs; i++)
		if (p->jobs[i].pid != 0)
			kill(-p->jobs[i].pid, sig);
}

/* Reap the commands that ended (pfd[i + 1] readable): as ended() says. */
static int
reap(struct ipc_pool *p, const struct pollfd *pfd, int sig, int *status,
    int *stop)
{
	struct ipc_pool_job *j;
	long long i;
	int st, rv;

	for (i = 0; i < p->njobs; i++) {
		j = &p->jobs[i];
		if (j->pid == 0 || pfd[i + 1].revents == 0)
			continue;
		while (waitpid(j->pid, &st, 0) == -1)
			if (errno != EINTR)
				return fail(p, "wait");
		close(j->pidfd);
		j->pid = 0;
		p->running--;
		if ((rv = ended(p, j, st, sig)) == -1)
			return -1;
		if (rv != IPC_OK) {
			if (rv > *status)
				*status = rv;
			*stop = 1;
		}
	}
	return 0;
}

/* failed may have room: send there what waits for it. */
static int
room(struct ipc_pool *p)
{
	long long i;
	int rv = IPC_OK;

	for (i = 0; i < p->njobs && p->waiting > 0; i++)
		if (p->jobs[i].full && tofailed(p, &p->jobs[i]) != IPC_OK)
			rv = IPC_ERROR;
	return rv;
}

int
ipc_pool_run(struct ipc_pool *p, long long count,
    const struct timespec *timeout, int drain)
{
	struct pollfd *pfd;
	struct timespec abs, fullabs, roomabs, roomrel, *deadline;
	struct timespec *fulldl = NULL, *dl;
	struct ipc_pool_job *j;
	long long taken = 0, i;
	int status = IPC_OK, stop = 0, sig = 0, rearm = 1, fullset = 0;
	int want, rv, roomms = ROOM_MS_MIN, roomfd;

	p->timedout = 0;
	p->waiting = 0;
	p->why[0] = '\0';
	if ((pfd = calloc(p->njobs + 2, sizeof(*pfd))) == NULL)
		return -1;
	deadline = ipc_deadline(timeout, &abs);
	roomfd = p->failed != NULL &&
	    !(p->failed->be->takes & IPC_QT_NOROOMFD);
	for (;;) {
		if (ipc_signalled) {
			/*
			 * No more messages; the running commands get it, and
			 * what waits for room in failed goes back.
			 */
			sig = ipc_signalled;
			ipc_signalled = 0;
			stop = 1;
			passon(p, sig);
			unwait_all(p, IPC_POOL_PUTBACK);
		}
		/* The wait for room in failed: the timeout at most. */
		if (p->waiting == 0) {
			fullset = 0;
			roomms = ROOM_MS_MIN;
		} else if (!fullset) {
			fulldl = ipc_deadline(timeout, &fullabs);
			fullset = 1;
		}
		want = !stop && (count == 0 || taken < count) &&
		    p->running + p->waiting < p->njobs;
		/* The timeout counts only while a slot is free. */
		if (p->running + p->waiting >= p->njobs)
			rearm = 1;
		else if (want && rearm) {
			deadline = ipc_deadline(timeout, &abs);
			rearm = 0;
		}
		if (want) {
			for (j = p->jobs; j->pid != 0 || j->full; j++)
				continue;
			if (ipc_queue_take(p->q, &p->in, &nowait) == 0) {
				if (tojob(p, j) == -1)
					goto fail;
				j->seq = ++taken;
				j->tries = 0;
				if ((rv = start(p, j)) == -1)
					goto fail;
				if (rv != IPC_OK) {
					status = rv;
					stop = 1;
				}
				rearm = 1;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				rv = errno;
				snprintf(p->why, sizeof(p->why), "%s: %s",
				    p->q->shown, ipc_queue_why(p->q, rv));
				errno = rv;
				goto fail;
			}
			if (drain) {
				stop = 1;
				want = 0;
			}
		}
		if (!want && p->running == 0 && p->waiting == 0)
			break;
		pfd[0].fd = !want ? -1 : ipc_queue_fd(p->q);
		pfd[0].events = POLLIN;
		for (i = 0; i < p->njobs; i++) {
			pfd[i + 1].fd = p->jobs[i].pid != 0 ?
			    p->jobs[i].pidfd : -1;
			pfd[i + 1].events = POLLIN;
		}
		pfd[i + 1].fd = p->waiting > 0 && roomfd ?
		    ipc_queue_fd(p->failed) : -1;
		pfd[i + 1].events = POLLOUT;
		dl = want ? deadline : NULL;
		if (p->waiting > 0 && fulldl != NULL && (dl == NULL ||
		    timespeccmp(fulldl, dl, <)))
			dl = fulldl;
		if (p->waiting > 0 && !roomfd) {
			roomrel.tv_sec = roomms / 1000;
			roomrel.tv_nsec = roomms % 1000 * 1000000L;
			ipc_deadline(&roomrel, &roomabs);
			if (dl == NULL || timespeccmp(&roomabs, dl, <))
				dl = &roomabs;
		}
		if (ipc_poll(pfd, p->njobs + 2, dl) == -1) {
			if (errno == ETIMEDOUT && dl == &roomabs) {
				/* Time to look for room in failed again. */
				if (roomms < ROOM_MS_MAX)
					roomms *= 2;
				if (room(p) != IPC_OK) {
					status = IPC_ERROR;
					stop = 1;
				}
			} else if (errno == ETIMEDOUT && dl == fulldl) {
				/* failed stayed full: back on their queue. */
				unwait_all(p, IPC_POOL_FULL);
				if (IPC_NOTNOW > status)
					status = IPC_NOTNOW;
				stop = 1;
				p->timedout = 0;
			} else if (errno == ETIMEDOUT) {
				/* Nothing came in time: -f is done. */
				rv = taken > 0 && count == 0 ? IPC_OK :
				    IPC_NOTNOW;
				if (rv > status)
					status = rv;
				stop = 1;
				p->timedout = 1;
			} else if (errno != EINTR) {
				fail(p, "poll");
				goto fail;
			}
			continue;
		}
		if (reap(p, pfd, sig, &status, &stop) == -1)
			goto fail;
		if (pfd[p->njobs + 1].revents != 0 && room(p) != IPC_OK) {
			status = IPC_ERROR;
			stop = 1;
		}
	}
	free(pfd);
	p->taken = taken;
	if (sig != 0) {
		ipc_signalled = sig;
		errno = EINTR;
		return -1;
	}
	return status;
fail:
	rv = errno;
	free(pfd);
	p->taken = taken;
	if (p->why[0] == '\0')
		snprintf(p->why, sizeof(p->why), "%s", strerror(rv));
	errno = rv == EINTR ? EIO : rv;
	return -1;
}

void
ipc_pool_wait(struct ipc_pool *p)
{
	struct ipc_pool_job *j;
	long long i;
	int st;

	unwait_all(p, IPC_POOL_PUTBACK);
	if (p->running == 0)
		return;
	p->tell(IPC_POOL_ORPHANS, p->running, NULL, 0);
	for (i = 0; i < p->njobs; i++) {
		j = &p->jobs[i];
		if (j->pid == 0)
			continue;
		while (waitpid(j->pid, &st, 0) == -1) {
			if (errno != EINTR)
				return;
			if (ipc_signalled)
				passon(p, ipc_signalled);
			ipc_signalled = 0;
		}
		j->pid = 0;
		p->running--;
		if (st == 0)
			done(p, j);
		else if (ipc_queue_putback(p->q, &j->m) == -1)
			p->tell(IPC_POOL_LOST, j->seq, NULL, errno);
	}
}
