/* addr.c: socket addresses as the sock tools take them, and sockets on them. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

static int	sockfile_live(const char *);

/* A port: 0 to 65535, digits only. */
static int
parse_port(const char *s, struct ipc_addr *a, const char **errstr)
{
	long n = 0;
	const char *p;

	if (*s == '\0') {
		*errstr = "no port";
		return -1;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			*errstr = "port is invalid";
			return -1;
		}
		if ((n = n * 10 + (*p - '0')) > 65535) {
			*errstr = "port is too large";
			return -1;
		}
	}
	a->port = (unsigned short)n;
	return 0;
}

/* unix:PATH or unix:@NAME, the Linux abstract namespace. */
static int
parse_unix(const char *s, struct ipc_addr *a, const char **errstr)
{
	size_t len = strlen(s);

	a->family = AF_UNIX;
	memset(&a->sun, 0, sizeof(a->sun));
	a->sun.sun_family = AF_UNIX;
	if (len == 0 || (s[0] == '@' && len == 1)) {
		*errstr = "path is empty";
		return -1;
	}
	/* A path needs its NUL inside sun_path; an abstract name does not. */
	if (len > sizeof(a->sun.sun_path) ||
	    (s[0] != '@' && len == sizeof(a->sun.sun_path))) {
		*errstr = s[0] == '@' ? "name is too long" : "path is too long";
		return -1;
	}
	memcpy(a->sun.sun_path, s, len);
	if (s[0] == '@') {
		a->abstract = 1;
		a->sun.sun_path[0] = '\0';
		a->sunlen = offsetof(struct sockaddr_un, sun_path) + len;
	} else
		a->sunlen = offsetof(struct sockaddr_un, sun_path) + len + 1;
	return 0;
}

/* HOST:PORT, [V6]:PORT, :PORT (every interface) or PORT (loopback). */
static int
parse_inet(const char *s, struct ipc_addr *a, const char **errstr)
{
	const char *colon, *end;
	size_t hlen;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL) {
			*errstr = "no closing bracket";
			return -1;
		}
		if (end[1] != ':') {
			*errstr = "no port";
			return -1;
		}
		hlen = end - s - 1;
		colon = end + 1;
		if (hlen == 0) {
			*errstr = "host is empty";
			return -1;
		}
		if (memchr(s + 1, ':', hlen) == NULL) {
			*errstr = "brackets are for IPv6 addresses";
			return -1;
		}
		s++;
	} else if ((colon = strchr(s, ':')) == NULL) {
		/* A bare PORT: loopback only. */
		if (s[strspn(s, "0123456789")] != '\0') {
			*errstr = "no port";
			return -1;
		}
		a->loopback = 1;
		return parse_port(s, a, errstr);
	} else {
		if (strchr(colon + 1, ':') != NULL) {
			*errstr = "IPv6 addresses go in brackets";
			return -1;
		}
		hlen = colon - s;
	}
	if (hlen >= sizeof(a->host)) {
		*errstr = "host is too long";
		return -1;
	}
	memcpy(a->host, s, hlen);
	a->host[hlen] = '\0';
	if (hlen == 0)
		a->any = 1;
	return parse_port(colon + 1, a, errstr);
}

/* fd:N, a socket that a service manager or a script hands over. */
static int
parse_fd(const char *s, struct ipc_addr *a, const char **errstr)
{
	long n = 0;

	if (*s == '\0' || s[strspn(s, "0123456789")] != '\0') {
		*errstr = "descriptor is invalid";
		return -1;
	}
	for (; *s != '\0'; s++)
		if ((n = n * 10 + (*s - '0')) > INT_MAX) {
			*errstr = "descriptor is too large";
			return -1;
		}
	a->fd = (int)n;
	return 0;
}

