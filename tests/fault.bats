#!/usr/bin/env bats
# fault: each tool's main path with its Nth write, read, mq_send, mq_receive,
# splice, sendfile, fsync or open failing (tests/fault.c, LD_PRELOAD).

setup() {
	load test_helper
	load fault
	fault_setup
}

teardown() {
	sock_cleanup
	ipc_cleanup
}

# What the tests below fail, and at which calls.
CALLS="write read mq_send mq_receive splice sendfile fsync open"
ERRNOS="EIO ENOSPC EINTR EAGAIN EFBIG ENOMEM"
NTHS="1 3"

@test "fault: the shim fails the Nth call, and only the tool's own" {
	printf 'x' | shm-put "$N"
	IPCUTILS_FAULT=read:1:EIO LD_PRELOAD=$SHIM run -2 --separate-stderr \
	    "$DYN/shm-put" "$N" < /dev/null
	assert_equal "$stderr" "shm-put: stdin: Input/output error"
	# Not passed on to what the tool runs: gone from the environment.
	IPCUTILS_FAULT=fsync:9:EIO LD_PRELOAD=$SHIM run -0 sh -c \
	    'echo "${IPCUTILS_FAULT:-none} ${LD_PRELOAD:-none}"'
	assert_output "none none"
}

mq_send_case() {
	local got
	mq_cleanup
	seq 1 5 > "$T/in"
	faulted "$1" mq-send "$N" < "$T/in"
	contract "$1" mq-send "1 2"
	got=$(mq-recv -d "$N" 2>/dev/null || true)
	if [ "$rc" -eq 0 ]; then
		[ "$got" = "$(cat "$T/in")" ] || lost "$1" mq-send "status 0, the queue holds: $got"
	else
		# What went is what came first, once each.
		case $'1\n2\n3\n4\n5\n' in
		"$got"*) ;;
		*) lost "$1" mq-send "the queue holds: $got" ;;
		esac
	fi
}

@test "fault: mq-send: every message sent or said not sent, one line" {
	requires mqueue-fs
	each_fault mq_send_case
	verdict
}

mq_recv_case() {
	local got left
	# -d ends at EAGAIN from a queue opened O_NONBLOCK: the queue is
	# empty as far as it can tell, so status 0 with what is left is right.
	case $1 in mq_receive:*:EAGAIN) return 0 ;; esac
	mq_cleanup
	seq 1 5 | mq-send "$N"
	faulted "$1" mq-recv -d "$N" > "$T/out"
	contract "$1" mq-recv "1 2"
	left=$(mq-recv -d "$N" 2>/dev/null || true)
	got=$( (cat "$T/out"; [ -z "$left" ] || echo "$left") | sort -n)
	[ "$got" = "$(seq 1 5)" ] ||
	    lost "$1" mq-recv "delivered $(tr '\n' ' ' < "$T/out"), left: $left"
	[ "$rc" -ne 0 ] || [ -z "$left" ] || lost "$1" mq-recv "status 0, left: $left"
}

@test "fault: mq-recv -d: every message delivered or left on the queue" {
	requires mqueue-fs
	each_fault mq_recv_case
	verdict
}

shm_put_case() {
	local got
	printf 'the old contents' | shm-put "$N"
	printf 'new' > "$T/in"
	faulted "$1" shm-put "$N" < "$T/in"
	contract "$1" shm-put "1 2"
	got=$(shm-get "$N" 2>&1) || true
	if [ "$rc" -eq 0 ]; then
		[ "$got" = new ] || lost "$1" shm-put "status 0, holds: $got"
	else
		[ "$got" = "the old contents" ] || lost "$1" shm-put "status $rc, holds: $got"
	fi
}

@test "fault: shm-put: the object old or new, never between" {
	each_fault shm_put_case
	verdict
}

shm_get_case() {
	faulted "$1" shm-get "$N" > "$T/out"
	contract "$1" shm-get "1 2"
	[ "$rc" -ne 0 ] || [ "$(cat "$T/out")" = "the contents" ] ||
	    lost "$1" shm-get "status 0, wrote: $(cat "$T/out")"
	[ "$(shm-get "$N")" = "the contents" ] || lost "$1" shm-get "the object changed"
}

@test "fault: shm-get: all of it with status 0, the object untouched" {
	printf 'the contents' | shm-put "$N"
	each_fault shm_get_case
	verdict
}

