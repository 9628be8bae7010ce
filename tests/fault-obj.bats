#!/usr/bin/env bats
# fault-obj: the object and socket tools (shm-put, shm-get, sem-wait,
# sem-post, sock-listen, sock-send) with the Nth call of each kind they
# make failing (tests/fault.c): the calls past read and write that reach
# their error paths, each checked against the contract of the tool's page.

# A CA and a server's certificate for localhost, for the tls: cases.
setup_file() {
	command -v openssl >/dev/null || return 0
	local d=$BATS_FILE_TMPDIR/pki
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		umask 077
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out ca.key 2>/dev/null
		openssl req -x509 -new -key ca.key -out ca.pem -days 2 \
		    -subj /CN=ca 2>/dev/null
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out srv.key 2>/dev/null
		openssl req -new -key srv.key -subj /CN=localhost \
		    -out srv.csr 2>/dev/null
		echo 'subjectAltName=DNS:localhost,IP:127.0.0.1' > srv.ext
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -days 1 -extfile srv.ext -out srv.pem \
		    2>/dev/null
	)
}

setup() {
	load test_helper
	load fault
	fault_setup
}

teardown() {
	sock_cleanup
	ipc_cleanup
	sem_cleanup
}

# What the object holds, or "(none)".
holds() {
	if shm_exists "$1"; then shm-get "$1"; else echo "(none)"; fi
}

# --- shm-put -----------------------------------------------------------

# The calls a put makes, past read and write, and errnos that reach both
# the error paths and the fall-backs (EXDEV, EINVAL, ENOSYS, EOPNOTSUPP:
# another way to copy; EEXIST: a name taken meanwhile).
SHM_CALLS="open fstat fcntl lseek ftruncate mmap linkat flock statfs rename
    fallocate fchmod fchown copy_file_range shm_open unlink splice sendfile
    read write"
SHM_ERRNOS="EIO ENOSPC EINTR EAGAIN ENOMEM EXDEV EINVAL EOPNOTSUPP EEXIST
    ENOENT"

# shm-put's page: 0, the object holds the input; 1 or 2, it is as it was.
shm_put_case() {
	local spec=$1
	shift
	holds "$N" > "$T/old"
	if [ -n "${PIPE:-}" ]; then
		faulted "$spec" shm-put "$@" "$N" < <(cat "$T/in")
	else
		faulted "$spec" shm-put "$@" "$N" < "$T/in"
	fi
	contract "$spec" shm-put "1 2"
	holds "$N" > "$T/got"
	if [ "$rc" -eq 0 ]; then
		cmp -s "$T/got" "$T/want" ||
		    lost "$spec" shm-put "status 0, holds: $(od -c "$T/got" | head -3)"
	elif grep -q '; the put was left half done$' "$T/ferr"; then
		# The page's one exception: a copy in place that failed
		# once it had begun, which says so.
		[ -z "${NOTORN:-}" ] ||
		    lost "$spec" shm-put "half done, where nothing is in place"
	else
		cmp -s "$T/got" "$T/old" ||
		    lost "$spec" shm-put "status $rc, holds: $(od -c "$T/got" | head -3)"
	fi
}

new_from_pipe() {
	shm_cleanup
	PIPE=1 NOTORN=1 shm_put_case "$1"
}

@test "fault-obj: shm-put of a pipe into a new object: made whole, or not at all" {
	printf 'the new contents\n' > "$T/in"
	cp "$T/in" "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" each_fault new_from_pipe
	verdict
}

old_from_pipe() {
	printf 'the old contents, longer than the new\n' | shm-put "$N"
	PIPE=1 shm_put_case "$1"
}

@test "fault-obj: shm-put of a pipe over an object: old or new, never between" {
	printf 'the new contents\n' > "$T/in"
	cp "$T/in" "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" each_fault old_from_pipe
	verdict
}

old_from_file() {
	printf 'the old contents, longer than the new\n' | shm-put "$N"
	shm_put_case "$1"
}

@test "fault-obj: shm-put of a file over an object (leased, mapped): old or new" {
	printf 'the new contents\n' > "$T/in"
	cp "$T/in" "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" each_fault old_from_file
	verdict
}

at_offset() {
	printf '0123456789' | shm-put "$N"
	PIPE=1 shm_put_case "$1" -o 3
}

