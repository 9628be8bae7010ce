/* amqp.c: queues on an AMQP 0-9-1 broker (RabbitMQ), through librabbitmq. */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "broker.h"

#define CHANNEL		1
#define DEFPRIO		9		/* a new queue's priorities: 0 to 9 */
#define WINDOW		8192		/* messages in flight, unconfirmed */
#define WINBYTES	(8L << 20)	/* and their bytes */
#define PREFETCH	2000		/* deliveries held, unacknowledged */
#define CONNECT_SECS	30		/* for each host */
#define CRED_FILE	".config/ipcutils/amqp-credentials"

struct host {
	char		*name;
	int		 port;
};

/* A message published, kept until the broker confirms it. */
struct flight {
	uint64_t	 tag;		/* 0: refused (queue full), to resend */
	unsigned long	 recno;
	unsigned int	 prio;
	size_t		 len;
	char		*data;
};

struct ipc_amqp {
	amqp_connection_state_t conn;
	const char	*shown;
	char		*user, *pass;	/* from the name */
	char		*vhost, *queue;
	struct host	*hosts;
	size_t		 nhosts;
	int		 tls;
	long long	 msgs, consumers;
	/* mq-send */
	int		 confirming;
	uint64_t	 nexttag;
	struct flight	*fl;
	size_t		 nfl, flbytes;
	unsigned long	 confirmed, lastrec;
	/* mq-recv */
	int		 consuming;
	uint64_t	 acktag, acked;	/* done() up to acktag; sent: acked */
};

static const struct timeval zerotv = { 0, 0 };

/* Percent-decode s[0..len) into a new string; NULL if an escape is bad. */
static char *
decode(const char *s, size_t len)
{
	char *d, *p, hex[3] = { 0 };
	size_t i;

	if ((d = p = malloc(len + 1)) == NULL)
		err(ipc_errexit, NULL);
	for (i = 0; i < len; i++) {
		if (s[i] != '%') {
			*p++ = s[i];
			continue;
		}
		if (i + 2 >= len) {
			free(d);
			return NULL;
		}
		hex[0] = s[i + 1];
		hex[1] = s[i + 2];
		if (strspn(hex, "0123456789abcdefABCDEF") != 2) {
			free(d);
			return NULL;
		}
		*p++ = (char)strtol(hex, NULL, 16);
		i += 2;
	}
	*p = '\0';
	return d;
}

/* One host of the list: host, host:port, [v6], [v6]:port. */
static const char *
parse_host(struct host *h, const char *s, size_t len, int defport)
{
	const char *colon = NULL, *errstr;
	char port[8];
	size_t hl;

	if (len > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', len);

		if (rb == NULL)
			return "a [ without its ]";
		h->name = decode(s + 1, rb - s - 1);
		if (rb + 1 < s + len) {
			if (rb[1] != ':')
				return "junk after ]";
			colon = rb + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		hl = colon ? (size_t)(colon - s) : len;
		h->name = decode(s, hl);
	}
	if (h->name == NULL)
		return "a bad %-escape";
	if (h->name[0] == '\0')
		return "an empty host";
	h->port = defport;
	if (colon != NULL) {
		hl = s + len - colon - 1;
		if (hl == 0 || hl >= sizeof(port))
			return "a bad port";
		memcpy(port, colon + 1, hl);
		port[hl] = '\0';
		h->port = strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL)
			return "a bad port";
	}
	return NULL;
}

/*
 * amqp[s]://[user[:password]@]host[:port][,host[:port]...][/vhost]/queue:
 * the last path segment is the queue, what comes before it the vhost.
 */
