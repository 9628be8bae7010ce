/* queue.c: the queue family's table, and the one place a backend is chosen. */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

/*
 * The backends built in, the POSIX queues of this machine last: they
 * take every name without a scheme.  A backend not built is not here,
 * and its names are refused by ipc_backend_missing().
 */
static const struct ipc_queue_backend *const backends[] = {
#ifdef HAVE_AMQP
	&ipc_queue_amqp,
#endif
	&ipc_queue_posix,
};

static const struct ipc_queue_backend *
choose(const char *name, char *why, size_t len)
{
	const struct ipc_queue_backend *be;
	size_t i;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		be = backends[i];
		if (be->scheme == NULL || ipc_scheme_is(name, be->scheme))
			break;
	}
	if (be->scheme == NULL &&
	    ipc_backend_missing(IPC_MQ, name, why, len) != NULL) {
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	return be;
}

void
ipc_xqueue_option(struct ipc_queue_conf *c, int ch, const char *arg)
{
	switch (ch) {
	case IPC_OPT_MAXPRIO:
		c->maxprio = ipc_xnum(arg, 1, 255, "max-priority");
		break;
	case IPC_OPT_UNROUTABLE:
		c->unroutable_ok = 1;
		break;
	case 'e':
	case 'm':
	case 'x':
	case IPC_OPT_MAXMSG:
	case IPC_OPT_MSGSIZE:
	case IPC_OPT_ANYOWNER:
		ipc_xcreate_option(&c->create, ch, arg);
		break;
	default:
		ipc_xtls_option(&c->tls, ch, arg);
	}
}

const char *
ipc_queue_unused(const struct ipc_queue_conf *c, char *const names[], int n)
{
	const struct ipc_queue_backend *be;
	char why[IPC_WHYLEN];
	int i, takes = 0;

	for (i = 0; i < n; i++)
		if (names[i] != NULL &&
		    (be = choose(names[i], why, sizeof(why))) != NULL)
			takes |= be->takes;
	if ((c->maxprio && !(takes & IPC_QT_MAXPRIO)) ||
	    (ipc_tls_given(&c->tls) && !(takes & IPC_QT_TLS)))
		return "--max-priority and the --tls options are for amqp:// "
		    "and amqps:// names";
	if (c->unroutable_ok && !(takes & IPC_QT_UNROUTABLE))
		return "--unroutable-ok is for amqp:// and amqps:// names";
	return NULL;
}

char *
ipc_xqueue_shown(const char *name)
{
	const struct ipc_queue_backend *be;
	char why[IPC_WHYLEN], *s;

	if ((be = choose(name, why, sizeof(why))) == NULL)
		s = strdup(ipc_shown(name));
	else
		s = be->shown(name);
	if (s == NULL)
		err(ipc_errexit, NULL);
	return s;
}

struct ipc_queue *
ipc_queue_open(const char *name, const char *shown, int flags,
    const struct ipc_queue_conf *c, char *why, size_t len)
{
	const struct ipc_queue_backend *be;
	struct ipc_queue *q;

	*why = '\0';
	if ((be = choose(name, why, len)) == NULL)
		return NULL;
	if ((q = be->open(name, flags, c, why, len)) == NULL) {
		if (*why == '\0')
			snprintf(why, len, "%s", ipc_strerror(errno));
		return NULL;
	}
	q->be = be;
	q->shown = shown;
	return q;
}

const char *
ipc_queue_why(const struct ipc_queue *q, int e)
{
	return q->why[0] != '\0' ? q->why : ipc_strerror(e);
}

/* Each call starts with no reason: one left from before is not this one's. */
int
ipc_queue_send(struct ipc_queue *q, const char *msg, size_t len,
    unsigned int prio, unsigned long recno, const struct timespec *timeout)
{
	q->why[0] = '\0';
	return q->be->send(q, msg, len, prio, recno, timeout);
}

int
ipc_queue_sync(struct ipc_queue *q, const struct timespec *timeout)
{
	q->why[0] = '\0';
	return q->be->sync(q, timeout);
}

int
ipc_queue_listen(struct ipc_queue *q, long long window)
{
	q->why[0] = '\0';
	return q->be->listen(q, window);
}

int
ipc_queue_take(struct ipc_queue *q, struct ipc_msg *m,
    const struct timespec *timeout)
{
	q->why[0] = '\0';
	return q->be->take(q, m, timeout);
}

int
ipc_queue_done(struct ipc_queue *q, const struct ipc_msg *m, int now)
{
	q->why[0] = '\0';
	return q->be->done(q, m, now);
}

int
ipc_queue_putback(struct ipc_queue *q, const struct ipc_msg *m)
{
	q->why[0] = '\0';
	return q->be->putback(q, m);
}

int
ipc_queue_fd(const struct ipc_queue *q)
{
	return q->be->fd(q);
}

int
ipc_queue_counts(struct ipc_queue *q, long long *msgs, long long *readers)
{
	q->why[0] = '\0';
	return q->be->counts(q, msgs, readers);
}

int
ipc_queue_remove(struct ipc_queue *q)
{
	q->why[0] = '\0';
	return q->be->remove(q);
}

int
ipc_queue_close(struct ipc_queue *q, char *why, size_t len)
{
	if (q == NULL)
		return 0;
	*why = '\0';
	if (q->be->close(q, why, len) == -1) {
		if (*why == '\0')
			snprintf(why, len, "%s", ipc_strerror(errno));
		return -1;
	}
	return 0;
}

int
ipc_queue_unlink(const char *name, char *why, size_t len)
{
	const struct ipc_queue_backend *be;

	*why = '\0';
	if ((be = choose(name, why, len)) == NULL)
		return -1;
	if (be->unlink(name, why, len) == -1) {
		if (*why == '\0')
			snprintf(why, len, "%s", ipc_strerror(errno));
		return -1;
	}
	return 0;
}

int
ipc_queue_list(const char *name, const struct ipc_tls_opts *tls,
    ipc_queue_lister cb, void *arg, char *why, size_t len)
{
	const struct ipc_queue_backend *be;

	*why = '\0';
	if ((be = choose(name, why, len)) == NULL)
		return -1;
	if (be->list == NULL) {
		snprintf(why, len, "%s", strerror(EPROTONOSUPPORT));
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return be->list(name, tls, cb, arg, why, len);
}
