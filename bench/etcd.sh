# bench/etcd.sh: sem-wait, shm-put and shm-get on etcd:// names of a
# private etcd member, against what a user does without ipcutils
# (etcdctl lock, etcdctl put and get); the hand-over time from one
# holder's exit to the next waiter's command; 64 waiters on --init 4,
# and etcd's requests per grant (from its /metrics), against 16 waiters.
# What a critical section costs etcd (requests, CPU time) is printed
# too: each request through the HTTP/JSON gateway costs the member more
# than one of etcdctl's gRPC, and on a small machine that bounds the rate.
# So does the floor printed under the lock's figures: what a critical
# section costs a client of the gateway that took no time of its own.
LOCKS=${ETCD_LOCKS:-200}
PUTS=${ETCD_PUTS:-500}
HANDOVERS=${ETCD_HANDOVERS:-50}
. "$(dirname "${BASH_SOURCE[0]}")/../tests/etcd.bash"
etcd_start
if [ -n "$ETCD_SKIP" ]; then
	echo "etcd: skipped: $ETCD_SKIP"
	return 0
fi
echo "etcd started in ${ETCD_START_SECONDS}s"
dir=$(mktemp -d)
fl=ipcb-$$
trap 'etcd_stop; rm -rf "$dir"; rm -f "/dev/shm/sem.$fl"' EXIT
u=$ETCD_URL
ctl="env ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:$ETCD_PORT"
head -c 1024 /dev/urandom | base64 -w 0 | head -c 1024 > "$dir/1k"

# etcd's gRPC requests so far (the gateway turns each HTTP call into one).
requests() {
	curl -s "http://127.0.0.1:$ETCD_PORT/metrics" |
	    awk '/^grpc_server_started_total/ { n += $2 } END { printf "%d\n", n }'
}

# The floor under any client of the gateway, for the lock: the same
# command under a semaphore of this host (no etcd: the shell's start of
# the tool, the tool's of the command), and the three requests no holder
# can do without (a lease, a key put on it, its revoke) made alone, one
# curl(1) on one kept connection making all of them.
# One request of the floor's, as curl -K reads it: PATH under /v3/, its
# JSON body; a request that fails fails the run.
floor_req() {
	[ "$1" = lease/grant ] && [ "$3" -eq 1 ] || echo next
	printf 'fail\nsilent\noutput = "/dev/null"\n'
	printf 'header = "Content-Type: application/json"\n'
	printf 'url = "http://127.0.0.1:%s/v3/%s"\n' "$ETCD_PORT" "$1"
	printf 'data = "%s"\n' "${2//\"/\\\"}"
}
# Round $1's requests: a lease ID of ours for each critical section.
floor_reqs() {
	local i id k
	k=$(printf '/ipcutils/sem/bench-f/w/x' | base64 -w 0)
	for i in $(seq "$LOCKS"); do
		id=$(( ($1 * 100000 + i) * 1000 + $$ % 1000 + 1 ))
		floor_req lease/grant "{\"TTL\":\"10\",\"ID\":\"$id\"}" "$i"
		floor_req kv/txn "{\"success\":[{\"request_put\":{\"key\":\"$k\",\"value\":\"eA==\",\"lease\":\"$id\"}}]}"
		floor_req kv/lease/revoke "{\"ID\":\"$id\"}"
	done
}
for r in $(seq "$ROUNDS"); do floor_reqs "$r" > "$dir/floor.$r"; done
floor_r=0	# compare runs each command in this shell: the round's file
floor_round() {
	floor_r=$((floor_r + 1))
	curl --fail-early -K "$dir/floor.$floor_r"
}

compare "$LOCKS critical sections, one after another (a command: true)" \
    "etcdctl lock L true" \
	"for i in \$(seq $LOCKS); do $ctl lock bench-l true >/dev/null; done" \
    "sem-wait etcd://.../L -- true" \
	"for i in \$(seq $LOCKS); do sem-wait $u/bench-l -- true; done" \
    "  no etcd: sem-wait NAME -- true" \
	"for i in \$(seq $LOCKS); do sem-wait $fl -- true; done" \
    "  the 3 requests alone (curl)" \
	"floor_round"
if [ -n "${COMPARE_MEDIANS[2]}" ] && [ -n "${COMPARE_MEDIANS[3]}" ]; then
	awk -v c="${COMPARE_MEDIANS[0]}" -v s="${COMPARE_MEDIANS[1]}" \
	    -v a="${COMPARE_MEDIANS[2]}" -v b="${COMPARE_MEDIANS[3]}" \
	    -v n="$LOCKS" 'BEGIN {
		printf "  floor (no etcd + the 3 requests): %.2f ms a critical section, %.2fx the speed of etcdctl lock;\n", (a + b) / n / 1e6, c / (a + b)
		printf "  sem-wait: %.2f ms, %.2f ms above the floor\n", s / n / 1e6, (s - a - b) / n / 1e6 }'
