#!/usr/bin/env bash
# test_many_maintenances.sh: more maintenances than a cycle loads (4096) is a clear error of
# the poll, the render and status, never a crash (a use-after-free once: run it in the
# sanitizer build, where ASan aborts on one); at the cap, the poll works. nginx on loopback.
#
#   test_many_maintenances.sh PATH/TO/clickstatus
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-maint-it.XXXXXX")
cleanup() { "$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cap=4096

mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/empty.rss" "$tmp/www/all.rss"
cp "$src/feeds/recorded/currentevents" "$tmp/www/"
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
cs() { "$bin" --state-dir "$tmp/st" --now 2026-08-17T11:00:00Z "$@"; }

cs maintenance schedule --title "Carrier trunk upgrade" --start 2026-09-01T01:00:00Z \
	--end 2026-09-01T02:00:00Z --component eu-contact-centre --author ops >/dev/null
# The other 4096 as copies of the first, straight into the store (4096 runs of the CLI
# would take minutes under the sanitizers): 4097 maintenances, none completed.
python3 - "$tmp/st/clickstatus.db" "$cap" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(maintenances)") if r[1] != "id"]
sel = ", ".join(cols)
db.executemany("INSERT INTO maintenances(%s) SELECT %s FROM maintenances WHERE id = 1" % (sel, sel),
               [()] * int(sys.argv[2]))
db.commit()
assert db.execute("SELECT count(*) FROM maintenances").fetchone()[0] == int(sys.argv[2]) + 1
PY

# run NAME ARGS...: the exit status of a command, its stderr in $tmp/NAME.err
run() { local name=$1 rc=0; shift; cs "$@" >/dev/null 2>"$tmp/$name.err" || rc=$?; echo "$rc"; }
for c in "poll --once --no-render --force --feed-base-url http://127.0.0.1:$port/" "render" "status"; do
	name=${c%% *}
	# shellcheck disable=SC2086
	rc=$(run "$name" $c)
	if grep -q "Sanitizer" "$tmp/$name.err"; then cat "$tmp/$name.err" >&2; fail "$name: sanitizer report"; fi
	[ "$rc" = 1 ] || { cat "$tmp/$name.err" >&2; fail "$name with $((cap + 1)) maintenances: exit $rc, want 1"; }
	grep -q "more than the $cap maintenances" "$tmp/$name.err" ||
		{ cat "$tmp/$name.err" >&2; fail "$name: the error does not say the cap"; }
done
echo "ok 1 $((cap + 1)) maintenances: poll, render and status fail with a clear error, no crash"

python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("DELETE FROM maintenances WHERE id = (SELECT max(id) FROM maintenances)"); db.commit()' \
	"$tmp/st/clickstatus.db"
rc=$(run poll poll --once --no-render --force --feed-base-url "http://127.0.0.1:$port/")
[ "$rc" = 0 ] || { cat "$tmp/poll.err" >&2; fail "poll with $cap maintenances: exit $rc"; }
echo "ok 2 $cap maintenances, the cap: the poll works"
echo "2 passed, 0 failed"
