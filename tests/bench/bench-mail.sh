#!/bin/bash
# bench-mail.sh: the email fan-out through the binary (`clickstatus mail`: plan the
# mailing, claim, build each message with GMime, send, acknowledge each in SQLite)
# against Postfix's smtp-source sending into the same smtp-sink, same run.
#
#   tests/bench/bench-mail.sh        (env: RUNS=3 BUILD=<dir>)
#
# 1. One P1 incident update to 10,000 confirmed subscribers, relay smtp-sink on
#    127.0.0.1 with email.smtp.parallel 10: messages / wall time of `clickstatus mail`,
#    against `smtp-source -s 10 -d -m 10000 -l 4096` (10 sessions, 4 KB bodies, one
#    message after another on each session) into the same sink.      target >= 0.25
#    Also: the same smtp-source with bodies of our message's size, and the plan step
#    alone (the same pass against a closed port: the mailing and its 10,000
#    deliveries are written, the first batch is refused and the pass stops).
# 2. Memory: peak RSS of the same pass at 1,000 and 10,000 subscribers.
#                                                  target: flat (not ~10x)
# 3. The same 10,000 into the Maildir <state-dir>/mail (no relay): messages/s.
# The sink's counter (smtp-sink -c) is read before and after every pass: each pass
# must have delivered every message. Figures are medians of RUNS runs (wall clock
# around the process), ours and the anchor alternated; every state directory is a
# fresh copy of one prepared before the timings. Only 127.0.0.1 is contacted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
RUNS=${RUNS:-3}
BUILD=${BUILD:-$src/build-bench}
NOW=2026-03-02T15:00:00Z

for t in smtp-sink smtp-source bc python3; do
	command -v "$t" >/dev/null || { echo "bench-mail: $t not installed (scripts/install-deps --bench)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench-mail: /usr/bin/time not installed" >&2; exit 1; }

