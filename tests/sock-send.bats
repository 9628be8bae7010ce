#!/usr/bin/env bats
# sock-send: what it sends, the reply, retries, timeouts, datagrams, errors.

setup() {
	load test_helper
	T=$BATS_TEST_TMPDIR
}

teardown() {
	sock_cleanup
	kill_bg "${pid2:-}"
}

# A Python server that reads 1024 bytes (or up to the end), prints them,
# and closes; its port in $port.
py_server() {
	mkfifo "$T/pyready"
	python3 - "$T/pyready" > "$T/out" 3>&- <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1], "w") as f:
	print(s.getsockname()[1], file=f)
c, _ = s.accept()
data = b""
while len(data) < 1024:
	b = c.recv(1024 - len(data))
	if not b:
		break
	data += b
sys.stdout.buffer.write(data)
c.close()
PY
	pid2=$!
	read -t 10 -r port < "$T/pyready"
}

# A Unix listener at $1 whose queue is full, since it never accepts; its
# pid in $pid2.
full_unix_listener() {
	mkfifo "$T/pyready"
	python3 - "$1" "$T/pyready" 3>&- <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(0)
held = []
for _ in range(2):
	c = socket.socket(socket.AF_UNIX)
	c.setblocking(False)
	try:
		c.connect(sys.argv[1])
	except BlockingIOError:
		break
	held.append(c)
with open(sys.argv[2], "w") as f:
	print(len(held), file=f)
time.sleep(60)
PY
	pid2=$!
	read -t 10 -r _ < "$T/pyready"
}

@test "sock-send: a Python server receives the arguments, each with a newline" {
	requires python3
	py_server
	run -0 --separate-stderr sock-send "$port" hello 'two words'
	assert_output ""
	wait "$pid2"
	pid2=
	run -0 cat "$T/out"
	assert_output $'hello\ntwo words'
}

@test "sock-send: sends standard input, half-closes, and copies the reply until the peer closes" {
	sock_listen_bg --exec 'tr a-z A-Z; echo end' 0
	run -0 --separate-stderr sock-send "$port" <<< $'abc\ndef'
	assert_output $'ABC\nDEF\nend'
	assert_equal "$stderr" ""
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
}

@test "sock-send: -0 and -a frame the arguments" {
	sock_listen_bg -c 2 0
	sock-send -0 "$port" a b
	sock-send -a "$port" c d
	wait "$pid"
	run -0 od -An -c "$T/out"
	assert_output "   a  \\0   b  \\0   c   d"
}

@test "sock-send: several MiB of binary data round-trip byte for byte, from a file and from a pipe" {
	head -c 5000000 /dev/urandom > "$T/data"
	sock_listen_bg -c 2 --exec cat 0
	sock-send "$port" < "$T/data" > "$T/back1"
	cat "$T/data" | sock-send "$port" | cat > "$T/back2"
	cmp "$T/data" "$T/back1"
	cmp "$T/data" "$T/back2"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
}

@test "sock-send: a Unix stream socket and an abstract one" {
	sock_listen_bg --exec 'cat; echo " back"' "unix:$T/s"
	run -0 sock-send "unix:$T/s" hi
	assert_output $'hi\n back'
	wait "$pid"
	sock_listen_bg --exec 'cat' "unix:@$N"
	assert_equal "$port" "@$N"
	run -0 sock-send "unix:@$N" abstract
	assert_output "abstract"
}

@test "sock-send: IPv6 on ::1" {
	requires ipv6
	sock_listen_bg --exec 'echo "$IPC_PEER_ADDR"; cat' '[::1]:0'
	run -0 sock-send "[::1]:$port" six
	assert_output $'::1\nsix'
}

@test "sock-send: nc -l and socat receive what it sends" {
	requires nc socat
	p=$(free_port)
	nc -l 127.0.0.1 "$p" > "$T/nc" 3>&- &
	pid2=$!
	run -0 sock-send -r 5s "$p" to-nc
	wait "$pid2"
	pid2=
	run -0 cat "$T/nc"
	assert_output "to-nc"

	p=$(free_port)
	socat -u "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr" - > "$T/socat" 3>&- &
	pid2=$!
	run -0 sock-send -r 5s "$p" to-socat
	wait "$pid2"
	pid2=
	run -0 cat "$T/socat"
	assert_output "to-socat"
}

@test "sock-send: -r connects to a server that starts late" {
	sock-send -r 10s "unix:$T/late" "came late" > "$T/reply" 3>&- &
	pid2=$!
	run -0 sock-listen --exec 'cat; echo ok' "unix:$T/late"
	st=0
	wait "$pid2" || st=$?
	assert_equal "$st" 0
	pid2=
	run -0 cat "$T/reply"
	assert_output $'came late\nok'
}

