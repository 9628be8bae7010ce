# bench/lib.sh: interleaved timing with medians and ratios, for bench/*.sh.
# Sourced by bench/run.sh; $BUILDDIR holds the built tools.

ROUNDS=${ROUNDS:-7}

now_ns() {
	date +%s%N
}

# The median of the numbers on standard input.
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# compare LABEL NAME1 CMD1 NAME2 CMD2 [NAME3 CMD3 ...]
# Runs each shell command ROUNDS times, interleaved (the order turning
# each round so that none always goes first), and prints each median and
# each one's speed relative to the first: >1 means faster than NAME1;
# one that failed in any round is said to have failed, with no time.
# SCALE="1 1 100" multiplies each median, for a command timed on a part
# of the work.  The medians (ns; empty for one that failed) are left in
# COMPARE_MEDIANS, in order, for a figure made of them.
compare() {
	local label=$1 __n __i __r __k __t0 __t1 __dir
	local scales=(${SCALE:-})
	shift
	__dir=$(mktemp -d)
	__n=$(( $# / 2 ))
	local names=() cmds=()
	while [ $# -gt 0 ]; do
		names+=("$1")
		cmds+=("$2")
		shift 2
	done
	for __r in $(seq 1 "$ROUNDS"); do
		for __k in $(seq 0 $((__n - 1))); do
			__i=$(( (__k + __r) % __n ))
			__t0=$(now_ns)
			eval "${cmds[$__i]}" || {
				echo "bench: $label: ${names[$__i]} failed" >&2
				: > "$__dir/failed.$__i"
			}
			__t1=$(now_ns)
			echo $(( __t1 - __t0 )) >> "$__dir/$__i"
		done
	done
	printf '%s (median of %d)\n' "$label" "$ROUNDS"
	local base
	base=$(median < "$__dir/0" | awk -v s="${scales[0]:-1}" '{ print $1 * s }')
	COMPARE_MEDIANS=()
	for __i in $(seq 0 $((__n - 1))); do
		local m
		# A time of a command that failed says nothing.
		if [ -e "$__dir/failed.$__i" ]; then
			COMPARE_MEDIANS+=("")
			printf '  %-28s failed\n' "${names[$__i]}"
			continue
		fi
		m=$(median < "$__dir/$__i" | awk -v s="${scales[$__i]:-1}" '{ print $1 * s }')
		COMPARE_MEDIANS+=("$m")
		[ ! -e "$__dir/failed.0" ] || base=
		awk -v name="${names[$__i]}" -v m="$m" -v base="$base" -v first="${names[0]}" \
		    'BEGIN { printf "  %-28s %10.2f ms", name, m / 1e6
			if (base == "") printf "   (%s failed: no ratio)\n", first
			else printf "   %.2fx the speed of %s\n", base / m, first }'
	done
	rm -rf "$__dir"
}
