#!/usr/bin/env bats
# mq-send: options, exit statuses, records, limits and bad input.

setup() {
	load test_helper
}

teardown() {
	kill_bg "${pid:-}"
	mq_cleanup
}

@test "mq-send: each argument is one message, and the queue is created" {
	run -0 mq-send --max-messages 4 --message-size 64 "$N" one "two words"
	run -0 peer-mq attr "/$N"
	assert_output "4 64 2"
	run -0 mq-recv -c 2 "$N"
	assert_output $'one\ntwo words'
}

@test "mq-send: a new queue has mode 0600, or exactly the -m mode" {
	requires mqueue-fs
	mq-send --max-messages 2 --message-size 16 "$N-a" x
	mq-send --max-messages 2 --message-size 16 -m 0640 "$N-b" x
	run -0 stat -c %a "/dev/mqueue/$N-a" "/dev/mqueue/$N-b"
	assert_output $'600\n640'
}

@test "mq-send: standard input is split into lines, without the newline" {
	printf 'a\n\nc' | mq-send --max-messages 4 --message-size 16 "$N"
	run -0 peer-mq attr "/$N"
	assert_output "4 16 3"
	run -0 mq-recv -c 3 -0 "$N"
	assert_output "$(printf 'a\0\0c')"
}

@test "mq-send: -0 splits standard input at NULs; newlines stay in messages" {
	printf 'l1\nl2\0\nx\0' | mq-send -0 --max-messages 4 --message-size 16 "$N"
	run -0 mq-recv -c 2 -a "$N"
	assert_output $'l1\nl2\nx'
	run -0 peer-mq attr "/$N"
	assert_output "4 16 0"
}

