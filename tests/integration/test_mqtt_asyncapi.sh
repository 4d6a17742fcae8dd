#!/usr/bin/env bash
# test_mqtt_asyncapi.sh: what clickstatus publishes over MQTT is what docs/asyncapi.yaml says.
#
#   test_mqtt_asyncapi.sh PATH/TO/clickstatus
#
# A private mosquitto (tests/integration/mosquitto.sh) and nginx serving the recorded
# AWS feeds, on 127.0.0.1. One subscriber (MQTT 5, QoS 1, retain-as-published, user
# "dash") captures every message of click/status/# while the Direct Connect eu-central-1
# event of August 2026 is replayed: `poll --once` then the one-shot `mqtt` at several
# --now times (before it, its opening, an update, its resolution, which clears the
# incident's topic), an RCA draft and a maintenance (scheduled, in progress, completed);
# then the daemon (`poll`), stopped by SIGTERM ("offline", "stopped") and once more killed
# (-9: the broker's Last Will). A second subscriber then takes what the broker retains.
# mqtt_asyncapi_check.py checks everything captured against the document (its header
# lists the checks). Needs python3 with jsonschema and yaml (python3-jsonschema,
# python3-yaml: scripts/install-deps --test); without them, or mosquitto, it fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
doc=$src/docs/asyncapi.yaml
export LC_ALL=C.UTF-8

fail() { echo "FAIL: $*" >&2; exit 1; }
python3 -c 'import jsonschema, yaml' 2>/dev/null ||
	fail "python3 has no jsonschema or yaml (Debian: python3-jsonschema python3-yaml)"
