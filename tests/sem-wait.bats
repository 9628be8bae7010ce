#!/usr/bin/env bats
# sem-wait: options, exit statuses, command mode, holders that die, bad input.

setup() {
	load test_helper
	d=$BATS_TEST_TMPDIR
}

teardown() {
	kill_bg $pids
	[ -s "$d/pid" ] && kill -9 "$(cat "$d/pid")" 2>/dev/null
	sem_cleanup
}

# The most commands that ran at once, from a log of + (start) and - (end).
most_at_once() {
	awk '/\+/ { n++; if (n > m) m = n } /-/ { n-- } END { print m }' "$1"
}

@test "sem-wait: takes one unit and exits 0; a new semaphore starts at --init" {
	run -0 --separate-stderr sem-wait --init 3 "$N"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 sem_value "$N"
	assert_output "2"
	run -0 sem-wait --init 9 "$N"
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-wait: a new semaphore starts at 0 without --init: -n exits 1 quietly" {
	run -1 --separate-stderr sem-wait -n "$N"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 sem_value "$N"
	assert_output "0"
	run -1 sem-wait --nonblock "$N"
}

@test "sem-wait: -t waits, then gives up with 1 in about that time" {
	start=$(date +%s%N)
	run -1 --separate-stderr sem-wait -t 300ms "$N"
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$elapsed" -ge 290 ] && [ "$elapsed" -lt 1000 ] || false
	assert_equal "$stderr" ""
	run -1 sem-wait --timeout 0 "$N"
}

@test "sem-wait: -E gives the exit status for no unit in time, with or without a command" {
	run -7 sem-wait -n -E 7 "$N"
	run -0 sem-wait -n -E 0 "$N"
	run -42 sem-wait -t 10ms --conflict-exit-code 42 --init 0 "$N" -- true
	run -0 sem_value "$N"
	assert_output "0"
}

@test "sem-wait: -v prints the value after the unit was taken" {
	run -0 sem-wait -v --init 5 "$N"
	assert_output "4"
	run -0 sem-wait --value "$N" -- echo ran
	assert_output $'3\nran'
	run -0 sem_value "$N"
	assert_output "4"
}

@test "sem-wait: a new semaphore has mode 0600, or exactly the -m mode" {
	sem-wait --init 1 "$N-a"
	sem-wait --init 1 -m 0640 "$N-b"
	(umask 077; sem-wait --init 1 --mode 664 "$N-c")
	run -0 stat -c %a "/dev/shm/sem.$N-a" "/dev/shm/sem.$N-b" "/dev/shm/sem.$N-c"
	assert_output $'600\n640\n664'
}

@test "sem-wait: -e refuses to create a missing semaphore" {
	run -2 --separate-stderr sem-wait -e "$N"
	assert_equal "$stderr" "sem-wait: /$N: No such file or directory"
	run -125 --separate-stderr sem-wait --must-exist "$N" -- true
	assert_equal "$stderr" "sem-wait: /$N: No such file or directory"
	run -1 sem_value "$N"
}

@test "sem-wait: -x refuses a semaphore that exists, and --init does not change it" {
	sem-wait --init 2 "$N"
	run -2 --separate-stderr sem-wait -x "$N"
	assert_equal "$stderr" "sem-wait: /$N: File exists"
	run -125 --separate-stderr sem-wait --exclusive "$N" -- true
	assert_equal "$stderr" "sem-wait: /$N: File exists"
	run -0 sem-wait --init 50 "$N"
	run -0 sem_value "$N"
	assert_output "0"
	run -0 sem-wait -x --init 1 "$N-a"
}

@test "sem-wait: a name with or without its slash is the same semaphore" {
	sem-wait --init 2 "/$N"
	run -0 sem-wait -v "$N"
	assert_output "0"
}

