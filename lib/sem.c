/* sem.c: named semaphores, and the record of units held for a command. */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sem.h"

/*
 * glibc (and musl) keep a named semaphore as a sem_t in the file
 * /dev/shm/sem.NAME, which sem_open(3) maps shared; sem_wait(3) and
 * sem_post(3) work on any such mapping.  The file is also where the
 * holders of units are recorded, past the sem_t, where no sem_* call
 * looks: one byte per slot, IPC_SEM_HELD while a unit is held for a
 * command, and on the same byte an open file description lock (F_OFD_SETLK)
 * that the holder keeps.  The kernel drops that lock when the last
 * descriptor of the holder's open file goes, however the holder ends, so a
 * slot that says held but whose lock can be taken records a unit whose
 * holder died: whoever takes the lock gives the unit back.  Keeping the
 * record in the semaphore's own file means it has the semaphore's owner and
 * mode, and goes with it when the semaphore is removed.
 */
#define SEM_PATH	IPC_SHM_DIR "/" IPC_SEM_PREFIX
#define LOCK_POST	48		/* a byte that serializes sem-post */
#define SLOT(i)		(64 + (off_t)(i))
#define FREE		0
#define HELD		1

static int
lockbyte(int fd, off_t off, short type, int wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = off;
	fl.l_len = 1;
	return fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
}

static int
busy(void)
{
	return errno == EAGAIN || errno == EACCES;
}

/*
 * Open the semaphore name ("/x"), creating it with value when c says so.
 * The descriptor is not close-on-exec: a command that sem-wait runs
 * inherits it, and with it the lock on its slot (ipc_sem_hold).
 */
