#!/usr/bin/env bash
# test_mail_delivery.sh: email alerts end to end: the real clickstatus binary (`subscribers`,
# `incident`, `poll`, `mail`, `outbox`) against a real SMTP server (smtpserver.py: aiosmtpd on
# 127.0.0.1, faults injected) and into the default Maildir, with recorded AWS feeds served by
# nginx on loopback. mail_delivery_check.py reads what arrived with Python's email package.
#
#   test_mail_delivery.sh PATH/TO/clickstatus
#
# Scenarios (each its own state directory, server and configuration; the mail each
# subscriber must get is written down by hand before the run):
#   1 headers   hostile incident text -> every header and part as the RFCs want, the text
#               intact, no header or recipient added; a re-send keeps the Message-ID
#   2 matching  components and priority choose the recipients; unsubscribed, bounced and
#               pending subscribers get nothing
#   3 faults    421 at connect, 451 after the data, 550 at RCPT (bounced), a connection cut
#               after the data, the relay down and back, dead letters and --retry-dead
#   4 crash     1,000 recipients, the sender killed (-9) a third of the way: every one gets
#               the mail, at most one twice (parallel 1), with the same Message-ID
#   5 window    updates within email.batch_window make one mail; a resolution supersedes an
#               update not yet delivered
#   6 maildir   no relay configured: a replayed AWS event leaves readable mail in
#               <state-dir>/mail/new
# Throughout: the stderr of `clickstatus mail` never shows a subscriber's whole address.
#
# Exits 77 (skipped) when no python3 has aiosmtpd (Debian: python3-aiosmtpd) or there is
# no nginx; a skip is not a pass.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$1
check=$here/mail_delivery_check.py
py=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import aiosmtpd' 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || { echo "SKIP: no python3 with aiosmtpd (python3-aiosmtpd)"; exit 77; }
[ -x "${NGINX:-/usr/sbin/nginx}" ] || { echo "SKIP: no nginx"; exit 77; }
export LC_ALL=C.UTF-8

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-mail-delivery.XXXXXX")
declare -A pids=()
bgpid=""
cleanup() {
	local n
	if [ -n "$bgpid" ]; then
		kill -9 "$bgpid" 2>/dev/null || true
		wait "$bgpid" 2>/dev/null || true
	fi
	for n in "${!pids[@]}"; do
		kill "${pids[$n]}" 2>/dev/null || true
		wait "${pids[$n]}" 2>/dev/null || true
	done
	"$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# Every address any scenario subscribes, for the leak check at the end.
: >"$tmp/addresses"
# Every stderr of `clickstatus mail` (and `outbox`) goes here too.
: >"$tmp/mail-stderr"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
T0=$(date -u -d 2026-09-01T10:00:00Z +%s)

# start NAME [smtpserver.py ARGS...]: a server with its files in $tmp/NAME; sets $port.
start() {
	local name=$1 i=0
	shift
	mkdir -p "$tmp/$name"
	: >"$tmp/$name/port"
	"$py" "$here/smtpserver.py" --out "$tmp/$name/out" --log "$tmp/$name/log" "$@" \
		>"$tmp/$name/port" 2>"$tmp/$name/err" &
	pids[$name]=$!
	while [ ! -s "$tmp/$name/port" ]; do
		if ! kill -0 "${pids[$name]}" 2>/dev/null || [ $i -ge 200 ]; then
			echo "smtpserver.py ($name) did not start:" >&2
			cat "$tmp/$name/err" >&2
			exit 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	port=$(head -n1 "$tmp/$name/port")
}

stop() {
	kill "${pids[$1]}" 2>/dev/null || true
	wait "${pids[$1]}" 2>/dev/null || true
	unset "pids[$1]"
}

# faults NAME JSON: the fault rules file $tmp/NAME.faults.
faults() { printf '%s\n' "$2" >"$tmp/$1.faults"; }

# config FILE PORT PARALLEL TIMEOUT [EMAIL-JSON]: feeds/click.json with an email.smtp relay on
# 127.0.0.1:PORT (PORT "-": no relay, the Maildir) and the keys of EMAIL-JSON in "email".
config() {
	"$py" - "$src/feeds/click.json" "$@" <<'EOF'
import json, sys
src, out, port, parallel, timeout = sys.argv[1:6]
extra = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
c = json.load(open(src))
e = c.setdefault("email", {})
if port != "-":
    e["smtp"] = {"url": "smtp://127.0.0.1:%s" % port, "parallel": int(parallel),
                 "timeout": int(timeout)}
e.update(extra)
json.dump(c, open(out, "w"), indent=1)
EOF
}

# cs NAME STATE CONFIG EPOCH ARGS...: the binary at --now EPOCH; stdout in $tmp/NAME.out,
# stderr in $tmp/NAME.err (and, for mail and outbox, in mail-stderr). Sets $rc.
cs() {
	local name=$1 state=$2 cfg=$3 now=$4
	shift 4
	rc=0
	"$bin" --state-dir "$state" --config "$cfg" --now "$(iso "$now")" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
	case "$1" in mail|outbox) cat "$tmp/$name.err" >>"$tmp/mail-stderr" ;; esac
}

