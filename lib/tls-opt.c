/* tls-opt.c: the --tls- options, for the sock tools and amqps:// alike. */
#include "config.h"

#include "ipcutils.h"

/* One of the --tls- options, into *o. */
void
ipc_xtls_option(struct ipc_tls_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case IPC_OPT_TLSCA:
		o->ca = arg;
		break;
	case IPC_OPT_TLSCERT:
		o->cert = arg;
		break;
	case IPC_OPT_TLSKEY:
		o->key = arg;
		break;
	case IPC_OPT_TLSNAME:
		o->name = arg;
		break;
	default:
		o->noverify = 1;
	}
}
