/* sysv.h: System V queues, semaphore sets, segments: for ipc-ls, ipc-rm. */
#ifndef IPC_SYSV_H
#define IPC_SYSV_H

#include "objects.h"

/*
 * System V objects are a family of their own for listing and removal: no
 * tool sends, waits or puts on them, so they have no table of operations,
 * only what /proc/sysvipc tells and IPC_RMID.  They are kinds of
 * objects.h's list beside the POSIX ones, named key:0xKKKKKKKK, and
 * selected by key:0x... (a glob over keys too) or id:N.
 */

/* Is arg a System V name (key: or id:)?  Is it well formed? */
int		 ipc_sysv_is_name(const char *);
int		 ipc_sysv_check(const char *, const char **);
/*
 * Add the objects of the System V kinds in mask that args select (every
 * one, with none) to l, counting in l->found; -1 with errno, l->failed.
 */
int		 ipc_sysv_select(struct ipc_objects *, unsigned int, char **,
		    int);
/*
 * May this process remove o?  0, or -1 with errno (EPERM) and why.
 * Remove it (IPC_RMID, by id, once its key is checked): 0, or -1 with
 * errno (ENOENT: gone, or another object under its id now) and why.
 */
int		 ipc_sysv_may_remove(const struct ipc_object *, char *, size_t);
int		 ipc_sysv_remove(const struct ipc_object *, char *, size_t);
/*
 * Enter the IPC namespace (and, for a PID, the mount namespace) of
 * -N's argument: a PID or the path of an ipc namespace file.  The kinds
 * left to select there: all for a PID, the System V ones for a path (the
 * mount namespace is ours; under -T asking for POSIX ones, exit 2).
 * Exits 2 with why on failure.
 */
unsigned int	 ipc_xnamespace(const char *, int, unsigned int);

/* The System V limits with their use, for ipc-ls -g. */
struct ipc_sysv_limit {
	const char	*type, *name, *source;
	long long	 used;		/* -1: unknown */
	unsigned long long limit;
	int		 known;		/* the limit */
};
#define IPC_SYSV_NLIMITS 10
void		 ipc_sysv_limits(struct ipc_sysv_limit *);

#endif
