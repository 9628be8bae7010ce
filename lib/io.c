/* io.c: writes that finish, survive EINTR, and report EPIPE. */
#include <err.h>
#include <errno.h>
#include <unistd.h>

#include "ipcutils.h"

/*
 * Write all of buf; the count written, less than len only after an error,
 * which errno then tells: EINTR when SIGINT or SIGTERM cut the write short
 * (a write that blocked, to a reader that stopped reading, ends there).
 */
size_t
ipc_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1) {
			if (errno == EINTR && !ipc_signalled)
				continue;
			break;
		}
		off += n;
		if (off < len && ipc_signalled) {
			errno = EINTR;
			break;
		}
	}
	return off;
}

/* The sbase efshut(): a tool that printed checks that it was written. */
void
ipc_xfflush(FILE *fp, const char *what)
{
	if (fflush(fp) == EOF || ferror(fp))
		err(ipc_errexit, "%s", what);
}
