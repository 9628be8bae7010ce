/* shm.c: POSIX shared memory objects: open, lock, watch, remove; the table. */
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm-posix.h"

#define POLL_MS		20		/* the fallback's look, and a lock's */

/*
 * A watch for a change of the object: ipc_shm_wait's, for one wait, or
 * shm-get -F's, which lasts (ipc_shm_follow).
 */
struct ipc_pshm_watch {
	int		 ifd;		/* inotify, or -1: look at the mtime */
	int		 wd;		/* ifd's watch of the object's file */
	struct timespec	 mtime;		/* as it was when the watch began, or
					   when the last get read it */
	off_t		 size;
	dev_t		 dev;		/* the object the name named then */
	ino_t		 ino;
	const char	*path;
};

static int	owned(int, const char *, const struct ipc_create *);
static int	watch(struct ipc_pshm_watch *, const char *, int);
static int	replaced(const struct ipc_pshm_watch *);
static int	wait_change(struct ipc_pshm_watch *, int,
		    const struct timespec *, const sigset_t *);
static int	change(struct ipc_pshm_watch *, int, const struct timespec *);
static void	unwatch(struct ipc_pshm_watch *);
static int	follow_wait(struct ipc_pshm *, const struct timespec *);
static int	modified(int);

static struct ipc_shm *
posix_open(const char *arg, int how, const struct ipc_create *c,
    const struct ipc_tls_opts *tls, const char **shown, char *why, size_t len)
{
	struct ipc_create def = IPC_CREATE_DEFAULT, old;
	struct ipc_pshm *p;
	const char *errstr;
	char name[IPC_NAMEBUF];
	int e;

	(void)tls;		/* ipc_shm_open refuses them here */

	if (ipc_name(arg, IPC_SHM, name, sizeof(name), &errstr) == NULL) {
		*shown = ipc_shown(arg);
		snprintf(why, len, "%s", errstr);
		errno = EINVAL;
		return NULL;
	}
	*shown = ipc_shown(name);
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->s.shown = strdup(*shown)) == NULL) {
		e = errno;
		free(p);
		snprintf(why, len, "%s", strerror(e));
		errno = e;
		return NULL;
	}
	*shown = p->s.shown;
	p->s.be = &ipc_shm_posix;
	p->c = c != NULL ? *c : def;
	p->fd = p->in.fd = p->infd = -1;
	p->oflag = (how & IPC_SHM_PUT ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	strlcpy(p->name, name, sizeof(p->name));
	if (ipc_object_path(p->path, sizeof(p->path), IPC_SHM_DIR, "",
	    p->name) == -1)
		goto fail;
	/*
	 * A put makes a new object only once it holds the whole input
	 * (shm-put.c); here it only says what is wrong with the one there.
	 */
	old = p->c;
	old.create = 0;
	p->fd = ipc_pshm_open(p->name, p->oflag, &old, &p->created);
	if (p->fd == -1 && (errno != ENOENT || !(how & IPC_SHM_PUT) ||
	    !p->c.create))
		goto fail;
	if (p->fd != -1 && (how & IPC_SHM_PUT) && p->c.exclusive) {
		errno = EEXIST;
		goto fail;
	}
	return &p->s;
fail:
	e = errno;
	snprintf(why, len, "%s", ipc_strerror(e));
	*shown = ipc_shown(name);
	if (p->fd != -1)
		close(p->fd);
	free((char *)p->s.shown);
	free(p);
	errno = e;
	return NULL;
}

/*
 * shm_open(3) that never blocks on what another user may have put under
 * the name (a FIFO: IPC_OPEN_OBJECT's O_NONBLOCK), but waits, as a plain
 * open does, for a put's lease on the object to be given back: under
 * O_NONBLOCK the lease's break is EAGAIN at once.  A signal ends the
 * wait (EINTR).
 */
static int
open_object(const char *name, int oflag)
{
	struct timespec ts = { 0, 1000000 };
	int fd;

	while ((fd = shm_open(name, oflag | IPC_OPEN_OBJECT, 0)) == -1 &&
	    errno == EAGAIN) {
		if (ipc_signalled) {
			errno = EINTR;
			break;
		}
		nanosleep(&ts, NULL);
	}
	return fd;
}

/*
 * Open the object, creating it as c says; *created tells whether this
 * call made it, so that a put that fails afterwards can take it away.
 */
