/* peer-shm: a program that calls shm_open(3) directly, to test against. */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * peer-shm int NAME VALUE	create if need be, 4 bytes, store the int
 *				through a mapping
 * peer-shm stat NAME		print "SIZE MODE" (mode in octal)
 * peer-shm lock NAME		take LOCK_EX, print "locked", hold it until
 *				standard input closes
 * peer-shm unlink NAME		remove it, if it is there
 */
int
main(int argc, char *argv[])
{
	struct stat st;
	char c;
	int fd, *p;

	if (argc < 3)
		errx(2, "usage: peer-shm int|stat|lock|unlink name [value]");
	if (strcmp(argv[1], "int") == 0 && argc == 4) {
		if ((fd = shm_open(argv[2], O_RDWR | O_CREAT, 0600)) == -1)
			err(2, "shm_open %s", argv[2]);
		if (ftruncate(fd, sizeof(int)) == -1)
			err(2, "ftruncate");
		p = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			err(2, "mmap");
		*p = atoi(argv[3]);
		munmap(p, sizeof(int));
	} else if (strcmp(argv[1], "stat") == 0) {
		if ((fd = shm_open(argv[2], O_RDONLY, 0)) == -1)
			err(2, "shm_open %s", argv[2]);
		if (fstat(fd, &st) == -1)
			err(2, "fstat");
		printf("%lld %04o\n", (long long)st.st_size,
		    (unsigned int)(st.st_mode & 07777));
	} else if (strcmp(argv[1], "lock") == 0) {
		if ((fd = shm_open(argv[2], O_RDONLY, 0)) == -1)
			err(2, "shm_open %s", argv[2]);
		if (flock(fd, LOCK_EX) == -1)
			err(2, "flock");
		printf("locked\n");
		fflush(stdout);
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
	} else if (strcmp(argv[1], "unlink") == 0) {
		shm_unlink(argv[2]);
	} else
		errx(2, "unknown command: %s", argv[1]);
	return 0;
}
