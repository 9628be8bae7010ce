/* sock-listen: accept connections or datagrams on a socket, for the shell. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "sock.h"
#include "exec.h"

#define DGRAMCAP	(256 * 1024)	/* the largest datagram taken */
#define LINGER_MS	2000		/* to drain a connection at its end */

enum { OPT_EXEC = CHAR_MAX + 1, OPT_PORTFILE, OPT_ALLOW };

static const char optstring[] = "+0ac:hj:km:t:V";
static const struct option longopts[] = {
	{ "null",		no_argument,		NULL, '0' },
	{ "all",		no_argument,		NULL, 'a' },
	{ "count",		required_argument,	NULL, 'c' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "jobs",		required_argument,	NULL, 'j' },
	{ "keep-open",		no_argument,		NULL, 'k' },
	{ "mode",		required_argument,	NULL, 'm' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "exec",		required_argument,	NULL, OPT_EXEC },
	{ "port-file",		required_argument,	NULL, OPT_PORTFILE },
	{ "allow",		required_argument,	NULL, OPT_ALLOW },
	{ "tls-ca",		required_argument,	NULL, IPC_OPT_TLSCA },
	{ "tls-cert",		required_argument,	NULL, IPC_OPT_TLSCERT },
	{ "tls-key",		required_argument,	NULL, IPC_OPT_TLSKEY },
	{ NULL,			0,			NULL, 0 }
};

static struct ipc_addr	 addr;
static enum ipc_framing	 framing = IPC_LINE;
static const char	*command;	/* --exec */
static struct ipc_command cmd;
static long long	 count = 1;	/* 0: for ever (-k) */
static long long	 jobs = 1, running;
static int		 timeout = -1;	/* ms */
static int		 status;	/* of the last command that failed */
static int		 ls = -1;
static char		 sockpath[sizeof(addr.sun.sun_path)];
static dev_t		 sockdev;
static ino_t		 sockino;
static int		 keeper;	/* a connection's child: no exit work */
static struct ipc_allow	*allow;		/* --allow, nallow of them */
static int		 nallow;
static struct ipc_tls_opts topts;
static struct tls	*srv;		/* tls: the server's context */

static void		 listen_on(mode_t);
static void		 refuse_existing(void);
static void		 remove_socket(void);
static void		 write_port(const char *);
static void		 serve(void);
static void		 take(int, const struct sockaddr_storage *);
static int		 allowed(int, const struct sockaddr_storage *);
static void		 add_allow(const char *);
static void		 inherit(void);
static void		 check_allow(void);
static void		 notify(const char *);
static const char	*peer_name(int, const struct sockaddr_storage *);
static void		 tls_env(struct tls *);
static void		 relay_command(int, const struct sockaddr_storage *,
			    struct tls *, int [2]);
