#!/usr/bin/env bats
# sem-wait, sem-post, shm-put, shm-get, ipc-ls and ipc-rm on etcd://
# names, against private etcd members that setup_file starts
# (tests/etcd.bash): one, with a TLS port; one with authentication on;
# a cluster of three for the faults.

setup_file() {
	load etcd
	etcd_start
	etcd_auth_start
	etcd_cluster
	if [ -n "$ETCD_SKIP" ]; then
		echo "# etcd: $ETCD_SKIP" >&3
	else
		echo "# etcd: started in ${ETCD_START_SECONDS}s on port $ETCD_PORT" >&3
	fi
}

teardown_file() {
	load etcd
	etcd_stop
}

setup() {
	load test_helper
	load etcd
	requires etcd
	requires_etcd
	S="$ETCD_URL/$N"
	K="/ipcutils/shm/$N"
	D=$BATS_TEST_TMPDIR
	ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}'
}

teardown() {
	# Commands that wait for go end; the tools in the background too.
	[ -z "${D:-}" ] || touch "$D/go"
	kill_bg "${pid:-}" "${pid2:-}" "${pid3:-}" "${p1:-}" "${p2:-}" \
	    "${p3:-}" "${p4:-}"
	[ -z "${ETCD_PORT:-}" ] || [ -n "${ETCD_SKIP:-}" ] || {
		etcd_ctl del --prefix "/ipcutils/shm/$N" >/dev/null 2>&1
		etcd_ctl del --prefix "/ipcutils/time/shm/$N" >/dev/null 2>&1
		etcd_ctl del --prefix "/ipcutils/sem/$N" >/dev/null 2>&1
	} || true
	[ -z "${ETCD_CPORTS:-}" ] || [ -n "${ETCD_CLUSTER_SKIP:-}" ] ||
	    cluster_ctl del --prefix "/ipcutils/sem/$N" >/dev/null 2>&1 || true
}

requires_cluster() {
	[ -z "${ETCD_CLUSTER_SKIP:-}" ] || skip "$ETCD_CLUSTER_SKIP"
}

cluster_ctl() {
	local p e=
	for p in $ETCD_CPORTS; do
		e="$e${e:+,}127.0.0.1:$p"
	done
	ETCDCTL_API=3 etcdctl --endpoints="$e" "$@"
}

# The waiter keys of semaphore $N, on the single member.
waiters() {
	etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -c . || true
}

waiters_are() {
	[ "$(waiters)" -eq "$1" ]
}

# Are there $2 keys under the prefix $1, on the single member?
keys_are() {
	[ "$(etcd_ctl get --prefix --keys-only "$1" | grep -c .)" -eq "$2" ]
}

# Have $1 commands of the --init test started?
runs_are() {
	[ "$(find "$D" -maxdepth 1 -name 'run.*' | grep -c .)" -eq "$1" ]
}

# The requests the single member has served so far, but reads: the
# waiters() of the test are etcdctl's reads, and the tools read with
# transactions.  The HTTP gateway makes each call one gRPC request.
requests() {
	python3 -c '
import sys, urllib.request
n = 0
for l in urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1]):
    l = l.decode()
    if l.startswith("grpc_server_started_total{") and \
        "grpc_method=\"Range\"" not in l:
        n += int(float(l.split()[-1]))
print(n)' "$ETCD_PORT"
}

# A critical section that records an overlap: another inside at once.
critical() {
	# shellcheck disable=SC2016
	echo 'mkdir "$1/in" 2>/dev/null || echo overlap >> "$1/bad"; sleep 0.01; rmdir "$1/in"'
}

@test "etcd: shm-put writes the key etcdctl reads, and shm-get reads what etcdctl put" {
	printf 'one\ntwo' | shm-put "$S"
	run -0 etcd_ctl get --print-value-only "$K"
	assert_output "$(printf 'one\ntwo')"
	etcd_ctl put "$K" "from etcdctl" >/dev/null
	run -0 shm-get "$S"
	assert_output "from etcdctl"
}

@test "etcd: a 1 MiB binary value goes through byte for byte" {
	head -c 1048576 /dev/urandom > "$BATS_TEST_TMPDIR/in"
	shm-put "$S" < "$BATS_TEST_TMPDIR/in"
	shm-get "$S" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	etcd_ctl get --print-value-only "$K" | head -c 1048576 > "$BATS_TEST_TMPDIR/ctl"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/ctl"
}

@test "etcd: shm-get -o and -l take a slice" {
	printf 'abcdefgh' | shm-put "$S"
	run -0 shm-get -o 2 -l 3 "$S"
	assert_output cde
	run -0 shm-get -o 6 "$S"
	assert_output gh
	run -0 shm-get -o 20 "$S"
	assert_output ""
}

