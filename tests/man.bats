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

@test "man: no quote takes in the words after it: a Ql, Dq, Sq or Qq line goes on with No, or past a comma" {
	# A quote macro encloses the rest of its line, so that
	# '.Pq Ql localhost No for a bare port .' reads
	# "('localhost for a bare port')": the quoted phrase runs on to the
	# closing parenthesis.  Words after the quoted ones go on a line of
	# their own.
	run -0 awk '
	/^\.[^\\]/ {
		n = split(substr($0, 2), t, / +/)
		q = 0
		for (i = 1; i <= n; i++) {
			if (!q) {
				q = t[i] ~ /^(Ql|Dq|Sq|Qq|Do|So)$/
				continue
			}
			if (t[i] == "No" || (t[i] ~ /^[,;]$/ && i < n &&
			    t[i + 1] !~ /^([A-Z][a-z][a-z]?|[,;:.?!)\]])$/)) {
				print FILENAME ":" FNR ": " $0
				break
			}
		}
	}' "$IPCUTILS_MANDIR"/*.[1-8]
	assert_output ""
}

# The EXAMPLES that a page marks runnable (HACKING, "Examples that
# run"): a comment line '.\" run: [NAME ...]' before a .Dl line or a
# .Bd -literal block.  Printed as "#names NAME ..." and the example's
# lines, prompts ("$ ", "there$ ", "> ") and roff escapes taken off.
runnable() {
	awk '
	function plain(s) {
		sub(/^[a-z]*\$ +/, "", s)
		sub(/^>[ \t]?/, "", s)
		gsub(/\\\(dq/, "\"", s)
		gsub(/\\-/, "-", s)
		gsub(/\\&/, "", s)
		gsub(/\\e/, "\\", s)
		return s
	}
	/^\.\\" run:/ { names = substr($0, 9); mark = 1; next }
	mark && /^\.Dl / {
		print "#names " names
		print plain(substr($0, 5))
		mark = 0
		next
	}
	mark && /^\.Bd -literal/ { print "#names " names; inbd = 1; next }
	inbd && /^\.Ed/ { inbd = mark = 0; next }
	inbd { print plain($0); next }
	{ mark = 0 }
	' "$1"
}

# Run one example: its names made the test's own, at most 10 seconds.
run_example() {
	local script=$1 names=$2 n objs=()
	for n in $names; do
		objs+=("ipct-$$-$BATS_TEST_NUMBER-$n")
		script=$(sed "s/\\b$n\\b/ipct-$$-$BATS_TEST_NUMBER-$n/g" <<< "$script")
	done
	ran+=("${objs[@]}")
	# An example ends when all it started has ended: wait.  timeout ends
	# its process group, what the example left in the background too.
	run timeout 10 bash -c "cd '$BATS_TEST_TMPDIR' && $script"$'\nwait' \
	    < /dev/null
	[ "$status" -ne 124 ] || fail "it did not end in 10 seconds: $script"
	[ "$status" -eq 0 ] || fail "exit $status: $script: $output"
	examples=$((examples + 1))
}

@test "man: the examples a page marks runnable run, and end" {
	local page line names= script= examples=0
	ran=()
	for page in "$IPCUTILS_MANDIR"/*.1; do
		while IFS= read -r line; do
			if [[ $line == "#names"* ]]; then
				[ -z "$script" ] || run_example "$script" "$names"
				names=${line#"#names"} script=
			else
				script+=$line$'\n'
			fi
		done < <(runnable "$page")
		[ -z "$script" ] || run_example "$script" "$names"
		script=
	done
	[ "$examples" -ge 10 ] || fail "only $examples examples ran"
}

teardown() {
	[ -z "${ran+set}" ] || [ "${#ran[@]}" -eq 0 ] ||
	    ipc-rm -f -- "${ran[@]}" || true
}
