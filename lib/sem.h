/* sem.h: POSIX named semaphores (sem.c). */
#ifndef IPC_SEM_H
#define IPC_SEM_H

#include <sys/types.h>

#include <semaphore.h>
#include <stdint.h>

#include "ipcutils.h"

/*
 * Semaphores are created on use with struct ipc_create, and the units
 * held for a command are recorded, so that a holder's death, SIGKILL
 * too, does not leak its unit (see the comment in sem.c).
 */
#define IPC_SEM_SLOTS	4096	/* holders recorded at once */
struct ipc_sem_record;
struct ipc_sem {
	sem_t		*sem;		/* mapped with its file's record */
	struct ipc_sem_record *rec;
	int		 slot;		/* ours, or -1 */
	uint64_t	 me;		/* this process, as the record names it */
	uint64_t	 ns;		/* its PID namespace */
};
int		 ipc_sem_open(struct ipc_sem *, const char *,
		    const struct ipc_create *, unsigned int);
int		 ipc_sem_reclaim(struct ipc_sem *);
int		 ipc_sem_hold(struct ipc_sem *);
void		 ipc_sem_child(struct ipc_sem *, pid_t);
int		 ipc_sem_release(struct ipc_sem *);
int		 ipc_sem_post(struct ipc_sem *, unsigned int, long, int *);

/* Where glibc keeps it, and its value read from there (ipc-ls). */
int		 ipc_sem_path(const char *, char *, size_t);
int		 ipc_sem_value(const char *, int *);

#endif
