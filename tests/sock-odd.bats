#!/usr/bin/env bats
# sock-odd: the sock tools' odd cases: names through the resolver, bad
# forms, many connections at once, commands that fail or die, peers that
# reset, stall or are not TLS, signals where they block, bad TLS files,
# and the fault shim on the TLS relay.

bats_require_minimum_version 1.5.0

setup_file() {
	command -v openssl >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR/pki
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		umask 077
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -keyout srv.key -out srv.pem -days 2 -subj /CN=localhost \
		    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
	)
}

setup() {
	load test_helper
	T=$BATS_TEST_TMPDIR
	K=$BATS_FILE_TMPDIR/pki
	SRV=(--tls-cert "$K/srv.pem" --tls-key "$K/srv.key")
}

teardown() {
	sock_cleanup
	kill_bg "${pid2:-}" "${ppid_:-}"
}

needs_tls() {
	command -v openssl >/dev/null || skip "needs openssl"
}

# A Python peer in the background, its pid in $ppid_:
#   hold FILE         a TCP server on the loopback (its port in FILE) that
#                     takes one connection, sends "bye" and its end, and
#                     then reads nothing, for as long as it lives
#   mute FILE         the same, but it sends nothing at all
#   full PATH FILE    a Unix stream listener on PATH that never accepts,
#                     its queue filled ("full" in FILE once it is)
#   tlscut PORT       a client that sends the first bytes of a TLS record
#                     and closes ("reset": resets instead)
peer_bg() {
	python3 - "$@" <<'PY' 3>&- &
import os, socket, sys, time
mode = sys.argv[1]
if mode in ("hold", "mute"):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    with open(sys.argv[2] + ".tmp", "w") as f:
        print(s.getsockname()[1], file=f)
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    c, _ = s.accept()
    if mode == "hold":
        c.sendall(b"bye\n")
        c.shutdown(socket.SHUT_WR)
    while True:
        time.sleep(60)
elif mode == "full":
    s = socket.socket(socket.AF_UNIX)
    s.bind(sys.argv[2])
    s.listen(0)
    held = []
    while True:
        c = socket.socket(socket.AF_UNIX)
        c.setblocking(False)
        try:
            c.connect(sys.argv[2])
        except (BlockingIOError, InterruptedError):
            break
        held.append(c)
    with open(sys.argv[3] + ".tmp", "w") as f:
        print("full", file=f)
    os.rename(sys.argv[3] + ".tmp", sys.argv[3])
    while True:
        time.sleep(60)
PY
	ppid_=$!
}

