/* sem.h: semaphores, whatever holds them: one table per backend. */
#ifndef IPC_SEM_H
#define IPC_SEM_H

#include <sys/types.h>

#include <limits.h>
#include <time.h>

#include "backend.h"
#include "ipcutils.h"
#include "tls-opt.h"

/*
 * sem-wait and sem-post reach every semaphore through this: a POSIX named
 * semaphore of this machine (sem.c) for a plain name, chosen by the name
 * when the tool opens it (semaphore.c); a name of a scheme that no backend
 * of this build serves is refused.  A backend returns -1 with errno and
 * says why in its semaphore's why[] where errno is not enough; it never
 * prints and never exits: the tools alone speak.
 */

/* The largest value, whatever holds the semaphore. */
#define IPC_SEM_VALUE_MAX	SEM_VALUE_MAX

/* How a tool opens a semaphore. */
struct ipc_sem_conf {
	struct ipc_create create;	/* -e, -m, -x, --any-owner */
	unsigned int	 init;		/* --init: the value of a new one */
	long		 max;		/* sem-post --max, -1: no bound */
	int		 hold;		/* the unit taken will be held for a
					   command (ipc_sem_hold) */
	struct timespec	 ttl;		/* sem-wait --ttl: how long a holder
					   that cannot be reached keeps the
					   unit; { 0, 0 }: the backend's */
	struct ipc_tls_opts tls;	/* --tls-: etcds:// only */
};
#define IPC_SEM_CONF_DEFAULT \
	{ IPC_CREATE_DEFAULT, 0, -1, 0, { 0, 0 }, { NULL, NULL, NULL, NULL, 0 } }

/* What every backend's semaphore starts with; the rest is the backend's. */
struct ipc_sem {
	const struct ipc_sem_backend *be;
	const char	*shown;		/* the name, as messages show it */
	char		 why[256];	/* the last failure, or "" */
};

/* One recorded holder of a unit, as ipc-ls --holders shows it. */
struct ipc_sem_holder {
	pid_t		 pid;		/* the holding sem-wait */
	pid_t		 child;		/* its command, or 0 */
	time_t		 since;		/* when the holder started; 0: unknown */
	enum {
		IPC_HOLDER_HOLDS,	/* alive */
		IPC_HOLDER_DEAD,	/* both gone, the unit not yet back */
		IPC_HOLDER_ELSEWHERE,	/* another PID namespace: not known */
		IPC_HOLDER_WAITS	/* in line for a unit, holding none */
	}		 state;
	char		 cmd[256];	/* the command's line, or "" */
	/* Of a backend across hosts (etcd): 0 and "" where none. */
	char		 host[256];	/* where the holder runs */
	long long	 token;		/* its fencing token */
	long long	 lease;		/* the lease its unit is tied to */
	long long	 ttl;		/* the seconds the lease has left, -1
					   where it ended */
};

/* A semaphore as ipc-ls lists it (list). */
struct ipc_sem_info {
	const char	*name;		/* the whole name, for messages */
	const char	*raw;		/* the whole name, to open it again */
	int		 value;
	long		 holders;	/* units held for commands */
	long		 waiters;	/* sem-waits in line */
	time_t		 mtime;		/* of its last change; 0: unknown */
	long long	 revision;	/* of its last change; 0: none kept */
};

/*
 * A backend's operations.  Each returns 0, or -1 with errno:
 *   EAGAIN	not now: no unit free (timeout 0), or a post past max
 *   ETIMEDOUT	no unit in time
 *   EINTR	SIGINT or SIGTERM came (ipc_signalled)
 *   anything else, with the reason in why[] where errno is not enough.
 * A timeout is relative: NULL waits for ever, { 0, 0 } not at all.
 */
