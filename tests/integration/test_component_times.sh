#!/usr/bin/env bash
# test_component_times.sh: a component's created_at in the Statuspage API (components.json,
# summary.json) is when the component was first stored and stays put; updated_at is its last
# status change. Polls through the binary, feeds on nginx on loopback.
#
#   test_component_times.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-ctimes-it.XXXXXX")
cleanup() { "$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# www/a: every feed empty; www/b: the same with a Direct Connect disruption (two directories,
# since nginx caches what it knows of a file for a minute).
for d in a b; do
	mkdir -p "$tmp/www/$d"
	for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$d/$slug.rss"; done
	cp "$src/feeds/recorded/empty.rss" "$tmp/www/$d/all.rss"
	cp "$src/feeds/recorded/currentevents" "$tmp/www/$d/"
done
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
# poll TIME DIR
poll() { "$bin" --state-dir "$tmp/st" --now "$1" poll --once --force --no-render \
	--feed-base-url "http://127.0.0.1:$port/$2/" 2>>"$tmp/log" || { cat "$tmp/log" >&2; fail "poll at $1"; }; }
render() { "$bin" --state-dir "$tmp/st" --now "$1" render 2>>"$tmp/log" || { cat "$tmp/log" >&2; fail "render at $1"; }; }
# check FILE WHAT PYTHON: d is the JSON document, comp its components by id.
check() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
comp = {c["id"]: c for c in d["components"]}
exec(sys.argv[2])' "$tmp/st/site/current/api/v2/$1" "$3" || fail "$2 ($1)"
}

# First poll at 17:00: every component is first stored then, operational.
poll 2026-08-17T17:00:00Z a
render 2026-08-17T17:20:00Z
for f in components.json summary.json; do
	check "$f" "created_at and updated_at after the first poll" '
for c in d["components"]:
    assert c["created_at"] == "2026-08-17T17:00:00Z", c
    assert c["updated_at"] == "2026-08-17T17:00:00Z", c'
done
# Another poll and render later with no change: nothing moves.
poll 2026-08-17T17:30:00Z a
render 2026-08-17T17:40:00Z
for f in components.json summary.json; do
	check "$f" "created_at or updated_at moved without a change" '
for c in d["components"]:
    assert c["created_at"] == "2026-08-17T17:00:00Z", c
    assert c["updated_at"] == "2026-08-17T17:00:00Z", c'
done
echo "ok 1 created_at is the first poll that stored the component; two renders later it has not moved"

# 18:00: AWS posts a Direct Connect disruption in Frankfurt; eu-contact-centre changes status.
cat >"$tmp/www/b/directconnect-eu-central-1.rss" <<'RSS'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title><link>https://status.aws.amazon.com/</link>
<item><title>Service disruption: Increased packet loss</title>
<link>https://status.aws.amazon.com/</link><pubDate>Mon, 17 Aug 2026 10:50:00 PDT</pubDate>
<guid isPermaLink="false">https://status.aws.amazon.com/#directconnect-eu-central-1_1786989000</guid>
<description>d</description></item></channel></rss>
RSS
poll 2026-08-17T18:00:00Z b
render 2026-08-17T18:00:00Z
for f in components.json summary.json; do
	check "$f" "created_at moved on a status change, or updated_at did not" '
c = comp["eu-contact-centre"]
assert c["status"] != "operational", c
assert c["created_at"] == "2026-08-17T17:00:00Z", c
assert c["updated_at"] == "2026-08-17T18:00:00Z", c
for o in d["components"]:
    assert o["created_at"] == "2026-08-17T17:00:00Z", o'
done
echo "ok 2 a status change moves updated_at to the change, not created_at"
echo "2 passed, 0 failed"
