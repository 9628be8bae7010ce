/* prog.c: what every program shares: its error status and --version. */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "ipcutils.h"

int ipc_errexit = IPC_ERROR;

_Noreturn void
ipc_version(void)
{
	printf("%s (%s) %s\n", getprogname(), PACKAGE_NAME, PACKAGE_VERSION);
	ipc_xfflush(stdout, "stdout");
	exit(IPC_OK);
}
