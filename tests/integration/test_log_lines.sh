#!/usr/bin/env bash
# test_log_lines.sh: text from AWS cannot forge a log line. A feed item whose title carries
# a newline and a fake "error poll: ..." line is logged (unknown title prefix) on ONE line,
# with the control bytes written as \xNN (real nginx on loopback).
#
#   test_log_lines.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-log-it.XXXXXX")
cleanup() { "$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/empty.rss" "$tmp/www/all.rss"
cp "$src/feeds/recorded/currentevents" "$tmp/www/"
# An unknown title prefix is logged with the title; &#10; and &#13; are a newline and a CR.
cat >"$tmp/www/directconnect-eu-central-1.rss" <<'RSS'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title><link>https://status.aws.amazon.com/</link>
<item><title>Odd prefix: packet loss&#13;&#10;error poll: forged line</title>
<link>https://status.aws.amazon.com/</link><pubDate>Mon, 17 Aug 2026 10:00:00 PDT</pubDate>
<guid isPermaLink="false">https://status.aws.amazon.com/#directconnect-eu-central-1_1786986000</guid>
<description>d</description></item></channel></rss>
RSS
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
"$bin" --state-dir "$tmp/st" --now 2026-08-17T20:00:00Z poll --once --no-render \
	--feed-base-url "http://127.0.0.1:$port/" 2>"$tmp/log" || true
grep -q 'unknown title prefix' "$tmp/log" || { cat "$tmp/log" >&2; fail "the unknown prefix was not logged"; }
if grep -q '^error poll: forged line' "$tmp/log"; then
	cat "$tmp/log" >&2
	fail "an AWS title forged a log line"
fi
grep -q 'packet loss\\x0d\\x0aerror poll: forged line' "$tmp/log" ||
	{ cat "$tmp/log" >&2; fail "the title's control bytes are not written as \\xNN"; }
echo "ok 1 an AWS title with a newline stays on its log line, escaped"
echo "1 passed, 0 failed"