@test "fault-obj: shm-put -o over an object: in place whole, or as it was" {
	printf 'abc' > "$T/in"
	printf '012abc6789' > "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" each_fault at_offset
	verdict
}

new_at_offset() {
	shm_cleanup
	PIPE=1 NOTORN=1 shm_put_case "$1" -o 3 -s 8
}

@test "fault-obj: shm-put -o -s into a new object: made whole, or not at all" {
	printf 'abc' > "$T/in"
	printf '\0\0\0abc\0\0' > "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" each_fault new_at_offset
	verdict
}

sized() {
	printf 'the old contents, longer than the new\n' | shm-put "$N"
	PIPE=1 shm_put_case "$1" -s 40
}

@test "fault-obj: shm-put -s over an object: the new size and contents, or the old" {
	printf 'new' > "$T/in"
	{ printf 'new'; head -c 37 /dev/zero; } > "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" each_fault sized
	verdict
}

# --- shm-get -----------------------------------------------------------

GET_CALLS="open fstat flock mmap fcntl read write lseek shm_open poll"
GET_ERRNOS="EIO EINTR EAGAIN ENOMEM EPIPE EFBIG"

# shm-get's page: 0, all of the range written; 1 or 2 and one line; the
# object never changes.
shm_get_case() {
	local spec=$1
	shift
	faulted "$spec" shm-get "$@" "$N" > "$T/out"
	contract "$spec" shm-get "1 2"
	[ "$rc" -ne 0 ] || cmp -s "$T/out" "$T/want" ||
	    lost "$spec" shm-get "status 0, wrote $(wc -c < "$T/out") bytes"
	shm-get "$N" | cmp -s - "$T/obj" || lost "$spec" shm-get "the object changed"
}

whole() { shm_get_case "$1"; }

@test "fault-obj: shm-get of a long object (mapped, then read): all of it, or one line" {
	# Past the buffer of 128 KiB, so that the mapping is taken too.
	seq 1 60000 > "$T/obj"
	shm-put "$N" < "$T/obj"
	cp "$T/obj" "$T/want"
	CALLS=$GET_CALLS ERRNOS=$GET_ERRNOS NTHS="1 2 3" each_fault whole
	verdict
}

ranged() { shm_get_case "$1" -o 100 -l 200000; }

@test "fault-obj: shm-get -o -l: the range, or one line" {
	seq 1 60000 > "$T/obj"
	shm-put "$N" < "$T/obj"
	tail -c +101 "$T/obj" | head -c 200000 > "$T/want"
	CALLS=$GET_CALLS ERRNOS=$GET_ERRNOS NTHS="1 2" each_fault ranged
	verdict
}

followed() { shm_get_case "$1" -F -c 1 -t 5; }

@test "fault-obj: shm-get -F -c 1: the version as a record, or one line" {
	printf 'one version' | shm-put "$N"
	printf 'one version' > "$T/obj"
	printf 'one version\n' > "$T/want"
	CALLS=$GET_CALLS ERRNOS=$GET_ERRNOS NTHS="1 2" each_fault followed
	verdict
}

# --- sem-post, sem-wait ------------------------------------------------

SEM_CALLS="open fstat ftruncate mmap sem_open read write fcntl flock"
SEM_ERRNOS="EIO EINTR EAGAIN ENOMEM EACCES ENOENT"

# A semaphore of value $1, made afresh.
sem_at() {
	peer-sem unlink "/$N"
	peer-sem create "/$N" "$1"
}

# sem-post's page: 0, posted; 1 or 2, nothing posted.
sem_post_case() {
	local spec=$1 v
	shift
	sem_at 0
	faulted "$spec" sem-post "$@" "$N" > "$T/out"
	contract "$spec" sem-post "1 2"
	v=$(sem_value "$N")
	[ "$v" = $((rc == 0 ? 1 : 0)) ] ||
	    lost "$spec" sem-post "status $rc, value $v"
	[ "$rc" -ne 0 ] || [ -z "$*" ] || [ "$(cat "$T/out")" = 1 ] ||
	    lost "$spec" sem-post "status 0, printed: $(cat "$T/out")"
}

post_max() { sem_post_case "$1" --max 1 -v; }

@test "fault-obj: sem-post --max -v: posted and said, or not posted" {
	CALLS=$SEM_CALLS ERRNOS=$SEM_ERRNOS NTHS="1 2 3" each_fault post_max
	verdict
}

