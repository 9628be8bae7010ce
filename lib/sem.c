/* sem.c: named semaphores, and the record of units held for a command. */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sem.h"

/*
 * glibc (and musl) keep a named semaphore as a sem_t in the file
 * /dev/shm/sem.NAME, which sem_open(3) maps shared; sem_wait(3) and
 * sem_post(3) work on any such mapping.  The file is also where the
 * holders of units are recorded, past the sem_t, where no sem_* call
 * looks: a slot per holder that names the holding process and the command
 * it runs, each by its process id and start time, so that a slot whose
 * processes are both gone records a unit whose holder died, however it
 * ended (SIGKILL too): whoever finds such a slot gives the unit back.
 * Keeping the record in the semaphore's own file means it has the
 * semaphore's owner and mode, and goes with it when it is removed.
 *
 * The record is changed only with atomic operations on the shared
 * mapping, never with file locks: a user who may only read the file can
 * take read locks on any of its bytes, but cannot write a byte of it, so
 * such a user can neither block sem-post nor make a holder unrecordable
 * or a dead holder look alive.  A user who may write the file can write
 * anything into the record, and so post units (as sem_post(3) lets that
 * user anyway), but sem-post --max still holds: a unit found in the
 * record is given back only while the value is under the bound.
 *
 * A slot goes FREE -> held (the holder's word, by compare-and-swap) ->
 * FREE (by its holder when done, or BUSY -> FREE by the one who gives a
 * dead holder's unit back).  A slot is cleared before its unit is posted:
 * a process that dies between the two loses the unit, but no unit is ever
 * posted twice.  Processes in another PID namespace cannot be told apart:
 * their slots are left alone.
 */
#define SEM_PATH	IPC_SHM_DIR "/" IPC_SEM_PREFIX
/*
 * Past the sem_t, and past where ipcutils 0.1 kept a byte per holder
 * (64 to 4159) and took locks, so that an older sem-wait on the same
 * semaphore neither reads this record nor writes into it.
 */
#define RECORD_AT	8192
#define START_BITS	41		/* of the start time, in clock ticks */
#define START_MASK	((UINT64_C(1) << START_BITS) - 1)
#define PID_LIMIT	(1 << 22)	/* Linux's PID_MAX_LIMIT */
#define FREE		0
#define BUSY		UINT64_MAX	/* a dead holder's unit being given back */
#define POST_STUCK_MS	2000		/* a post lock unchanged this long */

struct ipc_sem_record {
	uint64_t	 post;		/* who posts now, or FREE */
	uint64_t	 postns;
	uint64_t	 used;		/* slots that may be held: 0 to used-1 */
	struct {
		uint64_t holder;	/* the holding process's word, or FREE */
		uint64_t child;		/* its command's, or 0 */
		uint64_t ns;		/* their PID namespace, 0 until set */
	} slot[IPC_SEM_SLOTS];
};
#define FILE_SIZE	(RECORD_AT + sizeof(struct ipc_sem_record))

#define LOAD(p)		__atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define CAS(p, e, v)	__atomic_compare_exchange_n((p), (e), (v), 0, \
			    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

static void	 identify(struct ipc_sem *);
static uint64_t	 pidns(void);
static int	 alive(uint64_t, uint64_t);
static uint64_t	 word(pid_t);

/*
 * Open the semaphore name ("/x"), creating it with value when c says so,
 * and map it with its record.  Whoever may write the file may also cut it
 * short, and a mapping past its end faults: the tool then ends with an
 * error, not SIGBUS.
 */
