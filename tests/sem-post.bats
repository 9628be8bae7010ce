#!/usr/bin/env bats
# sem-post: options, exit statuses, --max, dead holders, bad input.

setup() {
	load test_helper
	d=$BATS_TEST_TMPDIR
}

teardown() {
	# A stopped holder takes no SIGTERM: kill_bg would wait for ever.
	[ -z "${holder:-}" ] || kill -KILL "$holder" 2>/dev/null || true
	kill_bg $pids
	[ -s "$d/pid" ] && kill -9 "$(cat "$d/pid")" 2>/dev/null
	sem_cleanup
}

@test "sem-post: gives back one unit, creating the semaphore at 0" {
	run -0 --separate-stderr sem-post "$N"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 sem_value "$N"
	assert_output "1"
	sem-post "/$N"
	run -0 sem_value "$N"
	assert_output "2"
}

@test "sem-post: -c gives back count units at once" {
	sem-post -c 3 "$N"
	sem-post --count 2 "$N"
	run -0 sem_value "$N"
	assert_output "5"
}

@test "sem-post: --init is the value at creation, and does not change a semaphore that exists" {
	sem-post --init 4 "$N"
	run -0 sem_value "$N"
	assert_output "5"
	sem-post --init 100 "$N"
	run -0 sem_value "$N"
	assert_output "6"
}

@test "sem-post: -v prints the value afterwards" {
	run -0 sem-post -v "$N"
	assert_output "1"
	run -0 sem-post --value -c 10 "$N"
	assert_output "11"
}

@test "sem-post: -v that cannot write the value exits 2; the units were given, as its page says" {
	[ -w /dev/full ] || skip "needs /dev/full"
	run -2 --separate-stderr sh -c 'sem-post -v -c 2 "$1" > /dev/full' sh "$N"
	assert_equal "$stderr" "sem-post: stdout: No space left on device (the units were given back)"
	run -0 sem_value "$N"
	assert_output "2"
}

@test "sem-post: --max refuses a post that would pass it: exit 1, quietly, nothing changed" {
	run -0 sem-post --max 2 "$N"
	run -0 sem-post --max 2 "$N"
	run -1 --separate-stderr sem-post --max 2 "$N"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 sem_value "$N"
	assert_output "2"
	sem-wait "$N"
	run -1 sem-post -v -c 2 --max 2 "$N"
	assert_output "1"
	run -0 sem-post -v -c 1 --max 2 "$N"
	assert_output "2"
	run -1 sem-post --max 0 "$N-a"
	run -0 sem_value "$N-a"
	assert_output "0"
}

@test "sem-post: --max holds when many post at once" {
	for i in $(seq 10); do
		sem-post --max 3 "$N" 3>&- &
		pids="$pids $!"
	done
	ok=0
	for p in $pids; do wait "$p" && ok=$((ok + 1)) || true; done
	[ "$ok" -eq 3 ] || fail "$ok posts went through"
	run -0 sem_value "$N"
	assert_output "3"
}

# A sem-post stopped while it holds the post lock, between its check
# against --max and its post: peer-sem postlock takes the lock as sem-post
# does, stops itself, and once continued posts one unit and lets go.
postlock_bg() {
	sem-post --init 0 --max 1 -c 1 "$N"
	sem-wait -n "$N"
	peer-sem postlock "/$N" > "$d/locked" 3>&- &
	holder=$!
	pids="$pids $holder"
	wait_until stopped "$holder" || fail "peer-sem did not stop"
	assert_equal "$(cat "$d/locked")" "locked"
}

stopped() {
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = T ]
}

@test "sem-post: a post stopped in its lock is waited for, however long, and --max holds" {
	postlock_bg
	run -1 --separate-stderr sem-post -n --max 1 "$N"
	assert_equal "$stderr" ""
	# Longer than a post takes, and than the 2 s after which one was
	# taken over (a second post then passed --max when the first went on).
	run -1 --separate-stderr sem-post -t 2.5 -v --max 1 "$N"
	assert_output "0"
	assert_equal "$stderr" ""
	run -0 sem_value "$N"
	assert_output "0"
	sem-post --max 1 "$N" 2>"$d/err" 3>&- &
	waiter=$!
	pids="$pids $waiter"
	wait_asleep "$waiter"
	sleep 1
	run -0 sem_value "$N"
	assert_output "0"
	kill -CONT "$holder"
	reap "$holder"
	assert_equal "$status" 0
	reap "$waiter"
	assert_equal "$status" 1
	assert_equal "$(cat "$d/err")" ""
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-post: the post lock of a holder that is gone is taken over at once" {
	postlock_bg
	kill -KILL "$holder"
	wait_until ended "$holder"
	run -0 sem-post -n -v --max 1 "$N"
	assert_output "1"
	run -1 sem-post -n -v --max 1 "$N"
	assert_output "1"
	reap "$holder"
}

