/* exec.h: the commands a tool runs (exec.c). */
#ifndef IPC_EXEC_H
#define IPC_EXEC_H

#include <sys/types.h>

#include <signal.h>

#include "ipcutils.h"

/*
 * exec.c: a command that a tool runs (sem-wait -- CMD, mq-recv --exec):
 * started with vfork(2) and exec, its status passed on as env(1) does.
 */
#define IPC_CMD_FAILED		125	/* the tool itself failed */
#define IPC_CMD_NOEXEC		126	/* the command could not be run */
#define IPC_CMD_NOTFOUND	127	/* the command was not found */
int		 ipc_spawn(pid_t *, const char *, char *const [], int,
		    const sigset_t *, const sigset_t *, int, void (*)(void *),
		    void *);
int		 ipc_spawn_status(int);
int		 ipc_cmd_status(int);

/* A command given as one string (--exec): its argv, sh -c or its words. */
struct ipc_command {
	char		**argv;
	char		 *sh[4];	/* sh -c command */
	const char	 *file;		/* to exec: argv[0] found in PATH */
};
int		 ipc_command(struct ipc_command *, const char *);
int		 ipc_spawn_command(pid_t *, const struct ipc_command *, int,
		    const sigset_t *, const sigset_t *, int);
int		 ipc_spawn_on(pid_t *, const struct ipc_command *, int);
const char	*ipc_command_name(const struct ipc_command *);

#endif
