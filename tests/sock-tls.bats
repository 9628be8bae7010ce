#!/usr/bin/env bats
# sock-listen and sock-send over TLS: verification, mutual TLS, failures,
# and openssl, socat and ncat as peers.  The certificates are made here.

setup_file() {
	command -v openssl >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR/pki
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		umask 077
		key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
		ca() {
			key "$1.key"
			openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2>/dev/null
		}
		# sign NAME CA KEY DAYS SUBJECT EXTENSIONS
		sign() {
			openssl req -new -key "$3" -subj "$5" -out "$1.csr" 2>/dev/null
			printf '%s\n' "$6" > "$1.ext"
			openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
			    -CAcreateserial -days "$4" -extfile "$1.ext" -out "$1.pem" 2>/dev/null
		}
		ca ca
		ca ca2
		key srv.key
		key cli.key
		sign srv ca srv.key 1 /CN=localhost 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'
		sign other ca srv.key 1 /CN=other.example 'subjectAltName=DNS:other.example'
		sign expired ca srv.key -1 /CN=localhost 'subjectAltName=DNS:localhost,IP:127.0.0.1'
		sign cli ca cli.key 1 /CN=ipct-client 'extendedKeyUsage=clientAuth'
		sign cli2 ca2 cli.key 1 /CN=ipct-stranger 'extendedKeyUsage=clientAuth'
	)
}

setup() {
	load test_helper
	command -v openssl >/dev/null || skip "needs openssl"
	T=$BATS_TEST_TMPDIR
	K=$BATS_FILE_TMPDIR/pki
	SRV=(--tls-cert "$K/srv.pem" --tls-key "$K/srv.key")
}

teardown() {
	sock_cleanup
	kill_bg "${pid2:-}"
}

@test "sock-tls: sock-send tls: to sock-listen tls:, verified against --tls-ca" {
	sock_listen_bg "${SRV[@]}" tls:0
	run -0 --separate-stderr sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" hello 'two words'
	assert_equal "$stderr" ""
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output $'hello\ntwo words'
	# A bare port is the loopback, checked as localhost; an address by
	# its IP.
	sock_listen_bg "${SRV[@]}" -c 2 tls:127.0.0.1:0
	sock-send --tls-ca "$K/ca.pem" "tls:$port" one
	sock-send --tls-ca "$K/ca.pem" "tls:127.0.0.1:$port" two
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output $'one\ntwo'
	# Every interface, as tls::PORT says.
	sock_listen_bg "${SRV[@]}" tls::0
	sock-send --tls-ca "$K/ca.pem" "tls:127.0.0.1:$port" any
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "any"
}

@test "sock-tls: half-close and the reply, as on plain TCP: close_notify, then the reply until the peer ends" {
	sock_listen_bg "${SRV[@]}" --exec 'tr a-z A-Z; echo end' tls:0
	run -0 --separate-stderr sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" <<< $'abc\ndef'
	assert_output $'ABC\nDEF\nend'
	assert_equal "$stderr" ""
	reap "$pid"
	pid=
	assert_equal "$status" 0
}

@test "sock-tls: several MiB of binary data round-trip through --exec cat" {
	head -c 6000000 /dev/urandom > "$T/data"
	sock_listen_bg "${SRV[@]}" --exec cat tls:0
	sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" < "$T/data" > "$T/back"
	cmp "$T/data" "$T/back"
	reap "$pid"
	pid=
	assert_equal "$status" 0
}