static void		 stopping(void);
static void		 spawn(int, const struct sockaddr_storage *);
static void		 reap(int);
static void		 receive(void);
static _Noreturn void	 die(void);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct timespec ts;
	const char *portfile = NULL;
	mode_t mode = 0600;
	int ch, cflag = 0, jflag = 0, kflag = 0, mflag = 0;

	/* With --exec every failure of ours is 125, in any option order. */
	if (ipc_has_option(argc, argv, optstring, longopts, OPT_EXEC))
		ipc_errexit = IPC_CMD_FAILED;
	while ((ch = getopt_long(argc, argv, optstring, longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case '0':
		case 'a':
			ipc_xframing(&framing, ch);
			break;
		case 'c':
			count = ipc_xnum(optarg, 1, LLONG_MAX, "count");
			cflag = 1;
			break;
		case 'h':
			usage(IPC_OK);
		case 'j':
			jobs = ipc_xnum(optarg, 1, 100000, "jobs");
			jflag = 1;
			break;
		case 'k':
			kflag = 1;
			break;
		case 'm':
			mode = ipc_xmode(optarg);
			if (mode & ~0777)
				errx(ipc_errexit, "mode is too large for a socket: %s",
				    optarg);
			mflag = 1;
			break;
		case 't':
			ipc_xduration(optarg, &ts, "timeout");
			timeout = ipc_xtimeout_ms(&ts, optarg);
			break;
		case 'V':
			ipc_version();
		case OPT_EXEC:
			command = optarg;
			ipc_errexit = IPC_CMD_FAILED;
			break;
		case OPT_PORTFILE:
			portfile = optarg;
			break;
		case OPT_ALLOW:
			add_allow(optarg);
			break;
		case IPC_OPT_TLSCA:
		case IPC_OPT_TLSCERT:
		case IPC_OPT_TLSKEY:
			ipc_xtls_option(&topts, ch, optarg);
			break;
		default:
			usage(ipc_errexit);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(ipc_errexit);
	if (cflag && kflag)
		errx(ipc_errexit, "cannot use -c and -k");
	if (jflag && command == NULL)
		errx(IPC_ERROR, "-j needs --exec");
	if (kflag)
		count = 0;
	ipc_xaddr(argv[0], &addr);
	inherit();
	ipc_xtls_check(&addr, &topts, 1);
	check_allow();
	if (mflag && addr.family != AF_UNIX)
		errx(ipc_errexit, "%s: -m is for Unix sockets", addr.text);
	if (addr.type == SOCK_STREAM && framing != IPC_LINE)
		errx(ipc_errexit, "%s: -0 and -a are for datagram sockets",
		    addr.text);
	if (addr.type == SOCK_DGRAM && command != NULL)
		errx(ipc_errexit, "%s: --exec needs a stream socket",
		    addr.text);
	if (command != NULL && ipc_command(&cmd, command) == -1)
		err(ipc_errexit, NULL);

	if (addr.tls)
		srv = ipc_xtls(&topts, 1, addr.text);

	ipc_catch_signals();
	if (addr.fd != -1)
		ls = addr.fd;
	else
		listen_on(mode);
	if (portfile != NULL)
		write_port(portfile);
	notify("READY=1");
	if (addr.type == SOCK_DGRAM)
		receive();
	else
		serve();
	exit(status);
}

static void
add_allow(const char *spec)
{
	const char *errstr;

	if ((allow = reallocarray(allow, nallow + 1, sizeof(*allow))) == NULL)
		err(ipc_errexit, NULL);
	if (ipc_allow_parse(spec, &allow[nallow], &errstr) == -1)
		errx(ipc_errexit, "allow %s: %s", spec, errstr);
	nallow++;
}

/* --allow: addresses for IP, users and groups for Unix stream sockets. */
static void
check_allow(void)
{
	int i, ip;

	for (i = 0; i < nallow; i++) {
		ip = allow[i].kind == IPC_ALLOW_NET4 ||
		    allow[i].kind == IPC_ALLOW_NET6;
		if (ip && addr.family == AF_UNIX)
			errx(ipc_errexit, "%s: --allow %s is for IP; a Unix "
			    "socket takes uid:, gid:, user:, group:",
			    addr.text, allow[i].text);
		if (!ip && (addr.family != AF_UNIX ||
		    addr.type != SOCK_STREAM))
			errx(ipc_errexit, "%s: --allow %s is for Unix stream "
			    "sockets", addr.text, allow[i].text);
	}
}

/* fd:N, systemd: the socket handed over, and what it is. */
static void
inherit(void)
{
	const char *errstr;
	socklen_t len = sizeof(addr.sun);

	if (addr.fd == -1 && !addr.systemd)
		return;
	if (ipc_addr_inherit(&addr, &errstr) == -1)
		errx(ipc_errexit, "%s: %s", addr.text, errstr);
	if (addr.family == AF_UNIX) {
		if (getsockname(addr.fd, (struct sockaddr *)&addr.sun,
		    &len) == -1)
			err(ipc_errexit, "%s", addr.text);
		addr.sunlen = len;
		addr.abstract = len > offsetof(struct sockaddr_un, sun_path) &&
		    addr.sun.sun_path[0] == '\0';
		/* An unnamed one, or a path with its NUL: as we keep it. */
		if (!addr.abstract && len > offsetof(struct sockaddr_un,
		    sun_path) && addr.sun.sun_path[len - 1 -
		    offsetof(struct sockaddr_un, sun_path)] != '\0')
			addr.sunlen++;
	}
}

/*
 * The sd_notify(3) protocol, without libsystemd: one datagram to the Unix
 * socket NOTIFY_SOCKET names, abstract when it starts with @.  The
 * variable is ours, not our commands'.
 */
static void
notify(const char *state)
{
	static char path[sizeof(addr.sun.sun_path) + 1];
	struct sockaddr_un sun;
	size_t len;
	const char *e;
	int fd;

	if (state[0] == 'R' && (e = getenv("NOTIFY_SOCKET")) != NULL) {
		strlcpy(path, e, sizeof(path));
		unsetenv("NOTIFY_SOCKET");
		atexit(stopping);
	}
	if (keeper || path[0] == '\0' ||
	    (len = strlen(path)) > sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) +
	    len + (path[0] != '@')) == -1)
		warn("NOTIFY_SOCKET %s", path);
	close(fd);
}

