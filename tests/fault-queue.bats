#!/usr/bin/env bats
# fault-queue: the queue tools (mq-send, mq-recv, mq-recv --exec) and the
# stream copy of sock-send and sock-listen (lib/copy.c) with their Nth
# call of many kinds failing (tests/fault.c): status, one line, and every
# message delivered, handed on or still queued, once.

# One private broker for the file's amqp:// tests (tests/broker.bash),
# with its management API, which ipc-ls lists a broker's queues through.
setup_file() {
	load broker
	broker_start management
	if [ -n "$BROKER_SKIP" ]; then
		echo "# broker: $BROKER_SKIP" >&3
	fi
}

teardown_file() {
	load broker
	broker_stop
}

setup() {
	load test_helper
	load broker
	load fault
	fault_setup
	pid=
}

teardown() {
	kill_bg "$pid"
	sock_cleanup
	ipc_cleanup
	[ -z "${Q:-}" ] || ipc-rm -f "$Q" 2>/dev/null || true
}

# Every call of the shim, with each errno of $ERRNOS, at each N of $NTHS.
ALLCALLS="write read mq_send mq_receive splice sendfile fsync open fstat
    fcntl poll lseek ftruncate connect mmap unlink mq_open mq_getattr
    linkat flock statfs socket send recv pipe2 rename fallocate fork accept
    listen bind setsockopt shm_open sem_open ioctl fchmod fchown dup2
    pthread_create copy_file_range mq_unlink"

# A file's lines on one line; nothing for no file.
flat() {
	cat "$@" 2>/dev/null | tr '\n' ' '
}

# The lines of files A and B together, sorted, against 1 to 5 once each.
whole() {
	[ "$(cat "$@" 2>/dev/null | sort -n)" = "$(seq 1 5)" ]
}

mq_send_case() {
	local how=$1 spec=$2 got
	mq_cleanup
	case $how in
	args) faulted "$spec" mq-send "$N" 1 2 3 4 5 ;;
	file) faulted "$spec" mq-send "$N" < "$T/in" ;;
	pipe) faulted "$spec" mq-send "$N" < <(cat "$T/in") ;;
	esac
	contract "$spec" mq-send "1 2"
	got=$(mq-recv -d "$N" 2>/dev/null || true)
	if [ "$rc" -eq 0 ]; then
		[ "$got" = "$(cat "$T/in")" ] ||
		    lost "$spec" "mq-send ($how)" "status 0, the queue holds: $got"
	else
		# What went is what came first, once each.
		case $'1\n2\n3\n4\n5\n' in
		"$got"*) ;;
		*) lost "$spec" "mq-send ($how)" "the queue holds: $got" ;;
		esac
	fi
}

@test "fault-queue: mq-send from arguments, a file or a pipe: sent, or said not sent, under any failing call" {
	requires mqueue-fs
	seq 1 5 > "$T/in"
	CALLS=$ALLCALLS ERRNOS="EIO EINTR EAGAIN ENOMEM" NTHS="1 2"
	each_fault mq_send_case args
	each_fault mq_send_case file
	CALLS="read fstat fcntl poll mq_send mq_open mq_getattr" NTHS="1 2 3"
	each_fault mq_send_case pipe
	verdict
}

# faulted, with the tool's standard output a pipe to READER (a command
# line for sh) instead.
faulted_pipe() {
	local spec=$1 reader=$2 tool=$3
	shift 3
	rm -f "$T/rc"
	{ IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM "$DYN/$tool" "$@" \
	    2> "$T/ferr" || echo $? > "$T/rc"; } | sh -c "$reader"
	rc=$(cat "$T/rc" 2>/dev/null || echo 0)
	runs=$((runs + 1))
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
}

