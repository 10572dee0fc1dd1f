#!/usr/bin/python3
"""Tensors too large to allocate at the gradlab REPL: each request is a Lua
error that names the bytes, and the session goes on with its state.

usage: test_huge_repl.py [path/to/gradlab]      (default: build/gradlab)

The REPL runs at a pseudo-terminal, as a user has it. Python 3 standard
library only; the last line is "N passed, M failed".
"""
import os
import pty
import re
import select
import sys
import tempfile
import time

GRADLAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/gradlab")
PROMPT = "gl> "
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\x07|\r")
TMP = tempfile.mkdtemp(prefix="gradlab-huge-test-")


class Failure(Exception):
    pass


class Repl:
    def __init__(self):
        env = dict(os.environ, TERM="xterm", NO_COLOR="1", INPUTRC="/dev/null",
                   GRADLAB_HISTORY=os.path.join(TMP, "history"))
        # A sanitizer build reports and aborts on a terabyte request unless told
        # to return NULL, as malloc does.
        opts = env.get("ASAN_OPTIONS", "")
        env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "allocator_may_return_null=1"
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execve(GRADLAB, [GRADLAB], env)
            finally:
                os._exit(127)
        self.pid, self.fd, self.raw, self.mark = pid, fd, b"", 0

    def text(self):
        return ANSI.sub(b"", self.raw).decode("utf-8", "replace")

    def prompt(self, timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            t = self.text()
            m = re.compile(re.escape(PROMPT) + r"$").search(t, self.mark)
            if m:
                out, self.mark = t[self.mark:m.start()], m.end()
                return out
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("timed out waiting for the prompt; output:\n" + t[self.mark:][-1500:])
            r, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise Failure("gradlab exited; output:\n" + t[-2000:])
                self.raw += data

    def run(self, line):
        os.write(self.fd, (line + "\n").encode())
        return self.prompt()

    def close(self):
        try:
            os.write(self.fd, b"\x04")
        except OSError:
            pass
        for _ in range(100):
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        else:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


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
                out = r.run(line)
                if want not in out:
                    raise Failure("%r printed %r, without %r" % (line, out, want))
                if "stack traceback:" not in out:
                    raise Failure("%r: no traceback in %r" % (line, out))
                out = r.run("print(x, keep:sum():item())")
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
        r.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