@test "sock-send: refused, missing, and -r running out give exit 2 with one line" {
	p=$(free_port)
	run -2 --separate-stderr sock-send "$p" x
	assert_equal "$stderr" "sock-send: $p: Connection refused"
	run -2 --separate-stderr sock-send "127.0.0.1:$p" x
	assert_equal "$stderr" "sock-send: 127.0.0.1:$p: Connection refused"
	run -2 --separate-stderr sock-send "unix:$T/none" x
	assert_equal "$stderr" "sock-send: unix:$T/none: No such file or directory"
	run -2 --separate-stderr sock-send -r 200ms "$p" x
	assert_equal "$stderr" "sock-send: $p: Connection refused"
}

@test "sock-send: a reset connection is exit 2" {
	requires python3
	mkfifo "$T/pyready"
	python3 - "$T/pyready" 3>&- <<'PY' &
import socket, struct, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1], "w") as f:
	print(s.getsockname()[1], file=f)
c, _ = s.accept()
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
PY
	pid2=$!
	read -t 10 -r port < "$T/pyready"
	run -2 --separate-stderr sock-send -q "$port" < /dev/zero
	assert_regex "$stderr" "^sock-send: $port: (Connection reset by peer|Broken pipe)\$"
}

@test "sock-send: -t ends an idle connection with exit 1; -q does not wait for the reply" {
	sock_listen_bg --exec "cat > '$T/got'; exec sleep 10" 0
	run -1 --separate-stderr sock-send -t 300ms "$port" x
	assert_equal "$stderr" "sock-send: $port: timed out"
	sock_cleanup
	sock_listen_bg --exec "cat > '$T/got2'; exec sleep 10" 0
	run -0 --separate-stderr timeout 5 sock-send -q "$port" quick
	assert_output ""
	# sock-send is done once it has sent; the peer writes when it can.
	wait_for_file "$T/got2"
	run -0 cat "$T/got2"
	assert_output "quick"
}

@test "sock-send: -t bounds a connect that cannot complete: exit 1" {
	requires python3
	full_unix_listener "$T/s"
	run -1 --separate-stderr sock-send -t 200ms "unix:$T/s" x
	assert_equal "$stderr" "sock-send: unix:$T/s: Connection timed out"
}

@test "sock-send: UDP sends one datagram per line and none at the end" {
	sock_listen_bg -c 5 udp:0
	printf 'a\nb\n\nc' | sock-send "udp:127.0.0.1:$port"
	sock-send -a "udp:127.0.0.1:$port" < /dev/null
	sock-send "udp:127.0.0.1:$port" end
	wait "$pid"
	run -0 cat "$T/out"
	assert_output $'a\nb\n\nc\nend'
	sock_listen_bg -c 2 udp:0
	printf 'last\n' | sock-send "udp:127.0.0.1:$port"
	sock-send "udp:127.0.0.1:$port" end
	wait "$pid"
	run -0 cat "$T/out"
	assert_output $'last\nend'
}

@test "sock-send: SIGTERM while it waits for the next datagram's input ends it by the signal, silently" {
	sock_listen_bg -c 2 udp:0
	mkfifo "$T/fifo"
	sock-send "udp:127.0.0.1:$port" < "$T/fifo" 2> "$T/senderr" 3>&- &
	pid2=$!
	exec 4> "$T/fifo"
	echo first >&4
	# The first datagram is proof that sock-send is reading.
	wait_until grep -q first "$T/out"
	wait_asleep "$pid2"
	kill -TERM "$pid2"
	reap "$pid2"
	pid2=
	exec 4>&-
	assert_equal "$status" 143
	run -0 cat "$T/senderr"
	assert_output ""
}

@test "sock-send: UDP -0 and -a records, to a Python receiver" {
	requires python3
	mkfifo "$T/pyready"
	python3 - "$T/pyready" > "$T/out" 3>&- <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
with open(sys.argv[1], "w") as f:
	print(s.getsockname()[1], file=f)
for _ in range(3):
	print(repr(s.recv(65536)))
PY
	pid2=$!
	read -t 10 -r port < "$T/pyready"
	printf 'a\nb\0c\0' | sock-send -0 "udp:127.0.0.1:$port"
	printf 'all\nof it\n' | sock-send -a "udp:127.0.0.1:$port"
	wait "$pid2"
	pid2=
	run -0 cat "$T/out"
	assert_output $'b\'a\\nb\'\nb\'c\'\nb\'all\\nof it\\n\''
}

@test "sock-send: a datagram to a closed UDP port is refused: exit 2" {
	p=$(free_port)
	run -2 --separate-stderr sock-send "udp:127.0.0.1:$p" a b
	assert_equal "$stderr" "sock-send: udp:127.0.0.1:$p: Connection refused"
}