# Always build: an old binary left in the build directory would measure old code.
cmake -S "$src" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target clickstatus -j2 >/dev/null
CS="$BUILD/clickstatus"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-bench-mail.XXXXXX")
sink_pid=""
cleanup() {
	if [ -n "$sink_pid" ]; then
		kill "$sink_pid" 2>/dev/null || true
		wait "$sink_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { echo "${EPOCHREALTIME/,/.}"; }
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%.4f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { echo "scale=2; $1 / $2" | bc -l | sed 's/^\./0./'; }
rate() { echo "scale=0; $1 / $2" | bc -l; }

# The sink: counters on (-c: "sess=N quit=N mesg=N", rewritten after a CR); it drops
# privileges when started as root (it refuses to run as root without -u).
port=$(free_port)
user=()
[ "$(id -u)" -eq 0 ] && user=(-u nobody)
smtp-sink -c "${user[@]}" "127.0.0.1:$port" 1000 >"$tmp/sink.out" 2>"$tmp/sink.err" &
sink_pid=$!
for _ in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null && break
	sleep 0.1
done
# sink_count: messages the sink has received so far (its counters are cumulative).
sink_count() { tr '\r' '\n' <"$tmp/sink.out" | awk -F'mesg=' 'NF > 1 { n = $2 + 0 } END { print n + 0 }'; }
# sink_settle BEFORE N: waits (at most 5 s) until the sink has counted N more than BEFORE.
sink_settle() {
	local want=$(($1 + $2)) i
	for i in $(seq 50); do
		[ "$(sink_count)" -ge "$want" ] && return 0
		sleep 0.1
	done
	return 1
}
closed=$(free_port)   # nothing listens there

# Configurations: feeds/click.json with the relay, with a closed port, and as it is.
python3 - "$src/feeds/click.json" "$tmp" "$port" "$closed" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
json.dump(c, open(sys.argv[2] + "/maildir.json", "w"))
for name, port in (("smtp", sys.argv[3]), ("closed", sys.argv[4])):
    c["email"]["smtp"] = {"url": "smtp://127.0.0.1:%s" % port, "parallel": 10}
    json.dump(c, open("%s/%s.json" % (sys.argv[2], name), "w"))
EOF

# prepare N: a state directory $tmp/st-N with N confirmed subscribers and one P1
# incident opened at NOW (its first update is the email outbox row to fan out).
prepare() {
	local n=$1 d="$tmp/st-$1"
	python3 -c "import sys
print('email')
for i in range(1, int(sys.argv[1]) + 1): print('user%05d@example.com' % i)" "$n" >"$tmp/subs-$n.csv"
	"$CS" --config "$tmp/maildir.json" --state-dir "$d" --now "$NOW" subscribers import "$tmp/subs-$n.csv" >/dev/null
	"$CS" --config "$tmp/maildir.json" --state-dir "$d" --now "$NOW" incident open \
		--title "Inbound calls failing" --component inbound-voice=major_outage --priority P1 \
		--message "Calls to our numbers fail with a busy tone; we are investigating." >/dev/null
}
prepare 1000
prepare 10000

# pass CFG N: one `clickstatus mail` on a fresh copy of st-N; prints "seconds rss_kb sent".
pass() {
	local cfg=$1 n=$2 d="$tmp/run" t0 t1 out sent
	rm -rf "$d"
	cp -a "$tmp/st-$n" "$d"
	sync
	t0=$(now)
	out=$(/usr/bin/time -f '%M' -o "$tmp/rss" "$CS" --config "$cfg" --state-dir "$d" --now "$NOW" mail 2>"$tmp/mail.err") || {
		echo "bench-mail: clickstatus mail failed:" >&2; cat "$tmp/mail.err" >&2; exit 1; }
	t1=$(now)
	sent=$(echo "$out" | sed -n 's/.*; \([0-9]*\) sent,.*/\1/p')
	echo "$(echo "$t1 - $t0" | bc -l) $(tail -1 "$tmp/rss") ${sent:-0}"
}
# smtp MSGS BYTES: smtp-source's 10 sessions, MSGS messages of BYTES of body; seconds.
smtp() {
	local t0 t1
	t0=$(now)
	smtp-source -s 10 -d -m "$1" -l "$2" -f bench@example.com -t sink@example.com "127.0.0.1:$port"
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
# checked_smtp_pass N: pass via the relay, then the sink must have counted N more.
checked_smtp_pass() {
	local before r
	before=$(sink_count)
	r=$(pass "$tmp/smtp.json" "$1")
	set -- "$1" $r
	if [ "$4" != "$1" ] || ! sink_settle "$before" "$1"; then
		echo "bench-mail: a pass sent $4 of $1; the sink counted $(($(sink_count) - before))" >&2
		exit 1
	fi
	echo "$2 $3"
}

# The message we send: the Maildir holds it with LF line ends, the wire with CRLF.
pass "$tmp/maildir.json" 1000 >/dev/null
msgsize=$(python3 -c 'import os, sys
d = sys.argv[1]; fs = sorted(os.listdir(d))[:100]
b = [open(os.path.join(d, f), "rb").read() for f in fs]
print(sum(len(x) + x.count(b"\n") for x in b) // len(b))' "$tmp/run/mail/new")

echo "machine: $(nproc) cores; $(uname -r); Postfix $(postconf -d mail_version 2>/dev/null | sed 's/.*= //');" \
	"libcurl $(pkg-config --modversion libcurl); GMime $(pkg-config --modversion gmime-3.0);" \
	"SQLite $(pkg-config --modversion sqlite3); RUNS=$RUNS"
echo "message: ours ${msgsize} bytes on the wire (headers, text and HTML parts, quoted-printable);" \
	"smtp-source -l 4096: 4096 bytes of body plus its few headers"

# Warm-up (page cache, the sink's first connections).
smtp 2000 4096 >/dev/null
checked_smtp_pass 1000 >/dev/null

a=""; b=""; c=""; p=""; m1=""; m10=""
for _ in $(seq "$RUNS"); do
	a+="$(smtp 10000 4096)"$'\n'
	r=$(checked_smtp_pass 10000)
	b+="${r% *}"$'\n'; m10+="${r#* }"$'\n'
	c+="$(smtp 10000 "$msgsize")"$'\n'
	r=$(checked_smtp_pass 1000)
	m1+="${r#* }"$'\n'
	r=$(pass "$tmp/closed.json" 10000)
	p+="${r%% *}"$'\n'
done
anchor=$(printf '%s' "$a" | median); ours=$(printf '%s' "$b" | median)
same=$(printf '%s' "$c" | median); plan=$(printf '%s' "$p" | median)
ar=$(rate 10000 "$anchor"); or=$(rate 10000 "$ours"); sr=$(rate 10000 "$same")
echo "1. fan-out of one update to 10,000 subscribers into smtp-sink (parallel 10):"
echo "   clickstatus mail ${ours} s = ${or} msg/s; smtp-source -s 10 -d -l 4096 ${anchor} s = ${ar} msg/s:" \
	"ratio $(ratio "$or" "$ar") (target >= 0.25)"
echo "   smtp-source with our size (-l ${msgsize}) ${same} s = ${sr} msg/s: ratio $(ratio "$or" "$sr")"
echo "   of which the plan step (mailing + 10,000 deliveries written; same pass against a closed port): ${plan} s;" \
	"the sending $(rate 10000 "$(echo "$ours - $plan" | bc -l)") msg/s"
r1=$(printf '%s' "$m1" | median); r10=$(printf '%s' "$m10" | median)
echo "2. peak RSS of the pass: 1,000 subscribers ${r1%.*} KB, 10,000 subscribers ${r10%.*} KB:" \
	"x$(ratio "$r10" "$r1") for 10x the subscribers (target: flat)"

d=""
for _ in $(seq "$RUNS"); do
	r=$(pass "$tmp/maildir.json" 10000)
	set -- $r
	got=$(find "$tmp/run/mail/new" -type f | wc -l)
	if [ "$3" != 10000 ] || [ "$got" != 10000 ]; then
		echo "bench-mail: the Maildir pass sent $3, $got files in mail/new" >&2
		exit 1
	fi
	d+="$1"$'\n'
done
md=$(printf '%s' "$d" | median)
echo "3. the same 10,000 into the Maildir: ${md} s = $(rate 10000 "$md") msg/s (no target)"
echo "(the sink counted $(sink_count) messages in all, $((2000 + 1000 + RUNS * 31000)) expected)"
