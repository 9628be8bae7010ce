/* exec.c: start a command for a tool, and tell its status as env(1) does. */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>

#include "ipcutils.h"

extern char **environ;

/*
 * Start file (searched in PATH when it has no slash) with argv: 0 and
 * *pid, or the errno value posix_spawn(3) gave.  Its standard input is in
 * (-1: the tool's own); its signal mask is mask (NULL: the tool's).  A
 * signal the tool catches is at its default in the command, as exec(2)
 * makes it, and one that was ignored when the tool started stays ignored
 * (nohup); SIGPIPE, which every tool ignores, is at its default.  With
 * group, the command leads a process group of its own, so that a signal
 * the tool passes on (kill(-pid, sig)) reaches what the command started.
 */
int
ipc_spawn(pid_t *pid, const char *file, char *const argv[], int in,
    const sigset_t *mask, int group)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dfl;
	short flags = POSIX_SPAWN_SETSIGDEF |
	    (group ? POSIX_SPAWN_SETPGROUP : 0);
	int e;

	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if ((e = posix_spawnattr_init(&attr)) != 0)
		return e;
	if ((e = posix_spawn_file_actions_init(&fa)) != 0) {
		posix_spawnattr_destroy(&attr);
		return e;
	}
	if (mask != NULL) {
		flags |= POSIX_SPAWN_SETSIGMASK;
		e = posix_spawnattr_setsigmask(&attr, mask);
	}
	if (e == 0)
		e = posix_spawnattr_setsigdefault(&attr, &dfl);
	if (e == 0)
		e = posix_spawnattr_setflags(&attr, flags);
	if (e == 0 && in != -1 && in != 0)
		e = posix_spawn_file_actions_adddup2(&fa, in, 0);
	if (e == 0)
		e = posix_spawnp(pid, file, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return e;
}

/* A command that could not be started: 127 when it is not found, or 126. */
int
ipc_spawn_status(int e)
{
	return e == ENOENT ? IPC_CMD_NOTFOUND : IPC_CMD_NOEXEC;
}

/* The status a tool passes on for a command: its own, or 128 + the signal. */
int
ipc_cmd_status(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}
