#!/usr/bin/env bats
# The broker backend where the broker says no, or says nothing: an open
# the broker refuses halfway, a --failed queue on a broker that stays
# full, against a private RabbitMQ (tests/broker.bash).

setup_file() {
	load broker
	broker_start
	if [ -n "$BROKER_SKIP" ]; then
		echo "# broker: $BROKER_SKIP" >&3
	else
		echo "# broker: started in ${BROKER_START_SECONDS}s on port $BROKER_PORT" >&3
	fi
}

teardown_file() {
	load broker
	broker_stop
}

setup() {
	load test_helper
	load broker
	requires_broker
	Q="$AMQP_URL/$N"
	pid=
	user=
}

teardown() {
	kill_bg "${pid:-}"
	[ -z "${BROKER_PORT:-}" ] || [ -n "${BROKER_SKIP:-}" ] || {
		ipc-rm -f "$Q" "$Q-f" "$Q-q" "$AMQP_URL/?exchange=$N" \
		    2>/dev/null || true
		[ -z "$user" ] || broker_ctl delete_user "$user" || true
	}
}

# The broker's queues, exchanges: names, one a line.
has_queue() {
	broker_ctl list_queues --no-table-headers name | grep -qxF "$1"
}

has_exchange() {
	broker_ctl list_exchanges --no-table-headers name | grep -qxF "$1"
}

# Messages ready in a queue, as ipc-ls says.
ready() {
	ipc-ls -n "$1" | awk '{ print $3 }'
}

ready_is() {
	[ "$(ready "$1")" = "$2" ]
}

# amqp-get, Debian's amqp-tools: one message, or exit non-zero.
tools_get() {
	amqp-get -s 127.0.0.1 --port "$BROKER_PORT" --username ipct \
	    --password "$BROKER_PASSWORD" -q "$1"
}

has_lines() {
	[ "$(wc -l < "$1" 2>/dev/null)" = "$2" ]
}

# A user of the broker who may make and write queues and exchanges, but
# read none: a binding is refused.  Its name in $user, its password the
# same as the test's.
noread_user() {
	user="ipct-$$-$BATS_TEST_NUMBER-u"
	broker_ctl add_user "$user" "$BROKER_PASSWORD" >/dev/null
	broker_ctl set_permissions -p / "$user" '.*' '.*' '^$' >/dev/null
}

@test "amqp-odd: a named queue whose binding is refused: exit 2, one line, and neither the queue nor the exchange it made is left" {
	noread_user
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" \
	    mq-recv -n "$Q-q?exchange=$N"
	[ "${#lines[@]}" -eq 0 ]
	[[ "$stderr" == "mq-recv: $Q-q?exchange=$N: "*ACCESS_REFUSED* ]] ||
	    fail "stderr: $stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	if has_queue "$N-q"; then fail "the queue $N-q is left"; fi
	if has_exchange "$N"; then fail "the exchange $N is left"; fi
	# Nor does it take away what was there before.
	run -0 mq-send "$Q-q" a
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" \
	    mq-recv -n "$Q-q?exchange=$N"
	if has_exchange "$N"; then fail "the exchange $N is left"; fi
	run -0 ready "$Q-q"
	assert_output 1
}

@test "amqp-odd: a queue the broker refuses behind a new exchange: exit 2, one line, and the exchange is not left" {
	# amq.* names are the broker's own: it refuses to declare one.
	run -2 --separate-stderr mq-send "$AMQP_URL/amq.$N?exchange=$N" a
	[[ "$stderr" == "mq-send: $AMQP_URL/amq.$N?exchange=$N: "*ACCESS_REFUSED* ]] ||
	    fail "stderr: $stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	if has_exchange "$N"; then fail "the exchange $N is left"; fi
}
