#!/usr/bin/env bats
# Every tool: options end at the first operand, numbers and sizes are
# strict, durations exact, and errors are one line with the input escaped.

setup() {
	load test_helper
}

teardown() {
	sock_cleanup
	ipc_cleanup
	shm_cleanup
	sem_cleanup
}

mq() {
	mq-send --max-messages 4 --message-size 64 "$@"
}

# -- options end at the first operand ------------------------------------

@test "args: mq-send q -n -p 'a b' sends three messages, options and all" {
	run -0 mq "$N" -n -p 'a b'
	run -0 mq-recv -n -c 3 "$N"
	assert_output $'-n\n-p\na b'
}

@test "args: a message that looks like an option is sent, not read as one" {
	msg=-n
	run -0 mq "$N" "$msg" < /dev/null
	run -0 mq-recv -n -c 1 "$N"
	assert_output -- "-n"
	msg=-p
	run -0 mq "$N" "$msg" < /dev/null
	run -0 mq-recv -n "$N"
	assert_output -- "-p"
}

@test "args: sock-send PORT -x sends -x" {
	sock_listen_bg 0
	run -0 sock-send "$port" -x
	reap "$pid"
	[ "$status" -eq 0 ]
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output -- "-x"
}

@test "args: sem-wait name -- command still runs the command; options after the name are not ours" {
	run -0 sem-wait "$N" -- sh -c 'echo ran "$@"' sh -v
	assert_output "ran -v"
	run -125 --separate-stderr sem-wait "$N" -v -- true
	assert_equal "$stderr" "sem-wait: -v: options come before the name (sem-wait -v $N)"
}

@test "args: an option after the operand is said to be one, with the line meant; nothing is done" {
	run -2 --separate-stderr mq-recv "$N" -n
	assert_equal "$stderr" "mq-recv: -n: options come before the name (mq-recv -n $N)"
	run -2 --separate-stderr mq-recv "$N" -t 5s
	assert_equal "$stderr" "mq-recv: -t: options come before the name (mq-recv -t 5s $N)"
	run -2 --separate-stderr sock-listen :0 -k
	assert_equal "$stderr" "sock-listen: -k: options come before the address (sock-listen -k :0)"
	run -2 --separate-stderr shm-put "$N" -x < /dev/null
	assert_equal "$stderr" "shm-put: -x: options come before the name (shm-put -x $N)"
	[ ! -e "/dev/shm/$N" ]
	local t
	for t in sem-post shm-get; do
		run -2 --separate-stderr "$t" "$N" -V
		assert_equal "$stderr" "$t: -V: options come before the name ($t -V $N)"
	done
	run -2 --separate-stderr ipc-ls "$N" -n
	assert_equal "$stderr" "ipc-ls: -n: options come before the names (ipc-ls -n $N)"
}

@test "args: ipc-rm NAME -f removes nothing and says -f is an option; after -- it is a name" {
	run -0 shm-put "$N" <<< x
	run -2 --separate-stderr ipc-rm "$N" -f
	assert_equal "$stderr" "ipc-rm: -f: options come before the names (ipc-rm -f $N)"
	[ -e "/dev/shm/$N" ]
	run -2 --separate-stderr ipc-rm -- "$N" -f
	assert_equal "$stderr" "ipc-rm: /-f: No such file or directory"
	[ ! -e "/dev/shm/$N" ]
}

# -- numbers and sizes: digits, one unit, nothing else --------------------

@test "args: a size is digits and at most one unit: exponents, base prefixes, two units, spaces are refused" {
	for s in 1e3 5kx 1kk "5K " " 5" 0x10 +5 -0 1.5k k ""; do
		run -2 --separate-stderr shm-put -s "$s" "$N" < /dev/null
		case $s in
		"5K "|" 5") shown="\"$s\"" ;;
		"") shown='""' ;;
		*) shown=$s ;;
		esac
		assert_equal "$stderr" "shm-put: size is invalid: $shown"
		run -1 shm_exists "$N"
	done
}

@test "args: 010 is ten, and 4k and 1M are powers of 1024" {
	shm-put -s 010 "$N" < /dev/null
	run -0 peer-shm stat "/$N"
	assert_output "10 0600"
	shm-put -s 4K "$N" < /dev/null
	run -0 peer-shm stat "/$N"
	assert_output "4096 0600"
	run -0 shm-get -l 1m -o 0 "$N"
}

@test "args: a sign hidden behind a tab or a newline is refused" {
	peer-shm int "/$N" 7
	run -2 --separate-stderr shm-get -l $'\t-5' "$N"
	assert_equal "$stderr" 'shm-get: length is invalid: \t-5'
	run -2 --separate-stderr shm-get -o $'\n5' "$N"
	assert_equal "$stderr" 'shm-get: offset is invalid: \n5'
}

