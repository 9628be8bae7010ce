/* tls.c: TLS for the sock tools, with libtls: configuration and a relay. */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "sock.h"

#define BUFSIZE		(512 * 1024)	/* each direction's buffer */
#define IOSIZE		(512 * 1024)	/* the socket's, each way */
#define MAPSIZE		(8 * 1024 * 1024) /* a window of a file's input */
#define KEYMAX		(1024 * 1024)	/* no key file is larger */

/*
 * A private key, read by us rather than by libtls so that a key that
 * others may read is refused as ssh(1) refuses one: anybody who can read
 * it can be the server.  The group may read it (Debian's ssl-cert group
 * does); others may not even write it.
 */
static void
xkey(struct tls_config *cfg, const char *file)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1)
		err(ipc_errexit, "%s", file);
	if (!S_ISREG(st.st_mode))
		errx(ipc_errexit, "%s: key is not a regular file", file);
	if (st.st_mode & S_IRWXO)
		errx(ipc_errexit, "%s: key is open to others (mode %04o): "
		    "chmod o-rwx", file, (unsigned int)st.st_mode & 07777);
	if (st.st_size > KEYMAX)
		errx(ipc_errexit, "%s: key is too large", file);
	if ((buf = malloc(st.st_size + 1)) == NULL)
		err(ipc_errexit, NULL);
	while (len < (size_t)st.st_size &&
	    (n = read(fd, buf + len, st.st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(ipc_errexit, "%s", file);
		len += n;
	}
	close(fd);
	if (tls_config_set_key_mem(cfg, (uint8_t *)buf, len) == -1)
		errx(ipc_errexit, "%s: %s", file, tls_config_error(cfg));
	explicit_bzero(buf, len);
	free(buf);
}

/*
 * The CA file, read by us: libtls only reads it when it verifies a peer,
 * after the connection is made, and then says "ssl verify memory setup
 * failure", naming neither the file nor what is wrong with it.  A file
 * with no PEM certificate in it (the only form libtls takes) is refused
 * here, naming it.
 */
static void
xca(struct tls_config *cfg, const char *file)
{
	static const char *const begin[] = { "-----BEGIN CERTIFICATE-----",
	    "-----BEGIN TRUSTED CERTIFICATE-----",
	    "-----BEGIN X509 CERTIFICATE-----" };
	uint8_t *buf;
	size_t len, i;

	if ((buf = tls_load_file(file, &len, NULL)) == NULL)
		err(ipc_errexit, "%s", file);
	for (i = 0; i < sizeof(begin) / sizeof(begin[0]); i++)
		if (memmem(buf, len, begin[i], strlen(begin[i])) != NULL)
			break;
	if (i == sizeof(begin) / sizeof(begin[0]))
		errx(ipc_errexit, "%s: no PEM certificate in it", file);
	if (tls_config_set_ca_mem(cfg, buf, len) == -1)
		errx(ipc_errexit, "%s: %s", file, tls_config_error(cfg));
	tls_unload_file(buf, len);
}

/*
 * A configuration that tls_configure refused: a key that does not go with
 * its certificate, or the file at fault named.
 */
static _Noreturn void
badconf(struct tls *ctx, const struct ipc_tls_opts *o, const char *what)
{
	/*
	 * libtls read the key (else "failed to read private key"), and
	 * OpenSSL refused it beside the certificate: they are not a pair.
	 */
	if (o->key != NULL && o->cert != NULL &&
	    (strcmp(tls_error(ctx), "failed to load private key") == 0 ||
	    strcmp(tls_error(ctx), "private/public key mismatch") == 0))
		errx(ipc_errexit, "%s: the key does not match the "
		    "certificate %s", o->key, o->cert);
	errx(ipc_errexit, "%s: %s", o->key != NULL ? o->key : what,
	    tls_error(ctx));
}

/*
 * The --tls- options need a tls: address; a server needs its certificate
 * and key, a client gives both or neither.
 */
void
ipc_xtls_check(const struct ipc_addr *a, const struct ipc_tls_opts *o,
    int server)
{
	char buf[128];
	const char *why;

	if ((why = ipc_tls_check(o, a->tls, server, "a tls: address", buf,
	    sizeof(buf))) != NULL)
		errx(ipc_errexit, "%s: %s", a->text, why);
}

/*
 * The context for a client (server 0) or a server: libtls's defaults,
 * TLS 1.2 and 1.3, certificates verified, names checked, unless the
 * options say otherwise.  what names the address in messages.
 */
struct tls *
ipc_xtls(const struct ipc_tls_opts *o, int server, const char *what)
{
	/* Static: an exit on a bad file leaves them reachable, not leaked. */
	static struct tls_config *cfg;
	static struct tls *ctx;

	if (tls_init() == -1 || (cfg = tls_config_new()) == NULL)
		errx(ipc_errexit, "%s: cannot set TLS up", what);
	if (o->ca != NULL)
		xca(cfg, o->ca);
	if (o->cert != NULL &&
	    tls_config_set_cert_file(cfg, o->cert) == -1)
		errx(ipc_errexit, "%s: %s", o->cert, tls_config_error(cfg));
	if (o->key != NULL)
		xkey(cfg, o->key);
	if (server && o->ca != NULL)
		tls_config_verify_client(cfg);
	if (o->noverify) {
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
	}
	/*
	 * A client's certificate and key are loaded only in the handshake:
	 * a server's context, configured with them and thrown away, finds a
	 * bad pair before anything is sent, as a server's own does.
	 */
	if (!server && o->cert != NULL) {
		if ((ctx = tls_server()) == NULL)
			errx(ipc_errexit, "%s: cannot set TLS up", what);
		if (tls_configure(ctx, cfg) == -1)
			badconf(ctx, o, what);
		tls_free(ctx);
	}
	if ((ctx = server ? tls_server() : tls_client()) == NULL)
		errx(ipc_errexit, "%s: cannot set TLS up", what);
	if (tls_configure(ctx, cfg) == -1)
		badconf(ctx, o, what);
	tls_config_free(cfg);
	cfg = NULL;
	return ctx;
}

/*
 * A connection's socket I/O, under libtls (tls_connect_cbs): records are
 * read from the socket in large reads, not two reads a record, and those
 * one tls_write makes are written at once, not one write a record; on
 * this kind of machine a system call costs as much as copying 20 KB.
 * Outside the relay's tls_write (handshake, close_notify, what tls_read
 * answers) what is written goes out at once.
 */
struct tlsio {
	struct tlsio	*next;
	struct tls	*ctx;
	int		 fd;
	char		*rb, *wb;
	size_t		 roff, rlen, woff, wlen;
	int		 bulk;		/* in the relay's tls_write */
	int		 eof;		/* the socket's read gave 0 */
	int		 err;		/* errno of the first failed I/O */
	int		 server;	/* ours is the server's side */
};

static struct tlsio *ios;		/* one for each connection */

static struct tlsio *
io_of(struct tls *ctx)
{
	struct tlsio *io;

	for (io = ios; io != NULL && io->ctx != ctx; io = io->next)
		continue;
	return io;
}

static ssize_t
io_read(struct tls *ctx, void *buf, size_t len, void *arg)
{
	struct tlsio *io = arg;
	ssize_t n;

	(void)ctx;
	if (io->roff == io->rlen) {
		io->roff = io->rlen = 0;
		while ((n = read(io->fd, io->rb, IOSIZE)) == -1 &&
		    errno == EINTR && !ipc_signalled)
			continue;
		if (n == -1 && errno == EAGAIN)
			return TLS_WANT_POLLIN;
		if (n == -1) {
			if (io->err == 0)
				io->err = errno;
			return -1;
		}
		if (n == 0) {
			io->eof = 1;
			return 0;
		}
		io->rlen = n;
	}
	n = len < io->rlen - io->roff ? len : io->rlen - io->roff;
	memcpy(buf, io->rb + io->roff, n);
	io->roff += n;
	return n;
}

/* Write out what is buffered: 0, or -1 with errno (EAGAIN: not yet). */
static int
io_flush(struct tlsio *io)
{
	ssize_t n;

	while (io->woff < io->wlen) {
		n = write(io->fd, io->wb + io->woff, io->wlen - io->woff);
		if (n == -1 && errno == EINTR && !ipc_signalled)
			continue;
		if (n == -1) {
			if (errno != EAGAIN && io->err == 0)
				io->err = errno;
			return -1;
		}
		io->woff += n;
	}
	io->woff = io->wlen = 0;
	return 0;
}

static ssize_t
io_write(struct tls *ctx, const void *buf, size_t len, void *arg)
{
	struct tlsio *io = arg;
	ssize_t n;

	(void)ctx;
	if (io->wlen + len > IOSIZE || !io->bulk) {
		if (io_flush(io) == -1)
			return errno == EAGAIN ? TLS_WANT_POLLOUT : -1;
	}
	if (!io->bulk || len > IOSIZE) {
		while ((n = write(io->fd, buf, len)) == -1 &&
		    errno == EINTR && !ipc_signalled)
			continue;
		if (n == -1 && errno == EAGAIN)
			return TLS_WANT_POLLOUT;
		if (n == -1 && io->err == 0)
			io->err = errno;
		return n;
	}
	memcpy(io->wb + io->wlen, buf, len);
	io->wlen += len;
	return len;
}

static struct tlsio *
io_new(int fd)
{
	struct tlsio *io;

	if ((io = calloc(1, sizeof(*io))) == NULL ||
	    (io->rb = malloc(IOSIZE)) == NULL ||
	    (io->wb = malloc(IOSIZE)) == NULL)
		err(ipc_errexit, NULL);
	io->fd = fd;
	return io;
}

/* The connection's I/O, kept until ipc_tls_free (ctx NULL: freed, -1). */
static int
io_keep(struct tlsio *io, struct tls *ctx)
{
	if (ctx == NULL) {
		free(io->rb);
		free(io->wb);
		free(io);
		return -1;
	}
	io->ctx = ctx;
	io->next = ios;
	ios = io;
	return 0;
}

/*
 * TLS on a connected socket, as tls_connect_socket(3) and
 * tls_accept_socket(3), through the buffered I/O above: 0, or -1 with
 * tls_error(ctx) (or of the server) saying why.  ipc_tls_free frees the
 * connection's context and its buffers.
 */
int
ipc_tls_connect(struct tls *ctx, int fd, const char *name)
{
	struct tlsio *io = io_new(fd);

	if (tls_connect_cbs(ctx, io_read, io_write, io, name) == -1)
		return io_keep(io, NULL);
	return io_keep(io, ctx);
}

int
ipc_tls_accept(struct tls *srv, struct tls **cctx, int fd)
{
	struct tlsio *io = io_new(fd);

	io->server = 1;
	*cctx = NULL;
	if (tls_accept_cbs(srv, cctx, io_read, io_write, io) == -1)
		return io_keep(io, NULL);
	return io_keep(io, *cctx);
}

void
ipc_tls_free(struct tls *ctx)
{
	struct tlsio **p, *io;

	for (p = &ios; (io = *p) != NULL; p = &io->next)
		if (io->ctx == ctx) {
			*p = io->next;
			io_keep(io, NULL);
			break;
		}
	tls_free(ctx);
}

/*
 * A TLS server's side of an accepted connection: the client's first
 * record awaited at most timeout ms (-1: no bound), then the handshake,
 * as long again.  0 and *cctx, or -1 and *why, with errno EINTR when a
 * signal asks the tool to end.  *cctx, NULL or not, is for ipc_tls_free.
 */
int
ipc_tls_serve(struct tls *srv, int fd, int timeout, struct tls **cctx,
    const char **why)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	unsigned char b;
	ssize_t n;

	*cctx = NULL;
	/* A TLS client speaks first, a handshake record: 22. */
	if (ipc_poll_until(&pfd, 1, timeout, NULL) <= 0) {
		*why = strerror(errno);
		return -1;
	}
	if ((n = recv(fd, &b, 1, MSG_PEEK)) <= 0 || b != 22) {
		*why = n == -1 ? strerror(errno) : n == 0 ?
		    "closed before the TLS handshake" :
		    "not TLS: a plaintext peer on a TLS port";
		return -1;
	}
	if (ipc_tls_accept(srv, cctx, fd) == -1) {
		*why = tls_error(srv);
		errno = 0;
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    ipc_tls_handshake(*cctx, fd, timeout) == -1) {
		*why = errno == 0 ? tls_error(*cctx) : strerror(errno);
		return -1;
	}
	return 0;
}

