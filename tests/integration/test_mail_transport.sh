#!/usr/bin/env bash
# test_mail_transport.sh: mail_transport against smtpserver.py (aiosmtpd on 127.0.0.1, faults
# injected, STARTTLS and SMTPS with a throwaway CA) and into a Maildir, through
# mail_transport_tool; mail_transport_check.py compares the tool's results with what the server
# saved. Exits 77 (skipped) without aiosmtpd or openssl, and 77 after running everything else
# when this machine's hostname does not resolve to loopback only (the STARTTLS-required cases
# need a name that is not "localhost" but stays on this machine).
#
#   test_mail_transport.sh PATH/TO/mail_transport_tool
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tool=$1
py=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import aiosmtpd' 2>/dev/null; then
		py=$p
		break
	fi
done
[ -n "$py" ] || { echo "SKIP: no python3 with aiosmtpd (python3-aiosmtpd)"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl not found"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-mail-transport.XXXXXX")
declare -A pids=()
cleanup() {
	local n
	for n in "${!pids[@]}"; do
		kill "${pids[$n]}" 2>/dev/null || true
		wait "${pids[$n]}" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

failures=0
notrun=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# start NAME ARGS...: smtpserver.py with its files in $tmp/NAME; sets $port.
start() {
	local name=$1 i=0
	shift
	mkdir -p "$tmp/$name"
	"$py" "$here/smtpserver.py" --out "$tmp/$name/out" --log "$tmp/$name/log" "$@" \
		>"$tmp/$name/port" 2>"$tmp/$name/err" &
	pids[$name]=$!
	while [ ! -s "$tmp/$name/port" ]; do
		if ! kill -0 "${pids[$name]}" 2>/dev/null || [ $i -ge 200 ]; then
			echo "smtpserver.py ($name) did not start:" >&2
			cat "$tmp/$name/err" >&2
			exit 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	port=$(head -n1 "$tmp/$name/port")
}

stop() {
	kill "${pids[$1]}" 2>/dev/null || true
	wait "${pids[$1]}" 2>/dev/null || true
	unset "pids[$1]"
}

# run NAME TOOL-ARGS...: the tool's results in $tmp/NAME.res, its summary in $tmp/NAME.rate.
run() {
	local name=$1 rc=0
	shift
	"$tool" "$@" >"$tmp/$name.res" 2>"$tmp/$name.rate" || rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name: mail_transport_tool exited $rc: $(cat "$tmp/$name.rate")"
	fi
}

# verify NAME CHECK-ARGS...: mail_transport_check.py on $tmp/NAME.res and the server's $tmp/NAME/out.
verify() {
	local name=$1 out rc
	shift
	out=$("$py" "$here/mail_transport_check.py" "$tmp/$name.res" "$tmp/$name/out" "$@") && rc=0 || rc=$?
	printf '%s\n' "$out" | sed "s/^/  $name: /"
	[ $rc -eq 0 ] || fail "$name: results and saved messages disagree"
}

conns() { grep -c '^conn ' "$tmp/$1/log" || true; }

# ---- 200 messages, parallel 4: all arrive once, intact, over kept connections ----
start bulk
mkdir "$tmp/bulk.exp"
run bulk --url "smtp://127.0.0.1:$port" --parallel 4 --count 200 --expect "$tmp/bulk.exp"
stop bulk
verify bulk --count 200 --expect-dir "$tmp/bulk.exp"
n=$(conns bulk)
if [ "$n" -ge 1 ] && [ "$n" -le 6 ]; then ok "bulk: 200 messages over $n connections (parallel 4)"; else fail "bulk: $n connections for parallel 4"; fi
q=$(grep -c '^quit ' "$tmp/bulk/log" || true)
[ "$q" -eq "$n" ] && ok "bulk: every connection ended with QUIT" || fail "bulk: $q QUIT for $n connections"
# every message has a line that is just "." and ends with one: they survived (compared above)
grep -q $'^\\.\r$' "$tmp/bulk/out/000001.eml" && ok "bulk: a body line \".\" arrived as \".\"" ||
	fail "bulk: no lone-dot line in the saved message"

# ---- given files: a body that is only ".", no final CRLF, 1 MiB with dot lines ----
start files
mkdir "$tmp/files.in" "$tmp/files.exp"
printf 'Subject: only a dot\r\nX-Tag: 1\r\n\r\n.\r\n' >"$tmp/files.in/1"
cp "$tmp/files.in/1" "$tmp/files.exp/1.eml"
printf 'Subject: no final line end\r\nX-Tag: 2\r\n\r\nlast line' >"$tmp/files.in/2"
printf 'Subject: no final line end\r\nX-Tag: 2\r\n\r\nlast line\r\n' >"$tmp/files.exp/2.eml"   # the client ends the line
{
	printf 'Subject: big\r\nX-Tag: 3\r\n\r\n'
	for i in $(seq 1 8000); do printf '.line %d starts with a dot and goes on for a while to make it long\r\n' "$i"; done
	printf '.\r\n..\r\n'
} >"$tmp/files.in/3"
cp "$tmp/files.in/3" "$tmp/files.exp/3.eml"
printf 'Subject: dot at the end\r\nX-Tag: 4\r\n\r\ntext\r\n.' >"$tmp/files.in/4"
printf 'Subject: dot at the end\r\nX-Tag: 4\r\n\r\ntext\r\n.\r\n' >"$tmp/files.exp/4.eml"
run files --url "smtp://127.0.0.1:$port" --parallel 2 "$tmp/files.in/1" "$tmp/files.in/2" "$tmp/files.in/3" "$tmp/files.in/4"
stop files
verify files --count 4 --expect-dir "$tmp/files.exp"

# ---- faults: 550 at RCPT, 450 at RCPT, 451 and 554 at the end of data, a drop after the data ----
cat >"$tmp/faults.json" <<'EOF'
{"rules": [
  {"at": "RCPT", "rcpt": ["user7@example.test"], "reply": "550 5.1.1 <{rcpt}>: no such user here"},
  {"at": "RCPT", "rcpt": ["user12@example.test"], "reply": "450 4.2.1 {rcpt} mailbox busy"},
  {"at": "end", "match": "X-Tag: 9\r\n", "reply": "451 4.3.0 try again later"},
  {"at": "end", "match": "X-Tag: 10\r\n", "reply": "554 5.7.1 message content refused"},
  {"at": "end", "match": "X-Tag: 11\r\n", "reply": "drop"}
]}
EOF
start faults --faults "$tmp/faults.json"
run faults --url "smtp://127.0.0.1:$port" --parallel 4 --count 30
stop faults
verify faults --count 30 --tag 7=REJECTED:550 --tag 12=RETRY:450 --tag 9=RETRY:451 \
	--tag 10=REJECTED:554 --tag 11=RETRY:0 --detail 7="RCPT TO refused: 550 5.1.1" \
	--detail 9="end of data refused: 451" --detail 11="end of data"
grep -q '^data [0-9]* [0-9]* drop$' "$tmp/faults/log" && ok "faults: the server cut the connection after the data of 11" ||
	fail "faults: no drop in the server log"

# ---- 421 greeting to the first two connections, 421 to the first MAIL of the others ----
cat >"$tmp/greet.json" <<'EOF'
{"rules": [{"at": "connect", "first": 2, "reply": "421 4.3.2 too busy, come back later"},
           {"at": "MAIL", "first": 1, "reply": "421 4.7.0 slow down"}]}
EOF
start greet --faults "$tmp/greet.json"
run greet --url "smtp://127.0.0.1:$port" --parallel 2 --count 8
stop greet
# tags 1 and 2 take the first two connections; tag 3 the third, whose MAIL gets the 421
verify greet --count 8 --tag 1=RETRY:421 --tag 2=RETRY:421 --tag 3=RETRY:421 \
	--detail 1="connect refused: 421" --detail 3="MAIL FROM refused: 421"

# ---- a reply that comes after the client gave up is not taken for the next message's ----
cat >"$tmp/late.json" <<'EOF'
{"rules": [{"at": "end", "nth": [1], "sleep": 3}]}
EOF
start late --faults "$tmp/late.json"
run late --url "smtp://127.0.0.1:$port" --parallel 1 --timeout 2 --count 3
stop late
# (the relay may still take message 1 when it wakes: a RETRY after the data is "maybe sent")
verify late --count 3 --tag 1=RETRY:0 --detail 1="end of data" --maybe-saved 1

# ---- a relay that never greets: RETRY after the timeout ----
cat >"$tmp/mute.json" <<'EOF'
{"rules": [{"at": "connect", "sleep": 30}]}
EOF
start mute --faults "$tmp/mute.json"
t0=$(date +%s%N)
run mute --url "smtp://127.0.0.1:$port" --parallel 2 --timeout 1 --count 2
ms=$((($(date +%s%N) - t0) / 1000000))
stop mute
verify mute --count 2 --default RETRY:0 --detail 1="time"
[ $ms -lt 5000 ] && ok "mute: gave up after $ms ms (timeout 1 s)" || fail "mute: took $ms ms"

# ---- relay down: nothing listens on the port ----
dead=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/down/out"
t0=$(date +%s%N)
run down --url "smtp://127.0.0.1:$dead" --parallel 4 --count 50
ms=$((($(date +%s%N) - t0) / 1000000))
verify down --count 50 --default RETRY:0 --detail 1="connect"
[ $ms -lt 5000 ] && ok "down: 50 RETRY in $ms ms" || fail "down: took $ms ms"

# ---- TLS: a test CA, a server certificate for 127.0.0.1, localhost and this host's name ----
host=$(hostname)
mkdir "$tmp/pki"
(
	cd "$tmp/pki"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=clickstatus test CA" -keyout ca.key -out ca.pem
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout srv.key -out srv.csr
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:%s\n' "$host" >ext
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out srv.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" -keyout wrong.key -out wrong.pem
) >"$tmp/pki/log" 2>&1 || { cat "$tmp/pki/log" >&2; exit 1; }
tls=(--cert "$tmp/pki/srv.pem" --key "$tmp/pki/srv.key")

start smtps --mode smtps "${tls[@]}"
sp=$port
run smtps --url "smtps://127.0.0.1:$sp" --ca "$tmp/pki/ca.pem" --parallel 2 --count 6
run smtps_wrong --url "smtps://127.0.0.1:$sp" --ca "$tmp/pki/wrong.pem" --count 2
run smtps_system --url "smtps://127.0.0.1:$sp" --count 1
stop smtps
verify smtps --count 6 --tls
mkdir -p "$tmp/smtps_wrong/out" "$tmp/smtps_system/out"
verify smtps_wrong --count 2 --default RETRY:0 --detail 1="certificate"
verify smtps_system --count 1 --default RETRY:0 --detail 1="certificate"

# STARTTLS is required for any host but loopback: a name for this machine that is not
# "localhost" exercises it without leaving the machine.
loopback_only=1
addrs=$(getent ahosts "$host" | awk '{print $1}' | sort -u)
[ -n "$addrs" ] || loopback_only=0
for a in $addrs; do
	case "$a" in 127.*|::1) ;; *) loopback_only=0 ;; esac
