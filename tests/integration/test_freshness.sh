#!/usr/bin/env bash
# test_freshness.sh: what the site says about its own age, through the real binary and nginx
# on loopback. The expectations are written from the rules (README, "The status site"), not
# from the output: the configuration's own feeds decide freshness; all.rss and currentevents
# are secondary; a feed unread for 3 poll intervals (180 s here) makes its dependents
# unknown; the site is re-published at least every render_interval (300 s by default).
#
#   test_freshness.sh PATH/TO/clickstatus
#
# all.rss and currentevents are never served here (404): every poll fails them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-fresh-it.XXXXXX")
cleanup() {
	"$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	"$here/nginx.sh" stop "$tmp/nginx2" >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www"
nfeeds=0
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; nfeeds=$((nfeeds + 1)); done
[ "$nfeeds" = 29 ] || fail "CLICK needs 29 feeds, the binary lists $nfeeds"
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
# The same feeds less transcribe-us-east-1, from a second server (nginx keeps serving a
# removed file it has open, so the feed goes away by changing server).
mkdir -p "$tmp/www2"
cp "$tmp/www/"*.rss "$tmp/www2/"
rm "$tmp/www2/transcribe-us-east-1.rss"
port2=$("$here/nginx.sh" start "$tmp/www2" "$tmp/nginx2")

# poll STATE TIME [PORT]: one cycle as of TIME, every document tried. all.rss and
# currentevents fail, so --once exits 1; anything else (2, a crash) fails the test.
poll() {
	local rc=0
	"$bin" --state-dir "$tmp/$1" --now "$2" poll --once --force \
		--feed-base-url "http://127.0.0.1:${3:-$port}/" 2>>"$tmp/$1.log" || rc=$?
	[ "$rc" = 1 ] || fail "poll $1 $2: exit $rc, want 1 (two secondary documents failed)"
}
site() { echo "$tmp/$1/site/current"; }
# json FILE PYTHON: runs PYTHON with d = the parsed FILE
# (groups are components in Statuspage's shape: comps leaves them out)
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); comps=[c for c in d.get("components", []) if not c["group"]]; exec(sys.argv[2])' "$1" "$2"; }

# 1. The first poll reads the 29 feeds; all.rss and currentevents fail. The data is fresh.
poll a 2026-08-17T20:00:00Z
grep -q "31 documents: 29 fetched, 0 unchanged, 2 failed" "$tmp/a.log" || fail "want 29 feeds read, 2 failed: $(cat "$tmp/a.log")"
idx=$(site a)/index.html
! grep -q 'class="stale"' "$idx" || fail "first poll: a stale banner although all 29 feeds were read"
! grep -q "1970" "$idx" || fail "first poll: index.html prints a 1970 date"
! grep -qi "never" "$idx" || fail "first poll: index.html says never"
grep -q '<p class="updated">Updated less than a minute ago (<time datetime="2026-08-17T20:00:00Z">17 Aug 2026, 20:00 UTC</time>).</p>' "$idx" ||
	fail "first poll: no 'Updated less than a minute ago' with the UTC time"
for f in summary.json status.json; do
	json "$(site a)/api/v2/$f" '
p = d["page"]
assert p["stale"] is False and p["stale_since"] is None, p
assert p["data_verified_at"] == "2026-08-17T20:00:00Z" and p["updated_at"] == "2026-08-17T20:00:00Z", p
assert d["status"]["indicator"] == "none", d["status"]' || fail "first poll: $f"
done
json "$(site a)/api/v2/summary.json" '
bad = [c["id"] for c in comps if c["status"] != "operational" or c["data_status"] != "ok"]
assert len(comps) == 12 and not bad, bad' || fail "first poll: components not all operational"
echo "ok 1 first poll, 29 feeds read, all.rss and currentevents failed: fresh, no stale banner, no 1970"

# 2. Idle polls: nothing changes. Within render_interval nothing is published; after it the
#    site is re-published with the new verification time, only the files that carry it new.
first=$(readlink "$(site a)")
poll a 2026-08-17T20:01:00Z
[ "$(readlink "$(site a)")" = "$first" ] || fail "an idle poll within render_interval re-published the site"
"$bin" --state-dir "$tmp/a" --now 2026-08-17T20:01:00Z status --json >"$tmp/status-a.json"
json "$tmp/status-a.json" 'assert d["page"]["data_verified_at"] == "2026-08-17T20:01:00Z", d["page"]' ||
	fail "status --json: data_verified_at did not move to the idle poll"
poll a 2026-08-17T20:05:00Z
second=$(readlink "$(site a)")
[ "$second" != "$first" ] || fail "no render 300 s after the last one (render_interval)"
json "$(site a)/api/v2/summary.json" '
p = d["page"]
assert p["data_verified_at"] == "2026-08-17T20:05:00Z" and p["updated_at"] == "2026-08-17T20:05:00Z", p
assert p["stale"] is False, p' || fail "re-published site: data_verified_at/updated_at did not move"
grep -q '<time datetime="2026-08-17T20:05:00Z">17 Aug 2026, 20:05 UTC</time>' "$(site a)/index.html" ||
	fail "re-published index.html does not show the new time"
