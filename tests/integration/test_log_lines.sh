#!/usr/bin/env bash
# test_log_lines.sh: text from AWS cannot forge a log line. A feed item whose title carries
# a newline and a fake "error poll: ..." line is logged (unknown title prefix) on ONE line,
# with the control bytes written as \xNN (real nginx on loopback). With --syslog the same
# line goes to syslog(3), facility daemon at the warning priority, and nothing to stderr:
# /dev/log is, in a private mount namespace, a datagram socket this test reads. With nothing
# on /dev/log, one warning and the lines on stderr (not lost).
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

# 2. --syslog. glibc's syslog(3) writes to /dev/log; here /dev is a tmpfs of a private mount
# namespace holding the nodes a run needs and /dev/log, a link to the socket read below.
if [ "$(id -u)" = 0 ]; then ns=(unshare -m --propagation private); else ns=(unshare -rm --propagation private); fi
"${ns[@]}" true 2>/dev/null || fail "--syslog: cannot make a private mount namespace (${ns[*]})"
python3 - "$tmp/log.sock" "$tmp/syslog" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
end = time.time() + 30
with open(sys.argv[2], "wb") as out:
    while time.time() < end:
        try:
            out.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
            out.flush()
        except socket.timeout:
            pass
PY
reader=$!
for _ in $(seq 50); do [ -S "$tmp/log.sock" ] && break; sleep 0.1; done
mkdir -p "$tmp/hostdev"
# poll_in_private_dev LINK STATE-DIR: one poll with --syslog, /dev/log linked to the
# socket when LINK is 1, absent when 0; stderr into $tmp/log-STATE-DIR.
poll_in_private_dev() {
	"${ns[@]}" bash -c '
		set -e
		mount --rbind /dev "$1/hostdev"
		mount -t tmpfs -o size=1m tmpfs /dev
		for n in null zero random urandom; do
			touch "/dev/$n"; mount --bind "$1/hostdev/$n" "/dev/$n"
		done
		[ "$2" = 0 ] || ln -s "$1/log.sock" /dev/log
		shift 2
		exec "$@"' sh "$tmp" "$1" "$bin" --syslog --state-dir "$tmp/$2" \
		--now 2026-08-17T20:00:00Z poll --once --no-render \
		--feed-base-url "http://127.0.0.1:$port/" 2>"$tmp/log-$2" || true
}
poll_in_private_dev 1 st2
for _ in $(seq 20); do grep -q 'unknown title prefix' "$tmp/syslog" 2>/dev/null && break; sleep 0.1; done
kill "$reader" 2>/dev/null || true
wait "$reader" 2>/dev/null || true
[ ! -s "$tmp/log-st2" ] || { cat "$tmp/log-st2" >&2; fail "--syslog: lines were written to stderr"; }
# <28>: facility daemon (3) * 8 + warning (4); the tag and pid, then level and subsystem.
grep -Eq '^<28>.* clickstatus\[[0-9]+\]: warning classify: .*packet loss\\x0d\\x0aerror poll: forged line' \
	"$tmp/syslog" || { cat "$tmp/syslog" >&2; fail "--syslog: the warning did not reach syslog as daemon.warning"; }
echo "ok 2 --syslog: the line reaches syslog (daemon.warning), escaped, and stderr stays empty"

# 3. --syslog where nothing listens on /dev/log (a container, a chroot): syslog(3) would drop
# every line unseen; they go to stderr instead, after one warning that says so.
poll_in_private_dev 0 st3
head -n 1 "$tmp/log-st3" | grep -q '^warning log: --syslog: cannot reach /dev/log (No such file or directory).*logging to stderr instead' ||
	{ cat "$tmp/log-st3" >&2; fail "--syslog without /dev/log: no warning first on stderr"; }
grep -q '^warning classify: .*unknown title prefix' "$tmp/log-st3" ||
	{ cat "$tmp/log-st3" >&2; fail "--syslog without /dev/log: the log lines were lost"; }
echo "ok 3 --syslog with nothing on /dev/log: one warning, then the lines on stderr"
echo "3 passed, 0 failed"
