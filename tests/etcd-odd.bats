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
	grep -cE "^$1( |\$)" "$FAKE_DIR/log" || true
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

@test "etcd odd: an error object whose error is a string, not an object: its text is the reason" {
	printf v1 | shm-put "$S"
	rules 'kv/range * answer 500 {"error":"etcdserver: oops","code":2}'
	run -2 --separate-stderr shm-get "$F"
	[ "$output" = "" ]
	[ "$stderr" = "shm-get: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: oops" ]
}

@test "etcd odd: an error object without a message says so, in one line" {
	printf v1 | shm-put "$S"
	rules 'kv/range * answer 500 {"code":2}'
	run -2 --separate-stderr shm-get "$F"
	[ "$stderr" = "shm-get: $F: etcd at 127.0.0.1:$FAKE_PORT: an error without a message" ]
}

@test "etcd odd: an answer that is not JSON (a proxy's 502 page) names its HTTP status" {
	printf v1 | shm-put "$S"
	rules 'kv/range * answer 502 <html>bad gateway</html>'
	run -2 --separate-stderr shm-get "$F"
	[ "$stderr" = "shm-get: $F: etcd at 127.0.0.1:$FAKE_PORT: HTTP 502, not JSON" ]
}

@test "etcd odd: a request etcd finds too large: shm-put says etcd's limit, the object old" {
	printf v1 | shm-put "$S"
	rules 'kv/txn * answer 400 {"error":"etcdserver: request is too large","code":3,"message":"etcdserver: request is too large"}'
	run -2 --separate-stderr shm-put "$F" <<< v2
	[ "$stderr" = "shm-put: $F: larger than etcd takes (etcdserver: request is too large; etcd's --max-request-bytes, 1.5 MiB by default)" ]
	[ "$(value)" = v1 ]
}

@test "etcd odd: permission denied on the prefix: shm-put fails in one line, the object old" {
	printf v1 | shm-put "$S"
	rules 'kv/txn * answer 403 {"error":"etcdserver: permission denied","code":7,"message":"etcdserver: permission denied"}'
	run -2 --separate-stderr shm-put "$F" <<< v2
	[ "$stderr" = "shm-put: $F: etcd: etcdserver: permission denied" ]
	[ "$(value)" = v1 ]
	# Refused at once, not asked again.
	[ "$(seen kv/txn)" -eq 1 ]
}

@test "etcd odd: permission denied: sem-post posts nothing, sem-wait takes nothing and leaves no waiter" {
	sem-post "$S"
	rules 'kv/txn * answer 403 {"error":"etcdserver: permission denied","code":7,"message":"etcdserver: permission denied"}'
	run -2 --separate-stderr sem-post "$F"
	[ "$stderr" = "sem-post: $F: etcd: etcdserver: permission denied" ]
	run -2 --separate-stderr sem-wait "$F"
	[ "$stderr" = "sem-wait: $F: etcd: etcdserver: permission denied" ]
	[ "$(count)" = 1 ]
	# Its lease given back: no waiter key of it stays.
	[ "$(seen kv/lease/revoke)" -eq 1 ]
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -c .)" -eq 0 ]
}

@test "etcd odd: a token that expired is replaced by a new login, once: shm-get reads the object" {
	printf v1 | shm-put "$S"
	rules 'auth/authenticate * answer 200 {"token":"fake-tok1"}' \
	    'kv/range 1 answer 401 {"error":"etcdserver: invalid auth token","code":16,"message":"etcdserver: invalid auth token"}'
	IPCUTILS_ETCD_USER=u IPCUTILS_ETCD_PASSWORD=p run -0 --separate-stderr shm-get "$F"
	[ "$output" = v1 ]
	[ "$stderr" = "" ]
	[ "$(seen auth/authenticate)" -eq 2 ]
}

@test "etcd odd: a token refused again after a fresh login: one line, no third login" {
	printf v1 | shm-put "$S"
	rules 'auth/authenticate * answer 200 {"token":"fake-tok1"}' \
	    'kv/range * answer 401 {"error":"etcdserver: invalid auth token","code":16,"message":"etcdserver: invalid auth token"}'
	IPCUTILS_ETCD_USER=u IPCUTILS_ETCD_PASSWORD=p run -2 --separate-stderr shm-get "$F"
	[ "$stderr" = "shm-get: $F: etcd: etcdserver: invalid auth token" ]
	[ "$(seen auth/authenticate)" -eq 2 ]
}

@test "etcd odd: a login etcd refuses: one line that says etcd's reason, once" {
	rules 'auth/authenticate * answer 401 {"error":"etcdserver: authentication failed, invalid user ID or password","code":3,"message":"etcdserver: authentication failed, invalid user ID or password"}'
	IPCUTILS_ETCD_USER=u IPCUTILS_ETCD_PASSWORD=p run -2 --separate-stderr shm-get "$F"
	[ "$stderr" = "shm-get: $F: etcd refused the login: etcdserver: authentication failed, invalid user ID or password" ]
}

@test "etcd odd: a credentials file that is not there: one line naming it" {
	IPCUTILS_ETCD_CREDENTIALS=$BATS_TEST_TMPDIR/none run -2 --separate-stderr shm-get "$S"
	[ "$stderr" = "shm-get: $S: credentials $BATS_TEST_TMPDIR/none: No such file or directory" ]
}

