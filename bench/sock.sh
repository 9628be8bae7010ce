# bench/sock.sh: sock-send -> sock-listen against nc -> nc: 1 GiB over TCP
# and over a Unix stream socket, and connections per second with one
# client spawned per connection.
SIZE=${SOCK_SIZE:-1G}
CONNS=${SOCK_CONNS:-500}
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