# One line on stderr, the tool's own, matching the regex ERE.
one_line() {
	local tool=$1 ere=$2
	[[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
	[[ $stderr =~ ^$tool:\ $ere$ ]] || fail "not '$tool: $ere': $stderr"
}

# --- addresses ------------------------------------------------------------

@test "sock-odd: a host that is not numeric goes through the resolver; tcp: is TCP; every byte arrives" {
	# 127.1 is no address inet_pton(3) takes, but getaddrinfo(3) does.
	sock_listen_bg -c 2 127.1:0
	seq 1 5000 > "$T/in"
	run -0 --separate-stderr sock-send "127.1:$port" < "$T/in"
	assert_equal "$stderr" ""
	run -0 --separate-stderr sock-send "tcp:127.0.0.1:$port" last
	reap "$pid"
	pid=
	assert_equal "$status" 0
	{ cat "$T/in"; echo last; } > "$T/want"
	cmp "$T/want" "$T/out"
	assert_equal "$(cat "$T/err")" ""
}

@test "sock-odd: a name that does not resolve is exit 2, one line, for both tools" {
	run -2 --separate-stderr sock-listen --port-file "$T/pf" nonexistent.invalid:0
	one_line sock-listen 'nonexistent\.invalid:0: [^:]+'
	[ ! -e "$T/pf" ] || fail "it listened"
	run -125 --separate-stderr sock-listen --exec cat nonexistent.invalid:0
	one_line sock-listen 'nonexistent\.invalid:0: [^:]+'
	run -2 --separate-stderr sock-send nonexistent.invalid:9 x
	one_line sock-send 'nonexistent\.invalid:9: [^:]+'
	assert_output ""
}

@test "sock-odd: tls: before an empty or malformed address is exit 2, one line" {
	run -2 --separate-stderr sock-send tls: x
	assert_equal "$stderr" "sock-send: tls:: address is empty"
	run -2 --separate-stderr sock-send 'tls:[::1' x
	assert_equal "$stderr" "sock-send: tls:[::1: no closing bracket"
	run -2 --separate-stderr sock-listen "${SRV[@]}" tls:unixgram:x
	assert_equal "$stderr" "sock-listen: tls:unixgram:x: tls: is for TCP"
}

# python3 hands sock-listen a socket on descriptor 3: KIND is tcp, udp or
# a Unix path; its port or path goes to FILE.
handed() {
	python3 - "$@" <<'PY'
import os, socket, sys
kind, portfile = sys.argv[1:3]
if kind == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    name = str(s.getsockname()[1])
else:
    s = socket.socket(socket.AF_UNIX)
    s.bind(kind)
    s.listen(4)
    name = kind
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
with open(portfile, "w") as f:
    print(name, file=f)
os.execvp("sock-listen", ["sock-listen"] + sys.argv[3:])
PY
}

@test "sock-odd: tls:fd:N on a Unix or a UDP socket handed over is exit 2, one line" {
	requires python3
	needs_tls
	run -2 --separate-stderr handed "$T/u" "$T/p" "${SRV[@]}" tls:fd:3
	assert_equal "$stderr" "sock-listen: tls:fd:3: tls: is for TCP"
	[ -S "$T/u" ] || fail "the socket handed over was removed"
	run -2 --separate-stderr handed udp "$T/p2" "${SRV[@]}" tls:fd:3
	assert_equal "$stderr" "sock-listen: tls:fd:3: tls: is for TCP"
}

@test "sock-odd: an unknown option is exit 2 with the usage; 125 with --exec" {
	run -2 --separate-stderr sock-listen --bogus 1
	assert_output ""
	assert_equal "${stderr%%$'\n'*}" "sock-listen: --bogus: unknown option"
	[[ $stderr == *$'\n'"usage: sock-listen "* ]] || fail "$stderr"
	run -125 --separate-stderr sock-listen --exec cat --bogus 1
	[[ $stderr == *$'\n'"usage: sock-listen "* ]] || fail "$stderr"
	run -2 --separate-stderr sock-send --bogus 1 x
	assert_equal "${stderr%%$'\n'*}" "sock-send: --bogus: unknown option"
	[[ $stderr == *$'\n'"usage: sock-send "* ]] || fail "$stderr"
}

@test "sock-odd: a --port-file that cannot be written is exit 2, one line, and the socket file goes" {
	[ -w /dev/full ] || skip "needs /dev/full"
	run -2 --separate-stderr sock-listen --port-file /dev/full "unix:$T/s"
	assert_equal "$stderr" "sock-listen: /dev/full: No space left on device"
	[ ! -e "$T/s" ] || fail "the socket file was left"
}

@test "sock-odd: an IPv4 peer on a dual-stack listener is named as IPv4, an IPv6 one as IPv6" {
	sock_listen_bg -c 2 --exec 'echo "$IPC_PEER_ADDR"' :0
	run -0 --separate-stderr sock-send "127.0.0.1:$port"
	assert_output "127.0.0.1"
	if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
		run -0 --separate-stderr sock-send "[::1]:$port"
		assert_output "::1"
	else
		sock-send "127.0.0.1:$port" > /dev/null
	fi
	reap "$pid"
	pid=
	assert_equal "$status" 0
}

# --- the keeper -----------------------------------------------------------

# How many keepers (children) does sock-listen have?
keepers_are() {
	[ "$(pgrep -c -P "$pid")" -eq "$1" ]
}

@test "sock-odd: -k -j 12: twelve connections at once, each command runs at the same time and answers its own" {
	local i senders=()
	sock_listen_bg -k -j 12 --exec 'read -r l; echo "got $l"' 0
	for i in $(seq 12); do
		(
			while [ ! -e "$T/go" ]; do sleep 0.05; done
			echo "client $i"
		) | sock-send -t 60 "$port" > "$T/reply$i" 2> "$T/err$i" &
		senders+=($!)
	done
	# Twelve keepers at once: every connection has its command.
	wait_until keepers_are 12 ||
	    fail "$(pgrep -c -P "$pid") keepers, not 12"
	touch "$T/go"
	for i in $(seq 12); do
		wait "${senders[$((i - 1))]}" || fail "client $i: status $?: $(cat "$T/err$i")"
		assert_equal "$(cat "$T/reply$i")" "got client $i"
	done
	# Still serving after that.
	run -0 sock-send "$port" again
	assert_output "got again"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	assert_equal "$(cat "$T/err")" ""
}

@test "sock-odd: a command that cannot run is 126; one killed by a signal is 128+N" {
	printf '#!/bin/sh\necho never\n' > "$T/noexec"
	chmod 644 "$T/noexec"
	sock_listen_bg --exec "$T/noexec" 0
	run -0 sock-send "$port" x
	assert_output ""
	reap "$pid"
	pid=
	assert_equal "$status" 126
	run -0 cat "$T/err"
	assert_equal "${#lines[@]}" 1
	[[ $output == *"$T/noexec"*"ermission denied" ]] || fail "$output"
	sock_listen_bg --exec 'kill -USR1 $$' 0
	run -0 sock-send "$port" x
	reap "$pid"
	pid=
	assert_equal "$status" $((128 + $(kill -l USR1)))
}

@test "sock-odd: a peer that resets while its command runs; the next one is served" {
	requires python3
	sock_listen_bg -c 2 --exec 'trap "" PIPE; cat > /dev/null 2>&1; echo served 2> /dev/null; exit 0' 0
	python3 - "$port" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"x" * 100000)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
	run -0 --separate-stderr sock-send "$port" y
	assert_output "served"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	assert_equal "$(cat "$T/err")" ""
}

# sock-listen blocked where a test wants it: a keeper for each command,
# and the listener asleep.
listener_waits() {
	keepers_are "$1" && asleep "$pid"
}

@test "sock-odd: SIGTERM while -j's commands hold every slot ends sock-listen by it; the command's connection is served" {
	sock_listen_bg -k -j 1 --exec 'cat' 0
	mkfifo "$T/hold"
	sock-send -t 60 "$port" < "$T/hold" > "$T/reply" 2> "$T/senderr" 3>&- &
	pid2=$!
	exec 5> "$T/hold"
	echo first >&5
	wait_until listener_waits 1 || fail "no keeper"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	assert_equal "$(cat "$T/err")" ""
	# The connection taken is the keeper's: it goes on to its end.
	echo second >&5
	exec 5>&-
	reap "$pid2"
	pid2=
	assert_equal "$status" 0
	run -0 cat "$T/reply"
	assert_output $'first\nsecond'
}

# Is the process asleep in wait4(2) or waitid(2)?
in_wait() {
	local w s
	w=$(cat "/proc/$1/wchan" 2>/dev/null)
	s=$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)
	case $w in *do_wait*) return 0 ;; esac
	case $(uname -m):$s in x86_64:61|x86_64:247|aarch64:260|aarch64:95) return 0 ;; esac
	return 1
}

