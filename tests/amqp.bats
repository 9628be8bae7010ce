#!/usr/bin/env bats
# mq-send, mq-recv, ipc-ls and ipc-rm on amqp:// names, against a private
# RabbitMQ that setup_file starts (tests/broker.bash).

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
	Q="$AMQP_URL/$N"
}

teardown() {
	kill_bg "${pid:-}" "${spid:-}"
	[ -z "${BROKER_PORT:-}" ] || [ -n "${BROKER_SKIP:-}" ] ||
	    ipc-rm -f "$Q" "$Q-a" "$Q-b" 2>/dev/null || true
}

# amqp-get, Debian's amqp-tools: one message, or exit non-zero.
tools_get() {
	amqp-get -s 127.0.0.1 --port "$BROKER_PORT" --username ipct \
	    --password "$BROKER_PASSWORD" -q "$1"
}

tools_publish() {
	amqp-publish -s 127.0.0.1 --port "$BROKER_PORT" --username ipct \
	    --password "$BROKER_PASSWORD" -r "$1" -b "$2"
}

# Messages ready in a queue, as ipc-ls says.
ready() {
	ipc-ls -n "$1" | awk '{ print $3 }'
}

@test "amqp: mq-send sends each argument, and another AMQP client gets them" {
	run -0 mq-send "$Q" one "two words"
	run -0 tools_get "$N"
	assert_output "one"
	run -0 tools_get "$N"
	assert_output "two words"
	run -2 tools_get "$N"
}

@test "amqp: mq-send splits standard input into lines, and confirms them all" {
	seq 1000 | mq-send "$Q"
	run -0 ready "$Q"
	assert_output 1000
	run -0 tools_get "$N"
	assert_output 1
}

@test "amqp: ipc-ls shows a queue's messages and consumers, -J as JSON" {
	mq-send "$Q" a b c
	run -0 ipc-ls "$Q"
	assert_line -n 0 --regexp '^TYPE +NAME +MSGS +CONSUMERS$'
	assert_line -n 1 --regexp "^amqp +$Q +3 +0\$"
	run -0 ipc-ls -J "$Q"
	assert_output "[{\"type\":\"amqp\",\"name\":\"$Q\",\"msgs\":3,\"consumers\":0}]"
}

@test "amqp: ipc-rm deletes a queue; a missing one is exit 2 unless -f" {
	mq-send "$Q" x
	run -0 ipc-rm -v "$Q"
	assert_output "removed amqp $Q"
	run -2 --separate-stderr ipc-rm "$Q"
	[ "$stderr" = "ipc-rm: $Q: No such file or directory" ]
	run -0 ipc-rm -f "$Q"
	run -2 --separate-stderr ipc-ls "$Q"
	[ "$stderr" = "ipc-ls: $Q: No such file or directory" ]
}

@test "amqp: -m and --message-size have no meaning on a broker: exit 2 naming the option" {
	run -2 --separate-stderr mq-send -m 0600 "$Q" x
	[ "$stderr" = "mq-send: $Q: -m has no meaning for a broker's queue" ]
	run -2 --separate-stderr mq-send --message-size 64 "$Q" x
	[ "$stderr" = "mq-send: $Q: --message-size has no meaning for a broker's queue" ]
	run -2 ipc-ls "$Q"
}

@test "amqp: -e does not create the queue; -x refuses one that exists" {
	run -2 --separate-stderr mq-send -e "$Q" x
	[ "$stderr" = "mq-send: $Q: NOT_FOUND - no queue '$N' in vhost '/'" ]
	run -2 ipc-ls "$Q"
	run -0 mq-send -x "$Q" x
	run -2 --separate-stderr mq-send -x "$Q" y
	[ "$stderr" = "mq-send: $Q: File exists" ]
	run -0 mq-send -e "$Q" y
	run -0 ready "$Q"
	assert_output 2
}

