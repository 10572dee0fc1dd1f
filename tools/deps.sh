#!/bin/sh
# Installs the Debian packages gradlab needs when run as root and some are
# missing; otherwise prints the exact apt-get line and fails.
#   tools/deps.sh          what building and running need
#   tools/deps.sh test     also what `make test` needs
#   tools/deps.sh fuzz     also clang with libFuzzer and its sanitizer runtimes
#                          (make fuzz-lib; -fsanitize=fuzzer needs libclang-rt-14-dev,
#                          which clang only recommends)
set -eu
pkgs="pkg-config make gcc liblua5.4-dev lua5.4 libreadline-dev libsdl2-dev libsdl2-ttf-dev
      fonts-dejavu-core libsdl2-image-dev libopenblas-dev"
if [ "${1:-}" = test ]; then
    pkgs="$pkgs libcmocka-dev lua-busted xvfb xauth python3"
fi
if [ "${1:-}" = fuzz ]; then
    pkgs="$pkgs clang libclang-rt-14-dev"
fi
missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "gradlab: installing missing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "gradlab: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install$missing" >&2
    exit 1
fi