done
if [ $loopback_only -eq 1 ]; then
	start starttls --mode starttls "${tls[@]}"
	stp=$port
	run starttls --url "smtp://$host:$stp" --ca "$tmp/pki/ca.pem" --parallel 2 --count 6
	run starttls_wrong --url "smtp://$host:$stp" --ca "$tmp/pki/wrong.pem" --count 2
	# plain loopback: no STARTTLS attempted; this server insists, so MAIL is refused (530) and retried
	run starttls_loop --url "smtp://127.0.0.1:$stp" --ca "$tmp/pki/ca.pem" --count 1
	stop starttls
	verify starttls --count 6 --tls
	mkdir -p "$tmp/starttls_wrong/out" "$tmp/starttls_loop/out"
	verify starttls_wrong --count 2 --default RETRY:0 --detail 1="certificate"
	verify starttls_loop --count 1 --default RETRY:530 --detail 1="MAIL FROM refused"

	# a relay without STARTTLS: nothing is sent in clear
	start nostarttls
	run nostarttls --url "smtp://$host:$port" --count 2
	stop nostarttls
	verify nostarttls --count 2 --default RETRY:0 --detail 1="STARTTLS"
	if grep -q '^mail ' "$tmp/nostarttls/log"; then fail "nostarttls: MAIL FROM went out in clear"; else ok "nostarttls: no command past EHLO in clear"; fi

	# AUTH over STARTTLS
	start auth --mode starttls "${tls[@]}" --auth alice:s3cret
	run auth --url "smtp://$host:$port" --ca "$tmp/pki/ca.pem" --user alice --password s3cret --count 3
	run auth_wrong --url "smtp://$host:$port" --ca "$tmp/pki/ca.pem" --user alice --password nope --count 1
	stop auth
	verify auth --count 3 --tls
	mkdir -p "$tmp/auth_wrong/out"
	verify auth_wrong --count 1 --default RETRY:535 --detail 1="AUTH refused"
	if "$py" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["auth"] == "alice" else 1)' \
		"$tmp/auth/out/000001.json"; then ok "auth: the server saw user alice"; else fail "auth: not authenticated as alice"; fi