@test "sock-send: malformed addresses give exit 2 with one line" {
	local a
	for a in 127.0.0.1:70000 localhost 'tcp6:x:1' unix: '[::1]' '::1:80' \
	    '127.0.0.1:8x' 'unix:@' '[x]:1'; do
		run -2 --separate-stderr sock-send "$a" x
		assert_equal "${#lines[@]}" 0
		[[ $stderr == "sock-send: $a: "* ]] || fail "$a: $stderr"
		[[ $stderr != *$'\n'* ]] || fail "$a: more than one line"
	done
	run -2 --separate-stderr sock-send 127.0.0.1:70000 x
	assert_equal "$stderr" "sock-send: 127.0.0.1:70000: port is too large"
	run -2 --separate-stderr sock-send localhost x
	assert_equal "$stderr" "sock-send: localhost: no port"
	run -2 --separate-stderr sock-send tcp6:x:1 x
	assert_equal "$stderr" "sock-send: tcp6:x:1: unknown scheme"
	run -2 --separate-stderr sock-send "unix:/$(printf 'a%.0s' $(seq 110))" x
	assert_equal "$stderr" "sock-send: unix:/$(printf 'a%.0s' $(seq 110)): path is too long"
	run -2 --separate-stderr sock-send 127.0.0.1:0 x
	assert_equal "$stderr" "sock-send: 127.0.0.1:0: port 0 is only for listening"
}

@test "sock-send: bad options give exit 2 with one line" {
	run -2 --separate-stderr sock-send -t soon 1 x
	assert_equal "$stderr" "sock-send: timeout is invalid: soon"
	run -2 --separate-stderr sock-send -r -1 1 x
	assert_equal "$stderr" "sock-send: retry is negative: -1"
	run -2 --separate-stderr sock-send -0 -a 1 x
	assert_equal "$stderr" "sock-send: cannot use -0 and -a"
	run -2 --separate-stderr sock-send -n -t 1 1 x
	assert_equal "$stderr" "sock-send: cannot use -n and -t"
	run -2 --separate-stderr sock-send
	assert_output ""
	[[ $stderr == "usage: sock-send "* ]] || fail "$stderr"
}

@test "sock-send: a reply that cannot be written is exit 2" {
	requires python3
	sock_listen_bg --exec 'cat > /dev/null; yes' 0
	run -2 --separate-stderr run_into_closed_pipe sock-send "$port" x
	assert_equal "$stderr" "sock-send: stdout: Broken pipe"
}

@test "sock-send: --help prints the usage to standard output; -V the version" {
	run -0 --separate-stderr sock-send --help
	assert_line --index 0 --partial "usage: sock-send"
	assert_equal "$stderr" ""
	run -0 sock-send -V
	assert_output --regexp '^sock-send \(ipcutils\) '
}

@test "sock-send: -n does not wait to connect, then waits for the reply as usual" {
	sock_listen_bg --exec 'cat > /dev/null; sleep 0.5; echo late' 0
	run -0 --separate-stderr sock-send -n "$port" x
	assert_output "late"
	assert_equal "$stderr" ""
}

@test "sock-send: -n gives exit 1 at once where the connect would have to wait" {
	requires python3
	full_unix_listener "$T/s"
	run -1 --separate-stderr timeout 5 sock-send -n "unix:$T/s" x
	assert_equal "$stderr" "sock-send: unix:$T/s: Resource temporarily unavailable"
}

@test "sock-send: an address with a newline is shown escaped, on one line" {
	run -2 --separate-stderr sock-send $'ab\ncd' x
	assert_equal "$stderr" 'sock-send: ab\ncd: no port'
}

@test "sock-send: a record longer than a datagram is exit 2, naming it and its length" {
	local port
	port=$(free_port)
	head -c 70000 /dev/zero | tr '\0' x > "$T/big"
	{ echo small; cat "$T/big"; echo; } > "$T/in"
	run -2 --separate-stderr sock-send "udp:127.0.0.1:$port" < "$T/in"
	assert_equal "$stderr" "sock-send: udp:127.0.0.1:$port: record 2 of 70000 bytes does not fit in a datagram"
}

@test "sock-send: an empty address, an open bracket, an empty or long host, a huge descriptor, a refusing name: exit 2, each in its words" {
	local long
	long=$(printf 'h%.0s' $(seq 300))
	run -2 --separate-stderr sock-send '' x
	assert_equal "$stderr" 'sock-send: "": address is empty'
	run -2 --separate-stderr sock-send '[::1' x
	assert_equal "$stderr" "sock-send: [::1: no closing bracket"
	run -2 --separate-stderr sock-send '[]:80' x
	assert_equal "$stderr" "sock-send: []:80: host is empty"
	run -2 --separate-stderr sock-send "$long:80" x
	assert_equal "$stderr" "sock-send: $long:80: host is too long"
	run -2 --separate-stderr sock-send fd:99999999999 x
	assert_equal "$stderr" "sock-send: fd:99999999999: descriptor is too large"
	run -2 --separate-stderr sock-send udp: x
	assert_equal "$stderr" "sock-send: udp:: no port"
	# A name looked up (getaddrinfo): one that resolves, and refuses.
	run -2 --separate-stderr sock-send "localhost:$(free_port)" x
	assert_regex "$stderr" '^sock-send: localhost:[0-9]+: Connection refused$'
}
