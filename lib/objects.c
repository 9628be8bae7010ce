/* objects.c: find, describe and remove the POSIX objects of every kind. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "mq.h"
#include "objects.h"
#include "queue.h"
#include "sem.h"
#include "shm.h"
#include "sysv.h"

#define MQUEUE_MAGIC	0x19800202	/* <linux/magic.h> */
#define SEMPFXLEN	(sizeof(IPC_SEM_PREFIX) - 1)

static const char *kindnames[IPC_NOKINDS] = {
	"mq", "sem", "shm", "sysv-msg", "sysv-sem", "sysv-shm"
};

const char *
ipc_kind_name(int kind)
{
	return kindnames[kind];
}

/*
 * "mq", "sem,shm", "sysv" (its three kinds): a mask of (1 << kind); 0 and
 * *errstr if bad.
 */
unsigned int
ipc_kinds(const char *s, const char **errstr)
{
	unsigned int mask = 0;
	size_t len, k;

	*errstr = "invalid";
	for (;;) {
		len = strcspn(s, ",");
		for (k = 0; k < IPC_NOKINDS; k++)
			if (strlen(kindnames[k]) == len &&
			    strncmp(s, kindnames[k], len) == 0)
				break;
		if (len == 4 && strncmp(s, "sysv", 4) == 0)
			mask |= IPC_KINDS_SYSV;
		else if (k == IPC_NOKINDS)
			return 0;
		else
			mask |= 1U << k;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*errstr = NULL;
	return mask;
}

static int
mqfs_mounted(void)
{
	struct statfs sf;

	return statfs(IPC_MQ_DIR, &sf) == 0 && sf.f_type == MQUEUE_MAGIC;
}

/* Where it lives: /dev/mqueue/NAME, /dev/shm/sem.NAME, /dev/shm/NAME. */
static int
object_path(enum ipc_kind kind, const char *name, char *buf, size_t len)
{
	if (kind == IPC_MQ)
		return ipc_mq_path(name, buf, len);
	if (kind == IPC_SEM)
		return ipc_sem_path(name, buf, len);
	return ipc_object_path(buf, len, IPC_SHM_DIR, "", name);
}

/*
 * A queue's description without its file system: the queue itself, as
 * Linux lets fstat(2) look at a queue descriptor.  EACCES when it is
 * there but closed to us.
 */
static int
mq_stat(struct ipc_object *o)
{
	mqd_t q;
	int e;

	if ((q = ipc_mq_look(o->name)) == (mqd_t)-1) {
		if (errno == EACCES)
			o->nostat = 1;
		return -1;
	}
	if (fstat((int)q, &o->st) == -1) {
		e = errno;
		mq_close(q);
		errno = e;
		return -1;
	}
	mq_close(q);
	return 0;
}

static int
object_get(enum ipc_kind kind, const char *name, struct ipc_object *o)
{
	char path[PATH_MAX];

	memset(o, 0, sizeof(*o));
	o->kind = kind;
	if (strlcpy(o->name, name, sizeof(o->name)) >= sizeof(o->name) ||
	    (kind == IPC_SEM && strlen(name) - 1 > NAME_MAX - SEMPFXLEN)) {
		errno = ENOENT;
		return -1;
	}
	if (kind == IPC_MQ && !mqfs_mounted())
		return mq_stat(o);
	if (object_path(kind, name, path, sizeof(path)) == -1)
		return -1;
	if (lstat(path, &o->st) == -1) {
		/*
		 * A directory closed to us says nothing of the name, which
		 * ipc_select would take for an object there: mq_open(3) can
		 * still tell whether a queue is.
		 */
		if (errno == EACCES && kind == IPC_MQ)
			return mq_stat(o);
		return -1;
	}
	if (!S_ISREG(o->st.st_mode)) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static int
object_cmp(const void *a, const void *b)
{
	const struct ipc_object *x = a, *y = b;

	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0 || x->kind < IPC_NKINDS)
		return c;
	/* System V: IPC_PRIVATE's key names many. */
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * gcc 12's -fanalyzer says "leak of 'v'" here: it loses v once stored in
 * l->v, which the caller frees (ipc_objects_free).  Silenced for this
 * function only.
 */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
/* One more object in l: 0, or -1 (ENOMEM); sysv.c's too. */
int
ipc_objects_add(struct ipc_objects *l, const struct ipc_object *o)
{
	struct ipc_object *v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 64;
		if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *o;
	return 0;
}
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#pragma GCC diagnostic pop
#endif

/*
 * Call fn for each object of kind: the regular files of its directory,
 * less the semaphores for shared memory.  ENODEV: no mqueue file system.
 */
static int
each_object(enum ipc_kind kind, int (*fn)(struct ipc_object *, void *),
    void *arg)
{
	struct ipc_object o;
	struct dirent *d;
	char name[IPC_NAMEBUF];
	const char *s;
	DIR *dir;
	int e;

	if (kind == IPC_MQ && !mqfs_mounted()) {
		errno = ENODEV;
		return -1;
	}
	if ((dir = opendir(kind == IPC_MQ ? IPC_MQ_DIR : IPC_SHM_DIR)) ==
	    NULL)
		return -1;
	while ((errno = 0, d = readdir(dir)) != NULL) {
		s = d->d_name;
		if (kind != IPC_MQ && (strncmp(s, IPC_SEM_PREFIX, SEMPFXLEN) == 0) !=
		    (kind == IPC_SEM))
			continue;
		if (kind == IPC_SEM)
			s += SEMPFXLEN;
		if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
			continue;
		name[0] = '/';
		if (strlcpy(name + 1, s, sizeof(name) - 1) >= sizeof(name) - 1)
			continue;
		/*
		 * Gone meanwhile, or not an object (a directory): skip it.  One
		 * there that cannot be looked at is listed as such.
		 */
		if (object_get(kind, name, &o) == -1) {
			if (errno == ENOENT || errno == ENAMETOOLONG)
				continue;
			o.nostat = 1;
		}
		if (fn(&o, arg) == -1) {
			e = errno;
			closedir(dir);
			errno = e;
			return -1;
		}
	}
	e = errno;
	closedir(dir);
	errno = e;
	return e == 0 ? 0 : -1;
}

int
ipc_is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

struct matcher {
	struct ipc_objects	*l;
	char			**pats;
	int			 npats;
};

/* Add o if a pattern matches it (every one, with none). */
static int
match(struct ipc_object *o, void *arg)
{
	struct matcher *m = arg;
	int i, found = 0;

	if (m->npats == 0)
		return ipc_objects_add(m->l, o);
	for (i = 0; i < m->npats; i++) {
		if (!ipc_is_pattern(m->pats[i]) ||
		    ipc_sysv_is_name(m->pats[i]) ||
		    fnmatch(m->pats[i] + 1, o->name + 1, FNM_PERIOD) != 0)
			continue;
		m->l->found[i]++;
		if (!found) {
			o->arg = i;
			if (ipc_objects_add(m->l, o) == -1)
				return -1;
		}
		found = 1;
	}
	return 0;
}

/*
 * The objects of the kinds that args name or match (all, with none);
 * -1 with errno, and l->failed the directory that could not be read, or
 * NULL when memory ran out.
 */
int
ipc_select(struct ipc_objects *l, unsigned int kinds, char **args,
    int nargs)
{
	struct matcher m = { l, args, nargs };
	struct ipc_object o;
	size_t i, j;
	int a, k, patterns = nargs == 0;

	memset(l, 0, sizeof(*l));
	if (nargs > 0 && (l->found = calloc(nargs, sizeof(*l->found))) ==
	    NULL)
		return -1;
	for (a = 0; a < nargs; a++) {
		if (ipc_sysv_is_name(args[a]))
			continue;
		if (ipc_is_pattern(args[a])) {
			patterns = 1;
			continue;
		}
		for (k = 0; k < IPC_NKINDS; k++) {
			if (!(kinds & (1U << k)))
				continue;
			if (object_get(k, args[a], &o) == -1) {
				/* Closed to us: it is there all the same. */
				if (errno != EACCES)
					continue;
			}
			o.arg = a;
			l->found[a]++;
			if (ipc_objects_add(l, &o) == -1)
				return -1;
		}
	}
	for (k = 0; patterns && k < IPC_NKINDS; k++) {
		if (!(kinds & (1U << k)))
			continue;
		if (each_object(k, match, &m) == -1) {
			if (k != IPC_MQ || errno != ENODEV) {
				if (errno != ENOMEM)
					l->failed = k == IPC_MQ ? IPC_MQ_DIR :
					    IPC_SHM_DIR;
				return -1;
			}
			l->nomqfs = 1;
		}
	}
	if ((kinds & IPC_KINDS_SYSV) &&
	    ipc_sysv_select(l, kinds, args, nargs) == -1)
		return -1;
	if (l->n == 0)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), object_cmp);
	/* An object that two arguments select is there once. */
	for (i = 1, j = 0; i < l->n; i++)
		if (object_cmp(&l->v[i], &l->v[j]) != 0)
			l->v[++j] = l->v[i];
	l->n = j + 1;
	return 0;
}

