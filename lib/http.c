/* http.c: HTTP/1.1 requests on a kept connection, plain or over libtls. */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <tls.h>

#include "http.h"
#include "ipcutils.h"

/* A write's limit without a deadline, in ms. */
#define SEND_MS		10000

static int	fail(struct ipc_http *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
fail(struct ipc_http *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->why, sizeof(h->why), fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

void
ipc_http_init(struct ipc_http *h, const char *what, const char *host,
    int port, int tls, const struct ipc_tls_opts *tlsopts)
{
	memset(h, 0, sizeof(*h));
	h->what = what;
	h->host = host;
	h->port = port;
	h->tls = tls;
	h->tlsopts = tlsopts;
	h->fd = -1;
}

long
ipc_http_ms_left(const struct timespec *deadline, long dflt)
{
	struct timespec now;
	long ms;

	if (deadline == NULL)
		return dflt;
	clock_gettime(CLOCK_REALTIME, &now);
	ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 1 ? 1 : ms + 1;
}

const char *
ipc_http_hostname(const struct ipc_http *h)
{
	static char buf[300];

	snprintf(buf, sizeof(buf), "%s:%d", ipc_shown(h->host), h->port);
	return buf;
}

/* "WHAT at HOST:PORT", or "HOST:PORT" without a what, for messages. */
static const char *
where(const struct ipc_http *h)
{
	static char buf[400];

	if (h->what == NULL)
		return ipc_http_hostname(h);
	snprintf(buf, sizeof(buf), "%s at %s", h->what, ipc_http_hostname(h));
	return buf;
}

void
ipc_http_close(struct ipc_http *h)
{
	if (h->ctx != NULL) {
		tls_close(h->ctx);
		tls_free(h->ctx);
	}
	h->ctx = NULL;
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
	h->rlen = h->roff = 0;
}

/* Wait for fd to be ready for ev, until the deadline ms (monotonic). */
static int
ready(struct ipc_http *h, short ev, const struct timespec *deadline,
    long limit)
{
	struct pollfd pfd = { h->fd, ev, 0 };
	int n;

	for (;;) {
		if (ipc_signalled && !h->nointr) {
			errno = EINTR;
			return -1;
		}
		n = poll(&pfd, 1, (int)ipc_http_ms_left(deadline, limit));
		if (n > 0)
			return 0;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static int
tls_start(struct ipc_http *h, const struct timespec *deadline)
{
	static const struct ipc_tls_opts none;
	const struct ipc_tls_opts *o = h->tlsopts != NULL ? h->tlsopts :
	    &none;
	struct tls_config *cfg;
	int r;

	if (tls_init() == -1 || (cfg = tls_config_new()) == NULL ||
	    (h->ctx = tls_client()) == NULL)
		return fail(h, ENOMEM, "%s", strerror(ENOMEM));
	if (o->ca != NULL && tls_config_set_ca_file(cfg, o->ca) == -1)
		goto cfgfail;
	if (o->cert != NULL &&
	    tls_config_set_keypair_file(cfg, o->cert, o->key) == -1)
		goto cfgfail;
	if (o->noverify) {
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	if (tls_configure(h->ctx, cfg) == -1) {
		fail(h, EPROTO, "TLS: %s", tls_error(h->ctx));
		tls_config_free(cfg);
		return -1;
	}
	tls_config_free(cfg);
	if (tls_connect_socket(h->ctx, h->fd, o->name != NULL ? o->name :
	    h->host) == -1)
		return fail(h, EPROTO, "%s: TLS: %s", where(h),
		    tls_error(h->ctx));
	while ((r = tls_handshake(h->ctx)) != 0) {
		if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
			if (ready(h, r == TLS_WANT_POLLIN ? POLLIN : POLLOUT,
			    deadline, IPC_HTTP_CONNECT_MS) == -1)
				return fail(h, errno, "%s: TLS: %s",
				    where(h), strerror(errno));
			continue;
		}
		return fail(h, EPROTO, "%s: TLS: %s", where(h),
		    tls_error(h->ctx));
	}
	return 0;
cfgfail:
	fail(h, EINVAL, "%s", tls_config_error(cfg));
	tls_config_free(cfg);
	return -1;
}

int
ipc_http_connect(struct ipc_http *h, const struct timespec *deadline)
{
	struct addrinfo hints, *res, *ai;
	char port[16];
	socklen_t len;
	int one = 1, err = ECONNREFUSED, rv;

	if (h->fd != -1)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", h->port);
	if ((rv = getaddrinfo(h->host, port, &hints, &res)) != 0)
		return fail(h, ECONNREFUSED, "%s: %s", where(h),
		    gai_strerror(rv));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((h->fd = socket(ai->ai_family, ai->ai_socktype |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol)) == -1) {
			err = errno;
			continue;
		}
		if (connect(h->fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS &&
		    ready(h, POLLOUT, deadline, IPC_HTTP_CONNECT_MS) == 0)) {
			len = sizeof(err);
			if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == 0 && err == 0)
				break;
		} else
			err = errno;
		close(h->fd);
		h->fd = -1;
		/* A signal's EINTR ends the call; any other, the address. */
		if (IPC_BY_SIGNAL(err) && !h->nointr)
			break;
	}
	freeaddrinfo(res);
	if (h->fd == -1) {
		if (IPC_BY_SIGNAL(err) && !h->nointr)
			return fail(h, EINTR, "%s", strerror(EINTR));
		return fail(h, ECONNREFUSED, "%s: %s", where(h),
		    strerror(err));
	}
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (h->tls && tls_start(h, deadline) == -1) {
		rv = errno;
		ipc_http_close(h);
		errno = rv;
		return -1;
	}
	return 0;
}

/* Write all of it: 0, or -1 with errno. */
static int
put_all(struct ipc_http *h, const char *p, size_t n,
    const struct timespec *deadline)
{
	ssize_t w;

	while (n > 0) {
		if (h->ctx != NULL) {
			w = tls_write(h->ctx, p, n);
			if (w == TLS_WANT_POLLIN || w == TLS_WANT_POLLOUT) {
				if (ready(h, w == TLS_WANT_POLLIN ? POLLIN :
				    POLLOUT, deadline, SEND_MS) == -1)
					return -1;
				continue;
			}
			if (w == -1) {
				errno = EPIPE;
				return -1;
			}
		} else if ((w = send(h->fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN) {
				if (ready(h, POLLOUT, deadline, SEND_MS) == -1)
					return -1;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Fill the read buffer: bytes read, 0 at the end, -1 with errno. */
static ssize_t
fill(struct ipc_http *h, const struct timespec *deadline, long limit)
{
	ssize_t r;

	if (h->roff > 0) {
		memmove(h->rbuf, h->rbuf + h->roff, h->rlen - h->roff);
		h->rlen -= h->roff;
		h->roff = 0;
	}
	if (h->rlen == sizeof(h->rbuf)) {
		errno = EMSGSIZE;
		return -1;
	}
	for (;;) {
		if (h->ctx != NULL) {
			r = tls_read(h->ctx, h->rbuf + h->rlen,
			    sizeof(h->rbuf) - h->rlen);
			if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
				if (ready(h, r == TLS_WANT_POLLIN ? POLLIN :
				    POLLOUT, deadline, limit) == -1)
					return -1;
				continue;
			}
			if (r == -1) {
				errno = ECONNRESET;
				return -1;
			}
		} else if ((r = recv(h->fd, h->rbuf + h->rlen,
		    sizeof(h->rbuf) - h->rlen, 0)) == -1) {
			if (errno == EAGAIN) {
				if (ready(h, POLLIN, deadline, limit) == -1)
					return -1;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		h->rlen += (size_t)r;
		return r;
	}
}

/* A line of the answer's head, without its CRLF: NULL with errno. */
static char *
line(struct ipc_http *h, const struct timespec *deadline, long limit)
{
	char *nl, *l;
	ssize_t r;

	for (;;) {
		if ((nl = memchr(h->rbuf + h->roff, '\n', h->rlen - h->roff))
		    != NULL) {
			l = h->rbuf + h->roff;
			*nl = '\0';
			if (nl > l && nl[-1] == '\r')
				nl[-1] = '\0';
			h->roff = (size_t)(nl + 1 - h->rbuf);
			return l;
		}
		if ((r = fill(h, deadline, limit)) <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return NULL;
		}
	}
}

/* n bytes of the body to the writer, as they come. */
static int
body_bytes(struct ipc_http *h, ipc_http_writer w, void *arg, size_t n,
    const struct timespec *deadline, long limit, int *stopped)
{
	size_t k;
	ssize_t r;

	while (n > 0) {
		if (h->roff == h->rlen && (r = fill(h, deadline, limit)) <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return -1;
		}
		k = h->rlen - h->roff < n ? h->rlen - h->roff : n;
		if (w(h->rbuf + h->roff, k, arg) != k) {
			*stopped = 1;
			return 0;
		}
		h->roff += k;
		n -= k;
	}
	return 0;
}

int
ipc_http_request(struct ipc_http *h, const char *method, const char *path,
    const char *ctype, const char *auth, const char *data, ipc_http_writer w,
    void *arg, const struct timespec *deadline, long limit)
{
	char *req, *l, *v, clenh[64] = "";
	long long clen = -1;
	int n, status, chunked = 0, closing = 0, stopped = 0;
	unsigned long long csize;

	if (data != NULL)
		snprintf(clenh, sizeof(clenh), "Content-Length: %zu\r\n",
		    strlen(data));
	/* One write: the head and the body in one segment. */
	n = asprintf(&req, "%s %s HTTP/1.1\r\n"
	    "Host: %s%s%s:%d\r\n%s%s%s%s%s%s%s\r\n%s", method, path,
	    strchr(h->host, ':') != NULL ? "[" : "", h->host,
	    strchr(h->host, ':') != NULL ? "]" : "", h->port,
	    ctype != NULL ? "Content-Type: " : "", ctype != NULL ? ctype : "",
	    ctype != NULL ? "\r\n" : "", clenh,
	    auth != NULL ? "Authorization: " : "", auth != NULL ? auth : "",
	    auth != NULL ? "\r\n" : "", data != NULL ? data : "");
	if (n == -1)
		return -1;
	n = put_all(h, req, (size_t)n, deadline);
	free(req);
	if (n == -1)
		return -1;
	if ((l = line(h, deadline, limit)) == NULL)
		return -1;
	/* A status, not -1 or another number callers would misread. */
	if (sscanf(l, "HTTP/1.%*d %d", &status) != 1 || status < 100 ||
	    status > 599) {
		errno = EPROTO;
		return -1;
	}
	while ((l = line(h, deadline, limit)) != NULL && *l != '\0') {
		if ((v = strchr(l, ':')) == NULL)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		if (strcasecmp(l, "Content-Length") == 0)
			clen = strtoll(v, NULL, 10);
		else if (strcasecmp(l, "Transfer-Encoding") == 0 &&
		    strcasestr(v, "chunked") != NULL)
			chunked = 1;
		else if (strcasecmp(l, "Connection") == 0 &&
		    strcasecmp(v, "close") == 0)
			closing = 1;
	}
	if (l == NULL)
		return -1;
	if (chunked) {
		for (;;) {
			if ((l = line(h, deadline, limit)) == NULL)
				return -1;
			csize = strtoull(l, NULL, 16);
			if (csize == 0) {
				/* The trailer, to its empty line. */
				while ((l = line(h, deadline, limit)) != NULL &&
				    *l != '\0')
					;
				if (l == NULL)
					return -1;
				break;
			}
			if (body_bytes(h, w, arg, csize, deadline, limit,
			    &stopped) == -1)
				return -1;
			if (stopped)
				break;
			/* The CRLF after the chunk's bytes. */
			if (line(h, deadline, limit) == NULL)
				return -1;
		}
	} else if (clen >= 0) {
		if (body_bytes(h, w, arg, (size_t)clen, deadline, limit,
		    &stopped) == -1)
			return -1;
	} else {
		closing = 1;
		for (;;) {
			if (h->roff < h->rlen) {
				if (w(h->rbuf + h->roff, h->rlen - h->roff,
				    arg) != h->rlen - h->roff) {
					stopped = 1;
					break;
				}
				h->roff = h->rlen;
			}
			if (fill(h, deadline, limit) <= 0)
				break;
		}
	}
	if (closing || stopped)
		ipc_http_close(h);
	return status;
}
