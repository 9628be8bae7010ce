/* shm-put: write standard input into a POSIX shared memory object. */
#include "config.h"	/* first: _GNU_SOURCE, for splice and O_TMPFILE */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/sendfile.h>
#include <sys/xattr.h>
#endif

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm.h"

#define CHUNK	(1024 * 1024)	/* asked of splice(2), sendfile(2) */
#define BUFSZ	(128 * 1024)	/* for read/write where they cannot */
#define SPLIT	(32 * 1024 * 1024)	/* a copy this long: in two halves */
#define OFFMAX	INT64_MAX

static const struct option longopts[] = {
	{ "must-exist",	no_argument,		NULL, 'e' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "mode",	required_argument,	NULL, 'm' },
	{ "nonblock",	no_argument,		NULL, 'n' },
	{ "offset",	required_argument,	NULL, 'o' },
	{ "size",	required_argument,	NULL, 's' },
	{ "timeout",	required_argument,	NULL, 't' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "exclusive",	no_argument,		NULL, 'x' },
	{ "any-owner",	no_argument,		NULL, IPC_OPT_ANYOWNER },
	{ NULL,		0,			NULL, 0 }
};

/*
 * What a put copies into the object: len bytes at off of fd, which is
 * either the input file itself, read-leased so that nobody changes it
 * meanwhile, or a staging object that holds a copy of the input.
 */
struct src {
	int		 fd;
	off_t		 off;
	off_t		 len;
	int		 leased;	/* fd is the input, under F_RDLCK */
	int		 named;		/* staging made by name: no linkat */
	int		 spent;		/* staging: free it as it is copied */
};

static const char		*name, *shown;	/* shown: for messages */
static char			 path[sizeof(IPC_SHM_DIR) + IPC_NAMEBUF];
static int			 fd = -1, created;
static volatile sig_atomic_t	 broken;	/* a lease break came */

static int		 catch_breaks(void);
static int		 lease(struct src *);
static void		 stage(struct src *, const struct ipc_create *);
static int		 staging(const struct ipc_create *);
static void		 fill(int, off_t *);
static void		 check(const struct src *, int, int64_t, int, int64_t);
static int		 linkfd(int, const char *);
static int		 publish(struct src *, const struct ipc_create *, int,
			    int64_t, int, int64_t);
static void		 put(struct src *, const struct ipc_create *, int,
			    int64_t, int, int64_t, const struct timespec *);
static int		 current(void);
static int		 replace(struct src *, int, int64_t);
static void		 update(const struct src *, int, int64_t, int,
			    int64_t);
static off_t		 copy(int, off_t, const struct src *);
static off_t		 copyrange(int, off_t, const struct src *, off_t,
			    off_t);
