/* sysv.c: System V queues, semaphore sets and segments: find, remove, -N. */
#define _GNU_SOURCE		/* setns(2) */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysv.h"

#define PROC_SYSV	"/proc/sysvipc/"

static const char *const files[] = {
	PROC_SYSV "msg", PROC_SYSV "sem", PROC_SYSV "shm"
};

int
ipc_sysv_is_name(const char *s)
{
	return strncmp(s, "key:", 4) == 0 || strncmp(s, "id:", 3) == 0;
}

/*
 * key:0x followed by 1 to 8 hex digits (as ipcs shows a key), or a glob
 * over such names; id: and decimal digits, 0 to INT_MAX.
 */
int
ipc_sysv_check(const char *s, const char **errstr)
{
	const char *p;
	size_t n;

	if (strncmp(s, "id:", 3) == 0) {
		strtonum(s + 3, 0, INT_MAX, errstr);
		if (*errstr == NULL && isdigit((unsigned char)s[3]))
			return 0;
		if (*errstr == NULL)
			*errstr = "invalid";
		*errstr = strcmp(*errstr, "too large") == 0 ?
		    "id is too large (at most 2147483647)" :
		    "id is not a decimal number (id:N)";
		return -1;
	}
	p = s + 4;
	if (ipc_is_pattern(p))
		return 0;
	if (strncmp(p, "0x", 2) != 0 || (n = strspn(p + 2, "0123456789abcdef"
	    "ABCDEF")) == 0 || p[2 + n] != '\0') {
		*errstr = "key is not 0x and hex digits (key:0x0000abcd)";
		return -1;
	}
	if (n > 8) {
		*errstr = "key is too large (32 bits: at most key:0xffffffff)";
		return -1;
	}
	return 0;
}

/* Does arg select o?  A key by its value (key:0x1f is key:0x0000001f). */
static int
selects(const char *arg, const struct ipc_object *o)
{
	char buf[32];

	if (strncmp(arg, "id:", 3) == 0) {
		snprintf(buf, sizeof(buf), "id:%d", o->id);
		return strcmp(arg, buf) == 0;
	}
	if (ipc_is_pattern(arg))
		return fnmatch(arg, o->name, 0) == 0;
	return (unsigned int)strtoul(arg + 6, NULL, 16) ==
	    (unsigned int)o->key;
}

/* One line of /proc/sysvipc/msg, sem or shm: 0, or -1 (not an object). */
static int
parse(int kind, const char *line, struct ipc_object *o)
{
	unsigned long long size = 0;
	long long t[3] = { 0, 0, 0 };
	unsigned int mode, uid, gid, cuid, cgid;
	int n;

	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->size = o->msgs = o->maxmsg = o->msgsize = o->value = -1;
	o->bytes = o->cpid = o->lpid = o->lspid = o->lrpid = -1;
	o->nattch = o->nsems = -1;
	switch (kind) {
	case IPC_SYSV_MSG:
		n = sscanf(line, "%d %d %o %llu %lld %lld %lld %u %u %u %u "
		    "%lld %lld %lld", &o->key, &o->id, &mode, &size, &o->msgs,
		    &o->lspid, &o->lrpid, &uid, &gid, &cuid, &cgid, &t[0],
		    &t[1], &t[2]) == 14 ? 0 : -1;
		o->size = (long long)size;
		o->stime = t[0];
		o->rtime = t[1];
		break;
	case IPC_SYSV_SEM:
		n = sscanf(line, "%d %d %o %lld %u %u %u %u %lld %lld",
		    &o->key, &o->id, &mode, &o->nsems, &uid, &gid, &cuid,
		    &cgid, &t[0], &t[2]) == 10 ? 0 : -1;
		o->otime = t[0];
		break;
	default:
		n = sscanf(line, "%d %d %o %llu %lld %lld %lld %u %u %u %u "
		    "%lld %lld %lld", &o->key, &o->id, &mode, &size, &o->cpid,
		    &o->lpid, &o->nattch, &uid, &gid, &cuid, &cgid, &t[0],
		    &t[1], &t[2]) == 14 ? 0 : -1;
		o->size = (long long)size;
		o->atime = t[0];
		o->dtime = t[1];
		break;
	}
	if (n == -1)
		return -1;
	o->ctime = t[2];
	o->st.st_mode = S_IFREG | (mode & 0777);
	o->st.st_uid = uid;
	o->st.st_gid = gid;
	o->cuid = cuid;
	o->cgid = cgid;
	/* Its last use or change, for MTIME and --older-than. */
	o->st.st_mtime = t[0] > t[1] ? t[0] : t[1];
	if (t[2] > o->st.st_mtime)
		o->st.st_mtime = t[2];
	snprintf(o->name, sizeof(o->name), "key:0x%08x", (unsigned int)o->key);
	return 0;
}

