/* number.c: numbers, sizes and modes from the command line, strictly. */
#include <err.h>
#include <errno.h>
#include <stdlib.h>

#include "ipcutils.h"

long long
ipc_xnum(const char *s, long long min, long long max, const char *what)
{
	const char *errstr;
	long long n;

	n = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		errx(ipc_errexit, "%s is %s: %s", what, errstr,
		    *s == '\0' ? "\"\"" : s);
	return n;
}

/* A byte count with an optional unit: 4096, 64k, 1M, 2G. */
int64_t
ipc_xsize(const char *s, int64_t max, const char *what)
{
	int64_t n;

	if (*s == '\0')
		errx(ipc_errexit, "%s is invalid: \"\"", what);
	if (*s == '-' || *s == '+' || *s == ' ')
		errx(ipc_errexit, "%s is invalid: %s", what, s);
	if (dehumanize_number(s, &n) == -1) {
		if (errno == ERANGE)
			errx(ipc_errexit, "%s is too large: %s", what, s);
		errx(ipc_errexit, "%s is invalid: %s", what, s);
	}
	if (n > max)
		errx(ipc_errexit, "%s is too large: %s", what, s);
	return n;
}

/*
 * An octal mode, as chmod(1) takes it: 600, 0640.  Permission bits only:
 * setuid, setgid and sticky mean nothing to an object and are refused.
 */
mode_t
ipc_xmode(const char *s)
{
	const char *p;
	long m = 0;

	if (*s == '\0')
		errx(ipc_errexit, "mode is invalid: \"\"");
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '7')
			errx(ipc_errexit, "mode is invalid: %s", s);
		m = m * 8 + (*p - '0');
		if (m > 0777)
			errx(ipc_errexit, "mode is too large: %s", s);
	}
	return (mode_t)m;
}
