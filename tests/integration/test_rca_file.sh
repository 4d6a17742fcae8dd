#!/usr/bin/env bash
# test_rca_file.sh: an RCA attached as a FILE is kept by its content and published on the
# incident page (rca.url points there), not as the engineer's local path; a URL stays a URL;
# what a page cannot carry (binary, not UTF-8, too long, no file) is refused and changes nothing.
#
#   test_rca_file.sh PATH/TO/clickstatus
set -euo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-rca-it.XXXXXX")
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cs() { "$bin" --state-dir "$tmp/st" "$@"; }
site="$tmp/st/site/current"
# rca PYTHON: r is the incident's rca object in incidents.json, page the incident page's HTML.
rca() {
	python3 - "$site/api/v2/incidents.json" "$site/incidents/1.html" "$1" <<'PY'
import json, sys
from html.parser import HTMLParser
inc = [i for i in json.load(open(sys.argv[1]))["incidents"] if i["id"] == "1"][0]
r = inc["rca"]
page = open(sys.argv[2], encoding="utf-8").read()

class Section(HTMLParser):
    """The text and the elements of <section id="rca">, and the page's links."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.text, self.tags, self.links = 0, "", [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.links.append(a.get("href"))
        if self.depth:
            self.depth += 1
            self.tags.append(tag)
        elif tag == "section" and a.get("id") == "rca":
            self.depth = 1
    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
    def handle_data(self, data):
        if self.depth:
            self.text += data

sec = Section()
sec.feed(page)
exec(sys.argv[3])
PY
}

cs --now 2026-08-17T10:00:00Z incident open --title "Calls drop in Frankfurt" --author ops \
	--component eu-contact-centre=major_outage --priority P1 --message "Looking into it" >/dev/null
cs --now 2026-08-17T11:00:00Z incident resolve 1 --author ops >/dev/null

# 1. A draft by URL: published as that link.
cs --now 2026-08-17T12:00:00Z incident rca 1 draft https://wiki.example/rca/dc-2026-08 --author ops >/dev/null
cs --now 2026-08-17T12:05:00Z render 2>/dev/null || fail "render"
rca '
assert r["state"] == "draft", r
assert r["url"] == "https://wiki.example/rca/dc-2026-08", r
assert "https://wiki.example/rca/dc-2026-08" in sec.links, sec.links' || fail "an RCA URL is not published as that link"
echo "ok 1 an RCA given as a URL is published as that URL"

# 2. The final analysis as a file, which is then deleted: its text is on the page.
mkdir "$tmp/docs"
printf 'Root cause\n\nThe carrier'"'"'s <script>alert(1)</script> SIP trunk & "backup" failed.\nFix: a second trunk.\n' \
	>"$tmp/docs/rca-final.txt"
cs --now 2026-08-17T13:00:00Z incident rca 1 final "$tmp/docs/rca-final.txt" --author ops >/dev/null ||
	fail "attaching the final RCA file"
rm -r "$tmp/docs"
cs --now 2026-08-17T13:05:00Z render 2>/dev/null || fail "render"
rca '
doc = "Root cause\n\nThe carrier'"'"'s <script>alert(1)</script> SIP trunk & \"backup\" failed.\nFix: a second trunk.\n"
assert r["state"] == "met", r
assert r["url"] == inc["shortlink"] + "#rca", (r, inc["shortlink"])
assert sec.text.endswith(doc), repr(sec.text)
assert "script" not in sec.tags, sec.tags
assert "#rca" in sec.links, sec.links' || fail "the final RCA file is not published by its content"
if grep -rq "$tmp" "$site"; then fail "the site shows the engineer's local path"; fi
cs incident show 1 | grep -q "$tmp" && fail "incident show prints a path instead of the document"
echo "ok 2 an RCA given as a FILE is kept by its content: on the incident page, rca.url points there, no path"

# 3. What a page cannot carry is refused (exit 2), and nothing changes.
before=$(cs incident show 1)
printf '%%PDF-1.7\n\0\0binary' >"$tmp/rca.pdf"
printf 'caf\xe9 latin-1\n' >"$tmp/latin1.txt"
head -c 70000 /dev/zero | tr '\0' 'a' >"$tmp/long.txt"
: >"$tmp/empty.txt"
for f in rca.pdf latin1.txt long.txt empty.txt missing.txt; do
	rc=0
	cs --now 2026-08-17T14:00:00Z incident rca 1 final "$tmp/$f" --author ops >/dev/null 2>"$tmp/err" || rc=$?
	[ "$rc" = 2 ] || fail "$f: exit $rc, want 2 ($(cat "$tmp/err"))"
	grep -q "$f" "$tmp/err" || fail "$f: the error does not name the file: $(cat "$tmp/err")"
done
[ "$(cs incident show 1)" = "$before" ] || fail "a refused RCA changed the incident"
echo "ok 3 binary, non-UTF-8, too long, empty and missing files are refused with exit 2; nothing changes"
# 4. A revised draft ten days later, after the store pruned the delivered notifications of
#    the first one: on the incident, but subscribers are not told of a draft a second time.
db() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchall(); c.commit(); print(r[0][0] if r else "")' "$tmp/st/clickstatus.db" "$1"; }
drafts="SELECT count(*) FROM outbox WHERE dedup_key LIKE 'incident:1:rca-draft:%'"
[ "$(db "$drafts")" -ge 1 ] || fail "the first draft owed no notification"
# What the publishers would have done by now: every row delivered on the day it was made.
db "UPDATE outbox SET state = 'delivered', delivered_at = created_at WHERE delivered_at IS NULL" >/dev/null
cs --now 2026-08-27T12:00:00Z prune >/dev/null 2>&1 || fail "prune"
[ "$(db "$drafts")" = 0 ] || fail "prune kept the delivered draft notifications: the check below proves nothing"
cs --now 2026-08-27T12:30:00Z incident rca 1 draft https://wiki.example/rca/dc-2026-08-v2 --author ops >/dev/null ||
	fail "revising the draft"
[ "$(db "SELECT rca_draft FROM incidents WHERE id = 1")" = "https://wiki.example/rca/dc-2026-08-v2" ] ||
	fail "the revised draft is not on the incident"
[ "$(db "$drafts")" = 0 ] || fail "a revised draft notified the subscribers again"
echo "ok 4 a revised draft after the week's prune: kept on the incident, no second notification"
# 5. An incident whose final analysis came first: a draft attached afterwards is not news.
cs --now 2026-08-27T13:00:00Z incident open --title "Reports late" --author ops \
	--component reporting=degraded_performance --priority P2 --message "Looking into it" >/dev/null
cs --now 2026-08-27T14:00:00Z incident resolve 2 --author ops >/dev/null
cs --now 2026-08-28T10:00:00Z incident rca 2 final https://wiki.example/rca/reports --author ops >/dev/null ||
	fail "the final analysis of incident 2"
[ "$(db "SELECT count(*) FROM outbox WHERE dedup_key LIKE 'incident:2:rca-final:%'")" -ge 1 ] ||
	fail "the final analysis owed no notification"
cs --now 2026-08-28T11:00:00Z incident rca 2 draft https://wiki.example/rca/reports-notes --author ops >/dev/null ||
	fail "a draft after the final"
[ "$(db "SELECT count(*) FROM outbox WHERE dedup_key LIKE 'incident:2:rca-draft:%'")" = 0 ] ||
	fail "a draft after the final analysis notified the subscribers"
echo "ok 5 a draft attached after the final analysis: no notification"
echo "5 passed, 0 failed"