static const char *
parse(struct ipc_amqp *a, const char *name)
{
	const char *p, *auth, *path, *at, *colon, *q, *e;
	size_t n, i;

	a->tls = strncmp(name, "amqps://", 8) == 0;
	auth = strstr(name, "://") + 3;
	if ((path = strchr(auth, '/')) == NULL)
		return "no queue in the name (amqp://host/queue)";
	for (at = NULL, p = auth; p < path; p++)
		if (*p == '@')
			at = p;
	if (at != NULL) {
		colon = memchr(auth, ':', at - auth);
		a->user = decode(auth, (colon ? colon : at) - auth);
		if (colon)
			a->pass = decode(colon + 1, at - colon - 1);
		if (a->user == NULL || (colon && a->pass == NULL))
			return "a bad %-escape";
		auth = at + 1;
	}
	for (n = 1, p = auth; p < path; p++)
		n += *p == ',';
	if ((a->hosts = calloc(n, sizeof(*a->hosts))) == NULL)
		err(ipc_errexit, NULL);
	for (i = 0, p = auth; i < n; i++) {
		q = memchr(p, ',', path - p);
		if (q == NULL)
			q = path;
		if ((e = parse_host(&a->hosts[i], p, q - p,
		    a->tls ? 5671 : 5672)) != NULL)
			return e;
		p = q + 1;
	}
	a->nhosts = n;
	path++;
	if ((q = strrchr(path, '/')) == NULL) {
		a->vhost = strdup("/");
		a->queue = decode(path, strlen(path));
	} else {
		a->vhost = decode(path, q - path);
		a->queue = decode(q + 1, strlen(q + 1));
	}
	if (a->vhost == NULL || a->queue == NULL)
		return "a bad %-escape";
	if (a->queue[0] == '\0')
		return "no queue in the name (amqp://host/queue)";
	if (strlen(a->queue) > 255)
		return "the queue's name is longer than 255 bytes";
	return NULL;
}

/*
 * The credentials file: lines "HOST USER PASSWORD" ("*": any host; the
 * password is the rest of the line), '#' comments.  Refused unless it
 * is the caller's and nobody else can read or write it.
 */
static void
credentials(struct ipc_amqp *a, const char *host, const char **user,
    const char **pass)
{
	static char *line;
	static size_t cap;
	const char *env, *file;
	char path[PATH_MAX], *h, *u, *pw, *s;
	struct stat st;
	FILE *fp;
	int fd;

	if ((env = getenv("IPCUTILS_AMQP_CREDENTIALS")) != NULL)
		file = env;
	else if ((s = getenv("HOME")) != NULL && *s != '\0') {
		snprintf(path, sizeof(path), "%s/" CRED_FILE, s);
		file = path;
	} else
		return;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		if (env == NULL && errno == ENOENT)
			return;
		err(ipc_errexit, "%s: credentials %s", a->shown, file);
	}
	if (fstat(fd, &st) == -1)
		err(ipc_errexit, "%s: credentials %s", a->shown, file);
	if (st.st_uid != geteuid())
		errx(ipc_errexit, "%s: credentials %s: owned by another user",
		    a->shown, file);
	if (st.st_mode & 077)
		errx(ipc_errexit, "%s: credentials %s: others can read or "
		    "write it (chmod 600 %s)", a->shown, file, file);
	if ((fp = fdopen(fd, "r")) == NULL)
		err(ipc_errexit, NULL);
	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "\r\n")] = '\0';
		h = line + strspn(line, " \t");
		if (*h == '#' || *h == '\0')
			continue;
		u = h + strcspn(h, " \t");
		if (*u != '\0')
			*u++ = '\0';
		u += strspn(u, " \t");
		pw = u + strcspn(u, " \t");
		if (*pw != '\0')
			*pw++ = '\0';
		pw += strspn(pw, " \t");
		if (strcmp(h, "*") != 0 && strcasecmp(h, host) != 0)
			continue;
		if (*user != NULL && strcmp(*user, u) != 0)
			continue;
		*user = u;
		*pass = pw;
		break;
	}
	fclose(fp);
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

static _Noreturn void
xfail(struct ipc_amqp *a, amqp_rpc_reply_t r)
{
	char buf[512];

	errx(ipc_errexit, "%s: %s", a->shown, reply_str(r, buf, sizeof(buf)));
}