int
ipc_pshm_open(const char *name, int oflag, const struct ipc_create *c,
    int *created)
{
	mode_t mask;
	int fd;

	*created = 0;
	if (c == NULL || !c->create)
		return owned(open_object(name, oflag), name, c);
	for (;;) {
		mask = ipc_umask_clear(c);
		fd = shm_open(name, oflag | O_CREAT | O_EXCL, c->mode);
		ipc_umask_restore(c, mask);
		if (fd != -1) {
			*created = 1;
			return fd;
		}
		if (errno != EEXIST || c->exclusive)
			return owned(-1, name, c);
		/* It is there: open it, unless it went away meanwhile. */
		if ((fd = open_object(name, oflag)) != -1 || errno != ENOENT)
			return owned(fd, name, c);
	}
}

/*
 * fd, or -1 when what was there under name is no object, or is another
 * user's.
 */
static int
owned(int fd, const char *name, const struct ipc_create *c)
{
	char path[sizeof(IPC_SHM_DIR) + IPC_NAMEBUF];

	if (ipc_object_path(path, sizeof(path), IPC_SHM_DIR, "", name) == 0)
		fd = ipc_regular(fd, path);
	if (fd == -1 || ipc_owned_or_close(fd, c) == 0)
		return fd;
	return -1;
}

/*
 * -1, errno kept (but EAGAIN, see below): the failure is side's, and fmt
 * (NULL: errno) says why.
 */
int
ipc_pshm_failed(struct ipc_pshm *p, enum ipc_shm_side side, const char *fmt,
    ...)
{
	va_list ap;
	int e = errno;

	p->s.side = side;
	p->s.why[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(p->s.why, sizeof(p->s.why), fmt, ap);
		va_end(ap);
	}
	/*
	 * EAGAIN tells the tool that the lock was not had in time (shm.h,
	 * ipc_pshm_busy), which is status 1 and no message: any other
	 * call's EAGAIN is an error, said in its own words.
	 */
	if (e == EAGAIN) {
		if (fmt == NULL)
			snprintf(p->s.why, sizeof(p->s.why), "%s",
			    strerror(e));
		e = EIO;
	}
	errno = e;
	return -1;
}

/* -1 with EAGAIN: the lock was not had by the deadline, and only that. */
int
ipc_pshm_busy(struct ipc_pshm *p)
{
	p->s.side = IPC_SHM_OBJECT;
	p->s.why[0] = '\0';
	errno = EAGAIN;
	return -1;
}

/*
 * flock(2) op (LOCK_SH or LOCK_EX) on the object, waiting until the
 * absolute CLOCK_REALTIME deadline at most (NULL: as long as it takes).
 * -1 with EWOULDBLOCK when the deadline passed, EINTR when signalled.
 * flock(2) has no timeout: with a deadline, ask without blocking, and
 * ask again after a short sleep.
 */
