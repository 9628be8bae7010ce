#!/usr/bin/env bats
# sock-listen: connections, counts, --exec, --port-file, Unix files, datagrams.

setup() {
	load test_helper
	T=$BATS_TEST_TMPDIR
}

teardown() {
	sock_cleanup
	kill_bg "${pid2:-}"
}

@test "sock-listen: takes one connection, writes what it sends, exits 0" {
	sock_listen_bg 0
	[[ $port =~ ^[0-9]+$ ]] || fail "port file holds: $port"
	sock-send "$port" hello world
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	run -0 cat "$T/out"
	assert_output $'hello\nworld'
}

@test "sock-listen: a Python client reaches it" {
	requires python3
	sock_listen_bg 127.0.0.1:0
	python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"from python\n")
s.close()' "$port"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	run -0 cat "$T/out"
	assert_output "from python"
}

@test "sock-listen: nc and socat clients reach it, and its --exec answers them" {
	requires nc socat
	sock_listen_bg -c 2 0
	echo via-nc | nc -N 127.0.0.1 "$port"
	echo via-socat | socat -u - "TCP:127.0.0.1:$port"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	run -0 cat "$T/out"
	assert_output $'via-nc\nvia-socat'
	sock_listen_bg -c 2 --exec 'tr a-z A-Z' 0
	run -0 sh -c "echo ask | nc -N 127.0.0.1 $port"
	assert_output "ASK"
	run -0 sh -c "echo ask | socat - TCP:127.0.0.1:$port"
	assert_output "ASK"
}

@test "sock-listen: -c takes that many connections in turn; -k until a signal" {
	sock_listen_bg -c 3 0
	for i in 1 2 3; do sock-send "$port" "$i"; done
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	run -0 cat "$T/out"
	assert_output $'1\n2\n3'

	sock_listen_bg -k "unix:$T/k"
	for i in 1 2 3 4; do sock-send "unix:$T/k" "$i"; done
	# All four are written once the fourth connection is taken.
	for _ in $(seq 100); do
		[ "$(wc -l < "$T/out")" -eq 4 ] && break
		sleep 0.05
	done
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 143
	pid=
	run -0 cat "$T/out"
	assert_output $'1\n2\n3\n4'
	[ ! -e "$T/k" ] || fail "the socket file is still there"
}

@test "sock-listen: --port-file into a FIFO is a readiness wait: no sleep, no retry" {
	mkfifo "$T/fifo"
	sock-listen --port-file "$T/fifo" 0 > "$T/out" 3>&- &
	pid=$!
	read -r p < "$T/fifo"
	sock-send "$p" ready
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	run -0 cat "$T/out"
	assert_output "ready"
	sock-listen --port-file "$T/file" "unix:$T/u" > /dev/null 3>&- &
	pid=$!
	sock-send -r 5s "unix:$T/u" x
	wait "$pid"
	pid=
	run -0 cat "$T/file"
	assert_output "$T/u"
}

@test "sock-listen: --exec names a TCP peer in the environment" {
	sock_listen_bg --exec 'echo "$IPC_PEER_ADDR ${IPC_PEER_PORT:+port} ${IPC_PEER_UID:-nouid}"' 0
	run -0 sock-send "$port"
	assert_output "127.0.0.1 port nouid"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
}

@test "sock-listen: --exec gets a Unix peer's pid, uid and gid from SO_PEERCRED" {
	requires python3
	sock_listen_bg --exec 'echo "$IPC_PEER_PID $IPC_PEER_UID $IPC_PEER_GID ${IPC_PEER_ADDR:-noaddr}"' "unix:$T/cred"
	run -0 python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.shutdown(socket.SHUT_WR)
got = s.makefile().read().split()
want = [str(os.getpid()), str(os.getuid()), str(os.getgid()), "noaddr"]
print("ok" if got == want else "got %s want %s" % (got, want))' "$T/cred"
	assert_output "ok"
}

@test "sock-listen: --exec runs at most -j commands at once" {
	mkdir "$T/run"
	sock_listen_bg -c 4 -j 2 --exec "touch '$T/run/'\$\$; ls '$T/run' | wc -l >> '$T/n'; cat > /dev/null; rm '$T/run/'\$\$" 0
	mkfifo "$T/hold"
	for i in 1 2 3 4; do
		sock-send "$port" < "$T/hold" 3>&- &
	done
	exec 5> "$T/hold"
	# All four connected (the kernel queues those not yet taken) ...
	for _ in $(seq 200); do
		[ "$(ss -Htn state established "dport = :$port" | wc -l)" -eq 4 ] && break
		sleep 0.05
	done
	# ... and two commands running; then let them all finish.
	for _ in $(seq 200); do
		[ "$(ls "$T/run" | wc -l)" -ge 2 ] && break
		sleep 0.05
	done
	exec 5>&-
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	run -0 sort -n "$T/n"
	assert_equal "${#lines[@]}" 4
	assert_equal "${lines[3]}" 2
}