# mq-recv writing into a pipe (to cat), --lockstep, -f, or into a file:
# every message is written out or still queued.
mq_recv_case() {
	local how=$1 spec=$2
	mq_cleanup
	seq 1 5 | mq-send "$N"
	rm -f "$T/out"
	case $how in
	pipe) faulted_pipe "$spec" "cat > $T/out" mq-recv -c 5 "$N" ;;
	lockstep) faulted_pipe "$spec" "cat > $T/out" mq-recv --lockstep \
	    -d "$N" ;;
	forever) faulted_pipe "$spec" "cut -f 2 > $T/out" mq-recv -f -t 0.2 \
	    -p "$N" ;;
	file) faulted "$spec" mq-recv -J -d "$N" > "$T/json"
	    sed -n 's/.*"data":"\(.*\)"}$/\1/p' "$T/json" > "$T/out" ;;
	esac
	contract "$spec" mq-recv "1 2"
	mq-recv -d "$N" > "$T/left" 2>/dev/null || true
	whole "$T/out" "$T/left" ||
	    lost "$spec" "mq-recv ($how)" "status $rc, wrote $(flat "$T/out"), left: $(flat "$T/left")"
	# Status 0 for -c 5 is all five written.
	[ "$rc" -ne 0 ] || [ "$how" != pipe ] || [ ! -s "$T/left" ] ||
	    lost "$spec" "mq-recv ($how)" "status 0, left: $(flat "$T/left")"
}

@test "fault-queue: mq-recv into a pipe, --lockstep, -f -t, -J into a file: written or still queued, under any failing call" {
	requires mqueue-fs
	CALLS="write read mq_receive mq_send mq_open mq_getattr fstat fcntl poll ioctl"
	ERRNOS="EIO EINTR EAGAIN ENOMEM" NTHS="1 2 4"
	each_fault mq_recv_case pipe
	each_fault mq_recv_case lockstep
	each_fault mq_recv_case forever
	each_fault mq_recv_case file
	verdict
}

# mq-recv --exec: each message's command appends it to $T/done; with
# --failed, a command that fails (the message 3) sends it there.  Every
# message is done, in failed, or still queued, once.
exec_case() {
	local how=$1 spec=$2
	# -d ends at EAGAIN from a queue opened O_NONBLOCK: empty, as far as
	# it can tell (fault.bats says the same of mq-recv -d).
	case $how:$spec in jobs:mq_receive:*:EAGAIN|failed:mq_receive:*:EAGAIN)
		return 0 ;;
	esac
	mq_cleanup
	seq 1 5 | mq-send "$N"
	rm -f "$T/done"
	case $how in
	one) faulted "$spec" mq-recv -c 5 --exec "$T/job" "$N" ;;
	jobs) faulted "$spec" mq-recv -d -j 3 --exec "$T/job" "$N" ;;
	failed) faulted "$spec" mq-recv -d -j 2 --failed "$N-a" \
	    --exec "$T/job3" "$N" ;;
	esac
	# The lines that tell of a command's end (message 3's in failed), or
	# that the pool waits for those still running: each is its own
	# event, and says it.
	grep -v -e '^mq-recv: [^ ]*: message [0-9]*: command exited 1; \(sent to\|put back on\) ' \
	    -e '^mq-recv: [^ ]*: waiting for the [0-9]* commands\{0,1\} still running$' \
	    "$T/ferr" > "$T/ferr2" || true
	mv "$T/ferr2" "$T/ferr"
	contract "$spec" mq-recv "1 2 125 126 127"
	mq-recv -d "$N" > "$T/left" 2>/dev/null || true
	mq-recv -d "$N-a" > "$T/failed" 2>/dev/null || true
	whole "$T/done" "$T/left" "$T/failed" ||
	    lost "$spec" "mq-recv --exec ($how)" "status $rc, done $(flat "$T/done"), failed $(flat "$T/failed"), left: $(flat "$T/left")"
	[ "$rc" -ne 0 ] || [ ! -s "$T/left" ] ||
	    lost "$spec" "mq-recv --exec ($how)" "status 0, left: $(flat "$T/left")"
}

