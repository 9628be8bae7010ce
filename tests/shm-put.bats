#!/usr/bin/env bats
# shm-put: contents, offsets, sizes, modes, and puts that fail changing nothing.

setup() {
	load test_helper
}

teardown() {
	kill_bg "${pid:-}" "${wpid:-}"
	shm_cleanup
}

@test "shm-put: the object's contents become standard input, its size the input's length" {
	printf 'a longer value' | shm-put "$N"
	run -0 shm-get "$N"
	assert_output "a longer value"
	printf 'short' | shm-put "/$N"
	run -0 shm-get "$N"
	assert_output "short"
	run -0 peer-shm stat "/$N"
	assert_output "5 0600"
}

@test "shm-put: empty input empties the object" {
	printf 'x' | shm-put "$N"
	shm-put "$N" < /dev/null
	run -0 peer-shm stat "/$N"
	assert_output "0 0600"
}

@test "shm-put: creates with mode 0600 less the umask; -m is exact" {
	(umask 077 && shm-put "$N" < /dev/null)
	run -0 peer-shm stat "/$N"
	assert_output "0 0600"
	(umask 077 && shm-put -m 644 "$N-a" < /dev/null)
	run -0 peer-shm stat "/$N-a"
	assert_output "0 0644"
	# -m is for a new object: an existing one keeps its mode.
	shm-put -m 600 "$N-a" < /dev/null
	run -0 peer-shm stat "/$N-a"
	assert_output "0 0644"
}

@test "shm-put: binary data round-trips byte for byte" {
	head -c 3000000 /dev/urandom > "$BATS_TEST_TMPDIR/in"
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 3)' >> "$BATS_TEST_TMPDIR/in"
	shm-put "$N" < "$BATS_TEST_TMPDIR/in"
	shm-get "$N" > "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	# The same through a pipe, which shm-put reads differently.
	cat "$BATS_TEST_TMPDIR/in" | shm-put "$N-a"
	shm-get "$N-a" | cmp "$BATS_TEST_TMPDIR/in" -
	# Into objects that exist, from a file and through a pipe, long
	# enough that shm-put copies it in two halves at once.
	head -c 40M /dev/urandom > "$BATS_TEST_TMPDIR/big"
	shm-put "$N" < "$BATS_TEST_TMPDIR/big"
	shm-get "$N" | cmp "$BATS_TEST_TMPDIR/big" -
	cat "$BATS_TEST_TMPDIR/big" | shm-put "$N-a"
	shm-get "$N-a" | cmp "$BATS_TEST_TMPDIR/big" -
	shm-put -o 40M "$N-a" < "$BATS_TEST_TMPDIR/in"
	shm-get -l 40M "$N-a" | cmp "$BATS_TEST_TMPDIR/big" -
	shm-get -o 40M "$N-a" | cmp "$BATS_TEST_TMPDIR/in" -
}

@test "shm-put: -o writes in place, keeps the rest, and grows the object when needed" {
	printf 'hello world' | shm-put "$N"
	printf 'J' | shm-put -o 6 "$N"
	run -0 shm-get "$N"
	assert_output "hello Jorld"
	printf 'ly!' | shm-put -o 9 "$N"
	run -0 shm-get "$N"
	assert_output "hello Jorly!"
	# At the end exactly: appends.
	printf '?' | shm-put -o 12 "$N"
	run -0 shm-get "$N"
	assert_output "hello Jorly!?"
}

@test "shm-put: -o past the end fills the gap with zeros" {
	printf 'ab' | shm-put "$N"
	printf 'z' | shm-put -o 4k "$N"
	run -0 peer-shm stat "/$N"
	assert_output "4097 0600"
	shm-get "$N" | cmp - <(printf 'ab'; head -c 4094 /dev/zero; printf 'z')
	# With no input, -o alone grows the object to the offset.
	shm-put -o 5000 "$N" < /dev/null
	run -0 peer-shm stat "/$N"
	assert_output "5000 0600"
}

