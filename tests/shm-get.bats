#!/usr/bin/env bats
# shm-get: ranges, waiting for a change, locks, and reads that never mix two puts.

setup() {
	load test_helper
}

teardown() {
	kill_bg "${pid:-}" "${wpid:-}"
	shm_cleanup
}

# Wait (5 s at most) until process $1 holds an inotify watch: shm-get -w
# is then watching, and a put from now on is one it must see.
watching() {
	local i f
	for i in $(seq 250); do
		for f in /proc/"$1"/fdinfo/*; do
			grep -q '^inotify wd:' "$f" 2>/dev/null && return 0
		done
		sleep 0.02
	done
	return 1
}

@test "shm-get: writes the object's contents" {
	printf 'some\nlines\n' | shm-put "$N"
	run -0 shm-get "$N"
	assert_output $'some\nlines'
	run -0 shm-get "/$N"
	assert_output $'some\nlines'
}

@test "shm-get: a missing object is an error, and shm-get creates nothing" {
	run -2 --separate-stderr shm-get "$N"
	assert_equal "$stderr" "shm-get: /$N: No such file or directory"
	assert_output ""
	run -1 shm_exists "$N"
}

@test "shm-get: an int that a C program wrote with shm_open reads back through od" {
	peer-shm int "/$N" 42
	run -0 sh -c 'shm-get "$1" | od -An -td4' sh "$N"
	assert_output --regexp '^ +42$'
	# And one that shm-put wrote, as printf writes binary.
	printf '\x07\x00\x00\x00' | shm-put "$N-a"
	run -0 sh -c 'shm-get "$1" | od -An -td4' sh "$N-a"
	assert_output --regexp '^ +7$'
}

@test "shm-get: reads what Python's multiprocessing.shared_memory wrote, and shm-put writes into it" {
	requires python3
	run -0 python3 - "$N" <<'PY'
import sys
from multiprocessing import resource_tracker, shared_memory
m = shared_memory.SharedMemory(sys.argv[1], create=True, size=11)
# The resource tracker would remove the object when Python exits.
resource_tracker.unregister(m._name, "shared_memory")
m.buf[:11] = b"from python"
m.close()
PY
	run -0 shm-get "$N"
	assert_output "from python"
	printf 'PY' | shm-put -o 5 "$N"
	run -0 python3 - "$N" <<'PY'
import sys
from multiprocessing import resource_tracker, shared_memory
m = shared_memory.SharedMemory(sys.argv[1])
resource_tracker.unregister(m._name, "shared_memory")
print(bytes(m.buf[:11]).decode())
m.close()
PY
	assert_output "from PYthon"
}

@test "shm-get: binary data round-trips byte for byte" {
	head -c 2000000 /dev/urandom > "$BATS_TEST_TMPDIR/in"
	shm-put "$N" < "$BATS_TEST_TMPDIR/in"
	shm-get "$N" | cmp "$BATS_TEST_TMPDIR/in" -
	shm-get "$N" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	# A range of it, across the copy's 128 KiB pieces.
	shm-get -o 100000 -l 1m "$N" | cmp - <(tail -c +100001 "$BATS_TEST_TMPDIR/in" | head -c 1048576)
}

@test "shm-get: -o and -l, at and past the end" {
	printf '0123456789' | shm-put "$N"
	run -0 shm-get -o 3 "$N"
	assert_output "3456789"
	run -0 shm-get -o 3 -l 4 "$N"
	assert_output "3456"
	run -0 shm-get -l 10 "$N"
	assert_output "0123456789"
	run -0 shm-get -o 9 -l 100 "$N"
	assert_output "9"
	run -0 shm-get -o 10 "$N"
	assert_output ""
	run -0 shm-get -o 1k -l 1 "$N"
	assert_output ""
	run -0 shm-get -l 0 "$N"
	assert_output ""
	run -0 shm-get -o 5 -l 9223372036854775807 "$N"
	assert_output "56789"
	shm-put "$N-a" < /dev/null
	run -0 shm-get "$N-a"
	assert_output ""
}

@test "shm-get: -w returns after the next put, with what it put" {
	printf 'v1' | shm-put "$N"
	shm-get -w -t 10 "$N" > "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	watching "$pid"
	printf 'v2' | shm-put "$N"
	wait "$pid"
	pid=
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "v2"
}

@test "shm-get: -w counts a put that changes no byte, and a write in place" {
	printf 'same' | shm-put "$N"
	shm-get -w -t 10 "$N" > "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	watching "$pid"
	printf 'same' | shm-put "$N"
	wait "$pid"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "same"
	shm-get -w -t 10 "$N" > "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	watching "$pid"
	printf 'o' | shm-put -o 2 "$N"
	wait "$pid"
	pid=
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "saoe"
}

@test "shm-get: -w sees an object that is removed and made again, and writes the new one" {
	printf 'v1' | shm-put "$N"
	shm-get -w -t 10 "$N" > "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	watching "$pid"
	peer-shm unlink "/$N"
	printf 'v2' | shm-put "$N"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "v2"
}

@test "shm-get: -w -t gives up with 1 and prints nothing when nothing changed" {
	printf 'v1' | shm-put "$N"
	start=$(date +%s%N)
	run -1 --separate-stderr shm-get -w -t 300ms "$N"
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	assert_output ""
	assert_equal "$stderr" ""
	[ "$elapsed" -ge 290 ] && [ "$elapsed" -lt 1500 ]
}

@test "shm-get: -w ends cleanly on SIGTERM" {
	shm-put "$N" < /dev/null
	shm-get -w "$N" > "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	watching "$pid"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=
	assert_equal "$rc" 143
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" ""
}

@test "shm-get: waits for a writer's LOCK_EX; -t gives up with 1" {
	requires flock
	printf 'v1' | shm-put "$N"
	coproc LOCK { exec peer-shm lock "/$N" 3>&-; }
	wpid=$LOCK_PID
	read -t 5 -r line <&"${LOCK[0]}"
	assert_equal "$line" "locked"
	run -1 --separate-stderr shm-get -t 200ms "$N"
	assert_output ""
	assert_equal "$stderr" ""
	# flock(1) on /dev/shm takes the same lock: the one a C program joins in.
	run -1 flock -n -s "/dev/shm/$N" true
	shm-get "$N" > "$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	sleep 0.2
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	exec {LOCK[1]}>&-
	wait "$pid"
	pid=
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output "v1"
}

@test "shm-get: a reader never sees part of one put and part of another" {
	head -c 1M /dev/zero | tr '\0' a > "$BATS_TEST_TMPDIR/a"
	head -c 1M /dev/zero | tr '\0' b > "$BATS_TEST_TMPDIR/b"
	shm-put "$N" < "$BATS_TEST_TMPDIR/a"
	# The writer alternates, from a file and through a pipe.
	(
		end=$((SECONDS + 4))
		while [ "$SECONDS" -lt "$end" ]; do
			shm-put "$N" < "$BATS_TEST_TMPDIR/b"
			cat "$BATS_TEST_TMPDIR/a" | shm-put "$N"
		done
	) 3>&- &
	wpid=$!
	reads=0 seen_a= seen_b=
	end=$((SECONDS + 3))
	while [ "$SECONDS" -lt "$end" ]; do
		if [ $((reads % 4)) -eq 0 ]; then
			# A slow pipe: the reader lags behind the writer.
			shm-get "$N" | { sleep 0.02; cat; } > "$BATS_TEST_TMPDIR/out"
		else
			shm-get "$N" > "$BATS_TEST_TMPDIR/out"
		fi
		if cmp -s "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/a"; then
			seen_a=1
		elif cmp -s "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/b"; then
			seen_b=1
		else
			fail "read $reads mixed two puts: $(tr -s ab < "$BATS_TEST_TMPDIR/out" | head -c 40)"
		fi
		reads=$((reads + 1))
	done
	wait "$wpid"
	wpid=
	# Both values came by: the reads really ran beside the writes.
	[ -n "$seen_a" ] && [ -n "$seen_b" ] && [ "$reads" -ge 10 ]
}

@test "shm-get: an object cut short under it by a program without the lock ends the output, with no SIGBUS" {
	head -c 64M /dev/zero | tr '\0' a | shm-put "$N"
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	# The reader stalls on a full pipe until the object has been cut.
	shm-get "$N" > "$BATS_TEST_TMPDIR/fifo" 3>&- &
	pid=$!
	exec 5< "$BATS_TEST_TMPDIR/fifo"
	head -c 1 <&5 > /dev/null
	truncate -s 1M "/dev/shm/$N"
	cat <&5 > "$BATS_TEST_TMPDIR/out"
	exec 5<&-
	reap "$pid"
	pid=
	assert_equal "$status" 0
	size=$(wc -c < "$BATS_TEST_TMPDIR/out")
	[ "$size" -lt $((64 << 20)) ]
	[ -z "$(tr -d a < "$BATS_TEST_TMPDIR/out")" ]
}

@test "shm-get: a write error is reported with exit 2" {
	printf 'data' | shm-put "$N"
	run -2 --separate-stderr run_into_closed_pipe shm-get "$N"
	assert_equal "$stderr" "shm-get: stdout: Broken pipe"
	run -2 --separate-stderr sh -c 'shm-get "$1" > /dev/full' sh "$N"
	assert_equal "$stderr" "shm-get: stdout: No space left on device"
}

@test "shm-get: bad names, offsets, lengths and timeouts give exit 2, one line, and create nothing" {
	run -2 --separate-stderr shm-get "a/b"
	assert_equal "$stderr" "shm-get: a/b: name holds a '/' after the leading one"
	run -2 --separate-stderr shm-get ""
	assert_equal "$stderr" 'shm-get: "": empty name'
	run -2 --separate-stderr shm-get -o -1 "$N"
	assert_equal "$stderr" "shm-get: offset is invalid: -1"
	run -2 --separate-stderr shm-get -o 1.5x "$N"
	assert_equal "$stderr" "shm-get: offset is invalid: 1.5x"
	run -2 --separate-stderr shm-get -l "" "$N"
	assert_equal "$stderr" 'shm-get: length is invalid: ""'
	run -2 --separate-stderr shm-get -l -1 "$N"
	assert_equal "$stderr" "shm-get: length is invalid: -1"
	run -2 --separate-stderr shm-get -l 99999999999999999999 "$N"
	assert_equal "$stderr" "shm-get: length is too large: 99999999999999999999"
	run -2 --separate-stderr shm-get -t 1x "$N"
	assert_equal "$stderr" "shm-get: timeout is invalid: 1x"
	run -2 --separate-stderr shm-get -t -1 "$N"
	assert_equal "$stderr" "shm-get: timeout is negative: -1"
	run -2 --separate-stderr shm-get "$N" extra
	assert_equal "${stderr_lines[0]}" "usage: shm-get [-w] [-l length] [-o offset] [-t timeout] [--any-owner] name"
	run -2 --separate-stderr shm-get -w -t 1 "$N"
	assert_equal "$stderr" "shm-get: /$N: No such file or directory"
	run -1 shm_exists "$N"
}

@test "shm-get: an etcd:// name, which this build has no backend for, is exit 2 with the configure option" {
	msg="this ipcutils was built without etcd (configure --with-etcd, libcurl and jansson)"
	run -2 --separate-stderr shm-get "etcd://127.0.0.1:2379/$N"
	assert_equal "$stderr" "shm-get: etcd://127.0.0.1:2379/$N: $msg"
	assert_output ""
	run -2 --separate-stderr shm-get -w -t 1 "etcds://h/$N"
	assert_equal "$stderr" "shm-get: etcds://h/$N: $msg"
	run -1 shm_exists "$N"
}

@test "shm-get: --version" {
	run -0 shm-get --version
	assert_output --regexp '^shm-get \(ipcutils\) [0-9]'
}

@test "shm-get: a name with a newline is shown escaped, on one line" {
	run -2 --separate-stderr shm-get "$N"$'\n'x
	assert_equal "$stderr" "shm-get: /$N\\nx: No such file or directory"
}

@test "shm-get: a write over ulimit -f is exit 2 and one line, not death by SIGXFSZ" {
	head -c 5000 /dev/zero | shm-put "$N"
	run -2 --separate-stderr bash -c 'ulimit -f 1; exec shm-get "$1" > "$2"' sh "$N" "$BATS_TEST_TMPDIR/out"
	assert_equal "$stderr" "shm-get: stdout: File too large"
}
