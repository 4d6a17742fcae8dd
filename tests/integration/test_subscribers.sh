#!/usr/bin/env bash
# test_subscribers.sh: `clickstatus subscribers` (add, list, import, export, remove) and the
# mails of maintenances and root-cause analyses, through the real binary into the Maildir.
#
#   test_subscribers.sh PATH/TO/clickstatus
#
# Expectations are written here by hand from the issue: bad input is refused naming the input
# and changes nothing; an import is all or nothing; export and import round-trip; the store
# file is private; a maintenance is announced when scheduled, started and completed, an RCA
# when published, each only to subscribers of its components.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-subscribers-it.XXXXXX")
cleanup() {
	"$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok $passed $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

st=$tmp/state
T0=2026-09-01T12:00:00Z
cs() { "$bin" --state-dir "$st" "$@"; }
count() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$st/clickstatus.db" "$1"; }

# ---- add: bad addresses refused with exit 2, naming the problem; nothing stored
for bad in "not-an-address" "a@b.com
Bcc: x@example.com" "" "$(printf 'x%.0s' $(seq 300))@example.com"; do
	if cs --now "$T0" subscribers add "$bad" >"$tmp/out" 2>"$tmp/err"; then
		fail "add accepted a bad address: $(printf %q "$bad")"
	else
		rc=$?
		[ "$rc" = 2 ] || fail "add of a bad address exited $rc, want 2"
		grep -q "email address\|control character\|longer than" "$tmp/err" || fail "add: no reason given: $(cat "$tmp/err")"
	fi
done
[ "$(count 'SELECT count(*) FROM subscribers')" = 0 ] && ok "bad addresses refused with exit 2 and a reason; nothing stored" ||
	fail "a bad address reached the store"
cs --now "$T0" subscribers add Ann@Example.COM --components reporting,web-chat --priority P2 >/dev/null
cs --now "$T0" subscribers add bob@example.com --components inbound-voice >/dev/null
cs --now "$T0" subscribers add cat@example.com >/dev/null
if cs --now "$T0" subscribers add ann@example.com 2>"$tmp/err" >/dev/null; then fail "the same address (in another case) added twice"; fi
grep -q "already a subscriber" "$tmp/err" || fail "a second add: $(cat "$tmp/err")"
cs subscribers list >"$tmp/list"
grep -q '^1 .*Ann@example.com .*confirmed .*P1-2 .*\["reporting","web-chat"\]' "$tmp/list" &&
	grep -q '^3 .*cat@example.com .*confirmed .*all .*all' "$tmp/list" &&
	ok "add: the domain lower-cased, components sorted, priority P1-P2, all by default; a second add of an address refused" ||
	{ fail "list:"; cat "$tmp/list" >&2; }
if cs subscribers add x@example.com --components telepathy 2>"$tmp/err"; then fail "an unknown component accepted"; fi
grep -q 'unknown component "telepathy"' "$tmp/err" && ok "an unknown component is refused by name" || fail "component error: $(cat "$tmp/err")"
mode=$(stat -c %a "$st/clickstatus.db")
[ "$mode" = 600 ] && ok "the store file is 0600 (personal data)" || fail "store file mode $mode"

# ---- import: all or nothing, every bad line named
cat >"$tmp/bad.csv" <<'EOF'
email,state,components,min_priority
dan@example.com,confirmed,,P3
eve@@example.com,confirmed,,
fay@example.com,wobbly,,
gus@example.com,confirmed,telepathy,
"hal@example.com,confirmed,,
EOF
if cs --now "$T0" subscribers import "$tmp/bad.csv" >"$tmp/out" 2>"$tmp/err"; then fail "a bad CSV was imported"; else
	rc=$?
	[ "$rc" = 2 ] || fail "a bad import exited $rc, want 2"
fi
for want in "bad.csv:3: email" "bad.csv:4: state \"wobbly\"" "bad.csv:5: components: unknown component \"telepathy\"" "bad.csv:6: malformed CSV"; do
	grep -qF "$want" "$tmp/err" || fail "import error for '$want' missing: $(cat "$tmp/err")"
done
[ "$(count 'SELECT count(*) FROM subscribers')" = 3 ] && ok "a CSV with 4 bad lines of 5 imports nothing and names each bad line" ||
	fail "a bad import changed the store"
cat >"$tmp/good.csv" <<'EOF'
email,components,min_priority,state
dan@example.com,"reporting inbound-voice",P3,confirmed
eve@example.com,,,pending
cat@example.com,,P1,confirmed
EOF
cs --now "$T0" subscribers import "$tmp/good.csv" >"$tmp/out"
grep -q "imported 2 subscribers, 1 already there" "$tmp/out" && ok "import: 2 new, the existing address left as it was" ||
	fail "import said: $(cat "$tmp/out")"

# ---- export -> import into another store -> export: the same subscribers
cs subscribers export >"$tmp/export.csv"
head -1 "$tmp/export.csv" | grep -q '^email,state,components,min_priority,created_at,confirmed_at' || fail "export header: $(head -1 "$tmp/export.csv")"
"$bin" --state-dir "$tmp/other" --now "$T0" subscribers import "$tmp/export.csv" >/dev/null
"$bin" --state-dir "$tmp/other" subscribers export >"$tmp/export2.csv"
if diff <(cut -d, -f1-4 "$tmp/export.csv") <(cut -d, -f1-4 "$tmp/export2.csv") >&2; then
	ok "export, import elsewhere, export: the same $(($(wc -l <"$tmp/export.csv") - 1)) subscribers (address, state, components, priority)"
else
	fail "export/import round trip differs"
fi

# ---- maintenance and RCA mails, into the Maildir
mkdir -p "$tmp/www"
"$bin" feeds >"$tmp/slugs"
while read -r slug; do cp "$here/../fixtures/connect-eu-west-2-2025-06-13-empty.rss" "$tmp/www/$slug.rss"; done <"$tmp/slugs"
cp "$here/../fixtures/all-2023-02-16-empty.rss" "$tmp/www/all.rss"
cp "$here/../fixtures/currentevents-2026-excerpt.json" "$tmp/www/currentevents"
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
poll() { cs --now "$1" poll --once --no-render --feed-base-url "http://127.0.0.1:$port/" >/dev/null 2>&1 || true; }
mail() { cs --now "$1" mail 2>>"$tmp/mail.err"; }
# Everyone confirmed so far: Ann (reporting, web-chat), bob (inbound-voice), cat (all), dan
# (reporting, inbound-voice). A maintenance of reporting concerns Ann, cat and dan.
cs --now "$T0" maintenance schedule --title "Reporting database upgrade" --component reporting \
	--start 2026-09-01T14:00:00Z --end 2026-09-01T15:00:00Z --verify 600 \
	--message "Reports may be late for an hour." >/dev/null
mail "$T0" >/dev/null
poll 2026-09-01T14:00:30Z
mail 2026-09-01T14:01:00Z >/dev/null
poll 2026-09-01T15:20:00Z
mail 2026-09-01T15:21:00Z >/dev/null
python3 - "$st/mail" >"$tmp/got" <<'EOF'
import email.policy, mailbox, sys
box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
for k in box.iterkeys():
    m = email.message_from_bytes(box.get_bytes(k), policy=email.policy.default)
    print("%s|%s|%s" % (m["To"], m["Subject"], m.get_body(("plain",)).get_content().replace("\n", " ")))
EOF
for who in Ann@example.com cat@example.com dan@example.com; do
	for subj in "Maintenance scheduled: Reporting database upgrade" "Maintenance in progress: Reporting database upgrade" "Maintenance completed: Reporting database upgrade"; do
		n=$(grep -c "^$who|\[CLICK\] $subj|" "$tmp/got" || true)
		[ "$n" = 1 ] || fail "$who got $n mails '$subj'"
	done
done
grep -q "^bob@example.com|" "$tmp/got" && fail "bob (inbound-voice only) got a reporting maintenance mail"
grep "^Ann@example.com|\[CLICK\] Maintenance scheduled" "$tmp/got" | grep -q "Reports may be late for an hour" ||
	fail "the scheduled mail does not carry the maintenance's message"
[ "$failed" = 0 ] && ok "a reporting maintenance: scheduled, in progress and completed mailed once each to Ann, cat and dan, not to bob"
before=$(wc -l <"$tmp/got")

# An RCA: an incident on inbound-voice (bob, cat, dan at P1), resolved, then its draft RCA.
cs --now 2026-09-02T10:00:00Z incident open --title "Calls dropped" --component inbound-voice=major_outage \
	--message "Calls drop after 30 s." --priority P1 >/dev/null
mail 2026-09-02T10:00:00Z >/dev/null
cs --now 2026-09-02T11:00:00Z incident resolve 1 --message "Fixed." >/dev/null
mail 2026-09-02T11:00:00Z >/dev/null
cs --now 2026-09-03T10:00:00Z incident rca 1 draft https://example.com/rca/calls-dropped.pdf >/dev/null
mail 2026-09-03T10:00:00Z >/dev/null
python3 - "$st/mail" >"$tmp/got" <<'EOF'
import email.policy, mailbox, sys
box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
for k in box.iterkeys():
    m = email.message_from_bytes(box.get_bytes(k), policy=email.policy.default)
    print("%s|%s|%s" % (m["To"], m["Subject"], m.get_body(("plain",)).get_content().replace("\n", " ")))
EOF
for who in bob@example.com cat@example.com dan@example.com; do
	grep -q "^$who|\[CLICK\] Investigating: Calls dropped|" "$tmp/got" || fail "$who: no opening mail"
	grep -q "^$who|\[CLICK\] Resolved: Calls dropped|" "$tmp/got" || fail "$who: no resolution mail"
	grep "^$who|\[CLICK\] Root-cause analysis (draft): Calls dropped|" "$tmp/got" |
		grep -q "https://example.com/rca/calls-dropped.pdf" || fail "$who: no RCA mail with its link"
done
grep -q "^Ann@example.com|.*Calls dropped" "$tmp/got" && fail "Ann (reporting, web-chat) got the inbound-voice incident"
grep -q "1970" "$tmp/got" && fail "a mail dates something 1970: $(grep 1970 "$tmp/got" | head -1 | cut -c1-200)"
[ "$failed" = 0 ] && ok "an inbound-voice P1: opened, resolved and its draft RCA mailed to bob, cat and dan, not to Ann ($(( $(wc -l <"$tmp/got") - before )) mails)"

# ---- remove erases the address and its history
cs subscribers remove dan@example.com >/dev/null
[ "$(count "SELECT count(*) FROM subscribers WHERE email = 'dan@example.com'")" = 0 ] &&
	[ "$(count "SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber_id)")" = 0 ] &&
	[ "$(count "SELECT count(*) FROM deliveries")" -gt 0 ] &&
	ok "remove: the address and its deliveries are gone" || fail "remove left data behind"
if cs subscribers remove dan@example.com 2>"$tmp/err"; then fail "removing an unknown address succeeded"; fi
grep -q "no subscriber d\*\*\*@example.com" "$tmp/err" || fail "remove of an unknown address: $(cat "$tmp/err")"

# ---- no full address in any log line of mail
if grep -E "(ann|bob|cat|dan|eve)@example.com" -i "$tmp/mail.err" >&2; then fail "a full address in the mail log"; else
	ok "the mail log names subscribers only masked"; fi

[ -z "${KEEP:-}" ] || cp "$tmp/got" /tmp/subs-got.txt
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
