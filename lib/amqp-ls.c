/* amqp-ls.c: a broker's exchanges and bindings, from its management API. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "amqp-ls.h"
#include "cred.h"
#include "http.h"
#include "json.h"

/*
 * AMQP 0-9-1 cannot read an exchange's type or list bindings: RabbitMQ's
 * management plugin can, over HTTP, on port 15672 of the broker's host
 * (15671 with TLS, for amqps:// names), or where $IPCUTILS_AMQP_HTTP
 * says (http[s]://host[:port][/prefix]), logged in with the amqp://
 * name's user and password (cred.h).
 */
#define API_PORT	15672
#define API_TLSPORT	15671
#define API_MS		10000		/* a request's limit */
#define BODY_MAX	(64L << 20)	/* the largest answer taken */

struct api {
	struct ipc_http	 h;
	struct ipc_url	 env;		/* $IPCUTILS_AMQP_HTTP, parsed */
	const struct ipc_url *u;	/* the amqp:// name */
	const struct ipc_tls_opts *tls;	/* --tls-, for https */
	int		 hasenv;
	size_t		 host;		/* the one tried */
	char		*prefix;	/* "" or "/rabbitmq" */
	char		*auth;		/* "Basic ..." */
	char		*user;		/* as messages show it */
	char		*buf;		/* the answer's body */
	size_t		 len, cap;
	int		 toobig;
};

static int
fail(char *why, size_t len, int e, const char *s)
{
	snprintf(why, len, "%s", s);
	errno = e;
	return -1;
}