# Does the process have no child left, not even a zombie?
childless() {
	[ -z "$(cat /proc/"$1"/task/*/children)" ]
}

@test "sock-listen: -k -j 4 --exec: a command's keeper is collected when it ends, not at the next connection" {
	sock_listen_bg -k -j 4 --exec 'cat' 0
	senders=()
	for i in 1 2 3 4 5 6; do
		sock-send "$port" "$i" > "$T/reply$i" &
		senders+=($!)
	done
	wait "${senders[@]}"
	run -0 cat "$T/reply1" "$T/reply2" "$T/reply3" "$T/reply4" "$T/reply5" "$T/reply6"
	assert_output $'1\n2\n3\n4\n5\n6'
	# Six connections ended, no seventh: no keeper may stay a zombie.
	wait_until childless "$pid" ||
	    fail "children left: $(ps -o pid=,stat=,args= --ppid "$pid")"
	kill -0 "$pid"
}

@test "sock-listen: --exec exits with the command's status; 127 when not found" {
	sock_listen_bg --exec 'cat > /dev/null; exit 3' 0
	sock-send "$port" x
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 3
	sock_listen_bg --exec 'no-such-command-ipct' 0
	sock-send "$port" x 2> /dev/null || true
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 127
	pid=
}

@test "sock-listen: -t: exit 1 when no connection, or no data, comes in time" {
	run -1 --separate-stderr sock-listen -t 200ms 0
	assert_output ""
	assert_equal "$stderr" ""
	sock_listen_bg -t 300ms 127.0.0.1:0
	mkfifo "$T/hold"
	sock-send "$port" < "$T/hold" 3>&- &
	pid2=$!
	exec 5> "$T/hold"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 1
	pid=
	exec 5>&-
	run -0 cat "$T/out"
	assert_output ""
	run -0 cat "$T/err"
	assert_output "sock-listen: 127.0.0.1:0: nothing came in time"
}

@test "sock-listen: -c with -t says how many came" {
	sock-send -r 5s "unix:$T/c" one > /dev/null 3>&- &
	pid2=$!
	run -1 --separate-stderr sock-listen -c 2 -t 500ms "unix:$T/c"
	assert_output "one"
	assert_equal "$stderr" "sock-listen: unix:$T/c: 1 of 2 connections came in time"
}

@test "sock-listen: a Unix socket file has mode 0600, or -m's, and is removed on exit" {
	sock_listen_bg "unix:$T/m"
	run -0 stat -c %a "$T/m"
	assert_output "600"
	sock-send "unix:$T/m" x
	wait "$pid"
	[ ! -e "$T/m" ] || fail "left behind"
	sock_listen_bg -m 660 "unix:$T/m"
	run -0 stat -c %a "$T/m"
	assert_output "660"
}

@test "sock-listen: a file at the Unix path is never removed: exit 2" {
	echo precious > "$T/f"
	run -2 --separate-stderr sock-listen "unix:$T/f"
	assert_equal "$stderr" "sock-listen: unix:$T/f: exists and is not a socket"
	run -0 cat "$T/f"
	assert_output "precious"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/left"
	run -2 --separate-stderr sock-listen "unix:$T/left"
	assert_equal "$stderr" "sock-listen: unix:$T/left: a stale socket: remove it, or --unlink"
	[ -S "$T/left" ] || fail "removed"
	sock_listen_bg "unix:$T/live"
	run -2 --separate-stderr sock-listen "unix:$T/live"
	assert_equal "$stderr" "sock-listen: unix:$T/live: Address already in use"
	sock-send "unix:$T/live" still
	wait "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "still"
}

@test "sock-listen: --unlink removes a stale socket of the caller's, then listens there" {
	requires python3
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/left"
	sock_listen_bg --unlink "unix:$T/left"
	sock-send "unix:$T/left" anew
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output "anew"
	[ ! -e "$T/left" ] || fail "its own socket file left behind"
	# A datagram socket's too.
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' "$T/dg"
	run -2 --separate-stderr sock-listen "unixgram:$T/dg"
	assert_equal "$stderr" "sock-listen: unixgram:$T/dg: a stale socket: remove it, or --unlink"
	sock_listen_bg --unlink "unixgram:$T/dg"
	sock-send "unixgram:$T/dg" datagram
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output "datagram"
}

