/* peer-sem: a program that calls sem_open(3) directly, to test against. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * peer-sem value NAME		print the value (exit 1 if there is none)
 * peer-sem wait NAME		take one unit, waiting
 * peer-sem trywait NAME		take one unit, or exit 1
 * peer-sem post NAME		give back one unit
 * peer-sem create NAME VALUE	create it with VALUE if need be
 * peer-sem unlink NAME		remove it, if it is there
 */
int
main(int argc, char *argv[])
{
	sem_t *s;
	int v;

	if (argc < 3)
		errx(2, "usage: peer-sem value|wait|trywait|post|create|unlink "
		    "name [value]");
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
