# test_helper.bash: loaded by every test file; unique names and cleanup.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

# One name per test, so tests never meet each other's objects.
N="ipct-$$-$BATS_TEST_NUMBER"

# Skip with the reason unless the machine has what the test needs.
requires() {
	local what
	for what in "$@"; do
		case $what in
		root)
			[ "$(id -u)" -eq 0 ] || skip "needs root" ;;
		mqueue-fs)
			[ -d /dev/mqueue ] && mountpoint -q /dev/mqueue ||
			    skip "needs /dev/mqueue mounted (mount -t mqueue none /dev/mqueue)" ;;
		python3)
			command -v python3 >/dev/null || skip "needs python3" ;;
		nc|socat|flock|parallel|unshare|od|timeout|strace|lsipc|ipcs|ipcmk|ipcrm|nsenter)
			command -v "$what" >/dev/null || skip "needs $what" ;;
		nobody)
			# setpriv, and the built tools runnable by nobody.
			command -v setpriv >/dev/null || skip "needs setpriv"
			# Through a shell: setpriv itself may still find a
			# program in a directory nobody cannot search.
			setpriv --reuid=nobody --regid=nogroup --clear-groups \
			    sh -c 'exec ipc-ls --version' >/dev/null 2>&1 ||
			    skip "nobody cannot run the built tools here" ;;
		etcd)
			if sem-post etcd://127.0.0.1:1/ipct 2>&1 |
			    grep -q 'built without etcd'; then
				skip "this ipcutils was built without etcd"
			fi ;;
		no-etcd)
			# The tests of a build with etcd are tests/etcd.bats.
			sem-post etcd://127.0.0.1:1/ipct 2>&1 |
			    grep -q 'built without etcd' ||
			    skip "this build has etcd (tests/etcd.bats)" ;;
		ptrace)
			# LeakSanitizer does not work under strace or gdb.
			if ldd "$(command -v ipc-ls)" 2>/dev/null |
			    grep -q libasan; then
				skip "a sanitizer build: LeakSanitizer does not work under ptrace"
			fi ;;
		ipv6)
			python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' \
			    2>/dev/null || skip "no ::1 on this machine" ;;
		*)
			echo "requires: unknown requirement: $what" >&2
			return 1 ;;
		esac
	done
}

# What PROGRAM says on stderr when it looks for queues by pattern and
# /dev/mqueue is not mounted: nothing where it is.
mqfs_note() {
	local what=listed
	[ "$1" = ipc-rm ] && what=matched
	mountpoint -q /dev/mqueue 2>/dev/null ||
	    echo "$1: /dev/mqueue: not mounted, so no queues are $what (mount -t mqueue none /dev/mqueue)"
}

# Skip unless PROGRAM starts with only descriptors 0 to 2 allowed: a
# dynamically linked one (the sanitizer build) cannot, as the loader needs
# a descriptor to open its libraries.
requires_starts_with_3_fds() {
	bash -c 'ulimit -n 3; exec "$1" --version' sh "$1" >/dev/null 2>&1 ||
	    skip "$1 cannot start with 3 descriptors (linked dynamically)"
}

# Is the queue there?  (mq_open itself, so /dev/mqueue need not be mounted.)
mq_exists() {
	if peer-mq attr "/$1" >/dev/null 2>&1; then return 0; else return 1; fi
}

# Messages waiting in a queue.
mq_count() {
	peer-mq attr "/$1" | cut -d' ' -f3
}

# Remove every queue a test may have made under its name.
mq_cleanup() {
	local q
	for q in "$N" "$N"-a "$N"-b "$N"-c; do
		peer-mq unlink "/$q"
	done
}

# Run a command whose standard output is a pipe that nobody reads any more.
run_into_closed_pipe() {
	python3 - "$@" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w)
sys.exit(p.returncode)
PY
}

# Wait for a background process and set $status to its exit status.  Not
# under run: run's subshell cannot wait for the test shell's children.
reap() {
	status=0
	wait "$1" || status=$?
}

# Kill a background process by its pid, quietly, if it is still there.
kill_bg() {
	local pid
	for pid in "$@"; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}

# Remove every object of every type a test may have made under its name
# (ipc-ls, ipc-rm): $N and $N-anything.
ipc_cleanup() {
	local f
	for f in /dev/shm/"$N" /dev/shm/"$N"-* /dev/shm/sem."$N" \
	    /dev/shm/sem."$N"-*; do
		[ -e "$f" ] || [ -L "$f" ] && rm -f "$f"
	done
	if mountpoint -q /dev/mqueue 2>/dev/null; then
		for f in /dev/mqueue/"$N" /dev/mqueue/"$N"-*; do
			[ -e "$f" ] || [ -L "$f" ] && rm -f "$f"
		done
	fi
	mq_cleanup
	sysv_cleanup
	return 0
}

# Remove every shared memory object a test may have made under its name.
shm_cleanup() {
	local o
	for o in "$N" "$N"-a "$N"-b "$N"-c; do
		peer-shm unlink "/$o"
	done
}

# Is the shared memory object there?  (shm_open itself, not /dev/shm.)
shm_exists() {
	if peer-shm stat "/$1" >/dev/null 2>&1; then return 0; else return 1; fi
}