static void
stopping(void)
{
	notify("STOPPING=1");
}

/* Bind and listen; a Unix socket file gets the mode, and goes at exit. */
static void
listen_on(mode_t mode)
{
	const char *errstr;
	struct stat st;
	mode_t omask;
	int i, e = 0, on = 1, off = 0;

	if (addr.family == AF_UNIX) {
		if ((ls = socket(AF_UNIX, addr.type | SOCK_CLOEXEC, 0)) == -1)
			err(ipc_errexit, "%s", addr.text);
		if (!addr.abstract)
			refuse_existing();
		omask = umask(~mode & 0777);
		i = bind(ls, (struct sockaddr *)&addr.sun, addr.sunlen);
		umask(omask);
		if (i == -1)
			err(ipc_errexit, "%s", addr.text);
		if (!addr.abstract) {
			strlcpy(sockpath, addr.sun.sun_path, sizeof(sockpath));
			if (stat(sockpath, &st) == 0) {
				sockdev = st.st_dev;
				sockino = st.st_ino;
			}
			atexit(remove_socket);
		}
	} else {
		if (ipc_addr_resolve(&addr, 1, &errstr) == -1)
			errx(ipc_errexit, "%s: %s", addr.text, errstr);
		for (i = 0; i < addr.nsa; i++) {
			ls = socket(addr.sa[i].ss.ss_family,
			    addr.type | SOCK_CLOEXEC, 0);
			if (ls == -1) {
				e = errno;
				continue;
			}
			setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &on,
			    sizeof(on));
			if (addr.sa[i].ss.ss_family == AF_INET6 && addr.any)
				setsockopt(ls, IPPROTO_IPV6, IPV6_V6ONLY, &off,
				    sizeof(off));
			if (bind(ls, (struct sockaddr *)&addr.sa[i].ss,
			    addr.sa[i].len) == 0)
				break;
			e = errno;
			close(ls);
			ls = -1;
		}
		if (ls == -1)
			errc(ipc_errexit, e, "%s", addr.text);
	}
	if (addr.type == SOCK_STREAM && listen(ls, SOMAXCONN) == -1)
		err(ipc_errexit, "%s", addr.text);
}

/*
 * A file at the path is never removed: a socket file may be another
 * listener's, or one that a listener left; which, only its owner knows.
 */
static void
refuse_existing(void)
{
	struct stat st;

	if (lstat(addr.sun.sun_path, &st) == -1)
		return;
	if (!S_ISSOCK(st.st_mode))
		errx(ipc_errexit, "%s: exists and is not a socket", addr.text);
	errc(ipc_errexit, EADDRINUSE, "%s", addr.text);
}

/* At exit: our socket file, if it is still ours. */
static void
remove_socket(void)
{
	struct stat st;

	if (!keeper && sockpath[0] != '\0' && lstat(sockpath, &st) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_dev == sockdev &&
	    st.st_ino == sockino)
		unlink(sockpath);
}

/* End as the signal would have ended us, the socket file removed. */
static _Noreturn void
die(void)
{
	remove_socket();
	stopping();
	ipc_die_signalled();
}