new_sem_post() {
	peer-sem unlink "/$N"
	faulted "$1" sem-post --init 2 "$N"
	contract "$1" sem-post "1 2"
	if v=$(sem_value "$N" 2>/dev/null); then
		[ "$rc" -eq 0 ] && [ "$v" = 3 ] || [ "$rc" -ne 0 ] ||
		    lost "$1" sem-post "status 0, value $v"
	else
		[ "$rc" -ne 0 ] || lost "$1" sem-post "status 0, no semaphore"
	fi
}

@test "fault-obj: sem-post of a new semaphore: made and posted, or one line" {
	CALLS=$SEM_CALLS ERRNOS=$SEM_ERRNOS NTHS="1 2 3" each_fault new_sem_post
	verdict
}

# sem-wait's page: 0, a unit taken; 1 or 2, none.
sem_wait_case() {
	local spec=$1 v
	shift
	sem_at 1
	faulted "$spec" sem-wait "$@" "$N" > "$T/out"
	contract "$spec" sem-wait "1 2"
	v=$(sem_value "$N")
	[ "$v" = $((rc == 0 ? 0 : 1)) ] ||
	    lost "$spec" sem-wait "status $rc, value $v"
	[ "$rc" -ne 0 ] || [ "$(cat "$T/out")" = 0 ] ||
	    lost "$spec" sem-wait "status 0, printed: $(cat "$T/out")"
}

wait_t() { sem_wait_case "$1" -t 2 -v; }

@test "fault-obj: sem-wait -t -v: taken and said, or not taken" {
	CALLS=$SEM_CALLS ERRNOS=$SEM_ERRNOS NTHS="1 2 3" each_fault wait_t
	verdict
}

# With a command the unit is given back however it ends: the value is 1
# after, and the status the command's (0), or 125 and one line.
wait_cmd() {
	local v
	sem_at 1
	faulted "$1" sem-wait -t 2 "$N" -- sh -c 'echo ran'
	contract "$1" sem-wait "125 126 127 1"
	v=$(sem_value "$N")
	[ "$v" = 1 ] || lost "$1" sem-wait "status $rc, value $v after"
}

@test "fault-obj: sem-wait -- CMD: the unit comes back, whatever failed" {
	CALLS="$SEM_CALLS fork dup2 pipe2 poll" ERRNOS=$SEM_ERRNOS \
	    NTHS="1 2 3" each_fault wait_cmd
	verdict
}

# --- sock-listen, sock-send --------------------------------------------

SOCK_ERRNOS="EIO EINTR EAGAIN ENOMEM ECONNRESET EMFILE"

# The faulted sock-listen in the background with ARGS, its port or path
# in $port once it listens: 0, or 1 when it never did (then reaped, its
# status in $rc).
listen_faulted() {
	local spec=$1 ready=$T/ready i
	shift
	rm -f "$ready" "$T/s"
	mkfifo "$ready"
	runs=$((runs + 1))
	IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM "$DYN/sock-listen" \
	    --port-file "$ready" "$@" > "$T/out" 2> "$T/ferr" 3>&- &
	pid=$!
	# Its port, or its end: one that failed before it listened writes
	# none, and is not waited for ten seconds.
	exec 4<> "$ready"
	for i in $(seq 200); do
		if read -t 0.1 -r port <&4; then
			exec 4<&-
			return 0
		fi
		if ended "$pid"; then
			read -t 0.1 -r port <&4 && { exec 4<&-; return 0; }
			break
		fi
	done
	exec 4<&-
	reap "$pid"
	rc=$status
	pid=
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
	return 1
}

# End the background sock-listen: its status in $rc.
listen_done() {
	reap "$pid"
	rc=$status
	pid=
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
}

# sock-listen's page: 0, what came written out whole; 1 or 2, one line.
listen_case() {
	local spec=$1 addr=$2
	shift 2
	if ! listen_faulted "$spec" -c 1 -t 5 "$@" "$addr"; then
		contract "$spec" sock-listen "1 2"
		[ "$rc" -ne 0 ] || lost "$spec" sock-listen "status 0, never listened"
		return 0
	fi
	case $addr in tcp:*|*:0) addr=127.0.0.1:$port ;; esac
	sock-send -q "$addr" < "$T/in" 2>/dev/null || true
	listen_done
	contract "$spec" sock-listen "1 2"
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$spec" sock-listen "status 0, wrote: $(head -c 100 "$T/out")"
}

