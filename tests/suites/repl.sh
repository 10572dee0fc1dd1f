#!/bin/sh
# The gradlab program at a pseudo-terminal and in its script modes.
BUILD=${BUILD:-build}
exec /usr/bin/python3 tests/repl/test_repl.py "$BUILD/gradlab"
