/* sock-send: connect to a socket, send, and copy the reply to standard output. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tls.h>
#include <unistd.h>

#include "sock.h"

static const struct option longopts[] = {
	{ "null",		no_argument,		NULL, '0' },
	{ "all",		no_argument,		NULL, 'a' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "nonblock",		no_argument,		NULL, 'n' },
	{ "no-reply",		no_argument,		NULL, 'q' },
	{ "retry",		required_argument,	NULL, 'r' },
	{ "timeout",		required_argument,	NULL, 't' },
	{ "version",		no_argument,		NULL, 'V' },
	IPC_TLS_LONGOPTS,
	{ NULL,			0,			NULL, 0 }
};

static struct ipc_addr	 addr;
static enum ipc_framing	 framing = IPC_LINE;
static int		 timeout = -1;	/* idle, ms; -1: as long as it takes */
static int		 ctimeout = -1;	/* to connect, ms */
static int		 sock = -1;
static char		**msgs;		/* the arguments to send, or NULL */
static int		 nmsgs;
static long long	 active;	/* the last transfer, either way (ms) */
static int		 done[2] = { -1, -1 };	/* closed: all sent */
static struct ipc_tls_opts topts;

static int		 open_retrying(const struct timespec *);
static int		 connect_timed(int, const struct sockaddr *, socklen_t,
			    void *);
