/* tls-opt.h: the --tls- options, one list for every tool and backend. */
#ifndef IPC_TLS_OPT_H
#define IPC_TLS_OPT_H

#include "ipcutils.h"

/*
 * The --tls- options of sock-send and sock-listen (tls:) and of every
 * backend that speaks TLS (amqps://): one struct, one getopt_long list,
 * one set of cases, one check.  Their getopt values are 0x200 to 0x2ff
 * (HACKING, Option numbers).
 */
struct ipc_tls_opts {
	const char	*ca;		/* --tls-ca: verify against it */
	const char	*cert, *key;	/* --tls-cert, --tls-key */
	const char	*name;		/* --tls-name: the name to check */
	int		 noverify;	/* --tls-noverify */
};
#define IPC_OPT_TLSCA		0x200
#define IPC_OPT_TLSCERT		0x201
#define IPC_OPT_TLSKEY		0x202
#define IPC_OPT_TLSNAME		0x203
#define IPC_OPT_TLSNOVERIFY	0x204
#define IPC_TLS_LONGOPTS \
	{ "tls-ca",		required_argument,	NULL, IPC_OPT_TLSCA }, \
	{ "tls-cert",		required_argument,	NULL, IPC_OPT_TLSCERT }, \
	{ "tls-key",		required_argument,	NULL, IPC_OPT_TLSKEY }, \
	{ "tls-name",		required_argument,	NULL, IPC_OPT_TLSNAME }, \
	{ "tls-noverify",	no_argument,		NULL, IPC_OPT_TLSNOVERIFY }
#define IPC_TLS_CASES \
	case IPC_OPT_TLSCA: \
	case IPC_OPT_TLSCERT: \
	case IPC_OPT_TLSKEY: \
	case IPC_OPT_TLSNAME: \
	case IPC_OPT_TLSNOVERIFY
void		 ipc_xtls_option(struct ipc_tls_opts *, int, const char *);
int		 ipc_tls_given(const struct ipc_tls_opts *);
/*
 * Do the options fit: tls says the name or address asks for TLS, server
 * that we are the one who needs a certificate, needs what an option
 * needs ("a tls: address").  NULL, or why not.
 */
const char	*ipc_tls_check(const struct ipc_tls_opts *, int, int,
		    const char *, char *, size_t);

#endif
