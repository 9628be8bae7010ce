/* url.h: the names of backends, SCHEME://user:password@hosts/path?query. */
#ifndef IPC_URL_H
#define IPC_URL_H

#include <stddef.h>

/*
 * SCHEME[s]://[user[:password]@]host[:port][,host[:port]...][/path][?query]
 *
 * The user and password run to the last '@' before the first '/' (so a
 * password may hold '@', ':' and '?'); the hosts to the first '/' or
 * '?'; the path to the first '?'.  A host is a name or [an IPv6
 * address], each with an optional port, 1 to 65535.  User, password,
 * hosts and each path segment are percent-decoded (%XX; %00 and any
 * other bad escape are refused); the path and the query are also kept
 * as they are written.
 */
struct ipc_url_host {
	char		*name;		/* decoded, an IPv6 address without [] */
	int		 port;		/* or the scheme's default */
};

struct ipc_url {
	char		*scheme;	/* "amqp", for amqps:// too */
	int		 tls;		/* the "s" form: amqps://, etcds:// */
	char		*user;		/* NULL: none in the name */
	char		*password;	/* NULL: none; "" for user:@ */
	struct ipc_url_host *hosts;	/* one or more */
	size_t		 nhosts;
	char		*path;		/* raw, after the '/' that ends the
					   hosts; NULL: no '/' */
	char		**segs;		/* the path cut at each '/', decoded */
	size_t		 nsegs;		/* 0 without a path, 1 for "" */
	char		*query;		/* raw, after the '?'; NULL: none */
};

/*
 * Parse name as a scheme's URL: scheme "amqp" takes amqp:// (default
 * port: port) and amqps:// (tls, default port: tlsport); scheme NULL
 * takes any lower-case SCHEME:// and port.  0, or -1 with errno EINVAL
 * and *why the reason ("a bad port"), or errno ENOMEM and *why its
 * strerror; u holds nothing to free then.
 */
int		 ipc_url_parse(const char *, const char *, int, int,
		    struct ipc_url *, const char **);
void		 ipc_url_free(struct ipc_url *);

/*
 * Percent-decode len bytes of s (a piece of the path: the AMQP
 * backend's vhost is all the path but its last segment) into a new
 * string: NULL with errno and *why as ipc_url_parse() sets them.
 */
char		*ipc_url_decode(const char *, size_t, const char **);

/*
 * The name as messages show it, without its password (which is on a
 * command line only by the user's choice), whether it parses or not: a
 * new string, NULL if out of memory.
 */
char		*ipc_url_shown(const char *);

#endif
