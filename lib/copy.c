/* copy.c: stream copies with as little copying as the kernel allows. */
#include "config.h"

#include <sys/sendfile.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sock.h"

#define CHUNK		(1 << 20)	/* asked of splice(2) and sendfile(2) */
#define PIPESIZE	(1 << 20)	/* of the pipe put between two non-pipes */
#define BUFSIZE		(128 * 1024)	/* for read/write */
#define FALLBACK	1		/* not supported here: try the next way */

void
ipc_copy_init(struct ipc_copy *c, int in, int out, int timeout)
{
	c->in = in;
	c->out = out;
	c->timeout = timeout;
	c->last = ipc_now_ms();
	c->active = &c->last;
	c->bytes = 0;
	c->fault.fd = -1;
	c->fault.err = 0;
	c->fault.tlserr = NULL;
	c->pipe[0] = c->pipe[1] = -1;
}

void
ipc_copy_free(struct ipc_copy *c)
{
	if (c->pipe[0] != -1) {
		close(c->pipe[0]);
		close(c->pipe[1]);
		c->pipe[0] = c->pipe[1] = -1;
	}
}

static void
moved(struct ipc_copy *c, ssize_t n)
{
	c->bytes += n;
	__atomic_store_n(c->active, ipc_now_ms(), __ATOMIC_RELAXED);
}

/* Fail on side fd with errno e. */
static int
fail(struct ipc_copy *c, int fd, int e)
{
	return ipc_fault(&c->fault, fd, e, NULL);
}

/* A failed splice(2) or sendfile(2): which side was it? */
static int
fail2(struct ipc_copy *c, int e)
{
	struct stat st;

	if (e == EPIPE || e == ENOSPC || e == EDQUOT || e == EFBIG)
		return fail(c, c->out, e);
	if (e == ECONNRESET && fstat(c->in, &st) == 0 && !S_ISSOCK(st.st_mode))
		return fail(c, c->out, e);
	return fail(c, c->in, e);
}

/*
 * Wait until there is input, at most the timeout after the last transfer
 * (which the other direction may move on meanwhile): -1 and ETIMEDOUT,
 * or EINTR when a signal asks us to end.
 */
static int
wait_in(struct ipc_copy *c)
{
	struct pollfd pfd = { c->in, POLLIN, 0 };

	if (c->timeout < 0)
		return 0;
	if (ipc_poll_until(&pfd, 1, c->timeout, c->active) > 0)
		return 0;
	return fail(c, c->in, errno);
}

/* An interrupted call: go on, unless a signal asks us to end. */
static int
again(void)
{
	return errno == EINTR && !ipc_signalled;
}

static int
by_sendfile(struct ipc_copy *c)
{
	ssize_t n;

	for (;;) {
		if ((n = sendfile(c->out, c->in, NULL, CHUNK)) == 0)
			return 0;
		if (n > 0) {
			moved(c, n);
			continue;
		}
		if (again())
			continue;
		if (c->bytes == 0 && (errno == EINVAL || errno == ENOSYS))
			return FALLBACK;
		return fail2(c, errno);
	}
}

/* One end is a pipe: splice straight from in to out. */
static int
by_splice(struct ipc_copy *c)
{
	ssize_t n;

	for (;;) {
		if (wait_in(c) == -1)
			return -1;
		if ((n = splice(c->in, NULL, c->out, NULL, CHUNK,
		    SPLICE_F_MOVE)) == 0)
			return 0;
		if (n > 0) {
			moved(c, n);
			continue;
		}
		if (again())
			continue;
		if (c->bytes == 0 && errno == EINVAL)
			return FALLBACK;
		return fail2(c, errno);
	}
}

/* What is in the pipe, written out the ordinary way. */
static int
drain(struct ipc_copy *c, size_t len)
{
	char buf[4096];
	ssize_t n;

	while (len > 0) {
		if ((n = read(c->pipe[0], buf, sizeof(buf))) == -1) {
			if (again())
				continue;
			return fail(c, c->in, errno);
		}
		if (ipc_write_all(c->out, buf, n) != (size_t)n)
			return fail(c, c->out, errno);
		moved(c, n);
		len -= n;
	}
	return FALLBACK;
}

/* Neither end is a pipe: splice through one of our own. */
static int
by_pipe(struct ipc_copy *c)
{
	ssize_t n, m;
	int first = 1;

	if (c->pipe[0] == -1) {
		if (pipe2(c->pipe, O_CLOEXEC) == -1)
			return FALLBACK;
		/* Larger moves; where the limit forbids it, the default. */
		(void)fcntl(c->pipe[1], F_SETPIPE_SZ, PIPESIZE);
	}
	for (;;) {
		if (wait_in(c) == -1)
			return -1;
		if ((n = splice(c->in, NULL, c->pipe[1], NULL, CHUNK,
		    SPLICE_F_MOVE)) == 0)
			return 0;
		if (n == -1) {
			if (again())
				continue;
			if (c->bytes == 0 && errno == EINVAL)
				return FALLBACK;
			return fail(c, c->in, errno);
		}
		while (n > 0) {
			m = splice(c->pipe[0], NULL, c->out, NULL, n,
			    SPLICE_F_MOVE);
			if (m == -1 && errno == EINTR)
				continue;	/* the bytes are ours to deliver */
			if (m == -1 && first && errno == EINVAL)
				return drain(c, n);
			if (m == -1)
				return fail(c, c->out, errno);
			moved(c, m);
			n -= m;
			first = 0;
		}
	}
}

static int
by_rw(struct ipc_copy *c)
{
	char *buf;
	ssize_t n;
	int e;

	if ((buf = malloc(BUFSIZE)) == NULL)
		return fail(c, c->in, errno);
	for (;;) {
		if (wait_in(c) == -1)
			break;
		if ((n = read(c->in, buf, BUFSIZE)) == 0) {
			free(buf);
			return 0;
		}
		if (n == -1) {
			if (again())
				continue;
			fail(c, c->in, errno);
			break;
		}
		if (ipc_write_all(c->out, buf, n) != (size_t)n) {
			fail(c, c->out, errno);
			break;
		}
		moved(c, n);
	}
	e = errno;
	free(buf);
	errno = e;
	return -1;
}

/*
 * Copy until the end of the input: 0, or -1 with errno and c->fault set
 * to the side that failed (ETIMEDOUT: the timeout passed with no input;
 * EINTR: a signal came that ends the tool).
 */
int
ipc_copy(struct ipc_copy *c)
{
	struct stat in, out;
	int r = FALLBACK;

	/* A stray EINTR is not the signal that ends the tool (again()). */
	while (fstat(c->in, &in) == -1)
		if (!again())
			return fail(c, c->in, errno);
	while (fstat(c->out, &out) == -1)
		if (!again())
			return fail(c, c->out, errno);
	if (S_ISREG(in.st_mode))
		r = by_sendfile(c);
	else if (S_ISFIFO(in.st_mode) || S_ISFIFO(out.st_mode))
		r = by_splice(c);
	else
		r = by_pipe(c);
	if (r != FALLBACK)
		return r;
	return by_rw(c);
}