@test "etcd: shm-put -o splices in place, keeping the rest; past the end it grows with zeros" {
	printf 'abcdefgh' | shm-put "$S"
	printf 'XY' | shm-put -o 3 "$S"
	run -0 shm-get "$S"
	assert_output abcXYfgh
	printf 'Z' | shm-put -o 10 "$S"
	run -0 bash -c "shm-get '$S' | od -An -c | tr -s ' '"
	assert_output " a b c X Y f g h \\0 \\0 Z"
}

@test "etcd: shm-put -s sets the size: the rest is zeros, or cut" {
	printf 'abc' | shm-put -s 5 "$S"
	run -0 bash -c "shm-get '$S' | od -An -c | tr -s ' '"
	assert_output " a b c \\0 \\0"
	printf 'abcdef' | shm-put -s 2 "$S"
	run -0 shm-get "$S"
	assert_output ab
}

@test "etcd: a value over etcd's 1.5 MiB is exit 2 naming the limit, and the old value stays" {
	printf old | shm-put "$S"
	run -2 --separate-stderr bash -c "head -c 1600000 /dev/zero | shm-put '$S'"
	[ "$stderr" = "shm-put: $S: more than etcd takes in one request (1.5 MiB, $((1572864 - ${#K} - 64)) bytes of value for this key): nothing was written" ]
	run -0 shm-get "$S"
	assert_output old
	run -2 bash -c "printf x | shm-put -o 1600000 '$S'"
	run -0 shm-get "$S"
	assert_output old
}

@test "etcd: -e does not create; -x refuses an object that exists" {
	run -2 --separate-stderr bash -c "echo x | shm-put -e '$S'"
	[ "$stderr" = "shm-put: $S: No such file or directory" ]
	run -0 etcd_ctl get --keys-only "$K"
	assert_output ""
	run -0 bash -c "echo x | shm-put -x '$S'"
	run -2 --separate-stderr bash -c "echo y | shm-put -x '$S'"
	[ "$stderr" = "shm-put: $S: File exists" ]
	run -0 bash -c "echo z | shm-put -e '$S'"
	run -0 shm-get "$S"
	assert_output z
	# A semaphore: nothing is left of it, its time key neither.
	run -2 --separate-stderr sem-wait -e -n "$S"
	[ "$stderr" = "sem-wait: $S: No such file or directory" ]
	run -0 etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/"
	assert_output ""
}

@test "etcd: shm-get of a missing object is exit 2; -m is refused naming it" {
	run -2 --separate-stderr shm-get "$S"
	[ "$stderr" = "shm-get: $S: No such file or directory" ]
	run -2 --separate-stderr bash -c "echo x | shm-put -m 0644 '$S'"
	[ "$stderr" = "shm-put: $S: -m: etcd's objects have no mode (etcd's roles say who may read and write)" ]
	run -0 etcd_ctl get --keys-only "$K"
	assert_output ""
}

@test "etcd: bad names are exit 2, one line" {
	run -2 --separate-stderr shm-get "$ETCD_URL/a/b"
	[ "$stderr" = "shm-get: $ETCD_URL/a/b: the name needs one segment after the hosts (etcd://host/NAME)" ]
	run -2 --separate-stderr shm-get "$ETCD_URL/"
	[ "$stderr" = "shm-get: $ETCD_URL/: the name needs one segment after the hosts (etcd://host/NAME)" ]
	run -2 --separate-stderr shm-get "etcd://u:secret@127.0.0.1:$ETCD_PORT/$N"
	[ "$stderr" = "shm-get: etcd://u@127.0.0.1:$ETCD_PORT/$N: a password in the name: give it in IPCUTILS_ETCD_PASSWORD or the etcd-credentials file" ]
}

@test "etcd: shm-get -w writes the next value; -t gives up with exit 1" {
	printf old | shm-put "$S"
	shm-get -w -t 10s "$S" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	wait_asleep "$pid"
	printf new | shm-put "$S"
	reap "$pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = new ]
	run -1 shm-get -w -t 300ms "$S"
}

# Has shm-get, under strace, sent n reads?
ranges_sent() {
	[ "$(grep -c 'kv/range' "$BATS_TEST_TMPDIR/trace")" -ge "$1" ]
}

@test "etcd: shm-get -w misses no change between its read and its watch" {
	requires strace ptrace
	printf old | shm-put "$S"
	# The third request (the watch) leaves a second after the second
	# (the read); the put lands in between.
	strace -f -o "$BATS_TEST_TMPDIR/trace" -e trace=sendto \
	    -e inject=sendto:delay_enter=1000000:when=3 \
	    shm-get -w -t 10s "$S" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	wait_until ranges_sent 2
	printf new | shm-put "$S"
	reap "$pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = new ]
}

# Has the output file n lines?
out_lines() {
	[ "$(wc -l < "$BATS_TEST_TMPDIR/out")" -ge "$1" ]
}

