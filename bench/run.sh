#!/bin/sh
# `make bench`: gradlab side by side with PyTorch and OpenBLAS.
#
#   BUILD=build sh bench/run.sh        (make bench does this after make all)
#
# Builds the C reference (bench/matmul_blas.c, OpenBLAS called directly) into
# $BUILD/bench/, then runs bench/bench.py, which runs every workload with
# gradlab (build/gradlab bench/*.lua) and its reference, alternating,
# BENCH_REPEATS times (default 3), prints the table and writes
# bench/RESULTS.md. Where PyTorch is missing its column says so; where Python
# itself is missing, gradlab's own figures still print (below).
# BENCH_ONLY=fit,tiny,matmul,startup,lessons,viz runs some rows only.
set -u
BUILD=${BUILD:-build}
export BUILD
cd "$(dirname "$0")/.." || exit 1

if [ ! -x "$BUILD/gradlab" ]; then
    echo "bench: $BUILD/gradlab not built (run make)" >&2
    exit 2
fi

mkdir -p "$BUILD/bench"
CC=${CC:-cc}
if pkg-config --exists openblas 2>/dev/null; then
    if [ ! -x "$BUILD/bench/matmul_blas" ] || [ bench/matmul_blas.c -nt "$BUILD/bench/matmul_blas" ]; then
        # shellcheck disable=SC2046
        $CC -O2 -std=c11 -Wall -Wextra $(pkg-config --cflags openblas) bench/matmul_blas.c \
            -o "$BUILD/bench/matmul_blas" $(pkg-config --libs openblas) \
            || echo "bench: could not build the OpenBLAS reference; its column will be empty" >&2
    fi
else
    echo "bench: pkg-config openblas not found; the OpenBLAS column will be empty" >&2
fi

PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 || true)
if [ -n "$PYTHON" ]; then
    exec "$PYTHON" bench/bench.py
fi

# No Python at all: no references, and no RESULTS.md; gradlab's own figures.
echo "bench: python3 not found: no PyTorch reference and no RESULTS.md; gradlab alone, once each:"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 SDL_VIDEODRIVER=offscreen NO_COLOR=1
for dt in float32 float64; do
    printf 'MLP fit %s, 1 thread: ' "$dt"
    "$BUILD/gradlab" bench/mlp_fit.lua "$dt" 2000 | sed -n 's/^BENCH seconds \(.*\)/\1 s/p'
done
printf 'tiny-op loop: '
"$BUILD/gradlab" bench/tiny_ops.lua 100000 | sed -n 's/^BENCH us_per_iter \(.*\)/\1 us per iteration/p'
for n in 64 256 1024; do
    for dt in float32 float64; do
        printf 'matmul %s %s: ' "$n" "$dt"
        "$BUILD/gradlab" bench/matmul.lua "$n" "$dt" | sed -n 's/^BENCH gflops \(.*\)/\1 GFLOPS/p'
    done
done
