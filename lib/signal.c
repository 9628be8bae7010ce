/* signal.c: SIGINT and SIGTERM interrupt a wait, and the tool ends cleanly;
 * SIGBUS from a file cut short under a mapping is said in one line. */
#include "config.h"	/* first: _GNU_SOURCE, for ppoll */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
 * fn on SIGINT and SIGTERM, and on SIGHUP with hup, without SA_RESTART,
 * so that a blocked mq_receive(3), sem_wait(3) or accept(2) returns EINTR
 * and the tool can tidy up before it goes.  A signal ignored when the tool
 * started (nohup, trap '' HUP, a shell's &) stays ignored, and goes in
 * *ignored (when not NULL), so that a command the tool runs gets it
 * ignored too.  SIGPIPE is ignored: a closed pipe is an error to report,
 * and a message to put back, not a silent death.
 */
void
ipc_handle_signals(void (*fn)(int), int hup, sigset_t *ignored)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old;
	size_t i, n = hup ? 3 : 2;

	if (ignored != NULL)
		sigemptyset(ignored);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < n; i++) {
		if (sigaction(sigs[i], &sa, &old) == 0 &&
		    old.sa_handler == SIG_IGN) {
			sigaction(sigs[i], &old, NULL);
			if (ignored != NULL)
				sigaddset(ignored, sigs[i]);
		}
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_IGN && ignored != NULL)
		sigaddset(ignored, SIGPIPE);
}

void
ipc_catch_signals(void)
{
	ipc_handle_signals(catch, 0, NULL);
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
 * A mapping of a file that somebody cut short faults (SIGBUS) where it is
 * touched: say so instead, "PROG: " and the message, and exit with
 * ipc_errexit; sock (or -1) is a socket to reset first, so that its peer
 * does not take what came for the whole.  The last call's words stand.
 */
static char		 busmsg[512];
static size_t		 buslen;
static volatile int	 bussock = -1;

static _Noreturn void
cut_short(int sig)
{
	struct linger l = { 1, 0 };
	ssize_t n;

	(void)sig;
	if (bussock != -1)
		(void)setsockopt(bussock, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	n = write(STDERR_FILENO, busmsg, buslen);
	(void)n;
	_exit(ipc_errexit);
}

void
ipc_sigbus_says(int sock, const char *fmt, ...)
{
	struct sigaction sa;
	va_list ap;
	int n;

	n = snprintf(busmsg, sizeof(busmsg), "%s: ", getprogname());
	va_start(ap, fmt);
	vsnprintf(busmsg + n, sizeof(busmsg) - n - 1, fmt, ap);
	va_end(ap);
	strcat(busmsg, "\n");
	buslen = strlen(busmsg);
	bussock = sock;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cut_short;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}