# must NAME STATE CONFIG EPOCH ARGS...: cs, which must exit 0.
must() {
	cs "$@"
	if [ $rc -ne 0 ]; then
		fail "$1: clickstatus ${*:5} exited $rc: $(head -c 600 "$tmp/$1.err")"
	fi
}

# sub STATE CONFIG ADDR [ARGS...]: a confirmed subscriber through `subscribers add`.
sub() {
	local state=$1 cfg=$2 addr=$3
	shift 3
	echo "$addr" >>"$tmp/addresses"
	must sub "$state" "$cfg" "$T0" subscribers add "$addr" "$@"
}

# saved NAME: how many messages the server NAME has accepted.
saved() { find "$tmp/$1/out" -name '*.json' 2>/dev/null | wc -l; }

# verify LABEL mail_delivery_check.py ARGS...
verify() {
	local label=$1 out r
	shift
	out=$("$py" "$check" "$@") && r=0 || r=$?
	printf '%s\n' "$out" | sed "s/^/  $label: /"
	[ $r -eq 0 ] || fail "$label: see the lines above"
}

# expect_out NAME REGEX: the stdout of the run NAME matches (grep -E).
expect_out() {
	if grep -Eq "$2" "$tmp/$1.out"; then ok "$1: \"$(head -n1 "$tmp/$1.out")\""; else
		fail "$1: stdout $(head -c 300 "$tmp/$1.out" | tr '\n' ' ') does not match /$2/"; fi
}

# pending STATE CONFIG: the email deliveries `clickstatus outbox` counts, "P pending S sent D dead".
deliveries() {
	cs outbox "$1" "$2" "$3" outbox
	sed -n 's/^email deliveries: \([0-9]*\) pending, \([0-9]*\) sent, \([0-9]*\) bounced, \([0-9]*\) dead, \([0-9]*\) superseded.*/\1 pending \2 sent \3 bounced \4 dead \5 superseded/p' "$tmp/outbox.out"
}

expect_deliveries() { # LABEL STATE CONFIG EPOCH WANT
	local got
	got=$(deliveries "$2" "$3" "$4")
	[ "$got" = "$5" ] && ok "$1: outbox: $got" || fail "$1: outbox says \"$got\", expected \"$5\""
}

# ======================================================================================
# 1. Headers and parts, hostile text; a re-send keeps the Message-ID.
# ======================================================================================
echo "== 1 headers"
# dave's message is held 3 s by the server (once), long enough for a second sender to take
# the delivery over: the first copy is then accepted too, so dave has the same mail twice.
faults s1 '{"rules": [{"at": "end", "rcpt": ["dave@example.com"], "times": 1, "sleep": 3}]}'
start s1 --faults "$tmp/s1.faults"
st=$tmp/st1
cfg=$tmp/c1.json
config "$cfg" "$port" 1 5
sub "$st" "$cfg" alice@example.com
sub "$st" "$cfg" bob@example.org
printf 'email,state,components,min_priority\r\ncarol@example.net,confirmed,,\r\n"dave@example.com",,,P4\r\n' >"$tmp/s1.csv"
printf '%s\n' carol@example.net dave@example.com >>"$tmp/addresses"
must import "$st" "$cfg" "$T0" subscribers import "$tmp/s1.csv"
expect_out import '^imported 2 subscribers, 0 already there'
printf '%s\n' alice@example.com bob@example.org carol@example.net dave@example.com >"$tmp/s1.subs"
# The hostile title and message, kept in files (bash cannot hold them in an argument
# literally: CR, trailing newlines, U+202E).
"$py" - "$tmp" <<'EOF'
import sys
word = "W" * 2000
rlo = "\u202e"
title = ("Calls failing\r\nBcc: evil@example.com\r\n.\r\nfor some " + rlo + "evil\u202c users "
         + word + " end\n")