@test "etcd odd: names etcd's objects cannot have: a query, a bad port, over 255 bytes, an unknown host" {
	run -2 --separate-stderr shm-get "$ETCD_URL/$N?x=y"
	[ "$stderr" = "shm-get: $ETCD_URL/$N?x=y: a query (?...) in the name: etcd's objects take none" ]
	run -2 --separate-stderr sem-post "etcd://127.0.0.1:99999/$N"
	[ "$stderr" = "sem-post: etcd://127.0.0.1:99999/$N: a bad port" ]
	long=$(printf 'n%.0s' $(seq 256))
	run -2 --separate-stderr shm-put "$ETCD_URL/$long" <<< v
	[ "$stderr" = "shm-put: $ETCD_URL/$long: the name is longer than 255 bytes" ]
	run -2 --separate-stderr ipc-rm "$ETCD_URL/$N?x=y"
	[ "$stderr" = "ipc-rm: $ETCD_URL/$N?x=y: a query (?...) in the name: etcd's objects take none" ]
	run -2 --separate-stderr sem-post "etcd://$N.invalid/$N"
	[[ "$stderr" == "sem-post: etcd://$N.invalid/$N: etcd at $N.invalid:2379: "* ]]
	[ "${#lines[@]}" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "etcd odd: an answer that is not HTTP: one line, Protocol error" {
	printf v1 | shm-put "$S"
	rules 'kv/range * garbage'
	run -2 --separate-stderr shm-get "$F"
	[ "$stderr" = "shm-get: $F: etcd at 127.0.0.1:$FAKE_PORT: Protocol error" ]
}

@test "etcd odd: an answer whose body is cut short, or whose head is: one line, the object old" {
	printf v1 | shm-put "$S"
	rules 'kv/range 1 cut'
	run -2 --separate-stderr shm-get "$F"
	[ "$stderr" = "shm-get: $F: etcd at 127.0.0.1:$FAKE_PORT: Connection reset by peer" ]
	rules 'kv/range 1 headcut'
	run -2 --separate-stderr shm-put -o 1 "$F" <<< x
	[ "$stderr" = "shm-put: $F: etcd at 127.0.0.1:$FAKE_PORT: Connection reset by peer" ]
	[ "$(value)" = v1 ]
	for how in chunkcut chunknocrlf notrailer; do
		rules "kv/range 1 $how"
		run -2 --separate-stderr shm-put -o 1 "$F" <<< x
		[ "$stderr" = "shm-put: $F: etcd at 127.0.0.1:$FAKE_PORT: Connection reset by peer" ]
		[ "$(value)" = v1 ]
	done
}

@test "etcd odd: an answer's head line longer than the client reads: one line, Message too long" {
	printf v1 | shm-put "$S"
	rules 'kv/range * longhead'
	run -2 --separate-stderr shm-get "$F"
	[ "$stderr" = "shm-get: $F: etcd at 127.0.0.1:$FAKE_PORT: Message too long" ]
}

@test "etcd odd: answers in chunks with extensions and a trailer, to the close, or with an odd head line are read whole" {
	printf 'v1 and more' | shm-put "$S"
	for how in chunked toclose oddhead; do
		rules "kv/range * $how" "kv/txn * $how"
		run -0 --separate-stderr shm-get "$F"
		[ "$output" = "v1 and more" ]
		[ "$stderr" = "" ]
		[ "$(seen "kv/range $how")" -ge 1 ]
		run -0 --separate-stderr shm-put -o 3 "$F" <<< "$how"
		[ "$(value)" = "v1 $how" ]
		printf 'v1 and more' | shm-put "$S"
		rm -f "$FAKE_DIR/log"
	done
}

@test "etcd odd: a kept connection closed before the answer of a post etcd made: sem-post asks again and posts once" {
	sem-post "$S"
	# The write of the count (sem-post's second transaction, on the
	# connection of its first) is done, and its answer lost.
	rules 'kv/txn 2 drop'
	run -0 --separate-stderr sem-post "$F"
	[ "$stderr" = "" ]
	[ "$(count)" = 2 ]
	[ "$(seen 'kv/txn drop')" -eq 1 ]
	# The answer of the last transaction lost: it asks etcd whether its
	# write was done, and posts once.
	rules 'kv/txn 3 drop'
	run -0 --separate-stderr sem-post "$F"
	[ "$(count)" = 3 ]
	[ "$(seen kv/range)" -ge 1 ]
}

@test "etcd odd: the first request's connection closed with no answer: sem-post fails in one line and posts nothing" {
	sem-post "$S"
	rules 'kv/txn 1 close'
	run -2 --separate-stderr sem-post "$F"
	[ "$stderr" = "sem-post: $F: etcd at 127.0.0.1:$FAKE_PORT: Connection reset by peer" ]
	[ "$(count)" = 1 ]
}

@test "etcd odd: sem-post's write of the count made, its answer lost twice: etcd's time key tells it was done, posted once" {
	sem-post "$S"
	rules 'kv/txn 3 drop' 'kv/txn 4 drop'
	run -0 --separate-stderr sem-post "$F"
	[ "$stderr" = "" ]
	[ "$(count)" = 2 ]
	[ "$(seen 'kv/txn drop')" -eq 2 ]
}

@test "etcd odd: sem-post's write of the count not made, its connection closed twice: fenced, one line, nothing posted" {
	sem-post "$S"
	rules 'kv/txn 3 close' 'kv/txn 4 close'
	run -2 --separate-stderr sem-post "$F"
	[ "$stderr" = "sem-post: $F: etcd at 127.0.0.1:$FAKE_PORT: Connection reset by peer" ]
	[ "$(count)" = 1 ]
	# The fence was a write of the count as it was.
	[ "$(seen kv/txn)" -eq 5 ]
}

@test "etcd odd: sem-post's write made and every answer lost: one line that says it is not known, and it was made once" {
	sem-post "$S"
	rules 'kv/txn 3+ drop' 'kv/range * drop'
	run -2 --separate-stderr sem-post "$F"
	[ "$stderr" = "sem-post: $F: etcd at 127.0.0.1:$FAKE_PORT: Connection reset by peer; whether the change was made is not known" ]
	[ "$(count)" = 2 ]
}

@test "etcd odd: sem-wait whose entry's answers are lost: one line, nothing taken, no waiter key left" {
	sem-post "$S"
	rules 'kv/txn * drop'
	run -2 --separate-stderr sem-wait "$F"
	[ "$stderr" = "sem-wait: $F: etcd at 127.0.0.1:$FAKE_PORT: Connection reset by peer" ]
	[ "$(count)" = 1 ]
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -c .)" -eq 0 ]
}

@test "etcd odd: sem-wait's take made, its answer lost twice: taken once, status 0" {
	sem-post -c 2 "$S"
	rules 'kv/txn 2 drop' 'kv/txn 3 drop'
	run -0 --separate-stderr sem-wait "$F"
	[ "$stderr" = "" ]
	[ "$(count)" = 1 ]
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -c .)" -eq 0 ]
}

