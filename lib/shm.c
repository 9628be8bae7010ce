/* shm.c: open or create a shared memory object, lock it, watch it change. */
#include "config.h"	/* first: _GNU_SOURCE, for ppoll */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm.h"

#define POLL_MS		20		/* the fallback's look, and a lock's */

static int	owned(int, const struct ipc_create *);

/*
 * Open the object, creating it as c says; *created tells whether this
 * call made it, so that a tool that fails afterwards can take it away.
 */
int
ipc_shm_open(const char *name, int oflag, const struct ipc_create *c,
    int *created)
{
	mode_t mask = 0;
	int fd, e;

	*created = 0;
	if (c == NULL || !c->create)
		return owned(shm_open(name, oflag, 0), c);
	for (;;) {
		if (c->modeset)
			mask = umask(0);
		fd = shm_open(name, oflag | O_CREAT | O_EXCL, c->mode);
		e = errno;
		if (c->modeset)
			umask(mask);
		if (fd != -1) {
			*created = 1;
			return fd;
		}
		if (e != EEXIST || c->exclusive) {
			errno = e;
			return -1;
		}
		/* It is there: open it, unless it went away meanwhile. */
		if ((fd = shm_open(name, oflag, 0)) != -1 || errno != ENOENT)
			return owned(fd, c);
	}
}

/* fd, or -1 when the object that was there is another user's. */
static int
owned(int fd, const struct ipc_create *c)
{
	int e;

	if (fd != -1 && ipc_owned(fd, c) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * flock(2) op (LOCK_SH or LOCK_EX) on the object, waiting until the
 * absolute CLOCK_REALTIME deadline at most (NULL: as long as it takes).
 * -1 with EWOULDBLOCK when the deadline passed, EINTR when signalled.
 * flock(2) has no timeout: with a deadline, ask without blocking, and
 * ask again after a short sleep.
 */
int
ipc_shm_lock(int fd, int op, const struct timespec *deadline)
{
	struct timespec nap;
	int ms;

	for (;;) {
		if (flock(fd, op | (deadline != NULL ? LOCK_NB : 0)) == 0)
			return 0;
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -1;
		if ((ms = ipc_ms_until(deadline)) == 0) {
			errno = EWOULDBLOCK;
			return -1;
		}
		if (ms > POLL_MS / 4)
			ms = POLL_MS / 4;
		nap.tv_sec = 0;
		nap.tv_nsec = ms * 1000000L;
		nanosleep(&nap, NULL);
	}
}

static int
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/*
 * Begin watching the object on fd for a change: a write, a truncation or
 * a new time stamp, which shm-put sets on every put, or a new object
 * under its name (removed and made again, or put in its place by
 * rename(2) or link(2)).  On Linux inotify(7) on /dev/shm/NAME and on
 * /dev/shm tells at once; elsewhere the object's mtime is looked at
 * every POLL_MS milliseconds.
 */
int
ipc_shm_watch(struct ipc_shm_watch *w, const char *name, int fd)
{
	struct stat st;

	w->ifd = -1;
	if (fstat(fd, &st) == -1)
		return -1;
	w->mtime = st.st_mtim;
	w->size = st.st_size;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	snprintf(w->path, sizeof(w->path), IPC_SHM_DIR "%s", name);
#ifdef __linux__
	if ((w->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) == -1)
		return 0;
	/* The object's file may be gone already: the directory tells. */
	(void)inotify_add_watch(w->ifd, w->path, IN_MODIFY | IN_ATTRIB);
	if (inotify_add_watch(w->ifd, IPC_SHM_DIR,
	    IN_CREATE | IN_MOVED_TO) == -1) {
		close(w->ifd);
		w->ifd = -1;
	}
#endif
	return 0;
}

/*
 * Does the name now stand for another object than the one watched?  Not
 * while it stands for none: a removed object may be made again.
 */
int
ipc_shm_replaced(const struct ipc_shm_watch *w)
{
	return ipc_shm_other(w->path, w->dev, w->ino);
}

/*
 * Does path (/dev/shm/NAME) now stand for another object than the one of
 * dev and ino, not for none?  shm-get -w looks whether to open it again,
 * shm-put whether the object it locked is still the one named.
 */
int
ipc_shm_other(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	return lstat(path, &st) == 0 && (st.st_dev != dev || st.st_ino != ino);
}

/*
 * Drain the events that came: was there a write?  A time stamp alone
 * (IN_ATTRIB) may be a chmod, which the caller tells by the mtime.
 */
#ifdef __linux__
static int
modified(int ifd)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, i;
	int mod = 0;

	while ((n = read(ifd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + i);
			if (ev->mask & IN_MODIFY)
				mod = 1;
		}
	return mod;
}
#else
static int
modified(int ifd)
{
	(void)ifd;
	return 0;
}
#endif

static int	wait_change(struct ipc_shm_watch *, int,
		    const struct timespec *, const sigset_t *);

/*
 * Wait for the change; 0 once it came, -1 with ETIMEDOUT when the
 * deadline passed first, EINTR when signalled.
 */
int
ipc_shm_wait(struct ipc_shm_watch *w, int fd,
    const struct timespec *deadline)
{
	sigset_t block, old;
	int rv;

	/*
	 * SIGINT and SIGTERM are let in only inside ppoll(2), so that one
	 * that comes between the look at ipc_signalled and the sleep still
	 * ends the sleep.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	rv = wait_change(w, fd, deadline, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rv;
}

static int
wait_change(struct ipc_shm_watch *w, int fd, const struct timespec *deadline,
    const sigset_t *mask)
{
	struct pollfd pfd;
	struct timespec nap;
	struct stat st;
	int ms;

	for (;;) {
		if (w->ifd != -1 && modified(w->ifd))
			return 0;
		if (fstat(fd, &st) == -1)
			return -1;
		if (!same_time(&st.st_mtim, &w->mtime) ||
		    st.st_size != w->size || ipc_shm_replaced(w))
			return 0;
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		if ((ms = ipc_ms_until(deadline)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (w->ifd == -1 && (ms == -1 || ms > POLL_MS))
			ms = POLL_MS;
		nap.tv_sec = ms / 1000;
		nap.tv_nsec = (ms % 1000) * 1000000L;
		pfd.fd = w->ifd;
		pfd.events = POLLIN;
		if (ppoll(&pfd, w->ifd != -1, ms == -1 ? NULL : &nap,
		    mask) == -1 && errno != EINTR)
			return -1;
	}
}

void
ipc_shm_unwatch(struct ipc_shm_watch *w)
{
	if (w->ifd != -1)
		close(w->ifd);
	w->ifd = -1;
}
