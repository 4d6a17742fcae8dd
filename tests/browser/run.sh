#!/bin/sh
# run.sh: serves a rendered site on loopback and opens it in headless Chromium: visible text, console, requests, screenshots.
#
# usage: run.sh BENCH_RENDER OUTDIR
# Renders the sample site (with hostile feed text) by BENCH_RENDER into
# OUTDIR/site, serves OUTDIR/site/current with python3 -m http.server on
# 127.0.0.1 (a free port), opens index.html and an incident page with
# --dump-dom, and fails on: status words missing from the DOM, an element
# injected from feed text, any console message (CSP violations, failed
# loads) in Chromium's log, or any request the server did not answer 200.
# Screenshots (1280 px and 320 px wide) are left in OUTDIR.
# Exits 77 (skipped) when Chromium is not installed.
set -eu

BENCH=$1
OUT=$2
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
	echo "SKIP: Chromium not found at $CHROMIUM (set CHROMIUM=...)"
	exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }

rm -rf "$OUT"
mkdir -p "$OUT"
"$BENCH" -c 30 -i 40 -H -o "$OUT/site" once >/dev/null
ROOT=$(cd "$OUT/site/current" && pwd -P)

SERVER_PID=
PROFILE=$(mktemp -d "${TMPDIR:-/tmp}/browser-profile.XXXXXX")
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
	rm -rf "$PROFILE"
}
trap cleanup EXIT INT TERM

python3 -u -m http.server --bind 127.0.0.1 --directory "$ROOT" 0 >"$OUT/server.out" 2>"$OUT/server.log" &
SERVER_PID=$!
PORT=
i=0
while [ -z "$PORT" ] && [ $i -lt 50 ]; do
	PORT=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$OUT/server.out" | head -n 1)
	[ -n "$PORT" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$PORT" ] || { echo "FAIL: http.server did not start"; cat "$OUT/server.log"; exit 1; }
BASE="http://127.0.0.1:$PORT"

chrome() {
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --no-default-browser-check --user-data-dir="$PROFILE" \
		--enable-logging=stderr --v=0 "$@"
}

fail=0
check_page() { # name url words...
	name=$1 url=$2
	shift 2
	chrome --dump-dom "$url" >"$OUT/$name.dom.html" 2>"$OUT/$name.chrome.log" || true
	for w in "$@"; do
		if ! grep -qF "$w" "$OUT/$name.dom.html"; then
			echo "FAIL: $name: '$w' not in the page a person sees"
			fail=1
		fi
	done
	# feed text must stay text: no element made from it
	if grep -qiE '<img|<script|<b>bold' "$OUT/$name.dom.html"; then
		echo "FAIL: $name: an element came from feed text"
		fail=1
	fi
	if grep -E 'CONSOLE|Failed to load resource|Refused to|Content Security Policy|net::ERR_' \
	    "$OUT/$name.chrome.log" >"$OUT/$name.console.txt"; then
		echo "FAIL: $name: console messages or failed requests:"
		cat "$OUT/$name.console.txt"
		fail=1
	fi
}

check_page index "$BASE/index.html" "Minor Service Outage" "Degraded performance" \
	"Operational" "Active incidents" "Updated less than a minute ago" "Scheduled maintenance" \
	"AWS services we depend on" "&lt;img src=x onerror=alert(1)&gt;"
check_page incident "$BASE/incidents/inc-00035.html" "Updates" "Affected components" \
	"AWS items behind this incident" "Priority P"
check_page history "$BASE/history.html" "Incident history" "Page 1 of 2"

chrome --screenshot="$OUT/index-1280.png" --window-size=1280,2200 --hide-scrollbars \
	"$BASE/index.html" >/dev/null 2>&1 || true
chrome --screenshot="$OUT/index-320.png" --window-size=320,2600 --hide-scrollbars \
	"$BASE/index.html" >/dev/null 2>&1 || true
chrome --screenshot="$OUT/incident-1280.png" --window-size=1280,1400 --hide-scrollbars \
	"$BASE/incidents/inc-00035.html" >/dev/null 2>&1 || true
for s in index-1280 index-320 incident-1280; do
	[ -s "$OUT/$s.png" ] || { echo "FAIL: no screenshot $s.png"; fail=1; }
done

# every request the pages made was answered 200 (style.css, favicon.svg...)
if grep -E '"GET [^"]*" [0-9]+' "$OUT/server.log" | grep -vE '" (200|304) ' >"$OUT/failed-requests.txt"; then
	echo "FAIL: requests not answered 200:"
	cat "$OUT/failed-requests.txt"
	fail=1
fi
grep -q 'GET /style.css' "$OUT/server.log" || { echo "FAIL: style.css never requested"; fail=1; }

[ $fail -eq 0 ] && echo "browser: OK (artefacts in $OUT)"
exit $fail
