#!/bin/sh
# Runs the Lua API fuzzer (tests/fuzz/api_fuzz.lua) in the sanitizer build of
# the program (build-asan/gradlab: ASan + UBSan, LeakSanitizer at exit), in
# CHUNKS runs of CALLS/CHUNKS calls each, seeds FIRST_SEED, FIRST_SEED+1, ...,
# JOBS runs at a time (default: the number of CPUs).
# FUZZ_LUA=1 runs it in stock lua5.4 with build-asan/gradlab.so.
#
#   sh tests/fuzz/run_api.sh CALLS [CHUNKS [FIRST_SEED]]
#
# Prints each run's line, then the calls, the seeds, the distinct error
# messages (over all runs, numbers normalised out) and the time, and ends with
# "api_fuzz: N passed, N failed" (one per run). A run fails on a crash, a
# sanitizer report, a leak or a broken oracle: its log is kept and its tail
# shown; rerun it alone with
#   FUZZ_TRACE=1 build-asan/gradlab tests/fuzz/api_fuzz.lua SEED CALLS
# and the options below.
cd "$(dirname "$0")/../.." || exit 1
CALLS=${1:-20000}
CHUNKS=${2:-1}
SEED=${3:-1}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
# a run that takes longer has hung (exit 124): a failure, not a stuck make
TIMEOUT=${FUZZ_TIMEOUT:-900}
# FUZZ_LUA=1: stock lua5.4 loading build-asan/gradlab.so instead (the
# sanitizer runtime preloaded), the way busted and scripts use the module.
if [ -n "$FUZZ_LUA" ]; then
    PROG=lua5.4
    need=build-asan/gradlab.so
    export LUA_CPATH="build-asan/?.so;;"
    preload=$(${CC:-cc} -print-file-name=libasan.so)   # for lua5.4 alone, not the tools here
else
    PROG=build-asan/gradlab
    need=$PROG
    preload=
fi
if [ ! -f "$need" ]; then
    echo "api_fuzz: $need is missing: run make SANITIZE=1 BUILD=build-asan $need"
    echo "api_fuzz: 0 passed, 1 failed"
    exit 1
fi

# halt_on_error: the first UBSan report ends the run (and fails it).
# allocator_may_return_null: a terabyte request returns NULL, as malloc does,
# so the engine's "cannot allocate N bytes" error is what gets tested (ASan's
# default is to report it and abort). Nothing is suppressed: no leak of Lua's
# or SDL's shows (the fuzzer closes its Lua state with os.exit(code, true),
# and never opens the window).
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export SDL_VIDEODRIVER=offscreen

dir=$(mktemp -d "${TMPDIR:-/tmp}/gradlab-api-fuzz-XXXXXX") || exit 1
per=$(( (CALLS + CHUNKS - 1) / CHUNKS ))
start=$(date +%s.%N)

# one run: seed -> $dir/$seed.{out,log,msg,rc}
run_one() {
    FUZZ_MESSAGES="$dir/$1.msg" LD_PRELOAD="$preload" timeout "$TIMEOUT" \
        "$PROG" tests/fuzz/api_fuzz.lua "$1" "$per" >"$dir/$1.out" 2>"$dir/$1.log"
    echo $? >"$dir/$1.rc"
}

i=0
while [ "$i" -lt "$CHUNKS" ]; do
    j=0
    while [ "$j" -lt "$JOBS" ] && [ "$i" -lt "$CHUNKS" ]; do
        run_one $((SEED + i)) &
        i=$((i + 1))
        j=$((j + 1))
    done
    wait
done

passed=0
failed=0
seeds=
i=0
while [ "$i" -lt "$CHUNKS" ]; do
    s=$((SEED + i))
    seeds="$seeds${seeds:+ }$s"
    grep '^api_fuzz: [0-9]* calls' "$dir/$s.out"
    if [ "$(cat "$dir/$s.rc")" = 0 ] && grep -q '^1 passed, 0 failed' "$dir/$s.out"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        keep=${TMPDIR:-/tmp}/gradlab-api-fuzz-seed$s.log
        cp "$dir/$s.log" "$keep"
        rc=$(cat "$dir/$s.rc")
        [ "$rc" = 124 ] && rc="124: timed out after ${TIMEOUT}s, a hang? FUZZ_TRACE=1 names the step"
        echo "api_fuzz: seed $s FAILED (exit $rc); log $keep; its report:"
        # the sanitizer's report or the oracle's message, without the noise
        grep -v -e '^warning: broadcast' -e 'AddressSanitizer failed to allocate' "$dir/$s.log" | tail -n 60
    fi
    i=$((i + 1))
done
end=$(date +%s.%N)
messages=$(cat "$dir"/*.msg 2>/dev/null | sort -u | wc -l)
total=$((per * CHUNKS))
awk -v c="$total" -v s="$seeds" -v m="$messages" -v t0="$start" -v t1="$end" 'BEGIN {
    printf "api_fuzz: %d calls in %.1f s, seeds %s, %d distinct error messages\n", c, t1 - t0, s, m }'
rm -rf "$dir"
echo "api_fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
