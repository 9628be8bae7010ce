/* backend.h: names with a scheme, and the backends built for them. */
#ifndef IPC_BACKEND_H
#define IPC_BACKEND_H

#include <stddef.h>

#include "ipcutils.h"

/*
 * A name that starts with SCHEME:// or SCHEMEs:// (its TLS form) is an
 * object of a backend: amqp:// a broker's queue, etcd:// a semaphore or
 * shared memory on etcd.  Each family (queue.h, sem.h, shm.h) keeps a
 * table of the backends built into it, chosen by the name when a tool
 * opens it; a plain name is the POSIX object of this machine.
 */

/* 0: not of scheme; 1: SCHEME://; 2: SCHEMEs://, TLS. */
int		 ipc_scheme_is(const char *, const char *);
/* Does the name start with a scheme, any ("x://")? */
int		 ipc_has_scheme(const char *);
/*
 * A name of a scheme that no backend of this family in this build
 * serves: NULL, or the one message that says which configure option
 * would (or that the scheme has no objects of this kind).
 */
const char	*ipc_backend_missing(enum ipc_kind, const char *, char *,
		    size_t);

#endif
