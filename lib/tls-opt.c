/* tls-opt.c: the --tls- options, for the sock tools and every TLS backend. */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "tls-opt.h"

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
	case IPC_OPT_TLSNOVERIFY:
		o->noverify = 1;
		break;
	default:
		/* A caller's case list out of step with ours: never silent. */
		errx(ipc_errexit, "option 0x%x is not a --tls option", ch);
	}
}

int
ipc_tls_given(const struct ipc_tls_opts *o)
{
	return o->ca != NULL || o->cert != NULL || o->key != NULL ||
	    o->name != NULL || o->noverify;
}

const char *
ipc_tls_check(const struct ipc_tls_opts *o, int tls, int server,
    const char *needs, char *buf, size_t len)
{
	if (!tls && ipc_tls_given(o)) {
		snprintf(buf, len, "the --tls options need %s", needs);
		return buf;
	}
	if (server && tls && (o->cert == NULL || o->key == NULL))
		return "tls: needs --tls-cert and --tls-key";
	if ((o->cert == NULL) != (o->key == NULL))
		return "--tls-cert and --tls-key go together";
	return NULL;
}