message = ("Calls to the EU numbers fail.\r\n.\r\nBcc: evil@example.com\nSubject: forged\n"
           "<script>alert(1)</script> & <b>bold</b>\n.\n" + word + "\nright-to-left "
           + rlo + "txet desrever\r\n\r\n.\r\nend of the message.")
open(sys.argv[1] + "/s1.title", "w", encoding="utf-8", newline="").write(title)
open(sys.argv[1] + "/s1.message", "w", encoding="utf-8", newline="").write(message)
EOF
title=$(cat "$tmp/s1.title"; printf x)
title=${title%x}
message=$(cat "$tmp/s1.message"; printf x)
message=${message%x}
must open1 "$st" "$cfg" "$T0" incident open --title "$title" --component inbound-voice=major_outage \
	--message "$message" --priority P1
# Sender A at T0 (parallel 1: alice, bob, carol, dave in subscriber order); while the server
# holds dave's message, sender B at T0+100 s, past A's claim lease (timeout 5 s x 18 = 90 s),
# takes dave's delivery over and sends it; then A's copy is accepted too, and A's
# acknowledgement no longer counts.
"$bin" --state-dir "$st" --config "$cfg" --now "$(iso "$T0")" mail >"$tmp/mailA.out" 2>"$tmp/mailA.err" &
bgpid=$!
i=0
until grep -q '^rcpt [0-9]* 250 dave@example.com' "$tmp/s1/log" 2>/dev/null; do
	[ $i -lt 200 ] || break
	sleep 0.05
	i=$((i + 1))
done
sleep 0.5
must mailB "$st" "$cfg" $((T0 + 100)) mail
wait "$bgpid" && rA=0 || rA=$?
bgpid=""
cat "$tmp/mailA.err" >>"$tmp/mail-stderr"
[ $rA -eq 0 ] || fail "mailA exited $rA: $(cat "$tmp/mailA.err")"
expect_out mailA '^1 mailing to 4 recipients; 3 sent, 0 deferred'
expect_out mailB '^0 mailings to 0 recipients; 1 sent, 0 deferred'
stop s1
verify hostile hostile "$tmp/s1/out" "$tmp/s1.subs" "$tmp/s1.title" "$tmp/s1.message"
verify resend count "$tmp/s1/out" alice@example.com=1 bob@example.org=1 carol@example.net=1 \
	dave@example.com=2
"$py" "$check" msgid "$tmp/s1/out" >"$tmp/s1.ids"
d1=$(grep '^dave@example.com ' "$tmp/s1.ids" | cut -d' ' -f2 | sort -u)
nd=$(grep -c '^dave@example.com ' "$tmp/s1.ids" || true)
ndistinct=$(cut -d' ' -f2 "$tmp/s1.ids" | sort -u | wc -l)
if [ "$nd" -eq 2 ] && [ "$(printf '%s\n' "$d1" | wc -l)" -eq 1 ] && [ "$ndistinct" -eq 4 ]; then
	ok "re-send: dave's two copies (two processes, two claims) share Message-ID $d1; the 4 subscribers have 4 distinct ids"
else
	fail "re-send: dave has $nd copies with ids \"$(echo $d1)\"; $ndistinct distinct ids for 4 subscribers"
fi
expect_deliveries headers "$st" "$cfg" $((T0 + 100)) "0 pending 4 sent 0 bounced 0 dead 0 superseded"

# ======================================================================================
# 2. Matching: components and priority.
# ======================================================================================
echo "== 2 matching"
start s2
st=$tmp/st2
cfg=$tmp/c2.json
config "$cfg" "$port" 2 5
sub "$st" "$cfg" all@example.com
sub "$st" "$cfg" voice@example.com --components inbound-voice
sub "$st" "$cfg" rep@example.com --components reporting,email --priority P2
sub "$st" "$cfg" p1@example.com --priority P1
sub "$st" "$cfg" voicep1@example.com --components inbound-voice --priority P1
sub "$st" "$cfg" chat@example.com --components web-chat --priority P4
sub "$st" "$cfg" chatp3@example.com --components "web-chat agent-workspace" --priority P3
cat >"$tmp/s2.csv" <<'EOF'
email,state,components,min_priority
unsub@example.com,unsubscribed,,
bounced@example.com,bounced,,
pending@example.com,pending,,
csvrep@example.com,confirmed,reporting,P3
EOF
printf '%s\n' unsub@example.com bounced@example.com pending@example.com csvrep@example.com >>"$tmp/addresses"
must import2 "$st" "$cfg" "$T0" subscribers import "$tmp/s2.csv"
# Incident A: inbound-voice and reporting, P2. Incident B: web-chat, P4.
must openA "$st" "$cfg" "$T0" incident open --title "Match A voice and reporting" \
	--component inbound-voice=major_outage --component reporting=degraded_performance \
	--message "A: calls and reports" --priority P2
