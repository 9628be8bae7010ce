/* mq.c: open or create a message queue, and say why that failed. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mq.h"

#define MQ_PROC	"/proc/sys/fs/mqueue/"

/* A value from /proc/sys/fs/mqueue, or def where there is none (BSD). */
static long
mq_limit(const char *file, long def)
{
	char path[64], buf[32];
	const char *errstr;
	long long v;
	FILE *fp;

	snprintf(path, sizeof(path), MQ_PROC "%s", file);
	if ((fp = fopen(path, "re")) == NULL)
		return def;
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		fclose(fp);
		return def;
	}
	fclose(fp);
	buf[strcspn(buf, "\n")] = '\0';
	v = strtonum(buf, 1, LONG_MAX, &errstr);
	return errstr == NULL ? v : def;
}

mqd_t
ipc_mq_open(const char *name, int oflag, const struct ipc_create *c)
{
	struct mq_attr attr, *ap = NULL;
	mode_t mask = 0;
	mqd_t q;
	int e;

	if (!c->create) {
		q = mq_open(name, oflag);
		goto owned;
	}
	oflag |= O_CREAT | (c->exclusive ? O_EXCL : 0);
	if (c->maxmsg || c->msgsize) {
		memset(&attr, 0, sizeof(attr));
		attr.mq_maxmsg = c->maxmsg ? c->maxmsg :
		    mq_limit("msg_default", 10);
		attr.mq_msgsize = c->msgsize ? c->msgsize :
		    mq_limit("msgsize_default", 8192);
		ap = &attr;
	}
	if (c->modeset)
		mask = umask(0);
	q = mq_open(name, oflag, c->mode, ap);
	if (c->modeset) {
		e = errno;
		umask(mask);
		errno = e;
	}
owned:
	/* A queue that was there may be another user's. */
	if (q != (mqd_t)-1 && ipc_owned((int)q, c) == -1) {
		e = errno;
		mq_close(q);
		errno = e;
		return (mqd_t)-1;
	}
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
	msgmax = mq_limit("msg_max", 10);
	sizemax = mq_limit("msgsize_max", 8192);
	if (e == EINVAL && c->maxmsg > msgmax)
		snprintf(buf, len, "--max-messages %ld is over the system's "
		    "limit, %ld in " MQ_PROC "msg_max", c->maxmsg, msgmax);
	else if (e == EINVAL && c->msgsize > sizemax)
		snprintf(buf, len, "--message-size %ld is over the system's "
		    "limit, %ld in " MQ_PROC "msgsize_max", c->msgsize,
		    sizemax);
	else if (e == EINVAL)
		snprintf(buf, len, "queue size is over the system's limits "
		    "(" MQ_PROC "msg_max, msgsize_max)");
	else if (e == EMFILE && getrlimit(RLIMIT_MSGQUEUE, &rl) == 0)
		snprintf(buf, len, "this user's queue memory is used up "
		    "(RLIMIT_MSGQUEUE, ulimit -q: %llu bytes): remove queues "
		    "with ipc-rm, make a smaller one with --max-messages "
		    "and --message-size, or raise ulimit -q",
		    (unsigned long long)rl.rlim_cur);
	else if (e == ENOSPC)
		snprintf(buf, len, "too many queues on this system "
		    "(" MQ_PROC "queues_max)");
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
	int n;

	n = snprintf(buf, len, IPC_MQ_DIR "%s", name);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
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