@test "shm-put: -s alone creates a zero-filled object, and -s sets the size" {
	shm-put -s 4k "$N" < /dev/null
	run -0 peer-shm stat "/$N"
	assert_output "4096 0600"
	shm-get "$N" | cmp - <(head -c 4096 /dev/zero)
	# Without -o the contents are replaced: input, then zeros.
	printf 'old contents' | shm-put "$N-a"
	printf 'new' | shm-put -s 8 "$N-a"
	shm-get "$N-a" | cmp - <(printf 'new\0\0\0\0\0')
	# With -o the rest is kept, and -s cuts or extends.
	printf 'abcdefgh' | shm-put "$N-b"
	printf 'X' | shm-put -o 1 -s 4 "$N-b"
	run -0 shm-get "$N-b"
	assert_output "aXcd"
	shm-put -o 0 -s 6 "$N-b" < /dev/null
	shm-get "$N-b" | cmp - <(printf 'aXcd\0\0')
	# Nothing to write: -s alone decides, whatever the offset.
	shm-put -o 1k -s 2 "$N-b" < /dev/null
	run -0 shm-get "$N-b"
	assert_output "aX"
	shm-put -s 1M "$N-c" < /dev/null
	run -0 peer-shm stat "/$N-c"
	assert_output "1048576 0600"
}

@test "shm-put: input that does not fit in -s is an error that changes nothing" {
	printf 'old' | shm-put "$N"
	run -2 --separate-stderr shm-put -s 3 "$N" <<< "toolong"
	assert_equal "$stderr" "shm-put: /$N: 8 bytes of input do not fit in size 3"
	run -2 --separate-stderr shm-put -o 2 -s 3 "$N" <<< "xy"
	assert_equal "$stderr" "shm-put: /$N: 3 bytes of input at that offset do not fit in size 3"
	run -0 shm-get "$N"
	assert_output "old"
	run -2 shm-put -s 1 "$N-a" <<< "toolong"
	run -1 shm_exists "$N-a"
}

@test "shm-put: -e refuses to create, -x refuses an object that exists" {
	run -2 --separate-stderr shm-put -e "$N" < /dev/null
	assert_equal "$stderr" "shm-put: /$N: No such file or directory"
	run -1 shm_exists "$N"
	printf 'one' | shm-put -x "$N"
	run -2 --separate-stderr shm-put -x "$N" <<< "two"
	assert_equal "$stderr" "shm-put: /$N: File exists"
	printf 'three' | shm-put -e "$N"
	run -0 shm-get "$N"
	assert_output "three"
	run -2 --separate-stderr shm-put -e -x "$N" < /dev/null
	assert_equal "$stderr" "shm-put: cannot use -e and -x"
}

@test "shm-put: an input error keeps the old contents and creates nothing" {
	printf 'old' | shm-put "$N"
	run -2 --separate-stderr shm-put "$N" < "$BATS_TEST_TMPDIR"
	assert_equal "$stderr" "shm-put: stdin: Is a directory"
	run -0 shm-get "$N"
	assert_output "old"
	run -2 shm-put "$N-a" < "$BATS_TEST_TMPDIR"
	run -1 shm_exists "$N-a"
}

@test "shm-put: a put interrupted while reading its input keeps the old contents" {
	printf 'old' | shm-put "$N"
	coproc PUT { exec shm-put "$N" 3>&-; }
	pid=$PUT_PID
	head -c 100000 /dev/zero >&"${PUT[1]}"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=
	assert_equal "$rc" 143
	run -0 shm-get "$N"
	assert_output "old"
}

@test "shm-put: a put into a full /dev/shm reports it and keeps the old contents and size" {
	requires root unshare
	run -0 unshare -m sh -c '
		mount -t tmpfs -o size=1m none /dev/shm || exit 9
		printf old | shm-put "$1" || exit 8
		head -c 2M /dev/zero | shm-put "$1"; echo "replace $?"
		head -c 2M /dev/zero | shm-put -o 2 "$1"; echo "in place $?"
		shm-put -s 1m "$1-b" < /dev/null || exit 7
		head -c 1m /dev/zero | shm-put -o 1m "$1-b"; echo "grow $?"
		peer-shm stat "/$1-b"
		head -c 2M /dev/zero | shm-put "$1-a"; echo "new $?"
		shm-get "$1"; echo
		peer-shm stat "/$1"
		shm-put -e "$1-b" < /dev/null || exit 4
		# What the failed puts reserved was given back.
		head -c 900k /dev/zero | shm-put "$1-c"; echo "fits $?"
		ls /dev/shm
	' sh "$N"
	assert_output - <<EOF
shm-put: /$N: No space left on device
replace 2
shm-put: /$N: No space left on device
in place 2
shm-put: /$N-b: No space left on device
grow 2
1048576 0600
shm-put: /$N-a: No space left on device
new 2
old
3 0600
fits 0
$N
$N-b
$N-c
EOF
}