must openB "$st" "$cfg" "$T0" incident open --title "Match B chat" \
	--component web-chat=degraded_performance --message "B: chat slow" --priority P4
must mail2 "$st" "$cfg" "$T0" mail
expect_out mail2 '^2 mailings to 6 recipients; 6 sent'
stop s2
# by hand: A (P2; inbound-voice, reporting) reaches all (all, all), voice (inbound-voice, all),
# rep (reporting, P1-P2), csvrep (reporting, P1-P3); not p1, voicep1 (P1 only), chat, chatp3
# (other components). B (P4; web-chat) reaches all and chat (P1-P4); not chatp3 (P1-P3).
verify matchA count "$tmp/s2/out" --match "Match A" all@example.com=1 voice@example.com=1 \
	rep@example.com=1 csvrep@example.com=1
verify matchB count "$tmp/s2/out" --match "Match B" all@example.com=1 chat@example.com=1

# ======================================================================================
# 3. Faults from the real server.
# ======================================================================================
echo "== 3 faults"
# three subscribers x1..x3 of scenario NAME in state $st, config $cfg, one P1 incident at T0
three() { # NAME
	local n
	for n in 1 2 3; do sub "$st" "$cfg" "$1$n@example.com"; done
	must "$1-open" "$st" "$cfg" "$T0" incident open --title "Fault $1" \
		--component agent-workspace=major_outage --message "fault $1 incident" --priority P1
}

# 3a. 421 greeting to the first 2 connections: those 2 deliveries wait for the backoff
# (a minute, plus a spread of under 30 s), the third goes at once.
faults c421 '{"rules": [{"at": "connect", "first": 2, "reply": "421 4.3.2 too busy"}]}'
start c421 --faults "$tmp/c421.faults"
st=$tmp/st3a cfg=$tmp/c3a.json
config "$cfg" "$port" 1 5
three ca
must c421-1 "$st" "$cfg" "$T0" mail
expect_out c421-1 '^1 mailing to 3 recipients; 1 sent, 2 deferred'
must c421-2 "$st" "$cfg" $((T0 + 120)) mail
expect_out c421-2 '; 2 sent, 0 deferred'
stop c421
verify c421 count "$tmp/c421/out" ca1@example.com=1 ca2@example.com=1 ca3@example.com=1
[ "$(grep -c '^greet [0-9]* 421' "$tmp/c421/log")" -eq 2 ] && ok "c421: the server refused 2 connections" ||
	fail "c421: $(grep -c '^greet [0-9]* 421' "$tmp/c421/log") connections refused, expected 2"

# 3b. 451 at the end of the data of message 2: retried after the backoff, arrives once.
faults e451 '{"rules": [{"at": "end", "nth": [2], "reply": "451 4.3.0 try again later"}]}'
start e451 --faults "$tmp/e451.faults"
st=$tmp/st3b cfg=$tmp/c3b.json
config "$cfg" "$port" 2 5
three cb
must e451-1 "$st" "$cfg" "$T0" mail
expect_out e451-1 '^1 mailing to 3 recipients; 2 sent, 1 deferred'
must e451-0 "$st" "$cfg" $((T0 + 30)) mail
expect_out e451-0 '; 0 sent, 0 deferred'
must e451-2 "$st" "$cfg" $((T0 + 120)) mail
expect_out e451-2 '; 1 sent, 0 deferred'
stop e451
verify e451 count "$tmp/e451/out" cb1@example.com=1 cb2@example.com=1 cb3@example.com=1

