/* url.c: backends' names, SCHEME://user:password@hosts/path?query, parsed. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "url.h"

static int
bad(const char **why, const char *reason)
{
	*why = reason;
	errno = EINVAL;
	return -1;
}

static int
nomem(const char **why)
{
	errno = ENOMEM;
	*why = strerror(errno);
	return -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
ipc_url_decode(const char *s, size_t len, const char **why)
{
	char *d, *p;
	size_t i;
	int hi, lo;

	if ((d = p = malloc(len + 1)) == NULL) {
		nomem(why);
		return NULL;
	}
	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			*p++ = s[i];
			continue;
		}
		/* %00 would cut the string short, unseen. */
		if (len - i < 3 || (hi = hexval(s[i + 1])) == -1 ||
		    (lo = hexval(s[i + 2])) == -1 || (hi == 0 && lo == 0)) {
			free(d);
			bad(why, "a bad %-escape");
			return NULL;
		}
		*p++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*p = '\0';
	return d;
}

/* One host of the list: host, host:port, [v6], [v6]:port. */
static int
parse_host(struct ipc_url_host *h, const char *s, size_t len, int defport,
    const char **why)
{
	const char *colon = NULL, *rb, *p;
	long port;

	if (len > 0 && s[0] == '[') {
		if ((rb = memchr(s, ']', len)) == NULL)
			return bad(why, "a [ without its ]");
		if (rb + 1 < s + len) {
			if (rb[1] != ':')
				return bad(why, "junk after ]");
			colon = rb + 1;
		}
		h->name = ipc_url_decode(s + 1, rb - s - 1, why);
	} else {
		colon = memchr(s, ':', len);
		h->name = ipc_url_decode(s, colon ? (size_t)(colon - s) : len,
		    why);
	}
	if (h->name == NULL)
		return -1;
	if (h->name[0] == '\0')
		return bad(why, "an empty host");
	h->port = defport;
	if (colon == NULL)
		return 0;
	/* Digits alone: strtonum(3) would take " +80" as well. */
	for (port = 0, p = colon + 1; p < s + len; p++) {
		if (*p < '0' || *p > '9')
			return bad(why, "a bad port");
		if ((port = port * 10 + (*p - '0')) > 65535)
			return bad(why, "a bad port");
	}
	if (port == 0)
		return bad(why, "a bad port");
	h->port = (int)port;
	return 0;
}

/* The path cut at each '/', each piece decoded. */
static int
segments(struct ipc_url *u, const char **why)
{
	const char *p, *q;
	size_t n, i;

	for (n = 1, p = u->path; *p != '\0'; p++)
		n += *p == '/';
	if ((u->segs = calloc(n, sizeof(*u->segs))) == NULL)
		return nomem(why);
	u->nsegs = n;
	for (i = 0, p = u->path; i < n; i++, p = q + 1) {
		q = p + strcspn(p, "/");
		if ((u->segs[i] = ipc_url_decode(p, q - p, why)) == NULL)
			return -1;
	}
	return 0;
}

/* Everything after the scheme's "://", into u. */
static int
parse(struct ipc_url *u, const char *s, int defport, const char **why)
{
	const char *slash, *at, *colon, *end, *p, *q;
	size_t n, i;

	slash = s + strcspn(s, "/");
	for (at = NULL, p = s; p < slash; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		colon = memchr(s, ':', at - s);
		if ((u->user = ipc_url_decode(s, (colon ? colon : at) - s,
		    why)) == NULL)
			return -1;
		if (colon != NULL && (u->password = ipc_url_decode(colon + 1,
		    at - colon - 1, why)) == NULL)
			return -1;
		s = at + 1;
	}
	end = s + strcspn(s, "/?");
	for (n = 1, p = s; p < end; p++)
		n += *p == ',';
	if ((u->hosts = calloc(n, sizeof(*u->hosts))) == NULL)
		return nomem(why);
	u->nhosts = n;
	for (i = 0, p = s; i < n; i++, p = q + 1) {
		if ((q = memchr(p, ',', end - p)) == NULL)
			q = end;
		if (parse_host(&u->hosts[i], p, q - p, defport, why) == -1)
			return -1;
	}
	if (*end == '/') {
		q = end + 1 + strcspn(end + 1, "?");
		if ((u->path = strndup(end + 1, q - end - 1)) == NULL)
			return nomem(why);
		if (segments(u, why) == -1)
			return -1;
		end = q;
	}
	if (*end == '?' && (u->query = strdup(end + 1)) == NULL)
		return nomem(why);
	return 0;
}

int
ipc_url_parse(const char *name, const char *scheme, int port, int tlsport,
    struct ipc_url *u, const char **why)
{
	size_t n;
	int form, e;

	memset(u, 0, sizeof(*u));
	if (scheme != NULL) {
		if ((form = ipc_scheme_is(name, scheme)) == 0)
			return bad(why, "not a name of its scheme");
		n = strlen(scheme);
	} else {
		if (!ipc_has_scheme(name))
			return bad(why, "no scheme (SCHEME://)");
		form = 1;
		n = strcspn(name, ":");
	}
	if ((u->scheme = strndup(name, n)) == NULL)
		return nomem(why);
	u->tls = form == 2;
	if (parse(u, name + n + u->tls + 3, u->tls ? tlsport : port,
	    why) == -1) {
		e = errno;
		ipc_url_free(u);
		errno = e;
		return -1;
	}
	return 0;
}

void
ipc_url_free(struct ipc_url *u)
{
	size_t i;

	for (i = 0; i < u->nhosts; i++)
		free(u->hosts[i].name);
	for (i = 0; i < u->nsegs; i++)
		free(u->segs[i]);
	if (u->password != NULL)
		explicit_bzero(u->password, strlen(u->password));
	free(u->scheme);
	free(u->user);
	free(u->password);
	free(u->hosts);
	free(u->path);
	free(u->segs);
	free(u->query);
	memset(u, 0, sizeof(*u));
}

char *
ipc_url_shown(const char *name)
{
	const char *s, *slash, *at, *colon, *p;
	size_t n;
	char *shown;

	/* The password as ipc_url_parse() finds it, parsed or not. */
	at = colon = NULL;
	if ((s = strstr(name, "://")) != NULL) {
		s += 3;
		slash = s + strcspn(s, "/");
		for (p = s; p < slash; p++)
			if (*p == '@')
				at = p;
		if (at != NULL)
			colon = memchr(s, ':', at - s);
	}
	if (colon == NULL)
		return strdup(name);
	n = strlen(name) - (at - colon);
	if ((shown = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(shown, name, colon - name);
	memcpy(shown + (colon - name), at, strlen(at) + 1);
	return shown;
}
