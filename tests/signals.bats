#!/usr/bin/env bats
# signals: every fatal signal at every blocking point of the tools that
# block, nothing lost, the status 128+N (or the signal ignored, where the
# page says so: SIGPIPE and SIGXFSZ, which then fail the write instead).

setup() {
	load test_helper
	T=$BATS_TEST_TMPDIR
	bad=
}

teardown() {
	kill_bg "${pid:-}" "${rpid:-}"
	ipc_cleanup
}

SIGS="HUP INT QUIT TERM ALRM USR1 USR2 PIPE XFSZ"

# Send SIG to the blocked $pid and check how it ended: by the signal
# (128+N, or the 2 of a failed write where the page says so), or, for a
# signal the tool ignores, not at all until SIGTERM (then 143).
ends_by() {
	local tool=$1 sig=$2 n i wait=200
	n=$(kill -l "$sig")
	# One that is ignored is given a second to show it.
	case $sig in PIPE|XFSZ) wait=20 ;; esac
	kill -s "$sig" "$pid"
	for i in $(seq "$wait"); do
		ended "$pid" && break
		sleep 0.05
	done
	if ! ended "$pid"; then
		case $sig in
		PIPE|XFSZ) kill -TERM "$pid"; n=15 ;;
		*) bad="$bad"$'\n'"$tool $sig: still running 10 s later"
		   kill -KILL "$pid" ;;
		esac
	fi
	reap "$pid"
	pid=
	[ "$status" -eq $((128 + n)) ] ||
	    bad="$bad"$'\n'"$tool $sig: status $status, not $((128 + n)): $(head -c 200 "$T/err")"
}

# Wait until $pid is TOOL itself (not yet the shell or python that
# execs it, with SIGQUIT still ignored) and asleep where it blocks.
tool_asleep() {
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && asleep "$pid"
}

wait_tool() {
	wait_until tool_asleep "$1" ||
	    { echo "wait_tool: $1 ($pid) is not asleep" >&2; return 1; }
}

verdict() {
	[ -z "$bad" ] || fail "broken by signals:$bad"
}

@test "signals: mq-recv blocked on an empty queue ends by each, taking nothing" {
	requires mqueue-fs
	for s in $SIGS; do
		mq-send -x "$N" < /dev/null
		with_default_signals mq-recv "$N" > "$T/out" 2> "$T/err" &
		pid=$!
		wait_tool mq-recv
		ends_by mq-recv "$s"
		[ ! -s "$T/out" ] || bad="$bad"$'\n'"mq-recv $s: wrote $(cat "$T/out")"
		mq_cleanup
	done
	verdict
}

@test "signals: mq-recv blocked on a stdout nobody reads loses nothing" {
	requires mqueue-fs python3
	mkfifo "$T/p"
	for s in $SIGS; do
		# 10 messages of 8000 bytes: more than a pipe holds.
		python3 -c 'import sys
for i in range(10): sys.stdout.write("%04d" % i + "x" * 7995 + "\n")' > "$T/in"
		mq-send --max-messages 10 --message-size 8000 "$N" < "$T/in"
		exec 5<> "$T/p"
		with_default_signals mq-recv -d "$N" > "$T/p" 2> "$T/err" &
		pid=$!
		wait_tool mq-recv
		ends_by mq-recv "$s"
		# What the pipe holds, and what is left on the queue: all.
		timeout 5 python3 -c 'import os, fcntl, sys
fd = int(sys.argv[1]); fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)
out = b""
while True:
    try:
        b = os.read(fd, 65536)
    except BlockingIOError:
        break
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)' 5 <&5 > "$T/got" || true
		exec 5>&-
		mq-recv -d "$N" >> "$T/got" 2>/dev/null || true
		[ "$(sort "$T/got" | cut -c1-4)" = "$(cut -c1-4 "$T/in")" ] ||
		    bad="$bad"$'\n'"mq-recv $s: lost $(comm -13 <(sort "$T/got" | cut -c1-4) <(cut -c1-4 "$T/in") | tr '\n' ' ')"
		mq_cleanup
	done
	verdict
}

@test "signals: mq-send blocked on a full queue loses nothing it sent" {
	requires mqueue-fs
	for s in $SIGS; do
		seq 1 20 | with_default_signals mq-send --max-messages 10 "$N" \
		    2> "$T/err" &
		pid=$!
		wait_mq_count "$N" 10
		wait_tool mq-send
		ends_by mq-send "$s"
		[ "$(mq-recv -d "$N")" = "$(seq 1 10)" ] ||
		    bad="$bad"$'\n'"mq-send $s: the queue is not 1 to 10"
		mq_cleanup
	done
	verdict
}

