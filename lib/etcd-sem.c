/* etcd-sem.c: semaphores on etcd: a count, and a waiter key on a lease. */
#include "config.h"

#include <sys/prctl.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "etcd.h"
#include "exec.h"
#include "sem.h"

/*
 * Under PREFIXsem/NAME/: "count", the number of units there are, as
 * decimal text; "time", the seconds since the epoch when the count was
 * last written, written with it in one revision (ipc-ls's MTIME); and
 * "w/LEASE", one key per sem-wait, on its lease, holding "HOST PID
 * SINCE" (the seconds since the epoch when it came: ipc-ls --holders).  A
 * waiter holds a unit when its rank by create revision among the w/ keys
 * is below the count, both read in one transaction at one revision, so
 * waiters are served first come, first served and a newcomer never
 * passes one that holds.  The waiter's entry is one transaction: the
 * count made if need be, its key put, and that read; with the lease's
 * grant before and its revoke at the end (which deletes the key), three
 * requests when no one waits.  It waits by watching from the revision
 * after its read, so no change is missed: the first waiter the whole
 * semaphore, following the events without reading again (change()), the
 * others the key just ahead.  A unit taken without a command is
 * consumed: the count less
 * one and the key deleted, in one transaction guarded by the count's mod
 * revision and the key's create revision.  A unit held for a command
 * stays the key's, while sem-wait keeps the lease alive (every TTL/3);
 * the key's create revision is the fencing token.  The value, as POSIX
 * has it, is the count less the keys, or 0.
 */
#define DEFAULT_TTL	10	/* seconds */
#define MIN_TTL		2	/* etcd's minimum lease */

struct esem {
	struct ipc_sem	 s;
	struct ipc_etcd	 e;
	struct ipc_sem_conf conf;
	char		*dir;		/* PREFIXsem/NAME/ */
	char		*end;		/* PREFIXsem/NAME0: the range's end */
	char		*count;		/* .../count */
	char		*time;		/* .../time */
	time_t		 since;		/* when our key was first put */
	char		*wdir, *wend;	/* .../w/ and .../w0 */
	char		*mine;		/* .../w/LEASE */
	long		 ttl;		/* seconds */
	int64_t		 lease;		/* 0: none */
	long long	 token;		/* mine's create revision */
	char		 val[300];	/* mine's value: "HOST PID SINCE" */
	char		 stampv[64];	/* the time key's value in our last
					   write of the count: "SECONDS NONCE" */
	int		 pending;	/* the count not made yet (-e, -x) */
	int		 held;		/* mine is a unit, not consumed */
	int		 consumed;	/* a unit taken, count less one */
	/* The keeper: a thread that keeps the lease alive. */
	pthread_t	 keeper;
	int		 keeping;
	int		 stop[2];	/* to the keeper: 't' touch, 'q' end */
	int		 lost[2];	/* written by the keeper: lease lost */
	pid_t		 parent;	/* for the command's check */
	char		*rawname;	/* the name as given, for the keeper */
};

/* The semaphore's state, as one transaction read it. */
struct state {
	int64_t		 rev;		/* the store's revision of the read */
	long long	 count;
	int64_t		 countmod;	/* 0: no count key */
	size_t		 nkeys;
	long		 rank;		/* mine's, or -1: not there */
	char		 ahead[512];	/* the key just ahead of mine, or "" */
	char		**keys;		/* the nk keys ahead of mine, in turn;
					   NULL where one went since */
	long		 nk;
};

static void
state_free(struct state *st)
{
	long i;

	for (i = 0; st->keys != NULL && i < st->nk; i++)
		free(st->keys[i]);
	free(st->keys);
	st->keys = NULL;
}

/* The reason in our object's why[] (NULL: the client's), and -1. */
#define fail(x, err, ...) \
	ipc_etcd_fail(&(x)->e, (x)->s.why, sizeof((x)->s.why), (err), \
	    __VA_ARGS__)

static json_t *
b64(const char *s)
{
	return ipc_etcd_b64(s, strlen(s));
}

static json_t *
numstr(long long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", n);
	return json_string(buf);
}

static json_t *
txn(struct esem *x, json_t *req, const struct timespec *deadline)
{
	json_t *ans;

	if (req == NULL) {
		fail(x, ENOMEM, "%s", strerror(ENOMEM));
		return NULL;
	}
	if ((ans = ipc_etcd_call(&x->e, "kv/txn", req, deadline)) == NULL)
		fail(x, errno, NULL);
	return ans;
}

/* A count as the value of its key: decimal text, base64. */
static json_t *
countval(long long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", n);
	return ipc_etcd_b64(buf, strlen(buf));
}

/*
 * The put of the time key, for a transaction that writes the count: the
 * seconds, and a nonce by which a writer whose answer was lost, and whose
 * request was made again, tells whether the first one was done (done()).
 */
static json_t *
stamp(struct esem *x)
{
	ipc_etcd_stamp(x->stampv, sizeof(x->stampv));
	return json_pack("{s:{s:o, s:o}}", "request_put", "key",
	    b64(x->time), "value", b64(x->stampv));
}

/*
 * Was our write of the count done, the one whose answer did not come, or
 * came after it was made again and found the count changed?  If it was,
 * it is the first write of the count after rev (its compare let no one
 * else's in between), so the first change of the time key after rev holds
 * our nonce: 1 done, 0 not, -1 when etcd cannot tell (that revision
 * compacted away, etcd not answering).
 */
