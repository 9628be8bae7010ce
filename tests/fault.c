/* fault.c: an LD_PRELOAD shim that makes the Nth call of a kind fail. */
/*
 * IPCUTILS_FAULT="CALL:N:ERRNO[,CALL:N:ERRNO...]": the Nth call (from 1)
 * of CALL fails with ERRNO; "N+" fails the Nth and every later one.
 * CALL is one of names[] below; open counts open, open64, openat and
 * openat64, mq_send mq_timedsend too, mq_receive mq_timedreceive,
 * sendfile sendfile64, fstat fstat64, stat stat64 lstat lstat64,
 * poll ppoll, fallocate
 * posix_fallocate, accept accept4.  ERRNO is one of errnum()'s names.
 * A call that fails returns what it returns on failure (-1, MAP_FAILED,
 * SEM_FAILED, or the number itself for pthread_create) without being
 * made.  The shim takes itself out of the environment at start, so what
 * the tool runs (mq-recv --exec, the shell) is not faulted: only its own
 * calls are.  Calls that libc makes inside itself (fopen's open) are not
 * seen.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum { F_WRITE, F_READ, F_MQSEND, F_MQRECV, F_SPLICE, F_SENDFILE, F_FSYNC,
    F_OPEN, F_FSTAT, F_FCNTL, F_POLL, F_LSEEK, F_FTRUNCATE, F_CONNECT,
    F_MMAP, F_UNLINK, F_MQOPEN, F_MQGETATTR, F_LINKAT, F_FLOCK, F_STATFS,
    F_SOCKET, F_SEND, F_RECV, F_PIPE2, F_RENAME, F_FALLOCATE, F_FORK,
    F_ACCEPT, F_LISTEN, F_BIND, F_SETSOCKOPT, F_SHMOPEN, F_SEMOPEN,
    F_IOCTL, F_FCHMOD, F_FCHOWN, F_DUP2, F_PTHREAD, F_COPYRANGE,
    F_MQUNLINK, F_SHMUNLINK, F_STAT, F_OPENDIR, F_N };

static const char *const names[F_N] = { "write", "read", "mq_send",
    "mq_receive", "splice", "sendfile", "fsync", "open", "fstat", "fcntl",
    "poll", "lseek", "ftruncate", "connect", "mmap", "unlink", "mq_open",
    "mq_getattr", "linkat", "flock", "statfs", "socket", "send", "recv",
    "pipe2", "rename", "fallocate", "fork", "accept", "listen", "bind",
    "setsockopt", "shm_open", "sem_open", "ioctl", "fchmod", "fchown",
    "dup2", "pthread_create", "copy_file_range", "mq_unlink", "shm_unlink",
    "stat", "opendir" };

static struct {
	unsigned long	nth;	/* 0: not faulted */
	int		from;	/* the Nth and every later one */
	int		err;
	unsigned long	seen;
} plan[F_N];

static int
errnum(const char *s)
{
	static const struct { const char *n; int e; } t[] = {
		{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EINTR", EINTR },
		{ "EAGAIN", EAGAIN }, { "EFBIG", EFBIG }, { "ENOMEM", ENOMEM },
		{ "EACCES", EACCES }, { "EPERM", EPERM }, { "EMFILE", EMFILE },
		{ "ENFILE", ENFILE }, { "EPIPE", EPIPE },
		{ "ECONNRESET", ECONNRESET },
		{ "ECONNREFUSED", ECONNREFUSED },
		{ "ETIMEDOUT", ETIMEDOUT }, { "EEXIST", EEXIST },
		{ "ENOENT", ENOENT }, { "EBADF", EBADF },
		{ "EMSGSIZE", EMSGSIZE }, { "EXDEV", EXDEV },
		{ "ENOLCK", ENOLCK }, { "EINVAL", EINVAL },
		{ "ENOSYS", ENOSYS }, { "EOPNOTSUPP", EOPNOTSUPP },
		{ "EROFS", EROFS }, { "EDQUOT", EDQUOT },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].n) == 0)
			return t[i].e;
	return 0;
}

