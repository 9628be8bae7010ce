/* sock-listen: accept connections or datagrams on a socket, for the shell. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

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

enum { OPT_EXEC = IPC_OPT_TOOL, OPT_PORTFILE, OPT_ALLOW, OPT_UNLINK };

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
	{ "unlink",		no_argument,		NULL, OPT_UNLINK },
	{ "tls-ca",		required_argument,	NULL, IPC_OPT_TLSCA },
	{ "tls-cert",		required_argument,	NULL, IPC_OPT_TLSCERT },
	{ "tls-key",		required_argument,	NULL, IPC_OPT_TLSKEY },
	{ NULL,			0,			NULL, 0 }
};

static struct ipc_addr	 addr;
static enum ipc_framing	 framing = IPC_LINE;
static const char	*command;	/* --exec */
static struct ipc_command cmd;
static struct ipc_keeper keep = { .jobs = 1 };	/* -j, and the status */
static long long	 count = 1;	/* 0: for ever (-k) */
static int		 timeout = -1;	/* ms */
static int		 ls = -1;
static struct ipc_sockfile sockfile;	/* a Unix socket's, to remove */
static int		 keeper;	/* a connection's child: no exit work */
static struct ipc_allow	*allow;		/* --allow, nallow of them */
static int		 nallow;
static int		 unlink_stale;	/* --unlink */
static struct ipc_tls_opts topts;
static struct tls	*srv;		/* tls: the server's context */
static struct ipc_notify sd;		/* NOTIFY_SOCKET */

static void		 listen_on(mode_t);
static int		 bind1(int, const struct sockaddr *, socklen_t, void *);
static void		 remove_socket(void);
static void		 write_port(const char *);
static void		 serve(void);
static void		 take(int, const struct sockaddr_storage *);
static void		 failed(const struct ipc_fault *, int, const char *);
static int		 allowed(int, const struct sockaddr_storage *);
static void		 add_allow(const char *);
static void		 notify(const char *);
static void		 stopping(void);
static const char	*peer_name(int, const struct sockaddr_storage *);
static void		 spawn(int, const struct sockaddr_storage *);
static int		 relay_command(int, const struct sockaddr_storage *,
			    struct tls *, int [2]);
static void		 receive(void);
static _Noreturn void	 die(void);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct timespec ts;
	const char *portfile = NULL, *errstr;
	char why[128];
	mode_t mode = 0600;
	int ch, cflag = 0, jflag = 0, kflag = 0, mflag = 0;

	ipc_stdfds();
	/* With --exec every failure of ours is IPC_CMD_FAILED, in any order. */
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
			keep.jobs = ipc_xnum(optarg, 1, 100000, "jobs");
			jflag = 1;
			break;
		case 'k':
			kflag = 1;
			break;
		case 'm':
			mode = ipc_xmode(optarg);
			if (mode & ~0777)
				errx(ipc_errexit, "mode is too large for a "
				    "socket: %s", optarg);
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
		case OPT_UNLINK:
			unlink_stale = 1;
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
	ipc_xoptions_first(argc, argv, "address", ipc_errexit);
	if (argc != 1)
		usage(ipc_errexit);
	if (cflag && kflag)
		errx(ipc_errexit, "cannot use -c and -k");
	if (jflag && command == NULL)
		errx(IPC_ERROR, "-j needs --exec");
	if (kflag)
		count = 0;
	ipc_xaddr(argv[0], &addr);
	if ((addr.fd != -1 || addr.systemd) &&
	    ipc_addr_inherit(&addr, &errstr) == -1)
		errx(ipc_errexit, "%s: %s", addr.text, errstr);
	ipc_xtls_check(&addr, &topts, 1);
	if (ipc_allow_fits(allow, nallow, addr.family, addr.type, why,
	    sizeof(why)) != NULL)
		errx(ipc_errexit, "%s: %s", addr.text, why);
	if (mflag && addr.family != AF_UNIX)
		errx(ipc_errexit, "%s: -m is for Unix sockets", addr.text);
	if (unlink_stale && (addr.family != AF_UNIX || addr.abstract ||
	    addr.fd != -1 || addr.systemd))
		errx(ipc_errexit, "%s: --unlink is for a Unix socket's file",
		    addr.text);
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
	if (ipc_notify_take(&sd))
		atexit(stopping);
	notify("READY=1");
	if (addr.type == SOCK_DGRAM)
		receive();
	else
		serve();
	exit(keep.status);
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

/*
 * sd_notify(3): the service manager hears of us, never of a keeper.  A
 * failure is said, once (READY=1's is STOPPING=1's too), and is no reason
 * to stop.
 */
