/* exec.c: start a command for a tool, and tell its status as env(1) does. */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcutils.h"
#include "exec.h"

static int	 spawn(pid_t *, const char *, char *const [], int, int,
		    const sigset_t *, const sigset_t *, int, void (*)(void *),
		    void *);
static int	 spawn_command(pid_t *, const struct ipc_command *, int, int,
		    const sigset_t *, const sigset_t *, int);

/*
 * Start file (searched in PATH when it has no slash) with argv: 0 and
 * *pid, or the errno value its exec gave.  Its standard input is in (-1:
 * the tool's own); its signal mask is mask (NULL: the tool's).  A signal
 * the tool catches is at its default in the command, as exec(2) makes it,
 * and already before the exec, while the child runs in the tool's memory,
 * where no handler may run: for which, every handler is set by ipc_catch;
 * one that was ignored when the tool started stays ignored (nohup);
 * those in dfl are set to their default, as SIGPIPE and SIGXFSZ, which a
 * tool ignores, are (ipc_caught has them unless they were ignored at
 * start).  With group, the command leads a process group of its own, so
 * that a signal the tool passes on (kill(-pid, sig)) reaches what the
 * command started.  before(arg), unless NULL, runs in the child just
 * before its exec, in this process's memory (vfork(2)): for what must
 * name the command before it can run, as sem-wait's record of who holds
 * its unit; it may only store to memory and make system calls.
 */
int
ipc_spawn(pid_t *pid, const char *file, char *const argv[], int in,
    const sigset_t *mask, const sigset_t *dfl, int group,
    void (*before)(void *), void *arg)
{
	return spawn(pid, file, argv, in, -1, mask, dfl, group, before, arg);
}