@test "etcd odd: -e on a semaphore that is not there makes none; -x on one that is changes nothing" {
	run -2 --separate-stderr sem-post -e "$S"
	[ "$stderr" = "sem-post: $S: No such file or directory" ]
	run -2 --separate-stderr sem-wait -e -t 1s "$S"
	[ "$stderr" = "sem-wait: $S: No such file or directory" ]
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/" | grep -c .)" -eq 0 ]
	sem-post "$S"
	run -2 --separate-stderr sem-post -x "$S"
	[ "$stderr" = "sem-post: $S: File exists" ]
	[ "$(count)" = 1 ]
}

@test "etcd odd: shm-put -o on an object that is not there with -e, or there with -x: one line, nothing written" {
	run -2 --separate-stderr shm-put -e -o 1 "$S" <<< x
	[ "$stderr" = "shm-put: $S: No such file or directory" ]
	[ "$(etcd_ctl get --keys-only "$K" | grep -c .)" -eq 0 ]
	printf v1 | shm-put "$S"
	run -2 --separate-stderr shm-put -x -o 1 "$S" <<< x
	[ "$stderr" = "shm-put: $S: File exists" ]
	[ "$(value)" = v1 ]
}

# shm-get -w on $1 in the background (output $D/out, errors $D/err);
# once its watch of rules' kind $2 is made, the object changes to v2.
watch_then_put() {
	shm-get -w -t 30s "$1" > "$D/out" 2> "$D/err" &
	pid=$!
	wait_until grep -q "^watch $2" "$FAKE_DIR/log"
	printf v2 | shm-put "$S"
	reap "$pid"
	pid=
}

@test "etcd odd: a watch etcd ends with an error object, or cancels, is made again: shm-get -w writes the change" {
	for ans in '{"error":{"grpc_code":14,"message":"etcdserver: no leader"}}' \
	    '{"result":{"canceled":true}}' '{"result":{"created":true}}'; do
		printf v1 | shm-put "$S"
		rm -f "$FAKE_DIR/log"
		rules "watch 1 answer 200 $ans"
		watch_then_put "$F" pass
		[ "$status" -eq 0 ]
		[ "$(cat "$D/out")" = v2 ]
		[ ! -s "$D/err" ]
		[ "$(seen 'watch answer')" -eq 1 ]
	done
}

@test "etcd odd: a watch's stream ended by its host: on the next host of the list, nothing missed" {
	printf v1 | shm-put "$S"
	# The first on the kept connection is made again on a new one.
	rules 'watch 1 close' 'watch 2 close'
	watch_then_put "etcd://127.0.0.1:$FAKE_PORT,127.0.0.1:$FAKE_PORT/$N" pass
	[ "$status" -eq 0 ]
	[ "$(cat "$D/out")" = v2 ]
	[ ! -s "$D/err" ]
	[ "$(seen 'watch close')" -eq 2 ]
}

@test "etcd odd: a watch's start revision compacted away: shm-get -w reads again and waits on, then writes the change" {
	for how in answer answerclose; do
		printf v1 | shm-put "$S"
		rm -f "$FAKE_DIR/log"
		rules "watch 1 $how 200 {\"result\":{\"compact_revision\":\"2\",\"canceled\":true}}"
		watch_then_put "$F" pass
		[ "$status" -eq 0 ]
		[ "$(cat "$D/out")" = v2 ]
		[ ! -s "$D/err" ]
		[ "$(seen kv/range)" -ge 2 ]
		[ "$(seen "watch $how")" -eq 1 ]
	done
}

