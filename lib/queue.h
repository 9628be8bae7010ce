/* queue.h: message queues, whatever holds them: one table per backend. */
#ifndef IPC_QUEUE_H
#define IPC_QUEUE_H

#include <stdint.h>
#include <time.h>

#include "backend.h"
#include "ipcutils.h"
#include "tls-opt.h"

/*
 * mq-send and mq-recv reach every queue through this: a POSIX queue of
 * this machine (mq.c), or a queue on an AMQP broker (amqp.c), chosen by
 * the name when the tool opens it.  A backend returns -1 with errno and
 * says why in its queue's why[]; it never prints and never exits: the
 * tools alone speak.
 */

/* Long-only options of backends other than POSIX (0x110 to 0x11f). */
#define IPC_OPT_MAXPRIO		0x110
#define IPC_QUEUE_LONGOPTS \
	{ "max-priority",	required_argument,	NULL, IPC_OPT_MAXPRIO }, \
	IPC_TLS_LONGOPTS
#define IPC_QUEUE_CASES \
	case IPC_OPT_MAXPRIO: \
	IPC_TLS_CASES
/* mq-send's alone: a message that reached no queue is not an error. */
#define IPC_OPT_UNROUTABLE	0x111
#define IPC_QUEUE_SEND_LONGOPTS \
	{ "unroutable-ok", no_argument, NULL, IPC_OPT_UNROUTABLE }
#define IPC_QUEUE_SEND_CASES \
	case IPC_OPT_UNROUTABLE
#define IPC_QUEUE_SEND_HELP \
	"      --unroutable-ok   amqp:// exchanges: a message no queue " \
	"takes is no error\n"
/* Their lines in mq-send's and mq-recv's --help. */
#define IPC_QUEUE_HELP \
	"      --max-priority n  priorities of a new broker queue (9)\n" \
	"      --tls-ca file     amqps://: the CAs to trust\n" \
	"      --tls-cert file   amqps://: our certificate\n" \
	"      --tls-key file    amqps://: its key\n" \
	"      --tls-name name   amqps://: the name the broker's " \
	"certificate has\n" \
	"      --tls-noverify    amqps://: check no certificate\n"

/* How a tool opens a queue. */
struct ipc_queue_conf {
	struct ipc_create create;	/* -e, -m, -x, the sizes */
	struct ipc_tls_opts tls;	/* --tls- */
	int		 maxprio;	/* --max-priority, 0: the default */
	long		 priority;	/* the priority mq-send sends at */
	int		 unroutable_ok;	/* --unroutable-ok */
	/* A POSIX queue made here takes what this one holds, or NULL. */
	const struct ipc_queue *like;
};
#define IPC_QUEUE_CONF_DEFAULT \
	{ IPC_CREATE_DEFAULT, { NULL, NULL, NULL, NULL, 0 }, 0, 0, 0, NULL }
/* A create option, a backend option (IPC_QUEUE_CASES), into *c. */
void		 ipc_xqueue_option(struct ipc_queue_conf *, int, const char *);

/* What the tool will do with the queue (ipc_queue_open). */
#define IPC_Q_SEND	0x1	/* send to it */
#define IPC_Q_RECV	0x2	/* take from it, and put back */
#define IPC_Q_LOOK	0x4	/* look at it, remove it: never create */

/* Room for a reason: why[] of a queue, and the tools' buffers for one. */
#define IPC_WHYLEN	512

/* A message taken, until it is done with or put back. */
struct ipc_msg {
	char		*data;		/* room for the queue's msgsize */
	size_t		 len;
	unsigned int	 prio;
	uint64_t	 tag;		/* the backend's, for done and putback */
};

struct ipc_queue {
	const struct ipc_queue_backend *be;
	const char	*shown;		/* the name, as messages show it */
	const char	*name;		/* as IPC_MSG_QUEUE gives it */
	size_t		 msgsize;	/* the largest message */
	long		 maxmsg;	/* messages taken before any is done */
	long		 mkmaxmsg;	/* a POSIX queue made to take its */
	long		 mkmsgsize;	/* messages (like): these, or 0 */
	unsigned long	 confirmed;	/* sent, and the queue has them */
	unsigned long	 unconfirmed;	/* after a lost send: the first
					   record it may not have, or 0 */
	unsigned long	 returned;	/* confirmed, but no queue took them
					   (a broker's exchange routed them
					   nowhere) */
	char		 why[IPC_WHYLEN];	/* the last failure, or "" */
};

/*
 * What ipc-ls shows of a broker's queue or exchange (list): the strings
 * are the backend's, valid during the callback.  Names are as the tools
 * take them, without a password, escaped.
 */
struct ipc_queue_binding {
	const char	*name;		/* QUEUE?exchange=EX[&key=KEY], which
					   ipc-rm unbinds; NULL: the
					   destination is an exchange */
	const char	*exchange;	/* the source */
	const char	*dest;		/* the queue (or exchange) bound */
	const char	*desttype;	/* "queue" or "exchange" */
	const char	*key;		/* the routing key or pattern */
};
struct ipc_queue_info {
	const char	*type;		/* "amqp": a queue; "exchange" */
	const char	*name;
	long long	 msgs, consumers;	/* a queue's */
	const char	*kind;		/* an exchange's: fanout, topic... */
	int		 durable;	/* an exchange's; -1: unknown */
	/* Its bindings (an exchange's: from it), but the default
	 * exchange's, which every queue has; NULL with known 0: unknown. */
	const struct ipc_queue_binding *bindings;
	size_t		 nbindings;
	int		 known;		/* the bindings are known */
};
typedef int	(*ipc_queue_lister)(void *, const struct ipc_queue_info *);

