#!/usr/bin/env bats
# mq-recv: counts, framing, timeouts, delivery that never loses a message.

setup() {
	load test_helper
	spids=()
}

teardown() {
	kill_bg "${pid:-}" "${spid:-}" "${spids[@]}"
	mq_cleanup
}

# A small queue holding the given messages.
fill() {
	mq-send --max-messages 8 --message-size 64 "$N" "$@"
}

@test "mq-recv: receives one message by default, with a newline" {
	fill one two
	run -0 mq-recv "$N"
	assert_output "one"
	run -0 peer-mq attr "/$N"
	assert_output "8 64 1"
}

@test "mq-recv: 10 messages from a producer started after the consumer arrive in order" {
	mq-recv -c 10 --max-messages 4 --message-size 16 "$N" > "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	seq 1 10 | mq-send --max-messages 4 --message-size 16 "$N"
	wait "$pid"
	pid=
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output "$(seq 1 10)"
}

@test "mq-recv: each message is written as soon as it arrives" {
	coproc RECV { exec mq-recv -f --max-messages 4 --message-size 16 "$N" 3>&-; }
	pid=$RECV_PID
	mq-send "$N" first
	read -t 5 -r line <&"${RECV[0]}"
	assert_equal "$line" "first"
	mq-send "$N" second
	read -t 5 -r line <&"${RECV[0]}"
	assert_equal "$line" "second"
}

@test "mq-recv: -c receives exactly that many" {
	fill a b c d
	run -0 mq-recv -c 3 "$N"
	assert_output $'a\nb\nc'
	run -0 mq-recv -d "$N"
	assert_output "d"
}

@test "mq-recv: -d takes what is queued and exits 0, also when empty" {
	fill a b
	run -0 mq-recv -d "$N"
	assert_output $'a\nb'
	run -0 mq-recv -d "$N"
	assert_output ""
}

@test "mq-recv: -f receives until interrupted, and SIGTERM ends it cleanly" {
	mq-recv -f --max-messages 4 --message-size 16 "$N" > "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	seq 1 20 | mq-send --max-messages 4 --message-size 16 "$N"
	# The queue runs empty once all 20 are taken.
	for _ in $(seq 100); do
		[ "$(wc -l < "$BATS_TEST_TMPDIR/out")" -eq 20 ] && break
		sleep 0.05
	done
	kill -TERM "$pid"
	reap "$pid"
	assert_equal "$status" 143
	pid=
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output "$(seq 1 20)"
}

@test "mq-recv: -f -t ends after that long idle: 0 when something came, 1 when not" {
	fill a b
	run -0 mq-recv -f -t 100ms "$N"
	assert_output $'a\nb'
	run -1 mq-recv -f -t 100ms "$N"
	assert_output ""
}

