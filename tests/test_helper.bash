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
		nc|socat|flock|parallel|unshare|od|timeout)
			command -v "$what" >/dev/null || skip "needs $what" ;;
		ipv6)
			python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' \
			    2>/dev/null || skip "no ::1 on this machine" ;;
		*)
			echo "requires: unknown requirement: $what" >&2
			return 1 ;;
		esac
	done
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

# Kill a background process by its pid, quietly, if it is still there.
kill_bg() {
	local pid
	for pid in "$@"; do
		[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
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
