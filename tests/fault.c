/* fault.c: an LD_PRELOAD shim that makes the Nth call of a kind fail. */
/*
 * IPCUTILS_FAULT="CALL:N:ERRNO[,CALL:N:ERRNO...]": the Nth call (from 1)
 * of CALL fails with ERRNO; "N+" fails the Nth and every later one.
 * CALL is write, read, mq_send, mq_receive, splice, sendfile, fsync or
 * open (open counts open, open64, openat and openat64; mq_send counts
 * mq_timedsend too, mq_receive mq_timedreceive, sendfile sendfile64).
 * ERRNO is EIO, ENOSPC, EINTR, EAGAIN, EFBIG or ENOMEM.  The shim takes
 * itself out of the environment at start, so what the tool runs
 * (mq-recv --exec, the shell) is not faulted: only its own calls are.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum { F_WRITE, F_READ, F_MQSEND, F_MQRECV, F_SPLICE, F_SENDFILE, F_FSYNC,
    F_OPEN, F_N };

static const char *const names[F_N] = { "write", "read", "mq_send",
    "mq_receive", "splice", "sendfile", "fsync", "open" };

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
