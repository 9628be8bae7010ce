/* etcd.h: a client of etcd's v3 HTTP/JSON gateway, for the etcd backends. */
#ifndef IPC_ETCD_H
#define IPC_ETCD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "http.h"
#include "tls-opt.h"
#include "url.h"

/*
 * etcd[s]://[user@]host[:port][,host[:port]...]/NAME: the hosts are tried
 * in turn, the one that answered first; a user and password (the name's,
 * $IPCUTILS_ETCD_USER and _PASSWORD, the etcd-credentials file: cred.h)
 * log in through /v3/auth/authenticate, and its token goes with each
 * request.  Keys are under $IPCUTILS_ETCD_PREFIX, "/ipcutils/" when it is
 * unset.  Every call returns -1 (or NULL) with errno and the reason in
 * why[]; nothing here prints or exits.
 */
struct ipc_etcd {
	struct ipc_url	 url;
	const char	*name;		/* NAME, decoded (the url's) */
	char		*prefix;	/* "/ipcutils/" */
	const struct ipc_tls_opts *tls;	/* NULL: none given */
	size_t		 host;		/* the one that answered last */
	char		*token;		/* of the login, or NULL */
	struct ipc_http	 conn;		/* to that host (http.c) */
	int		 authed;	/* logged in to that host, or no user */
	int		 nointr;	/* SIGINT and SIGTERM do not end a call:
					   the lease's keepalive and revoke */
	unsigned int	 resent;	/* requests made again after a failure
					   that may have followed etcd's taking
					   them: a caller whose request is not
					   one to repeat checks what it did */
	char		 why[256];
};

/* etcd refuses a request larger than this (--max-request-bytes). */
#define IPC_ETCD_MAXREQ		(1536 * 1024)
/* Room taken in a put's request by what is not its key or value. */
#define IPC_ETCD_OVERHEAD	64

/*
 * Parse the name (one segment, as a POSIX name: no '/'): 0, or -1 and
 * why in the caller's buffer.  e holds nothing to free on failure.
 */
int		 ipc_etcd_init(struct ipc_etcd *, const char *,
		    const struct ipc_tls_opts *, char *, size_t);
void		 ipc_etcd_free(struct ipc_etcd *);
/*
 * A backend's failure: the reason into why (fmt NULL: the client's own
 * why[]), errno err, and -1.
 */
int		 ipc_etcd_fail(const struct ipc_etcd *, char *, size_t, int,
		    const char *, ...) __attribute__((format(printf, 5, 6)));

/* prefix + part + NAME, as a new string (NULL: ENOMEM). */
char		*ipc_etcd_key(const struct ipc_etcd *, const char *,
		    const char *);

/*
 * POST the request (which this takes) to /v3/PATH: the answer, or NULL
 * with errno (ECONNREFUSED: no host answered; EACCES: the login or the
 * permission refused; EFBIG: larger than etcd takes; EINTR: a signal;
 * ETIMEDOUT: the deadline; EIO: what etcd said) and why[].
 */
json_t		*ipc_etcd_call(struct ipc_etcd *, const char *, json_t *,
		    const struct timespec *);

/*
 * Watch key (to end, exclusive, when not NULL: a range) from revision
 * rev on: the first event's kv (a new reference) and *deleted, or NULL
 * with errno as ipc_etcd_call's, and ESTALE when etcd compacted rev away
 * (*compacted: the revision to read again from).  deadline: absolute, or
 * NULL for ever.
 */
json_t		*ipc_etcd_watch(struct ipc_etcd *, const char *, const char *,
		    int64_t, const struct timespec *, int *, int64_t *);

/*
 * Watch as ipc_etcd_watch does, each message's events (an array) to
 * each in turn, until it returns non-zero: 0 then, or -1 as
 * ipc_etcd_watch's NULL.  A stream that ends (a host going) is made again
 * after the last event each saw, so that no event is missed nor seen
 * twice.
 */
typedef int	(*ipc_etcd_each_fn)(void *, const json_t *);
int		 ipc_etcd_watch_each(struct ipc_etcd *, const char *,
		    const char *, int64_t, const struct timespec *,
		    ipc_etcd_each_fn, void *, int64_t *);

/* JSON's strings of int64 (and absent: 0). */
int64_t		 ipc_etcd_int(const json_t *, const char *);
/* A new base64 JSON string of n bytes. */
json_t		*ipc_etcd_b64(const void *, size_t);
/* The bytes of a base64 field, malloc'd, *n their count (absent: 0). */
unsigned char	*ipc_etcd_bytes(const json_t *, const char *, size_t *);
/*
 * A time key's value: the seconds since the epoch, a space and 16 hex
 * digits new with each call, by which a writer whose answer was lost
 * tells whether its write was made.
 */
void		 ipc_etcd_stamp(char *, size_t);

#endif