@test "amqp: --max-messages is the length limit; -n gives up when full, saying how many were sent" {
	run -0 mq-send --max-messages 3 "$Q" a b
	run -1 --separate-stderr mq-send -n "$Q" c d e
	[ "$stderr" = "mq-send: $Q: queue is full; 1 message sent" ]
	run -0 ready "$Q"
	assert_output 3
	run -1 --separate-stderr mq-send -t 300ms "$Q" f
	[ "$stderr" = "mq-send: $Q: queue is full; 0 messages sent" ]
}

@test "amqp: a full queue blocks mq-send until a consumer makes room" {
	mq-send --max-messages 2 "$Q" a b
	mq-send "$Q" c d &
	pid=$!
	run -0 tools_get "$N"
	assert_output a
	run -0 tools_get "$N"
	assert_output b
	reap "$pid"
	[ "$status" -eq 0 ]
	run -0 tools_get "$N"
	assert_output c
	run -0 tools_get "$N"
	assert_output d
}

@test "amqp: -p over a new queue's priorities is exit 2, and nothing is made" {
	run -2 --separate-stderr mq-send -p 10 "$Q" x
	[ "$stderr" = "mq-send: $Q: priority 10 is over the new queue's maximum of 9 (--max-priority)" ]
	run -2 ipc-ls "$Q"
	run -2 --separate-stderr mq-send -p 256 --max-priority 255 "$Q" x
	[ "$stderr" = "mq-send: $Q: priority 256 is over 255, a broker's highest" ]
	run -0 mq-send -p 200 --max-priority 255 "$Q" x
	run -2 --separate-stderr mq-send --max-priority 256 "$Q" x
	[ "$stderr" = "mq-send: max-priority is too large: 256" ]
}

@test "amqp: --max-priority and --tls options are refused for a POSIX queue" {
	run -2 --separate-stderr mq-send --max-priority 20 "$N" x
	[ "$stderr" = "mq-send: --max-priority and the --tls options are for amqp:// and amqps:// names" ]
	run -2 --separate-stderr mq-send --tls-noverify "$Q" x
	[ "$stderr" = "mq-send: $Q: the --tls options need an amqps:// name" ]
}

@test "amqp: a broker that does not answer is exit 2, one line" {
	port=$(free_port)
	run -2 --separate-stderr mq-send "amqp://127.0.0.1:$port/$N" x
	[ "$stderr" = "mq-send: amqp://127.0.0.1:$port/$N: Connection refused" ]
}

@test "amqp: several hosts are tried in order" {
	port=$(free_port)
	run -0 mq-send "amqp://127.0.0.1:$port,127.0.0.1:$BROKER_PORT/$N" x
	run -0 tools_get "$N"
	assert_output x
	run -2 --separate-stderr mq-send "amqp://127.0.0.1:$port,[::1]:$port/$N" x
	[ "$stderr" = "mq-send: amqp://127.0.0.1:$port,[::1]:$port/$N: no host answered: 127.0.0.1:$port: Connection refused; ::1:$port: Connection refused" ]
}

@test "amqp: names that are not amqp://host/queue are exit 2" {
	run -2 --separate-stderr mq-send "amqp://127.0.0.1:$BROKER_PORT" x
	[ "$stderr" = "mq-send: amqp://127.0.0.1:$BROKER_PORT: no queue in the name (amqp://host/queue)" ]
	run -2 --separate-stderr mq-send "amqp://127.0.0.1:99999/q" x
	[ "$stderr" = "mq-send: amqp://127.0.0.1:99999/q: a bad port" ]
	run -2 --separate-stderr mq-send "amqp://,/q" x
	[ "$stderr" = "mq-send: amqp://,/q: an empty host" ]
	run -2 --separate-stderr mq-send "amqp://127.0.0.1:$BROKER_PORT/$N?x=1" x
	[ "$stderr" = "mq-send: amqp://127.0.0.1:$BROKER_PORT/$N?x=1: x=: an unknown parameter (exchange=, type= and key= are known)" ]
	run -2 --separate-stderr mq-send "amqp://127.0.0.1:$BROKER_PORT/%00" x
	[ "$stderr" = "mq-send: amqp://127.0.0.1:$BROKER_PORT/%00: a bad %-escape" ]
	run -2 ipc-ls -n "$Q"
}