@test "fault-queue: mq-recv --exec: each message done, sent to --failed or still queued, under any failing call" {
	requires mqueue-fs
	printf '#!/bin/sh\ncat >> %s\n' "$T/done" > "$T/job"
	printf '#!/bin/sh\nread m\n[ "$m" != 3 ] || exit 1\necho "$m" >> %s\n' \
	    "$T/done" > "$T/job3"
	chmod +x "$T/job" "$T/job3"
	CALLS="write lseek mq_receive mq_send mq_open mq_getattr poll fcntl
	    dup2 pipe2 fork"
	ERRNOS="EIO EINTR EAGAIN ENOMEM" NTHS="1 2 4"
	each_fault exec_case one
	each_fault exec_case jobs
	each_fault exec_case failed
	# Every dup2 failing, the command's process cannot be set up even
	# for sh: 126, the message back on its queue.
	CALLS=dup2 ERRNOS="EMFILE EIO" NTHS="1+"
	each_fault exec_case one
	each_fault exec_case jobs
	verdict
}

@test "fault-queue: mq-recv --exec: a command whose input cannot be made leaves its message queued" {
	requires mqueue-fs
	seq 1 3 | mq-send "$N"
	printf '#!/bin/sh\ncat >> %s\n' "$T/done" > "$T/job"
	chmod +x "$T/job"
	# The message is written to the command's standard input (a memfd)
	# with write(2), then rewound with lseek(2).
	for spec in write:1:EIO lseek:1:ENOSPC; do
		faulted "$spec" mq-recv -c 1 --exec "$T/job" "$N"
		assert_equal "$rc" 125
		run -0 cat "$T/ferr"
		assert_output --regexp "^mq-recv: /$N: message 1: its standard input: .*; put back on /$N\$"
	done
	[ ! -e "$T/done" ] || false
	run -0 mq-recv -d "$N"
	assert_equal "$(sort -n <<< "$output")" "$(seq 1 3)"
	# And when it cannot go back either, the line says it is lost.
	seq 1 3 | mq-send "$N"
	faulted write:1:EIO,mq_send:1:ENOSPC mq-recv -c 1 --exec "$T/job" "$N"
	assert_equal "$rc" 125
	run -0 cat "$T/ferr"
	assert_output "mq-recv: /$N: message 1: its standard input: Input/output error; lost: No space left on device"
	run -0 mq-recv -d "$N"
	assert_output $'2\n3'
}

@test "fault-queue: mq-recv --exec: a --failed queue that cannot be made takes nothing" {
	requires mqueue-fs
	seq 1 3 | mq-send "$N"
	# The second mq_open is the --failed queue's.
	faulted mq_open:2:EACCES mq-recv -d --failed "$N-a" --exec true "$N"
	assert_equal "$rc" 125
	run -0 cat "$T/ferr"
	assert_output "mq-recv: /$N-a: Permission denied"
	run -0 mq-recv -d "$N"
	assert_output "$(seq 1 3)"
	if mq_exists "$N-a"; then false; fi
}

# The stream copy (lib/copy.c) takes one of four ways by what its ends
# are: sendfile(2) from a file, splice(2) where one end is a pipe, splice
# through a pipe of its own between two others, read and write where the
# kernel will not; a failure that says "not here" (EINVAL, ENOSYS) before
# anything moved falls back to the next way.  Each is driven under faults.
# Not fcntl: the copy ignores what F_SETPIPE_SZ says, and in a gcov build
# (make coverage) the counters' lock is an fcntl(2) of the tool's, whose
# failure lets a sock-send and a sock-listen that end together garble them.
COPYCALLS="splice sendfile read write pipe2 poll fstat"
COPYERRNOS="EINVAL ENOSYS EIO EINTR EAGAIN EPIPE ECONNRESET"

