#!/usr/bin/env bats
# local-odd: the local objects (semaphores, shared memory, queues, System V)
# in the states other programs leave them in, another user's, in a full
# /dev/shm or a private IPC namespace, and the calls of their code failing
# (tests/fault.c): what the user sees is one line, the documented status,
# and the object as it was.

setup() {
	load test_helper
	load fault
	T=$BATS_TEST_TMPDIR
}

teardown() {
	kill_bg "${bg:-}"
	ipc_cleanup
	sem_cleanup
	shm_cleanup
}

# --- ipc-ls and ipc-rm: names ------------------------------------------

@test "local-odd: ipc-ls and ipc-rm refuse a backend's name after a plain one, as before one" {
	peer-obj shm "/$N" 1 600
	for tool in ipc-ls ipc-rm; do
		run -2 --separate-stderr "$tool" "$N" etcd://127.0.0.1:1/x
		assert_output ""
		assert_equal "$stderr" "$tool: etcd://127.0.0.1:1/x: cannot take names with a scheme and others at once"
		run -2 --separate-stderr "$tool" etcd://127.0.0.1:1/x "$N"
		assert_output ""
		assert_equal "$stderr" "$tool: $N: cannot take names with a scheme and others at once"
	done
	# Nothing was removed.
	shm_exists "$N"
}

# --- semaphores ----------------------------------------------------------

@test "local-odd: a semaphore's file too short for one is refused by name, and left as it was" {
	printf 'abc' > "/dev/shm/sem.$N"
	want="not a semaphore: its file /dev/shm/sem.$N holds 3 bytes, fewer than a sem_t's 32"
	run -2 --separate-stderr sem-post "$N"
	assert_output ""
	assert_equal "$stderr" "sem-post: /$N: $want"
	run -2 --separate-stderr sem-wait -t 0 "$N"
	assert_equal "$stderr" "sem-wait: /$N: $want"
	# A lock: the tool's own failure, and the command never runs.
	run -125 --separate-stderr sem-wait "$N" -- touch "$T/ran"
	assert_equal "$stderr" "sem-wait: /$N: $want"
	[ ! -e "$T/ran" ]
	run -0 cat "/dev/shm/sem.$N"
	assert_output "abc"
}