/* The verified peer's certificate, for a command, in the environment. */
void
ipc_tls_env(struct tls *cctx)
{
	const char *v;

	if (!tls_peer_cert_provided(cctx))
		return;
	if ((v = tls_peer_cert_subject(cctx)) != NULL)
		setenv("IPC_PEER_TLS_SUBJECT", v, 1);
	if ((v = tls_peer_cert_hash(cctx)) != NULL)
		setenv("IPC_PEER_TLS_HASH", v, 1);
}

/* What libtls wants next, as poll(2) events. */
static short
want(ssize_t n)
{
	return n == TLS_WANT_POLLOUT ? POLLOUT : POLLIN;
}

/*
 * The handshake on a non-blocking socket, at most timeout ms (-1: no
 * bound): 0, or -1 with errno (ETIMEDOUT, EINTR for a signal) or, for a
 * TLS failure, errno 0 and tls_error(ctx) telling why.
 */
int
ipc_tls_handshake(struct tls *ctx, int fd, int timeout)
{
	struct pollfd pfd = { fd, 0, 0 };
	long long start = ipc_now_ms();
	int n;

	while ((n = tls_handshake(ctx)) != 0) {
		if (n != TLS_WANT_POLLIN && n != TLS_WANT_POLLOUT) {
			errno = 0;
			return -1;
		}
		pfd.events = want(n);
		if (ipc_poll_until(&pfd, 1, timeout, &start) <= 0)
			return -1;
	}
	return 0;
}

