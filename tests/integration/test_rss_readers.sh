#!/usr/bin/env bash
# test_rss_readers.sh: history.rss is safe in feed readers that take <description> as HTML
# (npm feedparser, rss-parser). An AWS item and an engineer's update carry hostile text; the
# site is rendered from that store; each description, parsed as XML and then its text parsed
# as HTML (as such a reader does), holds no element beyond harmless formatting, and the
# hostile strings are shown as text.
#
#   test_rss_readers.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-rss-it.XXXXXX")
cleanup() { "$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/empty.rss" "$tmp/www/all.rss"
cp "$src/feeds/recorded/currentevents" "$tmp/www/"
# A disruption whose title and description carry markup, entity-escaped as AWS does.
cat >"$tmp/www/directconnect-eu-central-1.rss" <<'RSS'
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title><link>https://status.aws.amazon.com/</link>
<item><title>Service disruption: &lt;img src=x onerror=alert(1)&gt; packet loss</title>
<link>https://status.aws.amazon.com/</link><pubDate>Mon, 17 Aug 2026 10:00:00 PDT</pubDate>
<guid isPermaLink="false">https://status.aws.amazon.com/#directconnect-eu-central-1_1786986000</guid>
<description>&lt;script&gt;alert('x')&lt;/script&gt; connections at FR5</description></item></channel></rss>
RSS
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
"$bin" --state-dir "$tmp/st" --now 2026-08-17T18:00:00Z poll --once --no-render \
	--feed-base-url "http://127.0.0.1:$port/" 2>"$tmp/log" || { cat "$tmp/log" >&2; fail "poll"; }
"$bin" --state-dir "$tmp/st" --now 2026-08-17T18:10:00Z incident update 1 --author ops \
	--message "\"><script>alert('x')</script> ]]> & <b>bold</b>" >/dev/null || fail "incident update"
"$bin" --state-dir "$tmp/st" --now 2026-08-17T18:20:00Z render 2>>"$tmp/log" ||
	{ cat "$tmp/log" >&2; fail "render"; }

python3 - "$tmp/st/site/current/history.rss" <<'PY' || fail "history.rss is unsafe in a reader that takes the description as HTML"
import sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser

HARMLESS = {"p", "br", "b", "i", "em", "strong", "ul", "ol", "li", "pre", "code"}

class Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], ""
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))
    def handle_data(self, data):
        self.text += data

root = ET.parse(sys.argv[1]).getroot()
texts, n = "", 0
for item in root.iter("item"):
    d = item.find("description")
    assert d is not None, "an item without a description"
    r = Reader()
    r.feed(d.text or "")
    r.close()
    bad = [t for t in r.tags if t[0] not in HARMLESS or t[1]]
    assert not bad, "the description makes elements %r of %r" % (bad, d.text)
    texts += r.text + "\n"
    n += 1
assert n >= 2, "expected the AWS update and the engineer's update, got %d items" % n
for needle in ("<img src=x onerror=alert(1)>", "\"><script>alert('x')</script> ]]> & <b>bold</b>"):
    assert needle in texts, "%r is not shown as text in %r" % (needle, texts)
PY
echo "ok 1 history.rss descriptions read as HTML show the hostile AWS and engineer text as text"
echo "1 passed, 0 failed"
