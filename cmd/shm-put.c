/* shm-put: write standard input into a POSIX shared memory object. */
#include "config.h"	/* first: _GNU_SOURCE, for fallocate and mremap */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm.h"

#define CHUNK	(1024 * 1024)	/* read standard input this much at a time */
#define STAGE0	(2 * 1024 * 1024)	/* first room for it: a huge page */
#define OFFMAX	INT64_MAX

static const struct option longopts[] = {
	{ "must-exist",	no_argument,		NULL, 'e' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "mode",	required_argument,	NULL, 'm' },
	{ "offset",	required_argument,	NULL, 'o' },
	{ "size",	required_argument,	NULL, 's' },
	{ "version",	no_argument,		NULL, 'V' },
	{ "exclusive",	no_argument,		NULL, 'x' },
	{ NULL,		0,			NULL, 0 }
};

static const char	*name;
static int		 fd = -1, created;
static char		*in;		/* all of standard input */
static size_t		 inlen, incap;

static void		 slurp(void);
static void		 grow(size_t);
static void		 put(int, int64_t, int, int64_t);
static int		 reserve(off_t, off_t);
static _Noreturn void	 fail(off_t);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_create c = IPC_CREATE_DEFAULT;
	char namebuf[IPC_NAMEBUF];
	int64_t off = 0, size = 0;
	int ch, oflag = 0, sflag = 0;

	while ((ch = getopt_long(argc, argv, "+ehm:o:s:Vx", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'e':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'h':
			usage(IPC_OK);
		case 'm':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		case 'o':
			off = ipc_xsize(optarg, OFFMAX, "offset");
			oflag = 1;
			break;
		case 's':
			size = ipc_xsize(optarg, OFFMAX, "size");
			sflag = 1;
			break;
		case 'V':
			ipc_version();
		case 'x':
			ipc_xcreate_option(&c, ch, optarg);
			break;
		default:
			usage(IPC_ERROR);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(IPC_ERROR);

	name = ipc_xname(argv[0], IPC_SHM, namebuf, sizeof(namebuf));
	/* Say what is wrong with the object before reading any input. */
	if (!c.create) {
		if ((fd = shm_open(name, O_RDWR | O_CLOEXEC, 0)) == -1)
			err(IPC_ERROR, "%s", name);
	} else if (c.exclusive && (fd = shm_open(name, O_RDONLY, 0)) != -1)
		errc(2, EEXIST, "%s", name);

	/*
	 * A signal while reading kills as it would anyway: nothing has
	 * changed yet.  From here on, it waits for the put to finish.
	 */
	slurp();
	ipc_catch_signals();
	if (oflag && (uint64_t)off > (uint64_t)OFFMAX - inlen)
		errx(IPC_ERROR, "%s: offset %jd and %zu bytes of input are past the "
		    "largest size", name, (intmax_t)off, inlen);
	if (sflag && inlen > 0 && (uint64_t)off + inlen > (uint64_t)size)
		errx(IPC_ERROR, "%s: %zu bytes of input%s do not fit in size %jd",
		    name, inlen, oflag ? " at that offset" : "",
		    (intmax_t)size);
	/* Made only now, so that bad input leaves nothing behind. */
	if (fd == -1 &&
	    (fd = ipc_shm_open(name, O_RDWR | O_CLOEXEC, &c, &created)) == -1)
		err(IPC_ERROR, "%s", name);
	put(oflag, off, sflag, size);
	return 0;
}

/*
 * All of standard input, before the object is touched: a put that fails
 * to read, or is killed meanwhile, changes nothing.
 */
static void
slurp(void)
{
	struct stat st;
	size_t want;
	off_t pos;
	ssize_t n;

	if (fstat(STDIN_FILENO, &st) == -1)
		err(IPC_ERROR, "stdin");
	if (S_ISREG(st.st_mode) &&
	    (pos = lseek(STDIN_FILENO, 0, SEEK_CUR)) != -1 &&
	    st.st_size > pos && (uintmax_t)(st.st_size - pos) < SIZE_MAX / 2)
		grow(st.st_size - pos + 1);	/* + 1: see EOF at once */
	else {
#ifdef F_SETPIPE_SZ
		if (S_ISFIFO(st.st_mode))
			(void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, CHUNK);
#endif
		grow(STAGE0);
	}
	for (;;) {
		if (inlen == incap)
			grow(incap + 1);
		want = incap - inlen < CHUNK ? incap - inlen : CHUNK;
		if ((n = read(STDIN_FILENO, in + inlen, want)) == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(IPC_ERROR, "stdin");
		}
		inlen += n;
	}
}

/*
 * Room for need bytes of input.  Copying into memory that is touched for
 * the first time costs a page fault a page: on Linux the memory is asked
 * for huge pages, which fault 512 times less often, and grows by
 * mremap(2), which moves no bytes.
 */
static void
grow(size_t need)
{
	size_t cap;
	void *p;

	if (incap > SIZE_MAX / 2 || need > SIZE_MAX - STAGE0) {
		errno = ENOMEM;
		err(IPC_ERROR, "stdin");
	}
	cap = incap > 0 ? incap * 2 : STAGE0;	/* doubling: few moves */
	if (cap < need)
		cap = need;
	cap = (cap + STAGE0 - 1) / STAGE0 * STAGE0;
#ifdef MREMAP_MAYMOVE
	if (incap == 0)
		p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mremap(in, incap, cap, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		err(IPC_ERROR, "stdin");
#ifdef MADV_HUGEPAGE
	(void)madvise(p, cap, MADV_HUGEPAGE);
#endif
#else
	if ((p = realloc(in, cap)) == NULL)
		err(IPC_ERROR, "stdin");
#endif
	in = p;
	incap = cap;
}

/*
 * Under LOCK_EX: reserve the memory first, so that a full /dev/shm is
 * found before the old contents are touched, then write and set the size.
 */
static void
put(int oflag, int64_t off, int sflag, int64_t size)
{
	struct stat st;
	off_t oldsize, newsize;

	if (ipc_shm_lock(fd, LOCK_EX, NULL) == -1) {
		if (ipc_signalled) {
			if (created)
				shm_unlink(name);
			ipc_die_signalled();
		}
		fail(-1);
	}
	if (fstat(fd, &st) == -1)
		fail(-1);
	oldsize = st.st_size;
	if (!oflag)
		newsize = sflag ? size : (off_t)inlen;
	else if (sflag)
		newsize = size;
	else
		newsize = off + (off_t)inlen > oldsize ? off + (off_t)inlen :
		    oldsize;
	if (inlen > 0 && reserve(off, inlen) == -1)
		fail(oldsize);
	/* Growing first, as it changes no byte, finds a size too large. */
	if (newsize > oldsize && ftruncate(fd, newsize) == -1)
		fail(oldsize);
	if (inlen > 0 && (lseek(fd, off, SEEK_SET) == -1 ||
	    ipc_write_all(fd, in, inlen) < inlen))
		fail(oldsize);
	/* Without -o nothing old stays: the tail beyond the input is zeros. */
	if (!oflag && newsize > (off_t)inlen && oldsize > (off_t)inlen &&
	    ftruncate(fd, inlen) == -1)
		fail(oldsize);
	if (fstat(fd, &st) == -1 ||
	    (st.st_size != newsize && ftruncate(fd, newsize) == -1))
		fail(oldsize);
	/* A put that changed no byte is still a change to shm-get -w. */
	(void)futimens(fd, NULL);
	if (close(fd) == -1)
		err(IPC_ERROR, "%s", name);
}

/*
 * Make sure the pages that the write needs exist, so that it cannot run
 * out of space half way.  Where there is no fallocate(2), posix_fallocate
 * may grow the object: fail() sets the old size back.
 */
static int
reserve(off_t off, off_t len)
{
	int e;

#ifdef FALLOC_FL_KEEP_SIZE
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, off, len) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
#endif
	if ((e = posix_fallocate(fd, off, len)) == 0 || e == EOPNOTSUPP ||
	    e == EINVAL)
		return 0;
	errno = e;
	return -1;
}

/*
 * Report errno and give the object back as it was: its old size (which
 * also frees pages reserved past it), or nothing if this put made it.
 */
static _Noreturn void
fail(off_t oldsize)
{
	int e = errno;

	if (created)
		shm_unlink(name);
	else if (oldsize != -1)
		(void)ftruncate(fd, oldsize);
	errno = e;
	err(IPC_ERROR, "%s", name);
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-ex] [-m mode] [-o offset] [-s size] name\n",
	    getprogname());
	if (status == 0) {
		fprintf(fp, "Write standard input into the shared memory "
		    "object, all of it or nothing.\n\n"
		    "  -e, --must-exist     do not create the object\n"
		    "  -m, --mode mode      mode of a new object (0600)\n"
		    "  -o, --offset offset  write at offset, in place, "
		    "keeping the rest\n"
		    "  -s, --size size      set the size (4k, 1M); "
		    "the rest is zeros\n"
		    "  -x, --exclusive      fail if the object exists\n"
		    "  -h, --help           show this help\n"
		    "  -V, --version        show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