else
	echo "NOT RUN: STARTTLS cases: $host resolves to $addrs, not only to loopback"
	notrun=1
fi

# ---- rates, for information: 1,000 messages, parallel 4 ----
start rate
run rate --url "smtp://127.0.0.1:$port" --parallel 4 --count 1000 --pad 20
stop rate
verify rate --count 1000
echo "info: aiosmtpd: $(cat "$tmp/rate.rate") over $(conns rate) connections"
run maildir --maildir "$tmp/Maildir" --parallel 4 --count 1000 --pad 20
n=$(find "$tmp/Maildir/new" -type f | wc -l)
t=$(find "$tmp/Maildir/tmp" -type f | wc -l)
if [ "$n" -eq 1000 ] && [ "$t" -eq 0 ] && [ "$(grep -c ' SENT 0 ' "$tmp/maildir.res")" -eq 1000 ]; then
	ok "maildir: 1000 SENT, 1000 files in new/, tmp/ empty"
else
	fail "maildir: $n files in new/, $t in tmp/"
fi
if grep -q $'\r' "$tmp/Maildir/new/"*; then fail "maildir: a CR left in a file"; else ok "maildir: LF line ends only"; fi
echo "info: Maildir: $(cat "$tmp/maildir.rate")"

if [ $failures -gt 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
if [ $notrun -gt 0 ]; then
	echo "everything else passed; exiting 77 because some cases could not run here"
	exit 77
fi
echo "all mail transport checks passed"
