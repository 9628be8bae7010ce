/* keeper.c: sock-listen --exec: a keeper process for each connection. */
#include "config.h"

#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sock.h"
#include "exec.h"

/*
 * Room in the poll set for one more keeper; -1 with errno when there is
 * none to be had.
 */
static int
grow(struct ipc_keeper *k)
{
	struct pollfd *pfd;
	pid_t *pid;
	long long cap;

	if (k->running < k->cap)
		return 0;
	cap = k->cap == 0 ? 8 : k->cap * 2;
	if ((pfd = reallocarray(k->pfd, cap + 1, sizeof(*pfd))) == NULL)
		return -1;
	k->pfd = pfd;
	if ((pid = reallocarray(k->pid, cap + 1, sizeof(*pid))) == NULL)
		return -1;
	k->pid = pid;
	k->cap = cap;
	return 0;
}

/*
 * A keeper for a connection: as fork(2), counted while it runs, with a
 * pidfd to hear of its end by.  Without one (a kernel before 5.3) it is
 * collected at the next connection, as the slot for it is found.
 */
pid_t
ipc_keeper_fork(struct ipc_keeper *k)
{
	pid_t pid;
	long long i;

	if (grow(k) == -1)
		return -1;
	if ((pid = fork()) <= 0)
		return pid;
	i = ++k->running;
	k->pid[i] = pid;
	k->pfd[i].fd = pidfd_open(pid, 0);
	k->pfd[i].events = POLLIN;
	k->pfd[i].revents = 0;
	return pid;
}

/* A keeper collected: its place and its pidfd go. */
static void
forget(struct ipc_keeper *k, pid_t pid, int st)
{
	long long i;

	for (i = 1; i <= k->running; i++)
		if (k->pid[i] == pid)
			break;
	if (i > k->running)
		return;		/* not one of ours */
	if (k->pfd[i].fd != -1)
		close(k->pfd[i].fd);
	k->pfd[i] = k->pfd[k->running];
	k->pid[i] = k->pid[k->running];
	k->running--;
	if (ipc_cmd_status(st) != 0)
		k->status = ipc_cmd_status(st);
}

/*
 * Collect finished keepers: those done (IPC_REAP_DONE), one, waiting
 * for it (IPC_REAP_ONE), or all, waiting for them (IPC_REAP_ALL).  The
 * status kept is the last that was not 0, as a signal's 128 + N.  0, or
 * -1 with errno EINTR when a signal asks the tool to end.
 */
int
ipc_keeper_reap(struct ipc_keeper *k, int how)
{
	pid_t pid;
	int st;

	while (k->running > 0) {
		pid = waitpid(-1, &st, how != IPC_REAP_DONE ? 0 : WNOHANG);
		if (pid == -1 && IPC_BY_SIGNAL(errno))
			return -1;
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			return 0;
		forget(k, pid, st);
		if (how == IPC_REAP_ONE)
			return 0;
	}
	return 0;
}

/*
 * Wait for a connection on fd, timeout ms at most (-1: for ever) counted
 * from *since, collecting the keepers that end meanwhile.  1 when one
 * came, 0 when the time ran out, -1 with errno (EINTR: signalled).
 */
int
ipc_keeper_poll(struct ipc_keeper *k, int fd, int timeout, long long *since)
{
	int n;

	if (grow(k) == -1)
		return -1;
	k->pfd[0].fd = fd;
	k->pfd[0].events = POLLIN;
	for (;;) {
		if ((n = ipc_poll_until(k->pfd, k->running + 1, timeout,
		    since)) <= 0)
			return n;
		if (k->pfd[0].revents != 0)
			return 1;
		if (ipc_keeper_reap(k, IPC_REAP_DONE) == -1)
			return -1;
	}
}

/* Room for one more keeper: those done collected, then as many as -j. */
int
ipc_keeper_slot(struct ipc_keeper *k)
{
	if (ipc_keeper_reap(k, IPC_REAP_DONE) == -1)
		return -1;
	while (k->running >= k->jobs)
		if (ipc_keeper_reap(k, IPC_REAP_ONE) == -1)
			return -1;
	return 0;
}

static void
setenvnum(const char *name, long long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", n);
	setenv(name, buf, 1);
}

/*
 * The peer's address, or its credentials, for the command: only this
 * peer's, none that the listener was started with.
 */
void
ipc_keeper_env(const struct ipc_peer *p)
{
	unsetenv("IPC_PEER_ADDR");
	unsetenv("IPC_PEER_PORT");
	unsetenv("IPC_PEER_PID");
	unsetenv("IPC_PEER_UID");
	unsetenv("IPC_PEER_GID");
	unsetenv("IPC_PEER_TLS_SUBJECT");
	unsetenv("IPC_PEER_TLS_HASH");
	if (p->cred) {
		setenvnum("IPC_PEER_PID", p->pid);
		setenvnum("IPC_PEER_UID", p->uid);
		setenvnum("IPC_PEER_GID", p->gid);
	} else if (p->host[0] != '\0') {
		setenv("IPC_PEER_ADDR", p->host, 1);
		setenvnum("IPC_PEER_PORT", p->port);
	}
}

/*
 * Wait for the keeper's command: 0 and its wait status, or -1 with
 * errno; EINTR when a signal asks the tool to end, which the command
 * has been sent too, whenever it came.
 */
int
ipc_keeper_wait(pid_t pid, int *st)
{
	for (;;) {
		if (ipc_signalled) {
			kill(pid, ipc_signalled);
			errno = EINTR;
			return -1;
		}
		if (waitpid(pid, st, 0) != -1)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/*
 * End a connection so that a peer that sent data nobody read still gets
 * the whole reply and a clean end, not a reset: our end first, then what
 * the peer still sends is read and dropped, ms at most, as a web
 * server's lingering close does.
 */
void
ipc_linger(int fd, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	long long start = ipc_now_ms();
	char buf[16384];

	if (shutdown(fd, SHUT_WR) == -1)
		return;
	while (ipc_poll_until(&pfd, 1, ms, &start) > 0 &&
	    recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		continue;
}