@test "mq-send: -a sends all of standard input as one message, binary safe" {
	head -c 3000 /dev/urandom > "$BATS_TEST_TMPDIR/in"
	printf '\0\n\0' >> "$BATS_TEST_TMPDIR/in"
	mq-send -a --max-messages 2 --message-size 4096 "$N" < "$BATS_TEST_TMPDIR/in"
	run -0 peer-mq attr "/$N"
	assert_output "2 4096 1"
	mq-recv -a "$N" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "mq-send: -p sends at a priority, and higher priorities come first" {
	mq-send --max-messages 4 --message-size 16 "$N" low
	mq-send -p 9 "$N" high
	mq-send --priority 3 "$N" middle
	run -0 mq-recv -p -c 3 "$N"
	assert_output $'9\thigh\n3\tmiddle\n0\tlow'
}

@test "mq-send: a record longer than the message size: exit 2, named, nothing truncated" {
	run -2 --separate-stderr mq-send --max-messages 4 --message-size 8 "$N" ok 123456789 after
	assert_equal "$stderr" "mq-send: /$N: record 2 is 9 bytes, over the queue's message size of 8; 1 sent"
	assert_output ""
	run -0 mq-recv -d "$N"
	assert_output "ok"
}

@test "mq-send: a full queue with -n gives up with 1 and says how many were sent" {
	run -1 --separate-stderr mq-send -n --max-messages 2 --message-size 8 "$N" a b c d
	assert_equal "$stderr" "mq-send: /$N: queue is full; 2 messages sent"
	run -0 mq-recv -d "$N"
	assert_output $'a\nb'
}

@test "mq-send: -t waits for room, then gives up with 1 in about that time" {
	mq-send --max-messages 1 --message-size 8 "$N" full
	start=$(date +%s%N)
	run -1 --separate-stderr mq-send -t 300ms "$N" more
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$elapsed" -ge 290 ] && [ "$elapsed" -lt 1000 ] || false
	assert_equal "$stderr" "mq-send: /$N: queue is full; 0 messages sent"
}

@test "mq-send: a blocked send completes once a receiver makes room" {
	mq-send --max-messages 1 --message-size 8 "$N" first
	mq-send "$N" second 3>&- &
	pid=$!
	run -0 mq-recv -c 2 "$N"
	assert_output $'first\nsecond'
	wait "$pid"
}

@test "mq-send: -e refuses to create a missing queue" {
	run -2 --separate-stderr mq-send -e "$N" x
	assert_equal "$stderr" "mq-send: /$N: No such file or directory"
	run -1 mq_exists "$N"
}

@test "mq-send: -x refuses a queue that exists" {
	mq-send --max-messages 2 --message-size 8 "$N" x
	run -2 --separate-stderr mq-send -x "$N" y
	assert_equal "$stderr" "mq-send: /$N: File exists"
	run -0 mq-recv -d "$N"
	assert_output "x"
}

@test "mq-send: a queue over the system's limit names the /proc file" {
	run -2 --separate-stderr mq-send --max-messages 100000 "$N" x
	assert_equal "$stderr" "mq-send: /$N: --max-messages 100000 is over the system's limit, $(cat /proc/sys/fs/mqueue/msg_max) in /proc/sys/fs/mqueue/msg_max"
	run -2 --separate-stderr mq-send --message-size 1G "$N" x
	assert_equal "$stderr" "mq-send: /$N: --message-size 1073741824 is over the system's limit, $(cat /proc/sys/fs/mqueue/msgsize_max) in /proc/sys/fs/mqueue/msgsize_max"
	run -1 mq_exists "$N"
}

@test "mq-send: the queue memory limit is named instead of 'Too many open files'" {
	# 64 MiB of queue is far past RLIMIT_MSGQUEUE, yet within msg_max for root.
	run -2 --separate-stderr bash -c "ulimit -q 4096; mq-send --max-messages 10 --message-size 8192 '$N' x"
	[[ "$stderr" == "mq-send: /$N: this user's queue memory is used up (RLIMIT_MSGQUEUE, ulimit -q: 4096 bytes): "* ]]
	run -1 mq_exists "$N"
}

@test "mq-send: a name with or without its slash is the same queue" {
	mq-send --max-messages 2 --message-size 8 "/$N" x
	run -0 mq-recv "$N"
	assert_output "x"
}

@test "mq-send: bad names give exit 2, one line, and create nothing" {
	run -2 --separate-stderr mq-send "" x
	assert_equal "$stderr" 'mq-send: "": empty name'
	run -2 --separate-stderr mq-send "$N/b" x
	assert_equal "$stderr" "mq-send: $N/b: name holds a '/' after the leading one"
	run -2 --separate-stderr mq-send .. x
	assert_equal "$stderr" "mq-send: ..: name is '.' or '..'"
	long=$(printf '%0300d' 0)
	run -2 --separate-stderr mq-send "$long" x
	assert_equal "$stderr" "mq-send: $long: name too long"
	run -1 mq_exists "$N"
}

@test "mq-send: bad numbers and durations give exit 2 and one line" {
	run -2 --separate-stderr mq-send -p x "$N" m
	assert_equal "$stderr" "mq-send: priority is invalid: x"
	run -2 --separate-stderr mq-send -p 99999999 "$N" m
	assert_equal "$stderr" "mq-send: priority is too large: 99999999"
	run -2 --separate-stderr mq-send -p -1 "$N" m
	assert_equal "$stderr" "mq-send: priority is too small: -1"
	run -2 --separate-stderr mq-send -t 1x "$N" m
	assert_equal "$stderr" "mq-send: timeout is invalid: 1x"
	run -2 --separate-stderr mq-send -t -1 "$N" m
	assert_equal "$stderr" "mq-send: timeout is negative: -1"
	run -2 --separate-stderr mq-send --max-messages 0 "$N" m
	assert_equal "$stderr" "mq-send: --max-messages is too small: 0"
	run -2 --separate-stderr mq-send --message-size 12q "$N" m
	assert_equal "$stderr" "mq-send: --message-size is invalid: 12q"
	run -2 --separate-stderr mq-send -m 0800 "$N" m
	assert_equal "$stderr" "mq-send: mode is invalid: 0800"
	run -1 mq_exists "$N"
}

@test "mq-send: conflicting options and missing operands are usage errors" {
	run -2 --separate-stderr mq-send -n -t 1 "$N" m
	assert_equal "$stderr" "mq-send: cannot use -n and -t"
	run -2 --separate-stderr mq-send -0 -a "$N"
	assert_equal "$stderr" "mq-send: cannot use -0 and -a"
	run -2 --separate-stderr mq-send -e -x "$N"
	assert_equal "$stderr" "mq-send: cannot use -e and -x"
	run -2 --separate-stderr mq-send -a "$N" m1 m2
	assert_equal "$stderr" "mq-send: -0 and -a frame standard input, not arguments"
	run -2 --separate-stderr mq-send
	[[ "$stderr" == "usage: mq-send "* ]]
	run -2 --separate-stderr mq-send --bogus "$N"
	[[ "${stderr_lines[0]}" == "mq-send: --bogus: unknown option" ]]
	run -1 mq_exists "$N"
}

@test "mq-send: --help and --version go to standard output with 0" {
	run -0 --separate-stderr mq-send --help
	[[ "${lines[0]}" == "usage: mq-send [-0ae] [-m mode] [-n | -t timeout] [-p priority] [-x]" ]]
	assert_output --partial "--max-messages"
	assert_equal "$stderr" ""
	run -0 mq-send -V
	assert_output --regexp '^mq-send \(ipcutils\) [0-9.]+$'
}

@test "mq-send: a C program that calls mq_receive gets the messages" {
	mq-send --max-messages 4 --message-size 64 -p 5 "$N" "from mq-send"
	run -0 peer-mq recv "/$N"
	assert_output "5:from mq-send"
}

@test "mq-send: into a queue a C program created, at its attributes" {
	peer-mq send "/$N" "from C" 2
	mq-send -e "$N" "from mq-send"
	run -0 peer-mq attr "/$N"
	assert_output "4 64 2"
	run -0 mq-recv -p -c 2 "$N"
	assert_output $'2\tfrom C\n0\tfrom mq-send'
}

@test "mq-send: -a input over the message size is refused with its whole length" {
	run -2 --separate-stderr bash -c "head -c 300000 /dev/zero | mq-send -a --max-messages 2 --message-size 64 '$N'"
	assert_equal "$stderr" "mq-send: /$N: record 1 is 300000 bytes, over the queue's message size of 64; 0 sent"
	run -0 peer-mq attr "/$N"
	assert_output "2 64 0"
}

@test "mq-send: SIGTERM while it waits for input ends it by the signal" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	mq-send --max-messages 2 --message-size 16 "$N" < "$BATS_TEST_TMPDIR/fifo" 3>&- &
	pid=$!
	exec 4> "$BATS_TEST_TMPDIR/fifo"
	echo first >&4
	# The first message is proof that mq-send is reading.
	run -0 mq-recv -t 5 "$N"
	assert_output "first"
	kill -TERM "$pid"
	reap "$pid"
	assert_equal "$status" 143
	exec 4>&-
}