/*
 * ipc-ls and ipc-rm: every name checked, as a semaphore's where kinds is
 * semaphores alone (its names are shorter), and put with its slash in
 * l's own room; then what they select.  Exit 2 with why otherwise.
 */
void
ipc_xselect(struct ipc_objects *l, unsigned int kinds, char **args,
    int nargs)
{
	char (*names)[IPC_NAMEBUF];
	const char *errstr;
	int i;

	if ((names = calloc(nargs ? nargs : 1, sizeof(*names))) == NULL)
		err(IPC_ERROR, NULL);
	for (i = 0; i < nargs; i++) {
		if (ipc_sysv_is_name(args[i])) {
			if (ipc_sysv_check(args[i], &errstr) == -1)
				errx(IPC_ERROR, "%s: %s", ipc_shown(args[i]),
				    errstr);
			continue;
		}
		args[i] = (char *)ipc_xname(args[i], kinds == 1U << IPC_SEM ?
		    IPC_SEM : IPC_SHM, names[i], sizeof(names[i]));
	}
	if (ipc_select(l, kinds, args, nargs) == -1) {
		if (l->failed == NULL)
			err(IPC_ERROR, NULL);
		err(IPC_ERROR, "%s", l->failed);
	}
	l->names = names;
}

/* Did args[i], a name and no pattern, select nothing? */
int
ipc_objects_missed(const struct ipc_objects *l, char *const args[], int i)
{
	return l->found[i] == 0 && !ipc_is_pattern(args[i]);
}

