/* shm.h: shared memory, whatever holds it: one table per backend. */
#ifndef IPC_SHM_H
#define IPC_SHM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend.h"
#include "ipcutils.h"
#include "tls-opt.h"

/*
 * shm-put and shm-get reach every object through this: a POSIX shared
 * memory object of this machine (shm.c, shm-put.c, shm-get.c), or, later,
 * one on etcd, chosen by the name when the tool opens it.  A backend
 * returns -1 with errno and says why in its object's why[] where errno is
 * not enough; it never prints and never exits: the tools alone speak.
 */

/* What the tool will do with the object (ipc_shm_open). */
#define IPC_SHM_PUT	0x1	/* write it: created as ipc_create says */
#define IPC_SHM_GET	0x2	/* read it: never create */

/* Whose failure the last one was. */
enum ipc_shm_side {
	IPC_SHM_OBJECT,		/* the object's */
	IPC_SHM_FD		/* the descriptor the tool gave: the put's
				   input, the get's output */
};

/* The --tls- options' lines in shm-get's and shm-put's --help. */
#define IPC_SHM_TLS_HELP \
	"      --tls-ca file    etcds://: verify etcd against this CA\n" \
	"      --tls-cert file, --tls-key file\n" \
	"                       etcds://: this client certificate and key\n" \
	"      --tls-name name  etcds://: the name etcd's certificate must " \
	"have\n" \
	"      --tls-noverify   etcds://: do not verify etcd's certificate\n"

struct ipc_shm {
	const struct ipc_shm_backend *be;
	const char	*shown;		/* the name, as messages show it */
	enum ipc_shm_side side;		/* of the last failure */
	char		 warn[128];	/* a lesser failure that came with the
					   last one, to tell first; or "" */
	char		 why[256];	/* the last failure, or "" */
	int		 last;		/* the last byte the last get wrote, or
					   -1: it wrote none */
};

/* An object as ipc-ls shows it (list). */
struct ipc_shm_info {
	const char	*name;		/* the whole name, as messages show it */
	const char	*raw;		/* the whole name, to open it again */
	int64_t		 size;
	const unsigned char *head;	/* its first bytes */
	size_t		 headlen;
	int64_t		 revision;	/* of its last change; 0: none kept */
	time_t		 mtime;		/* of its last change; 0: unknown */
};

/*
 * A backend's operations.  Each returns 0, or -1 with errno:
 *   EAGAIN	the lock was not had by the deadline (put, get)
 *   ETIMEDOUT	no change by the deadline (wait)
 *   EINTR	SIGINT or SIGTERM came (ipc_signalled)
 *   anything else, with the reason in why[] where errno is not enough.
 * A put's timeout is relative, counted from when it starts to wait for
 * the lock; the deadline of a wait and a get is absolute (ipc_deadline),
 * one for both.  NULL waits for ever, { 0, 0 } not at all.
 */
struct ipc_shm_backend {
	const char	*scheme;	/* SCHEME:// and SCHEMEs://; NULL: the
					   plain names, POSIX objects */
	/*
	 * The object, or NULL and why; *shown is the name for messages
	 * either way.  For IPC_SHM_PUT an object that is not there yet is
	 * no failure unless -e: the put makes it.  The --tls options come
	 * only to a backend with a scheme.
	 */
	struct ipc_shm	*(*open)(const char *, int, const struct ipc_create *,
			    const struct ipc_tls_opts *, const char **, char *,
			    size_t);
	/* Take all of what the next put writes from fd, changing nothing. */
	int		(*load)(struct ipc_shm *, int);
	/*
	 * The whole object becomes what was loaded, at once: a reader sees
	 * the old contents or the new.  Its size: size, or -1 the input's.
	 */
	int		(*put)(struct ipc_shm *, int64_t,
			    const struct timespec *);
	/*
	 * What was loaded, written in place at off, keeping the rest; the
	 * size: size, or -1 as large as that needs, never smaller.
	 */
	int		(*update)(struct ipc_shm *, int64_t, int64_t,
			    const struct timespec *);
	/*
	 * len bytes (-1: all) from off to fd, none of them of two puts;
	 * the last of them in last (-1: none), for shm-get -F's framing.
	 */
	int		(*get)(struct ipc_shm *, int64_t, int64_t, int,
			    const struct timespec *);
	/*
	 * Until the object changes, or another is put in its place.  Once
	 * follow was called: until it holds a version that the last get
	 * did not read (before any get: one put after follow), whether it
	 * came during the wait or before it.
	 */
	int		(*wait)(struct ipc_shm *, const struct timespec *);
	/*
	 * shm-get -F: from now on, remember every change, so that no put is
	 * lost between a get and the next wait.  Each get then notes the
	 * version it read (under its lock: a POSIX object's inotify events
	 * that came before it; an etcd key's mod_revision), and the next
	 * wait returns at once when the object holds a later one, never for
	 * the one the get has read.  Puts that come faster than the gets
	 * are one change: the get reads the latest.
	 */
	int		(*follow)(struct ipc_shm *);
	int		(*size)(struct ipc_shm *, int64_t *);
	/*
	 * Remove the object of that name, with the --tls options (NULL:
	 * none): 0, or -1 and why.
	 */
	int		(*unlink)(const char *, const struct ipc_tls_opts *,
			    char *, size_t);
	/* Let go of it and free it; what was done stands. */
	void		(*close)(struct ipc_shm *);
	/*
	 * The objects of a name whose last part may be a glob, for ipc-ls
	 * and ipc-rm, each to the callback (which stops the list with
	 * -1): the count, or -1 and why.  NULL: the tools list these
	 * objects themselves (POSIX: objects.h).
	 */
	int		(*list)(const char *, const struct ipc_tls_opts *,
			    int (*)(void *, const struct ipc_shm_info *),
			    void *, char *, size_t);
};

/*
 * Open the object the name says (SCHEME://... or a POSIX name), as the
 * backend's open does; a name of a scheme that no backend of this build
 * serves is refused with ipc_backend_missing's words, and the --tls
 * options (NULL: none) with a plain name.
 */
struct ipc_shm	*ipc_shm_open(const char *, int, const struct ipc_create *,
		    const struct ipc_tls_opts *, const char **, char *, size_t);
/* The reason for the last failure: why[], or errno e's words. */
const char	*ipc_shm_why(const struct ipc_shm *, int);

int		 ipc_shm_load(struct ipc_shm *, int);
int		 ipc_shm_put(struct ipc_shm *, int64_t,
		    const struct timespec *);
int		 ipc_shm_update(struct ipc_shm *, int64_t, int64_t,
		    const struct timespec *);
int		 ipc_shm_get(struct ipc_shm *, int64_t, int64_t, int,
		    const struct timespec *);
int		 ipc_shm_wait(struct ipc_shm *, const struct timespec *);
int		 ipc_shm_follow(struct ipc_shm *);
int		 ipc_shm_size(struct ipc_shm *, int64_t *);
int		 ipc_shm_unlink(const char *, const struct ipc_tls_opts *,
		    char *, size_t);
void		 ipc_shm_close(struct ipc_shm *);
/* The backend's list; -1 with EPROTONOSUPPORT where it has none. */
int		 ipc_shm_list(const char *, const struct ipc_tls_opts *,
		    int (*)(void *, const struct ipc_shm_info *), void *,
		    char *, size_t);

/* The backends (shm.c, etcd-shm.c); the tools reach them only here. */
extern const struct ipc_shm_backend ipc_shm_posix;
extern const struct ipc_shm_backend ipc_shm_etcd;

#endif
