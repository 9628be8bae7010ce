/* shm-put.c: the POSIX backend's put: all of the input, or nothing. */
#include "config.h"	/* first: _GNU_SOURCE, for splice and O_TMPFILE */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/sendfile.h>
#include <sys/xattr.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm-posix.h"

#define CHUNK	(1024 * 1024)	/* asked of splice(2), sendfile(2) */
#define BUFSZ	(128 * 1024)	/* for read/write where they cannot */
#define SPLIT	(32 * 1024 * 1024)	/* a copy this long: in two halves */
#define OFFMAX	INT64_MAX

static volatile sig_atomic_t	 broken;	/* a lease break came */

static int		 catch_breaks(void);
static void		 hidden(char *, size_t, const char *);
static int		 lease(struct ipc_pshm *);
static int		 stage(struct ipc_pshm *, const struct ipc_create *);
static int		 staging(const struct ipc_create *);
static int		 fill(struct ipc_pshm *, int, off_t *);
static int		 check(struct ipc_pshm *, int, int64_t, int64_t);
static int		 linkfd(int, const char *);
static int		 publish(struct ipc_pshm *, int, int64_t, int64_t);
static int		 put(struct ipc_pshm *, int, int64_t, int64_t,
			    const struct timespec *);
static int		 current(struct ipc_pshm *);
static int		 replace(struct ipc_pshm *, int64_t);
static int		 update(struct ipc_pshm *, int, int64_t, int64_t, int);
static off_t		 copy(int, off_t, const struct ipc_pshm_src *);
static off_t		 copyrange(int, off_t, const struct ipc_pshm_src *,
			    off_t, off_t);
static int		 reserve(int, off_t, off_t);
static int		 fail(struct ipc_pshm *, off_t);
static int		 torn(struct ipc_pshm *, off_t);

/*
 * An object that exists takes a regular file straight from its pages;
 * anything else is copied into a staging object first.  Nothing changes.
 */
int
ipc_pshm_load(struct ipc_shm *s, int infd)
{
	struct ipc_pshm *p = IPC_PSHM(s);
	int rv;

	p->infd = infd;
	if (p->fd != -1 && (rv = lease(p)) != 0)
		return rv == 1 ? 0 : -1;
	return stage(p, &p->c);
}

int
ipc_pshm_put(struct ipc_shm *s, int64_t size, const struct timespec *timeout)
{
	struct ipc_pshm *p = IPC_PSHM(s);
	int rv;

	if (check(p, 0, 0, size) == -1)
		return -1;
	if (p->fd == -1 && (rv = publish(p, 0, 0, size)) != 1)
		return rv;
	return put(p, 0, 0, size, timeout);
}

int
ipc_pshm_update(struct ipc_shm *s, int64_t off, int64_t size,
    const struct timespec *timeout)
{
	struct ipc_pshm *p = IPC_PSHM(s);
	int rv;

	if (check(p, 1, off, size) == -1)
		return -1;
	if (p->fd == -1 && (rv = publish(p, 1, off, size)) != 1)
		return rv;
	return put(p, 1, off, size, timeout);
}

static void
onbreak(int sig)
{
	(void)sig;
	broken = 1;
}

/* A lease break is SIGIO, which would kill: note it instead.  0 or -1. */
static int
catch_breaks(void)
{
	return ipc_catch(SIGIO, onbreak, SA_RESTART, NULL);
}

/*
 * Take the input straight from the file it is, if nobody can change it
 * until the put is done: a read lease (fcntl(2) F_SETLEASE) on a
 * descriptor of our own makes a program that opens the file to write or
 * truncate it wait, lease-break-time at most, and is gone when we are.
 * Its pages are read in first, so that a read error is found before the
 * object is touched.  1: leased; 0: not, stage it; -1: a read error.
 */