@test "amqp: a vhost comes before the queue, percent-encoded" {
	run -2 --separate-stderr mq-send "$AMQP_URL/nosuchvhost/$N" x
	[ "$stderr" = "mq-send: $AMQP_URL/nosuchvhost/$N: NOT_ALLOWED - vhost nosuchvhost not found" ]
	run -0 mq-send "$AMQP_URL/%2f/$N" x
	run -0 tools_get "$N"
	assert_output x
}

@test "amqp: the password comes from the environment, or the URL, never needed on the command line" {
	run -2 --separate-stderr env IPCUTILS_AMQP_PASSWORD=wrong mq-send "$Q" x
	[ "$stderr" = "mq-send: $Q: ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile." ]
	run -0 env -u IPCUTILS_AMQP_PASSWORD -u IPCUTILS_AMQP_USER \
	    mq-send "amqp://ipct:$BROKER_PASSWORD@127.0.0.1:$BROKER_PORT/$N" x
	# A message never shows the password.
	run -2 --separate-stderr env -u IPCUTILS_AMQP_PASSWORD \
	    mq-send "amqp://ipct:secret@127.0.0.1:$BROKER_PORT/$N" x
	[ "$stderr" = "mq-send: amqp://ipct@127.0.0.1:$BROKER_PORT/$N: ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile." ]
}

@test "amqp: a credentials file gives user and password; one others can read is refused" {
	f=$BATS_TEST_TMPDIR/cred
	printf '# host user password\nelsewhere.example nobody x\n* ipct %s\n' \
	    "$BROKER_PASSWORD" > "$f"
	chmod 600 "$f"
	run -0 env -u IPCUTILS_AMQP_PASSWORD -u IPCUTILS_AMQP_USER \
	    IPCUTILS_AMQP_CREDENTIALS="$f" mq-send "$Q" x
	chmod 640 "$f"
	run -2 --separate-stderr env -u IPCUTILS_AMQP_PASSWORD \
	    IPCUTILS_AMQP_CREDENTIALS="$f" mq-send "$Q" y
	[ "$stderr" = "mq-send: $Q: credentials $f: others can read or write it (chmod 600 $f)" ]
	# The default file is ~/.config/ipcutils/amqp-credentials.
	mkdir -p "$BATS_TEST_TMPDIR/home/.config/ipcutils"
	printf '127.0.0.1 ipct %s\n' "$BROKER_PASSWORD" \
	    > "$BATS_TEST_TMPDIR/home/.config/ipcutils/amqp-credentials"
	chmod 600 "$BATS_TEST_TMPDIR/home/.config/ipcutils/amqp-credentials"
	run -0 env -u IPCUTILS_AMQP_PASSWORD -u IPCUTILS_AMQP_USER \
	    HOME="$BATS_TEST_TMPDIR/home" mq-send "$Q" z
	run -0 ready "$Q"
	assert_output 2
}

@test "amqp: binary data and NUL records survive mq-send -a and -0" {
	head -c 3000 /dev/urandom > "$BATS_TEST_TMPDIR/in"
	printf '\0\n\0' >> "$BATS_TEST_TMPDIR/in"
	mq-send -a "$Q" < "$BATS_TEST_TMPDIR/in"
	tools_get "$N" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	printf 'l1\nl2\0x\0' | mq-send -0 "$Q"
	run -0 tools_get "$N"
	assert_output $'l1\nl2'
	run -0 tools_get "$N"
	assert_output x
}

@test "amqp: mq-recv gets what another AMQP client published, and acknowledges it" {
	run -1 mq-recv -n "$Q"
	tools_publish "$N" hello
	run -0 mq-recv -t 20s "$Q"
	assert_output hello
	run -0 ready "$Q"
	assert_output 0
	run -1 --separate-stderr mq-recv -n "$Q"
	[ "$stderr" = "" ]
}

