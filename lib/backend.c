/* backend.c: which scheme a name has, and the schemes this build lacks. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "ipcutils.h"

/*
 * Every scheme any build knows, and what builds it in: a name of one
 * whose backend is not in its family's table is refused with this,
 * rather than read as a POSIX name (which a '/' would refuse less
 * helpfully).
 */
static const struct {
	const char	*scheme;
	const char	*what;		/* "built without WHAT" */
	const char	*with;		/* the configure option */
	const char	*needs;		/* and the library it needs */
	unsigned int	 kinds;		/* the families it serves */
} known[] = {
	{ "amqp",	"AMQP",	"--with-amqp",	"librabbitmq",
	    1U << IPC_MQ },
	{ "etcd",	"etcd",	"--with-etcd",	"jansson and libtls",
	    1U << IPC_SEM | 1U << IPC_SHM },
};
static const char *const kindnames[IPC_NKINDS] = {
	"message queues", "semaphores", "shared memory"
};

int
ipc_scheme_is(const char *name, const char *scheme)
{
	size_t n = strlen(scheme);

	if (strncmp(name, scheme, n) != 0)
		return 0;
	if (strncmp(name + n, "://", 3) == 0)
		return 1;
	if (name[n] == 's' && strncmp(name + n + 1, "://", 3) == 0)
		return 2;
	return 0;
}

int
ipc_has_scheme(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz");

	return n > 0 && strncmp(name + n, "://", 3) == 0;
}

const char *
ipc_backend_missing(enum ipc_kind kind, const char *name, char *buf,
    size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!ipc_scheme_is(name, known[i].scheme))
			continue;
		if (!(known[i].kinds & 1U << kind))
			snprintf(buf, len, "%s:// names are not %s",
			    known[i].scheme, kindnames[kind]);
		else
			snprintf(buf, len, "this ipcutils was built without %s "
			    "(configure %s, %s)", known[i].what,
			    known[i].with, known[i].needs);
		return buf;
	}
	return NULL;
}