@test "mq-recv: -n on an empty queue exits 1 at once, silently" {
	fill
	run -1 --separate-stderr mq-recv -n "$N"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "mq-recv: -t gives up with 1 within the time asked plus a small margin" {
	fill
	start=$(date +%s%N)
	run -1 mq-recv -t 0.3 "$N"
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$elapsed" -ge 290 ] && [ "$elapsed" -lt 1300 ]
}

@test "mq-recv: -c with -t prints what came and says how many were missing" {
	fill a
	run -1 --separate-stderr mq-recv -c 3 -t 100ms "$N"
	assert_output "a"
	assert_equal "$stderr" "mq-recv: /$N: 1 of 3 messages arrived in time"
}

@test "mq-recv: -p prints the priority and a tab first" {
	fill
	mq-send -p 7 "$N" seven
	mq-send -p 1 "$N" one
	run -0 mq-recv -p -d "$N"
	assert_output $'7\tseven\n1\tone'
}

@test "mq-recv: -0 ends each message with NUL; newlines inside survive" {
	printf 'x\ny\0z\0' | mq-send -0 --max-messages 4 --message-size 16 "$N"
	mq-recv -0 -c 2 "$N" > "$BATS_TEST_TMPDIR/out"
	printf 'x\ny\0z\0' | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "mq-recv: -a adds nothing: binary messages round-trip byte for byte" {
	printf '\0\0\n\377' > "$BATS_TEST_TMPDIR/in"
	mq-send -a --max-messages 4 --message-size 16 "$N" < "$BATS_TEST_TMPDIR/in"
	mq-recv -a "$N" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "mq-recv: -a takes empty messages too, more than a batch holds" {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		mq-send -a --max-messages 4 --message-size 16 "$N" < /dev/null
	done 3>&- &
	spid=$!
	run -0 sh -c 'mq-recv -a -c 8 "$1" > "$2"' sh "$N" "$BATS_TEST_TMPDIR/out"
	reap "$spid"
	spid=
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	run -0 mq_count "$N"
	assert_output 0
}

@test "mq-recv: a reader that has closed its end leaves the message queued" {
	fill keep me
	run -2 --separate-stderr run_into_closed_pipe mq-recv "$N"
	assert_equal "$stderr" "mq-recv: stdout: Broken pipe"
	# Not even taken: the order stays.
	run -0 mq-recv -d "$N"
	assert_output $'keep\nme'
}

@test "mq-recv: a full disk puts every undelivered message back at its priority" {
	[ -w /dev/full ] || skip "needs /dev/full"
	fill
	mq-send -p 3 "$N" three
	mq-send -p 1 "$N" one
	run -2 --separate-stderr sh -c 'mq-recv -d "$1" > /dev/full' sh "$N"
	assert_equal "$stderr" "mq-recv: stdout: 2 messages put back on /$N: No space left on device"
	run -0 mq-recv -p -d "$N"
	assert_output $'3\tthree\n1\tone'
}

@test "mq-recv: -u removes the queue when done, but not one it put back into" {
	fill a
	run -0 mq-recv -u "$N"
	assert_output "a"
	run -1 mq_exists "$N"
	fill b
	run -2 sh -c 'mq-recv -u "$1" > /dev/full' sh "$N"
	run -0 mq-recv -u "$N"
	assert_output "b"
	run -1 mq_exists "$N"
}

@test "mq-recv: -e refuses to create; a missing queue is exit 2" {
	run -2 --separate-stderr mq-recv -e "$N"
	assert_equal "$stderr" "mq-recv: /$N: No such file or directory"
	run -1 mq_exists "$N"
}

@test "mq-recv: creates a missing queue with the attributes given, -x refuses one" {
	run -1 mq-recv -n --max-messages 3 --message-size 32 "$N"
	run -0 peer-mq attr "/$N"
	assert_output "3 32 0"
	run -2 --separate-stderr mq-recv -n -x "$N"
	assert_equal "$stderr" "mq-recv: /$N: File exists"
}

@test "mq-recv: bad names, counts and durations give exit 2 and create nothing" {
	run -2 --separate-stderr mq-recv "a/b"
	assert_equal "$stderr" "mq-recv: a/b: name holds a '/' after the leading one"
	run -2 --separate-stderr mq-recv -c -1 "$N"
	assert_equal "$stderr" "mq-recv: count is too small: -1"
	run -2 --separate-stderr mq-recv -c 0 "$N"
	assert_equal "$stderr" "mq-recv: count is too small: 0"
	run -2 --separate-stderr mq-recv -c 99999999999999999999 "$N"
	assert_equal "$stderr" "mq-recv: count is too large: 99999999999999999999"
	run -2 --separate-stderr mq-recv -c 3x "$N"
	assert_equal "$stderr" "mq-recv: count is invalid: 3x"
	run -2 --separate-stderr mq-recv -t 1x "$N"
	assert_equal "$stderr" "mq-recv: timeout is invalid: 1x"
	run -2 --separate-stderr mq-recv -t -1 "$N"
	assert_equal "$stderr" "mq-recv: timeout is negative: -1"
	run -2 --separate-stderr mq-recv -t "" "$N"
	assert_equal "$stderr" 'mq-recv: timeout is invalid: ""'
	run -2 --separate-stderr mq-recv -t 99999999999999999999 "$N"
	assert_equal "$stderr" "mq-recv: timeout is too large: 99999999999999999999"
	run -1 mq_exists "$N"
}

@test "mq-recv: conflicting options are usage errors" {
	run -2 --separate-stderr mq-recv -c 2 -d "$N"
	assert_equal "$stderr" "mq-recv: cannot use more than one of -c, -d and -f"
	run -2 --separate-stderr mq-recv -f -d "$N"
	assert_equal "$stderr" "mq-recv: cannot use more than one of -c, -d and -f"
	run -2 --separate-stderr mq-recv -d -t 1 "$N"
	assert_equal "$stderr" "mq-recv: cannot use -d with -n or -t"
	run -2 --separate-stderr mq-recv -n -t 1 "$N"
	assert_equal "$stderr" "mq-recv: cannot use -n and -t"
	run -2 --separate-stderr mq-recv "$N" extra
	[[ "$stderr" == "usage: mq-recv "* ]]
	run -1 mq_exists "$N"
}

@test "mq-recv: --help and --version go to standard output with 0" {
	run -0 mq-recv -h
	[[ "${lines[0]}" == "usage: mq-recv [-0aeJnpux] [-c count | -d | -f] [-m mode] [-t timeout]" ]]
	run -0 mq-recv --version
	assert_output --regexp '^mq-recv \(ipcutils\) [0-9.]+$'
}

@test "mq-recv: receives what a C program sent with mq_send" {
	peer-mq send "/$N" "from C" 4
	run -0 mq-recv -p "$N"
	assert_output $'4\tfrom C'
}

@test "mq-recv: a Python peer's message through ctypes arrives" {
	requires python3
	python3 - "/$N" <<'PY'
import ctypes, os, sys
rt = ctypes.CDLL(None, use_errno=True)
rt.mq_open.restype = ctypes.c_int
class attr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long),
                ("msgsize", ctypes.c_long), ("curmsgs", ctypes.c_long),
                ("pad", ctypes.c_long * 4)]
a = attr(0, 4, 64, 0)
q = rt.mq_open(sys.argv[1].encode(), os.O_WRONLY | os.O_CREAT, 0o600, ctypes.byref(a))
assert q >= 0, os.strerror(ctypes.get_errno())
assert rt.mq_send(q, b"from python\nline 2", 18, 2) == 0
PY
	run -0 mq-recv -a "$N"
	assert_output $'from python\nline 2'
}

@test "mq-recv: out of file descriptors is said so, not blamed on queue memory" {
	requires_starts_with_3_fds mq-recv
	run -2 --separate-stderr bash -c 'ulimit -n 3; exec mq-recv -n "$1"' sh "$N"
	assert_equal "$stderr" "mq-recv: /$N: Too many open files"
	run -1 mq_exists "$N"
}

# Run mq-recv into a 4096-byte pipe that nobody reads; once it sleeps with
# the pipe full, send it SIGTERM.  Prints its status, then what it wrote.
recv_into_stalled_pipe() {
	python3 - "$@" <<'PY'
import fcntl, os, signal, subprocess, sys, termios, time
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ: one page
p = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
def queued():
    return int.from_bytes(fcntl.ioctl(r, termios.FIONREAD, b"\0" * 4), "little")
def state():
    with open("/proc/%d/stat" % p.pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]
end = time.time() + 10
while not (queued() >= 4000 and state() == "S"):
    assert time.time() < end, "mq-recv never filled the pipe"
    time.sleep(0.05)
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    rc = "still running 20 s after SIGTERM"
print(128 - rc if isinstance(rc, int) and rc < 0 else rc)
sys.stdout.flush()
os.set_blocking(r, False)
data = b""
while True:
    try:
        chunk = os.read(r, 65536)
    except BlockingIOError:
        break
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(data)
PY
}

@test "mq-recv: SIGTERM while the reader has stopped reading ends it by the signal, nothing lost" {
	requires python3
	local i msgs=()
	for i in 1 2 3 4 5 6 7 8; do
		msgs+=("$i$(printf '%0999d' 0)")
	done
	mq-send --max-messages 8 --message-size 1024 "$N" "${msgs[@]}"
	recv_into_stalled_pipe mq-recv -f "$N" > "$BATS_TEST_TMPDIR/out"
	run -0 head -n 1 "$BATS_TEST_TMPDIR/out"
	assert_output 143
	# What was written is whole; the rest is still queued, once each.
	tail -n +2 "$BATS_TEST_TMPDIR/out" > "$BATS_TEST_TMPDIR/all"
	mq-recv -d "$N" >> "$BATS_TEST_TMPDIR/all"
	run -0 sort "$BATS_TEST_TMPDIR/all"
	assert_output "$(printf '%s\n' "${msgs[@]}")"
}

@test "mq-recv: SIGTERM beside a producer that keeps the queue full loses nothing" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	exec 7<> "$BATS_TEST_TMPDIR/fifo"
	seq 50000 | mq-send --max-messages 10 --message-size 16 "$N" \
	    2> "$BATS_TEST_TMPDIR/send.err" 3>&- 7>&- &
	spid=$!
	mq-recv -f "$N" > "$BATS_TEST_TMPDIR/fifo" 3>&- 7>&- &
	pid=$!
	# The pipe is full, nobody reads it, and the queue is full again.
	wait_mq_count "$N" 10
	wait_asleep "$pid"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	terminate "$spid"
	spid=
	run -0 cat "$BATS_TEST_TMPDIR/send.err"
	[[ "$output" =~ ^"mq-send: /$N: queue is full; "([0-9]+)" messages sent"$ ]]
	sent=${BASH_REMATCH[1]}
	# Every message sent is in the pipe or on the queue, once.
	python3 -c 'import os, sys
os.set_blocking(0, False)
try:
    sys.stdout.buffer.write(os.read(0, 1 << 20))
except BlockingIOError:
    pass' <&7 > "$BATS_TEST_TMPDIR/all"
	exec 7<&-
	mq-recv -d "$N" >> "$BATS_TEST_TMPDIR/all"
	run -0 sort -n "$BATS_TEST_TMPDIR/all"
	assert_output "$(seq "$sent")"
}