@test "amqp: priorities reorder, and -p prints them" {
	mq-send -p 1 "$Q" low
	mq-send -p 9 "$Q" high
	mq-send "$Q" zero
	mq-send -p 5 "$Q" middle
	run -0 mq-recv -p -c 4 "$Q"
	assert_output $'9\thigh\n5\tmiddle\n1\tlow\n0\tzero'
}

@test "amqp: binary data and NUL records survive mq-send and mq-recv" {
	head -c 100000 /dev/urandom > "$BATS_TEST_TMPDIR/in"
	printf '\0\n\0' >> "$BATS_TEST_TMPDIR/in"
	mq-send -a "$Q" < "$BATS_TEST_TMPDIR/in"
	mq-recv -a "$Q" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	printf 'l1\nl2\0\0x\0' | mq-send -0 "$Q"
	mq-recv -0 -c 3 "$Q" > "$BATS_TEST_TMPDIR/out"
	printf 'l1\nl2\0\0x\0' | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "amqp: -n is exit 1 on an empty queue, -d takes what is queued, -t waits at most so long" {
	mq-send "$Q" a b c
	run -1 --separate-stderr mq-recv -n -c 4 "$Q"
	assert_output $'a\nb\nc'
	[ "$stderr" = "mq-recv: $Q: 3 of 4 messages arrived in time" ]
	mq-send "$Q" d e
	run -0 mq-recv -d "$Q"
	assert_output $'d\ne'
	run -0 mq-recv -d "$Q"
	assert_output ""
	SECONDS=0
	run -1 mq-recv -t 500ms "$Q"
	[ "$SECONDS" -lt 5 ]
}

@test "amqp: a consumer started before its producer gets each message at once" {
	mq-send "$Q" first
	mq-recv -c 3 "$Q" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	wait_for_file "$BATS_TEST_TMPDIR/out"
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output first
	mq-send "$Q" second third
	reap "$pid"
	[ "$status" -eq 0 ]
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output $'first\nsecond\nthird'
}

@test "amqp: a reader that closed its end leaves the message queued, at its priority" {
	mq-send -p 3 "$Q" keep
	run -2 --separate-stderr run_into_closed_pipe mq-recv "$Q"
	[ "$stderr" = "mq-recv: stdout: Broken pipe" ]
	run -0 mq-recv -p "$Q"
	assert_output $'3\tkeep'
}

@test "amqp: an mq-recv killed by SIGKILL while it holds messages loses none" {
	seq -f 'line-%025g' 5000 > "$BATS_TEST_TMPDIR/in"
	mq-send "$Q" < "$BATS_TEST_TMPDIR/in"
	# Its output is a pipe nobody reads: it blocks, holding messages.
	python3 - mq-recv -f "$Q" > "$BATS_TEST_TMPDIR/out" <<'PY'
import fcntl, os, signal, struct, subprocess, sys, termios, time
r, w = os.pipe()
p = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
deadline = time.time() + 60
while time.time() < deadline:
    n = struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD, b"\0" * 4))[0]
    if n >= 16384:
        break
    time.sleep(0.05)
p.send_signal(signal.SIGKILL)
p.wait()
with os.fdopen(r, "rb") as f:
    sys.stdout.buffer.write(f.read())
PY
	# Some were written (mq-recv holds what the pipe has not given its
	# reader), not all: the rest it held, or had not taken, are queued.
	written=$(wc -l < "$BATS_TEST_TMPDIR/out")
	[ "$written" -gt 100 ] && [ "$written" -lt 5000 ] || false
	mq-recv -d "$Q" >> "$BATS_TEST_TMPDIR/out"
	sort -u "$BATS_TEST_TMPDIR/out" | cmp - "$BATS_TEST_TMPDIR/in"
}

