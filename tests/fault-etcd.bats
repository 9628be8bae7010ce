#!/usr/bin/env bats
# fault-etcd: sem-post, sem-wait, shm-put and shm-get on an etcd:// name
# with the Nth socket, connect, poll, send or recv failing (tests/fault.c,
# LD_PRELOAD on the tools of tests/dyn/), against a private etcd: status
# 0 and silent, or the documented status and one line; and etcd holds
# what the status says: a post made once or not at all, a unit taken for
# a command given back, an object old or new.

setup_file() {
	load etcd
	etcd_start
}

teardown_file() {
	load etcd
	etcd_stop
}

setup() {
	load test_helper
	load etcd
	load fault
	requires etcd
	requires_etcd
	fault_setup
	S="$ETCD_URL/$N"
}

teardown() {
	[ -z "${ETCD_PORT:-}" ] || [ -n "${ETCD_SKIP:-}" ] || {
		etcd_ctl del --prefix "/ipcutils/shm/$N" >/dev/null 2>&1
		etcd_ctl del --prefix "/ipcutils/time/shm/$N" >/dev/null 2>&1
		etcd_ctl del --prefix "/ipcutils/sem/$N" >/dev/null 2>&1
	} || true
}

CALLS="socket connect poll send recv"
ERRNOS="ECONNRESET EIO EINTR EAGAIN ETIMEDOUT"
NTHS="1 2 3 5"

# The semaphore's value, as ipc-ls shows it.
value() {
	ipc-ls -n "$S" | awk '$1 == "sem" { print $4 }'
}

post_case() {
	local spec=$1 before after
	before=$(value)
	faulted "$spec" sem-post "$S"
	contract "$spec" sem-post 2
	after=$(value)
	if [ "$rc" -eq 0 ] && [ "$after" -ne $((before + 1)) ]; then
		lost "$spec" sem-post "status 0, value $before then $after"
	elif [ "$rc" -ne 0 ] && [ "$after" -ne "$before" ]; then
		lost "$spec" sem-post "status $rc, value $before then $after: $(cat "$T/ferr")"
	fi
}

@test "fault-etcd: sem-post: posted once with status 0, not at all with status 2" {
	sem-post "$S"
	each_fault post_case
	verdict
}

wait_case() {
	local spec=$1 i
	rm -f "$T/ran"
	faulted "$spec" sem-wait --ttl 2s "$S" -- touch "$T/ran"
	contract "$spec" sem-wait "2 125"
	if [ "$rc" -eq 0 ] && [ ! -e "$T/ran" ]; then
		lost "$spec" sem-wait "status 0, the command did not run"
	fi
	# The unit comes back: at once, or when the lease runs out.
	for i in $(seq 1 40); do
		[ "$(value)" != 1 ] || return 0
		sleep 0.1
	done
	lost "$spec" sem-wait "status $rc, value $(value) 4 s later, not 1"
}

@test "fault-etcd: sem-wait -- command: one line, 2 or 125 if not the command's status, and the unit back" {
	sem-post "$S"
	ERRNOS="ECONNRESET EINTR ETIMEDOUT" NTHS="1 3 6" each_fault wait_case
	verdict
}

put_case() {
	local spec=$1 got
	etcd_ctl put "/ipcutils/shm/$N" old >/dev/null
	printf new > "$T/new"
	faulted "$spec" shm-put "$S" < "$T/new"
	contract "$spec" shm-put 2
	got=$(etcd_ctl get --print-value-only "/ipcutils/shm/$N")
	if [ "$rc" -eq 0 ] && [ "$got" != new ]; then
		lost "$spec" shm-put "status 0, the object is '$got'"
	elif [ "$rc" -ne 0 ] && [ "$got" != old ] && [ "$got" != new ]; then
		lost "$spec" shm-put "status $rc, the object is '$got'"
	fi
}

@test "fault-etcd: shm-put: the object new with status 0, old or new otherwise" {
	each_fault put_case
	verdict
}

get_case() {
	local spec=$1
	faulted "$spec" shm-get "$S" > "$T/out"
	contract "$spec" shm-get 2
	if [ "$rc" -eq 0 ] && [ "$(cat "$T/out")" != "the value" ]; then
		lost "$spec" shm-get "status 0, got '$(head -c 100 "$T/out")'"
	fi
}

@test "fault-etcd: shm-get: the whole object with status 0, one line otherwise" {
	printf 'the value' | shm-put "$S"
	each_fault get_case
	verdict
}

take_case() {
	local spec=$1 before after
	sem-post "$S"
	before=$(value)
	faulted "$spec" sem-wait -t 15s "$S"
	after=$(value)
	contract "$spec" sem-wait 2
	if [ "$rc" -eq 0 ] && [ "$after" -ne $((before - 1)) ]; then
		lost "$spec" sem-wait "status 0, value $before then $after"
	elif [ "$rc" -ne 0 ] && [ "$after" -ne "$before" ]; then
		lost "$spec" sem-wait "status $rc, value $before then $after: $(cat "$T/ferr")"
	fi
}

@test "fault-etcd: sem-wait without a command: one unit taken with status 0, none otherwise" {
	ERRNOS="ECONNRESET ETIMEDOUT" NTHS="1 2 3 4 5 6" each_fault take_case
	verdict
}
