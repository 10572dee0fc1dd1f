#!/bin/sh
# Every lesson in check mode: no pauses, no window (plots saved offscreen),
# every number it claims checked. One test per lesson.
BUILD=${BUILD:-build}
export SDL_VIDEODRIVER=offscreen
pass=0; fail=0
for f in lessons/[0-9]*.lua; do
    n=$(basename "$f" | sed 's/_.*//; s/^0*//')
    out=$(mktemp)
    if "$BUILD/gradlab" lesson "$n" --check >"$out" 2>&1; then
        pass=$((pass + 1)); echo "ok   lesson $n: $(grep -E 'checks, [0-9]+ failed' "$out" | tail -1)"
    else
        fail=$((fail + 1)); echo "FAIL lesson $n"; tail -40 "$out"
    fi
    rm -f "$out"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
