/* mq.c: POSIX message queues, the queue backend of plain names. */
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq.h"
#include "queue.h"

/*
 * A value from /proc/sys/fs/mqueue (file: "msg_max"), or def where there
 * is none (BSD) or it is not a number.
 */
long long
ipc_mq_limit(const char *file, long long def)
{
	char path[64], buf[32];
	const char *errstr;
	long long v;
	FILE *fp;

	snprintf(path, sizeof(path), IPC_MQ_PROC "%s", file);
	if ((fp = fopen(path, "re")) == NULL)
		return def;
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		fclose(fp);
		return def;
	}
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	v = strtonum(buf, 0, LLONG_MAX, &errstr);
	return errstr == NULL ? v : def;
}

mqd_t
ipc_mq_open(const char *name, int oflag, const struct ipc_create *c)
{
	struct mq_attr attr, *ap = NULL;
	mode_t mask;
	mqd_t q;

	if (!c->create) {
		q = mq_open(name, oflag);
		goto owned;
	}
	oflag |= O_CREAT | (c->exclusive ? O_EXCL : 0);
	if (c->maxmsg || c->msgsize) {
		memset(&attr, 0, sizeof(attr));
		attr.mq_maxmsg = c->maxmsg ? c->maxmsg :
		    ipc_mq_limit("msg_default", 10);
		attr.mq_msgsize = c->msgsize ? c->msgsize :
		    ipc_mq_limit("msgsize_default", 8192);
		ap = &attr;
	}
	mask = ipc_umask_clear(c);
	q = mq_open(name, oflag, c->mode, ap);
	ipc_umask_restore(c, mask);
owned:
	/* A queue that was there may be another user's (Linux: a descriptor). */
	if (q != (mqd_t)-1 && ipc_owned_or_close((int)q, c) == -1)
		return (mqd_t)-1;
	return q;
}

/*
 * Is the process out of file descriptors?  mq_open(3) says EMFILE for
 * that and for the queue-memory limit alike: a descriptor of our own
 * tells the two apart.
 */
static int
out_of_fds(void)
{
	int fd;

	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1) {
		close(fd);
		return 0;
	}
	return errno == EMFILE || errno == ENFILE;
}

/*
 * mq_open(3) says EMFILE ("Too many open files") when the user's queue
 * memory is used up and EINVAL when a size is over a limit: name the
 * limit instead, and the way out.
 */