/* The relay's state: two buffers, one for each direction. */
struct relay {
	struct ipc_relay *r;
	struct tlsio	*io;		/* NULL: libtls's own socket I/O */
	char		*ib, *ob;	/* to the peer; from the peer */
	int		 inmap;		/* in is a file, read through windows */
	off_t		 inoff;		/* the next window's offset */
	char		*map;		/* the window being sent, or NULL */
	size_t		 maplen;
	const char	*ip;		/* what to send next */
	size_t		 ilen, olen, ooff;
	int		 ieof, teof, closed;
	short		 rwant, wwant;	/* what tls_read, tls_write wait for */
	int		 oblocked;	/* out is full */
	int		 more;		/* the peer's data may wait: no poll */
	int		 heard;		/* the peer has sent data */
	long long	 closedat;
};

static int	 from_peer1(struct relay *);

/*
 * A TLS 1.3 client checks the server's name and certificate once its side
 * of the handshake is done, and one that refuses them closes with the
 * server's tickets unread: a reset, before any data, is all the server
 * sees of why (libtls knows no more).
 */
static int
fail(struct relay *s, int fd, int e, const char *tlserr)
{
	if (fd == s->r->sock && s->io != NULL && s->io->server && !s->heard &&
	    (e == ECONNRESET || e == EPIPE))
		tlserr = "TLS handshake failed: the peer reset the "
		    "connection before any data (a client that refuses the "
		    "certificate or its name does so)";
	return ipc_fault(&s->r->fault, fd, e, tlserr);
}

