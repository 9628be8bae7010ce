/* sock.h: sockets for sock-listen and sock-send (addr.c, copy.c, tls.c). */
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
 * A socket on the first address that op (connect(2), or a bind with its
 * options) takes, and the same for a host and a numeric port resolved
 * as getaddrinfo(3) does; *gaierr is its code when the name did not
 * resolve, else 0.
 */
int		 ipc_addr_socket(const struct ipc_addr *, int (*)(int,
		    const struct sockaddr *, socklen_t, void *), void *);
int		 ipc_connect_any(const char *, const char *, int, int *);
int		 ipc_addr_bound(const struct ipc_addr *, int, char *, size_t);

/* A listener's Unix socket file: never another's, removed if still ours. */
struct ipc_sockfile {
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t		 dev;
	ino_t		 ino;
};
const char	*ipc_sockfile_taken(const char *, int);
void		 ipc_sockfile_keep(struct ipc_sockfile *, const char *);
void		 ipc_sockfile_remove(const struct ipc_sockfile *);

/* Who is at the other end: a Unix peer's credentials, an IP peer's address. */
struct ipc_peer {
	int		 cred;		/* pid, uid and gid are known */
	long		 pid;
	unsigned int	 uid, gid;
	char		 host[64];	/* "" when not known */
	unsigned int	 port;
};
void		 ipc_peer_get(int, const struct sockaddr_storage *, int,
		    struct ipc_peer *);
const char	*ipc_peer_name(const struct ipc_peer *, char *, size_t);

/*
 * fault.c: where a copy or a relay failed: the descriptor (its input,
 * its output, or the connection's socket), errno, and libtls's reason.
 */
struct ipc_fault {
	int		 fd;		/* -1: none yet */
	int		 err;
	const char	*tlserr;	/* why TLS failed, or NULL */
};
int		 ipc_fault(struct ipc_fault *, int, int, const char *);
int		 ipc_fault_says(const struct ipc_fault *, int, const char *,
		    const char *, char *, size_t);

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
	struct ipc_fault fault;		/* which side failed: in or out */
	int		 pipe[2];	/* between two non-pipes, for splice */
};
void		 ipc_copy_init(struct ipc_copy *, int, int, int);
int		 ipc_copy(struct ipc_copy *);
void		 ipc_copy_free(struct ipc_copy *);

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
const char	*ipc_allow_fits(const struct ipc_allow *, int, int, int, char *,
		    size_t);

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
	struct ipc_fault fault;		/* which side failed, and why */
	int		 dropout;	/* out is gone: what comes is dropped */
};
#define IPC_RELAY_NOREPLY	0x1	/* end once our side has ended */
#define IPC_RELAY_KEEPER	0x2	/* out is a command's socket */
void		 ipc_relay_init(struct ipc_relay *, struct tls *, int, int, int,
		    int);
int		 ipc_tls_relay(struct ipc_relay *);
int		 ipc_tls_serve(struct tls *, int, int, struct tls **,
		    const char **);
void		 ipc_tls_env(struct tls *);

/*
 * keeper.c: sock-listen --exec: a keeper process for each connection
 * runs the command on it, waits for it and exits with its status; the
 * listener counts those that run and keeps the last status that was
 * not 0.  Each running keeper has a pidfd, which the listener's wait
 * for a connection watches too (ipc_keeper_poll), so that a keeper that
 * ends is collected then, not at the next connection.
 */
struct ipc_keeper {
	long long	 jobs;		/* at most so many at once */
	long long	 running;
	int		 status;
	struct pollfd	*pfd;		/* [0]: the listener; then a pidfd
					   per keeper (-1: none) */
	pid_t		*pid;		/* of the keeper of pfd[i] */
	long long	 cap;		/* room in both, listener aside */
};
pid_t		 ipc_keeper_fork(struct ipc_keeper *);
int		 ipc_keeper_reap(struct ipc_keeper *, int);
int		 ipc_keeper_poll(struct ipc_keeper *, int, int, long long *);
#define IPC_REAP_DONE	0	/* those that are done */
#define IPC_REAP_ONE	1	/* one, waiting for it */
#define IPC_REAP_ALL	(-1)	/* all, waiting for them */
int		 ipc_keeper_slot(struct ipc_keeper *);
void		 ipc_keeper_env(const struct ipc_peer *);
int		 ipc_keeper_wait(pid_t, int *);
void		 ipc_linger(int, int);

/*
 * notify.c: the sd_notify(3) protocol, without libsystemd: the socket
 * that NOTIFY_SOCKET names, taken from the environment once.
 */
struct ipc_notify {
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};
int		 ipc_notify_take(struct ipc_notify *);
int		 ipc_notify(const struct ipc_notify *, const char *);

#endif