const char *
ipc_object_absent(unsigned int kinds, const char *name, const char *then)
{
	static char buf[PATH_MAX * 4 + 64];
	char path[PATH_MAX];
	const char *kind;
	int k;

	for (k = 0; k < IPC_NKINDS; k++) {
		if (!(kinds & (1U << k)) ||
		    object_path(k, name, path, sizeof(path)) == -1 ||
		    (kind = ipc_file_kind(path)) == NULL)
			continue;
		snprintf(buf, sizeof(buf), "%s is %s, not an object%s",
		    ipc_shown(path), kind, then);
		return buf;
	}
	return strerror(ENOENT);
}

void
ipc_objects_free(struct ipc_objects *l)
{
	free(l->v);
	free(l->found);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

/* A queue's counts, as mq_getattr(3) tells them to who may open it. */
static void
mq_details(struct ipc_object *o)
{
	struct mq_attr attr;
	mqd_t q;

	if ((q = ipc_mq_look(o->name)) != (mqd_t)-1) {
		if (mq_getattr(q, &attr) == 0) {
			o->msgs = attr.mq_curmsgs;
			o->maxmsg = attr.mq_maxmsg;
			o->msgsize = attr.mq_msgsize;
		}
		mq_close(q);
	}
	o->size = ipc_mq_queued(o->name);
}

/* A semaphore's value, from its file. */
static void
sem_details(struct ipc_object *o)
{
	int v;

	if (ipc_sem_value(o->name, &v) == 0)
		o->value = v;
}

void
ipc_object_details(struct ipc_object *o)
{
	/* System V: all told when it was found. */
	if (o->kind >= IPC_NKINDS)
		return;
	o->size = o->msgs = o->maxmsg = o->msgsize = o->value = o->bytes = -1;
	switch (o->kind) {
	case IPC_MQ:
		mq_details(o);
		break;
	case IPC_SEM:
		/*
		 * What it holds: the sem_t, and sem-wait's record of holders
		 * past it, sparse, whose reach st_size is.
		 */
		o->size = (long long)o->st.st_blocks * 512;
		if (o->st.st_size < o->size)
			o->size = o->st.st_size;
		sem_details(o);
		break;
	case IPC_SHM:
		o->size = o->st.st_size;
		o->bytes = (long long)o->st.st_blocks * 512;
		break;
	}
}

/* Removed through its family, by name: 0, or -1 with errno and why. */
int
ipc_object_unlink(const struct ipc_object *o, char *why, size_t len)
{
	switch (o->kind) {
	case IPC_MQ:
		return ipc_queue_unlink(o->name, why, len);
	case IPC_SEM:
		return ipc_sem_unlink(o->name, NULL, why, len);
	case IPC_SHM:
		return ipc_shm_unlink(o->name, NULL, why, len);
	default:
		return ipc_sysv_remove(o, why, len);
	}
	errno = EINVAL;
	return -1;
}

/*
 * Names with a scheme are objects of backends, which ipc-ls and ipc-rm
 * reach through their families' tables, all at once: NULL, or the first
 * name that is not like the first.
 */
const char *
ipc_objects_mixed(char *const names[], int n)
{
	int i, remote = n > 0 && ipc_has_scheme(names[0]);

	for (i = 1; i < n; i++)
		if (ipc_has_scheme(names[i]) != remote)
			return names[i];
	return NULL;
}
