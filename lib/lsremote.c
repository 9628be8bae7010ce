/* lsremote.c: ipc-ls's rows of the objects of backends (names with a scheme). */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define LIBBSD_OPENBSD_VIS	/* strvis(3) alone, as everywhere */
#include <vis.h>

#include "ipcutils.h"
#include "json.h"
#include "lsremote.h"
#include "queue.h"
#include "sem.h"
#include "shm.h"

/* The table's columns; in JSON, each object has those of its type. */
enum { R_TYPE, R_NAME, R_SIZE, R_VALUE, R_HOLDERS, R_WAITERS, R_MTIME,
	R_REVISION, NRCOLUMNS };
static const struct {
	const char	*header, *key;
	int		 number;
} rcolumns[NRCOLUMNS] = {
	{ "TYPE",	"type",		0 },
	{ "NAME",	"name",		0 },
	{ "SIZE",	"size",		1 },
	{ "VALUE",	"value",	0 },
	{ "HOLDERS",	"holders",	1 },
	{ "WAITERS",	"waiters",	1 },
	{ "MTIME",	"mtime",	0 },
	{ "REVISION",	"revision",	1 },
};

/* --holders: a row per waiter's key, in line, the holders first. */
enum { H_NAME, H_HOST, H_PID, H_TOKEN, H_LEASE, H_TTL, H_SINCE, H_STATE,
	NHCOLUMNS };
static const struct {
	const char	*header, *key;
	int		 number;
} hcolumns[NHCOLUMNS] = {
	{ "NAME",	"name",		0 },
	{ "HOST",	"host",		0 },
	{ "PID",	"pid",		1 },
	{ "TOKEN",	"token",	1 },
	{ "LEASE",	"lease",	0 },
	{ "TTL",	"ttl",		1 },
	{ "SINCE",	"since",	0 },
	{ "STATE",	"state",	0 },
};

/* The first bytes of a value that the table shows. */
#define SHOWN		20

#define JSON_NAME_MAX	IPC_JSON_MAX(4 * IPC_NAMEBUF)

const char *
ipc_iso8601(const struct tm *tm, char *buf, size_t len)
{
	size_t n;

	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", tm);
	if (n < 5)
		return NULL;
	/* +0900 to +09:00 */
	memmove(buf + n - 1, buf + n - 2, 3);
	buf[n - 2] = ':';
	return buf;
}

/* A time as the listing shows it, in buf; NULL: unknown. */
static const char *
when(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t <= 0 || localtime_r(&t, &tm) == NULL)
		return NULL;
	return ipc_iso8601(&tm, buf, len);
}

void
ipc_lsr_init(struct ipc_lsr *l, unsigned int kinds, int holders,
    const struct ipc_tls_opts *tls)
{
	int c;

	memset(l, 0, sizeof(*l));
	l->kinds = kinds;
	l->holders = holders;
	l->tls = tls;
	if (holders) {
		l->g.ncols = NHCOLUMNS;
		for (c = 0; c < NHCOLUMNS; c++) {
			l->g.heads[c] = hcolumns[c].header;
			l->g.keys[c] = hcolumns[c].key;
			l->g.number[c] = hcolumns[c].number;
		}
	} else {
		l->g.ncols = NRCOLUMNS;
		for (c = 0; c < NRCOLUMNS; c++) {
			l->g.heads[c] = rcolumns[c].header;
			l->g.keys[c] = rcolumns[c].key;
			l->g.number[c] = rcolumns[c].number;
		}
	}
}

/* Text at the end of the JSON objects. */
static void __attribute__((format(printf, 2, 3)))
jadd(struct ipc_lsr *l, const char *fmt, ...)
{
	va_list ap;
	char *s, *n;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (len == -1 || (n = realloc(l->json, l->jlen + (size_t)len + 1)) ==
	    NULL)
		err(IPC_ERROR, NULL);
	memcpy(n + l->jlen, s, (size_t)len + 1);
	l->json = n;
	l->jlen += (size_t)len;
	free(s);
}

/* A JSON string of bytes (NULL where they are not UTF-8), appended. */
static void
jstring(struct ipc_lsr *l, const void *s, size_t n, int latin1)
{
	size_t len;
	char *j;

	if ((j = malloc(IPC_JSON_MAX(n))) == NULL)
		err(IPC_ERROR, NULL);
	if ((len = ipc_json_string(j, s, n, latin1)) > 0)
		jadd(l, "%.*s", (int)len, j);
	else
		jadd(l, "null");
	free(j);
}

static void
jtime(struct ipc_lsr *l, time_t t)
{
	char buf[64];

	if (when(t, buf, sizeof(buf)) != NULL)
		jadd(l, "\"%s\"", buf);
	else
		jadd(l, "null");
}

