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
