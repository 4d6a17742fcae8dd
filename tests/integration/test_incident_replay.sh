#!/bin/sh
# test_incident_replay.sh: replays recorded AWS events through the real binary and nginx; incident timelines and bad input.
#
#   test_incident_replay.sh PATH/TO/clickstatus
#
# Serves the fixtures on loopback (every feed CLICK needs as an empty feed,
# the recorded event as all.rss or as its own feed), runs `poll --once
# --now @EPOCH` at each recorded AWS item, and compares the incidents with
# tests/golden/incident-*.txt (UPDATE_GOLDEN=1 rewrites them, but only with
# output that meets each golden's hand-written expectation NAME.expect, checked
# on every run: see tests/golden_expect.sh). Then every
# engineer command with bad input must fail with exit 2, say why, and leave
# the store byte-for-byte as it was (SQL dump before and after).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$1
fix=$src/tests/fixtures
golden=$src/tests/golden

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-incident-it.XXXXXX")
cleanup() {
	"$here/nginx.sh" stop "$tmp/nginx" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# compare NAME FILE: FILE against the expectation tests/golden/NAME.expect (always: a
# golden is never written from output that contradicts it), then against tests/golden/NAME.
compare() {
	if ! sh "$src/tests/golden_expect.sh" "$1" "$2"; then
		fail "output for golden $1 does not meet tests/golden/$1.expect (golden left as it was)"
		return 0
	fi
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$2" "$golden/$1"
		return 0
	fi
	if ! diff -u "$golden/$1" "$2" >&2; then
		fail "output differs from golden $1"
	fi
}

dump() { # state dir -> stdout: the whole database as SQL
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
for line in c.iterdump():
    print(line)' "$1/clickstatus.db"
}

outbox_count() {
	python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM outbox").fetchone()[0])' "$1/clickstatus.db"
}

# Docroot: every feed the configuration needs, empty; then the event files.
www=$tmp/www
mkdir "$www"
"$bin" feeds >"$tmp/slugs"
echo ec2-us-east-1 >>"$tmp/slugs"
while read -r slug; do
	cp "$fix/connect-eu-west-2-2025-06-13-empty.rss" "$www/$slug.rss"
done <"$tmp/slugs"
cp "$fix/currentevents-2026-excerpt.json" "$www/currentevents"
mkdir "$www/dc" "$www/ec2" "$www/ec2live"
cp "$www"/*.rss "$www/currentevents" "$www/dc/"
cp "$www"/*.rss "$www/currentevents" "$www/ec2/"
cp "$www"/*.rss "$www/currentevents" "$www/ec2live/"
cp "$fix/all-2026-08-18.rss" "$www/dc/all.rss"
cp "$fix/all-2023-02-16-empty.rss" "$www/ec2/all.rss"
cp "$fix/all-2023-02-16-empty.rss" "$www/ec2live/all.rss"
cp "$fix/ec2-us-east-1-2022-03-01.rss" "$www/ec2/ec2-us-east-1.rss"
# The feed as it read while the events were live: AWS rewrote the titles of
# the updates with [RESOLVED] afterwards; only the closing items had it.
sed -e '/<title>/{/Service is operating normally/!s/\[RESOLVED\] //;}' \
    "$fix/ec2-us-east-1-2022-03-01.rss" >"$www/ec2live/ec2-us-east-1.rss"

port=$("$here/nginx.sh" start "$www" "$tmp/nginx")
base=http://127.0.0.1:$port

# replay STATE SUBDIR EPOCH...: one poll at each time.
replay() {
	state=$1
	sub=$2
	shift 2
	for e in "$@"; do
		if ! "$bin" --state-dir "$state" --now "@$e" poll --once --no-render \
		    --feed-base-url "$base/$sub/" >>"$tmp/poll.log" 2>&1; then
			fail "poll at @$e ($sub) failed; see below"
			cat "$tmp/poll.log" >&2
		fi
	done
}

epochs_of() { # feed slug -> the item epochs in it, oldest first
	grep -o "$2_[0-9]*" "$1" | sed 's/.*_//' | sort -n | uniq
}

# Timeline of every incident: list and show.
timeline() { # state config...
	state=$1
	shift
	"$bin" --state-dir "$state" "$@" incident list --all
	n=$("$bin" --state-dir "$state" "$@" incident list --all | tail -n +2 | wc -l)
	i=1
	while [ "$i" -le "$n" ]; do
		"$bin" --state-dir "$state" "$@" incident show "$i"
		i=$((i + 1))
	done
}

# 1. Direct Connect eu-central-1, 2026-08-14..17: 19 "Service impact" updates then
#    resolved; CLICK's eu-contact-centre (20% of users) degraded: one P2 incident,
#    20 updates in order, resolved at the closing item 1787025679.
dc=$tmp/state-dc
replay "$dc" dc 1786765000 $(epochs_of "$fix/all-2026-08-18.rss" directconnect-eu-central-1)
timeline "$dc" >"$tmp/dc.txt"
compare incident-replay-directconnect-eu-central-1.txt "$tmp/dc.txt"
grep -q '^1 .*resolved *P2 ' "$tmp/dc.txt" || fail "direct connect: not one resolved P2 incident"
[ "$(grep -c '^  #' "$tmp/dc.txt")" = 20 ] || fail "direct connect: want 20 updates"
grep -q 'resolved 2026-08-18T04:01:19Z' "$tmp/dc.txt" || fail "direct connect: resolution not at the closing item"
# A replayed cycle enqueues nothing twice.
before=$(outbox_count "$dc")
replay "$dc" dc 1787025679
[ "$(outbox_count "$dc")" = "$before" ] || fail "a replayed cycle enqueued again"
# The SLA clocks after it: the RCA draft and final are due (P2).
"$bin" --state-dir "$dc" --now 2026-08-18T12:00:00Z sla >"$tmp/dc-sla.txt"
compare incident-sla-directconnect.txt "$tmp/dc-sla.txt"

# 2. EC2 us-east-1 as recorded (2022-03-01): AWS had rewritten every title with
#    [RESOLVED], so replaying it opens nothing.
cat >"$tmp/ec2.json" <<'EOF'
{"product":"T","company":"C","site_url":"https://s.example","components":[
 {"id":"compute","name":"Compute","group":"Core","description":"d","user_share":0.5,
  "depends_on":[{"service":"ec2","region":"us-east-1"}]}]}
EOF
ec2=$tmp/state-ec2
for e in $(epochs_of "$fix/ec2-us-east-1-2022-03-01.rss" ec2-us-east-1); do
	"$bin" --config "$tmp/ec2.json" --state-dir "$ec2" --now "@$e" poll --once --no-render \
	    --feed-base-url "$base/ec2/" >>"$tmp/poll.log" 2>&1 || fail "poll ec2 @$e"
done
"$bin" --config "$tmp/ec2.json" --state-dir "$ec2" incident list --all >"$tmp/ec2.txt"
[ "$(wc -l <"$tmp/ec2.txt")" = 1 ] || fail "ec2 as recorded: want no incident"

# 3. The same feed as it read live: the 2021-12-07 degradation and the
#    2021-12-22 power loss are two incidents (two weeks apart), each resolved at
#    its "Service is operating normally" item.
ec2l=$tmp/state-ec2live
for e in $(epochs_of "$fix/ec2-us-east-1-2022-03-01.rss" ec2-us-east-1); do
	"$bin" --config "$tmp/ec2.json" --state-dir "$ec2l" --now "@$e" poll --once --no-render \
	    --feed-base-url "$base/ec2live/" >>"$tmp/poll.log" 2>&1 || fail "poll ec2live @$e"
done
timeline "$ec2l" --config "$tmp/ec2.json" >"$tmp/ec2live.txt"
compare incident-replay-ec2-us-east-1-live.txt "$tmp/ec2live.txt"
[ "$(tail -n +2 "$tmp/ec2live.txt" | grep -c '^[0-9]')" = 2 ] || fail "ec2 live: want 2 incidents"

# 4. Engineers' commands on the Direct Connect store.
cli() { "$bin" --state-dir "$dc" --now 2026-08-18T12:00:00Z "$@"; }
cli incident open --author alice --title "Agents cannot log in" \
    --component agent-workspace=major_outage --message "We are looking into it." >"$tmp/cmd.txt"
cli incident update 2 --author bob --status identified --component agent-workspace=partial_outage \
    --message "A certificate expired; renewing." >>"$tmp/cmd.txt"
cli incident priority 2 P1 --author alice --reason "all agents" >>"$tmp/cmd.txt"
cli incident resolve 2 --author bob --message "Certificate renewed." >>"$tmp/cmd.txt"
cli incident rca 1 draft https://wiki.example/rca/dc-2026-08 --author carol >>"$tmp/cmd.txt"
cli incident not-affected 1 --author carol --reason "EU trunks failed over; no call lost" >>"$tmp/cmd.txt"
cli maintenance schedule --author dave --title "Database upgrade" --start 2026-08-20T02:00:00Z \
    --end 2026-08-20T03:00:00Z --component reporting >>"$tmp/cmd.txt"
cli incident show 2 >>"$tmp/cmd.txt"
cli incident show 1 | head -n 6 >>"$tmp/cmd.txt"
cli sla --all >>"$tmp/cmd.txt"
cli --now 2026-08-20T02:30:00Z maintenance list >>"$tmp/cmd.txt"
compare incident-commands.txt "$tmp/cmd.txt"
# During the window the component is under maintenance.
replay "$dc" dc 1787191200
"$bin" --state-dir "$dc" --now @1787191200 status | grep -q 'Real-time and historical reports *Under maintenance' ||
	fail "maintenance: reporting not under maintenance during the window"

# 5. Bad input: exit 2, a clear message, and the store unchanged.
bad() { # expected-message-fragment command...
	want=$1
	shift
	dump "$dc" >"$tmp/before.sql"
	rc=0
	cli "$@" >"$tmp/bad.out" 2>"$tmp/bad.err" || rc=$?
	dump "$dc" >"$tmp/after.sql"
	[ "$rc" = 2 ] || fail "'$*': exit $rc, want 2"
	grep -q -e "$want" "$tmp/bad.err" || { fail "'$*': message lacks \"$want\":"; cat "$tmp/bad.err" >&2; }
	cmp -s "$tmp/before.sql" "$tmp/after.sql" || fail "'$*' changed the store"
}
bad "unknown incident 99" incident update 99 --message x
bad "unknown incident 99" incident resolve 99
bad "unknown incident 99" incident show 99
bad "unknown incident 99" incident not-affected 99 --reason r
bad "unknown component \"nope\"" incident open --title t --component nope
bad "unknown component \"nope\"" incident update 2 --message m --component nope=major_outage
bad "unknown component status" incident open --title t --component reporting=broken
bad "already resolved" incident resolve 2
bad "already resolved" incident update 1 --message again
bad "want P1, P2, P3, P4 or auto" incident priority 2 P9
bad "--reason is required" incident not-affected 1
bad "already marked not affected" incident not-affected 1 --reason again
bad "opened by hand" incident not-affected 2 --reason r
bad "not a file nor an http(s) URL" incident rca 2 draft /nonexistent/rca.pdf
bad "want ID draft|final" incident rca 2 summary https://x.example/
bad "unknown status" incident update 2 --message m --status fixed
bad "want an incident number" incident update abc --message m
bad "at least one --component" incident open --title t
bad "starts in the past" maintenance schedule --title t --start 2026-08-01T00:00:00Z \
    --end 2026-08-01T01:00:00Z --component reporting
bad "ends before it starts" maintenance schedule --title t --start 2026-09-01T02:00:00Z \
    --end 2026-09-01T01:00:00Z --component reporting
bad "unknown component \"nope\"" maintenance schedule --title t --start 2026-09-01T00:00:00Z \
    --end 2026-09-01T01:00:00Z --component nope
bad "cannot read time" maintenance schedule --title t --start tomorrow --end 2026-09-01T01:00:00Z \
    --component reporting
# Text that is not UTF-8 cannot go into the JSON API, the feeds or the mail: refused, not "out of memory".
notutf8=$(printf 'caf\351')
bad "--title is not valid UTF-8" incident open --title "$notutf8" --component reporting
bad "--message is not valid UTF-8" incident update 2 --message "$notutf8" --status postmortem
bad "--reason is not valid UTF-8" incident priority 2 P2 --reason "$notutf8"
bad "--title is not valid UTF-8" maintenance schedule --title "$notutf8" --start 2026-09-01T00:00:00Z \
    --end 2026-09-01T01:00:00Z --component reporting
bad "--message is not valid UTF-8" maintenance schedule --title t --message "$notutf8" \
    --start 2026-09-01T00:00:00Z --end 2026-09-01T01:00:00Z --component reporting

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "incident replay: all checks passed"
