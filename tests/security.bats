#!/usr/bin/env bats
# security: what a second user of the host can do to root's tools.  Each
# test runs an attack as that user and checks that it fails.

U=ipct-attacker

# Why every test is skipped, if it is: bats 1.8 cannot skip in setup_file.
setup_file() {
	export SKIPPED=
	if [ "$(id -u)" -ne 0 ]; then
		SKIPPED="needs root, to run the attacks as a second user"
	elif ! command -v runuser >/dev/null; then
		SKIPPED="needs runuser"
	elif ! command -v python3 >/dev/null; then
		SKIPPED="needs python3"
	fi
	[ -z "$SKIPPED" ] || return 0
	# Other test files may be making the same user at the same time.
	local i
	for i in 1 2 3 4 5; do
		id -u "$U" >/dev/null 2>&1 && break
		useradd -M -U -s /usr/sbin/nologin "$U" 2>/dev/null && break
		sleep 1
	done
	if ! id -u "$U" >/dev/null 2>&1; then
		SKIPPED="cannot make the user $U"
		return 0
	fi
	# The programs where the user can run them, whatever the build
	# directory's permissions.
	BIN=$(mktemp -d /tmp/ipct-bin.XXXXXX)
	local page
	for page in "$IPCUTILS_MANDIR"/*.1; do
		cp "$(command -v "$(basename "$page" .1)")" "$BIN/"
	done
	chmod -R a+rX "$BIN"
	export BIN
}

teardown_file() {
	if [ -n "${BIN:-}" ]; then
		rm -rf "$BIN"
	fi
}

setup() {
	load test_helper
	[ -z "$SKIPPED" ] || skip "$SKIPPED"
	d=$BATS_TEST_TMPDIR
	# Where the second user meets the test: its FIFO and its stop file.
	x=$BIN/$BATS_TEST_NUMBER
	mkdir -p -m 755 "$x"
}

teardown() {
	[ -z "$SKIPPED" ] || return 0
	[ -e "$x/stop" ] || touch "$x/stop"
	kill_bg $pids
	[ -s "$d/pid" ] && kill -9 "$(cat "$d/pid")" 2>/dev/null
	ipc_cleanup
}

# Run a command as the second user.
as_attacker() {
	runuser -u "$U" -- env PATH="$BIN:$PATH" "$@"
}

# What a tool says of an object the second user owns.
foreign() {
	echo "$1: /$2: owned by $U, not by you or root (--any-owner to use it)"
}

# Start a python3 program as the second user in the background ($pids);
# it writes "ready" to $x/ready once its attack is in place, and ends when
# $x/stop appears, or after a minute.
attack_bg() {
	rm -f "$x/ready" "$x/stop"
	mkfifo -m 666 "$x/ready"
	as_attacker python3 -c "$1" "$x" "${@:2}" 3>&- &
	pids="$pids $!"
	read -t 10 -r line <> "$x/ready"
	[ "$line" = ready ] || fail "the attack did not start: $line"
}

# The prologue of an attack_bg program: its directory, and how it ends.
PY='import fcntl, os, struct, sys, time
d = sys.argv[1]
def ready():
    with open(d + "/ready", "w") as f:
        f.write("ready\n")
def hold():
    end = time.time() + 60
    while time.time() < end and not os.path.exists(d + "/stop"):
        time.sleep(0.05)
'

@test "security: shm-put and shm-get refuse an object another user planted" {
	as_attacker shm-put -m 666 -s 0 "$N" </dev/null
	run -2 --separate-stderr sh -c 'echo secret | shm-put "$1"' sh "$N"
	assert_equal "$stderr" "$(foreign shm-put "$N")"
	run -0 as_attacker shm-get "$N"
	assert_output ""
	run -2 --separate-stderr shm-put -e "$N" </dev/null
	assert_equal "$stderr" "$(foreign shm-put "$N")"
	run -2 --separate-stderr shm-get "$N"
	assert_equal "$stderr" "$(foreign shm-get "$N")"
	assert_output ""
	# Said so, the tools use it.
	echo shared | shm-put --any-owner "$N"
	run -0 shm-get --any-owner "$N"
	assert_output "shared"
}

@test "security: root's put that replaces another user's object (--any-owner) gives it back its owner and mode" {
	as_attacker sh -c 'printf mine | shm-put -m 604 "$1"' sh "$N"
	printf root | shm-put --any-owner "$N"
	run -0 stat -c '%U %a' "/dev/shm/$N"
	assert_output "$U 604"
	run -0 as_attacker shm-get "$N"
	assert_output root
}

@test "security: mq-recv and mq-send refuse a queue another user planted" {
	as_attacker mq-send -m 666 --max-messages 2 --message-size 64 "$N" \
	    'rm -rf / # a forged job'
	run -2 --separate-stderr mq-recv "$N"
	assert_equal "$stderr" "$(foreign mq-recv "$N")"
	assert_output ""
	run -2 --separate-stderr mq-send "$N" "a job"
	assert_equal "$stderr" "$(foreign mq-send "$N")"
	run -0 mq_count "$N"
	assert_output "1"
	run -0 mq-recv --any-owner -n "$N"
	assert_output "rm -rf / # a forged job"
}

@test "security: sem-wait and sem-post refuse a semaphore another user planted" {
	as_attacker sem-post -m 666 --init 4 "$N"
	run -125 --separate-stderr sem-wait -n "$N" -- true
	assert_equal "$stderr" "$(foreign sem-wait "$N")"
	run -2 --separate-stderr sem-wait -n "$N"
	assert_equal "$stderr" "$(foreign sem-wait "$N")"
	run -2 --separate-stderr sem-post "$N"
	assert_equal "$stderr" "$(foreign sem-post "$N")"
	run -0 sem_value "$N"
	assert_output "5"
	run -0 sem-wait --any-owner -n -v "$N"
	assert_output "4"
}

@test "security: objects of the caller's or root's are shared as their mode says" {
	sem-post -m 666 "$N"
	echo shared | shm-put -m 644 "$N"
	run -0 as_attacker sem-wait -n "$N"
	run -0 as_attacker shm-get "$N"
	assert_output "shared"
	run -0 as_attacker sem-post -m 600 "$N-a"
	run -0 as_attacker sem-wait -n "$N-a"
}

@test "security: ipc-ls shows whose a planted object is, and ipc-rm removes it" {
	as_attacker sem-post -m 666 "$N"
	as_attacker shm-put -m 666 -s 0 "$N" </dev/null
	run -0 ipc-ls -nr -o type,name,owner "$N"
	assert_output "$(printf 'sem\t/%s\t%s\nshm\t/%s\t%s' "$N" "$U" "$N" "$U")"
	run -0 ipc-rm -T sem "$N"
	run -0 ipc-rm -T shm "$N"
	run -1 sem_value "$N"
	run -1 shm_exists "$N"
}

@test "security: ipc-ls does not die when another user truncates a semaphore's file" {
	as_attacker sem-post -m 644 "$N"
	attack_bg "$PY"'
fd = os.open(sys.argv[2], os.O_RDWR)
ready()
end = time.time() + 60
while time.time() < end and not os.path.exists(d + "/stop"):
    for i in range(1000):
        os.ftruncate(fd, 0)
        os.ftruncate(fd, 32)
' "/dev/shm/sem.$N"
	end=$(($(date +%s) + 10))
	for i in $(seq 300); do
		rc=0
		ipc-ls -T sem "$N" >/dev/null 2>"$d/err" || rc=$?
		[ "$rc" -lt 128 ] || fail "ipc-ls died of signal $((rc - 128)) in run $i"
		[ "$rc" -eq 0 ] || fail "ipc-ls: status $rc: $(cat "$d/err")"
		[ "$(date +%s)" -lt "$end" ] || break
	done
}

@test "security: no tool takes setuid, setgid or sticky in its mode" {
	for m in 4777 2777 1777 7777; do
		run -2 --separate-stderr as_attacker shm-put -m "$m" "$N" </dev/null
		assert_equal "$stderr" "shm-put: mode is too large: $m"
		run -2 --separate-stderr as_attacker mq-send -m "$m" "$N" x
		assert_equal "$stderr" "mq-send: mode is too large: $m"
		run -2 --separate-stderr as_attacker mq-recv -m "$m" "$N"
		assert_equal "$stderr" "mq-recv: mode is too large: $m"
		run -2 --separate-stderr as_attacker sem-post -m "$m" "$N"
		assert_equal "$stderr" "sem-post: mode is too large: $m"
		run -2 --separate-stderr as_attacker sem-wait -m "$m" "$N"
		assert_equal "$stderr" "sem-wait: mode is too large: $m"
	done
	run -1 shm_exists "$N"
	run -1 sem_value "$N"
	run -1 mq_exists "$N"
	as_attacker shm-put -m 777 "$N" </dev/null
	run -0 stat -c %A "/dev/shm/$N"
	assert_output "-rwxrwxrwx"
}

# An attack_bg program: a read lock on every byte of the file argv[2], and
# past its end, opened for reading only; held until stopped.
READLOCK="$PY"'
fd = os.open(sys.argv[2], os.O_RDONLY)
lk = struct.pack("@hhqqi", fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0) + bytes(8)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, lk)
ready()
hold()
'

@test "security: who may only read a semaphore cannot block sem-post or sem-wait" {
	sem-post -m 644 "$N"
	attack_bg "$READLOCK" "/dev/shm/sem.$N"
	run -0 timeout 10 sem-post -v "$N"
	assert_output "2"
	run -0 timeout 10 sem-post -v --max 3 "$N"
	assert_output "3"
	run -0 timeout 10 sem-wait -n -v "$N" -- true
	assert_output "2"
}

@test "security: who may only read a semaphore cannot keep sem-wait from recording its unit" {
	sem-post -m 644 "$N"
	attack_bg "$READLOCK" "/dev/shm/sem.$N"
	sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" \
	    2>"$d/err" 3>&- &
	holder=$!
	pids="$pids $holder"
	wait_for_file "$d/pid"
	kill -KILL "$holder" "$(cat "$d/pid")"
	wait "$holder" || true
	assert_equal "$(cat "$d/err")" ""
	# Its unit comes back.
	run -0 timeout 10 sem-wait -t 5 "$N" -- true
	run -0 sem_value "$N"
	assert_output "1"
}

@test "security: who may only read a semaphore cannot keep a dead holder's unit from coming back" {
	sem-post -m 644 "$N"
	sem-wait "$N" -- sh -c 'echo $$ > "$1"; exec sleep 100' sh "$d/pid" 3>&- &
	holder=$!
	pids="$pids $holder"
	wait_for_file "$d/pid"
	kill -KILL "$holder" "$(cat "$d/pid")"
	wait "$holder" || true
	# Its lock gone, the whole file is the attacker's to read-lock.
	attack_bg "$READLOCK" "/dev/shm/sem.$N"
	run -0 timeout 10 sem-wait -t 5 "$N" -- true
	run -0 sem_value "$N"
	assert_output "1"
}

@test "security: who may write a semaphore cannot make sem-post --max pass its bound" {
	sem-post -m 660 "$N"
	chgrp "$U" "/dev/shm/sem.$N"
	# The record's marks, forged: 100 bytes of 1 past the sem_t ...
	as_attacker python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, bytes([1]) * 100, 64)
' "/dev/shm/sem.$N"
	run -1 timeout 10 sem-post -v --max 1 "$N"
	assert_output "1"
	# ... and every byte past it, whatever the record's layout.
	as_attacker python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
size = max(os.fstat(fd).st_size, 1 << 20)
os.pwrite(fd, bytes([1]) * (size - 32), 32)
' "/dev/shm/sem.$N"
	run -1 timeout 10 sem-post -v --max 1 "$N"
	assert_output "1"
	run -0 sem_value "$N"
	assert_output "1"
	# What sem_post(3) allows that user, it still may.
	run -0 as_attacker sem-post -v "$N"
	assert_output "2"
}

@test "security: who may write a semaphore and cuts its file short gets an error from sem-wait, not a crash" {
	sem-post -m 660 --init 0 "$N"
	sem-wait -n "$N"
	chgrp "$U" "/dev/shm/sem.$N"
	sem-wait -t 20 "$N" 2>"$d/err" 3>&- &
	waiter=$!
	pids="$pids $waiter"
	wait_blocked "$waiter"
	as_attacker truncate -s 0 "/dev/shm/sem.$N"
	reap "$waiter"
	assert_equal "$status" 2
	assert_equal "$(cat "$d/err")" "sem-wait: /$N: the semaphore's file was cut short"
}

# Put under the names of a shared memory object and of a semaphore, as the
# second user, what is no object: a fifo, socket, symlink or device.
plant() {
	local f
	for f in "/dev/shm/$N" "/dev/shm/sem.$N"; do
		case $1 in
		fifo)
			as_attacker mkfifo -m 666 "$f" ;;
		socket)
			as_attacker python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$f" ;;
		symlink)
			# To a file of the caller's, which a tool would write.
			echo mine > "$d/target"
			as_attacker ln -s "$d/target" "$f" ;;
		device)
			# Nobody but root makes one: as if root had, long ago.
			mknod -m 666 "$f" c 1 3 || skip "cannot make a device"
			chown "$U" "$f" ;;
		esac
	done
}

# What each tool that opens a name says of it, at once: a tool that waits
# in open(2) fails the timeout guard (status 124) instead of hanging.
assert_refused() {
	local kind=$1 shm="/dev/shm/$N" sem="/dev/shm/sem.$N" test=$2 opt
	for opt in "" --any-owner; do
		run -2 --separate-stderr timeout 10 shm-get $opt "$N"
		assert_equal "$stderr" "shm-get: /$N: $shm is $kind, not a regular file"
		assert_output ""
		run -2 --separate-stderr timeout 10 shm-get $opt -w -t 1 "$N"
		assert_equal "$stderr" "shm-get: /$N: $shm is $kind, not a regular file"
		run -2 --separate-stderr timeout 10 sh -c \
		    'echo x | shm-put $1 "$2"' sh "$opt" "$N"
		assert_equal "$stderr" "shm-put: /$N: $shm is $kind, not a regular file"
		run -2 --separate-stderr timeout 10 shm-put $opt -x -s 0 "$N" \
		    </dev/null
		assert_equal "$stderr" "shm-put: /$N: $shm is $kind, not a regular file"
		run -2 --separate-stderr timeout 10 sem-wait $opt "$N"
		assert_equal "$stderr" "sem-wait: /$N: $sem is $kind, not a regular file"
		run -125 --separate-stderr timeout 10 sem-wait $opt -n "$N" -- true
		assert_equal "$stderr" "sem-wait: /$N: $sem is $kind, not a regular file"
		run -2 --separate-stderr timeout 10 sem-post $opt "$N"
		assert_equal "$stderr" "sem-post: /$N: $sem is $kind, not a regular file"
		run -2 --separate-stderr timeout 10 sem-post $opt -x "$N"
		assert_equal "$stderr" "sem-post: /$N: $sem is $kind, not a regular file"
	done
	# Left as it was.
	run -0 test "$test" "$shm"
	run -0 test "$test" "$sem"
}

@test "security: a FIFO another user put under an object's name is refused at once" {
	plant fifo
	assert_refused "a FIFO" -p
}

@test "security: a socket another user put under an object's name is refused at once" {
	plant socket
	assert_refused "a socket" -S
}

@test "security: a symbolic link another user put under an object's name is refused, and never followed" {
	plant symlink
	assert_refused "a symbolic link" -L
	run -0 cat "$d/target"
	assert_output mine
}

@test "security: a device under an object's name is refused at once" {
	plant device
	assert_refused "a character device" -c
}

@test "security: ipc-rm says what a name that is no object is, and leaves it alone" {
	plant symlink
	run -2 --separate-stderr ipc-rm -T shm "$N"
	assert_equal "$stderr" "ipc-rm: /$N: /dev/shm/$N is a symbolic link, not an object: left alone"
	run -2 --separate-stderr ipc-rm -T sem "$N"
	assert_equal "$stderr" "ipc-rm: /$N: /dev/shm/sem.$N is a symbolic link, not an object: left alone"
	run -0 test -L "/dev/shm/$N"
	# -f: nothing to remove is no error, as with rm -f.
	run -0 --separate-stderr ipc-rm -f -T shm "$N"
	assert_equal "$stderr" ""
	run -0 cat "$d/target"
	assert_output mine
}

@test "security: nothing but a queue can be put under a queue's name" {
	requires mqueue-fs
	run -1 as_attacker mkfifo -m 666 "/dev/mqueue/$N"
	run -1 as_attacker ln -s /etc/passwd "/dev/mqueue/$N"
	run -1 as_attacker python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "/dev/mqueue/$N"
	run -1 mq_exists "$N"
}