/*
 * Did the peer end the TCP connection in order (a FIN, no reset), without
 * close_notify?  ncat --ssl and others end so; that is the end, as on
 * plain TCP: what came before it was authenticated all the same.
 */
static int
orderly_end(struct relay *s)
{
	char b;

	if (s->io != NULL)
		return s->io->eof && s->io->err == 0;
	return recv(s->r->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* A TLS failure: the socket's own error where it was one. */
static int
tls_fail(struct relay *s)
{
	if (s->io != NULL && s->io->err != 0)
		return fail(s, s->r->sock, s->io->err, NULL);
	return fail(s, s->r->sock, 0, tls_error(s->r->tls));
}

static void
moved(struct relay *s)
{
	__atomic_store_n(s->r->active, ipc_now_ms(), __ATOMIC_RELAXED);
}

/*
 * From the peer: read while there is room and data, then write it out, a
 * few times over before the other direction's turn; libtls may hold
 * data that poll(2) cannot see, so only its word says there is no more.
 */
static int
from_peer(struct relay *s)
{
	int i;

	s->more = 0;
	for (i = 0; i < 8; i++) {
		if (from_peer1(s) == -1)
			return -1;
		if (s->teof || s->rwant != 0 || s->oblocked)
			return 0;
	}
	s->more = 1;
	return 0;
}

static int
from_peer1(struct relay *s)
{
	struct ipc_relay *r = s->r;
	ssize_t n;

	while (!s->teof && s->olen < BUFSIZE) {
		n = tls_read(r->tls, s->ob + s->olen, BUFSIZE - s->olen);
		if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
			s->rwant = want(n);
			break;
		}
		s->rwant = 0;
		if (n == -1 && !orderly_end(s))
			return tls_fail(s);
		if (n == -1)
			n = 0;
		if (n == 0) {
			s->teof = 1;
			break;
		}
		s->olen += n;
		s->heard = 1;
		moved(s);
	}
	s->oblocked = 0;
	while (s->ooff < s->olen) {
		if (r->out == -1 || r->dropout) {
			s->ooff = s->olen;
			break;
		}
		n = write(r->out, s->ob + s->ooff, s->olen - s->ooff);
		if (n == -1 && errno == EAGAIN) {
			s->oblocked = 1;
			return 0;
		}
		if (n == -1 && errno == EINTR && !ipc_signalled)
			continue;
		/* A command that no longer reads: what it was sent goes. */
		if (n == -1 && errno == EPIPE && (r->flags & IPC_RELAY_KEEPER))
			r->dropout = 1;
		else if (n == -1)
			return fail(s, r->out, errno, NULL);
		else
			s->ooff += n;
	}
	s->olen = s->ooff = 0;
	if (s->teof && r->out != -1 && (r->flags & IPC_RELAY_KEEPER))
		shutdown(r->out, SHUT_WR);
	return 0;
}

/* To the peer: what is buffered; at the end of the input, close_notify. */
static int
to_peer(struct relay *s)
{
	struct ipc_relay *r = s->r;
	ssize_t n;

	/*
	 * Each tls_write writes a record (libtls's partial writes), which
	 * the buffered I/O gathers; they go out when it is full, and here.
	 */
	while (s->ilen > 0) {
		if (s->io != NULL)
			s->io->bulk = 1;
		n = tls_write(r->tls, s->ip, s->ilen);
		if (s->io != NULL)
			s->io->bulk = 0;
		if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
			s->wwant = want(n);
			return 0;
		}
		if (n == -1)
			return tls_fail(s);
		s->ip += n;
		s->ilen -= n;
		moved(s);
	}
	if (s->io != NULL && io_flush(s->io) == -1) {
		if (errno != EAGAIN)
			return fail(s, r->sock, errno, NULL);
		s->wwant = POLLOUT;
		return 0;
	}
	s->wwant = 0;
	/* With nothing to send, our end comes after the peer's. */
	if (r->in == -1 && r->pre == NULL && s->teof)
		s->ieof = 1;
	if (s->ieof && !s->closed) {
		if ((n = tls_close(r->tls)) == TLS_WANT_POLLIN ||
		    n == TLS_WANT_POLLOUT) {
			s->wwant = want(n);
			return 0;
		}
		/*
		 * Our end that could not be sent while the peer waits for it:
		 * the peer would wait, and we for its end, until -t says
		 * "timed out", or for ever.  Once the peer has ended, a close
		 * that finds the connection gone is no failure.
		 */
		if (n == -1 && !s->teof && s->io != NULL && s->io->err != 0)
			return tls_fail(s);
		s->closed = 1;
		s->closedat = ipc_now_ms();
	}
	return 0;
}

