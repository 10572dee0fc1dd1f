#!/bin/sh
# Ctrl-C at random moments into gl.nn.fit at the REPL (a pseudo-terminal):
# a short run of 10 here; `make stress` runs 100 (INTERRUPTS=N overrides).
BUILD=${BUILD:-build}
exec /usr/bin/python3 tests/repl/test_interrupts.py --count "${INTERRUPTS:-10}" "$BUILD/gradlab"