/* The channel the broker closed (a passive declare's 404): open it again. */
static void
reopen(struct ipc_amqp *a)
{
	amqp_channel_close_ok_t ok = { 0 };

	amqp_send_method(a->conn, CHANNEL, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
	amqp_channel_open(a->conn, CHANNEL);
	if (amqp_get_rpc_reply(a->conn).reply_type != AMQP_RESPONSE_NORMAL)
		xfail(a, amqp_get_rpc_reply(a->conn));
}

static int
setup_tls(struct ipc_amqp *a, amqp_socket_t *s, const struct ipc_amqp_conf *c)
{
	SSL_CTX *ctx = amqp_ssl_socket_get_context(s);

	if (c->tls.ca != NULL) {
		if (amqp_ssl_socket_set_cacert(s, c->tls.ca) != AMQP_STATUS_OK)
			errx(ipc_errexit, "%s: --tls-ca %s: cannot load it",
			    a->shown, c->tls.ca);
	} else if (ctx == NULL || SSL_CTX_set_default_verify_paths(ctx) != 1)
		errx(ipc_errexit, "%s: no CA certificates: give --tls-ca",
		    a->shown);
	if (c->tls.cert != NULL && amqp_ssl_socket_set_key(s, c->tls.cert,
	    c->tls.key) != AMQP_STATUS_OK)
		errx(ipc_errexit, "%s: --tls-cert %s, --tls-key %s: cannot "
		    "load them", a->shown, c->tls.cert, c->tls.key);
	if (c->tls.noverify) {
		amqp_ssl_socket_set_verify_peer(s, 0);
		amqp_ssl_socket_set_verify_hostname(s, 0);
	} else if (c->tls.name != NULL) {
		/* The certificate must name --tls-name, not the host. */
		amqp_ssl_socket_set_verify_hostname(s, 0);
		if (ctx == NULL || X509_VERIFY_PARAM_set1_host(
		    SSL_CTX_get0_param(ctx), c->tls.name, 0) != 1)
			errx(ipc_errexit, "%s: --tls-name %s: cannot use it",
			    a->shown, c->tls.name);
	}
	return 0;
}

/*
 * librabbitmq says "a socket error occurred" whatever the error was:
 * connect again ourselves, to learn it ("Connection refused").
 */
static const char *
socket_error(const struct host *h, int st)
{
	struct addrinfo hints, *res, *ai;
	char port[8];
	int fd, e = 0;

	if (st != AMQP_STATUS_SOCKET_ERROR)
		return amqp_error_string2(st);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", h->port);
	if ((e = getaddrinfo(h->name, port, &hints, &res)) != 0)
		return gai_strerror(e);
	for (ai = res, e = 0; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			close(fd);
			e = 0;
			break;
		}
		e = errno;
		close(fd);
	}
	freeaddrinfo(res);
	return e ? strerror(e) : amqp_error_string2(st);
}

/*
 * Connect to one host and log in; NULL, or why not.  *fatal: the broker
 * itself refused (no use trying the next host).
 */
static const char *
connect1(struct ipc_amqp *a, const struct host *h,
    const struct ipc_amqp_conf *c, int *fatal, char *buf, size_t len)
{
	struct timeval tv = { CONNECT_SECS, 0 };
	const char *user = a->user, *pass = a->pass, *e;
	amqp_socket_t *s;
	amqp_rpc_reply_t r;
	int st;

	*fatal = 0;
	if (user == NULL)
		user = getenv("IPCUTILS_AMQP_USER");
	if (pass == NULL)
		pass = getenv("IPCUTILS_AMQP_PASSWORD");
	if (pass == NULL)
		credentials(a, h->name, &user, &pass);
	if (user == NULL)
		user = "guest";
	if (pass == NULL)
		pass = "guest";
	if ((a->conn = amqp_new_connection()) == NULL)
		err(ipc_errexit, NULL);
	s = a->tls ? amqp_ssl_socket_new(a->conn) : amqp_tcp_socket_new(a->conn);
	if (s == NULL)
		err(ipc_errexit, NULL);
	if (a->tls)
		setup_tls(a, s, c);
	if ((st = amqp_socket_open_noblock(s, h->name, h->port, &tv)) !=
	    AMQP_STATUS_OK) {
		e = socket_error(h, st);
		goto fail;
	}
	r = amqp_login(a->conn, a->vhost, 0, AMQP_DEFAULT_FRAME_SIZE, 0,
	    AMQP_SASL_METHOD_PLAIN, user, pass);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		*fatal = r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION;
		e = reply_str(r, buf, len);
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    r.library_error == AMQP_STATUS_CONNECTION_CLOSED) {
			*fatal = 1;
			e = "the broker closed the connection (login refused?)";
		}
		goto fail;
	}
	amqp_channel_open(a->conn, CHANNEL);
	r = amqp_get_rpc_reply(a->conn);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		*fatal = 1;
		e = reply_str(r, buf, len);
		goto fail;
	}
	return NULL;