# sock-send, faulted, to an echo server (sock-listen --exec cat): its
# input from a file or a pipe, its reply into a file, a file
# opened to append (no splice into those), or a pipe.
send_case() {
	local how=$1 spec=$2 ready=$T/ready
	rm -f "$ready" "$T/s" "$T/out"
	mkfifo "$ready"
	sock-listen -c 1 -t 10 --port-file "$ready" --exec cat \
	    "unix:$T/s" > /dev/null 2> "$T/lerr" 3>&- &
	pid=$!
	read -t 10 -r port <> "$ready" || { lost "$spec" sock-send "no listener"; return 0; }
	case $how in
	file) faulted "$spec" sock-send -t 10 "unix:$T/s" < "$T/in" > "$T/out" ;;
	append) : > "$T/out"
	    faulted "$spec" sock-send -t 10 "unix:$T/s" < "$T/in" >> "$T/out" ;;
	pipe) faulted_pipe "$spec" "cat > $T/out" sock-send -t 10 \
	    "unix:$T/s" < <(cat "$T/in") ;;
	esac
	contract "$spec" sock-send "1 2"
	# One that failed may have left the listener waiting: end it.
	[ "$rc" -eq 0 ] || sock-send -t 5 "unix:$T/s" < /dev/null > /dev/null 2>&1 || true
	reap "$pid"
	pid=
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$spec" "sock-send ($how)" "status 0, the reply: $(head -c 60 "$T/out" | tr '\n' ' ')"
}

@test "fault-queue: sock-send's copies, each way, fall back where the kernel will not and fail in one line elsewhere" {
	requires python3
	local spec
	# More than one read, one splice of a pipe and one pipe's worth.
	seq 1 300000 > "$T/in"
	CALLS=$COPYCALLS ERRNOS=$COPYERRNOS NTHS="1 2"
	each_fault send_case file
	each_fault send_case append
	each_fault send_case pipe
	# After a fall back, the read and write way failing in its turn: the
	# input a file that sendfile(2) refuses, or the reply's own pipe not
	# made (the first pipe2 is sock-send's own, the second the copy's).
	for spec in sendfile:1:EINVAL,read:1:EIO sendfile:1:ENOSYS,read:1:EINTR \
	    sendfile:1:EINVAL,write:1:EIO sendfile:1:EINVAL,write:1:EPIPE \
	    pipe2:2:EMFILE,read:1:EIO pipe2:2:EMFILE,read:2:ECONNRESET \
	    pipe2:2:EMFILE,write:1:ENOSPC pipe2:2:EMFILE,write:2:EIO; do
		send_case file "$spec"
		send_case append "$spec"
	done
	verdict
}

# sock-listen, faulted, writing what a sock-send sends into a file opened
# to append (splice refuses those: the pipe of its own is drained by
# hand, then read and write) or into a pipe (splice straight).
listen_case() {
	local how=$1 spec=$2 ready=$T/ready fd i
	rm -f "$ready" "$T/s" "$T/rc"
	mkfifo "$ready"
	: > "$T/out"
	case $how in
	append) IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM "$DYN/sock-listen" -c 1 \
	    -t 10 --port-file "$ready" "unix:$T/s" >> "$T/out" 2> "$T/ferr" 3>&- &
	    ;;
	pipe) { IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM "$DYN/sock-listen" \
	    -c 1 -t 10 --port-file "$ready" "unix:$T/s" 2> "$T/ferr" ||
	    echo $? > "$T/rc"; } 3>&- | cat > "$T/out" &
	    ;;
	esac
	pid=$!
	# Listening, or gone before it: a tool that failed never writes the
	# port file.
	exec {fd}<> "$ready"
	for i in $(seq 200); do
		if read -t 0.05 -r -u "$fd" port; then
			sock-send "unix:$T/s" < "$T/in" > /dev/null 2>&1 || true
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
	done
	exec {fd}<&-
	reap "$pid"
	pid=
	rc=$status
	[ "$how" != pipe ] || rc=$(cat "$T/rc" 2>/dev/null || echo 0)
	runs=$((runs + 1))
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
	contract "$spec" sock-listen "1 2"
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$spec" "sock-listen ($how)" "status 0, wrote: $(head -c 60 "$T/out" | tr '\n' ' ')"
}

@test "fault-queue: sock-listen's copies into a file to append to and into a pipe: whole with status 0, one line otherwise" {
	seq 1 300000 > "$T/in"
	CALLS=$COPYCALLS ERRNOS=$COPYERRNOS NTHS="1 2 3"
	each_fault listen_case append
	each_fault listen_case pipe
	verdict
}

# The messages of an amqp:// queue, until it stays empty a while: what a
# connection that failed held unacknowledged is given back by the broker
# as the connection closes, not at once.
amqp_left() {
	mq-recv -d "$Q" 2>/dev/null || true
}

