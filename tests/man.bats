#!/usr/bin/env bats
# man pages: lint-clean, and every program has one with the sections.

setup() {
	load test_helper
}

@test "man: every page passes mandoc -Tlint -Wwarning silently" {
	run -0 --separate-stderr "$MANDOC" -Tlint -Wwarning "$IPCUTILS_MANDIR"/*.[1-8]
	assert_output ""
	assert_equal "$stderr" ""
}

@test "man: every page has NAME, SYNOPSIS, DESCRIPTION, EXIT STATUS, EXAMPLES, SEE ALSO" {
	for page in "$IPCUTILS_MANDIR"/*.1; do
		for sec in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -q "^\.Sh $sec\$" "$page" || fail "$page has no $sec"
		done
	done
}

@test "man: each program's usage line is its page's synopsis" {
	for page in "$IPCUTILS_MANDIR"/*.1; do
		prog=$(basename "$page" .1)
		want=$("$MANDOC" -Tutf8 -O width=1000 "$page" 2>/dev/null | sed "s/.\x08//g" |
		    sed -n '/^SYNOPSIS/{n;p;}' | sed 's/^ *//;s/  */ /g')
		got=$("$prog" --help | awk 'NR == 1 || /^\t/ { print; next } { exit }' |
		    tr '\t\n' '  ' | sed 's/^usage: //;s/  */ /g;s/ $//')
		assert_equal "$got" "$want"
	done
}

# A page as a reader sees it, without the overstrikes.
render() {
	"$MANDOC" -Tascii -O width=1000 "$IPCUTILS_MANDIR/$1" | sed "s/.\x08//g"
}

@test "man: the pages say what they mean: no word taken for a macro, no phrase in the wrong quotes" {
	run -0 render ipcutils.7
	assert_output --partial "mq-recv: /jobs: No such file or directory"
	run -0 render sock-listen.1
	assert_output --partial "@name' for an abstract one)"
	run -0 render mq-recv.1
	assert_output --partial "mq-recv [-0aeJnpux] [-c count | -d | -f]"
}

@test "man: sock-listen's examples do what they say: udp::514 for every interface, a copy that ends" {
	run -0 render sock-listen.1
	assert_output --partial '$ sock-listen -k udp::514 | logger -t remote'
	assert_output --partial 'there$ sock-listen :9000 | tar x'
	refute_output --partial 'udp:514 |'
	refute_output --partial '-k :9000 | tar'
}
