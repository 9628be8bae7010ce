/* mq-raw: the limits for bench/mq.sh: bare mq_send(3), mq_receive(3), posix_spawn(3). */
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

extern char **environ;

/*
 * What a program's start costs on this machine, where every process
 * pays it: the CPUID instructions it runs (counted by single-stepping
 * it with ptrace(2)), and what one costs here (in a virtual machine, a
 * trap to the hypervisor).  x86-64 only.
 */
static int
cpuid(int argc, char *argv[])
{
#if defined(__x86_64__)
	struct user_regs_struct r;
	struct timespec t0, t1;
	unsigned a, b, c, d, i;
	long n = 0, word;
	pid_t pid;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 1000; i++)
		__cpuid_count(4, 0, a, b, c, d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (argc < 3)
		errx(2, "usage: mq-raw cpuid file [arg ...]");
	if ((pid = fork()) == -1)
		err(2, "fork");
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) == -1 || !WIFSTOPPED(st))
		errx(2, "%s: could not be traced", argv[2]);
	for (;;) {
		if (ptrace(PTRACE_GETREGS, pid, NULL, &r) == -1)
			err(2, "PTRACE_GETREGS");
		errno = 0;
		word = ptrace(PTRACE_PEEKTEXT, pid, (void *)r.rip, NULL);
		if (errno == 0 && (word & 0xffff) == 0xa20f)	/* 0f a2 */
			n++;
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) == -1 ||
		    waitpid(pid, &st, 0) == -1 || !WIFSTOPPED(st))
			break;
	}
	printf("%ld CPUID, %.2f us each: %.3f ms of each start\n", n,
	    ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e6,
	    n * ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) /
	    1e9);
	return 0;
#else
	(void)argc;
	(void)argv;
	errx(2, "cpuid: x86-64 only");
#endif
}

/*
 * mq-raw send NAME COUNT SIZE	send COUNT messages of SIZE bytes
 * mq-raw recv NAME COUNT		receive COUNT messages
 * mq-raw spawn - COUNT		run sh -c true COUNT times, one at a time
 * mq-raw spawn FILE COUNT [JOBS]	run FILE (a path) COUNT times, JOBS (1) at a time
 * mq-raw cpuid FILE [ARG ...]		FILE's CPUID instructions, and their cost
 */
int
main(int argc, char *argv[])
{
	char *sh[] = { "sh", "-c", "true", NULL }, *file[] = { NULL, NULL };
	struct mq_attr attr;
	char *buf;
	long i, n, jobs, running = 0;
	pid_t pid;
	int st;
	mqd_t q;

	if (argc > 1 && strcmp(argv[1], "cpuid") == 0)
		return cpuid(argc, argv);
	if (argc < 4)
		errx(2, "usage: mq-raw send|recv|spawn name count [size|jobs]");
	n = atol(argv[3]);
	if (strcmp(argv[1], "spawn") == 0) {
		file[0] = argv[2];
		jobs = argc > 4 ? atol(argv[4]) : 1;
		for (i = 0; i < n || running > 0; ) {
			if (i < n && running < jobs) {
				if (posix_spawn(&pid, strcmp(argv[2], "-") == 0 ?
				    "/bin/sh" : argv[2], NULL, NULL,
				    strcmp(argv[2], "-") == 0 ? sh : file,
				    environ) != 0)
					err(2, "spawn");
				i++;
				running++;
			} else if (wait(&st) == -1)
				err(2, "wait");
			else
				running--;
		}
	} else if (strcmp(argv[1], "send") == 0 && argc == 5) {
		if ((q = mq_open(argv[2], O_WRONLY)) == (mqd_t)-1)
			err(2, "%s", argv[2]);
		if ((buf = malloc(atol(argv[4]))) == NULL)
			err(2, NULL);
		memset(buf, 'x', atol(argv[4]));
		for (i = 0; i < n; i++)
			if (mq_send(q, buf, atol(argv[4]), 0) == -1)
				err(2, "mq_send");
	} else {
		if ((q = mq_open(argv[2], O_RDONLY)) == (mqd_t)-1)
			err(2, "%s", argv[2]);
		if (mq_getattr(q, &attr) == -1)
			err(2, "mq_getattr");
		if ((buf = malloc(attr.mq_msgsize)) == NULL)
			err(2, NULL);
		for (i = 0; i < n; i++)
			if (mq_receive(q, buf, attr.mq_msgsize, NULL) == -1)
				err(2, "mq_receive");
	}
	return 0;
}