static int
lease(struct ipc_pshm *p)
{
#if defined(F_SETLEASE) && defined(__linux__)
	struct ipc_pshm_src *in = &p->in;
	struct stat st;
	off_t pos, skip;
	size_t maplen;
	char proc[32];
	void *m;
	int lfd, e;

	if (fstat(p->infd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (pos = lseek(p->infd, 0, SEEK_CUR)) == -1)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->infd);
	if ((lfd = open(proc, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if (catch_breaks() == -1 ||
	    fcntl(lfd, F_SETLEASE, F_RDLCK) == -1 || fstat(lfd, &st) == -1) {
		close(lfd);
		return 0;
	}
	in->fd = lfd;
	in->off = pos;
	in->len = st.st_size > pos ? st.st_size - pos : 0;
	in->leased = 1;
	in->named = in->spent = 0;
	skip = pos % sysconf(_SC_PAGESIZE);
	if (in->len == 0 || (uintmax_t)in->len > SIZE_MAX / 2)
		return 1;
	maplen = in->len + skip;
	if ((m = mmap(NULL, maplen, PROT_READ, MAP_SHARED, lfd,
	    pos - skip)) == MAP_FAILED) {
		close(lfd);	/* a file that cannot be mapped: staged */
		in->fd = -1;
		return 0;
	}
#ifdef MADV_POPULATE_READ
	if (madvise(m, maplen, MADV_POPULATE_READ) == -1) {
		if (errno == EFAULT || errno == EHWPOISON)
			errno = EIO;	/* what reading it would say */
		if (errno != EINVAL) {
			e = errno;
			munmap(m, maplen);
			errno = e;
			return ipc_pshm_failed(p, IPC_SHM_FD, NULL);
		}
	}
#endif
	munmap(m, maplen);
	return 1;
#else
	(void)p;
	return 0;
#endif
}

/*
 * A hidden name in dir, ".shm-put.PID.RANDOM", that no other live process
 * makes: not from arc4random(3), as libbsd's ends the process with status
 * 1 (a busy lock, to shm-put's caller) when it cannot map its state.  A
 * name that a process killed before it could remove it left behind is
 * EEXIST, and another is tried (or the put copied in place).
 */
static void
hidden(char *buf, size_t len, const char *dir)
{
	static unsigned int n;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, len, "%s.shm-put.%ld.%08x", dir, (long)getpid(),
	    (unsigned int)ts.tv_nsec ^ (unsigned int)ts.tv_sec << 20 ^ ++n);
}

/*
 * All of the input, into a staging object that nobody can see: an
 * unnamed file in /dev/shm (O_TMPFILE) that becomes the object by
 * linkat(2) if there was none, and is gone, whatever ends the put, when
 * shm-put is.  Elsewhere an object made and at once unlinked.
 */
static int
stage(struct ipc_pshm *p, const struct ipc_create *c)
{
	struct ipc_pshm_src *in = &p->in;
	struct stat st;
	off_t end, pos;

	in->leased = in->spent = 0;
	in->off = 0;
	in->named = (in->fd = staging(c)) == -1;
	if (in->named) {
		char tmp[64];

		do {
			hidden(tmp, sizeof(tmp), "/");
			in->fd = shm_open(tmp, O_RDWR | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0600);
		} while (in->fd == -1 && errno == EEXIST);
		if (in->fd == -1)
			return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
		shm_unlink(tmp);
	}

	pos = lseek(p->infd, 0, SEEK_CUR);
	end = 0;
	if (fill(p, in->fd, &end) == -1)
		return -1;
	in->len = end;
	/* A file cut short while we read it: what we have is no put. */
	if (pos != -1 && fstat(p->infd, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size < pos + end) {
		errno = EIO;
		return ipc_pshm_failed(p, IPC_SHM_FD,
		    "file shrank while it was read");
	}
	return 0;
}

/* An unnamed object in /dev/shm, with the mode c asks for; or -1. */
static int
staging(const struct ipc_create *c)
{
	int sfd = -1;
#ifdef O_TMPFILE
	mode_t mask;

	mask = ipc_umask_clear(c);
	sfd = open(IPC_SHM_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, c->mode);
	ipc_umask_restore(c, mask);
#else
	(void)c;
#endif
	return sfd;
}

/*
 * Copy the input to the end of staging object sfd, *end bytes long:
 * splice(2) from a pipe, sendfile(2) from a file or a socket, each
 * copying once in the kernel; read and write where they cannot.
 */
static int
fill(struct ipc_pshm *p, int sfd, off_t *end)
{
	static char buf[BUFSZ];
	struct stat st;
	ssize_t n;
	int how = 0;	/* 0 splice, 1 sendfile, 2 read */

	if (fstat(p->infd, &st) == -1)
		return ipc_pshm_failed(p, IPC_SHM_FD, NULL);
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return ipc_pshm_failed(p, IPC_SHM_FD, NULL);
	}
#ifdef __linux__
	if (S_ISFIFO(st.st_mode))
		(void)fcntl(p->infd, F_SETPIPE_SZ, CHUNK);
	else
		how = 1;
#else
	how = 2;
#endif
	for (;;) {
#ifdef __linux__
		if (how == 0)
			n = splice(p->infd, NULL, sfd, end, CHUNK,
			    SPLICE_F_MOVE | SPLICE_F_MORE);
		else if (how == 1) {
			if (lseek(sfd, *end, SEEK_SET) == -1)
				return ipc_pshm_failed(p, IPC_SHM_OBJECT,
				    NULL);
			n = sendfile(sfd, p->infd, NULL, CHUNK);
			if (n > 0)
				*end += n;
		} else
#endif
		if ((n = read(p->infd, buf, sizeof(buf))) > 0) {
			if (lseek(sfd, *end, SEEK_SET) == -1 ||
			    ipc_write_all(sfd, buf, n) < (size_t)n)
				return ipc_pshm_failed(p, IPC_SHM_OBJECT,
				    NULL);
			*end += n;
		}
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		/* Not this way here (no splice_read): the next one. */
		if (how < 2 && *end == 0 && (errno == EINVAL ||
		    errno == ENOSYS || errno == EOPNOTSUPP)) {
			how++;
			continue;
		}
		/* Which side failed?  Only a full /dev/shm is ours. */
		return ipc_pshm_failed(p, errno == ENOSPC || errno == EFBIG ||
		    errno == EDQUOT ? IPC_SHM_OBJECT : IPC_SHM_FD, NULL);
	}
}

/*
 * Does the input fit where the options put it, and the object in
 * /dev/shm?  An object is sparse, so that ftruncate(2) would make one of
 * 8 EiB that a reader could never read whole; one larger than the file
 * system (statfs(2): its size, not what is free now, which other objects
 * may give back) is refused.  A tmpfs mounted without a size has no
 * bound to tell.
 */
static int
check(struct ipc_pshm *p, int oflag, int64_t off, int64_t size)
{
	const struct ipc_pshm_src *in = &p->in;
	struct statfs sf;
	int64_t want;

	if (oflag && (uint64_t)off > (uint64_t)OFFMAX - in->len) {
		errno = EFBIG;
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, "offset %jd and %jd "
		    "bytes of input are past the largest size", (intmax_t)off,
		    (intmax_t)in->len);
	}
	if (size != -1 && in->len > 0 &&
	    (uint64_t)off + in->len > (uint64_t)size) {
		errno = EFBIG;
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, "%jd bytes of "
		    "input%s do not fit in size %jd", (intmax_t)in->len,
		    oflag ? " at that offset" : "", (intmax_t)size);
	}
	want = size != -1 ? size : oflag ? off + in->len : in->len;
	if (statfs(IPC_SHM_DIR, &sf) == 0 && sf.f_blocks > 0 &&
	    (uint64_t)want > (uint64_t)sf.f_blocks * sf.f_bsize) {
		errno = EFBIG;
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, "an object of %jd "
		    "bytes is more than " IPC_SHM_DIR " can hold, %ju",
		    (intmax_t)want, (uintmax_t)sf.f_blocks * sf.f_bsize);
	}
	return 0;
}

