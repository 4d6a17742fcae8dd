#!/usr/bin/env bash
# test_daemon.sh: `clickstatus poll` as a daemon against nginx on loopback: quiet while
# all is well, the site re-published every render_interval even with nothing new (so its
# times move), a feed that breaks is logged and retried (never fatal), SIGTERM stops it
# within 10 s, exit 0.
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
# A render every other idle cycle: polls come 9..11 s apart (jitter), so the second
# cycle (<= 11 s after the first render) is within 25 s with room for the next poll, and
# the third (>= 18 s) is the last before a fourth could come after 25 s.
c["render_interval"] = 25
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
# verified: when the store says the data was last verified (a cycle that read the feeds)
verified() {
	"$bin" --config "$tmp/click.json" --state-dir "$tmp/state" status --json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["page"]["data_verified_at"])'
}
site_verified() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["page"]["data_verified_at"])' \
		"$tmp/state/site/current/api/v2/summary.json"
}
v1=$(site_verified)
[ "$(verified)" = "$v1" ] || fail "status and the site disagree on the first cycle's time"
quiet() { [ "$(grep -vc '^info poll: polling' "$tmp/log")" -eq 0 ] || fail "a healthy idle loop printed something"; }

# A second cycle (it ran: the store's verification time moved) with nothing new, within
# render_interval: it says nothing and publishes nothing.
v2=$v1
for _ in $(seq 150); do v2=$(verified || true); [ -n "$v2" ] && [ "$v2" != "$v1" ] && break; sleep 0.1; done
[ -n "$v2" ] && [ "$v2" != "$v1" ] || fail "no second cycle within 15 s (data verified at stays $v1)"
quiet
[ "$(readlink "$tmp/state/site/current")" = "$first" ] || fail "an idle cycle within render_interval re-published the site"
echo "ok 1 first cycle publishes the site; a second, idle cycle ran, printed nothing and published nothing"

# The third cycle is the last before render_interval could run out: the site is
# re-published, silently, with the new verification time.
for _ in $(seq 150); do [ "$(readlink "$tmp/state/site/current")" != "$first" ] && break; sleep 0.1; done
[ "$(readlink "$tmp/state/site/current")" != "$first" ] || fail "no render render_interval after the last one"
v3=$(site_verified)
[[ "$v3" > "$v2" ]] || fail "the re-published site says data verified at $v3, not after the second cycle ($v2)"
grep -q "<p class=\"updated\">Updated less than a minute ago (<time datetime=\"$v3\">" "$tmp/state/site/current/index.html" ||
	fail "the re-published index.html does not say when it was updated"
quiet
echo "ok 2 before render_interval runs out an idle cycle re-publishes the site, silently, with the new time"

# The dashboard goes away: every document fails, each is logged, the daemon goes on.
"$here/nginx.sh" stop "$tmp/nginx"
wait_for "^error poll: .*/lambda-us-east-1.rss: " 12 || fail "the failure was not logged"
sleep 0.5
[ "$(grep -c '^error poll: ' "$tmp/log")" -eq 31 ] || fail "want one error line per document"
kill -0 "$pid" || fail "failing feeds stopped the daemon"
echo "ok 3 the dashboard unreachable: one error per document, the daemon goes on"

kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "SIGTERM did not stop the daemon within 10 s"
rc=0; wait "$pid" || rc=$?; [ "$rc" -eq 0 ] || fail "SIGTERM: exit $rc, want 0"
pid=""
grep -q "^info poll: stopped by a signal" "$tmp/log" || fail "no stop line"
echo "ok 4 SIGTERM stops it within 10 s, exit 0"
echo "4 passed, 0 failed"
