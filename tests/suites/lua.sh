#!/bin/sh
# The Lua API specs: busted on tests/lua/spec_*.lua, from the repo root,
# against $BUILD/gradlab.so (build/, or build-asan/ for `make asan`). The
# output ends with busted's "N successes / N failures / N errors / N pending"
# line; the exit status is non-zero when anything failed.
#
# The module is loaded once by a helper before the specs run, so every spec
# file uses the $BUILD copy whatever package.cpath it sets itself.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
if ! command -v busted >/dev/null 2>&1; then
    echo "lua: busted is not installed (Debian package lua-busted)"
    exit 1
fi
if [ ! -f "$BUILD/gradlab.so" ]; then
    echo "lua: $BUILD/gradlab.so is missing: run make first"
    exit 1
fi
helper=$(mktemp "${TMPDIR:-/tmp}/gradlab-busted-XXXXXX.lua") || exit 1
log=$(mktemp) || exit 1
trap 'rm -f "$helper" "$log"' EXIT
cat >"$helper" <<LUA
package.cpath = "$PWD/$BUILD/?.so;" .. package.cpath
require "gradlab"
LUA

# An ASan build needs the sanitizer runtime first in the process: preload it
# for busted and what it starts (some specs run lua5.4 scripts). Leak
# checking stays off by default: the specs also start tools (pwd, mkdir,
# python3) whose own leaks would fail them.
sanitizer=
case $BUILD in
*asan*)
    sanitizer="LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)
        ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    ;;
esac
# shellcheck disable=SC2086 # $sanitizer is a list of assignments
env $sanitizer busted --lua=lua5.4 --pattern=spec_ --helper="$helper" --output=plainTerminal \
    tests/lua >"$log" 2>&1
status=$?
cat "$log"
# busted prints the failures' details after its summary: repeat it last.
grep -E '^[0-9]+ successes? / ' "$log" | tail -n 1
exit $status