static void
cell_num(struct ipc_grid *g, size_t row, int col, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	ipc_xgrid_set(g, row, col, buf);
}

/* A row for the table, and an object for JSON. */
static int
add_shm(void *arg, const struct ipc_shm_info *o)
{
	struct ipc_lsr *l = arg;
	char vis[4 * SHOWN + 1], buf[64];
	size_t row;

	if (!(l->kinds & (1U << IPC_SHM)))
		return 0;
	l->found++;
	row = ipc_xgrid_add(&l->g);
	ipc_xgrid_set(&l->g, row, R_TYPE, "shm");
	ipc_xgrid_set(&l->g, row, R_NAME, ipc_shown(o->name));
	cell_num(&l->g, row, R_SIZE, (long long)o->size);
	strvisx(vis, (const char *)o->head, o->headlen < SHOWN ? o->headlen :
	    SHOWN, VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_OCTAL);
	ipc_xgrid_set(&l->g, row, R_VALUE, vis);
	if (when(o->mtime, buf, sizeof(buf)) != NULL)
		ipc_xgrid_set(&l->g, row, R_MTIME, buf);
	if (o->revision > 0)
		cell_num(&l->g, row, R_REVISION, (long long)o->revision);

	jadd(l, ",{\"type\":\"shm\",\"name\":");
	jstring(l, o->name, strlen(o->name), 1);
	jadd(l, ",\"size\":%lld,\"value\":", (long long)o->size);
	jstring(l, o->head, o->headlen, 0);
	jadd(l, ",\"mtime\":");
	jtime(l, o->mtime);
	jadd(l, ",\"revision\":%lld}", (long long)o->revision);
	return 0;
}

static int
add_sem(void *arg, const struct ipc_sem_info *o)
{
	struct ipc_lsr *l = arg;
	char buf[64];
	size_t row;

	if (!(l->kinds & (1U << IPC_SEM)))
		return 0;
	l->found++;
	row = ipc_xgrid_add(&l->g);
	ipc_xgrid_set(&l->g, row, R_TYPE, "sem");
	ipc_xgrid_set(&l->g, row, R_NAME, ipc_shown(o->name));
	cell_num(&l->g, row, R_VALUE, o->value);
	cell_num(&l->g, row, R_HOLDERS, o->holders);
	cell_num(&l->g, row, R_WAITERS, o->waiters);
	if (when(o->mtime, buf, sizeof(buf)) != NULL)
		ipc_xgrid_set(&l->g, row, R_MTIME, buf);
	if (o->revision > 0)
		cell_num(&l->g, row, R_REVISION, o->revision);

	jadd(l, ",{\"type\":\"sem\",\"name\":");
	jstring(l, o->name, strlen(o->name), 1);
	jadd(l, ",\"value\":%d,\"holders\":%ld,\"waiters\":%ld,\"mtime\":",
	    o->value, o->holders, o->waiters);
	jtime(l, o->mtime);
	jadd(l, ",\"revision\":%lld}", o->revision);
	return 0;
}

/* The holders of one semaphore that the list found, a row each. */
static int
add_holders(void *arg, const struct ipc_sem_info *o)
{
	struct ipc_lsr *l = arg;
	struct ipc_sem_holder *h;
	char buf[64];
	size_t n, k, row;

	l->found++;
	if (ipc_sem_holders(o->raw, l->tls, &h, &n, l->why,
	    sizeof(l->why)) == -1) {
		/* Removed since the list read it: no holders. */
		if (errno == ENOENT) {
			l->why[0] = '\0';
			return 0;
		}
		return -1;
	}
	for (k = 0; k < n; k++) {
		row = ipc_xgrid_add(&l->g);
		ipc_xgrid_set(&l->g, row, H_NAME, ipc_shown(o->name));
		if (h[k].host[0] != '\0')
			ipc_xgrid_set(&l->g, row, H_HOST, h[k].host);
		if (h[k].pid > 0)
			cell_num(&l->g, row, H_PID, (long long)h[k].pid);
		if (h[k].token > 0)
			cell_num(&l->g, row, H_TOKEN, h[k].token);
		if (h[k].lease != 0) {
			/* In hexadecimal, as etcdctl lease list has it. */
			snprintf(buf, sizeof(buf), "%llx",
			    (unsigned long long)h[k].lease);
			ipc_xgrid_set(&l->g, row, H_LEASE, buf);
			if (h[k].ttl >= 0)
				cell_num(&l->g, row, H_TTL, h[k].ttl);
		}
		if (when(h[k].since, buf, sizeof(buf)) != NULL)
			ipc_xgrid_set(&l->g, row, H_SINCE, buf);
		ipc_xgrid_set(&l->g, row, H_STATE,
		    h[k].state == IPC_HOLDER_WAITS ? "waits" :
		    h[k].state == IPC_HOLDER_DEAD ? "dead" : "holds");
	}
	free(h);
	return 0;
}

