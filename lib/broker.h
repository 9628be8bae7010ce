/* broker.h: queues on an AMQP 0-9-1 broker, RabbitMQ (amqp.c). */
#ifndef IPC_BROKER_H
#define IPC_BROKER_H

#include "ipcutils.h"
#include "tls-opt.h"

/* A name that starts with amqp:// or amqps:// is a broker queue. */
int		 ipc_is_amqp(const char *);
/* The name as messages show it: without its password. */
const char	*ipc_amqp_shown(const char *);

/* Long-only options of the broker tools, after the queue sizes. */
#define IPC_OPT_MAXPRIO		0x110
#define IPC_AMQP_LONGOPTS \
	{ "max-priority",	required_argument,	NULL, IPC_OPT_MAXPRIO }, \
	IPC_TLS_LONGOPTS

/* The getopt cases of IPC_AMQP_LONGOPTS, each for ipc_xamqp_option(). */
#define IPC_AMQP_CASES \
	case IPC_OPT_MAXPRIO: \
	IPC_TLS_CASES
/* Their lines in mq-send's and mq-recv's --help. */
#define IPC_AMQP_HELP \
	"      --max-priority n  priorities of a new broker queue (9)\n" \
	"      --tls-ca file     amqps://: the CAs to trust\n" \
	"      --tls-cert file   amqps://: our certificate\n" \
	"      --tls-key file    amqps://: its key\n" \
	"      --tls-name name   amqps://: the name the broker's " \
	"certificate has\n" \
	"      --tls-noverify    amqps://: check no certificate\n"

/* How a tool reaches the broker and what it makes there. */
struct ipc_amqp_conf {
	struct ipc_tls_opts tls;	/* --tls-: name: instead of the host */
	int		 maxprio;	/* --max-priority, 0: 9 */
	int		 given;		/* an option above was given */
	long		 priority;	/* mq-send -p, -1: none */
	int		 missing_ok;	/* a missing queue: NULL, no exit */
};
#define IPC_AMQP_CONF_DEFAULT { { NULL, NULL, NULL, NULL, 0 }, 0, 0, -1, 0 }
void		 ipc_xamqp_option(struct ipc_amqp_conf *, int, const char *);
/* Exit 2 when amqp options were given for a POSIX queue. */
void		 ipc_xamqp_unused(const struct ipc_amqp_conf *);

/* The broker's largest message (RabbitMQ's max_message_size). */
#define IPC_AMQP_MSGMAX	(128L * 1024 * 1024)

struct ipc_amqp;

/*
 * Connect (each host in turn), declare or find the queue as c says, and
 * return it; or exit 2 with the reason (NULL for a missing queue under
 * missing_ok).  *shown is the name to print, without a password.
 */
struct ipc_amqp	*ipc_amqp_xopen(const char *, const struct ipc_amqp_conf *,
		    const struct ipc_create *, const char **);
/* Messages ready and consumers, as the queue's declaration said. */
void		 ipc_amqp_counts(const struct ipc_amqp *, long long *,
		    long long *);
void		 ipc_amqp_xdelete(struct ipc_amqp *);
/* Close the connection and free the queue (the name shown stays). */
void		 ipc_amqp_close(struct ipc_amqp *);
/* ipc-ls, ipc-rm: exit 2 unless every name is a broker's queue; find one
 * that exists (NULL: missing). */
void		 ipc_xamqp_only(char **, int);
struct ipc_amqp	*ipc_amqp_xfind(const char *, const char **);

/*
 * mq-send: publish one record (confirmed later, in batches), then wait
 * for every confirm (xconfirm), and close (xsend_done).  A full queue is
 * retried until the wait runs out: exit 1; a lost connection exits 2;
 * both say what was confirmed.
 */
void		 ipc_amqp_xsend(struct ipc_amqp *, const char *, size_t,
		    unsigned int, unsigned long, const struct ipc_wait *);
void		 ipc_amqp_xconfirm(struct ipc_amqp *, const struct ipc_wait *);
void		 ipc_amqp_xsend_done(struct ipc_amqp *,
		    const struct ipc_wait *);
unsigned long	 ipc_amqp_confirmed(const struct ipc_amqp *);

/*
 * mq-recv.  consume: start a consumer that holds at most prefetch
 * messages unacknowledged (for waits); without it, take() gets what is
 * queued, one basic.get at a time (-n, -d).
 */
#define IPC_AMQP_PREFETCH	2000
void		 ipc_amqp_xconsume(struct ipc_amqp *, long long);
/*
 * Take one message into buf (room for cap bytes): 0, or -1 with errno
 * EAGAIN when none is there and timeout is 0, ETIMEDOUT when none came
 * in time, EINTR when SIGINT or SIGTERM came.  It stays the broker's
 * until done() acknowledges it or putback() gives it back, at its
 * priority.
 */
int		 ipc_amqp_xtake(struct ipc_amqp *, const struct timespec *,
		    char *, size_t, size_t *, unsigned int *, uint64_t *);
void		 ipc_amqp_done(struct ipc_amqp *, uint64_t);
int		 ipc_amqp_putback(struct ipc_amqp *, uint64_t);
/*
 * --exec, where messages are done out of order: acknowledge this one
 * alone, now (0 or -1: the broker is gone); the socket, for poll(2).
 */
int		 ipc_amqp_ack(struct ipc_amqp *, uint64_t);
int		 ipc_amqp_fd(const struct ipc_amqp *);
/* Send what is acknowledged, close and free; exit 2 if the broker is
 * gone. */
void		 ipc_amqp_xclose(struct ipc_amqp *);

#endif
