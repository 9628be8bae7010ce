/* sem-wait: take a unit of a named semaphore, or hold one for a command. */
#include "config.h"

#include <sys/syscall.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "sem.h"

enum { OPT_INIT = IPC_OPT_TOOL, OPT_TTL };

static const struct option longopts[] = {
	{ "conflict-exit-code",	required_argument,	NULL, 'E' },
	{ "must-exist",		no_argument,		NULL, 'e' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "mode",		required_argument,	NULL, 'm' },
	{ "nonblock",		no_argument,		NULL, 'n' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "value",		no_argument,		NULL, 'v' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "exclusive",		no_argument,		NULL, 'x' },
	{ "init",		required_argument,	NULL, OPT_INIT },
	{ "ttl",		required_argument,	NULL, OPT_TTL },
	IPC_TLS_LONGOPTS,
	{ "any-owner",		no_argument,		NULL, IPC_OPT_ANYOWNER },
	{ NULL,			0,			NULL, 0 }
};

static const char		*shown;		/* the name, for messages */
static struct ipc_sem		*s;
static volatile sig_atomic_t	 child;
static sigset_t			 ignored;	/* at start: for the command too */

static int		 take(const struct timespec *);
static void		 forward(int);
static void		 record(void *);
static _Noreturn void	 giveback(int, const char *, const char *);
static _Noreturn void	 leave(int);
static _Noreturn void	 run(char **, int);
static int		 reap(pid_t, int *);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_sem_conf conf = IPC_SEM_CONF_DEFAULT;
	struct ipc_wait wait = { { 0, 0 }, 0 };
	char why[256], **cmd = NULL;
	long long init = -1;
	int ch, i, vflag = 0, conflict = IPC_NOTNOW, value;

	ipc_stdfds();
	/*
	 * Everything after the first "--" is the command, never our options;
	 * with a command, our own failures, bad arguments too, exit 125, so
	 * that is settled before any argument is looked at.
	 */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			cmd = argv + i + 1;
			argv[i] = NULL;
			argc = i;
			ipc_errexit = IPC_CMD_FAILED;
			break;
		}
	while ((ch = getopt_long(argc, argv, "+E:ehm:nt:vVx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'E':
			conflict = ipc_xnum(optarg, 0, 255,
			    "conflict exit code");
			break;
		case 'e':
			ipc_xcreate_option(&conf.create, ch, optarg);
			break;
		case 'h':
			usage(IPC_OK);
		case 'm':
			ipc_xcreate_option(&conf.create, ch, optarg);
			break;
		case 'n':
		case 't':
			ipc_xwait_option(&wait, ch, optarg);
			break;
		case 'v':
			vflag = 1;
			break;
		case 'V':
			ipc_version();
		case 'x':
		case IPC_OPT_ANYOWNER:
			ipc_xcreate_option(&conf.create, ch, optarg);
			break;
		case OPT_INIT:
			init = ipc_xnum(optarg, 0, IPC_SEM_VALUE_MAX, "--init");
			break;
		case OPT_TTL:
			ipc_xduration(optarg, &conf.ttl, "--ttl");
			break;
		IPC_TLS_CASES:
			ipc_xtls_option(&conf.tls, ch, optarg);
			break;
		default:
			usage(ipc_errexit);
		}
	}
	argc -= optind;
	argv += optind;
	ipc_xoptions_first(argc, argv, "name", ipc_errexit);
	if (argc != 1 || (cmd != NULL && cmd[0] == NULL))
		usage(ipc_errexit);
	conf.init = init == -1 ? cmd != NULL : init;
	conf.hold = cmd != NULL;

	/*
	 * SIGINT, SIGTERM and SIGHUP end a wait; once the command runs they
	 * go on to it.  One ignored at start (nohup) stays ignored, for the
	 * command too.
	 */
	ipc_handle_signals(forward, &ignored);

	if ((s = ipc_sem_open(argv[0], &conf, &shown, why,
	    sizeof(why))) == NULL)
		errx(ipc_errexit, "%s: %s", shown, why);
	if (take(IPC_WAIT_TIMEOUT(&wait)) == -1)
		exit(conflict);
	if (cmd != NULL)
		run(cmd, vflag);
	/* Status 2 takes nothing: a value not written gives the unit back. */
	if (vflag) {
		if (ipc_sem_read(s, &value) == -1)
			giveback(ipc_errexit, shown, ipc_sem_why(s, errno));
		printf("%d\n", value);
		if (fflush(stdout) == EOF || ferror(stdout))
			giveback(ipc_errexit, "stdout", strerror(errno));
	}
	ipc_sem_close(s);
	return IPC_OK;
}