@test "etcd: shm-get -F writes every version once, in order, when each put waits for the last read" {
	printf 'v0\n' | shm-put "$S"
	shm-get -F -c 5 -t 10s "$S" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	for i in 1 2 3 4; do
		wait_until out_lines "$i"
		printf 'v%d\n' "$i" | shm-put "$S"
	done
	reap "$pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(printf 'v%d\n' 0 1 2 3 4)" ]
}

@test "etcd: shm-get -F under racing puts: never a version twice or out of order, the last one always" {
	printf '0\n' | shm-put "$S"
	shm-get -F -t 3s "$S" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	wait_until out_lines 1
	for i in $(seq 1 40); do printf '%d\n' "$i" | shm-put "$S"; done
	wait_until grep -qx 40 "$BATS_TEST_TMPDIR/out"
	kill -TERM "$pid"
	reap "$pid"
	[ "$status" -eq 143 ]
	sort -n -c -u "$BATS_TEST_TMPDIR/out"
}

@test "etcd: shm-get -w of an object deleted meanwhile is exit 2" {
	printf old | shm-put "$S"
	shm-get -w -t 10s "$S" 2> "$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_asleep "$pid"
	etcd_ctl del "$K" >/dev/null
	reap "$pid"
	[ "$status" -eq 2 ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "shm-get: $S: deleted while waited on" ]
}

@test "etcd: the hosts are tried in turn; none answering is one line, exit 2" {
	port=$(free_port)
	printf v | shm-put "etcd://127.0.0.1:$port,127.0.0.1:$ETCD_PORT/$N"
	run -0 shm-get "$S"
	assert_output v
	run -2 --separate-stderr shm-get "etcd://127.0.0.1:$port/$N"
	[ "$stderr" = "shm-get: etcd://127.0.0.1:$port/$N: etcd at 127.0.0.1:$port: Connection refused" ]
}

@test "etcd: IPCUTILS_ETCD_PREFIX moves the objects" {
	printf v | IPCUTILS_ETCD_PREFIX=/other shm-put "$S"
	run -0 etcd_ctl get --print-value-only "/other/shm/$N"
	assert_output v
	run -2 shm-get "$S"
	etcd_ctl del "/other/shm/$N" >/dev/null
}

@test "etcd: etcds:// with the CA of the test; without it, exit 2" {
	[ -n "$ETCDS_URL" ] || skip "needs openssl"
	printf secret | shm-put --tls-ca "$ETCD_CA" "$ETCDS_URL/$N"
	run -0 shm-get "$S"
	assert_output secret
	run -0 shm-get --tls-ca "$ETCD_CA" --tls-name etcd.test "$ETCDS_URL/$N"
	assert_output secret
	run -2 --separate-stderr shm-get "$ETCDS_URL/$N"
	[[ "$stderr" == "shm-get: $ETCDS_URL/$N: etcd at 127.0.0.1:$ETCD_TLS_PORT: TLS: "* ]]
	run -2 --separate-stderr shm-get --tls-ca "$ETCD_CA" --tls-name wrong.test "$ETCDS_URL/$N"
	run -0 shm-get --tls-noverify "$ETCDS_URL/$N"
	assert_output secret
	run -2 --separate-stderr shm-get --tls-ca "$ETCD_CA" "$S"
	[ "$stderr" = "shm-get: $S: the --tls options need an etcds:// name" ]
	run -2 --separate-stderr shm-get --tls-ca "$ETCD_CA" "$N"
	[ "$stderr" = "shm-get: $N: the --tls options are for etcds:// names" ]
}

@test "etcd: a password from the environment logs in; a wrong one is exit 2" {
	[ -n "${ETCD_AUTH_URL:-}" ] || skip "the etcd with authentication did not start"
	printf v | IPCUTILS_ETCD_USER=root IPCUTILS_ETCD_PASSWORD="$ETCD_AUTH_PASSWORD" \
	    shm-put "$ETCD_AUTH_URL/$N"
	run -0 env IPCUTILS_ETCD_PASSWORD="$ETCD_AUTH_PASSWORD" \
	    shm-get "etcd://root@127.0.0.1:$ETCD_AUTH_PORT/$N"
	assert_output v
	run -2 --separate-stderr env IPCUTILS_ETCD_USER=root IPCUTILS_ETCD_PASSWORD=wrong \
	    shm-get "$ETCD_AUTH_URL/$N"
	[[ "$stderr" == "shm-get: $ETCD_AUTH_URL/$N: etcd refused the login: "* ]]
	run -2 shm-get "$ETCD_AUTH_URL/$N"
	IPCUTILS_ETCD_USER=root IPCUTILS_ETCD_PASSWORD="$ETCD_AUTH_PASSWORD" \
	    ipc-rm "$ETCD_AUTH_URL/$N"
}