int
ipc_sem_open(struct ipc_sem *s, const char *name, const struct ipc_create *c,
    unsigned int value)
{
	char path[sizeof(SEM_PATH) + IPC_NAMEBUF];
	struct stat st;
	mode_t mask = 0;
	sem_t *sem;
	void *map;
	int fd = -1, tries, e;

	if (ipc_sem_path(name, path, sizeof(path)) == -1)
		return -1;
	s->sem = NULL;
	s->rec = NULL;
	s->slot = -1;
	/* Retried: another process may remove it between create and open. */
	for (tries = 0; fd == -1 && tries < 8; tries++) {
		if (!c->exclusive || tries > 0) {
			if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK |
			    O_CLOEXEC)) != -1)
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
	if (fd == -1) {
		errno = ENOENT;
		return -1;
	}
	if (ipc_owned(fd, c) == -1 || fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(sem_t)) {
		errno = EINVAL;
		goto fail;
	}
	/* Room for the record: a file only grows, and stays sparse. */
	if (st.st_size < (off_t)FILE_SIZE && ftruncate(fd, FILE_SIZE) == -1)
		goto fail;
	map = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	close(fd);
	ipc_sigbus_says(-1, "%s: the semaphore's file was cut short", name);
	s->sem = map;
	s->rec = (struct ipc_sem_record *)((char *)map + RECORD_AT);
	s->me = FREE;		/* looked up when it is needed */
	s->ns = 0;
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/*
 * Give back the units of dead holders, but never raise the value past max
 * (-1: no bound): a slot past it is cleared without a post.  How many were
 * given, or -1.
 */
static int
reclaim(struct ipc_sem *s, long max)
{
	struct ipc_sem_record *r = s->rec;
	uint64_t h, c, ns, n, i;
	int given = 0, v;

	if ((n = LOAD(&r->used)) > IPC_SEM_SLOTS)
		n = IPC_SEM_SLOTS;
	for (i = 0; i < n; i++) {
		h = LOAD(&r->slot[i].holder);
		if (h == FREE || h == BUSY || (int)i == s->slot)
			continue;
		ns = LOAD(&r->slot[i].ns);
		c = LOAD(&r->slot[i].child);
		if (LOAD(&r->slot[i].holder) != h || alive(h, ns) ||
		    (c != 0 && alive(c, ns)))
			continue;
		if (!CAS(&r->slot[i].holder, &h, BUSY))
			continue;	/* somebody else's now */
		STORE(&r->slot[i].child, 0);
		STORE(&r->slot[i].ns, 0);
		STORE(&r->slot[i].holder, FREE);
		/* A word that names no process holds no unit. */
		if ((h >> START_BITS) == 0 || (h >> START_BITS) > PID_LIMIT)
			continue;
		if (max != -1 && (sem_getvalue(s->sem, &v) == -1 || v >= max))
			continue;
		if (sem_post(s->sem) == -1)
			return -1;
		given++;
	}
	return given;
}

int
ipc_sem_reclaim(struct ipc_sem *s)
{
	return reclaim(s, -1);
}

/*
 * Record that this process holds a unit (taken already) in a free slot.
 * -1 with ENOSPC when all IPC_SEM_SLOTS are in use.
 */
int
ipc_sem_hold(struct ipc_sem *s)
{
	struct ipc_sem_record *r = s->rec;
	uint64_t used, want, h;
	int i;

	identify(s);
	for (i = 0; i < IPC_SEM_SLOTS; i++) {
		if (LOAD(&r->slot[i].holder) != FREE)
			continue;
		/* Counted before it is taken, so that it is looked at. */
		want = (uint64_t)i + 1;
		used = LOAD(&r->used);
		while (used < want && !CAS(&r->used, &used, want))
			;
		h = FREE;
		if (!CAS(&r->slot[i].holder, &h, s->me))
			continue;
		STORE(&r->slot[i].ns, s->ns);
		STORE(&r->slot[i].child, 0);
		s->slot = i;
		return 0;
	}
	errno = ENOSPC;
	return -1;
}

/* The command that holds the unit with this process: pid. */
void
ipc_sem_child(struct ipc_sem *s, pid_t pid)
{
	if (s->slot != -1)
		STORE(&s->rec->slot[s->slot].child, word(pid));
}

/*
 * Give back the unit this process holds.  Cleared before it is posted, so
 * that a death in between leaks it rather than posts it twice; a slot that
 * is no longer ours (a writer of the file changed it) had its unit given
 * back by whoever took it.
 */