/*
 * Take one unit: 0, or -1 when none came in time.  A signal ends the
 * wait, and sem-wait with it.
 */
static int
take(const struct timespec *timeout)
{
	if (ipc_sem_take(s, timeout) == 0)
		return 0;
	if (errno == EINTR)
		ipc_die_signalled();
	if (errno != EAGAIN && errno != ETIMEDOUT)
		errx(ipc_errexit, "%s: %s", shown, ipc_sem_why(s, errno));
	return -1;
}

/* SIGINT, SIGTERM, SIGHUP: for the command, once there is one. */
static void
forward(int sig)
{
	ipc_signalled = sig;
	if (child > 0)
		kill(child, sig);
}

/* In the command's process, before its exec: it holds our unit. */
static void
record(void *arg)
{
	ipc_sem_child(arg, getpid());
}

/* Give back the unit taken, not held yet, and exit with what went wrong. */
static _Noreturn void
giveback(int status, const char *what, const char *why)
{
	char copy[256];

	strlcpy(copy, why, sizeof(copy));	/* the release clears s->why */
	ipc_sem_release(s);
	errx(status, "%s: %s", what, copy);
}

/* Give the unit back and exit. */
static _Noreturn void
leave(int status)
{
	if (ipc_sem_release(s) == -1)
		errx(IPC_CMD_FAILED, "%s: %s", shown, ipc_sem_why(s, errno));
	exit(status);
}

/*
 * Hold the unit for the command: recorded first, so that it comes back
 * however sem-wait ends; then run the command, wait for it, give the unit
 * back, and exit with its status.
 */
static _Noreturn void
run(char **cmd, int vflag)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	sigset_t fwd, old, dfl;
	char token[32];
	pid_t pid;
	size_t i;
	int e, status, value;

	if (ipc_sem_hold(s) == -1) {
		if (errno != ENOSPC)
			giveback(IPC_CMD_FAILED, shown,
			    ipc_sem_why(s, errno));
		warnx("%s: %s: this unit will not come back if sem-wait is "
		    "killed", shown, ipc_sem_why(s, errno));
	}
	if (vflag) {
		if (ipc_sem_read(s, &value) == -1) {
			warnx("%s: %s", shown, ipc_sem_why(s, errno));
			leave(IPC_CMD_FAILED);
		}
		printf("%d\n", value);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			warn("stdout");
			leave(IPC_CMD_FAILED);
		}
	}

	/* The fencing token: a resource can refuse a holder it outlived. */
	if (ipc_sem_token(s) > 0) {
		snprintf(token, sizeof(token), "%lld", ipc_sem_token(s));
		if (setenv("IPC_SEM_TOKEN", token, 1) == -1) {
			warn("IPC_SEM_TOKEN");
			leave(IPC_CMD_FAILED);
		}
	}

	/* A signal from now on waits until the command can have it. */
	ipc_ending(&fwd);
	sigprocmask(SIG_BLOCK, &fwd, &old);
	if (ipc_signalled) {
		if (ipc_sem_release(s) == -1)
			errx(IPC_CMD_FAILED, "%s: %s", shown,
			    ipc_sem_why(s, errno));
		ipc_die_signalled();
	}
	/* Ours are handled, and so reset by exec; those ignored stay so. */
	dfl = fwd;
	sigaddset(&dfl, SIGPIPE);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigismember(&ignored, sigs[i]) == 1)
			sigdelset(&dfl, sigs[i]);
	/*
	 * The record names the command before it runs: a SIGKILL to us
	 * then leaves it the unit.
	 */
	if ((e = ipc_spawn(&pid, cmd[0], cmd, -1, &old, &dfl, 0, record,
	    s)) != 0) {
		warnc(e, "%s", ipc_shown(cmd[0]));
		leave(ipc_spawn_status(e));
	}
	child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);

	if (reap(pid, &status) == -1) {
		warn("wait");
		leave(IPC_CMD_FAILED);
	}
	leave(ipc_cmd_status(status));
}

