/* ipc-ls: list the POSIX message queues, semaphores and shared memory. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <locale.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#define LIBBSD_OPENBSD_VIS	/* strvis(3) alone, as everywhere */
#include <vis.h>

#include "broker.h"
#include "objects.h"

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

static enum column	 cols[64];
static int		 ncols;

static void		 parse_columns(const char *);
static const char	*field(const struct ipc_object *, enum column, char *,
			    int);
static void		 print_table(const struct ipc_objects *, int, int);
static void		 print_json(const struct ipc_objects *);
static void		 json_string(const char *);
static int		 list_amqp(char **, int, int, int);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_objects l;
	unsigned int kinds = (1U << IPC_NKINDS) - 1;
	const char *errstr;
	char (*names)[IPC_NAMEBUF];
	int ch, i, zflag = 0, Jflag = 0, nflag = 0, rflag = 0, status = 0;
	size_t k;

	setlocale(LC_CTYPE, "");
	while ((ch = getopt_long(argc, argv, "0hJno:rT:V", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case '0':
			zflag = 1;
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
				    *optarg == '\0' ? "\"\"" : optarg);
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
	if (argc > 0 && ipc_is_amqp(argv[0]))
		return list_amqp(argv, argc, nflag, Jflag);
	if (ncols == 0)
		for (ncols = 0; ncols < NCOLUMNS; ncols++)
			cols[ncols] = ncols;

	if ((names = calloc(argc ? argc : 1, sizeof(*names))) == NULL)
		err(IPC_ERROR, NULL);
	for (i = 0; i < argc; i++)
		argv[i] = (char *)ipc_xname(argv[i],
		    kinds == 1U << IPC_SEM ? IPC_SEM : IPC_SHM, names[i],
		    sizeof(names[i]));
	if (ipc_select(&l, kinds, argv, argc) == -1)
		err(IPC_ERROR, "%s", IPC_SHM_DIR);
	/* Names alone need no object opened. */
	for (k = 0; !zflag && k < l.n; k++)
		ipc_object_details(&l.v[k]);

	if (zflag)
		for (k = 0; k < l.n; k++) {
			fputs(l.v[k].name, stdout);
			putchar('\0');
		}
	else if (Jflag)
		print_json(&l);
	else
		print_table(&l, nflag, rflag);
	ipc_xfflush(stdout, "stdout");

	if (l.nomqfs)
		warnx("%s: not mounted, so no queues are listed "
		    "(mount -t mqueue none %s)", IPC_MQ_DIR, IPC_MQ_DIR);
	for (i = 0; i < argc; i++)
		if (l.found[i] == 0 && !ipc_is_pattern(argv[i])) {
			warnx("%s: %s", argv[i], strerror(ENOENT));
			status = IPC_ERROR;
		}
	ipc_objects_free(&l);
	free(names);
	return status;
}

/* "name,type,msgs": the columns, in that order, any case. */
static void
parse_columns(const char *arg)
{
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
		if (c == NCOLUMNS && len == 0)
			errx(IPC_ERROR, "column is invalid: \"\"");
		if (c == NCOLUMNS)
			errx(IPC_ERROR, "column is invalid: %.*s", (int)len, s);
		if (ncols == (int)(sizeof(cols) / sizeof(cols[0])))
			errx(IPC_ERROR, "too many columns: %s", arg);
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
		strftime(buf, FIELDMAX, "%Y-%m-%dT%H:%M:%S", &tm);
		return buf;
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

/* A table: a header, and columns padded to their widest field. */
static void
print_table(const struct ipc_objects *l, int nflag, int rflag)
{
	char buf[FIELDMAX], **cells;
	const char *s;
	size_t k, width[NCOLUMNS] = { 0 }, w;
	int c;

	if ((cells = calloc(l->n * ncols + 1, sizeof(*cells))) == NULL)
		err(IPC_ERROR, NULL);
	for (c = 0; c < ncols; c++)
		width[c] = nflag ? 0 : strlen(columns[cols[c]].header);
	for (k = 0; k < l->n; k++)
		for (c = 0; c < ncols; c++) {
			if ((s = field(&l->v[k], cols[c], buf, 1)) == NULL)
				s = "-";
			if ((cells[k * ncols + c] = strdup(s)) == NULL)
				err(IPC_ERROR, NULL);
			if ((w = strlen(s)) > width[c])
				width[c] = w;
		}
	for (k = nflag ? 1 : 0; k < l->n + 1; k++)
		for (c = 0; c < ncols; c++) {
			s = k == 0 ? columns[cols[c]].header :
			    cells[(k - 1) * ncols + c];
			if (rflag)
				printf("%s%c", s, c == ncols - 1 ? '\n' : '\t');
			else if (columns[cols[c]].number)
				printf("%*s%s", (int)width[c], s,
				    c == ncols - 1 ? "\n" : " ");
			else if (c == ncols - 1)
				printf("%s\n", s);
			else
				printf("%-*s ", (int)width[c], s);
		}
	for (k = 0; k < l->n * ncols; k++)
		free(cells[k]);
	free(cells);
}

/* One JSON array of objects; what is unknown or not of the kind is null. */
static void
print_json(const struct ipc_objects *l)
{
	char buf[FIELDMAX];
	const char *s;
	size_t k;
	int c;

	fputs("[", stdout);
	for (k = 0; k < l->n; k++) {
		fputs(k == 0 ? "\n  {" : ",\n  {", stdout);
		for (c = 0; c < ncols; c++) {
			printf("%s\"%s\": ", c == 0 ? "" : ", ",
			    columns[cols[c]].key);
			if ((s = field(&l->v[k], cols[c], buf, 0)) == NULL)
				fputs("null", stdout);
			else if (columns[cols[c]].number)
				fputs(s, stdout);
			else
				json_string(s);
		}
		fputs("}", stdout);
	}
	fputs(l->n == 0 ? "]\n" : "\n]\n", stdout);
}

/*
 * A JSON string.  UTF-8 passes; a byte that is not UTF-8 (a name may hold
 * any) is taken as Latin-1, so that the document stays valid.
 */
static void
json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	putchar('"');
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else if (*p < 0x80)
			putchar(*p);
		else if ((n = ipc_utf8_len(p, strlen((const char *)p))) == 0)
			printf("\\u%04x", *p);
		else {
			fwrite(p, 1, n, stdout);
			p += n - 1;
		}
	}
	putchar('"');
}

