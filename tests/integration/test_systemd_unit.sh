#!/usr/bin/env bash
# test_systemd_unit.sh: contrib/clickstatus.service passes `systemd-analyze verify` (with the
# binary it names pointed at this build), and the daemon it starts accepts those arguments.
#
#   test_systemd_unit.sh PATH/TO/clickstatus
#
# Without systemd-analyze (SYSTEMD_ANALYZE, default found on PATH) nothing is verified:
# the test exits 77, which ctest reports as skipped (SKIP_RETURN_CODE), never as passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-unit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

analyze=${SYSTEMD_ANALYZE:-systemd-analyze}
if ! command -v "$analyze" >/dev/null; then
	echo "SKIP: $analyze is not installed: the unit is not verified"
	exit 77
fi
sed "s|/usr/local/bin/clickstatus|$bin|g" "$src/contrib/clickstatus.service" >"$tmp/clickstatus.service"
out=$("$analyze" verify "$tmp/clickstatus.service" 2>&1) || fail "systemd-analyze: $out"
[ -z "$out" ] || fail "systemd-analyze warns: $out"
# The command lines of the unit, with this build and the source tree's files.
"$bin" --config "$src/feeds/click.json" check-config >/dev/null || fail "ExecStartPre fails"
grep -q "^    --state-dir /var/lib/clickstatus run --site-src " "$src/contrib/clickstatus.service" || fail "the unit does not run the daemon"
grep -q '^ExecReload=/bin/kill -HUP $MAINPID' "$src/contrib/clickstatus.service" || fail "no reload"
# The unit's command line, for one simulated cycle against a closed loopback port (never AWS).
"$bin" --config "$src/feeds/click.json" --state-dir "$tmp/state" run --site-src "$src/site" \
	--no-serve --feed-base-url http://127.0.0.1:9/ --sim-start 2026-01-01T00:00:00Z \
	--sim-end 2026-01-01T00:00:00Z 2>/dev/null || fail "the unit's options are not accepted"
[ -f "$tmp/state/site/current/index.html" ] || fail "no site under the state directory"
echo "ok 1 the systemd unit verifies and its command lines are accepted"
echo "1 passed, 0 failed"
