#!/usr/bin/env bash
# test_item_revisions.sh: one AWS item carried by its service feed and by all.rss, with the
# guid in its http:// form in one and https:// in the other (AWS uses both) and a different
# description in each, is stored once, with one revision per distinct text; polling the same
# documents again adds none. Real nginx on loopback.
#
#   test_item_revisions.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-rev-it.XXXXXX")
cleanup() { "$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The same documents under two paths, polled in turn: the URL changes every poll, so every
# document is read again in full (no 304 from the validators of the poll before).
for d in a b; do
	mkdir -p "$tmp/www/$d"
	for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$d/$slug.rss"; done
	cp "$src/feeds/recorded/currentevents" "$tmp/www/$d/"
	cat >"$tmp/www/$d/directconnect-eu-central-1.rss" <<'RSS'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title><link>https://status.aws.amazon.com/</link>
<item><title>Service disruption: Increased packet loss</title>
<link>https://status.aws.amazon.com/</link><pubDate>Mon, 17 Aug 2026 10:00:00 PDT</pubDate>
<guid isPermaLink="false">http://status.aws.amazon.com/#directconnect-eu-central-1_1786986000</guid>
<description>We are investigating packet loss at Equinix FR5.</description></item></channel></rss>
RSS
	cat >"$tmp/www/$d/all.rss" <<'RSS'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title><link>https://status.aws.amazon.com/</link>
<item><title>Service disruption: Increased packet loss</title>
<link>https://status.aws.amazon.com/</link><pubDate>Mon, 17 Aug 2026 10:00:00 PDT</pubDate>
<guid isPermaLink="false">https://status.aws.amazon.com/#directconnect-eu-central-1_1786986000</guid>
<description>We are investigating packet loss.</description></item></channel></rss>
RSS
done
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
poll() { "$bin" --state-dir "$tmp/st" --now "$1" poll --once --force --no-render \
	--feed-base-url "http://127.0.0.1:$port/$2/" 2>>"$tmp/log" || { cat "$tmp/log" >&2; fail "poll at $1"; }; }
# items: "COUNT REVISIONS" from the store's dump
items() { "$bin" --state-dir "$tmp/st" dump | awk '$1 == "items" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } print v["count"], v["revisions"] }'; }

poll 2026-08-17T17:10:00Z a
first=$(items)
[ "$first" = "1 2" ] || fail "after the first poll: items and revisions '$first', want '1 2' (one item, one revision per text)"
echo "ok 1 the http:// and https:// guids are one item, with one revision per distinct text"
for t in 2026-08-17T17:15:00Z/b 2026-08-17T17:20:00Z/a 2026-08-17T17:25:00Z/b; do
	poll "${t%/*}" "${t#*/}"
	now=$(items)
	[ "$now" = "$first" ] || fail "polling the same documents again at ${t%/*}: '$now', was '$first'"
done
grep -q "3[0-9] fetched" "$tmp/log" || { cat "$tmp/log" >&2; fail "the polls did not read the documents again"; }
echo "ok 2 three more polls of the same documents add no item and no revision"
echo "2 passed, 0 failed"