@test "sem-wait: a command runs without a shell, holding a unit of a lock made at 1" {
	run -0 --separate-stderr sem-wait "$N" -- printf '%s|' 'a b' '$HOME' '*' '--' '-n'
	assert_output 'a b|$HOME|*|--|-n|'
	assert_equal "$stderr" ""
	run -0 sem-wait "$N" -- peer-sem value "/$N"
	assert_output "0"
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-wait: the command's exit status comes back, and the unit with it" {
	run -3 sem-wait "$N" -- sh -c 'exit 3'
	run -1 sem-wait "$N" -- false
	run -0 sem-wait "$N" -- true
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-wait: a command killed by signal N gives 128+N, and the unit comes back" {
	run -143 sem-wait "$N" -- sh -c 'kill -TERM $$'
	run -137 sem-wait "$N" -- sh -c 'kill -KILL $$'
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-wait: a command not found gives 127, not runnable 126, and the unit comes back" {
	# A PATH of directories this user can search: one it may not (root's
	# PATH seen by another user) makes execvp say EACCES, 126, as env does.
	run -127 --separate-stderr env PATH="$(dirname "$(command -v sem-wait)"):/usr/bin:/bin" \
	    sem-wait "$N" -- ipct-no-such-command x
	assert_equal "$stderr" "sem-wait: ipct-no-such-command: No such file or directory"
	printf 'echo hi\n' > "$d/noexec"
	run -126 --separate-stderr sem-wait "$N" -- "$d/noexec"
	assert_equal "$stderr" "sem-wait: $d/noexec: Permission denied"
	run -126 --separate-stderr sem-wait "$N" -- "$d"
	assert_equal "$stderr" "sem-wait: $d: Permission denied"
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-wait: a held lock makes -n exit 1 and -t time out, without running the command" {
	sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
	pids=$!
	wait_for_file "$d/pid"
	run -1 --separate-stderr sem-wait -n "$N" -- touch "$d/ran"
	assert_equal "$stderr" ""
	run -1 sem-wait -t 100ms "$N" -- touch "$d/ran"
	[ ! -e "$d/ran" ]
}

@test "sem-wait: five commands on one lock never overlap" {
	for i in 1 2 3 4 5; do
		sem-wait "$N" -- sh -c 'echo + >> "$1"; sleep 0.1; echo - >> "$1"' sh "$d/log" 3>&- &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	run -0 grep -c + "$d/log"
	assert_output "5"
	run -0 most_at_once "$d/log"
	assert_output "1"
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-wait: with --init 3, never more than three of twelve at once" {
	for i in $(seq 12); do
		sem-wait --init 3 "$N" -- sh -c 'echo + >> "$1"; sleep 0.4; echo - >> "$1"' sh "$d/log" 3>&- &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	run -0 grep -c + "$d/log"
	assert_output "12"
	run -0 most_at_once "$d/log"
	assert_output "3"
	run -0 sem_value "$N"
	assert_output "3"
}

@test "sem-wait: SIGTERM, SIGINT and SIGHUP go to the command, and the unit comes back" {
	for sig in TERM INT HUP; do
		rm -f "$d/pid"
		# A shell's & ignores SIGINT, and nohup (a CI's) SIGHUP: either
		# would stay ignored, for sem-wait and its command.
		env --default-signal=INT,HUP sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
		pids=$!
		wait_for_file "$d/pid"
		kill -s "$sig" "$pids"
		reap "$pids"
		assert_equal "$status" $((128 + $(kill -l "$sig")))
		run -1 kill -0 "$(cat "$d/pid")"
		run -0 sem_value "$N"
		assert_output "1"
	done
}

# Runs sem-wait "$@" -- a command that records its pid, waits for a line on
# fd 8 (the FIFO $d/go) and says "survived"; then sends SIGHUP to both.
hup_both() {
	"$@" --init 1 "$N" -- sh -c 'echo $$ > "$1"; read x <&8; echo survived' \
	    sh "$d/pid" > "$d/out" 2> "$d/err" 3>&- &
	pids=$!
	wait_for_file "$d/pid"
	kill -HUP "$pids" "$(cat "$d/pid")"
	echo go >&8
	reap "$pids"
}

@test "sem-wait: nohup and trap '' HUP keep SIGHUP ignored, for sem-wait and its command" {
	mkfifo "$d/go"
	exec 8<> "$d/go"
	hup_both nohup sem-wait
	assert_equal "$status" 0
	run -0 cat "$d/out"
	assert_output "survived"
	rm -f "$d/pid"
	hup_both sh -c 'trap "" HUP; exec "$@"' sh sem-wait
	assert_equal "$status" 0
	run -0 cat "$d/out"
	assert_output "survived"
	run -0 sem_value "$N"
	assert_output "1"
	exec 8<&-
}

@test "sem-wait: -v that cannot write the value exits 2 and gives the unit back" {
	[ -w /dev/full ] || skip "needs /dev/full"
	sem-post -c 2 "$N"
	run -2 --separate-stderr sh -c 'sem-wait -v "$1" > /dev/full' sh "$N"
	assert_equal "$stderr" "sem-wait: stdout: No space left on device"
	run -0 sem_value "$N"
	assert_output "2"
	run -125 --separate-stderr sh -c 'sem-wait -v "$1" -- echo ran > /dev/full' sh "$N"
	assert_equal "$stderr" "sem-wait: stdout: No space left on device"
	run -0 sem_value "$N"
	assert_output "2"
}