# Nothing else changed: every other file is the previous release's (same inode).
( cd "$tmp/a/site/$first" && find . -type f ! -name index.html ! -path './api/*' ! -name .manifest ) |
while read -r f; do
	[ "$(stat -c %i "$tmp/a/site/$first/$f")" = "$(stat -c %i "$tmp/a/site/$second/$f")" ] ||
		fail "an unchanged file was rewritten by the periodic render: $f"
done
echo "ok 2 idle polls: none published within render_interval; after it the site moves to the new verification time, nothing else rewritten"

# 3. The polls stop. The page of the last render still says when it was made; a render an
#    hour later says the data is an hour old and stale, in words and times, never 1970.
"$bin" --state-dir "$tmp/a" --now 2026-08-17T21:05:00Z render 2>>"$tmp/a.log" || fail "render"
idx=$(site a)/index.html
grep -q '<div class="stale" role="alert">' "$idx" || fail "an hour without polls: no stale banner"
grep -q 'We last read the AWS Health Dashboard at <time datetime="2026-08-17T20:05:00Z">17 Aug 2026, 20:05 UTC</time>, 60 minutes before this page was generated' "$idx" ||
	fail "the stale banner does not say when the data was last read and how long ago"
grep -q 'Updated 60 minutes ago (<time datetime="2026-08-17T20:05:00Z">' "$idx" || fail "no 'Updated 60 minutes ago'"
! grep -q "1970" "$idx" || fail "stale page prints a 1970 date"
json "$(site a)/api/v2/summary.json" '
p = d["page"]
assert p["stale"] is True and p["data_verified_at"] == "2026-08-17T20:05:00Z", p
assert p["updated_at"] == "2026-08-17T21:05:00Z" and p["stale_since"] >= "2026-08-17T20:05:00Z", p
assert comps and all(c["data_status"] == "unknown" for c in comps), comps' ||
	fail "an hour without polls: summary.json does not say its age"
echo "ok 3 polls stopped: a later render says stale, last read an hour before, components unknown"

# 4. One feed of the configuration fails (transcribe-us-east-1: only recording-transcription
#    depends on it). Within the limit its dependent keeps its status and the page its last
#    read of that feed; past the limit only that component is unknown, the page is not stale.
poll b 2026-08-17T20:00:00Z
for t in 2026-08-17T20:01:00Z 2026-08-17T20:02:00Z 2026-08-17T20:03:00Z; do poll b "$t" "$port2"; done
grep -q "transcribe-us-east-1.rss: HTTP 404" "$tmp/b.log" || fail "transcribe-us-east-1 did not fail"
"$bin" --state-dir "$tmp/b" --now 2026-08-17T20:03:00Z status --json >"$tmp/status-b.json"
json "$tmp/status-b.json" '
p = d["page"]
assert p["stale"] is False and p["data_verified_at"] == "2026-08-17T20:00:00Z", p
bad = [c["id"] for c in comps if c["status"] != "operational" or c["data_status"] != "ok"]
assert len(comps) == 12 and not bad, bad' || fail "one feed failing for 180 s: want all operational, verified at its last read"
poll b 2026-08-17T20:04:00Z "$port2"
json "$(site b)/api/v2/summary.json" '
p = d["page"]
assert p["stale"] is False and p["stale_since"] is None, p
assert p["data_verified_at"] == "2026-08-17T20:04:00Z", p
unknown = sorted(c["id"] for c in comps if c["data_status"] == "unknown")
assert unknown == ["recording-transcription"], unknown
bad = [c["id"] for c in comps if c["id"] != "recording-transcription" and c["status"] != "operational"]
assert len(comps) == 12 and not bad, bad' || fail "one feed failing past the limit: want only its dependent unknown, the page fresh"
! grep -q 'class="stale"' "$(site b)/index.html" || fail "one feed failing: a page-wide stale banner"
grep -q '<p class="updated">Updated less than a minute ago' "$(site b)/index.html" || fail "one feed failing: page not updated"
echo "ok 4 one feed failing: only its dependent unknown after the limit; the page is not stale"

# 5. "At least every render_interval" at its edge (CLICK's: poll_interval 60 s, jittered by up
#    to 6 s; render_interval 300 s). Cycle times are whole seconds, so the next poll after one
#    at T can carry T + 67. An idle poll 233 s after the render leaves the next within 300 s:
#    no render; one 234 s after may be followed by a poll at 301 s: it renders.
poll r 2026-08-17T20:00:00Z
first=$(readlink "$(site r)")
poll r 2026-08-17T20:03:53Z
[ "$(readlink "$(site r)")" = "$first" ] || fail "an idle poll 233 s after the render re-published the site"
poll r 2026-08-17T20:03:54Z
[ "$(readlink "$(site r)")" != "$first" ] ||
	fail "an idle poll 234 s after the render did not re-publish: the next may come 301 s after it"
echo "ok 5 the periodic render at its edge: not at 233 s, at 234 s (the next poll could be 301 s after)"
echo "5 passed, 0 failed"