@test "sock-tls: mutual TLS: --tls-ca on sock-listen requires a client certificate, and names it to the command" {
	local hash
	hash=SHA256:$(openssl x509 -in "$K/cli.pem" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' | tr A-F a-f)
	sock_listen_bg "${SRV[@]}" --tls-ca "$K/ca.pem" \
	    --exec 'echo "$IPC_PEER_TLS_SUBJECT $IPC_PEER_TLS_HASH"' tls:0
	run -0 --separate-stderr sock-send --tls-ca "$K/ca.pem" \
	    --tls-cert "$K/cli.pem" --tls-key "$K/cli.key" "tls:localhost:$port"
	assert_output "/CN=ipct-client $hash"
	reap "$pid"
	pid=
	assert_equal "$status" 0
}

@test "sock-tls: mutual TLS: no client certificate, or one of another CA, is refused, naming the peer" {
	sock_listen_bg "${SRV[@]}" --tls-ca "$K/ca.pem" --exec 'echo ran' tls:0
	run -2 --separate-stderr sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" x
	refute_output "ran"
	reap "$pid"
	pid=
	assert_equal "$status" 125
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: 127\.0\.0\.1:[0-9]+: .*(certificate|cert)"
	assert_equal "${#lines[@]}" 1

	sock_listen_bg "${SRV[@]}" --tls-ca "$K/ca.pem" tls:0
	run -2 --separate-stderr sock-send --tls-ca "$K/ca.pem" \
	    --tls-cert "$K/cli2.pem" --tls-key "$K/cli.key" "tls:localhost:$port" x
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: 127\.0\.0\.1:[0-9]+: .*(certificate|unknown ca|verify)"
	run -0 cat "$T/out"
	assert_output ""
}

@test "sock-tls: sock-send: an unknown CA, another name, an expired certificate: exit 2, one line naming the peer" {
	sock_listen_bg "${SRV[@]}" -k tls:0
	# Our CA is in no system store.
	run -2 --separate-stderr sock-send "tls:localhost:$port" x
	assert_regex "$stderr" "^sock-send: tls:localhost:$port: certificate verification failed: .*(issuer|self.signed)"
	run -2 --separate-stderr sock-send --tls-ca "$K/ca.pem" --tls-name ipct.example "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: tls:localhost:$port: name \`ipct.example' not present in server certificate"
	sock_cleanup
	sock_listen_bg --tls-cert "$K/other.pem" --tls-key "$K/srv.key" -k tls:0
	run -2 --separate-stderr sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: tls:localhost:$port: name \`localhost' not present in server certificate"
	# The name to check, given: the certificate is other.example's.
	run -0 --separate-stderr sock-send --tls-ca "$K/ca.pem" --tls-name other.example "tls:localhost:$port" x
	sock_cleanup
	sock_listen_bg --tls-cert "$K/expired.pem" --tls-key "$K/srv.key" -k tls:0
	run -2 --separate-stderr sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: tls:localhost:$port: certificate verification failed: certificate has expired"
	assert_output ""
}

@test "sock-tls: sock-listen: a client that refuses the server's name is a failed handshake, not a bare reset" {
	sock_listen_bg --tls-cert "$K/other.pem" --tls-key "$K/srv.key" tls:0
	run -2 sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" x
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: 127\.0\.0\.1:[0-9]+: TLS handshake failed: the peer reset the connection before any data \(a client that refuses the certificate or its name does so\)\$"
	run -0 cat "$T/out"
	assert_output ""
}

@test "sock-tls: --tls-noverify turns the checks off and says so once" {
	sock_listen_bg --tls-cert "$K/expired.pem" --tls-key "$K/srv.key" tls:0
	run -0 --separate-stderr sock-send --tls-noverify "tls:$port" x
	assert_equal "$stderr" "sock-send: tls:$port: the server's certificate is not verified (--tls-noverify)"
	reap "$pid"
	pid=
	run -0 cat "$T/out"
	assert_output "x"
}

@test "sock-tls: a plaintext peer on a TLS port is refused, naming it; -k goes on" {
	sock_listen_bg "${SRV[@]}" tls:0
	sock-send "$port" hello > /dev/null || true
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$T/err"
	assert_regex "$output" "^sock-listen: 127\.0\.0\.1:[0-9]+: not TLS: a plaintext peer on a TLS port\$"
	run -0 cat "$T/out"
	assert_output ""
	sock_listen_bg "${SRV[@]}" -k tls:0
	sock-send "$port" plain > /dev/null || true
	sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" secret
	for _ in $(seq 100); do
		[ -s "$T/out" ] && break
		sleep 0.05
	done
	run -0 cat "$T/out"
	assert_output "secret"
}

@test "sock-tls: a TLS client on a plaintext port, and a plaintext server: exit 2, one line" {
	sock_listen_bg --exec 'echo plain; cat > /dev/null' 0
	run -2 --separate-stderr sock-send --tls-ca "$K/ca.pem" -t 5 "tls:localhost:$port" x
	[[ $stderr == "sock-send: tls:localhost:$port: "* ]] || fail "$stderr"
	[[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
}

@test "sock-tls: sock-listen: key and certificate failures are exit 2, one line, before it listens" {
	run -2 --separate-stderr sock-listen --port-file "$T/pf" --tls-cert "$K/srv.pem" --tls-key "$K/cli.key" tls:0
	assert_equal "$stderr" "sock-listen: $K/cli.key: the key does not match the certificate $K/srv.pem"
	[[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
	[ ! -e "$T/pf" ] || fail "it listened"
	cp "$K/srv.key" "$T/open.key"
	chmod 644 "$T/open.key"
	run -2 --separate-stderr sock-listen --tls-cert "$K/srv.pem" --tls-key "$T/open.key" tls:0
	assert_equal "$stderr" "sock-listen: $T/open.key: key is open to others (mode 0644): chmod o-rwx"
	chmod 640 "$T/open.key"
	sock_listen_bg --tls-cert "$K/srv.pem" --tls-key "$T/open.key" tls:0
	sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" group-readable
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -2 --separate-stderr sock-listen --tls-cert "$T/none.pem" --tls-key "$K/srv.key" tls:0
	[[ $stderr == "sock-listen: $T/none.pem: "* ]] || fail "$stderr"
	run -2 --separate-stderr sock-listen --tls-cert "$K/srv.pem" --tls-key "$T/none.key" tls:0
	assert_equal "$stderr" "sock-listen: $T/none.key: No such file or directory"
	run -2 --separate-stderr sock-listen tls:0
	assert_equal "$stderr" "sock-listen: tls:0: tls: needs --tls-cert and --tls-key"
	run -2 --separate-stderr sock-listen "${SRV[@]}" 0
	assert_equal "$stderr" "sock-listen: 0: the --tls options need a tls: address"
	run -2 --separate-stderr sock-listen "${SRV[@]}" tls:udp:0
	assert_equal "$stderr" "sock-listen: tls:udp:0: tls: is for TCP"
	run -2 --separate-stderr sock-listen "${SRV[@]}" "tls:unix:$T/u"
	assert_equal "$stderr" "sock-listen: tls:unix:$T/u: tls: is for TCP"
}

@test "sock-tls: sock-send: a client key open to others, and --tls options without tls:, are exit 2" {
	cp "$K/cli.key" "$T/open.key"
	chmod 604 "$T/open.key"
	run -2 --separate-stderr sock-send --tls-cert "$K/cli.pem" --tls-key "$T/open.key" tls:1 x
	assert_equal "$stderr" "sock-send: $T/open.key: key is open to others (mode 0604): chmod o-rwx"
	run -2 --separate-stderr sock-send --tls-ca "$K/ca.pem" 1 x
	assert_equal "$stderr" "sock-send: 1: the --tls options need a tls: address"
	run -2 --separate-stderr sock-send --tls-cert "$K/cli.pem" tls:1 x
	assert_equal "$stderr" "sock-send: tls:1: --tls-cert and --tls-key go together"
}

@test "sock-tls: openssl s_client talks to sock-listen; sock-send to openssl s_server" {
	sock_listen_bg "${SRV[@]}" --exec 'head -n 1 | tr a-z A-Z' tls:0
	run -0 sh -c "echo via-s_client | openssl s_client -quiet -verify_return_error \
	    -CAfile '$K/ca.pem' -connect localhost:$port 2>/dev/null"
	assert_output "VIA-S_CLIENT"
	reap "$pid"
	pid=
	assert_equal "$status" 0

	p=$(free_port)
	mkfifo "$T/hold"
	openssl s_server -quiet -naccept 1 -accept "127.0.0.1:$p" \
	    -cert "$K/srv.pem" -key "$K/srv.key" < "$T/hold" > "$T/s_server" 2>/dev/null 3>&- &
	pid2=$!
	exec 5> "$T/hold"
	run -0 --separate-stderr sock-send -r 5s --tls-ca "$K/ca.pem" "tls:localhost:$p" to-s_server
	exec 5>&-
	reap "$pid2"
	pid2=
	run -0 cat "$T/s_server"
	assert_output "to-s_server"
}

@test "sock-tls: socat OPENSSL talks to sock-listen; sock-send to socat OPENSSL-LISTEN" {
	requires socat
	sock_listen_bg "${SRV[@]}" --exec 'tr a-z A-Z' tls:0
	run -0 sh -c "echo via-socat | socat - OPENSSL:localhost:$port,cafile='$K/ca.pem'"
	assert_output "VIA-SOCAT"
	reap "$pid"
	pid=
	assert_equal "$status" 0

	p=$(free_port)
	socat -u "OPENSSL-LISTEN:$p,bind=127.0.0.1,reuseaddr,cert=$K/srv.pem,key=$K/srv.key,verify=0" - \
	    > "$T/socat" 3>&- &
	pid2=$!
	run -0 --separate-stderr sock-send -r 5s --tls-ca "$K/ca.pem" "tls:localhost:$p" to-socat
	reap "$pid2"
	pid2=
	run -0 cat "$T/socat"
	assert_output "to-socat"
}

@test "sock-tls: ncat --ssl talks to sock-listen; sock-send to ncat --ssl -l" {
	command -v ncat >/dev/null || skip "needs ncat"
	sock_listen_bg "${SRV[@]}" tls:0
	echo via-ncat | ncat --ssl --ssl-verify --ssl-trustfile "$K/ca.pem" localhost "$port"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cat "$T/out"
	assert_output "via-ncat"

	p=$(free_port)
	ncat --ssl -l 127.0.0.1 "$p" --ssl-cert "$K/srv.pem" --ssl-key "$K/srv.key" \
	    < /dev/null > "$T/ncat" 3>&- &
	pid2=$!
	run -0 --separate-stderr sock-send -r 5s --tls-ca "$K/ca.pem" "tls:localhost:$p" to-ncat
	reap "$pid2"
	pid2=
	run -0 cat "$T/ncat"
	assert_output "to-ncat"
}

@test "sock-tls: IPv6: tls:[::1]:PORT, checked against the certificate's IP" {
	requires ipv6
	sock_listen_bg "${SRV[@]}" --exec 'cat' 'tls:[::1]:0'
	run -0 sock-send --tls-ca "$K/ca.pem" "tls:[::1]:$port" six
	assert_output "six"
}

@test "sock-tls: -t bounds the handshake and an idle TLS connection: exit 1" {
	sock_listen_bg --exec 'cat > /dev/null; exec sleep 10' 0
	run -1 --separate-stderr sock-send --tls-ca "$K/ca.pem" -t 300ms "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: tls:localhost:$port: timed out"
	sock_cleanup
	sock_listen_bg "${SRV[@]}" --exec 'cat > /dev/null; exec sleep 10' tls:0
	run -1 --separate-stderr sock-send --tls-ca "$K/ca.pem" -t 300ms "tls:localhost:$port" x
	assert_equal "$stderr" "sock-send: tls:localhost:$port: timed out"
}

@test "sock-tls: sock-send waiting for its input after the server ended does not spin" {
	sock_listen_bg "${SRV[@]}" --exec 'echo bye' tls:0
	mkfifo "$T/hold"
	sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" < "$T/hold" > "$T/reply" 3>&- &
	pid2=$!
	exec 5> "$T/hold"
	wait_for_file "$T/reply"
	# The server is gone; a second of waiting for input costs no CPU.
	reap "$pid"
	pid=
	sleep 1
	local ticks
	ticks=$(awk '{ print $14 + $15 }' "/proc/$pid2/stat")
	[ "$ticks" -lt 30 ] || fail "sock-send used $ticks ticks while it waited"
	exec 5>&-
	reap "$pid2"
	pid2=
	run -0 cat "$T/reply"
	assert_output "bye"
}

@test "sock-tls: sock-send: a file is sent from its offset, whole, and left at its end, as reads would; /proc's files too" {
	head -c 3000000 /dev/urandom > "$T/data"
	sock_listen_bg "${SRV[@]}" tls:0
	(dd bs=1000 count=1 of=/dev/null 2>/dev/null &&
	    sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" &&
	    wc -c | tr -d ' ' > "$T/left") < "$T/data"
	reap "$pid"
	pid=
	assert_equal "$status" 0
	run -0 cmp "$T/out" <(tail -c +1001 "$T/data")
	run -0 cat "$T/left"
	assert_output 0
	sock_listen_bg "${SRV[@]}" tls:0
	sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" < /proc/self/status
	reap "$pid"
	pid=
	run -0 grep -c '^Name:' "$T/out"
	assert_output 1
}

# Is the accepted connection on $port holding more than a MiB unread?
backlogged() {
	[ "$(ss -tnH state established "( sport = :$port )" | awk '{ print $1 }')" -gt 1048576 ] 2>/dev/null
}

@test "sock-tls: sock-send: a file that shrinks while it is sent: exit 2, one line, and the peer sees a reset, not an end" {
	local try st=
	mkfifo "$T/fifo"
	for try in 1 2 3; do
		head -c 64M /dev/zero > "$T/big"
		exec 5<> "$T/fifo"
		mkfifo "$T/ready$try"
		sock-listen --port-file "$T/ready$try" "${SRV[@]}" tls:0 > "$T/fifo" 2> "$T/err" 3>&- &
		pid=$!
		read -t 10 -r port <> "$T/ready$try"
		sock-send --tls-ca "$K/ca.pem" "tls:localhost:$port" < "$T/big" 2> "$T/serr" 3>&- &
		pid2=$!
		wait_until backlogged
		truncate -s 0 "$T/big"
		cat <&5 > /dev/null 3>&- &
		spid=$!
		reap "$pid2"
		pid2=
		st=$status
		reap "$pid"
		pid=
		kill "$spid"
		exec 5>&-
		# Never SIGBUS; where the sender was between two windows of
		# the file, it sent what the file held then, as read(2) would.
		[ "$st" -ne 135 ] || fail "sock-send died of SIGBUS"
		[ "$st" -eq 0 ] || break
	done
	assert_equal "$st" 2
	run -0 cat "$T/serr"
	assert_output "sock-send: stdin: the file shrank while it was sent"
	assert_equal "$status" 0
	run -0 cat "$T/err"
	assert_output --partial "reset"
}
