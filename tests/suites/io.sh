#!/bin/sh
# How the program ends: closed pipes, script errors, unwritable history.
BUILD=${BUILD:-build}
exec /usr/bin/python3 tests/repl/test_io.py "$BUILD/gradlab"