@test "sock-listen: --unlink removes no file that is not a socket, nor a socket in use, and the listener sees no connection" {
	echo precious > "$T/f"
	run -2 --separate-stderr sock-listen --unlink "unix:$T/f"
	assert_equal "$stderr" "sock-listen: unix:$T/f: exists and is not a socket: not removed"
	run -0 cat "$T/f"
	assert_output "precious"
	# A one-shot listener: the look at its socket must not be the one
	# connection it takes.
	sock_listen_bg "unix:$T/live"
	run -2 --separate-stderr sock-listen -t 5 --unlink "unix:$T/live"
	assert_equal "$stderr" "sock-listen: unix:$T/live: in use by a listener: not removed"
	run -2 --separate-stderr sock-listen -t 5 "unix:$T/live"
	assert_equal "$stderr" "sock-listen: unix:$T/live: Address already in use"
	[ -S "$T/live" ] || fail "removed"
	sock-send "unix:$T/live" still
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output "still"
	# A datagram listener's socket, which connect(2) reaches.
	sock_listen_bg "unixgram:$T/dlive"
	run -2 --separate-stderr sock-listen -t 5 --unlink "unixgram:$T/dlive"
	assert_equal "$stderr" "sock-listen: unixgram:$T/dlive: in use by a listener: not removed"
	sock-send "unixgram:$T/dlive" first
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "first"
}

@test "sock-listen: another user's stale socket is never removed, not even with --unlink" {
	requires root python3
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/theirs"
	chown nobody "$T/theirs"
	run -2 --separate-stderr sock-listen "unix:$T/theirs"
	assert_equal "$stderr" "sock-listen: unix:$T/theirs: Address already in use"
	run -2 --separate-stderr sock-listen --unlink "unix:$T/theirs"
	assert_equal "$stderr" "sock-listen: unix:$T/theirs: a socket of uid $(id -u nobody): not removed"
	run -0 stat -c %U "$T/theirs"
	assert_output "nobody"
}

@test "sock-listen: --unlink is for a Unix socket's file: exit 2 elsewhere" {
	run -2 --separate-stderr sock-listen --unlink :0
	assert_equal "$stderr" "sock-listen: :0: --unlink is for a Unix socket's file"
	run -2 --separate-stderr sock-listen --unlink unix:@ipct-$$
	assert_equal "$stderr" "sock-listen: unix:@ipct-$$: --unlink is for a Unix socket's file"
}

@test "sock-listen: an abstract Unix socket, and IPv6" {
	sock_listen_bg "unix:@$N"
	assert_equal "$port" "@$N"
	sock-send "unix:@$N" abstract
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	run -0 cat "$T/out"
	assert_output "abstract"
}

@test "sock-listen: IPv6 on [::1]" {
	requires ipv6
	sock_listen_bg '[::1]:0'
	sock-send "[::1]:$port" six
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	run -0 cat "$T/out"
	assert_output "six"
}

@test "sock-listen: UDP datagrams are records: lines, -0, -a; -c counts them" {
	sock_listen_bg -c 3 udp:0
	sock-send "udp:127.0.0.1:$port" one 'two words' ''
	wait "$pid"
	run -0 od -An -c "$T/out"
	assert_output "   o   n   e  \\n   t   w   o       w   o   r   d   s  \\n  \\n"
	sock_listen_bg -0 -c 2 udp:0
	printf 'a\nb\0c' | sock-send -0 "udp:$port"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	run -0 od -An -c "$T/out"
	assert_output "   a  \\n   b  \\0   c  \\0"
	sock_listen_bg -a -c 2 "unixgram:$T/g"
	sock-send "unixgram:$T/g" x y
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	run -0 cat "$T/out"
	assert_output "xy"
	[ ! -e "$T/g" ] || fail "left behind"
}

@test "sock-listen: nc -u and a Python client send it datagrams" {
	requires nc python3
	sock_listen_bg -c 2 udp:0
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"py", ("127.0.0.1", int(sys.argv[1])))' "$port"
	printf 'nc' | nc -u -w0 127.0.0.1 "$port"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	run -0 cat "$T/out"
	assert_output $'py\nnc'
}

@test "sock-listen: several MiB of binary data arrive byte for byte" {
	head -c 6000000 /dev/urandom > "$T/data"
	sock_listen_bg "unix:$T/b"
	sock-send "unix:$T/b" < "$T/data"
	st=0
	wait "$pid" || st=$?
	assert_equal "$st" 0
	pid=
	cmp "$T/data" "$T/out"
}

@test "sock-listen: output that cannot be written is exit 2" {
	requires python3
	sock-send -r 5s "unix:$T/p" x > /dev/null 3>&- &
	pid2=$!
	run -2 --separate-stderr run_into_closed_pipe sock-listen "unix:$T/p"
	assert_equal "$stderr" "sock-listen: stdout: Broken pipe"
	[ ! -e "$T/p" ] || fail "left behind"
}

