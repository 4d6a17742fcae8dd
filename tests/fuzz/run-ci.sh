#!/usr/bin/env bash
# run-ci.sh: builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded
# time on a fresh corpus seeded with the recorded files (seeds.list); fails on any crash, leak,
# timeout or sanitizer report. scripts/test runs it; alone:
#   tests/fuzz/run-ci.sh [TARGET...]      (default: every target)
# env: FUZZ_SECONDS (20) per target, FUZZ_BUILD (build-fuzz) the clang build directory,
#      FUZZ_JOBS (2) for the build. A crash input is left in $FUZZ_BUILD/crashes/TARGET/: fix
#      the code, then keep the input as tests/fuzz/regress/TARGET/NAME (unit.fuzz_replay.TARGET
#      replays it in the ordinary suite).
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
secs=${FUZZ_SECONDS:-20}
build=${FUZZ_BUILD:-$top/build-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(feed_parse currentevents config serve_form mail_msg)

if ! command -v clang >/dev/null; then
	echo "run-ci: clang is missing: run scripts/install-deps --test" >&2
	exit 1
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! clang -fsanitize=fuzzer,address "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
	cat "$probe/err" >&2
	echo "run-ci: clang -fsanitize=fuzzer does not link (libclang-rt-14-dev: scripts/install-deps --test)" >&2
	exit 1
fi

CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCS_TESTS=ON -DCS_FUZZ=ON \
	-DCS_SANITIZE=ON >/dev/null
cmake --build "$build" -j"${FUZZ_JOBS:-2}" --target "${targets[@]/#/fuzz_}" >/dev/null

declare -A dict=([config]=tests/fuzz/config.dict [serve_form]=tests/fuzz/form.dict)
# Longest input tried: the recorded feeds are up to 180 kB; a mail of 16 kB already folds,
# encodes and wraps every way, at ten times the speed of one of 64 kB.
declare -A maxlen=([mail_msg]=16384)
fail=0
summary=""
for t in "${targets[@]}"; do
	corpus="$build/corpus/$t" crashes="$build/crashes/$t" log="$build/fuzz-$t.log"
	rm -rf "$corpus" "$crashes"
	mkdir -p "$corpus" "$crashes"
	globs=$(sed -n "s/^$t[[:space:]]\{1,\}//p" tests/fuzz/seeds.list)
	# shellcheck disable=SC2086 # the globs are meant to expand
	cp $globs "$corpus/"
	[ -d "tests/fuzz/regress/$t" ] && cp tests/fuzz/regress/"$t"/* "$corpus/" 2>/dev/null || true
	opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=${maxlen[$t]:-65536}
	      -artifact_prefix="$crashes/" -print_final_stats=1)
	[ -z "${dict[$t]:-}" ] || opts+=(-dict="${dict[$t]}")
	rc=0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$build/tests/fuzz/fuzz_$t" "${opts[@]}" "$corpus" >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
	line=$(printf '%-14s %3s s  %9s runs  %7s exec/s  %s' "$t" "$secs" "${runs:-?}" "${rate:-?}" "${cov:-}")
	if [ $rc -ne 0 ] || [ -n "$(ls -A "$crashes")" ]; then
		fail=1
		line+="  CRASH (exit $rc): $(ls "$crashes" | tr '\n' ' ')"
		echo "== fuzz_$t failed; the end of $log:" >&2
		grep -v '^#' "$log" | tail -40 >&2
	fi
	summary+="$line"$'\n'
done
printf 'fuzz (%s s per target, libFuzzer + ASan + UBSan):\n%s' "$secs" "$summary"
[ $fail -eq 0 ] || { echo "run-ci: a fuzz target crashed: inputs in $build/crashes/" >&2; exit 1; }
