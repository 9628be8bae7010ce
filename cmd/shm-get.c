/* shm-get: write a POSIX shared memory object to standard output. */
#include "config.h"	/* first: _GNU_SOURCE, for F_SETPIPE_SZ */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm.h"

/*
 * Copied 128 KiB at a time, as cat(1) does; a pipe downstream is grown to
 * PIPESZ, which halves the wake-ups of a big copy.
 */
#define BUFSZ	(128 * 1024)
#define PIPESZ	(1024 * 1024)

static const struct option longopts[] = {
	{ "help",	no_argument,		NULL, 'h' },
	{ "length",	required_argument,	NULL, 'l' },
	{ "offset",	required_argument,	NULL, 'o' },
	{ "timeout",	required_argument,	NULL, 't' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "wait",	no_argument,		NULL, 'w' },
	{ "any-owner",	no_argument,		NULL, IPC_OPT_ANYOWNER },
	{ NULL,		0,			NULL, 0 }
};

static const char	*name;
static int		 fd;

static void		 copy(off_t, off_t);
static off_t		 mapped(off_t, off_t);
static void		 out(const char *, size_t);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	struct timespec timeoutbuf, *timeout = NULL, abs, *deadline;
	struct ipc_shm_watch w;
	struct stat st;
	char namebuf[IPC_NAMEBUF];
	int64_t off = 0, len = 0;
	int ch, lflag = 0, wflag = 0, created;
	off_t end;

	while ((ch = getopt_long(argc, argv, "hl:o:t:Vw", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(IPC_OK);
		case 'l':
			len = ipc_xsize(optarg, INT64_MAX, "length");
			lflag = 1;
			break;
		case 'o':
			off = ipc_xsize(optarg, INT64_MAX, "offset");
			break;
		case 't':
			ipc_xduration(optarg, &timeoutbuf, "timeout");
			timeout = &timeoutbuf;
			break;
		case 'V':
			ipc_version();
		case 'w':
			wflag = 1;
			break;
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
	ipc_catch_signals();
	c.create = 0;		/* it only reads */
	if ((fd = ipc_shm_open(name, O_RDONLY | O_CLOEXEC, &c, &created)) == -1)
		errx(IPC_ERROR, "%s: %s", name, ipc_strerror(errno));
	deadline = ipc_deadline(timeout, &abs);
	if (wflag) {
		if (ipc_shm_watch(&w, name, fd) == -1)
			err(IPC_ERROR, "%s", name);
		if (ipc_shm_wait(&w, fd, deadline) == -1) {
			if (errno == ETIMEDOUT)
				return IPC_NOTNOW;
			if (ipc_signalled)
				ipc_die_signalled();
			err(IPC_ERROR, "%s", name);
		}
		/* Made again, or another put in its place: read that one. */
		if (ipc_shm_replaced(&w)) {
			close(fd);
			if ((fd = ipc_shm_open(name, O_RDONLY | O_CLOEXEC, &c,
			    &created)) == -1)
				errx(IPC_ERROR, "%s: %s", name,
				    ipc_strerror(errno));
		}
		ipc_shm_unwatch(&w);
	}
	if (ipc_shm_lock(fd, LOCK_SH, deadline) == -1) {
		if (errno == EWOULDBLOCK)
			return IPC_NOTNOW;
		if (ipc_signalled)
			ipc_die_signalled();
		err(IPC_ERROR, "%s", name);
	}
	if (fstat(fd, &st) == -1)
		err(IPC_ERROR, "%s", name);
	if (off >= st.st_size)
		return 0;
	end = lflag && len < st.st_size - off ? off + len : st.st_size;
	copy(off, end);
	return 0;
}

/*
 * Copy [off, end) out while holding LOCK_SH, so that no put comes in
 * between; write(2) copies the bytes, where splice(2) into a pipe would
 * hand out the object's pages for a later put to change.  What fits in
 * the buffer is read, the lock let go, and then written, so that a slow
 * reader of a small object does not hold up its writers.
 */
static void
copy(off_t off, off_t end)
{
	static char buf[BUFSZ];
	struct stat st;
	ssize_t n;
	size_t want;

	if (end - off > BUFSZ && fstat(STDOUT_FILENO, &st) == 0 &&
	    S_ISFIFO(st.st_mode)) {
#ifdef F_SETPIPE_SZ
		(void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, PIPESZ);
#endif
	}
	if (end - off > BUFSZ)
		off = mapped(off, end - BUFSZ);
	while (off < end) {
		want = end - off < BUFSZ ? end - off : BUFSZ;
		if ((n = pread(fd, buf, want, off)) == -1) {
			if (errno == EINTR && !ipc_signalled)
				continue;
			err(IPC_ERROR, "%s", name);
		}
		if (n == 0)	/* cut short by a program without the lock */
			break;
		off += n;
		if (off >= end)
			flock(fd, LOCK_UN);
		out(buf, n);
	}
}

/*
 * All but the last buffer of a long copy goes out straight from a mapping
 * of the object, which saves a copy through the buffer: write(2) still
 * copies the bytes.  Where the mapping fails, or the object is cut short
 * under it (EFAULT, never SIGBUS: the kernel does the copy), the rest is
 * read as the buffer is.  Returns how far it got.
 */
static off_t
mapped(off_t off, off_t end)
{
	long pg = sysconf(_SC_PAGESIZE);
	off_t base = off - off % pg;
	size_t len = end - base, want;
	ssize_t n;
	char *p;

	if ((uintmax_t)(end - base) > SIZE_MAX / 2 ||
	    (p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, base)) ==
	    MAP_FAILED)
		return off;
	while (off < end) {
		want = end - off < PIPESZ ? end - off : PIPESZ;
		if ((n = write(STDOUT_FILENO, p + (off - base), want)) > 0) {
			off += n;
			continue;
		}
		if (n == -1 && errno == EFAULT)
			break;
		if (n == -1 && errno == EINTR && !ipc_signalled)
			continue;
		if (ipc_signalled)
			ipc_die_signalled();
		err(IPC_ERROR, "stdout");
	}
	munmap(p, len);
	return off;
}

static void
out(const char *p, size_t len)
{
	if (ipc_write_all(STDOUT_FILENO, p, len) < len) {
		if (ipc_signalled)
			ipc_die_signalled();
		err(IPC_ERROR, "stdout");
	}
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-w] [-l length] [-o offset] [-t timeout] "
	    "[--any-owner] name\n", getprogname());
	if (status == 0) {
		fprintf(fp, "Write the shared memory object, or length bytes "
		    "of it, to standard output.\n\n"
		    "  -l, --length length  at most length bytes (4k, 1M)\n"
		    "  -o, --offset offset  start at offset\n"
		    "  -t, --timeout time   wait at most time "
		    "(250ms, 1.5s, 2m; exit 1)\n"
		    "  -w, --wait           wait until the object changes, "
		    "then write it\n"
		    "      --any-owner      read it even if another user "
		    "owns it\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
