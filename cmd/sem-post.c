/* sem-post: give back units of a named semaphore. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sem.h"

enum { OPT_INIT = IPC_OPT_TOOL, OPT_MAX };

static const struct option longopts[] = {
	{ "count",		required_argument,	NULL, 'c' },
	{ "must-exist",		no_argument,		NULL, 'e' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "mode",		required_argument,	NULL, 'm' },
	{ "nonblock",		no_argument,		NULL, 'n' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "value",		no_argument,		NULL, 'v' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "exclusive",		no_argument,		NULL, 'x' },
	{ "init",		required_argument,	NULL, OPT_INIT },
	{ "max",		required_argument,	NULL, OPT_MAX },
	{ "any-owner",		no_argument,		NULL, IPC_OPT_ANYOWNER },
	IPC_TLS_LONGOPTS,
	{ NULL,			0,			NULL, 0 }
};

static _Noreturn void	 usage(int);

static struct ipc_sem	*s;	/* reachable at every exit */

static const char	*shown;	/* the name, for messages; reachable at exit */

int
main(int argc, char *argv[])
{
	struct ipc_sem_conf conf = IPC_SEM_CONF_DEFAULT;
	struct ipc_wait wait = { { 0, 0 }, 0 };
	char why[256];
	long long count = 1, init = 0, max = -1;
	int ch, vflag = 0, value, status = IPC_OK;

	ipc_stdfds();
	while ((ch = getopt_long(argc, argv, "+c:ehm:nt:vVx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			count = ipc_xnum(optarg, 1, IPC_SEM_VALUE_MAX, "count");
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
		case OPT_MAX:
			max = ipc_xnum(optarg, 0, IPC_SEM_VALUE_MAX, "--max");
			break;
		IPC_TLS_CASES:
			ipc_xtls_option(&conf.tls, ch, optarg);
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
	if (max != -1 && init > max)
		errx(IPC_ERROR, "--init %lld is over --max %lld", init, max);

	conf.init = init;
	conf.max = max;
	if ((s = ipc_sem_open(argv[0], &conf, &shown, why,
	    sizeof(why))) == NULL)
		errx(IPC_ERROR, "%s: %s", shown, why);
	/*
	 * Past --max, or another post still under way when -n or -t ends
	 * the wait for it: nothing given, exit 1, quietly.
	 */
	if (ipc_sem_post(s, count, IPC_WAIT_TIMEOUT(&wait), &value) == -1) {
		if (errno != EAGAIN && errno != ETIMEDOUT)
			errx(IPC_ERROR, "%s: %s", shown, ipc_sem_why(s, errno));
		status = IPC_NOTNOW;
	}
	/*
	 * The post is not undone when the value cannot be written: a waiter
	 * may have taken the units already.  The message says so.
	 */
	if (vflag) {
		printf("%d\n", value);
		if (fflush(stdout) == EOF || ferror(stdout))
			errx(IPC_ERROR, "stdout: %s (the units were given "
			    "back)", strerror(errno));
	}
	ipc_sem_close(s);
	return status;
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == IPC_OK ? stdout : stderr;

	fprintf(fp, "usage: %s [-envx] [-c count] [-m mode] [-t timeout] "
	    "[--init n]\n"
	    "\t[--max n] [--any-owner] [--tls-ca file] [--tls-cert file] "
	    "[--tls-key file]\n"
	    "\t[--tls-name name] [--tls-noverify] name\n", getprogname());
	if (status == IPC_OK) {
		fprintf(fp, "Give back one unit of the semaphore, or count "
		    "units.\n\n"
		    "  -c, --count n         give back n units (1)\n"
		    "  -e, --must-exist      do not create the semaphore\n"
		    "  -m, --mode mode       mode of a new semaphore (0600)\n"
		    "  -n, --nonblock        do not wait for another "
		    "post (exit 1)\n"
		    "  -t, --timeout time    wait at most time for another "
		    "post (exit 1)\n"
		    "  -v, --value           print the value afterwards\n"
		    "  -x, --exclusive       fail if the semaphore exists\n"
		    "      --init n          value of a new semaphore (0)\n"
		    "      --max n           never raise the value above n "
		    "(exit 1)\n"
		    "      --any-owner       use it even if another user "
		    "owns it\n"
		    "      --tls-ca file, --tls-cert file, --tls-key file, "
		    "--tls-name name,\n"
		    "      --tls-noverify    etcds://: as shm-get's\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
