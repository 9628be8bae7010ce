/* cred.h: the user and password for a backend's host, the same for each. */
#ifndef IPC_CRED_H
#define IPC_CRED_H

#include <limits.h>

/*
 * For scheme "amqp": the user is the name's, else $IPCUTILS_AMQP_USER;
 * the password the name's, else $IPCUTILS_AMQP_PASSWORD, else the
 * credentials file's: $IPCUTILS_AMQP_CREDENTIALS, or else
 * ~/.config/ipcutils/amqp-credentials where it exists.  Its lines are
 * "HOST USER PASSWORD" ('*': any host; HOST matched whatever its case;
 * the password is the rest of the line), blank or '#' comments; the
 * first line of the host, and of the user when one is given, is taken.
 * The file is refused unless it is the caller's and nobody else can
 * read or write it.  What none of them gives stays NULL: the defaults
 * are the caller's.
 */
struct ipc_cred {
	char		*user;
	char		*password;
	/* Why -1: "credentials FILE: owned by another user". */
	char		 why[2 * PATH_MAX + 64];
};

/*
 * c for scheme, host, and the user and password of the name (NULL:
 * none): 0, or -1 with errno and c->why.  ipc_cred_free() frees it
 * either way.
 */
int		 ipc_cred_get(struct ipc_cred *, const char *, const char *,
		    const char *, const char *);
void		 ipc_cred_free(struct ipc_cred *);

#endif
