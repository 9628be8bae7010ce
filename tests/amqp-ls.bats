#!/usr/bin/env bats
# ipc-ls and ipc-rm on a broker's exchanges and bindings, read from
# RabbitMQ's management API, against a private RabbitMQ that runs the
# plugin (tests/broker.bash: broker_start management).

setup_file() {
	load broker
	broker_setup_file management
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
	XR="$AMQP_URL/\\?exchange=$N"		# as a regular expression
	# A port that nothing listens on: a broker without the plugin.
	NOAPI="http://127.0.0.1:$(free_port)"
	pids=
}

teardown() {
	kill_bg ${pids:-}
	[ -z "${BROKER_PORT:-}" ] || [ -n "${BROKER_SKIP:-}" ] ||
	    ipc-rm -f "$X" "$AMQP_URL/?exchange=$N-a" "$AMQP_URL/?exchange=$N-b" \
	    "$AMQP_URL/?exchange=$N-nd" "$AMQP_URL/$N-q" 2>/dev/null || true
}

# The queues bound to exchange $1, one a line, as the broker lists them.
bound() {
	broker_ctl list_bindings --no-table-headers source_name \
	    destination_name | awk -F '\t' -v x="$1" '$1 == x { print $2 }'
}

# The names of ipc-ls's binding rows for $1, one a line.
bind_rows() {
	ipc-ls -n "$1" | awk '$1 == "bind" { print $2 }'
}

# Does ipc-ls show n bindings of $1?
nbind_is() {
	[ "$(bind_rows "$1" | grep -c .)" -eq "$2" ]
}

# Does ipc-ls count the one consumer of queue $1?
own_counted() {
	ipc-ls -n "$AMQP_URL/$1" | grep -Eq "^amqp +[^ ]+ +0 +1\$"
}

# Make exchange $1 of type $2, not durable, through the API itself.
declare_transient() {
	python3 - "$BROKER_HTTP_PORT" "$1" "$2" "$BROKER_PASSWORD" <<-'EOF'
	import base64, sys, urllib.request
	port, name, kind, pw = sys.argv[1:]
	req = urllib.request.Request(
	    "http://127.0.0.1:%s/api/exchanges/%%2F/%s" % (port, name),
	    data=('{"type":"%s","durable":false}' % kind).encode(),
	    method="PUT", headers={"Content-Type": "application/json",
	    "Authorization": "Basic " +
	    base64.b64encode(("ipct:" + pw).encode()).decode()})
	urllib.request.urlopen(req).read()
	EOF
}

@test "amqp-ls: ipc-ls shows a fanout, a topic and a direct exchange, durable or not, -J as JSON" {
	run -0 mq-send --unroutable-ok "$X" x
	run -0 mq-send --unroutable-ok "$AMQP_URL/?exchange=$N-a&type=topic" x
	run -0 mq-send --unroutable-ok "$AMQP_URL/?exchange=$N-b&type=direct" x
	declare_transient "$N-nd" direct
	run -0 ipc-ls "$X"
	assert_line -n 0 --regexp '^TYPE +NAME +KIND +DURABLE$'
	assert_line -n 1 --regexp "^exchange +$XR +fanout +yes\$"
	[ "${#lines[@]}" -eq 2 ]
	run -0 ipc-ls -n "$AMQP_URL/?exchange=$N-a" "$AMQP_URL/?exchange=$N-b" \
	    "$AMQP_URL/?exchange=$N-nd"
	assert_line -n 0 --regexp "^exchange +$AMQP_URL/\\?exchange=$N-a +topic +yes\$"
	assert_line -n 1 --regexp "^exchange +$AMQP_URL/\\?exchange=$N-b +direct +yes\$"
	assert_line -n 2 --regexp "^exchange +$AMQP_URL/\\?exchange=$N-nd +direct +no\$"
	[ "${#lines[@]}" -eq 3 ]
	run -0 --separate-stderr ipc-ls -J "$X" "$AMQP_URL/?exchange=$N-a" \
	    "$AMQP_URL/?exchange=$N-nd"
	run -0 python3 -c '
import json, sys
for o in json.loads(sys.argv[1]):
    print(o["type"], o["name"], o["kind"], o["durable"], o["bindings"])' "$output"
	assert_output "exchange $X fanout True []
exchange $AMQP_URL/?exchange=$N-a topic True []
exchange $AMQP_URL/?exchange=$N-nd direct False []"
}

