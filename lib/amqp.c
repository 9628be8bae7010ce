/* amqp.c: the queue backend of amqp:// names: RabbitMQ, through librabbitmq. */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#ifdef HAVE_AMQP_LS
#include "amqp-ls.h"
#endif
#include "cred.h"
#include "queue.h"
#include "sock.h"
#include "url.h"

#define CHANNEL		1
#define DEFPRIO		9		/* a new queue's priorities: 0 to 9 */
#define WINDOW		8192		/* messages in flight, unconfirmed */
#define WINBYTES	(8L << 20)	/* and their bytes */
#define PREFETCH	2000		/* deliveries held, unacknowledged */
#define ACKBATCH	(PREFETCH / 4)	/* done, acknowledged at once */
#define MSGMAX		(128L * 1024 * 1024)	/* RabbitMQ's max_message_size */
#define CONNECT_SECS	30		/* for each host */

/* A message published, kept until the broker confirms it. */
struct flight {
	uint64_t	 tag;		/* 0: refused (queue full), to resend */
	unsigned long	 recno;
	unsigned int	 prio;
	size_t		 len;
	char		*data;
};

struct amqpq {
	struct ipc_queue q;		/* first: the queue the tools hold */
	amqp_connection_state_t conn;
	struct ipc_url	 url;		/* the name, parsed */
	char		*vhost;		/* the path but its last segment */
	const char	*queue;		/* its last segment, or the broker's
					   name of a subscriber's queue */
	/* ?exchange=EX[&type=TYPE][&key=KEY]: NULL, or decoded */
	char		*exchange, *extype, *key;
	char		*ownq;		/* a subscriber's queue, as named */
	int		 mandatory;	/* an unroutable message returns */
	int		 madeq, madex;	/* the queue, the exchange: made by
					   this open, undone if it fails */
	long long	 msgs, consumers;
	/* sending */
	int		 confirming;
	uint64_t	 nexttag;
	struct flight	*fl;
	size_t		 nfl, flbytes;
	unsigned long	 lastrec;
	/* taking */
	int		 consuming;
	uint64_t	 acktag, acked;	/* done() up to acktag; sent: acked */
};

static const struct timeval zerotv = { 0, 0 };

