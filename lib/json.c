/* json.c: JSON strings and base64, for the tools' -J output. */
#include <stdint.h>
#include <string.h>

#include "ipcutils.h"
#include "json.h"

/*
 * The length of the UTF-8 sequence of more than one byte at p, of at most
 * left bytes, or 0 where it is none.
 */
size_t
ipc_utf8_len(const unsigned char *p, size_t left)
{
	size_t n, i;

	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* No overlong forms, surrogates, or code points past U+10FFFF. */
	if ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0) ||
	    (*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/*
 * The len bytes at src as a JSON string, quotes and all, into dst (room
 * for IPC_JSON_MAX(len)): its length.  A byte that is not UTF-8 makes it
 * 0 (a message's data is then base64), or under latin1 is taken as
 * Latin-1, so that a name, which may hold any byte, still shows.
 */
size_t
ipc_json_string(char *dst, const void *src, size_t len, int latin1)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src, *end = p + len;
	char *d = dst;
	size_t n;

	*d++ = '"';
	while (p < end) {
		if (*p == '"' || *p == '\\') {
			*d++ = '\\';
			*d++ = *p++;
		} else if (*p < 0x20 || *p == 0x7f || (latin1 && *p >= 0x80 &&
		    ipc_utf8_len(p, end - p) == 0)) {
			memcpy(d, "\\u00", 4);
			d[4] = hex[*p >> 4];
			d[5] = hex[*p & 0xf];
			d += 6;
			p++;
		} else if (*p < 0x80)
			*d++ = *p++;
		else if ((n = ipc_utf8_len(p, end - p)) == 0)
			return 0;
		else {
			memcpy(d, p, n);
			d += n;
			p += n;
		}
	}
	*d++ = '"';
	return d - dst;
}

/* The len bytes at src in base64 (RFC 4648), into dst: its length. */
size_t
ipc_base64(char *dst, const void *src, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = src;
	char *d = dst;
	uint32_t v;

	for (; len >= 3; len -= 3, p += 3) {
		v = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
		*d++ = b64[v >> 18];
		*d++ = b64[v >> 12 & 0x3f];
		*d++ = b64[v >> 6 & 0x3f];
		*d++ = b64[v & 0x3f];
	}
	if (len > 0) {
		v = (uint32_t)p[0] << 16 | (len > 1 ? p[1] << 8 : 0);
		*d++ = b64[v >> 18];
		*d++ = b64[v >> 12 & 0x3f];
		*d++ = len > 1 ? b64[v >> 6 & 0x3f] : '=';
		*d++ = '=';
	}
	return d - dst;
}
