#!/bin/sh
# test_poll_tls.sh: starts tlsredirect.py (https and plain http on loopback, a throwaway
# self-signed certificate) and runs test_poll_tls against it. Exits 77 (skipped) without
# openssl or python3.
#
#   test_poll_tls.sh PATH/TO/test_poll_tls
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bin=$1
command -v openssl >/dev/null || { echo "SKIP: openssl not found"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-poll-tls.XXXXXX")
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.log" ||
	{ cat "$tmp/openssl.log" >&2; exit 1; }
: >"$tmp/hits"
python3 "$here/tlsredirect.py" "$tmp/cert.pem" "$tmp/key.pem" "$tmp/hits" >"$tmp/ports" 2>"$tmp/server.log" &
pid=$!
i=0
while [ ! -s "$tmp/ports" ] && [ $i -lt 100 ]; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "tlsredirect.py died:" >&2
		cat "$tmp/server.log" >&2
		exit 1
	fi
	sleep 0.05
	i=$((i + 1))
done
read -r tls_port plain_port <"$tmp/ports"
echo "https on 127.0.0.1:$tls_port, http on 127.0.0.1:$plain_port"
rc=0
CS_TLS_PORT=$tls_port CS_PLAIN_PORT=$plain_port CS_CA_FILE=$tmp/cert.pem CS_HITS=$tmp/hits "$bin" || rc=$?
exit $rc
