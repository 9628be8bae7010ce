#!/usr/bin/env bats
# mq-send and mq-recv on a broker's exchanges (amqp://host/?exchange=EX):
# publish and subscribe, against a private RabbitMQ (tests/broker.bash).

setup_file() {
	load broker
	broker_setup_file
}

teardown_file() {
	load broker
	broker_stop
}

setup() {
	load test_helper
	load broker
	requires_broker
	X="$AMQP_URL/?exchange=$N"
	pids=
}

teardown() {
	kill_bg ${pids:-}
	[ -z "${BROKER_PORT:-}" ] || [ -n "${BROKER_SKIP:-}" ] ||
	    ipc-rm -f "$AMQP_URL/?exchange=$N" "$AMQP_URL/$N-q" \
	    "$AMQP_URL/$N-r" 2>/dev/null || true
}

# The queues bound to exchange $1, one a line, as the broker lists them.
bound() {
	broker_ctl list_bindings --no-table-headers source_name \
	    destination_name | awk -F '\t' -v x="$1" '$1 == x { print $2 }'
}

# Are n queues bound to exchange $1?
nbound_is() {
	[ "$(bound "$1" | wc -l)" -eq "$2" ]
}

wait_bound() {
	wait_until nbound_is "$1" "$2" ||
	    { echo "wait_bound: $1 has $(bound "$1" | wc -l) bindings, not $2" >&2; return 1; }
}

# The queues of the broker, one a line.
queues() {
	broker_ctl list_queues --no-table-headers name
}

@test "amqp-exchange: two subscribers both get 1000 lines in order; a named queue's subscriber gets them after it was stopped and started again" {
	# The named subscription binds its queue and goes (nothing yet).
	run -1 mq-recv -n "$AMQP_URL/$N-q?exchange=$N"
	mq-recv -c 1000 "$X" > "$BATS_TEST_TMPDIR/a" &
	pids="$pids $!"
	mq-recv -c 1000 "$X" > "$BATS_TEST_TMPDIR/b" &
	pids="$pids $!"
	wait_bound "$N" 3
	seq 1000 | mq-send "$X"
	for p in $pids; do
		reap "$p"
		[ "$status" -eq 0 ]
	done
	seq 1000 > "$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/a"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/b"
	# Started again, the named queue's reader has all of them.
	mq-recv -c 1000 "$AMQP_URL/$N-q?exchange=$N" > "$BATS_TEST_TMPDIR/q"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/q"
	run -1 mq-recv -n "$AMQP_URL/$N-q"
}

@test "amqp-exchange: a topic subscriber with logs.*.error gets only those" {
	mq-recv -c 3 "$AMQP_URL/?exchange=$N&type=topic&key=logs.*.error" \
	    > "$BATS_TEST_TMPDIR/out" &
	pids=$!
	wait_bound "$N" 1
	mq-send "$AMQP_URL/?exchange=$N&key=logs.web.error" e1
	run -1 mq-send "$AMQP_URL/?exchange=$N&key=logs.web.info" i1
	run -1 mq-send "$AMQP_URL/?exchange=$N&key=logs.a.b.error" i2
	run -1 mq-send "$AMQP_URL/?exchange=$N&key=logs.error" i3
	mq-send "$AMQP_URL/?exchange=$N&key=logs.db.error" e2
	mq-send "$AMQP_URL/?exchange=$N&type=topic&key=logs.end.error" end
	reap "$pids"
	[ "$status" -eq 0 ]
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output $'e1\ne2\nend'
}

@test "amqp-exchange: amqp-publish -e reaches mq-recv's subscription" {
	command -v amqp-publish >/dev/null || skip "needs amqp-tools"
	mq-recv -c 2 "$X" > "$BATS_TEST_TMPDIR/out" &
	pids=$!
	wait_bound "$N" 1
	for m in one "two words"; do
		amqp-publish -s 127.0.0.1 --port "$BROKER_PORT" --username ipct \
		    --password "$BROKER_PASSWORD" -e "$N" -r "" -b "$m"
	done
	reap "$pids"
	[ "$status" -eq 0 ]
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output $'one\ntwo words'
}

@test "amqp-exchange: amqp-consume -e -r KEY gets what mq-send publishes" {
	command -v amqp-consume >/dev/null || skip "needs amqp-tools"
	mq-send --unroutable-ok "$X" made
	# amqp-tools 0.11 crashes without -r (rabbitmq-c#549) and binds
	# nothing with -r "": a key, which a fanout exchange ignores.
	amqp-consume -s 127.0.0.1 --port "$BROKER_PORT" --username ipct \
	    --password "$BROKER_PASSWORD" -e "$N" -r any -c 2 awk 1 \
	    > "$BATS_TEST_TMPDIR/out" &
	pids=$!
	wait_bound "$N" 1
	mq-send "$X" first second
	reap "$pids"
	[ "$status" -eq 0 ]
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output $'first\nsecond'
}

