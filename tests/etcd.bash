# etcd.bash: private etcd members for one test file (setup_file and
# teardown_file), on 127.0.0.1 only: their own client and peer ports and
# data directories, stopped by pid, so that they never meet Debian's own
# etcd service or another session's.
#
#   etcd_start      one member; exports ETCD_URL (etcd://127.0.0.1:PORT),
#                   ETCD_PORT, and with openssl ETCDS_URL on a TLS port
#                   of the same member, its CA in ETCD_CA and a
#                   certificate for etcd.test; ETCD_SKIP says why not
#   etcd_cluster    three more members, one cluster: ETCD_CLUSTER_URL
#                   (etcd://A,B,C), ETCD_CPORTS ("A B C") and their pids
#                   in $ETCD_DIR/cN/pid; ETCD_CLUSTER_SKIP says why not
#   etcd_auth_start one more member with a root user and authentication
#                   on: ETCD_AUTH_URL, ETCD_AUTH_PASSWORD
#   etcd_stop       stop every member started, by pid
#   etcd_ctl ...    etcdctl against the single member
#   etcd_member_stop N / etcd_member_start N   one member of the cluster
#   cluster_leader  which member of the cluster leads (0, 1, 2)

# Free TCP ports on the loopback, as many as asked.
etcd_ports() {
	python3 -c '
import socket, sys
ss = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

etcd_ctl() {
	ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$ETCD_PORT" "$@"
}

# Is the member of client port $1 up, a member of a cluster with a leader?
etcd_healthy() {
	ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$1" \
	    --command-timeout=2s endpoint health >/dev/null 2>&1
}

# Start a member in dir $1 (its name the dir's last part) with etcd's
# further options; its pid in $1/pid.  Not our child (a shell's plain wait
# would wait for it), and fd 3 closed (bats waits for whoever holds it).
etcd_spawn() {
	local d=$1
	shift
	mkdir -p "$d/data"
	( (cd "$d" && exec etcd --data-dir "$d/data" \
	    "$@" > "$d/out" 2>&1 < /dev/null) &
	    echo $! > "$d/pid" ) 3>&-
}

# Wait at most 30 s for the members of the client ports given; the pid
# files of dirs $ETCD_WAIT_DIRS, if one has died, end the wait.
etcd_wait() {
	local p f deadline=$((SECONDS + 30))
	for p in "$@"; do
		until etcd_healthy "$p"; do
			[ "$SECONDS" -lt "$deadline" ] || return 1
			for f in ${ETCD_WAIT_DIRS:-}; do
				kill -0 "$(cat "$f/pid")" 2>/dev/null || return 1
			done
			sleep 0.1
		done
	done
}

etcd_start() {
	local t0=$SECONDS d cp pp tp tls=
	ETCD_SKIP=
	if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
		ETCD_SKIP="needs etcd and etcdctl (Debian packages etcd-server, etcd-client)"
		export ETCD_SKIP
		return 0
	fi
	if ! command -v python3 >/dev/null; then
		ETCD_SKIP="needs python3"
		export ETCD_SKIP
		return 0
	fi
	ETCD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ipct-etcd.XXXXXX")
	read -r cp pp tp <<< "$(etcd_ports 3)"
	d=$ETCD_DIR/m0
	mkdir -p "$d"
	if etcd_certs; then
		tls="--cert-file $ETCD_DIR/server.pem --key-file $ETCD_DIR/server.key"
		ETCD_CA=$ETCD_DIR/ca.pem
	else
		tp= ETCD_CA=
	fi
	# shellcheck disable=SC2086
	etcd_spawn "$d" --name m0 \
	    --listen-client-urls "http://127.0.0.1:$cp${tp:+,https://127.0.0.1:$tp}" \
	    --advertise-client-urls "http://127.0.0.1:$cp" \
	    --listen-peer-urls "http://127.0.0.1:$pp" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
	    --initial-cluster "m0=http://127.0.0.1:$pp" \
	    --initial-cluster-token "ipct-$$-m0" $tls
	if ! ETCD_WAIT_DIRS=$d etcd_wait "$cp"; then
		ETCD_SKIP="etcd did not start: $(tail -n 3 "$d/out" | tr '\n' ' ')"
		export ETCD_SKIP ETCD_DIR
		return 0
	fi
	ETCD_PORT=$cp ETCD_TLS_PORT=$tp
	ETCD_START_SECONDS=$((SECONDS - t0))
	export ETCD_DIR ETCD_PORT ETCD_TLS_PORT ETCD_CA ETCD_SKIP
	export ETCD_START_SECONDS
	export ETCD_URL="etcd://127.0.0.1:$ETCD_PORT"
	export ETCDS_URL=${tp:+etcds://127.0.0.1:$tp}
}

# A CA, and a server certificate it signed for etcd.test and 127.0.0.1.
etcd_certs() {
	local d=$ETCD_DIR
	command -v openssl >/dev/null || return 1
	{
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -subj /CN=ipct-ca -keyout "$d/ca.key" -out "$d/ca.pem" &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=etcd.test \
		    -keyout "$d/server.key" -out "$d/server.csr" &&
		printf 'subjectAltName=DNS:etcd.test,IP:127.0.0.1\n' > "$d/ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" \
		    -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		    -extfile "$d/ext" -out "$d/server.pem"
	} > "$d/openssl.log" 2>&1 || return 1
}

# Member N of the three (0, 1, 2), started again on its ports and data.
etcd_member_start() {
	local n=$1 i peers= cps pps
	read -r -a cps <<< "$ETCD_CPORTS"
	read -r -a pps <<< "$ETCD_PPORTS"
	for i in 0 1 2; do
		peers="$peers${peers:+,}c$i=http://127.0.0.1:${pps[$i]}"
	done
	etcd_spawn "$ETCD_DIR/c$n" --name "c$n" \
	    --listen-client-urls "http://127.0.0.1:${cps[$n]}" \
	    --advertise-client-urls "http://127.0.0.1:${cps[$n]}" \
	    --listen-peer-urls "http://127.0.0.1:${pps[$n]}" \
	    --initial-advertise-peer-urls "http://127.0.0.1:${pps[$n]}" \
	    --initial-cluster "$peers" --initial-cluster-state new \
	    --initial-cluster-token "ipct-$$-c" \
	    --heartbeat-interval 50 --election-timeout 500
}

etcd_member_stop() {
	etcd_kill "$ETCD_DIR/c$1/pid"
}

# Which member of the three (0, 1, 2) leads.
cluster_leader() {
	local i=0 p
	for p in $ETCD_CPORTS; do
		if ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$p" \
		    endpoint status -w json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["Status"]
sys.exit(0 if s["header"]["member_id"] == s["leader"] else 1)'; then
			echo "$i"
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}

etcd_cluster() {
	local ports
	ETCD_CLUSTER_SKIP=
	if [ -n "${ETCD_SKIP:-}" ]; then
		ETCD_CLUSTER_SKIP=$ETCD_SKIP
		export ETCD_CLUSTER_SKIP
		return 0
	fi
	ports=$(etcd_ports 6)
	read -r a b c pa pb pc <<< "$ports"
	ETCD_CPORTS="$a $b $c" ETCD_PPORTS="$pa $pb $pc"
	export ETCD_CPORTS ETCD_PPORTS
	etcd_member_start 0
	etcd_member_start 1
	etcd_member_start 2
	if ! etcd_wait "$a" "$b" "$c"; then
		ETCD_CLUSTER_SKIP="the etcd cluster did not start: $(tail -n 2 "$ETCD_DIR/c0/out" | tr '\n' ' ')"
	fi
	export ETCD_CLUSTER_SKIP
	export ETCD_CLUSTER_URL="etcd://127.0.0.1:$a,127.0.0.1:$b,127.0.0.1:$c"
}

etcd_auth_start() {
	local cp pp d=$ETCD_DIR/a0
	[ -z "${ETCD_SKIP:-}" ] || return 0
	read -r cp pp <<< "$(etcd_ports 2)"
	etcd_spawn "$d" --name a0 \
	    --listen-client-urls "http://127.0.0.1:$cp" \
	    --advertise-client-urls "http://127.0.0.1:$cp" \
	    --listen-peer-urls "http://127.0.0.1:$pp" \
	    --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
	    --initial-cluster "a0=http://127.0.0.1:$pp" \
	    --initial-cluster-token "ipct-$$-a0" --bcrypt-cost 4
	ETCD_WAIT_DIRS=$d etcd_wait "$cp" || return 0
	ETCD_AUTH_PASSWORD="pw-$$-$RANDOM$RANDOM"
	{
		ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$cp" \
		    user add "root:$ETCD_AUTH_PASSWORD" &&
		ETCDCTL_API=3 etcdctl --endpoints="127.0.0.1:$cp" auth enable
	} > "$d/setup.log" 2>&1 || return 0
	export ETCD_AUTH_PORT=$cp ETCD_AUTH_PASSWORD
	export ETCD_AUTH_URL="etcd://127.0.0.1:$cp"
}

# Stop the member whose pid is in file $1, and wait for it to go.
etcd_kill() {
	local p i
	p=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null || true
	for i in $(seq 200); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$p" 2>/dev/null || true
	rm -f "$1"
}

etcd_stop() {
	local f
	[ -n "${ETCD_DIR:-}" ] || return 0
	for f in "$ETCD_DIR"/*/pid; do
		[ -e "$f" ] && etcd_kill "$f"
	done
	rm -rf "$ETCD_DIR"
}

# In a test: skip unless the member of setup_file runs.
requires_etcd() {
	[ -z "${ETCD_SKIP:-}" ] || skip "$ETCD_SKIP"
	[ -n "${ETCD_PORT:-}" ] || skip "no test etcd"
}
