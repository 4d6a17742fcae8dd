#!/bin/sh
# test_poll_integration.sh: starts nginx and faultserver.py on loopback, runs the poller's integration test, stops them.
#
#   test_poll_integration.sh PATH/TO/test_poll_integration
#
# The servers are stopped on every exit (success, failure, interrupt).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-poll-it.XXXXXX")
fault_pid=""
cleanup() {
	"$here/nginx.sh" stop "$tmp/nginx" || true
	if [ -n "$fault_pid" ]; then
		kill "$fault_pid" 2>/dev/null || true
		wait "$fault_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir "$tmp/www"
cp "$src"/tests/fixtures/*.rss "$tmp/www/"
chmod u+w "$tmp"/www/*.rss

nginx_port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")

python3 "$here/faultserver.py" >"$tmp/fault.port" 2>"$tmp/fault.log" &
fault_pid=$!
i=0
while [ ! -s "$tmp/fault.port" ] && [ $i -lt 100 ]; do
	if ! kill -0 "$fault_pid" 2>/dev/null; then
		echo "faultserver.py died:" >&2
		cat "$tmp/fault.log" >&2
		exit 1
	fi
	sleep 0.05
	i=$((i + 1))
done
fault_port=$(head -n 1 "$tmp/fault.port")

echo "nginx on 127.0.0.1:$nginx_port, faultserver on 127.0.0.1:$fault_port"
rc=0
CS_NGINX_PORT=$nginx_port CS_FAULT_PORT=$fault_port CS_FEED_DIR=$tmp/www "$bin" || rc=$?
exit $rc
