/* amqp-ls.h: what amqp.c's list asks of RabbitMQ's management API. */
#ifndef IPC_AMQP_LS_H
#define IPC_AMQP_LS_H

#include <stddef.h>

#include "queue.h"
#include "url.h"

/*
 * Names of exchanges and bindings are made after base, the amqp:// name
 * up to its queue (amqp://host/[vhost/]).  Both return -1 with errno and
 * why: EHOSTUNREACH when the API did not answer (why says where, and
 * what to enable), ENOENT, EACCES (the login), EIO.
 */

/* The exchanges of vhost that pattern (a name or a glob) matches, each
 * with its bindings, to cb: the count, or -1. */
int		 ipc_amqp_ls_exchanges(const struct ipc_url *,
		    const struct ipc_tls_opts *, const char *, const char *,
		    const char *, ipc_queue_lister, void *, char *, size_t);
/*
 * The queue's bindings into info, and info to cb: cb's result, or -1.
 * Where info's msgs is -1, the API's counts of the queue too.
 */
int		 ipc_amqp_ls_queue(const struct ipc_url *,
		    const struct ipc_tls_opts *, const char *, const char *,
		    const char *, struct ipc_queue_info *,
		    ipc_queue_lister, void *, char *, size_t);

/* base?exchange=EX, %-escaped: a new string, or NULL (ENOMEM). */
char		*ipc_amqp_ls_xname(const char *, const char *);

#endif
