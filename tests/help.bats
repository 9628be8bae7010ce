#!/usr/bin/env bats
# --help: every option a tool's help lists is one that tool takes.

setup() {
	load test_helper
}

# The options that a tool's --help lists, one a line, each with " x" when
# it takes an argument: "-c x", "--count=x", "-k", "--keep-open".
help_options() {
	"$1" --help | sed -n \
	    -e 's/^ *\(-[^-]\), \(--[a-z0-9-]*\)\( [a-z]\)\{0,1\}.*/\1\3\n\2\3/p' \
	    -e 's/^ *\(--[a-z0-9-]*\)\( [a-z]\)\{0,1\}.*/\1\2/p' |
	    sed -e 's/^\(--.*\) [a-z]$/\1=x/' -e 's/^\(-[^-]\) [a-z]$/\1 x/'
}

# Did the tool's getopt refuse option opt?  It says so as "PROG: OPT: ",
# the option as given, without its =value (lib/msg.c), whatever the reason.
refused() {
	local prog=$1 opt=${2%%=*}
	opt=${opt%% *}
	[[ $'\n'$stderr == *$'\n'"$prog: $opt: "* ]]
}

@test "help: every option that a tool's --help lists is accepted by it" {
	local prog opt n=0
	for page in "$IPCUTILS_MANDIR"/*.1; do
		prog=$(basename "$page" .1)
		# The check itself: getopt's refusal is seen, long and short.
		run --separate-stderr "$prog" --ipct-no-such-option --help
		refused "$prog" --ipct-no-such-option ||
		    fail "$prog: a refused option is not seen: $stderr"
		run --separate-stderr "$prog" -% --help
		refused "$prog" -% ||
		    fail "$prog: a refused option is not seen: $stderr"
		while read -r opt; do
			n=$((n + 1))
			# --help after it ends the run before the option acts; an
			# argument that the option rejects is not getopt's business.
			# shellcheck disable=SC2086
			run --separate-stderr "$prog" $opt --help
			! refused "$prog" "$opt" ||
			    fail "$prog --help lists $opt, which it refuses: $stderr"
		done < <(help_options "$prog")
	done
	# Not nothing: the help of ten tools lists options, long and short.
	[ "$n" -gt 100 ] || fail "only $n options found"
}

@test "help: sock-send lists its --no-reply under that name" {
	run -0 sock-send --help
	assert_line --partial "-q, --no-reply"
	refute_line --partial "--quit"
}
