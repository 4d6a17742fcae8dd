#!/bin/sh
# bench-render.sh: renders the status site (30 components, 90 days, 1,000 incidents) vs Hugo, and incremental vs full.
#
# usage: tests/bench/bench-render.sh [BUILD_DIR]    (default: build-bench, configured Release)
# Both tools write ~1,050 pages into a fresh directory on the same file system
# ($TMPDIR); the wall-clock time of the whole process is compared (start-up,
# templates, model and writing included), median of 5 alternated runs.
# Targets: ours/hugo <= 0.5; incremental re-render >= 10x faster than full.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
GEN="$SHARED/bench/gen_site.py"
BUILD=${1:-$SRC/build-bench}
RUNS=5

command -v hugo >/dev/null || { echo "bench-render: hugo not installed" >&2; exit 1; }
[ -f "$GEN" ] || { echo "bench-render: $GEN not found (set SHARED)" >&2; exit 1; }
# Always build: an old binary left in the build directory would measure old code.
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target bench_render -j2 >/dev/null
BENCH="$BUILD/tests/bench_render"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-render.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# Hugo's input: gen_site.py with its 50 incident pages scaled to 1,000.
sed 's/for i in range(50):/for i in range(1000):/' "$GEN" > "$WORK/gen_site_1000.py"
grep -q 'range(1000)' "$WORK/gen_site_1000.py" || { echo "bench-render: cannot scale gen_site.py" >&2; exit 1; }
python3 "$WORK/gen_site_1000.py" "$WORK/hugo" 2>/dev/null

now_ms() { date +%s%N | cut -c1-13; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$WORK/ours.txt"
: > "$WORK/hugo.txt"
i=0
while [ $i -lt $RUNS ]; do
	rm -rf "$WORK/site" "$WORK/public"
	t0=$(now_ms); "$BENCH" -c 30 -i 1000 -o "$WORK/site" once >/dev/null; t1=$(now_ms)
	echo $((t1 - t0)) >> "$WORK/ours.txt"
	t0=$(now_ms); hugo --quiet -s "$WORK/hugo" -d "$WORK/public"; t1=$(now_ms)
	echo $((t1 - t0)) >> "$WORK/hugo.txt"
	i=$((i + 1))
done
ours=$(median < "$WORK/ours.txt")
hugo=$(median < "$WORK/hugo.txt")
npages_ours=$(find "$WORK/site/current/" -name '*.html' | wc -l)
npages_hugo=$(find "$WORK/public" -name '*.html' | wc -l)
echo "full render, 30 components x 90 days, 1000 incidents (median of $RUNS, ms):"
echo "  clickstatus $ours ms ($npages_ours html pages + JSON API + feeds)"
echo "  hugo        $hugo ms ($npages_hugo html pages)"
awk -v o="$ours" -v h="$hugo" 'BEGIN { r = o / h; ok = (r <= 0.5) ? "ok" : "MISSED"; printf "  ratio ours/hugo = %.2f (target <= 0.5): %s\n", r, ok }'

# Incremental: in-process, a previous release exists, one component changes.
rm -rf "$WORK/site"
line=$("$BENCH" -c 30 -i 1000 -r $RUNS -o "$WORK/site" bench)
echo "incremental vs full, in process (median of $RUNS): $line"
echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^speedup=/) { split($i, a, "="); s = a[2] } }
	END { ok = (s >= 10) ? "ok" : "MISSED"; printf "  incremental speed-up = %.1fx (target >= 10x): %s\n", s, ok }'
