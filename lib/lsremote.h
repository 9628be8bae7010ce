/* lsremote.h: ipc-ls's rows of the objects of backends (names with a scheme). */
#ifndef IPC_LSREMOTE_H
#define IPC_LSREMOTE_H

#include <stddef.h>
#include <time.h>

#include "grid.h"
#include "tls-opt.h"

/*
 * The semaphores and shared memory objects that names with a scheme find
 * (etcd://), through their families' lists (sem.h, shm.h): gathered name
 * by name, then printed as one table or as JSON, as ipc-ls prints its
 * other listings.  A name's last part may be a glob.
 */
struct ipc_lsr {
	unsigned int	 kinds;		/* of IPC_SEM and IPC_SHM, as -T says */
	int		 holders;	/* --holders: a row per holder */
	const struct ipc_tls_opts *tls;
	struct ipc_grid	 g;		/* the rows */
	char		*json;		/* -J: the objects, each ",{...}" */
	size_t		 jlen;
	int		 found;		/* objects of the name being added */
	char		 why[256];	/* a holders' failure */
};

void		 ipc_lsr_init(struct ipc_lsr *, unsigned int, int,
		    const struct ipc_tls_opts *);
/*
 * The objects of name, added: how many (0: none there), or -1 with errno
 * and why; EPROTONOSUPPORT: no family lists the objects of its scheme
 * (a queue's: amqp://).  Exits when memory runs out.
 */
int		 ipc_lsr_add(struct ipc_lsr *, const char *, char *, size_t);
/*
 * To standard output: a table (nohead: without its header; raw: fields
 * between tabs), or JSON: with --holders one array, else the objects
 * alone, each after a comma but the first when *first, for the caller's
 * array.  And freed.
 */
void		 ipc_lsr_print(struct ipc_lsr *, int, int, int, int *);

/*
 * A broker's queues and exchanges (queue.h's ipc_queue_list), printed
 * as they come: a header before the first of each kind (none with
 * nflag), JSON objects after a comma but the first.
 */
struct ipc_lsq {
	int		 nflag, Jflag, first;
	int		 header;	/* of the rows above: 1 queues,
					   2 exchanges, or 0 */
};

struct ipc_queue_info;
int		 ipc_lsq_add(void *, const struct ipc_queue_info *);

/* ISO 8601 with the offset, as lsipc's iso: 2026-11-27T04:15:00+09:00. */
const char	*ipc_iso8601(const struct tm *, char *, size_t);

#endif
