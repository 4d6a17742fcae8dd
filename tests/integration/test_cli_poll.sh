#!/usr/bin/env bash
# test_cli_poll.sh: the whole poll cycle through the real binary against real nginx and faultserver.py on loopback.
#
#   test_cli_poll.sh PATH/TO/clickstatus
#
# 1. nginx serves recorded feeds: the first poll fetches and judges them.
# 2. A second poll gets 304s and parses nothing; nothing changes.
# 3. Seven feeds are routed (by nginx, proxy_pass) to the fault server's
#    faults: 404, 500, a hung connection, a 1 byte/s trickle, an endless
#    chunked body, a gzip bomb and a redirect to file://. Each gives one
#    clear error naming that feed only; the other feeds are read; every
#    component keeps its previous status; the cycle is bounded in time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-cli-it.XXXXXX")
fault_pid=""
nginx_pid=""
cleanup() {
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
	if [ -s "$tmp/nginx/nginx.pid" ]; then kill "$(cat "$tmp/nginx/nginx.pid")" 2>/dev/null || true; fi
	if [ -n "$fault_pid" ]; then kill "$fault_pid" 2>/dev/null || true; wait "$fault_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${KEEP_LOGS:-}" ] && trap "cat \"$tmp\"/poll*.log; cleanup" EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now=2026-08-17T20:00:00Z

# A configuration that is CLICK's with short timeouts, so the faults end fast.
python3 - "$src/feeds/click.json" "$tmp/click.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["timeout_connect"] = 2
c["timeout_total"] = 4
c["max_feed_bytes"] = 1 << 20
json.dump(c, open(sys.argv[2], "w"))
EOF
cs() { "$bin" --config "$tmp/click.json" --state-dir "$tmp/state" --now "$now" "$@"; }

mkdir -p "$tmp/www" "$tmp/nginx"
for slug in $(cs feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/currentevents" "$tmp/www/"

python3 "$here/faultserver.py" >"$tmp/fault.port" 2>"$tmp/fault.log" &
fault_pid=$!
for _ in $(seq 100); do [ -s "$tmp/fault.port" ] && break; sleep 0.05; done
fport=$(head -n1 "$tmp/fault.port")
[ -n "$fport" ] || fail "faultserver did not start: $(cat "$tmp/fault.log")"

good=$(free_port)
bad=$(free_port)
faults=(connect-us-east-1:404 lambda-us-east-1:500 lex-us-east-1:hang polly-us-east-1:trickle
	kinesis-us-east-1:endless sqs-us-east-1:redirect-file)
# The gzip bomb is a feed-looking document (so only the size cap can stop
# it): 64 KiB on the wire, 64 MiB once inflated.
python3 - "$tmp/bomb.rss.gz" <<'EOF2'
import gzip, sys
head = b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>'
gzip.open(sys.argv[1], "wb", 9).write(head + b" " * (64 << 20))
EOF2
locs=""
for f in "${faults[@]}"; do
	locs="$locs location = /${f%%:*}.rss { proxy_pass http://127.0.0.1:$fport/${f##*:}; }
"
done
user=""
[ "$(id -u)" = 0 ] && user="user $(id -un) $(id -gn);"
cat >"$tmp/nginx/nginx.conf" <<EOF
$user
daemon on;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/cb; proxy_temp_path $tmp/nginx/px;
    fastcgi_temp_path $tmp/nginx/fc; uwsgi_temp_path $tmp/nginx/uw; scgi_temp_path $tmp/nginx/sc;
    default_type application/octet-stream;
    types { application/rss+xml rss; }
    etag on;
    proxy_buffering off;
    proxy_read_timeout 300s;
    server { listen 127.0.0.1:$good; root $tmp/www; }
    server { listen 127.0.0.1:$bad; root $tmp/www;
$locs        location = /s3-us-east-1.rss { alias $tmp/bomb.rss.gz; add_header Content-Encoding gzip; }
    }
}
EOF
/usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" 2>"$tmp/nginx/start.log" ||
	fail "nginx did not start: $(cat "$tmp/nginx/start.log")"

# 1. First poll: everything fetched and judged.
cs poll --once --feed-base-url "http://127.0.0.1:$good/" 2>"$tmp/poll1.log" || fail "first poll: $(cat "$tmp/poll1.log")"
grep -q "31 documents: 31 fetched, 0 unchanged, 0 failed" "$tmp/poll1.log" || fail "first poll report: $(cat "$tmp/poll1.log")"
cs status --json >"$tmp/status1.json"
python3 - "$tmp/status1.json" <<'EOF' || fail "status after first poll"
import json, sys
s = json.load(open(sys.argv[1]))
st = {c["id"]: c["status"] for c in s["components"] if not c["group"]}
assert len(st) == 12, st
assert st["eu-contact-centre"] == "degraded_performance", st
assert all(v == "operational" for k, v in st.items() if k != "eu-contact-centre"), st
assert s["status"]["indicator"] == "minor", s["status"]
eu = [c for c in s["components"] if c["id"] == "eu-contact-centre"][0]
assert eu["causes"][0]["slug"] == "directconnect-eu-central-1", eu
assert s["page"]["data_verified_at"] == "2026-08-17T20:00:00Z", s["page"]
EOF
echo "ok 1 first poll: 31 documents fetched, EU contact centre degraded by Direct Connect eu-central-1"