static int
parse(const char *s, struct ipc_addr *a, const char **errstr)
{
	const char *colon;

	if (*s == '\0') {
		*errstr = "address is empty";
		return -1;
	}
	if (strncmp(s, "fd:", 3) == 0)
		return parse_fd(s + 3, a, errstr);
	if (strcmp(s, "systemd") == 0) {
		a->systemd = 1;
		return 0;
	}
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix(s + 5, a, errstr);
	if (strncmp(s, "unixgram:", 9) == 0) {
		a->type = SOCK_DGRAM;
		return parse_unix(s + 9, a, errstr);
	}
	if (strncmp(s, "udp:", 4) == 0) {
		a->type = SOCK_DGRAM;
		return parse_inet(s + 4, a, errstr);
	}
	if (strncmp(s, "tcp:", 4) == 0)
		return parse_inet(s + 4, a, errstr);
	/* SCHEME:HOST:PORT with a scheme we do not know. */
	if ((colon = strchr(s, ':')) != NULL && colon != s && s[0] != '[' &&
	    strchr(colon + 1, ':') != NULL && colon[1] != '[') {
		*errstr = "unknown scheme";
		return -1;
	}
	return parse_inet(s, a, errstr);
}

int
ipc_addr_parse(const char *s, struct ipc_addr *a, const char **errstr)
{
	memset(a, 0, sizeof(*a));
	a->text = s;
	a->family = AF_UNSPEC;
	a->type = SOCK_STREAM;
	a->fd = -1;
	if (strncmp(s, "tls:", 4) != 0)
		return parse(s, a, errstr);
	a->tls = 1;
	if (parse(s + 4, a, errstr) == -1)
		return -1;
	if (a->type != SOCK_STREAM || a->family == AF_UNIX) {
		*errstr = "tls: is for TCP";
		return -1;
	}
	return 0;
}

/* A Unix socket handed over: its path or name, as we keep them. */
static int
sockname(struct ipc_addr *a, const char **errstr)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	socklen_t len = sizeof(a->sun);

	if (getsockname(a->fd, (struct sockaddr *)&a->sun, &len) == -1) {
		*errstr = strerror(errno);
		return -1;
	}
	a->sunlen = len;
	a->abstract = len > off && a->sun.sun_path[0] == '\0';
	/* An unnamed one, or a path with its NUL: as we keep it. */
	if (!a->abstract && len > off && a->sun.sun_path[len - 1 - off] != '\0')
		a->sunlen++;
	return 0;
}

/*
 * fd:N or systemd: the socket handed over, checked to be one that
 * listens (stream) or is bound (datagram), its family and type in *a,
 * and a Unix one's address.
 * systemd's LISTEN_ variables are for us only, not for our commands.
 */
