/* ipc-ls: list queues, semaphores and shared memory, POSIX and System V. */
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
#include "lsremote.h"
#include "mq.h"
#include "objects.h"
#include "queue.h"
#include "sem.h"
#include "shm.h"
#include "sysv.h"
#include "url.h"

enum column {
	C_TYPE, C_NAME, C_KEY, C_ID, C_MODE, C_OWNER, C_GROUP, C_CREATOR,
	C_SIZE, C_MSGS, C_MAXMSG, C_MSGSIZE, C_VALUE, C_NSEMS, C_BYTES,
	C_NATTCH, C_CPID, C_LPID, C_LSPID, C_LRPID, C_MTIME, C_CTIME, C_ATIME,
	C_DTIME, C_STIME, C_RTIME, C_OTIME, NCOLUMNS
};

#define K(k)	(1U << (k))
#define KSYSV	IPC_KINDS_SYSV
#define KALL	IPC_KINDS_ALL

/*
 * Each column, and the kinds whose objects it describes: a column is in
 * the default set when one of the kinds listed is its (dflt).
 */
static const struct {
	const char	*header;
	const char	*key;		/* for -o and JSON */
	int		 number;	/* right-aligned; a JSON number */
	int		 dflt;		/* in the default set */
	unsigned int	 kinds;
} columns[NCOLUMNS] = {
	{ "TYPE",	"type",		0, 1, KALL },
	{ "NAME",	"name",		0, 1, KALL },
	{ "KEY",	"key",		0, 0, KSYSV },
	{ "ID",		"id",		1, 1, KSYSV },
	{ "MODE",	"mode",		0, 1, KALL },
	{ "OWNER",	"owner",	0, 1, KALL },
	{ "GROUP",	"group",	0, 1, KALL },
	{ "CREATOR",	"creator",	0, 0, KSYSV },
	{ "SIZE",	"size",		1, 1, KALL & ~K(IPC_SYSV_SEM) },
	{ "MSGS",	"msgs",		1, 1, K(IPC_MQ) | K(IPC_SYSV_MSG) },
	{ "MAXMSG",	"maxmsg",	1, 1, K(IPC_MQ) },
	{ "MSGSIZE",	"msgsize",	1, 1, K(IPC_MQ) },
	{ "VALUE",	"value",	1, 1, K(IPC_SEM) },
	{ "NSEMS",	"nsems",	1, 1, K(IPC_SYSV_SEM) },
	{ "BYTES",	"bytes",	1, 1, K(IPC_SHM) },
	{ "NATTCH",	"nattch",	1, 1, K(IPC_SYSV_SHM) },
	{ "CPID",	"cpid",		1, 0, K(IPC_SYSV_SHM) },
	{ "LPID",	"lpid",		1, 0, K(IPC_SYSV_SHM) },
	{ "LSPID",	"lspid",	1, 0, K(IPC_SYSV_MSG) },
	{ "LRPID",	"lrpid",	1, 0, K(IPC_SYSV_MSG) },
	{ "MTIME",	"mtime",	0, 1, KALL },
	{ "CTIME",	"ctime",	0, 0, KSYSV },
	{ "ATIME",	"atime",	0, 0, K(IPC_SYSV_SHM) },
	{ "DTIME",	"dtime",	0, 0, K(IPC_SYSV_SHM) },
	{ "STIME",	"stime",	0, 0, K(IPC_SYSV_MSG) },
	{ "RTIME",	"rtime",	0, 0, K(IPC_SYSV_MSG) },
	{ "OTIME",	"otime",	0, 0, K(IPC_SYSV_SEM) },
};

enum { OPT_HOLDERS = IPC_OPT_TOOL };