# A full queue of a1..a8, eight senders of b1..b8 blocked on it, and an
# mq-recv -c 8 into /dev/full: each message it takes lets a sender in, so
# the queue is full again when its write fails, and it waits for room.
recv_full_into_full_disk() {
	local i
	fill a1 a2 a3 a4 a5 a6 a7 a8
	for i in 1 2 3 4 5 6 7 8; do
		peer-mq send "/$N" "b$i" 3>&- &
		spids+=($!)
		wait_asleep "$!"
	done
	mq-recv -c 8 "$N" > /dev/full 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_mq_count "$N" 8
	wait_asleep "$pid"
}

@test "mq-recv: a message that cannot be written waits for room to go back on a full queue" {
	[ -w /dev/full ] || skip "needs /dev/full"
	recv_full_into_full_disk
	run -0 mq-recv -c 8 "$N"
	assert_output "$(printf 'b%s\n' 1 2 3 4 5 6 7 8)"
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-recv: stdout: 8 messages put back on /$N: No space left on device"
	run -0 mq-recv -d "$N"
	assert_output "$(printf 'a%s\n' 1 2 3 4 5 6 7 8)"
}

@test "mq-recv: a signal while it waits for room to put back gives up and says how many were lost" {
	[ -w /dev/full ] || skip "needs /dev/full"
	recv_full_into_full_disk
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-recv: stdout: 0 messages put back on /$N, 8 lost: No space left on device"
}

# --exec

# Is the process gone (or a zombie that nobody reaped yet)?  Within 5 s.
gone() {
	local i st
	for i in $(seq 100); do
		st=$(ps -o stat= -p "$1" || true)
		[[ -z "$st" || "$st" == Z* ]] && return 0
		sleep 0.05
	done
	return 1
}

@test "mq-recv --exec: 20 messages, -j 4, each once, at most 4 at a time, well under the serial time" {
	log=$BATS_TEST_TMPDIR/log
	seq 1 20 | mq-send --max-messages 10 --message-size 16 "$N" 3>&- &
	spid=$!
	start=$(date +%s%N)
	run -0 mq-recv -c 20 -j 4 --exec "read -r m; echo \"\$(date +%s%N) 1 \$m\" >> $log; sleep 0.3; echo \"\$(date +%s%N) -1 \$m\" >> $log" "$N"
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	reap "$spid"
	spid=
	# Serially: 6 s; four at a time: 1.5 s.
	[ "$elapsed" -lt 4500 ] || fail "took $elapsed ms"
	run -0 sh -c "awk '\$2 == 1 { print \$3 }' $log | sort -n"
	assert_output "$(seq 1 20)"
	run -0 sh -c "sort -n $log | awk '{ n += \$2; if (n > max) max = n } END { print max }'"
	assert_output 4
	run -0 mq_count "$N"
	assert_output 0
}

