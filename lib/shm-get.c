/* shm-get.c: the POSIX backend's get: a range of the object, of one put. */
#include "config.h"	/* first: _GNU_SOURCE, for F_SETPIPE_SZ */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "shm-posix.h"

/*
 * Copied 128 KiB at a time, as cat(1) does; a pipe downstream is grown to
 * PIPESZ, which halves the wake-ups of a big copy.
 */
#define BUFSZ	(128 * 1024)
#define PIPESZ	(1024 * 1024)

static int	copy(struct ipc_pshm *, int, off_t, off_t);
static off_t	mapped(struct ipc_pshm *, int, off_t, off_t);

int
ipc_pshm_get(struct ipc_shm *s, int64_t off, int64_t len, int out,
    const struct timespec *deadline)
{
	struct ipc_pshm *p = IPC_PSHM(s);
	struct stat st;
	off_t end;

	if (ipc_pshm_lock(p->fd, LOCK_SH, deadline) == -1)
		return errno == EWOULDBLOCK ? ipc_pshm_busy(p) :
		    ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	if (fstat(p->fd, &st) == -1)
		return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
	ipc_pshm_seen(p, &st);
	if (off >= st.st_size)
		return 0;
	end = len != -1 && len < st.st_size - off ? off + len : st.st_size;
	return copy(p, out, off, end);
}

/*
 * Copy [off, end) out while holding LOCK_SH, so that no put comes in
 * between; write(2) copies the bytes, where splice(2) into a pipe would
 * hand out the object's pages for a later put to change.  What fits in
 * the buffer is read, the lock let go, and then written, so that a slow
 * reader of a small object does not hold up its writers.
 */
static int
copy(struct ipc_pshm *p, int out, off_t off, off_t end)
{
	static char buf[BUFSZ];
	struct stat st;
	ssize_t n;
	size_t want;

	if (end - off > BUFSZ && fstat(out, &st) == 0 &&
	    S_ISFIFO(st.st_mode)) {
#ifdef F_SETPIPE_SZ
		(void)fcntl(out, F_SETPIPE_SZ, PIPESZ);
#endif
	}
	if (end - off > BUFSZ && (off = mapped(p, out, off, end - BUFSZ)) ==
	    -1)
		return -1;
	while (off < end) {
		want = end - off < BUFSZ ? end - off : BUFSZ;
		if ((n = pread(p->fd, buf, want, off)) == -1) {
			if (errno == EINTR && !ipc_signalled)
				continue;
			return ipc_pshm_failed(p, IPC_SHM_OBJECT, NULL);
		}
		if (n == 0)	/* cut short by a program without the lock */
			break;
		off += n;
		if (off >= end)
			flock(p->fd, LOCK_UN);
		if (ipc_write_all(out, buf, n) < (size_t)n)
			return ipc_pshm_failed(p, IPC_SHM_FD, NULL);
		p->s.last = (unsigned char)buf[n - 1];
	}
	return 0;
}

/*
 * All but the last buffer of a long copy goes out straight from a mapping
 * of the object, which saves a copy through the buffer: write(2) still
 * copies the bytes.  Where the mapping fails, or the object is cut short
 * under it (EFAULT, never SIGBUS: the kernel does the copy), the rest is
 * read as the buffer is.  Returns how far it got, or -1: out failed.
 */
static off_t
mapped(struct ipc_pshm *p, int out, off_t off, off_t end)
{
	long pg = sysconf(_SC_PAGESIZE);
	off_t base = off - off % pg;
	size_t len = end - base, want;
	ssize_t n;
	char *m;
	int e;

	if ((uintmax_t)(end - base) > SIZE_MAX / 2 ||
	    (m = mmap(NULL, len, PROT_READ, MAP_SHARED, p->fd, base)) ==
	    MAP_FAILED)
		return off;
	while (off < end) {
		want = end - off < PIPESZ ? end - off : PIPESZ;
		if ((n = write(out, m + (off - base), want)) > 0) {
			off += n;
			p->s.last = (unsigned char)m[off - base - 1];
			continue;
		}
		if (n == -1 && errno == EFAULT)
			break;
		if (n == -1 && errno == EINTR && !ipc_signalled)
			continue;
		e = errno;
		munmap(m, len);
		errno = e;
		ipc_pshm_failed(p, IPC_SHM_FD, NULL);
		return -1;
	}
	munmap(m, len);
	return off;
}