/*
 * Queues on a broker: what their declaration tells, messages ready and
 * consumers.  Names only, all of them broker queues; -n and -J apply.
 */
static int
list_amqp(char **names, int n, int nflag, int Jflag)
{
	struct ipc_amqp *a;
	const char *shown;
	long long msgs, cons;
	int i, status = IPC_OK, first = 1;

	if (ncols > 0)
		errx(IPC_ERROR, "cannot use -o with amqp:// names");
	ipc_xamqp_only(names, n);
	if (Jflag)
		putchar('[');
	for (i = 0; i < n; i++) {
		if ((a = ipc_amqp_xfind(names[i], &shown)) == NULL) {
			warnx("%s: %s", shown, strerror(ENOENT));
			status = IPC_ERROR;
			continue;
		}
		ipc_amqp_counts(a, &msgs, &cons);
		ipc_amqp_close(a);
		/* The header once something is known, after a connect. */
		if (first && !Jflag && !nflag)
			printf("%-4s  %-32s  %8s  %9s\n", "TYPE", "NAME", "MSGS",
			    "CONSUMERS");
		if (Jflag) {
			printf("%s{\"type\":\"amqp\",\"name\":",
			    first ? "" : ",");
			first = 0;
			json_string(shown);
			printf(",\"msgs\":%lld,\"consumers\":%lld}", msgs, cons);
		} else {
			printf("%-4s  %-32s  %8lld  %9lld\n", "amqp", shown, msgs,
			    cons);
			first = 0;
		}
	}
	if (Jflag)
		puts("]");
	ipc_xfflush(stdout, "stdout");
	return status;
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-0Jnr] [-o columns] [-T type] [name ...]\n",
	    getprogname());
	if (status == 0) {
		fprintf(fp, "List the POSIX message queues, semaphores and "
		    "shared memory objects.\n\n"
		    "  -0, --null            names only, each ended with "
		    "NUL\n"
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
