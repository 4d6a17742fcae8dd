#!/usr/bin/env bash
# test_faults.sh: the faults an operator meets, through the real binary, with the recorded
# Direct Connect eu-central-1 event of 15-18 August 2026 served by nginx on loopback:
#   1. the disk of the site full while rendering (a small tmpfs, filled): the published site
#      stays served and whole, same bytes; the store intact; the error names the file and
#      "No space left on device"; once there is room the next cycle publishes;
#   2. the store locked by another process (python sqlite3 in BEGIN EXCLUSIVE): a wait
#      shorter than the busy timeout and the cycle goes through; a longer one, a clear error
#      naming the store, exit 1, nothing changed, and the next cycle does the work;
#   3. a read-only site directory (a read-only bind mount: root writes through chmod): a
#      clear error naming the directory, the store unharmed, published once writable;
#   4. damaged stores (garbage over the pages of two tables, over the header; truncated to
#      half, to one page, to 0 bytes; a text file; another program's SQLite database): every
#      command refuses it with a clear error naming the file, exit 1, the file not replaced
#      or recreated (same bytes after).
# With `clickstatus run` (the daemon) where it exists, 1 to 3 again through it (a render or
# cycle failing is logged and retried, never fatal).
#
#   test_faults.sh PATH/TO/clickstatus
#
# Needs mount(8) of a tmpfs: as root in a private mount namespace (unshare -m), or as
# another user in a user namespace (unshare -rm). Where neither is allowed the test FAILS.
# Wall time: about 45 s (busy timeouts of 5 s; the daemon replays a few cycles each).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

# Mounts made here vanish with the process: a private mount namespace.
if [ -z "${CS_FAULTS_NS:-}" ]; then
	export CS_FAULTS_NS=1
	if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
		exec unshare -m --propagation private bash "$0" "$@"
	fi
	if unshare -rm --propagation private true 2>/dev/null; then
		exec unshare -rm --propagation private bash "$0" "$@"
	fi
	echo "FAIL: cannot make a private mount namespace (unshare -m as root, unshare -rm as a" \
		"user); the disk-full and read-only cases need to mount a small tmpfs" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-faults.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	"$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	"$here/nginx.sh" stop "$tmp/nginx-site" >/dev/null 2>&1 || true
	for m in "$tmp"/mnt-*; do [ -d "$m" ] && umount -l "$m" 2>/dev/null || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
passed=0
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "ok $passed $*"; }

# What AWS serves: the recorded all.rss and currentevents, every other feed the recorded
# empty one; --now picks how far into the event the feeds are read.
mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/currentevents" "$tmp/www/"
port=$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")
base="http://127.0.0.1:$port/"
# Instants of the event: before it, its first post, an update (all.rss, 15-17 Aug).
T0=2026-08-15T03:00:00Z
T1=2026-08-15T04:00:00Z
T2=2026-08-16T12:00:00Z
T3=2026-08-17T18:05:00Z

