/* fuzz-name: ipc_name() gives "/NAME" for what the name rules allow. */
#include <limits.h>

#include "ipcutils.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), buf[IPC_NAMEBUF];
	const char *name, *errstr, *bare;
	size_t n, max;
	int kind;

	bare = s[0] == '/' ? s + 1 : s;
	n = strlen(bare);
	for (kind = 0; kind < IPC_NKINDS; kind++) {
		max = kind == IPC_SEM ? NAME_MAX - 4 : NAME_MAX;
		name = ipc_name(s, kind, buf, sizeof(buf), &errstr);
		if (name != NULL) {
			FUZZ_CHECK(errstr == NULL && name == buf, s);
			FUZZ_CHECK(name[0] == '/' && strcmp(name + 1, bare) == 0,
			    s);
			FUZZ_CHECK(n > 0 && n <= max, s);
			FUZZ_CHECK(strchr(bare, '/') == NULL, s);
			FUZZ_CHECK(strcmp(bare, ".") != 0 &&
			    strcmp(bare, "..") != 0, s);
		} else {
			FUZZ_CHECK(errstr != NULL, s);
			FUZZ_CHECK(n == 0 || n > max ||
			    strchr(bare, '/') != NULL ||
			    strcmp(bare, ".") == 0 || strcmp(bare, "..") == 0,
			    s);
		}
	}
	/* What a message shows of it is one line. */
	FUZZ_CHECK(strchr(ipc_shown(s), '\n') == NULL, s);
	free(s);
	return 0;
}