@test "sock-odd: -t runs out while a command still runs: it is waited for; SIGTERM then ends sock-listen by it" {
	# -j 2: the second connection is waited for (not a slot), -t long.
	sock_listen_bg -c 2 -j 2 -t 200ms --exec 'cat' 0
	mkfifo "$T/hold"
	sock-send -t 60 "$port" < "$T/hold" > "$T/reply" 2> /dev/null 3>&- &
	pid2=$!
	exec 5> "$T/hold"
	echo one >&5
	wait_until listener_waits 1 || fail "no keeper"
	# Past -t, the listener waits for its command; then a signal.
	wait_until in_wait "$pid" || fail "not in a wait for its keeper"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	exec 5>&-
	reap "$pid2"
	pid2=
	run -0 cat "$T/reply"
	assert_output "one"
}

# --- signals where the tools block ------------------------------------------

# How many descriptors has the process open?
nfds_is() {
	[ "$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)" -ge "$1" ]
}

@test "sock-odd: SIGTERM while sock-listen copies a connection: ends by it, what came written out" {
	sock_listen_bg 0
	mkfifo "$T/hold"
	sock-send -t 60 "$port" < "$T/hold" > /dev/null 2>&1 3>&- &
	pid2=$!
	exec 5> "$T/hold"
	echo partial >&5
	wait_until test -s "$T/out" || fail "nothing came"
	wait_until asleep "$pid"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	run -0 cat "$T/out"
	assert_output "partial"
	assert_equal "$(cat "$T/err")" ""
	exec 5>&-
}

