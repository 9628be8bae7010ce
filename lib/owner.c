/* owner.c: whose objects a tool trusts. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
 * Another user may also put under an object's name what is no object: a
 * FIFO, whose open(2) blocks until somebody opens its other end (past -t,
 * past the owner check); a socket or a device; a symbolic link to a file
 * of the caller's.  Whoever opens a name opens it with IPC_OPEN_OBJECT,
 * which neither blocks nor follows a link, and hands the result here,
 * before the owner check: anything but a regular file is refused.
 */
static char	notobj[PATH_MAX * 4 + 64];	/* room for strvis(3)'s bytes */

/* What a file of mode m is, in a message; NULL: a regular file. */
static const char *
kind_of(mode_t m)
{
	if (S_ISREG(m))
		return NULL;
	return S_ISLNK(m) ? "a symbolic link" : S_ISFIFO(m) ? "a FIFO" :
	    S_ISSOCK(m) ? "a socket" : S_ISDIR(m) ? "a directory" :
	    S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" : "not a file";
}

/* What path is, when it is there and not a regular file, or NULL. */
const char *
ipc_file_kind(const char *path)
{
	struct stat st;

	return lstat(path, &st) == -1 ? NULL : kind_of(st.st_mode);
}

int
ipc_regular(int fd, const char *path)
{
	struct stat st;
	const char *kind;
	int e = errno, fl;

	if (fd == -1) {
		/* ELOOP (a link), ENXIO (a socket), EISDIR: say what. */
		if (e == ENOENT || (kind = ipc_file_kind(path)) == NULL) {
			errno = e;
			return -1;
		}
	} else {
		if (fstat(fd, &st) == -1) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if ((kind = kind_of(st.st_mode)) == NULL) {
			/* Its reads and writes as they always were. */
			if ((fl = fcntl(fd, F_GETFL)) != -1 &&
			    (fl & O_NONBLOCK))
				(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
			return fd;
		}
		close(fd);
	}
	snprintf(notobj, sizeof(notobj), "%s is %s, not a regular file",
	    ipc_shown(path), kind);
	errno = IPC_ENOTOBJ;
	return -1;
}

/*
 * strerror(3), but an object ipc_owned refused is told by its owner, and
 * a name ipc_regular refused by what it is.  The
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

	if (e == IPC_ENOTOBJ && notobj[0] != '\0')
		return notobj;
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