@test "etcd odd: a watch answered with an HTTP error: shm-get -w fails in one line" {
	printf v1 | shm-put "$S"
	rules 'watch * answer 404 {}'
	run -2 --separate-stderr shm-get -w -t 30s "$F"
	[ "$output" = "" ]
	[ "$stderr" = "shm-get: $F: etcd at 127.0.0.1:$FAKE_PORT: HTTP status 404" ]
}

@test "etcd odd: a watch etcd keeps failing: shm-get -w -t ends at its timeout, status 1, as with no change" {
	printf v1 | shm-put "$S"
	rules 'watch * answer 200 {"error":{"grpc_code":14,"message":"etcdserver: no leader"}}'
	SECONDS=0
	run -1 --separate-stderr shm-get -w -t 1s "$F"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	# Not the 10 s a call waits at most: -t bounds the pauses too.
	[ "$SECONDS" -lt 8 ]
	[ "$(seen 'watch answer')" -ge 2 ]
}

BOOM='{"error":"etcdserver: boom","code":2,"message":"etcdserver: boom"}'

# A sem-wait that holds a unit of $S until the test ends; $pid.
hold_unit() {
	sem-post "$S"
	sem-wait "$S" -- sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh "$D/go" 3>&- &
	pid=$!
	wait_until held
}

# Is a unit of $S held: a waiter key, and the value 0?
held() {
	etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -q . &&
	    [ "$(ipc-ls -n "$S" | awk '$1 == "sem" { print $4 }')" = 0 ]
}

@test "etcd odd: ipc-ls --holders whose read of the holders fails: one line, status 2, not an empty list" {
	hold_unit
	rules "kv/txn 1 answer 500 $BOOM"
	run -2 --separate-stderr ipc-ls --holders "$F"
	[ "$stderr" = "ipc-ls: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: boom" ]
	rules "kv/lease/timetolive 1 answer 500 $BOOM"
	run -2 --separate-stderr ipc-ls --holders "$F"
	[ "$stderr" = "ipc-ls: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: boom" ]
	# Without a fault: the holder, its pid.
	rm -f "$FAKE_DIR/rules"
	run -0 --separate-stderr ipc-ls --holders "$F"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == "$F "*" $pid "*" holds" ]]
}

