/* signal.c: a signal that would end the tool interrupts a wait, and the
 * tool puts back what it holds and ends by it; SIGBUS from a file cut
 * short under a mapping is said in one line. */
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
 * The signals whose disposition this process changed: every handler a
 * tool sets is set by ipc_catch, and SIGPIPE and SIGXFSZ are ignored here,
 * so that ipc_spawn knows which to set back to their default in a child
 * that shares our memory, without asking the kernel of each of the 64.
 * ending: those that end a wait (ipc_handle_signals), for ipc_poll to let
 * in only while it sleeps.
 */
static sigset_t caught, ending;

static void
catch(int sig)
{
	ipc_signalled = sig;
}

static int
handle(int sig, void (*fn)(int), int flags, struct sigaction *old)
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

/*
 * Handle sig with fn (flags: sigaction's, SA_RESTART), nothing blocked
 * meanwhile but sig; its disposition until now in *old unless NULL.
 * It no longer ends a wait: its handler is the caller's (shm-put's SIGIO).
 * 0, or -1 with errno set.
 */
int
ipc_catch(int sig, void (*fn)(int), int flags, struct sigaction *old)
{
	if (handle(sig, fn, flags, old) == -1)
		return -1;
	sigdelset(&ending, sig);
	return 0;
}

/* The signals of this process's that have a handler, or that it ignores. */
void
ipc_caught(sigset_t *set)
{
	*set = caught;
}

/* The signals that end a wait (ipc_handle_signals). */
void
ipc_ending(sigset_t *set)
{
	*set = ending;
}

/*
 * Every signal whose default action ends the process, but those that a
 * fault raises (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT:
 * nothing is to be trusted after them), SIGKILL and SIGSTOP (which cannot
 * be caught), SIGPIPE and SIGXFSZ (ignored: the write fails instead, an
 * error to report), and the realtime ones after these.
 */
static const int fatal[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2,
	SIGVTALRM, SIGPROF, SIGXCPU, SIGIO, SIGPWR,
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};

/* A signal ignored when the tool started (nohup, trap '' HUP, &)? */
static int
ignored_at_start(int sig)
{
	struct sigaction old;

	return sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN;
}

static void
end_with(int sig, void (*fn)(int), sigset_t *ignored)
{
	if (ignored_at_start(sig)) {
		if (ignored != NULL)
			sigaddset(ignored, sig);
	} else if (handle(sig, fn, 0, NULL) == 0)
		sigaddset(&ending, sig);
}

/*
 * fn on every signal that would end the process (fatal[], SIGRTMIN to
 * SIGRTMAX), without SA_RESTART, so that a blocked mq_receive(3),
 * sem_wait(3) or accept(2) returns EINTR and the tool can put back what
 * it holds before it goes, by that signal (ipc_die_signalled).  A signal
 * ignored when the tool started (nohup, trap '' HUP, a shell's &) stays
 * ignored, and goes in *ignored (when not NULL), so that a command the
 * tool runs gets it ignored too.  SIGPIPE and SIGXFSZ are ignored: a
 * closed pipe (EPIPE) and a file over ulimit -f (EFBIG) are errors to
 * report, and messages to put back, not a silent death; a command gets
 * them at their default again.
 */
void
ipc_handle_signals(void (*fn)(int), sigset_t *ignored)
{
	static const int ign[] = { SIGPIPE, SIGXFSZ };
	size_t i;
	int sig;

	if (ignored != NULL)
		sigemptyset(ignored);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		end_with(fatal[i], fn, ignored);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		end_with(sig, fn, ignored);
	for (i = 0; i < sizeof(ign) / sizeof(ign[0]); i++) {
		if (ignored_at_start(ign[i])) {
			if (ignored != NULL)
				sigaddset(ignored, ign[i]);
		} else if (signal(ign[i], SIG_IGN) != SIG_ERR)
			sigaddset(&caught, ign[i]);
	}
}

void
ipc_catch_signals(void)
{
	ipc_handle_signals(catch, NULL);
}

/*
 * _exit(2), in a process that must not run exit(3)'s handlers (a forked
 * child).  A coverage build (tests/coverage.sh: -DIPC_COVERAGE) writes
 * gcov's counters first, which only exit(3) does otherwise.  Not for a
 * vfork(2) child: the mark that they were written would be its parent's.
 */
#ifdef IPC_COVERAGE
void	__gcov_dump(void);
#define coverage_dump()	__gcov_dump()
#else
#define coverage_dump()	do { } while (0)
#endif

_Noreturn void
ipc_exit_now(int status)
{
	coverage_dump();
	_exit(status);
}

/* End as the signal would have ended us, so the shell sees 128+N. */
_Noreturn void
ipc_die_signalled(void)
{
	int sig = ipc_signalled ? ipc_signalled : SIGTERM;

	coverage_dump();
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