static int
done(struct esem *x, int64_t rev)
{
	struct timespec dl;
	json_t *ans, *kv;
	unsigned char *v;
	int64_t compacted;
	size_t n;
	int deleted, ours;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 2;
	/* The time key now: not written since rev, or ours last. */
	if ((ans = ipc_etcd_call(&x->e, "kv/range", json_pack("{s:o}", "key",
	    b64(x->time)), &dl)) == NULL)
		return -1;
	kv = json_array_get(json_object_get(ans, "kvs"), 0);
	if (kv == NULL || ipc_etcd_int(kv, "mod_revision") <= rev) {
		json_decref(ans);
		return 0;
	}
	json_incref(kv);
	json_decref(ans);
	/* Written since: by us, unless another's first change came. */
	for (ours = 0; ours == 0; ) {
		ours = -1;
		if ((v = ipc_etcd_bytes(kv, "value", &n)) != NULL) {
			ours = n == strlen(x->stampv) &&
			    memcmp(v, x->stampv, n) == 0;
			free(v);
		}
		json_decref(kv);
		if (ours != 0 || rev == -1)
			break;
		if ((kv = ipc_etcd_watch(&x->e, x->time, NULL, rev + 1, &dl,
		    &deleted, &compacted)) == NULL)
			return -1;
		if (deleted) {
			json_decref(kv);
			return 0;
		}
		rev = -1;	/* that first change is the verdict */
	}
	return ours;
}

/*
 * The count and the waiters, at one revision (st, zeroed or from an
 * earlier state()); with put, our key put on our lease first, in the same
 * transaction, and its create revision, the token, kept.  While the count
 * key is not made yet (pending), that transaction makes it too, as -e and
 * -x say: the waiter's whole entry is one request.
 */
static int
state(struct esem *x, struct state *st, const struct timespec *deadline,
    const char *put)
{
	const struct ipc_create *c = &x->conf.create;
	json_t *ans, *r, *kvs, *kv, *reads, *ops, *req, *mk, *resps;
	unsigned char *v;
	char **keys, *k;
	size_t i, n;

	state_free(st);
	reads = json_pack("[{s:{s:o}}, {s:{s:o, s:o, s:s, s:s, s:b}}]",
	    "request_range", "key", b64(x->count),
	    "request_range", "key", b64(x->wdir), "range_end", b64(x->wend),
	    "sort_target", "CREATE", "sort_order", "ASCEND", "keys_only", 1);
	if (put == NULL)
		req = json_pack("{s:o}", "success", reads);
	else if ((ops = json_pack("[{s:{s:o, s:o, s:o}}]", "request_put",
	    "key", b64(x->mine), "value", b64(put), "lease",
	    numstr(x->lease))) == NULL || reads == NULL ||
	    json_array_extend(ops, reads) == -1) {
		json_decref(reads);
		json_decref(ops);
		req = NULL;
	} else if (!x->pending) {
		json_decref(reads);
		req = json_pack("{s:o}", "success", ops);
	} else {
		/*
		 * The count made where there is none (not with -e); our key
		 * put where the count is there or made (not with -x when it
		 * was there); else no operation: ENOENT or EEXIST.
		 */
		json_decref(reads);
		mk = json_pack("[{s:{s:o, s:o}}, o]", "request_put", "key",
		    b64(x->count), "value", countval(x->conf.init), stamp(x));
		if (mk != NULL)
			json_array_extend(mk, ops);
		req = json_pack("{s:[{s:s, s:s, s:o, s:s}], s:o, s:o}",
		    "compare", "target", "CREATE", "result", "EQUAL", "key",
		    b64(x->count), "create_revision", "0",
		    "success", c->create ? mk : json_array(),
		    "failure", c->exclusive ? json_array() : json_incref(ops));
		if (!c->create)
			json_decref(mk);
		json_decref(ops);
	}
	if ((ans = txn(x, req, deadline)) == NULL)
		return -1;
	memset(st, 0, sizeof(*st));
	st->rank = -1;
	st->rev = ipc_etcd_int(json_object_get(ans, "header"), "revision");
	/*
	 * The two ranges are the branch's last two answers; a branch
	 * without them: no count made with -e (the compare held: there was
	 * none), or one there with -x.
	 */
	resps = json_object_get(ans, "responses");
	if ((n = json_array_size(resps)) < 2 ||
	    json_object_get(json_array_get(resps, n - 1), "response_range") ==
	    NULL) {
		i = json_is_true(json_object_get(ans, "succeeded"));
		json_decref(ans);
		return fail(x, i ? ENOENT : EEXIST, "%s",
		    strerror(i ? ENOENT : EEXIST));
	}
	if (put != NULL) {
		x->token = st->rev;
		x->pending = 0;
	}
	r = json_object_get(json_array_get(resps, n - 2), "response_range");
	kv = json_array_get(json_object_get(r, "kvs"), 0);
	if (kv != NULL) {
		st->countmod = ipc_etcd_int(kv, "mod_revision");
		if ((v = ipc_etcd_bytes(kv, "value", &n)) != NULL) {
			v[n] = '\0';
			st->count = strtoll((char *)v, NULL, 10);
			free(v);
		}
	}
	r = json_object_get(json_array_get(resps, json_array_size(resps) - 1),
	    "response_range");
	kvs = json_object_get(r, "kvs");
	st->nkeys = json_array_size(kvs);
	if (x->mine == NULL) {
		json_decref(ans);
		return 0;
	}
	if ((keys = calloc(st->nkeys + 1, sizeof(*keys))) == NULL) {
		json_decref(ans);
		return fail(x, ENOMEM, "%s", strerror(ENOMEM));
	}
	for (i = 0; i < st->nkeys; i++) {
		if ((k = (char *)ipc_etcd_bytes(json_array_get(kvs, i), "key",
		    &n)) == NULL)
			break;
		k[n] = '\0';
		if (strcmp(k, x->mine) == 0) {
			st->rank = (long)i;
			/*
			 * The token is its create revision: the entry's own
			 * revision only when that request was not made again
			 * after a first one that put the key.
			 */
			x->token = ipc_etcd_int(json_array_get(kvs, i),
			    "create_revision");
			free(k);
			break;
		}
		strlcpy(st->ahead, k, sizeof(st->ahead));
		keys[i] = k;
	}
	st->keys = keys;
	st->nk = (long)i;
	json_decref(ans);
	return 0;
}

