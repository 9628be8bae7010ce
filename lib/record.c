/* record.c: one framing rule for records: lines, NUL-terminated, or all. */
#include "config.h"	/* first: _GNU_SOURCE, for fopencookie */

#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcutils.h"

/*
 * A read of input that may block (a pipe, a terminal, a socket): it waits
 * in ipc_poll first, so that SIGINT or SIGTERM ends it also when it came
 * just before the read, while a record was being sent; otherwise the
 * tool would sleep in read(2) until more input came.
 */
static ssize_t
waitread(void *cookie, char *buf, size_t size)
{
	struct ipc_reader *r = cookie;
	ssize_t n;

	for (;;) {
		if (ipc_wait_fd(r->fd, POLLIN, NULL) == -1)
			return -1;
		if ((n = read(r->fd, buf, size)) >= 0 || errno != EINTR ||
		    ipc_signalled)
			return n;
	}
}

/*
 * Records from fp, not yet read from.  A regular file is read as it is;
 * other input (a pipe, a terminal) through waitread.  A signal that ends
 * the input (EINTR) is ferror(r->fp) with ipc_signalled set.
 */
void
ipc_reader_init(struct ipc_reader *r, FILE *fp, enum ipc_framing framing)
{
	static const cookie_io_functions_t io = { waitread, NULL, NULL, NULL };
	struct stat sb;

	memset(r, 0, sizeof(*r));
	r->fp = fp;
	r->framing = framing;
	/* A regular file, or no descriptor (fmemopen), never blocks. */
	if ((r->fd = fileno(fp)) == -1 ||
	    (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode)))
		return;
	if ((r->fp = fopencookie(r, "r", io)) == NULL ||
	    setvbuf(r->fp, NULL, _IOFBF, 65536) != 0)
		err(ipc_errexit, NULL);
	r->own = 1;
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
	if (r->own)
		fclose(r->fp);
	r->own = 0;
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
