/* tls.c: TLS for the sock tools, with libtls: configuration and a relay. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "sock.h"

#define BUFSIZE		(128 * 1024)	/* each direction's buffer */
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

/* One of the --tls- options, into *o. */
void
ipc_xtls_option(struct ipc_tls_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case IPC_OPT_TLSCA:
		o->ca = arg;
		break;
	case IPC_OPT_TLSCERT:
		o->cert = arg;
		break;
	case IPC_OPT_TLSKEY:
		o->key = arg;
		break;
	case IPC_OPT_TLSNAME:
		o->name = arg;
		break;
	default:
		o->noverify = 1;
	}
}

/*
 * The --tls- options need a tls: address; a server needs its certificate
 * and key, a client gives both or neither.
 */
void
ipc_xtls_check(const struct ipc_addr *a, const struct ipc_tls_opts *o,
    int server)
{
	if (!a->tls && (o->ca || o->cert || o->key || o->name || o->noverify))
		errx(ipc_errexit, "%s: the --tls options need a tls: address",
		    a->text);
	if (server && a->tls && (o->cert == NULL || o->key == NULL))
		errx(ipc_errexit, "%s: tls: needs --tls-cert and --tls-key",
		    a->text);
	if ((o->cert == NULL) != (o->key == NULL))
		errx(ipc_errexit, "--tls-cert and --tls-key go together");
}

/*
 * The context for a client (server 0) or a server: libtls's defaults,
 * TLS 1.2 and 1.3, certificates verified, names checked, unless the
 * options say otherwise.  what names the address in messages.
 */
struct tls *
ipc_xtls(const struct ipc_tls_opts *o, int server, const char *what)
{
	struct tls_config *cfg;
	struct tls *ctx;

	if (tls_init() == -1 || (cfg = tls_config_new()) == NULL)
		errx(ipc_errexit, "%s: cannot set TLS up", what);
	if (o->ca != NULL && tls_config_set_ca_file(cfg, o->ca) == -1)
		errx(ipc_errexit, "%s: %s", o->ca, tls_config_error(cfg));
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
	if ((ctx = server ? tls_server() : tls_client()) == NULL)
		errx(ipc_errexit, "%s: cannot set TLS up", what);
	if (tls_configure(ctx, cfg) == -1)
		errx(ipc_errexit, "%s: %s", o->key != NULL ? o->key : what,
		    tls_error(ctx));
	tls_config_free(cfg);
	return ctx;
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
	char		*ib, *ob;	/* to the peer; from the peer */
	const char	*ip;		/* what to send next */
	size_t		 ilen, olen, ooff;
	int		 ieof, teof, closed;
	short		 rwant, wwant;	/* what tls_read, tls_write wait for */
	int		 oblocked;	/* out is full */
	int		 more;		/* the peer's data may wait: no poll */
	long long	 closedat;
};

static int	 from_peer1(struct relay *);

/*
 * Did the peer end the TCP connection in order (a FIN, no reset), without
 * close_notify?  ncat --ssl and others end so; that is the end, as on
 * plain TCP: what came before it was authenticated all the same.
 */
static int
orderly_end(int fd)
{
	char b;

	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static int
fail(struct relay *s, int fd, int e, const char *tlserr)
{
	s->r->failed = fd;
	s->r->tlserr = tlserr;
	errno = e;
	return -1;
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
		if (n == -1 && !orderly_end(r->sock))
			return fail(s, r->sock, 0, tls_error(r->tls));
		if (n == -1)
			n = 0;
		if (n == 0) {
			s->teof = 1;
			break;
		}
		s->olen += n;
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

	while (s->ilen > 0) {
		n = tls_write(r->tls, s->ip, s->ilen);
		if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
			s->wwant = want(n);
			return 0;
		}
		if (n == -1)
			return fail(s, r->sock, 0, tls_error(r->tls));
		s->ip += n;
		s->ilen -= n;
		moved(s);
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
		s->closed = 1;
		s->closedat = ipc_now_ms();
	}
	return 0;
}

/* Wait for whatever can move next; then read our input if it came. */
static int
wait_io(struct relay *s)
{
	struct ipc_relay *r = s->r;
	struct pollfd pfd[3];
	int n, np = 0, timeout = r->timeout, left, ii = -1;
	ssize_t m;

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
	/* After our end, the peer's comes soon, or we stop waiting. */
	if (s->closed && r->linger >= 0) {
		left = s->closedat + r->linger - ipc_now_ms();
		if (left < 0)
			left = 0;
		if (timeout < 0 || left < timeout)
			timeout = left;
		if (left == 0) {
			s->teof = 1;
			return 0;
		}
	}
	if (s->more)
		timeout = 0;
	if ((n = ipc_poll_until(pfd, np, timeout, s->more || (s->closed &&
	    r->linger >= 0) ? NULL : r->active)) == 0) {
		if (s->more)
			return 0;
		if (s->closed && r->linger >= 0) {
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
 * Relay between a TLS connection and plaintext descriptors: r->pre, then
 * r->in, to the peer, and what the peer sends to r->out, in one thread
 * (a TLS connection cannot be written and read from two at once).  When
 * the input ends, close_notify, and the peer's data goes on until its own
 * end, as a half-closed TCP connection's does; the relay ends when both
 * have ended (IPC_RELAY_NOREPLY: once ours has).  0, or -1 with errno and
 * r->failed set to the side that failed; r->tlserr says why for TLS.
 */
int
ipc_tls_relay(struct ipc_relay *r)
{
	struct relay s;
	int fl, rv = -1;

	memset(&s, 0, sizeof(s));
	s.r = r;
	r->failed = -1;
	r->tlserr = NULL;
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
	free(s.ib);
	free(s.ob);
	return rv;
}
