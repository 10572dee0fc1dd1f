#!/usr/bin/python3
"""Ctrl-C at random moments into gl.nn.fit at the REPL, through a
pseudo-terminal: each one must bring the prompt back, leave the model's
parameters whole (an optimizer step done or not started), and leave the
session able to go on training.

usage: test_interrupts.py [--count N] [--seed S] [path/to/gradlab]
       (defaults: 100 interrupts, seed 1, build/gradlab)

After each Ctrl-C, at the prompt, check() (defined by the setup below)
verifies that:
  - every parameter and every Adam state tensor is finite;
  - Adam's step counter is the same for every parameter (no step half done);
  - the parameters equal, bit for bit, the snapshot taken after the last
    complete step -- or, when the Ctrl-C cut the snapshot itself short (it
    runs after opt:step returns, outside the step), the counters are exactly
    one step past it;
  - grad mode is back on and the engine's interrupt flag is clear (a tensor
    op runs, a backward works).
Then 3N Ctrl-C's sent right after Enter on an endless loop must each stop
it (none may wait for the prompt). Finally an uninterrupted fit must run to the end with its loss falling, and
the loss must be a tenth of what it was before the first interrupt.

Python 3 standard library only. Prints one line per interrupt (where it
landed), then "N passed, M failed" where each interrupt, the right-after-
Enter series and the final training check count as one test; exit status non-zero if any failed.
"""
import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time

# harness.py is beside this file (the script's directory is on sys.path
# anyway, unless PYTHONSAFEPATH or -P leave it out)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Failure, Repl, terminal_env

SETUP = r"""
gl.manual_seed(7)
X = gl.rand(512, 2) * 4 - 2                               -- (512,2)
Y = (X[{{}, {1}}] * X[{{}, {2}}]):sin()                   -- (512,1)
-- many small layers and small batches: the optimizer step is a good part
-- of each batch's time, so Ctrl-C's land in it often
model = gl.nn.MLP{2, 16, 16, 16, 16, 16, 1, activation = "tanh"}
params = model:parameters()
opt = gl.optim.Adam(params, {lr = 0.003})

-- snapshot = {step = k, values = {...}}: the parameters after the last
-- complete step, replaced in ONE assignment so a Ctrl-C can't leave it half
-- made (it can leave it one step old: check() allows exactly that, and then
-- takes a fresh one, so the next fit doesn't start from a stale snapshot:
-- two Ctrl-C's in a row landing in take() once showed a gap of two).
local function take()
  local values = {}
  for i, p in ipairs(params) do values[i] = p:detach():clone() end
  local st = opt.state[params[1]]
  snapshot = {step = st and st.step or 0, values = values}
end
take()
local real_step = opt.step
opt.step = function(self, ...)
  local r = real_step(self, ...)
  take()
  return r
end

local function finite(t)
  local s = t:detach():abs():sum():item()
  return s == s and s < math.huge
end

function current_loss()
  return gl.no_grad(function() return gl.nn.mse_loss(model(X), Y):item() end)
end

-- One line: "CHECK ok step=K cut=0|1" or "CHECK FAIL <why>".
function check()
  local why
  local steps = {}
  for i, p in ipairs(params) do
    if not finite(p) then why = why or ("parameter " .. i .. " is not finite") end
    local st = opt.state[p]
    steps[i] = st and st.step or 0
    if st and not (finite(st.exp_avg) and finite(st.exp_avg_sq)) then
      why = why or ("Adam state of parameter " .. i .. " is not finite")
    end
  end
  for i = 2, #steps do
    if steps[i] ~= steps[1] then
      why = why or string.format("step counters differ: parameter 1 at %d, parameter %d at %d",
        steps[1], i, steps[i])
    end
  end
  local k, cut = steps[1], 0
  if k == snapshot.step then
    for i, p in ipairs(params) do
      local d = (p:detach() - snapshot.values[i]):abs():max():item()
      if d ~= 0 then
        why = why or string.format("parameter %d differs from the step-%d snapshot by %g", i, k, d)
      end
    end
  elseif k == snapshot.step + 1 then
    cut = 1
  else
    why = why or string.format("step %d but the snapshot is at step %d", k, snapshot.step)
  end
  if not gl.is_grad_enabled() then why = why or "grad mode left off" end
  local ok, e = pcall(function()
    local w = gl.ones(3, {requires_grad = true})
    local s = (w * 2):sum()
    s:backward()
    assert(w.grad:sum():item() == 6, "backward gave a wrong gradient")
  end)
  if not ok then why = why or ("a backward failed: " .. tostring(e)) end
  if why then
    print("CHECK FAIL " .. why)
  else
    take() -- the state just checked is the baseline of the next interrupt
    print(string.format("CHECK ok step=%d cut=%d", k, cut))
  end
end
print("SETUP done")
"""

FIT = "h, s = gl.nn.fit{model = model, x = X, y = Y, optimizer = opt, epochs = 1000000, batch_size = 8}"

# --unsafe-step: the test of the test. Optimizer steps run without
# util.critical (Ctrl-C may cut them in half), and check() must notice.
UNSAFE = "require('gradlab._util').critical = function(fn, ...) return fn(...) end\n"


