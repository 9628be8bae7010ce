/* etcd.c: etcd's v3 HTTP/JSON gateway over HTTP/1.1, hosts in turn. */
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

#include <jansson.h>
#include <tls.h>

#include "cred.h"
#include "etcd.h"
#include "ipcutils.h"
#include "json.h"

/* How long one host may take to accept a connection, in ms. */
#define CONNECT_MS	2000
/*
 * A plain call's limit without a deadline: long enough for a cluster to
 * elect a new leader (etcd's default election timeout is 1 s).
 */
#define CALL_MS		10000

/* The answer being read. */
struct body {
	char		*buf;
	size_t		 len, cap;
	/* A watch: each message's events to each, until it says stop. */
	int		 watch;
	ipc_etcd_each_fn each;
	void		*arg;
	int		 done;		/* each said stop */
	int64_t		 from;		/* the revision after the last event */
	int64_t		 compacted;
	int		 failed;	/* an error message came */
	char		 msg[160];
};

static void		 hangup(struct ipc_etcd *);
static const char	*hostname(const struct ipc_etcd *);

static int	fail(struct ipc_etcd *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int
fail(struct ipc_etcd *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	errno = err;
	return -1;
}

int
ipc_etcd_init(struct ipc_etcd *e, const char *name,
    const struct ipc_tls_opts *tls, char *why, size_t len)
{
	const char *p, *errstr;
	size_t n;

	memset(e, 0, sizeof(*e));
	e->fd = -1;
	if (ipc_url_parse(name, "etcd", 2379, 2379, &e->url, &errstr) == -1) {
		snprintf(why, len, "%s", errstr);
		return -1;
	}
	errstr = NULL;
	if (e->url.query != NULL)
		errstr = "a query (?...) in the name: etcd's objects take none";
	else if (e->url.nsegs != 1 || e->url.segs[0][0] == '\0')
		errstr = "the name needs one segment after the hosts "
		    "(etcd://host/NAME)";
	else if (e->url.password != NULL)
		errstr = "a password in the name: give it in "
		    "IPCUTILS_ETCD_PASSWORD or the etcd-credentials file";
	else if (strlen(e->url.segs[0]) > 255)
		errstr = "the name is longer than 255 bytes";
	if (errstr != NULL) {
		snprintf(why, len, "%s", errstr);
		ipc_url_free(&e->url);
		errno = EINVAL;
		return -1;
	}
	e->name = e->url.segs[0];
	e->tls = tls;
	if ((p = getenv("IPCUTILS_ETCD_PREFIX")) == NULL || *p == '\0')
		p = "/ipcutils/";
	n = strlen(p);
	if ((e->prefix = malloc(n + 2)) == NULL)
		goto nomem;
	memcpy(e->prefix, p, n + 1);
	if (p[n - 1] != '/')
		memcpy(e->prefix + n, "/", 2);
	return 0;
nomem:
	snprintf(why, len, "%s", strerror(ENOMEM));
	ipc_etcd_free(e);
	errno = ENOMEM;
	return -1;
}

int
ipc_etcd_fail(const struct ipc_etcd *e, char *why, size_t len, int err,
    const char *fmt, ...)
{
	va_list ap;

	if (fmt == NULL)
		snprintf(why, len, "%s", e->why);
	else {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	errno = err;
	return -1;
}

void
ipc_etcd_free(struct ipc_etcd *e)
{
	hangup(e);
	free(e->prefix);
	free(e->token);
	ipc_url_free(&e->url);
	memset(e, 0, sizeof(*e));
}

char *
ipc_etcd_key(const struct ipc_etcd *e, const char *part, const char *name)
{
	char *k;

	if (asprintf(&k, "%s%s%s", e->prefix, part, name) == -1)
		return NULL;
	return k;
}

int64_t
ipc_etcd_int(const json_t *o, const char *field)
{
	const json_t *v;

	if ((v = json_object_get(o, field)) == NULL)
		return 0;
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return json_is_true(v);
}

json_t *
ipc_etcd_b64(const void *p, size_t n)
{
	json_t *v;
	char *s;

	if ((s = malloc(IPC_BASE64_MAX(n) + 1)) == NULL)
		return NULL;
	s[ipc_base64(s, p, n)] = '\0';
	v = json_string(s);
	free(s);
	return v;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

unsigned char *
ipc_etcd_bytes(const json_t *o, const char *field, size_t *n)
{
	const json_t *v = json_object_get(o, field);
	const char *s = v != NULL ? json_string_value(v) : "";
	unsigned char *out;
	unsigned int acc = 0;
	size_t i, len;
	int bits = 0, d;

	if (s == NULL)
		s = "";
	len = strlen(s);
	if ((out = malloc(len / 4 * 3 + 3)) == NULL)
		return NULL;
	*n = 0;
	for (i = 0; i < len; i++) {
		if ((d = b64val((unsigned char)s[i])) == -1)
			continue;	/* '=' and line ends */
		acc = acc << 6 | (unsigned int)d;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[(*n)++] = (unsigned char)(acc >> bits);
		}
	}
	return out;
}

/* Milliseconds to the deadline, at least 1; or dflt without one. */
static long
ms_left(const struct timespec *deadline, long dflt)
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

/*
 * A watch's messages, one JSON object after another: each one's events
 * go to each, whose stop ends the transfer; a cancel by compaction too.
 * The events of one revision come in one message.
 */
static void
watch_scan(struct body *b)
{
	json_t *m, *r, *events;
	json_error_t err;
	size_t used, i;
	int64_t rev;

	while (b->len > 0 && !b->done && !b->compacted && !b->failed) {
		m = json_loadb(b->buf, b->len, JSON_DISABLE_EOF_CHECK, &err);
		if (m == NULL)
			return;		/* not whole yet */
		used = (size_t)err.position;
		memmove(b->buf, b->buf + used, b->len - used);
		b->len -= used;
		if ((r = json_object_get(m, "error")) != NULL) {
			snprintf(b->msg, sizeof(b->msg), "%s",
			    json_string_value(json_object_get(r, "message")) ?
			    json_string_value(json_object_get(r, "message")) :
			    "the watch failed");
			b->failed = 1;
		} else if ((r = json_object_get(m, "result")) != NULL) {
			if (ipc_etcd_int(r, "compact_revision") > 0)
				b->compacted = ipc_etcd_int(r,
				    "compact_revision");
			else if (json_is_true(json_object_get(r, "canceled"))) {
				snprintf(b->msg, sizeof(b->msg), "%s",
				    "etcd cancelled the watch");
				b->failed = 1;
			}
			events = json_object_get(r, "events");
			if (json_array_size(events) > 0) {
				/* A watch made again goes on after these. */
				for (i = 0; i < json_array_size(events); i++) {
					rev = ipc_etcd_int(json_object_get(
					    json_array_get(events, i), "kv"),
					    "mod_revision");
					if (rev >= b->from)
						b->from = rev + 1;
				}
				if (b->each(b->arg, events) != 0)
					b->done = 1;
			}
		}
		json_decref(m);
	}
}

/* Between two rounds of the hosts, while a cluster elects a leader. */
#define PAUSE_MS	100

static int
breather(struct ipc_etcd *e, const struct timespec *deadline)
{
	struct timespec ts = { 0, PAUSE_MS * 1000000L };
	int err = errno;

	if (deadline != NULL && ipc_expired(deadline))
		return fail(e, ETIMEDOUT, "%s", strerror(ETIMEDOUT));
	while (nanosleep(&ts, &ts) == -1)
		if (ipc_signalled && !e->nointr)
			return fail(e, EINTR, "%s", strerror(EINTR));
	errno = err;
	return 0;
}

/* Take n bytes of the answer: n, or fewer to end the transfer. */
static size_t
writer(const char *p, size_t n, struct body *b)
{
	char *nb;

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((nb = realloc(b->buf, b->cap)) == NULL)
			return 0;
		b->buf = nb;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	if (b->watch) {
		watch_scan(b);
		if (b->done || b->compacted || b->failed)
			return 0;	/* done: end the transfer */
	}
	return n;
}

/* An HTTP/1.1 connection to the current host, kept open between calls. */

static void
hangup(struct ipc_etcd *e)
{
	if (e->ctx != NULL) {
		tls_close(e->ctx);
		tls_free(e->ctx);
	}
	e->ctx = NULL;
	if (e->fd != -1)
		close(e->fd);
	e->fd = -1;
	e->rlen = e->roff = 0;
}

/* Wait for fd to be ready for ev, until the deadline ms (monotonic). */
static int
ready(struct ipc_etcd *e, short ev, const struct timespec *deadline,
    long limit)
{
	struct pollfd pfd = { e->fd, ev, 0 };
	int n;

	for (;;) {
		if (ipc_signalled && !e->nointr) {
			errno = EINTR;
			return -1;
		}
		n = poll(&pfd, 1, (int)ms_left(deadline, limit));
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
tls_start(struct ipc_etcd *e, const char *host,
    const struct timespec *deadline)
{
	static const struct ipc_tls_opts none;
	const struct ipc_tls_opts *o = e->tls != NULL ? e->tls : &none;
	struct tls_config *cfg;
	int r;

	if (tls_init() == -1 || (cfg = tls_config_new()) == NULL ||
	    (e->ctx = tls_client()) == NULL)
		return fail(e, ENOMEM, "%s", strerror(ENOMEM));
	if (o->ca != NULL && tls_config_set_ca_file(cfg, o->ca) == -1)
		goto cfgfail;
	if (o->cert != NULL &&
	    tls_config_set_keypair_file(cfg, o->cert, o->key) == -1)
		goto cfgfail;
	if (o->noverify) {
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	if (tls_configure(e->ctx, cfg) == -1) {
		fail(e, EPROTO, "TLS: %s", tls_error(e->ctx));
		tls_config_free(cfg);
		return -1;
	}
	tls_config_free(cfg);
	if (tls_connect_socket(e->ctx, e->fd, o->name != NULL ? o->name :
	    host) == -1)
		return fail(e, EPROTO, "etcd at %s: TLS: %s", hostname(e),
		    tls_error(e->ctx));
	while ((r = tls_handshake(e->ctx)) != 0) {
		if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
			if (ready(e, r == TLS_WANT_POLLIN ? POLLIN : POLLOUT,
			    deadline, CONNECT_MS) == -1)
				return fail(e, errno, "etcd at %s: TLS: %s",
				    hostname(e), strerror(errno));
			continue;
		}
		return fail(e, EPROTO, "etcd at %s: TLS: %s", hostname(e),
		    tls_error(e->ctx));
	}
	return 0;
cfgfail:
	fail(e, EINVAL, "%s", tls_config_error(cfg));
	tls_config_free(cfg);
	return -1;
}

/* Connect to the current host: 0, or -1 and why. */
static int
dial(struct ipc_etcd *e, const struct timespec *deadline)
{
	const struct ipc_url_host *h = &e->url.hosts[e->host];
	struct addrinfo hints, *res, *ai;
	char port[16];
	socklen_t len;
	int one = 1, err = ECONNREFUSED, rv;

	if (e->fd != -1)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", h->port);
	if ((rv = getaddrinfo(h->name, port, &hints, &res)) != 0)
		return fail(e, ECONNREFUSED, "etcd at %s: %s", hostname(e),
		    gai_strerror(rv));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((e->fd = socket(ai->ai_family, ai->ai_socktype |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol)) == -1) {
			err = errno;
			continue;
		}
		if (connect(e->fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS &&
		    ready(e, POLLOUT, deadline, CONNECT_MS) == 0)) {
			len = sizeof(err);
			if (getsockopt(e->fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == 0 && err == 0)
				break;
		} else
			err = errno;
		close(e->fd);
		e->fd = -1;
		if (err == EINTR)
			break;
	}
	freeaddrinfo(res);
	if (e->fd == -1) {
		if (err == EINTR)
			return fail(e, EINTR, "%s", strerror(EINTR));
		return fail(e, ECONNREFUSED, "etcd at %s: %s", hostname(e),
		    strerror(err));
	}
	setsockopt(e->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (e->url.tls && tls_start(e, h->name, deadline) == -1) {
		rv = errno;
		hangup(e);
		errno = rv;
		return -1;
	}
	return 0;
}

/* Write all of it: 0, or -1 with errno. */
static int
put_all(struct ipc_etcd *e, const char *p, size_t n,
    const struct timespec *deadline)
{
	ssize_t w;

	while (n > 0) {
		if (e->ctx != NULL) {
			w = tls_write(e->ctx, p, n);
			if (w == TLS_WANT_POLLIN || w == TLS_WANT_POLLOUT) {
				if (ready(e, w == TLS_WANT_POLLIN ? POLLIN :
				    POLLOUT, deadline, CALL_MS) == -1)
					return -1;
				continue;
			}
			if (w == -1) {
				errno = EPIPE;
				return -1;
			}
		} else if ((w = send(e->fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EAGAIN) {
				if (ready(e, POLLOUT, deadline, CALL_MS) == -1)
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
fill(struct ipc_etcd *e, const struct timespec *deadline, long limit)
{
	ssize_t r;

	if (e->roff > 0) {
		memmove(e->rbuf, e->rbuf + e->roff, e->rlen - e->roff);
		e->rlen -= e->roff;
		e->roff = 0;
	}
	if (e->rlen == sizeof(e->rbuf)) {
		errno = EMSGSIZE;
		return -1;
	}
	for (;;) {
		if (e->ctx != NULL) {
			r = tls_read(e->ctx, e->rbuf + e->rlen,
			    sizeof(e->rbuf) - e->rlen);
			if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
				if (ready(e, r == TLS_WANT_POLLIN ? POLLIN :
				    POLLOUT, deadline, limit) == -1)
					return -1;
				continue;
			}
			if (r == -1) {
				errno = ECONNRESET;
				return -1;
			}
		} else if ((r = recv(e->fd, e->rbuf + e->rlen,
		    sizeof(e->rbuf) - e->rlen, 0)) == -1) {
			if (errno == EAGAIN) {
				if (ready(e, POLLIN, deadline, limit) == -1)
					return -1;
				continue;
			}
			if (errno == EINTR)
				continue;
			return -1;
		}
		e->rlen += (size_t)r;
		return r;
	}
}

/* A line of the answer's head, without its CRLF: NULL with errno. */
static char *
line(struct ipc_etcd *e, const struct timespec *deadline, long limit)
{
	char *nl, *l;
	ssize_t r;

	for (;;) {
		if ((nl = memchr(e->rbuf + e->roff, '\n', e->rlen - e->roff))
		    != NULL) {
			l = e->rbuf + e->roff;
			*nl = '\0';
			if (nl > l && nl[-1] == '\r')
				nl[-1] = '\0';
			e->roff = (size_t)(nl + 1 - e->rbuf);
			return l;
		}
		if ((r = fill(e, deadline, limit)) <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return NULL;
		}
	}
}

/* n bytes of the body to b (the writer), as they come. */
static int
body_bytes(struct ipc_etcd *e, struct body *b, size_t n,
    const struct timespec *deadline, long limit, int *stopped)
{
	size_t k;
	ssize_t r;

	while (n > 0) {
		if (e->roff == e->rlen && (r = fill(e, deadline, limit)) <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			return -1;
		}
		k = e->rlen - e->roff < n ? e->rlen - e->roff : n;
		if (writer(e->rbuf + e->roff, k, b) != k) {
			*stopped = 1;
			return 0;
		}
		e->roff += k;
		n -= k;
	}
	return 0;
}

/*
 * POST data to /v3/path, the answer's body to b: the HTTP status, or -1
 * with errno (ECONNRESET and the like: the connection failed).  A watch
 * ends the transfer early, and the connection with it.
 */
static int
http(struct ipc_etcd *e, const char *path, const char *data,
    struct body *b, const struct timespec *deadline, long limit)
{
	const struct ipc_url_host *h = &e->url.hosts[e->host];
	char *req, *l, *v;
	long long clen = -1;
	int n, status, chunked = 0, closing = 0, stopped = 0;
	unsigned long long csize;

	/* One write: the head and the body in one segment. */
	n = asprintf(&req, "POST /v3/%s HTTP/1.1\r\n"
	    "Host: %s%s%s:%d\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n%s%s%s\r\n%s", path,
	    strchr(h->name, ':') != NULL ? "[" : "", h->name,
	    strchr(h->name, ':') != NULL ? "]" : "", h->port, strlen(data),
	    e->token != NULL ? "Authorization: " : "",
	    e->token != NULL ? e->token : "", e->token != NULL ? "\r\n" : "",
	    data);
	if (n == -1)
		return -1;
	n = put_all(e, req, (size_t)n, deadline);
	free(req);
	if (n == -1)
		return -1;
	if ((l = line(e, deadline, limit)) == NULL)
		return -1;
	if (sscanf(l, "HTTP/1.%*d %d", &status) != 1) {
		errno = EPROTO;
		return -1;
	}
	while ((l = line(e, deadline, limit)) != NULL && *l != '\0') {
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
			if ((l = line(e, deadline, limit)) == NULL)
				return -1;
			csize = strtoull(l, NULL, 16);
			if (csize == 0) {
				/* The trailer, to its empty line. */
				while ((l = line(e, deadline, limit)) != NULL &&
				    *l != '\0')
					;
				if (l == NULL)
					return -1;
				break;
			}
			if (body_bytes(e, b, csize, deadline, limit,
			    &stopped) == -1)
				return -1;
			if (stopped)
				break;
			/* The CRLF after the chunk's bytes. */
			if (line(e, deadline, limit) == NULL)
				return -1;
		}
	} else if (clen >= 0) {
		if (body_bytes(e, b, (size_t)clen, deadline, limit,
		    &stopped) == -1)
			return -1;
	} else {
		closing = 1;
		for (;;) {
			if (e->roff < e->rlen) {
				if (writer(e->rbuf + e->roff, e->rlen - e->roff,
				    b) != e->rlen - e->roff) {
					stopped = 1;
					break;
				}
				e->roff = e->rlen;
			}
			if (fill(e, deadline, limit) <= 0)
				break;
		}
	}
	if (closing || stopped)
		hangup(e);
	return status;
}

static const char *
hostname(const struct ipc_etcd *e)
{
	static char buf[300];
	const struct ipc_url_host *h = &e->url.hosts[e->host];

	snprintf(buf, sizeof(buf), "%s:%d", ipc_shown(h->name), h->port);
	return buf;
}

/*
 * One request on the current host's connection, made again on a new
 * one when a kept one turns out closed: the status, or -1 and why, with
 * *next when another host may do better.
 */
static int
exchange(struct ipc_etcd *e, const char *path, const char *data,
    struct body *b, const struct timespec *deadline, long limit, int *next)
{
	int st, reused, err;

	*next = 0;
	for (;;) {
		reused = e->fd != -1;
		if (dial(e, deadline) == -1) {
			*next = errno != EINTR;
			return -1;
		}
		if ((st = http(e, path, data, b, deadline, limit)) != -1)
			return st;
		err = errno;
		hangup(e);
		if (err == EINTR || (ipc_signalled && !e->nointr))
			return fail(e, EINTR, "%s", strerror(EINTR));
		if (err == ETIMEDOUT && deadline != NULL &&
		    ipc_expired(deadline))
			return fail(e, ETIMEDOUT, "%s", strerror(ETIMEDOUT));
		/* A kept connection the server closed meanwhile: anew. */
		if (reused && b->len == 0 && err != ETIMEDOUT)
			continue;
		*next = 1;
		return fail(e, ECONNREFUSED, "etcd at %s: %s", hostname(e),
		    strerror(err));
	}
}

/*
 * One POST to the current host: 0 and *out the answer; -1 with errno,
 * and *next when another host may do better.
 */
static int
post(struct ipc_etcd *e, const char *path, const char *data,
    const struct timespec *deadline, json_t **out, int *next)
{
	struct body b;
	json_error_t jerr;
	json_t *j, *er;
	const char *msg;
	long status;
	int code, st;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	if ((st = exchange(e, path, data, &b, deadline, CALL_MS, next)) ==
	    -1) {
		free(b.buf);
		return -1;
	}
	status = st;
	j = json_loadb(b.buf != NULL ? b.buf : "", b.len, 0, &jerr);
	free(b.buf);
	if (j == NULL) {
		*next = 1;
		return fail(e, EIO, "etcd at %s: HTTP %ld, not JSON",
		    hostname(e), status);
	}
	if (status == 200 && json_object_get(j, "error") == NULL) {
		*out = j;
		return 0;
	}
	er = json_object_get(j, "error") != NULL &&
	    json_is_object(json_object_get(j, "error")) ?
	    json_object_get(j, "error") : j;
	msg = json_string_value(json_object_get(er, "message"));
	if (msg == NULL)
		msg = json_string_value(json_object_get(j, "error"));
	if (msg == NULL)
		msg = "an error without a message";
	code = (int)ipc_etcd_int(er, "code");
	if (strstr(msg, "too large") != NULL)
		fail(e, EFBIG, "larger than etcd takes (%s; etcd's "
		    "--max-request-bytes, 1.5 MiB by default)", msg);
	else if (code == 16 || code == 7 || strstr(msg, "auth") != NULL ||
	    strstr(msg, "permission") != NULL)
		fail(e, EACCES, "etcd: %s", msg);
	else {
		/*
		 * Unavailable (14): no leader there, or it is going; another
		 * may have one, or this one soon (EAGAIN: ipc_etcd_call
		 * tries again a while).
		 */
		*next = code == 14 || status == 503;
		fail(e, *next ? EAGAIN : EIO, "etcd at %s: %s", hostname(e),
		    msg);
	}
	json_decref(j);
	return -1;
}

static int
login(struct ipc_etcd *e, const struct timespec *deadline, int *next)
{
	struct ipc_cred cred;
	json_t *req, *ans;
	char *data;
	int rv;

	*next = 0;
	if (e->authed)
		return 0;
	free(e->token);
	e->token = NULL;
	if (ipc_cred_get(&cred, "etcd", e->url.hosts[e->host].name,
	    e->url.user, NULL) == -1) {
		fail(e, errno, "%s", cred.why);
		ipc_cred_free(&cred);
		return -1;
	}
	if (cred.user == NULL) {
		ipc_cred_free(&cred);
		e->authed = 1;
		return 0;
	}
	req = json_pack("{s:s, s:s}", "name", cred.user, "password",
	    cred.password != NULL ? cred.password : "");
	ipc_cred_free(&cred);
	if (req == NULL || (data = json_dumps(req, JSON_COMPACT)) == NULL) {
		json_decref(req);
		return fail(e, ENOMEM, "%s", strerror(ENOMEM));
	}
	json_decref(req);
	rv = post(e, "auth/authenticate", data, deadline, &ans, next);
	free(data);
	if (rv == -1) {
		if (errno == EACCES || errno == EIO)
			fail(e, EACCES, "etcd refused the login: %s", e->why);
		return -1;
	}
	if (json_string_value(json_object_get(ans, "token")) != NULL &&
	    (e->token = strdup(json_string_value(json_object_get(ans,
	    "token")))) == NULL) {
		json_decref(ans);
		return fail(e, ENOMEM, "%s", strerror(ENOMEM));
	}
	json_decref(ans);
	e->authed = 1;
	return 0;
}

json_t *
ipc_etcd_call(struct ipc_etcd *e, const char *path, json_t *req,
    const struct timespec *deadline)
{
	json_t *ans;
	char *data;
	size_t tried;
	int next, relogged = 0, busy = 0;
	long waited = 0;

	data = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (data == NULL) {
		fail(e, ENOMEM, "%s", strerror(ENOMEM));
		return NULL;
	}
	for (tried = 0; tried < e->url.nhosts; ) {
		if (login(e, deadline, &next) == 0 &&
		    post(e, path, data, deadline, &ans, &next) == 0) {
			free(data);
			return ans;
		}
		/* A token that expired: log in again, once. */
		if (errno == EACCES && e->token != NULL && !relogged &&
		    strstr(e->why, "token") != NULL) {
			relogged = 1;
			e->authed = 0;
			continue;
		}
		if (!next)
			break;
		busy |= errno == EAGAIN;
		e->host = (e->host + 1) % e->url.nhosts;
		e->authed = 0;
		/*
		 * Every host failed: when one answered without a leader (an
		 * election), again after a pause, for at most CALL_MS.
		 */
		if (++tried % e->url.nhosts == 0) {
			if (!busy || (waited += PAUSE_MS) > CALL_MS ||
			    breather(e, deadline) == -1)
				break;
			busy = 0;
		}
	}
	if (errno == EAGAIN)
		errno = EIO;
	free(data);
	return NULL;
}

int
ipc_etcd_watch_each(struct ipc_etcd *e, const char *key, const char *end,
    int64_t rev, const struct timespec *deadline, ipc_etcd_each_fn each,
    void *arg, int64_t *compacted)
{
	struct body b;
	json_t *req, *cr;
	char *data, revs[32];
	size_t fails = 0;
	long waited = 0;
	int next, st, e0;

	*compacted = 0;
	data = NULL;
	for (;;) {
		/* From rev, or, made again, after the events seen. */
		snprintf(revs, sizeof(revs), "%lld", (long long)rev);
		req = json_pack("{s:{s:o, s:s}}", "create_request", "key",
		    ipc_etcd_b64(key, strlen(key)), "start_revision", revs);
		cr = json_object_get(req, "create_request");
		if (req != NULL && end != NULL)
			json_object_set_new(cr, "range_end",
			    ipc_etcd_b64(end, strlen(end)));
		free(data);
		if (req == NULL || (data = json_dumps(req, JSON_COMPACT)) ==
		    NULL) {
			json_decref(req);
			return fail(e, ENOMEM, "%s", strerror(ENOMEM));
		}
		json_decref(req);
		memset(&b, 0, sizeof(b));
		b.watch = 1;
		b.each = each;
		b.arg = arg;
		b.from = rev;
		st = -1;
		if (login(e, deadline, &next) == 0)
			st = exchange(e, "watch", data, &b, deadline, -1,
			    &next);
		free(b.buf);
		rev = b.from;
		if (b.done) {
			free(data);
			return 0;
		}
		if (b.compacted) {
			free(data);
			*compacted = b.compacted;
			return fail(e, ESTALE, "etcd compacted revision %lld "
			    "away", (long long)rev);
		}
		/* A stream etcd ended (its leader going): on, for a while. */
		if (b.failed) {
			fail(e, EIO, "etcd at %s: %s", hostname(e), b.msg);
			if ((waited += PAUSE_MS) > CALL_MS ||
			    breather(e, deadline) == -1)
				break;
			e->host = (e->host + 1) % e->url.nhosts;
			e->authed = 0;
			continue;
		}
		if (st != -1 && st != 200) {
			free(data);
			return fail(e, EIO, "etcd at %s: HTTP status %d",
			    hostname(e), st);
		}
		/*
		 * The host went away, or ended the stream: the watch goes on
		 * after the last event seen, on the next host in turn, so
		 * that nothing is missed; when no host answers, stop.
		 */
		if (st == -1 && (!next || ++fails >= e->url.nhosts))
			break;
		if (st != -1)
			fails = 0;
		else {
			e->host = (e->host + 1) % e->url.nhosts;
			e->authed = 0;
		}
	}
	e0 = errno;
	free(data);
	errno = e0;
	return -1;
}

/* ipc_etcd_watch's: the first event. */
struct first {
	json_t		*kv;
	int		 deleted;
};

static int
first_event(void *arg, const json_t *events)
{
	struct first *f = arg;
	const json_t *ev = json_array_get(events, 0);
	const char *type = json_string_value(json_object_get(ev, "type"));

	f->deleted = type != NULL && strcmp(type, "DELETE") == 0;
	if ((f->kv = json_incref(json_object_get(ev, "kv"))) == NULL)
		f->kv = json_object();
	return 1;
}

json_t *
ipc_etcd_watch(struct ipc_etcd *e, const char *key, const char *end,
    int64_t rev, const struct timespec *deadline, int *deleted,
    int64_t *compacted)
{
	struct first f = { NULL, 0 };

	if (ipc_etcd_watch_each(e, key, end, rev, deadline, first_event, &f,
	    compacted) == -1)
		return NULL;
	*deleted = f.deleted;
	return f.kv;
}
