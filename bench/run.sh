#!/bin/sh
# bench/run.sh: run every benchmark, bench/*.sh but this one and lib.sh.
# Each prints medians of interleaved runs and ratios; ROUNDS=N for more.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${BUILDDIR:-$(pwd)}
PATH=$BUILDDIR:$BUILDDIR/bench:$PATH
export BUILDDIR PATH
for b in "$here"/*.sh; do
	case $b in */run.sh|*/lib.sh) continue ;; esac
	[ $# -gt 0 ] && case " $* " in *" $(basename "$b" .sh) "*) ;; *) continue ;; esac
	echo "== $(basename "$b" .sh)"
	bash -c '. "$1"/lib.sh; . "$2"' bench "$here" "$b"
done