# amqp_left, and when what was WANTED is not all there yet, what comes
# within a second more.
amqp_left_all() {
	local want=$1
	shift
	amqp_left > "$T/left"
	[ "$(cat "$@" "$T/left" 2>/dev/null | sort -nu)" = "$want" ] ||
	    mq-recv -f -t 1 "$Q" >> "$T/left" 2>/dev/null || true
}

AMQPCALLS="socket connect poll send recv read write fcntl setsockopt"
AMQPERRNOS="EIO EINTR EAGAIN"

amqp_send_case() {
	local spec=$1 got k
	ipc-rm -f "$Q" 2>/dev/null || true
	faulted "$spec" mq-send "$Q" < "$T/in"
	contract "$spec" mq-send "1 2"
	if [ "$rc" -eq 0 ]; then
		amqp_left_all "$(seq 1 5)"
	else
		amqp_left > "$T/left"
	fi
	got=$(cat "$T/left")
	if [ "$rc" -eq 0 ]; then
		[ "$got" = "$(cat "$T/in")" ] ||
		    lost "$spec" "mq-send (amqp)" "status 0, the queue holds: $(echo $got)"
		return 0
	fi
	# None twice, none but those sent, and every one it says confirmed.
	[ "$(sort -nu <<< "$got")" = "$(sort -n <<< "$got")" ] ||
	    lost "$spec" "mq-send (amqp)" "twice in the queue: $(echo $got)"
	k=$(sed -n 's/.*; \([0-9]*\) messages\{0,1\} confirmed.*/\1/p' "$T/ferr")
	[ -z "$k" ] || [ "$k" -eq 0 ] ||
	    [ "$(sort -n <<< "$got" | head -n "$k")" = "$(seq 1 "$k")" ] ||
	    lost "$spec" "mq-send (amqp)" "$k confirmed, the queue holds: $(echo $got)"
}

@test "fault-queue: amqp mq-send: every message confirmed or said not, none twice, under failing socket calls" {
	requires_broker
	Q="$AMQP_URL/$N"
	seq 1 5 > "$T/in"
	CALLS=$AMQPCALLS ERRNOS=$AMQPERRNOS NTHS="1 3 8 13"
	each_fault amqp_send_case
	verdict
}

amqp_recv_case() {
	local how=$1 spec=$2 again=
	ipc-rm -f "$Q" 2>/dev/null || true
	seq 1 5 | mq-send "$Q"
	rm -f "$T/out" "$T/done"
	case $how in
	count) faulted "$spec" mq-recv -c 5 "$Q" > "$T/out" ;;
	drain) faulted_pipe "$spec" "cat > $T/out" mq-recv -d "$Q" ;;
	exec) faulted "$spec" mq-recv -d -j 2 --exec "$T/job" "$Q" ;;
	esac
	# The pool waits for its commands; an acknowledgement lost to a
	# broker that went makes a message done come again: each says so.
	grep -v -e '^mq-recv: [^ ]*: waiting for the [0-9]* commands\{0,1\} still running$' \
	    -e '^mq-recv: [^ ]*: .*: a message done may come again$' \
	    "$T/ferr" > "$T/ferr2" || true
	cmp -s "$T/ferr" "$T/ferr2" || again=1
	mv "$T/ferr2" "$T/ferr"
	contract "$spec" mq-recv "1 2 125"
	amqp_left_all "$(seq 1 5)" "$T/out" "$T/done"
	# Written, or back on the queue; one may come twice (mq-recv(1)).
	[ "$(cat "$T/out" "$T/done" "$T/left" 2>/dev/null | sort -nu)" = "$(seq 1 5)" ] ||
	    lost "$spec" "mq-recv (amqp $how)" "status $rc, wrote $(flat "$T/out" "$T/done"), left: $(flat "$T/left")"
	# Status 0: nothing left, but what it said may come again.
	[ "$rc" -ne 0 ] || [ ! -s "$T/left" ] ||
	    { [ -n "$again" ] && [ -z "$(sort "$T/left" | comm -23 - <(cat "$T/out" "$T/done" 2>/dev/null | sort))" ]; } ||
	    lost "$spec" "mq-recv (amqp $how)" "status 0, left: $(flat "$T/left")"
}

