#!/usr/bin/env bash
# test_daemon.sh: `clickstatus poll` as a daemon against nginx on loopback: quiet while
# all is well, a feed that breaks is logged and retried (never fatal), the site follows,
# SIGTERM stops it after a whole cycle.
#
#   test_daemon.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-daemon-it.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	"$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; cat "$tmp/log" >&2 || true; exit 1; }

mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/currentevents" "$tmp/www/"
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
python3 - "$src/feeds/click.json" "$tmp/click.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["poll_interval"] = 10    # the smallest the configuration allows
json.dump(c, open(sys.argv[2], "w"))
EOF

"$bin" --config "$tmp/click.json" --state-dir "$tmp/state" poll \
	--feed-base-url "http://127.0.0.1:$port/" 2>"$tmp/log" &
pid=$!
# wait_for PATTERN SECONDS: until the log has a line matching PATTERN
wait_for() {
	for _ in $(seq $(( $2 * 10 ))); do
		grep -q "$1" "$tmp/log" && return 0
		kill -0 "$pid" 2>/dev/null || fail "the daemon died"
		sleep 0.1
	done
	return 1
}
wait_for "^info poll: polling 29 feeds every 10 s" 5 || fail "no start line"
for _ in $(seq 50); do [ -L "$tmp/state/site/current" ] && break; sleep 0.1; done
[ -f "$tmp/state/site/current/index.html" ] || fail "no site after the first cycle"
first=$(readlink "$tmp/state/site/current")

# A second cycle with nothing new says nothing and renders nothing.
sleep 11
[ "$(grep -vc '^info poll: polling' "$tmp/log")" -eq 0 ] || fail "a healthy idle loop printed something"
[ "$(readlink "$tmp/state/site/current")" = "$first" ] || fail "an unchanged cycle re-rendered the site"
echo "ok 1 first cycle publishes the site; an idle cycle prints nothing and renders nothing"

# The dashboard goes away: every document fails, each is logged, the daemon goes on.
"$here/nginx.sh" stop "$tmp/nginx"
wait_for "^error poll: .*/lambda-us-east-1.rss: " 12 || fail "the failure was not logged"
sleep 0.5
[ "$(grep -c '^error poll: ' "$tmp/log")" -eq 31 ] || fail "want one error line per document"
kill -0 "$pid" || fail "failing feeds stopped the daemon"
echo "ok 2 the dashboard unreachable: one error per document, the daemon goes on"

kill -TERM "$pid"
for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "SIGTERM did not stop the daemon within 15 s"
wait "$pid" || true
pid=""
grep -q "^info poll: stopped by a signal" "$tmp/log" || fail "no stop line"
echo "ok 3 SIGTERM stops it after a whole cycle"
echo "3 passed, 0 failed"