@test "amqp-exchange: a message no queue takes is exit 1, counted; what was routed is all there" {
	run -0 mq-recv -n "$AMQP_URL/$N-q?exchange=$N&type=direct&key=a" || true
	run -1 --separate-stderr mq-send "$AMQP_URL/?exchange=$N&key=b" x y z
	[ "$stderr" = "mq-send: $AMQP_URL/?exchange=$N&key=b: 3 of 3 messages reached no queue (unroutable)" ]
	run -0 mq-send --unroutable-ok "$AMQP_URL/?exchange=$N&key=b" x
	[ "$output" = "" ]
	seq 100 | mq-send "$AMQP_URL/?exchange=$N&key=a"
	run -0 ipc-ls -n "$AMQP_URL/$N-q"
	assert_output --regexp "^amqp +$AMQP_URL/$N-q +100 +0\$"
	run -0 mq-recv -c 100 "$AMQP_URL/$N-q"
	assert_output "$(seq 100)"
}

@test "amqp-exchange: SIGTERM of a subscriber removes its queue" {
	mq-recv "$X" &
	pids=$!
	wait_bound "$N" 1
	own=$(bound "$N")
	[[ $own == amq.gen-* ]]
	run -0 queues
	assert_line "$own"
	kill -TERM "$pids"
	reap "$pids"
	[ "$status" -eq 143 ]
	run -2 --separate-stderr ipc-ls -n "$AMQP_URL/$own"
	[ "$stderr" = "ipc-ls: $AMQP_URL/$own: No such file or directory" ]
	run -0 queues
	[[ $output != *"$own"* ]]
	run -0 bound "$N"
	assert_output ""
}

@test "amqp-exchange: a missing exchange is made, fanout and durable; -e refuses it; another type is refused" {
	run -2 --separate-stderr mq-send -e "$X" x
	[ "$stderr" = "mq-send: $X: NOT_FOUND - no exchange '$N' in vhost '/'" ]
	run -2 --separate-stderr mq-recv -e -n "$X"
	[ "$stderr" = "mq-recv: $X: NOT_FOUND - no exchange '$N' in vhost '/'" ]
	run -2 ipc-rm "$X"
	run -0 mq-send --unroutable-ok "$X" x
	run -0 broker_ctl list_exchanges --no-table-headers name type durable
	assert_line "$N"$'\tfanout\ttrue'
	run -0 mq-send --unroutable-ok -e "$X&type=fanout" x
	run -2 --separate-stderr mq-send "$X&type=topic" x
	[[ $stderr == "mq-send: $X&type=topic: PRECONDITION_FAILED - inequivalent arg 'type' for exchange '$N'"* ]]
	[ "${#lines[@]}" -eq 0 ]
	run -2 mq-recv -n "$X&type=direct"
	run -2 --separate-stderr mq-send -x "$X" x
	[ "$stderr" = "mq-send: $X: File exists" ]
}

@test "amqp-exchange: type=topic and type=direct make such an exchange; key= without type= makes none" {
	run -2 --separate-stderr mq-send "$X&key=k" x
	[ "$stderr" = "mq-send: $X&key=k: key= needs type=topic or type=direct to make the exchange" ]
	run -2 ipc-rm "$X"
	run -1 mq-send "$X&type=topic&key=k" x
	run -0 broker_ctl list_exchanges --no-table-headers name type
	assert_line "$N"$'\ttopic'
	# Once it is there, key= needs no type=.
	run -1 mq-send "$X&key=k" x
}

@test "amqp-exchange: ipc-rm removes an exchange, or unbinds a named queue; ipc-ls shows the queue" {
	run -1 mq-recv -n "$AMQP_URL/$N-q?exchange=$N"
	run -1 mq-recv -n "$AMQP_URL/$N-r?exchange=$N"
	[ "$(bound "$N" | sort | tr '\n' ' ')" = "$N-q $N-r " ]
	run -0 ipc-ls -n "$AMQP_URL/$N-q?exchange=$N"
	assert_output --regexp "^amqp +$AMQP_URL/$N-q\\?exchange=$N +0 +0\$"
	# This broker runs no management API: the exchange as AMQP tells it
	# (tests/amqp-ls.bats lists bindings), and one line.
	run -2 --separate-stderr ipc-ls -n "$X"
	[ "$stderr" = "ipc-ls: $X: the broker's management API is not reachable (127.0.0.1:$BROKER_HTTP_PORT: Connection refused): enable the plugin rabbitmq_management, or set IPCUTILS_AMQP_HTTP to where it is" ]
	assert_output --regexp "^exchange +$AMQP_URL/\\?exchange=$N +fanout +yes\$"
	run -0 ipc-rm -v "$AMQP_URL/$N-q?exchange=$N"
	assert_output "removed amqp $AMQP_URL/$N-q?exchange=$N"
	run -0 bound "$N"
	assert_output "$N-r"
	# Unbound, the queue is still there.
	run -1 mq-recv -n "$AMQP_URL/$N-q"
	mq-send "$X" m
	run -0 mq-recv -n "$AMQP_URL/$N-r"
	assert_output m
	run -1 mq-recv -n "$AMQP_URL/$N-q"
	run -0 ipc-rm -v "$X"
	assert_output "removed amqp $X"
	run -2 ipc-rm "$X"
	run -0 ipc-rm -f "$X"
	run -0 bound "$N"
	assert_output ""
}

