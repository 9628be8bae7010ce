/*
 * fuzz-url: ipc_url_parse() and ipc_url_shown() on any text: every host
 * named and its port in range, the path's segments what it says, the
 * shown form without a password, and a URL made again of the parts
 * parsed gives the same parts.
 */
#include <errno.h>

#include "url.h"
#include "fuzz.h"

/* Each byte that could mean something in a URL, as %XX. */
static char *
encode(char *p, const char *s)
{
	static const char unreserved[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";

	for (; *s != '\0'; s++)
		if (strchr(unreserved, *s) != NULL)
			*p++ = *s;
		else
			p += sprintf(p, "%%%02X", (unsigned char)*s);
	return p;
}

/* The URL of u's parts, in a new string. */
static char *
rebuild(const struct ipc_url *u)
{
	size_t i, n;
	char *s, *p;

	n = strlen(u->scheme) + 5 + (u->path ? strlen(u->path) + 1 : 0) +
	    (u->query ? strlen(u->query) + 1 : 0);
	n += u->user ? 3 * strlen(u->user) + 1 : 0;
	n += u->password ? 3 * strlen(u->password) + 1 : 0;
	for (i = 0; i < u->nhosts; i++)
		n += 3 * strlen(u->hosts[i].name) + 9;
	if ((s = p = malloc(n + 1)) == NULL)
		abort();
	p += sprintf(p, "%s%s://", u->scheme, u->tls ? "s" : "");
	if (u->user != NULL) {
		p = encode(p, u->user);
		if (u->password != NULL) {
			*p++ = ':';
			p = encode(p, u->password);
		}
		*p++ = '@';
	}
	for (i = 0; i < u->nhosts; i++) {
		if (i > 0)
			*p++ = ',';
		if (strchr(u->hosts[i].name, ':') != NULL) {
			*p++ = '[';
			p = encode(p, u->hosts[i].name);
			*p++ = ']';
		} else
			p = encode(p, u->hosts[i].name);
		p += sprintf(p, ":%d", u->hosts[i].port);
	}
	if (u->path != NULL)
		p += sprintf(p, "/%s", u->path);
	if (u->query != NULL)
		p += sprintf(p, "?%s", u->query);
	FUZZ_CHECK((size_t)(p - s) <= n, s);
	return s;
}

static int
streq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The same parts: the password aside, when nopass. */
static void
same(const struct ipc_url *a, const struct ipc_url *b, int nopass,
    const char *s)
{
	size_t i;

	FUZZ_CHECK(strcmp(a->scheme, b->scheme) == 0 && a->tls == b->tls, s);
	FUZZ_CHECK(streq(a->user, b->user), s);
	FUZZ_CHECK(nopass || streq(a->password, b->password), s);
	FUZZ_CHECK(a->nhosts == b->nhosts, s);
	for (i = 0; i < a->nhosts; i++)
		FUZZ_CHECK(strcmp(a->hosts[i].name, b->hosts[i].name) == 0 &&
		    a->hosts[i].port == b->hosts[i].port, s);
	FUZZ_CHECK(streq(a->path, b->path) && a->nsegs == b->nsegs, s);
	for (i = 0; i < a->nsegs; i++)
		FUZZ_CHECK(strcmp(a->segs[i], b->segs[i]) == 0, s);
	FUZZ_CHECK(streq(a->query, b->query), s);
}

/* What a parsed URL promises of itself. */
static void
check(const struct ipc_url *u, const char *s, int port, int tlsport)
{
	const char *why;
	char *path, *p;
	size_t i, n, len;

	FUZZ_CHECK(u->scheme[0] != '\0', s);
	FUZZ_CHECK(strncmp(s, u->scheme, strlen(u->scheme)) == 0, s);
	FUZZ_CHECK(strncmp(s + strlen(u->scheme), u->tls ? "s://" : "://",
	    3 + u->tls) == 0, s);
	FUZZ_CHECK(u->nhosts >= 1, s);
	for (i = 0; i < u->nhosts; i++) {
		FUZZ_CHECK(u->hosts[i].name[0] != '\0', s);
		FUZZ_CHECK(u->hosts[i].port >= 1 &&
		    u->hosts[i].port <= 65535, s);
		/* Without a ':' after the scheme's, no port was given. */
		FUZZ_CHECK(strchr(strstr(s, "://") + 1, ':') != NULL ||
		    u->hosts[i].port == (u->tls ? tlsport : port), s);
	}
	FUZZ_CHECK(u->path == NULL || strchr(u->path, '?') == NULL, s);
	/* The segments, joined again by '/', are the decoded path. */
	if (u->path == NULL)
		FUZZ_CHECK(u->nsegs == 0 && u->segs == NULL, s);
	else {
		for (n = 1, p = u->path; *p != '\0'; p++)
			n += *p == '/';
		FUZZ_CHECK(u->nsegs == n, s);
		path = ipc_url_decode(u->path, strlen(u->path), &why);
		FUZZ_CHECK(path != NULL, s);
		for (i = 0, p = path; i < n; i++, p++) {
			len = strlen(u->segs[i]);
			FUZZ_CHECK(strncmp(p, u->segs[i], len) == 0, s);
			p += len;
			FUZZ_CHECK(*p == (i + 1 < n ? '/' : '\0'), s);
		}
		free(path);
	}
}

static void
one(const char *s, const char *scheme, int port, int tlsport)
{
	struct ipc_url u, v, w;
	const char *why = NULL;
	char *shown, *again;

	errno = 0;
	if (ipc_url_parse(s, scheme, port, tlsport, &u, &why) == -1) {
		FUZZ_CHECK(why != NULL && errno == EINVAL, s);
		FUZZ_CHECK(u.hosts == NULL && u.scheme == NULL, s);
		return;
	}
	check(&u, s, port, tlsport);
	/* Made again of its parts, the URL means the same. */
	again = rebuild(&u);
	FUZZ_CHECK(ipc_url_parse(again, scheme, port, tlsport, &v,
	    &why) == 0, again);
	same(&u, &v, 0, again);
	ipc_url_free(&v);
	free(again);
	/* Shown, it has no password, and the rest is the same. */
	if ((shown = ipc_url_shown(s)) == NULL)
		abort();
	FUZZ_CHECK(ipc_url_parse(shown, scheme, port, tlsport, &w,
	    &why) == 0, shown);
	FUZZ_CHECK(w.password == NULL, shown);
	same(&u, &w, 1, shown);
	ipc_url_free(&w);
	free(shown);
	ipc_url_free(&u);
	FUZZ_CHECK(u.hosts == NULL && u.password == NULL, s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *shown, *again;

	one(s, NULL, 1, 1);
	one(s, "amqp", 5672, 5671);
	one(s, "etcd", 2379, 2379);
	/* Parsed or not, the shown form has no password left to hide. */
	if ((shown = ipc_url_shown(s)) == NULL ||
	    (again = ipc_url_shown(shown)) == NULL)
		abort();
	FUZZ_CHECK(strcmp(shown, again) == 0, s);
	FUZZ_CHECK(strlen(shown) <= strlen(s), s);
	free(again);
	free(shown);
	free(s);
	return 0;
}