@test "amqp-ls: a subscriber's binding is listed (its server-named queue), and gone after SIGTERM" {
	run -0 mq-send --unroutable-ok "$X&type=topic" x
	mq-recv "$X&key=logs.*.error" > /dev/null &
	pids=$!
	wait_until nbind_is "$X" 1
	own=$(bound "$N")
	[[ $own == amq.gen-* ]]
	run -0 ipc-ls "$X"
	assert_line -n 1 --regexp "^exchange +$XR +topic +yes\$"
	assert_line -n 2 --regexp "^bind +$AMQP_URL/$own\\?exchange=$N&key=logs\\.\\*\\.error +- +-\$"
	[ "${#lines[@]}" -eq 3 ]
	run -0 ipc-ls -J "$X"
	run -0 python3 -c '
import json, sys
b = json.loads(sys.argv[1])[0]["bindings"]
for x in b:
    print(x["name"], x["exchange"], x["destination"], x["destination_type"], x["key"])' "$output"
	assert_output "$AMQP_URL/$own?exchange=$N&key=logs.*.error $N $own queue logs.*.error"
	# Its queue, exclusive to the subscriber's connection, which no
	# other may declare: counted by the API (its statistics, every 0.5 s
	# on the test broker), listed with the binding.
	wait_until own_counted "$own"
	run -0 ipc-ls -n "$AMQP_URL/$own"
	assert_line -n 0 --regexp "^amqp +$AMQP_URL/$own +0 +1\$"
	assert_line -n 1 --regexp "^bind +$AMQP_URL/$own\\?exchange=$N&key=logs\\.\\*\\.error +- +-\$"
	# Its binding is its connection's: ipc-rm can neither unbind it nor
	# remove the queue, and changes nothing.
	run -2 --separate-stderr ipc-rm "$AMQP_URL/$own?exchange=$N&key=logs.*.error"
	[[ $stderr == "ipc-rm: $AMQP_URL/$own?exchange=$N&key=logs.*.error: RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '$own'"* ]]
	run -2 --separate-stderr ipc-rm "$AMQP_URL/$own"
	[[ $stderr == "ipc-rm: $AMQP_URL/$own: RESOURCE_LOCKED - "* ]]
	run -0 bind_rows "$X"
	assert_output "$AMQP_URL/$own?exchange=$N&key=logs.*.error"
	kill -TERM "$pids"
	reap "$pids"
	[ "$status" -eq 143 ]
	run -0 ipc-ls -n "$X"
	assert_output --regexp "^exchange +$XR +topic +yes\$"
	run -0 bound "$N"
	assert_output ""
	run -2 --separate-stderr ipc-ls -n "$AMQP_URL/$own"
	[ "$stderr" = "ipc-ls: $AMQP_URL/$own: No such file or directory" ]
}

@test "amqp-ls: a durable named queue's binding, a key with # escaped in its name; ipc-rm of the name listed unbinds it" {
	run -1 mq-recv -n "$AMQP_URL/$N-q?exchange=$N&type=topic&key=a.%23"
	run -0 ipc-ls -n "$X"
	assert_line -n 1 --regexp "^bind +$AMQP_URL/$N-q\\?exchange=$N&key=a\\.%23 +- +-\$"
	run -0 ipc-ls -J "$AMQP_URL/$N-q"
	run -0 python3 -c '
import json, sys
q = json.loads(sys.argv[1])[0]
print(q["type"], q["msgs"], q["consumers"], [(b["exchange"], b["destination"], b["key"]) for b in q["bindings"]])' "$output"
	assert_output "amqp 0 0 [('$N', '$N-q', 'a.#')]"
	# What the binding's name says is what the broker routes.
	mq-send "$X&key=a.b" routed
	mq-send --unroutable-ok "$X&key=b.a" lost
	run -0 mq-recv -n "$AMQP_URL/$N-q"
	assert_output routed
	name=$(bind_rows "$X")
	run -0 ipc-rm -v "$name"
	assert_output "removed amqp $name"
	run -0 bind_rows "$X"
	assert_output ""
	run -0 ipc-ls -n "$AMQP_URL/$N-q"
	assert_output --regexp "^amqp +$AMQP_URL/$N-q +0 +0\$"
	run -0 bound "$N"
	assert_output ""
	run -0 ipc-rm "$X"
	run -2 --separate-stderr ipc-ls "$X"
	[ "$stderr" = "ipc-ls: $X: No such file or directory" ]
	[ "$output" = "" ]
}