@test "amqp: -u deletes the queue when done; -e -x and the size options as for mq-send" {
	mq-send "$Q" a
	run -0 mq-recv -u "$Q"
	assert_output a
	run -2 ipc-ls "$Q"
	run -2 --separate-stderr mq-recv -e -n "$Q"
	[ "$stderr" = "mq-recv: $Q: NOT_FOUND - no queue '$N' in vhost '/'" ]
	run -2 --separate-stderr mq-recv --message-size 10 -n "$Q"
	[ "$stderr" = "mq-recv: $Q: --message-size has no meaning for a broker's queue" ]
}

@test "amqp: SIGTERM ends a waiting mq-recv with its status" {
	mq-recv "$Q" &
	pid=$!
	for i in $(seq 100); do
		[ "$(ipc-ls -n "$Q" 2>/dev/null | awk '{ print $4 }')" = 1 ] && break
		sleep 0.1
	done
	kill -TERM "$pid"
	reap "$pid"
	[ "$status" -eq 143 ]
}

@test "amqp: the broker stopped in the middle of an mq-send of 10000 lines: what it confirmed is queued, once" {
	seq -f 'line-%05g' 10000 > "$BATS_TEST_TMPDIR/in"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	mq-send "$Q" < "$BATS_TEST_TMPDIR/fifo" 2> "$BATS_TEST_TMPDIR/err" &
	pid=$!
	# A writer at about 2000 lines a second, that stops when mq-send does.
	python3 - "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/fifo" <<'PY' &
import sys, time
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb", 0) as out:
    lines = f.readlines()
    try:
        for i in range(0, len(lines), 20):
            out.write(b"".join(lines[i:i + 20]))
            time.sleep(0.01)
    except BrokenPipeError:
        pass
PY
	writer=$!
	for i in $(seq 300); do
		n=$(ready "$Q" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge 2000 ] && break
		sleep 0.1
	done
	[ "$n" -ge 2000 ] && [ "$n" -lt 10000 ] || false
	broker_pause
	reap "$pid"
	[ "$status" -eq 2 ]
	kill_bg "$writer"
	broker_resume
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp "^mq-send: $Q: .*; [0-9]+ messages confirmed, record [0-9]+ was the first not confirmed\$"
	confirmed=$(sed -E 's/.*; ([0-9]+) messages confirmed.*/\1/' "$BATS_TEST_TMPDIR/err")
	first=$(sed -E 's/.*record ([0-9]+) was.*/\1/' "$BATS_TEST_TMPDIR/err")
	[ "$confirmed" -ge 2000 ] && [ "$first" -eq $((confirmed + 1)) ] || false
	mq-recv -d "$Q" > "$BATS_TEST_TMPDIR/out"
	# Every line confirmed is there; none is there twice.
	head -n "$confirmed" "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/confirmed"
	head -n "$confirmed" "$BATS_TEST_TMPDIR/out" | cmp - "$BATS_TEST_TMPDIR/confirmed"
	run -0 sh -c "sort '$BATS_TEST_TMPDIR/out' | uniq -d"
	assert_output ""
}

@test "amqp: amqps:// checks the broker's certificate and name: --tls-ca, --tls-name, --tls-noverify" {
	[ -n "$AMQPS_URL" ] || skip "needs openssl for the test broker's certificate"
	S="$AMQPS_URL/$N"
	# The certificate names broker.test, not 127.0.0.1.
	run -2 --separate-stderr mq-send --tls-ca "$BROKER_CA" "$S" x
	[[ "$stderr" == "mq-send: $S: "* ]]
	run -0 mq-send --tls-ca "$BROKER_CA" --tls-name broker.test "$S" one
	# Our CA is not among the system's.
	run -2 mq-send "$S" x
	run -0 mq-send --tls-noverify "$S" two
	run -0 mq-recv --tls-ca "$BROKER_CA" --tls-name broker.test -c 2 "$S"
	assert_output $'one\ntwo'
	run -2 --separate-stderr mq-send --tls-cert "$BROKER_CA" "$S" x
	[ "$stderr" = "mq-send: $S: --tls-cert and --tls-key go together" ]
}

