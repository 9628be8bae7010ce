/* allow.c: who may connect (--allow): address blocks, users and groups. */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sock.h"

#define MAXGROUPS	256	/* of a peer's, from SO_PEERGROUPS */

/* A decimal id: digits only, at most a uid_t's. */
static int
parse_id(const char *s, unsigned int *id)
{
	unsigned long long n = 0;

	if (*s == '\0' || s[strspn(s, "0123456789")] != '\0')
		return -1;
	for (; *s != '\0'; s++)
		if ((n = n * 10 + (*s - '0')) > UINT_MAX - 1)
			return -1;
	*id = (unsigned int)n;
	return 0;
}

/* ADDRESS or ADDRESS/BITS, IPv4 or IPv6. */
static int
parse_net(const char *s, struct ipc_allow *a, const char **errstr)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	const char *p;
	int bits = 0, max;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf)) {
		*errstr = "is not an address, a block, uid:, gid:, user: "
		    "or group:";
		return -1;
	}
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a->net) == 1) {
		a->kind = IPC_ALLOW_NET4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, a->net) == 1) {
		a->kind = IPC_ALLOW_NET6;
		max = 128;
	} else {
		*errstr = "is not an address, a block, uid:, gid:, user: "
		    "or group:";
		return -1;
	}
	a->bits = max;
	if (slash == NULL)
		return 0;
	p = slash + 1;
	if (*p == '\0' || p[strspn(p, "0123456789")] != '\0' ||
	    strlen(p) > 3 || (bits = atoi(p)) > max) {
		*errstr = "has a prefix length that is invalid";
		return -1;
	}
	a->bits = bits;
	return 0;
}

/*
 * One --allow SPEC: 127.0.0.0/8, ::1, 2001:db8::/32; uid:N, gid:N,
 * user:NAME, group:NAME (names looked up now).  -1 and *errstr if bad.
 */
int
ipc_allow_parse(const char *s, struct ipc_allow *a, const char **errstr)
{
	struct passwd *pw;
	struct group *gr;

	memset(a, 0, sizeof(*a));
	a->text = s;
	if (strncmp(s, "uid:", 4) == 0 || strncmp(s, "gid:", 4) == 0) {
		a->kind = s[0] == 'u' ? IPC_ALLOW_UID : IPC_ALLOW_GID;
		if (parse_id(s + 4, &a->id) == -1) {
			*errstr = "has an id that is invalid";
			return -1;
		}
		return 0;
	}
	if (strncmp(s, "user:", 5) == 0) {
		errno = 0;
		if ((pw = getpwnam(s + 5)) == NULL) {
			*errstr = errno != 0 ? strerror(errno) : "no such user";
			return -1;
		}
		a->kind = IPC_ALLOW_UID;
		a->id = pw->pw_uid;
		return 0;
	}
	if (strncmp(s, "group:", 6) == 0) {
		errno = 0;
		if ((gr = getgrnam(s + 6)) == NULL) {
			*errstr = errno != 0 ? strerror(errno) :
			    "no such group";
			return -1;
		}
		a->kind = IPC_ALLOW_GID;
		a->id = gr->gr_gid;
		return 0;
	}
	return parse_net(s, a, errstr);
}

/* Do the first bits of two addresses agree? */
static int
prefix(const unsigned char *x, const unsigned char *y, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(x, y, whole) != 0)
		return 0;
	return rest == 0 ||
	    ((x[whole] ^ y[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/*
 * An IP peer: is it in one of the blocks?  An IPv4 peer is also its
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d), and one of those is also the
 * IPv4 address, so that a block matches the same peers whichever family
 * the socket has: ::ffff:127.0.0.1 lets 127.0.0.1 in on an IPv4 socket as
 * on a dual-stack one.
 */
int
ipc_allow_addr(const struct ipc_allow *a, int n,
    const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const unsigned char *v4 = NULL, *v6 = NULL;
	unsigned char mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	int i;

	if (ss->ss_family == AF_INET) {
		v4 = (const unsigned char *)&sin->sin_addr;
		memcpy(mapped + 12, v4, 4);
		v6 = mapped;
	} else if (ss->ss_family == AF_INET6) {
		v6 = sin6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			v4 = v6 + 12;
	}
	for (i = 0; i < n; i++) {
		if (a[i].kind == IPC_ALLOW_NET4 && v4 != NULL &&
		    prefix(a[i].net, v4, a[i].bits))
			return 1;
		if (a[i].kind == IPC_ALLOW_NET6 && v6 != NULL &&
		    prefix(a[i].net, v6, a[i].bits))
			return 1;
	}
	return 0;
}

/*
 * A Unix peer, by its credentials when it connected: its uid, or its
 * gid or one of its supplementary groups (SO_PEERGROUPS, Linux 4.13).
 */
int
ipc_allow_cred(const struct ipc_allow *a, int n, int fd)
{
	struct ucred cred;
	gid_t groups[MAXGROUPS];
	socklen_t len = sizeof(cred), glen = sizeof(groups);
	int i, ng = 0, k;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return 0;
#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		ng = glen / sizeof(gid_t);
#endif
	for (i = 0; i < n; i++) {
		if (a[i].kind == IPC_ALLOW_UID && cred.uid == a[i].id)
			return 1;
		if (a[i].kind != IPC_ALLOW_GID)
			continue;
		if (cred.gid == a[i].id)
			return 1;
		for (k = 0; k < ng; k++)
			if (groups[k] == a[i].id)
				return 1;
	}
	return 0;
}

/*
 * Does each of the n fit a socket of family and type: addresses for IP,
 * users and groups for Unix stream sockets.  NULL, or why not.
 */
const char *
ipc_allow_fits(const struct ipc_allow *a, int n, int family, int type,
    char *buf, size_t len)
{
	int i, ip;

	for (i = 0; i < n; i++) {
		ip = a[i].kind == IPC_ALLOW_NET4 || a[i].kind == IPC_ALLOW_NET6;
		if (ip && family == AF_UNIX) {
			snprintf(buf, len, "--allow %s is for IP; a Unix "
			    "socket takes uid:, gid:, user:, group:", a[i].text);
			return buf;
		}
		if (!ip && (family != AF_UNIX || type != SOCK_STREAM)) {
			snprintf(buf, len, "--allow %s is for Unix stream "
			    "sockets", a[i].text);
			return buf;
		}
	}
	return NULL;
}
