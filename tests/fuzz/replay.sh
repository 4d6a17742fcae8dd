#!/bin/sh
# replay.sh DRIVER TARGET SRCDIR: runs DRIVER (replay_fuzz_TARGET, built by the ordinary
# compiler, ASan in the sanitizer build) over TARGET's seeds (seeds.list) and every input
# kept in tests/fuzz/regress/TARGET/: what a fuzzer once crashed on must never crash again.
set -eu
driver=$1 target=$2 src=$3
cd "$src"
globs=$(sed -n "s/^$target[[:space:]]\{1,\}//p" tests/fuzz/seeds.list)
[ -n "$globs" ] || { echo "replay: no seeds for $target in tests/fuzz/seeds.list" >&2; exit 1; }
set -- $globs
for f in tests/fuzz/regress/"$target"/*; do
	[ -f "$f" ] && set -- "$@" "$f"
done
for f in "$@"; do
	[ -f "$f" ] || { echo "replay: $f: no such seed" >&2; exit 1; }
done
exec "$driver" "$@"
