#!/bin/sh
# Runs every test suite and ends with one line "N passed, N failed".
# Each suite is a command whose output ends with a count line: cmocka's
# "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)", busted's
# "N successes / N failures / N errors", or our own "N passed, N failed".
# A suite that crashes or prints no count counts as one failure.
BUILD=${BUILD:-build}
export BUILD
export SDL_VIDEODRIVER=${SDL_VIDEODRIVER:-offscreen}
export NO_COLOR=1
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {
    name=$1; shift
    echo "== $name"
    "$@" >"$log" 2>&1
    status=$?
    cat "$log"
    counts=$(python3 - "$log" "$status" <<'PY'
import re, sys
text = open(sys.argv[1], errors="replace").read()
status = int(sys.argv[2])
p = f = None
m = re.findall(r"\[  PASSED  \] (\d+) test", text)
if m:
    p = int(m[-1]); f = 0
    m2 = re.findall(r"\[  FAILED  \] (\d+) test", text)
    if m2: f = int(m2[-1])
m = re.findall(r"(\d+) success\w* / (\d+) failures? / (\d+) errors?", text)
if m:
    p, f = int(m[-1][0]), int(m[-1][1]) + int(m[-1][2])
m = re.findall(r"^\s*(?:\w+: )?(\d+) passed, (\d+) failed", text, re.M)
if m:
    p, f = int(m[-1][0]), int(m[-1][1])
if p is None:
    p, f = 0, 1
elif status != 0 and f == 0:
    f = 1   # crashed after reporting, or exit status says failure
print(p, f)
PY
)
    set -- $counts
    total_pass=$((total_pass + $1))
    total_fail=$((total_fail + $2))
    echo "-- $name: $1 passed, $2 failed"
}

[ -x "$BUILD/tests/test_engine" ] && run_suite "engine (C, cmocka)" "$BUILD/tests/test_engine"
for suite in tests/suites/*.sh; do
    [ -f "$suite" ] || continue
    run_suite "$(basename "$suite" .sh)" sh "$suite"
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
