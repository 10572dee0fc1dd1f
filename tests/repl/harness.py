"""What the test drivers in this directory share: gradlab driven through a
pseudo-terminal (Repl), the environment it runs in there, and the loop that
runs a list of tests and prints "N passed, M failed".

The drivers import it from their own directory; Python 3 standard library only.
"""
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import termios
import time
import traceback

PROMPT = "gl> "  # the primary prompt
MORE = "..> "    # the prompt for the further lines of an unfinished chunk

# Terminal escapes (Readline's redraws, colors), bells and carriage returns:
# stripped so that patterns match the text as a person would read it.
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\x07|\r")


class Failure(Exception):
    """A check that did not hold; the message says what was seen instead."""


def check(cond, what):
    if not cond:
        raise Failure(what)


def terminal_env(history, **extra):
    """The environment for gradlab in a test: a plain xterm without colors or
    the user's key bindings, so the output is the same on every machine, and
    the history file HISTORY, so the user's own is left alone. EXTRA sets
    more variables; a value of None removes one."""
    env = dict(os.environ, TERM="xterm", NO_COLOR="1", INPUTRC="/dev/null", GRADLAB_HISTORY=history)
    for name, value in extra.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


class Repl:
    """gradlab at a pseudo-terminal: send() types, expect() waits for what
    it shows. `timeout` (seconds) is how long expect(), prompt(), run() and
    wait() wait unless told otherwise."""

    def __init__(self, prog, env, timeout=5.0):
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its terminal
            try:
                os.execve(prog, [prog], env)
            finally:
                os._exit(127)  # exec failed: the child must not go on running the tests
        self.pid, self.fd = pid, fd
        # a wide window, so Readline does not wrap the echo of long lines
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
        self.timeout = timeout
        self.raw = b""  # everything shown so far, escapes and all
        self.mark = 0  # where in text() the next expect() starts looking
        self.exit_code = None  # set once the program has exited

    def text(self):
        """Everything shown so far, without the escapes."""
        return ANSI.sub(b"", self.raw).decode("utf-8", "replace")

    def _read_until(self, deadline):
        """Reads what the program has shown, waiting until it shows something
        or DEADLINE passes; returns False when it has passed."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.fd], [], [], left)
        if ready:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: the child has gone
                data = b""
            if not data:
                raise Failure("gradlab exited; output:\n" + self.text()[-2000:])
            self.raw += data
        return True

    def expect(self, pattern, timeout=None):
        """Waits for the regex after the mark; returns the text from the mark
        to the end of the match and moves the mark past it."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        rx = re.compile(pattern)
        while True:
            t = self.text()
            m = rx.search(t, self.mark)
            if m:
                out = t[self.mark:m.end()]
                self.mark = m.end()
                return out
            if not self._read_until(deadline):
                raise Failure("timed out waiting for %r; output after mark:\n%r" % (pattern, t[self.mark:][-1500:]))

    def send(self, keys):
        """Types KEYS (a str, or bytes for control keys such as b"\\x03", Ctrl-C)."""
        os.write(self.fd, keys.encode() if isinstance(keys, str) else keys)

    def prompt(self, timeout=None):
        """Waits for the primary prompt, with nothing shown after it yet."""
        return self.expect(re.escape(PROMPT) + r"$", timeout)

    def run(self, line, timeout=None):
        """Sends one line, waits for the next primary prompt; returns the
        output lines (without the echoed input, the prompt and empty lines)."""
        self.send(line + "\n")
        out = self.prompt(timeout)[: -len(PROMPT)]
        return [l for l in out.split("\n")[1:] if l != ""]

    def wait(self, timeout=None):
        """Waits for the program to exit, reading what it still shows, and
        returns its exit code. If it has not exited in time, kills it and
        raises Failure."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        status = None
        while time.monotonic() < deadline:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                status = st
                break
            # poll: the pty need not become readable when the program exits
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.05)
                if ready:
                    self.raw += os.read(self.fd, 65536)
            except OSError:  # EIO: the program is on its way out
                time.sleep(0.02)
        hung = status is None
        if hung:
            os.kill(self.pid, signal.SIGKILL)
            _, status = os.waitpid(self.pid, 0)
        self.exit_code = os.waitstatus_to_exitcode(status)
        try:
            os.close(self.fd)
        except OSError:
            pass
        if hung:
            raise Failure("gradlab did not exit")
        return self.exit_code

    def close(self):
        """Ends the session with Ctrl-D, as a user would, unless it has ended
        already; returns the exit code (see wait)."""
        if self.exit_code is None:
            try:
                self.send(b"\x04")
            except OSError:  # the program has gone already
                pass
            self.wait()
        return self.exit_code


def run_tests(prog, tests, scratch):
    """Runs each test function in turn, printing "ok   name" or "FAIL name:
    why" for each, then the time taken and "N passed, M failed"; removes the
    tests' SCRATCH directory; returns the exit status: 1 if any failed (or
    PROG is missing), else 0."""
    try:
        return _run_all(prog, tests)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_all(prog, tests):
    if not os.access(prog, os.X_OK):
        print("no program at %s (run make first)" % prog)
        print("0 passed, %d failed" % len(tests))
        return 1
    passed = failed = 0
    t0 = time.monotonic()
    for t in tests:
        try:
            t()
            passed += 1
            print("ok   %s" % t.__name__)
        except Exception as e:  # a Failure, or anything unexpected: then where it came from
            failed += 1
            print("FAIL %s: %s" % (t.__name__, e if isinstance(e, Failure) else traceback.format_exc()))
        sys.stdout.flush()  # one line at a time, also into a pipe
    print("(%.1f s)" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
