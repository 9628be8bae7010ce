/* amqp-opt.c: broker queue names and options, with or without librabbitmq. */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"

int
ipc_is_amqp(const char *name)
{
	return strncmp(name, "amqp://", 7) == 0 ||
	    strncmp(name, "amqps://", 8) == 0;
}

void
ipc_xamqp_option(struct ipc_amqp_conf *a, int ch, const char *arg)
{
	a->given = 1;
	switch (ch) {
	case IPC_OPT_MAXPRIO:
		a->maxprio = ipc_xnum(arg, 1, 255, "max-priority");
		break;
	default:
		ipc_xtls_option(&a->tls, ch, arg);
	}
}

void
ipc_xamqp_unused(const struct ipc_amqp_conf *a)
{
	if (a->given)
		errx(ipc_errexit, "--max-priority and the --tls options are "
		    "for amqp:// and amqps:// names");
}

/*
 * The name as messages show it: without the password, which may be on
 * the command line only by the user's own choice.
 */
const char *
ipc_amqp_shown(const char *name)
{
	const char *hosts, *at, *end, *colon;
	char *s;

	hosts = strstr(name, "://") + 3;
	end = hosts + strcspn(hosts, "/");
	for (at = NULL, colon = hosts; colon < end; colon++)
		if (*colon == '@')
			at = colon;
	if (at == NULL || (colon = memchr(hosts, ':', at - hosts)) == NULL)
		return name;
	if (asprintf(&s, "%.*s%s", (int)(colon - name), name, at) == -1)
		err(ipc_errexit, NULL);
	return s;
}

void
ipc_xamqp_only(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!ipc_is_amqp(names[i]))
			errx(ipc_errexit, "%s: cannot take amqp:// names and "
			    "others at once", names[i]);
}

struct ipc_amqp *
ipc_amqp_xfind(const char *name, const char **shown)
{
	struct ipc_amqp_conf ac = IPC_AMQP_CONF_DEFAULT;
	struct ipc_create c = IPC_CREATE_DEFAULT;

	c.create = 0;
	ac.missing_ok = 1;
	return ipc_amqp_xopen(name, &ac, &c, shown);
}
