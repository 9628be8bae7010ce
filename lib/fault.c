/* fault.c: where a stream copy or a TLS relay failed, and how to say it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

/* Record a failure on fd (errno e, and libtls's reason or NULL): -1. */
int
ipc_fault(struct ipc_fault *f, int fd, int e, const char *tlserr)
{
	f->fd = fd;
	f->err = e;
	f->tlserr = tlserr;
	errno = e;
	return -1;
}

/*
 * The words for a failed copy or relay, in buf, as the sock tools say
 * them: "stdin: REASON" or "stdout: REASON" where the tool's own input
 * or output failed (sock, the connection, being neither); else what (the
 * address, or the peer) and libtls's reason, idle for a timeout, or
 * errno's message.  Returns the status to go with them: IPC_NOTNOW for
 * the timeout, IPC_ERROR for the rest.
 */
int
ipc_fault_says(const struct ipc_fault *f, int sock, const char *what,
    const char *idle, char *buf, size_t len)
{
	if (f->fd != sock &&
	    (f->fd == STDIN_FILENO || f->fd == STDOUT_FILENO)) {
		snprintf(buf, len, "%s: %s", f->fd == STDIN_FILENO ? "stdin" :
		    "stdout", strerror(f->err));
		return IPC_ERROR;
	}
	if (f->tlserr != NULL) {
		snprintf(buf, len, "%s: %s", what, f->tlserr);
		return IPC_ERROR;
	}
	if (f->err == ETIMEDOUT) {
		snprintf(buf, len, "%s: %s", what, idle);
		return IPC_NOTNOW;
	}
	snprintf(buf, len, "%s: %s", what, strerror(f->err));
	return IPC_ERROR;
}