/* "8080\n", or the path: a FIFO makes `read port < fifo` a readiness wait. */
static void
write_port(const char *file)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[sizeof(addr.sun.sun_path) + 8], host[64];
	unsigned int port;
	int fd, n;

	/* An abstract name of the full 107 bytes has no NUL after it. */
	if (addr.family == AF_UNIX)
		n = snprintf(buf, sizeof(buf), "%s%.*s\n",
		    addr.abstract ? "@" : "",
		    (int)(addr.sunlen - offsetof(struct sockaddr_un, sun_path) -
		    1), addr.sun.sun_path + addr.abstract);
	else {
		if (getsockname(ls, (struct sockaddr *)&ss, &len) == -1 ||
		    ipc_addr_peer(&ss, host, sizeof(host), &port) == -1)
			err(ipc_errexit, "%s", addr.text);
		n = snprintf(buf, sizeof(buf), "%u\n", port);
	}
	/*
	 * Never through a symlink that another user may have put there, and
	 * readable by others at most, whatever the umask.
	 */
	while ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		if (errno == EINTR && ipc_signalled)
			die();
		if (errno != EINTR)
			err(ipc_errexit, "%s", file);
	}
	if (ipc_write_all(fd, buf, n) != (size_t)n || close(fd) == -1)
		err(ipc_errexit, "%s", file);
}

/* Wait for input on fd: 0, or the timeout passed. */
static int
ready(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int n;

	if (timeout < 0)
		return 1;
	if ((n = ipc_poll_until(&pfd, 1, timeout, NULL)) > 0)
		return 1;
	if (n == 0)
		return 0;
	if (errno == EINTR)
		die();
	err(ipc_errexit, "%s", addr.text);
}

/* Accept connections: each copied out, or given to the command. */
static void
serve(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	long long got = 0;
	int fd;

	while (count == 0 || got < count) {
		if (command != NULL) {
			reap(0);
			while (running >= jobs)
				reap(1);
		}
		if (!ready(ls)) {
			reap(-1);
			if (count == 0 && got > 0)
				exit(status);
			if (got > 0)
				warnx("%s: %lld of %lld connections came in "
				    "time", addr.text, got, count);
			exit(IPC_NOTNOW);
		}
		len = sizeof(ss);
		if ((fd = accept4(ls, (struct sockaddr *)&ss, &len,
		    SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR && ipc_signalled)
				die();
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			err(ipc_errexit, "%s", addr.text);
		}
		if (nallow > 0 && !allowed(fd, &ss)) {
			close(fd);
			continue;
		}
		got++;
		if (command != NULL) {
			spawn(fd, &ss);
			running++;
		} else
			take(fd, &ss);
		close(fd);
	}
	reap(-1);
}

/* "127.0.0.1:8080", "[::1]:8080", or "uid 1000 gid 1000 pid 42". */
static const char *
peer_name(int fd, const struct sockaddr_storage *ss)
{
	static char buf[128];
	char host[64];
	struct ucred cred;
	socklen_t len = sizeof(cred);
	unsigned int port;

	if (addr.family == AF_UNIX) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
			snprintf(buf, sizeof(buf), "uid %u gid %u pid %ld",
			    (unsigned int)cred.uid, (unsigned int)cred.gid,
			    (long)cred.pid);
		else
			snprintf(buf, sizeof(buf), "%s: a peer", addr.text);
	} else if (ipc_addr_peer(ss, host, sizeof(host), &port) == 0)
		snprintf(buf, sizeof(buf), strchr(host, ':') != NULL ?
		    "[%s]:%u" : "%s:%u", host, port);
	else
		snprintf(buf, sizeof(buf), "%s: a peer", addr.text);
	return buf;
}

/*
 * --allow: a peer that matches none is closed at once, and said so on
 * standard error, always: whoever set a list wants to hear of those who
 * tried (a datagram's sender included, once per datagram).
 */
static int
allowed(int fd, const struct sockaddr_storage *ss)
{
	if (addr.family == AF_UNIX ? ipc_allow_cred(allow, nallow, fd) :
	    ipc_allow_addr(allow, nallow, ss))
		return 1;
	warnx("%s: not allowed", peer_name(fd, ss));
	return 0;
}

