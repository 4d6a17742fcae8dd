#!/bin/sh
# golden_expect.sh: checks a golden file, or the output a test compares with it, against the
# golden's hand-written expectation tests/golden/NAME.expect.
#
#   golden_expect.sh NAME [FILE]   FILE (default tests/golden/NAME) against NAME.expect
#   golden_expect.sh --all         every golden against its expectation; each must have one
#
# A golden is a copy of the code's output: it catches change, not error. Its expectation is
# the part a person wrote by reading the input (the fixture, the spec, the issue): counts and
# statuses that must hold whatever the golden's details. Every test that compares with a golden
# (tests/unit/testutil.c, test_incident_replay.sh, test_site_replay.sh) first checks its output
# against the expectation, so UPDATE_GOLDEN=1 cannot write a golden that contradicts it; the
# lint test unit.golden_expect (--all) checks the goldens as committed.
#
# Expectation format: one check a line; '#' starts a comment line, which says where the
# number comes from:
#   lines N TEXT    exactly N lines of the file contain TEXT (a fixed string: everything after
#                   "lines N ", spaces included)
# Exit 0 when every check holds; 1 with a line per failed check on stderr; 2 when an
# expectation is missing, empty or not understood.
set -eu

golden=$(cd "$(dirname "$0")" && pwd)/golden

# check NAME FILE: prints each failed check; returns 0, 1 or 2 as above.
check() {
	exp=$golden/$1.expect
	if [ ! -f "$exp" ]; then
		echo "golden $1 has no expectation $exp: write one from the input (see $0)" >&2
		return 2
	fi
	[ -f "$2" ] || { echo "golden $1: no file $2" >&2; return 2; }
	bad=0
	checks=0
	no=0
	while IFS= read -r line || [ -n "$line" ]; do
		no=$((no + 1))
		case $line in
		'' | '#'*) continue ;;
		'lines '[0-9]*' '?*) ;;
		*)
			echo "$exp:$no: not 'lines N TEXT': $line" >&2
			return 2
			;;
		esac
		rest=${line#lines }
		want=${rest%% *}
		text=${rest#* }
		case $want in *[!0-9]*) echo "$exp:$no: not a count: $want" >&2; return 2 ;; esac
		got=$(grep -c -F -e "$text" "$2" || true)
		checks=$((checks + 1))
		if [ "$got" -ne "$want" ]; then
			echo "$exp:$no: want $want line(s) with \"$text\", got $got" >&2
			bad=1
		fi
	done <"$exp"
	if [ "$checks" -eq 0 ]; then
		echo "$exp: no check" >&2
		return 2
	fi
	return $bad
}

case ${1:-} in
--all)
	rc=0
	for f in "$golden"/*; do
		name=$(basename "$f")
		case $name in
		*.expect)
			[ -f "${f%.expect}" ] || { echo "$f: no golden ${f%.expect}" >&2; rc=1; }
			;;
		*)
			check "$name" "$f" || rc=1
			;;
		esac
	done
	[ $rc -ne 0 ] || echo "every golden agrees with its expectation"
	exit $rc
	;;
'' | -*)
	echo "usage: $0 NAME [FILE] | --all" >&2
	exit 2
	;;
*)
	check "$1" "${2:-$golden/$1}"
	;;
esac