# 3c. 550 at RCPT for cc2 (the reply names the address): cc2 is bounced, gets nothing now or
# later; cc1 and cc3 get both incidents.
faults r550 '{"rules": [{"at": "RCPT", "rcpt": ["cc2@example.com"], "reply": "550 5.1.1 <{rcpt}>: no such user here"}]}'
start r550 --faults "$tmp/r550.faults"
st=$tmp/st3c cfg=$tmp/c3c.json
config "$cfg" "$port" 2 5
three cc
must r550-1 "$st" "$cfg" "$T0" mail
expect_out r550-1 '^1 mailing to 3 recipients; 2 sent, 0 deferred, 1 bounced'
must r550-list "$st" "$cfg" "$T0" subscribers list
if grep -Eq '^[0-9]+ +cc2@example.com +bounced ' "$tmp/r550-list.out" &&
	[ "$(grep -Ec ' (cc1|cc3)@example.com +confirmed ' "$tmp/r550-list.out")" -eq 2 ]; then
	ok "r550: subscribers list shows cc2 bounced, cc1 and cc3 confirmed"
else
	fail "r550: subscribers list: $(cat "$tmp/r550-list.out")"
fi
grep -q 'c\*\*\*@example.com' "$tmp/r550-1.err" && ok "r550: the bounce is logged with the address masked" ||
	fail "r550: no masked address in the bounce log: $(cat "$tmp/r550-1.err")"
must r550-open2 "$st" "$cfg" $((T0 + 900)) incident open --title "Fault cc second" \
	--component agent-workspace=major_outage --message "second" --priority P1
must r550-2 "$st" "$cfg" $((T0 + 900)) mail
expect_out r550-2 '^1 mailing to 2 recipients; 2 sent'
stop r550
verify r550-first count "$tmp/r550/out" --match "Fault cc" --after 0 cc1@example.com=2 cc3@example.com=2
verify r550-second count "$tmp/r550/out" --match "second" cc1@example.com=1 cc3@example.com=1

# 3c'. 554 5.7.1 at the end of the data of message 1 (cg1's): the relay refused that
# message's content (RFC 3463: X.7.1 is delivery not authorised, message refused; an address
# that does not exist is X.1.1, at RCPT), not the address. That one mail is not delivered
# (a dead letter or retried), but cg1 stays subscribed and gets the next incident; cg2 and cg3
# get both. (A content filter that refuses one alert would otherwise unsubscribe every
# subscriber behind it for good.)
faults c554 '{"rules": [{"at": "end", "nth": [1], "reply": "554 5.7.1 message content refused"}]}'
start c554 --faults "$tmp/c554.faults"
st=$tmp/st3g cfg=$tmp/c3g.json
config "$cfg" "$port" 1 5
three cg
must c554-1 "$st" "$cfg" "$T0" mail
must c554-list "$st" "$cfg" "$T0" subscribers list
if grep -Eq '^[0-9]+ +cg1@example.com +confirmed ' "$tmp/c554-list.out"; then
	ok "c554: a refused message leaves cg1 confirmed"
else
	fail "c554: a 554 5.7.1 (content refused) after the data made cg1 $(grep -Eo 'cg1@example.com +[a-z]+' "$tmp/c554-list.out" | awk '{print $2}'): $(head -n1 "$tmp/c554-1.out")"
fi
must c554-open2 "$st" "$cfg" $((T0 + 900)) incident open --title "Fault cg second" \
	--component agent-workspace=major_outage --message "second" --priority P1
must c554-2 "$st" "$cfg" $((T0 + 900)) mail
stop c554
verify c554-second count "$tmp/c554/out" --match "second" cg1@example.com=1 cg2@example.com=1 cg3@example.com=1

# 3d. The connection cut after the data of message 2 (no reply): retried; the relay may have
# kept it, so it may arrive twice, never more.
faults drop '{"rules": [{"at": "end", "nth": [2], "reply": "drop"}]}'
start drop --faults "$tmp/drop.faults"
st=$tmp/st3d cfg=$tmp/c3d.json
config "$cfg" "$port" 1 5
three cd
must drop-1 "$st" "$cfg" "$T0" mail
expect_out drop-1 '^1 mailing to 3 recipients; 2 sent, 1 deferred'
must drop-2 "$st" "$cfg" $((T0 + 120)) mail
expect_out drop-2 '; 1 sent, 0 deferred'
stop drop
verify drop count "$tmp/drop/out" --dups 1 cd1@example.com=1 cd2@example.com=1 cd3@example.com=1
grep -q '^data [0-9]* 2 drop$' "$tmp/drop/log" && ok "drop: the server cut the connection after data 2" ||
	fail "drop: no drop in the server log"