static void
notify(const char *state)
{
	static int said;

	if (!keeper && ipc_notify(&sd, state) == -1 && !said) {
		warn("NOTIFY_SOCKET %s", sd.path);
		said = 1;
	}
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

	if (ipc_addr_resolve(&addr, 1, &errstr) == -1)
		errx(ipc_errexit, "%s: %s", addr.text, errstr);
	if ((ls = ipc_addr_socket(&addr, bind1, &mode)) == -1)
		err(ipc_errexit, "%s", addr.text);
	if (addr.family == AF_UNIX && !addr.abstract) {
		ipc_sockfile_keep(&sockfile, addr.sun.sun_path);
		atexit(remove_socket);
	}
	if (addr.type == SOCK_STREAM && listen(ls, SOMAXCONN) == -1)
		err(ipc_errexit, "%s", addr.text);
}

/* A Unix socket's file with the mode; an IP port reusable at once. */
static int
bind1(int fd, const struct sockaddr *sa, socklen_t len, void *mode)
{
	const char *why;
	mode_t omask;
	int on = 1, off = 0, rv;

	if (sa->sa_family == AF_UNIX) {
		if (!addr.abstract &&
		    (why = ipc_sockfile_taken(addr.sun.sun_path,
		    unlink_stale)) != NULL)
			errx(ipc_errexit, "%s: %s", addr.text, why);
		omask = umask(~*(mode_t *)mode & 0777);
		rv = bind(fd, sa, len);
		umask(omask);
		return rv;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (sa->sa_family == AF_INET6 && addr.any)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	return bind(fd, sa, len);
}

/* At exit: our socket file, if it is still ours. */
static void
remove_socket(void)
{
	if (!keeper)
		ipc_sockfile_remove(&sockfile);
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
	char buf[sizeof(addr.sun.sun_path) + 8];
	int fd, n;

	if ((n = ipc_addr_bound(&addr, ls, buf, sizeof(buf))) == -1)
		err(ipc_errexit, "%s", addr.text);
	/*
	 * Never through a symlink that another user may have put there, and
	 * readable by others at most, whatever the umask.
	 */
	while ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		if (IPC_BY_SIGNAL(errno))
			die();
		if (errno != EINTR)
			err(ipc_errexit, "%s", file);
	}
	if (ipc_write_all(fd, buf, n) != (size_t)n || close(fd) == -1)
		err(ipc_errexit, "%s", file);
}

/*
 * Wait at most the timeout for input on fd: 1 when it came, else 0.
 * With --exec the keepers that end meanwhile are collected as they end,
 * so that none is left a zombie until the next connection.
 */
static int
ready(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	long long start = ipc_now_ms();
	int n;

	if (command != NULL)
		n = ipc_keeper_poll(&keep, fd, timeout, &start);
	else if (timeout < 0)
		return 1;
	else
		n = ipc_poll_until(&pfd, 1, timeout, &start);
	if (n > 0)
		return 1;
	if (n == 0)
		return 0;
	if (IPC_BY_SIGNAL(errno))
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
		if (command != NULL && ipc_keeper_slot(&keep) == -1)
			die();
		if (!ready(ls)) {
			if (ipc_keeper_reap(&keep, IPC_REAP_ALL) == -1)
				die();
			if (count == 0 && got > 0)
				exit(keep.status);
			if (got > 0)
				warnx("%s: %lld of %lld connections came in "
				    "time", addr.text, got, count);
			exit(IPC_NOTNOW);
		}
		len = sizeof(ss);
		if ((fd = accept4(ls, (struct sockaddr *)&ss, &len,
		    SOCK_CLOEXEC)) == -1) {
			if (IPC_BY_SIGNAL(errno))
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
		if (command != NULL)
			spawn(fd, &ss);
		else
			take(fd, &ss);
		close(fd);
	}
	if (ipc_keeper_reap(&keep, IPC_REAP_ALL) == -1)
		die();
}

/* "127.0.0.1:8080", "[::1]:8080", or "uid 1000 gid 1000 pid 42". */
static const char *
peer_name(int fd, const struct sockaddr_storage *ss)
{
	static char buf[128];
	struct ipc_peer p;

	ipc_peer_get(fd, ss, addr.family, &p);
	if (ipc_peer_name(&p, buf, sizeof(buf)) == NULL)
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
	const char *why;

	if (ipc_tls_serve(srv, fd, timeout, cctx, &why) == 0)
		return 0;
	if (IPC_BY_SIGNAL(errno))
		die();
	if (count != 0 || keeper)
		errx(ipc_errexit, "%s: %s", peer_name(fd, ss), why);
	warnx("%s: %s", peer_name(fd, ss), why);
	return -1;
}

/* Copy what a connection sends (tls: its plaintext) to standard output. */
static void
take(int fd, const struct sockaddr_storage *ss)
{
	struct ipc_copy c;
	struct ipc_relay r;
	struct tls *cctx;

	if (srv == NULL) {
		ipc_copy_init(&c, fd, STDOUT_FILENO, timeout);
		if (ipc_copy(&c) == -1)
			failed(&c.fault, fd, addr.text);
		ipc_copy_free(&c);
		return;
	}
	if (tls_accept(fd, ss, &cctx) == 0) {
		ipc_relay_init(&r, cctx, fd, -1, STDOUT_FILENO, timeout);
		r.linger = LINGER_MS;
		if (ipc_tls_relay(&r) == -1)
			failed(&r.fault, fd, peer_name(fd, ss));
	}
	ipc_tls_free(cctx);
}