@test "mq-send: SIGTERM while it waits for room says how many were sent, and ends by the signal" {
	mq-send --max-messages 2 --message-size 16 "$N" a b c d \
	    2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_mq_count "$N" 2
	wait_asleep "$pid"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-send: /$N: queue is full; 2 messages sent"
	run -0 mq-recv -d "$N"
	assert_output $'a\nb'
}

@test "mq-send: out of file descriptors is said so, not blamed on queue memory" {
	requires_starts_with_3_fds mq-send
	run -2 --separate-stderr bash -c 'ulimit -n 3; exec mq-send "$1" x' sh "$N"
	assert_equal "$stderr" "mq-send: /$N: Too many open files"
	run -1 mq_exists "$N"
}

@test "mq-send, mq-recv: a name with a newline is shown escaped, on one line" {
	run -2 --separate-stderr mq-send -e "$N"$'\n'x m
	assert_equal "$stderr" "mq-send: /$N\\nx: No such file or directory"
	run -2 --separate-stderr mq-recv -e -n "$N"$'\n'x
	assert_equal "$stderr" "mq-recv: /$N\\nx: No such file or directory"
}

@test "mq-send: every signal that would end it, while it waits for room, says how many were sent and ends by it" {
	requires python3
	local sig num
	ulimit -c 0
	for sig in HUP INT QUIT TERM ALRM USR1 USR2 VTALRM PROF XCPU IO PWR; do
		with_default_signals mq-send --max-messages 2 --message-size 16 "$N" a b c d \
		    2> "$BATS_TEST_TMPDIR/err" 3>&- &
		pid=$!
		wait_mq_count "$N" 2
		wait_asleep "$pid"
		kill "-$sig" "$pid"
		wait_until ended "$pid" || kill -KILL "$pid"
		reap "$pid"
		pid=
		num=$(kill -l "$sig")
		assert_equal "$sig $status" "$sig $((128 + num))"
		run -0 cat "$BATS_TEST_TMPDIR/err"
		assert_output "mq-send: /$N: queue is full; 2 messages sent"
		run -0 mq-recv -d "$N"
		assert_output $'a\nb'
	done
}

