/* json.h: JSON strings and base64, for -J (json.c). */
#ifndef IPC_JSON_H
#define IPC_JSON_H

#include <stddef.h>

/* json.c: JSON strings (UTF-8, or 0) and base64, for -J. */
size_t		 ipc_utf8_len(const unsigned char *, size_t);
size_t		 ipc_json_string(char *, const void *, size_t, int);
size_t		 ipc_base64(char *, const void *, size_t);
#define IPC_JSON_MAX(n)	(6 * (n) + 2)	/* room ipc_json_string needs */
#define IPC_BASE64_MAX(n) (((n) + 2) / 3 * 4)

#endif
