#!/usr/bin/env bats
# etcd's rare answers: a gateway (tests/fake-etcd.py) in front of a
# private etcd (tests/etcd.bash) passes every request on but the ones a
# test's rules name, which it answers as etcd or a network does only
# now and then: an error object, a 503 while a leader is elected, an
# answer cut short, in chunks, to the close, not HTTP, a field missing,
# a number as a JSON number.  Each test checks what the user sees: the
# status, one line "prog: object: reason", and what etcd holds after.

setup_file() {
	load etcd
	etcd_start
	[ -n "$ETCD_SKIP" ] || {
		FAKE_DIR=$ETCD_DIR/fake
		mkdir -p "$FAKE_DIR"
		python3 "$BATS_TEST_DIRNAME/fake-etcd.py" "$ETCD_PORT" \
		    "$FAKE_DIR" > "$FAKE_DIR/out" 2>&1 3>&- &
		echo $! > "$FAKE_DIR/pid"
		for _ in $(seq 200); do
			[ -s "$FAKE_DIR/port" ] && break
			sleep 0.05
		done
		export FAKE_DIR FAKE_PORT=$(cat "$FAKE_DIR/port")
	}
}

teardown_file() {
	load etcd
	[ -z "${FAKE_DIR:-}" ] || kill "$(cat "$FAKE_DIR/pid")" 2>/dev/null || true
	etcd_stop
}

setup() {
	load test_helper
	load etcd
	requires etcd python3
	requires_etcd
	[ -n "${FAKE_PORT:-}" ] || skip "the fake gateway did not start"
	rm -f "$FAKE_DIR/rules" "$FAKE_DIR/log" "$FAKE_DIR/release"
	S="$ETCD_URL/$N"
	F="etcd://127.0.0.1:$FAKE_PORT/$N"
	FS="etcd://127.0.0.1:$FAKE_PORT"
	K="/ipcutils/shm/$N"
	D=$BATS_TEST_TMPDIR
}

teardown() {
	[ -z "${FAKE_DIR:-}" ] || { rm -f "$FAKE_DIR/rules"; touch "$FAKE_DIR/release"; }
	kill_bg "${pid:-}"
	[ -z "${ETCD_PORT:-}" ] || [ -n "${ETCD_SKIP:-}" ] || {
		etcd_ctl del --prefix "/ipcutils/shm/$N" >/dev/null 2>&1
		etcd_ctl del --prefix "/ipcutils/time/shm/$N" >/dev/null 2>&1
		etcd_ctl del --prefix "/ipcutils/sem/$N" >/dev/null 2>&1
	} || true
}

# The gateway's rules for this test, one argument a line.
rules() {
	printf '%s\n' "$@" > "$FAKE_DIR/rules"
}

# How many requests of path $1 the gateway has seen in this test.
seen() {
	grep -c "^$1 " "$FAKE_DIR/log" || true
}

# The object's value in etcd, as etcdctl reads it.
value() {
	etcd_ctl get --print-value-only "$K"
}

# The semaphore's count in etcd.
count() {
	etcd_ctl get --print-value-only "/ipcutils/sem/$N/count"
}

UNAVAIL='{"error":"etcdserver: leader changed","code":14,"message":"etcdserver: leader changed"}'

@test "etcd odd: a 503 while etcd elects a leader is asked again after a pause: shm-get reads the object" {
	printf v1 | shm-put "$S"
	rules "kv/range 1 answer 503 $UNAVAIL"
	run -0 --separate-stderr shm-get "$F"
	[ "$output" = v1 ]
	[ "$stderr" = "" ]
	[ "$(seen kv/range)" -ge 2 ]
}

@test "etcd odd: etcd without a leader for longer than the 10 s a call waits: shm-put fails, one line, the object old" {
	printf v1 | shm-put "$S"
	rules "kv/txn * answer 503 $UNAVAIL"
	run -2 --separate-stderr shm-put "$F" <<< v2
	[ "$stderr" = "shm-put: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: leader changed" ]
	[ "$(value)" = v1 ]
	# Asked again for about ten seconds, not once.
	[ "$(seen kv/txn)" -ge 10 ]
}