fail:
	if (e != buf) {
		snprintf(buf, len, "%s", e);
		e = buf;
	}
	amqp_destroy_connection(a->conn);
	a->conn = NULL;
	return e;
}

static void
xconnect(struct ipc_amqp *a, const struct ipc_amqp_conf *c)
{
	char why[512], all[1024] = "";
	const char *e;
	size_t i;
	int fatal;

	for (i = 0; i < a->nhosts; i++) {
		if ((e = connect1(a, &a->hosts[i], c, &fatal, why,
		    sizeof(why))) == NULL)
			return;
		if (fatal || a->nhosts == 1)
			errx(ipc_errexit, "%s: %s", a->shown, e);
		snprintf(all + strlen(all), sizeof(all) - strlen(all),
		    "%s%s:%d: %s", i ? "; " : "", a->hosts[i].name,
		    a->hosts[i].port, e);
	}
	errx(ipc_errexit, "%s: no host answered: %s", a->shown, all);
}

/* Find the queue, or make it: durable, priorities, a length limit.
 * 0, or -1 for a missing queue under missing_ok. */
static int
xdeclare(struct ipc_amqp *a, const struct ipc_amqp_conf *conf,
    const struct ipc_create *c)
{
	amqp_table_entry_t e[3];
	amqp_table_t args = { 0, e };
	amqp_queue_declare_ok_t *ok;
	amqp_rpc_reply_t r;
	amqp_bytes_t q = amqp_cstring_bytes(a->queue);
	int maxprio = conf->maxprio ? conf->maxprio : DEFPRIO;

	ok = amqp_queue_declare(a->conn, CHANNEL, q, 1, 0, 0, 0,
	    amqp_empty_table);
	if (ok != NULL) {
		if (c->exclusive)
			errx(ipc_errexit, "%s: %s", a->shown, strerror(EEXIST));
		goto found;
	}
	r = amqp_get_rpc_reply(a->conn);
	if (r.reply_type != AMQP_RESPONSE_SERVER_EXCEPTION ||
	    r.reply.id != AMQP_CHANNEL_CLOSE_METHOD ||
	    ((amqp_channel_close_t *)r.reply.decoded)->reply_code != 404 ||
	    !c->create) {
		if (conf->missing_ok && r.reply_type ==
		    AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id ==
		    AMQP_CHANNEL_CLOSE_METHOD && ((amqp_channel_close_t *)
		    r.reply.decoded)->reply_code == 404) {
			reopen(a);
			return -1;
		}
		xfail(a, r);
	}
	/* Checked before the queue is made, so that nothing changes. */
	if (conf->priority > maxprio)
		errx(ipc_errexit, "%s: priority %ld is over the new queue's "
		    "maximum of %d (--max-priority)", a->shown,
		    conf->priority, maxprio);
	reopen(a);
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
		xfail(a, amqp_get_rpc_reply(a->conn));
found:
	a->msgs = ok->message_count;
	a->consumers = ok->consumer_count;
	return 0;
}

