/* etcd-shm.c: shared memory on etcd, a key holding exactly the bytes. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "etcd.h"
#include "shm.h"

/*
 * The object NAME is the key PREFIXshm/NAME: its value is the object,
 * byte for byte, so that etcdctl reads and writes it too.  A put is one
 * etcd put (one revision: a reader sees the old value or the new); -o
 * reads, splices and writes back under a compare of the mod revision,
 * again on a conflict.  There is no lock: -n and -t never wait.  Each
 * put also writes PREFIXtime/shm/NAME, the seconds since the epoch and
 * a nonce (ipc_etcd_stamp), in the same revision: ipc-ls's MTIME, while
 * the two mod revisions agree (a put of etcdctl's writes the object
 * alone); and how a put whose answer was lost tells it was made.
 */
struct eshm {
	struct ipc_shm	 s;
	struct ipc_etcd	 e;
	struct ipc_create c;
	char		*key;
	char		*tkey;		/* PREFIXtime/shm/NAME */
	unsigned char	*in;		/* what load read */
	size_t		 inlen;
	unsigned char	*val;		/* what a wait saw, for the get */
	size_t		 vallen;
	int		 have;		/* val is the object's */
	int64_t		 valrev;	/* val's mod_revision */
	int		 following;	/* shm-get -F */
	int64_t		 seen;		/* the revision the last get wrote */
};

/* The reason in our object's why[] (NULL: the client's), and -1. */
#define fail(x, err, ...) \
	ipc_etcd_fail(&(x)->e, (x)->s.why, sizeof((x)->s.why), (err), \
	    __VA_ARGS__)

/* The largest value etcd takes for this key. */
static size_t
maxval(const struct eshm *x)
{
	return IPC_ETCD_MAXREQ - strlen(x->key) - IPC_ETCD_OVERHEAD;
}

static const char *
shown(const char *name)
{
	char *s, *v;

	if ((s = ipc_url_shown(name)) == NULL)
		return "etcd://";
	v = strdup(ipc_shown(s));
	free(s);
	return v != NULL ? v : "etcd://";
}

/*
 * The key's kv: 1 and *kv (a new reference), 0 when it is not there,
 * -1 and why; *rev the store's revision of the read.
 */
static int
range(struct eshm *x, json_t **kv, int64_t *rev,
    const struct timespec *deadline)
{
	json_t *req, *ans, *kvs;

	*kv = NULL;
	req = json_pack("{s:o}", "key", ipc_etcd_b64(x->key,
	    strlen(x->key)));
	if (req == NULL)
		return fail(x, ENOMEM, "%s", strerror(ENOMEM));
	if ((ans = ipc_etcd_call(&x->e, "kv/range", req, deadline)) == NULL)
		return fail(x, errno, NULL);
	if (rev != NULL)
		*rev = ipc_etcd_int(json_object_get(ans, "header"), "revision");
	kvs = json_object_get(ans, "kvs");
	if (json_array_size(kvs) > 0)
		*kv = json_incref(json_array_get(kvs, 0));
	json_decref(ans);
	return *kv != NULL;
}

static struct ipc_shm *
eshm_open(const char *name, int how, const struct ipc_create *c,
    const struct ipc_tls_opts *tls, const char **shownp, char *why,
    size_t len)
{
	struct eshm *x;
	const char *bad;
	json_t *kv;
	int r;

	*shownp = shown(name);
	if (c->modeset) {
		snprintf(why, len, "-m: etcd's objects have no mode "
		    "(etcd's roles say who may read and write)");
		errno = EINVAL;
		return NULL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return NULL;
	}
	x->s.be = &ipc_shm_etcd;
	x->s.shown = *shownp;
	x->c = *c;
	if (ipc_etcd_init(&x->e, name, tls, why, len) == -1) {
		free(x);
		return NULL;
	}
	if ((bad = ipc_tls_check(tls, x->e.url.tls, 0, "an etcds:// name",
	    why, len)) != NULL) {
		if (bad != why)
			snprintf(why, len, "%s", bad);
		errno = EINVAL;
		goto bad;
	}
	if ((x->key = ipc_etcd_key(&x->e, "shm/", x->e.name)) == NULL ||
	    (x->tkey = ipc_etcd_key(&x->e, "time/shm/", x->e.name)) == NULL) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		goto bad;
	}
	/* Say what is wrong with the object before reading any input. */
	if ((r = range(x, &kv, NULL, NULL)) == -1) {
		snprintf(why, len, "%s", x->s.why);
		goto bad;
	}
	json_decref(kv);
	if (r == 0 && ((how & IPC_SHM_GET) || !c->create)) {
		snprintf(why, len, "%s", strerror(ENOENT));
		errno = ENOENT;
		goto bad;
	}
	if (r == 1 && (how & IPC_SHM_PUT) && c->exclusive) {
		snprintf(why, len, "%s", strerror(EEXIST));
		errno = EEXIST;
		goto bad;
	}
	return &x->s;
