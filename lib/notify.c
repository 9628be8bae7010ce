/* notify.c: the sd_notify(3) protocol, without libsystemd. */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

/*
 * The socket that NOTIFY_SOCKET names, taken out of the environment: the
 * variable is the tool's, not its commands'.  1, or 0 when there is none
 * (or one too long to be a socket's).
 */
int
ipc_notify_take(struct ipc_notify *n)
{
	const char *e;

	n->path[0] = '\0';
	if ((e = getenv("NOTIFY_SOCKET")) == NULL)
		return 0;
	strlcpy(n->path, e, sizeof(n->path));
	unsetenv("NOTIFY_SOCKET");
	if (strlen(n->path) > sizeof(((struct sockaddr_un *)0)->sun_path))
		n->path[0] = '\0';
	return n->path[0] != '\0';
}

/*
 * One datagram, state ("READY=1"), to the Unix socket, abstract when its
 * name starts with @: 0 (also with no socket to tell), or -1 with errno.
 */
int
ipc_notify(const struct ipc_notify *n, const char *state)
{
	struct sockaddr_un sun;
	size_t len = strlen(n->path);
	int fd, e = 0;

	if (len == 0)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, n->path, len);
	if (n->path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) +
	    len + (n->path[0] != '@')) == -1)
		e = errno;
	close(fd);
	errno = e;
	return e != 0 ? -1 : 0;
}
