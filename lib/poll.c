/* poll.c: wait for descriptors until a deadline, or a signal that ends it. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>

#include "ipcutils.h"

/*
 * poll(2) the n descriptors until one is ready (or in error), until the
 * deadline (NULL: as long as it takes): how many are, or -1 with errno
 * ETIMEDOUT when the deadline passed first, EINTR when a signal that ends
 * waits came (ipc_ending).  Those are let in only inside ppoll(2), so
 * that one that comes between the caller's look at ipc_signalled and the
 * sleep still ends it.
 */
int
ipc_poll(struct pollfd *pfd, nfds_t n, const struct timespec *deadline)
{
	struct timespec nap;
	sigset_t block, old;
	int ms, rv, e = 0;

	ipc_ending(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		if (ipc_signalled) {
			e = EINTR;
			break;
		}
		ms = ipc_ms_until(deadline);
		nap.tv_sec = ms / 1000;
		nap.tv_nsec = (ms % 1000) * 1000000L;
		rv = ppoll(pfd, n, ms == -1 ? NULL : &nap, &old);
		if (rv > 0)
			break;
		if (rv == -1 && errno != EINTR) {
			e = errno;
			break;
		}
		if (rv == 0 && ms == 0) {
			e = ETIMEDOUT;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return e == 0 ? rv : -1;
}

/* ipc_poll() for one descriptor: its revents, or -1. */
int
ipc_wait_fd(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd = { fd, events, 0 };

	if (ipc_poll(&pfd, 1, deadline) == -1)
		return -1;
	return pfd.revents;
}

/*
 * poll(2) until an event, or until timeout ms have passed since *since
 * (which another thread may move on meanwhile: the last transfer of a
 * connection, both directions sharing it), or since the call when since
 * is NULL; a timeout of -1 waits for ever.  The count of descriptors
 * with events; 0 and ETIMEDOUT when the time is up; -1 and errno, EINTR
 * only when a signal asks the tool to end.  It waits through ipc_poll(),
 * so a signal that comes just before the wait still ends it.
 */
int
ipc_poll_until(struct pollfd *pfd, nfds_t n, int timeout,
    const long long *since)
{
	struct timespec wait, end;
	long long start = ipc_now_ms(), left;
	int r;

	if (since == NULL)
		since = &start;
	for (;;) {
		left = 0;
		if (timeout >= 0 && (left = __atomic_load_n(since,
		    __ATOMIC_RELAXED) + timeout - ipc_now_ms()) < 0)
			left = 0;
		wait.tv_sec = left / 1000;
		wait.tv_nsec = left % 1000 * 1000000;
		if ((r = ipc_poll(pfd, n, timeout < 0 ? NULL :
		    ipc_deadline(&wait, &end))) > 0)
			return r;
		if (errno != ETIMEDOUT)
			return -1;
		if (__atomic_load_n(since, __ATOMIC_RELAXED) + timeout <=
		    ipc_now_ms())
			return 0;
	}
}