@test "mq-recv --exec: the command reads its message and sees its priority, queue and number" {
	fill
	mq-send -p 7 "$N" "first one"
	mq-send -p 2 "$N" "second"
	run -0 --separate-stderr mq-recv -c 2 --exec 'read -r m; echo "$IPC_MSG_SEQ $IPC_MSG_PRIORITY $IPC_MSG_QUEUE [$m]"' "$N"
	assert_output $'1 7 /'"$N"$' [first one]\n2 2 /'"$N"' [second]'
	assert_equal "$stderr" ""
}

@test "mq-recv --exec: with -a a binary message reaches the command byte for byte" {
	printf '\0a\nb\377\0' > "$BATS_TEST_TMPDIR/in"
	mq-send -a --max-messages 4 --message-size 16 "$N" < "$BATS_TEST_TMPDIR/in"
	run -0 mq-recv -a --exec "cat > $BATS_TEST_TMPDIR/got" "$N"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/got"
}

@test "mq-recv --exec: a command that does not read its input still succeeds" {
	fill "$(printf '%063d' 0)" b
	run -0 mq-recv -c 2 --exec true "$N"
	run -0 mq_count "$N"
	assert_output 0
}

@test "mq-recv --exec: a failing command with --retries 2 runs 3 times, then its message goes back and mq-recv exits 2" {
	fill a b
	run -2 --separate-stderr mq-recv -f --retries 2 --exec "read -r m; echo \$m >> $BATS_TEST_TMPDIR/runs; exit 3" "$N"
	assert_equal "$stderr" "mq-recv: /$N: message 1: command exited 3; put back on /$N"
	run -0 cat "$BATS_TEST_TMPDIR/runs"
	assert_output $'a\na\na'
	# b was never taken; a went back behind it.
	run -0 mq-recv -d "$N"
	assert_output $'b\na'
}

@test "mq-recv --exec: with --failed the message lands there at its priority and mq-recv goes on" {
	fill
	mq-send -p 1 "$N" one
	mq-send -p 5 "$N" bad
	mq-send -p 0 "$N" zero
	run -0 --separate-stderr mq-recv -d --failed "$N-a" --exec 'read -r m; [ "$m" != bad ]' "$N"
	assert_equal "$stderr" "mq-recv: /$N: message 1: command exited 1; sent to /$N-a"
	run -0 mq_count "$N"
	assert_output 0
	run -0 mq-recv -p -d "$N-a"
	assert_output $'5\tbad'
	# Made with the queue's sizes.
	run -0 peer-mq attr "/$N-a"
	assert_output "8 64 0"
}

@test "mq-recv --exec: without --failed the message is back, mq-recv exits 2 and takes nothing after it" {
	fill 1 2 3
	run -2 --separate-stderr mq-recv -d --exec "read -r m; echo \$m >> $BATS_TEST_TMPDIR/ran; [ \$m != 2 ]" "$N"
	assert_equal "$stderr" "mq-recv: /$N: message 2: command exited 1; put back on /$N"
	run -0 cat "$BATS_TEST_TMPDIR/ran"
	assert_output $'1\n2'
	run -0 mq-recv -d "$N"
	assert_output $'3\n2'
}

@test "mq-recv --exec: a command killed by a signal has failed" {
	fill a
	run -2 --separate-stderr mq-recv --exec 'kill -KILL $$' "$N"
	assert_equal "$stderr" "mq-recv: /$N: message 1: command was killed by signal 9; put back on /$N"
	run -0 mq-recv -n "$N"
	assert_output a
}

@test "mq-recv --exec: SIGTERM ends the running commands, and what they started; their messages go back" {
	fill a b c
	mq-recv -f -j 2 --exec "read -r m; sleep 30 & echo \$! > $BATS_TEST_TMPDIR/pid.\$m; wait" "$N" \
	    2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_for_file "$BATS_TEST_TMPDIR/pid.a"
	wait_for_file "$BATS_TEST_TMPDIR/pid.b"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
	for p in "$(cat "$BATS_TEST_TMPDIR/pid.a")" "$(cat "$BATS_TEST_TMPDIR/pid.b")"; do
		gone "$p" || fail "sleep $p is still running"
	done
	run -0 sh -c "mq-recv -d '$N' | sort"
	assert_output $'a\nb\nc'
}

@test "mq-recv --exec: a command not found gives 127, one not runnable 126; the message stays" {
	fill a
	# A PATH that every user may search: sh says 126 for one it may not.
	run -127 --separate-stderr mq-recv --exec 'PATH=/usr/bin:/bin; ipct-no-such-command' "$N"
	[[ "$stderr" == *"not found"*$'\n'"mq-recv: /$N: message 1: command exited 127; put back on /$N" ]]
	printf 'echo hi\n' > "$BATS_TEST_TMPDIR/noexec"
	chmod 644 "$BATS_TEST_TMPDIR/noexec"
	[ "$(id -u)" -ne 0 ] || [ ! -x "$BATS_TEST_TMPDIR/noexec" ] || skip "root may run it"
	run -126 --separate-stderr mq-recv --exec "$BATS_TEST_TMPDIR/noexec" "$N"
	run -0 mq-recv -n "$N"
	assert_output a
}

