/* peer-sem: a program that calls sem_open(3) directly, to test against. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * peer-sem value NAME		print the value (exit 1 if there is none)
 * peer-sem wait NAME		take one unit, waiting
 * peer-sem trywait NAME		take one unit, or exit 1
 * peer-sem post NAME		give back one unit
 * peer-sem create NAME VALUE	create it with VALUE if need be
 * peer-sem unlink NAME		remove it, if it is there
 * peer-sem postlock NAME	take sem-post's lock, print "locked", stop
 *				itself (SIGSTOP); once continued, post one
 *				unit and let the lock go, as a sem-post
 *				stopped in the middle of its post would
 */
static int	postlock(const char *);

int
main(int argc, char *argv[])
{
	sem_t *s;
	int v;

	if (argc < 3)
		errx(2, "usage: peer-sem value|wait|trywait|post|create|unlink|"
		    "postlock name [value]");
	if (strcmp(argv[1], "postlock") == 0)
		return postlock(argv[2]);
	if (strcmp(argv[1], "unlink") == 0) {
		sem_unlink(argv[2]);
		return 0;
	}
	if (strcmp(argv[1], "create") == 0 && argc > 3)
		s = sem_open(argv[2], O_CREAT, 0600, atoi(argv[3]));
	else
		s = sem_open(argv[2], 0);
	if (s == SEM_FAILED) {
		if (errno == ENOENT && strcmp(argv[1], "value") == 0)
			return 1;
		err(2, "sem_open %s", argv[2]);
	}
	if (strcmp(argv[1], "value") == 0) {
		if (sem_getvalue(s, &v) == -1)
			err(2, "sem_getvalue");
		printf("%d\n", v);
	} else if (strcmp(argv[1], "wait") == 0) {
		if (sem_wait(s) == -1)
			err(2, "sem_wait");
	} else if (strcmp(argv[1], "trywait") == 0) {
		if (sem_trywait(s) == -1) {
			if (errno == EAGAIN)
				return 1;
			err(2, "sem_trywait");
		}
	} else if (strcmp(argv[1], "post") == 0) {
		if (sem_post(s) == -1)
			err(2, "sem_post");
	} else if (strcmp(argv[1], "create") != 0)
		errx(2, "unknown command: %s", argv[1]);
	return 0;
}

/*
 * The post lock as lib/sem.c keeps it: a word at RECORD_AT in the
 * semaphore's file naming the holder by its process id and start time,
 * then the holder's PID namespace.  Taken the way sem-post takes it.
 */
#define RECORD_AT	8192
#define START_BITS	41

static uint64_t
me(void)
{
	char buf[1024], *p;
	uint64_t start;
	FILE *fp;
	int i;

	if ((fp = fopen("/proc/self/stat", "r")) == NULL ||
	    fgets(buf, sizeof(buf), fp) == NULL)
		err(2, "/proc/self/stat");
	fclose(fp);
	p = strrchr(buf, ')');
	for (i = 0; i < 20 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		errx(2, "/proc/self/stat: no start time");
	start = strtoull(p + 1, NULL, 10);
	return (uint64_t)getpid() << START_BITS |
	    (start & ((UINT64_C(1) << START_BITS) - 1));
}

static int
postlock(const char *name)
{
	char path[256];
	struct stat st;
	uint64_t *rec, free_ = 0;
	sem_t *s;
	void *m;
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/sem.%s", name + (*name == '/'));
	if ((fd = open(path, O_RDWR)) == -1 || fstat(fd, &st) == -1)
		err(2, "%s", path);
	if (st.st_size < RECORD_AT + 16)
		errx(2, "%s: no record yet (post with sem-post first)", path);
	m = mmap(NULL, RECORD_AT + 16, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (m == MAP_FAILED)
		err(2, "mmap");
	s = m;
	rec = (uint64_t *)((char *)m + RECORD_AT);
	if (!__atomic_compare_exchange_n(&rec[0], &free_, me(), 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		errx(2, "the post lock is held already");
	if (stat("/proc/self/ns/pid", &st) == 0)
		__atomic_store_n(&rec[1], (uint64_t)st.st_ino,
		    __ATOMIC_SEQ_CST);
	printf("locked\n");
	fflush(stdout);
	raise(SIGSTOP);
	if (sem_post(s) == -1)
		err(2, "sem_post");
	__atomic_store_n(&rec[1], 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&rec[0], 0, __ATOMIC_SEQ_CST);
	return 0;
}
