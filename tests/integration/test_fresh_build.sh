#!/usr/bin/env bash
# test_fresh_build.sh: README's first command (scripts/quickstart) configures and builds without the test packages.
#
#   test_fresh_build.sh
#
# A fresh build directory is configured with exactly the cmake options of scripts/quickstart
# (read from the script, so the test follows it) while cmocka's pkg-config file is hidden:
# PKG_CONFIG_LIBDIR points at a directory of links to every .pc file of the system search
# path but cmocka.pc. The clickstatus target must build and its check-config must pass. The
# negative: the same environment with -DCS_TESTS=ON must fail to configure, naming cmocka.
# A plain configure with no options must succeed too (CS_TESTS defaults to AUTO).
# Builds in a temporary directory under ${TMPDIR:-/tmp}, removed at exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cs-fresh-build.XXXXXX")
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
passed=0
fail() { echo "FAIL: $*" >&2; echo "$passed passed, 1 failed"; exit 1; }
ok() { passed=$((passed + 1)); echo "ok $passed $*"; }

# The quick start's configure line: "cmake -S . -B build OPTIONS [>/dev/null]".
lines=$(grep -E '^[[:space:]]*cmake[[:space:]]+-S[[:space:]]' "$src/scripts/quickstart" || true)
[ -n "$lines" ] || fail "no 'cmake -S ...' line in scripts/quickstart"
[ "$(printf '%s\n' "$lines" | wc -l)" = 1 ] || fail "more than one cmake configure line in scripts/quickstart: $lines"
opts=$(printf '%s\n' "$lines" | sed -n -E 's/^[[:space:]]*cmake[[:space:]]+-S[[:space:]]+\.[[:space:]]+-B[[:space:]]+build([^>]*)(>.*)?$/options:\1/p')
[ -n "$opts" ] || fail "cannot read the options of scripts/quickstart's cmake line: $lines"
read -r -a optv <<<"${opts#options:}"
for o in "${optv[@]}"; do
	case "$o" in
	-D?*=* | -G* | -W*) ;;
	*) fail "scripts/quickstart's cmake line has '$o', not an option this test can follow: $lines" ;;
	esac
done
ok "scripts/quickstart configures with: ${optv[*]}"

# Every .pc file of the system search path but cmocka.pc (the first of a name wins, as in
# pkg-config's own search order).
mkdir "$tmp/pc"
IFS=: read -r -a pcdirs <<<"$(pkg-config --variable pc_path pkg-config)"
for d in "${pcdirs[@]}"; do
	[ -d "$d" ] || continue
	for f in "$d"/*.pc; do
		[ -e "$f" ] || continue
		name=$(basename "$f")
		if [ "$name" != cmocka.pc ] && [ ! -e "$tmp/pc/$name" ]; then
			ln -s "$f" "$tmp/pc/$name"
		fi
	done
done
hidden() { PKG_CONFIG_LIBDIR="$tmp/pc" PKG_CONFIG_PATH="" "$@"; }
if hidden pkg-config --exists cmocka; then
	fail "cmocka is still found by pkg-config with PKG_CONFIG_LIBDIR=$tmp/pc: the test would prove nothing"
fi
hidden pkg-config --exists libcurl libxml-2.0 libxslt libexslt jansson sqlite3 ||
	fail "the product's own packages are not found with cmocka hidden (see $tmp/pc)"
ok "cmocka hidden from pkg-config ($(find "$tmp/pc" -name '*.pc' | wc -l) other .pc files linked)"

# The quick start's configure and build, from nothing.
hidden cmake -S "$src" -B "$tmp/build" "${optv[@]}" >"$tmp/configure.log" 2>&1 ||
	{ cat "$tmp/configure.log" >&2; fail "cmake with scripts/quickstart's options failed without cmocka"; }
hidden cmake --build "$tmp/build" --target clickstatus -j2 >"$tmp/build.log" 2>&1 ||
	{ tail -n 50 "$tmp/build.log" >&2; fail "building clickstatus failed without cmocka"; }
ok "configured and built the clickstatus target without cmocka"
out=$(cd "$tmp/build" && ./clickstatus check-config 2>&1) || fail "clickstatus check-config: $out"
[ "$out" = "configuration OK" ] || fail "clickstatus check-config said '$out', want 'configuration OK'"
ok "build/clickstatus check-config: configuration OK"

# A plain configure, no options at all, as a newcomer or a packager types it: the product
# configures and the tests are left out, said so.
hidden cmake -S "$src" -B "$tmp/build-plain" >"$tmp/configure-plain.log" 2>&1 ||
	{ cat "$tmp/configure-plain.log" >&2; fail "a plain cmake configure failed without cmocka"; }
grep -q "cmocka not found: the test suite is not configured" "$tmp/configure-plain.log" ||
	{ cat "$tmp/configure-plain.log" >&2; fail "a plain configure without cmocka did not say the tests are left out"; }
ok "a plain 'cmake -S . -B build' configures without cmocka and says the tests are left out"

# The negative: asking for the tests in the same environment must fail, and say why.
if hidden cmake -S "$src" -B "$tmp/build-tests" "${optv[@]}" -DCS_TESTS=ON >"$tmp/configure-tests.log" 2>&1; then
	fail "cmake -DCS_TESTS=ON configured without cmocka"
fi
# pkgconf says "Package 'cmocka', required by ..., not found", pkg-config "No package 'cmocka' found".
said=$(grep -E -i -m1 "package 'cmocka'.*not found|no package 'cmocka' found" "$tmp/configure-tests.log" || true)
if [ -z "$said" ] || ! grep -q "CMake Error" "$tmp/configure-tests.log"; then
	cat "$tmp/configure-tests.log" >&2
	fail "cmake -DCS_TESTS=ON failed without an error saying cmocka is not found"
fi
ok "with -DCS_TESTS=ON the configure fails:$(echo "$said" | sed 's/^-- *//; s/^/ /')"
echo "$passed passed, 0 failed"
