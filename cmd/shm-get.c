/* shm-get: write a shared memory object to standard output. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shm.h"

static const struct option longopts[] = {
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

static _Noreturn void	 failed(struct ipc_shm *);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	struct ipc_tls_opts tls = { 0 };
	struct timespec timeoutbuf, *timeout = NULL, abs, *deadline;
	struct ipc_shm *shm;
	const char *shown;
	char why[256];
	int64_t off = 0, len = -1;	/* -1: to the end */
	int ch, wflag = 0;

	while ((ch = getopt_long(argc, argv, "+hl:o:t:Vw", longopts,
	    NULL)) != -1) {
		switch (ch) {
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
	if (argc != 1)
		usage(IPC_ERROR);

	ipc_catch_signals();
	if ((shm = ipc_shm_open(argv[0], IPC_SHM_GET, &c, &tls, &shown, why,
	    sizeof(why))) == NULL)
		errx(IPC_ERROR, "%s: %s", shown, why);
	deadline = ipc_deadline(timeout, &abs);
	if (wflag && ipc_shm_wait(shm, deadline) == -1) {
		if (errno == ETIMEDOUT)
			return IPC_NOTNOW;
		if (ipc_signalled)
			ipc_die_signalled();
		failed(shm);
	}
	if (ipc_shm_get(shm, off, len, STDOUT_FILENO, deadline) == -1) {
		if (errno == EAGAIN && shm->side == IPC_SHM_OBJECT)
			return IPC_NOTNOW;
		if (ipc_signalled)
			ipc_die_signalled();
		failed(shm);
	}
	ipc_shm_close(shm);
	return IPC_OK;
}

/* Why the get failed, the object's fault or its output's. */
static _Noreturn void
failed(struct ipc_shm *shm)
{
	int e = errno;

	errx(IPC_ERROR, "%s: %s", shm->side == IPC_SHM_FD ? "stdout" :
	    shm->shown, ipc_shm_why(shm, e));
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == IPC_OK ? stdout : stderr;

	fprintf(fp, "usage: %s [-w] [-l length] [-o offset] [-t timeout] "
	    "[--any-owner]\n"
	    "\t[--tls-ca file] [--tls-cert file] [--tls-key file] "
	    "[--tls-name name]\n"
	    "\t[--tls-noverify] name\n", getprogname());
	if (status == IPC_OK) {
		fprintf(fp, "Write the shared memory object, or length bytes "
		    "of it, to standard output.\n\n"
		    "  -l, --length length  at most length bytes (4k, 1M)\n"
		    "  -o, --offset offset  start at offset\n"
		    "  -t, --timeout time   wait at most time "
		    "(250ms, 1.5s, 2m; exit 1)\n"
		    "  -w, --wait           wait until the object changes, "
		    "then write it\n"
		    "      --any-owner      read it even if another user "
		    "owns it\n"
		    "      --tls-ca file    etcds://: verify etcd against "
		    "this CA\n"
		    "      --tls-cert file, --tls-key file\n"
		    "                       etcds://: this client "
		    "certificate and key\n"
		    "      --tls-name name  etcds://: the name etcd's "
		    "certificate must have\n"
		    "      --tls-noverify   etcds://: do not verify etcd's "
		    "certificate\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