@test "args: counts are digits alone: ' 5', +5, 5x and 0x5 are refused" {
	run -2 --separate-stderr mq-recv -n -c ' 5' "$N"
	assert_equal "$stderr" 'mq-recv: count is invalid: " 5"'
	run -2 --separate-stderr mq-recv -n -c +5 "$N"
	assert_equal "$stderr" 'mq-recv: count is invalid: +5'
	run -2 --separate-stderr sem-wait -n -E ' 5' "$N"
	assert_equal "$stderr" 'sem-wait: conflict exit code is invalid: " 5"'
	run -2 --separate-stderr sem-post -c 0x5 "$N"
	assert_equal "$stderr" 'sem-post: count is invalid: 0x5'
	run -2 --separate-stderr mq-send -p 1e1 "$N" x
	assert_equal "$stderr" 'mq-send: priority is invalid: 1e1'
	run -1 mq_exists "$N"
	run -1 sem_value "$N"
}

@test "args: a count past its largest is too large, not wrapped" {
	run -2 --separate-stderr mq-recv -n -c 99999999999999999999999 "$N"
	assert_equal "$stderr" 'mq-recv: count is too large: 99999999999999999999999'
	run -2 --separate-stderr sem-post -c 0 "$N"
	assert_equal "$stderr" 'sem-post: count is too small: 0'
}

# -- durations -----------------------------------------------------------

@test "args: a duration past what a tool can wait is exit 2 with one line" {
	for t in 9223372036.999999999 9223372037 2562048h 153722868m 99999999999999999999; do
		run -2 --separate-stderr sem-wait -t "$t" "$N"
		assert_equal "$stderr" "sem-wait: timeout is too large: $t"
	done
	run -2 --separate-stderr mq-recv -t 9223372036.999999999 "$N"
	assert_equal "$stderr" "mq-recv: timeout is too large: 9223372036.999999999"
	run -1 sem_value "$N"
}

@test "args: a fraction past six digits rounds up: 0.1234567ms still waits" {
	requires strace
	status=0
	# LeakSanitizer cannot run under ptrace: a sanitizer build's leak
	# check is off for this one.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    strace -f -o "$BATS_TEST_TMPDIR/trace" -e trace=futex \
	    sem-wait -t 0.1234567ms "$N" || status=$?
	[ "$status" -eq 1 ]
	# sem_timedwait(3) waits on a futex: a wait of 0 makes none.
	run -0 grep -c FUTEX_WAIT "$BATS_TEST_TMPDIR/trace"
}

# -- errors: one line, the program's name, the input escaped ---------------

@test "args: getopt's errors name the program, not its path, in one line" {
	run -2 --separate-stderr "$(command -v mq-send)" -z "$N"
	assert_equal "${stderr_lines[0]}" "mq-send: -z: unknown option"
	[[ ${stderr_lines[1]} == "usage: mq-send "* ]]
	run -2 --separate-stderr "$(command -v sem-post)" --frobnicate "$N"
	assert_equal "${stderr_lines[0]}" "sem-post: --frobnicate: unknown option"
	run -2 --separate-stderr "$(command -v ipc-ls)" -o
	assert_equal "${stderr_lines[0]}" "ipc-ls: -o: needs an argument"
	run -2 --separate-stderr "$(command -v shm-get)" --length
	assert_equal "${stderr_lines[0]}" "shm-get: --length: needs an argument"
	run -2 --separate-stderr "$(command -v sem-wait)" --help=x
	assert_equal "${stderr_lines[0]}" "sem-wait: --help: takes no argument"
	run -2 --separate-stderr "$(command -v sock-send)" --n 1
	assert_equal "${stderr_lines[0]}" "sock-send: --n: ambiguous option: --null, --nonblock, --no-reply"
}

