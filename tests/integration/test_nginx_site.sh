#!/usr/bin/env bash
# test_nginx_site.sh: the shipped contrib/nginx-status-site.conf serving a site the binary
# published, on loopback: content types, the API open to other origins, the release
# manifest hidden, and a re-render seen at once through the swapped symlink.
#
#   test_nginx_site.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-nginx-site.XXXXXX")
cleanup() {
	"$here/nginx.sh" stop "$tmp/feeds-nginx" >/dev/null 2>&1 || true
	[ -s "$tmp/site-nginx/nginx.pid" ] && kill "$(cat "$tmp/site-nginx/nginx.pid")" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A published site: the recorded feeds, replayed at two moments.
mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/currentevents" "$tmp/www/"
fport=$("$here/nginx.sh" start "$tmp/www" "$tmp/feeds-nginx")
poll() { "$bin" --state-dir "$tmp/state" --now "$1" poll --once --force --feed-base-url "http://127.0.0.1:$fport/" 2>/dev/null; }
poll 2026-08-14T12:00:00Z

# The shipped server block, on a loopback port, with the site of this test as its root.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/site-nginx"
user=""
[ "$(id -u)" = 0 ] && user="user $(id -un) $(id -gn);"
sed -e "s|listen 80;|listen 127.0.0.1:$port;|" -e "s|/var/lib/clickstatus/site/current|$tmp/state/site/current|" \
	"$src/contrib/nginx-status-site.conf" >"$tmp/site-nginx/server.conf"
grep -q "listen 127.0.0.1:$port;" "$tmp/site-nginx/server.conf" || fail "the shipped snippet changed its listen line"
cat >"$tmp/site-nginx/nginx.conf" <<EOF2
$user
daemon on;
pid $tmp/site-nginx/nginx.pid;
error_log $tmp/site-nginx/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $tmp/site-nginx/cb; proxy_temp_path $tmp/site-nginx/px;
    fastcgi_temp_path $tmp/site-nginx/fc; uwsgi_temp_path $tmp/site-nginx/uw; scgi_temp_path $tmp/site-nginx/sc;
    include $tmp/site-nginx/server.conf;
}
EOF2
/usr/sbin/nginx -c "$tmp/site-nginx/nginx.conf" -e "$tmp/site-nginx/error.log" || fail "nginx refused the shipped snippet"
base="http://127.0.0.1:$port"

# head_of PATH HEADER: the value of a response header
head_of() { curl -s -o /dev/null -D - "$base$1" | tr -d '\r' | awk -F': ' -v h="$2" 'tolower($1) == tolower(h) { print $2 }'; }
code_of() { curl -s -o /dev/null -w '%{http_code}' "$base$1"; }
[ "$(code_of /)" = 200 ] || fail "/ is not served"
case "$(head_of / Content-Type)" in text/html*) ;; *) fail "index is not text/html" ;; esac
[ "$(head_of /api/v2/summary.json Content-Type)" = "application/json; charset=utf-8" ] ||
	[ "$(head_of /api/v2/summary.json Content-Type)" = "application/json" ] || fail "summary.json is not JSON"
[ "$(head_of /api/v2/summary.json Access-Control-Allow-Origin)" = "*" ] || fail "the API is closed to other origins"
case "$(head_of /history.atom Content-Type)" in application/atom+xml*) ;; *) fail "history.atom type" ;; esac
case "$(head_of /history.rss Content-Type)" in application/rss+xml*) ;; *) fail "history.rss type" ;; esac
[ "$(head_of /api/v2/summary.json Cache-Control)" = "no-cache" ] || fail "the API may be cached stale"
[ -n "$(head_of /api/v2/summary.json ETag)" ] || fail "no ETag to revalidate with"
[ "$(code_of /.manifest)" = 404 ] || fail "the release manifest is served"
curl -s "$base/api/v2/summary.json" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]["indicator"] == "none", d["status"]' ||
	fail "the first render does not say all is well"
echo "ok 1 the shipped nginx snippet serves the site: types, CORS on the API, no-cache with ETag, manifest hidden"

# A later moment: the Direct Connect event is on; the same nginx serves the new release.
poll 2026-08-17T20:00:00Z
curl -s "$base/api/v2/summary.json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"]["indicator"] == "minor", d["status"]
assert len(d["incidents"]) == 1, d["incidents"]' || fail "nginx still serves the old release after the swap"
echo "ok 2 a new release is served at once through the swapped symlink"
echo "2 passed, 0 failed"