@test "mq-recv --exec: a simple command runs without sh; one with shell syntax, a builtin or no #! runs as sh would" {
	fill a b c d e f
	printf '#!/bin/sh\nread -r m; echo "$m $(ps -o comm= -p $PPID)"\n' > "$BATS_TEST_TMPDIR/parent"
	printf 'read -r m; echo "$m no-shebang"\n' > "$BATS_TEST_TMPDIR/plain"
	chmod 755 "$BATS_TEST_TMPDIR/parent" "$BATS_TEST_TMPDIR/plain"
	run -0 mq-recv --exec "  $BATS_TEST_TMPDIR/parent	" "$N"
	assert_output "a mq-recv"
	run -0 mq-recv --exec "$BATS_TEST_TMPDIR/plain" "$N"
	assert_output "b no-shebang"
	run -0 mq-recv --exec 'V=x printenv V' "$N"
	assert_output x
	run -0 mq-recv --exec 'echo -e e' "$N"
	assert_output "-e e"
	run -0 mq-recv --exec 'read m; echo $m' "$N"
	assert_output e
	# Not found: sh says so (or, where PATH has a directory it may not
	# search, "Permission denied"), as it would have run it.
	run -127 --separate-stderr mq-recv --exec 'ipct-no-such-command x' "$N"
	[[ "$stderr" == *"ipct-no-such-command: "*$'\n'"mq-recv: /$N: message 1: command exited 127; put back on /$N" ]]
	run -0 mq-recv "$N"
	assert_output f
	mq-send "$N" f
	run -0 mq-recv "$N"
	assert_output f
}

@test "mq-recv --exec: a command is found in PATH as sh finds it, once, when mq-recv starts" {
	d=$BATS_TEST_TMPDIR
	mkdir -p "$d/a" "$d/b/ipct-cmd" "$d/c" "$d/rel"
	# Passed over: a file that may not be run, and a directory.
	printf '#!/bin/sh\necho a\n' > "$d/a/ipct-cmd"
	chmod 644 "$d/a/ipct-cmd"
	printf '#!/bin/sh\nread -r m; echo "c $m"\n' > "$d/c/ipct-cmd"
	printf '#!/bin/sh\nread -r m; echo "rel $m"\n' > "$d/rel/ipct-cmd"
	chmod 755 "$d/c/ipct-cmd" "$d/rel/ipct-cmd"
	[ "$(id -u)" -ne 0 ] || [ ! -x "$d/a/ipct-cmd" ] || skip "root may run it"
	fill 1 2
	run -0 env PATH="$d/a:$d/b:$d/c:$PATH" sh -c 'ipct-cmd < /dev/null'
	assert_output "c "
	run -0 env PATH="$d/a:$d/b:$d/c:$PATH" mq-recv --exec ipct-cmd "$N"
	assert_output "c 1"
	# Found once: a command that can run, put before c's after mq-recv
	# started, is not run.
	PATH="$d/a:$d/b:$d/c:$PATH" mq-recv -c 2 --exec ipct-cmd "$N" \
	    > "$d/out" 3>&- &
	pid=$!
	wait_for_file "$d/out"
	chmod 755 "$d/a/ipct-cmd"
	mq-send "$N" 3
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$d/out"
	assert_output $'c 2\nc 3'
	# A relative entry before it is left to exec, each time, from the
	# working directory.
	mq-send "$N" 4
	run -0 sh -c "cd '$d' && PATH='rel:$d/c:$PATH' mq-recv --exec ipct-cmd '$N'"
	assert_output "rel 4"
}

@test "mq-recv --exec: the command starts with the signals as the shell gave them to mq-recv: none caught, SIGPIPE not ignored" {
	fill a b
	# grep runs without sh; its dispositions and mask are what it got.
	want=$(grep -E '^Sig(Blk|Ign|Cgt)' /proc/self/status)
	run -0 --separate-stderr mq-recv -c 2 --exec 'grep Sig /proc/self/status' "$N"
	assert_equal "$(grep -E '^Sig(Blk|Ign|Cgt)' <<< "$output")" "$want"$'\n'"$want"
	[ -z "$stderr" ]
}

@test "mq-recv --exec: -n on an empty queue exits 1; -t bounds the wait for a message, not the commands" {
	fill
	run -1 mq-recv -n --exec true "$N"
	fill a
	run -0 mq-recv -f -t 200ms --exec 'sleep 0.5' "$N"
	run -0 mq_count "$N"
	assert_output 0
}

@test "mq-recv --exec: -t counts from when a slot is free, not while every slot is busy" {
	fill a
	# The command takes 1.5 s, longer than -t; b comes 0.5 s after it ends.
	(sleep 2; mq-send "$N" b) 3>&- &
	spid=$!
	run -0 --separate-stderr mq-recv -c 2 -t 1s --exec "read -r m; echo \$m; [ \$m = b ] || sleep 1.5" "$N"
	assert_output $'a\nb'
	assert_equal "$stderr" ""
}

@test "mq-recv --exec: the command gets the JSON line with -J" {
	fill
	mq-send -p 3 "$N" 'say "hi"'
	run -0 mq-recv -J --exec cat "$N"
	assert_output '{"priority":3,"size":8,"data":"say \"hi\""}'
}

@test "mq-recv --exec: bad options are 2 without --exec, 125 with it, wherever it stands" {
	run -2 --separate-stderr mq-recv -j 2 "$N"
	assert_equal "$stderr" "mq-recv: -j, --retries and --failed need --exec"
	run -2 --separate-stderr mq-recv --failed "$N-a" "$N"
	assert_equal "$stderr" "mq-recv: -j, --retries and --failed need --exec"
	run -125 --separate-stderr mq-recv --exec true -j 0 "$N"
	assert_equal "$stderr" "mq-recv: jobs is too small: 0"
	run -125 --separate-stderr mq-recv -j 0 --exec true "$N"
	assert_equal "$stderr" "mq-recv: jobs is too small: 0"
	run -125 --separate-stderr mq-recv --exec true --retries x "$N"
	assert_equal "$stderr" "mq-recv: retries is invalid: x"
	run -125 --separate-stderr mq-recv --exec true --failed "/$N" "$N"
	assert_equal "$stderr" "mq-recv: /$N: --failed is the queue itself"
	run -125 mq-recv --exec true
	run -1 mq_exists "$N"
}

