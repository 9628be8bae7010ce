/*
 * fuzz-record: each framing read from any bytes gives records that join
 * back to those bytes; and framing records then reading them back gives
 * the same records.
 */
#include "ipcutils.h"
#include "fuzz.h"

#define MAXRECS	4096

struct recs {
	char	*v[MAXRECS];
	size_t	 len[MAXRECS];
	size_t	 n;
};

static void
read_all(const void *buf, size_t size, enum ipc_framing f, struct recs *r)
{
	struct ipc_reader rd;
	FILE *fp;
	char *rec;
	ssize_t n;

	/* fmemopen(3) wants a size: an empty input is an empty file. */
	if ((fp = size ? fmemopen((void *)buf, size, "r") :
	    fopen("/dev/null", "r")) == NULL)
		abort();
	ipc_reader_init(&rd, fp, f);
	r->n = 0;
	while ((n = ipc_read_record(&rd, &rec)) != -1) {
		if (r->n == MAXRECS)
			abort();
		if ((r->v[r->n] = malloc(n + 1)) == NULL)
			abort();
		memcpy(r->v[r->n], rec, n);
		r->len[r->n++] = n;
	}
	if (ferror(fp))
		abort();
	ipc_reader_free(&rd);
	fclose(fp);
}

static void
free_all(struct recs *r)
{
	while (r->n > 0)
		free(r->v[--r->n]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct recs a, b;
	enum ipc_framing f;
	char *out, *p;
	size_t i, total;
	int delim;

	if (size > 65536)
		return 0;
	for (f = IPC_LINE; f <= IPC_ALL; f++) {
		read_all(data, size, f, &a);
		/* The records, each with its terminator, are the input. */
		delim = f == IPC_NUL ? '\0' : '\n';
		for (i = 0, total = 0; i < a.n; i++) {
			if (f != IPC_ALL)
				FUZZ_CHECK(memchr(a.v[i], delim, a.len[i]) ==
				    NULL, "record");
			total += a.len[i] + (f != IPC_ALL);
		}
		if (f == IPC_ALL)
			FUZZ_CHECK(a.n == 1 && a.len[0] == size &&
			    memcmp(a.v[0], data, size) == 0, "all");
		else
			FUZZ_CHECK(total == size || (total == size + 1 &&
			    data[size - 1] != delim), "lengths");
		/* Framed and read back: the same records. */
		if ((out = malloc(total + IPC_FRAMEPAD * a.n + 1)) == NULL)
			abort();
		for (i = 0, p = out; i < a.n; i++)
			p += ipc_frame(p, a.v[i], a.len[i], f);
		read_all(out, (size_t)(p - out), f, &b);
		FUZZ_CHECK(a.n == b.n, "round trip");
		for (i = 0; i < a.n; i++)
			FUZZ_CHECK(a.len[i] == b.len[i] &&
			    memcmp(a.v[i], b.v[i], a.len[i]) == 0, "round trip");
		free(out);
		free_all(&a);
		free_all(&b);
	}
	return 0;
}