static int
value_of(const struct state *st)
{
	return st->count > (long long)st->nkeys ?
	    (int)(st->count - (long long)st->nkeys) : 0;
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

static int
keys(struct esem *x)
{
	char *base;
	int r;

	/* The range of .../sem/NAME/ ends before .../sem/NAME0 ('/' + 1). */
	if ((base = ipc_etcd_key(&x->e, "sem/", x->e.name)) == NULL)
		return -1;
	r = asprintf(&x->dir, "%s/", base) == -1 ||
	    asprintf(&x->end, "%s0", base) == -1 ||
	    asprintf(&x->count, "%s/count", base) == -1 ||
	    asprintf(&x->time, "%s/time", base) == -1 ||
	    asprintf(&x->wdir, "%s/w/", base) == -1 ||
	    asprintf(&x->wend, "%s/w0", base) == -1 ? -1 : 0;
	free(base);
	return r;
}

/* Make the count key, as -x and -e say. */
static int
create(struct esem *x)
{
	const struct ipc_create *c = &x->conf.create;
	char buf[32];
	json_t *ans;
	int ok;

	snprintf(buf, sizeof(buf), "%u", x->conf.init);
	ans = txn(x, json_pack("{s:[{s:s, s:s, s:o, s:s}], s:[{s:{s:o, "
	    "s:o}}, o]}", "compare", "target", "CREATE", "result", "EQUAL",
	    "key", b64(x->count), "create_revision", "0", "success",
	    "request_put", "key", b64(x->count), "value",
	    ipc_etcd_b64(buf, strlen(buf)), stamp(x)), NULL);
	if (ans == NULL)
		return -1;
	ok = json_is_true(json_object_get(ans, "succeeded"));
	json_decref(ans);
	x->pending = 0;
	if (ok && !c->create) {
		/* -e: it was not there; take back what we made. */
		json_decref(ipc_etcd_call(&x->e, "kv/txn", json_pack(
		    "{s:[{s:{s:o}}, {s:{s:o}}]}", "success",
		    "request_delete_range", "key", b64(x->count),
		    "request_delete_range", "key", b64(x->time)), NULL));
		return fail(x, ENOENT, "%s", strerror(ENOENT));
	}
	if (!ok && c->exclusive)
		return fail(x, EEXIST, "%s", strerror(EEXIST));
	return 0;
}

static void	esem_close(struct ipc_sem *);

static struct ipc_sem *
esem_open(const char *name, const struct ipc_sem_conf *conf,
    const char **shownp, char *why, size_t len)
{
	struct esem *x;
	const char *bad;
	long ttl = DEFAULT_TTL;

	*shownp = shown(name);
	if (conf->create.modeset) {
		snprintf(why, len, "-m: etcd's semaphores have no mode "
		    "(etcd's roles say who may use them)");
		errno = EINVAL;
		return NULL;
	}
	if (conf->ttl.tv_sec != 0 || conf->ttl.tv_nsec != 0) {
		ttl = (long)conf->ttl.tv_sec + (conf->ttl.tv_nsec > 0);
		if (conf->ttl.tv_sec < MIN_TTL) {
			snprintf(why, len, "--ttl: at least %ds, etcd's "
			    "shortest lease", MIN_TTL);
			errno = EINVAL;
			return NULL;
		}
	}
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return NULL;
	}
	x->s.shown = *shownp;
	x->conf = *conf;
	x->ttl = ttl;
	x->stop[0] = x->stop[1] = x->lost[0] = x->lost[1] = -1;
	if (ipc_etcd_init(&x->e, name, &x->conf.tls, why, len) == -1) {
		free(x);
		return NULL;
	}
	if ((bad = ipc_tls_check(&x->conf.tls, x->e.url.tls, 0,
	    "an etcds:// name", why, len)) != NULL) {
		if (bad != why)
			snprintf(why, len, "%s", bad);
		esem_close(&x->s);
		errno = EINVAL;
		return NULL;
	}
	if ((x->rawname = strdup(name)) == NULL || keys(x) == -1) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		esem_close(&x->s);
		errno = ENOMEM;
		return NULL;
	}
	/* Made with the first use: sem-wait's in its waiter's entry. */
	x->pending = 1;
	return &x->s;
}

