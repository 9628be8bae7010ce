#!/usr/bin/env bats
# etcd's faults, each made deterministic: a watch's start revision
# compacted away between shm-get's read and its watch (a proxy holds the
# watch back); a lease lost because etcd cannot be reached (its member
# stopped by SIGSTOP); a member of three stopped while sem-wait holds a
# unit and shm-get -F waits.  Against private members that setup_file
# starts (tests/etcd.bash): one, and a cluster of three.

setup_file() {
	load etcd
	etcd_start
	etcd_cluster
	if [ -n "$ETCD_SKIP" ]; then
		echo "# etcd: $ETCD_SKIP" >&3
	fi
}

teardown_file() {
	load etcd
	etcd_stop
}

setup() {
	load test_helper
	load etcd
	requires etcd python3
	requires_etcd
	S="$ETCD_URL/$N"
	K="/ipcutils/shm/$N"
	D=$BATS_TEST_TMPDIR
}

teardown() {
	[ -z "${D:-}" ] || touch "$D/go" "$D/release"
	# A member stopped by a test that failed goes on.
	[ -z "${stopped:-}" ] || kill -CONT "$stopped" 2>/dev/null || true
	kill_bg "${pid:-}" "${pid2:-}" "${proxy:-}"
	[ -z "${ETCD_PORT:-}" ] || {
		etcd_ctl del --prefix "/ipcutils/shm/$N" >/dev/null 2>&1
		etcd_ctl del --prefix "/ipcutils/time/shm/$N" >/dev/null 2>&1
		etcd_ctl del --prefix "/ipcutils/sem/$N" >/dev/null 2>&1
	} || true
	[ -z "${down:-}" ] || { etcd_member_start "$down"; etcd_wait "$(cport "$down")"; } || true
	[ -z "${ETCD_CPORTS:-}" ] || [ -n "${ETCD_CLUSTER_SKIP:-}" ] ||
	    ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$(cport 2)" del \
	    --prefix "/ipcutils/" >/dev/null 2>&1 || true
}

requires_cluster() {
	[ -z "${ETCD_CLUSTER_SKIP:-}" ] || skip "$ETCD_CLUSTER_SKIP"
}

# The client port of member N of the cluster.
cport() {
	local p
	read -r -a p <<< "$ETCD_CPORTS"
	echo "${p[$1]}"
}

# The waiter keys of semaphore $N, on the single member.
waiters_are() {
	[ "$(etcd_ctl get --prefix --keys-only "/ipcutils/sem/$N/w/" | grep -c .)" -eq "$1" ]
}

# Has the output file n lines?
out_lines() {
	[ "$(wc -l < "$D/out")" -ge "$1" ]
}

