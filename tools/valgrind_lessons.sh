#!/bin/sh
# Every lesson in check mode under valgrind memcheck: 0 errors and 0 bytes
# definitely lost each, the lesson's own checks passing.
#
#   sh tools/valgrind_lessons.sh [N ...]        (default: lessons 1..6; `make valgrind`)
#
# Each lesson runs as
#   valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
#            --suppressions=tools/valgrind.supp $BUILD/gradlab lesson N --check
# with SDL_VIDEODRIVER=offscreen; its log goes to $BUILD/valgrind/lesson-N.log.
# One line per lesson says its errors, its definitely lost bytes, its time
# and its status; the last line is "N passed, N failed".
#
# Environment: BUILD (build), VALGRIND_TIMEOUT (seconds per lesson, 3600),
# VALGRIND_OPTS (more valgrind options, e.g. --track-origins=yes).
#
# The engine reuses freed buffers (engine/pool.c), so memcheck takes a
# recycled buffer's old bytes for initialised. For the strict check, build
# without the pool:  make BUILD=build-nopool OPT="-O2 -DGL_NO_POOL" valgrind
# (lesson 5 then fails: it prints gl.empty(1), uninitialised on purpose).
#
# Time: lessons 1, 4, 5 take seconds, 6 about half a minute, 3 about three
# minutes and 2 (a 10000x10000 loss, then 900 epochs) over six minutes.
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
PROG=$BUILD/gradlab
LOGDIR=$BUILD/valgrind
TIMEOUT=${VALGRIND_TIMEOUT:-3600}
export SDL_VIDEODRIVER=offscreen
export NO_COLOR=1

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind: not installed (Debian package valgrind)"
    echo "0 passed, 1 failed"
    exit 1
fi
if [ ! -x "$PROG" ]; then
    echo "valgrind: $PROG is missing: run make first"
    echo "0 passed, 1 failed"
    exit 1
fi
case $BUILD in
*asan*)
    echo "valgrind: $BUILD is an AddressSanitizer build; valgrind needs a plain one (BUILD=build)"
    echo "0 passed, 1 failed"
    exit 1
    ;;
esac
mkdir -p "$LOGDIR" || exit 1

lessons=${*:-1 2 3 4 5 6}
passed=0
failed=0
for n in $lessons; do
    log=$LOGDIR/lesson-$n.log
    out=$LOGDIR/lesson-$n.out
    start=$(date +%s.%N)
    # shellcheck disable=SC2086 # VALGRIND_OPTS is a list of options
    timeout "$TIMEOUT" valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
        --suppressions=tools/valgrind.supp --log-file="$log" $VALGRIND_OPTS \
        "$PROG" lesson "$n" --check >"$out" 2>&1 </dev/null
    status=$?
    end=$(date +%s.%N)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tail -n 1 | tr -d ,)
    lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tail -n 1 | tr -d ,)
    suppressed=$(sed -n 's/.*ERROR SUMMARY: .*(suppressed: \([0-9,]*\) from.*/\1/p' "$log" | tail -n 1 | tr -d ,)
    # no leak summary at all means nothing was left on the heap
    if [ -z "$lost" ] && grep -q "All heap blocks were freed" "$log"; then lost=0; fi
    what="ok"
    if [ "$status" = 124 ]; then
        what="TIMED OUT after ${TIMEOUT}s"
    elif [ "$status" != 0 ]; then
        if [ "${errors:-1}" = 0 ]; then what="FAILED (status $status: the lesson's checks; see $out)"
        else what="FAILED (status $status)"; fi
    elif [ "${errors:-x}" != 0 ] || [ "${lost:-x}" != 0 ]; then
        what="FAILED"
    fi
    printf 'lesson %s: %s errors, %s bytes definitely lost, %s suppressed, %ss  %s\n' \
        "$n" "${errors:-?}" "${lost:-?}" "${suppressed:-?}" "$secs" "$what"
    if [ "$what" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "  log: $log"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