@test "etcd: ipc-rm removes an object; a missing one is exit 2 unless -f" {
	printf v | shm-put "$S"
	run -0 ipc-rm -v "$S"
	assert_output "removed shm $S"
	run -0 etcd_ctl get --keys-only "$K"
	assert_output ""
	run -2 --separate-stderr ipc-rm "$S"
	[ "$stderr" = "ipc-rm: $S: No such file or directory" ]
	run -0 ipc-rm -f "$S"
}

@test "etcd: ipc-ls shows an object's type, size and value; -J as JSON; a glob over the prefix" {
	printf hello | shm-put "$S-a"
	printf 'x y' | shm-put "$S-b"
	run -0 ipc-ls -n "$S-a"
	assert_output --regexp "^shm +$S-a +5 +hello +- +- +$ISO +[0-9]+\$"
	run -0 ipc-ls -J "$S-a"
	assert_output --regexp "^\[\{\"type\":\"shm\",\"name\":\"$S-a\",\"size\":5,\"value\":\"hello\",\"mtime\":\"$ISO\",\"revision\":[0-9]+\}\]\$"
	run -0 ipc-ls -n "$S-*"
	assert_line -n 0 --regexp "^shm +$S-a +5 "
	assert_line -n 1 --regexp "^shm +$S-b +3 "
	run -2 --separate-stderr ipc-ls "$S-c"
	[ "$stderr" = "ipc-ls: $S-c: No such file or directory" ]
}

@test "etcd: sem-wait holds a unit for a command and passes its status through; 126 and 127" {
	run -0 sem-wait "$ETCD_URL/$N" -- true
	run -7 sem-wait "$ETCD_URL/$N" -- sh -c 'exit 7'
	run -127 sem-wait "$ETCD_URL/$N" -- /nonexistent/ipct
	run -126 sem-wait "$ETCD_URL/$N" -- /dev/null
	run -0 waiters
	assert_output 0
}

@test "etcd: 3 x 20 critical sections through three members never overlap" {
	requires_cluster
	read -r a b c <<< "$ETCD_CPORTS"
	for p in $a $b $c; do
		(for i in $(seq 20); do
			sem-wait "etcd://127.0.0.1:$p/$N" -- sh -c "$(critical)" sh "$D" || echo "fail $?" >> "$D/bad"
		done) &
	done
	wait
	[ ! -e "$D/bad" ] || { cat "$D/bad"; false; }
}

@test "etcd: --init 2 lets exactly two commands run at once" {
	for i in 1 2 3 4; do
		sem-wait --init 2 "$ETCD_URL/$N" -- sh -c 'echo x > "$1/run.$2"; while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" "$i" &
		eval "p$i=\$!"
	done
	wait_until waiters_are 4
	wait_until runs_are 2
	sleep 0.5
	[ "$(ls "$D" | grep -c '^run\.')" -eq 2 ]
	touch "$D/go"
	wait
	[ "$(ls "$D" | grep -c '^run\.')" -eq 4 ]
}

@test "etcd: -n and -t give up on a held semaphore (exit 1, or -E's), leaving no waiter key" {
	sem-wait "$ETCD_URL/$N" -- sleep 30 &
	pid=$!
	wait_until waiters_are 1
	run -1 sem-wait -n "$ETCD_URL/$N"
	run -1 sem-wait -t 300ms "$ETCD_URL/$N" -- true
	run -9 sem-wait -E 9 -n "$ETCD_URL/$N"
	run -0 waiters
	assert_output 1
}

@test "etcd: plain sem-wait consumes a unit, sem-post gives one, --max bounds it" {
	run -0 sem-post -v "$ETCD_URL/$N"
	assert_output 1
	run -0 sem-wait -v "$ETCD_URL/$N"
	assert_output 0
	run -1 sem-wait -n "$ETCD_URL/$N"
	run -0 sem-post -c 2 -v "$ETCD_URL/$N"
	assert_output 2
	run -1 sem-post --max 2 "$ETCD_URL/$N"
	run -0 etcd_ctl get --print-value-only "/ipcutils/sem/$N/count"
	assert_output 2
}

@test "etcd: waiters are served first come, first served" {
	sem-wait "$ETCD_URL/$N" -- sh -c 'while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" &
	pid=$!
	wait_until waiters_are 1
	sem-wait "$ETCD_URL/$N" -- sh -c 'echo a >> "$1/order"' sh "$D" &
	pid2=$!
	wait_until waiters_are 2
	sem-wait "$ETCD_URL/$N" -- sh -c 'echo b >> "$1/order"' sh "$D" &
	pid3=$!
	wait_until waiters_are 3
	touch "$D/go"
	wait
	[ "$(cat "$D/order" | tr -d '\n')" = ab ]
}

@test "etcd: the fencing tokens of successive holders strictly increase" {
	for i in 1 2 3 4 5; do
		sem-wait "$ETCD_URL/$N" -- sh -c 'echo "$IPC_SEM_TOKEN"' >> "$D/tokens"
	done
	[ "$(wc -l < "$D/tokens")" -eq 5 ]
	sort -n -u "$D/tokens" | cmp - "$D/tokens"
}