/*
 * Give the object of ofd, made without a name (O_TMPFILE), the name to:
 * linkat(2) by descriptor, or, where that needs a privilege we lack
 * (AT_EMPTY_PATH), through /proc.  0, or -1 with errno (EEXIST: taken).
 */
static int
linkfd(int ofd, const char *to)
{
	char proc[32];

	if (linkat(ofd, "", AT_FDCWD, to, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno == EEXIST)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", ofd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW);
}

/*
 * Make the new object whole where nobody sees it, then give it its name
 * with linkat(2), which fails if another put made one meanwhile: that
 * one is then put into as any object that exists (-x: refused).  Nothing
 * is made under the name before the put can succeed, so a put that fails
 * never takes away an object, its own or another's.  0: done; 1: the put
 * remains to do, with p->fd open on the object; -1.
 */
static int
publish(struct ipc_pshm *p, int oflag, int64_t off, int64_t size)
{
	struct ipc_create old = p->c;
	off_t newsize;
	int fd, ofd = p->in.fd;

	if (p->in.named)	/* no O_TMPFILE: made, then put into */
		goto make;
	newsize = size != -1 ? size : oflag ? off + p->in.len : p->in.len;
	if (oflag && off > 0 && p->in.len > 0) {
		/* The input's place is not where it was staged. */
		if ((p->fd = ofd = staging(&p->c)) == -1)
			return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
		if (update(p, oflag, off, size, 0) == -1)
			return -1;
	} else if (newsize != p->in.len && ftruncate(ofd, newsize) == -1)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	old.create = 0;
	for (;;) {
		if (linkfd(ofd, p->path) == 0)
			return 0;
		if (errno != EEXIST)
			return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
		if (p->c.exclusive)
			return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
		if ((fd = ipc_pshm_open(p->name, p->oflag, &old,
		    &p->created)) != -1) {
			if (ofd != p->in.fd)
				close(ofd);	/* staged at the offset */
			p->fd = fd;
			return 1;
		}
		if (errno != ENOENT)	/* gone again: try again */
			return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	}
make:
	if ((p->fd = ipc_pshm_open(p->name, p->oflag, &p->c,
	    &p->created)) == -1)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	return 1;
}

/*
 * Into the object that exists, under LOCK_EX; opened again when another
 * put replaced it (replace()) while we waited for the lock.
 */
static int
put(struct ipc_pshm *p, int oflag, int64_t off, int64_t size,
    const struct timespec *timeout)
{
	struct ipc_create old = p->c, def = IPC_CREATE_DEFAULT;
	struct timespec abs, *deadline;
	int cur, e;

	old.create = 0;
	deadline = ipc_deadline(timeout, &abs);
	for (;;) {
		if (ipc_pshm_lock(p->fd, LOCK_EX, deadline) == -1) {
			if (errno != EWOULDBLOCK && errno != EINTR)
				return fail(p, -1);
			e = errno;
			if (p->created)
				shm_unlink(p->name);
			if (e == EWOULDBLOCK)
				return ipc_pshm_busy(p);
			errno = e;
			return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
		}
		if ((cur = current(p)) == -1)
			return fail(p, -1);
		if (cur)
			break;
		close(p->fd);
		if ((p->fd = ipc_pshm_open(p->name, p->oflag, &old,
		    &p->created)) == -1)
			return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	}
	if (p->in.leased && broken) {
		/*
		 * Somebody wants to change the input and has waited for us
		 * as long as we waited for the lock: let them, and take what
		 * the file holds now.
		 */
		close(p->in.fd);
		if (stage(p, &def) == -1 || check(p, oflag, off, size) == -1)
			return -1;
	}
	if (!oflag && replace(p, size) == 0) {
		close(p->fd);
		p->fd = -1;
		return 0;
	}
	p->in.spent = !p->in.leased;	/* not needed once copied */
	if (update(p, oflag, off, size, 1) == -1)
		return -1;
	cur = close(p->fd);
	p->fd = -1;
	if (cur == -1)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	if (p->in.leased)
		(void)lseek(p->infd, p->in.off + p->in.len, SEEK_SET);
	return 0;
}

/* Is the object locked still the one under its name (or none)?  Or -1. */
static int
current(struct ipc_pshm *p)
{
	struct stat st;

	if (fstat(p->fd, &st) == -1)
		return -1;
	/* Removed meanwhile: ours still, as before. */
	return !ipc_pshm_other(p->path, st.st_dev, st.st_ino);
}

/*
 * A whole put of staged input where nobody can tell it from one written
 * in place: the staging object, given the old one's owner and mode, takes
 * its name by rename(2), at once, instead of being copied into it.  Only
 * when nobody else has the old object open or mapped (a write lease,
 * fcntl(2) F_SETLEASE, is granted only then; we must own it, or be root),
 * it has no other name and no extended attributes (an ACL).  Whoever
 * opens it after that opens the new one; a put that waited for our lock
 * opens it again (current()).  0, or -1: copy it in place.
 */
static int
replace(struct ipc_pshm *p, int64_t size)
{
#if defined(F_SETLEASE) && defined(__linux__)
	const struct ipc_pshm_src *in = &p->in;
	char tmp[64];
	struct stat st;
	int done = 0;

	if (in->leased || in->named || fstat(p->fd, &st) == -1 ||
	    st.st_nlink != 1 || (st.st_uid != geteuid() && geteuid() != 0) ||
	    flistxattr(p->fd, NULL, 0) > 0)
		return -1;
	if (catch_breaks() == -1 || fcntl(p->fd, F_SETLEASE, F_WRLCK) == -1)
		return -1;
	hidden(tmp, sizeof(tmp), IPC_SHM_DIR "/");
	if ((size == -1 || ftruncate(in->fd, size) == 0) &&
	    ((st.st_uid == geteuid() && st.st_gid == getegid()) ||
	    fchown(in->fd, st.st_uid, st.st_gid) == 0) &&
	    fchmod(in->fd, st.st_mode & 07777) == 0 &&
	    linkfd(in->fd, tmp) == 0) {
		if (rename(tmp, p->path) == 0)
			done = 1;
		else
			unlink(tmp);
	}
	(void)fcntl(p->fd, F_SETLEASE, F_UNLCK);
	return done ? 0 : -1;
#else
	(void)p;
	(void)size;
	return -1;
#endif
}

/*
 * Reserve the memory first, so that a full /dev/shm is found before the
 * old contents are touched, then write and set the size.  inplace: p->fd
 * is the object under its name, not a staging one nobody sees yet.
 */
static int
update(struct ipc_pshm *p, int oflag, int64_t off, int64_t size, int inplace)
{
	const struct ipc_pshm_src *in = &p->in;
	struct stat st;
	off_t oldsize, newsize, done;
	int e;

	if (fstat(p->fd, &st) == -1)
		return fail(p, -1);
	oldsize = st.st_size;
	if (!oflag)
		newsize = size != -1 ? size : in->len;
	else if (size != -1)
		newsize = size;
	else
		newsize = off + in->len > oldsize ? off + in->len : oldsize;
	if (in->len > 0 && reserve(p->fd, off, in->len) == -1)
		return fail(p, oldsize);
	/* Growing first, as it changes no byte, finds a size too large. */
	if (newsize > oldsize && ftruncate(p->fd, newsize) == -1)
		return fail(p, oldsize);
	if (in->len > 0 && (done = copy(p->fd, off, in)) < in->len) {
		/* Which side failed?  As in fill(): only a full /dev/shm is
		 * the object's; the rest (EIO) is the input's.  A copy in two
		 * halves may have written the first when the second failed. */
		e = errno;
		if (inplace && (done > 0 || in->len >= SPLIT))
			torn(p, oldsize);
		else
			fail(p, oldsize);
		if (e != ENOSPC && e != EFBIG && e != EDQUOT)
			p->s.side = IPC_SHM_FD;
		return -1;
	}
	/* Without -o nothing old stays: the tail beyond the input is zeros. */
	if (!oflag && newsize > in->len && oldsize > in->len &&
	    ftruncate(p->fd, in->len) == -1)
		return inplace ? torn(p, oldsize) : fail(p, oldsize);
	if (fstat(p->fd, &st) == -1 ||
	    (st.st_size != newsize && ftruncate(p->fd, newsize) == -1))
		return inplace && in->len > 0 ? torn(p, oldsize) :
		    fail(p, oldsize);
	/* A put that changed no byte is still a change to shm-get -w. */
	(void)futimens(p->fd, NULL);
	return 0;
}

/*
 * All of in to outoff of out: what was copied, less than in->len only
 * after an error, or when the input ended early.  A long copy is split
 * in two, the second half copied by a child process, as a machine with
 * a second core copies (and frees a spent staging object) twice as fast.
 */
static off_t
copy(int out, off_t outoff, const struct ipc_pshm_src *in)
{
	char proc[32];
	off_t half = in->len / 2, done;
	pid_t pid;
	int status, out2 = -1;

	/* The child's own description: sendfile(2) writes at its offset. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", out);
	signal(SIGCHLD, SIG_DFL);	/* ignored, waitpid would not tell */
	if (in->len < SPLIT ||
	    (out2 = open(proc, O_WRONLY | O_CLOEXEC)) == -1 ||
	    (pid = fork()) == -1) {
		if (out2 != -1)
			close(out2);
		return copyrange(out, outoff, in, 0, in->len);
	}
	if (pid == 0) {
		errno = EIO;
		ipc_exit_now(copyrange(out2, outoff, in, half, in->len) ==
		    in->len - half ? 0 : errno);
	}
	close(out2);
	done = copyrange(out, outoff, in, 0, half);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return done < half ? done : 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
		return 0;
	}
	return done < half ? done : in->len;
}

