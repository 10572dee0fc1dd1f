#!/usr/bin/python3
"""How the `gradlab` program ends and what it says, beyond test_repl.py:

- output to a closed pipe (`gradlab script.lua | head -1`) ends quietly,
  status 0, nothing on stderr, whatever writes (print, io.write,
  io.stdout:write, a tensor's print) and in every mode (script, -e, stdin,
  lesson --check);
- a script error exits non-zero with the message and a traceback on
  stderr, in every mode, also for engine errors and odd error values;
- a history file that can't be written (missing directory, a full device)
  is one warning, and the session goes on.

usage: test_io.py [path/to/gradlab]      (default: build/gradlab)
Python 3 standard library only; ends with "N passed, M failed".
"""
import os
import subprocess
import sys
import tempfile
import time

# harness.py is beside this file (the script's directory is on sys.path
# anyway, unless PYTHONSAFEPATH or -P leave it out)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failure, Repl, check, run_tests, terminal_env

GRADLAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/gradlab")
TMP = tempfile.mkdtemp(prefix="gradlab-io-test-")


def env(**extra):
    return terminal_env(os.path.join(TMP, "history"), SDL_VIDEODRIVER="offscreen", **extra)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def into_head(args, stdin_text=None, timeout=20):
    """Runs gradlab ARGS | head -1; returns (head's output, gradlab's status,
    gradlab's stderr, seconds)."""
    t0 = time.monotonic()
    p = subprocess.Popen([GRADLAB, *args], stdin=subprocess.PIPE if stdin_text else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    head = subprocess.Popen(["head", "-1"], stdin=p.stdout, stdout=subprocess.PIPE)
    p.stdout.close()  # only head reads it now
    if stdin_text:
        try:
            p.stdin.write(stdin_text.encode())
            p.stdin.close()
        except BrokenPipeError:
            pass
    first = head.communicate(timeout=timeout)[0]
    try:
        code = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise Failure("gradlab %s went on after head -1 had gone" % " ".join(args))
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    return first.decode(errors="replace"), code, err, time.monotonic() - t0


def quiet_end(args, stdin_text=None, first_line=None):
    """first_line: what head -1 must print (a prefix of it when it does not end in a newline)."""
    first, code, err, secs = into_head(args, stdin_text)
    check(code == 0 and err == "", "%s | head -1: status %d, stderr %r" % (args, code, err[-500:]))
    if first_line is not None:
        check(first.startswith(first_line) and (first_line.endswith("\n") or first.endswith("\n")),
              "%s | head -1 printed %r" % (args, first))
    check(secs < 15, "%s | head -1 took %.1f s" % (args, secs))


# ------------------------------------------------------------ closed pipe

def test_pipe_io_write():
    quiet_end([write("w.lua", "for i = 1, 1e9 do io.write(i, '\\n') end\n")], first_line="1\n")


def test_pipe_file_write_and_flush():
    quiet_end([write("f.lua", "while true do io.stdout:write('line\\n'); io.stdout:flush() end\n")],
              first_line="line\n")


def test_pipe_tensors():
    quiet_end([write("t.lua", "local x = gl.randn(50, 50)\nwhile true do print(x) end\n")],
              first_line="tensor([[")


def test_pipe_dash_e():
    quiet_end(["-e", "while true do print('e') end"], first_line="e\n")


def test_pipe_stdin_script():
    quiet_end([], stdin_text="while true do print('s') end\n", first_line="s\n")


def test_pipe_lesson_check():
    quiet_end(["lesson", "1", "--check"])


def test_pipe_after_stderr_warning():
    # a warning on stderr first, then the closed pipe: still status 0
    script = write("warn.lua", "local a = gl.ones(4) - gl.ones(4, 1)\nwhile true do print('x') end\n")
    first, code, err, _ = into_head([script])
    check(code == 0, "status %d" % code)
    check(err.startswith("warning: broadcast (4) - (4,1) -> (4,4) at ") and err.count("\n") == 1,
          "stderr %r" % err)


# ---------------------------------------------------------- script errors

def run(args, stdin_text=None):
    return subprocess.run([GRADLAB, *args], input=stdin_text, capture_output=True, text=True,
                          env=env(), timeout=30, stdin=None if stdin_text else subprocess.DEVNULL)


def test_error_engine_in_function():
    s = write("e1.lua", "print('before')\nlocal function f(a)\n  return a:matmul(gl.ones(2, 3))\nend\n"
                        "f(gl.ones(2, 3))\nprint('after')\n")
    p = run([s])
    check(p.returncode == 1, "status %d" % p.returncode)
    check(p.stdout == "before\n", "stdout %r" % p.stdout)
    check(p.stderr.startswith("gradlab: %s:3: matmul: (2,3) x (2,3): inner dimensions 3 and 2 differ\n"
                              "stack traceback:\n" % s), "stderr %r" % p.stderr)
    check("%s:3: in local 'f'" % s in p.stderr and "%s:5: in main chunk" % s in p.stderr,
          "traceback %r" % p.stderr)


def test_error_dash_e_traceback():
    p = run(["-e", "local function g() error('boom') end g()"])
    check(p.returncode == 1, "status %d" % p.returncode)
    check(p.stderr.startswith("gradlab: (command line):1: boom\nstack traceback:\n"), "stderr %r" % p.stderr)
    check("in local 'g'" in p.stderr, "traceback %r" % p.stderr)


def test_error_stdin_traceback():
    p = run([], stdin_text="print(1)\nerror('late')\n")
    check(p.returncode == 1 and p.stdout == "1\n", "status %d, stdout %r" % (p.returncode, p.stdout))
    check(p.stderr.startswith("gradlab: stdin:2: late\nstack traceback:\n"), "stderr %r" % p.stderr)


def test_error_values():
    p = run([write("e2.lua", "error({code = 1})\n")])
    check(p.returncode == 1 and p.stderr.startswith("gradlab: (error object is a table value)\n"),
          "table error: %d %r" % (p.returncode, p.stderr))
    p = run([write("e3.lua", "error(setmetatable({}, {__tostring = function() return 'custom' end}))\n")])
    check(p.returncode == 1 and p.stderr == "gradlab: custom\n", "__tostring error: %d %r" % (p.returncode, p.stderr))
    p = run([write("e4.lua", "local x =\n")])
    check(p.returncode == 1 and "e4.lua:2: unexpected symbol near <eof>" in p.stderr,
          "syntax error: %d %r" % (p.returncode, p.stderr))
    p = run([os.path.join(TMP, "missing.lua")])
    check(p.returncode == 1 and "cannot open" in p.stderr and "missing.lua" in p.stderr,
          "missing file: %d %r" % (p.returncode, p.stderr))
    p = run([write("e5.lua", "os.exit(3)\n")])
    check(p.returncode == 3, "os.exit(3): %d" % p.returncode)


# ------------------------------------------------------------- history

def session(history, lines):
    """Types lines at the REPL with GRADLAB_HISTORY=history, then Ctrl-D;
    returns (everything shown, exit status)."""
    r = Repl(GRADLAB, env(GRADLAB_HISTORY=history), timeout=10)
    try:
        r.prompt()
        for line in lines:
            r.run(line)
    finally:
        status = r.close()  # Ctrl-D, also after a failure: no gradlab left running
    return r.text(), status


def test_history_missing_directory():
    path = os.path.join(TMP, "no", "such", "dir", "history")
    out, status = session(path, ["a = 40", "print(a + 2)"])
    warning = ("gradlab: warning: cannot write the history file %s (No such file or directory); "
               "history will not be saved\n" % path)
    check(out.count(warning) == 1, "warning missing or repeated: %r" % out)
    check("\n42\n" in out and status == 0, "session: status %d, %r" % (status, out[-300:]))


def test_history_full_device():
    if not os.path.exists("/dev/full"):
        return
    out, status = session("/dev/full", ["a = 40", "b = 2", "print(a + b)"])
    warning = ("gradlab: warning: cannot write the history file /dev/full (No space left on device); "
               "history will not be saved\n")
    check(out.count(warning) == 1, "warning missing or repeated: %r" % out)
    check("\n42\n" in out and status == 0, "session: status %d, %r" % (status, out[-300:]))


TESTS = [
    test_pipe_io_write,
    test_pipe_file_write_and_flush,
    test_pipe_tensors,
    test_pipe_dash_e,
    test_pipe_stdin_script,
    test_pipe_lesson_check,
    test_pipe_after_stderr_warning,
    test_error_engine_in_function,
    test_error_dash_e_traceback,
    test_error_stdin_traceback,
    test_error_values,
    test_history_missing_directory,
    test_history_full_device,
]


if __name__ == "__main__":
    sys.exit(run_tests(GRADLAB, TESTS, scratch=TMP))
