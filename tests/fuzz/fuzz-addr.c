/* fuzz-addr: ipc_addr_parse() on any text, and what it promises of it. */
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>

#include "sock.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_addr a;
	const char *errstr = NULL;
	char *s = fuzz_string(data, size);

	if (ipc_addr_parse(s, &a, &errstr) == 0) {
		FUZZ_CHECK(a.text == s, s);
		FUZZ_CHECK(!a.tls || strncmp(s, "tls:", 4) == 0, s);
		FUZZ_CHECK(a.type == SOCK_STREAM || a.type == SOCK_DGRAM, s);
		if (a.family == AF_UNIX) {
			FUZZ_CHECK(a.sunlen > offsetof(struct sockaddr_un,
			    sun_path) && a.sunlen <= sizeof(a.sun), s);
			FUZZ_CHECK(a.abstract == (a.sun.sun_path[0] == '\0'),
			    s);
		} else if (a.fd != -1 || a.systemd) {
			/* fd:N, systemd: a socket handed over, no address. */
			FUZZ_CHECK(strncmp(s + (a.tls ? 4 : 0), "fd:", 3) == 0 ||
			    strcmp(s + (a.tls ? 4 : 0), "systemd") == 0, s);
		} else {
			FUZZ_CHECK(a.family == AF_UNSPEC, s);
			FUZZ_CHECK(memchr(a.host, '\0', sizeof(a.host)) != NULL,
			    s);
			FUZZ_CHECK(a.any == (a.host[0] == '\0' && !a.loopback),
			    s);
			/* Only a bare PORT is loopback: all digits. */
			FUZZ_CHECK(!a.loopback || s[strspn(s, "0123456789")] ==
			    '\0' || strncmp(s, "udp:", 4) == 0 ||
			    strncmp(s, "tcp:", 4) == 0 ||
			    strncmp(s, "tls:", 4) == 0, s);
		}
	} else
		FUZZ_CHECK(errstr != NULL, s);
	free(s);
	return 0;
}