/*
 * [from, to) of in, to its place at outoff of out: copy_file_range(2)
 * between two objects, sendfile(2) from a file elsewhere, pread and
 * pwrite where neither works.  What was copied of it.
 */
static off_t
copyrange(int out, off_t outoff, const struct ipc_pshm_src *in, off_t from,
    off_t to)
{
	static char buf[BUFSZ];
	off_t done = from;
	ssize_t n;
	int how = 0;	/* 0 copy_file_range, 1 sendfile, 2 pread */

#ifndef __linux__
	how = 2;
#endif
	while (done < to) {
		size_t want = to - done < CHUNK ? to - done : CHUNK;
		off_t o = outoff + done, i = in->off + done;

#ifdef __linux__
		if (how == 0)
			n = copy_file_range(in->fd, &i, out, &o, want, 0);
		else if (how == 1)
			n = lseek(out, o, SEEK_SET) == -1 ? -1 :
			    sendfile(out, in->fd, &i, want);
		else
#endif
		if ((n = pread(in->fd, buf, want < BUFSZ ? want : BUFSZ,
		    i)) > 0)
			n = pwrite(out, buf, n, o);
		if (n == 0) {
			errno = EIO;	/* the input was cut short */
			break;
		}
		if (n > 0) {
#ifdef FALLOC_FL_PUNCH_HOLE
			if (in->spent)
				(void)fallocate(in->fd, FALLOC_FL_PUNCH_HOLE |
				    FALLOC_FL_KEEP_SIZE, in->off + done, n);
#endif
			done += n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (how < 2 && (errno == EXDEV || errno == EINVAL ||
		    errno == ENOSYS || errno == EOPNOTSUPP)) {
			how++;
			continue;
		}
		break;
	}
	return done - from;
}

/*
 * Make sure the pages that the write needs exist, so that it cannot run
 * out of space half way.  Where there is no fallocate(2), posix_fallocate
 * may grow the object: fail() sets the old size back.
 */
static int
reserve(int fd, off_t off, off_t len)
{
	off_t hole;
	int e;

#ifdef SEEK_HOLE
	/* Pages that are there already need no second look. */
	if ((hole = lseek(fd, off, SEEK_HOLE)) != -1 && hole - off >= len)
		return 0;
#else
	(void)hole;
#endif

#ifdef FALLOC_FL_KEEP_SIZE
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
#endif
	if ((e = posix_fallocate(fd, off, len)) == 0 || e == EOPNOTSUPP ||
	    e == EINVAL)
		return 0;
	errno = e;
	return -1;
}

/*
 * -1, errno kept, and the object given back as it was: its old size
 * (which also frees pages reserved past it), or, where there is no
 * O_TMPFILE, nothing if this put made it.
 */
static int
fail(struct ipc_pshm *p, off_t oldsize)
{
	int e;

	ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	e = errno;		/* not EAGAIN: that is the lock's */
	if (p->created)
		shm_unlink(p->name);
	else if (oldsize != -1 && ftruncate(p->fd, oldsize) == -1)
		snprintf(p->s.warn, sizeof(p->s.warn), "its old size, %jd, "
		    "could not be given back: %s", (intmax_t)oldsize,
		    strerror(errno));
	errno = e;
	return -1;
}

/*
 * As fail(), once the copy in place has begun: what it wrote stays, which
 * no error can take back, and the message says that the put was left
 * half done, instead of the object being as it was.
 */
static int
torn(struct ipc_pshm *p, off_t oldsize)
{
	char words[128];
	int e = errno;

	strlcpy(words, ipc_strerror(e), sizeof(words));
	fail(p, oldsize);
	e = errno;
	if (!p->created)
		snprintf(p->s.why, sizeof(p->s.why), "%s; the put was left "
		    "half done", words);
	errno = e;
	return -1;
}
