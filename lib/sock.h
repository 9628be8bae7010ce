/* sock.h: sockets for sock-listen and sock-send (addr.c, copy.c). */
#ifndef IPC_SOCK_H
#define IPC_SOCK_H

#include <sys/socket.h>
#include <poll.h>
#include <sys/un.h>

#include "ipcutils.h"
#include "tls-opt.h"

/*
 * addr.c: HOST:PORT, udp:HOST:PORT, unix:PATH, unix:@NAME, unixgram:PATH,
 * [V6]:PORT, :PORT (every interface), PORT (loopback only); tls: before
 * a TCP form; fd:N and systemd, sockets handed over (sock-listen).
 */
#define IPC_MAXSA	8
struct ipc_sockaddr {
	struct sockaddr_storage ss;
	socklen_t	 len;
};
struct ipc_addr {
	const char	*text;		/* as given, for messages */
	int		 family;	/* AF_UNIX, or AF_UNSPEC: an IP host */
	int		 type;		/* SOCK_STREAM or SOCK_DGRAM */
	char		 host[256];	/* "" with any or loopback */
	unsigned short	 port;
	int		 any;		/* :PORT */
	int		 loopback;	/* PORT */
	struct sockaddr_un sun;		/* AF_UNIX */
	socklen_t	 sunlen;
	int		 abstract;	/* unix:@NAME */
	struct ipc_sockaddr sa[IPC_MAXSA]; /* ipc_addr_resolve() */
	int		 nsa;
	int		 tls;		/* tls:ADDRESS */
	int		 fd;		/* fd:N, systemd; else -1 */
	int		 systemd;	/* systemd: LISTEN_FDS */
};
int		 ipc_addr_parse(const char *, struct ipc_addr *, const char **);
void		 ipc_xaddr(const char *, struct ipc_addr *);
int		 ipc_addr_resolve(struct ipc_addr *, int, const char **);
int		 ipc_addr_inherit(struct ipc_addr *, const char **);
int		 ipc_addr_peer(const struct sockaddr_storage *, char *, size_t,
		    unsigned int *);

/*
 * copy.c: a stream copy that lets the kernel move the bytes: sendfile(2)
 * from a regular file, splice(2) where a pipe is or can be put between,
 * read/write where neither works.  A timeout bounds each wait for input,
 * counted from the last transfer on *active: the copy's own clock, or one
 * that both directions of a connection share.
 */
struct ipc_copy {
	int		 in, out;
	int		 timeout;	/* ms, -1: forever */
	long long	*active;	/* last transfer (ms): &last, or shared */
	long long	 last;
	long long	 bytes;		/* copied so far */
	int		 failed;	/* the fd that failed: in or out */
	int		 pipe[2];	/* between two non-pipes, for splice */
};
void		 ipc_copy_init(struct ipc_copy *, int, int, int);
int		 ipc_copy(struct ipc_copy *);
void		 ipc_copy_free(struct ipc_copy *);

/* poll.c: poll(2) until a deadline, counted from *since or from now. */

/* allow.c: --allow SPEC, who may connect. */
enum { IPC_ALLOW_NET4 = 1, IPC_ALLOW_NET6, IPC_ALLOW_UID, IPC_ALLOW_GID };
struct ipc_allow {
	const char	*text;		/* as given */
	int		 kind;
	unsigned char	 net[16];	/* NET4, NET6: the block's address */
	int		 bits;		/* and its prefix length */
	unsigned int	 id;		/* UID, GID */
};
int		 ipc_allow_parse(const char *, struct ipc_allow *, const char **);
int		 ipc_allow_addr(const struct ipc_allow *, int,
		    const struct sockaddr_storage *);
int		 ipc_allow_cred(const struct ipc_allow *, int, int);

/* tls.c: TLS with libtls (tls: addresses). */
struct tls;
/* The --tls- options (struct ipc_tls_opts) are in ipcutils.h; checks: */
void		 ipc_xtls_check(const struct ipc_addr *,
		    const struct ipc_tls_opts *, int);
struct tls	*ipc_xtls(const struct ipc_tls_opts *, int, const char *);
int		 ipc_tls_handshake(struct tls *, int, int);
int		 ipc_tls_connect(struct tls *, int, const char *);
int		 ipc_tls_accept(struct tls *, struct tls **, int);
void		 ipc_tls_free(struct tls *);
struct ipc_relay {
	struct tls	*tls;
	int		 sock;		/* the TLS connection's socket */
	const char	*pre;		/* sent first, prelen bytes, or NULL */
	size_t		 prelen;
	int		 in, out;	/* plaintext; -1: none */
	int		 timeout;	/* idle, ms; -1: forever */
	int		 linger;	/* ms for the peer's end after ours, or -1 */
	int		 flags;
	long long	*active, last;	/* the last transfer, as in ipc_copy */
	int		 failed;	/* the fd that failed */
	const char	*tlserr;	/* why TLS failed, or NULL */
	int		 dropout;	/* out is gone: what comes is dropped */
};
#define IPC_RELAY_NOREPLY	0x1	/* end once our side has ended */
#define IPC_RELAY_KEEPER	0x2	/* out is a command's socket */
int		 ipc_tls_relay(struct ipc_relay *);

#endif
