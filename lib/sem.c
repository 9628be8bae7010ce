/* sem.c: POSIX named semaphores, and the record of units held for a command. */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <semaphore.h>
#include <stddef.h>
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
#define POST_NAP_MS	64		/* the longest nap at a held lock */
#define POLL_NS		500000000L	/* how often a waiter looks for dead
					   holders */
#define SLOTS		4096		/* holders recorded at once */

struct record {
	uint64_t	 post;		/* who posts now, or FREE */
	uint64_t	 postns;
	uint64_t	 used;		/* slots that may be held: 0 to used-1 */
	struct {
		uint64_t holder;	/* the holding process's word, or FREE */
		uint64_t child;		/* its command's, or 0 */
		uint64_t ns;		/* their PID namespace, 0 until set */
	} slot[SLOTS];
};
#define FILE_SIZE	(RECORD_AT + sizeof(struct record))

/* A semaphore of this backend: the family's part first. */
struct posix_sem {
	struct ipc_sem	 pub;
	sem_t		*sem;		/* mapped with its file's record */
	struct record	*rec;
	int		 slot;		/* ours, or -1 */
	int		 fd;		/* its file, open for room() */
	off_t		 ready;		/* the record's pages exist up to here */
	uint64_t	 me;		/* this process, in the record */
	uint64_t	 ns;		/* its PID namespace */
	long		 max;		/* sem-post --max, -1: no bound */
	char		*shown;
};

#define LOAD(p)		__atomic_load_n((p), __ATOMIC_SEQ_CST)
#define STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define CAS(p, e, v)	__atomic_compare_exchange_n((p), (e), (v), 0, \
			    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

static void	 identify(struct posix_sem *);
static int	 room(struct posix_sem *, off_t, int);
static uint64_t	 pidns(void);
static int	 alive(uint64_t, uint64_t);
static uint64_t	 word(pid_t);
static int	 posix_holders(const char *, const struct ipc_tls_opts *,
		    struct ipc_sem_holder **,
		    size_t *, char *, size_t);

/*
 * Make the pages of the record up to end exist (at least one more page when
 * more is 1), past those made already: the file is sparse, and on a full
 * /dev/shm the first touch of a missing page, a read too, is SIGBUS.
 * Where fallocate(2) is missing, the touch will tell.
 */