@test "amqp: ipc-ls and ipc-rm take the --tls options for an amqps:// queue" {
	[ -n "$AMQPS_URL" ] || skip "needs openssl for the test broker's certificate"
	S="$AMQPS_URL/$N"
	run -0 mq-send --tls-ca "$BROKER_CA" --tls-name broker.test "$S" one
	run -0 ipc-ls -n --tls-ca "$BROKER_CA" --tls-name broker.test "$S"
	assert_output --regexp "^amqp +$S +1 +0\$"
	# Our CA is not among the system's.
	run -2 ipc-ls "$S"
	run -2 ipc-rm "$S"
	run -2 --separate-stderr ipc-ls --tls-noverify "$Q"
	[ "$stderr" = "ipc-ls: $Q: the --tls options need an amqps:// name" ]
	run -0 ipc-rm -v --tls-ca "$BROKER_CA" --tls-name broker.test "$S"
	assert_output "removed amqp $S"
	run -2 ipc-ls --tls-noverify "$S"
}

@test "amqp: --any-owner has no meaning on a broker" {
	run -2 --separate-stderr mq-send --any-owner "$Q" x
	[ "$stderr" = "mq-send: $Q: --any-owner has no meaning for a broker's queue (the broker's permissions decide)" ]
	run -2 ipc-ls "$Q"
}

@test "amqp: mq-recv --exec -j 3 runs each message once, with its priority, and acknowledges it when its command succeeds" {
	for i in 1 2 3 4 5 6; do mq-send -p "$i" "$Q" "m$i"; done
	run -0 --separate-stderr mq-recv -c 6 -j 3 --exec 'read -r m; echo "$m $IPC_MSG_PRIORITY $IPC_MSG_QUEUE"' "$Q"
	assert_equal "$stderr" ""
	run -0 sort <<< "$output"
	assert_output "$(for i in 1 2 3 4 5 6; do echo "m$i $i $Q"; done)"
	run -0 ready "$Q"
	assert_output 0
	run -1 mq-recv -n "$Q"
}

@test "amqp: mq-recv --exec: a failed command's message goes back on the broker's queue, or to --failed at its priority" {
	mq-send -p 4 "$Q" bad
	mq-send -p 1 "$Q" next
	run -2 --separate-stderr mq-recv -f --exec 'read -r m; [ $m != bad ]' "$Q"
	assert_equal "$stderr" "mq-recv: $Q: message 1: command exited 1; put back on $Q"
	run -0 ready "$Q"
	assert_output 2
	run -0 --separate-stderr mq-recv -c 2 --failed "$Q-a" --exec 'read -r m; [ $m != bad ]' "$Q"
	assert_equal "$stderr" "mq-recv: $Q: message 1: command exited 1; sent to $Q-a"
	run -0 ready "$Q"
	assert_output 0
	run -0 mq-recv -p "$Q-a"
	assert_output $'4\tbad'
	mq-send -p 3 "$Q" bad
	run -0 --separate-stderr mq-recv --failed "$N-f" --exec false "$Q"
	assert_equal "$stderr" "mq-recv: $Q: message 1: command exited 1; sent to /$N-f"
	run -0 mq-recv -p -u "$N-f"
	assert_output $'3\tbad'
	# And a POSIX queue's failed message to a broker's queue.
	mq-send -p 2 --max-messages 4 --message-size 64 "$N-p" bad
	run -0 --separate-stderr mq-recv -u --failed "$Q-b" --exec false "$N-p"
	assert_equal "$stderr" "mq-recv: /$N-p: message 1: command exited 1; sent to $Q-b"
	run -0 mq-recv -p "$Q-b"
	assert_output $'2\tbad'
}