@test "etcd odd: ipc-ls --holders on a semaphore removed between the list and its holders: no rows, status 0" {
	hold_unit
	rules 'kv/txn 1 edit j["responses"][0]["response_range"].pop("kvs", None)'
	run -0 --separate-stderr ipc-ls --holders "$F"
	[ "$stderr" = "" ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "etcd odd: ipc-ls whose list of semaphores fails after the objects': one line, status 2" {
	printf v1 | shm-put "$S"
	sem-post "$S"
	rules "kv/range 1 answer 500 $BOOM"
	run -2 --separate-stderr ipc-ls "$F"
	[ "$stderr" = "ipc-ls: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: boom" ]
}

@test "etcd odd: ipc-ls -J shows a value that is not UTF-8 as null, its size as it is" {
	printf '\377\376' | shm-put "$S"
	run -0 --separate-stderr ipc-ls -J "$S"
	[[ "$output" == '[{"type":"shm","name":"'"$S"'","size":2,"value":null,'* ]]
}

@test "etcd odd: ipc-rm whose list or delete etcd refuses: one line, the object still there; of one not there: No such file" {
	printf v1 | shm-put "$S"
	rules "kv/txn * answer 500 $BOOM"
	run -2 --separate-stderr ipc-rm "$F"
	[ "$stderr" = "ipc-rm: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: boom" ]
	[ "$(value)" = v1 ]
	# The list (the first transaction) passes, the delete fails.
	rules "kv/txn 2 answer 500 $BOOM"
	run -2 --separate-stderr ipc-rm "$F"
	[ "$stderr" = "ipc-rm: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: boom" ]
	[ "$(value)" = v1 ]
	rm -f "$FAKE_DIR/rules"
	run -0 --separate-stderr ipc-rm "$F"
	[ "$(etcd_ctl get --keys-only "$K" | grep -c .)" -eq 0 ]
	run -2 --separate-stderr ipc-rm "$F"
	[ "$stderr" = "ipc-rm: $F: No such file or directory" ]
}

@test "etcd odd: ipc-ls -J writes each value as UTF-8 JSON, escaped, or null where it is not UTF-8 (overlong, surrogate, past U+10FFFF, cut short)" {
	local vals="22:5c:0a:7f:09:41 c3:a9 e2:82:ac ef:bf:bf f0:9f:98:80 f4:8f:bf:bf
	    c3 c3:41 e0:80:80 ed:a0:80 f0:80:80:80 f4:90:80:80 c0:80 f5:80:80:80
	    80 e2:82 f0:9f:98 41:e9:42" v i=0
	for v in $vals; do
		printf "$(printf '%s' "$v" | sed 's/\([0-9a-f][0-9a-f]\)/\\x\1/g; s/://g')" |
		    shm-put "$S-$i"
		i=$((i + 1))
	done
	run -0 --separate-stderr ipc-ls -J "$ETCD_URL/$N-*"
	[ "$stderr" = "" ]
	# Python's strict UTF-8 decoder is the judge of each value.
	python3 - "$output" "$S" $vals <<'PY'
import json, sys
rows = {r["name"]: r for r in json.loads(sys.argv[1])}
base, vals = sys.argv[2], sys.argv[3:]
assert len(rows) == len(vals), (len(rows), len(vals))
for i, v in enumerate(vals):
    b = bytes.fromhex(v.replace(":", ""))
    r = rows["%s-%d" % (base, i)]
    try:
        want = b.decode("utf-8")
    except UnicodeDecodeError:
        want = None
    assert r["value"] == want, (v, r["value"], want)
    assert r["size"] == len(b), (v, r["size"])
PY
}

@test "etcd odd: ipc-ls -J shows a name's byte that is not UTF-8 as Latin-1, and its UTF-8 as it is" {
	etcd_ctl put "$(printf '/ipcutils/shm/%s-\351t\303\251' "$N")" v >/dev/null
	run -0 --separate-stderr ipc-ls -J "$ETCD_URL/$N-*"
	[[ "$output" == *'"name":"'"$S"'-\u00e9té",'* ]]
}

# One line on stderr, starting with $1.
one_line_from() {
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] && [[ "$stderr" == "$1"* ]]
}

@test "etcd odd: etcds:// with a CA file or a certificate that cannot be used: one line naming it, status 2" {
	[ -n "${ETCDS_URL:-}" ] || skip "no TLS port (needs openssl)"
	T="$ETCDS_URL/$N"
	run -2 --separate-stderr shm-get --tls-ca "$D/none.pem" "$T"
	one_line_from "shm-get: $T: "
	[[ "$stderr" == *"$D/none.pem"* ]]
	run -2 --separate-stderr sem-post --tls-ca "$ETCD_CA" \
	    --tls-cert "$D/none.pem" --tls-key "$D/none.key" "$T"
	one_line_from "sem-post: $T: "
	[[ "$stderr" == *"$D/none.pem"* ]]
	# Not a certificate where one is wanted; a key not the certificate's.
	head -c 100 /dev/urandom > "$D/junk.pem"
	run -2 --separate-stderr shm-get --tls-ca "$D/junk.pem" "$T"
	one_line_from "shm-get: $T: "
	run -2 --separate-stderr shm-put --tls-ca "$ETCD_CA" --tls-cert "$ETCD_DIR/server.pem" \
	    --tls-key "$ETCD_DIR/ca.key" "$T" <<< v
	one_line_from "shm-put: $T: etcd at 127.0.0.1:$ETCD_TLS_PORT: TLS: "
	# A name the certificate does not have.
	run -2 --separate-stderr shm-get --tls-ca "$ETCD_CA" --tls-name other.test "$T"
	one_line_from "shm-get: $T: etcd at 127.0.0.1:$ETCD_TLS_PORT: TLS: "
	[[ "$stderr" == *other.test* ]]
	[ "$(etcd_ctl get --keys-only "$K" | grep -c .)" -eq 0 ]
}

@test "etcd odd: etcds:// to a server that never answers the handshake: one line after the connect's 2 s, status 2" {
	T="etcds://127.0.0.1:$FAKE_PORT/$N"
	SECONDS=0
	run -2 --separate-stderr shm-get --tls-noverify "$T"
	[ "$stderr" = "shm-get: $T: etcd at 127.0.0.1:$FAKE_PORT: TLS: Connection timed out" ]
	[ "$SECONDS" -lt 15 ]
}

@test "etcd odd: sem-post past the largest value: one line, the count as it was" {
	sem-post "$S"
	etcd_ctl put "/ipcutils/sem/$N/count" 2147483647 >/dev/null
	run -2 --separate-stderr sem-post "$S"
	[ "$stderr" = "sem-post: $S: Value too large for defined data type" ]
	[ "$(count)" = 2147483647 ]
}

@test "etcd odd: sem-wait whose take finds the count changed reads again and takes once" {
	sem-post -c 3 "$S"
	rules 'kv/txn 2 answer 200 {"succeeded":false}'
	run -0 --separate-stderr sem-wait "$F"
	[ "$stderr" = "" ]
	[ "$(count)" = 2 ]
	[ "$(seen kv/txn)" -eq 4 ]
}

@test "etcd odd: sem-wait whose key is gone when it reads again: one line, nothing taken" {
	sem-post -c 3 "$S"
	rules 'kv/txn 2 answer 200 {"succeeded":false}' \
	    'kv/txn 3 edit j["responses"][1]["response_range"]["kvs"]=[]'
	run -2 --separate-stderr sem-wait "$F"
	[ "$stderr" = "sem-wait: $F: the unit was lost: its key is gone (its lease ended, or the semaphore was removed)" ]
	[ "$(count)" = 3 ]
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -c .)" -eq 0 ]
}

# Are there $1 waiter keys of $S?
waiters_are() {
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -c .)" -eq "$1" ]
}

@test "etcd odd: the semaphore removed while sem-wait waits on it: one line, status 2, nothing left" {
	sem-post --init 0 -c 1 "$S"
	sem-wait "$S"
	sem-wait -t 60s "$S" 2> "$D/err" &
	pid=$!
	wait_until waiters_are 1
	ipc-rm "$S"
	reap "$pid"
	pid=
	[ "$status" -eq 2 ]
	[ "$(cat "$D/err")" = "sem-wait: $S: the wait was lost: its key is gone (its lease ended, or the semaphore was removed)" ]
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/" | grep -c .)" -eq 0 ]
}