struct ipc_amqp *
ipc_amqp_xopen(const char *name, const struct ipc_amqp_conf *conf,
    const struct ipc_create *c, const char **shown)
{
	struct ipc_amqp *a;
	const char *e;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		err(ipc_errexit, NULL);
	a->shown = *shown = ipc_amqp_shown(name);
	if ((e = parse(a, name)) != NULL)
		errx(ipc_errexit, "%s: %s", a->shown, e);
	if (c->modeset)
		errx(ipc_errexit, "%s: -m has no meaning for a broker's queue",
		    a->shown);
	if (c->msgsize)
		errx(ipc_errexit, "%s: --message-size has no meaning for a "
		    "broker's queue", a->shown);
	if (c->anyowner)
		errx(ipc_errexit, "%s: --any-owner has no meaning for a "
		    "broker's queue (the broker's permissions decide)",
		    a->shown);
	if (conf->priority > 255)
		errx(ipc_errexit, "%s: priority %ld is over 255, a broker's "
		    "highest", a->shown, conf->priority);
	if (!a->tls && (conf->tls.ca || conf->tls.cert || conf->tls.key ||
	    conf->tls.name || conf->tls.noverify))
		errx(ipc_errexit, "%s: the --tls options are for amqps:// "
		    "names", a->shown);
	if ((conf->tls.cert == NULL) != (conf->tls.key == NULL))
		errx(ipc_errexit, "%s: --tls-cert and --tls-key go together",
		    a->shown);
	xconnect(a, conf);
	if (xdeclare(a, conf, c) == -1) {
		ipc_amqp_close(a);
		return NULL;
	}
	return a;
}

void
ipc_amqp_counts(const struct ipc_amqp *a, long long *msgs, long long *cons)
{
	*msgs = a->msgs;
	*cons = a->consumers;
}

void
ipc_amqp_xdelete(struct ipc_amqp *a)
{
	if (amqp_queue_delete(a->conn, CHANNEL, amqp_cstring_bytes(a->queue),
	    0, 0) == NULL)
		xfail(a, amqp_get_rpc_reply(a->conn));
}

/* Everything but the name shown, which the caller keeps. */
static void
release(struct ipc_amqp *a)
{
	size_t i;

	for (i = 0; i < a->nhosts; i++)
		free(a->hosts[i].name);
	for (i = 0; i < a->nfl; i++)
		free(a->fl[i].data);
	free(a->hosts);
	free(a->fl);
	free(a->user);
	free(a->pass);
	free(a->vhost);
	free(a->queue);
	free(a);
}

void
ipc_amqp_close(struct ipc_amqp *a)
{
	if (a == NULL)
		return;
	if (a->conn != NULL) {
		amqp_channel_close(a->conn, CHANNEL, AMQP_REPLY_SUCCESS);
		amqp_connection_close(a->conn, AMQP_REPLY_SUCCESS);
		amqp_destroy_connection(a->conn);
	}
	release(a);
}

/*
 * Wait until the broker's socket has something, at most until abs (NULL:
 * forever).  1: readable, 0: the time ran out, -1: a signal came.
 */
static int
wait_readable(struct ipc_amqp *a, const struct timespec *abs)
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

unsigned long
ipc_amqp_confirmed(const struct ipc_amqp *a)
{
	return a->confirmed;
}

/* mq-send: a signal came; end as mq-send does, saying what was sent. */
static _Noreturn void
signalled(struct ipc_amqp *a)
{
	warnx("%s: %lu message%s sent", a->shown, a->confirmed,
	    a->confirmed == 1 ? "" : "s");
	ipc_die_signalled();
}

/* mq-send: the connection is gone; say what is in the queue. */
static _Noreturn void
lost(struct ipc_amqp *a, const char *why)
{
	unsigned long first = a->nfl ? a->fl[0].recno : a->lastrec;
	size_t i;

	for (i = 1; i < a->nfl; i++)
		if (a->fl[i].recno < first)
			first = a->fl[i].recno;
	errx(ipc_errexit, "%s: %s; %lu message%s confirmed, record %lu "
	    "was the first not confirmed", a->shown, why, a->confirmed,
	    a->confirmed == 1 ? "" : "s", first);
}

