/* duration.c: how long to wait ("1.5", "250ms", "2m", "1h") and until when. */
#include <sys/time.h>

#include <err.h>
#include <limits.h>
#include <string.h>

#include "ipcutils.h"

#define NSEC	1000000000LL

static const struct unit {
	const char	*name;
	long long	 ns;
} units[] = {
	{ "",	NSEC },
	{ "s",	NSEC },
	{ "ms",	NSEC / 1000 },
	{ "m",	60 * NSEC },
	{ "h",	3600 * NSEC },
};

/*
 * The fraction .d1d2d3... of a unit of ns nanoseconds, in nanoseconds,
 * rounded up: exact for any number of digits, so that no fraction that is
 * not 0 gives 0.  Horner's rule from the last digit, keeping the floor and
 * whether anything was dropped: each step stays below 10 * ns.
 */
static long long
fraction(const char *d, size_t n, long long ns)
{
	long long t = 0, v;
	int inexact = 0;

	while (n-- > 0) {
		v = (d[n] - '0') * ns + t;
		if (v % 10 != 0)
			inexact = 1;
		t = v / 10;
	}
	return t + inexact;
}

/*
 * "1.5", "250ms", "2m", "1h": a decimal number of seconds, or of the unit.
 * At most LLONG_MAX nanoseconds (some 292 years), so that a deadline from
 * now is always a time_t; past that "too large".
 */
int
ipc_duration(const char *s, struct timespec *ts, const char **errstr)
{
	long long whole = 0, ns, frac;
	const char *p = s, *fd = NULL;
	size_t i, nfd = 0;
	int big = 0;

	*errstr = "invalid";
	if (*p == '-') {
		*errstr = "negative";
		return -1;
	}
	if ((*p < '0' || *p > '9') && *p != '.')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (LLONG_MAX - 9) / 10)
			big = 1;	/* too large, once it is valid */
		else
			whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		if (p == s && (p[1] < '0' || p[1] > '9'))
			return -1;
		for (fd = ++p; *p >= '0' && *p <= '9'; p++)
			nfd++;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].name) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -1;
	if (big || whole > LLONG_MAX / units[i].ns)
		goto large;
	ns = whole * units[i].ns;
	frac = fd == NULL ? 0 : fraction(fd, nfd, units[i].ns);
	if (frac > LLONG_MAX - ns)
		goto large;
	ns += frac;
	ts->tv_sec = ns / NSEC;
	ts->tv_nsec = ns % NSEC;
	*errstr = NULL;
	return 0;
large:
	*errstr = "too large";
	return -1;
}

void
ipc_xduration(const char *s, struct timespec *ts, const char *what)
{
	const char *errstr;

	if (ipc_duration(s, ts, &errstr) == -1)
		errx(ipc_errexit, "%s is %s: %s", what, errstr, ipc_shown(s));
}

/*
 * -n, --nonblock and -t, --timeout, which every waiting tool takes: -n is
 * -t 0, and the two together are a usage error.
 */
void
ipc_xwait_option(struct ipc_wait *w, int ch, const char *arg)
{
	if (w->set && w->set != ch)
		errx(ipc_errexit, "cannot use -n and -t");
	if (ch == 'n')
		w->ts.tv_sec = w->ts.tv_nsec = 0;
	else
		ipc_xduration(arg, &w->ts, "timeout");
	w->set = ch;
}

/*
 * A timeout from now as a deadline, an absolute CLOCK_REALTIME time (the
 * clock of sem_timedwait(3)), for ipc_expired, ipc_ms_until and
 * ipc_poll to count down to; NULL (forever) for NULL.
 */
struct timespec *
ipc_deadline(const struct timespec *timeout, struct timespec *abs)
{
	struct timespec now;

	if (timeout == NULL)
		return NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	timespecadd(&now, timeout, abs);
	return abs;
}

int
ipc_expired(const struct timespec *abs)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec > abs->tv_sec ||
	    (now.tv_sec == abs->tv_sec && now.tv_nsec >= abs->tv_nsec);
}

/* Milliseconds from now until the deadline (0 when past); -1: forever. */
int
ipc_ms_until(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (deadline == NULL)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	    (deadline->tv_nsec - now.tv_nsec + 999999) / 1000000;
	if (ms < 0)
		return 0;
	return ms > 86400000 ? 86400000 : (int)ms;
}

/* A monotonic clock in milliseconds, for idle timeouts. */
long long
ipc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A timeout as poll(2) takes it, rounded up: -t 1ms is not 0. */
int
ipc_xtimeout_ms(const struct timespec *ts, const char *s)
{
	if (ts->tv_sec > INT_MAX / 1000 - 1)
		errx(ipc_errexit, "timeout is too large: %s", ipc_shown(s));
	return ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
}