@test "amqp: mq-recv --exec -j 1 holds one message, not the queue; SIGTERM puts it back" {
	mq-send "$Q" a b c d
	mkfifo "$BATS_TEST_TMPDIR/started"
	mq-recv -f -j 1 --exec "echo go > $BATS_TEST_TMPDIR/started; exec sleep 30" "$Q" 3>&- &
	pid=$!
	read -t 10 -r go < "$BATS_TEST_TMPDIR/started"
	# A consumer that prefetched would leave none ready.
	run -0 ready "$Q"
	assert_output 3
	kill -TERM "$pid"
	reap "$pid"
	pid=
	assert_equal "$status" 143
	run -0 ready "$Q"
	assert_output 4
	run -0 mq-recv -c 4 "$Q"
	assert_output $'a\nb\nc\nd'
}

# Is something listening on a loopback TCP port?
listening() {
	ss -Hltn "sport = :$1" | grep -q .
}

# Does a file hold n lines?  Does a queue hold n ready?
has_lines() {
	[ "$(wc -l < "$1" 2>/dev/null)" = "$2" ]
}

ready_is() {
	[ "$(ready "$1")" = "$2" ]
}

@test "amqp: mq-recv --exec that loses its broker waits for its running commands, exits 125; the broker gives their messages again" {
	requires socat
	d=$BATS_TEST_TMPDIR
	mq-send "$Q" a b c
	# A connection that the test can cut: through socat, killed by pid.
	port=$(free_port)
	socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" \
	    "TCP:127.0.0.1:$BROKER_PORT" 3>&- &
	spid=$!
	wait_until listening "$port"
	mq-recv -f -j 2 --exec "read -r m; echo \$m >> $d/started; until [ -e $d/end.\$m ]; do sleep 0.05; done; echo \$m >> $d/ended" \
	    "amqp://127.0.0.1:$port/$N" 2> "$d/err" 3>&- &
	pid=$!
	wait_until has_lines "$d/started" 2
	kill "$spid"
	reap "$spid"
	spid=
	# One command ends: mq-recv finds the broker gone, and waits for the
	# other before it exits.
	first=$(head -n 1 "$d/started")
	second=$(tail -n 1 "$d/started")
	touch "$d/end.$first"
	wait_until grep -q 'still running' "$d/err"
	! ended "$pid" || fail "mq-recv did not wait: $(cat "$d/err")"
	touch "$d/end.$second"
	reap "$pid"
	pid=
	assert_equal "$status" 125
	run -0 sort "$d/ended"
	assert_output $'a\nb'
	run -0 cat "$d/err"
	assert_line "mq-recv: amqp://127.0.0.1:$port/$N: waiting for the 1 command still running"
	# Nothing was acknowledged: all three are ready again.
	wait_until ready_is "$Q" 3
	run -0 sh -c "mq-recv -c 3 '$Q' | sort"
	assert_output $'a\nb\nc'
}

@test "amqp: mq-recv --exec -j 64 needs no buffer of the largest message for each slot: it runs under ulimit -v 1 GiB" {
	# AddressSanitizer maps terabytes of shadow at start.
	! ldd "$(command -v mq-recv)" 2>/dev/null | grep -q libasan ||
	    skip "AddressSanitizer cannot start under ulimit -v"
	mq-send "$Q" a "$(head -c 100000 /dev/zero | tr '\0' x)"
	run -0 --separate-stderr bash -c "ulimit -v 1048576 && mq-recv -c 2 -j 64 --exec 'wc -c' '$Q' | sort -n"
	assert_output $'2\n100001'
	assert_equal "$stderr" ""
}

@test "amqp: what a pipe's reader left unread when it went goes back to the broker" {
	seq 1 10 | mq-send "$Q"
	# head takes four bytes, "1\n2\n", and goes; a message at a time
	# (basic.get), mq-recv may or may not have written more by then.
	run -0 bash -c 'mq-recv -d "$1" 2> "$2" | head -c 4; echo "${PIPESTATUS[*]}"' sh "$Q" "$BATS_TEST_TMPDIR/err"
	assert_output $'1\n2\n2 0'
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output --regexp "^mq-recv: stdout: (Broken pipe|[0-9]+ messages? put back on $Q: Broken pipe)\$"
	run -0 bash -c 'mq-recv -d "$1" | sort -n' sh "$Q"
	assert_output "$(seq 3 10)"
}

