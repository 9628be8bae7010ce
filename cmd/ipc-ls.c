/* ipc-ls: list the POSIX message queues, semaphores and shared memory. */
#include <sys/resource.h>
#include <sys/statfs.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#define LIBBSD_OPENBSD_VIS	/* strvis(3) alone, as everywhere */
#include <vis.h>

#include "grid.h"
#include "json.h"
#include "mq.h"
#include "objects.h"
#include "queue.h"
#include "sem.h"
#include "shm.h"
#include "url.h"

enum column {
	C_TYPE, C_NAME, C_MODE, C_OWNER, C_GROUP, C_SIZE, C_MSGS, C_MAXMSG,
	C_MSGSIZE, C_VALUE, C_BYTES, C_MTIME, NCOLUMNS
};

static const struct {
	const char	*header;
	const char	*key;		/* for -o and JSON */
	int		 number;	/* right-aligned; a JSON number */
} columns[NCOLUMNS] = {
	{ "TYPE",	"type",		0 },
	{ "NAME",	"name",		0 },
	{ "MODE",	"mode",		0 },
	{ "OWNER",	"owner",	0 },
	{ "GROUP",	"group",	0 },
	{ "SIZE",	"size",		1 },
	{ "MSGS",	"msgs",		1 },
	{ "MAXMSG",	"maxmsg",	1 },
	{ "MSGSIZE",	"msgsize",	1 },
	{ "VALUE",	"value",	1 },
	{ "BYTES",	"bytes",	1 },
	{ "MTIME",	"mtime",	0 },
};

