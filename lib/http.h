/* http.h: a small HTTP/1.1 client, plain or over libtls, one host at once. */
#ifndef IPC_HTTP_H
#define IPC_HTTP_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include <tls.h>

#include "tls-opt.h"

/*
 * One connection to one host, kept open between requests: etcd's
 * gateway (etcd.c) and RabbitMQ's management API (amqp-ls.c).  Every
 * call returns -1 with errno and the reason in why[] ("WHAT at
 * HOST:PORT: Connection refused"); nothing here prints or exits.  A
 * deadline is absolute (CLOCK_REALTIME), NULL: none, and then limit ms
 * at most for each wait.
 */
struct ipc_http {
	const char	*what;		/* "etcd": who answers, in messages
					   ("etcd at HOST:PORT: ..."), or NULL */
	const char	*host;		/* the caller's; an IPv6 address bare */
	int		 port;
	int		 tls;		/* https: libtls with tlsopts */
	const struct ipc_tls_opts *tlsopts;	/* NULL: none given */
	int		 fd;		/* the connection, or -1 */
	struct tls	*ctx;		/* its TLS */
	char		 rbuf[16384];	/* what was read of the answer */
	size_t		 roff, rlen;
	int		 nointr;	/* SIGINT and SIGTERM do not end a call */
	char		 why[256];
};

/* How long a host may take to accept a connection, in ms. */
#define IPC_HTTP_CONNECT_MS	2000

/* The answer's body, as it comes: n, or fewer to end the transfer. */
typedef size_t	(*ipc_http_writer)(const char *, size_t, void *);

/* A connection to nothing yet, to host and port (the caller's strings). */
void		 ipc_http_init(struct ipc_http *, const char *, const char *,
		    int, int, const struct ipc_tls_opts *);
/* Connect, unless connected: 0, or -1 and why. */
int		 ipc_http_connect(struct ipc_http *, const struct timespec *);
/*
 * Send METHOD path (with the Content-Type ctype and the body, when body
 * is not NULL; auth: the Authorization header's value, or NULL), and
 * the answer's body to w: the HTTP status, or -1 with errno (ECONNRESET
 * and the like: the connection failed; why[] is not set).  A writer
 * that stops the transfer ends the connection with it.
 */
int		 ipc_http_request(struct ipc_http *, const char *,
		    const char *, const char *, const char *, const char *,
		    ipc_http_writer, void *, const struct timespec *, long);
/* End the connection (the next request connects again). */
void		 ipc_http_close(struct ipc_http *);
/* "host:port", escaped, as messages show it (a static buffer). */
const char	*ipc_http_hostname(const struct ipc_http *);
/* Milliseconds to the deadline, at least 1; or dflt without one. */
long		 ipc_http_ms_left(const struct timespec *, long);

#endif
