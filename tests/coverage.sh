#!/bin/sh
# coverage.sh: make check in a copy of the tree built with gcov, then line
# and branch coverage per file of cmd/ and lib/, and as the last line
# "coverage: lines NN.N%, branches NN.N%".  Usage: coverage.sh SRCDIR DIR
# [TESTS]: DIR is made afresh, SRCDIR's own build is not touched.
set -eu
src=$1 dir=$2
tests=${3:-}
rm -rf "$dir"
mkdir -p "$dir"
# A copy, not a VPATH build: a configured source tree refuses those.
(cd "$src" && tar -cf - --exclude=./coverage --exclude=./analyze \
    --exclude='*.o' --exclude='*.a' --exclude='*.gcda' --exclude='*.gcno' \
    --exclude=.git --exclude=./tests/dyn .) | tar -xf - -C "$dir"
cd "$dir"
make distclean >/dev/null 2>&1 || true
# Dynamically linked (gcov's runtime is the same either way, but the
# sanitizer-free shared link keeps tests/dyn/ and the tools alike), -O0
# so that lines are lines.  -DIPC_COVERAGE: a process that ends by
# _exit(2) or by a signal it caught writes its counters first
# (lib/signal.c).  Not gcov's own execvp (-fno-builtin-execvp): it
# writes the counters and marks them written before the exec, and in a
# vfork(2) child (lib/exec.c) that mark is the parent's, which then
# never writes what it counts after its first command.
./configure -q --disable-static-programs \
    CFLAGS='-O0 -g --coverage -fno-builtin-execvp -DIPC_COVERAGE' \
    LDFLAGS=--coverage
make -j1 >/dev/null
# The tests that run a tool as another user (nobody) need to write its
# counters too: each counter file made now, empty (gcov takes that for a
# new one), writable by all, in a scratch build directory of its own.
find . -name '*.gcno' | while read -r f; do : > "${f%.gcno}.gcda"; done
chmod -R a+rwX .
st=0
if [ -n "$tests" ]; then
	make -j1 check TESTS="$tests" >check.out 2>&1 || st=$?
else
	make -j1 check >check.out 2>&1 || st=$?
fi
rm -f ./*conftest*.gcno ./*conftest*.gcda
grep -E '^# (TOTAL|PASS|FAIL|SKIP|ERROR):' check.out || true
# Under gcov, a tool that writes its counters at exit breaks the tests of
# ulimit -f (one line on stderr): those few fail here, not in make check.
[ "$st" -eq 0 ] || echo "coverage: make check failed" \
    "(see $dir/check.out); the figures are of what ran"
# A vfork child's counts in its parent's memory can go negative (gcov
# then prints "returned -274"): what gcovr cannot parse it leaves out.
gcov_opts="--exclude-unreachable-branches --gcov-ignore-parse-errors"
gcovr -r . --filter 'cmd/' --filter 'lib/' $gcov_opts -s -b \
    --txt coverage.branches >/dev/null
gcovr -r . --filter 'cmd/' --filter 'lib/' $gcov_opts -s \
    --txt coverage.lines > summary
# One table: file, lines, branches.
awk 'FNR == 1 { f++ }
    f == 1 && $1 ~ /^(cmd|lib)\// { l[$1] = $4; order[++n] = $1 }
    f == 2 && $1 ~ /^(cmd|lib)\// { b[$1] = $4 }
    END { printf "%-24s %8s %9s\n", "file", "lines", "branches"
	for (i = 1; i <= n; i++)
		printf "%-24s %8s %9s\n", order[i], l[order[i]], b[order[i]] }' \
    coverage.lines coverage.branches
awk '/^lines:/ { l = $2 } /^branches:/ { b = $2 }
    END { printf "coverage: lines %s, branches %s\n", l, b }' summary
