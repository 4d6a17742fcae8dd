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
# (poll itself would reach AWS: the same global options and --site-src through render)
"$bin" --config "$src/feeds/click.json" --state-dir "$tmp/state" render --site-src "$src/site" 2>/dev/null ||
	fail "the unit's options are not accepted"
[ -f "$tmp/state/site/current/index.html" ] || fail "no site under the state directory"
echo "ok 1 the systemd unit verifies and its command lines are accepted"
echo "1 passed, 0 failed"