@test "mq-send: standard input that cannot be read: exit 2, one line" {
	run -2 --separate-stderr mq-send "$N" < /
	assert_equal "$stderr" "mq-send: stdin: Is a directory"
}

@test "mq-send: SIGTERM while it reads standard input: 143, what was read is sent, and it says how many" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	exec 7<> "$BATS_TEST_TMPDIR/fifo"
	echo one >&7
	mq-send "$N" < "$BATS_TEST_TMPDIR/fifo" 2> "$BATS_TEST_TMPDIR/err" 3>&- 7>&- &
	pid=$!
	wait_mq_count "$N" 1
	wait_asleep "$pid"
	terminate "$pid"
	pid=
	exec 7>&-
	assert_equal "$status" 143
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-send: /$N: 1 message sent"
	run -0 mq-recv -d "$N"
	assert_output one
}

@test "mq-send: a broker's names over AMQP's 255 bytes, and TLS files that cannot be loaded: exit 2, one line, before any connection" {
	local u=amqp://127.0.0.1:1 long
	if mq-send "$u/x" x 2>&1 | grep -q 'built without'; then
		skip "this ipcutils was built without amqp"
	fi
	long=$(printf 'x%.0s' $(seq 256))
	run -2 --separate-stderr mq-send "$u/$long" x
	assert_equal "$stderr" "mq-send: $u/$long: the queue's name is longer than 255 bytes"
	run -2 --separate-stderr mq-send "$u/?exchange=$long" x
	assert_equal "$stderr" "mq-send: $u/?exchange=$long: exchange= is longer than 255 bytes"
	run -2 --separate-stderr mq-send "$u/?exchange=e&key=$long" x
	assert_equal "$stderr" "mq-send: $u/?exchange=e&key=$long: key= is longer than 255 bytes"
	# 255 bytes is a name; port 1 then refuses the connection.
	run -2 --separate-stderr mq-send "$u/${long:1}" x
	refute_output --partial "longer than"
	u=amqps://127.0.0.1:1
	run -2 --separate-stderr mq-send --tls-ca "$BATS_TEST_TMPDIR/none" "$u/q" x
	assert_equal "$stderr" "mq-send: $u/q: --tls-ca $BATS_TEST_TMPDIR/none: cannot load it"
	echo 'not a certificate' > "$BATS_TEST_TMPDIR/bad.pem"
	run -2 --separate-stderr mq-send --tls-ca "$BATS_TEST_TMPDIR/bad.pem" "$u/q" x
	assert_equal "$stderr" "mq-send: $u/q: --tls-ca $BATS_TEST_TMPDIR/bad.pem: cannot load it"
	run -2 --separate-stderr mq-send --tls-cert "$BATS_TEST_TMPDIR/bad.pem" \
	    --tls-key "$BATS_TEST_TMPDIR/bad.pem" "$u/q" x
	assert_equal "$stderr" "mq-send: $u/q: --tls-cert $BATS_TEST_TMPDIR/bad.pem, --tls-key $BATS_TEST_TMPDIR/bad.pem: cannot load them"
}