int
ipc_lsr_add(struct ipc_lsr *l, const char *name, char *why, size_t len)
{
	int served = 0;

	/*
	 * Each family lists what it serves, whatever -T says, so that a
	 * name of neither is told apart from one of neither type.
	 */
	l->why[0] = '\0';
	l->found = 0;
	if (!l->holders) {
		if (ipc_shm_list(name, l->tls, add_shm, l, why, len) != -1)
			served = 1;
		else if (errno != EPROTONOSUPPORT)
			return -1;
	}
	if (ipc_sem_list(name, l->tls, l->holders ? add_holders : add_sem,
	    l, why, len) != -1)
		served = 1;
	else if (errno != EPROTONOSUPPORT) {
		if (l->why[0] != '\0')
			snprintf(why, len, "%s", l->why);
		return -1;
	}
	if (!served) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return l->found;
}

void
ipc_lsr_print(struct ipc_lsr *l, int Jflag, int nflag, int rflag,
    int *first)
{
	size_t k;

	if (Jflag && !l->holders) {
		if (l->json != NULL) {
			fputs(l->json + (*first ? 1 : 0), stdout);
			*first = 0;
		}
	} else if (l->holders || l->g.nrows > 0) {
		ipc_grid_print(&l->g, Jflag, nflag, rflag);	/* frees */
		l->g.cells = NULL;
		l->g.nrows = 0;
	}
	for (k = 0; k < l->g.nrows * (size_t)l->g.ncols; k++)
		free(l->g.cells[k]);
	free(l->g.cells);
	free(l->json);
	l->g.cells = NULL;
	l->json = NULL;
}

/*
 * A broker's queue or exchange, in ipc-ls's table: each binding (a
 * name that mq-recv subscribes with and ipc-rm unbinds) on a row of its
 * own under it; in -J, its bindings in the object, null when unknown.
 */
int
ipc_lsq_add(void *arg, const struct ipc_queue_info *o)
{
	struct ipc_lsq *sl = arg;
	const struct ipc_queue_binding *b;
	int x = o->kind != NULL;
	size_t i;

	if (!sl->Jflag && !sl->nflag && sl->header != 1 + x) {
		if (x)
			printf("%-8s  %-40s  %-6s  %s\n", "TYPE", "NAME",
			    "KIND", "DURABLE");
		else
			printf("%-4s  %-32s  %8s  %9s\n", "TYPE", "NAME",
			    "MSGS", "CONSUMERS");
	}
	sl->header = 1 + x;
	if (sl->Jflag) {
		printf("%s{\"type\":\"%s\",\"name\":", sl->first ? "" : ",",
		    o->type);
		ipc_json_name(o->name);
		if (x) {
			printf(",\"kind\":");
			ipc_json_name(o->kind);
			printf(",\"durable\":%s", o->durable ? "true" :
			    "false");
		} else
			printf(",\"msgs\":%lld,\"consumers\":%lld", o->msgs,
			    o->consumers);
		if (o->known) {
			printf(",\"bindings\":[");
			for (i = 0; i < o->nbindings; i++) {
				b = &o->bindings[i];
				printf("%s{\"name\":", i ? "," : "");
				if (b->name != NULL)
					ipc_json_name(b->name);
				else
					printf("null");
				printf(",\"exchange\":");
				ipc_json_name(b->exchange);
				printf(",\"destination\":");
				ipc_json_name(b->dest);
				printf(",\"destination_type\":");
				ipc_json_name(b->desttype);
				printf(",\"key\":");
				ipc_json_name(b->key);
				putchar('}');
			}
			putchar(']');
		} else if (x)
			printf(",\"bindings\":null");
		putchar('}');
	} else {
		if (x)
			printf("%-8s  %-40s  %-6s  %s\n", o->type, o->name,
			    ipc_shown(o->kind), o->durable ? "yes" : "no");
		else
			printf("%-4s  %-32s  %8lld  %9lld\n", o->type, o->name,
			    o->msgs, o->consumers);
		for (i = 0; o->known && i < o->nbindings; i++) {
			b = &o->bindings[i];
			if (b->name == NULL)
				printf(x ? "%-8s  exchange %s, key %s\n" :
				    "%-4s  exchange %s, key %s\n", "bind",
				    ipc_shown(b->dest), ipc_shown(b->key));
			else if (x)
				printf("%-8s  %-40s  %-6s  %s\n", "bind",
				    b->name, "-", "-");
			else
				printf("%-4s  %-32s  %8s  %9s\n", "bind",
				    b->name, "-", "-");
		}
	}
	sl->first = 0;
	return 0;
}