@test "shm-put: a put that fails never removes the object that another put made meanwhile" {
	requires root unshare
	command -v strace >/dev/null && strace -qq -o /dev/null true ||
	    skip "needs strace, allowed to trace"
	# A is too large for /dev/shm; strace holds it up before it locks
	# what it made, and B, small, puts in between.  LeakSanitizer cannot
	# run under ptrace: no leak check for A.
	run -0 unshare -m sh -c '
		mount -t tmpfs -o size=1m none /dev/shm || exit 9
		head -c 2M /dev/zero |
		    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    strace -qq -o /dev/null \
		    -e inject=flock:delay_enter=1000000 shm-put "$1" 2> "$2" &
		a=$!
		while [ ! -e /dev/shm/"$1" ] && kill -0 $a 2>/dev/null; do
			sleep 0.01
		done
		printf B | shm-put "$1"; echo "B $?"
		wait $a; echo "A $?"
		cat "$2"
		shm-get "$1"; echo
	' sh "$N" "$BATS_TEST_TMPDIR/err"
	assert_output - <<EOF
B 0
A 2
shm-put: /$N: No space left on device
B
EOF
}

@test "shm-put: -n and -t give up with 1 while another program holds the lock, changing nothing" {
	requires flock
	printf 'old' | shm-put "$N"
	printf 'new' > "$BATS_TEST_TMPDIR/in"
	coproc LOCK { exec peer-shm lock "/$N" 3>&-; }
	wpid=$LOCK_PID
	read -t 5 -r line <&"${LOCK[0]}"
	assert_equal "$line" "locked"
	run -1 --separate-stderr shm-put -n "$N" <<< "new"
	assert_output ""
	assert_equal "$stderr" ""
	start=$(date +%s%N)
	run -1 --separate-stderr shm-put -t 300ms "$N" < "$BATS_TEST_TMPDIR/in"
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	assert_equal "$stderr" ""
	[ "$elapsed" -ge 290 ]
	# A new object takes no lock.
	run -0 shm-put -n "$N-a" <<< "new"
	exec {LOCK[1]}>&-
	reap "$wpid"
	wpid=
	run -0 shm-get "$N"
	assert_output "old"
	# A put that has the lock in time goes through.
	flock "/dev/shm/$N" sleep 0.5 3>&- &
	wpid=$!
	run -0 shm-put -t 30 "$N" < "$BATS_TEST_TMPDIR/in"
	run -0 shm-get "$N"
	assert_output "new"
	run -2 --separate-stderr shm-put -n -t 1 "$N" < /dev/null
	assert_equal "$stderr" "shm-put: cannot use -n and -t"
	run -2 --separate-stderr shm-put -t 1x "$N" < /dev/null
	assert_equal "$stderr" "shm-put: timeout is invalid: 1x"
}

@test "shm-put: a file truncated while shm-put reads it gives the old contents or a whole put, never a mix" {
	command -v perl >/dev/null || skip "needs perl"
	d=$BATS_TEST_TMPDIR
	head -c 32M /dev/zero | tr '\0' a > "$d/old"
	head -c 32M /dev/zero | tr '\0' b > "$d/whole"
	head -c 1M "$d/whole" > "$d/cut"
	for round in 0 1 2 3 4 5 6 7 8; do
		# exists: read from the file's own pages; new: staged;
		# written: the file is open for writing elsewhere, so staged.
		for how in exists new written; do
			peer-shm unlink "/$N"
			[ "$how" = new ] || shm-put "$N" < "$d/old"
			cp "$d/whole" "$d/in"
			[ "$how" = written ] && exec 4>> "$d/in"
			shm-put "$N" < "$d/in" 2> "$d/err" 3>&- 4>&- &
			pid=$!
			sleep "0.00$round"
			# truncate(2), which waits for a lease (truncate(1)
			# opens with O_NONBLOCK: EAGAIN while shm-put reads).
			perl -e 'truncate($ARGV[0], 1 << 20) or die "$!\n"' "$d/in"
			reap "$pid"
			pid=
			exec 4>&-
			case $status in
			0) ;;
			2) assert_equal "$(cat "$d/err")" "shm-put: stdin: file shrank while it was read" ;;
			*) fail "round $round, $how: exit $status: $(cat "$d/err")" ;;
			esac
			if ! shm_exists "$N"; then
				[ "$how" = new ] && [ "$status" -eq 2 ] ||
				    fail "round $round, $how: no object"
				continue
			fi
			shm-get "$N" > "$d/out"
			cmp -s "$d/out" "$d/whole" || cmp -s "$d/out" "$d/cut" ||
			    { [ "$how" != new ] && cmp -s "$d/out" "$d/old"; } ||
			    fail "round $round, $how: exit $status, a mix: $(tr -s ab < "$d/out" | head -c 40), $(wc -c < "$d/out") bytes $(cat "$d/err")"
		done
	done
}