@test "sock-odd: SIGTERM while sock-listen waits for a TLS handshake ends it by the signal, silently" {
	requires python3
	needs_tls
	sock_listen_bg "${SRV[@]}" tls:0
	local n
	n=$(ls "/proc/$pid/fd" | wc -l)
	python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)' "$port" 3>&- &
	pid2=$!
	# Accepted: one descriptor more.
	wait_until nfds_is $((n + 1)) || fail "not accepted"
	wait_until asleep "$pid"
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	assert_equal "$(cat "$T/err")" ""
}

@test "sock-odd: sock-send: a peer that ends its reply but reads nothing: -t says timed out (1); SIGTERM ends it (143)" {
	requires python3
	peer_bg hold "$T/p"
	wait_for_file "$T/p"
	run -1 --separate-stderr bash -c 'yes | sock-send -t 1 "$1"' _ "127.0.0.1:$(cat "$T/p")"
	assert_output "bye"
	assert_equal "$stderr" "sock-send: 127.0.0.1:$(cat "$T/p"): timed out"
	kill_bg "$ppid_"
	rm -f "$T/p"
	peer_bg hold "$T/p"
	wait_for_file "$T/p"
	yes | sock-send "127.0.0.1:$(cat "$T/p")" > "$T/reply" 2> "$T/senderr" &
	pid2=$!
	wait_until test -s "$T/reply"
	wait_until asleep "$pid2"
	terminate "$pid2"
	pid2=
	assert_equal "$status" 143
	assert_equal "$(cat "$T/reply")" "bye"
	assert_equal "$(cat "$T/senderr")" ""
}

@test "sock-odd: sock-send: SIGTERM while its TLS handshake waits for a mute server ends it by the signal, silently" {
	requires python3
	needs_tls
	peer_bg mute "$T/p"
	wait_for_file "$T/p"
	sock-send --tls-ca "$K/srv.pem" "tls:localhost:$(cat "$T/p")" x > /dev/null 2> "$T/senderr" &
	pid2=$!
	wait_until asleep "$pid2"
	terminate "$pid2"
	pid2=
	assert_equal "$status" 143
	assert_equal "$(cat "$T/senderr")" ""
}

@test "sock-odd: sock-send -r against a refused port: SIGTERM while it retries ends it by the signal, wherever it lands" {
	local p i lost=
	p=$(free_port)
	# A refused connect does not block: a signal that lands between two
	# waits must end the retries too (it was lost, until -r ran out, in
	# a few of every hundred tries).
	for i in $(seq 60); do
		sock-send -r 20s "127.0.0.1:$p" x 2> "$T/senderr" &
		pid2=$!
		wait_until asleep "$pid2"
		terminate "$pid2"
		pid2=
		[ "$status" = 143 ] || lost="$lost try $i: $status;"
		[ ! -s "$T/senderr" ] || lost="$lost try $i: $(cat "$T/senderr");"
	done
	[ -z "$lost" ] || fail "SIGTERM did not end it:$lost"
}