static int		 reserve(off_t, off_t);
static _Noreturn void	 fail(off_t);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT, old;
	struct ipc_wait w = { { 0, 0 }, 0 };
	struct timespec abs;
	struct src in;
	char namebuf[IPC_NAMEBUF];
	int64_t off = 0, size = 0;
	int ch, oflag = 0, sflag = 0;

	while ((ch = getopt_long(argc, argv, "+ehm:no:s:t:Vx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'e':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'h':
			usage(IPC_OK);
		case 'm':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'n':
			ipc_xwait_option(&w, ch, optarg);
			break;
		case 'o':
			off = ipc_xsize(optarg, OFFMAX, "offset");
			oflag = 1;
			break;
		case 's':
			size = ipc_xsize(optarg, OFFMAX, "size");
			sflag = 1;
			break;
		case 't':
			ipc_xwait_option(&w, ch, optarg);
			break;
		case 'V':
			ipc_version();
		case 'x':
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

	name = ipc_xname(argv[0], IPC_SHM, namebuf, sizeof(namebuf));
	shown = ipc_xshown(name);
	snprintf(path, sizeof(path), IPC_SHM_DIR "%s", name);
	/* Say what is wrong with the object before reading any input. */
	old = c;
	old.create = 0;
	if ((fd = ipc_shm_open(name, O_RDWR | O_CLOEXEC, &old,
	    &created)) == -1 && (errno != ENOENT || !c.create))
		errx(IPC_ERROR, "%s: %s", shown, ipc_strerror(errno));
	if (fd != -1 && c.exclusive)
		errc(IPC_ERROR, EEXIST, "%s", shown);

	/*
	 * An object that exists takes a regular file straight from its
	 * pages; anything else is copied into a staging object first.  A
	 * signal meanwhile kills as it would anyway: nothing has changed.
	 */
	if (fd == -1 || !lease(&in))
		stage(&in, &c);
	ipc_catch_signals();
	check(&in, oflag, off, sflag, size);
	if (fd == -1 && publish(&in, &c, oflag, off, sflag, size) == 0)
		return IPC_OK;
	put(&in, &old, oflag, off, sflag, size,
	    ipc_deadline(IPC_WAIT_TIMEOUT(&w), &abs));
	return IPC_OK;
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
 * object is touched.
 */
static int
lease(struct src *in)
{
#if defined(F_SETLEASE) && defined(__linux__)
	struct stat st;
	off_t pos, skip;
	size_t maplen;
	void *p;
	int lfd;

	if (fstat(STDIN_FILENO, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (pos = lseek(STDIN_FILENO, 0, SEEK_CUR)) == -1)
		return 0;
	if ((lfd = open("/proc/self/fd/0", O_RDONLY | O_CLOEXEC)) == -1)
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
	if ((p = mmap(NULL, maplen, PROT_READ, MAP_SHARED, lfd,
	    pos - skip)) == MAP_FAILED) {
		close(lfd);	/* a file that cannot be mapped: staged */
		return 0;
	}
#ifdef MADV_POPULATE_READ
	if (madvise(p, maplen, MADV_POPULATE_READ) == -1) {
		if (errno == EFAULT || errno == EHWPOISON)
			errno = EIO;	/* what reading it would say */
		if (errno != EINVAL)
			err(IPC_ERROR, "stdin");
	}
#endif
	munmap(p, maplen);
	return 1;
#else
	(void)in;
	return 0;
#endif
}

/*
 * All of standard input, into a staging object that nobody can see: an
 * unnamed file in /dev/shm (O_TMPFILE) that becomes the object by
 * linkat(2) if there was none, and is gone, whatever ends the put, when
 * shm-put is.  Elsewhere an object made and at once unlinked.
 */
static void
stage(struct src *in, const struct ipc_create *c)
{
	struct stat st;
	off_t end, pos;

	in->leased = in->spent = 0;
	in->off = 0;
	in->named = (in->fd = staging(c)) == -1;
	if (in->named) {
		char tmp[64];

		do {
			snprintf(tmp, sizeof(tmp), "/.shm-put.%ld.%08x",
			    (long)getpid(), (unsigned int)arc4random());
			in->fd = shm_open(tmp, O_RDWR | O_CREAT | O_EXCL |
			    O_CLOEXEC, 0600);
		} while (in->fd == -1 && errno == EEXIST);
		if (in->fd == -1)
			err(IPC_ERROR, "%s", shown);
		shm_unlink(tmp);
	}

	pos = lseek(STDIN_FILENO, 0, SEEK_CUR);
	end = 0;
	fill(in->fd, &end);
	in->len = end;
	/* A file cut short while we read it: what we have is no put. */
	if (pos != -1 && fstat(STDIN_FILENO, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size < pos + end)
		errx(IPC_ERROR, "stdin: file shrank while it was read");
}

/* An unnamed object in /dev/shm, with the mode c asks for; or -1. */
static int
staging(const struct ipc_create *c)
{
	mode_t mask = 0;
	int sfd = -1;

#ifdef O_TMPFILE
	if (c->modeset)
		mask = umask(0);
	sfd = open(IPC_SHM_DIR, O_TMPFILE | O_RDWR | O_CLOEXEC, c->mode);
	if (c->modeset)
		umask(mask);
#else
	(void)c;
	(void)mask;
#endif
	return sfd;
}

/*
 * Copy standard input to the end of staging object sfd, *end bytes long:
 * splice(2) from a pipe, sendfile(2) from a file or a socket, each
 * copying once in the kernel; read and write where they cannot.
 */
static void
fill(int sfd, off_t *end)
{
	static char buf[BUFSZ];
	struct stat st;
	ssize_t n;
	int how = 0;	/* 0 splice, 1 sendfile, 2 read */

	if (fstat(STDIN_FILENO, &st) == -1)
		err(IPC_ERROR, "stdin");
	if (S_ISDIR(st.st_mode))
		errc(IPC_ERROR, EISDIR, "stdin");
#ifdef __linux__
	if (S_ISFIFO(st.st_mode))
		(void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, CHUNK);
	else
		how = 1;
#else
	how = 2;
#endif
	for (;;) {
#ifdef __linux__
		if (how == 0)
			n = splice(STDIN_FILENO, NULL, sfd, end, CHUNK,
			    SPLICE_F_MOVE | SPLICE_F_MORE);
		else if (how == 1) {
			if (lseek(sfd, *end, SEEK_SET) == -1)
				err(IPC_ERROR, "%s", shown);
			n = sendfile(sfd, STDIN_FILENO, NULL, CHUNK);
			if (n > 0)
				*end += n;
		} else
#endif
		if ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
			if (lseek(sfd, *end, SEEK_SET) == -1 ||
			    ipc_write_all(sfd, buf, n) < (size_t)n)
				err(IPC_ERROR, "%s", shown);
			*end += n;
		}
		if (n == 0)
			return;
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
		err(IPC_ERROR, "%s", errno == ENOSPC || errno == EFBIG ||
		    errno == EDQUOT ? name : "stdin");
	}
}

/* Does the input fit where the options put it? */
static void
check(const struct src *in, int oflag, int64_t off, int sflag, int64_t size)
{
	if (oflag && (uint64_t)off > (uint64_t)OFFMAX - in->len)
		errx(IPC_ERROR, "%s: offset %jd and %jd bytes of input are past "
		    "the largest size", name, (intmax_t)off, (intmax_t)in->len);
	if (sflag && in->len > 0 && (uint64_t)off + in->len > (uint64_t)size)
		errx(IPC_ERROR, "%s: %jd bytes of input%s do not fit in size %jd",
		    name, (intmax_t)in->len, oflag ? " at that offset" : "",
		    (intmax_t)size);
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
 * never takes away an object, its own or another's.  -1 when the put
 * remains to do, with fd open on the object.
 */
static int
publish(struct src *in, const struct ipc_create *c, int oflag, int64_t off,
    int sflag, int64_t size)
{
	struct ipc_create old = *c;
	off_t newsize;
	int ofd = in->fd;

	if (in->named)		/* no O_TMPFILE: made, then put into */
		goto make;
	newsize = sflag ? size : oflag ? off + in->len : in->len;
	if (oflag && off > 0 && in->len > 0) {
		/* The input's place is not where it was staged. */
		if ((fd = ofd = staging(c)) == -1)
			err(IPC_ERROR, "%s", shown);
		update(in, oflag, off, sflag, size);
	} else if (newsize != in->len && ftruncate(ofd, newsize) == -1)
		err(IPC_ERROR, "%s", shown);
	old.create = 0;
	for (;;) {
		if (linkfd(ofd, path) == 0)
			return 0;
		if (errno != EEXIST)
			err(IPC_ERROR, "%s", shown);
		if (c->exclusive)
			errc(IPC_ERROR, EEXIST, "%s", shown);
		if ((fd = ipc_shm_open(name, O_RDWR | O_CLOEXEC, &old,
		    &created)) != -1)
			return -1;
		if (errno != ENOENT)	/* gone again: try again */
			errx(IPC_ERROR, "%s: %s", shown, ipc_strerror(errno));
	}
make:
	if ((fd = ipc_shm_open(name, O_RDWR | O_CLOEXEC, c, &created)) == -1)
		errx(IPC_ERROR, "%s: %s", shown, ipc_strerror(errno));
	return -1;
}

/*
 * Into the object that exists, under LOCK_EX: c opens it again when
 * another put replaced it (replace()) while we waited for the lock.
 */
static void
put(struct src *in, const struct ipc_create *c, int oflag, int64_t off,
    int sflag, int64_t size, const struct timespec *deadline)
{

	for (;;) {
		if (ipc_shm_lock(fd, LOCK_EX, deadline) == -1) {
			if (created)
				shm_unlink(name);
			if (errno == EWOULDBLOCK)
				exit(IPC_NOTNOW);
			if (ipc_signalled)
				ipc_die_signalled();
			fail(-1);
		}
		if (current())
			break;
		close(fd);
		if ((fd = ipc_shm_open(name, O_RDWR | O_CLOEXEC, c,
		    &created)) == -1)
			errx(IPC_ERROR, "%s: %s", shown, ipc_strerror(errno));
	}
	if (in->leased && broken) {
		/*
		 * Somebody wants to change the input and has waited for us
		 * as long as we waited for the lock: let them, and take what
		 * the file holds now.
		 */
		close(in->fd);
		stage(in, &(struct ipc_create)IPC_CREATE_DEFAULT);
		check(in, oflag, off, sflag, size);
	}
	if (!oflag && replace(in, sflag, size) == 0) {
		close(fd);
		return;
	}
	in->spent = !in->leased;	/* not needed once copied */
	update(in, oflag, off, sflag, size);
	if (close(fd) == -1)
		err(IPC_ERROR, "%s", shown);
	if (in->leased)
		(void)lseek(STDIN_FILENO, in->off + in->len, SEEK_SET);
}

/* Is the object locked still the one under its name (or none)? */
static int
current(void)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		fail(-1);
	/* Removed meanwhile: ours still, as before. */
	return !ipc_shm_other(path, st.st_dev, st.st_ino);
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
replace(struct src *in, int sflag, int64_t size)
{
#if defined(F_SETLEASE) && defined(__linux__)
	char tmp[64];
	struct stat st;
	int done = 0;

	if (in->leased || in->named || fstat(fd, &st) == -1 ||
	    st.st_nlink != 1 || (st.st_uid != geteuid() && geteuid() != 0) ||
	    flistxattr(fd, NULL, 0) > 0)
		return -1;
	if (catch_breaks() == -1 || fcntl(fd, F_SETLEASE, F_WRLCK) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), IPC_SHM_DIR "/.shm-put.%ld.%08x",
	    (long)getpid(), (unsigned int)arc4random());
	if ((!sflag || ftruncate(in->fd, size) == 0) &&
	    ((st.st_uid == geteuid() && st.st_gid == getegid()) ||
	    fchown(in->fd, st.st_uid, st.st_gid) == 0) &&
	    fchmod(in->fd, st.st_mode & 07777) == 0 &&
	    linkfd(in->fd, tmp) == 0) {
		if (rename(tmp, path) == 0)
			done = 1;
		else
			unlink(tmp);
	}
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	return done ? 0 : -1;
#else
	(void)in;
	(void)sflag;
	(void)size;
	return -1;
#endif
}

/*
 * Reserve the memory first, so that a full /dev/shm is found before the
 * old contents are touched, then write and set the size.
 */
static void
update(const struct src *in, int oflag, int64_t off, int sflag, int64_t size)
{
	struct stat st;
	off_t oldsize, newsize;

	if (fstat(fd, &st) == -1)
		fail(-1);
	oldsize = st.st_size;
	if (!oflag)
		newsize = sflag ? size : in->len;
	else if (sflag)
		newsize = size;
	else
		newsize = off + in->len > oldsize ? off + in->len : oldsize;
	if (in->len > 0 && reserve(off, in->len) == -1)
		fail(oldsize);
	/* Growing first, as it changes no byte, finds a size too large. */
	if (newsize > oldsize && ftruncate(fd, newsize) == -1)
		fail(oldsize);
	if (in->len > 0 && copy(fd, off, in) < in->len)
		fail(oldsize);
	/* Without -o nothing old stays: the tail beyond the input is zeros. */
	if (!oflag && newsize > in->len && oldsize > in->len &&
	    ftruncate(fd, in->len) == -1)
		fail(oldsize);
	if (fstat(fd, &st) == -1 ||
	    (st.st_size != newsize && ftruncate(fd, newsize) == -1))
		fail(oldsize);
	/* A put that changed no byte is still a change to shm-get -w. */
	(void)futimens(fd, NULL);
}

/*
 * All of in to outoff of out: what was copied, less than in->len only
 * after an error, or when the input ended early.  A long copy is split
 * in two, the second half copied by a child process, as a machine with
 * a second core copies (and frees a spent staging object) twice as fast.
 */
static off_t
copy(int out, off_t outoff, const struct src *in)
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
		_exit(copyrange(out2, outoff, in, half, in->len) ==
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
copyrange(int out, off_t outoff, const struct src *in, off_t from, off_t to)
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
reserve(off_t off, off_t len)
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
 * Report errno and give the object back as it was: its old size (which
 * also frees pages reserved past it), or, where there is no O_TMPFILE,
 * nothing if this put made it.
 */
static _Noreturn void
fail(off_t oldsize)
{
	int e = errno;

	if (created)
		shm_unlink(name);
	else if (oldsize != -1 && ftruncate(fd, oldsize) == -1)
		warn("%s: its old size could not be given back", shown);
	errno = e;
	err(IPC_ERROR, "%s", shown);
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-ex] [-m mode] [-n | -t timeout] [-o offset] "
	    "[-s size] [--any-owner] name\n", getprogname());
	if (status == 0) {
		fprintf(fp, "Write standard input into the shared memory "
		    "object, all of it or nothing.\n\n"
		    "  -e, --must-exist     do not create the object\n"
		    "  -m, --mode mode      mode of a new object (0600)\n"
		    "  -n, --nonblock       do not wait for the lock "
		    "(exit 1 when held)\n"
		    "  -o, --offset offset  write at offset, in place, "
		    "keeping the rest\n"
		    "  -s, --size size      set the size (4k, 1M); "
		    "the rest is zeros\n"
		    "  -t, --timeout time   wait at most time for the lock "
		    "(250ms, 1.5s, 2m)\n"
		    "  -x, --exclusive      fail if the object exists\n"
		    "      --any-owner      use it even if another user "
		    "owns it\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
