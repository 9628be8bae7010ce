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