# 3e. The relay down (nothing listens), then back. Backoff: 1 min, then 2 min (plus < 30 s).
dead=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
st=$tmp/st3e cfg=$tmp/c3e.json
config "$cfg" "$dead" 2 5
three ce
mkdir -p "$tmp/down/out"
must down-1 "$st" "$cfg" "$T0" mail
expect_out down-1 '^1 mailing to 3 recipients; 0 sent, 3 deferred'
grep -q 'deferred' "$tmp/down-1.err" && ok "down: stderr says deferred" || fail "down: stderr: $(cat "$tmp/down-1.err")"
expect_deliveries down "$st" "$cfg" "$T0" "3 pending 0 sent 0 bounced 0 dead 0 superseded"
must down-2 "$st" "$cfg" $((T0 + 120)) mail
expect_out down-2 '; 0 sent, 3 deferred'
start down --port "$dead"
must down-3 "$st" "$cfg" $((T0 + 180)) mail
expect_out down-3 '; 0 sent, 0 deferred'
[ "$(saved down)" -eq 0 ] && ok "down: at +3 min nothing is due yet (second backoff: 2 min)" ||
	fail "down: $(saved down) messages sent at +3 min, before the second backoff ran out"
must down-4 "$st" "$cfg" $((T0 + 300)) mail
expect_out down-4 '; 3 sent, 0 deferred'
stop down
verify down count "$tmp/down/out" ce1@example.com=1 ce2@example.com=1 ce3@example.com=1
expect_deliveries down "$st" "$cfg" $((T0 + 300)) "0 pending 3 sent 0 bounced 0 dead 0 superseded"

# 3f. max_attempts 2: two failed tries make dead letters; they stay dead until
# `outbox --retry-dead`, then arrive once.
dead=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
st=$tmp/st3f cfg=$tmp/c3f.json
config "$cfg" "$dead" 2 5 '{"max_attempts": 2}'
three cf
mkdir -p "$tmp/dl/out"
must dl-1 "$st" "$cfg" "$T0" mail
expect_out dl-1 '; 0 sent, 3 deferred, 0 bounced, 0 given up'
must dl-2 "$st" "$cfg" $((T0 + 120)) mail
expect_out dl-2 '; 0 sent, 0 deferred, 0 bounced, 3 given up'
expect_deliveries dead "$st" "$cfg" $((T0 + 120)) "0 pending 0 sent 0 bounced 3 dead 0 superseded"
if [ "$(grep -c '^  mailing 1 (incident:1) to #[0-9]* c\*\*\*@example.com: 2 attempts' "$tmp/outbox.out")" -eq 3 ]; then
	ok "dead: outbox lists the 3 dead letters (2 attempts, addresses masked)"
else
	fail "dead: outbox: $(cat "$tmp/outbox.out")"
fi
start dl --port "$dead"
must dl-3 "$st" "$cfg" $((T0 + 600)) mail
expect_out dl-3 '; 0 sent, 0 deferred'
[ "$(saved dl)" -eq 0 ] && ok "dead: dead letters are not retried by themselves" || fail "dead: $(saved dl) sent"
must dl-retry "$st" "$cfg" $((T0 + 600)) outbox --retry-dead
cat "$tmp/dl-retry.err" >>"$tmp/mail-stderr"
expect_out dl-retry '^0 outbox rows and 3 deliveries due again'
must dl-4 "$st" "$cfg" $((T0 + 600)) mail
expect_out dl-4 '; 3 sent, 0 deferred'
stop dl
verify dead count "$tmp/dl/out" cf1@example.com=1 cf2@example.com=1 cf3@example.com=1
expect_deliveries dead "$st" "$cfg" $((T0 + 600)) "0 pending 3 sent 0 bounced 0 dead 0 superseded"

# ======================================================================================
# 4. Crash: kill -9 mid-send, 1,000 recipients.
# ======================================================================================
echo "== 4 crash"
# A message the relay accepted but whose acknowledgement the killed sender had not yet
# committed is sent again by the next run. Only messages in flight can be in that state:
# with "parallel": N up to N messages (one per connection) may be re-sent; with parallel 1,
# at most one.
faults crash '{"rules": [{"at": "end", "sleep": 0.005}]}'
start crash --faults "$tmp/crash.faults"
st=$tmp/st4 cfg=$tmp/c4.json
config "$cfg" "$port" 1 5
"$py" - "$tmp/s4.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,state,components,min_priority\n")
    for i in range(1, 1001):
        f.write("crash%04d@example.com,confirmed,,\n" % i)
