/* record.c: one framing rule for records: lines, NUL-terminated, or all. */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipcutils.h"

void
ipc_reader_init(struct ipc_reader *r, FILE *fp, enum ipc_framing framing)
{
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->framing = framing;
}

/*
 * All of the input as one record, binary safe.  Past r->limit (where one
 * is set) the bytes are only counted: a record too long to send is
 * reported with its length, without holding all of it.
 */
static ssize_t
read_all(struct ipc_reader *r)
{
	char scratch[65536], *p;
	size_t len = 0, n, want;

	for (;;) {
		if (r->limit && len > r->limit) {
			n = fread(scratch, 1, sizeof(scratch), r->fp);
			len += n;
			if (n == 0)
				break;
			continue;
		}
		if (len == r->cap) {
			want = r->cap ? 2 * r->cap : 65536;
			if ((p = realloc(r->buf, want)) == NULL)
				return -1;
			r->buf = p;
			r->cap = want;
		}
		n = fread(r->buf + len, 1, r->cap - len, r->fp);
		len += n;
		if (n == 0)
			break;
	}
	r->done = 1;
	return ferror(r->fp) ? -1 : (ssize_t)len;
}

/*
 * The next record, its terminator removed; -1 at the end of the input or
 * on an error, which ferror(r->fp) tells apart.  A last record without
 * its terminator still counts; an empty input is no record, except under
 * IPC_ALL, where it is one empty record.
 */
ssize_t
ipc_read_record(struct ipc_reader *r, char **rec)
{
	ssize_t n;
	int delim;

	if (r->done)
		return -1;
	if (r->framing == IPC_ALL)
		n = read_all(r);
	else {
		delim = r->framing == IPC_NUL ? '\0' : '\n';
		errno = 0;
		if ((n = getdelim(&r->buf, &r->cap, delim, r->fp)) == -1) {
			r->done = 1;
			return -1;
		}
		if (n > 0 && r->buf[n - 1] == delim)
			n--;
	}
	*rec = r->buf;
	return n;
}

void
ipc_reader_free(struct ipc_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

/* A record as it goes out: dst has room for len + IPC_FRAMEPAD bytes. */
size_t
ipc_frame(char *dst, const char *src, size_t len, enum ipc_framing framing)
{
	memcpy(dst, src, len);
	if (framing == IPC_LINE)
		dst[len++] = '\n';
	else if (framing == IPC_NUL)
		dst[len++] = '\0';
	return len;
}

/* -0 or -a, given as ch: the two exclude each other. */
void
ipc_xframing(enum ipc_framing *framing, int ch)
{
	enum ipc_framing f = ch == '0' ? IPC_NUL : IPC_ALL;

	if (*framing != IPC_LINE && *framing != f)
		errx(ipc_errexit, "cannot use -0 and -a");
	*framing = f;
}
