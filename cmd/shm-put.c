/* shm-put: write standard input into a shared memory object. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shm.h"

static const struct option longopts[] = {
	{ "must-exist",	no_argument,		NULL, 'e' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "mode",	required_argument,	NULL, 'm' },
	{ "nonblock",	no_argument,		NULL, 'n' },
	{ "offset",	required_argument,	NULL, 'o' },
	{ "size",	required_argument,	NULL, 's' },
	{ "timeout",	required_argument,	NULL, 't' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "exclusive",	no_argument,		NULL, 'x' },
	{ "any-owner",	no_argument,		NULL, IPC_OPT_ANYOWNER },
	IPC_TLS_LONGOPTS,
	{ NULL,		0,			NULL, 0 }
};

static _Noreturn void	 failed(void);
static _Noreturn void	 usage(int);

static struct ipc_shm	*shm;	/* reachable at every exit */

static const char	*shown;	/* the name, for messages; reachable at exit */

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	struct ipc_tls_opts tls = { 0 };
	struct ipc_wait w = { { 0, 0 }, 0 };
	char why[256];
	int64_t off = 0, size = -1;	/* -1: the input's */
	int ch, oflag = 0, rv;

	ipc_stdfds();
	while ((ch = getopt_long(argc, argv, "+ehm:no:s:t:Vx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'e':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'h':
			usage(IPC_OK);
		case 'm':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'n':
			ipc_xwait_option(&w, ch, optarg);
			break;
		case 'o':
			off = ipc_xsize(optarg, INT64_MAX, "offset");
			oflag = 1;
			break;
		case 's':
			size = ipc_xsize(optarg, INT64_MAX, "size");
			break;
		case 't':
			ipc_xwait_option(&w, ch, optarg);
			break;
		case 'V':
			ipc_version();
		case 'x':
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

	/* Say what is wrong with the object before reading any input. */
	if ((shm = ipc_shm_open(argv[0], IPC_SHM_PUT, &c, &tls, &shown, why,
	    sizeof(why))) == NULL)
		errx(IPC_ERROR, "%s: %s", shown, why);
	/* A signal meanwhile kills as it would anyway: nothing has changed. */
	if (ipc_shm_load(shm, STDIN_FILENO) == -1)
		failed();
	ipc_catch_signals();
	if (oflag)
		rv = ipc_shm_update(shm, off, size, IPC_WAIT_TIMEOUT(&w));
	else
		rv = ipc_shm_put(shm, size, IPC_WAIT_TIMEOUT(&w));
	if (rv == -1) {
		if (errno == EAGAIN && shm->side == IPC_SHM_OBJECT)
			return IPC_NOTNOW;
		if (IPC_BY_SIGNAL(errno))
			ipc_die_signalled();
		failed();
	}
	ipc_shm_close(shm);
	return IPC_OK;
}

/*
 * Why the put failed, the object's fault or its input's, in one line with
 * what could not be undone after it, if anything.
 */
static _Noreturn void
failed(void)
{
	int e = errno;

	if (shm->warn[0] != '\0')
		errx(IPC_ERROR, "%s: %s; %s", shm->side == IPC_SHM_FD ?
		    "stdin" : shm->shown, ipc_shm_why(shm, e), shm->warn);
	errx(IPC_ERROR, "%s: %s", shm->side == IPC_SHM_FD ? "stdin" :
	    shm->shown, ipc_shm_why(shm, e));
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == IPC_OK ? stdout : stderr;

	fprintf(fp, "usage: %s [-ex] [-m mode] [-n | -t timeout] [-o offset] "
	    "[-s size] [--any-owner]\n"
	    "\t[--tls-ca file] [--tls-cert file] [--tls-key file] "
	    "[--tls-name name]\n"
	    "\t[--tls-noverify] name\n", getprogname());
	if (status == IPC_OK) {
		fprintf(fp, "Write standard input into the shared memory "
		    "object, all of it or nothing.\n\n"
		    "  -e, --must-exist     do not create the object\n"
		    "  -m, --mode mode      mode of a new object (0600)\n"
		    "  -n, --nonblock       do not wait for the lock "
		    "(exit 1 when held)\n"
		    "  -o, --offset offset  write at offset, in place, "
		    "keeping the rest\n"
		    "  -s, --size size      set the size (4k, 1M); "
		    "the rest is zeros\n"
		    "  -t, --timeout time   wait at most time for the lock "
		    "(250ms, 1.5s, 2m)\n"
		    "  -x, --exclusive      fail if the object exists\n"
		    "      --any-owner      use it even if another user "
		    "owns it\n"
		    IPC_SHM_TLS_HELP
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