command -v mosquitto_sub >/dev/null || fail "no mosquitto_sub (Debian: mosquitto-clients)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-mqtt-asyncapi.XXXXXX")
sub_pid=""
daemon_pid=""
cleanup() {
	[ -z "$daemon_pid" ] || { kill -9 "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; }
	[ -z "$sub_pid" ] || { kill "$sub_pid" 2>/dev/null || true; wait "$sub_pid" 2>/dev/null || true; }
	"$here/mosquitto.sh" stop "$tmp/mqtt" >/dev/null 2>&1 || true
	"$here/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

# What AWS serves: the recorded all.rss (the event's posts, 15 to 18 August) and the
# empty feed for every other feed CLICK depends on.
mkdir -p "$tmp/www"
for slug in $("$bin" feeds); do cp "$src/feeds/recorded/empty.rss" "$tmp/www/$slug.rss"; done
cp "$src/feeds/recorded/all.rss" "$src/feeds/recorded/currentevents" "$tmp/www/"
feeds=http://127.0.0.1:$("$here/nginx.sh" start "$tmp/www" "$tmp/nginx")/
mport=$("$here/mosquitto.sh" start "$tmp/mqtt")

# CLICK's configuration with the broker (the default prefix click/status).
printf 'monitor-pw\n' >"$tmp/mqtt-password"
chmod 600 "$tmp/mqtt-password"
python3 - "$src/feeds/click.json" "$tmp/click.json" "$mport" "$tmp/mqtt-password" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg["mqtt"] = {"host": "127.0.0.1", "port": int(sys.argv[3]), "username": "monitor",
               "password_file": sys.argv[4]}
json.dump(cfg, open(sys.argv[2], "w"), indent=2)
EOF
cs() { "$bin" --config "$tmp/click.json" --state-dir "$tmp/state" "$@"; }

fmt='%t\t%r\t%q\t%C\t%E\t%F\t%x'
cap=$tmp/capture.txt
: >"$cap"
mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$mport" -u dash -P dash-pw -i asyncapi-capture -q 1 \
	--retain-as-published -t 'click/status/#' -F "$fmt" >"$cap" 2>"$tmp/sub.err" &
sub_pid=$!
# Connected (the broker logs it); its SUBSCRIBE follows at once, well before the first
# publish, which comes after a whole poll cycle.
for _ in $(seq 100); do
	grep -q "as asyncapi-capture " "$tmp/mqtt/mosquitto.log" 2>/dev/null && break
	kill -0 "$sub_pid" 2>/dev/null || { cat "$tmp/sub.err" >&2; fail "mosquitto_sub exited"; }
	sleep 0.05
done
grep -q "as asyncapi-capture " "$tmp/mqtt/mosquitto.log" || fail "the capturing subscriber did not connect"
sleep 0.2

lines() { wc -l <"$cap"; }
# wait_lines N: until the capture has N messages (10 s at most)
wait_lines() {
	local i=0
	while [ "$(lines)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -le 200 ] || fail "the subscriber got $(lines) messages, want $1 (see $cap)"
		sleep 0.05
	done
}
# monitor_count: messages captured on click/status/monitor
monitor_count() { grep -c "^click/status/monitor	" "$cap" || true; }
wait_monitor() {
	local i=0
	while [ "$(monitor_count)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -le 200 ] || fail "$(monitor_count) monitor messages, want $1"
		sleep 0.05
	done
}

passes=$tmp/passes.tsv
: >"$passes"
# publish LABEL TIME SITE: one `mqtt` pass at TIME; waits for every message it had
# acknowledged to reach the subscriber; records the pass (SITE: the site's summary.json
# to compare with, or -).
publish() {
	local before out n
	before=$(lines)
	out=$(cs --now "$2" mqtt 2>>"$tmp/mqtt.log") || { cat "$tmp/mqtt.log" >&2; fail "mqtt at $2: $out"; }
	n=$(echo "$out" | sed -n 's/^\([0-9]*\) events\{0,1\} and \([0-9]*\) retained messages\{0,1\} acknowledged$/\1 \2/p')
	[ -n "$n" ] || fail "mqtt at $2 said: $out"
	set -- "$1" "$2" "$3" $n
	[ "$4" -gt 0 ] || [ "$5" -gt 0 ] || fail "mqtt at $2 published nothing"
	wait_lines $((before + $4 + $5))
	printf '%s\t%d\t%d\t%s\n' "$1" $((before + 1)) "$(lines)" "$3" >>"$passes"
}
# step LABEL TIME: a poll cycle (the site rendered) then a pass, compared with the site.
step() {
	cs --now "$2" poll --once --feed-base-url "$feeds" >>"$tmp/poll.log" 2>&1 ||
		{ cat "$tmp/poll.log" >&2; fail "poll at $2"; }
	cp "$tmp/state/site/current/api/v2/summary.json" "$tmp/summary-$1.json"
	publish "$1" "$2" "$tmp/summary-$1.json"
}

# The event: quiet, opened, updated, resolved (its topic cleared).
step quiet 2026-08-15T03:00:00Z
step opened 2026-08-15T04:00:00Z
step update 2026-08-16T12:00:00Z
step resolved 2026-08-18T05:00:00Z
# An engineer attaches the RCA draft and announces a maintenance of the reports.
cs --now 2026-08-18T05:10:00Z incident rca 1 draft https://status.synchronet.com/rca/1.html \
	>>"$tmp/poll.log" 2>&1 || fail "incident rca"
cs --now 2026-08-18T05:10:00Z maintenance schedule --title "Reporting database upgrade" \
	--start 2026-08-18T06:00:00Z --end 2026-08-18T07:00:00Z --component reporting \
	--message "Reports may be delayed." >>"$tmp/poll.log" 2>&1 || fail "maintenance schedule"
publish announced 2026-08-18T05:10:00Z -
step maintenance 2026-08-18T06:30:00Z
step completed 2026-08-18T07:30:00Z

# The daemon: online, then stopped (SIGTERM); again, then killed (the Last Will).
# Its clock is the machine's: it polls the same feeds as of today.
for how in TERM KILL; do
	have=$(monitor_count)
	# Not through cs(): $! must be the daemon itself, not a subshell.
	"$bin" --config "$tmp/click.json" --state-dir "$tmp/state" poll --no-render \
		--feed-base-url "$feeds" >>"$tmp/daemon.log" 2>&1 &
	daemon_pid=$!
	wait_monitor $((have + 1))
	kill -"$how" "$daemon_pid"
	rc=0
	wait "$daemon_pid" 2>/dev/null || rc=$?
	daemon_pid=""
	[ "$how" = KILL ] || [ "$rc" = 0 ] || { cat "$tmp/daemon.log" >&2; fail "the daemon exited $rc on SIGTERM"; }
	wait_monitor $((have + 2))
done
! grep -q "Sanitizer" "$tmp/daemon.log" || { cat "$tmp/daemon.log" >&2; fail "the daemon: a sanitizer report"; }
# Whatever the daemon published after its "online" has arrived by its "offline".

# What the broker retains, as a new dashboard gets it.
mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$mport" -u dash -P dash-pw -q 1 -t 'click/status/#' \
	--retained-only -W 1 -F "$fmt" >"$tmp/snapshot.txt" 2>/dev/null || true
[ -s "$tmp/snapshot.txt" ] || fail "a new subscriber got no retained message"

python3 "$here/mqtt_asyncapi_check.py" "$doc" "$cap" "$tmp/snapshot.txt" "$passes" \
	--not-produced componentCleared,awsFeedCleared \
	--monitor-sequence monitorOnline,monitorStopped,monitorOnline,monitorLastWill ||
	fail "the messages do not agree with docs/asyncapi.yaml (KEEP=1 keeps $tmp)"
echo "ok the MQTT messages of the replay agree with docs/asyncapi.yaml"