# Is process $1 there and not a zombie?
running() {
	[ -e "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# A TCP proxy to the single member, its port in $D/port: it passes every
# byte both ways, but holds back a watch request (POST /v3/watch) from
# when it comes until $D/release exists, and says so by $D/held.
start_proxy() {
	python3 - "$ETCD_PORT" "$D" <<'PY' &
import os, socket, sys, threading, time
target, d = int(sys.argv[1]), sys.argv[2]
mark = b"POST /v3/watch"

# The mark may straddle two reads: what came before it goes on at once,
# the rest (an incomplete request, which etcd cannot act on) waits.
def upstream(c, s):
    tail, held = b"", False
    while True:
        data = c.recv(65536)
        if not data:
            s.shutdown(socket.SHUT_WR)
            return
        i = (tail + data).find(mark) - len(tail)
        if held or i < -len(tail):
            s.sendall(data)
        else:
            s.sendall(data[:max(i, 0)])
            open(os.path.join(d, "held"), "w").close()
            while not os.path.exists(os.path.join(d, "release")):
                time.sleep(0.02)
            held = True
            s.sendall(data[max(i, 0):])
        tail = (tail + data)[-len(mark):]

def downstream(s, c):
    while True:
        data = s.recv(65536)
        if not data:
            c.close()
            return
        c.sendall(data)

l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(8)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(l.getsockname()[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
while True:
    c, _ = l.accept()
    s = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=upstream, args=(c, s), daemon=True).start()
    threading.Thread(target=downstream, args=(s, c), daemon=True).start()
PY
	proxy=$!
	wait_for_file "$D/port"
	P="etcd://127.0.0.1:$(cat "$D/port")/$N"
}

# The store's revision now.
revision() {
	etcd_ctl get -w json "$K" | python3 -c 'import json, sys; print(json.load(sys.stdin)["header"]["revision"])'
}

@test "etcd faults: shm-get -w whose watch's revision was compacted away after its read re-reads: the change is written, not missed" {
	printf v1 | shm-put "$S"
	start_proxy
	shm-get -w -t 20s "$P" > "$D/out" 2> "$D/err" &
	pid=$!
	wait_until test -e "$D/held"
	# Between the read and the watch: two changes, and both compacted.
	etcd_ctl put "$K" v2 >/dev/null
	etcd_ctl put "$K" v3 >/dev/null
	etcd_ctl compact "$(revision)" >/dev/null
	touch "$D/release"
	reap "$pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$D/out")" = v3 ]
	[ ! -s "$D/err" ]
}

@test "etcd faults: shm-get -w whose watch's revision was compacted away, the object unchanged, watches on and writes the next change once" {
	printf v1 | shm-put "$S"
	start_proxy
	shm-get -w -t 20s "$P" > "$D/out" 2> "$D/err" &
	pid=$!
	wait_until test -e "$D/held"
	etcd_ctl put "/ipcutils/shm/$N-other" x >/dev/null
	etcd_ctl put "/ipcutils/shm/$N-other" y >/dev/null
	etcd_ctl compact "$(revision)" >/dev/null
	touch "$D/release"
	# It reads again and watches from there: asleep, nothing written.
	wait_asleep "$pid"
	[ ! -s "$D/out" ]
	printf v2 | shm-put "$S"
	reap "$pid"
	[ "$status" -eq 0 ]
	[ "$(cat "$D/out")" = v2 ]
	[ ! -s "$D/err" ]
}

@test "etcd faults: etcd unreachable for longer than the TTL: the command is ended before the lease can run out, sem-wait exits 125, and no second holder overlaps it" {
	# shellcheck disable=SC2016
	sem-wait --ttl 2s "$S" -- sh -c 'echo $$ > "$1/cmd1"; exec sleep 60' sh "$D" 2> "$D/err" &
	pid=$!
	wait_for_file "$D/cmd1"
	cmd1=$(cat "$D/cmd1")
	# shellcheck disable=SC2016
	sem-wait -t 60s "$S" -- sh -c '
		p=$(cat "$1/cmd1")
		if [ -e "/proc/$p/stat" ] && [ "$(awk "{ print \$3 }" "/proc/$p/stat")" != Z ]; then
			echo overlap >> "$1/bad"
		fi
		echo ran > "$1/ran2"' sh "$D" 2> "$D/err2" &
	pid2=$!
	wait_until waiters_are 2
	stopped=$(cat "$ETCD_DIR/m0/pid")
	kill -STOP "$stopped"
	t0=$SECONDS
	# The command ends while etcd is still stopped: its lease cannot have
	# been revoked yet, so nobody else can have had the unit.
	wait_until bash -c "! { [ -e /proc/$cmd1/stat ] && [ \"\$(awk '{ print \$3 }' /proc/$cmd1/stat)\" != Z ]; }"
	[ -e "/proc/$stopped" ]
	[ "$(awk '{ print $3 }' "/proc/$stopped/stat")" = T ]
	# Unreachable for longer than the TTL, then back.
	while [ $((SECONDS - t0)) -lt 4 ]; do sleep 0.2; done
	kill -CONT "$stopped"
	stopped=
	reap "$pid"
	[ "$status" -eq 125 ]
	[ "$(cat "$D/err")" = "sem-wait: $S: the unit was lost (its lease ended) while the command ran; it was ended" ]
	reap "$pid2"
	[ "$status" -eq 0 ]
	[ -e "$D/ran2" ]
	[ ! -e "$D/bad" ]
	[ ! -s "$D/err2" ]
}

@test "etcd faults: the member in use stopped: sem-wait's keepalive and shm-get -F's watch go on through the next endpoint; the unit stays held; each put is written once" {
	requires_cluster
	a=$(cport 0) b=$(cport 1) c=$(cport 2)
	url="etcd://127.0.0.1:$a,127.0.0.1:$b/$N"
	other="etcd://127.0.0.1:$c/$N"
	printf 'v1\n' | shm-put "$other"
	# shellcheck disable=SC2016
	sem-wait --ttl 4s "$url" -- sh -c 'touch "$1/in"; while [ ! -e "$1/go" ]; do sleep 0.05; done' sh "$D" 2> "$D/err" &
	pid=$!
	wait_until test -e "$D/in"
	shm-get -F -c 3 -t 30s "$url" > "$D/out" 2> "$D/err2" &
	pid2=$!
	wait_until out_lines 1
	wait_asleep "$pid2"
	down=0
	etcd_member_stop 0
	# Longer than the TTL: the keepalive, through the next member, keeps
	# the unit; nobody else gets it.
	run -1 sem-wait -t 5s "$other" -- true
	printf 'v2\n' | shm-put "$other"
	wait_until out_lines 2
	printf 'v3\n' | shm-put "$other"
	reap "$pid2"
	[ "$status" -eq 0 ]
	[ "$(cat "$D/out")" = "$(printf 'v%d\n' 1 2 3)" ]
	[ ! -s "$D/err2" ]
	running "$pid"
	touch "$D/go"
	reap "$pid"
	[ "$status" -eq 0 ]
	[ ! -s "$D/err" ]
	etcd_member_start 0
	etcd_wait "$a"
	down=
}