bad:
	r = errno;
	ipc_etcd_free(&x->e);
	free(x->key);
	free(x->tkey);
	free(x);
	errno = r;
	return NULL;
}

static int
eshm_load(struct ipc_shm *s, int fd)
{
	struct eshm *x = (struct eshm *)s;
	size_t cap = 65536, max = maxval(x);
	unsigned char *nb;
	ssize_t n;

	if ((x->in = malloc(cap)) == NULL)
		return fail(x, ENOMEM, "%s", strerror(ENOMEM));
	for (;;) {
		if (x->inlen == cap) {
			if ((nb = realloc(x->in, cap * 2)) == NULL)
				return fail(x, ENOMEM, "%s", strerror(ENOMEM));
			x->in = nb;
			cap *= 2;
		}
		if ((n = read(fd, x->in + x->inlen, cap - x->inlen)) == -1) {
			if (errno == EINTR)
				continue;
			s->side = IPC_SHM_FD;
			return fail(x, errno, "%s", strerror(errno));
		}
		if (n == 0)
			break;
		x->inlen += (size_t)n;
		if (x->inlen > max)
			return fail(x, EFBIG, "more than etcd takes in one "
			    "request (1.5 MiB, %zu bytes of value for this "
			    "key): nothing was written", max);
	}
	return 0;
}

/*
 * Put value under the compare: create_revision (cmp 'c', -e: > 0, -x:
 * = 0) or mod_revision = rev (cmp 'm'), or none (0).  1: done; 0: the
 * compare failed; -1 and why.
 */
/* Does the time key hold the stamp: was that write made? */
static int
stamped(struct eshm *x, const char *stamp)
{
	json_t *ans, *kv;
	unsigned char *v;
	size_t n;
	int ours = 0;

	if ((ans = ipc_etcd_call(&x->e, "kv/range", json_pack("{s:o}", "key",
	    ipc_etcd_b64(x->tkey, strlen(x->tkey))), NULL)) == NULL)
		return 0;
	kv = json_array_get(json_object_get(ans, "kvs"), 0);
	if (kv != NULL && (v = ipc_etcd_bytes(kv, "value", &n)) != NULL) {
		ours = n == strlen(stamp) && memcmp(v, stamp, n) == 0;
		free(v);
	}
	json_decref(ans);
	return ours;
}

static int
txn(struct eshm *x, const unsigned char *v, size_t n, int cmp, int64_t rev)
{
	json_t *req, *ans, *compare, *put;
	char revs[32], now[64];
	unsigned int resent;
	int ok;

	if (n > maxval(x))
		return fail(x, EFBIG, "more than etcd takes in one request "
		    "(1.5 MiB, %zu bytes of value for this key): nothing was "
		    "written", maxval(x));
	snprintf(revs, sizeof(revs), "%lld", (long long)rev);
	ipc_etcd_stamp(now, sizeof(now));
	put = json_pack("[{s:{s:o, s:o}}, {s:{s:o, s:o}}]", "request_put",
	    "key", ipc_etcd_b64(x->key, strlen(x->key)), "value",
	    ipc_etcd_b64(v, n), "request_put", "key", ipc_etcd_b64(x->tkey,
	    strlen(x->tkey)), "value", ipc_etcd_b64(now, strlen(now)));
	if (cmp == 'm')
		compare = json_pack("[{s:s, s:s, s:o, s:s}]", "target", "MOD",
		    "result", "EQUAL", "key", ipc_etcd_b64(x->key,
		    strlen(x->key)), "mod_revision", revs);
	else if (cmp == 'x' || cmp == 'e')
		compare = json_pack("[{s:s, s:s, s:o, s:s}]", "target",
		    "CREATE", "result", cmp == 'x' ? "EQUAL" : "GREATER",
		    "key", ipc_etcd_b64(x->key, strlen(x->key)),
		    "create_revision", "0");
	else
		compare = json_array();
	req = json_pack("{s:o, s:o}", "compare", compare, "success", put);
	if (req == NULL)
		return fail(x, ENOMEM, "%s", strerror(ENOMEM));
	resent = x->e.resent;
	if ((ans = ipc_etcd_call(&x->e, "kv/txn", req, NULL)) == NULL)
		return fail(x, errno, NULL);
	ok = json_is_true(json_object_get(ans, "succeeded"));
	json_decref(ans);
	/*
	 * Made again after an answer was lost, and its compare failed: the
	 * first was made (-x's object is ours) if the time key holds our
	 * stamp.
	 */
	if (!ok && x->e.resent != resent && stamped(x, now))
		ok = 1;
	return ok;
}