struct ipc_sem_backend {
	const char	*scheme;	/* SCHEME:// and SCHEMEs://; NULL: the
					   plain names, POSIX semaphores */
	/*
	 * Open the semaphore name (as the user gave it), creating it as
	 * conf says: the semaphore, or NULL (and why, where errno is not
	 * enough); *shown is the name for messages either way.
	 */
	struct ipc_sem	*(*open)(const char *, const struct ipc_sem_conf *,
			    const char **, char *, size_t);
	/* Take one unit, giving back first those of holders that died. */
	int		(*take)(struct ipc_sem *, const struct timespec *);
	/*
	 * Give back count units, unless the value would pass conf's max
	 * (EAGAIN, nothing given): the value after it, or the value that
	 * refused it, in *value.  The wait is for another post to end (a
	 * stopped sem-post): EAGAIN or ETIMEDOUT when the timeout passed
	 * first, the value as it is in *value.
	 */
	int		(*post)(struct ipc_sem *, unsigned int,
			    const struct timespec *, int *);
	int		(*value)(struct ipc_sem *, int *);
	/*
	 * The unit taken is held for a command: recorded, so that it comes
	 * back when its holder and the command (child) both died, however;
	 * release gives it back, held or only taken.  hold fails with
	 * ENOSPC, and why, when the unit could not be recorded.
	 */
	int		(*hold)(struct ipc_sem *);
	void		(*child)(struct ipc_sem *, pid_t);
	int		(*release)(struct ipc_sem *);
	/*
	 * While the unit is held: a descriptor that becomes readable when
	 * the unit is lost although the command still runs (a lease that
	 * ended), or -1 where that cannot happen; a fencing token that grows
	 * with every grant of the semaphore, or 0 where there is none.
	 * NULL: -1, 0.
	 */
	int		(*lostfd)(struct ipc_sem *);
	long long	(*token)(struct ipc_sem *);
	/*
	 * By name, without opening it, with the --tls options (NULL: none):
	 * its value; remove it.
	 */
	int		(*peek)(const char *, const struct ipc_tls_opts *,
			    int *, char *, size_t);
	int		(*unlink)(const char *, const struct ipc_tls_opts *,
			    char *, size_t);
	/*
	 * By name: the holders recorded (and the waiters, where the backend
	 * knows them), a malloc'd array of *n (NULL for none); NULL here:
	 * the backend records none.
	 */
	int		(*holders)(const char *, const struct ipc_tls_opts *,
			    struct ipc_sem_holder **, size_t *, char *, size_t);
	/*
	 * The semaphores of a name whose last part may be a glob, for
	 * ipc-ls and ipc-rm, each to the callback (which stops the list
	 * with -1): the count, or -1 and why.  NULL: the tools list these
	 * semaphores themselves (POSIX: objects.h).
	 */
	int		(*list)(const char *, const struct ipc_tls_opts *,
			    int (*)(void *, const struct ipc_sem_info *),
			    void *, char *, size_t);
	void		(*close)(struct ipc_sem *);
};

/*
 * The backends' calls, through the name's table (semaphore.c).  Open: the
 * semaphore, or NULL and why (never empty); *shown either way.
 */
struct ipc_sem	*ipc_sem_open(const char *, const struct ipc_sem_conf *,
		    const char **, char *, size_t);
/* The reason for the last failure: why[], or errno e's words. */
const char	*ipc_sem_why(const struct ipc_sem *, int);
int		 ipc_sem_take(struct ipc_sem *, const struct timespec *);
int		 ipc_sem_post(struct ipc_sem *, unsigned int,
		    const struct timespec *, int *);
int		 ipc_sem_read(struct ipc_sem *, int *);
int		 ipc_sem_hold(struct ipc_sem *);
void		 ipc_sem_child(struct ipc_sem *, pid_t);
int		 ipc_sem_release(struct ipc_sem *);
int		 ipc_sem_lostfd(struct ipc_sem *);
long long	 ipc_sem_token(struct ipc_sem *);
void		 ipc_sem_close(struct ipc_sem *);
/*
 * By name (plain or SCHEME://), with the --tls options (NULL: none): the
 * value, removal, the holders and the list, for ipc-ls and ipc-rm; -1
 * with errno, and why (never empty).  The list is -1 with
 * EPROTONOSUPPORT where the backend has none.
 */
int		 ipc_sem_peek(const char *, const struct ipc_tls_opts *, int *,
		    char *, size_t);
int		 ipc_sem_unlink(const char *, const struct ipc_tls_opts *,
		    char *, size_t);
int		 ipc_sem_holders(const char *, const struct ipc_tls_opts *,
		    struct ipc_sem_holder **, size_t *, char *, size_t);
int		 ipc_sem_list(const char *, const struct ipc_tls_opts *,
		    int (*)(void *, const struct ipc_sem_info *), void *,
		    char *, size_t);

/* The backends (sem.c, etcd-sem.c); the tools reach them only here. */
extern const struct ipc_sem_backend ipc_sem_posix;
extern const struct ipc_sem_backend ipc_sem_etcd;

/* POSIX: where glibc keeps a semaphore, and its value read from there. */
int		 ipc_sem_path(const char *, char *, size_t);
int		 ipc_sem_value(const char *, int *);

#endif