sem_post_case() {
	local v
	peer-sem unlink "/$N"
	peer-sem create "/$N" 0
	faulted "$1" sem-post "$N"
	contract "$1" sem-post "1 2"
	v=$(sem_value "$N")
	[ "$v" = $((rc == 0 ? 1 : 0)) ] || lost "$1" sem-post "status $rc, value $v"
}

@test "fault: sem-post: posted with status 0, not posted otherwise" {
	each_fault sem_post_case
	verdict
}

sem_wait_case() {
	local v
	peer-sem unlink "/$N"
	peer-sem create "/$N" 1
	faulted "$1" sem-wait -n "$N"
	contract "$1" sem-wait "1 2"
	v=$(sem_value "$N")
	[ "$v" = $((rc == 0 ? 0 : 1)) ] || lost "$1" sem-wait "status $rc, value $v"
}

@test "fault: sem-wait: taken with status 0, not taken otherwise" {
	each_fault sem_wait_case
	verdict
}

ipc_rm_case() {
	printf 'x' | shm-put "$N"
	faulted "$1" ipc-rm "$N"
	contract "$1" ipc-rm "1 2"
	if shm_exists "$N"; then
		[ "$rc" -ne 0 ] || lost "$1" ipc-rm "status 0, the object is there"
	else
		[ "$rc" -eq 0 ] || lost "$1" ipc-rm "status $rc, the object is gone"
	fi
}

@test "fault: ipc-rm: removed with status 0, there otherwise" {
	# What ipc-rm calls: finding the object, and its removal.
	CALLS="stat shm_open shm_unlink fstat" \
	    ERRNOS="EIO EACCES EINTR ENOMEM" \
	    each_fault ipc_rm_case
	verdict
}

ipc_ls_case() {
	faulted "$1" ipc-ls "$N" > "$T/out"
	contract "$1" ipc-ls "1 2"
	[ "$rc" -ne 0 ] || grep -q "$N" "$T/out" ||
	    lost "$1" ipc-ls "status 0 without the object"
}

@test "fault: ipc-ls: lists with status 0, one line otherwise" {
	printf 'x' | shm-put "$N"
	# What ipc-ls calls: the object's file and its directory.
	CALLS="stat opendir shm_open fstat mmap" \
	    ERRNOS="EIO EACCES ENOSPC ENOMEM" \
	    each_fault ipc_ls_case
	verdict
}

sock_send_case() {
	sock_listen_bg -c 1 -t 10 "unix:$T/s"
	faulted "$1" sock-send "unix:$T/s" < "$T/in"
	contract "$1" sock-send "1 2"
	# A sender that failed may have connected or not: end the listener.
	[ "$rc" -eq 0 ] || sock-send "unix:$T/s" < /dev/null 2>/dev/null || true
	reap "$pid"
	pid=
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$1" sock-send "status 0, delivered: $(head -c 100 "$T/out")"
	rm -f "$T/s"
}

@test "fault: sock-send: delivered whole with status 0" {
	seq 1 100 > "$T/in"
	each_fault sock_send_case
	verdict
}

sock_listen_case() {
	local ready=$T/ready
	rm -f "$ready" "$T/s"
	mkfifo "$ready"
	IPCUTILS_FAULT=$1 LD_PRELOAD=$SHIM \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	    "$DYN/sock-listen" -c 1 -t 10 --port-file "$ready" "unix:$T/s" \
	    > "$T/out" 2> "$T/ferr" 3>&- &
	pid=$!
	runs=$((runs + 1))
	if ! read -t 10 -r port <> "$ready"; then
		reap "$pid"
		rc=$status
		pid=
		[ "$rc" -eq 0 ] || failures=$((failures + 1))
		contract "$1" sock-listen "1 2"
		[ "$rc" -ne 0 ] || lost "$1" sock-listen "status 0, never listened"
		return 0
	fi
	sock-send "unix:$T/s" < "$T/in" 2>/dev/null || true
	reap "$pid"
	rc=$status
	pid=
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
	contract "$1" sock-listen "1 2"
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$1" sock-listen "status 0, wrote: $(head -c 100 "$T/out")"
}

@test "fault: sock-listen: written out whole with status 0" {
	seq 1 100 > "$T/in"
	each_fault sock_listen_case
	verdict
}