@test "amqp: mq-recv --lockstep | head -n 1 takes one message, the broker keeps the others" {
	seq 1 10 | mq-send "$Q"
	run -0 bash -c 'mq-recv --lockstep -d "$1" 2>/dev/null | head -n 1' sh "$Q"
	assert_output 1
	run -0 bash -c 'mq-recv -d "$1" | sort -n' sh "$Q"
	assert_output "$(seq 2 10)"
}

@test "amqp: SIGHUP to an mq-recv blocked with messages held ends it by SIGHUP, nothing lost" {
	requires python3
	seq -f 'line-%025g' 5000 > "$BATS_TEST_TMPDIR/in"
	mq-send "$Q" < "$BATS_TEST_TMPDIR/in"
	python3 - mq-recv -f "$Q" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/st" <<'PY'
import fcntl, os, signal, struct, subprocess, sys, termios, time
# Not an ignored SIGHUP passed on (nohup): mq-recv keeps that ignored.
signal.signal(signal.SIGHUP, signal.SIG_DFL)
r, w = os.pipe()
p = subprocess.Popen(sys.argv[1:], stdout=w)
os.close(w)
deadline = time.time() + 60
while time.time() < deadline:
    n = struct.unpack("i", fcntl.ioctl(r, termios.FIONREAD, b"\0" * 4))[0]
    if n >= 16384:
        break
    time.sleep(0.05)
p.send_signal(signal.SIGHUP)
sys.stderr.write("%d\n" % -p.wait())
with os.fdopen(r, "rb") as f:
    sys.stdout.buffer.write(f.read())
PY
	run -0 cat "$BATS_TEST_TMPDIR/st"
	assert_output 1
	mq-recv -d "$Q" >> "$BATS_TEST_TMPDIR/out"
	sort -u "$BATS_TEST_TMPDIR/out" | cmp - "$BATS_TEST_TMPDIR/in"
}

# Does queue $1 (a name) have n consumers, as ipc-ls counts them?
has_consumers() {
	[ "$(ipc-ls -n "$1" | awk '{ print $4 }')" = "$2" ]
}

@test "amqp: a queue deleted under mq-recv -f, or --exec, ends it: exit 2 (125), one line, not a wait for ever" {
	mq-send "$Q" a
	mq-recv -f "$Q" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until has_consumers "$Q" 1
	run -0 ipc-rm "$Q"
	wait_until ended "$pid"
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output a
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-recv: $Q: the queue is gone"
	mq-send "$Q" b
	mq-recv -f --exec cat "$Q" > "$BATS_TEST_TMPDIR/out" \
	    2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until has_consumers "$Q" 1
	run -0 ipc-rm "$Q"
	wait_until ended "$pid"
	reap "$pid"
	pid=
	assert_equal "$status" 125
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output b
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-recv: $Q: the queue is gone"
}

# Does queue $1 hold n messages ready?
ready_is() {
	[ "$(ready "$1")" = "$2" ]
}

@test "amqp: a queue deleted under mq-send: exit 2, saying which record was the first not confirmed" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	exec 7<> "$BATS_TEST_TMPDIR/fifo"
	mq-send "$Q" < "$BATS_TEST_TMPDIR/fifo" 2> "$BATS_TEST_TMPDIR/err" 3>&- 7>&- &
	pid=$!
	echo one >&7
	wait_until ready_is "$Q" 1
	run -0 ipc-rm "$Q"
	echo two >&7
	exec 7>&-
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output "mq-send: $Q: the queue is gone; 1 message confirmed, record 2 was the first not confirmed"
}
