#!/bin/bash
# bench-cycle.sh: the product's whole poll cycle (the clickstatus binary: fetch, parse,
# store, classify, map, commit) against curl --parallel fetching the same URLs, same run.
#
#   tests/bench/bench-cycle.sh        (env: RUNS=5 BUILD=<dir> SHARED=<dir>)
#
# 1. 1,000 feeds of ~5 KB (gen_feed.py), all 200: clickstatus poll --once vs curl
#    --parallel --parallel-max 50 over the same URLs, into a fresh store (every item
#    new) and into a store that knows the items (the steady state).      target <= 1.0
# 2. The same feeds again, all 304: vs curl with the same If-None-Match.  target <= 1.0
# 3. All 5,836 feeds of the AWS catalogue, fresh store, one cycle.         target < 0.5 s
# 4. Start-up plus a poll of the default configuration, all unchanged: CPU time.
#                                                                          target < 50 ms
# Figures are medians of RUNS runs (wall clock around the process, one warm-up);
# ratios are ours / curl measured in the same run, alternating.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
SHARED=${SHARED:-$(cd "$src/.." && pwd)/shared}
GEN="$SHARED/bench/gen_feed.py"
RUNS=${RUNS:-5}
BUILD=${BUILD:-$src/build-bench}

cmake -S "$src" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target clickstatus -j2 >/dev/null
CS="$BUILD/clickstatus"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-bench-cycle.XXXXXX")
cleanup() {
	"$src/tests/integration/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	"$src/tests/integration/nginx.sh" stop "$tmp/nginx2" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# Feeds: gen_feed.py's 1,000 feeds, hard-linked under every catalogue name;
# the multipleservices feeds and currentevents a quiet dashboard serves.
python3 "$GEN" --many "$tmp/gen" --count 1000 --size 5000 >/dev/null
rm -f "$tmp/gen/INDEX"
mapfile -t gen < <(ls "$tmp/gen")
mkdir -p "$tmp/www"
i=0
while IFS=$'\t' read -r slug _; do
	case $slug in '#'* | '') continue ;; esac
	ln "$tmp/gen/${gen[$((i % ${#gen[@]}))]}" "$tmp/www/$slug.rss"
	i=$((i + 1))
done <"$src/feeds/aws-catalogue.tsv"
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/currentevents" "$tmp/www/"
port=$("$src/tests/integration/nginx.sh" start "$tmp/www" "$tmp/nginx")
base="http://127.0.0.1:$port/"
# A second server on the same files: a cycle against the other base URL drops the
# validators, so every feed answers 200 while the store already knows the items.
port2=$("$src/tests/integration/nginx.sh" start "$tmp/www" "$tmp/nginx2")
base2="http://127.0.0.1:$port2/"

# config N FILE: a configuration depending on the first N regional catalogue feeds.
config() {
	python3 - "$src/feeds/aws-catalogue.tsv" "$1" "$2" <<'EOF'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#")]
rows = [r for r in rows if r[2] != "-" and r[1] != "multipleservices"][: int(sys.argv[2])]
comps = []
for k in range(0, len(rows), 100):
    comps.append({"id": "c%d" % (k // 100), "name": "Component %d" % (k // 100), "user_share": 0.5,
                  "depends_on": [{"service": r[1], "region": r[2]} for r in rows[k:k + 100]]})
json.dump({"product": "Bench", "company": "Bench", "site_url": "https://status.example",
           "max_parallel": 50, "components": comps}, open(sys.argv[3], "w"))
EOF
}
config 1000 "$tmp/c1000.json"
config 10000 "$tmp/call.json"

# The URLs clickstatus fetches for a configuration, for curl.
urls() { "$CS" --config "$1" feeds | sed "s|^|$base|; s|$|.rss|"; echo "${base}all.rss"; echo "${base}currentevents"; }
urls "$tmp/c1000.json" >"$tmp/u1000"
urls "$tmp/call.json" >"$tmp/uall"
echo "feeds: $(wc -l <"$tmp/u1000") documents for the 1,000-feed configuration, $(wc -l <"$tmp/uall") for the whole catalogue"
awk '{ printf "url = \"%s\"\noutput = \"/dev/null\"\n", $1 }' "$tmp/u1000" >"$tmp/curl200.cfg"
while read -r u; do
	etag=$(curl -sI "$u" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')
	printf 'url = "%s"\noutput = "/dev/null"\nheader = "If-None-Match: %s"\n' "$u" "$etag"
done <"$tmp/u1000" >"$tmp/curl304.cfg"

now() { echo "${EPOCHREALTIME/,/.}"; }
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%.4f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
# timed CMD...: wall seconds of one run
timed() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now); echo "$t1 - $t0" | bc -l; }