def one_interrupt(r, rng, i):
    """Starts a fit, Ctrl-C after a random delay; returns a description of
    where it landed. Raises Failure when something is wrong."""
    r.send(FIT + "\n")
    r.expect(re.escape(FIT) + r"\n", 10)  # read and echoed: the chunk starts now
    # a few land at once (argument checks, optimizer state), most mid-training
    u = rng.random()
    delay = (0.0 if u < 0.1 else rng.uniform(0, 0.005) if u < 0.2 else
             rng.uniform(0.005, 0.05) if u < 0.35 else rng.uniform(0.05, 0.6))
    if delay > 0:
        time.sleep(delay)
    r.send(b"\x03")
    try:
        out = r.prompt(timeout=10)
    except Failure as e:
        # the Ctrl-C was lost: get the session back for the next ones
        r.send(b"\x03")
        try:
            r.prompt(timeout=10)
        except Failure:
            pass
        raise Failure("no prompt within 10 s of Ctrl-C (delay %.4f s): %s" % (delay, e))
    m = re.search(r"interrupted at epoch (\d+); model kept", out)
    if m:
        where = "in fit, epoch %s" % m.group(1)
    elif "interrupted!" in out:
        where = "outside fit's loop (error at the prompt)"
    else:
        raise Failure("no interruption reported (delay %.4f s): %r" % (delay, out[-800:]))
    lines = r.run("check()")
    res = [l for l in lines if l.startswith("CHECK")]
    if not res or not res[-1].startswith("CHECK ok"):
        raise Failure("after Ctrl-C (delay %.4f s, %s): %r" % (delay, where, lines))
    return "%-42s delay %.3f s  %s" % (where, delay, res[-1][len("CHECK "):])


def race(r, tries):
    """Ctrl-C right after Enter, on an endless loop: the signal can come
    after the line was read but before the chunk runs (history, compiling);
    it must stop the chunk, not wait for the prompt. Returns how many were
    lost (the chunk ran on)."""
    r.run("function spin() local t = 0 while true do t = t + 1 end end")
    lost = 0
    for _ in range(tries):
        r.send("spin()\n")
        r.expect(r"spin\(\)\n", 10)
        r.send(b"\x03")
        try:
            out = r.prompt(timeout=3)
            if "interrupted!" not in out:
                raise Failure("no 'interrupted!' in %r" % out)
        except Failure:
            lost += 1
            r.send(b"\x03")
            r.prompt(timeout=10)
    return lost


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--unsafe-step", action="store_true",
                    help="make optimizer steps interruptible: check() should then fail")
    ap.add_argument("prog", nargs="?", default="build/gradlab")
    args = ap.parse_args()
    prog = os.path.abspath(args.prog)
    if not os.access(prog, os.X_OK):
        print("no program at %s (run make first)" % prog)
        print("0 passed, 1 failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="gradlab-interrupts-")
    setup = os.path.join(tmp, "setup.lua")
    with open(setup, "w") as f:
        f.write(SETUP + (UNSAFE if args.unsafe_step else ""))
    env = terminal_env(os.path.join(tmp, "history"), SDL_VIDEODRIVER="offscreen")
    rng = random.Random(args.seed)
    passed = failed = 0
    t0 = time.monotonic()
    r = Repl(prog, env, timeout=10)
    try:
        r.prompt()
        out = r.run("dofile(%r)" % setup, timeout=30)
        if "SETUP done" not in out:
            raise Failure("setup failed: %r" % out)
        loss0 = float(r.run("print(current_loss())")[-1])
        for i in range(1, args.count + 1):
            try:
                what = one_interrupt(r, rng, i)
                passed += 1
                print("ok   interrupt %3d: %s" % (i, what))
            except Failure as e:
                failed += 1
                print("FAIL interrupt %3d: %s" % (i, e))
            sys.stdout.flush()
        # Ctrl-C right after Enter
        tries = 3 * args.count
        try:
            lost = race(r, tries)
            if lost:
                raise Failure("%d of %d Ctrl-C's sent right after Enter were lost" % (lost, tries))
            passed += 1
            print("ok   %d Ctrl-C's right after Enter all stopped their chunk" % tries)
        except Failure as e:
            failed += 1
            print("FAIL Ctrl-C right after Enter: %s" % e)
        # training goes on: an uninterrupted fit runs to the end, loss falling
        try:
            # full batch and a small lr: near the minimum, each step lowers the loss
            r.run("opt.lr = 1e-4")
            lines = r.run("h, s = gl.nn.fit{model = model, x = X, y = Y, optimizer = opt, epochs = 30, "
                          "quiet = true}; print('FIT', s.reason, #h, h[1], h[#h])",
                          timeout=120)
            fit = [l for l in lines if l.startswith("FIT")]
            if not fit:
                raise Failure("the last fit printed %r" % lines)
            _, reason, n, first, last = fit[-1].split()
            loss1 = float(r.run("print(current_loss())")[-1])
            lines = r.run("check()")
            if reason != "done" or int(n) != 30:
                raise Failure("the last fit ended with %s after %s epochs" % (reason, n))
            if not float(last) < float(first):
                raise Failure("the last fit's loss did not fall: %s -> %s" % (first, last))
            if not loss1 < loss0 / 10:
                raise Failure("the loss is not lower than before the interrupts: %g -> %g" % (loss0, loss1))
            if not lines or not lines[-1].startswith("CHECK ok"):
                raise Failure("check after the last fit: %r" % lines)
            passed += 1
            print("ok   training resumes: loss %.5f before the interrupts, %.5f after; last fit %s -> %s"
                  % (loss0, loss1, first, last))
        except Failure as e:
            failed += 1
            print("FAIL training resumes: %s" % e)
    except Failure as e:
        failed += 1
        print("FAIL %s" % e)
    finally:
        try:
            r.close()
        except Failure:
            pass  # a hang at Ctrl-D is not what this counts; close() has killed it
        shutil.rmtree(tmp, ignore_errors=True)
    print("(%.1f s)" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
