# fault.bash: what the fault tests share (tests/fault.c, LD_PRELOAD):
# running a dynamically linked tool with a fault, and the contract after.
#   fault_setup       in setup: SHIM, DYN and T, or skip with the reason
#   faulted SPEC TOOL ARGS...   its stderr in $T/ferr (not $T/err, which
#                     peers use), its status in $rc; runs and failures
#                     counted
#   contract SPEC TOOL ALLOWED  status 0 and silent, or one of ALLOWED
#                     and exactly one line of the tool's own; a breach is
#                     added to $bad
#   lost SPEC TOOL WHAT         a thing lost or changed, added to $bad
#   each_fault CMD... CMD for every CALL:N:ERRNO of CALLS, ERRNOS, NTHS
#   verdict           fails the test with every breach in $bad, or when
#                     no fault made any run fail (a shim not loaded
#                     would pass every case)

fault_setup() {
	T=$BATS_TEST_TMPDIR
	# The shim and the dynamically linked tools (tests/dyn/) are next to
	# the peers: a static tool never sees an LD_PRELOAD.
	B=$(dirname "$(command -v peer-mq)")
	SHIM=$B/fault.so
	DYN=$B/dyn
	[ -f "$SHIM" ] || skip "no $SHIM (make check builds it)"
	# Under AddressSanitizer its runtime must be the first library
	# loaded: a shim preloaded before it stops the tool at once.
	if ldd "$DYN/shm-put" 2>/dev/null | grep -q libasan; then
		skip "a sanitizer build: ASan's runtime must come before the shim"
	fi
	bad=
	runs=0
	failures=0
}

# Run the dynamically linked TOOL with the fault SPEC: its stderr in
# $T/ferr, its status in $rc.  A sanitizer build's runtime must let the
# shim go first (and reports still go where ASAN_OPTIONS sends them).
faulted() {
	local spec=$1 tool=$2
	shift 2
	rc=0
	runs=$((runs + 1))
	IPCUTILS_FAULT=$spec LD_PRELOAD=$SHIM \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	    "$DYN/$tool" "$@" 2> "$T/ferr" || rc=$?
	[ "$rc" -eq 0 ] || failures=$((failures + 1))
}

# The contract after a faulted run: status 0 and nothing on stderr, or a
# status of ALLOWED and exactly one line on stderr, the tool's own.  A
# breach is added to $bad, so one test reports every case that broke it.
contract() {
	local spec=$1 tool=$2 allowed=$3 lines
	lines=$(wc -l < "$T/ferr")
	if [ "$rc" -eq 0 ]; then
		[ "$lines" -eq 0 ] ||
		    bad="$bad"$'\n'"$tool $spec: status 0 with: $(head -c 300 "$T/ferr")"
		return 0
	fi
	case " $allowed " in
	*" $rc "*) ;;
	*) bad="$bad"$'\n'"$tool $spec: status $rc (not $allowed): $(head -c 300 "$T/ferr")"
	   return 0 ;;
	esac
	if [ "$lines" -ne 1 ] || ! grep -q "^$tool: " "$T/ferr"; then
		bad="$bad"$'\n'"$tool $spec: status $rc, $lines lines: $(head -c 300 "$T/ferr")"
	fi
}

# Note a lost or changed thing: nothing may be lost, whatever failed.
lost() {
	bad="$bad"$'\n'"$1 $2: $3"
}

# Every fault of every kind at each N.
each_fault() {
	local c e n
	for c in $CALLS; do
		for e in $ERRNOS; do
			for n in $NTHS; do
				"$@" "$c:$n:$e"
			done
		done
	done
}

verdict() {
	[ -z "$bad" ] || fail "broken under faults ($runs runs):$bad"
	[ "$failures" -gt 0 ] || fail "no fault made any of $runs runs fail"
}