static const struct option longopts[] = {
	{ "null",		no_argument,		NULL, '0' },
	{ "limits",		no_argument,		NULL, 'g' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "json",		no_argument,		NULL, 'J' },
	{ "noheadings",		no_argument,		NULL, 'n' },
	{ "output",		required_argument,	NULL, 'o' },
	{ "raw",		no_argument,		NULL, 'r' },
	{ "type",		required_argument,	NULL, 'T' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

#define FIELDMAX	(4 * IPC_NAMEBUF + 1)	/* a name, strvis(3)ed */

/* What Linux counts per message against RLIMIT_MSGQUEUE (64-bit). */
#define KMSGHDR		48	/* sizeof(struct msg_msg) */
#define KPRIONODE	48	/* sizeof(struct posix_msg_tree_node) */
#define KPRIOMAX	32768	/* MQ_PRIO_MAX */

#define MAXCOLS		IPC_GRID_MAXCOLS

static enum column	 cols[MAXCOLS];
static int		 ncols;


static void		 parse_columns(const char *);
static const char	*field(const struct ipc_object *, enum column, char *,
			    int);
static const char	*iso8601(const struct tm *, char *);
static void		 objects_grid(const struct ipc_objects *, struct ipc_grid *,
			    int);
static void		 limits_grid(struct ipc_grid *);
static int		 list_remote(char **, int, int, int);
static int		 list_shm(void *, const struct ipc_shm_info *);
static const char	*shown_url(const char *);
static int		 list_sem(const char *, void *);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_objects l;
	struct ipc_grid g;
	unsigned int kinds = (1U << IPC_NKINDS) - 1;
	const char *errstr;
	int ch, i, zflag = 0, gflag = 0, Tflag = 0, Jflag = 0, nflag = 0;
	int rflag = 0, status = IPC_OK;
	size_t k;

	setlocale(LC_CTYPE, "");
	while ((ch = getopt_long(argc, argv, "+0ghJno:rT:V", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case '0':
			zflag = 1;
			break;
		case 'g':
			gflag = 1;
			break;
		case 'h':
			usage(IPC_OK);
		case 'J':
			Jflag = 1;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'o':
			parse_columns(optarg);
			break;
		case 'r':
			rflag = 1;
			break;
		case 'T':
			if ((kinds = ipc_kinds(optarg, &errstr)) == 0)
				errx(IPC_ERROR, "type is %s: %s", errstr,
				    ipc_shown(optarg));
			Tflag = 1;
			break;
		case 'V':
			ipc_version();
		default:
			usage(IPC_ERROR);
		}
	}
	argc -= optind;
	argv += optind;
	if (zflag + Jflag + rflag > 1)
		errx(IPC_ERROR, "cannot use more than one of -0, -J and -r");
	if (nflag && (zflag || Jflag))
		errx(IPC_ERROR, "cannot use -n with -0 or -J");
	if (zflag && ncols > 0)
		errx(IPC_ERROR, "cannot use -0 and -o");
	if (gflag && (zflag || ncols > 0 || Tflag || argc > 0))
		errx(IPC_ERROR, "cannot use -g with -0, -o, -T or names");
	if (gflag) {
		limits_grid(&g);
		ipc_grid_print(&g, Jflag, nflag, rflag);
		ipc_xfflush(stdout, "stdout");
		return IPC_OK;
	}
	if (argc > 0 && ipc_has_scheme(argv[0]))
		return list_remote(argv, argc, nflag, Jflag);
	if (ncols == 0)
		for (ncols = 0; ncols < NCOLUMNS; ncols++)
			cols[ncols] = ncols;

	ipc_xselect(&l, kinds, argv, argc);
	/* Names alone need no object opened. */
	for (k = 0; !zflag && k < l.n; k++)
		ipc_object_details(&l.v[k]);

	if (zflag)
		for (k = 0; k < l.n; k++) {
			fputs(l.v[k].name, stdout);
			putchar('\0');
		}
	else {
		objects_grid(&l, &g, !Jflag);
		ipc_grid_print(&g, Jflag, nflag, rflag);
	}
	ipc_xfflush(stdout, "stdout");

	if (l.nomqfs)
		warnx("%s: not mounted, so no queues are listed "
		    "(mount -t mqueue none %s)", IPC_MQ_DIR, IPC_MQ_DIR);
	for (i = 0; i < argc; i++)
		if (ipc_objects_missed(&l, argv, i)) {
			warnx("%s: %s", ipc_shown(argv[i]), strerror(ENOENT));
			status = IPC_ERROR;
		}
	ipc_objects_free(&l);
	return status;
}

/* "name,type,msgs": the columns, in that order, any case. */
static void
parse_columns(const char *arg)
{
	char bad[64], valid[128] = "";
	const char *s = arg;
	size_t len;
	int c;

	ncols = 0;
	for (;;) {
		len = strcspn(s, ",");
		for (c = 0; c < NCOLUMNS; c++)
			if (strlen(columns[c].key) == len &&
			    strncasecmp(s, columns[c].key, len) == 0)
				break;
		if (c == NCOLUMNS) {
			snprintf(bad, sizeof(bad), "%.*s", (int)len, s);
			for (c = 0; c < NCOLUMNS; c++) {
				strlcat(valid, c == 0 ? "" : ",", sizeof(valid));
				strlcat(valid, columns[c].key, sizeof(valid));
			}
			errx(IPC_ERROR, "column is invalid: %s (the columns: %s)",
			    ipc_shown(bad), valid);
		}
		if (ncols == (int)(sizeof(cols) / sizeof(cols[0])))
			errx(IPC_ERROR, "too many columns: %s", ipc_shown(arg));
		cols[ncols++] = c;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
}

/*
 * One field as text, in buf; NULL where it is unknown or not of the
 * object's kind.  A name comes as it is, or strvis(3)ed for a table.
 */
static const char *
field(const struct ipc_object *o, enum column c, char *buf, int visible)
{
	static uid_t uid = (uid_t)-1;
	static gid_t gid = (gid_t)-1;
	static char owner[64], group[64];
	struct passwd *pw;
	struct group *gr;
	long long v = -1;
	struct tm tm;

	switch (c) {
	case C_TYPE:
		return ipc_kind_name(o->kind);
	case C_NAME:
		if (!visible)
			return o->name;
		strvis(buf, o->name, VIS_CSTYLE | VIS_TAB | VIS_NL);
		return buf;
	case C_MODE:
		if (o->nostat)
			return NULL;
		strmode(o->st.st_mode, buf);
		buf[strcspn(buf, " ")] = '\0';
		return buf;
	case C_OWNER:
		if (o->nostat)
			return NULL;
		if (o->st.st_uid != uid) {
			uid = o->st.st_uid;
			if ((pw = getpwuid(uid)) != NULL)
				strlcpy(owner, pw->pw_name, sizeof(owner));
			else
				snprintf(owner, sizeof(owner), "%u",
				    (unsigned int)uid);
		}
		return owner;
	case C_GROUP:
		if (o->nostat)
			return NULL;
		if (o->st.st_gid != gid) {
			gid = o->st.st_gid;
			if ((gr = getgrgid(gid)) != NULL)
				strlcpy(group, gr->gr_name, sizeof(group));
			else
				snprintf(group, sizeof(group), "%u",
				    (unsigned int)gid);
		}
		return group;
	case C_MTIME:
		if (o->nostat || localtime_r(&o->st.st_mtime, &tm) == NULL)
			return NULL;
		return iso8601(&tm, buf);
	case C_SIZE:
		v = o->size;
		break;
	case C_MSGS:
		v = o->msgs;
		break;
	case C_MAXMSG:
		v = o->maxmsg;
		break;
	case C_MSGSIZE:
		v = o->msgsize;
		break;
	case C_VALUE:
		v = o->value;
		break;
	case C_BYTES:
		v = o->bytes;
		break;
	case NCOLUMNS:
		break;
	}
	if (v < 0)
		return NULL;
	snprintf(buf, FIELDMAX, "%lld", v);
	return buf;
}

/* ISO 8601 with the offset, as lsipc's iso: 2026-11-27T04:15:00+09:00. */
static const char *
iso8601(const struct tm *tm, char *buf)
{
	size_t n;

	n = strftime(buf, FIELDMAX, "%Y-%m-%dT%H:%M:%S%z", tm);
	if (n < 5)
		return NULL;
	/* +0900 to +09:00 */
	memmove(buf + n - 1, buf + n - 2, 3);
	buf[n - 2] = ':';
	return buf;
}

/* The objects' fields as a grid; a name strvis(3)ed for a table. */
static void
objects_grid(const struct ipc_objects *l, struct ipc_grid *g, int visible)
{
	char buf[FIELDMAX];
	const char *s;
	size_t k;
	int c;

	g->ncols = ncols;
	for (c = 0; c < ncols; c++) {
		g->heads[c] = columns[cols[c]].header;
		g->keys[c] = columns[cols[c]].key;
		g->number[c] = columns[cols[c]].number;
	}
	ipc_xgrid_alloc(g, l->n);
	for (k = 0; k < l->n; k++)
		for (c = 0; c < ncols; c++)
			if ((s = field(&l->v[k], cols[c], buf, visible)) != NULL)
				ipc_xgrid_set(g, k, c, s);
}

/*
 * The limits a user of these tools runs into, with what is in use of each
 * where that is known, and where each is set: ipc-ls -g.
 */
enum { L_TYPE, L_NAME, L_USED, L_LIMIT, L_SOURCE, NLCOLUMNS };

static const struct {
	const char	*header, *key;
	int		 number;
} lcolumns[NLCOLUMNS] = {
	{ "TYPE",	"type",		0 },
	{ "NAME",	"name",		0 },
	{ "USED",	"used",		1 },
	{ "LIMIT",	"limit",	1 },
	{ "SOURCE",	"source",	0 },
};

/*
 * The queues there now, and the bytes that those this user created count
 * against its RLIMIT_MSGQUEUE, as Linux counts them (ipc/mqueue.c): each
 * queue's messages at their largest, and per message the kernel's header
 * and a node of the priority tree.  A queue removed while still open
 * counts too, and cannot be seen: the figure may be low.
 */
static void
mq_use(long long *queues, long long *bytes)
{
	struct ipc_objects l;
	struct ipc_object *o;
	size_t k;

	*queues = *bytes = -1;
	if (ipc_select(&l, 1U << IPC_MQ, NULL, 0) == -1 || l.nomqfs) {
		ipc_objects_free(&l);
		return;
	}
	*queues = (long long)l.n;
	*bytes = 0;
	for (k = 0; k < l.n; k++) {
		o = &l.v[k];
		if (o->nostat || o->st.st_uid != geteuid())
			continue;
		ipc_object_details(o);
		if (o->maxmsg < 0 || o->msgsize < 0)
			continue;
		*bytes += o->maxmsg * o->msgsize + o->maxmsg * KMSGHDR +
		    (o->maxmsg < KPRIOMAX ? o->maxmsg : KPRIOMAX) * KPRIONODE;
	}
	ipc_objects_free(&l);
}

static void
limit_row(struct ipc_grid *g, size_t row, const char *type, const char *name,
    long long used, long long limit, const char *source)
{
	char buf[32];

	ipc_xgrid_set(g, row, L_TYPE, type);
	ipc_xgrid_set(g, row, L_NAME, name);
	if (used >= 0) {
		snprintf(buf, sizeof(buf), "%lld", used);
		ipc_xgrid_set(g, row, L_USED, buf);
	}
	if (limit >= 0) {
		snprintf(buf, sizeof(buf), "%lld", limit);
		ipc_xgrid_set(g, row, L_LIMIT, buf);
	}
	ipc_xgrid_set(g, row, L_SOURCE, source);
}

static void
limits_grid(struct ipc_grid *g)
{
	struct statfs sf;
	struct rlimit rl;
	long long queues, bytes, size = -1, used = -1, rlim = -1;
	int c;

	g->ncols = NLCOLUMNS;
	for (c = 0; c < NLCOLUMNS; c++) {
		g->heads[c] = lcolumns[c].header;
		g->keys[c] = lcolumns[c].key;
		g->number[c] = lcolumns[c].number;
	}
	ipc_xgrid_alloc(g, 6);
	mq_use(&queues, &bytes);
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		rlim = (long long)rl.rlim_cur;
	if (statfs(IPC_SHM_DIR, &sf) == 0) {
		size = (long long)sf.f_blocks * sf.f_bsize;
		used = (long long)(sf.f_blocks - sf.f_bfree) * sf.f_bsize;
	}
	limit_row(g, 0, "mq", "msg_max", -1,
	    ipc_mq_limit("msg_max", -1), IPC_MQ_PROC "msg_max");
	limit_row(g, 1, "mq", "msgsize_max", -1,
	    ipc_mq_limit("msgsize_max", -1), IPC_MQ_PROC "msgsize_max");
	limit_row(g, 2, "mq", "queues_max", queues,
	    ipc_mq_limit("queues_max", -1), IPC_MQ_PROC "queues_max");
	limit_row(g, 3, "mq", "RLIMIT_MSGQUEUE", bytes, rlim, "ulimit -q");
	limit_row(g, 4, "shm", "size", size < 0 ? -1 : used, size,
	    IPC_SHM_DIR);
	limit_row(g, 5, "sem", "SEM_VALUE_MAX", -1, SEM_VALUE_MAX,
	    "limits.h");
}


/*
 * Objects of backends (names with a scheme, all of them): a broker's
 * queues, what their declaration tells, messages ready and consumers.
 * -n and -J apply.  A name that the shared memory family serves is
 * listed by it (etcd://: size, first bytes, revision of the last change;
 * its last part may be a glob).
 */
struct shm_list {
	int		 nflag, Jflag, first;
};

static int
list_remote(char **names, int n, int nflag, int Jflag)
{
	struct shm_list sl = { nflag, Jflag, 1 };
	struct ipc_queue_conf c = IPC_QUEUE_CONF_DEFAULT;
	struct ipc_queue *q;
	const char *shown, *mixed, *type;
	char why[IPC_WHYLEN];
	long long msgs, cons;
	int i, r, status = IPC_OK, first = 1;

	if (ncols > 0)
		errx(IPC_ERROR, "cannot use -o with names of a backend");
	if ((mixed = ipc_objects_mixed(names, n)) != NULL)
		errx(IPC_ERROR, "%s: cannot take names with a scheme and "
		    "others at once", ipc_shown(mixed));
	if (Jflag)
		putchar('[');
	for (i = 0; i < n; i++) {
		/*
		 * The shared memory family's, unless it has no list of it;
		 * and the semaphore of that name, which has none.
		 */
		sl.first = first;
		if ((r = ipc_shm_list(names[i], list_shm, &sl, why,
		    sizeof(why))) != -1 || errno != EPROTONOSUPPORT) {
			if (r != -1 && strpbrk(names[i], "*?[") == NULL)
				r += list_sem(names[i], &sl);
			if (r <= 0) {
				warnx("%s: %s", shown_url(names[i]),
				    r == 0 ? strerror(ENOENT) : why);
				status = IPC_ERROR;
			}
			first = sl.first;
			continue;
		}
		if ((q = ipc_queue_open(names[i], IPC_Q_LOOK, &c, &shown, why,
		    sizeof(why))) == NULL) {
			warnx("%s: %s", shown, why);
			status = IPC_ERROR;
			continue;
		}
		if (ipc_queue_counts(q, &msgs, &cons) == -1) {
			warnx("%s: %s", shown, ipc_queue_why(q, errno));
			status = IPC_ERROR;
			ipc_queue_close(q, why, sizeof(why));
			continue;
		}
		type = q->be->scheme;
		ipc_queue_close(q, why, sizeof(why));
		/* The header once something is known, after a connect. */
		if (first && !Jflag && !nflag)
			printf("%-4s  %-32s  %8s  %9s\n", "TYPE", "NAME", "MSGS",
			    "CONSUMERS");
		if (Jflag) {
			printf("%s{\"type\":\"%s\",\"name\":",
			    first ? "" : ",", type);
			first = 0;
			ipc_json_name(shown);
			printf(",\"msgs\":%lld,\"consumers\":%lld}", msgs, cons);
		} else {
			printf("%-4s  %-32s  %8lld  %9lld\n", type, shown, msgs,
			    cons);
			first = 0;
		}
	}
	if (Jflag)
		puts("]");
	ipc_xfflush(stdout, "stdout");
	return status;
}

/* A backend's name as messages show it: without a password. */
static const char *
shown_url(const char *name)
{
	static char *s;

	free(s);
	if ((s = ipc_url_shown(name)) == NULL)
		return ipc_shown(name);
	return ipc_shown(s);
}

/* The semaphore of a backend's name, in list_remote's table: 1, or 0. */
static int
list_sem(const char *name, void *arg)
{
	struct shm_list *sl = arg;
	char why[IPC_WHYLEN];
	int value;

	if (ipc_sem_peek(name, &value, why, sizeof(why)) == -1)
		return 0;
	if (sl->first && !sl->Jflag && !sl->nflag)
		printf("%-4s  %-32s  %8s  %-20s  %s\n", "TYPE", "NAME", "SIZE",
		    "VALUE", "REVISION");
	if (sl->Jflag) {
		printf("%s{\"type\":\"sem\",\"name\":", sl->first ? "" : ",");
		ipc_json_name(shown_url(name));
		printf(",\"value\":%d}", value);
	} else
		printf("%-4s  %-32s  %8s  %-20d  %s\n", "sem", shown_url(name),
		    "-", value, "-");
	sl->first = 0;
	return 1;
}

/* One shared memory object of a backend, in list_remote's table. */
static int
list_shm(void *arg, const struct ipc_shm_info *o)
{
	struct shm_list *sl = arg;
	char vis[4 * 20 + 1], js[IPC_JSON_MAX(64)];

	if (sl->first && !sl->Jflag && !sl->nflag)
		printf("%-4s  %-32s  %8s  %-20s  %s\n", "TYPE", "NAME", "SIZE",
		    "VALUE", "REVISION");
	if (sl->Jflag) {
		printf("%s{\"type\":\"shm\",\"name\":", sl->first ? "" : ",");
		ipc_json_name(o->name);
		printf(",\"size\":%lld,\"value\":", (long long)o->size);
		if (ipc_json_string(js, o->head, o->headlen, 0) > 0)
			fputs(js, stdout);
		else
			fputs("null", stdout);
		printf(",\"revision\":%lld}", (long long)o->revision);
	} else {
		strvisx(vis, (const char *)o->head, o->headlen < 20 ?
		    o->headlen : 20, VIS_CSTYLE | VIS_TAB | VIS_NL | VIS_OCTAL);
		printf("%-4s  %-32s  %8lld  %-20s  %lld\n", "shm",
		    ipc_shown(o->name), (long long)o->size, vis,
		    (long long)o->revision);
	}
	sl->first = 0;
	return 0;
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-0Jnr] [-o columns] [-T type] [name ...]\n"
	    "       %s -g [-J | -r] [-n]\n", getprogname(), getprogname());
	if (status == 0) {
		fprintf(fp, "List the POSIX message queues, semaphores and "
		    "shared memory objects.\n\n"
		    "  -0, --null            names only, each ended with "
		    "NUL\n"
		    "  -g, --limits          the limits, what is in use, and "
		    "where each is set\n"
		    "  -J, --json            one JSON document\n"
		    "  -n, --noheadings      no header line\n"
		    "  -o, --output columns  these columns, in this order:\n"
		    "                        type,name,mode,owner,group,size,"
		    "msgs,maxmsg,\n"
		    "                        msgsize,value,bytes,mtime\n"
		    "  -r, --raw             fields separated by a tab, "
		    "unpadded\n"
		    "  -T, --type type       only mq, sem or shm, or a "
		    "list: mq,shm\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