static int
room(struct posix_sem *p, off_t end, int more)
{
	long page = sysconf(_SC_PAGESIZE);

	if (end <= p->ready && !more)
		return 0;
	if (page <= 0)
		page = 4096;
	end = (end + more * page + page - 1) / page * page;
	if (end > (off_t)FILE_SIZE)
		end = FILE_SIZE;
#ifdef FALLOC_FL_KEEP_SIZE
	if (fallocate(p->fd, FALLOC_FL_KEEP_SIZE, p->ready,
	    end - p->ready) == -1 && errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
#endif
	p->ready = end;
	return 0;
}

/*
 * Open the semaphore name ("/x"), creating it with value when c says so,
 * and map it with its record.  Whoever may write the file may also cut it
 * short, and a mapping past its end faults: the tool then ends with an
 * error, not SIGBUS.
 */
static int
map(struct posix_sem *p, const char *name, const struct ipc_create *c,
    unsigned int value, char *why, size_t len)
{
	char path[sizeof(SEM_PATH) + IPC_NAMEBUF];
	struct stat st;
	mode_t mask;
	sem_t *sem;
	void *m;
	int fd = -1, tries, e;

	if (ipc_sem_path(name, path, sizeof(path)) == -1)
		return -1;
	/* Retried: another process may remove it between create and open. */
	for (tries = 0; fd == -1 && tries < 8; tries++) {
		if (!c->exclusive || tries > 0) {
			/* A regular file, and never a wait (ipc_regular). */
			fd = ipc_regular(open(path, O_RDWR | IPC_OPEN_OBJECT),
			    path);
			if (fd != -1)
				break;
			if (errno != ENOENT || !c->create)
				return -1;
		}
		mask = ipc_umask_clear(c);
		sem = sem_open(name, O_CREAT | (c->exclusive ? O_EXCL : 0),
		    c->mode, value);
		ipc_umask_restore(c, mask);
		if (sem == SEM_FAILED)
			return ipc_regular(-1, path);
		sem_close(sem);
	}
	if (fd == -1) {
		errno = ENOENT;
		return -1;
	}
	if (ipc_owned_or_close(fd, c) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (st.st_size < (off_t)sizeof(sem_t)) {
		/*
		 * Put there by hand, or cut short: EINVAL alone would blame
		 * the user's argument.
		 */
		snprintf(why, len, "not a semaphore: its file %s holds %lld "
		    "bytes, fewer than a sem_t's %zu", path,
		    (long long)st.st_size, sizeof(sem_t));
		errno = EINVAL;
		goto fail;
	}
	/* Room for the record: a file only grows, and stays sparse. */
	if (st.st_size < (off_t)FILE_SIZE && ftruncate(fd, FILE_SIZE) == -1)
		goto fail;
	/*
	 * Its first page: the post lock, the count of slots, the first
	 * slots.  The file stays open for room() in posix_hold.
	 */
	p->fd = fd;
	p->ready = RECORD_AT;
	if (room(p, RECORD_AT, 1) == -1) {
		snprintf(why, len, "no room in %s for the record of its "
		    "holders: %s", IPC_SHM_DIR, strerror(errno));
		goto fail;
	}
	m = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		goto fail;
	ipc_sigbus_says(-1, "%s: the semaphore's file was cut short",
	    ipc_shown(name));
	p->sem = m;
	p->rec = (struct record *)((char *)m + RECORD_AT);
	return 0;
fail:
	e = errno;
	close(fd);
	p->fd = -1;
	errno = e;
	return -1;
}

/* A plain name ("x" or "/x"), as the POSIX calls take it, or NULL and why. */
static const char *
posix_name(const char *arg, char *buf, size_t size, char *why, size_t len)
{
	const char *name, *errstr;

	if ((name = ipc_name(arg, IPC_SEM, buf, size, &errstr)) == NULL) {
		snprintf(why, len, "%s", errstr);
		errno = EINVAL;
	}
	return name;
}

static struct ipc_sem *
posix_open(const char *arg, const struct ipc_sem_conf *conf,
    const char **shown, char *why, size_t len)
{
	char buf[IPC_NAMEBUF];
	const char *name;
	struct posix_sem *p;
	int e;

	if ((name = posix_name(arg, buf, sizeof(buf), why, len)) == NULL) {
		*shown = ipc_shown(arg);
		return NULL;
	}
	*shown = ipc_shown(name);
	if (conf->ttl.tv_sec != 0 || conf->ttl.tv_nsec != 0) {
		snprintf(why, len, "--ttl is for etcd:// names: a POSIX "
		    "semaphore's unit comes back when its holder dies");
		errno = EINVAL;
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->shown = strdup(*shown)) == NULL)
		goto fail;
	p->slot = -1;
	p->fd = -1;
	p->me = FREE;		/* looked up when it is needed */
	p->max = conf->max;
	if (map(p, name, &conf->create, conf->init, why, len) == -1)
		goto fail;
	p->pub.shown = *shown = p->shown;
	return &p->pub;
fail:
	e = errno;
	if (p != NULL)
		free(p->shown);
	free(p);
	errno = e;
	return NULL;
}

static void
posix_close(struct ipc_sem *s)
{
	struct posix_sem *p = (struct posix_sem *)s;

	munmap(p->sem, FILE_SIZE);
	close(p->fd);
	free(p->shown);
	free(p);
}

/*
 * Give back the units of dead holders, but never raise the value past max
 * (-1: no bound): a slot past it is cleared without a post.  How many were
 * given, or -1.
 */
static int
reclaim(struct posix_sem *p, long max)
{
	struct record *r = p->rec;
	uint64_t h, c, ns, n, i;
	int given = 0, v;

	if ((n = LOAD(&r->used)) > SLOTS)
		n = SLOTS;
	for (i = 0; i < n; i++) {
		h = LOAD(&r->slot[i].holder);
		if (h == FREE || h == BUSY || (int)i == p->slot)
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
		if (max != -1 && (sem_getvalue(p->sem, &v) == -1 || v >= max))
			continue;
		if (sem_post(p->sem) == -1) {
			/* At SEM_VALUE_MAX: no room for the unit, and no need. */
			if (errno == EOVERFLOW)
				continue;
			return -1;
		}
		given++;
	}
	return given;
}

/*
 * Take one unit.  The units of holders that died are given back first,
 * and again every POLL_NS while it waits.  A signal ends the wait.
 */
static int
posix_take(struct ipc_sem *s, const struct timespec *timeout)
{
	struct posix_sem *p = (struct posix_sem *)s;
	struct timespec end, now, step;
	const struct timespec every = { 0, POLL_NS };

	if (reclaim(p, -1) == -1)
		return -1;
	if (sem_trywait(p->sem) == 0)
		return 0;
	if (errno != EAGAIN && errno != EINTR)
		return -1;
	if (timeout != NULL && timeout->tv_sec == 0 && timeout->tv_nsec == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (timeout != NULL)
		ipc_deadline(timeout, &end);
	for (;;) {
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		clock_gettime(CLOCK_REALTIME, &now);
		timespecadd(&now, &every, &step);
		if (timeout != NULL && timespeccmp(&end, &step, <))
			step = end;
		if (sem_timedwait(p->sem, &step) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != ETIMEDOUT)
			return -1;
		if (timeout != NULL && ipc_expired(&end)) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (reclaim(p, -1) == -1)
			return -1;
	}
}

static int
posix_value(struct ipc_sem *s, int *value)
{
	return sem_getvalue(((struct posix_sem *)s)->sem, value);
}

/*
 * Record that this process holds a unit (taken already) in a free slot.
 * -1 with ENOSPC when all SLOTS are in use.
 */
static int
posix_hold(struct ipc_sem *s)
{
	struct posix_sem *p = (struct posix_sem *)s;
	struct record *r = p->rec;
	uint64_t used, want, h;
	int i;

	identify(p);
	for (i = 0; i < SLOTS; i++) {
		/* Looked at, even, only once its page exists: room(). */
		if (room(p, (off_t)((char *)&r->slot[i + 1] - (char *)p->sem),
		    0) == -1) {
			snprintf(s->why, sizeof(s->why), "no room in %s to "
			    "record it: %s", IPC_SHM_DIR, strerror(errno));
			errno = ENOSPC;
			return -1;
		}
		if (LOAD(&r->slot[i].holder) != FREE)
			continue;
		/* Counted before it is taken, so that it is looked at. */
		want = (uint64_t)i + 1;
		used = LOAD(&r->used);
		while (used < want && !CAS(&r->used, &used, want))
			;
		h = FREE;
		if (!CAS(&r->slot[i].holder, &h, p->me))
			continue;
		STORE(&r->slot[i].ns, p->ns);
		STORE(&r->slot[i].child, 0);
		p->slot = i;
		return 0;
	}
	snprintf(s->why, sizeof(s->why), "%d holders recorded already",
	    SLOTS);
	errno = ENOSPC;
	return -1;
}

/* The command that holds the unit with this process: pid. */
static void
posix_child(struct ipc_sem *s, pid_t pid)
{
	struct posix_sem *p = (struct posix_sem *)s;

	if (p->slot != -1)
		STORE(&p->rec->slot[p->slot].child, word(pid));
}

/*
 * Give back the unit this process holds, or only took.  Cleared before it
 * is posted, so that a death in between leaks it rather than posts it
 * twice; a slot that is no longer ours (a writer of the file changed it)
 * had its unit given back by whoever took it.
 */
static int
posix_release(struct ipc_sem *s)
{
	struct posix_sem *p = (struct posix_sem *)s;
	struct record *r = p->rec;
	uint64_t h = p->me;
	int i = p->slot;

	if (i != -1) {
		p->slot = -1;
		STORE(&r->slot[i].child, 0);
		STORE(&r->slot[i].ns, 0);
		if (!CAS(&r->slot[i].holder, &h, FREE))
			return 0;
	}
	return sem_post(p->sem);
}

/*
 * sem-post's posts are serialized, so that two of them cannot both pass
 * the check against --max: the lock is a word of the record that names
 * its holder, taken over only when that holder is gone (its process id
 * and start time name no live process).  A holder that is only slow,
 * stopped (SIGSTOP, a debugger) or a word that a writer of the file put
 * there for a live process of its own, is waited for, as long as the
 * timeout lets (EAGAIN for { 0, 0 }, ETIMEDOUT): a post that went ahead
 * could pass --max when the holder goes on.  A writer of the file can
 * hold back posts so, as it can set the value itself.
 */
static int
post_lock(struct posix_sem *p, const struct timespec *timeout)
{
	struct record *r = p->rec;
	struct timespec end, *dl, nap = { 0, 0 };
	long ms = 1, left;
	uint64_t h;

	identify(p);
	dl = ipc_deadline(timeout, &end);
	for (;;) {
		h = FREE;
		if (CAS(&r->post, &h, p->me))
			break;
		if (!alive(h, LOAD(&r->postns))) {
			if (CAS(&r->post, &h, p->me))
				break;
			continue;
		}
		if ((left = ipc_ms_until(dl)) == 0) {
			errno = timeout->tv_sec == 0 && timeout->tv_nsec == 0 ?
			    EAGAIN : ETIMEDOUT;
			return -1;
		}
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		/* A post takes microseconds: look again soon, then seldom. */
		nap.tv_nsec = (left != -1 && left < ms ? left : ms) * 1000000L;
		nanosleep(&nap, NULL);
		if (ms < POST_NAP_MS)
			ms *= 2;
	}
	STORE(&r->postns, p->ns);
	return 0;
}

static void
post_unlock(struct posix_sem *p)
{
	uint64_t h = p->me;

	STORE(&p->rec->postns, 0);
	CAS(&p->rec->post, &h, FREE);
}

/*
 * Give back the units of dead holders, then post count units, unless the
 * value would pass max (EAGAIN) or SEM_VALUE_MAX (EOVERFLOW).  The value
 * after it in *value, or the value that refused it.
 */
static int
posix_post(struct ipc_sem *s, unsigned int count,
    const struct timespec *timeout, int *value)
{
	struct posix_sem *p = (struct posix_sem *)s;
	long max = p->max;
	int rv = -1, e;

	if (post_lock(p, timeout) == -1) {
		e = errno;
		if (sem_getvalue(p->sem, value) == -1)
			*value = 0;
		errno = e;
		return -1;
	}
	if (reclaim(p, max) == -1 || sem_getvalue(p->sem, value) == -1)
		goto out;
	if (max != -1 && (long)*value + count > max) {
		errno = EAGAIN;
		goto out;
	}
	if ((long long)*value + count > SEM_VALUE_MAX) {
		snprintf(s->why, sizeof(s->why), "value %d and %u more would "
		    "pass SEM_VALUE_MAX, %d", *value, count, SEM_VALUE_MAX);
		errno = EOVERFLOW;
		goto out;
	}
	for (; count > 0; count--)
		if (sem_post(p->sem) == -1)
			goto out;
	rv = sem_getvalue(p->sem, value);
out:
	e = errno;
	post_unlock(p);
	errno = e;
	return rv;
}

static int
posix_peek(const char *arg, const struct ipc_tls_opts *tls, int *value,
    char *why, size_t len)
{
	char buf[IPC_NAMEBUF];
	const char *name;

	(void)tls;
	if ((name = posix_name(arg, buf, sizeof(buf), why, len)) == NULL)
		return -1;
	return ipc_sem_value(name, value);
}

static int
posix_unlink(const char *arg, const struct ipc_tls_opts *tls, char *why,
    size_t len)
{
	char buf[IPC_NAMEBUF];
	const char *name;

	(void)tls;
	if ((name = posix_name(arg, buf, sizeof(buf), why, len)) == NULL)
		return -1;
	return sem_unlink(name);
}

const struct ipc_sem_backend ipc_sem_posix = {
	NULL,
	posix_open,
	posix_take,
	posix_post,
	posix_value,
	posix_hold,
	posix_child,
	posix_release,
	NULL,			/* a unit held is never lost */
	NULL,			/* no fencing token */
	posix_peek,
	posix_unlink,
	posix_holders,
	NULL,			/* listed by the tools (objects.h) */
	posix_close,
};

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
identify(struct posix_sem *p)
{
	if (p->me == FREE) {
		p->me = word(getpid());
		p->ns = pidns();
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
	return ipc_object_path(buf, len, IPC_SHM_DIR, IPC_SEM_PREFIX, name);
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

/* The seconds since the epoch at boot (btime of /proc/stat), or 0. */
static time_t
boot_time(void)
{
	char line[256];
	long long t = 0;
	FILE *fp;

	if ((fp = fopen("/proc/stat", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "btime %lld", &t) == 1)
			break;
	fclose(fp);
	return (time_t)t;
}

/* A process's command line, its arguments between spaces; "" if gone. */
static void
cmdline(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n, i;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (i = 0; i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
}

/*
 * The holders in the record, read with pread(2) as ipc_sem_value reads
 * the value: who may read the file sees them.  Since when: the record
 * keeps the holder's start time, not the moment it took its unit.
 */
static int
posix_holders(const char *arg, const struct ipc_tls_opts *tls,
    struct ipc_sem_holder **v, size_t *n, char *why, size_t len)
{
	struct ipc_sem_holder *h;
	struct record *r;
	char path[PATH_MAX], nbuf[IPC_NAMEBUF];
	const char *name;
	uint64_t w, myns = pidns();
	ssize_t got;
	size_t i, used;
	long tick = sysconf(_SC_CLK_TCK);
	time_t boot = boot_time();
	int fd, e;

	(void)tls;
	if ((name = posix_name(arg, nbuf, sizeof(nbuf), why, len)) == NULL ||
	    ipc_sem_path(name, path, sizeof(path)) == -1 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return -1;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	got = pread(fd, r, sizeof(*r), RECORD_AT);
	e = errno;
	close(fd);
	/* A file without a record (none held yet) is one without holders. */
	used = got < (ssize_t)offsetof(struct record, slot) ? 0 : r->used;
	if (got > 0 && used > ((size_t)got - offsetof(struct record, slot)) /
	    sizeof(r->slot[0]))
		used = ((size_t)got - offsetof(struct record, slot)) /
		    sizeof(r->slot[0]);
	if (got == -1) {
		free(r);
		errno = e;
		return -1;
	}
	if ((*v = h = calloc(used ? used : 1, sizeof(*h))) == NULL) {
		free(r);
		return -1;
	}
	for (i = 0; i < used; i++) {
		w = r->slot[i].holder;
		if (w == FREE || w == BUSY)
			continue;
		memset(h, 0, sizeof(*h));
		h->pid = (pid_t)(w >> START_BITS);
		if (r->slot[i].child != 0)
			h->child = (pid_t)(r->slot[i].child >> START_BITS);
		if (r->slot[i].ns != 0 && r->slot[i].ns != myns)
			h->state = IPC_HOLDER_ELSEWHERE;
		else if (!alive(w, r->slot[i].ns) && (r->slot[i].child == 0 ||
		    !alive(r->slot[i].child, r->slot[i].ns)))
			h->state = IPC_HOLDER_DEAD;
		else
			h->state = IPC_HOLDER_HOLDS;
		if (boot != 0 && tick > 0 && (w & START_MASK) != 0)
			h->since = boot + (time_t)((w & START_MASK) /
			    (uint64_t)tick);
		if (h->state == IPC_HOLDER_HOLDS)
			cmdline(h->child ? h->child : h->pid, h->cmd,
			    sizeof(h->cmd));
		h++;
	}
	*n = (size_t)(h - *v);
	free(r);
	return 0;
}
