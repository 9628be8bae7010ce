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
	[ "$(wc -l 2>/dev/null < "$1")" = "$2" ]
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

@test "amqp-odd: mq-recv --exec with a broker's --failed queue that stays full: -t bounds the wait, the message goes back on its queue, exit 1" {
	mq-send --max-messages 1 "$Q-f" x
	mq-send "$Q" a
	run -1 --separate-stderr timeout 30 \
	    mq-recv -t 2 --failed "$Q-f" --exec false "$Q"
	assert_equal "$stderr" "mq-recv: $Q: message 1: command exited 1; $Q-f stayed full, put back on $Q"
	# Nothing lost, nothing twice: a on its queue, x alone in failed.
	wait_until ready_is "$Q" 1
	run -0 mq-recv -d "$Q"
	assert_output a
	run -0 mq-recv -d "$Q-f"
	assert_output x
}

@test "amqp-odd: mq-recv --exec waiting for room in a broker's --failed queue sends the message there once, when a consumer makes room" {
	d=$BATS_TEST_TMPDIR
	mq-send --max-messages 2 "$Q-f" x y
	mq-send "$Q" a
	mq-recv -c 1 -t 30 --failed "$Q-f" --exec "echo ran >> $d/ran; false" \
	    "$Q" 2> "$d/err" 3>&- &
	pid=$!
	wait_until has_lines "$d/ran" 1
	wait_asleep "$pid"
	run -0 tools_get "$N-f"
	assert_output x
	reap "$pid"
	pid=
	run -0 cat "$d/err"
	assert_output "mq-recv: $Q: message 1: command exited 1; sent to $Q-f"
	assert_equal "$status" 0
	run -0 mq-recv -d "$Q-f"
	assert_output $'y\na'
	run -0 ready "$Q"
	assert_output 0
}

@test "amqp-odd: SIGTERM to mq-recv --exec waiting for room in a broker's --failed queue puts the message back on its own queue" {
	d=$BATS_TEST_TMPDIR
	mq-send --max-messages 1 "$Q-f" x
	mq-send "$Q" a
	mq-recv --failed "$Q-f" --exec "echo ran >> $d/ran; false" \
	    "$Q" 2> "$d/err" 3>&- &
	pid=$!
	wait_until has_lines "$d/ran" 1
	wait_asleep "$pid"
	run -0 timeout 30 bash -c "kill -TERM $pid; while kill -0 $pid 2>/dev/null; do sleep 0.05; done"
	reap "$pid"
	pid=
	assert_equal "$status" 143
	wait_until ready_is "$Q" 1
	run -0 mq-recv -d "$Q"
	assert_output a
	run -0 mq-recv -d "$Q-f"
	assert_output x
}