fi

# What each costs etcd: its requests, and its CPU time (the member's
# utime and stime, in clock ticks), over 50 critical sections each.
etcd_cpu() {
	awk '{ print $14 + $15 }' "/proc/$(cat "$ETCD_DIR/m0/pid")/stat"
}
if command -v curl >/dev/null; then
	r0=$(requests) c0=$(etcd_cpu)
	for i in $(seq 50); do sem-wait "$u/bench-l" -- true; done
	r1=$(requests) c1=$(etcd_cpu)
	for i in $(seq 50); do $ctl lock bench-l true >/dev/null; done
	r2=$(requests) c2=$(etcd_cpu)
	awk -v s=$((r1 - r0)) -v c=$((r2 - r1)) -v sc=$((c1 - c0)) \
	    -v cc=$((c2 - c1)) -v hz="$(getconf CLK_TCK)" 'BEGIN {
		printf "  per critical section, etcd requests: sem-wait %.1f, etcdctl lock %.1f;\n", s / 50, c / 50
		printf "  etcd CPU time: sem-wait %.2f ms, etcdctl lock %.2f ms\n", sc * 1000 / hz / 50, cc * 1000 / hz / 50 }'
fi

compare "$PUTS puts of 1 KiB" \
    "etcdctl put" \
	"for i in \$(seq $PUTS); do $ctl put /ipcutils/shm/bench-p < $dir/1k >/dev/null; done" \
    "shm-put etcd://..." \
	"for i in \$(seq $PUTS); do shm-put $u/bench-s < $dir/1k; done"

compare "$PUTS gets of 1 KiB" \
    "etcdctl get" \
	"for i in \$(seq $PUTS); do $ctl get --print-value-only /ipcutils/shm/bench-p >/dev/null; done" \
    "shm-get etcd://..." \
	"for i in \$(seq $PUTS); do shm-get $u/bench-s >/dev/null; done"

# The hand-over: the holder's command ends with date(1), which writes the
# time; the waiter's command is date(1), which writes the time it starts
# (no shell before it, whose own start is not the hand-over's); each
# pair's difference, in ms.  Both times are taken after a start of date,
# whose run before its exit counts against the hand-over.
echo "hand-over, one holder's command's end to the next waiter's command's start ($HANDOVERS)"
: > "$dir/ho"
for i in $(seq "$HANDOVERS"); do
	sem-wait "$u/bench-h" -- sh -c "while [ ! -e $dir/go ]; do sleep 0.005; done; exec date +%s%N" > "$dir/end" &
	holder=$!
	until [ "$($ctl get --prefix --keys-only /ipcutils/sem/bench-h/w/ | grep -c .)" -ge 1 ]; do sleep 0.01; done
	sem-wait "$u/bench-h" -- date +%s%N > "$dir/start" &
	waiter=$!
	until [ "$($ctl get --prefix --keys-only /ipcutils/sem/bench-h/w/ | grep -c .)" -ge 2 ]; do sleep 0.01; done
	touch "$dir/go"
	wait "$holder" "$waiter"
	rm -f "$dir/go"
	echo $(( $(cat "$dir/start") - $(cat "$dir/end") )) >> "$dir/ho"
done
sort -n "$dir/ho" | awk '{ v[NR] = $1 } END {
	p = int(NR * 0.99 + 0.999); if (p < 1) p = 1
	printf "  median %.2f ms, 99th percentile %.2f ms (goal: under 5 ms)\n",
	    (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1e6,
	    v[p] / 1e6 }'

# n waiters at once on --init 4, each a 50 ms command.
crowd() {
	local n=$1 t0 t1 r0 r1 i
	r0=$(requests)
	t0=$(now_ns)
	for i in $(seq "$n"); do
		sem-wait --init 4 "$u/bench-c$n" -- sleep 0.05 &
	done
	wait
	t1=$(now_ns)
	r1=$(requests)
	awk -v n="$n" -v t=$((t1 - t0)) -v r=$((r1 - r0)) 'BEGIN {
		ideal = n / 4 * 50
		printf "  %2d waiters: %.0f ms (%.2fx the %d ms of %d x the command), %.1f etcd requests per grant\n",
		    n, t / 1e6, t / 1e6 / ideal, ideal, n / 4, r / n }'
}
if command -v curl >/dev/null; then
	echo "waiters on --init 4, a 50 ms command each (goal: requests per grant constant)"
	crowd 16
	crowd 64
else
	echo "waiters: skipped: needs curl"
fi