/* The broker confirmed (ok) or refused the messages up to tag. */
static void
settle(struct ipc_amqp *a, uint64_t tag, int multiple, int ok)
{
	size_t i, j;

	for (i = j = 0; i < a->nfl; i++) {
		struct flight *f = &a->fl[i];

		if (f->tag != 0 && (f->tag == tag || (multiple &&
		    f->tag < tag))) {
			if (ok) {
				a->confirmed++;
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

/*
 * Take in what the broker sent: confirms, refusals, a close.  block:
 * wait for one frame at least.
 */
static void
pump(struct ipc_amqp *a, int block)
{
	char buf[512];
	amqp_frame_t fr;
	amqp_basic_ack_t *ack;
	amqp_basic_nack_t *nack;
	amqp_channel_close_t *cc;
	amqp_connection_close_t *xc;
	int st, got = 0;

	for (;;) {
		if (!got && block) {
			if (wait_readable(a, NULL) == -1)
				signalled(a);
		} else if (!amqp_data_in_buffer(a->conn) &&
		    !amqp_frames_enqueued(a->conn)) {
			struct pollfd p = { amqp_get_sockfd(a->conn), POLLIN,
			    0 };

			if (poll(&p, 1, 0) <= 0)
				return;
		}
		st = amqp_simple_wait_frame_noblock(a->conn, &fr, &zerotv);
		if (st == AMQP_STATUS_TIMEOUT)
			continue;
		if (st != AMQP_STATUS_OK)
			lost(a, st == AMQP_STATUS_SOCKET_ERROR && errno ?
			    strerror(errno) : amqp_error_string2(st));
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
			lost(a, "the queue is gone");
		case AMQP_CHANNEL_CLOSE_METHOD:
			cc = fr.payload.method.decoded;
			snprintf(buf, sizeof(buf), "%.*s",
			    (int)cc->reply_text.len,
			    (char *)cc->reply_text.bytes);
			lost(a, buf);
		case AMQP_CONNECTION_CLOSE_METHOD:
			xc = fr.payload.method.decoded;
			snprintf(buf, sizeof(buf), "%.*s",
			    (int)xc->reply_text.len,
			    (char *)xc->reply_text.bytes);
			lost(a, buf);
		}
		amqp_maybe_release_buffers(a->conn);
	}
}

static void
publish(struct ipc_amqp *a, struct flight *f)
{
	amqp_basic_properties_t props;
	amqp_bytes_t body = { f->len, f->data };
	int st;

	props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_PRIORITY_FLAG;
	props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
	props.priority = f->prio;
	st = amqp_basic_publish(a->conn, CHANNEL, amqp_empty_bytes,
	    amqp_cstring_bytes(a->queue), 1, 0, &props, body);
	if (st != AMQP_STATUS_OK)
		lost(a, st == AMQP_STATUS_SOCKET_ERROR && errno ?
		    strerror(errno) : amqp_error_string2(st));
	f->tag = ++a->nexttag;
}

/* Sleep a little, as a full queue tells nobody when it has room. */
static void
backoff(struct ipc_amqp *a, int *ms)
{
	struct timespec ts = { *ms / 1000, *ms % 1000 * 1000000L };

	if (nanosleep(&ts, NULL) == -1 && ipc_signalled)
		signalled(a);
	if (*ms < 100)
		*ms *= 2;
}

/*
 * The broker refused messages: the queue is full.  Let everything in
 * flight settle, then send the refused ones again, one at a time and in
 * order, until they fit or the wait runs out (exit 1).
 */
static void
xretry(struct ipc_amqp *a, const struct ipc_wait *w)
{
	struct timespec abs, *deadline = NULL;
	size_t i;
	int ms = 1, pending;

	for (;;) {
		for (;;) {
			for (i = 0, pending = 0; i < a->nfl; i++)
				pending += a->fl[i].tag != 0;
			if (!pending)
				break;
			pump(a, 1);
		}
		if (a->nfl == 0)
			return;
		if (w->set && deadline == NULL)
			deadline = ipc_deadline(&w->ts, &abs);
		if (deadline != NULL && ipc_expired(deadline))
			errx(IPC_NOTNOW, "%s: queue is full; %lu message%s sent",
			    a->shown, a->confirmed, a->confirmed == 1 ? "" : "s");
		backoff(a, &ms);
		i = a->confirmed;
		publish(a, &a->fl[0]);
		while (a->nfl > 0 && a->fl[0].tag != 0)
			pump(a, 1);
		if (a->confirmed > i) {
			/* Room again: a fresh wait for the next one. */
			deadline = NULL;
			ms = 1;
		}
	}
}

static void
xconfirm_select(struct ipc_amqp *a)
{
	amqp_confirm_select(a->conn, CHANNEL);
	if (amqp_get_rpc_reply(a->conn).reply_type != AMQP_RESPONSE_NORMAL)
		xfail(a, amqp_get_rpc_reply(a->conn));
	if ((a->fl = reallocarray(NULL, WINDOW, sizeof(*a->fl))) == NULL)
		err(ipc_errexit, NULL);
	a->confirming = 1;
}

void
ipc_amqp_xsend(struct ipc_amqp *a, const char *msg, size_t len,
    unsigned int prio, unsigned long recno, const struct ipc_wait *w)
{
	struct flight *f;

	if (!a->confirming)
		xconfirm_select(a);
	a->lastrec = recno;
	pump(a, 0);
	while (a->nfl >= WINDOW || a->flbytes >= WINBYTES)
		pump(a, 1);
	for (;;) {
		size_t i;

		for (i = 0; i < a->nfl && a->fl[i].tag != 0; i++)
			continue;
		if (i == a->nfl)
			break;
		xretry(a, w);
	}
	f = &a->fl[a->nfl];
	f->recno = recno;
	f->prio = prio;
	f->len = len;
	if ((f->data = malloc(len ? len : 1)) == NULL)
		err(ipc_errexit, NULL);
	memcpy(f->data, msg, len);
	a->nfl++;
	a->flbytes += len;
	publish(a, f);
}

void
ipc_amqp_xconfirm(struct ipc_amqp *a, const struct ipc_wait *w)
{
	size_t i;

	while (a->nfl > 0) {
		for (i = 0; i < a->nfl && a->fl[i].tag != 0; i++)
			continue;
		if (i < a->nfl)
			xretry(a, w);
		else
			pump(a, 1);
	}
}

void
ipc_amqp_xsend_done(struct ipc_amqp *a, const struct ipc_wait *w)
{
	ipc_amqp_xconfirm(a, w);
	ipc_amqp_close(a);
}

/* The method that came instead of a message, as an exit. */
static _Noreturn void
xunexpected(struct ipc_amqp *a)
{
	char buf[512];
	amqp_frame_t fr;
	amqp_channel_close_t *cc;
	amqp_connection_close_t *xc;
	int st;

	if ((st = amqp_simple_wait_frame(a->conn, &fr)) != AMQP_STATUS_OK)
		errx(ipc_errexit, "%s: %s", a->shown, amqp_error_string2(st));
	if (fr.frame_type == AMQP_FRAME_METHOD)
		switch (fr.payload.method.id) {
		case AMQP_BASIC_CANCEL_METHOD:
			errx(ipc_errexit, "%s: the queue is gone", a->shown);
		case AMQP_CHANNEL_CLOSE_METHOD:
			cc = fr.payload.method.decoded;
			errx(ipc_errexit, "%s: %.*s", a->shown,
			    (int)cc->reply_text.len,
			    (char *)cc->reply_text.bytes);
		case AMQP_CONNECTION_CLOSE_METHOD:
			xc = fr.payload.method.decoded;
			errx(ipc_errexit, "%s: %.*s", a->shown,
			    (int)xc->reply_text.len,
			    (char *)xc->reply_text.bytes);
		}
	snprintf(buf, sizeof(buf), "unexpected frame %d", fr.frame_type);
	errx(ipc_errexit, "%s: %s", a->shown, buf);
}

/* Copy a message out: 0, or exit when it is too big for the room. */
static void
deliver(struct ipc_amqp *a, const amqp_message_t *msg, char *buf, size_t cap,
    size_t *len, unsigned int *prio)
{
	if (msg->body.len > cap)
		errx(ipc_errexit, "%s: a message of %zu bytes is over %zu",
		    a->shown, msg->body.len, cap);
	memcpy(buf, msg->body.bytes, msg->body.len);
	*len = msg->body.len;
	*prio = msg->properties._flags & AMQP_BASIC_PRIORITY_FLAG ?
	    msg->properties.priority : 0;
}

/* Acknowledge, at once, everything done() up to now. */
static int
send_acks(struct ipc_amqp *a)
{
	if (a->acktag <= a->acked)
		return 0;
	if (amqp_basic_ack(a->conn, CHANNEL, a->acktag, 1) != AMQP_STATUS_OK)
		return -1;
	a->acked = a->acktag;
	return 0;
}

/* Without a consumer: what is queued, one basic.get at a time. */
static int
xget(struct ipc_amqp *a, char *buf, size_t cap, size_t *len,
    unsigned int *prio, uint64_t *tag)
{
	amqp_message_t msg;
	amqp_rpc_reply_t r;

	r = amqp_basic_get(a->conn, CHANNEL, amqp_cstring_bytes(a->queue), 0);
	if (r.reply_type != AMQP_RESPONSE_NORMAL)
		xfail(a, r);
	if (r.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) {
		errno = EAGAIN;
		return -1;
	}
	*tag = ((amqp_basic_get_ok_t *)r.reply.decoded)->delivery_tag;
	r = amqp_read_message(a->conn, CHANNEL, &msg, 0);
	if (r.reply_type != AMQP_RESPONSE_NORMAL)
		xfail(a, r);
	deliver(a, &msg, buf, cap, len, prio);
	amqp_destroy_message(&msg);
	return 0;
}

void
ipc_amqp_xconsume(struct ipc_amqp *a, long long prefetch)
{
	if (amqp_basic_qos(a->conn, CHANNEL, 0, prefetch, 0) == NULL ||
	    amqp_basic_consume(a->conn, CHANNEL, amqp_cstring_bytes(a->queue),
	    amqp_empty_bytes, 0, 0, 0, amqp_empty_table) == NULL)
		xfail(a, amqp_get_rpc_reply(a->conn));
	a->consuming = 1;
}

int
ipc_amqp_xtake(struct ipc_amqp *a, const struct timespec *timeout,
    char *buf, size_t cap, size_t *len, unsigned int *prio, uint64_t *tag)
{
	static const struct timespec zero = { 0, 0 };
	struct timespec abs, *deadline;
	amqp_envelope_t env;
	amqp_rpc_reply_t r;
	int nowait, rv;

	if (send_acks(a) == -1)
		errx(ipc_errexit, "%s: the broker is gone", a->shown);
	amqp_maybe_release_buffers(a->conn);
	if (!a->consuming)
		return xget(a, buf, cap, len, prio, tag);
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
			deliver(a, &env.message, buf, cap, len, prio);
			*tag = env.delivery_tag;
			amqp_destroy_envelope(&env);
			return 0;
		}
		if (r.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION)
			xfail(a, r);
		if (r.library_error == AMQP_STATUS_TIMEOUT)
			continue;
		if (r.library_error == AMQP_STATUS_UNEXPECTED_STATE)
			xunexpected(a);
		xfail(a, r);
	}
}

void
ipc_amqp_done(struct ipc_amqp *a, uint64_t tag)
{
	if (tag > a->acktag)
		a->acktag = tag;
}

int
ipc_amqp_ack(struct ipc_amqp *a, uint64_t tag)
{
	if (send_acks(a) == -1 ||
	    amqp_basic_ack(a->conn, CHANNEL, tag, 0) != AMQP_STATUS_OK)
		return -1;
	return 0;
}

int
ipc_amqp_fd(const struct ipc_amqp *a)
{
	return amqp_get_sockfd(a->conn);
}

int
ipc_amqp_putback(struct ipc_amqp *a, uint64_t tag)
{
	if (send_acks(a) == -1 ||
	    amqp_basic_nack(a->conn, CHANNEL, tag, 0, 1) != AMQP_STATUS_OK)
		return -1;
	return 0;
}

void
ipc_amqp_xclose(struct ipc_amqp *a)
{
	amqp_rpc_reply_t r;

	if (send_acks(a) == -1)
		errx(ipc_errexit, "%s: the broker is gone: the messages "
		    "written may come again", a->shown);
	r = amqp_channel_close(a->conn, CHANNEL, AMQP_REPLY_SUCCESS);
	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		r = amqp_connection_close(a->conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(a->conn);
	a->conn = NULL;
	if (r.reply_type != AMQP_RESPONSE_NORMAL)
		errx(ipc_errexit, "%s: the broker is gone: the messages "
		    "written may come again", a->shown);
	release(a);
}
