/* signal.c: SIGINT and SIGTERM interrupt a wait, and the tool ends cleanly. */
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