/*
 * The TLS handshake with a peer: 0, or -1 after saying why, naming the
 * peer (ipc_errexit, when it ends a server that serves one).
 */
static int
tls_accept(int fd, const struct sockaddr_storage *ss, struct tls **cctx)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	const char *why;
	unsigned char b;
	ssize_t n;

	/* A TLS client speaks first, a handshake record: 22. */
	if ((n = ipc_poll_until(&pfd, 1, timeout, NULL)) <= 0) {
		if (n == -1 && errno == EINTR)
			die();
		why = strerror(errno);
		goto fail;
	}
	if ((n = recv(fd, &b, 1, MSG_PEEK)) <= 0 || b != 22) {
		why = n == -1 ? strerror(errno) : n == 0 ?
		    "closed before the TLS handshake" :
		    "not TLS: a plaintext peer on a TLS port";
		goto fail;
	}
	if (ipc_tls_accept(srv, cctx, fd) == -1) {
		why = tls_error(srv);
		goto fail;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    ipc_tls_handshake(*cctx, fd, timeout) == -1) {
		if (errno == EINTR)
			die();
		why = errno == 0 ? tls_error(*cctx) : strerror(errno);
		goto fail;
	}
	return 0;
fail:
	if (count != 0 || keeper)
		errx(ipc_errexit, "%s: %s", peer_name(fd, ss), why);
	warnx("%s: %s", peer_name(fd, ss), why);
	return -1;
}

/* A TLS connection's data to standard output, then close_notify. */
static void
take_tls(int fd, const struct sockaddr_storage *ss)
{
	struct ipc_relay r;
	struct tls *cctx = NULL;

	if (tls_accept(fd, ss, &cctx) == -1) {
		ipc_tls_free(cctx);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.tls = cctx;
	r.sock = fd;
	r.in = -1;
	r.out = STDOUT_FILENO;
	r.timeout = timeout;
	r.linger = LINGER_MS;
	if (ipc_tls_relay(&r) == -1) {
		if (errno == EINTR)
			die();
		if (r.failed == STDOUT_FILENO)
			err(IPC_ERROR, "stdout");
		if (errno == ETIMEDOUT)
			errx(IPC_NOTNOW, "%s: nothing came in time",
			    peer_name(fd, ss));
		if (count != 0)
			errx(IPC_ERROR, "%s: %s", peer_name(fd, ss),
			    r.tlserr != NULL ? r.tlserr : strerror(errno));
		warnx("%s: %s", peer_name(fd, ss),
		    r.tlserr != NULL ? r.tlserr : strerror(errno));
	}
	ipc_tls_free(cctx);
}

/* Copy what a connection sends to standard output. */
static void
take(int fd, const struct sockaddr_storage *ss)
{
	struct ipc_copy c;

	if (srv != NULL) {
		take_tls(fd, ss);
		return;
	}
	ipc_copy_init(&c, fd, STDOUT_FILENO, timeout);
	if (ipc_copy(&c) == -1) {
		if (errno == EINTR)
			die();
		if (c.failed == STDOUT_FILENO)
			err(IPC_ERROR, "stdout");
		if (errno == ETIMEDOUT)
			errx(IPC_NOTNOW, "%s: nothing came in time", addr.text);
		/* One client's trouble ends a server only if it serves one. */
		if (count != 0)
			err(IPC_ERROR, "%s", addr.text);
		warn("%s", addr.text);
	}
	ipc_copy_free(&c);
}

static void
setenvnum(const char *name, long long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", n);
	setenv(name, buf, 1);
}

/* The peer's address, or its credentials, for the command. */
static void
peer_env(int fd, const struct sockaddr_storage *ss)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char host[64];
	unsigned int port;

	unsetenv("IPC_PEER_ADDR");
	unsetenv("IPC_PEER_PORT");
	unsetenv("IPC_PEER_PID");
	unsetenv("IPC_PEER_UID");
	unsetenv("IPC_PEER_GID");
	unsetenv("IPC_PEER_TLS_SUBJECT");
	unsetenv("IPC_PEER_TLS_HASH");
	if (addr.family == AF_UNIX) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
			setenvnum("IPC_PEER_PID", cred.pid);
			setenvnum("IPC_PEER_UID", cred.uid);
			setenvnum("IPC_PEER_GID", cred.gid);
		}
	} else if (ipc_addr_peer(ss, host, sizeof(host), &port) == 0) {
		setenv("IPC_PEER_ADDR", host, 1);
		setenvnum("IPC_PEER_PORT", port);
	}
}