@test "amqp-ls: a glob over exchange names lists those that match, in order; none is exit 2" {
	run -0 mq-send --unroutable-ok "$AMQP_URL/?exchange=$N-b&type=direct" x
	run -0 mq-send --unroutable-ok "$AMQP_URL/?exchange=$N-a" x
	run -0 mq-send --unroutable-ok "$X" x
	run -1 mq-recv -n "$AMQP_URL/$N-q?exchange=$N-b&key=k"
	run -0 ipc-ls -n "$AMQP_URL/?exchange=$N-*"
	assert_output --regexp "^exchange +$AMQP_URL/\\?exchange=$N-a +fanout +yes
exchange +$AMQP_URL/\\?exchange=$N-b +direct +yes
bind +$AMQP_URL/$N-q\\?exchange=$N-b&key=k +- +-\$"
	run -2 --separate-stderr ipc-ls "$AMQP_URL/?exchange=$N-z*"
	[ "$stderr" = "ipc-ls: $AMQP_URL/?exchange=$N-z*: No such file or directory" ]
	[ "$output" = "" ]
}

@test "amqp-ls: without the management API, an exchange's type and durability as AMQP tells, one line, exit 2" {
	run -0 mq-send --unroutable-ok "$X&type=topic" x
	declare_transient "$N-nd" direct
	run -1 mq-recv -n "$AMQP_URL/$N-q?exchange=$N&key=k"
	line="the broker's management API is not reachable (${NOAPI#http://}: Connection refused): enable the plugin rabbitmq_management, or set IPCUTILS_AMQP_HTTP to where it is"
	IPCUTILS_AMQP_HTTP=$NOAPI run -2 --separate-stderr ipc-ls "$X"
	[ "$stderr" = "ipc-ls: $X: $line" ]
	assert_line -n 1 --regexp "^exchange +$XR +topic +yes\$"
	[ "${#lines[@]}" -eq 2 ]
	IPCUTILS_AMQP_HTTP=$NOAPI run -2 --separate-stderr ipc-ls -n \
	    "$AMQP_URL/?exchange=$N-nd"
	[ "$stderr" = "ipc-ls: $AMQP_URL/?exchange=$N-nd: $line" ]
	assert_output --regexp "^exchange +$AMQP_URL/\\?exchange=$N-nd +direct +no\$"
	IPCUTILS_AMQP_HTTP=$NOAPI run -2 --separate-stderr ipc-ls -J "$X"
	[ "$output" = "[{\"type\":\"exchange\",\"name\":\"$X\",\"kind\":\"topic\",\"durable\":true,\"bindings\":null}]" ]
	# Nothing was made or changed by the declares that tell the type.
	run -0 broker_ctl list_exchanges --no-table-headers name type durable
	assert_line "$N"$'\ttopic\ttrue'
	assert_line "$N-nd"$'\tdirect\tfalse'
	# A glob needs the API.
	IPCUTILS_AMQP_HTTP=$NOAPI run -2 --separate-stderr ipc-ls \
	    "$AMQP_URL/?exchange=$N*"
	[ "$stderr" = "ipc-ls: $AMQP_URL/?exchange=$N*: $line" ]
	[ "$output" = "" ]
	# A missing exchange is still that.
	IPCUTILS_AMQP_HTTP=$NOAPI run -2 --separate-stderr ipc-ls \
	    "$AMQP_URL/?exchange=$N-z"
	[ "$stderr" = "ipc-ls: $AMQP_URL/?exchange=$N-z: No such file or directory" ]
	# A queue is listed as AMQP counts it, without its bindings.
	IPCUTILS_AMQP_HTTP=$NOAPI run -0 ipc-ls -J "$AMQP_URL/$N-q"
	[ "$output" = "[{\"type\":\"amqp\",\"name\":\"$AMQP_URL/$N-q\",\"msgs\":0,\"consumers\":0}]" ]
	IPCUTILS_AMQP_HTTP=none run -0 ipc-ls -n "$AMQP_URL/$N-q"
	assert_output --regexp "^amqp +$AMQP_URL/$N-q +0 +0\$"
	IPCUTILS_AMQP_HTTP=none run -2 --separate-stderr ipc-ls -n "$X"
	[ "$stderr" = "ipc-ls: $X: the broker's management API is not asked (IPCUTILS_AMQP_HTTP=none)" ]
}

