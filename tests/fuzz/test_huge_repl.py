#!/usr/bin/python3
"""Tensors too large to allocate at the gradlab REPL: each request is a Lua
error that names the bytes, and the session goes on with its state.

usage: test_huge_repl.py [path/to/gradlab]      (default: build/gradlab)

The REPL runs at a pseudo-terminal, as a user has it. Python 3 standard
library only; the last line is "N passed, M failed".
"""
import os
import shutil
import sys
import tempfile

# the pseudo-terminal driver the REPL tests share
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "repl"))
from harness import Failure, Repl as HarnessRepl, terminal_env  # noqa: E402

GRADLAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/gradlab")
TMP = tempfile.mkdtemp(prefix="gradlab-huge-test-")


def Repl():
    """gradlab at a pseudo-terminal. A sanitizer build reports and aborts on a
    terabyte request unless told to return NULL, as malloc does."""
    opts = os.environ.get("ASAN_OPTIONS", "")
    env = terminal_env(os.path.join(TMP, "history"),
                       ASAN_OPTIONS=(opts + ":" if opts else "") + "allocator_may_return_null=1")
    return HarnessRepl(GRADLAB, env, timeout=20.0)


def output(r, line):
    """What LINE printed, as one string."""
    return "\n".join(r.run(line))


CASES = [
    # (line, what the error must say)
    ("x = gl.zeros(1e12)", "cannot allocate 4000000000000 bytes for a float32 tensor of shape (1000000000000)"),
    ("x = gl.randn(1000000, 1000000, {dtype = 'float64'})",
     "cannot allocate 8000000000000 bytes for a float64 tensor of shape (1000000,1000000)"),
    ("x = gl.ones(2^31, 2^31, 2^31)",
     "shape (2147483648,2147483648,2147483648) of float32 is too large: 3.96e+28 bytes overflow the address space"),
    ("x = gl.empty{0, 2^62, 2^62}",
     "shape (0,4611686018427387904,4611686018427387904) is too large: the product of its sizes overflows 64 bits"),
    ("x = gl.ones(1, 1):expand(2^62, 4)", "the number of elements overflows 64 bits"),
    ("x = keep:expand(1e6, 1e6):clone()", "cannot allocate 4000000000000 bytes"),
]


def main():
    passed = failed = 0
    r = Repl()
    try:
        r.prompt()
        r.run("keep = gl.tensor{{3}}")
        for line, want in CASES:
            try:
                out = output(r, line)
                if want not in out:
                    raise Failure("%r printed %r, without %r" % (line, out, want))
                if "stack traceback:" not in out:
                    raise Failure("%r: no traceback in %r" % (line, out))
                out = output(r, "print(x, keep:sum():item())")
                if "nil\t3.0" not in out:
                    raise Failure("after %r the session printed %r, expected nil and 3.0" % (line, out))
                print("ok - %s" % line)
                passed += 1
            except Failure as e:
                print("not ok - %s: %s" % (line, e))
                failed += 1
                if "gradlab exited" in str(e) or "timed out" in str(e):
                    r.close()
                    r = Repl()
                    r.prompt()
                    r.run("keep = gl.tensor{{3}}")
    finally:
        try:
            r.close()
        except Failure:
            pass  # close() has killed a hung session; the cases are what count
        shutil.rmtree(TMP, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