/* The loaded bytes, sized as asked: a new buffer, *n its length. */
static unsigned char *
sized(struct eshm *x, const unsigned char *old, size_t oldlen, int64_t off,
    int64_t size, size_t *n)
{
	unsigned char *b;
	size_t end = (size_t)off + x->inlen, len;

	len = oldlen > end ? oldlen : end;
	if (size != -1)
		len = (size_t)size;
	if (len > maxval(x) || (uint64_t)off > maxval(x)) {
		fail(x, EFBIG, "more than etcd takes in one request (1.5 MiB, "
		    "%zu bytes of value for this key): nothing was written",
		    maxval(x));
		return NULL;
	}
	if ((b = calloc(1, len + 1)) == NULL) {
		fail(x, ENOMEM, "%s", strerror(ENOMEM));
		return NULL;
	}
	/* No old value, or no input, is a NULL memcpy(3) may not take. */
	if (old != NULL && oldlen > 0)
		memcpy(b, old, oldlen < len ? oldlen : len);
	if ((size_t)off < len && x->in != NULL && x->inlen > 0)
		memcpy(b + off, x->in, end < len ? x->inlen : len - off);
	*n = len;
	return b;
}

static int
eshm_put(struct ipc_shm *s, int64_t size, const struct timespec *timeout)
{
	struct eshm *x = (struct eshm *)s;
	unsigned char *b;
	size_t n;
	int r;

	(void)timeout;		/* no lock to wait for */
	if ((b = sized(x, NULL, 0, 0, size, &n)) == NULL)
		return -1;
	r = txn(x, b, n, x->c.exclusive ? 'x' : !x->c.create ? 'e' : 0, 0);
	free(b);
	if (r == 0)
		return fail(x, x->c.exclusive ? EEXIST : ENOENT, "%s",
		    strerror(x->c.exclusive ? EEXIST : ENOENT));
	return r == 1 ? 0 : -1;
}

static int
eshm_update(struct ipc_shm *s, int64_t off, int64_t size,
    const struct timespec *timeout)
{
	struct eshm *x = (struct eshm *)s;
	unsigned char *old, *b;
	size_t oldlen, n;
	json_t *kv;
	int64_t mod;
	int r;

	(void)timeout;
	for (;;) {
		if ((r = range(x, &kv, NULL, NULL)) == -1)
			return -1;
		if (r == 0 && !x->c.create)
			return fail(x, ENOENT, "%s", strerror(ENOENT));
		if (r == 1 && x->c.exclusive) {
			json_decref(kv);
			return fail(x, EEXIST, "%s", strerror(EEXIST));
		}
		mod = ipc_etcd_int(kv, "mod_revision");
		oldlen = 0;
		if ((old = ipc_etcd_bytes(kv, "value", &oldlen)) == NULL) {
			json_decref(kv);
			return fail(x, ENOMEM, "%s", strerror(ENOMEM));
		}
		json_decref(kv);
		b = sized(x, old, oldlen, off, size, &n);
		free(old);
		if (b == NULL)
			return -1;
		/* Missing: mod revision 0 compares as "not there yet". */
		r = txn(x, b, n, 'm', mod);
		free(b);
		if (r != 0)
			return r == 1 ? 0 : -1;
		if (ipc_signalled)
			return fail(x, EINTR, "%s", strerror(EINTR));
	}
}

