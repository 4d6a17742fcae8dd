#!/bin/bash
# bench-parse.sh: parse+classify of 10 MB and 100 MB feeds against `xmllint --stream --noout`.
#
# Usage: tests/bench/bench-parse.sh   (env: RUNS=5, BUILD=<dir>, WORK=<dir>, SHARED=<shared dir>)
# Generates the feeds with shared/bench/gen_feed.py, builds bench_parse (Release),
# then runs ours and xmllint RUNS times each, alternating, on the same file, and
# prints the median wall time of each (whole process), the ratio ours/xmllint and
# the peak RSS of each (from /usr/bin/time). The target is a ratio <= 0.7 and
# under 16 MB for the 100 MB feed. Not a ctest test.
#
# Timing reads bash's $EPOCHREALTIME around the bare command: forking `date`
# for the end stamp and wrapping in /usr/bin/time added ~3 ms of harness to
# both sides (a tenth of the 10 MB run), pulling every ratio towards 1. The
# peak RSS comes from separate, untimed runs under /usr/bin/time.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
GEN="${SHARED:-$(dirname "$0")/../../../shared}/bench/gen_feed.py"
BUILD=${BUILD:-$SRC/build-bench}
RUNS=${RUNS:-5}
WORK=${WORK:-}
if [ -z "$WORK" ]; then
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT INT TERM
fi

for tool in python3 xmllint /usr/bin/time cmake; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench-parse: $tool is missing" >&2; exit 2; }
done
[ -f "$GEN" ] || { echo "bench-parse: $GEN not found (set SHARED)" >&2; exit 2; }

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target bench_parse >/dev/null
BIN="$BUILD/tests/bench/bench_parse"

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run CMD...: wall seconds of the whole process (fork, exec, run, exit) on stdout
run() {
	t0=$EPOCHREALTIME
	"$@" >/dev/null
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

# rss LABEL CMD...: peak RSS (KB) of one run appended to $WORK/rss.LABEL
rss() {
	label=$1
	shift
	/usr/bin/time -f "%M" -o "$WORK/rss.tmp" "$@" >/dev/null
	cat "$WORK/rss.tmp" >>"$WORK/rss.$label"
}

printf '%-8s %10s %10s %8s %10s %10s  %s\n' size ours_s xmllint_s ratio ours_KB xmllint_KB items
for size in 10000000 100000000; do
	feed="$WORK/feed-$size.xml"
	python3 "$GEN" --size "$size" -o "$feed" 2>/dev/null
	items=$("$BIN" "$feed" | awk '{ print $4 }')
	: >"$WORK/t.ours"
	: >"$WORK/t.xmllint"
	: >"$WORK/rss.ours"
	: >"$WORK/rss.xmllint"
	# one untimed run of each, measuring memory, also warms the page cache
	rss ours "$BIN" "$feed"
	rss xmllint xmllint --stream --noout "$feed"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		run "$BIN" "$feed" >>"$WORK/t.ours"
		run xmllint --stream --noout "$feed" >>"$WORK/t.xmllint"
		i=$((i + 1))
	done
	ours=$(median <"$WORK/t.ours")
	ref=$(median <"$WORK/t.xmllint")
	ours_kb=$(sort -n "$WORK/rss.ours" | tail -1)
	ref_kb=$(sort -n "$WORK/rss.xmllint" | tail -1)
	ratio=$(awk -v a="$ours" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
	printf '%-8s %10s %10s %8s %10s %10s  %s\n' "$((size / 1000000))MB" "$ours" "$ref" \
	    "$ratio" "$ours_kb" "$ref_kb" "$items"
	rm -f "$feed"
done
