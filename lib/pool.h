/* pool.h: a command run for each message of a queue, -j at once (pool.c). */
#ifndef IPC_POOL_H
#define IPC_POOL_H

#include <sys/types.h>

#include "exec.h"
#include "queue.h"

/*
 * mq-recv --exec, on any queue backend: a message is taken only when one
 * of njobs slots is free, and done with once its command exits 0; a
 * command that fails runs again up to retries times, then its message
 * goes to the failed queue (or back on its own, and the pool stops with
 * 2).  While failed is full, the message waits in its slot for room, the
 * other commands reaped meanwhile, for the timeout at most (then back on
 * its own queue, and the pool stops with 1) or until a signal (back on
 * its own queue too).  One that cannot be run (126, 127) puts it back
 * and stops the pool with that status.  A signal stops taking and goes
 * on to the commands (each leads a process group); what they did not
 * finish goes back.
 *
 * The pool never prints: what the tool should tell comes to its tell()
 * as an event, and a failure of its own as -1, errno and why[].
 */
enum ipc_pool_event {
	IPC_POOL_SENT,		/* a failed command's message, to failed */
	IPC_POOL_PUTBACK,	/* a failed command's message, put back */
	IPC_POOL_LOST,		/* a failed command's message lost: errno */
	IPC_POOL_NOTSENT,	/* failed could not take it: errno */
	IPC_POOL_NOEXEC,	/* the command could not be run: errno */
	IPC_POOL_ACKLOST,	/* a message done may come again */
	IPC_POOL_ORPHANS,	/* the pool failed; its commands run on */
	IPC_POOL_FULL		/* failed stayed full: put back */
};

struct ipc_pool_job;
struct ipc_pool {
	struct ipc_queue *q;		/* where messages come from */
	struct ipc_queue *failed;	/* --failed, or NULL */
	const struct ipc_command *cmd;
	long long	 njobs;		/* at most at once */
	long long	 retries;	/* runs again of a failed command */
	/* The command's standard input: the message framed, at most
	   framecap bytes. */
	size_t		(*frame)(char *, const struct ipc_msg *);
	size_t		 framecap;
	/* What the tool tells: event, the message's number in this run,
	   how its command ended ("exited 1"), errno. */
	void		(*tell)(enum ipc_pool_event, long long, const char *,
			    int);
	/* After ipc_pool_run: messages taken; the timeout passed. */
	long long	 taken;
	int		 timedout;
	/* Private to pool.c. */
	struct ipc_pool_job *jobs;
	long long	 running;
	long long	 waiting;	/* messages waiting for room in failed */
	struct ipc_msg	 in;
	char		*stdinbuf;
	char		 why[256];
};

/* The slots and buffers: 0, or -1 with errno. */
int		 ipc_pool_init(struct ipc_pool *);
/*
 * Run the command for count messages (0: until the queue is found empty
 * under drain, or the timeout passes with every slot free; -f is done
 * then, if any came): the exit status; or -1, with EINTR for a signal
 * (ipc_signalled says which), with another errno and why[] ("what:
 * reason") for a failure of the pool's own, its commands still running
 * (ipc_pool_wait).
 */
int		 ipc_pool_run(struct ipc_pool *, long long,
		    const struct timespec *, int);
/*
 * After a failure: wait for the commands still running, passing on any
 * signal, and put back the message of each that did not exit 0.
 */
void		 ipc_pool_wait(struct ipc_pool *);

#endif
