#!/usr/bin/env bash
# test_site_replay.sh: the recorded Direct Connect eu-central-1 event replayed through the
# binary (nginx on loopback), as the public site and its API show it, and an engineer
# ruling it out ("CLICK not affected").
#
#   test_site_replay.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-site-it.XXXXXX")
cleanup() { "$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/currentevents" "$tmp/www/"
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
# poll STATE TIME: one cycle as of TIME (the store remembers the validators: 304s after the first)
poll() { "$bin" --state-dir "$tmp/$1" --now "$2" poll --once --force --feed-base-url "http://127.0.0.1:$port/" 2>>"$tmp/$1.log"; }
api() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[2])' "$tmp/$1/site/current/api/v2/$2" "$3"; }

# 1. The whole event, stepped through: one incident, on the page, resolved at the end.
for t in 2026-08-15T04:00:00Z 2026-08-16T12:00:00Z 2026-08-17T20:00:00Z; do poll a "$t"; done
api a summary.json '
inc = d["incidents"]
assert len(inc) == 1 and inc[0]["status"] == "identified", inc
assert inc[0]["impact"] == "minor" and inc[0]["priority"] == "P2", inc[0]
comp = {c["id"]: c for c in d["components"]}
assert comp["eu-contact-centre"]["status"] == "degraded_performance"
assert inc[0]["next_update_by"], inc[0]' || fail "active incident in summary.json"
grep -q "Service impact: Increased Packet loss" "$tmp/a/site/current/index.html" || fail "index.html does not show the active incident"
[ -f "$tmp/a/site/current/incidents/1.html" ] || fail "no incident page"
poll a 2026-08-18T05:00:00Z
api a incidents.json '
inc = d["incidents"]
assert len(inc) == 1 and inc[0]["status"] == "resolved", inc
ups = inc[0]["incident_updates"]
assert ups[0]["status"] == "resolved" and ups[-1]["status"] == "investigating", [u["status"] for u in ups]
assert "[RESOLVED]" in ups[0]["body"], ups[0]
assert inc[0]["rca"]["state"] == "final_due", inc[0]["rca"]' || fail "resolved incident in incidents.json"
api a incidents/unresolved.json 'assert d["incidents"] == [], d' || fail "resolved incident still unresolved"
grep -q "<entry>" "$tmp/a/site/current/history.atom" || fail "history.atom has no entry"
echo "ok 1 replay: one P2 incident, on index and its page, resolved at AWS's closing item, RCA due"

# Golden copies of the JSON API for the recorded feeds (UPDATE_GOLDEN=1 rewrites them, but
# only with output that meets each golden's hand-written expectation NAME.expect, checked on
# every run: see tests/golden_expect.sh); the render id names the release and is the only
# field that is not a function of the state.
for f in summary.json incidents.json components.json status.json scheduled-maintenances.json; do
	golden="$src/tests/golden/replay-api-$f"
	python3 - "$tmp/a/site/current/api/v2/$f" "$tmp/replay-$f" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
d["page"].pop("render_id", None)
json.dump(d, open(sys.argv[2], "w"), indent=2, sort_keys=True)
open(sys.argv[2], "a").write("\n")
EOF2
	sh "$src/tests/golden_expect.sh" "replay-api-$f" "$tmp/replay-$f" ||
		fail "api/v2/$f does not meet $golden.expect (golden left as it was)"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$tmp/replay-$f" "$golden"; fi
	diff -u "$golden" "$tmp/replay-$f" >&2 || fail "api/v2/$f differs from $golden"
done
echo "ok 2 the JSON API of the replay matches its golden copies"

# Polls stop (the last one at 05:00): an hour later the page says the data is stale
# since then, and claims nothing about the components.
"$bin" --state-dir "$tmp/a" --now 2026-08-18T06:00:00Z render 2>/dev/null || fail "render"
api a summary.json '
p = d["page"]
assert p["stale"] is True and p["data_verified_at"] == "2026-08-18T05:00:00Z", p
assert all(c["data_status"] == "unknown" for c in d["components"] if not c["group"]), d["components"]' ||
	fail "stale data not said in summary.json"
grep -q 'class="stale"' "$tmp/a/site/current/index.html" || fail "index.html has no stale banner"
echo "ok 2b polls stopped for an hour: stale banner, data verified at the last good poll, components unknown"

# 2. An engineer rules the event out: the incident and its effect leave the page.
poll b 2026-08-15T04:00:00Z
"$bin" --state-dir "$tmp/b" --now 2026-08-15T05:00:00Z incident not-affected 1 --author ops \
	--reason "EU SIP trunks fail over to the carrier's second Direct Connect location" >/dev/null
poll b 2026-08-16T12:00:00Z
api b summary.json '
assert d["incidents"] == [], d["incidents"]
comp = {c["id"]: c["status"] for c in d["components"]}
assert comp["eu-contact-centre"] == "operational", comp
assert d["status"]["indicator"] == "none", d["status"]' || fail "ruled-out incident still public"
# The AWS table still tells what AWS says; the component and the incidents do not.
python3 - "$tmp/b/site/current/index.html" <<'EOF2' || fail "index.html shows a ruled-out event"
import sys
s = open(sys.argv[1]).read()
i = s.index('id="c-eu-contact-centre"')
comp = s[i:s.index('class="bar"', i)]  # name and status; the uptime bar keeps what was shown
assert "st-operational" in comp and "Packet loss" not in comp, comp
assert "incidents/1.html" not in s
EOF2
"$bin" --state-dir "$tmp/b" --now 2026-08-16T12:00:00Z incident show 1 | grep -q "EU SIP trunks fail over" ||
	fail "the reason is not kept"
poll b 2026-08-18T05:00:00Z
"$bin" --state-dir "$tmp/b" --now 2026-08-18T05:00:00Z incident list --all | grep -q "^1 .*resolved" ||
	fail "the ruled-out incident did not follow AWS to its resolution"
echo "ok 3 not affected: off the page, components operational, reason kept, still resolved with AWS"
echo "4 passed, 0 failed"