static void		 send_datagrams(void);
static void		 send_stream(void);
static void		*sender(void *);
static void		 wait_sender(void);
static char		*framed(size_t *);
static _Noreturn void	 tls_session(struct tls *, int);
static _Noreturn void	 failed(const struct ipc_fault *);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct timespec retrybuf, *retry = NULL;
	struct ipc_wait w = { { 0, 0 }, 0 };
	const char *targ = NULL;
	struct ipc_copy c;
	struct tls *ctx = NULL;
	pthread_t t;
	sigset_t all, old;
	int ch, qflag = 0;

	ipc_stdfds();
	while ((ch = getopt_long(argc, argv, "+0ahnqr:t:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case '0':
		case 'a':
			ipc_xframing(&framing, ch);
			break;
		case 'h':
			usage(IPC_OK);
		case 'n':
		case 't':
			ipc_xwait_option(&w, ch, optarg);
			targ = optarg;
			break;
		case 'q':
			qflag = 1;
			break;
		case 'r':
			ipc_xduration(optarg, &retrybuf, "retry");
			retry = &retrybuf;
			break;
		case 'V':
			ipc_version();
		IPC_TLS_CASES:
			ipc_xtls_option(&topts, ch, optarg);
			break;
		default:
			usage(IPC_ERROR);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(IPC_ERROR);
	/* -n: connect only if it can be done at once; then wait as usual. */
	if (w.set == 't')
		ctimeout = timeout = ipc_xtimeout_ms(&w.ts, targ);
	else if (w.set == 'n')
		ctimeout = 0;
	ipc_xaddr(argv[0], &addr);
	if (addr.fd != -1 || addr.systemd)
		errx(IPC_ERROR, "%s: a socket handed over is for sock-listen",
		    addr.text);
	ipc_xtls_check(&addr, &topts, 0);
	if (addr.family != AF_UNIX && addr.port == 0)
		errx(IPC_ERROR, "%s: port 0 is only for listening", addr.text);
	msgs = argc > 1 ? argv + 1 : NULL;
	nmsgs = argc - 1;

	/* A bad key or certificate, before anything is sent. */
	if (addr.tls)
		ctx = ipc_xtls(&topts, 0, addr.text);

	ipc_catch_signals();
	sock = open_retrying(retry);
	if (addr.tls)
		tls_session(ctx, qflag);
	if (addr.type == SOCK_DGRAM) {
		send_datagrams();
		exit(IPC_OK);
	}
	if (qflag) {
		sender(NULL);
		exit(IPC_OK);
	}

	/* Send in a thread, with the signals left to this one. */
	active = ipc_now_ms();
	ipc_ending(&all);
	if (pipe2(done, O_CLOEXEC) == -1)
		err(IPC_ERROR, NULL);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if ((errno = pthread_create(&t, NULL, sender, NULL)) != 0)
		err(IPC_ERROR, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	ipc_copy_init(&c, sock, STDOUT_FILENO, timeout);
	c.active = &active;
	if (ipc_copy(&c) == -1)
		failed(&c.fault);
	/* The peer closed: what it was sent must have gone too. */
	wait_sender();
	if ((errno = pthread_join(t, NULL)) != 0)
		err(IPC_ERROR, NULL);
	exit(IPC_OK);
}

/*
 * Wait for the sender to finish, in a wait that a signal ends (which
 * pthread_join(3) is not), and that -t bounds as it bounds the copies.
 */
static void
wait_sender(void)
{
	struct pollfd pfd = { done[0], POLLIN, 0 };

	if (ipc_poll_until(&pfd, 1, timeout, &active) > 0)
		return;
	if (errno == ETIMEDOUT)
		errx(IPC_NOTNOW, "%s: timed out", addr.text);
	if (IPC_BY_SIGNAL(errno))
		ipc_die_signalled();
	err(IPC_ERROR, NULL);
}

/* The arguments, framed, or standard input; then the end of our side. */
static void *
sender(void *unused)
{
	size_t off;
	char *buf;

	(void)unused;
	if (msgs != NULL) {
		buf = framed(&off);
		if (ipc_write_all(sock, buf, off) != off)
			err(IPC_ERROR, "%s", addr.text);
		__atomic_store_n(&active, ipc_now_ms(), __ATOMIC_RELAXED);
		free(buf);
	} else
		send_stream();
	if (shutdown(sock, SHUT_WR) == -1 && errno != ENOTCONN)
		err(IPC_ERROR, "%s", addr.text);
	if (done[1] != -1)
		close(done[1]);
	return NULL;
}

/* The arguments, each framed, in one buffer. */
static char *
framed(size_t *len)
{
	size_t cap = 0, off = 0;
	char *buf;
	int i;

	for (i = 0; i < nmsgs; i++)
		cap += strlen(msgs[i]) + IPC_FRAMEPAD;
	if ((buf = malloc(cap + 1)) == NULL)
		err(IPC_ERROR, NULL);
	for (i = 0; i < nmsgs; i++)
		off += ipc_frame(buf + off, msgs[i], strlen(msgs[i]), framing);
	*len = off;
	return buf;
}

/*
 * A TLS connection: the handshake, verified and named as the options
 * say, then the messages or standard input to the peer and its reply to
 * standard output, in one thread, as libtls needs.
 */
static _Noreturn void
tls_session(struct tls *ctx, int noreply)
{
	struct ipc_relay r;
	const char *name;

	if (topts.noverify)
		warnx("%s: the server's certificate is not verified "
		    "(--tls-noverify)", addr.text);
	name = topts.name != NULL ? topts.name :
	    addr.host[0] != '\0' ? addr.host : "localhost";
	if (fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK) == -1 ||
	    ipc_tls_connect(ctx, sock, name) == -1)
		errx(IPC_ERROR, "%s: %s", addr.text, tls_error(ctx));
	if (ipc_tls_handshake(ctx, sock, timeout) == -1) {
		if (IPC_BY_SIGNAL(errno))
			ipc_die_signalled();
		if (errno == ETIMEDOUT)
			errx(IPC_NOTNOW, "%s: timed out", addr.text);
		if (errno != 0)
			err(IPC_ERROR, "%s", addr.text);
		errx(IPC_ERROR, "%s: %s", addr.text, tls_error(ctx));
	}
	ipc_relay_init(&r, ctx, sock, msgs != NULL ? -1 : STDIN_FILENO,
	    STDOUT_FILENO, timeout);
	if (msgs != NULL)
		r.pre = framed(&r.prelen);
	r.flags = noreply ? IPC_RELAY_NOREPLY : 0;
	if (ipc_tls_relay(&r) == -1)
		failed(&r.fault);
	exit(IPC_OK);
}

/* A copy or a relay that failed: the end, as the fault tells it. */
static _Noreturn void
failed(const struct ipc_fault *f)
{
	char why[512];

	if (IPC_BY_SIGNAL(f->err))
		ipc_die_signalled();
	errx(ipc_fault_says(f, sock, addr.text, "timed out", why, sizeof(why)),
	    "%s", why);
}

static void
send_stream(void)
{
	struct ipc_copy c;

	ipc_copy_init(&c, STDIN_FILENO, sock, -1);
	c.active = &active;
	if (ipc_copy(&c) == -1)
		failed(&c.fault);
	ipc_copy_free(&c);
}

/*
 * One datagram per record, or per argument.  A refusal that loopback
 * reports at once (ICMP port unreachable) is an error.
 */
static void
send_datagrams(void)
{
	struct ipc_reader r;
	socklen_t len = sizeof(int);
	ssize_t n;
	char *rec;
	int i, e = 0;
	unsigned long nrec = 0;

	if (msgs != NULL)
		for (i = 0; i < nmsgs; i++)
			if (send(sock, msgs[i], strlen(msgs[i]), 0) == -1)
				err(IPC_ERROR, "%s", addr.text);
	if (msgs == NULL) {
		ipc_reader_init(&r, stdin, framing);
		while ((n = ipc_read_record(&r, &rec)) != -1) {
			nrec++;
			/* An empty input is no datagram, also with -a. */
			if (n == 0 && framing == IPC_ALL)
				break;
			while (send(sock, rec, n, 0) == -1) {
				if (errno == EINTR && !ipc_signalled)
					continue;
				if (errno == EINTR)
					ipc_die_signalled();
				if (errno == EMSGSIZE)
					errx(IPC_ERROR, "%s: record %lu of %zd bytes "
					    "does not fit in a datagram",
					    addr.text, nrec, n);
				err(IPC_ERROR, "%s", addr.text);
			}
		}
		if (ipc_signalled)
			ipc_die_signalled();
		if (ferror(r.fp))
			err(IPC_ERROR, "stdin");
		ipc_reader_free(&r);
	}
	if (getsockopt(sock, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e != 0)
		errc(IPC_ERROR, e, "%s", addr.text);
}

/* Connect, trying again for as long as -r allows. */
static int
open_retrying(const struct timespec *retry)
{
	struct timespec until, pause;
	const char *errstr;
	long long delay = 1;	/* ms, doubled up to 100 */
	int fd, e;

	if (ipc_addr_resolve(&addr, 0, &errstr) == -1)
		errx(IPC_ERROR, "%s: %s", addr.text, errstr);
	if (retry != NULL)
		ipc_deadline(retry, &until);
	for (;;) {
		if ((fd = ipc_addr_socket(&addr, connect_timed, NULL)) != -1)
			return fd;
		e = errno;
		if (e == ETIMEDOUT)
			errx(IPC_NOTNOW, "%s: %s", addr.text, strerror(e));
		/*
		 * Only a signal that asks us to end is an end by it: an
		 * EINTR without one (a stop and a continue) is an error.  One
		 * that came outside a wait (a refused connect does not block)
		 * ends the retries all the same.
		 */
		if (ipc_signalled)
			ipc_die_signalled();
		if (retry == NULL || ipc_expired(&until) ||
		    (e != ECONNREFUSED && e != ENOENT && e != EAGAIN &&
		    e != ECONNRESET && e != ENETUNREACH && e != EHOSTUNREACH))
			errc(e == EAGAIN && ctimeout == 0 ? IPC_NOTNOW :
			    IPC_ERROR, e, "%s", addr.text);
		pause.tv_sec = 0;
		pause.tv_nsec = delay * 1000000;
		(void)nanosleep(&pause, NULL);
		if (ipc_signalled)
			ipc_die_signalled();
		if ((delay *= 2) > 100)
			delay = 100;
	}
}

/* connect(2), at most the connect timeout long. */
static int
connect_timed(int fd, const struct sockaddr *sa, socklen_t len, void *unused)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	long long start = ipc_now_ms();
	socklen_t elen = sizeof(int);
	int n, e, fl;

	(void)unused;
	if (ctimeout < 0) {
		while ((n = connect(fd, sa, len)) == -1 && errno == EINTR &&
		    !ipc_signalled)
			continue;
		return n;
	}
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	/* A Unix listener's full queue: no connect in progress; try again. */
	while ((n = connect(fd, sa, len)) == -1 && errno == EAGAIN) {
		if (ipc_now_ms() >= start + ctimeout) {
			errno = ctimeout == 0 ? EAGAIN : ETIMEDOUT;
			return -1;
		}
		if (poll(NULL, 0, 2) == -1 && ipc_signalled)
			return -1;
	}
	if (n == -1) {
		if (errno != EINPROGRESS)
			return -1;
		if ((n = ipc_poll_until(&pfd, 1, ctimeout, &start)) <= 0) {
			if (n == 0 && ctimeout == 0)
				errno = EAGAIN;
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1)
			return -1;
		if (e != 0) {
			errno = e;
			return -1;
		}
	}
	fcntl(fd, F_SETFL, fl);
	return 0;
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == IPC_OK ? stdout : stderr;

	fprintf(fp, "usage: %s [-0anq] [-r retry] [-t timeout] "
	    "[--tls-ca file]\n"
	    "\t[--tls-cert file --tls-key file] [--tls-name name] "
	    "[--tls-noverify]\n"
	    "\taddress [message ...]\n", getprogname());
	if (status == IPC_OK) {
		fprintf(fp, "Connect to address, send the messages or standard "
		    "input, and copy\nthe reply to standard output.\n\n"
		    "  -0, --null            end each message with NUL, "
		    "not newline\n"
		    "  -a, --all             standard input is one message "
		    "(datagrams)\n"
		    "  -n, --nonblock        do not wait to connect; then wait "
		    "for the reply\n"
		    "  -q, --no-reply        do not wait for a reply\n"
		    "  -r, --retry time      keep trying to connect that long\n"
		    "  -t, --timeout time    wait at most time to connect, and "
		    "idle\n"
		    "      --tls-ca file     verify the server against file's "
		    "CAs\n"
		    "      --tls-cert file   present this client certificate\n"
		    "      --tls-key file    the client certificate's key\n"
		    "      --tls-name name   check the certificate for name\n"
		    "      --tls-noverify    verify nothing (says so)\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n"
		    "Addresses: HOST:PORT, [::1]:PORT, PORT (loopback), "
		    "udp:HOST:PORT,\nunix:PATH, unix:@NAME, unixgram:PATH; "
		    "tls: before a TCP one.\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