__attribute__((constructor)) static void
fault_init(void)
{
	char *spec, *item, *save = NULL, *c, *n, *e, *end;
	const char *env;
	int k;

	if ((env = getenv("IPCUTILS_FAULT")) == NULL ||
	    (spec = strdup(env)) == NULL)
		return;
	for (item = strtok_r(spec, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		c = item;
		if ((n = strchr(c, ':')) == NULL ||
		    (e = strchr(n + 1, ':')) == NULL)
			abort();	/* a test's typo must not pass */
		*n++ = '\0';
		*e++ = '\0';
		for (k = 0; k < F_N && strcmp(c, names[k]) != 0; k++)
			;
		if (k == F_N || errnum(e) == 0)
			abort();
		plan[k].nth = strtoul(n, &end, 10);
		plan[k].from = *end == '+';
		plan[k].err = errnum(e);
		if (plan[k].nth == 0)
			abort();
	}
	free(spec);
	/* Not for what the tool runs: only its own calls fail. */
	unsetenv("IPCUTILS_FAULT");
	unsetenv("LD_PRELOAD");
}

/* Should this call of kind k fail?  Sets errno if so. */
static int
fails(int k)
{
	unsigned long n;

	if (plan[k].nth == 0)
		return 0;
	n = __atomic_add_fetch(&plan[k].seen, 1, __ATOMIC_RELAXED);
	if (n == plan[k].nth || (plan[k].from && n > plan[k].nth)) {
		errno = plan[k].err;
		return 1;
	}
	return 0;
}

#define NEXT(name) \
	static __typeof__(name) *real; \
	if (real == NULL) \
		real = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *buf, size_t len)
{
	NEXT(write);
	return fails(F_WRITE) ? -1 : real(fd, buf, len);
}

ssize_t
read(int fd, void *buf, size_t len)
{
	NEXT(read);
	return fails(F_READ) ? -1 : real(fd, buf, len);
}

int
mq_send(mqd_t q, const char *buf, size_t len, unsigned int prio)
{
	NEXT(mq_send);
	return fails(F_MQSEND) ? -1 : real(q, buf, len, prio);
}

int
mq_timedsend(mqd_t q, const char *buf, size_t len, unsigned int prio,
    const struct timespec *ts)
{
	NEXT(mq_timedsend);
	return fails(F_MQSEND) ? -1 : real(q, buf, len, prio, ts);
}

ssize_t
mq_receive(mqd_t q, char *buf, size_t len, unsigned int *prio)
{
	NEXT(mq_receive);
	return fails(F_MQRECV) ? -1 : real(q, buf, len, prio);
}

ssize_t
mq_timedreceive(mqd_t q, char *buf, size_t len, unsigned int *prio,
    const struct timespec *ts)
{
	NEXT(mq_timedreceive);
	return fails(F_MQRECV) ? -1 : real(q, buf, len, prio, ts);
}

ssize_t
splice(int in, loff_t *inoff, int out, loff_t *outoff, size_t len,
    unsigned int flags)
{
	NEXT(splice);
	return fails(F_SPLICE) ? -1 : real(in, inoff, out, outoff, len, flags);
}

ssize_t
sendfile(int out, int in, off_t *off, size_t len)
{
	NEXT(sendfile);
	return fails(F_SENDFILE) ? -1 : real(out, in, off, len);
}

ssize_t
sendfile64(int out, int in, off64_t *off, size_t len)
{
	NEXT(sendfile64);
	return fails(F_SENDFILE) ? -1 : real(out, in, off, len);
}

int
fsync(int fd)
{
	NEXT(fsync);
	return fails(F_FSYNC) ? -1 : real(fd);
}

/* The mode argument is there only with O_CREAT or O_TMPFILE. */
#define MODE(flags, mode) do { \
	va_list ap; \
	(mode) = 0; \
	if ((flags) & (O_CREAT | __O_TMPFILE)) { \
		va_start(ap, flags); \
		(mode) = va_arg(ap, int); \
		va_end(ap); \
	} \
} while (0)