/* Now and ms more, as a deadline (CLOCK_REALTIME: ipc_deadline's). */
static void
later(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_REALTIME, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* What the keeper said on lost[] taken back: the lease was renewed. */
static void
unsay(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char c;

	while (poll(&pfd, 1, 0) == 1 && read(fd, &c, 1) == 1)
		continue;
}

/*
 * Put our key again, the same on the same lease, while it is the one we
 * put: its mod revision moves, which wakes the waiter behind, watching
 * it.  Not after it went: a removed semaphore stays removed.
 */
static int
touch(struct esem *x, struct ipc_etcd *e, const struct timespec *deadline)
{
	json_t *ans;

	ans = ipc_etcd_call(e, "kv/txn", json_pack("{s:[{s:s, s:s, s:o, "
	    "s:o}], s:[{s:{s:o, s:o, s:o}}]}", "compare", "target", "CREATE",
	    "result", "EQUAL", "key", b64(x->mine), "create_revision",
	    numstr(x->token), "success", "request_put", "key", b64(x->mine),
	    "value", b64(x->val), "lease", numstr(x->lease)), deadline);
	if (ans == NULL)
		return -1;
	json_decref(ans);
	return 0;
}

static long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/*
 * The keeper: keepalive every TTL/3; the lease lost, say so on lost[].
 * A lease not renewed for half its TTL counts as lost: etcd ends it no
 * sooner than a TTL after the last renewal reached it, so a command
 * ended now is gone before anybody else can have the unit (a SIGTERM it
 * ignores aside).  The keeper tries on until the TTL is over, for a
 * waiter, which holds no unit yet: renewed, the loss is taken back.
 * Asked ('t'), it touches our key: a waiter that got its unit tells the
 * one behind here, while its command starts, not before.
 */
static void *
keeper(void *arg)
{
	struct esem *x = arg;
	struct ipc_etcd e;
	struct pollfd pfd;
	struct timespec ok, sent, dl;
	json_t *ans;
	char why[256], cmd[16];
	long every = x->ttl * 1000 / 3, half = x->ttl * 1000 / 2, wait;
	ssize_t i, n;
	int64_t ttl;
	int touching = 0, tfailed = 0, keepfailed = 0, said = 0;

	/* A client of its own: the main thread's is in use meanwhile. */
	if (ipc_etcd_init(&e, x->rawname, x->e.tls, why, sizeof(why)) == -1)
		goto lost;
	e.nointr = 1;		/* the command's signals are not ours */
	clock_gettime(CLOCK_MONOTONIC, &ok);
	sent = ok;
	pfd.fd = x->stop[0];
	pfd.events = POLLIN;
	for (;;) {
		wait = (keepfailed ? 200 : every) - ms_since(&sent);
		if (touching)
			wait = tfailed ? 200 : 0;
		/* Awake at half the TTL since the last renewal, to say so. */
		if (!said && wait > half - ms_since(&ok))
			wait = half - ms_since(&ok);
		if ((n = poll(&pfd, 1, wait < 0 ? 0 : (int)wait)) == -1)
			break;
		if (n > 0) {
			if ((n = read(x->stop[0], cmd, sizeof(cmd))) <= 0)
				break;
			for (i = 0; i < n && cmd[i] != 'q'; i++)
				touching |= cmd[i] == 't';
			if (i < n)
				break;	/* stopped: the revoke wakes them */
		}
		if (ms_since(&ok) >= x->ttl * 1000)
			goto lostfree;
		if (!said && ms_since(&ok) >= half) {
			(void)!write(x->lost[1], "", 1);
			said = 1;
		}
		/* No call may outlast the next mark: half the TTL, or all. */
		later(&dl, (said ? x->ttl * 1000 : half) - ms_since(&ok));
		if (touching && (tfailed = touch(x, &e, &dl) == -1) == 0)
			touching = 0;
		if (ms_since(&sent) < (keepfailed ? 200 : every))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &sent);
		later(&dl, (said ? x->ttl * 1000 : half) - ms_since(&ok));
		ans = ipc_etcd_call(&e, "lease/keepalive", json_pack("{s:o}",
		    "ID", numstr(x->lease)), &dl);
		if (ans != NULL) {
			ttl = ipc_etcd_int(json_object_get(ans, "result"),
			    "TTL");
			json_decref(ans);
			if (ttl <= 0)
				goto lostfree;
			ok = sent;	/* etcd's TTL runs from no sooner */
			keepfailed = 0;
			if (said)
				unsay(x->lost[0]);
			said = 0;
			continue;
		}
		if (ms_since(&ok) >= x->ttl * 1000)
			goto lostfree;
		keepfailed = 1;	/* again soon: another host may answer */
	}
	ipc_etcd_free(&e);
	return NULL;
lostfree:
	ipc_etcd_free(&e);
lost:
	if (!said)
		(void)!write(x->lost[1], "", 1);
	return NULL;
}