/* Say why in the queue's why[], and fail with errno e. */
static int
fail(struct amqpq *a, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int
fail(struct amqpq *a, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->q.why, sizeof(a->q.why), fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

/*
 * The query, ?exchange=EX[&type=fanout|topic|direct][&key=KEY], each
 * parameter once, decoded as the path is: NULL, or why not.
 */
static const char *
parse_query(struct amqpq *a, const char *query, int *nomem)
{
	static const char *const names[] = { "exchange", "type", "key" };
	char **vals[3];
	const char *p, *end, *eq, *why;
	char *v;
	size_t i, n;

	vals[0] = &a->exchange;
	vals[1] = &a->extype;
	vals[2] = &a->key;
	for (p = query;; p = end + 1) {
		end = p + strcspn(p, "&");
		eq = memchr(p, '=', end - p);
		n = eq != NULL ? (size_t)(eq - p) : (size_t)(end - p);
		if (end == p)
			return "an empty parameter in the query (a lone ? or "
			    "&&)";
		for (i = 0; i < 3; i++)
			if (strlen(names[i]) == n &&
			    memcmp(names[i], p, n) == 0)
				break;
		if (i == 3) {
			if ((v = strndup(p, n)) == NULL) {
				*nomem = 1;
				return "";
			}
			snprintf(a->q.why, sizeof(a->q.why), "%s=: an unknown "
			    "parameter (exchange=, type= and key= are known)",
			    ipc_shown(v));
			free(v);
			return a->q.why;
		}
		if (*vals[i] != NULL)
			return i == 0 ? "exchange= is given twice" : i == 1 ?
			    "type= is given twice" : "key= is given twice";
		if (eq == NULL)
			return i == 0 ? "exchange= has no value" : i == 1 ?
			    "type= has no value" : "key= has no value";
		if ((v = ipc_url_decode(eq + 1, end - eq - 1, &why)) == NULL) {
			*nomem = errno == ENOMEM;
			return why;
		}
		*vals[i] = v;
		if (*end == '\0')
			break;
	}
	if (a->exchange == NULL)
		return "a query without exchange= (amqp://host/?exchange=EX)";
	if (a->exchange[0] == '\0')
		return "exchange= is empty";
	if (strlen(a->exchange) > 255)
		return "exchange= is longer than 255 bytes";
	if (strlen(a->key ? a->key : "") > 255)
		return "key= is longer than 255 bytes";
	if (a->extype != NULL && strcmp(a->extype, "fanout") != 0 &&
	    strcmp(a->extype, "topic") != 0 && strcmp(a->extype, "direct") != 0)
		return "type= is not fanout, topic or direct";
	if (a->key != NULL && a->extype != NULL &&
	    strcmp(a->extype, "fanout") == 0)
		return "key= has no meaning on type=fanout";
	return NULL;
}

/*
 * amqp[s]://[user[:password]@]host[:port][,host[:port]...][/vhost]/queue:
 * the last path segment is the queue, what comes before it the vhost
 * ("/" when nothing does).  NULL, or why not (*nomem: for want of
 * memory).
 */
static const char *
parse(struct amqpq *a, const char *name, int *nomem)
{
	const struct ipc_url *u = &a->url;
	const char *why;

	if (ipc_url_parse(name, "amqp", 5672, 5671, &a->url, &why) == -1) {
		*nomem = errno == ENOMEM;
		return why;
	}
	if (u->query != NULL && (why = parse_query(a, u->query, nomem)) !=
	    NULL)
		return why;
	if (a->exchange == NULL && (u->nsegs == 0 ||
	    u->segs[u->nsegs - 1][0] == '\0'))
		return "no queue in the name (amqp://host/queue)";
	/* An exchange's own subscriber has a queue the broker names. */
	a->queue = u->nsegs > 0 ? u->segs[u->nsegs - 1] : "";
	if (strlen(a->queue) > 255)
		return "the queue's name is longer than 255 bytes";
	if (u->nsegs <= 1)
		a->vhost = strdup("/");
	else
		a->vhost = ipc_url_decode(u->path, strrchr(u->path, '/') -
		    u->path, &why);
	if (a->vhost == NULL) {
		*nomem = errno == ENOMEM;
		return why;
	}
	return NULL;
}

/*
 * The name as messages show it: without its password, which may be on
 * the command line only by the user's own choice.
 */
static char *
amqp_shown(const char *name)
{
	char *s, *v;

	if ((s = ipc_url_shown(name)) == NULL)
		return NULL;
	v = strdup(ipc_shown(s));
	free(s);
	return v;
}

/* What the broker or the library said, as text. */
static const char *
reply_str(amqp_rpc_reply_t r, char *buf, size_t len)
{
	amqp_connection_close_t *cc;
	amqp_channel_close_t *ch;

	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return "no error";
	case AMQP_RESPONSE_NONE:
		return "no reply from the broker";
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		if (r.library_error == AMQP_STATUS_SOCKET_ERROR && errno != 0)
			return strerror(errno);
		return amqp_error_string2(r.library_error);
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		switch (r.reply.id) {
		case AMQP_CONNECTION_CLOSE_METHOD:
			cc = r.reply.decoded;
			snprintf(buf, len, "%.*s", (int)cc->reply_text.len,
			    (char *)cc->reply_text.bytes);
			return buf;
		case AMQP_CHANNEL_CLOSE_METHOD:
			ch = r.reply.decoded;
			snprintf(buf, len, "%.*s", (int)ch->reply_text.len,
			    (char *)ch->reply_text.bytes);
			return buf;
		}
		snprintf(buf, len, "unexpected method 0x%08x", r.reply.id);
		return buf;
	}
	return "unknown reply";
}

/* The broker or the library failed: -1, and what it said. */
static int
failed(struct amqpq *a, amqp_rpc_reply_t r)
{
	char buf[512];

	return fail(a, EPROTO, "%s", reply_str(r, buf, sizeof(buf)));
}

/* The channel the broker closed (a passive declare's 404): open it again. */
static int
reopen(struct amqpq *a)
{
	amqp_channel_close_ok_t ok = { 0 };

	amqp_send_method(a->conn, CHANNEL, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
	amqp_channel_open(a->conn, CHANNEL);
	if (amqp_get_rpc_reply(a->conn).reply_type != AMQP_RESPONSE_NORMAL)
		return failed(a, amqp_get_rpc_reply(a->conn));
	return 0;
}

static int
setup_tls(struct amqpq *a, amqp_socket_t *s, const struct ipc_tls_opts *o)
{
	SSL_CTX *ctx = amqp_ssl_socket_get_context(s);

	if (o->ca != NULL) {
		if (amqp_ssl_socket_set_cacert(s, o->ca) != AMQP_STATUS_OK)
			return fail(a, EINVAL, "--tls-ca %s: cannot load it",
			    o->ca);
	} else if (ctx == NULL || SSL_CTX_set_default_verify_paths(ctx) != 1)
		return fail(a, EINVAL, "no CA certificates: give --tls-ca");
	if (o->cert != NULL && amqp_ssl_socket_set_key(s, o->cert,
	    o->key) != AMQP_STATUS_OK)
		return fail(a, EINVAL, "--tls-cert %s, --tls-key %s: cannot "
		    "load them", o->cert, o->key);
	if (o->noverify) {
		amqp_ssl_socket_set_verify_peer(s, 0);
		amqp_ssl_socket_set_verify_hostname(s, 0);
	} else if (o->name != NULL) {
		/* The certificate must name --tls-name, not the host. */
		amqp_ssl_socket_set_verify_hostname(s, 0);
		if (ctx == NULL || X509_VERIFY_PARAM_set1_host(
		    SSL_CTX_get0_param(ctx), o->name, 0) != 1)
			return fail(a, EINVAL, "--tls-name %s: cannot use it",
			    o->name);
	}
	return 0;
}

/*
 * librabbitmq says "a socket error occurred" whatever the error was:
 * connect again ourselves, to learn it ("Connection refused").
 */
static const char *
socket_error(const struct ipc_url_host *h, int st)
{
	char port[8];
	int fd, gaierr;

	if (st != AMQP_STATUS_SOCKET_ERROR)
		return amqp_error_string2(st);
	snprintf(port, sizeof(port), "%d", h->port);
	if ((fd = ipc_connect_any(h->name, port, SOCK_STREAM, &gaierr)) != -1) {
		close(fd);
		return amqp_error_string2(st);
	}
	return gaierr != 0 ? gai_strerror(gaierr) : strerror(errno);
}

/*
 * Connect to one host and log in: 0, or -1 and why.  *fatal: the broker
 * itself refused, or we cannot go on (no use trying the next host).
 */
static int
connect1(struct amqpq *a, const struct ipc_url_host *h,
    const struct ipc_tls_opts *o, int *fatal)
{
	/*
	 * Without consumer_cancel_notify the broker drops a consumer whose
	 * queue is deleted without a word, and mq-recv would wait on it
	 * for ever; with it, basic.cancel comes: "the queue is gone".
	 * librabbitmq adds its own capabilities to these.
	 */
	static amqp_table_entry_t cap = { { 22, "consumer_cancel_notify" },
	    { AMQP_FIELD_KIND_BOOLEAN, { .boolean = 1 } } };
	static amqp_table_entry_t prop = { { 12, "capabilities" },
	    { AMQP_FIELD_KIND_TABLE, { .table = { 1, &cap } } } };
	static amqp_table_t clientprops = { 1, &prop };
	struct timeval tv = { CONNECT_SECS, 0 };
	struct ipc_cred cred;
	char buf[512];
	amqp_socket_t *s;
	amqp_rpc_reply_t r;
	int st;

	*fatal = 1;
	if (ipc_cred_get(&cred, "amqp", h->name, a->url.user,
	    a->url.password) == -1) {
		fail(a, errno, "%s", cred.why);
		ipc_cred_free(&cred);
		return -1;
	}
	if ((a->conn = amqp_new_connection()) == NULL) {
		ipc_cred_free(&cred);
		return fail(a, ENOMEM, "%s", strerror(ENOMEM));
	}
	s = a->url.tls ? amqp_ssl_socket_new(a->conn) :
	    amqp_tcp_socket_new(a->conn);
	if (s == NULL) {
		fail(a, ENOMEM, "%s", strerror(ENOMEM));
		goto out;
	}
	if (a->url.tls && setup_tls(a, s, o) == -1)
		goto out;
	*fatal = 0;
	if ((st = amqp_socket_open_noblock(s, h->name, h->port, &tv)) !=
	    AMQP_STATUS_OK) {
		fail(a, ECONNREFUSED, "%s", socket_error(h, st));
		goto out;
	}
	r = amqp_login_with_properties(a->conn, a->vhost, 0,
	    AMQP_DEFAULT_FRAME_SIZE, 0, &clientprops, AMQP_SASL_METHOD_PLAIN,
	    cred.user ? cred.user : "guest",
	    cred.password ? cred.password : "guest");
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		*fatal = r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION;
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    r.library_error == AMQP_STATUS_CONNECTION_CLOSED) {
			*fatal = 1;
			fail(a, EACCES, "the broker closed the connection "
			    "(login refused?)");
		} else
			fail(a, EACCES, "%s", reply_str(r, buf, sizeof(buf)));
		goto out;
	}
	amqp_channel_open(a->conn, CHANNEL);
	r = amqp_get_rpc_reply(a->conn);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		*fatal = 1;
		failed(a, r);
		goto out;
	}
	ipc_cred_free(&cred);
	return 0;