@test "sock-listen: bad addresses and options give exit 2 with one line" {
	run -2 --separate-stderr sock-listen 127.0.0.1:70000
	assert_equal "$stderr" "sock-listen: 127.0.0.1:70000: port is too large"
	run -2 --separate-stderr sock-listen 127.0.0.1
	assert_equal "$stderr" "sock-listen: 127.0.0.1: no port"
	run -2 --separate-stderr sock-listen sctp:1.2.3.4:5
	assert_equal "$stderr" "sock-listen: sctp:1.2.3.4:5: unknown scheme"
	run -2 --separate-stderr sock-listen "unix:$(printf 'x%.0s' $(seq 120))"
	assert_equal "$stderr" "sock-listen: unix:$(printf 'x%.0s' $(seq 120)): path is too long"
	run -2 --separate-stderr sock-listen -c 0 1
	assert_equal "$stderr" "sock-listen: count is too small: 0"
	run -2 --separate-stderr sock-listen -c 1 -k 1
	assert_equal "$stderr" "sock-listen: cannot use -c and -k"
	run -2 --separate-stderr sock-listen -j 2 1
	assert_equal "$stderr" "sock-listen: -j needs --exec"
	run -2 --separate-stderr sock-listen -m 644 1
	assert_equal "$stderr" "sock-listen: 1: -m is for Unix sockets"
	run -2 --separate-stderr sock-listen -m 9 "unix:$T/x"
	assert_equal "$stderr" "sock-listen: mode is invalid: 9"
	run -2 --separate-stderr sock-listen -0 1
	assert_equal "$stderr" "sock-listen: 1: -0 and -a are for datagram sockets"
	run -2 --separate-stderr sock-listen -t 1x 1
	assert_equal "$stderr" "sock-listen: timeout is invalid: 1x"
	run -125 --separate-stderr sock-listen --exec cat udp:1
	assert_equal "$stderr" "sock-listen: udp:1: --exec needs a stream socket"
	run -2 --separate-stderr sock-listen 1 2
	[[ $stderr == "usage: sock-listen "* ]] || fail "$stderr"
}

@test "sock-listen: an address in use is exit 2" {
	sock_listen_bg 0
	run -2 --separate-stderr sock-listen "$port"
	assert_equal "$stderr" "sock-listen: $port: Address already in use"
}

@test "sock-listen: --help prints the usage to standard output; -V the version" {
	run -0 --separate-stderr sock-listen --help
	assert_line --index 0 --partial "usage: sock-listen"
	assert_equal "$stderr" ""
	run -0 sock-listen -V
	assert_output --regexp '^sock-listen \(ipcutils\) '
}

@test "sock-listen: a peer whose data the command never reads still gets the whole reply and a clean end" {
	sock_listen_bg -k -j 8 --exec date 0
	seq 200 | xargs -P 8 -I{} sh -c \
	    'sock-send -t 2 127.0.0.1:'"$port"' hello > '"$T"'/r.{} 2> '"$T"'/e.{} || echo "{}: $?" >> '"$T"'/failed'
	[ ! -e "$T/failed" ] || fail "failed: $(cat "$T/failed" | head -5) $(cat "$T"/e.* | sort | uniq -c)"
	run -0 sh -c "cat '$T'/r.* | wc -l"
	assert_output 200
}