@test "amqp-exchange: a trailing / is vhost /: amqp://host/?exchange=, amqp://host?exchange= and amqp://host/%2f/?exchange= are one exchange" {
	run -0 mq-send --unroutable-ok "$AMQP_URL/?exchange=$N" x
	run -0 mq-send --unroutable-ok -e "$AMQP_URL?exchange=$N" x
	run -0 mq-send --unroutable-ok -e "$AMQP_URL/%2f/?exchange=$N" x
	run -2 --separate-stderr mq-send -e "$AMQP_URL/nosuchvhost/?exchange=$N" x
	[[ $stderr == "mq-send: $AMQP_URL/nosuchvhost/?exchange=$N: "* ]]
	# Without an exchange, a trailing / names no queue.
	run -2 --separate-stderr mq-send "$AMQP_URL/" x
	[ "$stderr" = "mq-send: $AMQP_URL/: no queue in the name (amqp://host/queue)" ]
}

@test "amqp-exchange: bad names are exit 2, one line naming the parameter, and nothing is made" {
	local u="$AMQP_URL/?" bad want
	while IFS='|' read -r bad want; do
		run -2 --separate-stderr mq-send "$u$bad" x
		[ "$stderr" = "mq-send: $u$bad: $want" ] ||
		    { echo "$bad: $stderr"; false; }
		run -2 --separate-stderr mq-recv -n "$u$bad"
		[ "$stderr" = "mq-recv: $u$bad: $want" ]
	done <<-EOF
	exchange=$N&foo=1|foo=: an unknown parameter (exchange=, type= and key= are known)
	exchange=$N&exchange=$N-b|exchange= is given twice
	exchange=$N&type=topic&type=topic|type= is given twice
	exchange=$N&type=topic&key=a&key=b|key= is given twice
	exchange=|exchange= is empty
	exchange|exchange= has no value
	exchange=$N&type=headers|type= is not fanout, topic or direct
	exchange=$N&type=|type= is not fanout, topic or direct
	exchange=$N&type=fanout&key=k|key= has no meaning on type=fanout
	type=topic|a query without exchange= (amqp://host/?exchange=EX)
	|an empty parameter in the query (a lone ? or &&)
	exchange=$N&|an empty parameter in the query (a lone ? or &&)
	EOF
	run -0 broker_ctl list_exchanges --no-table-headers name
	refute_line --partial "$N"
}

@test "amqp-exchange: --unroutable-ok is for broker names; mq-recv takes none" {
	mq_name=/ipct-$$-$BATS_TEST_NUMBER
	run -2 --separate-stderr mq-send --unroutable-ok "$mq_name" x
	[ "$stderr" = "mq-send: --unroutable-ok is for amqp:// and amqps:// names" ]
	run -2 mq-recv --unroutable-ok "$X"
}

@test "amqp-exchange: mq-recv -p and --exec work on a subscription" {
	mq-recv -p -c 2 "$X" > "$BATS_TEST_TMPDIR/p" &
	pids=$!
	mq-recv -c 2 -j 2 --exec 'read -r m; echo "$m $IPC_MSG_PRIORITY $IPC_MSG_QUEUE"' "$X" > "$BATS_TEST_TMPDIR/e" &
	pids="$pids $!"
	wait_bound "$N" 2
	mq-send -p 3 "$X" a
	mq-send "$X" b
	for p in $pids; do
		reap "$p"
		[ "$status" -eq 0 ]
	done
	run -0 cat "$BATS_TEST_TMPDIR/p"
	assert_output $'3\ta\n0\tb'
	run -0 sort "$BATS_TEST_TMPDIR/e"
	assert_output $'a 3 '"$X"$'\nb 0 '"$X"
}

@test "amqp-exchange: -J, -t and -u on a subscription; -u unbinds a named queue and leaves it" {
	run -1 mq-recv -n "$AMQP_URL/$N-q?exchange=$N"
	mq-send -p 4 "$X" 'say "hi"'
	run -0 mq-recv -J -t 5s -c 1 -u "$AMQP_URL/$N-q?exchange=$N"
	assert_output '{"priority":4,"size":8,"data":"say \"hi\""}'
	run -0 bound "$N"
	assert_output ""
	run -1 mq-recv -n "$AMQP_URL/$N-q"
	# A subscriber of its own gets nothing published before it bound.
	run -1 mq-recv -t 300ms "$X"
	assert_output ""
}