@test "shm-put: a whole put through a pipe replaces an object nobody has open, owner and mode kept; one held open is written in place" {
	printf old | shm-put -m 640 "$N"
	ino=$(stat -c %i "/dev/shm/$N")
	printf new | shm-put "$N"
	run -0 stat -c '%a %U %s' "/dev/shm/$N"
	assert_output "640 $(id -un) 3"
	[ "$(stat -c %i "/dev/shm/$N")" != "$ino" ] || fail "not replaced"
	run -0 shm-get "$N"
	assert_output new
	exec 4< "/dev/shm/$N"
	ino=$(stat -c %i "/dev/shm/$N")
	printf newer | shm-put -s 8 "$N"
	assert_equal "$(stat -c %i "/dev/shm/$N")" "$ino"
	run -0 od -An -c <&4
	exec 4<&-
	assert_output "   n   e   w   e   r  \\0  \\0  \\0"
	run -0 sh -c 'ls -a /dev/shm | grep -c "^\.shm-put\." || true'
	assert_output 0
}

@test "shm-put: Python's multiprocessing.shared_memory reads what shm-put wrote, in its own mapping too" {
	requires python3
	printf 'from shm-put' | shm-put "$N"
	# Python 3.11 has no track=False: attaching registers the object with
	# the resource tracker, which would remove it at exit; unregister.
	run -0 python3 - "$N" "$BATS_TEST_TMPDIR/in" <<'PY'
import sys
from multiprocessing import resource_tracker, shared_memory
try:
    m = shared_memory.SharedMemory(sys.argv[1], track=False)
except TypeError:
    m = shared_memory.SharedMemory(sys.argv[1])
    resource_tracker.unregister(m._name, "shared_memory")
print(bytes(m.buf[:12]).decode())
# A put changes the object in place: the mapping Python holds sees it.
import subprocess
subprocess.run(["shm-put", sys.argv[1]], input=b"FROM SHM-PUT", check=True)
print(bytes(m.buf[:12]).decode())
# And from a file, which shm-put copies from the file's own pages.
with open(sys.argv[2], "wb") as f:
    f.write(b"from a file!")
with open(sys.argv[2], "rb") as f:
    subprocess.run(["shm-put", sys.argv[1]], stdin=f, check=True)
print(bytes(m.buf[:12]).decode())
m.close()
PY
	assert_output $'from shm-put\nFROM SHM-PUT\nfrom a file!'
	run -0 shm_exists "$N"
}

@test "shm-put: an etcd:// name, which this build has no backend for, is exit 2 with the configure option" {
	requires no-etcd
	msg="this ipcutils was built without etcd (configure --with-etcd, jansson and libtls)"
	run -2 --separate-stderr shm-put "etcd://127.0.0.1:2379/$N" <<< "x"
	assert_equal "$stderr" "shm-put: etcd://127.0.0.1:2379/$N: $msg"
	assert_output ""
	run -2 --separate-stderr shm-put "etcds://h/$N" < /dev/null
	assert_equal "$stderr" "shm-put: etcds://h/$N: $msg"
	run -1 shm_exists "$N"
}

@test "shm-put: --version and a bad option" {
	run -0 shm-put --version
	assert_output --regexp '^shm-put \(ipcutils\) [0-9]'
	run -2 --separate-stderr shm-put -q "$N"
	assert_equal "${stderr_lines[0]}" "shm-put: -q: unknown option"
	run -2 --separate-stderr shm-put
	assert_equal "${stderr_lines[0]}" "usage: shm-put [-ex] [-m mode] [-n | -t timeout] [-o offset] [-s size] [--any-owner]"
}

