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

	if (!c->create)
		return mq_open(name, oflag);
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
		return strerror(e);
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
		return strerror(e);
	return buf;
}