@test "sock-odd: sock-send to a Unix listener whose queue is full: -t is exit 1; a signal ends the wait" {
	requires python3
	peer_bg full "$T/s" "$T/full"
	wait_for_file "$T/full"
	run -1 --separate-stderr sock-send -t 300ms "unix:$T/s" x
	assert_equal "$stderr" "sock-send: unix:$T/s: Connection timed out"
	sock-send -t 60 "unix:$T/s" x 2> "$T/senderr" &
	pid2=$!
	wait_until asleep "$pid2"
	terminate "$pid2"
	pid2=
	assert_equal "$status" 143
	sock-send "unix:$T/s" x 2> "$T/senderr" &
	pid2=$!
	wait_until asleep "$pid2"
	terminate "$pid2"
	pid2=
	assert_equal "$status" 143
	assert_equal "$(cat "$T/senderr")" ""
}

# --- sock-send's other ends ---------------------------------------------------

@test "sock-odd: sock-send -t: a Unix path with nothing there, a refused port: exit 2, one line" {
	run -2 --separate-stderr sock-send -t 5 "unix:$T/none" x
	assert_equal "$stderr" "sock-send: unix:$T/none: No such file or directory"
	local p
	p=$(free_port)
	run -2 --separate-stderr sock-send -t 5 "127.0.0.1:$p" x
	assert_equal "$stderr" "sock-send: 127.0.0.1:$p: Connection refused"
}

@test "sock-odd: sock-send UDP from standard input: a refused port and an unreadable input are exit 2, one line" {
	local p
	p=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run -2 --separate-stderr sock-send "udp:127.0.0.1:$p" <<< one
	assert_equal "$stderr" "sock-send: udp:127.0.0.1:$p: Connection refused"
	run -2 --separate-stderr sock-send "udp:127.0.0.1:$p" <<< $'one\ntwo\nthree'
	assert_equal "$stderr" "sock-send: udp:127.0.0.1:$p: Connection refused"
	run -2 --separate-stderr sock-send "udp:127.0.0.1:$p" < /
	assert_equal "$stderr" "sock-send: stdin: Is a directory"
}

# --- TLS ----------------------------------------------------------------------

@test "sock-odd: TLS key files: a directory, one too large, one that is no key: exit 2, one line naming it" {
	needs_tls
	mkdir -m 700 "$T/dir.key"
	run -2 --separate-stderr sock-listen --tls-cert "$K/srv.pem" --tls-key "$T/dir.key" tls:0
	assert_equal "$stderr" "sock-listen: $T/dir.key: key is not a regular file"
	head -c 1100000 /dev/zero > "$T/big.key"
	chmod 600 "$T/big.key"
	run -2 --separate-stderr sock-listen --tls-cert "$K/srv.pem" --tls-key "$T/big.key" tls:0
	assert_equal "$stderr" "sock-listen: $T/big.key: key is too large"
	echo 'not a key' > "$T/bad.key"
	chmod 600 "$T/bad.key"
	run -2 --separate-stderr sock-listen --tls-cert "$K/srv.pem" --tls-key "$T/bad.key" tls:0
	one_line sock-listen "$T/bad.key: [^:]*key[^:]*"
}

@test "sock-odd: sock-send: a bad client key, a key of another certificate, are refused before it connects" {
	needs_tls
	echo 'not a key' > "$T/bad.key"
	chmod 600 "$T/bad.key"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other.key" 2>/dev/null
	chmod 600 "$T/other.key"
	# A server that would take the connection: nothing may reach it.
	sock_listen_bg "${SRV[@]}" -k tls:0
	run -2 --separate-stderr sock-send --tls-cert "$K/srv.pem" --tls-key "$T/bad.key" "tls:localhost:$port" x
	one_line sock-send "$T/bad.key: [^:]*key[^:]*"
	run -2 --separate-stderr sock-send --tls-cert "$K/srv.pem" --tls-key "$T/other.key" "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: $T/other.key: the key does not match the certificate $K/srv.pem"
	# The good pair goes through.
	run -0 --separate-stderr sock-send --tls-ca "$K/srv.pem" --tls-cert "$K/srv.pem" --tls-key "$K/srv.key" "tls:localhost:$port" ok
	wait_until test -s "$T/out"
	assert_equal "$(cat "$T/out")" "ok"
	assert_equal "$(cat "$T/err")" ""
}