int
ipc_sem_release(struct ipc_sem *s)
{
	struct ipc_sem_record *r = s->rec;
	uint64_t h = s->me;
	int i = s->slot;

	if (i != -1) {
		s->slot = -1;
		STORE(&r->slot[i].child, 0);
		STORE(&r->slot[i].ns, 0);
		if (!CAS(&r->slot[i].holder, &h, FREE))
			return 0;
	}
	return sem_post(s->sem);
}

/*
 * sem-post's posts are serialized, so that two of them cannot both pass
 * the check against --max: the lock is a word of the record that names
 * its holder, taken over when that holder is dead.  A post takes
 * microseconds: a word that stays for POST_STUCK_MS was written there by
 * a writer of the file, and is taken over too.
 */
static int
post_lock(struct ipc_sem *s)
{
	struct ipc_sem_record *r = s->rec;
	struct timespec nap = { 0, 1000000L };
	uint64_t h, last = FREE;
	long long since = 0;

	identify(s);
	for (;;) {
		h = FREE;
		if (CAS(&r->post, &h, s->me))
			break;
		if (!alive(h, LOAD(&r->postns))) {
			if (CAS(&r->post, &h, s->me))
				break;
			continue;
		}
		if (h != last) {
			last = h;
			since = ipc_now_ms();
		} else if (ipc_now_ms() - since > POST_STUCK_MS) {
			if (CAS(&r->post, &h, s->me))
				break;
			continue;
		}
		nanosleep(&nap, NULL);
	}
	STORE(&r->postns, s->ns);
	return 0;
}

static void
post_unlock(struct ipc_sem *s)
{
	uint64_t h = s->me;

	STORE(&s->rec->postns, 0);
	CAS(&s->rec->post, &h, FREE);
}

/*
 * Give back the units of dead holders, then post count units, unless the
 * value would pass max (-1: no bound): 0 when posted, 1 when refused, -1
 * with errno (EOVERFLOW past SEM_VALUE_MAX).  The value after it in
 * *value.
 */
int
ipc_sem_post(struct ipc_sem *s, unsigned int count, long max, int *value)
{
	int rv = -1, e;

	if (post_lock(s) == -1)
		return -1;
	if (reclaim(s, max) == -1 || sem_getvalue(s->sem, value) == -1)
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
	post_unlock(s);
	errno = e;
	return rv;
}

/*
 * A process's start time, in clock ticks after boot (field 22 of
 * /proc/PID/stat), which tells it from a later one with the same id; -1
 * with ESRCH when it has ended, but is a zombie that nobody reaped.
 */
static int
start_time(pid_t pid, uint64_t *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* After the command's name, which may hold anything but ends with ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X')) {
		errno = ESRCH;
		return -1;
	}
	for (i = 0; i < 20 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return -1;
	*start = strtoull(p + 1, NULL, 10);
	return 0;
}

/* The word that names process pid in the record: its id and start time. */
static uint64_t
word(pid_t pid)
{
	uint64_t start = 0;

	start_time(pid, &start);
	return (uint64_t)pid << START_BITS | (start & START_MASK);
}

/* How the record names this process. */
static void
identify(struct ipc_sem *s)
{
	if (s->me == FREE) {
		s->me = word(getpid());
		s->ns = pidns();
	}
}

/* This process's PID namespace, or 0 where that is not known. */
static uint64_t
pidns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/*
 * Does the process that w names live?  One of another PID namespace is
 * taken to (it cannot be looked at), but a namespace is a /proc inode
 * number, 32 bits: a wider one was written by somebody else, and says
 * nothing.  Where /proc does not tell, whether its id is in use.
 */
static int
alive(uint64_t w, uint64_t ns)
{
	static uint64_t myns = (uint64_t)-1;
	uint64_t pid = w >> START_BITS, start;

	if (pid == 0 || pid > PID_LIMIT)
		return 0;
	if (myns == (uint64_t)-1)
		myns = pidns();
	if (ns != 0 && ns <= UINT32_MAX && ns != myns)
		return 1;
	/* A start time of 0: it could not be read when the word was made. */
	if ((w & START_MASK) != 0) {
		if (start_time((pid_t)pid, &start) == 0)
			return (start & START_MASK) == (w & START_MASK);
		if (errno == ESRCH)
			return 0;
	}
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
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