static int
eshm_get(struct ipc_shm *s, int64_t off, int64_t len, int fd,
    const struct timespec *deadline)
{
	struct eshm *x = (struct eshm *)s;
	const unsigned char *p;
	size_t end, n;
	ssize_t w;
	json_t *kv;
	int r;

	s->last = -1;
	if (!x->have) {
		if ((r = range(x, &kv, NULL, deadline)) == -1)
			return -1;
		if (r == 0)
			return fail(x, ENOENT, "%s", strerror(ENOENT));
		x->valrev = ipc_etcd_int(kv, "mod_revision");
		x->val = ipc_etcd_bytes(kv, "value", &x->vallen);
		json_decref(kv);
		if (x->val == NULL)
			return fail(x, ENOMEM, "%s", strerror(ENOMEM));
		x->have = 1;
	}
	x->seen = x->valrev;
	if (x->following)
		x->have = 0;	/* the next get reads what a wait found */
	if ((uint64_t)off >= x->vallen)
		return 0;
	end = x->vallen;
	if (len != -1 && (uint64_t)len < x->vallen - off)
		end = (size_t)(off + len);
	for (p = x->val + off, n = end - off; n > 0; p += w, n -= w) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR && !ipc_signalled)
				continue;
			s->side = IPC_SHM_FD;
			return fail(x, errno, "%s", strerror(errno));
		}
	}
	if (end > (size_t)off)
		s->last = x->val[end - 1];
	return 0;
}

/*
 * Read the key, then watch it from the revision after that read: a
 * change between the two is the watch's first event, never missed.  A
 * watch etcd cancels for compaction reads again: a change by then is the
 * one waited for; else it watches on from the new read.
 */
static int
eshm_wait(struct ipc_shm *s, const struct timespec *deadline)
{
	struct eshm *x = (struct eshm *)s;
	int64_t rev, mod, compacted;
	json_t *kv, *ev;
	int r, deleted;

	if ((r = range(x, &kv, &rev, deadline)) == -1)
		return -1;
	if (r == 0)
		return fail(x, ENOENT, "%s", strerror(ENOENT));
	mod = ipc_etcd_int(kv, "mod_revision");
	/* -F: a version the last get did not write is the one, at once. */
	if (x->following && mod > x->seen) {
		ev = kv;
		goto got;
	}
	json_decref(kv);
	for (;;) {
		ev = ipc_etcd_watch(&x->e, x->key, NULL, rev + 1, deadline,
		    &deleted, &compacted);
		if (ev != NULL)
			break;
		if (errno != ESTALE)
			return fail(x, errno, NULL);
		if ((r = range(x, &kv, &rev, deadline)) == -1)
			return -1;
		if (r == 0)
			return fail(x, ENOENT, "deleted while waited on");
		if (ipc_etcd_int(kv, "mod_revision") != mod) {
			ev = kv;
			break;
		}
		json_decref(kv);
	}
	if (deleted) {
		json_decref(ev);
		return fail(x, ENOENT, "deleted while waited on");
	}
got:
	free(x->val);
	x->valrev = ipc_etcd_int(ev, "mod_revision");
	x->val = ipc_etcd_bytes(ev, "value", &x->vallen);
	json_decref(ev);
	if (x->val == NULL)
		return fail(x, ENOMEM, "%s", strerror(ENOMEM));
	x->have = 1;
	return 0;
}

/*
 * shm-get -F: a wait returns at once for a revision later than the one
 * the last get wrote, else watches from the revision it read, so that
 * no put between a get and the next wait is lost; puts that come faster
 * than the gets are one change, the latest read.
 */
static int
eshm_follow(struct ipc_shm *s)
{
	struct eshm *x = (struct eshm *)s;

	x->following = 1;
	x->seen = 0;
	return 0;
}

static int
eshm_size(struct ipc_shm *s, int64_t *size)
{
	struct eshm *x = (struct eshm *)s;
	unsigned char *v;
	json_t *kv;
	size_t n = 0;
	int r;

	if ((r = range(x, &kv, NULL, NULL)) == -1)
		return -1;
	if (r == 0)
		return fail(x, ENOENT, "%s", strerror(ENOENT));
	v = ipc_etcd_bytes(kv, "value", &n);
	json_decref(kv);
	free(v);
	*size = (int64_t)n;
	return 0;
}

