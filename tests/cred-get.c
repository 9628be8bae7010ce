/* cred-get: the hosts of a name and the credentials of each. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "cred.h"
#include "url.h"

/*
 * cred-get SCHEME NAME: for each host of NAME, "HOST PORT USER PASSWORD"
 * ('-': none), the default ports being 1000 and, for SCHEMEs://, 1001;
 * or exit 2 with the reason, as a tool would say it.
 */
int
main(int argc, char *argv[])
{
	struct ipc_url u;
	struct ipc_cred c;
	const char *why;
	char *shown;
	size_t i;

	if (argc != 3)
		errx(2, "usage: cred-get scheme name");
	if ((shown = ipc_url_shown(argv[2])) == NULL)
		err(2, NULL);
	if (ipc_url_parse(argv[2], argv[1], 1000, 1001, &u, &why) == -1)
		errx(2, "%s: %s", shown, why);
	for (i = 0; i < u.nhosts; i++) {
		if (ipc_cred_get(&c, u.scheme, u.hosts[i].name, u.user,
		    u.password) == -1)
			errx(2, "%s: %s", shown, c.why);
		printf("%s %d %s %s\n", u.hosts[i].name, u.hosts[i].port,
		    c.user ? c.user : "-", c.password ? c.password : "-");
		ipc_cred_free(&c);
	}
	ipc_url_free(&u);
	free(shown);
	return 0;
}
