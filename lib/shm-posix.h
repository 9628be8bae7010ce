/* shm-posix.h: the POSIX shared memory backend's object, for its files. */
#ifndef IPC_SHM_POSIX_H
#define IPC_SHM_POSIX_H

#include <sys/stat.h>
#include <sys/types.h>

#include "shm.h"

/*
 * What a put copies into the object: len bytes at off of fd, which is
 * either the input file itself, read-leased so that nobody changes it
 * meanwhile, or a staging object that holds a copy of the input.
 */
struct ipc_pshm_src {
	int		 fd;		/* -1: nothing loaded */
	off_t		 off;
	off_t		 len;
	int		 leased;	/* fd is the input, under F_RDLCK */
	int		 named;		/* staging made by name: no linkat */
	int		 spent;		/* staging: free it as it is copied */
};

struct ipc_pshm_watch;

/* Tools take flock(2) on the object: LOCK_EX to change it, LOCK_SH to read. */
struct ipc_pshm {
	struct ipc_shm	 s;		/* first: what the tools see */
	int		 fd;		/* the object; -1: none yet (a put) */
	int		 oflag;		/* shm_open's, to open it again */
	int		 created;	/* made by this put: gone if it fails */
	struct ipc_create c;		/* how a put makes it */
	int		 infd;		/* the put's input */
	struct ipc_pshm_src in;
	struct ipc_pshm_watch *follow;	/* shm-get -F's watch, or NULL */
	char		 name[IPC_NAMEBUF];
	char		 path[sizeof(IPC_SHM_DIR) + IPC_NAMEBUF];
};
#define IPC_PSHM(s)	((struct ipc_pshm *)(s))

/* shm.c */
int		 ipc_pshm_open(const char *, int, const struct ipc_create *,
		    int *);
int		 ipc_pshm_lock(int, int, const struct timespec *);
int		 ipc_pshm_other(const char *, dev_t, ino_t);
void		 ipc_pshm_seen(struct ipc_pshm *, const struct stat *);
int		 ipc_pshm_failed(struct ipc_pshm *, enum ipc_shm_side,
		    const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 ipc_pshm_busy(struct ipc_pshm *);

/* shm-put.c */
int		 ipc_pshm_load(struct ipc_shm *, int);
int		 ipc_pshm_put(struct ipc_shm *, int64_t,
		    const struct timespec *);
int		 ipc_pshm_update(struct ipc_shm *, int64_t, int64_t,
		    const struct timespec *);

/* shm-get.c */
int		 ipc_pshm_get(struct ipc_shm *, int64_t, int64_t, int,
		    const struct timespec *);

#endif
