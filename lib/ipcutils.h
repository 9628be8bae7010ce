/* ipcutils.h: the helper library every ipcutils program links. */
#ifndef IPCUTILS_H
#define IPCUTILS_H

#include <sys/types.h>

#include <mqueue.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Exit status, the same in every tool (ipcutils(7)). */
#define IPC_OK		0	/* done */
#define IPC_NOTNOW	1	/* timed out, would block, empty, busy */
#define IPC_ERROR	2	/* usage, argument, permission, I/O */

/*
 * The status x-functions and the tools' own errors exit with: 2, or 125
 * in a tool that runs a command (as env(1) and timeout(1) do).
 */
extern int ipc_errexit;

/* Object kinds, for the name rules that differ between them. */
enum ipc_kind { IPC_MQ, IPC_SEM, IPC_SHM };

/* name.c: "jobs" and "/jobs" both give "/jobs"; NULL and *errstr if bad. */
const char	*ipc_name(const char *, enum ipc_kind, char *, size_t,
		    const char **);
#define IPC_NAMEBUF	256
const char	*ipc_xname(const char *, enum ipc_kind, char *, size_t);

/* number.c: strict numbers; the x-forms exit naming the quantity. */
long long	 ipc_xnum(const char *, long long, long long, const char *);
int64_t		 ipc_xsize(const char *, int64_t, const char *);
mode_t		 ipc_xmode(const char *);

/* duration.c: "1.5", "250ms", "2m", "1h"; NULL timespec means forever. */
int		 ipc_duration(const char *, struct timespec *, const char **);
void		 ipc_xduration(const char *, struct timespec *, const char *);
struct timespec	*ipc_deadline(const struct timespec *, struct timespec *);
int		 ipc_ms_until(const struct timespec *);
long long	 ipc_now_ms(void);
int		 ipc_xtimeout_ms(const struct timespec *, const char *);
int		 ipc_expired(const struct timespec *);
double		 ipc_seconds(const struct timespec *);

/* record.c: the framing rule that joins messages and byte streams. */
enum ipc_framing { IPC_LINE, IPC_NUL, IPC_ALL };
struct ipc_reader {
	FILE		*fp;
	enum ipc_framing framing;
	char		*buf;
	size_t		 cap;
	size_t		 limit;		/* IPC_ALL: keep this much, count the rest */
	int		 done;
};
void		 ipc_reader_init(struct ipc_reader *, FILE *, enum ipc_framing);
ssize_t		 ipc_read_record(struct ipc_reader *, char **);
void		 ipc_reader_free(struct ipc_reader *);
size_t		 ipc_frame(char *, const char *, size_t, enum ipc_framing);
void		 ipc_xframing(enum ipc_framing *, int);
#define IPC_FRAMEPAD	1	/* bytes ipc_frame may add after a record */

/* io.c: full writes that survive EINTR and report EPIPE. */
size_t		 ipc_write_all(int, const void *, size_t);
void		 ipc_xfflush(FILE *, const char *);

/* signal.c: SIGINT/SIGTERM interrupt waits; the tool ends cleanly. */
extern volatile sig_atomic_t ipc_signalled;
void		 ipc_catch_signals(void);
_Noreturn void	 ipc_die_signalled(void);

/* prog.c: --version, and the option table entries every tool shares. */
_Noreturn void	 ipc_version(void);

/* mq.c: open or create a queue; a reason better than EMFILE and EINVAL. */
struct ipc_create {
	int		 create;	/* O_CREAT unless -e */
	int		 exclusive;	/* -x */
	mode_t		 mode;		/* -m, default 0600 */
	int		 modeset;	/* -m given: exact, the umask aside */
	long		 maxmsg;	/* --max-messages, 0: system default */
	long		 msgsize;	/* --message-size, 0: system default */
};
#define IPC_CREATE_DEFAULT { 1, 0, 0600, 0, 0, 0 }
/* getopt_long values of the long-only queue size options */
#define IPC_OPT_MAXMSG	0x100
#define IPC_OPT_MSGSIZE	0x101
void		 ipc_xcreate_option(struct ipc_create *, int, const char *);
mqd_t		 ipc_mq_open(const char *, int, const struct ipc_create *);
const char	*ipc_mq_strerror(int, const struct ipc_create *, char *,
		    size_t);