@test "args: every tool's usage error is its one-line message, then the usage line" {
	local page t n=0
	for page in "$IPCUTILS_MANDIR"/*.1; do
		t=$(basename "$page" .1)
		n=$((n + 1))
		run --separate-stderr "$t" --no-such-option
		[ "$status" -eq 2 ] || [ "$status" -eq 125 ]
		assert_equal "${stderr_lines[0]}" "$t: --no-such-option: unknown option"
		[[ ${stderr_lines[1]} == "usage: $t "* ]]
	done
	[ "$n" -ge 10 ]
}

@test "args: bytes of the input are escaped: a newline cannot make a message two lines" {
	run -2 --separate-stderr mq-recv -n -c $'1\n2' "$N"
	assert_equal "$stderr" 'mq-recv: count is invalid: 1\n2'
	run -2 --separate-stderr mq-send $'a/b\n\033[2J' x
	assert_equal "$stderr" 'mq-send: a/b\n\^[[2J: name holds a '"'/'"' after the leading one'
	run -2 --separate-stderr sem-wait -t $'1\r2' "$N"
	assert_equal "$stderr" 'sem-wait: timeout is invalid: 1\r2'
	run -2 --separate-stderr shm-put -m $'7\n' "$N"
	assert_equal "$stderr" 'shm-put: mode is invalid: 7\n'
	run -2 --separate-stderr mq-send $'--x\ny' "$N"
	assert_equal "${stderr_lines[0]}" 'mq-send: --x\ny: unknown option'
	run -2 --separate-stderr mq-send $'-\x01' "$N"
	assert_equal "${stderr_lines[0]}" 'mq-send: -\^A: unknown option'
	run -2 --separate-stderr ipc-rm "$N"$'\nx'
	assert_equal "$stderr" "ipc-rm: /$N\\nx: No such file or directory"
	run -2 --separate-stderr ipc-ls "$N"$'\tx'
	assert_equal "$stderr" "ipc-ls: /$N\\tx: No such file or directory"
	# A PATH of one directory: one this user may not search would be 126.
	run -127 --separate-stderr env PATH=/nonexistent "$(command -v sem-wait)" \
	    "$N" -- $'no\ncommand'
	assert_equal "$stderr" 'sem-wait: no\ncommand: No such file or directory'
}

# -- usage errors of a tool that runs a command ----------------------------

@test "args: a usage error with a command to run is 125, wherever the command's option stands" {
	run -125 --separate-stderr sock-listen --exec true -c x :0
	assert_equal "$stderr" "sock-listen: count is invalid: x"
	run -125 --separate-stderr sock-listen -c x --exec true :0
	assert_equal "$stderr" "sock-listen: count is invalid: x"
	run -125 --separate-stderr sock-listen -q --exec true :0
	assert_equal "${stderr_lines[0]}" "sock-listen: -q: unknown option"
	run -2 --separate-stderr sock-listen -c x :0
	run -125 --separate-stderr sem-wait -E x "$N" -- true
	assert_equal "$stderr" "sem-wait: conflict exit code is invalid: x"
	run -125 --separate-stderr sem-wait -q "$N" -- true
	assert_equal "${stderr_lines[0]}" "sem-wait: -q: unknown option"
	run -1 sem_value "$N"
}

# -- names ---------------------------------------------------------------

@test "args: the longest names work in every tool: 255 bytes, 251 for a semaphore; one more is refused" {
	long=$N-$(printf "%0$((254 - ${#N}))d" 0)
	sem=${long:0:251}
	run -0 mq "$long" hello
	run -0 mq-recv -n "$long"
	assert_output "hello"
	run -0 mq-recv -u -d "$long"
	echo data | shm-put "$long"
	run -0 shm-get "$long"
	assert_output "data"
	run -0 sem-post "$sem"
	run -0 sem-wait -n -v "$sem"
	assert_output "0"
	run -0 ipc-rm "$sem"
	run -0 ipc-rm "$long"
	for t in "mq-send ${long}x m" "mq-recv -n ${long}x" "shm-put ${long}x" "shm-get ${long}x"; do
		run -2 --separate-stderr $t < /dev/null
		assert_equal "$stderr" "${t%% *}: ${long}x: name too long"
	done
	run -2 --separate-stderr sem-post "${sem}x"
	assert_equal "$stderr" "sem-post: ${sem}x: name too long"
}

# -- closed standard descriptors -----------------------------------------

# Run a command with its stdout, or its stdin, closed.
without_stdout() {
	"$@" >&-
}
without_stdin() {
	"$@" <&-
}

@test "args: a tool started with stdin or stdout closed says so; the first object it opens is not taken for them" {
	# mq-recv: the queue would have been descriptor 1.
	run -0 mq "$N" hello
	run -2 --separate-stderr without_stdout mq-recv -d "$N"
	assert_equal "$stderr" "mq-recv: stdout: 1 message put back on /$N: Bad file descriptor"
	run -0 mq-recv -n "$N"
	assert_output hello
	# shm-put: nothing read, nothing made.
	run -2 --separate-stderr without_stdin shm-put "$N"
	assert_equal "$stderr" "shm-put: stdin: Bad file descriptor"
	[ ! -e "/dev/shm/$N" ] || false
	# sock-listen: the connection would have been descriptor 1, and what
	# came in would have gone back out to its sender.
	local ready=$BATS_TEST_TMPDIR/ready
	mkfifo "$ready"
	sock-listen --port-file "$ready" tcp:127.0.0.1:0 \
	    2> "$BATS_TEST_TMPDIR/err" >&- 3>&- &
	pid=$!
	read -t 10 -r port <> "$ready"
	run -0 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"secret\n")
s.settimeout(10)
got = b""
while True:
	d = s.recv(100)
	if not d:
		break
	got += d
sys.stdout.write(repr(got))' "$port"
	assert_output "b''"
	run -2 wait "$pid"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "sock-listen: stdout: Bad file descriptor"
}