out:
	ipc_cred_free(&cred);
	amqp_destroy_connection(a->conn);
	a->conn = NULL;
	return -1;
}

/* Each host in turn, until one answers: 0, or -1 and why. */
static int
connect_any(struct amqpq *a, const struct ipc_tls_opts *o)
{
	char all[2 * sizeof(a->q.why)] = "";
	size_t i;
	int fatal, e;

	for (i = 0; i < a->url.nhosts; i++) {
		if (connect1(a, &a->url.hosts[i], o, &fatal) == 0)
			return 0;
		if (fatal || a->url.nhosts == 1)
			return -1;
		snprintf(all + strlen(all), sizeof(all) - strlen(all),
		    "%s%s:%d: %s", i ? "; " : "", a->url.hosts[i].name,
		    a->url.hosts[i].port, a->q.why);
	}
	e = errno;
	return fail(a, e, "no host answered: %s", all);
}

/* Was r the broker's 404, a queue that is not there? */
static int
notfound(amqp_rpc_reply_t r)
{
	return r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION &&
	    r.reply.id == AMQP_CHANNEL_CLOSE_METHOD &&
	    ((amqp_channel_close_t *)r.reply.decoded)->reply_code == 404;
}

/*
 * Find the queue, or make it: durable, priorities, a length limit.  0,
 * or -1 and why (ENOENT for a queue that is not there, not to be made).
 */
static int
declare(struct amqpq *a, const struct ipc_queue_conf *conf, int look)
{
	const struct ipc_create *c = &conf->create;
	amqp_table_entry_t e[3];
	amqp_table_t args = { 0, e };
	amqp_queue_declare_ok_t *ok;
	amqp_rpc_reply_t r;
	amqp_bytes_t q = amqp_cstring_bytes(a->queue);
	char buf[512];
	int maxprio = conf->maxprio ? conf->maxprio : DEFPRIO;

	ok = amqp_queue_declare(a->conn, CHANNEL, q, 1, 0, 0, 0,
	    amqp_empty_table);
	if (ok != NULL) {
		if (c->exclusive && !look)
			return fail(a, EEXIST, "%s", strerror(EEXIST));
		goto found;
	}
	r = amqp_get_rpc_reply(a->conn);
	if (!notfound(r))
		return failed(a, r);
	if (look || !c->create) {
		/* Said as the broker says it, and ENOENT for the tools. */
		reply_str(r, buf, sizeof(buf));
		if (reopen(a) == -1)
			return -1;
		if (look)
			return fail(a, ENOENT, "%s", strerror(ENOENT));
		return fail(a, ENOENT, "%s", buf);
	}
	/* Checked before the queue is made, so that nothing changes. */
	if (conf->priority > maxprio)
		return fail(a, EINVAL, "priority %ld is over the new queue's "
		    "maximum of %d (--max-priority)", conf->priority, maxprio);
	if (reopen(a) == -1)
		return -1;
	e[0].key = amqp_cstring_bytes("x-max-priority");
	e[0].value.kind = AMQP_FIELD_KIND_I32;
	e[0].value.value.i32 = maxprio;
	args.num_entries = 1;
	if (c->maxmsg) {
		e[1].key = amqp_cstring_bytes("x-max-length");
		e[1].value.kind = AMQP_FIELD_KIND_I64;
		e[1].value.value.i64 = c->maxmsg;
		e[2].key = amqp_cstring_bytes("x-overflow");
		e[2].value.kind = AMQP_FIELD_KIND_UTF8;
		e[2].value.value.bytes = amqp_cstring_bytes("reject-publish");
		args.num_entries = 3;
	}
	ok = amqp_queue_declare(a->conn, CHANNEL, q, 0, 1, 0, 0, args);
	if (ok == NULL)
		return failed(a, amqp_get_rpc_reply(a->conn));
	a->madeq = 1;
found:
	a->msgs = ok->message_count;
	a->consumers = ok->consumer_count;
	return 0;
}

/*
 * Find the exchange, or make it: durable, fanout unless type= says.  An
 * exchange of another type than type= is the broker's to refuse.  0, or
 * -1 and why (ENOENT: not there, not to be made).
 */
static int
declare_exchange(struct amqpq *a, const struct ipc_queue_conf *conf,
    int look)
{
	const struct ipc_create *c = &conf->create;
	amqp_bytes_t ex = amqp_cstring_bytes(a->exchange);
	amqp_rpc_reply_t r;
	char buf[512];
	int make = 0;

	if (amqp_exchange_declare(a->conn, CHANNEL, ex,
	    amqp_cstring_bytes("fanout"), 1, 0, 0, 0, amqp_empty_table) !=
	    NULL) {
		/* -x is the exchange's only where no queue is named. */
		if (c->exclusive && !look && a->queue[0] == '\0')
			return fail(a, EEXIST, "%s", strerror(EEXIST));
		if (look || a->extype == NULL)
			return 0;
	} else {
		r = amqp_get_rpc_reply(a->conn);
		if (!notfound(r))
			return failed(a, r);
		reply_str(r, buf, sizeof(buf));
		if (reopen(a) == -1)
			return -1;
		if (look)
			return fail(a, ENOENT, "%s", strerror(ENOENT));
		if (!c->create)
			return fail(a, ENOENT, "%s", buf);
		if (a->key != NULL && a->key[0] != '\0' && a->extype == NULL)
			return fail(a, EINVAL, "key= needs type=topic or "
			    "type=direct to make the exchange");
		make = 1;
	}
	if (amqp_exchange_declare(a->conn, CHANNEL, ex, amqp_cstring_bytes(
	    a->extype ? a->extype : "fanout"), 0, 1, 0, 0,
	    amqp_empty_table) == NULL)
		return failed(a, amqp_get_rpc_reply(a->conn));
	a->madex = make;
	return 0;
}

