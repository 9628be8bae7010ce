/* signal.c: SIGINT and SIGTERM interrupt a wait, and the tool ends cleanly. */
#include "config.h"	/* first: _GNU_SOURCE, for ppoll */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ipcutils.h"

volatile sig_atomic_t ipc_signalled;

static void
catch(int sig)
{
	ipc_signalled = sig;
}

/*
 * Without SA_RESTART, so that a blocked mq_receive(3), sem_wait(3) or
 * accept(2) returns EINTR and the tool can tidy up before it goes.
 * SIGPIPE is ignored: a closed pipe is an error to report, and a message
 * to put back, not a silent death.
 */
void
ipc_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = catch;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* One ignored from the start (nohup, a shell's & ) stays so. */
		if (sigaction(sigs[i], &sa, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			sigaction(sigs[i], &old, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

/* End as the signal would have ended us, so the shell sees 128+N. */
_Noreturn void
ipc_die_signalled(void)
{
	int sig = ipc_signalled ? ipc_signalled : SIGTERM;

	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

/*
 * poll(2) the n descriptors until one is ready (or in error), until the
 * deadline (NULL: as long as it takes): how many are, or -1 with errno
 * ETIMEDOUT when the deadline passed first, EINTR when SIGINT or SIGTERM
 * came.  The signals are let in only inside ppoll(2), so that one that
 * comes between the caller's look at ipc_signalled and the sleep still
 * ends it.
 */
int
ipc_poll(struct pollfd *pfd, nfds_t n, const struct timespec *deadline)
{
	struct timespec nap;
	sigset_t block, old;
	int ms, rv, e = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
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
