#!/bin/bash
# bench-poll.sh: times a poll cycle through poll.h against curl --parallel on the same nginx, same run.
#
#   tests/bench/bench-poll.sh            (env: RUNS=9 PARALLEL=50 BUILD=<dir> SHARED=<dir>)
#
# 1. 1,000 x 5 KB feeds (gen_feed.py), all 200: bench_poll vs curl --parallel.
# 2. The same with If-None-Match (all 304): bench_poll vs curl with the same headers.
# 3. 5,836 feeds (every slug of feeds/aws-catalogue.tsv): one cycle, target < 0.5 s.
# Each figure is the median of RUNS process runs timed the same way (wall clock
# around the process), after one warm-up run; ratios are ours / curl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
SHARED=${SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
GEN="$SHARED/bench/gen_feed.py"
RUNS=${RUNS:-9}
PARALLEL=${PARALLEL:-50}
BUILD=${BUILD:-$src/build-bench-poll}

cmake -S "$src" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null 2>&1
cmake --build "$BUILD" --target bench_poll -j2 >/dev/null 2>&1
BENCH="$BUILD/tests/bench/bench_poll"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-bench-poll.XXXXXX")
cleanup() {
	"$src/tests/integration/nginx.sh" stop "$tmp/nginx" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$tmp/www/cat"
python3 "$GEN" --many "$tmp/www/many" --count 1000 --size 5000 >/dev/null 2>&1
rm -f "$tmp/www/many/INDEX"
# 5,836 catalogue slugs, each a hard link to one of the 1,000 generated feeds
mapfile -t gen < <(ls "$tmp/www/many")
i=0
while IFS=$'\t' read -r slug _; do
	case $slug in '#'* | '') continue ;; esac
	ln "$tmp/www/many/${gen[$((i % ${#gen[@]}))]}" "$tmp/www/cat/$slug.rss"
	i=$((i + 1))
done <"$src/feeds/aws-catalogue.tsv"

port=$("$src/tests/integration/nginx.sh" start "$tmp/www" "$tmp/nginx")
base="http://127.0.0.1:$port"
for f in "${gen[@]}"; do echo "$base/many/$f"; done >"$tmp/urls1000"
ls "$tmp/www/cat" | sed "s|^|$base/cat/|" >"$tmp/urls-cat"

# curl config files: every URL to /dev/null; for the 304 run each with its If-None-Match
awk '{ printf "url = \"%s\"\noutput = \"/dev/null\"\n", $1 }' "$tmp/urls1000" >"$tmp/curl200.cfg"
awk '{ printf "url = \"%s\"\noutput = \"/dev/null\"\n", $1 }' "$tmp/urls-cat" >"$tmp/curlcat.cfg"

now() { echo "${EPOCHREALTIME/,/.}"; }
# time_cmd LOG CMD...: prints the wall seconds of one run; its output goes to LOG
time_cmd() {
	local log=$1 t0 t1
	shift
	t0=$(now)
	"$@" >"$log" 2>&1 || true
	t1=$(now)
	echo "$t1 - $t0" | bc -l | sed 's/^\./0./'
}
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%.4f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
# pair A B ACMD BCMD: ACMD and BCMD name arrays holding the two commands. One
# warm-up each, then RUNS alternating timed runs (both see the same load);
# sets ours_t and theirs_t to the medians. Logs in $tmp/A.N and $tmp/B.N.
pair() {
	local a=$1 b=$2 r ta="" tb=""
	local -n ca=$3 cb=$4
	"${ca[@]}" >"$tmp/$a.warm" 2>&1 || true
	"${cb[@]}" >"$tmp/$b.warm" 2>&1 || true
	for r in $(seq "$RUNS"); do
		ta+="$(time_cmd "$tmp/$a.$r" "${ca[@]}")"$'\n'
		tb+="$(time_cmd "$tmp/$b.$r" "${cb[@]}")"$'\n'
	done
	ours_t=$(printf '%s' "$ta" | median)
	theirs_t=$(printf '%s' "$tb" | median)
}
cycles() { cat "$tmp/$1".[0-9]* | grep -o '[0-9.]* s$' | sort -g | tr -d 's' | tr '\n' ' '; }
curlcmd=(curl -sS --no-progress-meter --parallel --parallel-max "$PARALLEL" -K)

echo "bench-poll: nginx 1 worker on 127.0.0.1:$port; $RUNS runs each, medians; parallel $PARALLEL; $(nproc) CPUs"
echo "bench-poll: ETags from $("$BENCH" -p "$PARALLEL" -o "$tmp/etags1000" "$tmp/urls1000")"
awk -F'\t' '{ e = $2; gsub(/"/, "\\\"", e); if (NR > 1) print "next"
	printf "url = \"%s\"\noutput = \"/dev/null\"\nheader = \"If-None-Match: %s\"\nwrite-out = \"%%{http_code}\\n\"\n", $1, e }' \
	"$tmp/etags1000" >"$tmp/curl304.cfg"