/*
 * Input from a regular file: the next window of it, mapped, which
 * tls_write encrypts where it lies instead of a read(2) copying it first;
 * the descriptor's offset follows, as reads would move it.  Past the size
 * the file had (it may grow; /proc's files say 0), or where it cannot be
 * mapped, read(2) goes on.  A file that shrinks under its window is
 * SIGBUS, which ends the tool and resets the connection (ipc_sigbus_says).
 */
static int
next_window(struct relay *s)
{
	struct ipc_relay *r = s->r;
	struct stat st;
	long pg = sysconf(_SC_PAGESIZE);
	off_t base;
	size_t len;

	if (s->map != NULL)
		munmap(s->map, s->maplen);
	s->map = NULL;
	if (fstat(r->in, &st) == -1 || st.st_size <= s->inoff) {
		s->inmap = 0;
		return 0;
	}
	base = s->inoff & ~(off_t)(pg - 1);
	len = st.st_size - s->inoff < MAPSIZE ? st.st_size - s->inoff :
	    MAPSIZE;
	s->maplen = len + (s->inoff - base);
	if ((s->map = mmap(NULL, s->maplen, PROT_READ, MAP_SHARED |
	    MAP_POPULATE, r->in, base)) == MAP_FAILED) {
		s->map = NULL;
		s->inmap = 0;
		return 0;
	}
	s->ip = s->map + (s->inoff - base);
	s->ilen = len;
	s->inoff += len;
	lseek(r->in, s->inoff, SEEK_SET);
	moved(s);
	return 0;
}

