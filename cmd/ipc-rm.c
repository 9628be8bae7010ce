/* ipc-rm: remove queues, semaphores and shared memory, POSIX and System V. */
#include <sys/time.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define LIBBSD_OPENBSD_VIS	/* strvis(3) alone, as everywhere */
#include <vis.h>

#include "queue.h"
#include "objects.h"
#include "sem.h"
#include "shm.h"
#include "sysv.h"
#include "url.h"

enum { OPT_OLDER = IPC_OPT_TOOL, OPT_UNATTACHED };

static const struct option longopts[] = {
	{ "force",		no_argument,		NULL, 'f' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "namespace",		required_argument,	NULL, 'N' },
	{ "dry-run",		no_argument,		NULL, 'n' },
	{ "type",		required_argument,	NULL, 'T' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "older-than",		required_argument,	NULL, OPT_OLDER },
	{ "unattached",		no_argument,		NULL, OPT_UNATTACHED },
	IPC_TLS_LONGOPTS,
	{ NULL,			0,			NULL, 0 }
};

static int		 old_enough(const struct ipc_object *,
			    const struct timespec *);
static void		 ambiguous(const struct ipc_objects *, char **, int,
			    int);
static int		 wanted(const struct ipc_object *, char **, int, int,
			    const struct timespec *);
static void		 refused(const struct ipc_objects *, char **, int,
			    const struct timespec *);
struct rm_shm {
	int		 nflag, vflag, status;
	const struct ipc_tls_opts *tls;
};

static int		 rm_remote(char **, int, int, int, int,
			    const struct ipc_tls_opts *);
static int		 rm_shm(void *, const struct ipc_shm_info *);
static int		 rm_sem(void *, const struct ipc_sem_info *);
static _Noreturn void	 usage(int);