int
open(const char *path, int flags, ...)
{
	int mode;

	NEXT(open);
	MODE(flags, mode);
	return fails(F_OPEN) ? -1 : real(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	int mode;

	NEXT(open64);
	MODE(flags, mode);
	return fails(F_OPEN) ? -1 : real(path, flags, mode);
}

int
openat(int dir, const char *path, int flags, ...)
{
	int mode;

	NEXT(openat);
	MODE(flags, mode);
	return fails(F_OPEN) ? -1 : real(dir, path, flags, mode);
}

int
openat64(int dir, const char *path, int flags, ...)
{
	int mode;

	NEXT(openat64);
	MODE(flags, mode);
	return fails(F_OPEN) ? -1 : real(dir, path, flags, mode);
}

/* The calls that take their arguments as they are and return -1. */
#define PLAIN(k, ret, name, params, args) \
ret \
name params \
{ \
	NEXT(name); \
	return fails(k) ? -1 : real args; \
}

PLAIN(F_FSTAT, int, fstat, (int fd, struct stat *st), (fd, st))
PLAIN(F_FSTAT, int, fstat64, (int fd, struct stat64 *st), (fd, st))
PLAIN(F_POLL, int, poll, (struct pollfd *p, nfds_t n, int ms), (p, n, ms))
PLAIN(F_POLL, int, ppoll, (struct pollfd *p, nfds_t n,
    const struct timespec *ts, const sigset_t *mask), (p, n, ts, mask))
PLAIN(F_LSEEK, off_t, lseek, (int fd, off_t off, int whence),
    (fd, off, whence))
PLAIN(F_LSEEK, off64_t, lseek64, (int fd, off64_t off, int whence),
    (fd, off, whence))
PLAIN(F_FTRUNCATE, int, ftruncate, (int fd, off_t len), (fd, len))
PLAIN(F_FTRUNCATE, int, ftruncate64, (int fd, off64_t len), (fd, len))
PLAIN(F_CONNECT, int, connect, (int fd, const struct sockaddr *sa,
    socklen_t len), (fd, sa, len))
PLAIN(F_UNLINK, int, unlink, (const char *path), (path))
PLAIN(F_MQGETATTR, int, mq_getattr, (mqd_t q, struct mq_attr *a), (q, a))
PLAIN(F_LINKAT, int, linkat, (int od, const char *o, int nd, const char *n,
    int flags), (od, o, nd, n, flags))
PLAIN(F_FLOCK, int, flock, (int fd, int op), (fd, op))
PLAIN(F_STATFS, int, statfs, (const char *path, struct statfs *st),
    (path, st))
PLAIN(F_STATFS, int, fstatfs, (int fd, struct statfs *st), (fd, st))
PLAIN(F_SOCKET, int, socket, (int d, int t, int p), (d, t, p))
PLAIN(F_SEND, ssize_t, send, (int fd, const void *b, size_t n, int f),
    (fd, b, n, f))
PLAIN(F_RECV, ssize_t, recv, (int fd, void *b, size_t n, int f),
    (fd, b, n, f))
PLAIN(F_PIPE2, int, pipe2, (int fds[2], int flags), (fds, flags))
PLAIN(F_RENAME, int, rename, (const char *o, const char *n), (o, n))
PLAIN(F_FALLOCATE, int, fallocate, (int fd, int mode, off_t off,
    off_t len), (fd, mode, off, len))
PLAIN(F_FALLOCATE, int, fallocate64, (int fd, int mode, off64_t off,
    off64_t len), (fd, mode, off, len))
PLAIN(F_FORK, pid_t, fork, (void), ())
PLAIN(F_ACCEPT, int, accept, (int fd, struct sockaddr *sa, socklen_t *len),
    (fd, sa, len))
PLAIN(F_ACCEPT, int, accept4, (int fd, struct sockaddr *sa, socklen_t *len,
    int flags), (fd, sa, len, flags))
PLAIN(F_LISTEN, int, listen, (int fd, int n), (fd, n))
PLAIN(F_BIND, int, bind, (int fd, const struct sockaddr *sa, socklen_t len),
    (fd, sa, len))
PLAIN(F_SETSOCKOPT, int, setsockopt, (int fd, int l, int o, const void *v,
    socklen_t len), (fd, l, o, v, len))
PLAIN(F_SHMOPEN, int, shm_open, (const char *n, int f, mode_t m), (n, f, m))
PLAIN(F_FCHMOD, int, fchmod, (int fd, mode_t m), (fd, m))
PLAIN(F_FCHOWN, int, fchown, (int fd, uid_t u, gid_t g), (fd, u, g))
PLAIN(F_DUP2, int, dup2, (int o, int n), (o, n))
PLAIN(F_COPYRANGE, ssize_t, copy_file_range, (int in, off64_t *inoff,
    int out, off64_t *outoff, size_t len, unsigned int flags),
    (in, inoff, out, outoff, len, flags))
PLAIN(F_MQUNLINK, int, mq_unlink, (const char *n), (n))
PLAIN(F_SHMUNLINK, int, shm_unlink, (const char *n), (n))
PLAIN(F_STAT, int, stat, (const char *p, struct stat *st), (p, st))
PLAIN(F_STAT, int, stat64, (const char *p, struct stat64 *st), (p, st))
PLAIN(F_STAT, int, lstat, (const char *p, struct stat *st), (p, st))
PLAIN(F_STAT, int, lstat64, (const char *p, struct stat64 *st), (p, st))

DIR *
opendir(const char *path)
{
	NEXT(opendir);
	return fails(F_OPENDIR) ? NULL : real(path);
}

/* posix_fallocate returns the error number, not -1. */
int
posix_fallocate(int fd, off_t off, off_t len)
{
	NEXT(posix_fallocate);
	return fails(F_FALLOCATE) ? errno : real(fd, off, len);
}

int
posix_fallocate64(int fd, off64_t off, off64_t len)
{
	NEXT(posix_fallocate64);
	return fails(F_FALLOCATE) ? errno : real(fd, off, len);
}

int
pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *),
    void *arg)
{
	NEXT(pthread_create);
	return fails(F_PTHREAD) ? errno : real(t, a, fn, arg);
}

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	NEXT(mmap);
	return fails(F_MMAP) ? MAP_FAILED :
	    real(addr, len, prot, flags, fd, off);
}