/* Wait for whatever can move next; then read our input if it came. */
static int
wait_io(struct relay *s)
{
	struct ipc_relay *r = s->r;
	struct pollfd pfd[3];
	int n, np = 0, timeout = r->timeout, left, ii = -1, lingering;
	ssize_t m;

	if (s->inmap && !s->ieof && s->ilen == 0)
		return next_window(s);
	pfd[np].fd = r->sock;
	pfd[np].events = s->wwant;
	if (!s->teof && !s->oblocked)
		pfd[np].events |= s->rwant;
	/* Not a socket that hung up, over and over, while we wait for input. */
	if (pfd[np].events == 0)
		pfd[np].fd = -1;
	np++;
	if (!s->ieof && s->ilen == 0 && r->in != -1) {
		pfd[np].fd = r->in;
		pfd[np].events = POLLIN;
		ii = np++;
	}
	if (s->oblocked) {
		pfd[np].fd = r->out;
		pfd[np].events = POLLOUT;
		np++;
	}
	/*
	 * After our end, the peer's comes soon, or we stop waiting for it.
	 * Only for it: an output that does not take what the peer sent
	 * before is waited for as any other, -t bounding it, not polled
	 * without a wait until it does (a command that closed its output
	 * and no longer reads, a reader that stalls).
	 */
	lingering = s->closed && r->linger >= 0 && !s->teof;
	if (lingering) {
		left = s->closedat + r->linger - ipc_now_ms();
		if (left <= 0) {
			s->teof = 1;
			if (!s->oblocked)
				return 0;
			lingering = 0;
		} else if (timeout < 0 || left < timeout)
			timeout = left;
	}
	if (s->more)
		timeout = 0;
	if ((n = ipc_poll_until(pfd, np, timeout, s->more || lingering ?
	    NULL : r->active)) == 0) {
		if (s->more)
			return 0;
		if (lingering) {
			s->teof = 1;
			return 0;
		}
		return fail(s, r->sock, ETIMEDOUT, NULL);
	}
	if (n == -1)
		return fail(s, r->sock, errno, NULL);
	if (ii != -1 && pfd[ii].revents != 0) {
		while ((m = read(r->in, s->ib, BUFSIZE)) == -1 &&
		    errno == EINTR && !ipc_signalled)
			continue;
		if (m == -1 && errno == EAGAIN)
			return 0;
		if (m == -1 && errno == ECONNRESET &&
		    (r->flags & IPC_RELAY_KEEPER))
			m = 0;
		if (m == -1)
			return fail(s, r->in, errno, NULL);
		if (m == 0)
			s->ieof = 1;
		s->ip = s->ib;
		s->ilen = m;
		moved(s);
	}
	return 0;
}

