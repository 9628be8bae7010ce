/* fuzz-duration: ipc_duration() against an exact reference. */
#include <limits.h>
#include <time.h>

#include "ipcutils.h"
#include "fuzz.h"

#define NSEC	1000000000LL
#define EXACT	25	/* fraction digits the reference holds exactly */

typedef unsigned __int128 u128;

/*
 * The reference: DIGITS[.DIGITS][s|ms|m|h], not only a "." and not
 * negative; the nanoseconds rounded up, in 128 bits, -1 when past
 * LLONG_MAX, -2 when invalid.  Beyond EXACT fraction digits it gives the
 * bounds: the value of the first EXACT digits, and the next one up.
 */
static __int128
reference(const char *s, int *truncated)
{
	static const struct { const char *name; long long ns; } units[] = {
		{ "", NSEC }, { "s", NSEC }, { "ms", NSEC / 1000 },
		{ "m", 60 * NSEC }, { "h", 3600 * NSEC },
	};
	const char *p = s, *fd;
	u128 whole = 0, frac = 0, pow = 1, ns, part;
	size_t nwd = 0, nfd = 0, i;
	int big = 0, rest = 0;

	*truncated = 0;
	for (; *p >= '0' && *p <= '9'; p++, nwd++) {
		whole = whole * 10 + (u128)(*p - '0');
		if (whole > (u128)LLONG_MAX)
			big = 1, whole = (u128)LLONG_MAX + 1;
	}
	if (*p == '.') {
		for (fd = ++p; *p >= '0' && *p <= '9'; p++, nfd++) {
			if (nfd < EXACT) {
				frac = frac * 10 + (u128)(*p - '0');
				pow *= 10;
			} else if (*p != '0')
				rest = 1;
		}
		(void)fd;
	}
	if (nwd == 0 && nfd == 0)
		return -2;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].name) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -2;
	if (big)
		return -1;
	part = (frac * (u128)units[i].ns + pow - 1) / pow;
	*truncated = rest;
	ns = whole * (u128)units[i].ns + part;
	return ns > (u128)LLONG_MAX ? -1 : (__int128)ns;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct timespec ts;
	const char *errstr;
	char *s = fuzz_string(data, size);
	__int128 want, got;
	int rv, truncated, nonzero;

	rv = ipc_duration(s, &ts, &errstr);
	want = reference(s, &truncated);
	nonzero = strpbrk(s, "123456789") != NULL;
	if (rv == 0) {
		FUZZ_CHECK(errstr == NULL, s);
		FUZZ_CHECK(ts.tv_sec >= 0 && ts.tv_nsec >= 0 &&
		    ts.tv_nsec < NSEC, s);
		got = (__int128)ts.tv_sec * NSEC + ts.tv_nsec;
		/* A duration that is not 0 never waits 0. */
		FUZZ_CHECK(!nonzero || got > 0, s);
		FUZZ_CHECK(want >= 0, s);
		if (truncated)
			FUZZ_CHECK(got == want || got == want + 1, s);
		else
			FUZZ_CHECK(got == want, s);
	} else {
		FUZZ_CHECK(errstr != NULL, s);
		if (s[0] == '-')
			FUZZ_CHECK(strcmp(errstr, "negative") == 0, s);
		else if (strcmp(errstr, "too large") == 0)
			FUZZ_CHECK(want == -1 || (truncated &&
			    want == LLONG_MAX), s);
		else
			FUZZ_CHECK(want == -2, s);
	}
	free(s);
	return 0;
}
