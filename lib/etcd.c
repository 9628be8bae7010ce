/* etcd.c: etcd's v3 HTTP/JSON gateway over HTTP/1.1, hosts in turn. */
#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cred.h"
#include "etcd.h"
#include "http.h"
#include "ipcutils.h"
#include "json.h"

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
	ipc_http_init(&e->conn, "etcd", "", 0, 0, NULL);
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
	ipc_http_close(&e->conn);
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

void
ipc_etcd_stamp(char *buf, size_t len)
{
	static unsigned int count;
	struct timespec now;
	uint32_t r[2];

	/*
	 * Not arc4random: libbsd's ends the process (_exit(1)) when it
	 * cannot map its state.  Without getrandom's bytes, the pid, the
	 * clock and a count make it new enough for one writer's check.
	 */
	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		clock_gettime(CLOCK_REALTIME, &now);
		r[0] = (uint32_t)getpid() ^ (uint32_t)now.tv_sec;
		r[1] = (uint32_t)now.tv_nsec ^ (++count << 20);
	}
	snprintf(buf, len, "%lld %08x%08x", (long long)time(NULL),
	    (unsigned int)r[0], (unsigned int)r[1]);
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
writer(const char *p, size_t n, void *arg)
{
	struct body *b = arg;
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

static const char *
hostname(const struct ipc_etcd *e)
{
	static char buf[300];
	const struct ipc_url_host *h = &e->url.hosts[e->host];

	snprintf(buf, sizeof(buf), "%s:%d", ipc_shown(h->name), h->port);
	return buf;
}

/* Connect to the current host (http.c): 0, or -1 and why. */
static int
dial(struct ipc_etcd *e, const struct timespec *deadline)
{
	const struct ipc_url_host *h = &e->url.hosts[e->host];

	if (e->conn.fd == -1) {
		e->conn.host = h->name;
		e->conn.port = h->port;
		e->conn.tls = e->url.tls;
		e->conn.tlsopts = e->tls;
	}
	e->conn.nointr = e->nointr;
	if (ipc_http_connect(&e->conn, deadline) == -1)
		return fail(e, errno, "%s", e->conn.why);
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
	char full[128];

	snprintf(full, sizeof(full), "/v3/%s", path);
	return ipc_http_request(&e->conn, "POST", full, "application/json",
	    e->token, data, writer, b, deadline, limit);
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
		reused = e->conn.fd != -1;
		if (dial(e, deadline) == -1) {
			*next = errno != EINTR;
			return -1;
		}
		if ((st = http(e, path, data, b, deadline, limit)) != -1)
			return st;
		err = errno;
		ipc_http_close(&e->conn);
		if (err == EINTR || (ipc_signalled && !e->nointr))
			return fail(e, EINTR, "%s", strerror(EINTR));
		if (err == ETIMEDOUT && deadline != NULL &&
		    ipc_expired(deadline))
			return fail(e, ETIMEDOUT, "%s", strerror(ETIMEDOUT));
		/* A kept connection the server closed meanwhile: anew. */
		if (reused && b->len == 0 && err != ETIMEDOUT) {
			e->resent++;
			continue;
		}
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
	char *data, why[sizeof(e->why)];
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
		/* Not e->why into itself: a copy, without post's "etcd: ". */
		if (errno == EACCES || errno == EIO) {
			strlcpy(why, e->why, sizeof(why));
			fail(e, EACCES, "etcd refused the login: %s",
			    why + (strncmp(why, "etcd: ", 6) == 0 ? 6 : 0));
		}
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
	/* Each host in turn; rounds after the first only while busy. */
	for (tried = 0;;) {
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
		e->resent++;
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

	*deleted = 0;		/* also where it fails: a compaction */
	if (ipc_etcd_watch_each(e, key, end, rev, deadline, first_event, &f,
	    compacted) == -1)
		return NULL;
	*deleted = f.deleted;
	return f.kv;
}