@test "sem-wait: a signal ends a wait, and nothing is taken" {
	sem-wait --init 0 "$N" -- true 3>&- &
	pids=$!
	wait_blocked "$pids"
	kill -TERM "$pids"
	reap "$pids"
	assert_equal "$status" 143
	run -0 sem_value "$N"
	assert_output "0"
}

@test "sem-wait: SIGKILL to sem-wait and its command: a waiter there gets the unit within a second" {
	sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
	holder=$!
	wait_for_file "$d/pid"
	sem-wait -t 10 "$N" -- touch "$d/ran" 3>&- &
	pids=$!
	wait_blocked "$pids"
	start=$(date +%s%N)
	kill -KILL "$holder" "$(cat "$d/pid")"
	wait "$pids"
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	[ -e "$d/ran" ]
	[ "$elapsed" -lt 1000 ] || fail "the waiter took $elapsed ms"
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-wait: SIGKILL to sem-wait and its command: the next sem-wait gets the unit at once" {
	sem-wait --init 2 "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
	holder=$!
	wait_for_file "$d/pid"
	run -0 sem-wait -n "$N" -- true
	kill -KILL "$holder" "$(cat "$d/pid")"
	wait "$holder" || true
	run -0 sem-wait -n -v "$N" -- true
	assert_output "1"
	run -0 sem_value "$N"
	assert_output "2"
}

@test "sem-wait: SIGKILL to sem-wait alone: its command keeps the unit until it ends" {
	sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
	holder=$!
	wait_for_file "$d/pid"
	kill -KILL "$holder"
	wait "$holder" || true
	run -1 sem-wait -t 700ms "$N" -- true
	kill -KILL "$(cat "$d/pid")"
	run -0 sem-wait -t 2 "$N" -- true
	run -0 sem_value "$N"
	assert_output "1"
}

@test "sem-wait: works with a C program that uses sem_open, sem_wait and sem_post" {
	peer-sem create "/$N" 0
	sem-wait -t 10 "$N" 3>&- &
	pids=$!
	wait_blocked "$pids"
	peer-sem post "/$N"
	wait "$pids"
	# The peer holds the lock: no command runs until it posts.
	peer-sem post "/$N"
	peer-sem wait "/$N"
	run -1 sem-wait -n "$N" -- touch "$d/ran"
	peer-sem post "/$N"
	# A command takes a unit of another, and the peer sees it.
	peer-sem create "/$N-a" 1
	run -0 sem-wait -n "$N" -- sem-wait -n "$N-a"
	run -1 peer-sem trywait "/$N-a"
	# Inside the lock, the peer finds it taken.
	run -1 sem-wait "$N" -- peer-sem trywait "/$N"
	run -0 sem_value "$N"
	assert_output "1"
	[ ! -e "$d/ran" ]
}

@test "sem-wait: bad names give exit 2 (125 with a command), one line, and create nothing" {
	run -2 --separate-stderr sem-wait ""
	assert_equal "$stderr" 'sem-wait: "": empty name'
	run -125 --separate-stderr sem-wait "$N/b" -- true
	assert_equal "$stderr" "sem-wait: $N/b: name holds a '/' after the leading one"
	run -2 --separate-stderr sem-wait .
	assert_equal "$stderr" "sem-wait: .: name is '.' or '..'"
	long=$(printf '%0252d' 0)
	run -2 --separate-stderr sem-wait "$long"
	assert_equal "$stderr" "sem-wait: $long: name too long"
	run -0 sem-wait --init 1 "${long%0}"
	peer-sem unlink "/${long%0}"
	run -1 sem_value "$N"
}

@test "sem-wait: an etcd:// name in a build without etcd gives exit 2 (125 with a command), one line, and runs nothing" {
	requires no-etcd
	built_without="this ipcutils was built without etcd (configure --with-etcd, jansson and libtls)"
	run -2 --separate-stderr sem-wait -n "etcd://127.0.0.1:2379/$N"
	assert_output ""
	assert_equal "$stderr" "sem-wait: etcd://127.0.0.1:2379/$N: $built_without"
	run -125 --separate-stderr sem-wait "etcds://127.0.0.1:2379/$N" -- touch "$d/ran"
	assert_equal "$stderr" "sem-wait: etcds://127.0.0.1:2379/$N: $built_without"
	[ ! -e "$d/ran" ]
	run -2 --separate-stderr sem-wait "amqp://127.0.0.1/$N"
	assert_equal "$stderr" "sem-wait: amqp://127.0.0.1/$N: amqp:// names are not semaphores"
	run -2 --separate-stderr sem-wait "x://$N"
	assert_equal "$stderr" "sem-wait: x://$N: name holds a '/' after the leading one"
}

