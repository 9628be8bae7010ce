/* number.c: numbers, sizes and modes from the command line, strictly. */
#include <err.h>
#include <limits.h>
#include <string.h>

#include "ipcutils.h"

/*
 * Decimal digits, and nothing else: no sign, space, base prefix or
 * exponent, and "010" is ten.  What follows the digits in *end.
 */
static int
digits(const char *s, unsigned long long max, unsigned long long *n,
    const char **end, const char **errstr)
{
	const char *p;

	*n = 0;
	*errstr = "invalid";
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (*n > (max - (unsigned)(*p - '0')) / 10) {
			*errstr = "too large";
			return -1;
		}
		*n = *n * 10 + (unsigned)(*p - '0');
	}
	*end = p;
	if (p == s)
		return -1;
	*errstr = NULL;
	return 0;
}

int
ipc_num(const char *s, long long min, long long max, long long *n,
    const char **errstr)
{
	unsigned long long v;
	const char *end;

	/* -1 is a number, only too small: the sign alone is not refused. */
	if (s[0] == '-' && digits(s + 1, LLONG_MAX, &v, &end, errstr) == 0 &&
	    *end == '\0' && v > 0) {
		*errstr = "too small";
		return -1;
	}
	if (digits(s, LLONG_MAX, &v, &end, errstr) == -1)
		return -1;
	if (*end != '\0') {
		*errstr = "invalid";
		return -1;
	}
	if ((long long)v > max) {
		*errstr = "too large";
		return -1;
	}
	if ((long long)v < min) {
		*errstr = "too small";
		return -1;
	}
	*n = (long long)v;
	return 0;
}

long long
ipc_xnum(const char *s, long long min, long long max, const char *what)
{
	const char *errstr;
	long long n;

	if (ipc_num(s, min, max, &n, &errstr) == -1)
		errx(ipc_errexit, "%s is %s: %s", what, errstr, ipc_shown(s));
	return n;
}

/*
 * A byte count with at most one unit, a power of 1024, in either case:
 * 4096, 64k, 1M, 2G (b for bytes, k m g t p e).
 */
int
ipc_size(const char *s, int64_t max, int64_t *n, const char **errstr)
{
	static const char units[] = "bkmgtpe";
	unsigned long long v;
	const char *end, *u;
	int shift;

	if (digits(s, INT64_MAX, &v, &end, errstr) == -1)
		return -1;
	if (*end != '\0') {
		u = strchr(units, *end | 0x20);
		if (*end == '\0' || u == NULL || *u == '\0' ||
		    end[1] != '\0') {
			*errstr = "invalid";
			return -1;
		}
		shift = 10 * (int)(u - units);
		if (shift > 0 && v > ((unsigned long long)INT64_MAX >> shift)) {
			*errstr = "too large";
			return -1;
		}
		v <<= shift;
	}
	if ((int64_t)v > max) {
		*errstr = "too large";
		return -1;
	}
	*n = (int64_t)v;
	return 0;
}

int64_t
ipc_xsize(const char *s, int64_t max, const char *what)
{
	const char *errstr;
	int64_t n;

	if (ipc_size(s, max, &n, &errstr) == -1)
		errx(ipc_errexit, "%s is %s: %s", what, errstr, ipc_shown(s));
	return n;
}

/*
 * An octal mode, as chmod(1) takes it: 600, 0640.  Permission bits only:
 * setuid, setgid and sticky mean nothing to an object and are refused.
 */
int
ipc_mode(const char *s, mode_t *mode, const char **errstr)
{
	const char *p;
	long m = 0;

	*errstr = "invalid";
	if (*s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '7')
			return -1;
		m = m * 8 + (*p - '0');
		if (m > 0777) {
			*errstr = "too large";
			return -1;
		}
	}
	*mode = (mode_t)m;
	*errstr = NULL;
	return 0;
}

mode_t
ipc_xmode(const char *s)
{
	const char *errstr;
	mode_t m;

	if (ipc_mode(s, &m, &errstr) == -1)
		errx(ipc_errexit, "mode is %s: %s", errstr, ipc_shown(s));
	return m;
}