EOF
echo crash0001@example.com >>"$tmp/addresses"
must import4 "$st" "$cfg" "$T0" subscribers import "$tmp/s4.csv"
expect_out import4 '^imported 1000 subscribers'
must open4 "$st" "$cfg" "$T0" incident open --title "Crash test" \
	--component inbound-voice=major_outage --message "crash incident" --priority P1
t0=$(date +%s%N)
"$bin" --state-dir "$st" --config "$cfg" --now "$(iso "$T0")" mail >"$tmp/crash-1.out" 2>"$tmp/crash-1.err" &
bgpid=$!
i=0
while [ "$(grep -c '^saved ' "$tmp/crash/log" 2>/dev/null || true)" -lt 300 ]; do
	kill -0 "$bgpid" 2>/dev/null || break
	[ $i -lt 1200 ] || break
	sleep 0.05
	i=$((i + 1))
done
kill -9 "$bgpid" 2>/dev/null && killed=1 || killed=0
{ wait "$bgpid"; } 2>/dev/null || true
bgpid=""
cat "$tmp/crash-1.err" >>"$tmp/mail-stderr"
before=$(grep -c '^saved ' "$tmp/crash/log" || true)
if [ $killed -eq 1 ] && [ "$before" -ge 250 ] && [ "$before" -lt 1000 ]; then
	ok "crash: killed -9 after $before of 1000 messages were accepted ($((($(date +%s%N) - t0) / 1000000)) ms)"
else
	fail "crash: could not kill the sender mid-send (killed=$killed, $before accepted)"
fi
t0=$(date +%s%N)
must crash-2 "$st" "$cfg" $((T0 + 100)) mail
ms=$((($(date +%s%N) - t0) / 1000000))
expect_out crash-2 '^0 mailings to 0 recipients; [0-9]+ sent, 0 deferred'
echo "info: crash: the second run sent $(sed -n 's/.*; \([0-9]*\) sent.*/\1/p' "$tmp/crash-2.out") in $ms ms"
stop crash
"$py" - "$tmp/s4.expect" <<'EOF'
import sys
open(sys.argv[1], "w").write("\n".join("crash%04d@example.com=1" % i for i in range(1, 1001)) + "\n")
EOF
mapfile -t want4 <"$tmp/s4.expect"
verify crash count "$tmp/crash/out" --dups 1 "${want4[@]}"
expect_deliveries crash "$st" "$cfg" $((T0 + 100)) "0 pending 1000 sent 0 bounced 0 dead 0 superseded"

# ======================================================================================
# 5. The batch window (email.batch_window, default 10 min) and a superseding resolution.
# ======================================================================================
echo "== 5 window"
# The mail that carries update 4 is refused once (451): it is still owed when the incident is
# resolved, and the resolution's mail replaces it.
faults win '{"rules": [{"at": "end", "match": "U4-MARKER", "times": 1, "reply": "451 4.3.0 try later"}]}'
start win --faults "$tmp/win.faults"
st=$tmp/st5 cfg=$tmp/c5.json
config "$cfg" "$port" 1 5
sub "$st" "$cfg" win@example.com
must w-open "$st" "$cfg" "$T0" incident open --title "Window incident" \
	--component web-chat=partial_outage --message "U1 first we look" --priority P2
must w-mail0 "$st" "$cfg" "$T0" mail
expect_out w-mail0 '^1 mailing to 1 recipient; 1 sent'
must w-up2 "$st" "$cfg" $((T0 + 20)) incident update 1 --status identified --message "U2 cause found"
must w-up3 "$st" "$cfg" $((T0 + 40)) incident update 1 --status monitoring --message "U3 fix deployed"
must w-mail1 "$st" "$cfg" $((T0 + 60)) mail
expect_out w-mail1 "^0 mailings to 0 recipients; 0 sent.*more due at $(iso $((T0 + 600)))"
[ "$(saved win)" -eq 1 ] && ok "window: at +1 min nothing new was sent" || fail "window: $(saved win) messages at +1 min"
must w-mail10 "$st" "$cfg" $((T0 + 600)) mail
expect_out w-mail10 '^1 mailing to 1 recipient; 1 sent'
# update 4 after that mail: due at +20 min (window from the last mail), refused once by the relay
must w-up4 "$st" "$cfg" $((T0 + 660)) incident update 1 --status monitoring --message "U4-MARKER still watching"
must w-mail20 "$st" "$cfg" $((T0 + 1200)) mail
expect_out w-mail20 '^1 mailing to 1 recipient; 0 sent, 1 deferred'
must w-resolve "$st" "$cfg" $((T0 + 1230)) incident resolve 1 --message "R5 all fixed"
# +30 min: the resolution is planned (window from +20 min), the undelivered update-4 mail is
# superseded for this subscriber, and only the resolution goes out: it shows the incident's
# updates so far, so what the replaced mail said (U4) is in it.
must w-mail30 "$st" "$cfg" $((T0 + 1800)) mail
expect_out w-mail30 '^1 mailing to 1 recipient; 1 sent, 0 deferred'
must w-mail40 "$st" "$cfg" $((T0 + 2400)) mail
expect_out w-mail40 '^0 mailings to 0 recipients; 0 sent, 0 deferred'
stop win
verify window seq "$tmp/win/out" win@example.com \
	"Investigating: Window incident|U1 first we look" \
	"Monitoring: Window incident|U2 cause found|U3 fix deployed" \
	"Resolved: Window incident|R5 all fixed|U4-MARKER still watching"