@test "etcd odd: a lease grant without an ID: sem-wait fails in one line, nothing taken" {
	sem-post "$S"
	rules 'lease/grant 1 answer 200 {"TTL":"10"}'
	run -2 --separate-stderr sem-wait "$F"
	[ "$stderr" = "sem-wait: $F: etcd granted no lease" ]
	[ "$(count)" = 1 ]
}

@test "etcd odd: etcd says the held unit's lease ended (TTL 0): the command is ended, status 125, the unit given back" {
	sem-post "$S"
	rules 'lease/keepalive * answer 200 {"result":{"TTL":"0"}}'
	SECONDS=0
	run -125 --separate-stderr sem-wait --ttl 2s "$F" -- sh -c 'echo started; exec sleep 60'
	[ "$output" = started ]
	[ "$stderr" = "sem-wait: $F: the unit was lost (its lease ended) while the command ran; it was ended" ]
	[ "$SECONDS" -lt 30 ]
	[ "$(count)" = 1 ]
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -c .)" -eq 0 ]
}

@test "etcd odd: one keepalive refused, the next renews: the command runs to its end, status 0, the unit given back" {
	sem-post "$S"
	rules "lease/keepalive 1 answer 500 $BOOM"
	run -0 --separate-stderr sem-wait --ttl 10s "$F" -- sh -c '
	    until [ "$(grep -c "^lease/keepalive pass" "$1/log")" -ge 1 ]; do
		sleep 0.05; done; echo done' sh "$FAKE_DIR"
	[ "$output" = done ]
	[ "$stderr" = "" ]
	[ "$(seen 'lease/keepalive answer')" -eq 1 ]
	[ "$(count)" = 1 ]
}

@test "etcd odd: sem-wait -v whose value cannot be written, or read: status 2, one line, the unit given back" {
	sem-post -c 2 "$S"
	run -2 --separate-stderr bash -c 'sem-wait -v "$1" > /dev/full' sh "$S"
	[ "$stderr" = "sem-wait: stdout: No space left on device" ]
	[ "$(count)" = 2 ]
	# The read of the value after the take (the third transaction).
	rules "kv/txn 3 answer 500 $BOOM"
	run -2 --separate-stderr sem-wait -v "$F"
	[ "$output" = "" ]
	[ "$stderr" = "sem-wait: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: boom" ]
	[ "$(count)" = 2 ]
	rm -f "$FAKE_DIR/rules"
	run -0 --separate-stderr sem-wait -v "$F"
	[ "$output" = 1 ]
	[ "$(count)" = 1 ]
}

# $1 in the background on $F with its kv/txn held by the gateway; once
# it is held, $K is changed by etcdctl ($2: put VALUE, or del), then the
# txn goes on; $status is $1's, its errors in $D/err.
race_txn() {
	rules 'kv/txn 1 hold'
	bash -c "$1" sh "$F" 2> "$D/err" &
	pid=$!
	wait_until grep -q '^kv/txn hold' "$FAKE_DIR/log"
	# shellcheck disable=SC2086
	etcd_ctl $2 "$K" ${3:-} >/dev/null
	touch "$FAKE_DIR/release"
	reap "$pid"
	pid=
}

@test "etcd odd: shm-put -e on an object removed between its open and its write: ENOENT, nothing made" {
	printf v1 | shm-put "$S"
	race_txn 'printf v2 | shm-put -e "$1"' del
	[ "$status" -eq 2 ]
	[ "$(cat "$D/err")" = "shm-put: $F: No such file or directory" ]
	[ "$(etcd_ctl get --keys-only "$K" | grep -c .)" -eq 0 ]
}

@test "etcd odd: shm-put -x on an object made between its open and its write: EEXIST, the other's value kept" {
	race_txn 'printf v2 | shm-put -x "$1"' put other
	[ "$status" -eq 2 ]
	[ "$(cat "$D/err")" = "shm-put: $F: File exists" ]
	[ "$(value)" = other ]
}

@test "etcd odd: shm-put -o on an object changed between its read and its write: written again on the new value" {
	printf abcdef | shm-put "$S"
	race_txn 'printf XY | shm-put -o 2 "$1"' put 123456
	[ "$status" -eq 0 ]
	[ ! -s "$D/err" ]
	[ "$(value)" = 12XY56 ]
	[ "$(seen kv/range)" -ge 2 ]
}

@test "etcd odd: a waiting sem-wait whose key is deleted (etcdctl del): one line, status 2, nothing taken" {
	sem-post --init 0 -c 1 "$S"
	sem-wait "$S"
	sem-wait -t 60s "$S" 2> "$D/err" &
	pid=$!
	wait_until waiters_are 1
	etcd_ctl del --prefix "/ipcutils/sem/$N/w/" >/dev/null
	reap "$pid"
	pid=
	[ "$status" -eq 2 ]
	[ "$(cat "$D/err")" = "sem-wait: $S: the wait was lost: its key is gone (its lease ended, or the semaphore was removed)" ]
	[ "$(count)" = 0 ]
}