static size_t
body(const char *p, size_t n, void *arg)
{
	struct api *a = arg;
	char *nb;

	/* At every call: once grown, the buffer may hold more than that. */
	if (a->len + n + 1 > (size_t)BODY_MAX) {
		a->toobig = 1;
		return 0;
	}
	if (a->len + n + 1 > a->cap) {
		a->cap = (a->len + n + 1) * 2;
		if ((nb = realloc(a->buf, a->cap)) == NULL)
			return 0;
		a->buf = nb;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
	return n;
}

/* s, %-escaped for a URL but its unreserved bytes (and '*' when star). */
static char *
escape(const char *s, int star)
{
	static const char hex[] = "0123456789ABCDEF";
	char *d, *p;
	unsigned char c;

	if ((d = p = malloc(3 * strlen(s) + 1)) == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (star && c == '*'))
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return d;
}

static void
api_free(struct api *a)
{
	ipc_http_close(&a->h);
	if (a->hasenv)
		ipc_url_free(&a->env);
	if (a->auth != NULL)
		explicit_bzero(a->auth, strlen(a->auth));
	free(a->auth);
	free(a->user);
	free(a->prefix);
	free(a->buf);
}

/* The API's place and the login: 0, or -1 and why. */
static int
api_init(struct api *a, const struct ipc_url *u,
    const struct ipc_tls_opts *tls, char *why, size_t len)
{
	struct ipc_cred cred;
	const char *env, *err, *user, *pw;
	char *up;
	size_t n;

	memset(a, 0, sizeof(*a));
	a->u = u;
	a->tls = tls;
	a->h.fd = -1;
	if ((env = getenv("IPCUTILS_AMQP_HTTP")) != NULL &&
	    strcmp(env, "none") == 0)
		return fail(why, len, EHOSTUNREACH, "the broker's management "
		    "API is not asked (IPCUTILS_AMQP_HTTP=none)");
	if (env != NULL && *env != '\0') {
		if (ipc_url_parse(env, "http", 80, 443, &a->env, &err) ==
		    -1) {
			snprintf(why, len, "IPCUTILS_AMQP_HTTP: %s", err);
			return -1;
		}
		a->hasenv = 1;
		if (a->env.query != NULL || a->env.user != NULL) {
			api_free(a);
			return fail(why, len, EINVAL, "IPCUTILS_AMQP_HTTP: "
			    "only http[s]://host[:port][/prefix]");
		}
	}
	n = a->hasenv && a->env.path != NULL ? strlen(a->env.path) : 0;
	while (n > 0 && a->env.path[n - 1] == '/')
		n--;
	if (asprintf(&a->prefix, "%s%.*s", n > 0 ? "/" : "", (int)n,
	    n > 0 ? a->env.path : "") == -1) {
		a->prefix = NULL;
		api_free(a);
		return fail(why, len, ENOMEM, strerror(ENOMEM));
	}
	if (ipc_cred_get(&cred, "amqp", u->hosts[0].name, u->user,
	    u->password) == -1) {
		snprintf(why, len, "%s", cred.why);
		ipc_cred_free(&cred);
		api_free(a);
		errno = EACCES;
		return -1;
	}
	user = cred.user != NULL ? cred.user : "guest";
	pw = cred.password != NULL ? cred.password : "guest";
	n = strlen(user) + 1 + strlen(pw);
	if ((up = malloc(n + 1)) == NULL ||
	    (a->auth = malloc(6 + IPC_BASE64_MAX(n) + 1)) == NULL ||
	    (a->user = strdup(user)) == NULL) {
		free(up);
		ipc_cred_free(&cred);
		api_free(a);
		return fail(why, len, ENOMEM, strerror(ENOMEM));
	}
	snprintf(up, n + 1, "%s:%s", user, pw);
	memcpy(a->auth, "Basic ", 6);
	a->auth[6 + ipc_base64(a->auth + 6, up, n)] = '\0';
	explicit_bzero(up, n);
	free(up);
	ipc_cred_free(&cred);
	return 0;
}

/*
 * GET path (after the prefix): the answer, or NULL with errno and why:
 * EHOSTUNREACH when no host answered, ENOENT for HTTP 404, EACCES for a
 * login refused.
 */
static json_t *
api_get(struct api *a, const char *path, char *why, size_t len)
{
	const struct ipc_url *hu = a->hasenv ? &a->env : a->u;
	const struct ipc_url_host *hh;
	char *full, tried[256] = "";
	json_error_t jerr;
	json_t *j;
	int st, tls, port, e, reused;

	if (asprintf(&full, "%s/api/%s", a->prefix, path) == -1) {
		fail(why, len, ENOMEM, strerror(ENOMEM));
		return NULL;
	}
	for (;;) {
		hh = &hu->hosts[a->host];
		tls = a->hasenv ? a->env.tls : a->u->tls;
		port = a->hasenv ? hh->port : tls ? API_TLSPORT : API_PORT;
		if (a->h.fd == -1)
			ipc_http_init(&a->h, NULL, hh->name, port, tls,
			    a->tls);
		a->len = 0;
		a->toobig = 0;
		st = -1;
		reused = a->h.fd != -1;
		if (ipc_http_connect(&a->h, NULL) == 0) {
			st = ipc_http_request(&a->h, "GET", full, NULL,
			    a->auth, NULL, body, a, NULL, API_MS);
			if (st == -1)
				snprintf(a->h.why, sizeof(a->h.why), "%s: %s",
				    ipc_http_hostname(&a->h), a->toobig ?
				    "an answer over 64 MiB" : strerror(errno));
		}
		if (st != -1)
			break;
		e = errno;
		ipc_http_close(&a->h);
		/* A kept connection the server closed meanwhile: anew. */
		if (reused && e != EINTR && !a->toobig)
			continue;
		snprintf(tried, sizeof(tried), "%s", a->h.why);
		if (e == EINTR || ++a->host == hu->nhosts) {
			a->host = 0;
			free(full);
			snprintf(why, len, "the broker's management API is not "
			    "reachable (%s): enable the plugin "
			    "rabbitmq_management, or set IPCUTILS_AMQP_HTTP to "
			    "where it is", tried);
			errno = e == EINTR ? EINTR : EHOSTUNREACH;
			return NULL;
		}
	}
	free(full);
	/* Cut short at BODY_MAX, the answer is not one to read. */
	if (a->toobig) {
		snprintf(why, len, "the management API at %s: an answer over "
		    "64 MiB", ipc_http_hostname(&a->h));
		errno = EFBIG;
		return NULL;
	}
	if (st == 404) {
		fail(why, len, ENOENT, strerror(ENOENT));
		return NULL;
	}
	if (st == 401 || st == 403) {
		snprintf(why, len, "the management API at %s refused user "
		    "%s (HTTP %d: it needs the tag management or more)",
		    ipc_http_hostname(&a->h), ipc_shown(a->user), st);
		errno = EACCES;
		return NULL;
	}
	if (st != 200) {
		snprintf(why, len, "the management API at %s: HTTP status %d",
		    ipc_http_hostname(&a->h), st);
		errno = EIO;
		return NULL;
	}
	if ((j = json_loadb(a->buf != NULL ? a->buf : "", a->len, 0,
	    &jerr)) == NULL) {
		snprintf(why, len, "the management API at %s: not JSON: %s",
		    ipc_http_hostname(&a->h), jerr.text);
		errno = EIO;
	}
	return j;
}

static const char *
str(const json_t *o, const char *field)
{
	const char *s = json_string_value(json_object_get(o, field));

	return s != NULL ? s : "";
}

/*
 * The bindings in array j (but the default exchange's) into *out, their
 * names after base: the count, or -1 (ENOMEM).  free_bindings() frees.
 */
static long
bindings(const json_t *j, const char *base, struct ipc_queue_binding **out)
{
	struct ipc_queue_binding *b;
	const json_t *o;
	char *q, *x, *k;
	size_t i, n = 0;
	int r;

	*out = NULL;
	if (!json_is_array(j))
		return 0;
	if ((b = calloc(json_array_size(j) + 1, sizeof(*b))) == NULL)
		return -1;
	*out = b;
	json_array_foreach(j, i, o) {
		if (*str(o, "source") == '\0')
			continue;
		b[n].exchange = str(o, "source");
		b[n].dest = str(o, "destination");
		b[n].desttype = str(o, "destination_type");
		b[n].key = str(o, "routing_key");
		b[n].name = NULL;
		if (strcmp(b[n].desttype, "queue") == 0) {
			q = escape(b[n].dest, 0);
			x = escape(b[n].exchange, 0);
			k = escape(b[n].key, 1);
			r = -1;
			if (q != NULL && x != NULL && k != NULL)
				r = asprintf((char **)&b[n].name,
				    "%s%s?exchange=%s%s%s", base, q, x,
				    *k != '\0' ? "&key=" : "", k);
			free(q);
			free(x);
			free(k);
			if (r == -1) {
				b[n].name = NULL;
				return -1;
			}
		}
		n++;
	}
	return (long)n;
}

static void
free_bindings(struct ipc_queue_binding *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; b[i].exchange != NULL; i++)
		free((char *)b[i].name);
	free(b);
}