@test "mq-recv --exec: once the options are read, mq-recv's own failure is 125" {
	run -125 --separate-stderr mq-recv -e --exec true "$N"
	assert_equal "$stderr" "mq-recv: /$N: No such file or directory"
}

# -J

@test "mq-recv -J: one JSON object a line, text as data, other bytes as data_base64" {
	requires python3
	fill
	mq-send -p 4 "$N" 'héllo "x"'
	printf '\377\0b' | mq-send -a -p 9 "$N"
	mq-send "$N" ''
	run -0 mq-recv -J -d "$N"
	python3 -c '
import base64, json, sys
objs = [json.loads(l) for l in sys.argv[1].split("\n")]
assert objs[0] == {"priority": 9, "size": 3, "data_base64": base64.b64encode(b"\xff\0b").decode()}, objs[0]
assert objs[1] == {"priority": 4, "size": 10, "data": "héllo \"x\""}, objs[1]
assert objs[2] == {"priority": 0, "size": 0, "data": ""}, objs[2]
' "$output"
}

@test "mq-recv -J: control characters and newlines are escaped, one line each" {
	requires python3
	printf 'a\nb\tc\001\0' | mq-send -a --max-messages 4 --message-size 16 "$N"
	run -0 mq-recv -J "$N"
	assert_equal "${#lines[@]}" 1
	python3 -c '
import json, sys
assert json.loads(sys.argv[1]) == {"priority": 0, "size": 7, "data": "a\nb\tc\x01\x00"}
' "$output"
}

@test "mq-recv -J: cannot be used with -0, -a or -p" {
	run -2 --separate-stderr mq-recv -J -p "$N"
	assert_equal "$stderr" "mq-recv: cannot use -J with -0, -a or -p"
	run -2 --separate-stderr mq-recv -J -0 "$N"
	assert_equal "$stderr" "mq-recv: cannot use -J with -0, -a or -p"
	run -1 mq_exists "$N"
}

# Is mq-recv asleep with no command of its own running (it waits for room
# in --failed, or to put a message back)?
alone_asleep() {
	asleep "$1" && [ -z "$(cat "/proc/$1/task/$1/children" 2>/dev/null)" ]
}

@test "mq-recv --exec: a signal while --failed is full puts the message back on its own queue, even a full one" {
	seq 1 10 | mq-send "$N-a"
	seq 101 110 | mq-send "$N"
	# A sender that takes every room made on the work queue.
	seq 111 120 | mq-send "$N" 3>&- &
	spid=$!
	mq-recv -c 1 --failed "$N-a" --exec false "$N" \
	    2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until alone_asleep "$pid"
	kill -TERM "$pid"
	# The first signal ends the wait for room in --failed; the message
	# waits for room on its own queue, which a reader now makes.
	wait_until alone_asleep "$pid"
	mq-recv -f -t 1 "$N" > "$BATS_TEST_TMPDIR/out"
	reap "$pid"
	pid=
	assert_equal "$status" 143
	reap "$spid"
	spid=
	run -0 sort -n "$BATS_TEST_TMPDIR/out"
	assert_output "$(seq 101 120)"
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-recv: /$N: message 1: command exited 1; put back on /$N"
	run -0 mq_count "$N-a"
	assert_output 10
}

@test "mq-recv --exec: -t bounds the wait for room in --failed, and the other commands are reaped meanwhile" {
	seq 1 10 | mq-send "$N-a"
	fill bad good good
	run -1 --separate-stderr timeout 20 mq-recv -f -t 1 -j 2 --failed "$N-a" \
	    --exec "read -r m; echo \$m >> $BATS_TEST_TMPDIR/ran; [ \$m = good ]" "$N"
	assert_equal "$stderr" "mq-recv: /$N: message 1: command exited 1; /$N-a stayed full, put back on /$N"
	run -0 sort "$BATS_TEST_TMPDIR/ran"
	assert_output $'bad\ngood\ngood'
	run -0 mq-recv -d "$N"
	assert_output bad
	run -0 mq_count "$N-a"
	assert_output 10
}

@test "mq-recv --exec: -n does not wait for room in --failed" {
	seq 1 10 | mq-send "$N-a"
	fill bad
	run -1 --separate-stderr timeout 20 mq-recv -n --failed "$N-a" --exec false "$N"
	assert_equal "$stderr" "mq-recv: /$N: message 1: command exited 1; /$N-a stayed full, put back on /$N"
	run -0 mq-recv -d "$N"
	assert_output bad
}

@test "mq-recv --exec: a --failed queue made takes --max-messages and --message-size when given" {
	fill a
	run -0 mq-recv -d --max-messages 3 --message-size 128 --failed "$N-a" --exec true "$N"
	run -0 peer-mq attr "/$N-a"
	assert_output "3 128 0"
}

# Run mq-recv -f with standard output a socket that nobody reads, with a
# small buffer; once it sleeps in the write, send it the signal.  Prints
# its status, then what it wrote.
recv_into_stalled_socket() {
	python3 - "$@" <<'PY'
import os, resource, signal, socket, subprocess, sys, time
sig = getattr(signal, "SIG" + sys.argv[1])
a, b = socket.socketpair()
b.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
def nocore():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # A suite started in the background (make check &) has SIGINT and
    # SIGQUIT ignored, which mq-recv keeps: the signal at its default.
    signal.signal(sig, signal.SIG_DFL)
p = subprocess.Popen(sys.argv[2:], stdout=b.fileno(), preexec_fn=nocore)
b.close()
def state():
    with open("/proc/%d/stat" % p.pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]
def pending():
    # A write asleep: the socket is full and mq-recv sleeps in it.
    with open("/proc/%d/wchan" % p.pid) as f:
        return f.read()
end = time.time() + 10
time.sleep(0.05)
while state() != "S" or "poll" in pending():
    assert time.time() < end, "mq-recv never blocked in its write"
    time.sleep(0.05)
p.send_signal(sig)
try:
    rc = p.wait(timeout=20)
except subprocess.TimeoutExpired:
    p.kill()
    rc = "still running 20 s after the signal"
print(128 - rc if isinstance(rc, int) and rc < 0 else rc)
sys.stdout.flush()
a.setblocking(False)
data = b""
while True:
    try:
        chunk = a.recv(65536)
    except BlockingIOError:
        break
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(data)
PY
}