static const struct option longopts[] = {
	{ "null",		no_argument,		NULL, '0' },
	{ "limits",		no_argument,		NULL, 'g' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "json",		no_argument,		NULL, 'J' },
	{ "namespace",		required_argument,	NULL, 'N' },
	{ "noheadings",		no_argument,		NULL, 'n' },
	{ "output",		required_argument,	NULL, 'o' },
	{ "raw",		no_argument,		NULL, 'r' },
	{ "type",		required_argument,	NULL, 'T' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "holders",		no_argument,		NULL, OPT_HOLDERS },
	IPC_TLS_LONGOPTS,
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
static int		 numeric;	/* owners as numbers (-N) */


static void		 parse_columns(const char *);
static const char	*field(const struct ipc_object *, enum column, char *,
			    int);
static const char	*iso8601(const struct tm *, char *);
static int		 holders_grid(struct ipc_objects *, struct ipc_grid *);
static void		 objects_grid(const struct ipc_objects *, struct ipc_grid *,
			    int);
static void		 limits_grid(struct ipc_grid *);
static int		 list_remote(char **, int, unsigned int, int, int, int,
			    int, const struct ipc_tls_opts *);
static const char	*shown_url(const char *);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_objects l;
	struct ipc_grid g;
	struct ipc_tls_opts tls = { NULL, NULL, NULL, NULL, 0 };
	unsigned int kinds = IPC_KINDS_ALL;
	const char *errstr, *mixed, *ns = NULL;
	int ch, i, zflag = 0, gflag = 0, Tflag = 0, Jflag = 0, nflag = 0;
	int rflag = 0, Hflag = 0, status = IPC_OK;
	size_t k;

	ipc_stdfds();
	setlocale(LC_CTYPE, "");
	while ((ch = getopt_long(argc, argv, "+0ghJN:no:rT:V", longopts,
	    NULL)) != -1) {
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
		case 'N':
			ns = optarg;
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
		case OPT_HOLDERS:
			Hflag = 1;
			break;
		IPC_TLS_CASES:
			ipc_xtls_option(&tls, ch, optarg);
			break;
		default:
			usage(IPC_ERROR);
		}
	}
	argc -= optind;
	argv += optind;
	ipc_xoptions_first(argc, argv, "names", IPC_ERROR);
	/* Whichever comes first: a plain name is never a backend's. */
	if ((mixed = ipc_objects_mixed(argv, argc)) != NULL)
		errx(IPC_ERROR, "%s: cannot take names with a scheme and "
		    "others at once", ipc_shown(mixed));
	if (zflag + Jflag + rflag > 1)
		errx(IPC_ERROR, "cannot use more than one of -0, -J and -r");
	if (nflag && (zflag || Jflag))
		errx(IPC_ERROR, "cannot use -n with -0 or -J");
	if (zflag && ncols > 0)
		errx(IPC_ERROR, "cannot use -0 and -o");
	if (gflag && (zflag || ncols > 0 || Tflag || argc > 0 || Hflag))
		errx(IPC_ERROR, "cannot use -g with -0, -o, -T, --holders or "
		    "names");
	if (Hflag && (zflag || ncols > 0 || (Tflag && kinds != 1U << IPC_SEM)))
		errx(IPC_ERROR, "cannot use --holders with -0, -o or -T other "
		    "than sem");
	if (ns != NULL && argc > 0 && ipc_has_scheme(argv[0]))
		errx(IPC_ERROR, "cannot use -N with names of a backend");
	if (ipc_tls_given(&tls) && (argc == 0 || !ipc_has_scheme(argv[0])))
		errx(IPC_ERROR, "the --tls options are for names of a backend "
		    "(etcds://, amqps://)");
	/*
	 * Before anything is looked at, and before any thread.  Inside, no
	 * name of a user is looked up: that would load the NSS modules that
	 * the container's files name, as root.  Times stay in our zone.
	 */
	if (ns != NULL) {
		tzset();
		numeric = 1;
	}
	if (ns != NULL)
		kinds = ipc_xnamespace(ns, Tflag, kinds);
	if (Hflag)
		kinds = 1U << IPC_SEM;
	if (gflag) {
		limits_grid(&g);
		ipc_grid_print(&g, Jflag, nflag, rflag);
		ipc_xfflush(stdout, "stdout");
		return IPC_OK;
	}
	if (argc > 0 && ipc_has_scheme(argv[0]))
		return list_remote(argv, argc, kinds, Hflag, nflag, Jflag,
		    rflag, &tls);
	/* Without -o, the columns of the kinds listed. */
	if (ncols == 0 && !Hflag)
		for (i = 0; i < NCOLUMNS; i++)
			if (columns[i].dflt && (columns[i].kinds & kinds))
				cols[ncols++] = i;

	ipc_xselect(&l, kinds, argv, argc);
	if (Hflag) {
		status = holders_grid(&l, &g);
		ipc_grid_print(&g, Jflag, nflag, rflag);
		ipc_xfflush(stdout, "stdout");
		for (i = 0; i < argc; i++)
			if (ipc_objects_missed(&l, argv, i)) {
				warnx("%s: %s", ipc_shown(argv[i]),
				    strerror(ENOENT));
				status = IPC_ERROR;
			}
		ipc_objects_free(&l);
		return status;
	}
	/* Names alone need no object opened. */
	for (k = 0; !zflag && k < l.n; k++)
		ipc_object_details(&l.v[k]);

	if (zflag)
		for (k = 0; k < l.n; k++) {
			/* IPC_PRIVATE's key names many: the id names one. */
			if (l.v[k].kind >= IPC_NKINDS)
				printf("id:%d", l.v[k].id);
			else
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
			warnx("%s: %s", ipc_shown(argv[i]),
			    ipc_object_absent(kinds, argv[i], ""));
			status = IPC_ERROR;
		}
	ipc_objects_free(&l);
	return status;
}