# 1. 1,000 feeds, 200
ours_cmd=("$BENCH" -p "$PARALLEL" "$tmp/urls1000")
curl_cmd=("${curlcmd[@]}" "$tmp/curl200.cfg")
pair ours200 curl200 ours_cmd curl_cmd
grep -q " 0 failed" "$tmp/ours200.1" || { echo "bench-poll: our 200 cycle failed" >&2; cat "$tmp/ours200.1" >&2; exit 1; }
echo "1,000 x 5 KB, 200:     poll.h ${ours_t} s   curl --parallel ${theirs_t} s   ratio ours/curl $(ratio "$ours_t" "$theirs_t")"
echo "   poll.h in-process cycle times (s): $(cycles ours200)"

# 2. 1,000 feeds, all 304
ours_cmd=("$BENCH" -p "$PARALLEL" "$tmp/etags1000")
curl_cmd=("${curlcmd[@]}" "$tmp/curl304.cfg")
pair ours304 curl304 ours_cmd curl_cmd
grep -q "(1000 not modified) 0 failed" "$tmp/ours304.1" || { echo "bench-poll: our 304 cycle did not get 1000 x 304" >&2; cat "$tmp/ours304.1" >&2; exit 1; }
n304=$(cat "$tmp"/curl304.[0-9]* | grep -c '^304$' || true)
echo "1,000 x 5 KB, all 304: poll.h ${ours_t} s   curl --parallel ${theirs_t} s   ratio ours/curl $(ratio "$ours_t" "$theirs_t")   (curl: $n304 of $((RUNS * 1000)) answers were 304)"
echo "   poll.h in-process cycle times (s): $(cycles ours304)"

# 3. 5,836 feeds, one cycle (curl alongside for scale)
n=$(wc -l <"$tmp/urls-cat")
ours_cmd=("$BENCH" -p "$PARALLEL" "$tmp/urls-cat")
curl_cmd=("${curlcmd[@]}" "$tmp/curlcat.cfg")
pair ourscat curlcat ours_cmd curl_cmd
grep -q " 0 failed" "$tmp/ourscat.1" || { echo "bench-poll: the catalogue cycle failed" >&2; cat "$tmp/ourscat.1" >&2; exit 1; }
verdict=$(echo "$ours_t < 0.5" | bc -l | sed 's/1/met/; s/0/MISSED/')
echo "$n feeds, one cycle:  poll.h ${ours_t} s (target < 0.5 s: $verdict)   curl --parallel ${theirs_t} s   ratio ours/curl $(ratio "$ours_t" "$theirs_t")"
echo "   poll.h in-process cycle times (s): $(cycles ourscat)"
# one poller, three cycles: the later ones run on open connections, as in the daemon
echo "   one poller, cycles 1..3 (s): $("$BENCH" -p "$PARALLEL" -c 3 "$tmp/urls-cat" | grep -o '[0-9.]* s$' | tr -d 's' | tr '\n' ' ')"
