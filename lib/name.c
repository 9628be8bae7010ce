/* name.c: object names, given with or without their leading slash. */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>

#include "ipcutils.h"

/*
 * The longest name after the slash: a queue or a shared memory object
 * is a file of NAME_MAX bytes in its file system; glibc stores a
 * semaphore as "sem.NAME" in /dev/shm, four bytes less.
 */
static size_t
name_max(enum ipc_kind kind)
{
	return kind == IPC_SEM ? NAME_MAX - (sizeof(IPC_SEM_PREFIX) - 1) :
	    NAME_MAX;
}

const char *
ipc_name(const char *arg, enum ipc_kind kind, char *buf, size_t len,
    const char **errstr)
{
	const char *s = arg;
	size_t n;

	if (*s == '/')
		s++;
	n = strlen(s);
	if (n == 0)
		*errstr = "empty name";
	else if (strchr(s, '/') != NULL)
		*errstr = "name holds a '/' after the leading one";
	else if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		*errstr = "name is '.' or '..'";
	else if (n > name_max(kind) || n + 2 > len)
		*errstr = "name too long";
	else {
		buf[0] = '/';
		memcpy(buf + 1, s, n + 1);
		*errstr = NULL;
		return buf;
	}
	return NULL;
}

const char *
ipc_xname(const char *arg, enum ipc_kind kind, char *buf, size_t len)
{
	const char *errstr;

	if (ipc_name(arg, kind, buf, len, &errstr) == NULL)
		errx(ipc_errexit, "%s: %s", ipc_shown(arg), errstr);
	return buf;
}

/*
 * Where an object lives: dir, prefix and the name without its slash
 * ("/dev/shm", "sem.", "/jobs": "/dev/shm/sem.jobs"); -1 with
 * ENAMETOOLONG when buf cannot hold it.
 */
int
ipc_object_path(char *buf, size_t len, const char *dir, const char *prefix,
    const char *name)
{
	int n;

	n = snprintf(buf, len, "%s/%s%s", dir, prefix,
	    name + (name[0] == '/'));
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
