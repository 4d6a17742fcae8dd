#!/usr/bin/env bash
# test_currentevents.sh: currentevents as evidence, through the real binary and nginx on loopback.
#
#   test_currentevents.sh PATH/TO/clickstatus
#
# Every feed CLICK needs is served empty. currentevents (the recorded
# document of 2026-08-01, UTF-16 with a BOM as AWS serves it) gains an open
# Amazon Connect us-east-1 disruption:
# 1. one poll: the Connect components are not operational, the cause is the
#    event; the disagreement (open in currentevents, absent from the RSS
#    feed) is logged once and shown by `explain`;
# 2. a poll that gets a 304 for everything keeps it, and logs nothing again;
# 3. currentevents shows the event ended: the next poll makes them
#    operational and resolves the incident;
# 4. the recorded Direct Connect eu-central-1 event (all-2026-08-18.rss) as
#    if AWS had never posted its resolution item, while currentevents lists
#    it ended: the EU contact centre is operational after one poll, not 24
#    hours later.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fix=$src/tests/fixtures

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-ce-it.XXXXXX")
cleanup() {
	"$here/nginx.sh" stop "$tmp/nginx" || true
	if [ -n "${KEEP:-}" ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

failures=0
seen=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
step() { # what the step showed: ok when it added no failure
	if [ "$failures" = "$seen" ]; then echo "ok $1"; else echo "not ok $1"; fi
	seen=$failures
}

t0=1786996800 # 2026-08-17T20:00:00Z
cs() { # EPOCH ARGS...
	local at=$1
	shift
	"$bin" --state-dir "$tmp/state" --now "@$at" "$@"
}

mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do
	cp "$fix/connect-eu-west-2-2025-06-13-empty.rss" "$tmp/www/$slug.rss"
done
cp "$fix/all-2023-02-16-empty.rss" "$tmp/www/all.rss"

# currentevents: the recorded document plus the Connect event, open (status
# "3", started half an hour before t0, last update 10 minutes before) or
# ended (5 minutes after t0; AWS then rewrites the summary with [RESOLVED]).
write_ce() { # open|ended FILE
	python3 - "$fix/currentevents-2026-08-01.json" "$tmp/www/$2" "$1" "$t0" <<'EOF'
import json, sys
src, out, mode, t0 = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
doc = json.load(open(src, encoding="utf-8"))
ev = {
    "date": str(t0 - 1800),
    "arn": "arn:aws:health:us-east-1::event/CONNECT/AWS_CONNECT_OPERATIONAL_ISSUE/AWS_CONNECT_OPERATIONAL_ISSUE_TEST1",
    "region_name": "N. Virginia",
    "status": "3",
    "service": "connect-us-east-1",
    "service_name": "Amazon Connect",
    "summary": "Increased call failures",
    "event_log": [
        {"summary": "Increased call failures", "message": "We are investigating increased call failures in the US-EAST-1 Region.", "status": 1, "timestamp": t0 - 1800},
        {"summary": "Increased call failures", "message": "We have identified the cause.", "status": 1, "timestamp": t0 - 600},
    ],
}
if mode == "ended":
    ev["status"] = "0"
    ev["summary"] = "[RESOLVED] Increased call failures"
    ev["end_time"] = str(t0 + 300)
doc.insert(0, ev)
open(out, "wb").write(json.dumps(doc, indent=1).encode("utf-16"))  # BOM + UTF-16LE
EOF
}
write_ce open currentevents

port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
base=http://127.0.0.1:$port/

components() { # EPOCH -> "id status causes" of the components that depend on connect-us-east-1
	cs "$1" status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
for c in s["components"]:
    if c["id"] in ("inbound-voice", "outbound-campaigns", "agent-workspace", "ivr-voicebots", "web-chat"):
        print(c["id"], c["status"], ";".join(k["slug"] + "=" + k["guid"] + "=" + k["title"] for k in c.get("causes", [])))'
}

# 1. One poll with the event open in currentevents only.
cs $t0 poll --once --no-render --feed-base-url "$base" 2>"$tmp/poll1.log" ||
	fail "first poll: $(cat "$tmp/poll1.log")"
components $t0 >"$tmp/c1.txt"
[ "$(wc -l <"$tmp/c1.txt")" = 5 ] || fail "want the 5 Connect components: $(cat "$tmp/c1.txt")"
if grep -q " operational " "$tmp/c1.txt"; then
	fail "an event open in currentevents left a Connect component operational: $(cat "$tmp/c1.txt")"
fi
grep -q "^inbound-voice major_outage connect-us-east-1=currentevents:arn:aws:health:us-east-1::event/CONNECT/AWS_CONNECT_OPERATIONAL_ISSUE/AWS_CONNECT_OPERATIONAL_ISSUE_TEST1:connect-us-east-1=Increased call failures$" \
	"$tmp/c1.txt" || fail "inbound-voice: want a major outage caused by the currentevents event: $(cat "$tmp/c1.txt")"
want='warning reconcile: connect-us-east-1: currentevents lists an open event that the RSS feed does not show; verdict disruption from currentevents: "Increased call failures"'
[ "$(grep -c '^warning reconcile:' "$tmp/poll1.log")" = 1 ] ||
	fail "want one disagreement line: $(cat "$tmp/poll1.log")"
grep -qxF "$want" "$tmp/poll1.log" || fail "disagreement line: $(cat "$tmp/poll1.log")"
cs $t0 explain inbound-voice >"$tmp/explain1.txt"
grep -q "feed connect-us-east-1: disruption (from currentevents)$" "$tmp/explain1.txt" ||
	fail "explain: verdict source: $(cat "$tmp/explain1.txt")"
grep -q "disagreement: currentevents lists an open event that the RSS feed does not show$" \
	"$tmp/explain1.txt" || fail "explain: disagreement: $(cat "$tmp/explain1.txt")"
grep -q "verdict from currentevents: 2026-08-17T19:50:00Z  Increased call failures$" \
	"$tmp/explain1.txt" || fail "explain: the event: $(cat "$tmp/explain1.txt")"
cs $t0 incident list >"$tmp/inc1.txt"
[ "$(tail -n +2 "$tmp/inc1.txt" | wc -l)" = 1 ] || fail "want one open incident: $(cat "$tmp/inc1.txt")"
step "1 open in currentevents, RSS feed empty: Connect components in major outage, one disagreement logged, explain says it"

# 2. Everything answers 304: the stored events still count, nothing said again.
cs $((t0 + 300)) poll --once --no-render --feed-base-url "$base" 2>"$tmp/poll2.log" ||
	fail "second poll: $(cat "$tmp/poll2.log")"
grep -q "0 fetched, 31 unchanged" "$tmp/poll2.log" || fail "second poll: want 31 x 304: $(cat "$tmp/poll2.log")"
components $((t0 + 300)) >"$tmp/c2.txt"
diff -u "$tmp/c1.txt" "$tmp/c2.txt" >&2 || fail "a 304 of currentevents changed the components"
if grep -q '^warning reconcile:' "$tmp/poll2.log"; then
	fail "the disagreement was logged again: $(cat "$tmp/poll2.log")"
fi
step "2 a 304 keeps the event; the disagreement is not logged again"

# 3. The event ends in currentevents (served under another name: nginx.sh's
#    open_file_cache would serve the old file's ETag for a minute).
write_ce ended currentevents-ended
cs $((t0 + 900)) poll --once --no-render --feed-base-url "$base" \
    --currentevents-url "${base}currentevents-ended" 2>"$tmp/poll3.log" ||
	fail "third poll: $(cat "$tmp/poll3.log")"
grep -q "1 fetched, 30 unchanged" "$tmp/poll3.log" || fail "third poll: want currentevents read: $(cat "$tmp/poll3.log")"
components $((t0 + 900)) >"$tmp/c3.txt"
[ "$(grep -c ' operational $' "$tmp/c3.txt")" = 5 ] ||
	fail "the end in currentevents did not bring the Connect components back: $(cat "$tmp/c3.txt")"
cs $((t0 + 900)) explain inbound-voice >"$tmp/explain3.txt"
grep -q "feed connect-us-east-1: normal (from currentevents)$" "$tmp/explain3.txt" ||
	fail "explain after the end: $(cat "$tmp/explain3.txt")"
if grep -q "disagreement:" "$tmp/explain3.txt"; then
	fail "explain after the end: a disagreement: $(cat "$tmp/explain3.txt")"
fi
cs $((t0 + 900)) incident list --all >"$tmp/inc3.txt"
grep -q "^1 .*resolved" "$tmp/inc3.txt" || fail "the incident did not resolve: $(cat "$tmp/inc3.txt")"
[ "$(tail -n +2 "$tmp/inc3.txt" | wc -l)" = 1 ] || fail "want one incident in all: $(cat "$tmp/inc3.txt")"
step "3 ended in currentevents: Connect components operational, the incident resolved"

# 4. An RSS event whose resolution AWS posted only in currentevents.
mkdir "$tmp/www/dc"
for slug in $("$bin" feeds); do
	cp "$fix/connect-eu-west-2-2025-06-13-empty.rss" "$tmp/www/dc/$slug.rss"
done
cp "$fix/all-2023-02-16-empty.rss" "$tmp/www/dc/all.rss"
# The event's "Service impact" updates up to 2026-08-18T01:50:12Z, without its resolution.
python3 - "$fix/all-2026-08-18.rss" "$tmp/www/dc/directconnect-eu-central-1.rss" <<'EOF'
import sys, xml.etree.ElementTree as ET
tree = ET.parse(sys.argv[1])
ch = tree.getroot().find("channel")
for it in ch.findall("item"):
    g = it.findtext("guid") or ""
    if "directconnect-eu-central-1_" not in g or int(g.rsplit("_", 1)[1]) > 1787017812:
        ch.remove(it)
tree.write(sys.argv[2], encoding="UTF-8", xml_declaration=True)
EOF
# currentevents: the recorded document, and the event ended at its real resolution time.
python3 - "$fix/currentevents-2026-08-01.json" "$tmp/www/dc/currentevents" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
doc.insert(0, {"date": "1786765000", "status": "0", "service": "directconnect-eu-central-1",
    "arn": "arn:aws:health:eu-central-1::event/DIRECTCONNECT/AWS_DIRECTCONNECT_OPERATIONAL_ISSUE/AWS_DIRECTCONNECT_OPERATIONAL_ISSUE_TEST2",
    "service_name": "AWS Direct Connect", "summary": "[RESOLVED] Increased Packet loss",
    "event_log": [{"summary": "Increased Packet loss", "status": 1, "timestamp": 1786765000}],
    "end_time": "1787025679"})
open(sys.argv[2], "wb").write(json.dumps(doc).encode("utf-16"))
EOF
cp "$fix/currentevents-2026-08-01.json" "$tmp/www/dc/currentevents-recorded"
eu() { # STATE EPOCH -> the status of the EU contact centre
	"$bin" --state-dir "$1" --now "@$2" status --json | python3 -c '
import json, sys
print([c["status"] for c in json.load(sys.stdin)["components"] if c["id"] == "eu-contact-centre"][0])'
}
at=1787026000 # 2026-08-18T04:06:40Z, 2 h 19 min after the last RSS update
"$bin" --state-dir "$tmp/state-dc" --now "@$at" poll --once --no-render \
    --feed-base-url "${base}dc/" 2>"$tmp/poll4.log" || fail "Direct Connect poll: $(cat "$tmp/poll4.log")"
st=$(eu "$tmp/state-dc" $at)
[ "$st" = operational ] || fail "an event ended in currentevents kept the EU contact centre $st"
grep -qxF 'warning reconcile: directconnect-eu-central-1: currentevents says the event ended while the RSS feed still shows it open; verdict normal from currentevents: "[RESOLVED] Increased Packet loss"' \
	"$tmp/poll4.log" || fail "the disagreement of the end: $(cat "$tmp/poll4.log")"
# The control: currentevents as recorded (no word on this event), the same feed is still an outage.
"$bin" --state-dir "$tmp/state-dc2" --now "@$at" poll --once --no-render --feed-base-url "${base}dc/" \
    --currentevents-url "${base}dc/currentevents-recorded" 2>"$tmp/poll5.log" ||
	fail "control poll: $(cat "$tmp/poll5.log")"
st=$(eu "$tmp/state-dc2" $at)
[ "$st" = degraded_performance ] || fail "control: want the EU contact centre degraded, got $st"
step "4 an RSS event ended only in currentevents: EU contact centre operational at once (degraded without the end)"

if [ "$failures" -ne 0 ]; then
	echo "$failures failed"
	exit 1
fi
echo "4 passed, 0 failed"
