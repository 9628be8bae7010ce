/* peer-sysv: a program that makes System V objects with the calls. */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * peer-sysv msg KEY MODE N	a queue holding N messages of 5 bytes
 * peer-sysv sem KEY MODE N	a set of N semaphores, the first raised once
 * peer-sysv shm KEY MODE SIZE	a segment of SIZE bytes
 * peer-sysv attach ID		attach segment ID, say "attached", and stay
 *				until killed
 * Each but attach prints the new object's id.  KEY is 0x and hex digits,
 * 0x0 for IPC_PRIVATE; MODE is octal.
 */
int
main(int argc, char *argv[])
{
	struct { long type; char text[5]; } m = { 1, "hello" };
	struct sembuf op = { 0, 1, 0 };
	key_t key;
	int id, mode, n, i;

	if (argc == 3 && strcmp(argv[1], "attach") == 0) {
		if (shmat(atoi(argv[2]), NULL, SHM_RDONLY) == (void *)-1)
			err(2, "shmat %s", argv[2]);
		printf("attached\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (argc != 5)
		errx(2, "usage: peer-sysv msg|sem|shm key mode n | attach id");
	key = (key_t)strtoul(argv[2], NULL, 16);
	mode = (int)strtol(argv[3], NULL, 8);
	n = atoi(argv[4]);
	if (strcmp(argv[1], "msg") == 0) {
		if ((id = msgget(key, IPC_CREAT | IPC_EXCL | mode)) == -1)
			err(2, "msgget");
		for (i = 0; i < n; i++)
			if (msgsnd(id, &m, sizeof(m.text), 0) == -1)
				err(2, "msgsnd");
	} else if (strcmp(argv[1], "sem") == 0) {
		if ((id = semget(key, n, IPC_CREAT | IPC_EXCL | mode)) == -1)
			err(2, "semget");
		if (semop(id, &op, 1) == -1)
			err(2, "semop");
	} else if (strcmp(argv[1], "shm") == 0) {
		if ((id = shmget(key, (size_t)n, IPC_CREAT | IPC_EXCL |
		    mode)) == -1)
			err(2, "shmget");
	} else
		errx(2, "%s: not msg, sem, shm or attach", argv[1]);
	printf("%d\n", id);
	return 0;
}