/* Every object of one System V kind that args select, into l. */
static int
select_kind(struct ipc_objects *l, int kind, char **args, int nargs)
{
	const char *path = files[kind - IPC_SYSV_MSG];
	struct ipc_object o;
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;
	int a, e, found, any = 1, r = 0;

	for (a = 0; a < nargs; a++)
		if (ipc_sysv_is_name(args[a]))
			break;
	if (nargs > 0 && a == nargs)
		return 0;
	if ((fp = fopen(path, "re")) == NULL) {
		/* A kernel without System V IPC has nothing of it. */
		if (errno == ENOENT)
			return 0;
		l->failed = path;
		return -1;
	}
	/* The first line is the header. */
	while (getline(&line, &cap, fp) != -1) {
		if (any) {
			any = 0;
			continue;
		}
		if (parse(kind, line, &o) == -1)
			continue;
		for (a = 0, found = nargs == 0; a < nargs; a++) {
			if (!ipc_sysv_is_name(args[a]) || !selects(args[a], &o))
				continue;
			if (!found)
				o.arg = a;
			found = 1;
			l->found[a]++;
		}
		if (found && (r = ipc_objects_add(l, &o)) == -1)
			break;
	}
	e = errno;
	if (r == 0 && ferror(fp)) {
		l->failed = path;
		r = -1;
	}
	free(line);
	fclose(fp);
	errno = e;
	return r;
}

int
ipc_sysv_select(struct ipc_objects *l, unsigned int kinds, char **args,
    int nargs)
{
	int k;

	for (k = IPC_SYSV_MSG; k < IPC_NOKINDS; k++)
		if ((kinds & (1U << k)) &&
		    select_kind(l, k, args, nargs) == -1)
			return -1;
	return 0;
}

/* As the kernel decides IPC_RMID (ipc/util.c): the owner, creator, root. */
int
ipc_sysv_may_remove(const struct ipc_object *o, char *why, size_t len)
{
	uid_t me = geteuid();

	if (me == 0 || me == o->st.st_uid || me == o->cuid)
		return 0;
	snprintf(why, len, "%s (only its owner, its creator or root may "
	    "remove it)", strerror(EPERM));
	errno = EPERM;
	return -1;
}

/*
 * By id, once IPC_STAT shows the same key there (an id is reused by the
 * next object of its kind).  Who may not read it may still be its owner:
 * then the id is all there is to go by.
 */
int
ipc_sysv_remove(const struct ipc_object *o, char *why, size_t len)
{
	struct msqid_ds m;
	struct semid_ds s;
	struct shmid_ds h;
	union { int val; struct semid_ds *buf; } arg;
	key_t key = o->key;
	int r;

	switch (o->kind) {
	case IPC_SYSV_MSG:
		if (msgctl(o->id, IPC_STAT, &m) == 0)
			key = m.msg_perm.__key;
		r = key != o->key ? -2 : msgctl(o->id, IPC_RMID, NULL);
		break;
	case IPC_SYSV_SEM:
		arg.buf = &s;
		if (semctl(o->id, 0, IPC_STAT, arg) == 0)
			key = s.sem_perm.__key;
		r = key != o->key ? -2 : semctl(o->id, 0, IPC_RMID);
		break;
	default:
		if (shmctl(o->id, IPC_STAT, &h) == 0)
			key = h.shm_perm.__key;
		r = key != o->key ? -2 : shmctl(o->id, IPC_RMID, NULL);
		break;
	}
	if (r == -2)
		errno = ENOENT;
	if (r != 0) {
		/* An id gone is EINVAL (EIDRM while it goes). */
		if (errno == EINVAL || errno == EIDRM)
			errno = ENOENT;
		snprintf(why, len, "id:%d: %s", o->id, strerror(errno));
		return -1;
	}
	return 0;
}