@test "signals: sem-wait blocked on a zero semaphore takes nothing" {
	for s in $SIGS; do
		peer-sem create "/$N" 0
		with_default_signals sem-wait "$N" 2> "$T/err" &
		pid=$!
		wait_blocked "$pid"
		ends_by sem-wait "$s"
		[ "$(sem_value "$N")" = 0 ] || bad="$bad"$'\n'"sem-wait $s: value $(sem_value "$N")"
		peer-sem unlink "/$N"
	done
	verdict
}

@test "signals: shm-get blocked on a stdout nobody reads leaves the object" {
	requires python3
	mkfifo "$T/p"
	# More than a pipe holds, even one grown to pipe-max-size (1 MiB).
	head -c 4000000 /dev/zero | tr '\0' a | shm-put "$N"
	for s in $SIGS; do
		exec 5<> "$T/p"
		with_default_signals shm-get "$N" > "$T/p" 2> "$T/err" &
		pid=$!
		wait_tool shm-get
		ends_by shm-get "$s"
		exec 5>&-
		[ "$(shm-get "$N" | wc -c)" = 4000000 ] || bad="$bad"$'\n'"shm-get $s: the object changed"
	done
	verdict
}

@test "signals: shm-put blocked reading its input changes nothing" {
	mkfifo "$T/p"
	printf old | shm-put "$N"
	for s in $SIGS; do
		exec 5<> "$T/p"
		printf new >&5
		with_default_signals shm-put "$N" < "$T/p" 2> "$T/err" &
		pid=$!
		wait_tool shm-put
		ends_by shm-put "$s"
		exec 5>&-
		[ "$(shm-get "$N")" = old ] || bad="$bad"$'\n'"shm-put $s: the object is $(shm-get "$N")"
	done
	verdict
}

@test "signals: sock-listen blocked waiting for a connection ends by each" {
	for s in $SIGS; do
		mkfifo "$T/ready"
		with_default_signals sock-listen --port-file "$T/ready" \
		    "unix:$T/s" > "$T/out" 2> "$T/err" 3>&- &
		pid=$!
		read -t 10 -r port <> "$T/ready"
		wait_tool sock-listen
		ends_by sock-listen "$s"
		rm -f "$T/ready" "$T/s"
	done
	verdict
}

@test "signals: sock-send blocked on a peer that does not read ends by each" {
	requires python3
	for s in $SIGS; do
		rm -f "$T/s"
		python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, _ = s.accept(); time.sleep(60)' "$T/s" > "$T/ready" &
		rpid=$!
		wait_for_file "$T/ready"
		head -c 10000000 /dev/zero |
		    with_default_signals sock-send "unix:$T/s" 2> "$T/err" &
		pid=$!
		wait_tool sock-send
		ends_by sock-send "$s"
		kill_bg "$rpid"
		rpid=
		rm -f "$T/ready"
	done
	verdict
}

# A stop and a continue (SIGSTOP, then SIGCONT: a shell's ^Z and fg, a
# debugger) can end a blocked call with EINTR on Linux though no handler
# ran: that is no signal to end by, and no error.  Stop and continue the
# blocked $pid twice, then let it go on with GO; it must end as if never
# stopped: status 0, nothing on stderr.
stopped_and_on() {
	local tool=$1
	shift
	wait_asleep "$pid"
	kill -STOP "$pid"
	kill -CONT "$pid"
	wait_asleep "$pid"
	kill -STOP "$pid"
	kill -CONT "$pid"
	"$@"
	reap "$pid"
	pid=
	[ "$status" -eq 0 ] && [ ! -s "$T/err" ] ||
	    bad="$bad"$'\n'"$tool: status $status, $(cat "$T/err")"
}

@test "signals: a stop and a continue while blocked is neither an end nor an error" {
	peer-sem create "/$N" 0
	sem-wait -t 60 "$N" 2> "$T/err" &
	pid=$!
	stopped_and_on sem-wait sem-post "$N"
	[ "$(sem_value "$N")" = 0 ] || bad="$bad"$'\n'"sem-wait: the unit not taken"

	printf 'old' | shm-put "$N"
	shm-get -w -t 60 "$N" > "$T/out" 2> "$T/err" &
	pid=$!
	stopped_and_on shm-get eval 'printf new | shm-put "$N"'
	[ "$(cat "$T/out")" = new ] || bad="$bad"$'\n'"shm-get -w: wrote $(cat "$T/out")"

	sock-listen --port-file "$T/p" -t 60 "unix:$T/s" > "$T/out" 2> "$T/err" &
	pid=$!
	wait_for_file "$T/p"
	stopped_and_on sock-listen eval 'echo hello | sock-send -q "unix:$T/s"'
	[ "$(cat "$T/out")" = hello ] || bad="$bad"$'\n'"sock-listen: wrote $(cat "$T/out")"
	[ -z "$bad" ] || fail "$bad"
}
