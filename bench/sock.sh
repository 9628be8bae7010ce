# bench/sock.sh: sock-send -> sock-listen against nc -> nc: 1 GiB over TCP
# and over a Unix stream socket, and connections per second with one
# client spawned per connection; then the same over TLS against ncat
# --ssl and socat OPENSSL.  SOCK_TLS_ONLY=1 runs the TLS cases alone.
SIZE=${SOCK_SIZE:-1G}
CONNS=${SOCK_CONNS:-500}
TLS_CONNS=${SOCK_TLS_CONNS:-200}
dir=$(mktemp -d)
srv=
trap 'kill $srv 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

head -c "$SIZE" /dev/zero > "$dir/file"
cat "$dir/file" > /dev/null	# in the page cache

# A free loopback port, and a wait until something listens on it; both
# sides use the same wait, since nc cannot tell when it listens.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_tcp() {
	until ss -Hltn "sport = :$1" | grep -q .; do sleep 0.005; done
}
wait_unix() {
	until [ -S "$1" ]; do sleep 0.005; done
}
plain() {
p1=$(free_port)
p2=$(free_port)

compare "TCP, $SIZE from a cached file to /dev/null (goal: 1.25x nc)" \
    "nc -> nc" \
	"nc -l 127.0.0.1 $p1 > /dev/null & wait_tcp $p1; nc -N 127.0.0.1 $p1 < $dir/file; wait" \
    "sock-send -> sock-listen" \
	"sock-listen $p2 > /dev/null & wait_tcp $p2; sock-send $p2 < $dir/file; wait"

compare "Unix stream, $SIZE from a cached file to /dev/null (goal: 5x nc)" \
    "nc -U -> nc -lU" \
	"nc -lU $dir/nc.sock > /dev/null & wait_unix $dir/nc.sock; nc -NU $dir/nc.sock < $dir/file; wait; rm -f $dir/nc.sock" \
    "sock-send -> sock-listen" \
	"sock-listen unix:$dir/s.sock > /dev/null & wait_unix $dir/s.sock; sock-send unix:$dir/s.sock < $dir/file; wait"

# One server of each kind for all the connections.
p1=$(free_port)
p2=$(free_port)
nc -lk 127.0.0.1 "$p1" > /dev/null < /dev/null & srv="$srv $!"
sock-listen -k "$p2" > /dev/null & srv="$srv $!"
wait_tcp "$p1"
wait_tcp "$p2"
compare "$CONNS connections, one client spawned each (goal: nc's rate)" \
    "echo x | nc -N" \
	"for i in \$(seq $CONNS); do echo x | nc -N 127.0.0.1 $p1; done" \
    "sock-send PORT x" \
	"for i in \$(seq $CONNS); do sock-send $p2 x; done"
kill $srv 2>/dev/null
wait 2>/dev/null
srv=
}

# sock-send maps a file given as standard input (sock-send(1), TLS): the
# two pipe lines show the same transfer read through a pipe.
# TLS: one certificate (EC P-256, self-signed, for 127.0.0.1) for every
# server; every tool is left to OpenSSL 3's defaults, which agree on TLS
# 1.3 with TLS_AES_256_GCM_SHA384: the lines below check that they do.
# The clients that verify: sock-send (against the certificate) only;
# ncat and socat as users run them, without --ssl-verify or a cafile.
# ncat needs --send-only and --recv-only, or a server whose standard
# input ends closes the connection under the client ("Input/output
# error"); sock-send also waits for the server's close_notify.
tls() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 1 -subj /CN=localhost \
	    -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
	chmod 600 "$dir/key.pem"
	local c=$dir/cert.pem k=$dir/key.pem p
	cipher() {
		eval "$2 &"
		wait_tcp "$3"
		echo "  $1: $(openssl s_client -connect "127.0.0.1:$3" </dev/null 2>/dev/null |
		    sed -n 's/^New, \(.*\)$/\1/p')"
		kill %% 2>/dev/null
		wait 2>/dev/null
	}
	echo "What each server negotiates with a default client:"
	p=$(free_port)
	cipher "sock-listen tls:" "sock-listen -t 5 --tls-cert $c --tls-key $k tls:$p > /dev/null 2>&1" "$p"
	p=$(free_port)
	cipher "ncat --ssl -l" "ncat --ssl -l 127.0.0.1 $p --ssl-cert $c --ssl-key $k > /dev/null 2>&1" "$p"
	p=$(free_port)
	cipher "socat OPENSSL-LISTEN" "socat -u OPENSSL-LISTEN:$p,bind=127.0.0.1,reuseaddr,cert=$c,key=$k,verify=0 - > /dev/null 2>&1" "$p"

	p1=$(free_port)
	p2=$(free_port)
	p3=$(free_port)
	compare "TLS, $SIZE from a cached file to /dev/null (goal: 1.5x ncat, socat's speed)" \
	    "ncat --ssl -> ncat --ssl -l" \
		"ncat --ssl -l --recv-only 127.0.0.1 $p1 --ssl-cert $c --ssl-key $k > /dev/null & wait_tcp $p1; ncat --ssl --send-only 127.0.0.1 $p1 < $dir/file; wait" \
	    "socat OPENSSL -> OPENSSL-LISTEN" \
		"socat -u OPENSSL-LISTEN:$p2,bind=127.0.0.1,reuseaddr,cert=$c,key=$k,verify=0 - > /dev/null & wait_tcp $p2; socat -u - OPENSSL:127.0.0.1:$p2,verify=0 < $dir/file; wait" \
	    "sock-send tls: -> sock-listen" \
		"sock-listen --tls-cert $c --tls-key $k tls:$p3 > /dev/null & wait_tcp $p3; sock-send --tls-ca $c tls:127.0.0.1:$p3 < $dir/file; wait" \
	    "cat | ncat --ssl (a pipe)" \
		"ncat --ssl -l --recv-only 127.0.0.1 $p1 --ssl-cert $c --ssl-key $k > /dev/null & wait_tcp $p1; cat $dir/file | ncat --ssl --send-only 127.0.0.1 $p1; wait" \
	    "cat | sock-send tls: (a pipe)" \
		"sock-listen --tls-cert $c --tls-key $k tls:$p3 > /dev/null & wait_tcp $p3; cat $dir/file | sock-send --tls-ca $c tls:127.0.0.1:$p3; wait"

	p1=$(free_port)
	p2=$(free_port)
	ncat --ssl -lk --recv-only 127.0.0.1 "$p1" --ssl-cert "$c" --ssl-key "$k" > /dev/null & srv="$srv $!"
	sock-listen -k --tls-cert "$c" --tls-key "$k" "tls:$p2" > /dev/null & srv="$srv $!"
	wait_tcp "$p1"
	wait_tcp "$p2"
	compare "$TLS_CONNS TLS connections, one client spawned each (goal: ncat's rate)" \
	    "echo x | ncat --ssl --send-only" \
		"for i in \$(seq $TLS_CONNS); do echo x | ncat --ssl --send-only 127.0.0.1 $p1; done" \
	    "sock-send tls:PORT x" \
		"for i in \$(seq $TLS_CONNS); do sock-send --tls-ca $c tls:127.0.0.1:$p2 x; done"
}

[ -n "${SOCK_TLS_ONLY:-}" ] || plain
tls
