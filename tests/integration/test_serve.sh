#!/bin/sh
# test_serve.sh: `clickstatus serve`, the subscription endpoint, on a free loopback port:
# double opt-in, no enumeration, tokens stored as hashes, signed links, RFC 8058 one-click,
# preferences, the limits (413, 429, slow clients, 404/405/415), and the shipped nginx
# block in front. serve_test.py holds the cases and says what each one measured.
#
#   test_serve.sh PATH/TO/clickstatus SOURCE_DIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
for tool in python3 sqlite3 curl /usr/sbin/nginx; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is required" >&2; exit 1; }
done
exec python3 "$here/serve_test.py" "$1" "$2"
