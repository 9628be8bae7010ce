/* shm-ops.c: the shared memory calls, each through its object's backend. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "shm.h"

/* The backends of this build; the one without a scheme takes plain names. */
static const struct ipc_shm_backend *const backends[] = {
#ifdef HAVE_ETCD
	&ipc_shm_etcd,
#endif
	&ipc_shm_posix,
};
#define NBACKENDS	(sizeof(backends) / sizeof(backends[0]))

/* The name's backend, or NULL and why (EPROTONOSUPPORT). */
static const struct ipc_shm_backend *
backend(const char *name, char *why, size_t len)
{
	const struct ipc_shm_backend *plain = NULL;
	size_t i;

	for (i = 0; i < NBACKENDS; i++) {
		if (backends[i]->scheme == NULL)
			plain = backends[i];
		else if (ipc_scheme_is(name, backends[i]->scheme))
			return backends[i];
	}
	if (ipc_backend_missing(IPC_SHM, name, why, len) != NULL) {
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	return plain;
}

/* A new call's failure is its own. */
static struct ipc_shm *
fresh(struct ipc_shm *s)
{
	s->side = IPC_SHM_OBJECT;
	s->warn[0] = s->why[0] = '\0';
	return s;
}

struct ipc_shm *
ipc_shm_open(const char *name, int how, const struct ipc_create *c,
    const struct ipc_tls_opts *tls, const char **shown, char *why,
    size_t len)
{
	const struct ipc_shm_backend *be;
	struct ipc_shm *s;

	if ((be = backend(name, why, len)) == NULL) {
		*shown = ipc_shown(name);
		return NULL;
	}
	if (be->scheme == NULL && tls != NULL && ipc_tls_given(tls)) {
		*shown = ipc_shown(name);
		snprintf(why, len, "the --tls options are for etcds:// names");
		errno = EINVAL;
		return NULL;
	}
	if ((s = be->open(name, how, c, tls, shown, why, len)) == NULL)
		return NULL;
	s->last = -1;
	return fresh(s);
}

const char *
ipc_shm_why(const struct ipc_shm *s, int e)
{
	return s->why[0] != '\0' ? s->why : ipc_strerror(e);
}

int
ipc_shm_load(struct ipc_shm *s, int fd)
{
	return fresh(s)->be->load(s, fd);
}

int
ipc_shm_put(struct ipc_shm *s, int64_t size, const struct timespec *timeout)
{
	return fresh(s)->be->put(s, size, timeout);
}

int
ipc_shm_update(struct ipc_shm *s, int64_t off, int64_t size,
    const struct timespec *timeout)
{
	return fresh(s)->be->update(s, off, size, timeout);
}

int
ipc_shm_get(struct ipc_shm *s, int64_t off, int64_t len, int fd,
    const struct timespec *deadline)
{
	s->last = -1;
	return fresh(s)->be->get(s, off, len, fd, deadline);
}

int
ipc_shm_wait(struct ipc_shm *s, const struct timespec *deadline)
{
	return fresh(s)->be->wait(s, deadline);
}

int
ipc_shm_follow(struct ipc_shm *s)
{
	return fresh(s)->be->follow(s);
}

int
ipc_shm_size(struct ipc_shm *s, int64_t *size)
{
	return fresh(s)->be->size(s, size);
}

int
ipc_shm_unlink(const char *name, const struct ipc_tls_opts *tls, char *why,
    size_t len)
{
	const struct ipc_shm_backend *be;

	if ((be = backend(name, why, len)) == NULL)
		return -1;
	return be->unlink(name, tls, why, len);
}

int
ipc_shm_list(const char *name, const struct ipc_tls_opts *tls,
    int (*cb)(void *, const struct ipc_shm_info *), void *arg, char *why,
    size_t len)
{
	const struct ipc_shm_backend *be;

	if ((be = backend(name, why, len)) == NULL)
		return -1;
	if (be->list == NULL) {
		snprintf(why, len, "%s", strerror(EPROTONOSUPPORT));
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return be->list(name, tls, cb, arg, why, len);
}

void
ipc_shm_close(struct ipc_shm *s)
{
	if (s != NULL)
		s->be->close(s);
}