@test "etcd odd: a waiting sem-wait whose watch's revision was compacted away reads again: the post that comes is taken once" {
	sem-post --init 0 -c 1 "$S"
	sem-wait "$S"
	rules 'watch 1 answer 200 {"result":{"compact_revision":"2","canceled":true}}'
	sem-wait -t 60s "$F" 2> "$D/err" &
	pid=$!
	# Read again after the compaction: watching anew.
	wait_until grep -q '^watch pass' "$FAKE_DIR/log"
	sem-post "$S"
	reap "$pid"
	pid=
	[ "$status" -eq 0 ]
	[ ! -s "$D/err" ]
	[ "$(count)" = 0 ]
	waiters_are 0
}

@test "etcd odd: shm-put of more than etcd takes, from stdin or by -s: one line, nothing written" {
	printf v1 | shm-put "$S"
	run -2 --separate-stderr bash -c 'head -c 2M /dev/zero | shm-put "$1"' sh "$S"
	[[ "$stderr" == "shm-put: $S: more than etcd takes in one request (1.5 MiB, "*" bytes of value for this key): nothing was written" ]]
	[ "$(value)" = v1 ]
	run -2 --separate-stderr shm-put -s 2M "$S" < /dev/null
	[[ "$stderr" == "shm-put: $S: more than etcd takes in one request (1.5 MiB, "*" bytes of value for this key): nothing was written" ]]
	[ "$(value)" = v1 ]
}

@test "etcd odd: shm-put whose stdin cannot be read, shm-get whose stdout cannot be written: one line naming it, the object old" {
	printf v1 | shm-put "$S"
	mkdir "$D/dir"
	run -2 --separate-stderr shm-put "$S" < "$D/dir"
	[ "$stderr" = "shm-put: stdin: Is a directory" ]
	[ "$(value)" = v1 ]
	run -2 --separate-stderr bash -c 'shm-get "$1" > /dev/full' sh "$S"
	[ "$stderr" = "shm-get: stdout: No space left on device" ]
}

@test "etcd odd: ipc-ls of a glob lists the objects, not keys below them; one etcdctl wrote has no mtime" {
	printf v1 | shm-put "$S-a"
	printf v1 | shm-put "$S-b"
	# etcdctl's put: the time key no longer the object's.
	etcd_ctl put "/ipcutils/shm/$N-b" v2 >/dev/null
	etcd_ctl put "/ipcutils/shm/$N-c/d" v3 >/dev/null
	run -0 --separate-stderr ipc-ls -J "$ETCD_URL/$N-*"
	python3 - "$output" "$S" <<'PY'
import json, sys
rows = {r["name"]: r for r in json.loads(sys.argv[1])}
s = sys.argv[2]
assert sorted(rows) == [s + "-a", s + "-b"], sorted(rows)
assert rows[s + "-a"]["mtime"] is not None
assert rows[s + "-b"]["mtime"] is None and rows[s + "-b"]["value"] == "v2"
PY
}

@test "etcd odd: shm-put -x whose creating write was made and its answer lost: status 0, the object its input" {
	rules 'kv/txn 1 drop'
	run -0 --separate-stderr shm-put -x "$F" <<< mine
	[ "$stderr" = "" ]
	[ "$(value)" = mine ]
	[ "$(seen 'kv/txn drop')" -eq 1 ]
	# Another's object, made first, is still refused.
	run -2 --separate-stderr shm-put -x "$F" <<< again
	[ "$stderr" = "shm-put: $F: File exists" ]
	[ "$(value)" = mine ]
}

@test "etcd odd: shm-put -o whose write was made and its answer lost: written once, status 0" {
	printf abcdef | shm-put "$S"
	rules 'kv/txn 1 drop'
	run -0 --separate-stderr bash -c 'printf XY | shm-put -o 2 "$1"' sh "$F"
	[ "$stderr" = "" ]
	[ "$(value)" = abXYef ]
}

@test "etcd odd: ipc-rm of an object another removes between its list and its delete: no error, as ipc-rm(1) says" {
	printf v1 | shm-put "$S"
	rules 'kv/txn 2 hold'
	ipc-rm "$F" 2> "$D/err" &
	pid=$!
	wait_until grep -q '^kv/txn hold' "$FAKE_DIR/log"
	etcd_ctl del "$K" >/dev/null
	touch "$FAKE_DIR/release"
	reap "$pid"
	pid=
	[ "$status" -eq 0 ]
	[ ! -s "$D/err" ]
}

@test "etcd odd: ipc-rm of a semaphore whose delete fails: one line, status 2; that another removes first: no error" {
	sem-post "$S"
	rules "kv/deleterange * answer 500 $BOOM"
	run -2 --separate-stderr ipc-rm "$F"
	[ "$stderr" = "ipc-rm: $F: etcd at 127.0.0.1:$FAKE_PORT: etcdserver: boom" ]
	[ "$(count)" = 1 ]
	rules 'kv/deleterange 1 hold'
	ipc-rm "$F" 2> "$D/err" &
	pid=$!
	wait_until grep -q '^kv/deleterange hold' "$FAKE_DIR/log"
	etcd_ctl del --prefix "/ipcutils/sem/$N/" >/dev/null
	touch "$FAKE_DIR/release"
	reap "$pid"
	pid=
	[ "$status" -eq 0 ]
	[ ! -s "$D/err" ]
	[ "$(seen 'kv/deleterange hold')" -eq 1 ]
}

