/* amqp-none.c: an ipcutils built without librabbitmq (--without-amqp). */
#include <err.h>

#include "broker.h"

struct ipc_amqp *
ipc_amqp_xopen(const char *name, const struct ipc_amqp_conf *conf,
    const struct ipc_create *c, const char **shown)
{
	(void)conf;
	(void)c;
	*shown = ipc_amqp_shown(name);
	if (ipc_is_amqp(name))
		errx(ipc_errexit, "%s: this ipcutils was built without AMQP "
		    "(configure --with-amqp, librabbitmq)", *shown);
	return NULL;
}

/* Never reached: there is no queue to act on. */
void ipc_amqp_counts(const struct ipc_amqp *a, long long *m, long long *c)
{ (void)a; *m = *c = -1; }
void ipc_amqp_xdelete(struct ipc_amqp *a) { (void)a; }
void ipc_amqp_close(struct ipc_amqp *a) { (void)a; }
void ipc_amqp_xsend(struct ipc_amqp *a, const char *m, size_t l,
    unsigned int p, unsigned long r, const struct ipc_wait *w)
{ (void)a; (void)m; (void)l; (void)p; (void)r; (void)w; }
void ipc_amqp_xsend_done(struct ipc_amqp *a, const struct ipc_wait *w)
{ (void)a; (void)w; }
void ipc_amqp_xconfirm(struct ipc_amqp *a, const struct ipc_wait *w)
{ (void)a; (void)w; }
void ipc_amqp_xconsume(struct ipc_amqp *a, long long n)
{ (void)a; (void)n; }
int ipc_amqp_xtake(struct ipc_amqp *a, const struct timespec *t, char *b,
    size_t c, size_t *l, unsigned int *p, uint64_t *g)
{ (void)a; (void)t; (void)b; (void)c; (void)l; (void)p; (void)g; return -1; }
void ipc_amqp_done(struct ipc_amqp *a, uint64_t t) { (void)a; (void)t; }
int ipc_amqp_ack(struct ipc_amqp *a, uint64_t t)
{ (void)a; (void)t; return -1; }
int ipc_amqp_fd(const struct ipc_amqp *a) { (void)a; return -1; }
int ipc_amqp_putback(struct ipc_amqp *a, uint64_t t)
{ (void)a; (void)t; return -1; }
void ipc_amqp_xclose(struct ipc_amqp *a) { (void)a; }
unsigned long ipc_amqp_confirmed(const struct ipc_amqp *a)
{ (void)a; return 0; }