LISTEN_CALLS="socket bind listen setsockopt accept poll fcntl open write
    read recv unlink"

listen_tcp() { listen_case "$1" 127.0.0.1:0; }

@test "fault-obj: sock-listen on TCP: what came written out whole, or one line" {
	seq 1 2000 > "$T/in"
	CALLS=$LISTEN_CALLS ERRNOS=$SOCK_ERRNOS NTHS="1 2" each_fault listen_tcp
	verdict
}

listen_unix() { listen_case "$1" "unix:$T/s" --allow "uid:$(id -u)"; }

@test "fault-obj: sock-listen --allow on a Unix socket: written out whole, or one line" {
	seq 1 2000 > "$T/in"
	CALLS=$LISTEN_CALLS ERRNOS=$SOCK_ERRNOS NTHS="1 2" each_fault listen_unix
	verdict
}

# -k: a connection that fails is said and the next one served; only the
# listener's own failures (its socket, its output) end it.
listen_keep() {
	local spec=$1 i
	if ! listen_faulted "$spec" -k -t 2 "unix:$T/s"; then
		contract "$spec" sock-listen "1 2"
		return 0
	fi
	for i in 1 2 3; do
		echo "connection $i" | sock-send -q "unix:$T/s" 2>/dev/null || true
	done
	listen_done
	# -k ends when -t passes with nothing new: status 0 after some
	# came, else 1 or 2 with the line that says why.
	if [ "$rc" -eq 0 ]; then
		[ "$(wc -l < "$T/ferr")" -le 3 ] ||
		    lost "$spec" sock-listen "status 0, $(wc -l < "$T/ferr") lines"
		grep -q '^connection 3$' "$T/out" ||
		    lost "$spec" sock-listen "status 0 without the last connection: $(cat "$T/out" "$T/ferr")"
	else
		case $rc in 1|2) ;; *) lost "$spec" sock-listen "status $rc" ;; esac
		[ "$(tail -n 1 "$T/ferr" | grep -c '^sock-listen: ')" -eq 1 ] ||
		    lost "$spec" sock-listen "status $rc, says: $(cat "$T/ferr")"
	fi
}

@test "fault-obj: sock-listen -k: a failed connection is said, the next one served" {
	CALLS="accept poll read write" ERRNOS=$SOCK_ERRNOS NTHS="1 2" \
	    each_fault listen_keep
	verdict
}

# --exec: the command's status, 125 when sock-listen fails, one line.
listen_exec() {
	local spec=$1
	if ! listen_faulted "$spec" -c 1 -t 5 --exec 'cat' "unix:$T/s"; then
		contract "$spec" sock-listen "125"
		return 0
	fi
	sock-send -t 10 "unix:$T/s" < "$T/in" > "$T/reply" 2>/dev/null || true
	listen_done
	contract "$spec" sock-listen "125 126 127"
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/reply" ||
	    lost "$spec" sock-listen "status 0, the reply: $(head -c 100 "$T/reply")"
}

@test "fault-obj: sock-listen --exec: the command's status, or 125 and one line" {
	seq 1 200 > "$T/in"
	CALLS="fork poll accept dup2 pipe2 fcntl socket bind listen" \
	    ERRNOS=$SOCK_ERRNOS NTHS="1 2" each_fault listen_exec
	verdict
}

# sock-send's page: 0, everything sent (and the reply written); 1 or 2 and
# one line.
send_case() {
	local spec=$1 addr=$2
	shift 2
	sock_listen_bg -c 1 -t 5 "$addr"
	case $addr in *:0) addr=127.0.0.1:$port ;; esac
	faulted "$spec" sock-send "$@" "$addr" < "$T/in"
	contract "$spec" sock-send "1 2"
	# A sender that failed may have connected or not: end the listener.
	[ "$rc" -eq 0 ] || sock-send -q "$addr" < /dev/null 2>/dev/null || true
	reap "$pid"
	pid=
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$spec" sock-send "status 0, delivered: $(head -c 100 "$T/out")"
	rm -f "$T/s"
}

SEND_CALLS="socket connect send poll fcntl setsockopt read write recv"

send_tcp() { send_case "$1" 127.0.0.1:0 -t 10; }