@test "mq-recv: every signal that would end it, while a write holds a batch, ends it by the signal with nothing lost" {
	requires python3
	local sig i num msgs=()
	# More than the socket's buffers take: a write of the batch sleeps.
	for i in 1 2 3 4 5 6 7 8; do
		msgs+=("$i$(printf '%07999d' 0)")
	done
	for sig in HUP INT QUIT TERM ALRM USR1 USR2 VTALRM PROF XCPU IO PWR; do
		mq-send --max-messages 8 --message-size 8192 "$N" "${msgs[@]}"
		recv_into_stalled_socket "$sig" mq-recv -f "$N" \
		    > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err"
		num=$(kill -l "$sig")
		run -0 head -n 1 "$BATS_TEST_TMPDIR/out"
		assert_equal "$sig $output" "$sig $((128 + num))"
		# Every message is written whole or still queued; one written
		# in part was put back whole.
		tail -n +2 "$BATS_TEST_TMPDIR/out" | grep -x '[0-9]\{8000\}' > "$BATS_TEST_TMPDIR/all" || true
		mq-recv -d "$N" >> "$BATS_TEST_TMPDIR/all"
		run -0 sort -u "$BATS_TEST_TMPDIR/all"
		assert_equal "$sig $output" "$sig $(printf '%s\n' "${msgs[@]}")"
		run -0 wc -l < "$BATS_TEST_TMPDIR/all"
		[ "$output" -ge 8 ] && [ "$output" -le 9 ] || false
	done
}

@test "mq-recv: SIGPIPE from kill is not a death: it goes on until SIGTERM" {
	mq-recv -f "$N" > /dev/null 3>&- &
	pid=$!
	wait_asleep "$pid"
	kill -PIPE "$pid"
	mq-send "$N" a
	wait_mq_count "$N" 0
	terminate "$pid"
	pid=
	assert_equal "$status" 143
}

@test "mq-recv: a write over ulimit -f is an error, exit 2, one line; nothing is lost" {
	local i
	for i in $(seq 10); do
		printf '%0209d\n' "$i"
	done | mq-send "$N"
	run -2 --separate-stderr bash -c 'ulimit -f 1; exec mq-recv -d "$1" > "$2"' sh "$N" "$BATS_TEST_TMPDIR/out"
	assert_equal "$stderr" "mq-recv: stdout: 6 messages put back on /$N: File too large"
	# Four whole messages were written, the fifth in part: it is back.
	grep -x '[0-9]\{209\}' "$BATS_TEST_TMPDIR/out" > "$BATS_TEST_TMPDIR/all"
	mq-recv -d "$N" >> "$BATS_TEST_TMPDIR/all"
	run -0 sort -n "$BATS_TEST_TMPDIR/all"
	assert_output "$(for i in $(seq 10); do printf '%0209d\n' "$i"; done)"
}

@test "mq-recv: what a pipe's reader left unread when it went is put back" {
	seq 1 10 | mq-send "$N"
	# dd takes four bytes, "1\n2\n", however many writes they came in
	# (a slow mq-recv, under a sanitizer, writes them one at a time),
	# and goes.
	run -0 bash -c 'mq-recv -d "$1" 2> "$2" | dd bs=4 count=1 iflag=fullblock status=none; echo "${PIPESTATUS[*]}"' sh "$N" "$BATS_TEST_TMPDIR/err"
	assert_output $'1\n2\n2 0'
	# How many it had taken when the reader went depends on who ran
	# first: all of them (8 put back), or only those in the pipe (then
	# the others were never taken), or none but the two read.
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp "^mq-recv: stdout: ([1-8] messages? put back on /$N: )?Broken pipe\$"
	# Put back behind those never taken, at their priority.
	run -0 mq-recv -d "$N"
	assert_equal "$(sort -n <<< "$output")" "$(seq 3 10)"
}

@test "mq-recv: -c does not end while what it wrote is unread; -t bounds that wait" {
	seq 1 3 | mq-send "$N"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	exec 7<> "$BATS_TEST_TMPDIR/fifo"
	mq-recv -c 3 "$N" > "$BATS_TEST_TMPDIR/fifo" 3>&- 7>&- &
	pid=$!
	wait_mq_count "$N" 0
	wait_asleep "$pid"
	# It waits for the reader: still there.
	run -1 ended "$pid"
	run -0 head -n 3 <&7
	assert_output "$(seq 1 3)"
	wait_until ended "$pid"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	# With -t it leaves what is unread to the reader, and says nothing.
	seq 1 3 | mq-send "$N"
	run -0 --separate-stderr timeout 20 mq-recv -c 3 -t 300ms "$N" > "$BATS_TEST_TMPDIR/fifo"
	assert_equal "$stderr" ""
	exec 7>&-
}

@test "mq-recv --lockstep: | head -n 1 takes one message, the others stay queued" {
	seq 1 10 | mq-send "$N"
	run -0 bash -c 'mq-recv --lockstep -d "$1" 2>/dev/null | head -n 1' sh "$N"
	assert_output 1
	# The next one may have gone out before head left, and then came
	# back, at the queue's end: every one is there, once.
	run -0 bash -c 'mq-recv -d "$1" | sort -n' sh "$N"
	assert_output "$(seq 2 10)"
}