/* A lease, and the keeper that keeps it; our key goes on it later. */
static int
enter(struct esem *x)
{
	sigset_t all, old;
	json_t *ans;
	int e;

	if ((ans = ipc_etcd_call(&x->e, "lease/grant", json_pack("{s:o}",
	    "TTL", numstr(x->ttl)), NULL)) == NULL)
		return fail(x, errno, NULL);
	x->lease = ipc_etcd_int(ans, "ID");
	json_decref(ans);
	if (x->lease == 0)
		return fail(x, EIO, "etcd granted no lease");
	if (pipe2(x->stop, O_CLOEXEC) == -1 || pipe2(x->lost, O_CLOEXEC) == -1)
		return fail(x, errno, "%s", strerror(errno));
	/* Signals are the main thread's, whose waits they end. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&x->keeper, NULL, keeper, x);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0)
		return fail(x, e, "%s", strerror(e));
	x->keeping = 1;
	if (asprintf(&x->mine, "%s%016" PRIx64, x->wdir, (uint64_t)x->lease)
	    == -1) {
		x->mine = NULL;
		return fail(x, ENOMEM, "%s", strerror(ENOMEM));
	}
	return 0;
}

/*
 * Our key and lease gone (the revoke deletes the key: one request), the
 * keeper stopped.  The revoke does not wait for the keeper: a touch or a
 * keepalive of its that comes after finds no lease and does nothing.
 */
static void
leave(struct esem *x)
{
	if (x->keeping)
		(void)!write(x->stop[1], "q", 1);
	if (x->lease != 0) {
		/* Even after a signal: the unit comes back now, not at TTL. */
		x->e.nointr = 1;
		json_decref(ipc_etcd_call(&x->e, "kv/lease/revoke",
		    json_pack("{s:o}", "ID", numstr(x->lease)), NULL));
	}
	if (x->keeping) {
		pthread_join(x->keeper, NULL);
		x->keeping = 0;
	}
	x->lease = 0;		/* the keeper's no more */
}

/*
 * Our write of the count, whose answer did not come, may still be on its
 * way: make sure it can no longer be done, by writing the count again as
 * it was (the same value), if it still is; then it was not done (0).  If
 * the count changed, the first change tells (done()): 1 ours, 0 not, -1
 * not known.
 */
static int
fence(struct esem *x, const struct state *st)
{
	struct timespec dl;
	json_t *req, *ans;
	char keep[sizeof(x->stampv)];
	int held;

	if (st->countmod == 0)
		return done(x, st->rev);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 2;
	memcpy(keep, x->stampv, sizeof(keep));
	req = json_pack("{s:[{s:s, s:s, s:o, s:o}], s:[{s:{s:o, s:o}}, o]}",
	    "compare", "target", "MOD", "result", "EQUAL", "key",
	    b64(x->count), "mod_revision", numstr(st->countmod),
	    "success", "request_put", "key", b64(x->count), "value",
	    countval(st->count), stamp(x));
	memcpy(x->stampv, keep, sizeof(keep));
	if (req == NULL || (ans = ipc_etcd_call(&x->e, "kv/txn", req, &dl)) ==
	    NULL)
		return -1;
	held = json_is_true(json_object_get(ans, "succeeded"));
	json_decref(ans);
	return held ? 0 : done(x, st->rev);
}

/*
 * Put the count n, if it is still as st read it: 1 done, 0 changed
 * meanwhile, -1 and why.  With del, our key goes in the same revision.
 */
static int
setcount(struct esem *x, const struct state *st, long long n, int del)
{
	json_t *req, *cmp, *ops, *ans;
	char why[sizeof(x->s.why)];
	unsigned int resent;
	int ok, err;

	if (st->countmod != 0)
		cmp = json_pack("[{s:s, s:s, s:o, s:o}]", "target", "MOD",
		    "result", "EQUAL", "key", b64(x->count), "mod_revision",
		    numstr(st->countmod));
	else
		cmp = json_pack("[{s:s, s:s, s:o, s:s}]", "target", "CREATE",
		    "result", "EQUAL", "key", b64(x->count), "create_revision",
		    "0");
	ops = json_pack("[{s:{s:o, s:o}}, o]", "request_put", "key",
	    b64(x->count), "value", countval(n), stamp(x));
	if (del && cmp != NULL && ops != NULL) {
		json_array_append_new(cmp, json_pack("{s:s, s:s, s:o, s:o}",
		    "target", "CREATE", "result", "EQUAL", "key", b64(x->mine),
		    "create_revision", numstr(x->token)));
		json_array_append_new(ops, json_pack("{s:{s:o}}",
		    "request_delete_range", "key", b64(x->mine)));
	}
	req = json_pack("{s:o, s:o}", "compare", cmp, "success", ops);
	resent = x->e.resent;
	if ((ans = txn(x, req, NULL)) == NULL) {
		/* No answer: it may have been done all the same. */
		if (errno != ECONNREFUSED && errno != ETIMEDOUT)
			return -1;
		err = errno;
		snprintf(why, sizeof(why), "%s", x->s.why);
		if ((ok = fence(x, st)) == 1)
			return 1;
		if (ok == -1)
			fail(x, err, "%s; whether the change was made is not "
			    "known", why);
		else
			fail(x, err, "%s", why);
		return -1;
	}
	ok = json_is_true(json_object_get(ans, "succeeded"));
	json_decref(ans);
	/* Made again: the first may have been done, and changed the count. */
	if (!ok && x->e.resent != resent && done(x, st->rev) == 1)
		ok = 1;
	return ok;
}

/* The first waiter's view of the semaphore, kept from the events. */
struct view {
	struct esem	*x;
	struct state	*st;
	long		 left;		/* keys still ahead */
	long		 behind;	/* keys behind */
	int		 verdict;	/* 1: ours now; -1: read again */
};

/*
 * One revision's events, on the first waiter's view: the unit is ours
 * when fewer keys than the count are still ahead.  Keys that come are
 * behind (a create revision is larger than every one before), and a
 * touch changes nothing; what the view cannot follow (our key or the
 * count gone) makes it read again.
 */
static int
seen(void *arg, const json_t *events)
{
	struct view *w = arg;
	struct esem *x = w->x;
	struct state *st = w->st;
	const json_t *ev, *kv;
	const char *type;
	unsigned char *v, *k;
	size_t i, n, wlen = strlen(x->wdir);
	long j;
	int del;

	for (i = 0; i < json_array_size(events) && w->verdict == 0; i++) {
		ev = json_array_get(events, i);
		kv = json_object_get(ev, "kv");
		type = json_string_value(json_object_get(ev, "type"));
		del = type != NULL && strcmp(type, "DELETE") == 0;
		if ((k = ipc_etcd_bytes(kv, "key", &n)) == NULL) {
			w->verdict = -1;
			break;
		}
		k[n] = '\0';
		if (ipc_etcd_int(kv, "mod_revision") > st->rev)
			st->rev = ipc_etcd_int(kv, "mod_revision");
		if (strcmp((char *)k, x->mine) == 0) {
			if (del)
				w->verdict = -1;
		} else if (strcmp((char *)k, x->count) == 0) {
			if (del || (v = ipc_etcd_bytes(kv, "value", &n)) ==
			    NULL)
				w->verdict = -1;
			else {
				v[n] = '\0';
				st->count = strtoll((char *)v, NULL, 10);
				st->countmod = ipc_etcd_int(kv, "mod_revision");
				free(v);
			}
		} else if (strncmp((char *)k, x->wdir, wlen) == 0) {
			for (j = 0; j < st->nk; j++)
				if (st->keys[j] != NULL &&
				    strcmp(st->keys[j], (char *)k) == 0)
					break;
			if (j < st->nk) {
				if (del) {
					free(st->keys[j]);
					st->keys[j] = NULL;
					w->left--;
				}
			} else if (del) {
				if (w->behind > 0)
					w->behind--;
			} else if (ipc_etcd_int(kv, "version") == 1)
				w->behind++;
		}
		free(k);
	}
	if (w->verdict == 0 && w->left < st->count)
		w->verdict = 1;
	return w->verdict;
}

/*
 * Wait for a change after the read st: 1 when the unit is ours then (st
 * says how things stand), 0 to read again, -1 and why.  The first waiter
 * watches the semaphore's keys, which a holder's leaving or a post
 * changes, and follows them without reading again; the others watch the
 * key just ahead, so that a release wakes one waiter, not all.  The key
 * ahead changes when it goes (a waiter gives up, a unit is consumed) and
 * when its waiter gets its unit, which touches it (the keeper's touch()).
 */
static int
change(struct esem *x, struct state *st, const struct timespec *deadline)
{
	struct view w = { x, st, st->rank, 0, 0 };
	int64_t compacted;
	json_t *ev;
	int deleted;

	w.behind = (long)st->nkeys - st->rank - 1;
	if (st->rank == st->count) {
		if (ipc_etcd_watch_each(&x->e, x->dir, x->end, st->rev + 1,
		    deadline, seen, &w, &compacted) == -1) {
			if (errno == ESTALE)
				return 0;	/* compacted: read again */
			return fail(x, errno, NULL);
		}
		if (w.verdict != 1)
			return 0;
		st->rank = w.left;
		st->nkeys = (size_t)(w.left + 1 + w.behind);
		return 1;
	}
	if ((ev = ipc_etcd_watch(&x->e, st->ahead, NULL, st->rev + 1,
	    deadline, &deleted, &compacted)) == NULL && errno != ESTALE)
		return fail(x, errno, NULL);
	json_decref(ev);
	return 0;		/* compacted too: read again */
}

/* What our key holds: "HOST PID SINCE", the same each time it is put. */
static void
record(struct esem *x, char *val, size_t len)
{
	char host[256];

	if (gethostname(host, sizeof(host)) == -1)
		strlcpy(host, "?", sizeof(host));
	host[strcspn(host, " ")] = '\0';
	if (x->since == 0)
		x->since = time(NULL);
	snprintf(val, len, "%s %ld %lld", host, (long)getpid(),
	    (long long)x->since);
}

static int
esem_take(struct ipc_sem *s, const struct timespec *timeout)
{
	struct esem *x = (struct esem *)s;
	struct timespec abs, *deadline;
	struct state st;
	const char *put;
	int r, e, waited = 0;

	memset(&st, 0, sizeof(st));
	deadline = ipc_deadline(timeout, &abs);
	if (enter(x) == -1)
		goto out;
	x->since = 0;
	record(x, x->val, sizeof(x->val));
	for (put = x->val;; put = NULL) {
		if (state(x, &st, NULL, put) == -1)
			goto out;
		if (st.rank == -1) {
			fail(x, EIO, "the wait was lost: its key is gone "
			    "(its lease ended, or the semaphore was removed)");
			goto out;
		}
		if (st.rank < st.count)
			break;
		if (timeout != NULL && timeout->tv_sec == 0 &&
		    timeout->tv_nsec == 0) {
			fail(x, EAGAIN, "%s", strerror(EAGAIN));
			goto out;
		}
		waited = 1;
		if ((r = change(x, &st, deadline)) == -1)
			goto out;
		if (r == 1)
			break;
	}
	if (x->conf.hold) {
		/*
		 * The waiter behind, watching our key, reads again when the
		 * keeper touches it, while the command starts.  A consumed
		 * unit's key goes, which wakes it as well.
		 */
		if (waited && st.nkeys > (size_t)st.rank + 1)
			(void)!write(x->stop[1], "t", 1);
		state_free(&st);
		x->held = 1;
		return 0;
	}
	while ((r = setcount(x, &st, st.count - 1, 1)) == 0) {
		if (state(x, &st, NULL, NULL) == -1)
			goto out;
		if (st.rank == -1) {
			fail(x, EIO, "the unit was lost: its key is gone "
			    "(its lease ended, or the semaphore was removed)");
			goto out;
		}
	}
	if (r == -1)
		goto out;
	state_free(&st);
	x->consumed = 1;
	leave(x);
	return 0;
out:
	e = errno;
	state_free(&st);
	leave(x);
	errno = e;
	return -1;
}

static int
esem_post(struct ipc_sem *s, unsigned int n, const struct timespec *timeout,
    int *value)
{
	struct esem *x = (struct esem *)s;

	(void)timeout;		/* no lock to wait for: a transaction */
	struct state st;
	int r;

	memset(&st, 0, sizeof(st));
	if (x->pending && create(x) == -1)
		return -1;
	do {
		if (state(x, &st, NULL, NULL) == -1)
			return -1;
		*value = value_of(&st);
		if (x->conf.max >= 0 && (long long)*value + n > x->conf.max)
			r = fail(x, EAGAIN, "%s", strerror(EAGAIN));
		else if (st.count + n > IPC_SEM_VALUE_MAX)
			r = fail(x, EOVERFLOW, "%s", strerror(EOVERFLOW));
		else
			r = setcount(x, &st, st.count + n, 0);
	} while (r == 0);
	state_free(&st);
	if (r == -1)
		return -1;
	st.count += n;
	*value = value_of(&st);
	return 0;
}

static int
esem_value(struct ipc_sem *s, int *value)
{
	struct esem *x = (struct esem *)s;
	struct state st;

	memset(&st, 0, sizeof(st));
	if ((x->pending && create(x) == -1) ||
	    state(x, &st, NULL, NULL) == -1)
		return -1;
	state_free(&st);
	*value = value_of(&st);
	return 0;
}

/* The unit is our key's already, on a lease we keep. */
static int
esem_hold(struct ipc_sem *s)
{
	struct esem *x = (struct esem *)s;

	x->parent = getpid();
	return 0;
}

/*
 * In the command's process (vfork), before its exec: it dies with
 * sem-wait, so that it never runs on while the lease runs out.  A
 * sem-wait killed before the prctl is seen by the check after it.
 */
static void
esem_child(struct ipc_sem *s, pid_t pid)
{
	struct esem *x = (struct esem *)s;

	(void)pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != x->parent)
		_exit(IPC_CMD_FAILED);
}