/* The object's key and its time go in one revision. */
static int
eshm_unlink(const char *name, const struct ipc_tls_opts *tls, char *why,
    size_t len)
{
	struct ipc_etcd e;
	json_t *req, *ans;
	const char *bad;
	char *key, *tkey;
	int64_t n;

	if (ipc_etcd_init(&e, name, tls, why, len) == -1)
		return -1;
	if ((bad = ipc_tls_check(tls, e.url.tls, 0, "an etcds:// name", why,
	    len)) != NULL) {
		if (bad != why)
			snprintf(why, len, "%s", bad);
		ipc_etcd_free(&e);
		errno = EINVAL;
		return -1;
	}
	key = ipc_etcd_key(&e, "shm/", e.name);
	tkey = ipc_etcd_key(&e, "time/shm/", e.name);
	if (key == NULL || tkey == NULL) {
		free(key), free(tkey);
		ipc_etcd_free(&e);
		snprintf(why, len, "%s", strerror(ENOMEM));
		errno = ENOMEM;
		return -1;
	}
	req = json_pack("{s:[{s:{s:o}}, {s:{s:o}}]}", "success",
	    "request_delete_range", "key", ipc_etcd_b64(key, strlen(key)),
	    "request_delete_range", "key", ipc_etcd_b64(tkey, strlen(tkey)));
	free(key), free(tkey);
	if ((ans = ipc_etcd_call(&e, "kv/txn", req, NULL)) == NULL) {
		snprintf(why, len, "%s", e.why);
		n = errno;
		ipc_etcd_free(&e);
		errno = (int)n;
		return -1;
	}
	n = ipc_etcd_int(json_object_get(json_array_get(json_object_get(ans,
	    "responses"), 0), "response_delete_range"), "deleted");
	json_decref(ans);
	ipc_etcd_free(&e);
	if (n == 0) {
		snprintf(why, len, "%s", strerror(ENOENT));
		errno = ENOENT;
		return -1;
	}
	return 0;
}

static void
eshm_close(struct ipc_shm *s)
{
	struct eshm *x = (struct eshm *)s;

	ipc_etcd_free(&x->e);
	free(x->key);
	free(x->tkey);
	free(x->in);
	free(x->val);
	free(x);
}

/* The first bytes ipc-ls shows of a value. */
#define HEADLEN		64

/* A range's request in a transaction: of key, or [key, end). */
static json_t *
ranged(const char *key, const char *end)
{
	if (end == NULL)
		return json_pack("{s:{s:o}}", "request_range", "key",
		    ipc_etcd_b64(key, strlen(key)));
	return json_pack("{s:{s:o, s:o}}", "request_range", "key",
	    ipc_etcd_b64(key, strlen(key)), "range_end",
	    ipc_etcd_b64(end, strlen(end)));
}

/* The kvs of a transaction's nth range. */
static json_t *
kvs_of(json_t *ans, size_t nth)
{
	return json_object_get(json_object_get(json_array_get(
	    json_object_get(ans, "responses"), nth), "response_range"), "kvs");
}

/*
 * The time key's kv of the object whose key ends in s, among the time
 * keys' kvs (in the order of their keys: the objects' order), from *at
 * on; NULL: none.
 */
static json_t *
time_of(json_t *tkvs, size_t *at, size_t tplen, const char *s)
{
	unsigned char *k;
	json_t *kv;
	size_t klen;
	int c;

	for (; *at < json_array_size(tkvs); (*at)++) {
		kv = json_array_get(tkvs, *at);
		if ((k = ipc_etcd_bytes(kv, "key", &klen)) == NULL)
			return NULL;
		k[klen] = '\0';
		c = klen < tplen ? -1 : strcmp((char *)k + tplen, s);
		free(k);
		if (c == 0)
			return kv;
		if (c > 0)
			return NULL;
	}
	return NULL;
}

/*
 * The keys of NAME, or of every name under the prefix that NAME's glob
 * matches, with their times, in one transaction (one revision); the name
 * of each, as given but its last part.
 */