@test "mq-recv --lockstep: a read loop gets each message as it takes it; what it left is queued" {
	seq 1 10 | mq-send "$N"
	run -0 bash -c 'mq-recv --lockstep -d "$1" 2>/dev/null | { read -r a; read -r b; echo "$a $b"; }' sh "$N"
	assert_output "1 2"
	# 3 was not taken, or written and not read, and went back.
	run -0 bash -c 'mq-recv -d "$1" | sort -n' sh "$N"
	assert_output "$(seq 3 10)"
}

@test "mq-recv --lockstep: needs a pipe, and not --exec" {
	run -2 --separate-stderr bash -c 'mq-recv --lockstep -n "$1" > /dev/null' sh "$N"
	assert_equal "$stderr" "mq-recv: stdout: --lockstep needs a pipe"
	run -1 mq_exists "$N"
	run -125 --separate-stderr mq-recv --lockstep --exec true "$N"
	assert_equal "$stderr" "mq-recv: cannot use --lockstep with --exec"
}

@test "mq-recv: a queue it makes has mode 0600, or exactly the -m mode" {
	requires mqueue-fs
	run -1 mq-recv -n "$N-a"
	run -1 mq-recv -n -m 0604 "$N-b"
	run -0 stat -c %a "/dev/mqueue/$N-a" "/dev/mqueue/$N-b"
	assert_output $'600\n604'
}

@test "mq-recv: a reader that takes nothing within -t while a queue's worth waits in the pipe: exit 1, one line, the messages are the reader's" {
	mq-send --max-messages 2 --message-size 16 "$N" a b
	# The reader starts reading only after a second: mq-recv has had a
	# queue's worth in the pipe, unread, for longer than -t.
	run -0 --separate-stderr bash -c 'mq-recv -c 3 -t 300ms "$1" | { sleep 1; cat; }; echo "${PIPESTATUS[0]}"' sh "$N"
	assert_equal "$stderr" "mq-recv: stdout: the reader took nothing in time; 2 messages received"
	assert_output $'a\nb\n1'
	run -0 peer-mq attr "/$N"
	assert_output "2 16 0"
}

@test "mq-recv -d: more than 64 KiB unread in a large pipe waits for its reader, who gets every message" {
	requires python3
	local i
	for i in $(seq 1 10); do
		printf '%08000d\n' "$i"
	done | mq-send --max-messages 10 --message-size 8192 "$N"
	# A pipe of 1 MiB takes all ten (80,010 bytes) before its reader
	# reads one.
	run -0 python3 - "$N" <<'PY'
import fcntl, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, 1031, 1 << 20)	# F_SETPIPE_SZ
p = subprocess.Popen(["mq-recv", "-d", sys.argv[1]], stdout=w)
os.close(w)
# Every message in the pipe, none read: mq-recv waits for that.
end = time.time() + 20
while fcntl.ioctl(r, 0x541B, b"\0\0\0\0") != (10 * 8001).to_bytes(4, sys.byteorder):  # FIONREAD
    assert time.time() < end, "the messages never all came"
    time.sleep(0.01)
assert p.poll() is None, "mq-recv ended before its reader read"
data = b""
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    data += chunk
print(p.wait(), len(data.split()))
PY
	assert_output "0 10"
	run -0 peer-mq attr "/$N"
	assert_output "10 8192 0"
}

@test "mq-recv: the broker's options on a queue of this machine: exit 2, or 125 with --exec, naming them; nothing made" {
	run -2 --separate-stderr mq-recv --tls-ca /dev/null "$N"
	assert_equal "$stderr" "mq-recv: --max-priority and the --tls options are for amqp:// and amqps:// names"
	run -125 --separate-stderr mq-recv --exec true --max-priority 3 --failed "$N-a" "$N"
	assert_equal "$stderr" "mq-recv: --max-priority and the --tls options are for amqp:// and amqps:// names"
	if mq_exists "$N" || mq_exists "$N-a"; then false; fi
}

@test "mq-recv: a scheme that names no queue: exit 2, one line" {
	run -2 --separate-stderr mq-recv etcd://127.0.0.1:1/x
	assert_equal "$stderr" "mq-recv: etcd://127.0.0.1:1/x: etcd:// names are not message queues"
}

@test "mq-recv: a signal while it waits at the end for the reader ends it by the signal; what is in the pipe is the reader's" {
	mq-send "$N" only
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	exec 7<> "$BATS_TEST_TMPDIR/fifo"
	mq-recv -c 1 "$N" > "$BATS_TEST_TMPDIR/fifo" 3>&- 7>&- &
	pid=$!
	wait_mq_count "$N" 0
	wait_asleep "$pid"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	run -0 head -n 1 <&7
	assert_output only
	exec 7>&-
	run -0 peer-mq attr "/$N"
	assert_output --regexp ' 0$'
}

# Has process $1 no child (its command ended and was reaped)?
no_children() {
	if pgrep -P "$1" > /dev/null; then return 1; fi
}

@test "mq-recv --exec: a message that waits for room in a full --failed goes there once a reader makes room" {
	mq-send --max-messages 1 --message-size 64 "$N-a" old
	fill bad
	mq-recv -c 1 --failed "$N-a" --exec false "$N" \
	    2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	# Taken, its command failed, and it waits in its slot for room.
	wait_mq_count "$N" 0
	wait_until no_children "$pid"
	wait_asleep "$pid"
	run -0 mq-recv "$N-a"
	assert_output old
	wait_until ended "$pid"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-recv: /$N: message 1: command exited 1; sent to /$N-a"
	run -0 mq-recv -d "$N-a"
	assert_output bad
	run -0 mq_count "$N"
	assert_output 0
}
