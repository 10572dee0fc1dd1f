#!/usr/bin/python3
"""End-to-end tests of the `gradlab` program: the REPL driven through a
pseudo-terminal, and the script modes through pipes.

usage: test_repl.py [path/to/gradlab]      (default: build/gradlab)

Python 3 standard library only. Each check is one test; the last line is
"N passed, M failed" and the exit status is non-zero if any failed.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

# harness.py is beside this file (the script's directory is on sys.path
# anyway, unless PYTHONSAFEPATH or -P leave it out)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import MORE, Failure, check, run_tests, terminal_env

GRADLAB = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/gradlab")
TIMEOUT = 5.0

TMP = tempfile.mkdtemp(prefix="gradlab-repl-test-")


def base_env(**extra):
    return terminal_env(os.path.join(TMP, "default_history"), **extra)


class Repl(harness.Repl):
    """gradlab at a pseudo-terminal, in base_env() unless ENV is given."""

    def __init__(self, env=None):
        super().__init__(GRADLAB, env or base_env(), timeout=TIMEOUT)


def run_prog(args, stdin=None, input_text=None, env=None, timeout=10):
    return subprocess.run([GRADLAB, *args], input=input_text, stdin=stdin if input_text is None else None,
                          capture_output=True, text=True, env=env or base_env(), timeout=timeout)


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(text)
    return path


# ------------------------------------------------------------------ tests

def test_prompt():
    r = Repl()
    try:
        r.prompt()
    finally:
        r.close()


def test_expression_prints():
    r = Repl()
    try:
        r.prompt()
        out = r.run("1+1")
        check(out == ["2"], "1+1 printed %r" % out)
        out = r.run("'a', 2, nil")
        check(out == ["a\t2\tnil"], "several values printed %r" % out)
    finally:
        r.close()


def test_continuation():
    r = Repl()
    try:
        r.prompt()
        r.send("for i=1,2 do\n")
        r.expect(re.escape(MORE) + "$")
        r.send("print(i)\n")
        r.expect(re.escape(MORE) + "$")
        out = r.run("end")
        check(out == ["1", "2"], "the loop printed %r" % out)
    finally:
        r.close()


def test_error_survives():
    r = Repl()
    try:
        r.prompt()
        out = r.run("error('oops')")
        joined = "\n".join(out)
        check("stdin:1: oops" in joined, "error message missing: %r" % out)
        check("stack traceback:" in joined, "traceback missing: %r" % out)
        out = r.run("print(40 + 2)")
        check(out == ["42"], "command after the error printed %r" % out)
    finally:
        r.close()


def test_ctrl_c_stops_loop():
    r = Repl()
    try:
        r.prompt()
        r.run("keep = 7")
        r.send("while true do end\n")
        r.expect(r"while true do end\n")  # read and echoed: running now
        time.sleep(0.3)
        r.send(b"\x03")
        out = r.prompt()
        check("interrupted!" in out, "no 'interrupted!' in %r" % out)
        out = r.run("keep")
        check(out == ["7"], "variable after Ctrl-C is %r" % out)
    finally:
        r.close()


def test_ctrl_c_clears_line():
    r = Repl()
    try:
        r.prompt()
        r.send("error('typed but dropped')")
        time.sleep(0.2)
        r.send(b"\x03")
        r.prompt()
        r.send("for i = 1, 3 do\n")  # a chunk in progress is dropped too
        r.expect(re.escape(MORE) + "$")
        r.send(b"\x03")
        r.prompt()
        out = r.run("print('fresh')")
        check(out == ["fresh"], "after Ctrl-C at the prompt: %r" % out)
    finally:
        r.close()


def test_completion():
    r = Repl()
    try:
        r.prompt()
        r.send("gl.ten\t")
        r.expect(r"gl\.tensor")
        r.send(b"\x15")  # Ctrl-U: drop the line
        r.send("gl\t")   # a unique table gets a '.'
        r.expect(r"gl\.")
        r.send(b"\x15")
        r.send("prin\t")  # a global function gets a '('
        r.expect(r"print\(")
        r.send(b"\x15")
        r.send("\n")
        r.prompt()
    finally:
        r.close()


def test_completion_methods():
    r = Repl()
    try:
        r.prompt()
        r.run("obj = setmetatable({}, {__index = {backward_pass = function() end, value = 1}})")
        r.send("obj:back\t")
        r.expect(r"obj:backward_pass\(")
        r.send(b"\x15\n")
        r.prompt()
        r.run("x = gl.tensor{1, 2}")
        r.send("x:backw\t")  # a tensor's methods (userdata: its metatable)
        r.expect(r"x:backward\(")
        r.send(b"\x15\n")
        r.prompt()
        r.send("gl.nn.Li\t")
        r.expect(r"gl\.nn\.Linear\(")
        r.send(b"\x15\n")
        r.prompt()
        r.run("s = 'text'")
        r.send("s:up\t")
        r.expect(r"s:upper\(")
        r.send(b"\x15\n")
        r.prompt()
    finally:
        r.close()


def test_history():
    hist = os.path.join(TMP, "history")
    if os.path.exists(hist):
        os.remove(hist)
    env = base_env(GRADLAB_HISTORY=hist)
    r = Repl(env=env)
    try:
        r.prompt()
        r.run("histmark = 42")
        r.send("for i = 1, 2 do\n")
        r.expect(re.escape(MORE) + "$")
        r.send("print('h' .. i)\n")
        r.expect(re.escape(MORE) + "$")
        r.run("end")
    finally:
        r.close()
    with open(hist) as f:
        content = f.read()
    check("histmark = 42" in content, "history file lacks the entry: %r" % content)
    r = Repl(env=env)
    try:
        r.prompt()
        r.send(b"\x1b[A")  # up: the multi-line chunk, as one entry
        out = r.run("")
        check(out[-2:] == ["h1", "h2"], "recalled loop printed %r" % out)
        r.send(b"\x1b[A\x1b[A")  # two entries back: the assignment alone
        out = r.run("")
        check(not any(l in ("h1", "h2") for l in out), "two entries back ran the loop: %r" % out)
        out = r.run("histmark")
        check(out == ["42"], "recalled assignment: histmark is %r" % out)
    finally:
        r.close()


def test_history_unwritable():
    bad = os.path.join(TMP, "a_directory")
    os.makedirs(bad, exist_ok=True)
    r = Repl(env=base_env(GRADLAB_HISTORY=bad))
    try:
        out = r.prompt()
        check("warning" in out and "history" in out, "no warning about the history file: %r" % out)
        out = r.run("1+1")
        check(out == ["2"], "session after the warning printed %r" % out)
    finally:
        r.close()


def test_script_exit_status():
    ok = write("ok.lua", "local a, b = ...\nprint('args', a, b, arg[0] ~= nil)\n")
    p = run_prog([ok, "x", "y"])
    check(p.returncode == 0, "ok.lua exited %d: %s" % (p.returncode, p.stderr))
    check(p.stdout == "args\tx\ty\ttrue\n", "ok.lua printed %r" % p.stdout)
    bad = write("bad.lua", "local function f()\n  error('script failed')\nend\nf()\n")
    p = run_prog([bad])
    check(p.returncode != 0, "bad.lua exited 0")
    check("bad.lua:2: script failed" in p.stderr, "message missing: %r" % p.stderr)
    check("stack traceback:" in p.stderr and "in local 'f'" in p.stderr, "traceback missing: %r" % p.stderr)


def test_dash_e():
    p = run_prog(["-e", "print(6 * 7)"], stdin=subprocess.DEVNULL)
    check(p.returncode == 0 and p.stdout == "42\n", "-e printed %r, status %d" % (p.stdout, p.returncode))
    p = run_prog(["-e", "error('from -e')"], stdin=subprocess.DEVNULL)
    check(p.returncode != 0 and "from -e" in p.stderr, "-e error: status %d, %r" % (p.returncode, p.stderr))


def test_stdin_script():
    p = run_prog([], input_text="x = 20\nprint(x + 1)\nprint(type(gl))\n")
    check(p.returncode == 0 and p.stdout == "21\ntable\n", "stdin script printed %r (%d, %r)"
          % (p.stdout, p.returncode, p.stderr))
    p = run_prog([], input_text="print('before')\nerror('in stdin')\n")
    check(p.returncode != 0 and "in stdin" in p.stderr, "stdin error: %d %r" % (p.returncode, p.stderr))


def test_trailing_semicolon():
    r = Repl()
    try:
        r.prompt()
        out = r.run("6 * 7;")
        check(out == [], "a trailing ';' still printed %r" % out)
        out = r.run("_")
        check(out == ["42"], "_ after a quiet expression is %r" % out)
    finally:
        r.close()


def test_underscore():
    r = Repl()
    try:
        r.prompt()
        r.run("2^10")
        out = r.run("_ + 1")
        check(out == ["1025.0"], "_ + 1 printed %r" % out)
    finally:
        r.close()


def test_tables_pretty():
    r = Repl()
    try:
        r.prompt()
        out = r.run("{1, 2, x = 'a', nested = {true}}")
        check(out == ['{1, 2, nested = {true}, x = "a"}'], "table printed %r" % out)
        r.run("t = {name = 'loop'}; t.self = t")
        out = r.run("t")
        check(out == ['{name = "loop", self = <cycle>}'], "cycle printed %r" % out)
    finally:
        r.close()


def test_meta_commands():
    r = Repl()
    try:
        r.prompt()
        out = r.run(":help")
        check(any(":time" in l for l in out), ":help lacks :time: %r" % out)
        out = r.run(":frobnicate")
        check(any("unknown command ':frobnicate'" in l for l in out), "unknown command: %r" % out)
        out = r.run(":time 3 * 3")
        check(out[0] == "9" and out[1].startswith("time: "), ":time printed %r" % out)
        r.send(":quit\n")
        code = r.wait()
        check(code == 0, ":quit exited %d" % code)
    finally:
        r.close()


def test_colors():
    r = Repl(env=base_env(NO_COLOR=None))
    try:
        r.prompt()
        r.send("40 + 2\n")
        r.prompt()
        check(b"\x1b[36m42\x1b[0m" in r.raw, "number not colored: %r" % r.raw[-200:])
    finally:
        r.close()


def test_closed_pipe():
    script = write("many.lua", "for i = 1, 1e7 do print(i) end\n")
    p = subprocess.Popen([GRADLAB, script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=base_env())
    first = p.stdout.readline()
    p.stdout.close()
    try:
        code = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        raise Failure("the script went on writing to a closed pipe")
    err = p.stderr.read()
    p.stderr.close()
    check(first == b"1\n", "first line %r" % first)
    check(code == 0 and err == b"", "closed pipe: status %d, stderr %r" % (code, err))


TESTS = [
    test_prompt,
    test_expression_prints,
    test_continuation,
    test_error_survives,
    test_ctrl_c_stops_loop,
    test_ctrl_c_clears_line,
    test_completion,
    test_completion_methods,
    test_history,
    test_history_unwritable,
    test_script_exit_status,
    test_dash_e,
    test_stdin_script,
    test_trailing_semicolon,
    test_underscore,
    test_tables_pretty,
    test_meta_commands,
    test_colors,
    test_closed_pipe,
]


if __name__ == "__main__":
    sys.exit(run_tests(GRADLAB, TESTS, scratch=TMP))