static int
esem_release(struct ipc_sem *s)
{
	struct esem *x = (struct esem *)s;
	int value;

	if (x->held) {
		x->held = 0;
		leave(x);
		return 0;
	}
	if (x->consumed) {
		x->consumed = 0;
		return esem_post(s, 1, NULL, &value);
	}
	leave(x);
	return 0;
}

static int
esem_lostfd(struct ipc_sem *s)
{
	return ((struct esem *)s)->lost[0];
}

static long long
esem_token(struct ipc_sem *s)
{
	return ((struct esem *)s)->token;
}

/*
 * gcc 12's -fanalyzer says "leak of '<unknown>'" where esem_peek and
 * esem_unlink (and the lists) get NULL from bare(): it loses track of what
 * ipc_etcd_init allocates, which that frees on each of its failures
 * (ipc_url_free, ipc_etcd_free).  Silenced for these functions.
 */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif

/* A semaphore by name, without making it, for ipc-ls and ipc-rm. */
static struct esem *
bare(const char *name, const struct ipc_tls_opts *tls, char *why, size_t len)
{
	const char *bad;

	struct esem *x;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return NULL;
	}
	x->stop[0] = x->stop[1] = x->lost[0] = x->lost[1] = -1;
	if (tls != NULL)
		x->conf.tls = *tls;
	if (ipc_etcd_init(&x->e, name, &x->conf.tls, why, len) == -1) {
		free(x);
		return NULL;
	}
	if ((bad = ipc_tls_check(&x->conf.tls, x->e.url.tls, 0,
	    "an etcds:// name", why, len)) != NULL) {
		if (bad != why)
			snprintf(why, len, "%s", bad);
		esem_close(&x->s);
		errno = EINVAL;
		return NULL;
	}
	if (keys(x) == -1) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		esem_close(&x->s);
		errno = ENOMEM;
		return NULL;
	}
	return x;
}

