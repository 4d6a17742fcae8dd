#!/usr/bin/env bash
# test_run.sh: `clickstatus run`, the production daemon, as an operations engineer meets it:
#   1. one daemon per state directory: a second one, and a one-shot `mail`, refuse with the pid;
#   2. `health` exits 0 while polls are fresh, 1 when the last verified poll is too old or an
#      outbox has a dead letter;
#   3. SIGHUP: an invalid configuration is refused and logged, the daemon goes on; a valid one
#      is taken;
#   4. the subscription endpoint is a supervised child: killed, it is restarted and answers;
#      the daemon killed -9, the child goes too and a new daemon starts on the same state;
#   5. SIGTERM while a feed server stalls mid-fetch: exit 0 within 10 s, the cycle abandoned,
#      the published site whole (no half-written release);
#   6. `clickstatus replay` of the recorded Direct Connect outage: one public update per AWS
#      post (20, the last "resolved"), one mail each to the confirmed subscriber.
#
#   test_run.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-run-it.XXXXXX")
pid=""
stall_pid=""
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	[ -n "$stall_pid" ] && kill "$stall_pid" 2>/dev/null || true
	"$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- daemon log:" >&2; cat "$tmp/log" >&2 || true; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_for FILE PATTERN SECONDS
wait_for() {
	for _ in $(seq $(( $3 * 10 ))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/currentevents" "$tmp/www/"
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
dead_port=$(free_port)
python3 - "$src/feeds/click.json" "$tmp" "$dead_port" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["poll_interval"] = 10
json.dump(c, open(sys.argv[2] + "/click.json", "w"))
c["poll_interval"] = 20
json.dump(c, open(sys.argv[2] + "/click-20.json", "w"))
# A relay that is not there, and no second chance: every mail becomes a dead letter.
c["email"] = {"smtp": {"url": "smtp://127.0.0.1:%s" % sys.argv[3]}, "max_attempts": 1}
json.dump(c, open(sys.argv[2] + "/click-dead.json", "w"))
EOF
cp "$tmp/click.json" "$tmp/live.json"
cs=("$bin" --config "$tmp/live.json" --state-dir "$tmp/state")
cs() { "${cs[@]}" "$@"; }
listen=$(free_port)

# ---- 1. one instance per state directory
"${cs[@]}" run --feed-base-url "http://127.0.0.1:$port/" --listen "127.0.0.1:$listen" 2>"$tmp/log" &
pid=$!
wait_for "$tmp/log" "^info run: polling 29 feeds every 10 s" 5 || fail "no start line"
for _ in $(seq 50); do [ -f "$tmp/state/site/current/index.html" ] && break; sleep 0.1; done
[ -f "$tmp/state/site/current/index.html" ] || fail "no site after the first cycle"
rc=0; cs run --no-serve 2>"$tmp/second.log" || rc=$?
[ "$rc" -eq 1 ] || fail "a second daemon: exit $rc, want 1"
grep -q "^error run: state directory .* is in use by clickstatus pid $pid (run)" "$tmp/second.log" ||
	fail "the second daemon does not name the first: $(cat "$tmp/second.log")"
rc=0; cs mail >/dev/null 2>"$tmp/mail.log" || rc=$?
[ "$rc" -eq 1 ] && grep -q "pid $pid (run)" "$tmp/mail.log" ||
	fail "a one-shot mail beside the daemon: exit $rc, $(cat "$tmp/mail.log")"
echo "ok 1 a second daemon and a one-shot mail are refused, naming pid $pid"

# ---- 2. health
cs health >"$tmp/health" || fail "health while fresh: $(cat "$tmp/health")"
grep -q "^ok poll: last verified poll" "$tmp/health" || fail "health: $(cat "$tmp/health")"
grep -q "^info daemon: pid $pid holds" "$tmp/health" || fail "health does not see the daemon"
sleep 2
rc=0; cs health --max-age 1 >"$tmp/health" || rc=$?
[ "$rc" -eq 1 ] && grep -q "^FAIL poll: .*(limit 1 s)" "$tmp/health" ||
	fail "health with a 1 s limit: exit $rc, $(cat "$tmp/health")"
echo "ok 2 health: 0 while fresh, 1 when the last verified poll is older than the limit"

# ---- 3. SIGHUP
echo '{"product": ' >"$tmp/live.json"
kill -HUP "$pid"
wait_for "$tmp/log" "^error config: reload refused: .*live.json is invalid" 5 ||
	fail "an invalid configuration was not refused"
kill -0 "$pid" || fail "an invalid configuration stopped the daemon"
cp "$tmp/click-20.json" "$tmp/live.json"
kill -HUP "$pid"
wait_for "$tmp/log" "^info config: reloaded .*live.json" 5 || fail "a valid configuration was not taken"
echo "ok 3 SIGHUP: an invalid configuration refused (the old one kept), a valid one taken"

# ---- 4. the endpoint, supervised
sub_up() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$listen/subscriptions/confirm" || true; }
for _ in $(seq 50); do [ "$(sub_up)" != 000 ] && break; sleep 0.1; done
[ "$(sub_up)" = 400 ] || fail "the endpoint does not answer a confirm link without its token with 400: $(sub_up)"
child=$(pgrep -P "$pid" -f "serve" | head -1)
[ -n "$child" ] || fail "no endpoint child"
kill -9 "$child"
wait_for "$tmp/log" "^error serve: killed by signal 9; restarting in 1 s" 5 || fail "the child's death not logged"
for _ in $(seq 50); do [ "$(sub_up)" = 400 ] && break; sleep 0.1; done
[ "$(sub_up)" = 400 ] || fail "the endpoint was not restarted"
child=$(pgrep -P "$pid" -f "serve" | head -1)
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=""
for _ in $(seq 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
kill -0 "$child" 2>/dev/null && fail "the endpoint outlived the daemon killed -9"
echo "ok 4 the endpoint killed is restarted; the daemon killed -9 takes it along"

# ---- 5. SIGTERM in the middle of a stalled fetch
stall=$(free_port)
python3 - "$stall" <<'EOF' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
held = []
while True:                       # accept, read the request, never answer
    c, _ = s.accept(); held.append(c)
EOF
stall_pid=$!
for _ in $(seq 100); do
	python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
		"$stall" 2>/dev/null && break
	sleep 0.1
done
before=$(readlink "$tmp/state/site/current")
"${cs[@]}" run --no-serve --feed-base-url "http://127.0.0.1:$stall/" 2>"$tmp/log" &
pid=$!
wait_for "$tmp/log" "^info run: polling" 5 || fail "no start line (restart after kill -9)"
sleep 2
t0=$(date +%s%N)
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
pid=""
[ "$rc" -eq 0 ] || fail "SIGTERM mid-fetch: exit $rc"
[ "$ms" -le 10000 ] || fail "SIGTERM mid-fetch took $ms ms"
grep -Eq "^info poll: cycle abandoned: poll: stopped with [0-9]+ fetches in progress \(nothing committed\)" "$tmp/log" ||
	fail "the abandoned cycle is not said"
[ "$(readlink "$tmp/state/site/current")" = "$before" ] || fail "the site changed"
[ "$(find "$tmp/state/site" -name '*.tmp*' | wc -l)" -eq 0 ] || fail "a temporary file was left"
(cd "$tmp/state/site/current" && for f in index.html api/v2/summary.json history.atom; do
	[ -s "$f" ] || exit 1; done) || fail "the published site is not whole"
echo "ok 5 SIGTERM while every fetch stalls: exit 0 in $ms ms, nothing committed, the site whole"

# ---- 6. replay of the recorded outage
mkdir -p "$tmp/rec"
cp "$src/feeds/recorded/all.rss" "$tmp/rec/"
"$bin" --state-dir "$tmp/replay" subscribers add reader@example.com >/dev/null
"$bin" --state-dir "$tmp/replay" replay --interval 480 "$tmp/rec" >"$tmp/replay.out" 2>"$tmp/log" ||
	fail "replay failed: $(cat "$tmp/replay.out")"
updates=$(grep -c '^  2026-08-1.*  #1 ' "$tmp/replay.out" || true)
[ "$updates" -eq 20 ] || fail "replay: $updates public updates, want 20 (one per AWS post)"
grep '^  2026-08-1.*  #1 ' "$tmp/replay.out" | tail -1 | grep -q ' resolved ' || fail "replay: not resolved"
mails=$(find "$tmp/replay/mail/new" -type f | wc -l)
[ "$mails" -eq 20 ] || fail "replay: $mails mails in the Maildir, want 20"
echo "ok 6 replay of the recorded outage: 20 updates, the last resolved, 20 mails"

# ---- 2b. a dead letter makes health fail
"$bin" --config "$tmp/click-dead.json" --state-dir "$tmp/dead" subscribers add ops@example.com >/dev/null
"$bin" --config "$tmp/click-dead.json" --state-dir "$tmp/dead" incident open --title "Test" \
	--component inbound-voice=major_outage --message "testing health" >/dev/null
"$bin" --config "$tmp/click-dead.json" --state-dir "$tmp/dead" mail >/dev/null 2>&1 || true
rc=0; "$bin" --config "$tmp/click-dead.json" --state-dir "$tmp/dead" health >"$tmp/health" || rc=$?
[ "$rc" -eq 1 ] && grep -q "^FAIL outbox: 0 dead letters, 1 dead email delivery" "$tmp/health" ||
	fail "health with a dead letter: exit $rc, $(cat "$tmp/health")"
echo "ok 7 health: 1 when an email delivery is a dead letter"
echo "7 passed, 0 failed"