/* ipc_spawn's work, and a standard output of out's (-1: the tool's). */
static int
spawn(pid_t *pid, const char *file, char *const argv[], int in, int out,
    const sigset_t *mask, const sigset_t *dfl, int group,
    void (*before)(void *), void *arg)
{
	struct sigaction sa;
	sigset_t all, old, reset;
	volatile int e = 0;
	int sig;

	/* What exec does for a handled signal (ipc_catch), and dfl's. */
	ipc_caught(&reset);
	if (dfl != NULL)
		sigorset(&reset, &reset, dfl);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((*pid = vfork()) == 0) {
		/* Before a signal can come, in the tool's memory. */
		for (sig = 1; sig < NSIG; sig++)
			if (sigismember(&reset, sig) == 1)
				sigaction(sig, &sa, NULL);
		if ((in != -1 && in != 0 && dup2(in, 0) == -1) ||
		    (out != -1 && out != 1 && dup2(out, 1) == -1) ||
		    (group && setpgid(0, 0) == -1))
			e = errno;
		else {
			sigprocmask(SIG_SETMASK, mask != NULL ? mask : &old,
			    NULL);
			if (before != NULL)
				before(arg);
			execvp(file, argv);
			e = errno;
		}
		_exit(IPC_CMD_NOTFOUND);
	}
	if (*pid == -1)
		e = errno;
	else if (e != 0) {
		while (waitpid(*pid, NULL, 0) == -1 && errno == EINTR)
			continue;
		*pid = -1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
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

/*
 * The words of sh's that a command's first word may not be for it to run
 * without sh: its keywords and its builtins, which act on the shell or
 * differ from the utilities of the same name (echo, pwd).  true, false
 * and test are run from PATH: the utilities do what the builtins do.
 */
static const char *const shwords[] = {
	".", ":", "alias", "bg", "break", "case", "cd", "chdir", "command",
	"continue", "do", "done", "echo", "elif", "else", "esac", "eval",
	"exec", "exit", "export", "fc", "fg", "fi", "for", "function",
	"getopts", "hash", "if", "in", "jobs", "kill", "local", "printf",
	"pwd", "read", "readonly", "return", "select", "set", "shift", "then",
	"time", "times", "trap", "type", "ulimit", "umask", "unalias", "unset",
	"until", "wait", "while",
};

/* Bytes that mean nothing to sh but themselves, in a word. */
static int
plain(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("%+,-./:=@_", c) != NULL;
}

/*
 * The file that exec would run for name, found in PATH now, once, as sh's
 * hash does, so that each run of the command does not try every directory
 * before it; or name itself, for execvp(3) to search each time (a name
 * with a slash, no PATH, nothing found, or the working directory, a
 * relative entry, reached first).
 */
static const char *
lookup(const char *name)
{
	const char *p, *end;
	struct stat sb;
	char *f;

	if (strchr(name, '/') != NULL || (p = getenv("PATH")) == NULL)
		return name;
	for (;; p = end + 1) {
		end = strchrnul(p, ':');
		if (*p != '/' ||
		    asprintf(&f, "%.*s/%s", (int)(end - p), p, name) == -1)
			return name;
		if (stat(f, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    faccessat(AT_FDCWD, f, X_OK, AT_EACCESS) == 0)
			return f;
		free(f);
		if (*end == '\0')
			return name;
	}
}

/*
 * A command for sh -c: run as sh would, but without sh where sh would
 * only have started it, as make(1) does.  That is a simple command of
 * plain words separated by blanks, with no quoting, expansion,
 * redirection, operator or assignment, whose first word is not one of
 * sh's: its words are then the argv.  Otherwise the argv is sh -c
 * command.  0, or -1 with errno set.
 */
int
ipc_command(struct ipc_command *c, const char *command)
{
	const char *p, *w;
	size_t n = 0, len, i;
	char *s;

	c->sh[0] = "sh";
	c->sh[1] = "-c";
	c->sh[2] = (char *)command;
	c->sh[3] = NULL;
	c->argv = c->sh;
	c->file = "/bin/sh";
	for (p = command; *p != '\0'; p++)
		if (*p == ' ' || *p == '\t') {
			if (p > command && p[-1] != ' ' && p[-1] != '\t')
				n++;
		} else if (!plain((unsigned char)*p))
			return 0;
	if (p > command && p[-1] != ' ' && p[-1] != '\t')
		n++;
	w = command + strspn(command, " \t");
	len = strcspn(w, " \t");
	if (n == 0 || memchr(w, '=', len) != NULL)
		return 0;
	for (i = 0; i < sizeof(shwords) / sizeof(shwords[0]); i++)
		if (strlen(shwords[i]) == len && strncmp(w, shwords[i], len) == 0)
			return 0;
	if ((c->argv = calloc(n + 1, sizeof(*c->argv))) == NULL ||
	    (s = strdup(command)) == NULL) {
		free(c->argv);
		c->argv = c->sh;
		return -1;
	}
	for (i = 0, s = strtok(s, " \t"); s != NULL; s = strtok(NULL, " \t"))
		c->argv[i++] = s;
	c->file = lookup(c->argv[0]);
	return 0;
}

/*
 * Start a command (ipc_command) as ipc_spawn does.  Where it cannot be
 * run directly (not found, not allowed, a script without #!), sh runs
 * it, to do and say what sh would: 127 for a command not found, also
 * where PATH holds a directory that may not be searched.
 */
int
ipc_spawn_command(pid_t *pid, const struct ipc_command *c, int in,
    const sigset_t *mask, const sigset_t *dfl, int group)
{
	return spawn_command(pid, c, in, -1, mask, dfl, group);
}

/* A command on a connection, fd its standard input and output. */
int
ipc_spawn_on(pid_t *pid, const struct ipc_command *c, int fd)
{
	return spawn_command(pid, c, fd, fd, NULL, NULL, 0);
}

static int
spawn_command(pid_t *pid, const struct ipc_command *c, int in, int out,
    const sigset_t *mask, const sigset_t *dfl, int group)
{
	if (c->argv != c->sh && spawn(pid, c->file, c->argv, in, out, mask,
	    dfl, group, NULL, NULL) == 0)
		return 0;
	return spawn(pid, "/bin/sh", c->sh, in, out, mask, dfl, group, NULL,
	    NULL);
}

/* The name to give in a message about a command that could not be run. */
const char *
ipc_command_name(const struct ipc_command *c)
{
	return c->argv == c->sh ? "/bin/sh" : c->argv[0];
}
