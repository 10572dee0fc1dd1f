#!/bin/sh
# The window library (viz/): builds $BUILD/tests/test_viz from viz/*.c and
# tests/viz/test_viz.c, then runs it offscreen, with no display at all, and
# with a real window under Xvfb. The pictures stay in $BUILD/tests/viz/.
# Ends with the line "N passed, N failed"; exits non-zero on a failure.
BUILD=${BUILD:-build}
bin=$BUILD/tests/test_viz
out=$BUILD/tests/viz
mkdir -p "$BUILD/tests" "$out"

pkgs="sdl2 SDL2_ttf SDL2_image"
san=""
case $BUILD in *asan*) san="-fsanitize=address,undefined -fno-omit-frame-pointer" ;; esac
# Leaks inside X11 and the SDL video drivers are not ours to report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs one mode of the test binary, echoing its lines and adding its counts.
tally() {
    "$@" >"$log" 2>&1
    status=$?
    cat "$log"
    p=$(grep -c '^ok - ' "$log")
    f=$(grep -c '^not ok - ' "$log")
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $*: exited with status $status"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

if [ ! -x "$bin" ] || [ -n "$(find viz tests/viz -newer "$bin" 2>/dev/null | head -n 1)" ]; then
    # shellcheck disable=SC2086
    if ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g $san -Iviz \
        $(pkg-config --cflags $pkgs) viz/*.c tests/viz/test_viz.c -o "$bin" \
        $(pkg-config --libs $pkgs) -lm; then
        echo "not ok - building $bin"
        echo "0 passed, 1 failed"
        exit 1
    fi
fi

tally env SDL_VIDEODRIVER=offscreen "$bin" offscreen "$out"
tally env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$bin" nodisplay "$out"
tally env -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=:4242 "$bin" deaddisplay "$out"
if command -v xvfb-run >/dev/null 2>&1; then
    tally env -u WAYLAND_DISPLAY SDL_VIDEODRIVER=x11 xvfb-run -a "$bin" x11 "$out"
else
    echo "not ok - x11: xvfb-run is missing (apt-get install xvfb xauth)"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