static int
esem_peek(const char *name, const struct ipc_tls_opts *tls, int *value,
    char *why, size_t len)
{
	struct esem *x;
	struct state st;
	int e;

	if ((x = bare(name, tls, why, len)) == NULL)
		return -1;
	memset(&st, 0, sizeof(st));
	if (state(x, &st, NULL, NULL) == -1 || (st.countmod == 0 &&
	    fail(x, ENOENT, "%s", strerror(ENOENT)) == -1)) {
		e = errno;
		state_free(&st);
		snprintf(why, len, "%s", x->s.why);
		esem_close(&x->s);
		errno = e;
		return -1;
	}
	state_free(&st);
	*value = value_of(&st);
	esem_close(&x->s);
	return 0;
}

/*
 * Every key of the semaphore goes: its count and the waiters' keys.  A
 * waiter sees its key gone and fails; a command that holds a unit runs
 * on to its end (its lease stays until then).
 */
static int
esem_unlink(const char *name, const struct ipc_tls_opts *tls, char *why,
    size_t len)
{
	struct esem *x;
	json_t *ans;
	int64_t n;
	int e;

	if ((x = bare(name, tls, why, len)) == NULL)
		return -1;
	if ((ans = ipc_etcd_call(&x->e, "kv/deleterange", json_pack(
	    "{s:o, s:o}", "key", b64(x->dir), "range_end", b64(x->end)),
	    NULL)) == NULL) {
		e = errno;
		snprintf(why, len, "%s", x->e.why);
		esem_close(&x->s);
		errno = e;
		return -1;
	}
	n = ipc_etcd_int(ans, "deleted");
	json_decref(ans);
	esem_close(&x->s);
	if (n == 0) {
		snprintf(why, len, "%s", strerror(ENOENT));
		errno = ENOENT;
		return -1;
	}
	return 0;
}
/* The count a count key's kv holds (absent: 0). */
static long long
count_of(const json_t *kv)
{
	unsigned char *v;
	long long c = 0;
	size_t n;

	if (kv != NULL && (v = ipc_etcd_bytes(kv, "value", &n)) != NULL) {
		v[n] = '\0';
		c = strtoll((char *)v, NULL, 10);
		free(v);
	}
	return c;
}

/* The seconds a lease has left: 0 and *ttl (-1: it ended), or -1. */
static int
lease_left(struct esem *x, long long lease, long long *ttl)
{
	json_t *ans;

	if ((ans = ipc_etcd_call(&x->e, "kv/lease/timetolive",
	    json_pack("{s:o}", "ID", numstr(lease)), NULL)) == NULL)
		return fail(x, errno, NULL);
	*ttl = ipc_etcd_int(ans, "TTL");
	json_decref(ans);
	return 0;
}

/*
 * The waiters' keys in their order, at one revision: each holds a unit
 * while its rank is below the count, and waits after that; with what its
 * key records ("HOST PID SINCE", older keys "HOST PID") and what its
 * lease has left.
 */
static int
esem_holders(const char *name, const struct ipc_tls_opts *tls,
    struct ipc_sem_holder **v, size_t *n, char *why, size_t len)
{
	struct ipc_sem_holder *h = NULL;
	struct esem *x;
	json_t *ans, *rs, *kvs, *kv;
	unsigned char *val;
	long long count, since, pid;
	size_t i, nk, vl;
	int e, got;

	*v = NULL;
	*n = 0;
	if ((x = bare(name, tls, why, len)) == NULL)
		return -1;
	ans = txn(x, json_pack("{s:[{s:{s:o}}, {s:{s:o, s:o, s:s, s:s}}]}",
	    "success", "request_range", "key", b64(x->count),
	    "request_range", "key", b64(x->wdir), "range_end", b64(x->wend),
	    "sort_target", "CREATE", "sort_order", "ASCEND"), NULL);
	if (ans == NULL)
		goto fail;
	rs = json_object_get(ans, "responses");
	kv = json_array_get(json_object_get(json_object_get(json_array_get(rs,
	    0), "response_range"), "kvs"), 0);
	if (kv == NULL) {
		json_decref(ans);
		fail(x, ENOENT, "%s", strerror(ENOENT));
		goto fail;
	}
	count = count_of(kv);
	kvs = json_object_get(json_object_get(json_array_get(rs, 1),
	    "response_range"), "kvs");
	nk = json_array_size(kvs);
	if ((h = calloc(nk > 0 ? nk : 1, sizeof(*h))) == NULL) {
		json_decref(ans);
		fail(x, ENOMEM, "%s", strerror(ENOMEM));
		goto fail;
	}
	for (i = 0; i < nk; i++) {
		kv = json_array_get(kvs, i);
		h[i].token = ipc_etcd_int(kv, "create_revision");
		h[i].lease = ipc_etcd_int(kv, "lease");
		h[i].state = (long long)i < count ? IPC_HOLDER_HOLDS :
		    IPC_HOLDER_WAITS;
		h[i].ttl = -1;
		if ((val = ipc_etcd_bytes(kv, "value", &vl)) != NULL) {
			val[vl] = '\0';
			since = 0;
			got = sscanf((char *)val, "%255s %lld %lld", h[i].host,
			    &pid, &since);
			if (got >= 2 && pid > 0 && pid <= INT_MAX)
				h[i].pid = (pid_t)pid;
			if (got == 3 && since > 0)
				h[i].since = (time_t)since;
			free(val);
		}
		if (h[i].lease != 0 &&
		    lease_left(x, h[i].lease, &h[i].ttl) == -1) {
			json_decref(ans);
			goto fail;
		}
	}
	json_decref(ans);
	esem_close(&x->s);
	*v = h;
	*n = nk;
	return 0;
fail:
	e = errno;
	free(h);
	snprintf(why, len, "%s", x->s.why);
	esem_close(&x->s);
	errno = e;
	return -1;
}