@test "sem-post: -t bounds the wait for another post; SIGTERM ends it" {
	postlock_bg
	start=$(date +%s%N)
	run -1 sem-post -t 300ms "$N"
	elapsed=$((($(date +%s%N) - start) / 1000000))
	[ "$elapsed" -ge 300 ] || fail "gave up after $elapsed ms"
	[ "$elapsed" -lt 5000 ] || fail "waited $elapsed ms"
	sem-post "$N" 3>&- &
	waiter=$!
	pids="$pids $waiter"
	wait_asleep "$waiter"
	terminate "$waiter"
	assert_equal "$status" 143
	run -0 sem_value "$N"
	assert_output "0"
}

@test "sem-post: wakes a waiting sem-wait" {
	sem-wait -t 10 "$N" 3>&- &
	pids=$!
	wait_blocked "$pids"
	sem-post "$N"
	wait "$pids"
	run -0 sem_value "$N"
	assert_output "0"
}

@test "sem-post: gives back first the unit of a sem-wait that was killed" {
	sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
	pids=$!
	wait_for_file "$d/pid"
	cmd=$(cat "$d/pid")
	kill -KILL "$pids" "$cmd"
	wait "$pids" || true
	# SIGKILL ends the command when it is next scheduled, not at once.
	wait_until ended "$cmd"
	run -0 sem-post -v "$N"
	assert_output "2"
	run -0 sem-post -v "$N"
	assert_output "3"
}

@test "sem-post: --max counts the unit of a killed holder as there" {
	sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
	pids=$!
	wait_for_file "$d/pid"
	cmd=$(cat "$d/pid")
	kill -KILL "$pids" "$cmd"
	wait "$pids" || true
	wait_until ended "$cmd"
	run -1 sem-post -v --max 1 "$N"
	assert_output "1"
}

@test "sem-post: works with a C program that uses sem_open and sem_wait" {
	peer-sem create "/$N" 0
	sem-post -e "$N"
	run -0 peer-sem trywait "/$N"
	run -1 peer-sem trywait "/$N"
	peer-sem wait "/$N" 3>&- &
	pids=$!
	wait_blocked "$pids"
	sem-post "$N"
	wait "$pids"
	run -0 sem_value "$N"
	assert_output "0"
}

@test "sem-post: a value past SEM_VALUE_MAX is an error that changes nothing" {
	sem-post --init 2147483646 "$N"
	run -2 --separate-stderr sem-post -c 2 "$N"
	assert_equal "$stderr" "sem-post: /$N: value 2147483647 and 2 more would pass SEM_VALUE_MAX, 2147483647"
	run -0 sem_value "$N"
	assert_output "2147483647"
}

@test "sem-post: a new semaphore has mode 0600, or exactly the -m mode" {
	sem-post "$N-a"
	sem-post -m 0640 "$N-b"
	(umask 077; sem-post --mode 664 "$N-c")
	run -0 stat -c %a "/dev/shm/sem.$N-a" "/dev/shm/sem.$N-b" "/dev/shm/sem.$N-c"
	assert_output $'600\n640\n664'
}

@test "sem-post: -e refuses to create, -x refuses what exists" {
	run -2 --separate-stderr sem-post -e "$N"
	assert_equal "$stderr" "sem-post: /$N: No such file or directory"
	run -1 sem_value "$N"
	run -0 sem-post -x "$N"
	run -2 --separate-stderr sem-post --exclusive "$N"
	assert_equal "$stderr" "sem-post: /$N: File exists"
	run -0 sem-post --must-exist "$N"
	run -0 sem_value "$N"
	assert_output "2"
}

@test "sem-post: bad names give exit 2, one line, and create nothing" {
	run -2 --separate-stderr sem-post ""
	assert_equal "$stderr" 'sem-post: "": empty name'
	run -2 --separate-stderr sem-post "/$N/"
	assert_equal "$stderr" "sem-post: /$N/: name holds a '/' after the leading one"
	run -2 --separate-stderr sem-post /..
	assert_equal "$stderr" "sem-post: /..: name is '.' or '..'"
	long=$(printf '%0252d' 0)
	run -2 --separate-stderr sem-post "$long"
	assert_equal "$stderr" "sem-post: $long: name too long"
	run -1 sem_value "$N"
}