@test "etcd: SIGKILL of sem-wait kills its command; the next waiter gets the unit within the TTL and a second" {
	sem-wait --ttl 2s "$ETCD_URL/$N" -- sh -c 'echo $$ > "$1/cmd"; exec sleep 60' sh "$D" &
	pid=$!
	wait_for_file "$D/cmd"
	cmd=$(cat "$D/cmd")
	kill -9 "$pid"
	wait_until bash -c "! kill -0 $cmd 2>/dev/null"
	start=$SECONDS
	run -0 sem-wait -t 10s "$ETCD_URL/$N" -- true
	[ $((SECONDS - start)) -le 3 ]
}

@test "etcd: a lease revoked while the command runs ends it, and sem-wait exits 125 saying so" {
	sem-wait "$ETCD_URL/$N" -- sh -c 'echo $$ > "$1/cmd"; exec sleep 60' sh "$D" 2> "$D/err" &
	pid=$!
	wait_for_file "$D/cmd"
	lease=$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | head -n 1 | sed 's|.*/||')
	etcd_ctl lease revoke "$lease" >/dev/null
	reap "$pid"
	[ "$status" -eq 125 ]
	[ "$(cat "$D/err")" = "sem-wait: $ETCD_URL/$N: the unit was lost (its lease ended) while the command ran; it was ended" ]
	run -1 kill -0 "$(cat "$D/cmd")"
}

@test "etcd: the leader killed while a unit is held: no second holder, both commands finish" {
	requires_cluster
	read -r a b c <<< "$ETCD_CPORTS"
	url="etcd://127.0.0.1:$a,127.0.0.1:$b,127.0.0.1:$c/$N"
	url2="etcd://127.0.0.1:$c,127.0.0.1:$b,127.0.0.1:$a/$N"
	# shellcheck disable=SC2016
	sem-wait "$url" -- sh -c 'mkdir "$1/in"; sleep 2; rmdir "$1/in"; echo done >> "$1/done"' sh "$D" &
	pid=$!
	wait_until test -d "$D/in"
	# shellcheck disable=SC2016
	sem-wait "$url2" -- sh -c 'mkdir "$1/in" || echo overlap >> "$1/bad"; rmdir "$1/in"; echo done >> "$1/done"' sh "$D" &
	pid2=$!
	leader=$(cluster_leader)
	etcd_member_stop "$leader"
	reap "$pid"
	[ "$status" -eq 0 ]
	reap "$pid2"
	[ "$status" -eq 0 ]
	etcd_member_start "$leader"
	[ ! -e "$D/bad" ]
	[ "$(wc -l < "$D/done")" -eq 2 ]
}

@test "etcd: etcd unreachable: one line, exit 2; 125 with a command" {
	port=$(free_port)
	run -2 --separate-stderr sem-wait "etcd://127.0.0.1:$port/$N"
	[ "$stderr" = "sem-wait: etcd://127.0.0.1:$port/$N: etcd at 127.0.0.1:$port: Connection refused" ]
	run -125 --separate-stderr sem-wait "etcd://127.0.0.1:$port/$N" -- true
	[ "$stderr" = "sem-wait: etcd://127.0.0.1:$port/$N: etcd at 127.0.0.1:$port: Connection refused" ]
	run -2 --separate-stderr sem-post "etcd://127.0.0.1:$port/$N"
}

@test "etcd: --ttl under 2s and -m are refused naming them; --ttl on a POSIX name too" {
	run -125 --separate-stderr sem-wait --ttl 1s "$ETCD_URL/$N" -- true
	[ "$stderr" = "sem-wait: $ETCD_URL/$N: --ttl: at least 2s, etcd's shortest lease" ]
	run -2 --separate-stderr sem-wait -m 0644 "$ETCD_URL/$N"
	[ "$stderr" = "sem-wait: $ETCD_URL/$N: -m: etcd's semaphores have no mode (etcd's roles say who may use them)" ]
	run -2 --separate-stderr sem-wait --ttl 5s "$N"
	[ "$stderr" = "sem-wait: /$N: --ttl is for etcd:// names: a POSIX semaphore's unit comes back when its holder dies" ]
}

@test "etcd: ipc-rm removes a semaphore's keys; a waiter then fails" {
	sem-wait "$ETCD_URL/$N" -- sleep 30 &
	pid=$!
	wait_until waiters_are 1
	sem-wait -t 20s "$ETCD_URL/$N" 2> "$D/err" &
	pid2=$!
	wait_until waiters_are 2
	run -0 ipc-rm -v "$ETCD_URL/$N"
	assert_output "removed sem $ETCD_URL/$N"
	reap "$pid2"
	[ "$status" -eq 2 ]
	[ "$(cat "$D/err")" = "sem-wait: $ETCD_URL/$N: the wait was lost: its key is gone (its lease ended, or the semaphore was removed)" ]
}