# 2. Second poll: all 304, nothing parsed, nothing changed.
cs poll --once --feed-base-url "http://127.0.0.1:$good/" 2>"$tmp/poll2.log" || fail "second poll: $(cat "$tmp/poll2.log")"
grep -q "31 documents: 0 fetched, 31 unchanged, 0 failed, 0 backing off; 0 new items, 0 edited; 0 components changed" \
	"$tmp/poll2.log" || fail "second poll report: $(cat "$tmp/poll2.log")"
echo "ok 2 second poll: 31 x 304, no item parsed, no change"

# 3. Faults on seven feeds.
start=$(date +%s)
rc=0
cs poll --once --feed-base-url "http://127.0.0.1:$bad/" 2>"$tmp/poll3.log" || rc=$?
elapsed=$(( $(date +%s) - start ))
[ $rc -eq 1 ] || fail "a poll with failing feeds must exit 1, got $rc"
[ $elapsed -le 20 ] || fail "faults took ${elapsed}s: one slow feed held the others"
grep -q "31 documents: 24 fetched, 0 unchanged, 7 failed" "$tmp/poll3.log" || fail "fault poll report: $(cat "$tmp/poll3.log")"
[ "$(grep -c '^error poll:' "$tmp/poll3.log")" -eq 7 ] || fail "want one error line per failing feed: $(cat "$tmp/poll3.log")"
for f in "${faults[@]}" s3-us-east-1:gzipbomb; do
	[ "$(grep '^error poll:' "$tmp/poll3.log" | grep -c "/${f%%:*}.rss")" -eq 1 ] ||
		fail "no single error naming ${f%%:*}: $(cat "$tmp/poll3.log")"
done
grep "/connect-us-east-1.rss" "$tmp/poll3.log" | grep -q 404 || fail "404 not named"
grep "/lambda-us-east-1.rss" "$tmp/poll3.log" | grep -q 500 || fail "500 not named"
grep "/s3-us-east-1.rss" "$tmp/poll3.log" | grep -qi "large\|bytes\|limit" || fail "gzip bomb not named as too large"
grep "/sqs-us-east-1.rss" "$tmp/poll3.log" | grep -qi "file" || fail "redirect to file:// not named"
grep "/kinesis-us-east-1.rss" "$tmp/poll3.log" | grep -qi "larger than the limit" || fail "endless body not stopped by the size cap"
cs status --json >"$tmp/status3.json"
python3 - "$tmp/status1.json" "$tmp/status3.json" <<'EOF' || fail "components changed after feed faults"
import json, sys
a = {c["id"]: c["status"] for c in json.load(open(sys.argv[1]))["components"]}
b = {c["id"]: c["status"] for c in json.load(open(sys.argv[2]))["components"]}
assert len(a) > 12
assert a == b, (a, b)
EOF
echo "ok 3 seven faults: one clear error each, ${elapsed}s, 24 other documents read, every component kept its status"

# 4. The failing feeds back off: the next poll skips them.
cs poll --once --feed-base-url "http://127.0.0.1:$good/" 2>"$tmp/poll4.log" || true
grep -q "7 backing off" "$tmp/poll4.log" || fail "failing feeds do not back off: $(cat "$tmp/poll4.log")"
cs poll --once --force --feed-base-url "http://127.0.0.1:$good/" 2>"$tmp/poll5.log" || fail "forced poll: $(cat "$tmp/poll5.log")"
grep -q "0 failed, 0 backing off" "$tmp/poll5.log" || fail "forced poll report: $(cat "$tmp/poll5.log")"
echo "ok 4 failing feeds back off; --force fetches them, all good again"

# 5. A URL the poller would refuse is a usage error before anything is fetched or stored.
for opt in --feed-base-url --currentevents-url; do
	rc=0
	cs poll --once "$opt" "ftp://127.0.0.1:$good/x" 2>"$tmp/poll6.log" || rc=$?
	[ "$rc" = 2 ] || fail "$opt ftp://: exit $rc, want 2"
	grep -q -e "$opt: ftp://127.0.0.1:$good/x: refused" "$tmp/poll6.log" ||
		fail "$opt ftp://: message: $(cat "$tmp/poll6.log")"
done
echo "ok 5 a refused --feed-base-url or --currentevents-url is a usage error"
echo "5 passed, 0 failed"