/* A subscriber's own queue: the broker names it, and drops it with us. */
static int
declare_own(struct amqpq *a)
{
	amqp_table_entry_t e;
	amqp_table_t args = { 1, &e };
	amqp_queue_declare_ok_t *ok;

	e.key = amqp_cstring_bytes("x-max-priority");
	e.value.kind = AMQP_FIELD_KIND_I32;
	e.value.value.i32 = DEFPRIO;
	if ((ok = amqp_queue_declare(a->conn, CHANNEL, amqp_empty_bytes, 0, 0,
	    1, 1, args)) == NULL)
		return failed(a, amqp_get_rpc_reply(a->conn));
	if ((a->ownq = strndup(ok->queue.bytes, ok->queue.len)) == NULL)
		return fail(a, ENOMEM, "%s", strerror(ENOMEM));
	a->queue = a->ownq;
	return 0;
}

static int
bind_queue(struct amqpq *a)
{
	if (amqp_queue_bind(a->conn, CHANNEL, amqp_cstring_bytes(a->queue),
	    amqp_cstring_bytes(a->exchange), amqp_cstring_bytes(a->key ?
	    a->key : ""), amqp_empty_table) == NULL)
		return failed(a, amqp_get_rpc_reply(a->conn));
	return 0;
}

/*
 * The queue or the binding was refused (a reserved name; a user who may
 * make queues but not read the exchange, or not make a subscriber's own
 * amq.gen-* queue): the named queue and the exchange that this open
 * made go again, so that the refusal changes nothing.  A subscriber's own queue goes with the connection.  The
 * reason and errno stay the refusal's.
 */
static void
undo(struct amqpq *a)
{
	char why[sizeof(a->q.why)];
	int e = errno;

	if (!a->madex && !(a->madeq && a->ownq == NULL))
		return;
	memcpy(why, a->q.why, sizeof(why));
	if (reopen(a) == 0) {
		if (a->madeq && a->ownq == NULL)
			amqp_queue_delete(a->conn, CHANNEL,
			    amqp_cstring_bytes(a->queue), 0, 1);
		if (a->madex)
			amqp_exchange_delete(a->conn, CHANNEL,
			    amqp_cstring_bytes(a->exchange), 1);
	}
	memcpy(a->q.why, why, sizeof(why));
	errno = e;
}

/*
 * What the name is: a queue; an exchange, and for mq-recv a queue of its
 * own bound to it; an exchange and a named queue bound to it.
 */
static int
declare_all(struct amqpq *a, const struct ipc_queue_conf *conf, int flags)
{
	int look = flags & IPC_Q_LOOK;

	if (a->exchange == NULL)
		return declare(a, conf, look);
	if (declare_exchange(a, conf, look) == -1)
		return -1;
	if (a->queue[0] != '\0') {
		if (declare(a, conf, look) == -1) {
			undo(a);
			return -1;
		}
	} else if (!(flags & IPC_Q_RECV) || look)
		return 0;
	else if (declare_own(a) == -1) {
		undo(a);
		return -1;
	}
	if (look)
		return 0;
	if (bind_queue(a) == -1) {
		undo(a);
		return -1;
	}
	return 0;
}

/* Everything: the connection, if it is still there, too. */
static void
release(struct amqpq *a)
{
	size_t i;

	if (a->conn != NULL)
		amqp_destroy_connection(a->conn);
	for (i = 0; i < a->nfl; i++)
		free(a->fl[i].data);
	free(a->fl);
	ipc_url_free(&a->url);
	free(a->vhost);
	free(a->exchange);
	free(a->extype);
	free(a->key);
	free(a->ownq);
	free((char *)a->q.name);
	free(a);
}

/* What a POSIX queue's options cannot mean here: why, or NULL. */
static const char *
unmapped(const struct ipc_queue_conf *conf, int tls, char *buf, size_t len)
{
	const struct ipc_create *c = &conf->create;

	if (c->modeset)
		return "-m has no meaning for a broker's queue";
	if (c->msgsize)
		return "--message-size has no meaning for a broker's queue";
	if (c->anyowner)
		return "--any-owner has no meaning for a broker's queue (the "
		    "broker's permissions decide)";
	if (conf->priority > 255) {
		snprintf(buf, len, "priority %ld is over 255, a broker's "
		    "highest", conf->priority);
		return buf;
	}
	return ipc_tls_check(&conf->tls, tls, 0, "an amqps:// name", buf,
	    len);
}

static struct ipc_queue *
amqp_qopen(const char *name, int flags, const struct ipc_queue_conf *conf,
    char *why, size_t len)
{
	struct amqpq *a;
	const char *e;
	int nomem = 0, ec;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if ((e = parse(a, name, &nomem)) != NULL || nomem ||
	    (e = unmapped(conf, a->url.tls, why, len)) != NULL) {
		if (nomem) {
			release(a);
			errno = ENOMEM;
			return NULL;
		}
		if (e != why)
			snprintf(why, len, "%s", e);
		release(a);
		errno = EINVAL;
		return NULL;
	}
	if (connect_any(a, &conf->tls) == -1 ||
	    declare_all(a, conf, flags) == -1) {
		snprintf(why, len, "%s", a->q.why);
		ec = errno;
		release(a);
		errno = ec;
		return NULL;
	}
	if ((a->q.name = ipc_url_shown(name)) == NULL) {
		release(a);
		errno = ENOMEM;
		return NULL;
	}
	a->q.msgsize = MSGMAX;
	a->q.maxmsg = PREFETCH / 2;
	a->mandatory = a->exchange == NULL || !conf->unroutable_ok;
	return &a->q;
}

/*
 * Wait until the broker's socket has something, at most until abs (NULL:
 * forever).  1: readable, 0: the time ran out, -1: a signal came.
 */
static int
wait_readable(struct amqpq *a, const struct timespec *abs)
{
	struct pollfd p;
	int n;

	if (amqp_data_in_buffer(a->conn) || amqp_frames_enqueued(a->conn))
		return 1;
	p.fd = amqp_get_sockfd(a->conn);
	p.events = POLLIN;
	for (;;) {
		n = poll(&p, 1, abs ? ipc_ms_until(abs) : -1);
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return 1;	/* the library will say what is wrong */
		if (ipc_signalled)
			return -1;
	}
}

/*
 * The connection is gone while sending: -1, why, and the first record
 * that the broker may not have.
 */
static int
lost(struct amqpq *a, const char *why)
{
	unsigned long first = a->nfl ? a->fl[0].recno : a->lastrec;
	size_t i;

	for (i = 1; i < a->nfl; i++)
		if (a->fl[i].recno < first)
			first = a->fl[i].recno;
	a->q.unconfirmed = first;
	return fail(a, EPIPE, "%s", why);
}