@test "etcd: ipc-ls shows a semaphore's value next to an object of the same name" {
	sem-post -c 3 "$S"
	printf hi | shm-put "$S"
	run -0 ipc-ls -n "$S"
	assert_line -n 0 --regexp "^shm +$S +2 +hi +- +- +$ISO +[0-9]+\$"
	assert_line -n 1 --regexp "^sem +$S +- +3 +0 +0 +$ISO +[0-9]+\$"
	run -0 ipc-ls -J "$S"
	assert_output --regexp ",\{\"type\":\"sem\",\"name\":\"$S\",\"value\":3,\"holders\":0,\"waiters\":0,\"mtime\":\"$ISO\",\"revision\":[0-9]+\}\]\$"
}

@test "etcd: sem-post -c 3 lets three waiters in at once, each woken in turn" {
	sem-post --init 0 -c 1 "$ETCD_URL/$N"
	sem-wait "$ETCD_URL/$N"
	for i in 1 2 3 4; do
		# shellcheck disable=SC2016
		sem-wait -t 20s "$ETCD_URL/$N" -- sh -c 'touch "$1/in.$2"; while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" "$i" &
		eval "p$i=\$!"
		wait_until waiters_are "$i"
	done
	sem-post -c 3 "$ETCD_URL/$N"
	wait_until test -e "$D/in.3"
	[ -e "$D/in.1" ] && [ -e "$D/in.2" ] || false
	[ ! -e "$D/in.4" ]
	touch "$D/go"
	for p in "$p1" "$p2" "$p3" "$p4"; do
		reap "$p"
		[ "$status" -eq 0 ]
	done
	[ -e "$D/in.4" ]
}

@test "etcd: SIGTERM ends a waiting sem-wait and goes on to a holder's command; both keys go at once" {
	sem-wait "$ETCD_URL/$N" -- sleep 30 &
	pid=$!
	wait_until waiters_are 1
	sem-wait "$ETCD_URL/$N" &
	pid2=$!
	wait_until waiters_are 2
	terminate "$pid2"
	[ "$status" -eq 143 ]
	run -0 waiters
	assert_output 1
	terminate "$pid"
	[ "$status" -eq 143 ]
	run -0 waiters
	assert_output 0
}

@test "etcd: sem-wait and sem-post on etcds:// with the CA of the test; --tls options with a POSIX name are refused" {
	[ -n "$ETCDS_URL" ] || skip "needs openssl"
	run -0 sem-post --tls-ca "$ETCD_CA" -v "$ETCDS_URL/$N"
	assert_output 1
	run -0 sem-wait --tls-ca "$ETCD_CA" --tls-name etcd.test "$ETCDS_URL/$N" -- true
	run -0 sem-wait --tls-ca "$ETCD_CA" -v "$ETCDS_URL/$N"
	assert_output 0
	run -2 --separate-stderr sem-wait -n "$ETCDS_URL/$N"
	[[ "$stderr" == "sem-wait: $ETCDS_URL/$N: etcd at 127.0.0.1:$ETCD_TLS_PORT: TLS: "* ]]
	run -2 --separate-stderr sem-post --tls-ca "$ETCD_CA" "$N"
	[ "$stderr" = "sem-post: $N: the --tls options are for etcds:// names" ]
	run -2 --separate-stderr sem-post --tls-ca "$ETCD_CA" "$S"
	[ "$stderr" = "sem-post: $S: the --tls options need an etcds:// name" ]
}

@test "etcd: ipc-ls's MTIME is the time of shm-put's change; after etcdctl's put it is unknown, the revision still shown" {
	before=$(date +%s)
	printf v | shm-put "$S"
	run -0 ipc-ls -J "$S"
	mtime=$(python3 -c 'import json, sys, datetime; print(int(datetime.datetime.fromisoformat(json.load(sys.stdin)[0]["mtime"]).timestamp()))' <<< "$output")
	[ "$mtime" -ge "$before" ]
	[ "$mtime" -le "$(date +%s)" ]
	rev=$(etcd_ctl get -w json "$K" | python3 -c 'import json, sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])')
	assert_output --partial "\"revision\":$rev}"
	etcd_ctl put "$K" other >/dev/null
	run -0 ipc-ls -n "$S"
	assert_output --regexp "^shm +$S +5 +other +- +- +- +[0-9]+\$"
	run -0 ipc-ls -J "$S"
	assert_output --partial '"mtime":null,'
	run -0 ipc-rm "$S"
	run -0 etcd_ctl get --prefix --keys-only "/ipcutils/time/shm/$N"
	assert_output ""
}