/*
 * A connection that could not be taken.  One client's trouble ends a
 * server only if it serves one; our own output's, or a wait that ran out,
 * ends it always.
 */
static void
failed(const struct ipc_fault *f, int fd, const char *what)
{
	char why[512];
	int st;

	if (IPC_BY_SIGNAL(f->err))
		die();
	st = ipc_fault_says(f, fd, what, "nothing came in time", why,
	    sizeof(why));
	if (count != 0 || st != IPC_ERROR ||
	    (f->fd == STDOUT_FILENO && f->fd != fd))
		errx(st, "%s", why);
	warnx("%s", why);
}

/*
 * A connection's keeper, in a child of its own: it runs the command with
 * the connection as its standard input and output (tls: its end of a
 * socket pair, relayed), waits for it, ends the connection cleanly and
 * exits with the command's status.
 */
static void
spawn(int fd, const struct sockaddr_storage *ss)
{
	struct ipc_peer p;
	struct tls *cctx = NULL;
	struct linger reset = { 1, 0 };
	pid_t pid;
	int e, st, io = fd, sp[2] = { -1, -1 }, cut = 0;

	if ((pid = ipc_keeper_fork(&keep)) == -1)
		err(IPC_CMD_FAILED, "fork");
	if (pid > 0)
		return;
	keeper = 1;
	close(ls);
	ipc_peer_get(fd, ss, addr.family, &p);
	ipc_keeper_env(&p);
	if (srv != NULL) {
		if (tls_accept(fd, ss, &cctx) == -1)
			ipc_exit_now(ipc_errexit);
		ipc_tls_env(cctx);
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp) == -1)
			err(ipc_errexit, "socketpair");
		io = sp[1];
	}
	if ((e = ipc_spawn_on(&pid, &cmd, io)) != 0) {
		warnc(e, "%s", ipc_command_name(&cmd));
		ipc_exit_now(ipc_spawn_status(e));
	}
	if (srv != NULL)
		cut = relay_command(fd, ss, cctx, sp) == -1;
	/* A signal ends the keeper and its command, whenever it comes. */
	if (ipc_keeper_wait(pid, &st) == -1) {
		if (errno == EINTR)
			ipc_die_signalled();
		ipc_exit_now(IPC_CMD_FAILED);
	}
	/*
	 * A relay cut short ends in a reset: the peer must not take the
	 * reply it got for the whole, as a bare end after TLS it would.
	 */
	if (cut)
		(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset,
		    sizeof(reset));
	else
		ipc_linger(fd, LINGER_MS);
	ipc_exit_now(ipc_cmd_status(st));
}

/*
 * The command reads and writes plaintext on its end of a socket pair;
 * the keeper relays it to and from the TLS connection.  A failure ends
 * the command's connection: it sees the end of its input.  0, or -1
 * when the relay failed (said, in one line).
 */
static int
relay_command(int fd, const struct sockaddr_storage *ss, struct tls *cctx,
    int sp[2])
{
	struct ipc_relay r;
	char why[512];
	int fl, rv;

	close(sp[1]);
	/*
	 * A blocking socket pair would deadlock the relay: its write to a
	 * command that waits to write back.  Without one, the command sees
	 * the end of its input.
	 */
	if ((fl = fcntl(sp[0], F_GETFL)) == -1 ||
	    fcntl(sp[0], F_SETFL, fl | O_NONBLOCK) == -1) {
		warn("%s", peer_name(fd, ss));
		close(sp[0]);
		ipc_tls_free(cctx);
		return -1;
	}
	ipc_relay_init(&r, cctx, fd, sp[0], sp[0], timeout);
	r.linger = LINGER_MS;
	r.flags = IPC_RELAY_KEEPER;
	if ((rv = ipc_tls_relay(&r)) == -1 && !IPC_BY_SIGNAL(errno)) {
		ipc_fault_says(&r.fault, fd, peer_name(fd, ss),
		    "idle for too long", why, sizeof(why));
		warnx("%s", why);
	}
	close(sp[0]);
	ipc_tls_free(cctx);
	return rv;
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
			if (IPC_BY_SIGNAL(errno))
				die();
			if (errno == EINTR)
				continue;
			err(IPC_ERROR, "%s", addr.text);
		}
		if (n > DGRAMCAP)
			errx(IPC_ERROR, "%s: a datagram of %zd bytes does "
			    "not fit in %d", addr.text, n, DGRAMCAP);
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
	FILE *fp = code == IPC_OK ? stdout : stderr;

	fprintf(fp, "usage: %s [-0ak] [-c count] [-j jobs] [-m mode] "
	    "[-t timeout]\n"
	    "\t[--allow spec] [--exec command] [--port-file file] "
	    "[--tls-ca file]\n"
	    "\t[--tls-cert file --tls-key file] [--unlink] address\n",
	    getprogname());
	if (code == IPC_OK) {
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
		    "      --unlink          remove a stale socket of yours "
		    "at the path first\n"
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
