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
	dev_t		 dev;		/* the object the name named then */
	ino_t		 ino;
	char		 path[sizeof(IPC_SHM_DIR) + IPC_NAMEBUF];
};
int		 ipc_shm_watch(struct ipc_shm_watch *, const char *, int);
int		 ipc_shm_wait(struct ipc_shm_watch *, int,
		    const struct timespec *);
int		 ipc_shm_replaced(const struct ipc_shm_watch *);
int		 ipc_shm_other(const char *, dev_t, ino_t);
void		 ipc_shm_unwatch(struct ipc_shm_watch *);

#endif