# Semaphores (peer-sem calls sem_open itself).  The value, or exit 1 if none.
sem_value() {
	peer-sem value "/$1"
}

# Remove every semaphore a test may have made under its name.
sem_cleanup() {
	local s
	for s in "$N" "$N"-a "$N"-b "$N"-c; do
		peer-sem unlink "/$s"
	done
}

# Wait, at most about five seconds, until a file is there and not empty.
wait_for_file() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "wait_for_file: $1 did not appear" >&2
	return 1
}

# Wait, at most about five seconds, until a process sleeps in a futex wait
# (sem_wait, sem_timedwait): a waiter that is there already.
wait_blocked() {
	local i
	for i in $(seq 100); do
		case $(cat "/proc/$1/wchan" 2>/dev/null) in *futex*) return 0 ;; esac
		sleep 0.05
	done
	echo "wait_blocked: $1 is not waiting on a futex" >&2
	return 1
}

# Start sock-listen in the background, its output in $BATS_TEST_TMPDIR/out
# and its errors in $BATS_TEST_TMPDIR/err:
# $pid is its pid, $port what it wrote to its --port-file (a FIFO, so no
# sleep), or the read fails after 10 seconds if it never listened.
sock_listen_bg() {
	local ready=$BATS_TEST_TMPDIR/ready
	rm -f "$ready"
	mkfifo "$ready"
	sock-listen --port-file "$ready" "$@" > "$BATS_TEST_TMPDIR/out" \
	    2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	read -t 10 -r port <> "$ready"
}

# Kill a background sock-listen and the commands it runs, by their pids.
sock_cleanup() {
	local p
	[ -n "${pid:-}" ] || return 0
	for p in $(pgrep -P "$pid" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	kill_bg "$pid"
}

# A TCP port on the loopback that nothing listens on, for the moment.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Run a command every 50 ms until it succeeds, for at most about ten
# seconds.
wait_until() {
	local i
	for i in $(seq 200); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# Is the process asleep in a system call (state S)?
asleep() {
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = S ]
}

# Wait until a process sleeps in a system call: blocked in the wait a test
# wants it in, with what else the test checks (a queue's count, a pipe).
wait_asleep() {
	wait_until asleep "$1" || { echo "wait_asleep: $1 is not sleeping" >&2; return 1; }
}

# Does a queue hold n messages?
mq_count_is() {
	[ "$(mq_count "$1")" = "$2" ]
}

# Wait until a queue holds n messages.
wait_mq_count() {
	wait_until mq_count_is "$1" "$2" ||
	    { echo "wait_mq_count: /$1 holds $(mq_count "$1"), not $2" >&2; return 1; }
}

# Has a child of the test ended (a zombie, or gone)?
ended() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}

# Send SIGTERM to a background process and set $status to its exit status;
# one still running 30 s later is killed, and $status is "still running".
terminate() {
	local i
	kill -TERM "$1"
	for i in $(seq 600); do
		ended "$1" && break
		sleep 0.05
	done
	if ! ended "$1"; then
		kill -KILL "$1"
		reap "$1"
		status="still running 30 s after SIGTERM"
		return 0
	fi
	reap "$1"
}

# A System V key of this test's own (0x, then hex of $$, the test's number
# and $1), as ipc-ls names it.
sysv_key() {
	printf '0x%04x%02x%02x' $(($$ & 0xffff)) $((BATS_TEST_NUMBER & 0xff)) \
	    "${1:-0}"
}

# Make a System V object with peer-sysv (msg|sem|shm KEY MODE N), remember
# it for sysv_cleanup, and print its id.
mk_sysv() {
	local id
	id=$(peer-sysv "$@") || return 1
	echo "$1 $id $2" >> "$BATS_TEST_TMPDIR/sysv-made"
	echo "$id"
}

# Remove the System V objects mk_sysv made, those still under their key.
sysv_cleanup() {
	local type id key
	[ -f "$BATS_TEST_TMPDIR/sysv-made" ] || return 0
	while read -r type id key; do
		ipc-rm -f -T "sysv-$type" "id:$id" 2>/dev/null || true
	done < "$BATS_TEST_TMPDIR/sysv-made"
	rm -f "$BATS_TEST_TMPDIR/sysv-made"
}

# Attach segment $1 in the background until killed: its pid in $attached.
attach_sysv() {
	local ready
	mkfifo "$BATS_TEST_TMPDIR/attach-$1"
	peer-sysv attach "$1" > "$BATS_TEST_TMPDIR/attach-$1" 3>&- &
	attached=$!
	read -r ready < "$BATS_TEST_TMPDIR/attach-$1"
	[ "$ready" = attached ]
}

# Start a command in the background with every signal at its default:
# `with_default_signals CMD... &` (it execs, so that $! is the command's
# pid).  A non-interactive shell's & alone starts it with SIGINT and
# SIGQUIT ignored, which a tool keeps.
with_default_signals() {
	exec python3 -c 'import os, signal, sys
for s in range(1, signal.NSIG):
    try:
        signal.signal(s, signal.SIG_DFL)
    except (OSError, ValueError):
        pass
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