int
ipc_sem_open(struct ipc_sem *s, const char *name, const struct ipc_create *c,
    unsigned int value)
{
	char path[sizeof(SEM_PATH) + IPC_NAMEBUF];
	struct stat st;
	mode_t mask = 0;
	sem_t *sem;
	int tries, e;

	snprintf(path, sizeof(path), SEM_PATH "%s", name + 1);
	s->fd = -1;
	s->slot = -1;
	/* Retried: another process may remove it between create and open. */
	for (tries = 0; s->fd == -1 && tries < 8; tries++) {
		if (!c->exclusive || tries > 0) {
			if ((s->fd = open(path, O_RDWR | O_NOFOLLOW)) != -1)
				break;
			if (errno != ENOENT || !c->create)
				return -1;
		}
		if (c->modeset)
			mask = umask(0);
		sem = sem_open(name, O_CREAT | (c->exclusive ? O_EXCL : 0),
		    c->mode, value);
		if (c->modeset) {
			e = errno;
			umask(mask);
			errno = e;
		}
		if (sem == SEM_FAILED)
			return -1;
		sem_close(sem);
	}
	if (s->fd == -1) {
		errno = ENOENT;
		return -1;
	}
	if (ipc_owned(s->fd, c) == -1 || fstat(s->fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(sem_t)) {
		errno = EINVAL;
		goto fail;
	}
	s->sem = mmap(NULL, sizeof(sem_t), PROT_READ | PROT_WRITE, MAP_SHARED,
	    s->fd, 0);
	if (s->sem == MAP_FAILED)
		goto fail;
	return 0;
fail:
	e = errno;
	close(s->fd);
	s->fd = -1;
	errno = e;
	return -1;
}

/*
 * Give back the units of holders that died; how many, or -1.  A slot is
 * cleared before its unit is posted: a reclaimer that died between the two
 * would lose the unit, but none can ever post one twice.
 */
int
ipc_sem_reclaim(struct ipc_sem *s)
{
	unsigned char st[IPC_SEM_SLOTS], b;
	const unsigned char freeb = FREE;
	ssize_t n, i;
	int given = 0;

	if ((n = pread(s->fd, st, sizeof(st), SLOT(0))) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (st[i] != HELD || i == s->slot)
			continue;
		if (lockbyte(s->fd, SLOT(i), F_WRLCK, 0) == -1) {
			if (busy())
				continue;	/* its holder lives */
			return -1;
		}
		if (pread(s->fd, &b, 1, SLOT(i)) == 1 && b == HELD &&
		    pwrite(s->fd, &freeb, 1, SLOT(i)) == 1 &&
		    sem_post(s->sem) == 0)
			given++;
		lockbyte(s->fd, SLOT(i), F_UNLCK, 0);
	}
	return given;
}

/*
 * Record that this process holds a unit (taken already): lock a free slot
 * and mark it.  -1 with ENOSPC when all IPC_SEM_SLOTS are in use.
 */
int
ipc_sem_hold(struct ipc_sem *s)
{
	const unsigned char heldb = HELD;
	unsigned char b;
	int i;

	for (i = 0; i < IPC_SEM_SLOTS; i++) {
		if (lockbyte(s->fd, SLOT(i), F_WRLCK, 0) == -1) {
			if (busy())
				continue;
			return -1;
		}
		if (pread(s->fd, &b, 1, SLOT(i)) == 1 && b == HELD) {
			/* A dead holder's: its unit goes back, ours stays. */
			sem_post(s->sem);
		} else if (pwrite(s->fd, &heldb, 1, SLOT(i)) != 1) {
			lockbyte(s->fd, SLOT(i), F_UNLCK, 0);
			return -1;
		}
		s->slot = i;
		return 0;
	}
	errno = ENOSPC;
	return -1;
}

/*
 * Give back the unit this process holds.  Cleared before it is posted, so
 * that a death in between leaks it rather than posts it twice; when the
 * slot cannot be cleared the unit is not posted here, and the reclaimers
 * give it back once this process is gone.
 */
int
ipc_sem_release(struct ipc_sem *s)
{
	const unsigned char freeb = FREE;

	if (s->slot != -1) {
		if (pwrite(s->fd, &freeb, 1, SLOT(s->slot)) != 1)
			return -1;
		lockbyte(s->fd, SLOT(s->slot), F_UNLCK, 0);
		s->slot = -1;
	}
	return sem_post(s->sem);
}

/*
 * Post count units, unless the value would pass max (-1: no bound):
 * 0 when posted, 1 when refused, -1 with errno (EOVERFLOW past
 * SEM_VALUE_MAX).  The value after it in *value.  sem-post serializes
 * its posts with a lock, so that two of them cannot both pass the check.
 */
int
ipc_sem_post(struct ipc_sem *s, unsigned int count, long max, int *value)
{
	int rv = -1, e;

	if (lockbyte(s->fd, LOCK_POST, F_WRLCK, 1) == -1)
		return -1;
	if (sem_getvalue(s->sem, value) == -1)
		goto out;
	if (max != -1 && (long)*value + count > max) {
		rv = 1;
		goto out;
	}
	if ((long long)*value + count > SEM_VALUE_MAX) {
		errno = EOVERFLOW;
		goto out;
	}
	for (; count > 0; count--)
		if (sem_post(s->sem) == -1)
			goto out;
	rv = sem_getvalue(s->sem, value);
out:
	e = errno;
	lockbyte(s->fd, LOCK_POST, F_UNLCK, 0);
	errno = e;
	return rv;
}

/* /dev/shm/sem.NAME, for name "/NAME"; -1 with ENAMETOOLONG. */
int
ipc_sem_path(const char *name, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, SEM_PATH "%s", name + 1);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * The value of semaphore name, for who may read its file: a copy of the
 * sem_t read with pread(2), never a mapping, so that a file that another
 * user truncates meanwhile gives a short read, not SIGBUS.  -1 with EINVAL
 * when the file is not (or no longer) a semaphore's.
 */
int
ipc_sem_value(const char *name, int *value)
{
	char path[PATH_MAX];
	struct stat st;
	sem_t copy;
	ssize_t n;
	int fd, e;

	if (ipc_sem_path(name, path, sizeof(path)) == -1 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		n = -1;
	else
		n = pread(fd, &copy, sizeof(copy), 0);
	e = errno;
	close(fd);
	if (n != (ssize_t)sizeof(copy)) {
		errno = n == -1 ? e : EINVAL;
		return -1;
	}
	return sem_getvalue(&copy, value);
}
