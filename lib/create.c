/* create.c: the options that say how a tool creates its object. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <limits.h>

#include "ipcutils.h"

/*
 * The creation options of a tool that creates objects: -e, -m mode, -x,
 * --any-owner, and for queues --max-messages n and --message-size bytes.
 */
void
ipc_xcreate_option(struct ipc_create *c, int ch, const char *arg)
{
	switch (ch) {
	case 'e':
		c->create = 0;
		break;
	case 'm':
		c->mode = ipc_xmode(arg);
		c->modeset = 1;
		break;
	case 'x':
		c->exclusive = 1;
		break;
	case IPC_OPT_MAXMSG:
		c->maxmsg = ipc_xnum(arg, 1, INT_MAX, "--max-messages");
		break;
	case IPC_OPT_MSGSIZE:
		c->msgsize = ipc_xsize(arg, INT_MAX, "--message-size");
		if (c->msgsize == 0)
			errx(ipc_errexit, "--message-size is too small: %s",
			    arg);
		break;
	case IPC_OPT_ANYOWNER:
		c->anyowner = 1;
		break;
	}
	if (!c->create && c->exclusive)
		errx(ipc_errexit, "cannot use -e and -x");
}

/*
 * -m is exact, the umask aside: ipc_umask_clear() before the call that
 * creates, ipc_umask_restore() after it, errno kept.  Without -m the
 * umask applies, as it does to files.
 */
mode_t
ipc_umask_clear(const struct ipc_create *c)
{
	return c->modeset ? umask(0) : 0;
}

void
ipc_umask_restore(const struct ipc_create *c, mode_t old)
{
	int e = errno;

	if (c->modeset)
		umask(old);
	errno = e;
}