# poll STATE SITE TIME: one cycle, its log in STATE.log; returns the exit status.
poll() {
	local rc=0
	"$bin" --state-dir "$tmp/$1" --now "$3" poll --once --feed-base-url "$base" \
		--site-dir "$2" >>"$tmp/$1.out" 2>"$tmp/$1.err" || rc=$?
	cat "$tmp/$1.err" >>"$tmp/$1.log"
	return $rc
}
# small_fs NAME KIB: a tmpfs of KIB KiB at $tmp/mnt-NAME (FAILS the test where refused).
small_fs() {
	mkdir -p "$tmp/mnt-$1"
	mount -t tmpfs -o "size=${2}k,mode=0755" "cs-faults-$1" "$tmp/mnt-$1" 2>"$tmp/mount.err" ||
		fail "cannot mount a tmpfs at $tmp/mnt-$1 ($(cat "$tmp/mount.err")): the disk-full case needs it"
}
# fill DIR: takes every free byte of DIR's file system.
fill() {
	local avail
	avail=$(df --output=avail -B1 "$1" | tail -1)
	[ "$avail" -le 4096 ] || fallocate -l $((avail - 4096)) "$1/filler" 2>/dev/null || true
	dd if=/dev/zero of="$1/filler2" bs=512 2>/dev/null || true
	[ "$(df --output=avail -B1 "$1" | tail -1)" -lt 4096 ] || fail "could not fill $1"
}
# site_sums SITE: the name current points to, then "sha256  path" of every file in current/.
site_sums() {
	readlink "$1/current"
	(cd "$1/current" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
# served SITE SUMS: every file of SUMS fetched through nginx from SITE/current, same bytes.
served() {
	python3 - "http://127.0.0.1:$(cat "$tmp/nginx-site/port")" "$2" <<'EOF'
import hashlib, sys, urllib.request
base, sums = sys.argv[1], sys.argv[2]
n = 0
for line in open(sums).read().splitlines()[1:]:
    want, path = line.split("  ", 1)
    body = urllib.request.urlopen(base + "/current/" + path[2:]).read()
    if hashlib.sha256(body).hexdigest() != want:
        sys.exit("%s: served bytes differ from the published ones" % path)
    n += 1
if n < 10:
    sys.exit("only %d files published" % n)
EOF
}
# intact STATE: SQLite's own integrity check and `dump` both pass.
intact() {
	local r
	r=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' \
		"$tmp/$1/clickstatus.db") || fail "$1: the store cannot be checked"
	[ "$r" = ok ] || fail "$1: PRAGMA integrity_check: $r"
	"$bin" --state-dir "$tmp/$1" dump >"$tmp/$1.dump" 2>"$tmp/$1.dump.err" ||
		fail "$1: dump fails: $(cat "$tmp/$1.dump.err")"
}
api() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); exec(sys.argv[2])' "$1/current/api/v2/$2" "$3"; }

# ---- 1. disk full while rendering ----
# 2 MiB: a release is ~150 KB, and most of it is hard links to the last one.
small_fs full 2048
site="$tmp/mnt-full/site"
"$bin" --state-dir "$tmp/a" subscribers add reader@example.com >/dev/null
poll a "$site" "$T0" || fail "first poll: $(cat "$tmp/a.err")"
[ -L "$site/current" ] || fail "nothing published before the fault"
# no open_file_cache: current/ is swapped under nginx
NGINX_FILE_CACHE=0 "$here/nginx.sh" start "$site" "$tmp/nginx-site" >/dev/null
site_sums "$site" >"$tmp/before.sums"
served "$site" "$tmp/before.sums" || fail "the site is not served before the fault"
releases_before=$(ls "$site/releases")
fill "$tmp/mnt-full"
# The event opens: a changed page owed, and no room for it.
rc=0; poll a "$site" "$T1" || rc=$?
[ $rc -ne 0 ] || fail "a poll whose render failed for lack of space exits 0"
grep -q "^error render: $site/releases/[^ ]*: write: No space left on device" "$tmp/a.err" ||
	fail "the render error does not name the file and the cause: $(cat "$tmp/a.err")"
site_sums "$site" >"$tmp/after.sums"
diff "$tmp/before.sums" "$tmp/after.sums" >&2 || fail "the published site changed while the disk was full"
served "$site" "$tmp/after.sums" || fail "the published site is not served whole while the disk is full"
[ "$(ls "$site/releases")" = "$releases_before" ] || fail "a partial release was left in $site/releases: $(ls "$site/releases")"
intact a
grep -q '^incident 1 ' "$tmp/a.dump" || fail "the cycle's decisions (the incident) were not committed"
ok "disk full: the render fails naming the file and ENOSPC, exit $rc; current/ unchanged and served whole; no partial release; store intact, the incident committed"
# Again full, a later cycle: still the same site, still said.
rc=0; poll a "$site" "$T2" || rc=$?
[ $rc -ne 0 ] && grep -q "No space left on device" "$tmp/a.err" || fail "a second render on a full disk is not an error"
site_sums "$site" | diff "$tmp/before.sums" - >&2 || fail "the site changed on the second full cycle"
rm -f "$tmp/mnt-full/filler" "$tmp/mnt-full/filler2"
# A failed render is retried after a poll interval (60 s): the next cycle, 5 minutes on.
poll a "$site" 2026-08-16T12:05:00Z || fail "the poll after space came back fails: $(cat "$tmp/a.err")"
[ "$(readlink "$site/current")" != "$(head -1 "$tmp/before.sums")" ] || fail "nothing published once space came back"
api "$site" summary.json 'assert [i["status"] for i in d["incidents"]] == ["identified"], d["incidents"]' ||
	fail "the site published after the fault does not show the incident"
served "$site" <(site_sums "$site") || fail "the new site is not served whole"
intact a
ok "disk full: once space is back the next cycle publishes the site with the incident"

# ---- 2. the store locked by another process ----
# lock STATE SECONDS: python sqlite3 holds BEGIN EXCLUSIVE on the store for SECONDS.
lock() {
	python3 - "$tmp/$1/clickstatus.db" "$2" >"$tmp/lock.out" 2>&1 <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
EOF
	lock_pid=$!
	pids+=("$lock_pid")
	for _ in $(seq 50); do grep -q locked "$tmp/lock.out" && return 0; sleep 0.1; done
	fail "the lock holder did not start: $(cat "$tmp/lock.out")"
}
ino=$(stat -c %i "$tmp/a/clickstatus.db")
lock a 2
poll a "$site" 2026-08-16T12:30:00Z || fail "a lock of 2 s (under the busy timeout) failed the cycle: $(cat "$tmp/a.err")"
wait "$lock_pid"
ok "store locked for 2 s: the cycle waits and goes through"
"$bin" --state-dir "$tmp/a" dump >"$tmp/lock-before.dump"
lock a 8
start=$(date +%s)
rc=0; poll a "$site" "$T3" || rc=$?
[ $rc -eq 1 ] || fail "a cycle against a store locked longer than the busy timeout exits $rc, not 1"
grep -q "$tmp/a/clickstatus.db: .*database is locked" "$tmp/a.err" ||
	fail "the error does not name the locked store: $(cat "$tmp/a.err")"
[ $(( $(date +%s) - start )) -le 7 ] || fail "the locked cycle hung"
wait "$lock_pid"
[ "$(stat -c %i "$tmp/a/clickstatus.db")" = "$ino" ] || fail "the locked store was recreated"
"$bin" --state-dir "$tmp/a" dump | diff "$tmp/lock-before.dump" - >&2 || fail "the failed cycle changed the store"
poll a "$site" "$T3" || fail "the cycle after the lock fails: $(cat "$tmp/a.err")"
intact a
grep -q '^incident 1 ' "$tmp/a.dump" || fail "the store lost its incident"
"$bin" --state-dir "$tmp/a" subscribers list | grep -q 'reader@example.com' || fail "the store lost its subscriber"
[ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM incident_updates").fetchone()[0])' "$tmp/a/clickstatus.db")" -ge 3 ] ||
	fail "the update of $T3 was not recorded after the lock went"
ok "store locked for 8 s: exit 1 naming the store, nothing changed, not recreated; the next cycle records the update"

# ---- 3. a read-only site directory ----
mkdir -p "$tmp/mnt-ro"
poll b "$tmp/mnt-ro/site" "$T0" || fail "b: first poll: $(cat "$tmp/b.err")"
mount --bind "$tmp/mnt-ro" "$tmp/mnt-ro" && mount -o remount,bind,ro "$tmp/mnt-ro" ||
	fail "cannot bind-mount $tmp/mnt-ro read-only"
site_sums "$tmp/mnt-ro/site" >"$tmp/ro-before.sums"
rc=0; poll b "$tmp/mnt-ro/site" "$T1" || rc=$?
[ $rc -ne 0 ] || fail "a poll that cannot publish to a read-only site exits 0"
grep -q "^error render: $tmp/mnt-ro/site/releases[^ ]*: mkdir: Read-only file system" "$tmp/b.err" ||
	fail "the error does not name the site directory and the cause: $(cat "$tmp/b.err")"
rc=0; "$bin" --state-dir "$tmp/b" --now "$T1" render --site-dir "$tmp/mnt-ro/site" 2>"$tmp/b.err" || rc=$?
[ $rc -eq 1 ] && grep -q "$tmp/mnt-ro/site.*Read-only file system" "$tmp/b.err" ||
	fail "render on a read-only site: exit $rc, $(cat "$tmp/b.err")"
site_sums "$tmp/mnt-ro/site" | diff "$tmp/ro-before.sums" - >&2 || fail "the read-only site changed"
intact b
grep -q '^incident 1 ' "$tmp/b.dump" || fail "the cycle's incident was not committed"
umount "$tmp/mnt-ro"
poll b "$tmp/mnt-ro/site" "$T2" || fail "the poll once writable fails: $(cat "$tmp/b.err")"
api "$tmp/mnt-ro/site" summary.json 'assert len(d["incidents"]) == 1, d["incidents"]' || fail "not published once writable"
ok "read-only site directory: exit 1 naming it (poll and render), store unharmed; published once writable"

# ---- 4. damaged stores ----
# The good store of 1 (closed: no -wal), copied and damaged in each way.
good="$tmp/a/clickstatus.db"
[ ! -s "$good-wal" ] || fail "the store has a log after every process closed it"
damage() { # NAME: a state dir $tmp/bad-NAME holding the damaged copy
	local d="$tmp/bad-$1"
	mkdir -p "$d"
	cp "$good" "$d/clickstatus.db"
	python3 - "$d/clickstatus.db" "$1" <<'EOF'
import os, random, sqlite3, sys
path, how = sys.argv[1], sys.argv[2]
rnd = random.Random(how)     # the same garbage on every run
size = os.path.getsize(path)
def garbage(off, n):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(bytes(rnd.randrange(256) for _ in range(n)))
if how == "pages":
    # the root pages of the items and outbox tables: the data every command reads
    c = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    ps = c.execute("PRAGMA page_size").fetchone()[0]
    roots = [r for (r,) in c.execute("SELECT rootpage FROM sqlite_schema WHERE name IN ('items', 'outbox', 'incident_updates')")]
    c.close()
    for r in roots:
        garbage((r - 1) * ps, ps)
elif how == "deep":
    # one leaf page in the middle of the biggest table (the AWS items' texts): a cycle does
    # not read it (before the quick check at open, half such pages went unnoticed and the
    # cycle committed on top), a full check does. dbstat: in Debian's SQLite.
    c = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    ps = c.execute("PRAGMA page_size").fetchone()[0]
    name = c.execute("SELECT name FROM dbstat WHERE pagetype = 'leaf' GROUP BY name"
                     " ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    leaves = [p for (p,) in c.execute("SELECT pageno FROM dbstat WHERE name = ? AND"
                                      " pagetype = 'leaf' ORDER BY pageno", (name,))]
    c.close()
    garbage((leaves[len(leaves) // 2] - 1) * ps, ps)
elif how == "header":
    garbage(0, 100)
elif how == "half":
    os.truncate(path, size // 2)
elif how == "onepage":
    os.truncate(path, 4096)
elif how == "zero":
    os.truncate(path, 0)
elif how == "text":
    open(path, "w").write("subscribers: reader@example.com\n" * 200)
elif how == "other":
    os.remove(path)
    c = sqlite3.connect(path)
    c.executescript("PRAGMA application_id = 42; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
    c.close()
EOF
}
for how in pages deep header half onepage zero text other; do
	damage "$how"
	d="$tmp/bad-$how"
	sum=$(sha256sum <"$d/clickstatus.db")
	for cmd in "poll --once --feed-base-url $base --no-render" dump status "render --site-dir $tmp/bad-site" \
		mail "subscribers list" "subscribers add new@example.com" outbox "incident list"; do
		rc=0
		# shellcheck disable=SC2086
		"$bin" --state-dir "$d" --now "$T2" $cmd >"$tmp/bad.out" 2>"$tmp/bad.err" </dev/null || rc=$?
		[ $rc -eq 1 ] || fail "$how: '$cmd' on a damaged store exits $rc, not 1: $(cat "$tmp/bad.err")"
		grep -q "$d/clickstatus.db: .*\(is not a database\|malformed\|not a clickstatus store\|empty file\)" "$tmp/bad.err" ||
			fail "$how: '$cmd': the error does not name the file and the damage: $(cat "$tmp/bad.err")"
		[ "$(sha256sum <"$d/clickstatus.db")" = "$sum" ] || fail "$how: '$cmd' changed or recreated the damaged store"
	done
	# (`mail` makes its Maildir before it opens the store: an empty directory, harmless)
	[ "$(cd "$d" && ls -d ./*.db* | tr '\n' ' ')" = "./clickstatus.db " ] ||
		fail "$how: store files left beside the damaged store: $(ls "$d")"
	[ ! -e "$tmp/bad-site" ] || fail "$how: a site was published from a damaged store"
	echo "  $how: $(head -c 200 "$tmp/bad.err")"
done
ok "damaged stores (pages, a deep page, header, half, one page, 0 bytes, text, another program's): every command exits 1 naming the file; same bytes after"

# ---- 5. the same faults under the daemon (`clickstatus run`, a replay in simulated time) ----
# The configuration with an hour between cycles: T0, T0+1h, ... (the event opens at 04:00).
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["poll_interval"]=3600; json.dump(c, open(sys.argv[2], "w"))' \
	"$src/feeds/click.json" "$tmp/hourly.json"
# run STATE SITE END STEP_MS: the replay from T0 to END in the background; its pid in $run_pid.
run() {
	"$bin" --config "$tmp/hourly.json" --state-dir "$tmp/$1" run --feed-base-url "$base" --no-serve \
		--site-dir "$2" --sim-start "$T0" --sim-end "$3" --sim-step-ms "$4" >>"$tmp/$1.log" 2>&1 &
	run_pid=$!
	pids+=("$run_pid")
}
# wait_log STATE PATTERN SECONDS
wait_log() {
	for _ in $(seq $(( $3 * 20 ))); do grep -q "$2" "$tmp/$1.log" && return 0; sleep 0.05; done
	fail "$1: no log line matching '$2' within $3 s: $(tail -5 "$tmp/$1.log")"
}
# finish PID SECONDS STATE: the replay exits 0 within SECONDS
finish() {
	local rc=0
	for _ in $(seq $(( $2 * 20 ))); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$1" 2>/dev/null && fail "the replay did not end within $2 s"
	wait "$1" || rc=$?
	[ $rc -eq 0 ] || fail "the replay exited $rc: $(tail -5 "$tmp/$3.log")"
}
small_fs drun 2048
site="$tmp/mnt-drun/site"
run d "$site" "$T0" 0
finish "$run_pid" 30 d
[ -L "$site/current" ] || fail "run: nothing published by the first cycle"
site_sums "$site" >"$tmp/d-before.sums"
fill "$tmp/mnt-drun"
run d "$site" 2026-08-15T08:00:00Z 400
pid_d=$run_pid
wait_log d "^error render: $site/releases/[^ ]*: write: No space left on device" 10
# A second daemon on the same state directory refuses, naming the first.
rc=0; "$bin" --config "$tmp/hourly.json" --state-dir "$tmp/d" run --no-serve --feed-base-url "$base" \
	--site-dir "$site" >"$tmp/second.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "$pid_d" "$tmp/second.log" ||
	fail "a second daemon on the same state directory: exit $rc, $(cat "$tmp/second.log")"
site_sums "$site" | diff "$tmp/d-before.sums" - >&2 || fail "run: the site changed on a full disk"
kill -0 "$pid_d" || fail "run: a failed render stopped the daemon"
rm -f "$tmp/mnt-drun/filler" "$tmp/mnt-drun/filler2"
finish "$pid_d" 30 d
[ "$(readlink "$site/current")" != "$(head -1 "$tmp/d-before.sums")" ] || fail "run: nothing published once space came back"
api "$site" summary.json 'assert [i["status"] for i in d["incidents"]] == ["identified"], d["incidents"]' ||
	fail "run: the site published after the fault does not show the incident"
intact d
ok "run: renders fail on a full disk (logged with the file and ENOSPC), the daemon goes on, the site stays; a second daemon refuses naming the first; space back, the next cycle publishes"

run e "$tmp/e-site" "$T0" 0
finish "$run_pid" 30 e
# Locked when the daemon starts: it refuses to start, naming the store (a supervisor restarts it).
lock e 7
rc=0; "$bin" --config "$tmp/hourly.json" --state-dir "$tmp/e" run --feed-base-url "$base" --no-serve \
	--site-dir "$tmp/e-site" --sim-start "$T0" --sim-end 2026-08-15T08:00:00Z >"$tmp/e-start.log" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "$tmp/e/clickstatus.db: .*database is locked" "$tmp/e-start.log" ||
	fail "run on a locked store: exit $rc, $(cat "$tmp/e-start.log")"
wait "$lock_pid"
# Locked while it runs: each cycle that cannot commit is logged; the daemon goes on.
run e "$tmp/e-site" 2026-08-15T10:00:00Z 700
pid_e=$run_pid
wait_log e "replay resumed after its cycle at $T0" 10
lock e 7
wait_log e "$tmp/e/clickstatus.db: .*database is locked" 15
kill -0 "$pid_e" || fail "run: a store locked under it stopped the daemon: $(tail -3 "$tmp/e.log")"
wait "$lock_pid"
finish "$pid_e" 60 e
intact e
grep -q '^incident 1 ' "$tmp/e.dump" || fail "run: the cycles after the lock did not record the incident"
api "$tmp/e-site" summary.json 'assert len(d["incidents"]) == 1, d["incidents"]' || fail "run: not published after the lock"
ok "run: a store locked at start: exit 1 naming it; locked under the running daemon: logged naming it, the daemon goes on, later cycles commit and publish"

echo "$passed passed, 0 failed"
