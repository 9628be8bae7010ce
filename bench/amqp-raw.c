/* amqp-raw: the limit for bench/amqp.sh, librabbitmq called directly. */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

/*
 * amqp-raw send HOST PORT QUEUE N SIZE: N persistent messages of SIZE
 * bytes, publisher confirms in batches (at most WINDOW unconfirmed).
 * amqp-raw xsend HOST PORT EXCHANGE N SIZE: the same, published to a
 * durable fanout exchange (mandatory, as mq-send publishes), made if need be.
 * amqp-raw recv HOST PORT QUEUE N: take N, acknowledged in batches.
 * The queue as mq-send makes it: durable, priorities 0 to 9.  The user
 * and password are IPCUTILS_AMQP_USER and IPCUTILS_AMQP_PASSWORD.
 */
#define WINDOW		8192
#define PREFETCH	2000
#define CH		1

static amqp_connection_state_t conn;

static void
check(amqp_rpc_reply_t r, const char *what)
{
	if (r.reply_type != AMQP_RESPONSE_NORMAL)
		errx(2, "%s failed (reply type %d)", what, r.reply_type);
}

static void
setup(const char *host, int port, const char *queue, int exchange)
{
	const char *user = getenv("IPCUTILS_AMQP_USER");
	const char *pass = getenv("IPCUTILS_AMQP_PASSWORD");
	amqp_table_entry_t e;
	amqp_table_t args = { 1, &e };
	amqp_socket_t *s;

	conn = amqp_new_connection();
	if ((s = amqp_tcp_socket_new(conn)) == NULL ||
	    amqp_socket_open(s, host, port) != AMQP_STATUS_OK)
		errx(2, "cannot connect to %s:%d", host, port);
	check(amqp_login(conn, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0,
	    AMQP_SASL_METHOD_PLAIN, user ? user : "guest",
	    pass ? pass : "guest"), "login");
	amqp_channel_open(conn, CH);
	check(amqp_get_rpc_reply(conn), "channel.open");
	if (exchange) {
		amqp_exchange_declare(conn, CH, amqp_cstring_bytes(queue),
		    amqp_cstring_bytes("fanout"), 0, 1, 0, 0, amqp_empty_table);
		check(amqp_get_rpc_reply(conn), "exchange.declare");
		return;
	}
	e.key = amqp_cstring_bytes("x-max-priority");
	e.value.kind = AMQP_FIELD_KIND_I32;
	e.value.value.i32 = 9;
	amqp_queue_declare(conn, CH, amqp_cstring_bytes(queue), 0, 1, 0, 0,
	    args);
	check(amqp_get_rpc_reply(conn), "queue.declare");
}

/* Read confirms until at most left are outstanding. */
static void
confirms(uint64_t sent, uint64_t *acked, uint64_t left)
{
	amqp_frame_t f;

	while (sent - *acked > left) {
		if (amqp_simple_wait_frame(conn, &f) != AMQP_STATUS_OK)
			errx(2, "connection lost");
		if (f.frame_type != AMQP_FRAME_METHOD)
			continue;
		if (f.payload.method.id == AMQP_BASIC_ACK_METHOD) {
			amqp_basic_ack_t *a = f.payload.method.decoded;

			*acked = a->multiple ? a->delivery_tag : *acked + 1;
		} else if (f.payload.method.id == AMQP_BASIC_NACK_METHOD)
			errx(2, "refused");
		amqp_maybe_release_buffers(conn);
	}
}

static void
publish_n(const char *queue, long n, size_t size, int exchange)
{
	amqp_bytes_t ex = exchange ? amqp_cstring_bytes(queue) :
	    amqp_empty_bytes;
	amqp_bytes_t key = exchange ? amqp_empty_bytes :
	    amqp_cstring_bytes(queue);
	amqp_basic_properties_t props;
	uint64_t sent = 0, acked = 0;
	char *buf;

	if ((buf = malloc(size)) == NULL)
		err(2, NULL);
	memset(buf, 'x', size);
	amqp_confirm_select(conn, CH);
	check(amqp_get_rpc_reply(conn), "confirm.select");
	props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_PRIORITY_FLAG;
	props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
	props.priority = 0;
	while (sent < (uint64_t)n) {
		amqp_bytes_t body = { size, buf };

		if (amqp_basic_publish(conn, CH, ex, key, 1, 0, &props, body) !=
		    AMQP_STATUS_OK)
			errx(2, "publish failed");
		sent++;
		if (sent - acked >= WINDOW)
			confirms(sent, &acked, WINDOW / 2);
	}
	confirms(sent, &acked, 0);
}

static void
consume_n(const char *queue, long n)
{
	amqp_envelope_t env;
	uint64_t last = 0;
	long got;

	amqp_basic_qos(conn, CH, 0, PREFETCH, 0);
	check(amqp_get_rpc_reply(conn), "basic.qos");
	amqp_basic_consume(conn, CH, amqp_cstring_bytes(queue),
	    amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
	check(amqp_get_rpc_reply(conn), "basic.consume");
	for (got = 0; got < n; got++) {
		amqp_maybe_release_buffers(conn);
		check(amqp_consume_message(conn, &env, NULL, 0), "consume");
		last = env.delivery_tag;
		amqp_destroy_envelope(&env);
		if (got % (PREFETCH / 2) == 0)
			amqp_basic_ack(conn, CH, last, 1);
	}
	amqp_basic_ack(conn, CH, last, 1);
}

int
main(int argc, char *argv[])
{
	int xsend = argc == 7 && strcmp(argv[1], "xsend") == 0;
	int sending = xsend || (argc == 7 && strcmp(argv[1], "send") == 0);

	if (!sending && !(argc == 6 && strcmp(argv[1], "recv") == 0))
		errx(2, "usage: amqp-raw send host port queue n size | "
		    "xsend host port exchange n size | recv host port queue n");
	setup(argv[2], atoi(argv[3]), argv[4], xsend);
	if (sending)
		publish_n(argv[4], atol(argv[5]), atol(argv[6]), xsend);
	else
		consume_n(argv[4], atol(argv[5]));
	amqp_channel_close(conn, CH, AMQP_REPLY_SUCCESS);
	amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(conn);
	return 0;
}