int
ipc_addr_inherit(struct ipc_addr *a, const char **errstr)
{
	const char *pid, *fds;
	struct stat st;
	socklen_t len = sizeof(int);
	int v, fam;

	if (a->systemd) {
		pid = getenv("LISTEN_PID");
		fds = getenv("LISTEN_FDS");
		if (pid == NULL || fds == NULL) {
			*errstr = "no LISTEN_PID and LISTEN_FDS: not started "
			    "by socket activation";
			return -1;
		}
		if (strtol(pid, NULL, 10) != getpid()) {
			*errstr = "LISTEN_PID is not ours";
			return -1;
		}
		if (strtol(fds, NULL, 10) < 1) {
			*errstr = "LISTEN_FDS passes no socket";
			return -1;
		}
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		a->fd = 3;	/* SD_LISTEN_FDS_START */
	}
	if (fstat(a->fd, &st) == -1) {
		*errstr = strerror(errno);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		*errstr = "not a socket";
		return -1;
	}
	if (getsockopt(a->fd, SOL_SOCKET, SO_TYPE, &a->type, &len) == -1 ||
	    getsockopt(a->fd, SOL_SOCKET, SO_DOMAIN, &fam, &len) == -1) {
		*errstr = strerror(errno);
		return -1;
	}
	if (a->type != SOCK_STREAM && a->type != SOCK_DGRAM) {
		*errstr = "neither a stream nor a datagram socket";
		return -1;
	}
	if (a->type == SOCK_STREAM &&
	    (getsockopt(a->fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1 ||
	    v == 0)) {
		*errstr = "a stream socket that does not listen";
		return -1;
	}
	if (fam != AF_UNIX && fam != AF_INET && fam != AF_INET6) {
		*errstr = "not a Unix, IPv4 or IPv6 socket";
		return -1;
	}
	if (a->tls && (fam == AF_UNIX || a->type != SOCK_STREAM)) {
		*errstr = "tls: is for TCP";
		return -1;
	}
	a->family = fam == AF_UNIX ? AF_UNIX : AF_UNSPEC;
	a->abstract = 0;
	(void)fcntl(a->fd, F_SETFD, FD_CLOEXEC);
	if (a->family == AF_UNIX && sockname(a, errstr) == -1)
		return -1;
	return 0;
}

void
ipc_xaddr(const char *s, struct ipc_addr *a)
{
	const char *errstr;

	if (ipc_addr_parse(s, a, &errstr) == -1)
		errx(ipc_errexit, "%s: %s", ipc_shown(s), errstr);
}

/* A numeric host, without the resolver. */
static int
numeric(const char *host, unsigned short port, struct ipc_sockaddr *sa)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&sa->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa->ss;

	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sa->len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sa->len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* getaddrinfo(3)'s addresses, IPC_MAXSA at most: 0, or its error. */
static int
lookup(const char *host, const char *port, int type, int flags,
    struct ipc_sockaddr *sa, int *nsa)
{
	struct addrinfo hints, *res, *ai;
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = type;
	hints.ai_flags = flags;
	*nsa = 0;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0)
		return e;
	for (ai = res; ai != NULL && *nsa < IPC_MAXSA; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(sa[0].ss))
			continue;
		memcpy(&sa[*nsa].ss, ai->ai_addr, ai->ai_addrlen);
		sa[(*nsa)++].len = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	return 0;
}

/*
 * The addresses to bind or connect to, in a->sa[].  No host is every
 * interface to a listener (IPv6 and IPv4 on one socket, where there is
 * IPv6); a bare port, or no host to a sender, is the IPv4 loopback.
 * Numeric hosts and "localhost" need no resolver; other names go through
 * getaddrinfo(3).  -1 and *errstr if none.
 */
int
ipc_addr_resolve(struct ipc_addr *a, int passive, const char **errstr)
{
	char port[8];
	int e;

	a->nsa = 0;
	if (a->family == AF_UNIX)
		return 0;
	if (a->loopback || (a->any && !passive) ||
	    strcmp(a->host, "localhost") == 0) {
		numeric("127.0.0.1", a->port, &a->sa[a->nsa++]);
		return 0;
	}
	if (a->any) {
		numeric("::", a->port, &a->sa[a->nsa++]);
		numeric("0.0.0.0", a->port, &a->sa[a->nsa++]);
		return 0;
	}
	if (numeric(a->host, a->port, &a->sa[0]) == 0) {
		a->nsa = 1;
		return 0;
	}
	snprintf(port, sizeof(port), "%u", a->port);
	if ((e = lookup(a->host, port, a->type, AI_NUMERICSERV | AI_ADDRCONFIG,
	    a->sa, &a->nsa)) != 0) {
		*errstr = e == EAI_SYSTEM ? strerror(errno) : gai_strerror(e);
		return -1;
	}
	if (a->nsa == 0) {
		*errstr = "no address";
		return -1;
	}
	return 0;
}

