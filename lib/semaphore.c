/* semaphore.c: the semaphore family: a name's backend, and its calls. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "sem.h"

/* The backends of a scheme built in; a plain name is POSIX's. */
static const struct ipc_sem_backend *const schemes[] = {
#ifdef HAVE_ETCD
	&ipc_sem_etcd,
#endif
	NULL
};

/*
 * The backend of a name, or NULL and why: a name of a scheme that no
 * backend here serves.  A name of a scheme nobody knows is a plain name,
 * which the POSIX backend refuses for its '/'.
 */
static const struct ipc_sem_backend *
backend(const char *name, char *why, size_t len)
{
	size_t i;

	for (i = 0; schemes[i] != NULL; i++)
		if (ipc_scheme_is(name, schemes[i]->scheme))
			return schemes[i];
	if (ipc_backend_missing(IPC_SEM, name, why, len) != NULL) {
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	return &ipc_sem_posix;
}

/* A backend's why, or errno's words: never empty. */
static void
reason(char *why, size_t len)
{
	if (why[0] == '\0')
		snprintf(why, len, "%s", ipc_strerror(errno));
}

struct ipc_sem *
ipc_sem_open(const char *name, const struct ipc_sem_conf *conf,
    const char **shown, char *why, size_t len)
{
	const struct ipc_sem_backend *be;
	struct ipc_sem *s;
	int e;

	why[0] = '\0';
	if ((be = backend(name, why, len)) == NULL) {
		*shown = ipc_shown(name);
		return NULL;
	}
	if (be == &ipc_sem_posix && ipc_tls_given(&conf->tls)) {
		*shown = ipc_shown(name);
		snprintf(why, len, "the --tls options are for etcds:// names");
		errno = EINVAL;
		return NULL;
	}
	if ((s = be->open(name, conf, shown, why, len)) == NULL) {
		e = errno;
		reason(why, len);
		errno = e;
		return NULL;
	}
	s->be = be;
	s->why[0] = '\0';
	return s;
}

const char *
ipc_sem_why(const struct ipc_sem *s, int e)
{
	return s->why[0] != '\0' ? s->why : ipc_strerror(e);
}

int
ipc_sem_take(struct ipc_sem *s, const struct timespec *timeout)
{
	s->why[0] = '\0';
	return s->be->take(s, timeout);
}

int
ipc_sem_post(struct ipc_sem *s, unsigned int count,
    const struct timespec *timeout, int *value)
{
	s->why[0] = '\0';
	return s->be->post(s, count, timeout, value);
}

int
ipc_sem_read(struct ipc_sem *s, int *value)
{
	s->why[0] = '\0';
	return s->be->value(s, value);
}

int
ipc_sem_hold(struct ipc_sem *s)
{
	s->why[0] = '\0';
	return s->be->hold(s);
}

/* In the command's process (vfork), before its exec. */
void
ipc_sem_child(struct ipc_sem *s, pid_t pid)
{
	s->be->child(s, pid);
}

int
ipc_sem_release(struct ipc_sem *s)
{
	s->why[0] = '\0';
	return s->be->release(s);
}

int
ipc_sem_lostfd(struct ipc_sem *s)
{
	return s->be->lostfd != NULL ? s->be->lostfd(s) : -1;
}

long long
ipc_sem_token(struct ipc_sem *s)
{
	return s->be->token != NULL ? s->be->token(s) : 0;
}

void
ipc_sem_close(struct ipc_sem *s)
{
	if (s != NULL)
		s->be->close(s);
}

int
ipc_sem_peek(const char *name, const struct ipc_tls_opts *tls, int *value,
    char *why, size_t len)
{
	const struct ipc_sem_backend *be;
	int e;

	why[0] = '\0';
	if ((be = backend(name, why, len)) == NULL)
		return -1;
	if (be->peek(name, tls, value, why, len) == -1) {
		e = errno;
		reason(why, len);
		errno = e;
		return -1;
	}
	return 0;
}

int
ipc_sem_unlink(const char *name, const struct ipc_tls_opts *tls, char *why,
    size_t len)
{
	const struct ipc_sem_backend *be;
	int e;

	why[0] = '\0';
	if ((be = backend(name, why, len)) == NULL)
		return -1;
	if (be->unlink(name, tls, why, len) == -1) {
		e = errno;
		reason(why, len);
		errno = e;
		return -1;
	}
	return 0;
}

int
ipc_sem_holders(const char *name, const struct ipc_tls_opts *tls,
    struct ipc_sem_holder **v, size_t *n, char *why, size_t len)
{
	const struct ipc_sem_backend *be;
	int e;

	why[0] = '\0';
	*v = NULL;
	*n = 0;
	if ((be = backend(name, why, len)) == NULL)
		return -1;
	if (be->holders == NULL)
		return 0;
	if (be->holders(name, tls, v, n, why, len) == -1) {
		e = errno;
		reason(why, len);
		errno = e;
		return -1;
	}
	return 0;
}

int
ipc_sem_list(const char *name, const struct ipc_tls_opts *tls,
    int (*cb)(void *, const struct ipc_sem_info *), void *arg, char *why,
    size_t len)
{
	const struct ipc_sem_backend *be;
	int e, r;

	why[0] = '\0';
	if ((be = backend(name, why, len)) == NULL)
		return -1;
	if (be->list == NULL) {
		snprintf(why, len, "%s", strerror(EPROTONOSUPPORT));
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if ((r = be->list(name, tls, cb, arg, why, len)) == -1) {
		e = errno;
		reason(why, len);
		errno = e;
	}
	return r;
}
