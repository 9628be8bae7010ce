/* cred.c: a backend's user and password: the name, the environment, a file. */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cred.h"

/* $IPCUTILS_AMQP_WHAT, for scheme "amqp". */
static const char *
env(const char *scheme, const char *what)
{
	char var[64];
	size_t i;
	int n;

	n = snprintf(var, sizeof(var), "IPCUTILS_%s_%s", scheme, what);
	if (n < 0 || (size_t)n >= sizeof(var))
		return NULL;
	for (i = 0; var[i] != '\0'; i++)
		var[i] = (char)toupper((unsigned char)var[i]);
	return getenv(var);
}

/* The file's reason, or errno's, in c->why. */
static int
fail(struct ipc_cred *c, const char *file, const char *reason)
{
	int e = errno;

	snprintf(c->why, sizeof(c->why), "credentials %s: %s", file,
	    reason != NULL ? reason : strerror(e));
	errno = e;
	return -1;
}

/* Is it the caller's own, that nobody else can read or write? */
static int
trusted(struct ipc_cred *c, const char *file, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return fail(c, file, NULL);
	errno = EPERM;
	if (st.st_uid != geteuid())
		return fail(c, file, "owned by another user");
	if (st.st_mode & 077) {
		snprintf(c->why, sizeof(c->why), "credentials %s: others can "
		    "read or write it (chmod 600 %s)", file, file);
		return -1;
	}
	return 0;
}

/* The first line of host (and of user, if given) into c. */
static int
lookup(struct ipc_cred *c, const char *file, FILE *fp, const char *host,
    const char *user)
{
	char *line = NULL, *h, *u, *pw;
	size_t cap = 0;
	int rv = 0;

	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "\r\n")] = '\0';
		h = line + strspn(line, " \t");
		if (*h == '#' || *h == '\0')
			continue;
		u = h + strcspn(h, " \t");
		if (*u != '\0')
			*u++ = '\0';
		u += strspn(u, " \t");
		pw = u + strcspn(u, " \t");
		if (*pw != '\0')
			*pw++ = '\0';
		pw += strspn(pw, " \t");
		if (strcmp(h, "*") != 0 && strcasecmp(h, host) != 0)
			continue;
		if (user != NULL && strcmp(user, u) != 0)
			continue;
		if ((c->user = strdup(u)) == NULL ||
		    (c->password = strdup(pw)) == NULL)
			rv = fail(c, file, NULL);
		break;
	}
	if (rv == 0 && ferror(fp))
		rv = fail(c, file, NULL);
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	return rv;
}

static int
from_file(struct ipc_cred *c, const char *scheme, const char *host,
    const char *user)
{
	char path[PATH_MAX];
	const char *file, *home;
	FILE *fp;
	int fd, n, rv, e;

	if ((file = env(scheme, "CREDENTIALS")) == NULL) {
		if ((home = getenv("HOME")) == NULL || *home == '\0')
			return 0;
		n = snprintf(path, sizeof(path),
		    "%s/.config/ipcutils/%s-credentials", home, scheme);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			errno = ENAMETOOLONG;
			return fail(c, path, NULL);
		}
		file = path;
	}
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		/* The default file is there only for those who want it. */
		if (file == path && errno == ENOENT)
			return 0;
		return fail(c, file, NULL);
	}
	if (trusted(c, file, fd) == -1 || (fp = fdopen(fd, "r")) == NULL) {
		if (c->why[0] == '\0')		/* fdopen(3)'s */
			fail(c, file, NULL);
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	rv = lookup(c, file, fp, host, user);
	e = errno;
	fclose(fp);
	errno = e;
	return rv;
}

int
ipc_cred_get(struct ipc_cred *c, const char *scheme, const char *host,
    const char *user, const char *password)
{
	c->user = c->password = NULL;
	c->why[0] = '\0';
	if (user == NULL)
		user = env(scheme, "USER");
	if (password == NULL)
		password = env(scheme, "PASSWORD");
	if (password == NULL) {
		if (from_file(c, scheme, host, user) == -1)
			return -1;
		if (c->password != NULL)
			return 0;
	}
	if ((user != NULL && (c->user = strdup(user)) == NULL) ||
	    (password != NULL && (c->password = strdup(password)) == NULL)) {
		snprintf(c->why, sizeof(c->why), "%s", strerror(errno));
		return -1;
	}
	return 0;
}

void
ipc_cred_free(struct ipc_cred *c)
{
	if (c->password != NULL)
		explicit_bzero(c->password, strlen(c->password));
	free(c->user);
	free(c->password);
	c->user = c->password = NULL;
}