/*
 * A relay between the TLS connection tls on sock and in and out, idle
 * timeout ms at most: nothing sent first, no lingering, no flags.
 */
void
ipc_relay_init(struct ipc_relay *r, struct tls *tls, int sock, int in,
    int out, int timeout)
{
	memset(r, 0, sizeof(*r));
	r->tls = tls;
	r->sock = sock;
	r->in = in;
	r->out = out;
	r->timeout = timeout;
	r->linger = -1;
}

/*
 * Relay between a TLS connection and plaintext descriptors: r->pre, then
 * r->in, to the peer, and what the peer sends to r->out, in one thread
 * (a TLS connection cannot be written and read from two at once).  When
 * the input ends, close_notify, and the peer's data goes on until its own
 * end, as a half-closed TCP connection's does; the relay ends when both
 * have ended (IPC_RELAY_NOREPLY: once ours has).  0, or -1 with errno and
 * r->fault saying which side failed, and why for TLS.
 */
int
ipc_tls_relay(struct ipc_relay *r)
{
	struct relay s;
	struct stat st;
	int fl, rv = -1;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.io = io_of(r->tls);
	r->fault.fd = -1;
	r->fault.err = 0;
	r->fault.tlserr = NULL;
	r->dropout = 0;
	if (r->active == NULL) {
		r->last = ipc_now_ms();
		r->active = &r->last;
	}
	if ((s.ib = malloc(BUFSIZE)) == NULL ||
	    (s.ob = malloc(BUFSIZE)) == NULL) {
		free(s.ib);
		return fail(&s, r->sock, errno, NULL);
	}
	if ((fl = fcntl(r->sock, F_GETFL)) != -1)
		fcntl(r->sock, F_SETFL, fl | O_NONBLOCK);
	if (r->in != -1 && fstat(r->in, &st) == 0 && S_ISREG(st.st_mode) &&
	    (s.inoff = lseek(r->in, 0, SEEK_CUR)) != -1) {
		s.inmap = 1;
		ipc_sigbus_says(r->sock, "stdin: the file shrank while it "
		    "was sent");
	}
	if (r->pre != NULL) {
		s.ip = r->pre;
		s.ilen = r->prelen;
		s.ieof = r->in == -1;
	}
	s.rwant = POLLIN;
	for (;;) {
		if (from_peer(&s) == -1 || to_peer(&s) == -1)
			break;
		if (s.closed && (s.teof || (r->flags & IPC_RELAY_NOREPLY)) &&
		    s.olen == 0) {
			rv = 0;
			break;
		}
		if (wait_io(&s) == -1)
			break;
	}
	if (s.map != NULL)
		munmap(s.map, s.maplen);
	free(s.ib);
	free(s.ob);
	return rv;
}