@test "shm-put: an object larger than /dev/shm can hold is refused, nothing changed" {
	blocks=$(stat -f -c %b /dev/shm)
	[ "$blocks" -gt 0 ] || skip "/dev/shm is mounted without a size"
	cap=$((blocks * $(stat -f -c %s /dev/shm)))
	run -2 --separate-stderr shm-put -s 9223372036854775807 "$N" < /dev/null
	assert_equal "$stderr" "shm-put: /$N: an object of 9223372036854775807 bytes is more than /dev/shm can hold, $cap"
	run -1 shm_exists "$N"
	run -2 --separate-stderr shm-put -s $((cap + 1)) "$N" < /dev/null
	assert_equal "$stderr" "shm-put: /$N: an object of $((cap + 1)) bytes is more than /dev/shm can hold, $cap"
	run -1 shm_exists "$N"
	echo old | shm-put "$N"
	run -2 --separate-stderr shm-put -s 8E "$N" < /dev/null
	run -2 --separate-stderr shm-put -o "$cap" "$N" <<< "x"
	assert_equal "$stderr" "shm-put: /$N: an object of $((cap + 2)) bytes is more than /dev/shm can hold, $cap"
	run -0 shm-get "$N"
	assert_output "old"
	# What fits is sparse, and taken.
	run -0 shm-put -s 1G "$N" < /dev/null
	run -0 stat -c %s "/dev/shm/$N"
	assert_output "1073741824"
}

@test "shm-put: bad names, offsets, sizes and modes give exit 2, one line, and create nothing" {
	run -2 --separate-stderr shm-put "a/b" < /dev/null
	assert_equal "$stderr" "shm-put: a/b: name holds a '/' after the leading one"
	run -2 --separate-stderr shm-put "" < /dev/null
	assert_equal "$stderr" 'shm-put: "": empty name'
	run -2 --separate-stderr shm-put / < /dev/null
	assert_equal "$stderr" 'shm-put: /: empty name'
	run -2 --separate-stderr shm-put .. < /dev/null
	assert_equal "$stderr" "shm-put: ..: name is '.' or '..'"
	long=$(printf 'x%.0s' $(seq 256))
	run -2 --separate-stderr shm-put "$long" < /dev/null
	assert_equal "$stderr" "shm-put: $long: name too long"
	run -2 --separate-stderr shm-put -o -1 "$N" < /dev/null
	assert_equal "$stderr" "shm-put: offset is invalid: -1"
	run -2 --separate-stderr shm-put -o 1x "$N" < /dev/null
	assert_equal "$stderr" "shm-put: offset is invalid: 1x"
	run -2 --separate-stderr shm-put -o "" "$N" < /dev/null
	assert_equal "$stderr" 'shm-put: offset is invalid: ""'
	run -2 --separate-stderr shm-put -o 99999999999999999999 "$N" < /dev/null
	assert_equal "$stderr" "shm-put: offset is too large: 99999999999999999999"
	run -2 --separate-stderr shm-put -o 9223372036854775807 "$N" <<< "x"
	assert_equal "$stderr" "shm-put: /$N: offset 9223372036854775807 and 2 bytes of input are past the largest size"
	run -2 --separate-stderr shm-put -s -4k "$N" < /dev/null
	assert_equal "$stderr" "shm-put: size is invalid: -4k"
	run -2 --separate-stderr shm-put -s 4q "$N" < /dev/null
	assert_equal "$stderr" "shm-put: size is invalid: 4q"
	run -2 --separate-stderr shm-put -s 99999999999999999999 "$N" < /dev/null
	assert_equal "$stderr" "shm-put: size is too large: 99999999999999999999"
	run -2 --separate-stderr shm-put -s 9999999E "$N" < /dev/null
	assert_equal "$stderr" "shm-put: size is too large: 9999999E"
	run -2 --separate-stderr shm-put -m 800 "$N" < /dev/null
	assert_equal "$stderr" "shm-put: mode is invalid: 800"
	run -2 --separate-stderr shm-put "$N" extra < /dev/null
	assert_equal "${stderr_lines[0]}" "usage: shm-put [-ex] [-m mode] [-n | -t timeout] [-o offset] [-s size] [--any-owner]"
	run -1 shm_exists "$N"
}
