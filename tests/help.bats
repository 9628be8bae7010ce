#!/usr/bin/env bats
# --help: every option a tool's help lists is one that tool takes.

setup() {
	load test_helper
}

# The long options that a tool's --help lists, each with "=" when it
# takes an argument: "--count=", "--keep-open".
help_options() {
	"$1" --help | sed -n 's/^ *\(-[^-], \)\{0,1\}\(--[a-z0-9-]*\)\( [a-z]\)\{0,1\}.*/\2\3/p' |
	    sed 's/ [a-z]$/=/'
}

@test "help: every long option that a tool's --help lists is accepted by it" {
	local prog opt n=0
	for page in "$IPCUTILS_MANDIR"/*.1; do
		prog=$(basename "$page" .1)
		for opt in $(help_options "$prog"); do
			n=$((n + 1))
			# --help after it ends the run before the option acts; an
			# argument that the option rejects is not getopt's business.
			case $opt in
			*=) run --separate-stderr "$prog" "${opt}x" --help ;;
			*) run --separate-stderr "$prog" "$opt" --help ;;
			esac
			[[ $stderr != *"unrecognized option"* &&
			    $stderr != *"is ambiguous"* &&
			    $stderr != *"doesn't allow an argument"* ]] ||
			    fail "$prog --help lists $opt, which it refuses: $stderr"
		done
	done
	# Not nothing: the help of ten tools lists options.
	[ "$n" -gt 50 ] || fail "only $n options found"
}

@test "help: sock-send lists its --no-reply under that name" {
	run -0 sock-send --help
	assert_line --partial "-q, --no-reply"
	refute_line --partial "--quit"
}
