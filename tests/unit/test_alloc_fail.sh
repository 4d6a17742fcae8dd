#!/bin/sh
# test_alloc_fail.sh BINARY: serves recorded documents with nginx on loopback (nginx.sh) and runs
# test_alloc_fail against it: every allocation of the fetch-parse-decide path failing in turn.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-alloc-fail.XXXXXX")
cleanup() {
	"$src/tests/integration/nginx.sh" stop "$tmp/nginx" || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ ! -x "${NGINX:-/usr/sbin/nginx}" ]; then
	echo "test_alloc_fail: nginx is missing: run scripts/install-deps --test" >&2
	exit 1
fi
mkdir "$tmp/www" "$tmp/nginx"
cp "$src/tests/fixtures/ec2-us-east-1-2022-03-01.rss" "$tmp/www/ec2-us-east-1.rss"
cp "$src/feeds/recorded/empty.rss" "$tmp/www/connect-us-east-1.rss"
# the multi-service feed of every region a component depends on
cp "$src/feeds/recorded/empty.rss" "$tmp/www/multipleservices-us-east-1.rss"
cp "$src/tests/fixtures/all-2021-12-20-excerpt.rss" "$tmp/www/all.rss"
cp "$src/tests/fixtures/currentevents-2026-excerpt.json" "$tmp/www/currentevents"
port=$("$src/tests/integration/nginx.sh" start "$tmp/www" "$tmp/nginx")
"$bin" "$port"