@test "sem-wait: bad numbers and durations give exit 2 (125 with a command) and one line" {
	run -2 --separate-stderr sem-wait -t 1x "$N"
	assert_equal "$stderr" "sem-wait: timeout is invalid: 1x"
	run -125 --separate-stderr sem-wait -t -1 "$N" -- true
	assert_equal "$stderr" "sem-wait: timeout is negative: -1"
	run -2 --separate-stderr sem-wait -t '' "$N"
	assert_equal "$stderr" 'sem-wait: timeout is invalid: ""'
	run -2 --separate-stderr sem-wait --init -1 "$N"
	assert_equal "$stderr" "sem-wait: --init is too small: -1"
	run -125 --separate-stderr sem-wait --init 2147483648 "$N" -- true
	assert_equal "$stderr" "sem-wait: --init is too large: 2147483648"
	run -2 --separate-stderr sem-wait --init 1x "$N"
	assert_equal "$stderr" "sem-wait: --init is invalid: 1x"
	run -2 --separate-stderr sem-wait -E 256 "$N"
	assert_equal "$stderr" "sem-wait: conflict exit code is too large: 256"
	run -125 --separate-stderr sem-wait -E x "$N" -- true
	assert_equal "$stderr" "sem-wait: conflict exit code is invalid: x"
	run -2 --separate-stderr sem-wait -m 0800 "$N"
	assert_equal "$stderr" "sem-wait: mode is invalid: 0800"
	run -1 sem_value "$N"
}

@test "sem-wait: usage errors and conflicts give exit 2 (125 with a command)" {
	run -2 --separate-stderr sem-wait
	assert_equal "${stderr%%$'\n'*}" "usage: sem-wait [-envx] [-E code] [-m mode] [-t timeout] [--init n]"
	run -2 --separate-stderr sem-wait "$N" extra
	run -125 --separate-stderr sem-wait "$N" --
	run -125 --separate-stderr sem-wait -- true
	run -2 --separate-stderr sem-wait -q "$N"
	run -2 --separate-stderr sem-wait -n -t 1 "$N"
	assert_equal "$stderr" "sem-wait: cannot use -n and -t"
	run -125 --separate-stderr sem-wait -e -x "$N" -- true
	assert_equal "$stderr" "sem-wait: cannot use -e and -x"
	run -1 sem_value "$N"
}

@test "sem-wait: --help prints the usage and the options; --version the version" {
	run -0 --separate-stderr sem-wait --help
	assert_line --index 0 "usage: sem-wait [-envx] [-E code] [-m mode] [-t timeout] [--init n]"
	assert_line --partial -- "--conflict-exit-code"
	assert_equal "$stderr" ""
	run -0 sem-wait -V
	assert_output --regexp '^sem-wait \(ipcutils\) [0-9.]+$'
}

@test "sem-wait: SIGPIPE and SIGXFSZ ignored at start stay ignored for its command; at their default otherwise" {
	# SigIgn of /proc/PID/status: SIGPIPE (13) is bit 12, SIGXFSZ (25)
	# bit 24 (make check may have others ignored: only these are ours).  sem-wait ignores both for itself, never for the
	# command, unless they were ignored when it started.
	local mask
	run -0 bash -c 'trap "" PIPE XFSZ; exec sem-wait --init 1 "$1" -- sh -c "grep SigIgn /proc/\$\$/status"' sh "$N"
	mask=$((16#${output##*$'\t'}))
	assert_equal "PIPE $(((mask >> 12) & 1)) XFSZ $(((mask >> 24) & 1))" "PIPE 1 XFSZ 1"
	run -0 with_default_signals sem-wait "$N" -- sh -c 'grep SigIgn /proc/$$/status'
	mask=$((16#${output##*$'\t'}))
	assert_equal "PIPE $(((mask >> 12) & 1)) XFSZ $(((mask >> 24) & 1))" "PIPE 0 XFSZ 0"
	run -0 sem_value "$N"
	assert_output "1"
}