/* "127.0.0.1" and 8080 of a peer; an IPv4-mapped IPv6 peer as IPv4. */
int
ipc_addr_peer(const struct sockaddr_storage *ss, char *host, size_t hostsize,
    unsigned int *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	struct in_addr v4;

	if (ss->ss_family == AF_INET) {
		*port = ntohs(sin->sin_port);
		return inet_ntop(AF_INET, &sin->sin_addr, host, hostsize) ==
		    NULL ? -1 : 0;
	}
	if (ss->ss_family == AF_INET6) {
		*port = ntohs(sin6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(&v4, &sin6->sin6_addr.s6_addr[12], sizeof(v4));
			return inet_ntop(AF_INET, &v4, host, hostsize) ==
			    NULL ? -1 : 0;
		}
		return inet_ntop(AF_INET6, &sin6->sin6_addr, host, hostsize) ==
		    NULL ? -1 : 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

/*
 * A socket of type on the first of the addresses that op takes (op: 0,
 * or -1 with errno): the descriptor, or -1 with the errno of the first
 * failure, which a later one replaces only where it was EAFNOSUPPORT (a
 * family this machine lacks).  EINTR ends the search, and is the errno:
 * a signal asks the tool to end.
 */
static int
first_socket(const struct ipc_sockaddr *sa, int nsa, int type,
    int (*op)(int, const struct sockaddr *, socklen_t, void *), void *arg)
{
	int i, fd, e = 0, last;

	for (i = 0; i < nsa; i++) {
		if ((fd = socket(sa[i].ss.ss_family, type | SOCK_CLOEXEC,
		    0)) != -1) {
			if (op(fd, (const struct sockaddr *)&sa[i].ss,
			    sa[i].len, arg) == 0)
				return fd;
			last = errno;
			close(fd);
		} else
			last = errno;
		if (e == 0 || e == EAFNOSUPPORT || last == EINTR)
			e = last;
		if (last == EINTR)
			break;
	}
	errno = e != 0 ? e : EADDRNOTAVAIL;
	return -1;
}

/* A socket on a's path, or on one of its addresses (ipc_addr_resolve). */
int
ipc_addr_socket(const struct ipc_addr *a, int (*op)(int,
    const struct sockaddr *, socklen_t, void *), void *arg)
{
	struct ipc_sockaddr un;

	if (a->family != AF_UNIX)
		return first_socket(a->sa, a->nsa, a->type, op, arg);
	memset(&un, 0, sizeof(un));
	memcpy(&un.ss, &a->sun, sizeof(a->sun));
	un.len = a->sunlen;
	return first_socket(&un, 1, a->type, op, arg);
}

static int
connect1(int fd, const struct sockaddr *sa, socklen_t len, void *unused)
{
	(void)unused;
	return connect(fd, sa, len);
}

/*
 * Connected to host and port (a number), resolved as getaddrinfo(3)
 * alone does: the descriptor, or -1 with errno, and *gaierr the
 * resolver's error (EAI_SYSTEM: errno's) when the name did not resolve.
 */
int
ipc_connect_any(const char *host, const char *port, int type, int *gaierr)
{
	struct ipc_sockaddr sa[IPC_MAXSA];
	int nsa;

	if ((*gaierr = lookup(host, port, type, AI_NUMERICSERV, sa, &nsa)) !=
	    0)
		return -1;
	return first_socket(sa, nsa, type, connect1, NULL);
}

/* The peer on fd (a Unix socket of family AF_UNIX) or at ss. */
void
ipc_peer_get(int fd, const struct sockaddr_storage *ss, int family,
    struct ipc_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(p, 0, sizeof(*p));
	if (family == AF_UNIX) {
		if (fd != -1 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &len) == 0) {
			p->cred = 1;
			p->pid = cred.pid;
			p->uid = cred.uid;
			p->gid = cred.gid;
		}
	} else if (ipc_addr_peer(ss, p->host, sizeof(p->host), &p->port) == -1)
		p->host[0] = '\0';
}

/* "127.0.0.1:8080", "[::1]:8080", "uid 1000 gid 1000 pid 42"; NULL: none. */
const char *
ipc_peer_name(const struct ipc_peer *p, char *buf, size_t len)
{
	if (p->cred)
		snprintf(buf, len, "uid %u gid %u pid %ld", p->uid, p->gid,
		    p->pid);
	else if (p->host[0] != '\0')
		snprintf(buf, len, strchr(p->host, ':') != NULL ? "[%s]:%u" :
		    "%s:%u", p->host, p->port);
	else
		return NULL;
	return buf;
}

/* What --port-file says: "8080\n" for IP, the path or @name for Unix. */
int
ipc_addr_bound(const struct ipc_addr *a, int fd, char *buf, size_t len)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	/*
	 * Zeroed only for clang's analyzer, which does not know that
	 * getsockname(2) fills it ("garbage value" in ipc_addr_peer).
	 */
	struct sockaddr_storage ss = { 0 };
	socklen_t sslen = sizeof(ss);
	char host[64];
	unsigned int port;

	/* An abstract name of the full 107 bytes has no NUL after it. */
	if (a->family == AF_UNIX)
		return snprintf(buf, len, "%s%.*s\n", a->abstract ? "@" : "",
		    (int)(a->sunlen - off - 1), a->sun.sun_path + a->abstract);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    ipc_addr_peer(&ss, host, sizeof(host), &port) == -1)
		return -1;
	return snprintf(buf, len, "%u\n", port);
}

