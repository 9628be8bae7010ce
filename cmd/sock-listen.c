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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

#define DGRAMCAP	(256 * 1024)	/* the largest datagram taken */

enum { OPT_EXEC = CHAR_MAX + 1, OPT_PORTFILE };

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
	{ NULL,			0,			NULL, 0 }
};

static struct ipc_addr	 addr;
static enum ipc_framing	 framing = IPC_LINE;
static const char	*command;	/* --exec */
static long long	 count = 1;	/* 0: for ever (-k) */
static long long	 jobs = 1, running;
static int		 timeout = -1;	/* ms */
static int		 status;	/* of the last command that failed */
static int		 ls = -1;
static char		 sockpath[sizeof(addr.sun.sun_path)];
static dev_t		 sockdev;
static ino_t		 sockino;

static void		 listen_on(mode_t);
static void		 refuse_existing(void);
static void		 remove_socket(void);
static void		 write_port(const char *);
static void		 serve(void);
static void		 take(int);
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
		ipc_errexit = 125;
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
			ipc_errexit = 125;
			break;
		case OPT_PORTFILE:
			portfile = optarg;
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
	if (mflag && addr.family != AF_UNIX)
		errx(ipc_errexit, "%s: -m is for Unix sockets", addr.text);
	if (addr.type == SOCK_STREAM && framing != IPC_LINE)
		errx(ipc_errexit, "%s: -0 and -a are for datagram sockets",
		    addr.text);
	if (addr.type == SOCK_DGRAM && command != NULL)
		errx(ipc_errexit, "%s: --exec needs a stream socket",
		    addr.text);

	ipc_catch_signals();
	listen_on(mode);
	if (portfile != NULL)
		write_port(portfile);
	if (addr.type == SOCK_DGRAM)
		receive();
	else
		serve();
	exit(status);
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

	if (sockpath[0] != '\0' && lstat(sockpath, &st) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_dev == sockdev &&
	    st.st_ino == sockino)
		unlink(sockpath);
}

/* End as the signal would have ended us, the socket file removed. */
static _Noreturn void
die(void)
{
	remove_socket();
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

	if (addr.family == AF_UNIX)
		n = snprintf(buf, sizeof(buf), "%s%s\n",
		    addr.abstract ? "@" : "", addr.sun.sun_path + addr.abstract);
	else {
		if (getsockname(ls, (struct sockaddr *)&ss, &len) == -1 ||
		    ipc_addr_peer(&ss, host, sizeof(host), &port) == -1)
			err(ipc_errexit, "%s", addr.text);
		n = snprintf(buf, sizeof(buf), "%u\n", port);
	}
	while ((fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1) {
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
	long long until = ipc_now_ms() + timeout, left;
	int n;

	if (timeout < 0)
		return 1;
	for (;;) {
		left = until - ipc_now_ms();
		if ((n = poll(&pfd, 1, left < 0 ? 0 : left)) == 1)
			return 1;
		if (n == 0)
			return 0;
		if (errno == EINTR && ipc_signalled)
			die();
		if (errno != EINTR)
			err(ipc_errexit, "%s", addr.text);
	}
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
		got++;
		if (command != NULL) {
			spawn(fd, &ss);
			running++;
		} else
			take(fd);
		close(fd);
	}
	reap(-1);
}

/* Copy what a connection sends to standard output. */
static void
take(int fd)
{
	struct ipc_copy c;

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

/* Run the command with the connection as its standard input and output. */
static void
spawn(int fd, const struct sockaddr_storage *ss)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char host[64];
	unsigned int port;
	pid_t pid;

	if ((pid = fork()) == -1)
		err(125, "fork");
	if (pid > 0)
		return;
	unsetenv("IPC_PEER_ADDR");
	unsetenv("IPC_PEER_PORT");
	unsetenv("IPC_PEER_PID");
	unsetenv("IPC_PEER_UID");
	unsetenv("IPC_PEER_GID");
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
	signal(SIGPIPE, SIG_DFL);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1) {
		warn("%s", addr.text);
		_exit(125);
	}
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	warn("/bin/sh");
	_exit(errno == ENOENT ? 127 : 126);
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
		if ((n = recv(ls, buf, DGRAMCAP, MSG_TRUNC)) == -1) {
			if (errno == EINTR && ipc_signalled)
				die();
			if (errno == EINTR)
				continue;
			err(IPC_ERROR, "%s", addr.text);
		}
		if (n > DGRAMCAP)
			errx(IPC_ERROR, "%s: a datagram of %zd bytes does not fit in "
			    "%d", addr.text, n, DGRAMCAP);
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
	    "\t[--exec command] [--port-file file] address\n",
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
		    "      --exec command    run command per connection, "
		    "on it\n"
		    "      --port-file file  write the port or path there "
		    "once listening\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n"
		    "Addresses: HOST:PORT, [::1]:PORT, :PORT (every "
		    "interface),\nPORT (loopback), udp:HOST:PORT, unix:PATH, "
		    "unix:@NAME, unixgram:PATH.\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(code);
}