fresh_poll() { rm -rf "$tmp/st"; "$CS" --config "$1" --state-dir "$tmp/st" poll --once --no-render --feed-base-url "$base"; }
again_poll() { "$CS" --config "$1" --state-dir "$tmp/st304" poll --once --no-render --feed-base-url "$base"; }
curl_par() { curl -s --no-progress-meter --parallel --parallel-max 50 -K "$1"; }

# 1 and 2
fresh_poll "$tmp/c1000.json" >/dev/null 2>&1 || true
"$CS" --config "$tmp/c1000.json" --state-dir "$tmp/st304" poll --once --no-render --feed-base-url "$base" >/dev/null 2>&1 || true
curl_par "$tmp/curl200.cfg" || true
a=""; b=""; c=""; d=""
for _ in $(seq "$RUNS"); do
	rm -rf "$tmp/st"
	a+="$(timed "$CS" --config "$tmp/c1000.json" --state-dir "$tmp/st" poll --once --no-render --feed-base-url "$base")"$'\n'
	b+="$(timed curl_par "$tmp/curl200.cfg")"$'\n'
	c+="$(timed again_poll "$tmp/c1000.json")"$'\n'
	d+="$(timed curl_par "$tmp/curl304.cfg")"$'\n'
done
ours=$(printf '%s' "$a" | median); theirs=$(printf '%s' "$b" | median)
echo "1. 1,000 feeds, all 200, fresh store: clickstatus ${ours} s, curl --parallel-max 50 ${theirs} s: ratio $(ratio "$ours" "$theirs") (target <= 1.0)"
g=""; h=""
"$CS" --config "$tmp/c1000.json" --state-dir "$tmp/stwarm" poll --once --no-render --feed-base-url "$base" >/dev/null 2>&1 || true
for r in $(seq "$RUNS"); do
	# alternate the base URL: no validator applies, every feed is a 200
	if [ $((r % 2)) = 1 ]; then b="$base2"; else b="$base"; fi
	g+="$(timed "$CS" --config "$tmp/c1000.json" --state-dir "$tmp/stwarm" poll --once --no-render --feed-base-url "$b")"$'\n'
	h+="$(timed curl_par "$tmp/curl200.cfg")"$'\n'
done
ours=$(printf '%s' "$g" | median); theirs=$(printf '%s' "$h" | median)
echo "1b. 1,000 feeds, all 200, items already known: clickstatus ${ours} s, curl ${theirs} s: ratio $(ratio "$ours" "$theirs") (target <= 1.0)"
ours=$(printf '%s' "$c" | median); theirs=$(printf '%s' "$d" | median)
echo "2. 1,000 feeds, all 304: clickstatus ${ours} s, curl with the same If-None-Match ${theirs} s: ratio $(ratio "$ours" "$theirs") (target <= 1.0)"
grep -q "0 fetched, $(wc -l <"$tmp/u1000") unchanged" <("$CS" --config "$tmp/c1000.json" --state-dir "$tmp/st304" poll --once --no-render --feed-base-url "$base" 2>&1) ||
	echo "   (warning: the second cycle was not all 304)"

# 3
e=""
for _ in $(seq "$RUNS"); do
	rm -rf "$tmp/st"
	e+="$(timed "$CS" --config "$tmp/call.json" --state-dir "$tmp/st" poll --once --no-render --feed-base-url "$base")"$'\n'
done
ours=$(printf '%s' "$e" | median)
echo "3. the whole catalogue ($(wc -l <"$tmp/uall") documents), one cycle, fresh store: ${ours} s (target < 0.5 s)"

# 4
"$CS" --state-dir "$tmp/stdef" poll --once --no-render --feed-base-url "$base" >/dev/null 2>&1 || true
f=""
for _ in $(seq "$RUNS"); do
	# task-clock: the CPU time of the process (user + system), in ms; perf's software
	# counter works where hardware counters do not.
	f+="$(perf stat -x, -e task-clock "$CS" --state-dir "$tmp/stdef" poll --once --no-render \
		--feed-base-url "$base" 2>&1 >/dev/null | awk -F, '$3 == "task-clock" { print $1 }')"$'\n'
done
cpu=$(printf '%s' "$f" | median)
echo "4. start-up plus a poll of the default configuration, all unchanged: ${cpu} ms CPU (target < 50 ms)"
