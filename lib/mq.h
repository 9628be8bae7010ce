/* mq.h: POSIX message queues (mq.c). */
#ifndef IPC_MQ_H
#define IPC_MQ_H

#include <mqueue.h>

#include "ipcutils.h"

/*
 * The POSIX queues of this machine, for the queue backend (queue.h) and
 * for ipc-ls and ipc-rm.  Open or create a queue; a reason better than
 * EMFILE and EINVAL; a limit of /proc/sys/fs/mqueue.
 */
mqd_t		 ipc_mq_open(const char *, int, const struct ipc_create *);
const char	*ipc_mq_strerror(int, const struct ipc_create *, char *,
		    size_t);
#define IPC_MQ_PROC	"/proc/sys/fs/mqueue/"
long long	 ipc_mq_limit(const char *, long long);

/* What ipc-ls and ipc-rm see of a queue (the end of mq.c). */
int		 ipc_mq_path(const char *, char *, size_t);
mqd_t		 ipc_mq_look(const char *);
long long	 ipc_mq_queued(const char *);

#endif