char *
ipc_amqp_ls_xname(const char *base, const char *exchange)
{
	char *xe, *name;

	if ((xe = escape(exchange, 0)) == NULL)
		return NULL;
	if (asprintf(&name, "%s?exchange=%s", base, xe) == -1)
		name = NULL;
	free(xe);
	return name;
}

/* One exchange, its bindings from the API, to cb: cb's, or -1 and why. */
static int
one_exchange(struct api *a, const json_t *x, const char *vh,
    const char *base, ipc_queue_lister cb, void *arg, char *why, size_t len)
{
	struct ipc_queue_info info;
	struct ipc_queue_binding *b;
	json_t *j;
	char *path, *xe, *name;
	long n;
	int r;

	if ((xe = escape(str(x, "name"), 0)) == NULL)
		return fail(why, len, ENOMEM, strerror(ENOMEM));
	if (asprintf(&path, "exchanges/%s/%s/bindings/source", vh, xe) ==
	    -1) {
		free(xe);
		return fail(why, len, ENOMEM, strerror(ENOMEM));
	}
	j = api_get(a, path, why, len);
	free(path);
	/* Gone since it was listed: no bindings. */
	if (j == NULL && errno != ENOENT) {
		free(xe);
		return -1;
	}
	n = bindings(j, base, &b);
	if (n == -1 || (name = ipc_amqp_ls_xname(base, str(x, "name"))) ==
	    NULL) {
		free_bindings(b);
		json_decref(j);
		free(xe);
		return fail(why, len, ENOMEM, strerror(ENOMEM));
	}
	free(xe);
	memset(&info, 0, sizeof(info));
	info.type = "exchange";
	info.name = name;
	info.msgs = info.consumers = -1;
	info.kind = str(x, "type");
	info.durable = json_is_true(json_object_get(x, "durable"));
	info.bindings = b;
	info.nbindings = (size_t)n;
	info.known = 1;
	r = cb(arg, &info);
	free(name);
	free_bindings(b);
	json_decref(j);
	return r;
}