static int
eshm_list(const char *name, const struct ipc_tls_opts *tls,
    int (*cb)(void *, const struct ipc_shm_info *), void *arg, char *why,
    size_t len)
{
	struct ipc_shm_info info;
	struct ipc_etcd e;
	json_t *req, *ans, *kvs, *tkvs, *kv, *tkv;
	unsigned char *k, *v, *t;
	char *key = NULL, *end = NULL, *tkey = NULL, *tend = NULL;
	char *base = NULL, *sh = NULL, *raw = NULL;
	const char *s, *slash, *bad;
	size_t i, at = 0, klen, vlen, tlen, plen, tplen;
	int glob, n = 0, e0;

	if (ipc_etcd_init(&e, name, tls, why, len) == -1)
		return -1;
	if ((bad = ipc_tls_check(tls, e.url.tls, 0, "an etcds:// name", why,
	    len)) != NULL) {
		if (bad != why)
			snprintf(why, len, "%s", bad);
		ipc_etcd_free(&e);
		errno = EINVAL;
		return -1;
	}
	glob = strpbrk(e.name, "*?[") != NULL;
	if ((key = ipc_etcd_key(&e, "shm/", glob ? "" : e.name)) == NULL ||
	    (tkey = ipc_etcd_key(&e, "time/shm/", glob ? "" : e.name)) ==
	    NULL)
		goto nomem;
	plen = strlen(key);
	tplen = strlen(tkey);
	if (glob) {
		/* The range [prefix, prefix with its last byte + 1). */
		if ((end = strdup(key)) == NULL || (tend = strdup(tkey)) ==
		    NULL)
			goto nomem;
		end[plen - 1]++;
		tend[tplen - 1]++;
	} else
		tplen -= strlen(e.name);
	req = json_pack("{s:[o, o]}", "success", ranged(key, end),
	    ranged(tkey, tend));
	if (req == NULL)
		goto nomem;
	if ((ans = ipc_etcd_call(&e, "kv/txn", req, NULL)) == NULL) {
		e0 = errno;
		snprintf(why, len, "%s", e.why);
		goto fail;
	}
	/* The name as given, up to the '/' before NAME. */
	slash = strrchr(name, '/');
	if ((base = strndup(name, (size_t)(slash - name))) == NULL) {
		json_decref(ans);
		goto nomem;
	}
	kvs = kvs_of(ans, 0);
	tkvs = kvs_of(ans, 1);
	for (i = 0; i < json_array_size(kvs); i++) {
		kv = json_array_get(kvs, i);
		if ((k = ipc_etcd_bytes(kv, "key", &klen)) == NULL)
			break;
		k[klen] = '\0';
		s = (char *)k + plen - (glob ? 0 : strlen(e.name));
		if (klen < plen || strchr(s, '/') != NULL ||
		    (glob && fnmatch(e.name, s, 0) != 0)) {
			free(k);
			continue;
		}
		v = ipc_etcd_bytes(kv, "value", &vlen);
		if (asprintf(&raw, "%s/%s", base, s) == -1)
			raw = NULL;
		sh = raw != NULL ? ipc_url_shown(raw) : NULL;
		if (v == NULL || sh == NULL) {
			free(k), free(v), free(raw), free(sh);
			json_decref(ans);
			goto nomem;
		}
		info.name = sh;
		info.raw = raw;
		info.size = (int64_t)vlen;
		info.head = v;
		info.headlen = vlen < HEADLEN ? vlen : HEADLEN;
		info.revision = ipc_etcd_int(kv, "mod_revision");
		info.mtime = 0;
		/* Written with another value (etcdctl's): not its time. */
		if ((tkv = time_of(tkvs, &at, tplen, s)) != NULL &&
		    ipc_etcd_int(tkv, "mod_revision") == info.revision &&
		    (t = ipc_etcd_bytes(tkv, "value", &tlen)) != NULL) {
			t[tlen] = '\0';
			info.mtime = (time_t)strtoll((char *)t, NULL, 10);
			free(t);
		}
		n++;
		e0 = cb(arg, &info);
		free(k), free(v), free(raw), free(sh);
		if (e0 == -1)
			break;
	}
	json_decref(ans);
	free(key), free(end), free(tkey), free(tend), free(base);
	ipc_etcd_free(&e);
	return n;
nomem:
	e0 = ENOMEM;
	snprintf(why, len, "%s", strerror(ENOMEM));
fail:
	free(key), free(end), free(tkey), free(tend), free(base);
	ipc_etcd_free(&e);
	errno = e0;
	return -1;
}

const struct ipc_shm_backend ipc_shm_etcd = {
	.scheme = "etcd",
	.open = eshm_open,
	.load = eshm_load,
	.put = eshm_put,
	.update = eshm_update,
	.get = eshm_get,
	.wait = eshm_wait,
	.follow = eshm_follow,
	.size = eshm_size,
	.unlink = eshm_unlink,
	.close = eshm_close,
	.list = eshm_list,
};
