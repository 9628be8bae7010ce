/* shm-get: write a shared memory object to standard output. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shm.h"

static const struct option longopts[] = {
	{ "null",	no_argument,		NULL, '0' },
	{ "all",	no_argument,		NULL, 'a' },
	{ "count",	required_argument,	NULL, 'c' },
	{ "follow",	no_argument,		NULL, 'F' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "length",	required_argument,	NULL, 'l' },
	{ "offset",	required_argument,	NULL, 'o' },
	{ "timeout",	required_argument,	NULL, 't' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "wait",	no_argument,		NULL, 'w' },
	{ "any-owner",	no_argument,		NULL, IPC_OPT_ANYOWNER },
	IPC_TLS_LONGOPTS,
	{ NULL,		0,			NULL, 0 }
};

static int		 follow(int64_t, int64_t, int, const struct timespec *);
static _Noreturn void	 failed(void);
static _Noreturn void	 usage(int);

static struct ipc_shm	*shm;	/* reachable at every exit */
static enum ipc_framing	 framing = IPC_LINE;	/* -F's records */
static long long	 count;		/* -c; 0: until -t or a signal */

static const char	*shown;	/* the name, for messages; reachable at exit */

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	struct ipc_tls_opts tls = { 0 };
	struct timespec timeoutbuf, *timeout = NULL, abs, *deadline;
	char why[256];
	int64_t off = 0, len = -1;	/* -1: to the end */
	int ch, cflag = 0, fflag = 0, wflag = 0, xflag = 0;

	ipc_stdfds();
	while ((ch = getopt_long(argc, argv, "+0ac:Fhl:o:t:Vw", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case '0':
		case 'a':
			ipc_xframing(&framing, ch);
			xflag = 1;
			break;
		case 'c':
			count = ipc_xnum(optarg, 1, LLONG_MAX, "count");
			cflag = 1;
			break;
		case 'F':
			fflag = 1;
			break;
		case 'h':
			usage(IPC_OK);
		case 'l':
			len = ipc_xsize(optarg, INT64_MAX, "length");
			break;
		case 'o':
			off = ipc_xsize(optarg, INT64_MAX, "offset");
			break;
		case 't':
			ipc_xduration(optarg, &timeoutbuf, "timeout");
			timeout = &timeoutbuf;
			break;
		case 'V':
			ipc_version();
		case 'w':
			wflag = 1;
			break;
		case IPC_OPT_ANYOWNER:
			ipc_xcreate_option(&c, ch, optarg);
			break;
		IPC_TLS_CASES:
			ipc_xtls_option(&tls, ch, optarg);
			break;
		default:
			usage(IPC_ERROR);
		}
	}
	argc -= optind;
	argv += optind;
	ipc_xoptions_first(argc, argv, "name", IPC_ERROR);
	if (argc != 1)
		usage(IPC_ERROR);
	if (cflag && !fflag)
		errx(IPC_ERROR, "-c needs -F");
	if (xflag && !fflag)
		errx(IPC_ERROR, "-0 and -a need -F");

	ipc_catch_signals();
	if ((shm = ipc_shm_open(argv[0], IPC_SHM_GET, &c, &tls, &shown, why,
	    sizeof(why))) == NULL)
		errx(IPC_ERROR, "%s: %s", shown, why);
	if (fflag)
		return follow(off, len, wflag, timeout);
	deadline = ipc_deadline(timeout, &abs);
	if (wflag && ipc_shm_wait(shm, deadline) == -1) {
		if (errno == ETIMEDOUT)
			return IPC_NOTNOW;
		if (ipc_signalled)
			ipc_die_signalled();
		failed();
	}
	if (ipc_shm_get(shm, off, len, STDOUT_FILENO, deadline) == -1) {
		if (errno == EAGAIN && shm->side == IPC_SHM_OBJECT)
			return IPC_NOTNOW;
		if (ipc_signalled)
			ipc_die_signalled();
		failed();
	}
	ipc_shm_close(shm);
	return IPC_OK;
}

/*
 * -F: the object as it is (with -w: as the next change leaves it), then
 * each new version, each one record.  The watch begins before the first
 * get, so that a put while a version is written out is the next one.
 * -t is the longest wait for each version: the first time it passes
 * ends the run, 0 when a version was written (unless -c wanted more).
 */
static int
follow(int64_t off, int64_t len, int wflag,
    const struct timespec *timeout)
{
	struct timespec abs, *deadline;
	long long got = 0;
	char end;

	if (ipc_shm_follow(shm) == -1)
		failed();
	for (;;) {
		/* Changes that never stop must not keep a signal out. */
		if (ipc_signalled)
			ipc_die_signalled();
		deadline = ipc_deadline(timeout, &abs);
		if ((got > 0 || wflag) && ipc_shm_wait(shm, deadline) == -1) {
			if (errno == ETIMEDOUT)
				break;
			if (ipc_signalled)
				ipc_die_signalled();
			failed();
		}
		if (ipc_shm_get(shm, off, len, STDOUT_FILENO, deadline) ==
		    -1) {
			if (errno == EAGAIN && shm->side == IPC_SHM_OBJECT)
				break;
			if (ipc_signalled)
				ipc_die_signalled();
			failed();
		}
		/* A line's newline, unless the version ends with its own. */
		end = framing == IPC_NUL ? '\0' : '\n';
		if (framing != IPC_ALL && !(framing == IPC_LINE &&
		    shm->last == '\n') &&
		    ipc_write_all(STDOUT_FILENO, &end, 1) != 1)
			err(IPC_ERROR, "stdout");
		if (++got == count)
			break;
	}
	if (got > 0 && (count == 0 || got == count)) {
		ipc_shm_close(shm);
		return IPC_OK;
	}
	if (count != 0)
		warnx("%s: %lld of %lld versions came in time", shm->shown,
		    got, count);
	return IPC_NOTNOW;
}

/* Why the get failed, the object's fault or its output's. */
static _Noreturn void
failed(void)
{
	int e = errno;

	errx(IPC_ERROR, "%s: %s", shm->side == IPC_SHM_FD ? "stdout" :
	    shm->shown, ipc_shm_why(shm, e));
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == IPC_OK ? stdout : stderr;

	fprintf(fp, "usage: %s [-0aFw] [-c count] [-l length] [-o offset] "
	    "[-t timeout]\n"
	    "\t[--any-owner] [--tls-ca file] [--tls-cert file] "
	    "[--tls-key file]\n"
	    "\t[--tls-name name] [--tls-noverify] name\n", getprogname());
	if (status == IPC_OK) {
		fprintf(fp, "Write the shared memory object, or length bytes "
		    "of it, to standard output.\n\n"
		    "  -0, --null           -F: end each version with NUL\n"
		    "  -a, --all            -F: add nothing after a version\n"
		    "  -c, --count n        -F: end after n versions\n"
		    "  -F, --follow         write each new version as it "
		    "changes, one record each\n"
		    "  -l, --length length  at most length bytes (4k, 1M)\n"
		    "  -o, --offset offset  start at offset\n"
		    "  -t, --timeout time   wait at most time "
		    "(250ms, 1.5s, 2m; exit 1);\n"
		    "                       -F: for each version\n"
		    "  -w, --wait           wait until the object changes, "
		    "then write it\n"
		    "      --any-owner      read it even if another user "
		    "owns it\n"
		    IPC_SHM_TLS_HELP
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