/* One semaphore as esem_list gathers its keys. */
struct gathered {
	char		*name;		/* NAME, or NULL: none yet */
	int		 have;		/* its count key was there */
	long long	 count;
	int64_t		 countmod;
	long long	 t;		/* the time key's */
	int64_t		 tmod;
	long		 nkeys;
};

/* The semaphore gathered to the callback: its return, and *n counted. */
static int
gathered(struct gathered *g, const char *base, const char *pattern,
    int (*cb)(void *, const struct ipc_sem_info *), void *arg, int *n)
{
	struct ipc_sem_info info;
	char *raw = NULL, *sh = NULL;
	int r = 0;

	if (g->name == NULL || !g->have ||
	    (pattern != NULL && fnmatch(pattern, g->name, 0) != 0))
		goto out;
	if (asprintf(&raw, "%s/%s", base, g->name) == -1) {
		raw = NULL;
		r = -2;
		goto out;
	}
	if ((sh = ipc_url_shown(raw)) == NULL) {
		r = -2;
		goto out;
	}
	info.name = sh;
	info.raw = raw;
	info.value = g->count > g->nkeys ? (int)(g->count - g->nkeys) : 0;
	info.holders = g->count < g->nkeys ? (long)g->count : g->nkeys;
	info.waiters = g->nkeys - info.holders;
	info.revision = g->countmod;
	/* A time written with another count (etcdctl's) is no longer its. */
	info.mtime = g->tmod == g->countmod ? (time_t)g->t : 0;
	(*n)++;
	r = cb(arg, &info);
out:
	free(raw), free(sh), free(g->name);
	memset(g, 0, sizeof(*g));
	return r;
}

/*
 * The semaphores of NAME, or of every name under the prefix that NAME's
 * glob matches: the keys of each, read in one range at one revision.
 */
static int
esem_list(const char *name, const struct ipc_tls_opts *tls,
    int (*cb)(void *, const struct ipc_sem_info *), void *arg, char *why,
    size_t len)
{
	struct gathered g;
	struct esem *x;
	json_t *ans, *kvs, *kv;
	unsigned char *k;
	char *from = NULL, *to = NULL, *base = NULL, *part;
	const char *pattern, *slash;
	size_t i, klen, plen;
	int n = 0, r = 0, e;

	memset(&g, 0, sizeof(g));
	if ((x = bare(name, tls, why, len)) == NULL)
		return -1;
	pattern = strpbrk(x->e.name, "*?[") != NULL ? x->e.name : NULL;
	if ((from = ipc_etcd_key(&x->e, "sem/", "")) == NULL ||
	    (to = strdup(from)) == NULL ||
	    (slash = strrchr(name, '/')) == NULL ||
	    (base = strndup(name, (size_t)(slash - name))) == NULL) {
		fail(x, ENOMEM, "%s", strerror(ENOMEM));
		goto fail;
	}
	plen = strlen(from);
	to[plen - 1]++;		/* PREFIXsem0 ends PREFIXsem/'s range */
	ans = ipc_etcd_call(&x->e, "kv/range", json_pack("{s:o, s:o}", "key",
	    pattern != NULL ? b64(from) : b64(x->dir), "range_end",
	    pattern != NULL ? b64(to) : b64(x->end)), NULL);
	if (ans == NULL) {
		fail(x, errno, NULL);
		goto fail;
	}
	kvs = json_object_get(ans, "kvs");
	for (i = 0; r == 0 && i < json_array_size(kvs); i++) {
		kv = json_array_get(kvs, i);
		if ((k = ipc_etcd_bytes(kv, "key", &klen)) == NULL)
			break;
		k[klen] = '\0';
		if (klen <= plen || (part = strchr((char *)k + plen, '/')) ==
		    NULL) {
			free(k);
			continue;
		}
		*part++ = '\0';
		if (g.name != NULL && strcmp(g.name, (char *)k + plen) != 0)
			r = gathered(&g, base, pattern, cb, arg, &n);
		if (g.name == NULL && r == 0 &&
		    (g.name = strdup((char *)k + plen)) == NULL)
			r = -2;
		if (strcmp(part, "count") == 0) {
			g.have = 1;
			g.count = count_of(kv);
			g.countmod = ipc_etcd_int(kv, "mod_revision");
		} else if (strcmp(part, "time") == 0) {
			g.t = count_of(kv);
			g.tmod = ipc_etcd_int(kv, "mod_revision");
		} else if (strncmp(part, "w/", 2) == 0)
			g.nkeys++;
		free(k);
	}
	if (r == 0)
		r = gathered(&g, base, pattern, cb, arg, &n);
	e = errno;
	free(g.name);
	json_decref(ans);
	if (r == -2) {
		fail(x, ENOMEM, "%s", strerror(ENOMEM));
		goto fail;
	}
	free(from), free(to), free(base);
	esem_close(&x->s);
	/* The callback's failure, whose reason is its own (ipc-ls's). */
	if (r == -1) {
		errno = e;
		return -1;
	}
	return n;
fail:
	e = errno;
	snprintf(why, len, "%s", x->s.why);
	free(from), free(to), free(base);
	esem_close(&x->s);
	errno = e;
	return -1;
}
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#pragma GCC diagnostic pop
#endif

static void
esem_close(struct ipc_sem *s)
{
	struct esem *x = (struct esem *)s;
	int i;

	leave(x);
	for (i = 0; i < 2; i++) {
		if (x->stop[i] != -1)
			close(x->stop[i]);
		if (x->lost[i] != -1)
			close(x->lost[i]);
	}
	ipc_etcd_free(&x->e);
	free(x->dir), free(x->end), free(x->count), free(x->time);
	free(x->wdir);
	free(x->wend), free(x->mine), free(x->rawname);
	free(x);
}

const struct ipc_sem_backend ipc_sem_etcd = {
	.scheme = "etcd",
	.open = esem_open,
	.take = esem_take,
	.post = esem_post,
	.value = esem_value,
	.hold = esem_hold,
	.child = esem_child,
	.release = esem_release,
	.lostfd = esem_lostfd,
	.token = esem_token,
	.peek = esem_peek,
	.unlink = esem_unlink,
	.holders = esem_holders,
	.list = esem_list,
	.close = esem_close,
};