int
ipc_amqp_ls_exchanges(const struct ipc_url *u,
    const struct ipc_tls_opts *tls, const char *vhost,
    const char *pattern, const char *base, ipc_queue_lister cb, void *arg,
    char *why, size_t len)
{
	struct api a;
	json_t *j, *x;
	char *vh, *xe = NULL, *path;
	size_t i;
	int glob = strpbrk(pattern, "*?[") != NULL, count = 0, e;

	if (api_init(&a, u, tls, why, len) == -1)
		return -1;
	if ((vh = escape(vhost, 0)) == NULL ||
	    (!glob && (xe = escape(pattern, 0)) == NULL) ||
	    asprintf(&path, "exchanges/%s%s%s%s", vh, glob ? "" : "/",
	    glob ? "" : xe, glob ? "?columns=name,type,durable" : "") == -1) {
		free(vh);
		free(xe);
		api_free(&a);
		return fail(why, len, ENOMEM, strerror(ENOMEM));
	}
	free(xe);
	j = api_get(&a, path, why, len);
	free(path);
	if (j == NULL) {
		/* A glob's vhost that is not there holds no exchange. */
		count = glob && errno == ENOENT ? 0 : -1;
		goto out;
	}
	if (!glob && !json_is_object(j)) {
		snprintf(why, len, "the management API at %s: the answer "
		    "is not an exchange", ipc_http_hostname(&a.h));
		errno = EIO;
		count = -1;
		goto out;
	}
	if (!glob) {
		*why = '\0';
		count = one_exchange(&a, j, vh, base, cb, arg, why, len) ==
		    -1 && *why != '\0' ? -1 : 1;
		goto out;
	}
	json_array_foreach(j, i, x) {
		/* The default exchange has no name that the tools take. */
		if (*str(x, "name") == '\0' ||
		    fnmatch(pattern, str(x, "name"), 0) != 0)
			continue;
		*why = '\0';
		if (one_exchange(&a, x, vh, base, cb, arg, why, len) == -1) {
			count = *why != '\0' ? -1 : count + 1;
			break;
		}
		count++;
	}
out:
	e = errno;
	json_decref(j);
	free(vh);
	api_free(&a);
	errno = e;
	return count;
}

int
ipc_amqp_ls_queue(const struct ipc_url *u,
    const struct ipc_tls_opts *tls, const char *vhost,
    const char *queue, const char *base, struct ipc_queue_info *info,
    ipc_queue_lister cb, void *arg, char *why, size_t len)
{
	struct ipc_queue_binding *b = NULL;
	struct api a;
	json_t *j;
	char *vh, *qe = NULL, *path;
	long n;
	int r = -1, e;

	if (api_init(&a, u, tls, why, len) == -1)
		return -1;
	if ((vh = escape(vhost, 0)) == NULL ||
	    (qe = escape(queue, 0)) == NULL ||
	    asprintf(&path, "queues/%s/%s/bindings", vh, qe) == -1) {
		free(vh);
		free(qe);
		api_free(&a);
		return fail(why, len, ENOMEM, strerror(ENOMEM));
	}
	j = NULL;
	if (info->msgs < 0) {
		/* Counted by the API: ready messages, and consumers. */
		free(path);
		if (asprintf(&path, "queues/%s/%s?columns=messages_ready,"
		    "consumers", vh, qe) == -1)
			path = NULL;
		j = path != NULL ? api_get(&a, path, why, len) : NULL;
		if (path != NULL) {
			free(path);
			path = NULL;
			if (asprintf(&path, "queues/%s/%s/bindings", vh, qe) ==
			    -1)
				path = NULL;
		}
		if (j == NULL || path == NULL) {
			if (path == NULL)
				fail(why, len, ENOMEM, strerror(ENOMEM));
			e = errno;
			free(path);
			goto out;
		}
		info->msgs = json_integer_value(json_object_get(j,
		    "messages_ready"));
		info->consumers = json_integer_value(json_object_get(j,
		    "consumers"));
		json_decref(j);
	}
	j = api_get(&a, path, why, len);
	free(path);
	if (j != NULL) {
		if ((n = bindings(j, base, &b)) == -1)
			fail(why, len, ENOMEM, strerror(ENOMEM));
		else {
			info->bindings = b;
			info->nbindings = (size_t)n;
			info->known = 1;
			r = cb(arg, info);
			info->bindings = NULL;
		}
	}
	e = errno;
out:
	free(vh);
	free(qe);
	json_decref(j);
	free_bindings(b);
	api_free(&a);
	errno = e;
	return r;
}
