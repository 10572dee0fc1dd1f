#!/bin/sh
# Runs the engine's reader fuzzers (built by `make fuzz-lib` into $BUILD/fuzz/)
# for FUZZ_TIME seconds each, from the committed seeds in tests/fuzz/corpus/NAME
# (read only) plus what earlier runs found in $BUILD/fuzz/corpus-NAME (where
# new inputs go). Prints each target's executions (libFuzzer's
# stat::number_of_executed_units) and ends with "readers: N passed, N failed".
# A crash, leak, sanitizer report or timeout fails its target; the input
# that did it is left as $BUILD/fuzz/NAME-crash-* (or -leak-, -timeout-):
# fix it, add it to tests/fuzz/regressions/ and a test to tests/engine/test_readers.c.
#   sh tests/fuzz/run_lib.sh [NAME...]      (default: npy csv literal)
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
FUZZ_TIME=${FUZZ_TIME:-60}
[ $# -gt 0 ] || set -- npy csv literal
passed=0
failed=0
for name in "$@"; do
    bin=$BUILD/fuzz/fuzz_$name
    if [ ! -x "$bin" ]; then
        echo "fuzz_$name: $bin is missing: run make fuzz-lib"
        failed=$((failed + 1))
        continue
    fi
    mkdir -p "$BUILD/fuzz/corpus-$name"
    log=$BUILD/fuzz/fuzz_$name.log
    dict=
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    # shellcheck disable=SC2086 # $dict is one word or none
    "$bin" -max_total_time="$FUZZ_TIME" -timeout=10 -print_final_stats=1 $dict \
        -artifact_prefix="$BUILD/fuzz/$name-" "$BUILD/fuzz/corpus-$name" "tests/fuzz/corpus/$name" \
        >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    corpus=$(find "$BUILD/fuzz/corpus-$name" -type f | wc -l)
    if [ "$status" = 0 ]; then
        echo "fuzz_$name: ${execs:-?} executions in ${FUZZ_TIME}s (${secs:-?}/s), $corpus new corpus inputs, no crash"
        passed=$((passed + 1))
    else
        echo "fuzz_$name: FAILED (exit $status) after ${execs:-?} executions; log $log:"
        grep -a -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z]+: |artifact_prefix|Test unit written)' "$log" | head -n 20
        failed=$((failed + 1))
    fi
done
echo "readers: $passed passed, $failed failed"
[ "$failed" = 0 ]