/* Time the command has to end after SIGTERM, when its unit was lost. */
#define GRACE_MS	5000

/*
 * Wait for the command; where the unit can be lost while it runs (a
 * lease that ended), end it then: SIGTERM, SIGKILL after GRACE_MS, and
 * exit 125 saying so.  0 and its status, or -1 with errno.
 */
static int
reap(pid_t pid, int *status)
{
	struct pollfd pfd[2];
	int lost, n, timeout = -1;

	if ((lost = ipc_sem_lostfd(s)) == -1 ||
	    (pfd[1].fd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1) {
		while (waitpid(pid, status, 0) == -1)
			if (errno != EINTR)
				return -1;
		return 0;
	}
	pfd[0].fd = lost;
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		n = poll(pfd, 2, timeout);
		if (n == -1 && errno != EINTR)
			return -1;
		if (n > 0 && pfd[1].revents != 0)
			break;
		if (n == 0) {		/* the grace period is over */
			kill(pid, SIGKILL);
			timeout = -1;
			continue;
		}
		if (n > 0 && pfd[0].revents != 0 && pfd[0].fd != -1) {
			kill(pid, SIGTERM);
			pfd[0].fd = -1;
			timeout = GRACE_MS;
		}
	}
	close(pfd[1].fd);
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (pfd[0].fd == -1) {
		ipc_sem_release(s);
		errx(IPC_CMD_FAILED, "%s: the unit was lost (its lease "
		    "ended) while the command ran; it was ended", shown);
	}
	return 0;
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == IPC_OK ? stdout : stderr;

	fprintf(fp, "usage: %s [-envx] [-E code] [-m mode] [-t timeout] "
	    "[--init n]\n"
	    "\t[--ttl duration] [--any-owner] [--tls-ca file] "
	    "[--tls-cert file]\n"
	    "\t[--tls-key file] [--tls-name name] [--tls-noverify]\n"
	    "\tname [-- command [argument ...]]\n",
	    getprogname());
	if (status == IPC_OK) {
		fprintf(fp, "Take one unit of the semaphore; with a command, "
		    "hold it while the command runs.\n\n"
		    "  -E, --conflict-exit-code n  exit n when no unit came "
		    "in time (1)\n"
		    "  -e, --must-exist      do not create the semaphore\n"
		    "  -m, --mode mode       mode of a new semaphore (0600)\n"
		    "  -n, --nonblock        do not wait (exit 1 when none "
		    "is free)\n"
		    "  -t, --timeout time    wait at most time "
		    "(250ms, 1.5s, 2m)\n"
		    "  -v, --value           print the value after taking "
		    "the unit\n"
		    "  -x, --exclusive       fail if the semaphore exists\n"
		    "      --init n          value of a new semaphore "
		    "(0; 1 with a command)\n"
		    "      --ttl duration    etcd://: the unit of a holder "
		    "not heard from comes\n"
		    "                        back after duration "
		    "(10s; at least 2s)\n"
		    "      --tls-ca file, --tls-cert file, --tls-key file, "
		    "--tls-name name,\n"
		    "      --tls-noverify    etcds://: as shm-get's\n"
		    "      --any-owner       use it even if another user "
		    "owns it\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