@test "fault-obj: sock-send over TCP: delivered whole with status 0, or one line" {
	seq 1 2000 > "$T/in"
	CALLS=$SEND_CALLS ERRNOS=$SOCK_ERRNOS NTHS="1 2" each_fault send_tcp
	verdict
}

send_unix_q() { send_case "$1" "unix:$T/s" -q; }

@test "fault-obj: sock-send -q to a Unix socket: delivered whole, or one line" {
	seq 1 2000 > "$T/in"
	CALLS=$SEND_CALLS ERRNOS=$SOCK_ERRNOS NTHS="1 2" each_fault send_unix_q
	verdict
}

# Datagrams: each line one datagram; status 0 means all of them went.
send_udp() {
	local spec=$1
	sock_listen_bg -c 3 -t 5 udp:127.0.0.1:0
	faulted "$spec" sock-send "udp:127.0.0.1:$port" < "$T/in"
	contract "$spec" sock-send "1 2"
	if [ "$rc" -ne 0 ]; then
		# End the listener with what did not come.
		printf 'x\nx\nx\n' | sock-send "udp:127.0.0.1:$port" 2>/dev/null || true
	fi
	reap "$pid"
	pid=
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$spec" sock-send "status 0, delivered: $(head -c 100 "$T/out")"
}

@test "fault-obj: sock-send of datagrams: each sent with status 0, or one line" {
	printf 'one\ntwo\nthree\n' > "$T/in"
	CALLS="socket connect send poll read" ERRNOS=$SOCK_ERRNOS NTHS="1 2" \
	    each_fault send_udp
	verdict
}

# --- tls: --------------------------------------------------------------

needs_pki() {
	command -v openssl >/dev/null || skip "needs openssl"
	K=$BATS_FILE_TMPDIR/pki
	[ -f "$K/srv.pem" ] || skip "no certificates (openssl failed)"
}

TLS_CALLS="open fstat read write poll recv send socket connect accept
    setsockopt fcntl"

listen_tls() {
	local spec=$1
	if ! listen_faulted "$spec" -c 1 -t 5 --tls-cert "$K/srv.pem" \
	    --tls-key "$K/srv.key" tls:127.0.0.1:0; then
		contract "$spec" sock-listen "1 2"
		[ "$rc" -ne 0 ] || lost "$spec" sock-listen "status 0, never listened"
		return 0
	fi
	sock-send -q -t 5 --tls-ca "$K/ca.pem" "tls:127.0.0.1:$port" \
	    < "$T/in" 2>/dev/null || true
	listen_done
	contract "$spec" sock-listen "1 2"
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$spec" sock-listen "status 0, wrote: $(head -c 100 "$T/out")"
}

@test "fault-obj: sock-listen tls: the plaintext written out whole, or one line" {
	needs_pki
	seq 1 2000 > "$T/in"
	CALLS=$TLS_CALLS ERRNOS="EIO EINTR EAGAIN ECONNRESET" NTHS="1 2 4" \
	    each_fault listen_tls
	verdict
}

# Without -t: whatever fails, sock-send ends, none waits for ever (a
# peer that waits for our end of TLS while we wait for its).  The
# listener waits longer than the ten seconds that a sender is given.
send_tls() {
	local spec=$1 spid
	sock_listen_bg -c 1 -t 30 --tls-cert "$K/srv.pem" \
	    --tls-key "$K/srv.key" tls:127.0.0.1:0
	runs=$((runs + 1))
	rc=0
	IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM "$DYN/sock-send" \
	    --tls-ca "$K/ca.pem" "tls:127.0.0.1:$port" < "$T/in" \
	    2> "$T/ferr" &
	spid=$!
	if ! wait_until ended "$spid"; then
		kill -KILL "$spid"
		lost "$spec" sock-send "still running 10 s later"
	fi
	wait "$spid" || rc=$?
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
	contract "$spec" sock-send "1 2"
	# A sender that failed may have connected or not: end the listener.
	[ "$rc" -eq 0 ] || sock-send -q -t 5 --tls-ca "$K/ca.pem" \
	    "tls:127.0.0.1:$port" < /dev/null 2>/dev/null || true
	reap "$pid"
	pid=
	[ "$rc" -ne 0 ] || cmp -s "$T/in" "$T/out" ||
	    lost "$spec" sock-send "status 0, delivered: $(head -c 100 "$T/out")"
}