void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	NEXT(mmap64);
	return fails(F_MMAP) ? MAP_FAILED :
	    real(addr, len, prot, flags, fd, off);
}

/* The variadic ones: what follows is a long or a pointer, or nothing. */
int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	unsigned long arg;

	NEXT(fcntl);
	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return fails(F_FCNTL) ? -1 : real(fd, cmd, arg);
}

int
fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	unsigned long arg;

	NEXT(fcntl64);
	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	return fails(F_FCNTL) ? -1 : real(fd, cmd, arg);
}

int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	NEXT(ioctl);
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fails(F_IOCTL) ? -1 : real(fd, req, arg);
}

mqd_t
mq_open(const char *name, int flags, ...)
{
	va_list ap;
	mode_t mode = 0;
	struct mq_attr *attr = NULL;

	NEXT(mq_open);
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}
	return fails(F_MQOPEN) ? (mqd_t)-1 : real(name, flags, mode, attr);
}

/*
 * What mq_open(3) of two arguments calls under _FORTIFY_SOURCE (Debian's
 * build of the package): the same fault.
 */
mqd_t	__mq_open_2(const char *, int);

mqd_t
__mq_open_2(const char *name, int flags)
{
	NEXT(__mq_open_2);
	return fails(F_MQOPEN) ? (mqd_t)-1 : real(name, flags);
}

sem_t *
sem_open(const char *name, int flags, ...)
{
	va_list ap;
	mode_t mode = 0;
	unsigned int value = 0;

	NEXT(sem_open);
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		value = va_arg(ap, unsigned int);
		va_end(ap);
	}
	return fails(F_SEMOPEN) ? SEM_FAILED : real(name, flags, mode, value);
}