/*
 * End a connection so that a peer that sent data nobody read still gets
 * the whole reply and a clean end, not a reset: our end first, then what
 * the peer still sends is read and dropped, a while at most, as a web
 * server's lingering close does.
 */
static void
linger(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	long long start = ipc_now_ms();
	char buf[16384];

	if (shutdown(fd, SHUT_WR) == -1)
		return;
	while (ipc_poll_until(&pfd, 1, LINGER_MS, &start) > 0 &&
	    recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		continue;
}

/* The verified peer's certificate, for the command. */
static void
tls_env(struct tls *cctx)
{
	const char *v;

	if (!tls_peer_cert_provided(cctx))
		return;
	if ((v = tls_peer_cert_subject(cctx)) != NULL)
		setenv("IPC_PEER_TLS_SUBJECT", v, 1);
	if ((v = tls_peer_cert_hash(cctx)) != NULL)
		setenv("IPC_PEER_TLS_HASH", v, 1);
}

/*
 * The command reads and writes plaintext on its end of a socket pair;
 * the keeper relays it to and from the TLS connection.  A failure ends
 * the command's connection: it sees the end of its input.
 */
static void
relay_command(int fd, const struct sockaddr_storage *ss, struct tls *cctx,
    int sp[2])
{
	struct ipc_relay r;

	close(sp[1]);
	fcntl(sp[0], F_SETFL, fcntl(sp[0], F_GETFL) | O_NONBLOCK);
	memset(&r, 0, sizeof(r));
	r.tls = cctx;
	r.sock = fd;
	r.in = r.out = sp[0];
	r.timeout = timeout;
	r.linger = LINGER_MS;
	r.flags = IPC_RELAY_KEEPER;
	if (ipc_tls_relay(&r) == -1) {
		if (errno == EINTR && ipc_signalled)
			return;
		if (r.tlserr != NULL)
			warnx("%s: %s", peer_name(fd, ss), r.tlserr);
		else if (errno == ETIMEDOUT)
			warnx("%s: idle for too long", peer_name(fd, ss));
		else
			warn("%s", peer_name(fd, ss));
	}
	close(sp[0]);
	ipc_tls_free(cctx);
}

/*
 * A connection's keeper, in a child of its own: it runs the command with
 * the connection as its standard input and output, waits for it, ends
 * the connection cleanly and exits with the command's status.
 */
static void
spawn(int fd, const struct sockaddr_storage *ss)
{
	struct tls *cctx = NULL;
	pid_t pid;
	int st, io, sp[2] = { -1, -1 };

	if ((pid = fork()) == -1)
		err(IPC_CMD_FAILED, "fork");
	if (pid > 0)
		return;
	keeper = 1;
	close(ls);
	peer_env(fd, ss);
	io = fd;
	if (srv != NULL) {
		if (tls_accept(fd, ss, &cctx) == -1)
			_exit(ipc_errexit);
		tls_env(cctx);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp) == -1)
			err(ipc_errexit, "socketpair");
		io = sp[1];
	}
	if ((pid = fork()) == -1) {
		warn("fork");
		_exit(IPC_CMD_FAILED);
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(io, STDIN_FILENO) == -1 ||
		    dup2(io, STDOUT_FILENO) == -1) {
			warn("%s", addr.text);
			_exit(IPC_CMD_FAILED);
		}
		ipc_exec_command(&cmd);
		warn("%s", ipc_command_name(&cmd));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (srv != NULL)
		relay_command(fd, ss, cctx, sp);
	/* A signal ends the keeper and its command, whenever it comes. */
	while (ipc_signalled || waitpid(pid, &st, 0) == -1) {
		if (ipc_signalled) {
			kill(pid, ipc_signalled);
			ipc_die_signalled();
		}
		if (errno != EINTR)
			_exit(IPC_CMD_FAILED);
	}
	linger(fd);
	_exit(WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
}

