/*
 * fuzz-http: ipc_http_request() reading any answer a server could send
 * (etcd's gateway, RabbitMQ's management API, or whatever answers in
 * their place): it ends, it returns an HTTP status of 100 to 599 or -1,
 * and the body it hands the writer is made of the answer's own bytes and
 * is no longer than the answer.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include "http.h"
#include "fuzz.h"

struct got {
	const uint8_t	*in;
	size_t		 size;
	size_t		 n;
};

static size_t
writer(const char *p, size_t n, void *arg)
{
	struct got *g = arg;

	FUZZ_CHECK(n > 0, "a write of no bytes");
	FUZZ_CHECK(memmem(g->in, g->size, p, n) != NULL,
	    "bytes that are not the answer's");
	g->n += n;
	FUZZ_CHECK(g->n <= g->size, "more body than answer");
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_http h;
	struct got g = { data, size, 0 };
	int sv[2], st;

	/* What one write into a socket pair holds without waiting. */
	if (size > 65536)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		abort();
	/* The server ends its side: every read has an end. */
	if (shutdown(sv[1], SHUT_WR) == -1)
		abort();
	ipc_http_init(&h, "fuzz", "127.0.0.1", 2379, 0, NULL);
	h.fd = sv[0];
	errno = 0;
	st = ipc_http_request(&h, "POST", "/v3/kv/range", "application/json",
	    NULL, "{}", writer, &g, NULL, 1000);
	FUZZ_CHECK(st == -1 || (st >= 100 && st <= 599), "a bad status");
	FUZZ_CHECK(st != -1 || errno != 0, "-1 without errno");
	ipc_http_close(&h);
	FUZZ_CHECK(h.fd == -1, "a connection left open");
	close(sv[1]);
	return 0;
}