@test "etcd: ipc-ls lists semaphores by a glob over the prefix, with their holders and waiters; -T picks the type" {
	sem-post -c 2 "$S-a"
	printf x | shm-put "$S-a"
	sem-wait "$S-l" -- sh -c 'touch "$1/in"; while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" &
	pid=$!
	wait_until test -e "$D/in"
	sem-wait -t 20s "$S-l" -- true &
	pid2=$!
	wait_until keys_are "/ipcutils/sem/$N-l/w/" 2
	run -0 ipc-ls -n -T sem "$S-*"
	assert_line -n 0 --regexp "^sem +$S-a +- +2 +0 +0 +$ISO +[0-9]+\$"
	assert_line -n 1 --regexp "^sem +$S-l +- +0 +1 +1 +$ISO +[0-9]+\$"
	[ "${#lines[@]}" -eq 2 ]
	run -0 ipc-ls -n -T shm "$S-*"
	assert_output --regexp "^shm +$S-a +1 +x "
	run -0 ipc-ls -J -T sem "$S-l"
	assert_output --regexp "^\[\{\"type\":\"sem\",\"name\":\"$S-l\",\"value\":0,\"holders\":1,\"waiters\":1,"
	run -2 --separate-stderr ipc-ls -T mq "$S-a"
	[ "$stderr" = "ipc-ls: $S-a: No such file or directory" ]
	touch "$D/go"
	reap "$pid"
	reap "$pid2"
}

@test "etcd: ipc-ls --holders shows each holder's host, pid, token, lease and its TTL left, and the waiters after them" {
	sem-wait --ttl 7s "$S" -- sh -c 'echo "$IPC_SEM_TOKEN" > "$1/token"; while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" &
	pid=$!
	wait_until test -s "$D/token"
	sem-wait -t 20s "$S" -- true &
	pid2=$!
	wait_until waiters_are 2
	lease=$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | head -n 1 | sed 's|.*/||')
	run -0 ipc-ls --holders -n "$S"
	assert_line -n 0 --regexp "^$S +$(hostname) +$pid +$(cat "$D/token") +${lease#"${lease%%[!0]*}"} +[1-7] +$ISO +holds\$"
	assert_line -n 1 --regexp "^$S +$(hostname) +$pid2 +[0-9]+ +[0-9a-f]+ +[1-9][0-9]* +$ISO +waits\$"
	run -2 --separate-stderr ipc-ls --holders -J "$S-nothing*"
	[ "$output" = "[]" ]
	[ "$stderr" = "ipc-ls: $S-nothing*: No such file or directory" ]
	run -0 ipc-ls --holders -J "$S"
	run -0 python3 -c 'import json, sys; h = json.load(sys.stdin); print(len(h), h[0]["state"], h[0]["pid"], h[0]["ttl"] <= 7, h[1]["state"])' <<< "$output"
	assert_output "2 holds $pid True waits"
	touch "$D/go"
	reap "$pid"
	[ "$status" -eq 0 ]
	reap "$pid2"
	run -0 ipc-ls --holders -n "$S"
	assert_output ""
}

@test "etcd: ipc-rm of a semaphore with a holder: its command runs on to its end and exits 0, a waiter fails; a later sem-wait makes a new one" {
	sem-wait "$S" -- sh -c 'touch "$1/in"; while [ ! -e "$1/go" ]; do sleep 0.05; done; touch "$1/done"' sh "$D" &
	pid=$!
	wait_until test -e "$D/in"
	sem-wait -t 20s "$S" 2> "$D/err" &
	pid2=$!
	wait_until waiters_are 2
	run -0 ipc-rm -v "$S"
	assert_output "removed sem $S"
	reap "$pid2"
	[ "$status" -eq 2 ]
	[ "$(cat "$D/err")" = "sem-wait: $S: the wait was lost: its key is gone (its lease ended, or the semaphore was removed)" ]
	# The holder's command is not ended, and another sem-wait is let in.
	run -0 sem-wait -n "$S" -- true
	[ ! -e "$D/done" ]
	touch "$D/go"
	reap "$pid"
	[ "$status" -eq 0 ]
	[ -e "$D/done" ]
	run -0 waiters
	assert_output 0
}