/*
 * A backend's operations.  Each returns 0, or -1 with errno:
 *   EAGAIN	nothing now (timeout 0): a full queue, an empty one
 *   ETIMEDOUT	nothing in time
 *   EINTR	SIGINT or SIGTERM came (ipc_signalled)
 *   anything else, with the reason in why[] where errno is not enough.
 * A timeout is relative: NULL waits for ever, { 0, 0 } not at all.
 */
struct ipc_queue_backend {
	const char	*scheme;	/* SCHEME:// and SCHEMEs://; NULL: the
					   plain names, POSIX queues */
	int		 takes;		/* IPC_QT_: the options it takes,
					   and IPC_QT_NOROOMFD */
	/* The name as messages show it (no password), or NULL (ENOMEM). */
	char		*(*shown)(const char *);
	struct ipc_queue *(*open)(const char *, int,
			    const struct ipc_queue_conf *, char *, size_t);
	/* Send one record; it may be confirmed later (sync). */
	int		(*send)(struct ipc_queue *, const char *, size_t,
			    unsigned int, unsigned long,
			    const struct timespec *);
	int		(*sync)(struct ipc_queue *, const struct timespec *);
	/* Take messages ahead, at most window unacknowledged, for waits. */
	int		(*listen)(struct ipc_queue *, long long);
	int		(*take)(struct ipc_queue *, struct ipc_msg *,
			    const struct timespec *);
	/* Delivered: now, or with a later take (a batch). */
	int		(*done)(struct ipc_queue *, const struct ipc_msg *,
			    int);
	/* Not delivered: back on the queue, at its priority. */
	int		(*putback)(struct ipc_queue *, const struct ipc_msg *);
	/* The descriptor to poll(2) for a message (POLLIN); for room
	   (POLLOUT) too, unless takes has IPC_QT_NOROOMFD. */
	int		(*fd)(const struct ipc_queue *);
	int		(*counts)(struct ipc_queue *, long long *,
			    long long *);
	int		(*remove)(struct ipc_queue *);
	/* Remove by name, opening nothing where it need not (ipc-rm). */
	int		(*unlink)(const char *, char *, size_t);
	/* Close and free; -1 when what was done may come again, and why. */
	int		(*close)(struct ipc_queue *, char *, size_t);
	/*
	 * What the name is, each object to the callback (which stops the
	 * list with -1), reached with the --tls options: the count, or -1
	 * and why.  NULL: ipc-ls opens the queue and shows its counts.
	 */
	int		(*list)(const char *, const struct ipc_tls_opts *,
			    ipc_queue_lister, void *, char *, size_t);
};
#define IPC_QT_TLS	0x1	/* --tls- */
#define IPC_QT_MAXPRIO	0x2	/* --max-priority */
#define IPC_QT_UNROUTABLE 0x4	/* --unroutable-ok */
/* Its fd's POLLOUT says nothing of room: a wait for room tries again. */
#define IPC_QT_NOROOMFD	0x8

/*
 * Open the queue the name says (SCHEME://... or a POSIX name), shown in
 * messages as shown (ipc_xqueue_shown's, which the queue borrows): the
 * queue, or NULL and why.
 */
struct ipc_queue *ipc_queue_open(const char *, const char *, int,
		    const struct ipc_queue_conf *, char *, size_t);
/* The name as messages show it, escaped, without a password: the
 * caller's to free.  Exit when memory runs out. */
char		*ipc_xqueue_shown(const char *);
/*
 * Before anything is opened: NULL, or why the backend options given are
 * not for any of the names (a POSIX queue takes no --tls-ca).
 */
const char	*ipc_queue_unused(const struct ipc_queue_conf *,
		    char *const [], int);
/* The reason for the last failure: why[], or errno e's words. */
const char	*ipc_queue_why(const struct ipc_queue *, int);

int		 ipc_queue_send(struct ipc_queue *, const char *, size_t,
		    unsigned int, unsigned long, const struct timespec *);
int		 ipc_queue_sync(struct ipc_queue *, const struct timespec *);
int		 ipc_queue_listen(struct ipc_queue *, long long);
int		 ipc_queue_take(struct ipc_queue *, struct ipc_msg *,
		    const struct timespec *);
int		 ipc_queue_done(struct ipc_queue *, const struct ipc_msg *,
		    int);
int		 ipc_queue_putback(struct ipc_queue *, const struct ipc_msg *);
int		 ipc_queue_fd(const struct ipc_queue *);
int		 ipc_queue_counts(struct ipc_queue *, long long *, long long *);
int		 ipc_queue_remove(struct ipc_queue *);
int		 ipc_queue_unlink(const char *, char *, size_t);
int		 ipc_queue_close(struct ipc_queue *, char *, size_t);
/* The backend's list; -1 with EPROTONOSUPPORT where it has none. */
int		 ipc_queue_list(const char *, const struct ipc_tls_opts *,
		    ipc_queue_lister, void *, char *, size_t);

/* The backends (mq.c, amqp.c); the tools reach them only through these. */
extern const struct ipc_queue_backend ipc_queue_posix;
extern const struct ipc_queue_backend ipc_queue_amqp;

#endif