@test "sock-odd: a --tls-ca file with no PEM certificate is refused naming it, before sock-send connects or sock-listen listens" {
	needs_tls
	echo 'not a certificate' > "$T/bad.pem"
	sock_listen_bg "${SRV[@]}" -k tls:0
	run -2 --separate-stderr sock-send --tls-ca "$T/bad.pem" "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: $T/bad.pem: no PEM certificate in it"
	run -2 --separate-stderr sock-send --tls-ca /dev/null "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: /dev/null: no PEM certificate in it"
	run -2 --separate-stderr sock-send --tls-ca "$T/none.pem" "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: $T/none.pem: No such file or directory"
	run -2 --separate-stderr sock-listen --port-file "$T/pf" "${SRV[@]}" --tls-ca "$T/bad.pem" tls:0
	assert_equal "$stderr" "sock-listen: $T/bad.pem: no PEM certificate in it"
	[ ! -e "$T/pf" ] || fail "it listened"
	# Nothing reached the server, and it serves a good client.
	run -0 --separate-stderr sock-send --tls-ca "$K/srv.pem" "tls:localhost:$port" ok
	wait_until test -s "$T/out"
	assert_equal "$(cat "$T/out")" "ok"
	assert_equal "$(cat "$T/err")" ""
}

# A TLS client that sends part of a ClientHello's record and closes (or,
# with reset, resets).
tls_cut() {
	python3 - "$@" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
if len(sys.argv) > 2:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
}

@test "sock-odd: sock-listen -k tls: a handshake cut short or reset is said in one line each, and the next client served" {
	requires python3
	needs_tls
	sock_listen_bg "${SRV[@]}" -k tls:0
	tls_cut "$port"
	tls_cut "$port" reset
	seq 1 3000 > "$T/in"
	run -0 --separate-stderr sock-send --tls-ca "$K/srv.pem" "tls:localhost:$port" < "$T/in"
	wait_until test "$(wc -l < "$T/out")" -ge 3000
	terminate "$pid"
	pid=
	assert_equal "$status" 143
	cmp "$T/in" "$T/out"
	run -0 cat "$T/err"
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^sock-listen: 127\.0\.0\.1:[0-9]+: [^:].*$'
	assert_regex "${lines[1]}" '^sock-listen: 127\.0\.0\.1:[0-9]+: [^:].*$'
}

@test "sock-odd: tls --exec: a client idle past -t is said once; the command sees its input end" {
	requires python3
	needs_tls
	sock_listen_bg "${SRV[@]}" -t 500ms --exec "cat > /dev/null; echo ended > '$T/seen'" tls:0
	python3 - "$port" "$K/srv.pem" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
    server_hostname="localhost")
s.settimeout(30)
try:
    while s.recv(100):
        pass
except (ssl.SSLError, OSError):
    pass
PY
	reap "$pid"
	pid=
	assert_equal "$status" 0
	assert_equal "$(cat "$T/seen")" "ended"
	run -0 cat "$T/err"
	assert_equal "${#lines[@]}" 1
	assert_regex "$output" '^sock-listen: 127\.0\.0\.1:[0-9]+: idle for too long$'
}