@test "sock-listen: an abstract name of the full 107 bytes works" {
	local name
	name=$N$(printf 'x%.0s' $(seq $((107 - ${#N}))))
	sock_listen_bg --exec 'cat' "unix:@$name"
	assert_equal "$port" "@$name"
	run -0 sock-send "unix:@$name" long
	assert_output "long"
	run -2 --separate-stderr sock-listen "unix:@${name}y"
	assert_equal "$stderr" "sock-listen: unix:@${name}y: name is too long"
}

@test "sock-listen: --port-file is created 0644 at most, whatever the umask" {
	(umask 000; exec sock-listen --port-file "$T/pf" -t 1ms 0) || true
	run -0 stat -c %a "$T/pf"
	assert_output "644"
}

# A second user, for the attacks another user of the host could make.
second_user() {
	requires root
	U=ipct-sock
	id -u "$U" >/dev/null 2>&1 || useradd -M -N -s /bin/false "$U" 2>/dev/null ||
	    skip "cannot add the user $U"
}

@test "sock-listen: --port-file never follows another user's symlink to a file of ours" {
	second_user
	# A directory of the other user's: fs.protected_symlinks does not
	# guard it, and a symlink there is followed unless the tool refuses.
	D=$(mktemp -d /tmp/ipct-XXXXXX)
	chmod 755 "$D"
	mkdir "$D/pub"
	chown "$U" "$D/pub"
	echo precious > "$D/mine"
	runuser -u "$U" -- ln -s "$D/mine" "$D/pub/port"
	run -2 --separate-stderr sock-listen --port-file "$D/pub/port" -t 1ms 0
	assert_equal "$stderr" "sock-listen: $D/pub/port: Too many levels of symbolic links"
	run -0 cat "$D/mine"
	rm -rf "$D"
	assert_output "precious"
	# A FIFO is still a readiness wait.
	mkfifo "$T/fifo"
	sock-listen --port-file "$T/fifo" 0 > /dev/null 3>&- &
	pid=$!
	read -t 10 -r p < "$T/fifo"
	sock-send "$p" x
	wait "$pid"
	pid=
}

@test "sock-listen: --exec's environment, arguments and directory are its own, not the peer's" {
	mkdir "$T/here"
	(cd "$T/here" && exec env IPCT_MINE=yes sock-listen --port-file "$T/ready2" \
	    --exec 'cat > /dev/null; echo "$0 $# $(pwd) ${IPCT_MINE:-} ${IPCT_PEER:-none}"' 0 \
	    > /dev/null 3>&-) &
	pid=$!
	wait_for_file "$T/ready2"
	run -0 sock-send "$(cat "$T/ready2")" 'IPCT_PEER=evil' '$(touch '"$T"'/pwned)' "cd /; x"
	assert_output "sh 0 $T/here yes none"
	[ ! -e "$T/pwned" ] || fail "the peer's bytes ran"
}

@test "sock-listen: a Unix socket file is created with its mode: no chmod after bind" {
	command -v strace >/dev/null || skip "needs strace"
	# LeakSanitizer cannot run under ptrace: no leak check in this one.
	run -1 --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -e trace=chmod,fchmod,fchmodat,umask \
	    sock-listen -m 640 -t 1ms "unix:$T/a"
	[[ $stderr != *chmod* ]] || fail "$stderr"
	[[ $stderr == *"umask(0137)"* ]] || fail "$stderr"
}

# Connect from a source address of the loopback other than 127.0.0.1,
# send a line, print the reply: py_from SOURCE PORT LINE.
py_from() {
	python3 - "$@" <<'PY'
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
s.connect(("127.0.0.1", int(sys.argv[2])))
try:
	s.sendall(sys.argv[3].encode() + b"\n")
	s.shutdown(socket.SHUT_WR)
	sys.stdout.write(s.makefile().read())
except OSError:
	pass	# closed at once, with our data unread
PY
}

@test "sock-listen: --allow: a peer that matches no block is closed at once, said on stderr, and not counted" {
	requires python3
	sock_listen_bg --allow 10.0.0.0/8 --allow 127.0.0.2 --exec 'cat > /dev/null; echo ran' 127.0.0.1:0
	run -0 py_from 127.0.0.3 "$port" refused
	assert_output ""
	run -0 py_from 127.0.0.2 "$port" taken
	assert_output "ran"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: 127\.0\.0\.3:[0-9]+: not allowed\$"
	# Without --exec, nothing of a refused peer's data is written.
	sock_listen_bg --allow 127.0.0.0/30 127.0.0.1:0
	py_from 127.0.0.9 "$port" secret-not-for-you > /dev/null || true
	py_from 127.0.0.3 "$port" welcome > /dev/null
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "welcome"
}

@test "sock-listen: --allow with IPv6 blocks" {
	requires ipv6
	sock_listen_bg --allow 2001:db8::/32 -t 5 '[::1]:0'
	sock-send "[::1]:$port" no > /dev/null 2>&1 || true
	sock_cleanup
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: \[::1\]:[0-9]+: not allowed\$"
	run -0 cat "$T/out"
	assert_output ""
	sock_listen_bg --allow ::1/128 '[::1]:0'
	sock-send "[::1]:$port" yes
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "yes"
}

@test "sock-listen: --allow: an IPv4-mapped block matches its IPv4 peer on an IPv4 socket" {
	requires python3
	sock_listen_bg --allow ::ffff:127.0.0.2 --exec 'cat > /dev/null; echo ran' 127.0.0.1:0
	run -0 py_from 127.0.0.3 "$port" refused
	assert_output ""
	run -0 py_from 127.0.0.2 "$port" taken
	assert_output "ran"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	sock_listen_bg -c 1 --allow ::ffff:127.0.0.0/104 127.0.0.1:0
	sock-send "127.0.0.1:$port" yes
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "yes"
	run -0 cat "$T/err"
	assert_output ""
}

@test "sock-listen: --allow uid:, user:, gid:, group: on a Unix socket, from SO_PEERCRED" {
	sock_listen_bg --allow uid:$(( $(id -u) + 4242 )) -t 5 "unix:$T/u"
	sock-send "unix:$T/u" no > /dev/null 2>&1 || true
	sock_cleanup
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: uid $(id -u) gid $(id -g) pid [0-9]+: not allowed\$"
	run -0 cat "$T/out"
	assert_output ""
	sock_listen_bg -c 3 --allow "user:$(id -un)" --allow gid:4242 "unix:$T/u"
	sock-send "unix:$T/u" by-user
	sock_cleanup
	sock_listen_bg --allow uid:4242 --allow "group:$(id -gn)" "unix:$T/g"
	sock-send "unix:$T/g" by-group
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "by-group"
}

@test "sock-listen: --allow keeps another user off a Unix socket open to all" {
	second_user
	D=$(mktemp -d /tmp/ipct-XXXXXX)
	chmod 755 "$D"
	sock_listen_bg -m 666 -c 1 --allow uid:0 --exec 'cat > /dev/null; echo "for $IPC_PEER_UID"' "unix:$D/s"
	# Closed at once, the data unread: a reset, or an empty reply.
	# sock-send where the other user can run it, whatever the build
	# directory's permissions (a package build's is private).
	cp "$(command -v sock-send)" "$D/sock-send"
	run --separate-stderr runuser -u "$U" -- "$D/sock-send" "unix:$D/s" intruder
	assert_output ""
	run -0 sock-send "unix:$D/s" root
	assert_output "for 0"
	reap "$pid"
	pid=
	rm -rf "$D"
	assert_equal "$status" 0
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: uid $(id -u "$U") gid [0-9]+ pid [0-9]+: not allowed\$"
}

@test "sock-listen: --allow drops UDP datagrams from peers not allowed" {
	requires python3
	sock_listen_bg -c 1 --allow 127.0.0.2 udp:127.0.0.1:0
	sock-send "udp:127.0.0.1:$port" dropped
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
s.sendto(b"kept", ("127.0.0.1", int(sys.argv[1])))' "$port"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output "kept"
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: 127\.0\.0\.1:[0-9]+: not allowed\$"
}

@test "sock-listen: bad --allow specs are exit 2, one line, before it listens" {
	run -2 --separate-stderr sock-listen --allow 10.0.0.0/33 0
	assert_equal "$stderr" "sock-listen: allow 10.0.0.0/33: has a prefix length that is invalid"
	run -2 --separate-stderr sock-listen --allow 10.0.0.0/ 0
	assert_equal "$stderr" "sock-listen: allow 10.0.0.0/: has a prefix length that is invalid"
	run -2 --separate-stderr sock-listen --allow somewhere 0
	assert_equal "$stderr" "sock-listen: allow somewhere: is not an address, a block, uid:, gid:, user: or group:"
	run -2 --separate-stderr sock-listen --allow uid:-1 "unix:$T/u"
	assert_equal "$stderr" "sock-listen: allow uid:-1: has an id that is invalid"
	run -2 --separate-stderr sock-listen --allow user:ipct-nobody-such "unix:$T/u"
	assert_equal "$stderr" "sock-listen: allow user:ipct-nobody-such: no such user"
	run -2 --separate-stderr sock-listen --allow uid:0 0
	assert_equal "$stderr" "sock-listen: 0: --allow uid:0 is for Unix stream sockets"
	run -2 --separate-stderr sock-listen --allow 127.0.0.1 "unix:$T/u"
	assert_equal "$stderr" "sock-listen: unix:$T/u: --allow 127.0.0.1 is for IP; a Unix socket takes uid:, gid:, user:, group:"
	[ ! -e "$T/u" ] || fail "it listened"
}

# Run sock-listen on a socket handed over as a service manager would:
# handed LISTENER MODE PORTFILE ARGS..., MODE fd (fd:3) or systemd
# (LISTEN_PID, LISTEN_FDS); the port goes to PORTFILE.
handed() {
	python3 - "$@" <<'PY'
import os, socket, sys
kind, mode, portfile = sys.argv[1:4]
if kind == "tcp":
	s = socket.socket()
	s.bind(("127.0.0.1", 0))
	s.listen(16)
	name = str(s.getsockname()[1])
elif kind == "udp":
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0))
	name = str(s.getsockname()[1])
else:
	s = socket.socket(socket.AF_UNIX)
	s.bind(kind)
	s.listen(16)
	name = kind
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
if mode == "systemd":
	os.environ["LISTEN_PID"] = str(os.getpid())
	os.environ["LISTEN_FDS"] = "1"
	os.environ["LISTEN_FDNAMES"] = "x"
with open(portfile, "w") as f:
	print(name, file=f)
os.execvp("sock-listen", ["sock-listen"] + sys.argv[4:])
PY
}

@test "sock-listen: fd:N takes a listening socket handed over; --exec and -k work on it" {
	requires python3
	handed tcp fd "$T/p" -c 2 --exec 'cat > /dev/null; echo "fd ${IPC_PEER_ADDR}"' fd:3 > "$T/out" 2> "$T/err" 3>&- &
	pid=$!
	wait_for_file "$T/p"
	run -0 sock-send "$(cat "$T/p")" x
	assert_output "fd 127.0.0.1"
	run -0 sock-send "$(cat "$T/p")" y
	assert_output "fd 127.0.0.1"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	handed "$T/u" fd "$T/p2" --exec 'echo "unix $IPC_PEER_UID"' fd:3 > /dev/null 3>&- &
	pid=$!
	wait_for_file "$T/p2"
	run -0 sock-send -r 5s "unix:$T/u" x
	assert_output "unix $(id -u)"
	reap "$pid"
	pid=
	[ -S "$T/u" ] || fail "a socket handed over was removed"
}

@test "sock-listen: systemd takes LISTEN_FDS's first socket, and the command does not see LISTEN_" {
	requires python3
	handed tcp systemd "$T/p" --exec 'echo "${LISTEN_PID:-no} ${LISTEN_FDS:-no} ${LISTEN_FDNAMES:-no}"' systemd 3>&- &
	pid=$!
	wait_for_file "$T/p"
	run -0 sock-send -r 5s "$(cat "$T/p")"
	assert_output "no no no"
	reap "$pid"
	pid=
	handed udp systemd "$T/p3" systemd > "$T/out" 3>&- &
	pid=$!
	wait_for_file "$T/p3"
	sock-send "udp:127.0.0.1:$(cat "$T/p3")" datagram
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "datagram"
}

@test "sock-listen: tls:fd:N and tls:systemd" {
	command -v openssl >/dev/null || skip "needs openssl"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k" \
	    -out "$T/c" -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
	handed tcp systemd "$T/p" --tls-cert "$T/c" --tls-key "$T/k" --exec 'tr a-z A-Z' tls:systemd 3>&- &
	pid=$!
	wait_for_file "$T/p"
	run -0 sock-send --tls-ca "$T/c" -r 5s "tls:localhost:$(cat "$T/p")" secret
	assert_output "SECRET"
}

@test "sock-listen: fd: and systemd that are not what they claim are exit 2, one line" {
	run -2 --separate-stderr sock-listen fd:0 < /dev/null
	assert_equal "$stderr" "sock-listen: fd:0: not a socket"
	run -2 --separate-stderr sock-listen fd:77
	assert_equal "$stderr" "sock-listen: fd:77: Bad file descriptor"
	run -2 --separate-stderr sock-listen fd:x
	assert_equal "$stderr" "sock-listen: fd:x: descriptor is invalid"
	run -2 --separate-stderr env -u LISTEN_PID sock-listen systemd
	assert_equal "$stderr" "sock-listen: systemd: no LISTEN_PID and LISTEN_FDS: not started by socket activation"
	run -2 --separate-stderr env LISTEN_PID=1 LISTEN_FDS=1 sock-listen systemd
	assert_equal "$stderr" "sock-listen: systemd: LISTEN_PID is not ours"
	requires python3
	run -2 --separate-stderr python3 -c 'import os, socket
s = socket.socket()
os.dup2(s.fileno(), 3)
os.execvp("sock-listen", ["sock-listen", "fd:3"])'
	assert_equal "$stderr" "sock-listen: fd:3: a stream socket that does not listen"
	run -2 --separate-stderr sock-send fd:3 x
	assert_equal "$stderr" "sock-send: fd:3: a socket handed over is for sock-listen"
}

@test "sock-listen: READY=1 to NOTIFY_SOCKET once it listens, STOPPING=1 when it ends; a path or an abstract name" {
	requires python3
	local where
	for where in "$T/notify" "@$N-notify"; do
		python3 - "$where" "$T" 3>&- <<'PY'
import os, socket, subprocess, sys
where, t = sys.argv[1], sys.argv[2]
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind("\0" + where[1:] if where.startswith("@") else where)
env = dict(os.environ, NOTIFY_SOCKET=where)
p = subprocess.Popen(["sock-listen", "--port-file", t + "/pf", "--exec",
    "echo ${NOTIFY_SOCKET:-unset}", "0"], env=env)
n.settimeout(10)
got = [n.recv(100).decode()]
port = int(open(t + "/pf").read())
c = socket.create_connection(("127.0.0.1", port))
c.shutdown(socket.SHUT_WR)
reply = c.makefile().read().strip()
got.append(n.recv(100).decode())
p.wait(10)
print(got, reply, p.returncode)
assert got == ["READY=1", "STOPPING=1"] and reply == "unset" and p.returncode == 0
PY
	done
	rm -f "$T/notify"
}

@test "sock-listen: under systemd-socket-activate, the systemd address serves each connection" {
	command -v systemd-socket-activate >/dev/null || skip "needs systemd-socket-activate"
	p=$(free_port)
	systemd-socket-activate -l "127.0.0.1:$p" sock-listen -c 2 --exec 'cat > /dev/null; echo "activated $IPC_PEER_ADDR ${LISTEN_FDS:-}"' systemd \
	    > /dev/null 2> "$T/err" 3>&- &
	pid=$!
	run -0 sock-send -r 5s "$p" x
	assert_output "activated 127.0.0.1 "
	run -0 sock-send "$p" y
	assert_output "activated 127.0.0.1 "
	reap "$pid"
	pid=
	assert_equal "$status" 0
}

@test "sock-listen: a write over ulimit -f is exit 2 and one line, not death by SIGXFSZ" {
	mkfifo "$T/ready"
	bash -c 'ulimit -f 1; exec sock-listen --port-file "$1" 0 > "$2" 2> "$3"' sh \
	    "$T/ready" "$T/out" "$T/err" 3>&- &
	pid=$!
	read -t 10 -r port <> "$T/ready"
	head -c 5000 /dev/zero | sock-send "$port" || true
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$T/err"
	assert_output "sock-listen: stdout: File too large"
}

@test "sock-listen: a signal that would end it (SIGHUP, SIGUSR1) ends it by that signal, its socket file removed" {
	local sig num
	for sig in HUP USR1; do
		sock_listen_bg "unix:$T/u"
		wait_asleep "$pid"
		kill "-$sig" "$pid"
		wait_until ended "$pid" || kill -KILL "$pid"
		reap "$pid"
		pid=
		num=$(kill -l "$sig")
		assert_equal "$sig $status" "$sig $((128 + num))"
		[ ! -e "$T/u" ]
	done
}

@test "sock-listen: fewer datagrams than -c in time is exit 1, saying how many came" {
	sock_listen_bg -c 2 -t 1 udp:127.0.0.1:0
	sock-send "udp:127.0.0.1:$port" only
	reap "$pid"
	pid=
	assert_equal "$status" 1
	run -0 cat "$T/out"
	assert_output "only"
	run -0 cat "$T/err"
	assert_output "sock-listen: udp:127.0.0.1:0: 1 of 2 datagrams came in time"
}

@test "sock-listen -k on datagrams: ends with 0 when -t passes after some came" {
	sock_listen_bg -k -t 1 "unixgram:$T/dg"
	sock-send "unixgram:$T/dg" one two
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output $'one\ntwo'
	[ ! -s "$T/err" ]
}

@test "sock-listen: a datagram it cannot write out is exit 2 and one line" {
	# Standard output a full device: the first datagram fails.
	sock-listen --port-file "$T/p" -t 10 udp:127.0.0.1:0 \
	    > /dev/full 2> "$T/err" &
	pid=$!
	wait_for_file "$T/p"
	sock-send "udp:127.0.0.1:$(cat "$T/p")" lost
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$T/err"
	assert_output "sock-listen: stdout: No space left on device"
}

@test "sock-listen: a handed-over socket of another kind or family, or none passed, is exit 2, one line" {
	requires python3
	# A raw socket, and a datagram socket that is not Unix, IPv4 or IPv6
	# (netlink): neither can be listened on as the page says.
	run -2 --separate-stderr python3 -c 'import os, socket
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
os.dup2(s.fileno(), 3)
os.execvp("sock-listen", ["sock-listen", "fd:3"])'
	assert_equal "$stderr" "sock-listen: fd:3: neither a stream nor a datagram socket"
	run -2 --separate-stderr python3 -c 'import os, socket
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 0)
os.dup2(s.fileno(), 3)
os.execvp("sock-listen", ["sock-listen", "fd:3"])'
	assert_equal "$stderr" "sock-listen: fd:3: not a Unix, IPv4 or IPv6 socket"
	run -2 --separate-stderr bash -c 'LISTEN_FDS=0 LISTEN_PID=$$ exec sock-listen systemd'
	assert_equal "$stderr" "sock-listen: systemd: LISTEN_FDS passes no socket"
}

@test "sock-listen: a NOTIFY_SOCKET that takes nothing is said once, and it serves on" {
	NOTIFY_SOCKET=$T/nobody sock_listen_bg -c 1 "unix:$T/s"
	echo hello | sock-send -q "unix:$T/s"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output hello
	run -0 cat "$T/err"
	assert_output "sock-listen: NOTIFY_SOCKET $T/nobody: No such file or directory"
}

@test "sock-listen -k tls: a client whose handshake fails is said, and the next one served" {
	command -v openssl >/dev/null || skip "needs openssl"
	local k=$T/pki
	mkdir -m 700 "$k"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$k/key" -out "$k/cert" -days 1 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
	chmod 600 "$k/key"
	sock_listen_bg -k -t 2 --tls-cert "$k/cert" --tls-key "$k/key" tls:127.0.0.1:0
	# Plaintext where TLS was wanted: that client's handshake fails.
	echo plain | sock-send "127.0.0.1:$port" 2>/dev/null || true
	run -0 sock-send -q --tls-ca "$k/cert" "tls:127.0.0.1:$port" secret
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output secret
	run -0 cat "$T/err"
	assert_regex "$output" '^sock-listen: 127\.0\.0\.1:[0-9]+: [^'$'\n'']+$'
}
