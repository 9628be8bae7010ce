/* msg.c: what messages echo of the user's input, and getopt's own errors. */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#define LIBBSD_OPENBSD_VIS	/* strvis(3) alone, as everywhere */
#include <vis.h>

#include "ipcutils.h"

#undef getopt_long		/* the real one, which ours wraps */

#define VISFLAGS	(VIS_CSTYLE | VIS_TAB | VIS_NL)
#define NSHOWN		4	/* the strings one message may show */

/*
 * s as a message may show it: strvis(3)ed, so that a newline or an escape
 * sequence in an argument cannot make a message two lines or rewrite the
 * terminal; quoted when empty or when a space starts or ends it, so that
 * the space shows.  The result lasts until NSHOWN later calls, enough for
 * the strings of one message.
 */
const char *
ipc_shown(const char *s)
{
	static char *ring[NSHOWN];
	static int next;
	char *v, *q;
	size_t n = strlen(s);

	if (n == 0)
		return "\"\"";
	if (stravis(&v, s, VISFLAGS) == -1)
		return "(unprintable)";
	if ((s[0] == ' ' || s[n - 1] == ' ') && (q = malloc(strlen(v) + 3)) !=
	    NULL) {
		q[0] = '"';
		strcpy(stpcpy(q + 1, v), "\"");
		free(v);
		v = q;
	}
	free(ring[next]);
	ring[next] = v;
	next = (next + 1) % NSHOWN;
	return v;
}

/* ipc_shown(s) that lasts, for a name that every message of a tool shows. */
const char *
ipc_xshown(const char *s)
{
	char *v;

	if ((v = strdup(ipc_shown(s))) == NULL)
		err(ipc_errexit, NULL);
	return v;
}

/* --name=value, or a prefix of several long options: each one named. */
static void
long_error(const char *arg, const struct option *longopts, int opt)
{
	char name[64], could[256];
	size_t len = strcspn(arg, "=");
	int i, n = 0;

	snprintf(name, sizeof(name), "%.*s", (int)len, arg);
	if (opt != 0) {
		warnx("%s: %s", ipc_shown(name), arg[len] == '=' ?
		    "takes no argument" : "needs an argument");
		return;
	}
	could[0] = '\0';
	for (i = 0; longopts != NULL && longopts[i].name != NULL; i++)
		if (strncmp(longopts[i].name, arg + 2, len - 2) == 0) {
			strlcat(could, n++ == 0 ? "--" : ", --", sizeof(could));
			strlcat(could, longopts[i].name, sizeof(could));
		}
	if (n < 2)
		warnx("%s: unknown option", ipc_shown(name));
	else
		warnx("%s: ambiguous option: %s", ipc_shown(name), could);
}

/*
 * getopt_long(3) with the errors in the tools' own form: one line
 * "PROGRAM: -x: REASON", the program's name rather than its path as typed,
 * the option's bytes escaped.  ipcutils.h makes every tool call this for
 * getopt_long, so that the tools keep the plain getopt loop; '?' goes to
 * the tool's usage(), which adds the usage line.
 */
int
ipc_getopt_long(int argc, char *const argv[], const char *optstring,
    const struct option *longopts, int *longindex)
{
	char opt[3] = "-?";
	const char *arg;
	int before = optind == 0 ? 1 : optind, ch;	/* 0: glibc's reset */

	opterr = 0;
	ch = getopt_long(argc, argv, optstring, longopts, longindex);
	if (ch != '?' && ch != ':')
		return ch;
	arg = before < argc ? argv[before] : "";
	if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0')
		long_error(arg, longopts, optopt);
	else {
		opt[1] = (char)optopt;
		if (optopt != 0 && optopt != '+' && optopt != ':' &&
		    strchr(optstring, optopt) != NULL)
			warnx("%s: needs an argument", ipc_shown(opt));
		else
			warnx("%s: unknown option", ipc_shown(opt));
	}
	return '?';
}

/*
 * Whether argv holds the option whose getopt_long value is opt: a quiet
 * pass before the real one, for a tool whose errors take another status
 * with that option (a command to run: 125), wherever it stands.
 */
int
ipc_has_option(int argc, char *const argv[], const char *optstring,
    const struct option *longopts, int opt)
{
	int ch, found = 0, saved = opterr;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		if (ch == opt)
			found = 1;
	opterr = saved;
	optind = 0;		/* glibc: start afresh */
	return found;
}

/*
 * An option after the operand (`mq-recv q -n`): getopt stops at the
 * first operand ("+", as POSIX says), so the option would be an operand
 * that the tool does not take, and its usage alone would not say why.
 * argv and argc are those after the options; what names the operand
 * ("name", "address").  Call it where an extra operand is an error, never
 * where the tool takes it as data (mq-send's messages).  After "--" an
 * operand that starts with "-" is the user's (a name), so it is let be.
 */
void
ipc_xoptions_first(int argc, char *const argv[], const char *what,
    int status)
{
	char line[512];
	int i, j;

	if (argc < 2 || strcmp(argv[-1], "--") == 0)
		return;
	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			break;
	if (i == argc)
		return;
	/* The command line they meant: the options, then the operands. */
	strlcpy(line, getprogname(), sizeof(line));
	for (j = i; j < argc + i; j++) {
		strlcat(line, " ", sizeof(line));
		strlcat(line, ipc_shown(argv[j < argc ? j : j - argc]),
		    sizeof(line));
	}
	errx(status, "%s: options come before the %s (%s)", ipc_shown(argv[i]),
	    what, line);
}