static int
lost_status(struct amqpq *a, int st)
{
	return lost(a, st == AMQP_STATUS_SOCKET_ERROR && errno ?
	    strerror(errno) : amqp_error_string2(st));
}

/* The broker confirmed (ok) or refused the messages up to tag. */
static void
settle(struct amqpq *a, uint64_t tag, int multiple, int ok)
{
	size_t i, j;

	for (i = j = 0; i < a->nfl; i++) {
		struct flight *f = &a->fl[i];

		if (f->tag != 0 && (f->tag == tag || (multiple &&
		    f->tag < tag))) {
			if (ok) {
				a->q.confirmed++;
				a->flbytes -= f->len;
				free(f->data);
				continue;
			}
			f->tag = 0;
		}
		a->fl[j++] = *f;
	}
	a->nfl = j;
}

/* A method that closes the channel or the connection, as text. */
static const char *
closed_str(const amqp_method_t *m, char *buf, size_t len)
{
	const amqp_channel_close_t *cc;
	const amqp_connection_close_t *xc;

	if (m->id == AMQP_CHANNEL_CLOSE_METHOD) {
		cc = m->decoded;
		snprintf(buf, len, "%.*s", (int)cc->reply_text.len,
		    (char *)cc->reply_text.bytes);
	} else {
		xc = m->decoded;
		snprintf(buf, len, "%.*s", (int)xc->reply_text.len,
		    (char *)xc->reply_text.bytes);
	}
	return buf;
}

/*
 * Take in what the broker sent: confirms, refusals, a close.  block:
 * wait for one frame at least.  0, or -1 (EINTR: a signal came).
 */
static int
pump(struct amqpq *a, int block)
{
	char buf[512];
	amqp_frame_t fr;
	amqp_basic_ack_t *ack;
	amqp_basic_nack_t *nack;
	int st, got = 0;

	for (;;) {
		if (!got && block) {
			if (wait_readable(a, NULL) == -1) {
				errno = EINTR;
				return -1;
			}
		} else if (!amqp_data_in_buffer(a->conn) &&
		    !amqp_frames_enqueued(a->conn)) {
			struct pollfd p = { amqp_get_sockfd(a->conn), POLLIN,
			    0 };

			if (poll(&p, 1, 0) <= 0)
				return 0;
		}
		st = amqp_simple_wait_frame_noblock(a->conn, &fr, &zerotv);
		if (st == AMQP_STATUS_TIMEOUT)
			continue;
		if (st != AMQP_STATUS_OK)
			return lost_status(a, st);
		got = 1;
		if (fr.frame_type != AMQP_FRAME_METHOD)
			continue;
		switch (fr.payload.method.id) {
		case AMQP_BASIC_ACK_METHOD:
			ack = fr.payload.method.decoded;
			settle(a, ack->delivery_tag, ack->multiple, 1);
			break;
		case AMQP_BASIC_NACK_METHOD:
			nack = fr.payload.method.decoded;
			settle(a, nack->delivery_tag, nack->multiple, 0);
			break;
		case AMQP_BASIC_RETURN_METHOD:
			/* Through an exchange: counted; its ack follows. */
			if (a->exchange != NULL) {
				a->q.returned++;
				break;
			}
			return lost(a, "the queue is gone");
		case AMQP_CHANNEL_CLOSE_METHOD:
		case AMQP_CONNECTION_CLOSE_METHOD:
			return lost(a, closed_str(&fr.payload.method, buf,
			    sizeof(buf)));
		}
		amqp_maybe_release_buffers(a->conn);
	}
}

static int
publish(struct amqpq *a, struct flight *f)
{
	amqp_basic_properties_t props;
	amqp_bytes_t body = { f->len, f->data };
	int st;

	props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_PRIORITY_FLAG;
	props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
	props.priority = f->prio;
	if (a->exchange != NULL)
		st = amqp_basic_publish(a->conn, CHANNEL, amqp_cstring_bytes(
		    a->exchange), amqp_cstring_bytes(a->key ? a->key : ""),
		    a->mandatory, 0, &props, body);
	else
		st = amqp_basic_publish(a->conn, CHANNEL, amqp_empty_bytes,
		    amqp_cstring_bytes(a->queue), 1, 0, &props, body);
	if (st != AMQP_STATUS_OK)
		return lost_status(a, st);
	f->tag = ++a->nexttag;
	return 0;
}

/* Sleep a little, as a full queue tells nobody when it has room. */
static int
backoff(struct amqpq *a, int *ms)
{
	struct timespec ts = { *ms / 1000, *ms % 1000 * 1000000L };

	if (nanosleep(&ts, NULL) == -1 && ipc_signalled)
		return fail(a, EINTR, "queue is full");
	if (*ms < 100)
		*ms *= 2;
	return 0;
}

/* Are messages refused and not yet sent again? */
static int
refused(const struct amqpq *a)
{
	size_t i;

	for (i = 0; i < a->nfl && a->fl[i].tag != 0; i++)
		continue;
	return i < a->nfl;
}

/*
 * The wait for room ran out: what the broker refused is not queued, and
 * is forgotten, as a POSIX queue's mq_send(3) that failed leaves nothing:
 * a later send (mq-recv --exec's next try for --failed) must not send it
 * again, behind its caller's back.
 */
static void
forget_refused(struct amqpq *a)
{
	size_t i;

	for (i = 0; i < a->nfl; i++)
		free(a->fl[i].data);
	a->nfl = 0;
	a->flbytes = 0;
}

/*
 * The broker refused messages: the queue is full.  Let everything in
 * flight settle, then send the refused ones again, one at a time and in
 * order, until they fit or the wait runs out (ETIMEDOUT: those left are
 * forgotten).
 */
static int
retry(struct amqpq *a, const struct timespec *timeout)
{
	struct timespec abs, *deadline = NULL;
	unsigned long before;
	size_t i;
	int ms = 1, pending;

	for (;;) {
		for (;;) {
			for (i = 0, pending = 0; i < a->nfl; i++)
				pending += a->fl[i].tag != 0;
			if (!pending)
				break;
			if (pump(a, 1) == -1)
				return -1;
		}
		if (a->nfl == 0)
			return 0;
		if (timeout != NULL && deadline == NULL)
			deadline = ipc_deadline(timeout, &abs);
		/* Nothing is in flight now: every one left was refused. */
		if (deadline != NULL && ipc_expired(deadline)) {
			forget_refused(a);
			errno = ETIMEDOUT;
			return -1;
		}
		if (backoff(a, &ms) == -1)
			return -1;
		before = a->q.confirmed;
		if (publish(a, &a->fl[0]) == -1)
			return -1;
		while (a->nfl > 0 && a->fl[0].tag != 0)
			if (pump(a, 1) == -1)
				return -1;
		if (a->q.confirmed > before) {
			/* Room again: a fresh wait for the next one. */
			deadline = NULL;
			ms = 1;
		}
	}
}

