/* poll.c: wait for descriptors until a deadline, one that may move on. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>

#include "sock.h"

/*
 * poll(2) until an event, or until timeout ms have passed since *since
 * (which another thread may move on meanwhile: the last transfer of a
 * connection, both directions sharing it), or since the call when since
 * is NULL; a timeout of -1 waits for ever.  The count of descriptors
 * with events; 0 and ETIMEDOUT when the time is up; -1 and errno, EINTR
 * only when a signal asks the tool to end.
 */
int
ipc_poll_until(struct pollfd *pfd, nfds_t n, int timeout,
    const long long *since)
{
	long long start = ipc_now_ms(), left;
	int r;

	if (since == NULL)
		since = &start;
	for (;;) {
		left = -1;
		if (timeout >= 0 && (left = __atomic_load_n(since,
		    __ATOMIC_RELAXED) + timeout - ipc_now_ms()) < 0)
			left = 0;
		if ((r = poll(pfd, n, left > INT_MAX ? INT_MAX : left)) > 0)
			return r;
		if (r == -1 && errno == EINTR && !ipc_signalled)
			continue;
		if (r == -1)
			return -1;
		if (timeout >= 0 && __atomic_load_n(since, __ATOMIC_RELAXED) +
		    timeout <= ipc_now_ms()) {
			errno = ETIMEDOUT;
			return 0;
		}
	}
}
