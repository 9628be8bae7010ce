/* objects.h: the objects of every kind, as ipc-ls and ipc-rm see them. */
#ifndef IPC_OBJECTS_H
#define IPC_OBJECTS_H

#include <sys/stat.h>

#include "ipcutils.h"

/*
 * The kinds ipc-ls and ipc-rm see: the POSIX ones (enum ipc_kind), then
 * the System V ones (sysv.h).
 */
enum {
	IPC_SYSV_MSG = IPC_NKINDS, IPC_SYSV_SEM, IPC_SYSV_SHM, IPC_NOKINDS
};
#define IPC_KINDS_POSIX	((1U << IPC_NKINDS) - 1)
#define IPC_KINDS_SYSV	(((1U << IPC_NOKINDS) - 1) & ~IPC_KINDS_POSIX)
#define IPC_KINDS_ALL	((1U << IPC_NOKINDS) - 1)

struct ipc_object {
	int		 kind;		/* enum ipc_kind, or IPC_SYSV_* */
	char		 name[IPC_NAMEBUF];	/* with its slash */
	struct stat	 st;
	int		 nostat;	/* there, but st unknown (EACCES) */
	int		 arg;		/* the argument that selected it */
	/* ipc_object_details(): -1 where unknown or not of this kind. */
	long long	 size;		/* bytes held: queued, or st_size */
	long long	 msgs, maxmsg, msgsize;	/* queues */
	long long	 value;		/* semaphores */
	long long	 bytes;		/* shared memory: bytes in use */
	/* System V (st: its mode, owner and group, mtime its last use). */
	int		 key, id;
	uid_t		 cuid;
	gid_t		 cgid;
	long long	 cpid, lpid;	/* segments: creator, last at/detach */
	long long	 lspid, lrpid;	/* queues: last send, last receive */
	long long	 nattch, nsems;
	time_t		 ctime;		/* every kind: last change */
	time_t		 atime, dtime;	/* segments: last attach, detach */
	time_t		 stime, rtime;	/* queues: last send, receive */
	time_t		 otime;		/* semaphore sets: last semop */
};
struct ipc_objects {
	struct ipc_object *v;
	size_t		 n, cap;
	size_t		*found;		/* per argument: objects selected */
	int		 nomqfs;	/* queues were to be listed, but no fs */
	const char	*failed;	/* ipc_select() -1: the directory, or
					   NULL (memory) */
	char		(*names)[IPC_NAMEBUF];	/* ipc_xselect's */
};
const char	*ipc_kind_name(int);
unsigned int	 ipc_kinds(const char *, const char **);
int		 ipc_select(struct ipc_objects *, unsigned int, char **, int);
void		 ipc_xselect(struct ipc_objects *, unsigned int, char **, int);
int		 ipc_objects_missed(const struct ipc_objects *, char *const [],
		    int);
/*
 * Why a name that selected nothing is no object: what is under it when
 * that is no regular file (a symbolic link, a FIFO), with then after it
 * (ipc-rm's ": left alone"), else ENOENT's words.
 */
const char	*ipc_object_absent(unsigned int, const char *, const char *);
int		 ipc_objects_add(struct ipc_objects *,
		    const struct ipc_object *);
void		 ipc_objects_free(struct ipc_objects *);
void		 ipc_object_details(struct ipc_object *);
int		 ipc_object_unlink(const struct ipc_object *, char *, size_t);
int		 ipc_is_pattern(const char *);
const char	*ipc_objects_mixed(char *const [], int);

#endif
