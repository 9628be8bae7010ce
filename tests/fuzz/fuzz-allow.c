/*
 * fuzz-allow: ipc_allow_parse() (--allow) on any text: an id is digits
 * alone, a block's prefix at most its address's bits.  user: and group:
 * are left out: they ask NSS.
 */
#include "sock.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_allow a;
	const char *errstr = NULL, *id;
	char *s = fuzz_string(data, size);

	if (strncmp(s, "user:", 5) == 0 || strncmp(s, "group:", 6) == 0) {
		free(s);
		return 0;
	}
	if (ipc_allow_parse(s, &a, &errstr) == 0) {
		FUZZ_CHECK(a.text == s, s);
		switch (a.kind) {
		case IPC_ALLOW_UID:
		case IPC_ALLOW_GID:
			id = s + 4;
			FUZZ_CHECK(strncmp(s, a.kind == IPC_ALLOW_UID ? "uid:" :
			    "gid:", 4) == 0, s);
			FUZZ_CHECK(*id != '\0' &&
			    id[strspn(id, "0123456789")] == '\0', s);
			FUZZ_CHECK(a.id != (unsigned int)-1, s);
			break;
		case IPC_ALLOW_NET4:
			FUZZ_CHECK(a.bits >= 0 && a.bits <= 32, s);
			break;
		case IPC_ALLOW_NET6:
			FUZZ_CHECK(a.bits >= 0 && a.bits <= 128, s);
			break;
		default:
			FUZZ_CHECK(!"a kind", s);
		}
	} else
		FUZZ_CHECK(errstr != NULL, s);
	free(s);
	return 0;
}
