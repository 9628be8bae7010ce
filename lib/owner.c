/* owner.c: whose objects a tool trusts. */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ipcutils.h"

/*
 * Object names are shared by every user of the host: another user may
 * have made the object that a tool finds under its name, and made it
 * writable by all, to feed the tool forged messages, read what it puts,
 * or hold its locks.  Only its owner or root can have opened an object
 * to others, so one of the caller's or root's is theirs to share; any
 * other is refused unless the caller says --any-owner.  The descriptor is
 * looked at, not the name, so that what is checked is what is used.
 */
static uid_t	refused = (uid_t)-1;

int
ipc_owned(int fd, const struct ipc_create *c)
{
	struct stat st;

	if (c != NULL && c->anyowner)
		return 0;
	if (fstat(fd, &st) == -1)
		return -1;
	if (st.st_uid == geteuid() || st.st_uid == 0)
		return 0;
	refused = st.st_uid;
	errno = EPERM;
	return -1;
}

/* The same, and the descriptor closed when it is refused (errno kept). */
int
ipc_owned_or_close(int fd, const struct ipc_create *c)
{
	int e;

	if (ipc_owned(fd, c) == 0)
		return 0;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/*
 * strerror(3), but an object ipc_owned refused is told by its owner.  The
 * name comes from /etc/passwd itself: getpwuid(3) would need the shared
 * NSS modules in a program linked statically.
 */
const char *
ipc_strerror(int e)
{
	static char buf[128];
	struct passwd *pw;
	char who[64];
	FILE *fp;

	if (e != EPERM || refused == (uid_t)-1)
		return strerror(e);
	snprintf(who, sizeof(who), "uid %u", (unsigned int)refused);
	if ((fp = fopen("/etc/passwd", "re")) != NULL) {
		while ((pw = fgetpwent(fp)) != NULL)
			if (pw->pw_uid == refused) {
				snprintf(who, sizeof(who), "%s", pw->pw_name);
				break;
			}
		fclose(fp);
	}
	snprintf(buf, sizeof(buf), "owned by %s, not by you or root "
	    "(--any-owner to use it)", who);
	return buf;
}