@test "sock-odd: tls --exec: a command that reads none of several MiB still gets its whole reply to the client, and a clean end" {
	needs_tls
	sock_listen_bg "${SRV[@]}" --exec 'echo "reply without reading"' tls:0
	run -0 --separate-stderr bash -c 'head -c $((4 * 1024 * 1024)) /dev/zero |
	    sock-send -t 30 --tls-ca "$1" "tls:localhost:$2"' _ "$K/srv.pem" "$port"
	assert_output "reply without reading"
	assert_equal "$stderr" ""
	reap "$pid"
	pid=
	assert_equal "$status" 0
	assert_equal "$(cat "$T/err")" ""
}

# The CPU time, in clock ticks, of the children sock-listen has collected.
children_ticks() {
	awk '{ print $16 + $17 }' "/proc/$pid/stat"
}

@test "sock-odd: tls --exec: a command that shuts its output and stops reading is waited for, not spun on" {
	needs_tls
	requires python3
	# Its end of the connection shut for writing; it reads nothing.
	sock_listen_bg -k "${SRV[@]}" --exec "python3 -c 'import socket, time
socket.socket(fileno=1).shutdown(socket.SHUT_WR)
time.sleep(6)'" tls:0
	head -c $((4 * 1024 * 1024)) /dev/zero |
	    sock-send --tls-ca "$K/srv.pem" "tls:localhost:$port" > /dev/null 2>&1 &
	pid2=$!
	wait_until keepers_are 1 || fail "no keeper"
	# The command's end: the keeper collected, sock-listen still there.
	for _ in $(seq 300); do
		keepers_are 0 && break
		sleep 0.05
	done
	keepers_are 0 || fail "the keeper did not end with its command"
	# The keeper waited for six seconds, two of them lingering for the
	# peer's end: a wait costs next to no CPU, a loop without one costs
	# it all (it took 4 s of 6, before).
	local t
	t=$(children_ticks)
	[ "$t" -lt 100 ] || fail "the keeper used $t clock ticks of CPU"
	assert_equal "$(cat "$T/err")" ""
}

# --- the fault shim on the TLS relay ---------------------------------------

# The faulted tools (tests/fault.c, tests/fault.bash), or skip.
fault_tls() {
	needs_tls
	load fault
	fault_setup
	K=$BATS_FILE_TMPDIR/pki
}

# sock-send tls: with a reply: several MiB through sock-listen --exec cat,
# the faulted sender's buffered records (its writes gathered, flushed)
# failing at the Nth call: the whole reply with status 0, or 1 or 2 and
# one line, and never a wait without end.
send_tls_reply() {
	local spec=$1 spid
	runs=$((runs + 1))
	rc=0
	IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM "$DYN/sock-send" -t 20 \
	    --tls-ca "$K/srv.pem" "tls:localhost:$port" < "$T/in" \
	    > "$T/reply" 2> "$T/ferr" &
	spid=$!
	if ! wait_until ended "$spid"; then
		kill -KILL "$spid"
		lost "$spec" sock-send "still running 10 s later"
	fi
	wait "$spid" || rc=$?
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
	contract "$spec" sock-send "1 2"
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/reply" ||
	    lost "$spec" sock-send "status 0, a reply of $(wc -c < "$T/reply") bytes, not $(wc -c < "$T/in")"
}

@test "sock-odd: fault: sock-send tls: with a reply of several MiB, the whole reply or one line" {
	fault_tls
	head -c $((3 * 1024 * 1024)) /dev/urandom > "$T/in"
	sock_listen_bg -k -j 8 "${SRV[@]}" --exec cat tls:0
	CALLS="write read poll" ERRNOS="EIO EINTR EAGAIN ECONNRESET" \
	    NTHS="1 3 6 12" each_fault send_tls_reply
	verdict
	# The listener served them all and serves on.
	run -0 sock-send --tls-ca "$K/srv.pem" "tls:localhost:$port" still
	assert_output "still"
}