const char *
ipc_mq_strerror(int e, const struct ipc_create *c, char *buf, size_t len)
{
	struct rlimit rl;
	long msgmax, sizemax;

	if (c == NULL || !c->create || (e == EMFILE && out_of_fds()))
		return ipc_strerror(e);
	/* -1: the file does not tell (none, or not a number): no number. */
	msgmax = ipc_mq_limit("msg_max", -1);
	sizemax = ipc_mq_limit("msgsize_max", -1);
	if (e == EINVAL && msgmax != -1 && c->maxmsg > msgmax)
		snprintf(buf, len, "--max-messages %ld is over the system's "
		    "limit, %ld in " IPC_MQ_PROC "msg_max", c->maxmsg, msgmax);
	else if (e == EINVAL && sizemax != -1 && c->msgsize > sizemax)
		snprintf(buf, len, "--message-size %ld is over the system's "
		    "limit, %ld in " IPC_MQ_PROC "msgsize_max", c->msgsize,
		    sizemax);
	else if (e == EINVAL)
		snprintf(buf, len, "queue size is over the system's limits "
		    "(" IPC_MQ_PROC "msg_max, msgsize_max)");
	else if (e == EMFILE && getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
		snprintf(buf, len, "this user's queue memory is used up "
		    "(RLIMIT_MSGQUEUE, ulimit -q: %llu bytes): remove queues "
		    "with ipc-rm, make a smaller one with --max-messages "
		    "and --message-size, or raise ulimit -q",
		    (unsigned long long)rl.rlim_cur);
	else if (e == ENOSPC)
		snprintf(buf, len, "too many queues on this system "
		    "(" IPC_MQ_PROC "queues_max)");
	else
		return ipc_strerror(e);
	return buf;
}

/*
 * What ipc-ls and ipc-rm see of a queue: its file in the mqueue file
 * system, and the queue opened only to look at it.
 */

/* /dev/mqueue/NAME, for name "/NAME"; -1 with ENAMETOOLONG. */
int
ipc_mq_path(const char *name, char *buf, size_t len)
{
	return ipc_object_path(buf, len, IPC_MQ_DIR, "", name);
}

/*
 * Open the queue to look at it (fstat(2), mq_getattr(3)): for reading,
 * or for writing where reading is closed to us.
 */
mqd_t
ipc_mq_look(const char *name)
{
	mqd_t q;

	if ((q = mq_open(name, O_RDONLY | O_CLOEXEC)) == (mqd_t)-1 &&
	    errno == EACCES)
		q = mq_open(name, O_WRONLY | O_CLOEXEC);
	return q;
}

/*
 * The bytes queued, as the queue's file tells them to who may read it
 * ("QSIZE:12   NOTIFY:0 ..."), or -1.
 */
long long
ipc_mq_queued(const char *name)
{
	char path[PATH_MAX], buf[128];
	const char *errstr;
	long long v = -1;
	FILE *fp;

	if (ipc_mq_path(name, path, sizeof(path)) == -1 ||
	    (fp = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    strncmp(buf, "QSIZE:", 6) == 0) {
		buf[6 + strspn(buf + 6, "0123456789")] = '\0';
		v = strtonum(buf + 6, 0, LLONG_MAX, &errstr);
		if (errstr != NULL)
			v = -1;
	}
	fclose(fp);
	return v;
}

/*
 * The queue backend of plain names: a POSIX queue of this machine.  Its
 * descriptor is non-blocking; the waits are ipc_wait_fd's, which SIGINT
 * and SIGTERM always end (Linux's mqd_t is a descriptor poll(2) takes).
 */
struct mq {
	struct ipc_queue q;
	mqd_t		 mqd;
	char		 name[IPC_NAMEBUF];
};

static char *
mq_shown(const char *arg)
{
	char buf[IPC_NAMEBUF];
	const char *name, *errstr;

	name = ipc_name(arg, IPC_MQ, buf, sizeof(buf), &errstr);
	return strdup(ipc_shown(name != NULL ? name : arg));
}

static struct ipc_queue *
mq_qopen(const char *arg, int flags, const struct ipc_queue_conf *conf,
    char *why, size_t len)
{
	struct ipc_create c = conf->create;
	struct mq_attr attr;
	const char *errstr;
	char buf[256];
	struct mq *m;
	int e;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if (ipc_name(arg, IPC_MQ, m->name, sizeof(m->name), &errstr) == NULL) {
		snprintf(why, len, "%s", errstr);
		free(m);
		errno = EINVAL;
		return NULL;
	}
	/* What the user asked for wins over what the other queue holds. */
	if (conf->like != NULL && conf->like->mkmaxmsg != 0) {
		if (c.maxmsg == 0)
			c.maxmsg = conf->like->mkmaxmsg;
		if (c.msgsize == 0)
			c.msgsize = conf->like->mkmsgsize;
	}
	if (flags & IPC_Q_LOOK) {
		c.create = 0;
		m->mqd = ipc_mq_look(m->name);
	} else if (flags & IPC_Q_RECV) {
		/* Writable too, to put back what could not be delivered. */
		m->mqd = ipc_mq_open(m->name, O_RDWR | O_NONBLOCK | O_CLOEXEC,
		    &c);
		if (m->mqd == (mqd_t)-1 && errno == EACCES)
			m->mqd = ipc_mq_open(m->name,
			    O_RDONLY | O_NONBLOCK | O_CLOEXEC, &c);
	} else
		m->mqd = ipc_mq_open(m->name, O_WRONLY | O_NONBLOCK | O_CLOEXEC,
		    &c);
	if (m->mqd == (mqd_t)-1 || mq_getattr(m->mqd, &attr) == -1) {
		e = errno;
		snprintf(why, len, "%s", ipc_mq_strerror(e,
		    m->mqd == (mqd_t)-1 ? &c : NULL, buf, sizeof(buf)));
		if (m->mqd != (mqd_t)-1)
			mq_close(m->mqd);
		free(m);
		errno = e;
		return NULL;
	}
	m->q.name = m->name;
	m->q.msgsize = attr.mq_msgsize;
	m->q.maxmsg = attr.mq_maxmsg;
	m->q.mkmaxmsg = attr.mq_maxmsg;
	m->q.mkmsgsize = attr.mq_msgsize;
	return &m->q;
}

/* Send, waiting for room until the timeout runs out. */
static int
mq_qsend(struct ipc_queue *q, const char *msg, size_t len, unsigned int prio,
    unsigned long recno, const struct timespec *timeout)
{
	struct mq *m = (struct mq *)q;
	struct timespec abs, *deadline;

	(void)recno;
	deadline = ipc_deadline(timeout, &abs);
	for (;;) {
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		if (mq_send(m->mqd, msg, len, prio) == 0) {
			q->confirmed++;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (ipc_wait_fd(m->mqd, POLLOUT, deadline) == -1) {
			if (errno == EINTR)
				snprintf(q->why, sizeof(q->why),
				    "queue is full");
			return -1;
		}
	}
}

/* What mq_send(3) took is on the queue: nothing waits for a confirm. */
static int
mq_qsync(struct ipc_queue *q, const struct timespec *timeout)
{
	(void)q;
	(void)timeout;
	return 0;
}

/* A queue of this machine is read when asked: nothing to take ahead. */
static int
mq_qlisten(struct ipc_queue *q, long long window)
{
	(void)q;
	(void)window;
	return 0;
}

static int
mq_qtake(struct ipc_queue *q, struct ipc_msg *msg,
    const struct timespec *timeout)
{
	struct mq *m = (struct mq *)q;
	struct timespec abs, *deadline = NULL;
	ssize_t n;
	int waited = 0;

	for (;;) {
		if (ipc_signalled) {
			errno = EINTR;
			return -1;
		}
		if ((n = mq_receive(m->mqd, msg->data, q->msgsize,
		    &msg->prio)) >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || (timeout != NULL &&
		    timeout->tv_sec == 0 && timeout->tv_nsec == 0))
			return -1;
		if (!waited++)
			deadline = ipc_deadline(timeout, &abs);
		if (ipc_wait_fd(m->mqd, POLLIN, deadline) == -1)
			return -1;
	}
	msg->len = n;
	msg->tag = 0;
	return 0;
}

/* What mq_receive(3) took is gone from the queue: nothing to say. */
static int
mq_qdone(struct ipc_queue *q, const struct ipc_msg *msg, int now)
{
	(void)q;
	(void)msg;
	(void)now;
	return 0;
}

/* Send it again, at its priority, waiting for room as long as it takes. */
static int
mq_qputback(struct ipc_queue *q, const struct ipc_msg *msg)
{
	struct mq *m = (struct mq *)q;

	for (;;) {
		if (mq_send(m->mqd, msg->data, msg->len, msg->prio) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		if (ipc_wait_fd(m->mqd, POLLOUT, NULL) == -1)
			return -1;
	}
}

static int
mq_qfd(const struct ipc_queue *q)
{
	return ((const struct mq *)q)->mqd;
}

/* Messages queued; who reads a POSIX queue nobody can tell (-1). */
static int
mq_qcounts(struct ipc_queue *q, long long *msgs, long long *readers)
{
	struct mq_attr attr;

	if (mq_getattr(((struct mq *)q)->mqd, &attr) == -1)
		return -1;
	*msgs = attr.mq_curmsgs;
	*readers = -1;
	return 0;
}

static int
mq_qremove(struct ipc_queue *q)
{
	return mq_unlink(((struct mq *)q)->name);
}

/* A POSIX queue goes by its name: who may not open it may remove it. */
static int
mq_qunlink(const char *arg, char *why, size_t len)
{
	char name[IPC_NAMEBUF];
	const char *errstr;

	if (ipc_name(arg, IPC_MQ, name, sizeof(name), &errstr) == NULL) {
		snprintf(why, len, "%s", errstr);
		errno = EINVAL;
		return -1;
	}
	return mq_unlink(name);
}

static int
mq_qclose(struct ipc_queue *q, char *why, size_t len)
{
	struct mq *m = (struct mq *)q;

	(void)why;
	(void)len;
	mq_close(m->mqd);
	free(m);
	return 0;
}

const struct ipc_queue_backend ipc_queue_posix = {
	NULL,
	0,
	mq_shown,
	mq_qopen,
	mq_qsend,
	mq_qsync,
	mq_qlisten,
	mq_qtake,
	mq_qdone,
	mq_qputback,
	mq_qfd,
	mq_qcounts,
	mq_qremove,
	mq_qunlink,
	mq_qclose,
	NULL,
};