int
ipc_pshm_lock(int fd, int op, const struct timespec *deadline)
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
static int
watch(struct ipc_pshm_watch *w, const char *path, int fd)
{
	struct stat st;

	w->ifd = w->wd = -1;
	if (fstat(fd, &st) == -1)
		return -1;
	w->mtime = st.st_mtim;
	w->size = st.st_size;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->path = path;
#ifdef __linux__
	if ((w->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) == -1)
		return 0;
	/* The object's file may be gone already: the directory tells. */
	w->wd = inotify_add_watch(w->ifd, w->path, IN_MODIFY | IN_ATTRIB);
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
static int
replaced(const struct ipc_pshm_watch *w)
{
	return ipc_pshm_other(w->path, w->dev, w->ino);
}

/*
 * Does path (/dev/shm/NAME) now stand for another object than the one of
 * dev and ino, not for none?  shm-get -w looks whether to open it again,
 * shm-put whether the object it locked is still the one named.
 */
int
ipc_pshm_other(const char *path, dev_t dev, ino_t ino)
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

/*
 * Wait for the change; 0 once it came, -1 with ETIMEDOUT when the
 * deadline passed first, EINTR when signalled.
 */
static int
change(struct ipc_pshm_watch *w, int fd, const struct timespec *deadline)
{
	sigset_t block, old;
	int rv;

	/*
	 * The signals that end a wait are let in only inside ppoll(2), so
	 * that one that comes between the look at ipc_signalled and the
	 * sleep still ends the sleep.
	 */
	ipc_ending(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	rv = wait_change(w, fd, deadline, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rv;
}

static int
wait_change(struct ipc_pshm_watch *w, int fd, const struct timespec *deadline,
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
		    st.st_size != w->size || replaced(w))
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


static void
unwatch(struct ipc_pshm_watch *w)
{
	if (w->ifd != -1)
		close(w->ifd);
	w->ifd = -1;
}

/*
 * Wait for the object to change; made again meanwhile, or another put in
 * its place: open that one, which the get reads.
 */
static int
posix_wait(struct ipc_shm *s, const struct timespec *deadline)
{
	struct ipc_pshm *p = IPC_PSHM(s);
	struct ipc_create old = p->c;
	struct ipc_pshm_watch w;

	if (p->follow != NULL)
		return follow_wait(p, deadline);
	old.create = 0;
	if (watch(&w, p->path, p->fd) == -1)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	if (change(&w, p->fd, deadline) == -1)
		goto fail;
	if (replaced(&w)) {
		close(p->fd);
		if ((p->fd = ipc_pshm_open(p->name, p->oflag, &old,
		    &p->created)) == -1)
			goto fail;
	}
	unwatch(&w);
	return 0;
fail:
	ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	unwatch(&w);
	return -1;
}

/*
 * shm-get -F: one watch from now until the object is closed, which a get
 * brings up to date under its lock (ipc_pshm_seen): the changes that
 * come while a version is written out wait in inotify's queue for the
 * next wait.
 */
static int
posix_follow(struct ipc_shm *s)
{
	struct ipc_pshm *p = IPC_PSHM(s);
	struct ipc_pshm_watch *w;

	if (p->follow != NULL)
		return 0;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	if (watch(w, p->path, p->fd) == -1) {
		free(w);
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	}
	p->follow = w;
	return 0;
}

/*
 * A get holds the object's lock, so no put is under way: every event
 * queued so far is of a put that it reads, and what it reads is the
 * version that a later change is told from.
 */
void
ipc_pshm_seen(struct ipc_pshm *p, const struct stat *st)
{
	struct ipc_pshm_watch *w = p->follow;

	if (w == NULL)
		return;
	if (w->ifd != -1)
		(void)modified(w->ifd);
	w->mtime = st->st_mtim;
	w->size = st->st_size;
	w->dev = st->st_dev;
	w->ino = st->st_ino;
}

/*
 * The next version for -F: a change since the last get, or a new object
 * under the name, which is opened and watched in place of the old one.
 */
static int
follow_wait(struct ipc_pshm *p, const struct timespec *deadline)
{
	struct ipc_pshm_watch *w = p->follow;
	struct ipc_create old = p->c;
	struct stat st;

	old.create = 0;
	if (change(w, p->fd, deadline) == -1)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	if (!replaced(w))
		return 0;
	close(p->fd);
	if ((p->fd = ipc_pshm_open(p->name, p->oflag, &old, &p->created)) ==
	    -1 || fstat(p->fd, &st) == -1)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	w->dev = st.st_dev;
	w->ino = st.st_ino;
#ifdef __linux__
	if (w->ifd != -1) {
		if (w->wd != -1)
			(void)inotify_rm_watch(w->ifd, w->wd);
		w->wd = inotify_add_watch(w->ifd, w->path,
		    IN_MODIFY | IN_ATTRIB);
	}
#endif
	return 0;
}

static int
posix_size(struct ipc_shm *s, int64_t *size)
{
	struct ipc_pshm *p = IPC_PSHM(s);
	struct stat st;

	if (p->fd == -1) {
		errno = ENOENT;		/* a put has not made it yet */
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	}
	if (fstat(p->fd, &st) == -1)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	*size = st.st_size;
	return 0;
}

static int
posix_unlink(const char *arg, const struct ipc_tls_opts *tls, char *why,
    size_t len)
{
	const char *errstr;
	char name[IPC_NAMEBUF];

	(void)tls;
	if (ipc_name(arg, IPC_SHM, name, sizeof(name), &errstr) == NULL) {
		snprintf(why, len, "%s", errstr);
		errno = EINVAL;
		return -1;
	}
	if (shm_unlink(name) == -1) {
		snprintf(why, len, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

static void
posix_close(struct ipc_shm *s)
{
	struct ipc_pshm *p = IPC_PSHM(s);
	int e = errno;

	if (p->fd != -1)
		close(p->fd);
	if (p->in.fd != -1)
		close(p->in.fd);
	if (p->follow != NULL) {
		unwatch(p->follow);
		free(p->follow);
	}
	free((char *)p->s.shown);
	free(p);
	errno = e;
}

const struct ipc_shm_backend ipc_shm_posix = {
	.scheme = NULL,
	.open = posix_open,
	.load = ipc_pshm_load,
	.put = ipc_pshm_put,
	.update = ipc_pshm_update,
	.get = ipc_pshm_get,
	.wait = posix_wait,
	.follow = posix_follow,
	.size = posix_size,
	.unlink = posix_unlink,
	.close = posix_close,
};