# sock-listen tls: --exec cat, faulted: the keeper relays between the
# TLS connection and the command.  The command's status or 125, at most
# one line, its own; a client told 0 has the whole reply; a client that
# failed was failed by a listener that says why.
listen_tls_exec() {
	local spec=$1 ready=$T/ready crc=0 i lines
	rm -f "$ready"
	mkfifo "$ready"
	runs=$((runs + 1))
	IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM "$DYN/sock-listen" \
	    --port-file "$ready" -c 1 -t 10 "${SRV[@]}" --exec cat \
	    tls:127.0.0.1:0 > /dev/null 2> "$T/ferr" 3>&- &
	pid=$!
	exec 4<> "$ready"
	port=
	for i in $(seq 200); do
		read -t 0.1 -r port <&4 && break
		ended "$pid" && break
	done
	exec 4<&-
	if [ -n "$port" ]; then
		sock-send -t 10 --tls-ca "$K/srv.pem" "tls:localhost:$port" \
		    < "$T/in" > "$T/reply" 2> "$T/cerr" || crc=$?
	fi
	for i in $(seq 600); do
		ended "$pid" && break
		sleep 0.05
	done
	if ! ended "$pid"; then
		pkill -KILL -P "$pid" || true
		kill -KILL "$pid"
		lost "$spec" sock-listen "still running 30 s later"
	fi
	reap "$pid"
	rc=$status
	pid=
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
	# Ours; the command (cat) may say why its connection ended too.
	lines=$(grep -c '^sock-listen: ' "$T/ferr" || true)
	[ "$lines" -le 1 ] ||
	    lost "$spec" sock-listen "status $rc, $lines lines: $(head -c 300 "$T/ferr")"
	# The command's status: 0, or what its connection ending under it
	# made of it, said; or 125.
	case $rc in
	0|125) ;;
	*) [ "$lines" -eq 1 ] ||
	       lost "$spec" sock-listen "status $rc, silent: $(head -c 200 "$T/ferr")" ;;
	esac
	[ -n "$port" ] || return 0
	if [ "$crc" -eq 0 ]; then
		cmp -s "$T/in" "$T/reply" ||
		    lost "$spec" sock-listen "the client's status 0 with $(wc -c < "$T/reply") bytes back"
	else
		failures=$((failures + 1))
		[ "$lines" -eq 1 ] ||
		    lost "$spec" sock-listen "the client failed ($crc: $(cat "$T/cerr")), the listener said nothing"
	fi
}

@test "sock-odd: fault: sock-listen tls --exec: the keeper's relay fails whole or says so" {
	fault_tls
	head -c $((1024 * 1024)) /dev/urandom > "$T/in"
	CALLS="poll fcntl recv" ERRNOS="EIO EINTR ECONNRESET" \
	    NTHS="1 2 4 8" each_fault listen_tls_exec
	# Not ECONNRESET on a read or a write: the keeper takes it on the
	# command's socket for the command's end (the kernel gives it once
	# a command left with input unread, after all it wrote), and a
	# connection that is gone takes no later record; the shim's leaves
	# both alive (a command cut off, a record missing).
	CALLS="read write" ERRNOS="EIO EINTR" NTHS="1 2 4 8" \
	    each_fault listen_tls_exec
	verdict
}

# sock-send's sender thread and its pipe: one line and status 2, and the
# listener got nothing, or all of it.
send_thread() {
	local spec=$1
	sock_listen_bg -c 1 -t 10 0
	faulted "$spec" sock-send -t 10 "$port" < "$T/in"
	contract "$spec" sock-send "2"
	reap "$pid"
	pid=
	if [ "$rc" -eq 0 ]; then
		cmp -s "$T/in" "$T/out" || lost "$spec" sock-send "status 0, not delivered whole"
	elif [ -s "$T/out" ]; then
		lost "$spec" sock-send "status $rc, yet $(wc -c < "$T/out") bytes delivered"
	fi
}

@test "sock-odd: fault: sock-send's sender thread or its pipe not made: exit 2, one line, nothing sent" {
	load fault
	fault_setup
	seq 1 1000 > "$T/in"
	CALLS="pipe2 pthread_create" ERRNOS="EAGAIN EMFILE ENOMEM" NTHS="1" \
	    each_fault send_thread
	verdict
}