/* "name,type,msgs": the columns, in that order, any case. */
static void
parse_columns(const char *arg)
{
	char bad[64], valid[512] = "";
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

/* A user's or group's name, or its number; the last one looked up kept. */
static const char *
user(uid_t uid)
{
	static uid_t last = (uid_t)-1;
	static char name[64];
	struct passwd *pw;

	if (uid != last) {
		last = uid;
		if (!numeric && (pw = getpwuid(uid)) != NULL)
			strlcpy(name, pw->pw_name, sizeof(name));
		else
			snprintf(name, sizeof(name), "%u", (unsigned int)uid);
	}
	return name;
}

static const char *
group(gid_t gid)
{
	static gid_t last = (gid_t)-1;
	static char name[64];
	struct group *gr;

	if (gid != last) {
		last = gid;
		if (!numeric && (gr = getgrgid(gid)) != NULL)
			strlcpy(name, gr->gr_name, sizeof(name));
		else
			snprintf(name, sizeof(name), "%u", (unsigned int)gid);
	}
	return name;
}

/* A System V time: 0 is never. */
static const char *
when(time_t t, char *buf)
{
	struct tm tm;

	if (t == 0 || localtime_r(&t, &tm) == NULL)
		return NULL;
	return iso8601(&tm, buf);
}

/*
 * One field as text, in buf; NULL where it is unknown or not of the
 * object's kind.  A name comes as it is, or strvis(3)ed for a table.
 */
static const char *
field(const struct ipc_object *o, enum column c, char *buf, int visible)
{
	long long v = -1;

	if (!(columns[c].kinds & (1U << o->kind)))
		return NULL;
	switch (c) {
	case C_TYPE:
		return ipc_kind_name(o->kind);
	case C_NAME:
		if (!visible)
			return o->name;
		strvis(buf, o->name, VIS_CSTYLE | VIS_TAB | VIS_NL);
		return buf;
	case C_KEY:
		snprintf(buf, FIELDMAX, "0x%08x", (unsigned int)o->key);
		return buf;
	case C_ID:
		v = o->id;
		break;
	case C_MODE:
		if (o->nostat)
			return NULL;
		strmode(o->st.st_mode, buf);
		buf[strcspn(buf, " ")] = '\0';
		return buf;
	case C_OWNER:
		return o->nostat ? NULL : user(o->st.st_uid);
	case C_GROUP:
		return o->nostat ? NULL : group(o->st.st_gid);
	case C_CREATOR:
		snprintf(buf, FIELDMAX, "%s:", user(o->cuid));
		strlcat(buf, group(o->cgid), FIELDMAX);
		return buf;
	case C_MTIME:
		if (o->nostat)
			return NULL;
		return when(o->st.st_mtime, buf);
	case C_CTIME:
		return when(o->ctime, buf);
	case C_ATIME:
		return when(o->atime, buf);
	case C_DTIME:
		return when(o->dtime, buf);
	case C_STIME:
		return when(o->stime, buf);
	case C_RTIME:
		return when(o->rtime, buf);
	case C_OTIME:
		return when(o->otime, buf);
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
	case C_NSEMS:
		v = o->nsems;
		break;
	case C_BYTES:
		v = o->bytes;
		break;
	case C_NATTCH:
		v = o->nattch;
		break;
	case C_CPID:
		v = o->cpid;
		break;
	case C_LPID:
		v = o->lpid;
		break;
	case C_LSPID:
		v = o->lspid;
		break;
	case C_LRPID:
		v = o->lrpid;
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
	return ipc_iso8601(tm, buf, FIELDMAX);
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
	struct ipc_sysv_limit sv[IPC_SYSV_NLIMITS];
	char buf[32];
	long long queues, bytes, size = -1, used = -1, rlim = -1;
	int c;

	g->ncols = NLCOLUMNS;
	for (c = 0; c < NLCOLUMNS; c++) {
		g->heads[c] = lcolumns[c].header;
		g->keys[c] = lcolumns[c].key;
		g->number[c] = lcolumns[c].number;
	}
	ipc_xgrid_alloc(g, 6 + IPC_SYSV_NLIMITS);
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
	ipc_sysv_limits(sv);
	for (c = 0; c < IPC_SYSV_NLIMITS; c++) {
		limit_row(g, 6 + c, sv[c].type, sv[c].name, sv[c].used, -1,
		    sv[c].source);
		/* shmall and shmmax pass LLONG_MAX. */
		if (sv[c].known) {
			snprintf(buf, sizeof(buf), "%llu", sv[c].limit);
			ipc_xgrid_set(g, 6 + c, L_LIMIT, buf);
		}
	}
}

/*
 * Who holds each semaphore's units, as its backend records them: the
 * holding sem-wait, its command, since when, and whether they are gone.
 */
enum { H_NAME, H_PID, H_CHILD, H_SINCE, H_STATE, H_COMMAND, NHCOLUMNS };

static const struct {
	const char	*header, *key;
	int		 number;
} hcolumns[NHCOLUMNS] = {
	{ "NAME",	"name",		0 },
	{ "PID",	"pid",		1 },
	{ "CHILD",	"child",	1 },
	{ "SINCE",	"since",	0 },
	{ "STATE",	"state",	0 },
	{ "COMMAND",	"command",	0 },
};

/* IPC_ERROR when the holders of one could not be read (said). */
static int
holders_grid(struct ipc_objects *l, struct ipc_grid *g)
{
	struct ipc_sem_holder *h;
	char buf[FIELDMAX], why[IPC_WHYLEN], vis[4 * 256 + 1];
	size_t k, n, j, row = 0, cap = 0;
	struct tm tm;
	struct {
		size_t obj;
		struct ipc_sem_holder h;
	} *all = NULL, *v;
	int c, status = IPC_OK;

	for (k = 0; k < l->n; k++) {
		if (ipc_sem_holders(l->v[k].name, NULL, &h, &n, why,
		    sizeof(why)) == -1) {
			warnx("%s: %s", ipc_shown(l->v[k].name), why);
			status = IPC_ERROR;
			continue;
		}
		for (j = 0; j < n; j++) {
			if (row == cap) {
				cap = cap ? 2 * cap : 16;
				if ((v = reallocarray(all, cap,
				    sizeof(*all))) == NULL)
					err(IPC_ERROR, NULL);
				all = v;
			}
			all[row].obj = k;
			all[row++].h = h[j];
		}
		free(h);
	}
	g->ncols = NHCOLUMNS;
	for (c = 0; c < NHCOLUMNS; c++) {
		g->heads[c] = hcolumns[c].header;
		g->keys[c] = hcolumns[c].key;
		g->number[c] = hcolumns[c].number;
	}
	ipc_xgrid_alloc(g, row);
	for (k = 0; k < row; k++) {
		h = &all[k].h;
		ipc_xgrid_set(g, k, H_NAME, l->v[all[k].obj].name);
		snprintf(buf, sizeof(buf), "%ld", (long)h->pid);
		ipc_xgrid_set(g, k, H_PID, buf);
		if (h->child > 0) {
			snprintf(buf, sizeof(buf), "%ld", (long)h->child);
			ipc_xgrid_set(g, k, H_CHILD, buf);
		}
		if (h->since > 0 && localtime_r(&h->since, &tm) != NULL &&
		    iso8601(&tm, buf) != NULL)
			ipc_xgrid_set(g, k, H_SINCE, buf);
		ipc_xgrid_set(g, k, H_STATE, h->state == IPC_HOLDER_DEAD ?
		    "dead" : h->state == IPC_HOLDER_ELSEWHERE ?
		    "other-pidns" : "holds");
		if (h->cmd[0] != '\0') {
			strvis(vis, h->cmd, VIS_CSTYLE | VIS_TAB | VIS_NL);
			ipc_xgrid_set(g, k, H_COMMAND, vis);
		}
	}
	free(all);
	return status;
}


/*
 * Objects of backends (names with a scheme, all of them): a broker's
 * queues, what their declaration tells, messages ready and consumers;
 * and the semaphores and shared memory objects that their families list
 * (etcd://: lsremote.c), whose last part may be a glob, -T picking the
 * type.  -n and -J apply; -r and --holders to these families' objects.
 */
static int
list_remote(char **names, int n, unsigned int kinds, int Hflag, int nflag,
    int Jflag, int rflag, const struct ipc_tls_opts *tls)
{
	struct ipc_lsq ql = { nflag, Jflag, 1, 0 };
	struct ipc_queue_conf c = IPC_QUEUE_CONF_DEFAULT;
	struct ipc_lsr lsr;
	struct ipc_queue *q;
	const char *type;
	static char *shown;	/* reachable at an exit */
	char why[IPC_WHYLEN];
	long long msgs, cons;
	int i, r, status = IPC_OK, first = 1;

	if (ncols > 0)
		errx(IPC_ERROR, "cannot use -o with names of a backend");
	c.tls = *tls;
	ipc_lsr_init(&lsr, kinds, Hflag, tls);
	if (Jflag && !Hflag)
		putchar('[');
	for (i = 0; i < n; i++) {
		if ((r = ipc_lsr_add(&lsr, names[i], why, sizeof(why))) != -1 ||
		    errno != EPROTONOSUPPORT) {
			if (r <= 0) {
				warnx("%s: %s", shown_url(names[i]),
				    r == 0 ? strerror(ENOENT) : why);
				status = IPC_ERROR;
			}
			continue;
		}
		if (Hflag) {
			warnx("%s: --holders is for semaphores",
			    shown_url(names[i]));
			status = IPC_ERROR;
			continue;
		}
		/* The queue family's list, where its backend has one. */
		ql.first = first;
		if ((r = ipc_queue_list(names[i], tls, ipc_lsq_add, &ql, why,
		    sizeof(why))) != -1 || errno != EPROTONOSUPPORT) {
			if (r <= 0) {
				warnx("%s: %s", shown_url(names[i]),
				    r == 0 ? strerror(ENOENT) : why);
				status = IPC_ERROR;
			}
			first = ql.first;
			continue;
		}
		free(shown);
		shown = ipc_xqueue_shown(names[i]);
		if ((q = ipc_queue_open(names[i], shown, IPC_Q_LOOK, &c, why,
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
	ipc_lsr_print(&lsr, Jflag, nflag, rflag, &first);
	if (Jflag && !Hflag)
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

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-0Jnr] [-N pid] [-o columns] [-T type] "
	    "[name ...]\n"
	    "       %s --holders [-J | -r] [-n] [-N pid] [name ...]\n"
	    "       %s -g [-J | -r] [-n] [-N pid]\n"
	    "       %s [-Jnr] [--holders] [-T type] [--tls-ca file] "
	    "[--tls-cert file]\n"
	    "\t[--tls-key file] [--tls-name name] [--tls-noverify] url ...\n",
	    getprogname(), getprogname(), getprogname(), getprogname());
	if (status == 0) {
		fprintf(fp, "List the message queues, semaphores and shared "
		    "memory objects, POSIX and\n"
		    "System V (key:0x0000abcd, id:N).\n\n"
		    "  -0, --null            names only, each ended with "
		    "NUL\n"
		    "  -g, --limits          the limits, what is in use, and "
		    "where each is set\n"
		    "  -J, --json            one JSON document\n"
		    "  -N, --namespace pid   in the IPC and mount namespaces "
		    "of process pid\n"
		    "  -n, --noheadings      no header line\n"
		    "  -o, --output columns  these columns, in this order:\n"
		    "                        type,name,key,id,mode,owner,"
		    "group,creator,size,\n"
		    "                        msgs,maxmsg,msgsize,value,nsems,"
		    "bytes,nattch,cpid,\n"
		    "                        lpid,lspid,lrpid,mtime,ctime,"
		    "atime,dtime,stime,\n"
		    "                        rtime,otime\n"
		    "  -r, --raw             fields separated by a tab, "
		    "unpadded\n"
		    "  -T, --type type       only mq, sem, shm, sysv-msg, "
		    "sysv-sem, sysv-shm, sysv,\n"
		    "                        or a list: mq,shm\n"
		    "      --holders         who holds each semaphore's "
		    "units\n"
		    "      --tls-ca file     etcds://, amqps://: the CAs to "
		    "trust\n"
		    "      --tls-cert file   etcds://, amqps://: our "
		    "certificate\n"
		    "      --tls-key file    etcds://, amqps://: its key\n"
		    "      --tls-name name   etcds://, amqps://: the name the "
		    "server's certificate\n"
		    "                        must have\n"
		    "      --tls-noverify    etcds://, amqps://: check no "
		    "certificate\n"
		    "  -h, --help            show this help\n"
		    "  -V, --version         show the version\n");
		ipc_xfflush(stdout, "stdout");
	}
	exit(status);
}
