#!/usr/bin/env bats
# fault-obj: the object and socket tools (shm-put, shm-get, sem-wait,
# sem-post, sock-listen, sock-send) with the Nth call of each kind they
# make failing (tests/fault.c): the calls past read and write that reach
# their error paths, each checked against the contract of the tool's page.

setup() {
	load test_helper
	T=$BATS_TEST_TMPDIR
	# The shim and the dynamically linked tools (tests/dyn/), as in
	# tests/fault.bats: a static tool never sees an LD_PRELOAD.
	B=$(dirname "$(command -v peer-mq)")
	SHIM=$B/fault.so
	DYN=$B/dyn
	[ -f "$SHIM" ] || skip "no $SHIM (make check builds it)"
	if ldd "$DYN/shm-put" 2>/dev/null | grep -q libasan; then
		skip "a sanitizer build: ASan's runtime must come before the shim"
	fi
	bad=
	runs=0
	failures=0
}

teardown() {
	sock_cleanup
	ipc_cleanup
	sem_cleanup
}

# The harness of tests/fault.bats: TOOL run with the fault SPEC, its
# stderr in $T/err and status in $rc; a breach of the contract goes in
# $bad, so that one test reports every case that broke it.
faulted() {
	local spec=$1 tool=$2
	shift 2
	rc=0
	runs=$((runs + 1))
	IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM "$DYN/$tool" "$@" \
	    2> "$T/err" || rc=$?
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
}

# Status 0 and nothing on stderr, or one of ALLOWED and one line, the
# tool's own.
contract() {
	local spec=$1 tool=$2 allowed=$3 lines
	lines=$(wc -l < "$T/err")
	if [ "$rc" -eq 0 ]; then
		[ "$lines" -eq 0 ] ||
		    bad="$bad"$'\n'"$tool $spec: status 0 with: $(head -c 300 "$T/err")"
		return 0
	fi
	case " $allowed " in
	*" $rc "*) ;;
	*) bad="$bad"$'\n'"$tool $spec: status $rc (not $allowed): $(head -c 300 "$T/err")"
	   return 0 ;;
	esac
	if [ "$lines" -ne 1 ] || ! grep -q "^$tool: " "$T/err"; then
		bad="$bad"$'\n'"$tool $spec: status $rc, $lines lines: $(head -c 300 "$T/err")"
	fi
}

lost() {
	bad="$bad"$'\n'"$1 $2: $3"
}

# Each of CALLS failing with each of ERRNOS at each of NTHS: CASE SPEC.
matrix() {
	local c e n
	for c in $CALLS; do
		for e in $ERRNOS; do
			for n in $NTHS; do
				"$@" "$c:$n:$e"
			done
		done
	done
}

# Every case kept the contract, and the faults did make some runs fail
# (a shim that failed nothing would pass every case).
verdict() {
	[ -z "$bad" ] || fail "broken under faults ($runs runs):$bad"
	[ "$failures" -gt 0 ] || fail "no fault made any of $runs runs fail"
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
	elif grep -q '; the put was left half done$' "$T/err"; then
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
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" matrix new_from_pipe
	verdict
}

old_from_pipe() {
	printf 'the old contents, longer than the new\n' | shm-put "$N"
	PIPE=1 shm_put_case "$1"
}

@test "fault-obj: shm-put of a pipe over an object: old or new, never between" {
	printf 'the new contents\n' > "$T/in"
	cp "$T/in" "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" matrix old_from_pipe
	verdict
}

old_from_file() {
	printf 'the old contents, longer than the new\n' | shm-put "$N"
	shm_put_case "$1"
}

@test "fault-obj: shm-put of a file over an object (leased, mapped): old or new" {
	printf 'the new contents\n' > "$T/in"
	cp "$T/in" "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" matrix old_from_file
	verdict
}

at_offset() {
	printf '0123456789' | shm-put "$N"
	PIPE=1 shm_put_case "$1" -o 3
}

@test "fault-obj: shm-put -o over an object: in place whole, or as it was" {
	printf 'abc' > "$T/in"
	printf '012abc6789' > "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" matrix at_offset
	verdict
}

new_at_offset() {
	shm_cleanup
	PIPE=1 NOTORN=1 shm_put_case "$1" -o 3 -s 8
}

@test "fault-obj: shm-put -o -s into a new object: made whole, or not at all" {
	printf 'abc' > "$T/in"
	printf '\0\0\0abc\0\0' > "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" matrix new_at_offset
	verdict
}

sized() {
	printf 'the old contents, longer than the new\n' | shm-put "$N"
	PIPE=1 shm_put_case "$1" -s 40
}

@test "fault-obj: shm-put -s over an object: the new size and contents, or the old" {
	printf 'new' > "$T/in"
	{ printf 'new'; head -c 37 /dev/zero; } > "$T/want"
	CALLS=$SHM_CALLS ERRNOS=$SHM_ERRNOS NTHS="1 2 3" matrix sized
	verdict
}