unsigned int
ipc_xnamespace(const char *arg, int Tflag, unsigned int kinds)
{
	char path[64];
	const char *errstr;
	pid_t pid;
	int ipc, mnt = -1;

	pid = (pid_t)strtonum(arg, 1, INT_MAX, &errstr);
	if (errstr == NULL) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/ipc", (long)pid);
		if ((ipc = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			err(IPC_ERROR, "-N %s", ipc_shown(arg));
		snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", (long)pid);
		if ((mnt = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			err(IPC_ERROR, "-N %s", ipc_shown(arg));
	} else if (strchr(arg, '/') == NULL)
		errx(IPC_ERROR, "-N %s: neither a process id nor the path of "
		    "an ipc namespace file", ipc_shown(arg));
	else if ((ipc = open(arg, O_RDONLY | O_CLOEXEC)) == -1)
		err(IPC_ERROR, "-N %s", ipc_shown(arg));
	if (setns(ipc, CLONE_NEWIPC) == -1)
		errx(IPC_ERROR, "-N %s: its ipc namespace: %s%s",
		    ipc_shown(arg), strerror(errno), errno == EPERM ?
		    " (setns needs CAP_SYS_ADMIN)" : errno == EINVAL ?
		    " (not an ipc namespace)" : "");
	if (mnt != -1 && setns(mnt, CLONE_NEWNS) == -1)
		errx(IPC_ERROR, "-N %s: its mount namespace: %s%s",
		    ipc_shown(arg), strerror(errno), errno == EPERM ?
		    " (setns needs CAP_SYS_ADMIN)" : "");
	close(ipc);
	if (mnt != -1) {
		close(mnt);
		return kinds;
	}
	/* A namespace file is no /dev/shm nor /dev/mqueue. */
	if (Tflag && (kinds & IPC_KINDS_POSIX))
		errx(IPC_ERROR, "-N %s: a namespace file is no /dev/shm nor "
		    "/dev/mqueue: -T sysv, or -N PID", ipc_shown(arg));
	return kinds & IPC_KINDS_SYSV;
}

/*
 * A number from a /proc/sys file, the n-th of its fields, into *v: 1, or
 * 0 if there is none.
 */
static int
kernel_limit(const char *file, int n, unsigned long long *v)
{
	char path[64];
	FILE *fp;
	int i, ok = 1;

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", file);
	if ((fp = fopen(path, "re")) == NULL)
		return 0;
	for (i = 0; ok && i <= n; i++)
		ok = fscanf(fp, "%llu", v) == 1;
	fclose(fp);
	return ok;
}

/* As lsipc -g: the limits, and the use of those that the kernel counts. */
void
ipc_sysv_limits(struct ipc_sysv_limit *v)
{
	struct ipc_objects l;
	long long msgs = -1, sets = -1, sems = -1, segs = -1, pages = -1;
	long page = sysconf(_SC_PAGESIZE);
	size_t k;
	int i;

	memset(&l, 0, sizeof(l));
	if (ipc_sysv_select(&l, IPC_KINDS_SYSV, NULL, 0) == 0) {
		msgs = sets = sems = segs = pages = 0;
		for (k = 0; k < l.n; k++)
			switch (l.v[k].kind) {
			case IPC_SYSV_MSG:
				msgs++;
				break;
			case IPC_SYSV_SEM:
				sets++;
				sems += l.v[k].nsems;
				break;
			default:
				segs++;
				pages += (l.v[k].size + page - 1) / page;
				break;
			}
	}
	free(l.v);
	i = 0;
#define ROW(t, n, u, file, field, src) do {				\
	v[i].type = t; v[i].name = n; v[i].used = u; v[i].source = src;	\
	v[i].known = kernel_limit(file, field, &v[i].limit); i++;	\
} while (0)
	ROW("sysv-msg", "msgmni", msgs, "msgmni", 0,
	    "/proc/sys/kernel/msgmni");
	ROW("sysv-msg", "msgmax", -1, "msgmax", 0,
	    "/proc/sys/kernel/msgmax");
	ROW("sysv-msg", "msgmnb", -1, "msgmnb", 0,
	    "/proc/sys/kernel/msgmnb");
	ROW("sysv-sem", "semmsl", -1, "sem", 0,
	    "/proc/sys/kernel/sem");
	ROW("sysv-sem", "semmns", sems, "sem", 1,
	    "/proc/sys/kernel/sem");
	ROW("sysv-sem", "semopm", -1, "sem", 2,
	    "/proc/sys/kernel/sem");
	ROW("sysv-sem", "semmni", sets, "sem", 3,
	    "/proc/sys/kernel/sem");
	ROW("sysv-shm", "shmmax", -1, "shmmax", 0,
	    "/proc/sys/kernel/shmmax");
	ROW("sysv-shm", "shmall", pages, "shmall", 0,
	    "/proc/sys/kernel/shmall");
	ROW("sysv-shm", "shmmni", segs, "shmmni", 0,
	    "/proc/sys/kernel/shmmni");
#undef ROW
}
