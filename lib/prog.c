/*
 * prog.c: what every program shares: its standard descriptors, its error
 * status and --version.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "ipcutils.h"

int ipc_errexit = IPC_ERROR;

/*
 * Descriptors 0, 1 and 2 taken if they were closed at our start: else the
 * first socket, queue or file we open would be one, and what we write to
 * stdout would go into it (back to a peer, into a queue).  Each stays as
 * unusable as a closed one: stdin is /dev/null opened for writing only,
 * stdout and stderr for reading only, so that using them fails with
 * EBADF, as it did, and the tool says "stdout: Bad file descriptor".
 */
void
ipc_stdfds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free descriptor: fd, as those below are open. */
		if (open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
			_exit(IPC_ERROR);
	}
}

_Noreturn void
ipc_version(void)
{
	printf("%s (%s) %s\n", getprogname(), PACKAGE_NAME, PACKAGE_VERSION);
	ipc_xfflush(stdout, "stdout");
	exit(IPC_OK);
}
