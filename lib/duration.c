/* duration.c: how long to wait ("1.5", "250ms", "2m", "1h") and until when. */
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

int
ipc_duration(const char *s, struct timespec *ts, const char **errstr)
{
	long long whole = 0, frac = 0, scale = 1, ns;
	const char *p = s;
	size_t i;

	*errstr = "invalid";
	if (*p == '-') {
		*errstr = "negative";
		return -1;
	}
	if ((*p < '0' || *p > '9') && *p != '.')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (LLONG_MAX - 9) / 10)
			goto large;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		if (p == s && (p[1] < '0' || p[1] > '9'))
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale < NSEC) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].name) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -1;
	if (whole > LLONG_MAX / units[i].ns)
		goto large;
	ns = whole * units[i].ns + frac * (units[i].ns / scale);
	if (ns < 0)
		goto large;
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
		errx(ipc_errexit, "%s is %s: %s", what, errstr,
		    *s == '\0' ? "\"\"" : s);
}

/*
 * The absolute CLOCK_REALTIME time that mq_timedsend(3), mq_timedreceive(3)
 * and sem_timedwait(3) take, a timeout from now.
 */
void
ipc_deadline(const struct timespec *timeout, struct timespec *abs)
{
	clock_gettime(CLOCK_REALTIME, abs);
	abs->tv_sec += timeout->tv_sec;
	abs->tv_nsec += timeout->tv_nsec;
	if (abs->tv_nsec >= NSEC) {
		abs->tv_sec++;
		abs->tv_nsec -= NSEC;
	}
}

int
ipc_expired(const struct timespec *abs)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec > abs->tv_sec ||
	    (now.tv_sec == abs->tv_sec && now.tv_nsec >= abs->tv_nsec);
}

double
ipc_seconds(const struct timespec *ts)
{
	return ts->tv_sec + ts->tv_nsec / 1e9;
}