expect_deliveries window "$st" "$cfg" $((T0 + 2400)) "0 pending 3 sent 0 bounced 0 dead 1 superseded"

# ======================================================================================
# 6. The Maildir default, with a replayed AWS event.
# ======================================================================================
echo "== 6 maildir"
# What AWS served (scripts/quickstart): the recorded feeds; every other feed CLICK needs is
# the recorded empty feed.
mkdir -p "$tmp/rss"
"$bin" feeds >"$tmp/slugs"
while read -r slug; do cp "$src/feeds/recorded/empty.rss" "$tmp/rss/$slug.rss"; done <"$tmp/slugs"
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/ec2-us-east-1.rss" \
	"$src/feeds/recorded/currentevents" "$tmp/rss/"
www=$("$here/nginx.sh" start "$tmp/rss" "$tmp/nginx")
st=$tmp/st6 cfg=$tmp/c6.json
config "$cfg" - 0 0
sub "$st" "$cfg" ops@example.com
# all.rss: Direct Connect eu-central-1 (CLICK's eu-contact-centre) "Service impact" updates
# posted 09:25 PDT (16:25Z), 10:59 PDT (17:59Z), 14:00 PDT (21:00Z), then "[RESOLVED]"
# 21:01 PDT (04:01Z on the 18th). A poll just after each (the fourth, past the three the
# task names, to see the resolution mailed) and `mail` after it.
for t in 2026-08-17T16:30:00Z 2026-08-17T18:05:00Z 2026-08-17T21:05:00Z 2026-08-18T04:05:00Z; do
	e=$(date -u -d "$t" +%s)
	cs poll6 "$st" "$cfg" "$e" poll --once --no-render --feed-base-url "http://127.0.0.1:$www/"
	[ $rc -eq 0 ] || fail "poll at $t exited $rc: $(tail -n 3 "$tmp/poll6.err")"
	must mail6 "$st" "$cfg" "$e" mail
	expect_out mail6 '^1 mailing to 1 recipient; 1 sent'
done
"$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
verify maildir seq "$st/mail" ops@example.com --maildir --headers \
	"Investigating: EU contact centre (Frankfurt)|Increased Packet loss|We continue to work on phased remediation incrementally at the Equinix FR5 location" \
	"EU contact centre (Frankfurt)|We are seeing broad signs of recovery at the Equinix FR5 location" \
	"EU contact centre (Frankfurt)|We continue to work on bringing affected hardware back online" \
	"Resolved: EU contact centre (Frankfurt)|Increased Packet loss"

# ======================================================================================
# No address in the logs.
# ======================================================================================
echo "== logs"
leaks=0
while read -r a; do
	if grep -qF "$a" "$tmp/mail-stderr"; then
		fail "logs: the address $a is in the stderr of clickstatus mail/outbox"
		leaks=$((leaks + 1))
	fi
done <"$tmp/addresses"
# also any address-looking word that is not masked
if grep -Eo '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+' "$tmp/mail-stderr" | grep -Ev '^[^@]\*\*\*@|^status@' | sort -u | head -5 | grep -q .; then
	fail "logs: unmasked addresses: $(grep -Eo '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+' "$tmp/mail-stderr" | grep -Ev '^[^@]\*\*\*@|^status@' | sort -u | head -5 | tr '\n' ' ')"
	leaks=$((leaks + 1))
fi
[ $leaks -eq 0 ] && ok "logs: $(wc -l <"$tmp/mail-stderr") lines of mail/outbox stderr, no subscriber address but masked ones"

if [ $failures -gt 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all mail delivery checks passed"