/*
 * Collect finished commands: one, waiting for it (wait 1); those done
 * (0); all, waiting for them (-1).  The status kept is the last that
 * was not 0, as a signal's 128 + N.
 */
static void
reap(int wait)
{
	pid_t pid;
	int st;

	while (running > 0) {
		pid = waitpid(-1, &st, wait != 0 ? 0 : WNOHANG);
		if (pid == -1 && errno == EINTR && ipc_signalled)
			die();
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		running--;
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			status = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			status = 128 + WTERMSIG(st);
		if (wait == 1)
			return;
	}
}

/* Datagrams, each one record on standard output. */
static void
receive(void)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	char *buf;
	long long got = 0;
	ssize_t n;
	size_t len;

	if ((buf = malloc(DGRAMCAP + IPC_FRAMEPAD)) == NULL)
		err(IPC_ERROR, NULL);
	while (count == 0 || got < count) {
		if (!ready(ls)) {
			if (count == 0 && got > 0)
				exit(IPC_OK);
			if (got > 0)
				warnx("%s: %lld of %lld datagrams came in "
				    "time", addr.text, got, count);
			exit(IPC_NOTNOW);
		}
		sslen = sizeof(ss);
		if ((n = recvfrom(ls, buf, DGRAMCAP, MSG_TRUNC,
		    (struct sockaddr *)&ss, &sslen)) == -1) {
			if (errno == EINTR && ipc_signalled)
				die();
			if (errno == EINTR)
				continue;
			err(IPC_ERROR, "%s", addr.text);
		}
		if (n > DGRAMCAP)
			errx(IPC_ERROR, "%s: a datagram of %zd bytes does not fit in "
			    "%d", addr.text, n, DGRAMCAP);
		if (nallow > 0 && !allowed(-1, &ss))
			continue;
		got++;
		len = ipc_frame(buf, buf, n, framing);
		if (ipc_write_all(STDOUT_FILENO, buf, len) != len)
			err(IPC_ERROR, "stdout");
	}
	free(buf);
}

static _Noreturn void
usage(int code)
{
	FILE *fp = code == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-0ak] [-c count] [-j jobs] [-m mode] "
	    "[-t timeout]\n"
	    "\t[--allow spec] [--exec command] [--port-file file] "
	    "[--tls-ca file]\n"
	    "\t[--tls-cert file --tls-key file] address\n",
	    getprogname());
	if (code == 0) {
		fprintf(fp, "Accept a connection on address and copy what it "
		    "sends to standard output.\n\n"
		    "  -0, --null            end each datagram with NUL, "
		    "not newline\n"
		    "  -a, --all             add nothing after a datagram\n"
		    "  -c, --count n         take n connections or "
		    "datagrams (1)\n"
		    "  -j, --jobs n          run at most n commands at once "
		    "(1)\n"
		    "  -k, --keep-open       keep accepting, one after "
		    "another\n"
		    "  -m, --mode mode       mode of a Unix socket file "
		    "(0600)\n"
		    "  -t, --timeout time    wait at most time for a "
		    "connection or data\n"
		    "      --allow spec      only peers that spec matches "
		    "(repeatable)\n"
		    "      --exec command    run command per connection, "
		    "on it\n"
		    "      --port-file file  write the port or path there "
		    "once listening\n"
		    "      --tls-ca file     require client certificates "
		    "that file's CAs signed\n"
		    "      --tls-cert file   the server's certificate (tls:)\n"
		    "      --tls-key file    its private key\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n"
		    "Addresses: HOST:PORT, [::1]:PORT, :PORT (every "
		    "interface),\nPORT (loopback), udp:HOST:PORT, unix:PATH, "
		    "unix:@NAME, unixgram:PATH;\ntls: before a TCP one; "
		    "fd:N and systemd, a socket handed over.\n"
		    "Allow: 127.0.0.0/8, ::1, 2001:db8::/32; uid:N, gid:N, "
		    "user:NAME, group:NAME.\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(code);
}