@test "amqp-ls: bad names, a bad IPCUTILS_AMQP_HTTP, a login the API refuses: one line, exit 2" {
	run -0 mq-send --unroutable-ok "$X" x
	run -2 --separate-stderr ipc-ls "$AMQP_URL/?exchange="
	[ "$stderr" = "ipc-ls: $AMQP_URL/?exchange=: exchange= is empty" ]
	run -2 --separate-stderr ipc-ls "$X&exchange=b"
	[ "$stderr" = "ipc-ls: $X&exchange=b: exchange= is given twice" ]
	run -2 --separate-stderr ipc-ls "$X&kind=fanout"
	[ "$stderr" = "ipc-ls: $X&kind=fanout: kind=: an unknown parameter (exchange=, type= and key= are known)" ]
	run -2 --separate-stderr ipc-ls "$X&type=fan"
	[ "$stderr" = "ipc-ls: $X&type=fan: type= is not fanout, topic or direct" ]
	run -2 --separate-stderr ipc-ls "$X&type=fanout&key=k"
	[ "$stderr" = "ipc-ls: $X&type=fanout&key=k: key= has no meaning on type=fanout" ]
	run -2 --separate-stderr ipc-ls "$AMQP_URL/?exchange=%zz"
	[ "$stderr" = "ipc-ls: $AMQP_URL/?exchange=%zz: a bad %-escape" ]
	[ "$output" = "" ]
	IPCUTILS_AMQP_HTTP=ftp://127.0.0.1 run -2 --separate-stderr ipc-ls "$X"
	[ "$stderr" = "ipc-ls: $X: IPCUTILS_AMQP_HTTP: not a name of its scheme" ]
	IPCUTILS_AMQP_HTTP="http://127.0.0.1:$BROKER_HTTP_PORT/?x" run -2 --separate-stderr ipc-ls "$X"
	[ "$stderr" = "ipc-ls: $X: IPCUTILS_AMQP_HTTP: only http[s]://host[:port][/prefix]" ]
	IPCUTILS_AMQP_PASSWORD=wrong run -2 --separate-stderr ipc-ls "$X"
	[ "$stderr" = "ipc-ls: $X: the management API at 127.0.0.1:$BROKER_HTTP_PORT refused user ipct (HTTP 401: it needs the tag management or more)" ]
	[ "$output" = "" ]
}

@test "amqp-ls: amqp-consume -e -r \"\" binds nothing (amqp-tools 0.11); -r KEY binds, on a fanout exchange too" {
	command -v amqp-consume >/dev/null || skip "needs amqp-tools"
	run -0 mq-send --unroutable-ok "$X" x
	# tools/consume.c splits -r at commas with strtok_r(3), which finds
	# no key in "": its queue is declared and bound to nothing.
	amqp-consume -s 127.0.0.1 --port "$BROKER_PORT" --username ipct \
	    --password "$BROKER_PASSWORD" -e "$N" -r "" -c 1 cat \
	    > /dev/null 2> "$BATS_TEST_TMPDIR/err" &
	pids=$!
	wait_until grep -q "Server provided queue name" "$BATS_TEST_TMPDIR/err"
	own=$(sed -n 's/^Server provided queue name: //p' "$BATS_TEST_TMPDIR/err")
	[[ $own == amq.gen-* ]]
	run -0 ipc-ls -n "$AMQP_URL/$own"
	assert_output --regexp "^amqp +$AMQP_URL/$own +0 +1\$"
	run -0 bind_rows "$X"
	assert_output ""
	run -1 --separate-stderr mq-send "$X" nobody
	kill_bg $pids
	pids=
	# A key, which a fanout exchange ignores: bound, and it receives.
	amqp-consume -s 127.0.0.1 --port "$BROKER_PORT" --username ipct \
	    --password "$BROKER_PASSWORD" -e "$N" -r any -c 1 cat \
	    > "$BATS_TEST_TMPDIR/out" 2> /dev/null &
	pids=$!
	wait_until nbind_is "$X" 1
	run -0 bind_rows "$X"
	assert_output --regexp "^$AMQP_URL/amq\\.gen-[^?]*\\?exchange=$N&key=any\$"
	mq-send "$X" hello
	reap "$pids"
	[ "$status" -eq 0 ]
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output hello
}