/*
 * A Unix socket's file.  One that is there already is never removed
 * unless it is a stale socket of the caller's and unlink says so: another
 * listener's is in use, and which of another user's sockets are left
 * over only that user knows.  NULL (the path is free, or was made free),
 * or why the path is taken.
 */
const char *
ipc_sockfile_taken(const char *path, int unlink_stale)
{
	static char why[64];
	struct stat st;
	int live;

	if (lstat(path, &st) == -1)
		return NULL;
	if (!S_ISSOCK(st.st_mode))
		return unlink_stale ?
		    "exists and is not a socket: not removed" :
		    "exists and is not a socket";
	if (st.st_uid != geteuid()) {
		if (!unlink_stale)
			return strerror(EADDRINUSE);
		snprintf(why, sizeof(why), "a socket of uid %u: not removed",
		    (unsigned int)st.st_uid);
		return why;
	}
	if ((live = sockfile_live(path)) == 1)
		return unlink_stale ? "in use by a listener: not removed" :
		    strerror(EADDRINUSE);
	if (live == -1)
		return strerror(EADDRINUSE);
	if (!unlink_stale)
		return "a stale socket: remove it, or --unlink";
	if (unlink(path) == -1 && errno != ENOENT)
		return strerror(errno);
	return NULL;
}

/*
 * Does a socket accept on path?  1 yes, 0 no (a file that a listener
 * left), -1 cannot tell.  A datagram socket's connect(2) finds out
 * without a trace: to a datagram socket it only sets the peer, to a
 * stream or seqpacket one it fails with EPROTOTYPE, and where nothing
 * is bound it fails with ECONNREFUSED.  A stream connect would be a
 * connection, the one a one-shot listener takes.
 */
static int
sockfile_live(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, rv, e;

	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rv = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	close(fd);
	if (rv == 0 || e == EPROTOTYPE)
		return 1;
	return e == ECONNREFUSED ? 0 : -1;
}

/* The file that a bind made at path, to know it for ours at the end. */
void
ipc_sockfile_keep(struct ipc_sockfile *f, const char *path)
{
	struct stat st;

	strlcpy(f->path, path, sizeof(f->path));
	if (stat(path, &st) == 0) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
	}
}

/* Remove our socket file, if it is still ours. */
void
ipc_sockfile_remove(const struct ipc_sockfile *f)
{
	struct stat st;

	if (f->path[0] != '\0' && lstat(f->path, &st) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_dev == f->dev && st.st_ino == f->ino)
		unlink(f->path);
}
