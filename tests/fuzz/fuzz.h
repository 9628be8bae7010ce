/* fuzz.h: what the libFuzzer harnesses of lib/'s parsers share. */
#ifndef IPC_FUZZ_H
#define IPC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The input as a C string, up to its first NUL, as argv would give it. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* A property the parser broke: say which, on what, and crash. */
#define FUZZ_CHECK(cond, s) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: on \"%s\"\n", __FILE__,	\
		    __LINE__, #cond, (s));				\
		abort();						\
	}								\
} while (0)

#endif