@test "etcd: ipc-ls and ipc-rm take the --tls options for etcds:// names; a plain name refuses them" {
	[ -n "$ETCDS_URL" ] || skip "needs openssl"
	printf v | shm-put "$S"
	sem-post "$S"
	run -0 ipc-ls -n --tls-ca "$ETCD_CA" "$ETCDS_URL/$N"
	assert_line -n 0 --regexp "^shm +$ETCDS_URL/$N +1 +v "
	assert_line -n 1 --regexp "^sem +$ETCDS_URL/$N +- +1 "
	run -0 ipc-ls -n --holders --tls-ca "$ETCD_CA" "$ETCDS_URL/$N"
	run -2 --separate-stderr ipc-ls "$ETCDS_URL/$N"
	[[ "$stderr" == "ipc-ls: $ETCDS_URL/$N: etcd at 127.0.0.1:$ETCD_TLS_PORT: TLS: "* ]]
	run -2 --separate-stderr ipc-rm "$ETCDS_URL/$N"
	[[ "$stderr" == "ipc-rm: $ETCDS_URL/$N: etcd at 127.0.0.1:$ETCD_TLS_PORT: TLS: "* ]]
	run -0 etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/"
	assert_output --partial count
	run -2 --separate-stderr ipc-ls --tls-ca "$ETCD_CA" "$S"
	[ "$stderr" = "ipc-ls: $S: the --tls options need an etcds:// name" ]
	run -2 --separate-stderr ipc-rm --tls-ca "$ETCD_CA" "$S"
	[ "$stderr" = "ipc-rm: $S: the --tls options need an etcds:// name" ]
	run -2 --separate-stderr ipc-ls --tls-ca "$ETCD_CA" "$N"
	[ "$stderr" = "ipc-ls: the --tls options are for names of a backend (etcds://, amqps://)" ]
	run -2 --separate-stderr ipc-rm --tls-ca "$ETCD_CA" "$N"
	[ "$stderr" = "ipc-rm: the --tls options are for names of a backend (etcds://, amqps://)" ]
	run -0 ipc-rm -v --tls-ca "$ETCD_CA" --tls-name etcd.test "$ETCDS_URL/$N"
	assert_line -n 0 "removed shm $ETCDS_URL/$N"
	assert_line -n 1 "removed sem $ETCDS_URL/$N"
	run -0 etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/"
	assert_output ""
}

@test "etcd: ipc-rm removes the semaphores a glob finds" {
	sem-post "$S-a"
	sem-post "$S-b"
	run -0 ipc-rm -v "$S-*"
	assert_line -n 0 "removed sem $S-a"
	assert_line -n 1 "removed sem $S-b"
	run -0 etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N-"
	assert_output ""
	run -2 ipc-ls "$S-*"
}

@test "etcd: sem-wait -- true makes three requests: its lease, its entry (the semaphore made in it), the revoke" {
	# A long TTL: no keepalive comes in, however slow the machine.
	r0=$(requests)
	sem-wait --ttl 60 "$S" -- true
	r1=$(requests)
	[ $((r1 - r0)) -eq 3 ]
	sem-wait --ttl 60 "$S" -- true
	r2=$(requests)
	[ $((r2 - r1)) -eq 3 ]
}

@test "etcd: a hand-over makes no request but the holder's revoke: a waiter's are its lease, entry, watch and revoke" {
	r0=$(requests)
	sem-wait --ttl 60 "$S" -- sh -c 'while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" &
	pid=$!
	wait_until waiters_are 1
	sem-wait --ttl 60 "$S" -- true &
	pid2=$!
	wait_until waiters_are 2
	touch "$D/go"
	reap "$pid2"
	[ "$status" -eq 0 ]
	reap "$pid"
	[ "$status" -eq 0 ]
	r1=$(requests)
	[ $((r1 - r0)) -eq 7 ]
}

@test "etcd: waiters in a queue: at most 7 requests a grant, however many come behind the first" {
	r0=$(requests)
	sem-wait --ttl 60 "$S" -- sh -c 'while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" &
	pid=$!
	wait_until waiters_are 1
	for i in 1 2 3 4 5 6; do
		# shellcheck disable=SC2016
		sem-wait --ttl 60 "$S" -- sh -c 'echo "$2" >> "$1/order"' sh "$D" "$i" &
		eval "p$i=\$!"
		wait_until waiters_are $((i + 1))
	done
	touch "$D/go"
	wait
	r1=$(requests)
	[ "$(tr -d '\n' < "$D/order")" = 123456 ]
	echo "$((r1 - r0)) requests for 7 grants"
	[ $((r1 - r0)) -le $((7 * 7)) ]
}

@test "etcd: a waiter that gives up in the middle of a queue stalls none behind it" {
	sem-wait "$S" -- sh -c 'while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" &
	pid=$!
	wait_until waiters_are 1
	# -t 20s: a waiter that stalls fails the test instead of hanging it.
	sem-wait -t 20s "$S" -- sh -c 'echo a >> "$1/order"' sh "$D" &
	p1=$!
	wait_until waiters_are 2
	sem-wait -t 1s "$S" -- sh -c 'echo b >> "$1/order"' sh "$D" &
	p2=$!
	wait_until waiters_are 3
	sem-wait -t 20s "$S" -- sh -c 'echo c >> "$1/order"' sh "$D" &
	p3=$!
	wait_until waiters_are 4
	reap "$p2"
	[ "$status" -eq 1 ]
	touch "$D/go"
	reap "$p3"
	[ "$status" -eq 0 ]
	reap "$p1"
	[ "$status" -eq 0 ]
	[ "$(tr -d '\n' < "$D/order")" = ac ]
}
