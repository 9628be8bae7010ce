#!/bin/sh
# run.sh: build each libFuzzer harness of lib/'s parsers with clang and run
# it for FUZZ_SECONDS, from the seed corpus in corpus/NAME; `make fuzz`.
# Prints, per harness, the runs and seconds and what it found; exits 1
# when any harness crashed (the input is kept as build/fuzz/crash-*).
#   run.sh SRCDIR BUILDDIR [NAME ...]
set -u
src=$1 build=$2
shift 2
: "${FUZZ_SECONDS:=60}" "${FUZZ_CC:=clang}"
names=${*:-"addr allow duration http name number record url"}
out=$build/fuzz
mkdir -p "$out" || exit 2
src=$(cd "$src" && pwd) build=$(cd "$build" && pwd) out=$(cd "$out" && pwd)

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	echo "fuzz: no $FUZZ_CC: nothing run" >&2
	exit 77
fi
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
cppflags="-DHAVE_CONFIG_H -I$build -I$src/lib -I$src/tests/fuzz \
$(pkg-config --cflags libbsd-overlay)"
libs="$(pkg-config --libs libbsd-overlay) $(pkg-config --libs libtls)"
# The parsers and what they call, no more: none of them opens an object.
lib="addr allow backend create duration http io msg name number owner poll prog
record signal url"

# The library once, then each harness against it.
objs=
for f in $lib; do
	$FUZZ_CC $flags -fsanitize=fuzzer-no-link $cppflags -c \
	    -o "$out/$f.o" "$src/lib/$f.c" || exit 2
	objs="$objs $out/$f.o"
done
# libFuzzer's own -fsanitize=fuzzer links its main; the objects above
# only the coverage (fuzzer-no-link).
status=0
for n in $names; do
	$FUZZ_CC $flags $cppflags -o "$out/fuzz-$n" \
	    "$src/tests/fuzz/fuzz-$n.c" $objs $libs || exit 2
	mkdir -p "$out/corpus-$n"
	log=$out/fuzz-$n.log
	(cd "$out" && ./"fuzz-$n" -max_total_time="$FUZZ_SECONDS" \
	    -artifact_prefix="$out/crash-$n-" -print_final_stats=1 \
	    "corpus-$n" "$src/tests/fuzz/corpus/$n") > "$log" 2>&1
	rv=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log")
	units=$(ls "$out/corpus-$n" | wc -l)
	if [ "$rv" -eq 0 ]; then
		echo "fuzz-$n: ${runs:-? runs}, $units inputs kept, no crash"
	else
		echo "fuzz-$n: CRASH (exit $rv) after ${runs:-?}; see $log:"
		grep -E 'ERROR|runtime error|\.c:[0-9]+: ' "$log" | head -5
		ls "$out"/crash-"$n"-* 2>/dev/null
		status=1
	fi
done
exit $status