long		 ipc_mq_limit(const char *, long);

/*
 * objects.c: the objects of every kind, as ipc-ls and ipc-rm see them.
 * Queues are files of the mqueue file system, semaphores glibc's
 * /dev/shm/sem.NAME, shared memory the other files of /dev/shm.
 */
#include <sys/stat.h>

#define IPC_NKINDS	3
#define IPC_MQ_DIR	"/dev/mqueue"
#define IPC_SHM_DIR	"/dev/shm"
struct ipc_object {
	enum ipc_kind	 kind;
	char		 name[IPC_NAMEBUF];	/* with its slash */
	struct stat	 st;
	int		 nostat;	/* there, but st unknown (EACCES) */
	int		 arg;		/* the argument that selected it */
	/* ipc_object_details(): -1 where unknown or not of this kind. */
	long long	 size;		/* bytes held: queued, or st_size */
	long long	 msgs, maxmsg, msgsize;	/* queues */
	long long	 value;		/* semaphores */
	long long	 bytes;		/* shared memory: bytes in use */
};
struct ipc_objects {
	struct ipc_object *v;
	size_t		 n, cap;
	size_t		*found;		/* per argument: objects selected */
	int		 nomqfs;	/* queues were to be listed, but no fs */
};
const char	*ipc_kind_name(enum ipc_kind);
unsigned int	 ipc_kinds(const char *, const char **);
int		 ipc_mqfs_mounted(void);
int		 ipc_object_get(enum ipc_kind, const char *,
		    struct ipc_object *);
int		 ipc_select(struct ipc_objects *, unsigned int, char **, int);
void		 ipc_objects_free(struct ipc_objects *);
void		 ipc_object_details(struct ipc_object *);
int		 ipc_object_unlink(const struct ipc_object *);
int		 ipc_is_pattern(const char *);

/*
 * shm.c: shared memory objects.  Tools take flock(2) on the object's
 * descriptor: LOCK_EX to change it, LOCK_SH to read it.
 */
int		 ipc_shm_open(const char *, int, const struct ipc_create *,
		    int *);
int		 ipc_shm_lock(int, int, const struct timespec *);
struct ipc_shm_watch {
	int		 ifd;		/* inotify, or -1: look at the mtime */
	struct timespec	 mtime;		/* as it was when the watch began */
	off_t		 size;
};
int		 ipc_shm_watch(struct ipc_shm_watch *, const char *, int);
int		 ipc_shm_wait(struct ipc_shm_watch *, int,
		    const struct timespec *);
void		 ipc_shm_unwatch(struct ipc_shm_watch *);

/*
 * sem.c: named semaphores, created on use with struct ipc_create, and the
 * record of units held for a command, so that a holder's death, SIGKILL
 * too, does not leak its unit (see the comment in sem.c).
 */
#include <semaphore.h>

#define IPC_SEM_SLOTS	4096	/* holders recorded at once */
struct ipc_sem {
	sem_t		*sem;
	int		 fd;		/* its file, which holds the record */
	int		 slot;		/* ours, or -1 */
};
int		 ipc_sem_open(struct ipc_sem *, const char *,
		    const struct ipc_create *, unsigned int);
int		 ipc_sem_reclaim(struct ipc_sem *);
int		 ipc_sem_hold(struct ipc_sem *);
int		 ipc_sem_release(struct ipc_sem *);
int		 ipc_sem_post(struct ipc_sem *, unsigned int, long, int *);

/*
 * Sockets (sock-listen, sock-send).
 * addr.c: HOST:PORT, udp:HOST:PORT, unix:PATH, unix:@NAME, unixgram:PATH,
 * [V6]:PORT, :PORT (every interface), PORT (loopback only).
 */
#include <sys/socket.h>
#include <sys/un.h>
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

#endif