@test "fault-queue: amqp mq-recv -c, -d into a pipe, --exec: every message written or back on the queue, under failing socket calls" {
	requires_broker
	Q="$AMQP_URL/$N"
	printf '#!/bin/sh\ncat >> %s\n' "$T/done" > "$T/job"
	chmod +x "$T/job"
	CALLS=$AMQPCALLS ERRNOS=$AMQPERRNOS NTHS="1 3 8 13"
	each_fault amqp_recv_case count
	each_fault amqp_recv_case drain
	each_fault amqp_recv_case exec
	verdict
}

@test "fault-queue: mq-send: a queue that cannot be made names the limit in one line" {
	local q
	# bash's ulimit -q is in bytes, as getrlimit(2)'s.
	q=$(ulimit -q)
	[ "$q" != unlimited ] || q=18446744073709551615
	faulted mq_open:1:ENOSPC mq-send "$N" x
	assert_equal "$rc $(cat "$T/ferr")" "2 mq-send: /$N: too many queues on this system (/proc/sys/fs/mqueue/queues_max)"
	faulted mq_open:1:EINVAL mq-send "$N" x
	assert_equal "$rc $(cat "$T/ferr")" "2 mq-send: /$N: queue size is over the system's limits (/proc/sys/fs/mqueue/msg_max, msgsize_max)"
	faulted mq_open:1:EMFILE mq-send "$N" x
	assert_equal "$rc $(cat "$T/ferr")" "2 mq-send: /$N: this user's queue memory is used up (RLIMIT_MSGQUEUE, ulimit -q: $q bytes): remove queues with ipc-rm, make a smaller one with --max-messages and --message-size, or raise ulimit -q"
	# Out of descriptors indeed (its first open(2), of /dev/null, says
	# so; not every one, which would fail a gcov build's own at exit):
	# then that is what it says.
	faulted mq_open:1:EMFILE,open:1:EMFILE mq-send "$N" x
	assert_equal "$rc $(cat "$T/ferr")" "2 mq-send: /$N: Too many open files"
	# Not made, only opened (-e): the error as it is.
	faulted mq_open:1:EINVAL mq-send -e "$N" x
	assert_equal "$rc $(cat "$T/ferr")" "2 mq-send: /$N: Invalid argument"
	if mq_exists "$N"; then false; fi
}

@test "fault-queue: mq-recv: when a reader goes and the queue refuses what comes back, the message counts what was lost" {
	requires mqueue-fs
	local i said back lostn reader
	# The reader reads once mq-recv took all five, and goes.
	reader="until [ \"\$(peer-mq attr /$N | cut -d ' ' -f 3)\" = 0 ]; do
	    sleep 0.01; done; head -c 2 > $T/out"
	for i in 1 2 3 4 5; do
		mq_cleanup
		seq 1 5 | mq-send "$N"
		# The Nth send is the Nth message put back.
		faulted_pipe "mq_send:$i:EIO" "$reader" mq-recv -d "$N"
		assert_equal "$rc" 2
		run -0 cat "$T/ferr"
		assert_output --regexp "^mq-recv: stdout: [0-9]+ messages? put back on /$N(, [0-9]+ lost)?: Broken pipe\$"
		said=$output
		back=$(sed -n 's/.*: \([0-9]*\) messages\{0,1\} put back.*/\1/p' <<< "$said")
		lostn=$(sed -n 's/.*, \([0-9]*\) lost:.*/\1/p' <<< "$said")
		mq-recv -d "$N" > "$T/left"
		# Read, still queued (never taken or put back), or said lost.
		assert_equal "$(cat "$T/out")" 1
		assert_equal "$(( $(wc -l < "$T/left") + ${lostn:-0} ))" 4
		[ "$(wc -l < "$T/left")" -ge "${back:-0}" ] || false
	done
}

