/* ipcutils.h: the helper library every ipcutils program links. */
#ifndef IPCUTILS_H
#define IPCUTILS_H

#include <sys/types.h>

#include <getopt.h>
#include <limits.h>
#include <poll.h>
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
#define IPC_NKINDS	3

/*
 * Where Linux keeps the objects: queues are files of the mqueue file
 * system, shared memory objects files of /dev/shm, and glibc keeps a
 * semaphore NAME as /dev/shm/sem.NAME (sem.c reads it; name.c and
 * objects.c use the prefix; completion/ipcutils lists the files by itself
 * and must change with these).
 */
#define IPC_MQ_DIR	"/dev/mqueue"
#define IPC_SHM_DIR	"/dev/shm"
#define IPC_SEM_PREFIX	"sem."

/* name.c: "jobs" and "/jobs" both give "/jobs"; NULL and *errstr if bad. */
const char	*ipc_name(const char *, enum ipc_kind, char *, size_t,
		    const char **);
#define IPC_NAMEBUF	(NAME_MAX + 2)	/* the slash, NAME_MAX bytes, NUL */
const char	*ipc_xname(const char *, enum ipc_kind, char *, size_t);
int		 ipc_object_path(char *, size_t, const char *, const char *,
		    const char *);

/*
 * number.c: strict numbers: decimal digits, a size with at most one unit
 * after them, nothing else.  The plain forms give *errstr; the x-forms
 * exit naming the quantity.
 */
int		 ipc_num(const char *, long long, long long, long long *,
		    const char **);
int		 ipc_size(const char *, int64_t, int64_t *, const char **);
int		 ipc_mode(const char *, mode_t *, const char **);
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

/* -n, --nonblock and -t, --timeout: how long a tool waits at most. */
struct ipc_wait {
	struct timespec	 ts;
	int		 set;		/* -n or -t given: ts holds it */
};
void		 ipc_xwait_option(struct ipc_wait *, int, const char *);
#define IPC_WAIT_TIMEOUT(w)	((w)->set ? &(w)->ts : NULL)

/* record.c: the framing rule that joins messages and byte streams. */
enum ipc_framing { IPC_LINE, IPC_NUL, IPC_ALL };
struct ipc_reader {
	FILE		*fp;		/* what to read, and ferror(3) */
	int		 fd;
	int		 own;		/* fp is ours, over fd */
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

/* signal.c: a signal that would end the tool interrupts waits; the tool
   puts back what it holds and ends by it. */
extern volatile sig_atomic_t ipc_signalled;
/* Is this errno the end a signal asked for?  An EINTR without one (a
   stop and a continue, a call that gave it up) is a failure like any. */
#define IPC_BY_SIGNAL(e)	((e) == EINTR && ipc_signalled)
int		 ipc_catch(int, void (*)(int), int, struct sigaction *);
void		 ipc_caught(sigset_t *);
void		 ipc_catch_signals(void);
void		 ipc_handle_signals(void (*)(int), sigset_t *);
void		 ipc_ending(sigset_t *);
_Noreturn void	 ipc_die_signalled(void);
_Noreturn void	 ipc_exit_now(int);
void		 ipc_sigbus_says(int, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * poll.c: wait for descriptors until a deadline, or until SIGINT or
 * SIGTERM asks the tool to end: an absolute one (ipc_deadline), or for
 * sockets, ms since a last transfer that may move on meanwhile.
 */
int		 ipc_poll(struct pollfd *, nfds_t, const struct timespec *);
int		 ipc_wait_fd(int, short, const struct timespec *);
int		 ipc_poll_until(struct pollfd *, nfds_t, int, const long long *);

/*
 * msg.c: s as a message shows it (strvis(3), "" for empty);
 * getopt_long(3) whose errors are one line, "PROGRAM: -x: REASON", with
 * the bytes escaped: every tool's getopt_long is this one; whether an
 * option is there, before the options are read; and an option after the
 * operand, said as such.
 */
const char	*ipc_shown(const char *);
const char	*ipc_xshown(const char *);
int		 ipc_getopt_long(int, char *const [], const char *,
		    const struct option *, int *);
int		 ipc_has_option(int, char *const [], const char *,
		    const struct option *, int);
void		 ipc_xoptions_first(int, char *const [], const char *, int);
#define getopt_long	ipc_getopt_long

/* prog.c: the standard descriptors made safe at start; --version. */
void		 ipc_stdfds(void);
_Noreturn void	 ipc_version(void);

/* create.c: how a tool creates its object: -e, -m, -x, the queue sizes. */
struct ipc_create {
	int		 create;	/* O_CREAT unless -e */
	int		 exclusive;	/* -x */
	mode_t		 mode;		/* -m, default 0600 */
	int		 modeset;	/* -m given: exact, the umask aside */
	long		 maxmsg;	/* --max-messages, 0: system default */
	long		 msgsize;	/* --message-size, 0: system default */
	int		 anyowner;	/* --any-owner: trust another's object */
};
#define IPC_CREATE_DEFAULT { 1, 0, 0600, 0, 0, 0, 0 }
/*
 * getopt_long values of the long-only options, in ranges (HACKING,
 * Option numbers): creation 0x100, queue backends 0x110 (queue.h),
 * --tls- 0x200 (tls-opt.h), a tool's own from IPC_OPT_TOOL on.
 */
#define IPC_OPT_TOOL	0x300
#define IPC_OPT_MAXMSG	0x100
#define IPC_OPT_MSGSIZE	0x101
#define IPC_OPT_ANYOWNER 0x102
void		 ipc_xcreate_option(struct ipc_create *, int, const char *);
mode_t		 ipc_umask_clear(const struct ipc_create *);
void		 ipc_umask_restore(const struct ipc_create *, mode_t);

/*
 * owner.c: an object that exists is used only when the caller or root owns
 * it, or with --any-owner: -1 with EPERM otherwise, and ipc_strerror names
 * the owner.
 */
int		 ipc_owned(int, const struct ipc_create *);
int		 ipc_owned_or_close(int, const struct ipc_create *);
/*
 * Only a regular file is an object: what open(2) with O_NONBLOCK and
 * O_NOFOLLOW gave for path (a descriptor, or -1 and errno), or -1 with
 * IPC_ENOTOBJ, the descriptor closed, when path is something else, which
 * ipc_strerror then names.
 */
#define IPC_ENOTOBJ	ENODEV
#define IPC_OPEN_OBJECT	(O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC)
int		 ipc_regular(int, const char *);
const char	*ipc_file_kind(const char *);
const char	*ipc_strerror(int);

#endif