static int
confirm_select(struct amqpq *a)
{
	amqp_confirm_select(a->conn, CHANNEL);
	if (amqp_get_rpc_reply(a->conn).reply_type != AMQP_RESPONSE_NORMAL)
		return failed(a, amqp_get_rpc_reply(a->conn));
	if ((a->fl = reallocarray(NULL, WINDOW, sizeof(*a->fl))) == NULL)
		return -1;
	a->confirming = 1;
	return 0;
}

/* Publish one record, confirmed later, in batches (amqp_qsync). */
static int
amqp_qsend(struct ipc_queue *q, const char *msg, size_t len,
    unsigned int prio, unsigned long recno, const struct timespec *timeout)
{
	struct amqpq *a = (struct amqpq *)q;
	struct flight *f;

	if (!a->confirming && confirm_select(a) == -1)
		return -1;
	a->lastrec = recno;
	if (ipc_signalled) {
		errno = EINTR;
		return -1;
	}
	if (pump(a, 0) == -1)
		return -1;
	while (a->nfl >= WINDOW || a->flbytes >= WINBYTES)
		if (pump(a, 1) == -1)
			return -1;
	while (refused(a))
		if (retry(a, timeout) == -1)
			return -1;
	f = &a->fl[a->nfl];
	f->recno = recno;
	f->prio = prio;
	f->len = len;
	if ((f->data = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(f->data, msg, len);
	a->nfl++;
	a->flbytes += len;
	return publish(a, f);
}

/* Wait until the broker has confirmed every message sent. */
static int
amqp_qsync(struct ipc_queue *q, const struct timespec *timeout)
{
	struct amqpq *a = (struct amqpq *)q;

	while (a->nfl > 0)
		if ((refused(a) ? retry(a, timeout) : pump(a, 1)) == -1)
			return -1;
	return 0;
}

/* The method that came instead of a message: -1 and why. */
static int
unexpected(struct amqpq *a)
{
	char buf[512];
	amqp_frame_t fr;
	int st;

	if ((st = amqp_simple_wait_frame(a->conn, &fr)) != AMQP_STATUS_OK)
		return fail(a, EPROTO, "%s", amqp_error_string2(st));
	if (fr.frame_type == AMQP_FRAME_METHOD)
		switch (fr.payload.method.id) {
		case AMQP_BASIC_CANCEL_METHOD:
			return fail(a, EPROTO, "the queue is gone");
		case AMQP_CHANNEL_CLOSE_METHOD:
		case AMQP_CONNECTION_CLOSE_METHOD:
			return fail(a, EPROTO, "%s", closed_str(
			    &fr.payload.method, buf, sizeof(buf)));
		}
	return fail(a, EPROTO, "unexpected frame %d", fr.frame_type);
}

/* Copy a message out: 0, or -1 when it is larger than the room. */
static int
deliver(struct amqpq *a, const amqp_message_t *msg, struct ipc_msg *m)
{
	if (msg->body.len > a->q.msgsize)
		return fail(a, EMSGSIZE, "a message of %zu bytes is over %zu",
		    msg->body.len, a->q.msgsize);
	memcpy(m->data, msg->body.bytes, msg->body.len);
	m->len = msg->body.len;
	m->prio = msg->properties._flags & AMQP_BASIC_PRIORITY_FLAG ?
	    msg->properties.priority : 0;
	return 0;
}

/* Acknowledge, at once, everything done() up to now. */
static int
send_acks(struct amqpq *a)
{
	if (a->acktag <= a->acked)
		return 0;
	if (amqp_basic_ack(a->conn, CHANNEL, a->acktag, 1) != AMQP_STATUS_OK)
		return fail(a, EPIPE, "the broker is gone");
	a->acked = a->acktag;
	return 0;
}

/* Without a consumer: what is queued, one basic.get at a time. */
static int
get(struct amqpq *a, struct ipc_msg *m)
{
	amqp_message_t msg;
	amqp_rpc_reply_t r;
	int rv;

	r = amqp_basic_get(a->conn, CHANNEL, amqp_cstring_bytes(a->queue), 0);
	if (r.reply_type != AMQP_RESPONSE_NORMAL)
		return failed(a, r);
	if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) {
		errno = EAGAIN;
		return -1;
	}
	m->tag = ((amqp_basic_get_ok_t *)r.reply.decoded)->delivery_tag;
	r = amqp_read_message(a->conn, CHANNEL, &msg, 0);
	if (r.reply_type != AMQP_RESPONSE_NORMAL)
		return failed(a, r);
	rv = deliver(a, &msg, m);
	amqp_destroy_message(&msg);
	return rv;
}

/*
 * Start a consumer that holds at most window messages unacknowledged (0:
 * as many as PREFETCH), for the waits; without one, take() gets what is
 * queued, one basic.get at a time (-n, -d).
 */
static int
amqp_qlisten(struct ipc_queue *q, long long window)
{
	struct amqpq *a = (struct amqpq *)q;

	if (window <= 0 || window > PREFETCH)
		window = PREFETCH;
	if (amqp_basic_qos(a->conn, CHANNEL, 0, window, 0) == NULL ||
	    amqp_basic_consume(a->conn, CHANNEL, amqp_cstring_bytes(a->queue),
	    amqp_empty_bytes, 0, 0, 0, amqp_empty_table) == NULL)
		return failed(a, amqp_get_rpc_reply(a->conn));
	a->consuming = 1;
	return 0;
}

/*
 * Take one message.  It stays the broker's until done() acknowledges it
 * or putback() gives it back, at its priority.
 */
static int
amqp_qtake(struct ipc_queue *q, struct ipc_msg *m,
    const struct timespec *timeout)
{
	static const struct timespec zero = { 0, 0 };
	struct amqpq *a = (struct amqpq *)q;
	struct timespec abs, *deadline;
	amqp_envelope_t env;
	amqp_rpc_reply_t r;
	int nowait, rv;

	/*
	 * A consumer's acknowledgements wait for a batch, or for a wait for
	 * the broker (which may be holding back for want of them): an ack
	 * a message costs a write each.
	 */
	if ((!a->consuming || a->acktag - a->acked >= ACKBATCH) &&
	    send_acks(a) == -1)
		return -1;
	amqp_maybe_release_buffers(a->conn);
	if (!a->consuming)
		return get(a, m);
	nowait = timeout != NULL && timeout->tv_sec == 0 &&
	    timeout->tv_nsec == 0;
	deadline = nowait ? NULL : ipc_deadline(timeout, &abs);
	for (;;) {
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		if (!amqp_data_in_buffer(a->conn) &&
		    !amqp_frames_enqueued(a->conn)) {
			if (send_acks(a) == -1)
				return -1;
			if (nowait) {
				ipc_deadline(&zero, &abs);
				deadline = &abs;
			}
			if ((rv = wait_readable(a, deadline)) == -1) {
				errno = EINTR;
				return -1;
			}
			if (rv == 0) {
				errno = nowait ? EAGAIN : ETIMEDOUT;
				return -1;
			}
		}
		r = amqp_consume_message(a->conn, &env, &zerotv, 0);
		if (r.reply_type == AMQP_RESPONSE_NORMAL) {
			rv = deliver(a, &env.message, m);
			m->tag = env.delivery_tag;
			amqp_destroy_envelope(&env);
			return rv;
		}
		if (r.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION)
			return failed(a, r);
		if (r.library_error == AMQP_STATUS_TIMEOUT)
			continue;
		if (r.library_error == AMQP_STATUS_UNEXPECTED_STATE)
			return unexpected(a);
		return failed(a, r);
	}
}

/*
 * Delivered: acknowledged with others, by a later take or at close;
 * or now, alone (messages a command was run for end in any order).
 */
static int
amqp_qdone(struct ipc_queue *q, const struct ipc_msg *m, int now)
{
	struct amqpq *a = (struct amqpq *)q;

	if (!now) {
		if (m->tag > a->acktag)
			a->acktag = m->tag;
		return 0;
	}
	if (send_acks(a) == -1 ||
	    amqp_basic_ack(a->conn, CHANNEL, m->tag, 0) != AMQP_STATUS_OK)
		return fail(a, EPIPE, "the broker is gone");
	return 0;
}

static int
amqp_qputback(struct ipc_queue *q, const struct ipc_msg *m)
{
	struct amqpq *a = (struct amqpq *)q;

	if (send_acks(a) == -1 ||
	    amqp_basic_nack(a->conn, CHANNEL, m->tag, 0, 1) != AMQP_STATUS_OK)
		return fail(a, EPIPE, "the broker is gone");
	return 0;
}

static int
amqp_qfd(const struct ipc_queue *q)
{
	return amqp_get_sockfd(((const struct amqpq *)q)->conn);
}

/* Messages ready and consumers, as the queue's declaration said. */
static int
amqp_qcounts(struct ipc_queue *q, long long *msgs, long long *readers)
{
	struct amqpq *a = (struct amqpq *)q;

	if (a->queue[0] == '\0')
		return fail(a, ENOTSUP, "an exchange holds no messages, and "
		    "AMQP cannot read its type or bindings");
	*msgs = a->msgs;
	*readers = a->consumers;
	return 0;
}

static int
amqp_qremove(struct ipc_queue *q)
{
	struct amqpq *a = (struct amqpq *)q;
	amqp_bytes_t ex;
	int ok;

	/*
	 * The name of an exchange: the exchange goes.  A queue named with
	 * an exchange is a subscription: it is unbound, and stays.
	 */
	if (a->exchange != NULL && a->ownq == NULL) {
		ex = amqp_cstring_bytes(a->exchange);
		if (a->queue[0] == '\0')
			ok = amqp_exchange_delete(a->conn, CHANNEL, ex, 0) !=
			    NULL;
		else
			ok = amqp_queue_unbind(a->conn, CHANNEL,
			    amqp_cstring_bytes(a->queue), ex,
			    amqp_cstring_bytes(a->key ? a->key : ""),
			    amqp_empty_table) != NULL;
		return ok ? 0 : failed(a, amqp_get_rpc_reply(a->conn));
	}
	if (amqp_queue_delete(a->conn, CHANNEL, amqp_cstring_bytes(a->queue),
	    0, 0) == NULL)
		return failed(a, amqp_get_rpc_reply(a->conn));
	return 0;
}

/*
 * Send the acknowledgements due, close, free: -1 when the broker is gone
 * before it heard them, for the messages written may come again.
 */
static int
amqp_qclose(struct ipc_queue *q, char *why, size_t len)
{
	struct amqpq *a = (struct amqpq *)q;
	amqp_rpc_reply_t r;
	int ok;

	ok = send_acks(a) == 0;
	if (ok) {
		r = amqp_channel_close(a->conn, CHANNEL, AMQP_REPLY_SUCCESS);
		if (r.reply_type == AMQP_RESPONSE_NORMAL)
			r = amqp_connection_close(a->conn,
			    AMQP_REPLY_SUCCESS);
		ok = r.reply_type == AMQP_RESPONSE_NORMAL;
	}
	/* What was acknowledged matters; a sender's close need not. */
	if (!ok && a->acktag > 0) {
		snprintf(why, len, "the broker is gone: the messages written "
		    "may come again");
		release(a);
		errno = EPIPE;
		return -1;
	}
	release(a);
	return 0;
}

/* A broker's queue is removed through a connection to it. */
static int
amqp_qunlink(const char *name, char *why, size_t len)
{
	struct ipc_queue_conf conf = IPC_QUEUE_CONF_DEFAULT;
	struct ipc_queue *q;
	char buf[IPC_WHYLEN];
	int e;

	if ((q = amqp_qopen(name, IPC_Q_LOOK, &conf, why, len)) == NULL)
		return -1;
	if (amqp_qremove(q) == -1) {
		e = errno;
		snprintf(why, len, "%s", q->why);
		amqp_qclose(q, buf, sizeof(buf));
		errno = e;
		return -1;
	}
	return amqp_qclose(q, why, len);
}

#ifdef HAVE_AMQP_LS
/*
 * An exchange's type and durability, as declares tell them: the broker
 * refuses one that differs from what is there, saying what is ("...
 * inequivalent arg 'type' ...: received 'fanout' but current is
 * 'topic'"), and checks the type before the durability.  The exchange
 * was just found (a passive declare), so nothing is made, unless it
 * goes in between.  0, or -1 and why.
 */
static int
probe_exchange(struct amqpq *a, char *kind, size_t kindlen, int *durable)
{
	amqp_bytes_t ex = amqp_cstring_bytes(a->exchange);
	amqp_channel_close_t *ch;
	amqp_rpc_reply_t r;
	char buf[512];
	const char *cur;
	int again;

	snprintf(kind, kindlen, "fanout");
	*durable = 1;
	for (again = 0; again < 2; again++) {
		if (amqp_exchange_declare(a->conn, CHANNEL, ex,
		    amqp_cstring_bytes(kind), 0, 1, 0, 0, amqp_empty_table) !=
		    NULL)
			return 0;
		r = amqp_get_rpc_reply(a->conn);
		if (r.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION ||
		    r.reply.id != AMQP_CHANNEL_CLOSE_METHOD)
			return failed(a, r);
		ch = r.reply.decoded;
		if (ch->reply_code != 406)
			return failed(a, r);
		reply_str(r, buf, sizeof(buf));
		if (reopen(a) == -1)
			return -1;
		if (strstr(buf, "'durable'") != NULL) {
			*durable = 0;
			return 0;
		}
		if (strstr(buf, "'type'") == NULL ||
		    (cur = strstr(buf, "current is '")) == NULL)
			return 0;	/* auto_delete, internal, arguments */
		cur += strlen("current is '");
		snprintf(kind, kindlen, "%.*s", (int)strcspn(cur, "'"), cur);
	}
	return 0;
}

/* amqp://host/[vhost/], escaped, the start of the names listed. */
static char *
list_base(const char *name)
{
	char *s, *q, *p;

	if ((s = amqp_shown(name)) == NULL)
		return NULL;
	if ((q = strchr(s, '?')) != NULL)
		*q = '\0';
	if ((p = strrchr(s, '/')) != NULL)
		p[1] = '\0';
	return s;
}

/*
 * ipc-ls: an exchange (a glob too) and its bindings, from the management
 * API; without it, what AMQP tells (there, the type and durability), and
 * -1 with the reason.  A queue, as its declaration counts it, and its
 * bindings when the API answers.
 */
static int
amqp_qlist(const char *name, const struct ipc_tls_opts *tls,
    ipc_queue_lister cb, void *arg, char *why, size_t len)
{
	struct ipc_queue_conf conf = IPC_QUEUE_CONF_DEFAULT;
	struct ipc_queue_info info;
	struct ipc_queue *q = NULL;
	struct amqpq *a;
	char kind[64], unreach[IPC_WHYLEN] = "", buf[IPC_WHYLEN] = "";
	char *base = NULL, *shown = NULL;
	const char *e;
	int r = -1, nomem = 0, err;

	if (tls != NULL)
		conf.tls = *tls;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	if ((e = parse(a, name, &nomem)) != NULL || nomem ||
	    (base = list_base(name)) == NULL) {
		/* The reason may be in a's memory: said before a goes. */
		if (e != NULL && !nomem)
			snprintf(why, len, "%s", e);
		release(a);
		if (e == NULL || nomem) {
			errno = ENOMEM;
			return -1;
		}
		errno = EINVAL;
		return -1;
	}
	memset(&info, 0, sizeof(info));
	if (a->exchange != NULL && a->queue[0] == '\0') {
		r = ipc_amqp_ls_exchanges(&a->url, tls, a->vhost, a->exchange,
		    base, 		    cb, arg, why, len);
		if (r != -1 || errno != EHOSTUNREACH ||
		    strpbrk(a->exchange, "*?[") != NULL)
			goto out;
		snprintf(unreach, sizeof(unreach), "%s", why);
		if ((shown = ipc_amqp_ls_xname(base, a->exchange)) == NULL)
			goto nomem;
	} else if ((shown = amqp_shown(name)) == NULL)
		goto nomem;
	if ((q = amqp_qopen(name, IPC_Q_LOOK, &conf, why, len)) == NULL) {
		/*
		 * Another connection's exclusive queue (a subscriber's)
		 * cannot be declared: the API counts it, if it answers.
		 */
		r = -1;
		if (*unreach != '\0' || strstr(why, "RESOURCE_LOCKED") == NULL)
			goto out;
		info.type = "amqp";
		info.name = shown;
		info.msgs = info.consumers = -1;
		info.durable = -1;
		if (ipc_amqp_ls_queue(&a->url, tls, a->vhost, a->queue, base, &info,
		    cb, arg, buf, sizeof(buf)) == -1 && *buf != '\0') {
			if (errno != EHOSTUNREACH)
				snprintf(why, len, "%s", buf);
			goto out;
		}
		r = 1;
		goto out;
	}
	release(a);
	a = (struct amqpq *)q;
	info.name = shown;
	if (*unreach != '\0') {
		/* What AMQP tells of an exchange, and that it is not all. */
		if (probe_exchange(a, kind, sizeof(kind), &info.durable) ==
		    -1) {
			snprintf(why, len, "%s", a->q.why);
			r = -1;
			goto out;
		}
		info.type = "exchange";
		info.msgs = info.consumers = -1;
		info.kind = kind;
		cb(arg, &info);
		snprintf(why, len, "%s", unreach);
		errno = EHOSTUNREACH;
		r = -1;
		goto out;
	}
	info.type = "amqp";
	info.msgs = a->msgs;
	info.consumers = a->consumers;
	info.durable = -1;
	*buf = '\0';
	if (ipc_amqp_ls_queue(&a->url, tls, a->vhost, a->queue, base, &info, cb,
	    arg, buf, sizeof(buf)) == -1 && *buf != '\0') {
		/* Without the API, the queue as AMQP counts it. */
		if (errno != EHOSTUNREACH) {
			snprintf(why, len, "%s", buf);
			r = -1;
			goto out;
		}
		cb(arg, &info);
	}
	r = 1;
	goto out;
nomem:
	snprintf(why, len, "%s", strerror(ENOMEM));
	errno = ENOMEM;
	r = -1;
out:
	err = errno;
	free(base);
	free(shown);
	if (q != NULL)
		amqp_qclose(q, buf, sizeof(buf));
	else
		release(a);
	errno = err;
	return r;
}
#endif

const struct ipc_queue_backend ipc_queue_amqp = {
	"amqp",
	IPC_QT_TLS | IPC_QT_MAXPRIO | IPC_QT_UNROUTABLE | IPC_QT_NOROOMFD,
	amqp_shown,
	amqp_qopen,
	amqp_qsend,
	amqp_qsync,
	amqp_qlisten,
	amqp_qtake,
	amqp_qdone,
	amqp_qputback,
	amqp_qfd,
	amqp_qcounts,
	amqp_qremove,
	amqp_qunlink,
	amqp_qclose,
#ifdef HAVE_AMQP_LS
	amqp_qlist,
#else
	NULL,
#endif
};