@test "fault-obj: sock-send tls: delivered whole with status 0, or one line" {
	needs_pki
	seq 1 2000 > "$T/in"
	CALLS=$TLS_CALLS ERRNOS="EIO EINTR EAGAIN ECONNRESET" NTHS="1 2 4" \
	    each_fault send_tls
	verdict
}

@test "fault-obj: a --tls-key that is no regular file, or too large, is exit 2 and one line" {
	needs_pki
	mkdir -m 700 "$T/dir.key"
	run -2 --separate-stderr sock-listen --tls-cert "$K/srv.pem" \
	    --tls-key "$T/dir.key" tls:0
	assert_equal "$stderr" "sock-listen: $T/dir.key: key is not a regular file"
	(umask 077; head -c 1100000 /dev/zero > "$T/big.key")
	run -2 --separate-stderr sock-listen --tls-cert "$K/srv.pem" \
	    --tls-key "$T/big.key" tls:0
	assert_equal "$stderr" "sock-listen: $T/big.key: key is too large"
	run -125 --separate-stderr sock-listen --exec cat \
	    --tls-cert "$K/srv.pem" --tls-key "$T/big.key" tls:0
	assert_equal "$stderr" "sock-listen: $T/big.key: key is too large"
}

big_in_place() {
	printf 'the old contents\n' | shm-put "$N"
	shm_put_case "$1"
}

@test "fault-obj: shm-put of 33 MiB in place, in two halves at once: whole, or said half done" {
	# Past 32 MiB a copy in place is split, the second half copied by a
	# child process: its failure, and a fork that fails, are the put's.
	head -c $((33 * 1024 * 1024)) /dev/urandom > "$T/in"
	cp "$T/in" "$T/want"
	CALLS="fork open copy_file_range sendfile fallocate ftruncate" \
	    ERRNOS="EIO EXDEV ENOMEM EAGAIN" NTHS="1 2" each_fault big_in_place
	verdict
}

# Where the kernel will not copy one way, the next: splice(2), then
# sendfile(2), then read and write into the staging object; and
# copy_file_range(2), then sendfile(2), then pread and pwrite in place.
# The faulted shm-put is run by bash's exec, so that no other program
# takes the shim (and the fault) first.
put_with() {
	run --separate-stderr bash -c 'IPCUTILS_FAULT=$1 LD_PRELOAD=$2 exec "$3" "$4"' \
	    sh "$1" "$SHIM" "$DYN/shm-put" "$N"
}

@test "fault-obj: shm-put falls back to each slower copy where the kernel refuses one, the put whole" {
	local spec
	seq 1 50000 > "$T/in"
	# The control: a fault that is no refusal fails the put.
	printf 'old' | shm-put "$N"
	put_with splice:1:EIO < <(cat "$T/in")
	assert_equal "$status $stderr" "2 shm-put: stdin: Input/output error"
	put_with copy_file_range:1+:EIO < "$T/in"
	assert_equal "$status" 2
	for spec in "splice:1+:EINVAL" "splice:1+:EINVAL,sendfile:1+:ENOSYS" \
	    "copy_file_range:1+:EXDEV" \
	    "copy_file_range:1+:EXDEV,sendfile:1+:EINVAL"; do
		# A pipe is staged (splice); a file is copied in place.
		printf 'old' | shm-put "$N"
		put_with "$spec" < <(cat "$T/in")
		assert_equal "$spec $status $stderr" "$spec 0 "
		run -0 bash -c 'shm-get "$1" | cmp - "$2"' sh "$N" "$T/in"
		printf 'old' | shm-put "$N"
		put_with "$spec" < "$T/in"
		assert_equal "$spec $status $stderr" "$spec 0 "
		run -0 bash -c 'shm-get "$1" | cmp - "$2"' sh "$N" "$T/in"
	done
}

@test "fault-obj: shm-put whose old size cannot be set back says so in the same one line" {
	printf 'old contents\n' | shm-put "$N"
	# Growing to -s fails, and so does giving the old size back.
	run -2 --separate-stderr bash -c 'printf new |
	    IPCUTILS_FAULT=ftruncate:1+:EIO LD_PRELOAD=$1 exec "$2" -s 40 "$3"' \
	    sh "$SHIM" "$DYN/shm-put" "$N"
	assert_equal "$stderr" "shm-put: /$N: Input/output error; its old size, 13, could not be given back: Input/output error"
	run -0 shm-get "$N"
	assert_output "old contents"
}
