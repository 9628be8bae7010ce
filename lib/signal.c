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
#include "exec.h"

volatile sig_atomic_t ipc_signalled;

/*
 * The signals this process has a handler for: every handler a tool sets
 * is set by ipc_catch, so that ipc_spawn knows which to set back to their
 * default in a child that shares our memory, without asking the kernel
 * of each of the 64.
 */
static sigset_t caught;

static void
catch(int sig)
{
	ipc_signalled = sig;
}

/*
 * Handle sig with fn (flags: sigaction's, SA_RESTART), nothing blocked
 * meanwhile but sig; its disposition until now in *old unless NULL.
 * 0, or -1 with errno set.
 */
int
ipc_catch(int sig, void (*fn)(int), int flags, struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, old) == -1)
		return -1;
	sigaddset(&caught, sig);
	return 0;
}

/* The signals of this process's that have a handler (ipc_catch). */
void
ipc_caught(sigset_t *set)
{
	*set = caught;
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
	struct sigaction old;
	size_t i, n = hup ? 3 : 2;

	if (ignored != NULL)
		sigemptyset(ignored);
	for (i = 0; i < n; i++) {
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN) {
			if (ignored != NULL)
				sigaddset(ignored, sigs[i]);
		} else
			ipc_catch(sigs[i], fn, 0, NULL);
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
	va_list ap;
	int n;

	n = snprintf(busmsg, sizeof(busmsg), "%s: ", getprogname());
	va_start(ap, fmt);
	vsnprintf(busmsg + n, sizeof(busmsg) - n - 1, fmt, ap);
	va_end(ap);
	strcat(busmsg, "\n");
	buslen = strlen(busmsg);
	bussock = sock;
	ipc_catch(SIGBUS, cut_short, 0, NULL);
}