@test "sem-post: an etcd:// name in a build without etcd gives exit 2, one line" {
	requires no-etcd
	built_without="this ipcutils was built without etcd (configure --with-etcd, jansson and libtls)"
	run -2 --separate-stderr sem-post --max 1 "etcd://127.0.0.1:2379/$N"
	assert_output ""
	assert_equal "$stderr" "sem-post: etcd://127.0.0.1:2379/$N: $built_without"
	run -2 --separate-stderr sem-post -v "etcds://127.0.0.1:2379/$N"
	assert_output ""
	assert_equal "$stderr" "sem-post: etcds://127.0.0.1:2379/$N: $built_without"
	run -2 --separate-stderr sem-post "amqp://127.0.0.1/$N"
	assert_equal "$stderr" "sem-post: amqp://127.0.0.1/$N: amqp:// names are not semaphores"
	run -1 sem_value "$N"
}

@test "sem-post: bad counts and values give exit 2, one line, and create nothing" {
	run -2 --separate-stderr sem-post -c 0 "$N"
	assert_equal "$stderr" "sem-post: count is too small: 0"
	run -2 --separate-stderr sem-post -c 3x "$N"
	assert_equal "$stderr" "sem-post: count is invalid: 3x"
	run -2 --separate-stderr sem-post -c 99999999999 "$N"
	assert_equal "$stderr" "sem-post: count is too large: 99999999999"
	run -2 --separate-stderr sem-post --init -1 "$N"
	assert_equal "$stderr" "sem-post: --init is too small: -1"
	run -2 --separate-stderr sem-post --max '' "$N"
	assert_equal "$stderr" 'sem-post: --max is invalid: ""'
	run -2 --separate-stderr sem-post --init 3 --max 2 "$N"
	assert_equal "$stderr" "sem-post: --init 3 is over --max 2"
	run -2 --separate-stderr sem-post -m 9 "$N"
	assert_equal "$stderr" "sem-post: mode is invalid: 9"
	run -1 sem_value "$N"
}

@test "sem-post: usage errors and conflicts give exit 2" {
	run -2 --separate-stderr sem-post
	assert_equal "$stderr" $'usage: sem-post [-envx] [-c count] [-m mode] [-t timeout] [--init n]\n\t[--max n] [--any-owner] [--tls-ca file] [--tls-cert file] [--tls-key file]\n\t[--tls-name name] [--tls-noverify] name'
	run -2 --separate-stderr sem-post "$N" extra
	run -2 --separate-stderr sem-post -t 1x "$N"
	assert_equal "$stderr" "sem-post: timeout is invalid: 1x"
	run -2 --separate-stderr sem-post -t '' "$N"
	run -2 --separate-stderr sem-post -t -1 "$N"
	assert_equal "$stderr" "sem-post: timeout is negative: -1"
	run -2 --separate-stderr sem-post -e -x "$N"
	assert_equal "$stderr" "sem-post: cannot use -e and -x"
	run -1 sem_value "$N"
}

@test "sem-post: --help prints the usage and the options; --version the version" {
	run -0 --separate-stderr sem-post --help
	assert_line --index 0 "usage: sem-post [-envx] [-c count] [-m mode] [-t timeout] [--init n]"
	assert_line --partial -- "--max n"
	assert_line --partial -- "-t, --timeout time"
	assert_equal "$stderr" ""
	run -0 sem-post --version
	assert_output --regexp '^sem-post \(ipcutils\) [0-9.]+$'
}

@test "sem-post: --max gives back no unit of a killed holder past the bound, and says nothing" {
	sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
	pids=$!
	wait_for_file "$d/pid"
	cmd=$(cat "$d/pid")
	kill -KILL "$pids" "$cmd"
	wait "$pids" || true
	wait_until ended "$cmd"
	# Another program posts (sem_post(3), no record): the value is at
	# the bound already, so the dead holder's unit is dropped, not given.
	peer-sem post "/$N"
	run -1 --separate-stderr sem-post -v --max 1 "$N"
	assert_output "1"
	assert_equal "$stderr" ""
	# Dropped once: the record no longer holds it.
	run -0 sem-wait -n "$N"
	run -0 sem-post -v --max 1 "$N"
	assert_output "1"
}