int
main(int argc, char *argv[])
{
	struct ipc_objects l;
	struct ipc_object *o;
	struct timespec agebuf, *age = NULL;
	struct ipc_tls_opts tls = { NULL, NULL, NULL, NULL, 0 };
	unsigned int kinds = IPC_KINDS_ALL;
	const char *errstr, *mixed, *ns = NULL;
	char vis[4 * IPC_NAMEBUF + 1], why[IPC_WHYLEN], *all[] = { "key:*" };
	int ch, i, fflag = 0, nflag = 0, vflag = 0, Tflag = 0, uflag = 0;
	int status = IPC_OK;
	size_t k;

	ipc_stdfds();
	setlocale(LC_CTYPE, "");
	while ((ch = getopt_long(argc, argv, "+fhN:nT:Vv", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'f':
			fflag = 1;
			break;
		case 'h':
			usage(IPC_OK);
		case 'N':
			ns = optarg;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'T':
			if ((kinds = ipc_kinds(optarg, &errstr)) == 0)
				errx(IPC_ERROR, "type is %s: %s", errstr,
				    ipc_shown(optarg));
			Tflag = 1;
			break;
		case 'V':
			ipc_version();
		case 'v':
			vflag = 1;
			break;
		case OPT_OLDER:
			ipc_xduration(optarg, &agebuf, "--older-than");
			age = &agebuf;
			break;
		case OPT_UNATTACHED:
			uflag = 1;
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
	if (argc == 0 && !uflag)
		usage(IPC_ERROR);
	if (argc > 0 && ipc_has_scheme(argv[0])) {
		if (Tflag || age != NULL || uflag || ns != NULL)
			errx(IPC_ERROR, "cannot use -T, -N, --older-than or "
			    "--unattached with names of a backend");
		return rm_remote(argv, argc, fflag, nflag, vflag, &tls);
	}
	if (ipc_tls_given(&tls))
		errx(IPC_ERROR, "the --tls options are for names of a backend "
		    "(etcds://, amqps://)");
	if (uflag) {
		if (Tflag && kinds != 1U << IPC_SYSV_SHM)
			errx(IPC_ERROR, "cannot use --unattached with -T other "
			    "than sysv-shm");
		kinds = 1U << IPC_SYSV_SHM;
		/* Without names, every segment. */
		if (argc == 0) {
			argv = all;
			argc = 1;
		}
	}
	/* Before anything is looked at. */
	if (ns != NULL)
		kinds = ipc_xnamespace(ns, Tflag, kinds);

	/* Every name is checked before anything is removed. */
	ipc_xselect(&l, kinds, argv, argc);
	ambiguous(&l, argv, argc, Tflag);
	refused(&l, argv, fflag || uflag, age);

	for (k = 0; k < l.n; k++) {
		o = &l.v[k];
		if (!wanted(o, argv, fflag, uflag, age))
			continue;
		strvis(vis, o->name, VIS_CSTYLE | VIS_TAB | VIS_NL);
		if (o->kind >= IPC_NKINDS)
			snprintf(vis + strlen(vis), sizeof(vis) - strlen(vis),
			    " id:%d", o->id);
		if (nflag) {
			printf("would remove %s %s\n", ipc_kind_name(o->kind),
			    vis);
			continue;
		}
		if (ipc_object_unlink(o, why, sizeof(why)) == -1) {
			/* Gone meanwhile: what was asked is done. */
			if (errno == ENOENT && (fflag ||
			    ipc_is_pattern(argv[o->arg])))
				continue;
			warnx("%s: %s", ipc_shown(o->name), why);
			status = IPC_ERROR;
			continue;
		}
		if (vflag)
			printf("removed %s %s\n", ipc_kind_name(o->kind), vis);
	}
	ipc_xfflush(stdout, "stdout");

	if (l.nomqfs) {
		warnx("%s: not mounted, so no queues are matched "
		    "(mount -t mqueue none %s)", IPC_MQ_DIR, IPC_MQ_DIR);
		if (Tflag)
			status = IPC_ERROR;
	}
	for (i = 0; i < argc; i++)
		if (ipc_objects_missed(&l, argv, i) && !fflag) {
			warnx("%s: %s", ipc_shown(argv[i]),
			    ipc_object_absent(kinds, argv[i], ": left alone"));
			status = IPC_ERROR;
		}
	ipc_objects_free(&l);
	return status;
}

/* Last modified longer ago than age; unknown when it cannot be seen. */
static int
old_enough(const struct ipc_object *o, const struct timespec *age)
{
	struct timespec now, d;

	if (o->nostat)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	timespecsub(&now, &o->st.st_mtim, &d);
	return timespeccmp(&d, age, >);
}

/*
 * A name that objects of two kinds share needs -T, and a key that several
 * objects of one kind share (IPC_PRIVATE's) needs their ids: remove none.
 */
static void
ambiguous(const struct ipc_objects *l, char **args, int nargs, int Tflag)
{
	char kinds[64];
	size_t k;
	int i, last, many;

	for (i = 0; i < nargs; i++) {
		if (l->found[i] < 2 || ipc_is_pattern(args[i]))
			continue;
		kinds[0] = '\0';
		last = -1;
		many = 0;
		for (k = 0; k < l->n; k++) {
			if (l->v[k].arg != i)
				continue;
			if (l->v[k].kind == last) {
				many = 1;
				continue;
			}
			if (kinds[0] != '\0')
				strlcat(kinds, " and ", sizeof(kinds));
			strlcat(kinds, ipc_kind_name(l->v[k].kind),
			    sizeof(kinds));
			last = l->v[k].kind;
		}
		if (strchr(kinds, ' ') != NULL && !Tflag)
			errx(IPC_ERROR, "%s: names objects of more than one "
			    "type (%s): use -T", ipc_shown(args[i]), kinds);
		if (many)
			errx(IPC_ERROR, "%s: names more than one %s object: "
			    "use id:N", ipc_shown(args[i]), kinds);
	}
}

/*
 * Is o to be removed?  Not when too young, nor a segment still attached
 * under --unattached, nor, for a glob, a System V object this user may not
 * remove or (without -f) a segment still attached: a glob takes what it
 * can.  A name given exactly is refused() instead.
 */
static int
wanted(const struct ipc_object *o, char **args, int fflag, int uflag,
    const struct timespec *age)
{
	char why[IPC_WHYLEN];

	if (age != NULL && !old_enough(o, age))
		return 0;
	if (o->kind < IPC_NKINDS)
		return 1;
	if (uflag && o->nattch > 0)
		return 0;
	if (!ipc_is_pattern(args[o->arg]))
		return 1;
	return ipc_sysv_may_remove(o, why, sizeof(why)) == 0 &&
	    (fflag || o->nattch <= 0);
}

/*
 * A System V object named exactly that this user may not remove, or a
 * segment still attached (without -f): each said, and nothing removed.
 */
static void
refused(const struct ipc_objects *l, char **args, int fflag,
    const struct timespec *age)
{
	const struct ipc_object *o;
	char why[IPC_WHYLEN];
	size_t k;
	int bad = 0;

	for (k = 0; k < l->n; k++) {
		o = &l->v[k];
		if (o->kind < IPC_NKINDS || ipc_is_pattern(args[o->arg]) ||
		    (age != NULL && !old_enough(o, age)))
			continue;
		if (ipc_sysv_may_remove(o, why, sizeof(why)) == -1) {
			warnx("%s: %s", ipc_shown(args[o->arg]), why);
			bad = 1;
		} else if (o->nattch > 0 && !fflag) {
			warnx("%s: attached by %lld process%s (-f removes it "
			    "at the last detach)", ipc_shown(args[o->arg]),
			    o->nattch, o->nattch == 1 ? "" : "es");
			bad = 1;
		}
	}
	if (bad)
		exit(IPC_ERROR);
}

/* Remove objects of backends (names with a scheme, all of them). */

static int
rm_remote(char **names, int n, int fflag, int nflag, int vflag,
    const struct ipc_tls_opts *tls)
{
	struct ipc_queue_conf c = IPC_QUEUE_CONF_DEFAULT;
	struct ipc_queue *q;
	static char *shown;	/* reachable at an exit */
	struct rm_shm rs = { nflag, vflag, IPC_OK, tls };
	char why[IPC_WHYLEN], *s;
	int i, r, r2, status = IPC_OK;

	c.tls = *tls;
	for (i = 0; i < n; i++) {
		/*
		 * Shared memory and semaphores of a backend that lists them
		 * (etcd): each object the name or glob finds.
		 */
		rs.status = IPC_OK;
		if ((r = ipc_shm_list(names[i], tls, rm_shm, &rs, why,
		    sizeof(why))) != -1 || errno != EPROTONOSUPPORT) {
			if ((s = ipc_url_shown(names[i])) == NULL)
				err(IPC_ERROR, NULL);
			if (r != -1) {
				r2 = ipc_sem_list(names[i], tls, rm_sem, &rs,
				    why, sizeof(why));
				r = r2 == -1 && errno != EPROTONOSUPPORT ?
				    -1 : r + (r2 > 0 ? r2 : 0);
			}
			if (r == -1 || (r == 0 && !fflag))
				warnx("%s: %s", ipc_shown(s), r == 0 ?
				    strerror(ENOENT) : why);
			free(s);
			if (r == -1 || (r == 0 && !fflag) ||
			    rs.status != IPC_OK)
				status = IPC_ERROR;
			continue;
		}
		free(shown);
		shown = ipc_xqueue_shown(names[i]);
		if ((q = ipc_queue_open(names[i], shown, IPC_Q_LOOK, &c, why,
		    sizeof(why))) == NULL) {
			if (!fflag || errno != ENOENT) {
				warnx("%s: %s", shown, why);
				status = IPC_ERROR;
			}
			continue;
		}
		if (nflag)
			printf("would remove %s %s\n", q->be->scheme, shown);
		else if (ipc_queue_remove(q) == -1)
			errx(IPC_ERROR, "%s: %s", shown,
			    ipc_queue_why(q, errno));
		else if (vflag)
			printf("removed %s %s\n", q->be->scheme, shown);
		ipc_queue_close(q, why, sizeof(why));
	}
	ipc_xfflush(stdout, "stdout");
	return status;
}

/* Remove one object that rm_remote's list found. */
static int
rm_shm(void *arg, const struct ipc_shm_info *o)
{
	struct rm_shm *rs = arg;
	char why[IPC_WHYLEN];

	if (rs->nflag)
		printf("would remove shm %s\n", ipc_shown(o->name));
	else if (ipc_shm_unlink(o->raw, rs->tls, why, sizeof(why)) == -1) {
		/* Gone since the list: another ipc-rm's, no failure. */
		if (errno != ENOENT) {
			warnx("%s: %s", ipc_shown(o->name), why);
			rs->status = IPC_ERROR;
		}
	} else if (rs->vflag)
		printf("removed shm %s\n", ipc_shown(o->name));
	return 0;
}

/*
 * One semaphore that rm_remote's list found.  Its holders' commands run
 * on; its waiters fail (ipc-rm(1)).
 */
static int
rm_sem(void *arg, const struct ipc_sem_info *o)
{
	struct rm_shm *rs = arg;
	char why[IPC_WHYLEN];

	if (rs->nflag)
		printf("would remove sem %s\n", ipc_shown(o->name));
	else if (ipc_sem_unlink(o->raw, rs->tls, why, sizeof(why)) == -1) {
		/* Gone since the list: another ipc-rm's, no failure. */
		if (errno != ENOENT) {
			warnx("%s: %s", ipc_shown(o->name), why);
			rs->status = IPC_ERROR;
		}
	} else if (rs->vflag)
		printf("removed sem %s\n", ipc_shown(o->name));
	return 0;
}

static _Noreturn void
usage(int status)
{
	FILE *fp = status == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s [-fnv] [-N pid] [-T type] [--older-than "
	    "duration] name ...\n"
	    "       %s [-fnv] [-N pid] --unattached [--older-than duration] "
	    "[name ...]\n"
	    "       %s [-fnv] [--tls-ca file] [--tls-cert file] "
	    "[--tls-key file]\n"
	    "\t[--tls-name name] [--tls-noverify] url ...\n",
	    getprogname(), getprogname(), getprogname());
	if (status == 0) {
		fprintf(fp, "Remove message queues, semaphores and shared "
		    "memory objects, POSIX and\n"
		    "System V (key:0x0000abcd, id:N); a name may be a glob "
		    "pattern: 'job-*', 'key:0x1234*'.\n\n"
		    "  -f, --force           no error for a missing name; an "
		    "attached segment too\n"
		    "  -N, --namespace pid   in the IPC and mount namespaces "
		    "of process pid\n"
		    "  -n, --dry-run         say what would be removed, "
		    "remove nothing\n"
		    "  -T, --type type       only mq, sem, shm, sysv-msg, "
		    "sysv-sem, sysv-shm, sysv,\n"
		    "                        or a list: mq,shm\n"
		    "  -v, --verbose         say each object removed\n"
		    "      --older-than age  only objects last changed "
		    "longer ago (1h, 2m)\n"
		    "      --unattached      only segments no process has "
		    "attached (all, without names)\n"
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
