/* shm.h: POSIX shared memory objects (shm.c). */
#ifndef IPC_SHM_H
#define IPC_SHM_H

#include <sys/types.h>

#include <time.h>

#include "ipcutils.h"

/* Tools take flock(2) on the object: LOCK_EX to change it, LOCK_SH to read. */
int		 ipc_shm_open(const char *, int, const struct ipc_create *,
		    int *);
int		 ipc_shm_lock(int, int, const struct timespec *);
struct ipc_shm_watch {
	int		 ifd;		/* inotify, or -1: look at the mtime */
	struct timespec	 mtime;		/* as it was when the watch began */
	off_t		 size;
};
int		 ipc_shm_watch(struct ipc_shm_watch *, const char *, int);
int		 ipc_shm_wait(struct ipc_shm_watch *, int,
		    const struct timespec *);
void		 ipc_shm_unwatch(struct ipc_shm_watch *);

#endif
