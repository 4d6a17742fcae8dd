#!/bin/bash
# bench-mqtt.sh: a changed AWS feed to a subscribed dashboard over MQTT, against the broker's
# own publish-to-subscriber time measured in the same run (bench_mqtt.c says what is timed).
#
#   tests/bench/bench-mqtt.sh        (env: RUNS=20 BUILD=<dir>)
#
# 1. From the fetch of a changed feed (just before cycle_poll) to the dashboard's receipt
#    of the component event: median of RUNS.                        target: under 10 ms
#    Beside it, mosquitto's own QoS 1 publish -> subscriber, same broker, same subscriber.
# 2. A new dashboard (connect, subscribe click/status/#) until it holds every retained
#    topic: median.                                                  target: under 5 ms
#    Beside it, a new subscriber's one retained message (click/status/summary).
# The broker is tests/integration/mosquitto.sh's (set_tcp_nodelay true, password file,
# ACL); nginx serves the feeds. Only 127.0.0.1 is contacted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
RUNS=${RUNS:-20}
BUILD=${BUILD:-$src/build-bench}

for t in mosquitto mosquitto_passwd python3 bc; do
	command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] ||
	    { echo "bench-mqtt: $t not installed (scripts/install-deps --bench)" >&2; exit 1; }
done
# Always build: an old binary left in the build directory would measure old code.
cmake -S "$src" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target bench_mqtt clickstatus -j2 >/dev/null

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-bench-mqtt.XXXXXX")
cleanup() {
	sh "$src/tests/integration/mosquitto.sh" stop "$tmp/broker" >/dev/null 2>&1 || true
	sh "$src/tests/integration/nginx.sh" stop "$tmp/nginx" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(sh "$src/tests/integration/mosquitto.sh" start "$tmp/broker")
mkdir -p "$tmp/rss" "$tmp/state"
for slug in $("$BUILD/clickstatus" feeds); do
	cp "$src/feeds/recorded/empty.rss" "$tmp/rss/$slug.rss"
done
cp "$src/feeds/recorded/empty.rss" "$tmp/rss/all.rss"
web=$(NGINX_FILE_CACHE=0 sh "$src/tests/integration/nginx.sh" start "$tmp/rss" "$tmp/nginx")
echo monitor-pw >"$tmp/password"
python3 - "$src/feeds/click.json" "$port" "$tmp/password" >"$tmp/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["mqtt"] = {"host": "127.0.0.1", "port": int(sys.argv[2]), "username": "monitor",
             "password_file": sys.argv[3]}
print(json.dumps(c))
PY

get() { echo "$out" | awk -v k="$1" -v f="$2" '$1 == k { print $f }'; }
ratio() { echo "scale=1; $1 / $2" | bc -l | sed 's/^\./0./'; }

# Twice: AWS quiet (currentevents "[]"), then with the recorded currentevents of 18 August
# 2026 (180 KB, two multi-service events), which every cycle parses and reconciles.
for ce in quiet recorded; do
	if [ $ce = quiet ]; then
		echo '[]' >"$tmp/rss/currentevents"
	else
		cp "$src/feeds/recorded/currentevents" "$tmp/rss/currentevents"
	fi
	rm -rf "$tmp/state"
	mkdir -p "$tmp/state"
	out=$("$BUILD/tests/bench/bench_mqtt" "$tmp/config.json" "$tmp/state" "$tmp/rss" \
	    "http://127.0.0.1:$web/" "$port" "$RUNS")
	printf '\nmosquitto %s, loopback, %s runs, currentevents %s; medians (p90, max) in ms\n\n' \
	    "$(/usr/sbin/mosquitto -h 2>/dev/null | sed -n 's/^mosquitto version \([^ ]*\).*/\1/p')" \
	    "$RUNS" "$ce"
	printf '%-58s %8s %8s %8s %8s\n' "" median p90 max "x broker"
	b=$(get broker_ms 2)
	printf '%-58s %8s %8s %8s %8s\n' "changed feed fetched -> dashboard has the component event" \
	    "$(get event_ms 2)" "$(get event_ms 3)" "$(get event_ms 4)" "$(ratio "$(get event_ms 2)" "$b")"
	printf '%-58s %8s %8s %8s\n' "  of which cycle_poll (fetch, parse, decide, commit)" \
	    "$(get cycle_ms 2)" "$(get cycle_ms 3)" "$(get cycle_ms 4)"
	printf '%-58s %8s %8s %8s\n' "  of which mqttpub_publish (claim, publish, retained state)" \
	    "$(get publish_ms 2)" "$(get publish_ms 3)" "$(get publish_ms 4)"
	printf '%-58s %8s %8s %8s %8s\n' "anchor: mosquitto QoS 1 publish -> subscriber" \
	    "$b" "$(get broker_ms 3)" "$(get broker_ms 4)" "1.0"
	o=$(get retained_one_ms 2)
	printf '%-58s %8s %8s %8s %8s\n' "new dashboard -> all $(get retained_topics 2) retained topics" \
	    "$(get retained_all_ms 2)" "$(get retained_all_ms 3)" "$(get retained_all_ms 4)" \
	    "$(ratio "$(get retained_all_ms 2)" "$o")"
	printf '%-58s %8s %8s %8s %8s\n' "anchor: new subscriber -> one retained message" \
	    "$o" "$(get retained_one_ms 3)" "$(get retained_one_ms 4)" "1.0"
done
printf '\n(targets: the event under 10 ms, the whole retained state under 5 ms; the last\n'
printf 'column is the ratio to the anchor beside it)\n'