# A management API that answers one request as MODE says: 500, a list
# ([]), a body that is not JSON, or one of 64 MiB and more.  Its port in
# $T/api.
fake_api() {
	rm -f "$T/api"
	python3 - "$1" "$T/api" <<'PY' &
import http.server, os, socketserver, sys
mode, portfile = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if mode == "500":
            body = b'{"error":"internal"}'
            self.send_response(500)
        elif mode == "array":
            body = b"[]"
            self.send_response(200)
        elif mode == "notjson":
            body = b"<html>a proxy's page</html>"
            self.send_response(200)
        else:
            body = b"[" + b" " * (64 << 20) + b"]"
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
    def log_message(self, *a):
        pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % s.server_address[1])
os.rename(portfile + ".tmp", portfile)
s.handle_request()
PY
	pid=$!
	wait_until test -s "$T/api"
}

@test "fault-queue: ipc-ls of a broker whose management API answers 500, not JSON, over 64 MiB or a list for an exchange: exit 2, one line" {
	requires python3
	local x="amqp://127.0.0.1:1/?exchange=$N" port
	if ipc-ls "$x" 2>&1 | grep -q 'built without'; then
		skip "this ipcutils was built without amqp"
	fi
	fake_api 500
	port=$(cat "$T/api")
	IPCUTILS_AMQP_HTTP=http://127.0.0.1:$port run -2 --separate-stderr ipc-ls "$x"
	assert_equal "$stderr" "ipc-ls: $x: the management API at 127.0.0.1:$port: HTTP status 500"
	assert_equal "$output" ""
	reap "$pid"
	fake_api notjson
	port=$(cat "$T/api")
	IPCUTILS_AMQP_HTTP=http://127.0.0.1:$port run -2 --separate-stderr ipc-ls "$x"
	assert_equal "$stderr" "ipc-ls: $x: the management API at 127.0.0.1:$port: not JSON: '[' or '{' expected near '<'"
	reap "$pid"
	fake_api huge
	port=$(cat "$T/api")
	IPCUTILS_AMQP_HTTP=http://127.0.0.1:$port run -2 --separate-stderr ipc-ls "$x"
	assert_equal "$stderr" "ipc-ls: $x: the management API at 127.0.0.1:$port: an answer over 64 MiB"
	reap "$pid"
	# Credentials that cannot be had: before any request.
	run -2 --separate-stderr env -u IPCUTILS_AMQP_USER \
	    -u IPCUTILS_AMQP_PASSWORD IPCUTILS_AMQP_CREDENTIALS="$T/none" \
	    ipc-ls "$x"
	assert_equal "$stderr" "ipc-ls: $x: credentials $T/none: No such file or directory"
	# A list where one exchange was asked for is not one without a name.
	fake_api array
	port=$(cat "$T/api")
	IPCUTILS_AMQP_HTTP=http://127.0.0.1:$port run -2 --separate-stderr ipc-ls "$x"
	assert_equal "$stderr" "ipc-ls: $x: the management API at 127.0.0.1:$port: the answer is not an exchange"
	assert_equal "$output" ""
	reap "$pid"
	pid=
}

@test "fault-queue: mq-recv: a put back that the queue defers (EAGAIN) or a call cut short (EINTR) is tried again: none lost" {
	requires mqueue-fs
	local spec reader
	reader="until [ \"\$(peer-mq attr /$N | cut -d ' ' -f 3)\" = 0 ]; do
	    sleep 0.01; done; head -c 2 > $T/out"
	for spec in mq_send:1:EAGAIN mq_send:2:EAGAIN mq_send:1:EINTR mq_send:3:EINTR; do
		mq_cleanup
		seq 1 5 | mq-send "$N"
		faulted_pipe "$spec" "$reader" mq-recv -d "$N"
		assert_equal "$spec $rc" "$spec 2"
		run -0 cat "$T/ferr"
		assert_output --regexp "^mq-recv: stdout: ([0-9]+ messages? put back on /$N: )?Broken pipe\$"
		mq-recv -d "$N" > "$T/left"
		assert_equal "$spec $(cat "$T/out") $(sort -n "$T/left" | tr '\n' ' ')" "$spec 1 2 3 4 5 "
	done
}
