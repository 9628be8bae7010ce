/* sock.h: sockets for sock-listen and sock-send (addr.c, copy.c). */
#ifndef IPC_SOCK_H
#define IPC_SOCK_H

#include <sys/socket.h>
#include <poll.h>
#include <sys/un.h>

#include "ipcutils.h"

/*
 * addr.c: HOST:PORT, udp:HOST:PORT, unix:PATH, unix:@NAME, unixgram:PATH,
 * [V6]:PORT, :PORT (every interface), PORT (loopback only).
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
};
int		 ipc_addr_parse(const char *, struct ipc_addr *, const char **);
void		 ipc_xaddr(const char *, struct ipc_addr *);
int		 ipc_addr_resolve(struct ipc_addr *, int, const char **);
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
int		 ipc_poll_until(struct pollfd *, nfds_t, int, const long long *);

#endif
