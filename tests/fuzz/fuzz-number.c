/*
 * fuzz-number: ipc_num(), ipc_size() and ipc_mode() accept decimal digits
 * (octal for a mode) and, for a size, one unit after them, nothing else,
 * and give the value the digits say.
 */
#include <limits.h>

#include "ipcutils.h"
#include "fuzz.h"

typedef unsigned __int128 u128;

/* The digits' value, saturated past 2^64; the count of them in *n. */
static u128
value(const char *s, size_t *n, int base)
{
	u128 v = 0;

	for (*n = 0; s[*n] >= '0' && s[*n] < '0' + base; (*n)++)
		if (v < ((u128)1 << 64))
			v = v * base + (u128)(s[*n] - '0');
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char units[] = "bkmgtpeBKMGTPE";
	const char *errstr, *u;
	char *s = fuzz_string(data, size);
	long long n, min = 0, max = LLONG_MAX;
	int64_t z, zmax = INT64_MAX;
	mode_t m;
	size_t nd;
	u128 v;
	int shift;

	/* Odd lengths get narrow bounds, as -E and --jobs have. */
	if (size % 2 == 1) {
		min = 1;
		max = zmax = 255;
	}
	v = value(s, &nd, 10);

	if (ipc_num(s, min, max, &n, &errstr) == 0) {
		FUZZ_CHECK(nd > 0 && s[nd] == '\0', s);
		FUZZ_CHECK((u128)n == v && n >= min && n <= max, s);
	} else {
		FUZZ_CHECK(errstr != NULL, s);
		FUZZ_CHECK(nd == 0 || s[nd] != '\0' || v < (u128)min ||
		    v > (u128)max, s);
	}

	if (ipc_size(s, zmax, &z, &errstr) == 0) {
		FUZZ_CHECK(nd > 0, s);
		FUZZ_CHECK(s[nd] == '\0' || (strchr(units, s[nd]) != NULL &&
		    s[nd + 1] == '\0'), s);
		shift = 0;
		if (s[nd] != '\0') {
			u = strchr(units, s[nd]);
			shift = 10 * (int)((u - units) % 7);
		}
		FUZZ_CHECK((u128)z == v << shift && z <= zmax, s);
	} else {
		FUZZ_CHECK(errstr != NULL, s);
		shift = -1;
		if (nd > 0 && s[nd] == '\0')
			shift = 0;
		else if (nd > 0 && s[nd] != '\0' &&
		    strchr(units, s[nd]) != NULL && s[nd + 1] == '\0')
			shift = 10 * (int)((strchr(units, s[nd]) - units) % 7);
		FUZZ_CHECK(shift == -1 || (v << shift) > (u128)zmax, s);
	}

	v = value(s, &nd, 8);
	if (ipc_mode(s, &m, &errstr) == 0) {
		FUZZ_CHECK(nd > 0 && s[nd] == '\0', s);
		FUZZ_CHECK((u128)m == v && m <= 0777, s);
	} else
		FUZZ_CHECK(nd == 0 || s[nd] != '\0' || v > 0777, s);
	free(s);
	return 0;
}