@test "etcd odd: shm-put -o -e on an object removed, -o -x on one made, between its open and its read: one line, nothing written" {
	printf v1 | shm-put "$S"
	rules 'kv/range 2 hold'
	bash -c 'printf X | shm-put -e -o 1 "$1"' sh "$F" 2> "$D/err" &
	pid=$!
	wait_until grep -q '^kv/range hold' "$FAKE_DIR/log"
	etcd_ctl del "$K" >/dev/null
	touch "$FAKE_DIR/release"
	reap "$pid"
	[ "$status" -eq 2 ]
	[ "$(cat "$D/err")" = "shm-put: $F: No such file or directory" ]
	[ "$(etcd_ctl get --keys-only "$K" | grep -c .)" -eq 0 ]
	rm -f "$FAKE_DIR/release" "$FAKE_DIR/log"
	rules 'kv/range 2 hold'
	bash -c 'printf X | shm-put -x -o 1 "$1"' sh "$F" 2> "$D/err" &
	pid=$!
	wait_until grep -q '^kv/range hold' "$FAKE_DIR/log"
	etcd_ctl put "$K" other >/dev/null
	touch "$FAKE_DIR/release"
	reap "$pid"
	pid=
	[ "$status" -eq 2 ]
	[ "$(cat "$D/err")" = "shm-put: $F: File exists" ]
	[ "$(value)" = other ]
}

@test "etcd odd: --tls options with a plain etcd:// name, and a bad name under --holders: one line, status 2, for every tool" {
	local t
	for t in "ipc-ls" "ipc-ls --holders" "ipc-rm" "sem-post" "sem-wait" "shm-get"; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr $t --tls-ca "$ETCD_DIR/ca.pem" "$S" < /dev/null
		[ "$stderr" = "${t%% *}: $S: the --tls options need an etcds:// name" ]
	done
	run -2 --separate-stderr shm-put --tls-noverify "$S" <<< v
	[ "$stderr" = "shm-put: $S: the --tls options need an etcds:// name" ]
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/" | grep -c "$N")" -eq 0 ]
	run -2 --separate-stderr ipc-ls --holders "$S?x=y"
	[ "$stderr" = "ipc-ls: $S?x=y: a query (?...) in the name: etcd's objects take none" ]
}

# A gateway's edit: every int64 field of the answer as a JSON number.
NUMS='
def f(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("revision", "mod_revision", "create_revision", "version", "raft_term", "compact_revision") and isinstance(v, str):
                o[k] = int(v)
            else:
                f(v)
    elif isinstance(o, list):
        for v in o:
            f(v)
f(j)'

@test "etcd odd: revisions as JSON numbers, not strings: shm-get -w waits from the revision it read and writes the change" {
	printf v1 | shm-put "$S"
	printf '%s\n' "kv/range * edit exec($(python3 -c 'import sys; print(repr(sys.argv[1]))' "$NUMS"))" > "$FAKE_DIR/rules"
	watch_then_put "$F" pass
	[ "$status" -eq 0 ]
	[ "$(cat "$D/out")" = v2 ]
	[ ! -s "$D/err" ]
	[ "$(seen 'kv/range edit')" -ge 1 ]
}

@test "etcd odd: sem-post's write made, its answer lost, another's post before it asks again: the first change after its read tells, posted once" {
	sem-post "$S"
	# Its write (the third transaction) done and the answer lost; the
	# one made again held until another sem-post has written the count.
	rules 'kv/txn 3 drop' 'kv/txn 4 hold'
	sem-post "$F" 2> "$D/err" &
	pid=$!
	wait_until grep -q '^kv/txn hold' "$FAKE_DIR/log"
	sem-post "$S"
	touch "$FAKE_DIR/release"
	reap "$pid"
	pid=
	[ "$status" -eq 0 ]
	[ ! -s "$D/err" ]
	[ "$(count)" = 3 ]
	[ "$(seen 'watch pass')" -eq 1 ]
}

@test "etcd odd: sem-post's write not made, its connection closed, another's post before it asks again: it reads again and posts once" {
	sem-post "$S"
	rules 'kv/txn 3 close' 'kv/txn 4 hold'
	sem-post "$F" 2> "$D/err" &
	pid=$!
	wait_until grep -q '^kv/txn hold' "$FAKE_DIR/log"
	sem-post "$S"
	touch "$FAKE_DIR/release"
	reap "$pid"
	pid=
	[ "$status" -eq 0 ]
	[ ! -s "$D/err" ]
	[ "$(count)" = 3 ]
}

@test "etcd odd: ipc-ls of a glob of semaphores lists each one, not a stray key under the prefix" {
	sem-post -c 2 "$S-a"
	sem-post "$S-b"
	etcd_ctl put "/ipcutils/sem/$N-stray" x >/dev/null
	run -0 --separate-stderr ipc-ls -J "$ETCD_URL/$N-*"
	python3 - "$output" "$S" <<'PY'
import json, sys
rows = {r["name"]: r for r in json.loads(sys.argv[1])}
s = sys.argv[2]
assert sorted(rows) == [s + "-a", s + "-b"], sorted(rows)
assert rows[s + "-a"]["value"] == 2 and rows[s + "-b"]["value"] == 1
PY
}
