#!/bin/sh
# Where gradlab's time goes: perf profiles of the MLP fit and the tiny-op loop.
#
#   BUILD=build sh bench/profile.sh            (after make; needs perf)
#   PROFILE_CALLGRIND=1 sh bench/profile.sh    also valgrind --tool=callgrind
#                                              on the tiny-op loop (30,000 its)
#
# The Debian liblua5.4.so is stripped, so perf would show Lua's collector and
# VM as bare addresses. This links a profiling copy of the program,
# $BUILD/bench/gradlab-prof, from the same objects as $BUILD/gradlab but with
# the static liblua5.4.a, which keeps its function names. Output (perf.data
# files and reports) goes to $BUILD/bench/profile/; the summaries print.
# Findings from a run are written up by hand in bench/PROFILE.md.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.." || exit 1
OUT=$BUILD/bench/profile
mkdir -p "$OUT"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 SDL_VIDEODRIVER=offscreen NO_COLOR=1

if ! command -v perf >/dev/null 2>&1; then
    echo "profile: perf not found (apt-get install linux-perf)" >&2
    exit 2
fi

PROG=$BUILD/gradlab
LUA_A=$(pkg-config --variable=libdir lua5.4 2>/dev/null)/liblua5.4.a
if [ -f "$LUA_A" ] && [ -f "$BUILD/libgradlab.a" ]; then
    # shellcheck disable=SC2046
    # -flto=auto: the objects carry LTO code too (make's default); linking
    # it keeps the profile the same program as $BUILD/gradlab
    if ${CC:-cc} -flto=auto -o "$BUILD/bench/gradlab-prof" "$BUILD"/obj/repl/*.o "$BUILD"/obj/lua/*.o \
        "$BUILD"/obj/viz/*.o "$BUILD/libgradlab.a" "$LUA_A" \
        $(pkg-config --libs readline 2>/dev/null || echo -lreadline) \
        $(pkg-config --libs SDL2_ttf SDL2_image sdl2 openblas) -lm -ldl; then
        PROG=$BUILD/bench/gradlab-prof
    else
        echo "profile: could not link the static-Lua copy; profiling $PROG (Lua frames unnamed)" >&2
    fi
fi
echo "profiling $PROG (commit $(git rev-parse --short HEAD)$(test -n "$(git status --porcelain)" && echo +dirty))"

report() {   # report NAME: flat (self) and inclusive tops of $OUT/NAME.data
    echo
    echo "== $1: self time, top 25"
    perf report -i "$OUT/$1.data" --no-children --sort sym --stdio 2>/dev/null \
        | grep -v '^#' | grep -v '^$' | head -25 | tee "$OUT/$1.self.txt"
    echo
    echo "== $1: inclusive (with callees), top 40"
    perf report -i "$OUT/$1-g.data" --children --sort sym --stdio -g none --percent-limit 1 \
        2>/dev/null | grep -v '^#' | grep -v '^$' | head -40 | tee "$OUT/$1.children.txt"
}

echo "== MLP fit, float32, 2000 epochs, 1 thread"
perf record -q -o "$OUT/fit.data" -F 999 "$PROG" bench/mlp_fit.lua float32 2000 | grep seconds
perf record -q -o "$OUT/fit-g.data" --call-graph dwarf,16384 -F 499 \
    "$PROG" bench/mlp_fit.lua float32 2000 >/dev/null
report fit

echo
echo "== tiny-op loop, 100,000 iterations"
perf record -q -o "$OUT/tiny.data" -F 1999 "$PROG" bench/tiny_ops.lua 100000 | grep us_per
perf record -q -o "$OUT/tiny-g.data" --call-graph dwarf,32768 -F 997 \
    "$PROG" bench/tiny_ops.lua 100000 >/dev/null
report tiny

if [ "${PROFILE_CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
    echo
    echo "== tiny-op loop under callgrind (30,000 iterations; instructions, not time)"
    valgrind -q --tool=callgrind --callgrind-out-file="$OUT/tiny.callgrind" \
        "$PROG" bench/tiny_ops.lua 30000 >/dev/null
    callgrind_annotate "$OUT/tiny.callgrind" 2>/dev/null | sed -n '/file:function/,$p' | head -30
fi
echo
echo "perf data and reports in $OUT/ (perf report -i $OUT/fit-g.data for the call graphs)"
