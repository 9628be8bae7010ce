/* peer-obj: a program that calls sem_open(3) and shm_open(3) directly. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * peer-obj sem NAME VALUE MODE		create a semaphore (umask aside)
 * peer-obj shm NAME SIZE MODE		create shared memory of SIZE bytes
 * peer-obj fill NAME BYTES		write BYTES bytes into shared memory
 * peer-obj value NAME			print a semaphore's value
 * peer-obj unlink NAME			remove the semaphore and shared
 *					memory of that name, if there
 */
int
main(int argc, char *argv[])
{
	sem_t *s;
	char *p;
	int fd, v;
	size_t n;

	if (argc < 3)
		errx(2, "usage: peer-obj sem|shm|fill|value|unlink name ...");
	umask(0);
	if (strcmp(argv[1], "sem") == 0 && argc == 5) {
		if ((s = sem_open(argv[2], O_CREAT | O_EXCL,
		    (mode_t)strtol(argv[4], NULL, 8),
		    (unsigned int)atoi(argv[3]))) == SEM_FAILED)
			err(2, "sem_open %s", argv[2]);
	} else if (strcmp(argv[1], "shm") == 0 && argc == 5) {
		if ((fd = shm_open(argv[2], O_RDWR | O_CREAT | O_EXCL,
		    (mode_t)strtol(argv[4], NULL, 8))) == -1)
			err(2, "shm_open %s", argv[2]);
		if (ftruncate(fd, atol(argv[3])) == -1)
			err(2, "ftruncate");
	} else if (strcmp(argv[1], "fill") == 0 && argc == 4) {
		n = (size_t)atol(argv[3]);
		if ((fd = shm_open(argv[2], O_RDWR, 0)) == -1)
			err(2, "shm_open %s", argv[2]);
		if ((p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    0)) == MAP_FAILED)
			err(2, "mmap");
		memset(p, 'x', n);
	} else if (strcmp(argv[1], "value") == 0) {
		if ((s = sem_open(argv[2], 0)) == SEM_FAILED)
			err(2, "sem_open %s", argv[2]);
		if (sem_getvalue(s, &v) == -1)
			err(2, "sem_getvalue");
		printf("%d\n", v);
	} else if (strcmp(argv[1], "unlink") == 0) {
		sem_unlink(argv[2]);
		shm_unlink(argv[2]);
	} else
		errx(2, "unknown command: %s", argv[1]);
	return 0;
}
