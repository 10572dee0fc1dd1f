-- gl.nn.fit: the training loop, its history, stopping, batching, Ctrl-C;
-- and the progress bar it draws on a terminal.
-- Run from the repo root: busted --lua=lua5.4 -p spec_ tests/lua  (BUILD=build-asan: that build)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err
local nn, optim = gl.nn, gl.optim
local progress = require "gradlab.progress"

-- y = x1 x2 on n seeded points in [-1, 1): x (n,2), y (n,1).
local function data(n, seed)
  gl.manual_seed(seed or 42)
  local x = gl.rand(n, 2) * 2 - 1
  return x, x[{ {}, { 1 } }] * x[{ {}, { 2 } }]
end

local function model(seed)
  gl.manual_seed(seed or 42)
  return nn.MLP{ 2, 16, 16, 1, activation = "relu" }
end

-- Runs fn with io.stdout replaced; returns what it wrote and fn's results.
local function capture(fn)
  local real = io.stdout
  local buf = {}
  io.stdout = { write = function(self, ...)
    for _, s in ipairs({ ... }) do buf[#buf + 1] = tostring(s) end
    return self
  end, flush = function() end, seek = function() return 0 end }
  local res = table.pack(pcall(fn))
  io.stdout = real
  if not res[1] then error(res[2], 0) end
  return table.concat(buf), table.unpack(res, 2, res.n)
end

local function params_of(m)
  local out = {}
  for i, p in ipairs(m:parameters()) do out[i] = p:totable() end
  return out
end

describe("nn.fit", function()
  it("trains to a loss below 1e-3 and returns one loss per epoch", function()
    local x, y = data(200)
    local m = model()
    local history, summary = nn.fit{ model = m, x = x, y = y, epochs = 300, quiet = true }
    assert.are.equal(300, #history)
    assert.is_true(history[300] < 1e-3, "final loss " .. history[300])
    assert.is_true(history[1] > 10 * history[300])
    assert.are.equal(300, summary.epochs)
    assert.are.equal(history[300], summary.loss)
    assert.are.equal("done", summary.reason)
    assert.is_false(summary.interrupted)
    assert.are.equal(200, summary.batch_size)
    assert.is_true(summary.best_loss <= history[300])
    assert.are.equal(history[summary.best_epoch], summary.best_loss)
    assert.is_number(summary.seconds)
  end)

  it("matches the hand-written loop (Adam, lr 0.01, full batch)", function()
    local x, y = data(50)
    local m1 = model(5)
    local history = nn.fit{ model = m1, x = x, y = y, epochs = 20, quiet = true }
    local m2 = model(5)
    local opt = optim.Adam(m2:parameters(), { lr = 0.01 })
    for e = 1, 20 do
      opt:zero_grad()
      local loss = nn.mse_loss(m2(x), y)
      assert.are.equal(loss:item(), history[e])
      loss:backward()
      opt:step()
    end
    assert.are.same(params_of(m2), params_of(m1))
  end)

  it("takes an optimizer, a loss function, and Lua tables for x and y", function()
    local m = nn.Linear(1, 1, { dtype = "float64" })
    local xs, ys = {}, {}
    for i = 1, 20 do xs[i] = { i / 20 }; ys[i] = { 3 * i / 20 - 1 } end
    local calls = 0
    local history = nn.fit{
      model = m, x = gl.tensor(xs, { dtype = "float64" }), y = gl.tensor(ys, { dtype = "float64" }),
      optimizer = optim.SGD(m, { lr = 0.5 }), epochs = 300, quiet = true,
      loss = function(pred, target)
        calls = calls + 1
        return ((pred - target) ^ 2):mean()
      end,
    }
    assert.are.equal(300, calls)
    assert.is_true(history[300] < 1e-6)
    assert.is_near(3, m.weight:item(), 1e-2)
    assert.is_near(-1, m.bias:item(), 1e-2)
    local h2 = nn.fit{ model = nn.Linear(1, 1), x = xs, y = ys, epochs = 5, quiet = true, optimizer = "sgd", lr = 0.1 }
    assert.are.equal(5, #h2)
  end)

  it("stops when on_epoch returns false", function()
    local x, y = data(40)
    local seen = {}
    local history, summary = nn.fit{ model = model(), x = x, y = y, epochs = 100, quiet = true,
      on_epoch = function(epoch, loss)
        seen[#seen + 1] = { epoch, loss }
        if epoch == 5 then return false end
      end }
    assert.are.equal(5, #history)
    assert.are.equal(5, #seen)
    assert.are.same({ 3, history[3] }, seen[3])
    assert.are.equal("stopped", summary.reason)
  end)

  it("runs shuffled mini-batches with the seeded generator", function()
    local x, y = data(200)
    local sizes = {}
    local loss = function(pred, target)
      sizes[#sizes + 1] = pred.shape[1]
      return nn.mse_loss(pred, target)
    end
    gl.manual_seed(9)
    local m = nn.MLP{ 2, 8, 1 }
    local h1 = nn.fit{ model = m, x = x, y = y, epochs = 3, batch_size = 64, loss = loss, quiet = true }
    assert.are.same({ 64, 64, 64, 8, 64, 64, 64, 8, 64, 64, 64, 8 }, sizes)
    gl.manual_seed(9)
    local m2 = nn.MLP{ 2, 8, 1 }
    local h2 = nn.fit{ model = m2, x = x, y = y, epochs = 3, batch_size = 64, quiet = true }
    assert.are.same(h1, h2)                       -- same seed, same batches
    assert.are.same(params_of(m), params_of(m2))
    -- the batches are shuffled: the first one is not rows 1..64
    local first
    gl.manual_seed(9)
    nn.fit{ model = nn.MLP{ 2, 8, 1 }, x = x, y = y, epochs = 1, batch_size = 64, quiet = true,
      loss = function(pred, target)
        first = first or target
        return nn.mse_loss(pred, target)
      end }
    assert.are.same({ 64, 1 }, first.shape)
    assert.are_not.same(y[{ { 1, 64 } }]:totable(), first:totable())
    -- the epoch's loss is the mean of the batch losses weighted by size
    local batch_losses = {}
    gl.manual_seed(9)
    local h3 = nn.fit{ model = nn.MLP{ 2, 8, 1 }, x = x, y = y, epochs = 1, batch_size = 64, quiet = true,
      loss = function(pred, target)
        local l = nn.mse_loss(pred, target)
        batch_losses[#batch_losses + 1] = l:item()
        return l
      end }
    local w = (64 * (batch_losses[1] + batch_losses[2] + batch_losses[3]) + 8 * batch_losses[4]) / 200
    assert.is_near(w, h3[1], 1e-12)
  end)

  it("takes batches in order with shuffle = false", function()
    local x, y = data(10)
    local firsts = {}
    nn.fit{ model = model(), x = x, y = y, epochs = 2, batch_size = 4, shuffle = false, quiet = true,
      loss = function(pred, target)
        firsts[#firsts + 1] = target[{ 1, 1 }]
        return nn.mse_loss(pred, target)
      end }
    local Y = y:totable()
    assert.are.same({ Y[1][1], Y[5][1], Y[9][1], Y[1][1], Y[5][1], Y[9][1] }, firsts)
  end)

  it("trains a classifier with loss = \"cross_entropy\" and 1-based labels", function()
    gl.manual_seed(3)
    local x = gl.rand(60, 2) * 2 - 1
    local labels = {}
    for i, row in ipairs(x:totable()) do labels[i] = row[1] > 0 and 2 or 1 end
    local m = nn.MLP{ 2, 8, 2 }
    local history = nn.fit{ model = m, x = x, y = labels, loss = "cross_entropy", epochs = 200, quiet = true }
    assert.is_true(history[200] < 0.2 * history[1])
    local right = 0
    for i, c in ipairs(m(x):argmax(2):totable()) do
      if c == labels[i] then right = right + 1 end
    end
    assert.is_true(right >= 55, right .. " of 60 right")
    assert.are.equal("nn.fit: class label 3 is out of range 1..2: the model gives 2 scores per row",
      err(nn.fit, { model = m, x = x:narrow(1, 1, 2), y = { 1, 3 }, loss = "cross_entropy", quiet = true }))
  end)

  it("trains with loss = \"bce\" on a sigmoid output", function()
    gl.manual_seed(4)
    local x = gl.rand(60, 1) * 2 - 1
    local y = x:gt(0):float()
    local m = nn.MLP{ 1, 4, 1, output_activation = "sigmoid" }
    local history = nn.fit{ model = m, x = x, y = y, loss = "bce", epochs = 100, quiet = true }
    assert.is_true(history[100] < history[1] / 2)
  end)

  it("stops before the step when the loss is nan, keeping the model", function()
    local x, y = data(20)
    local m = model()
    local before
    local out, history, summary = capture(function()
      return nn.fit{ model = m, x = x, y = y, epochs = 10,
        on_epoch = function(epoch)
          if epoch == 3 then
            gl.no_grad(function() m[1].bias:fill_(0 / 0) end)   -- the next loss is nan
            before = params_of(m)
          end
        end }
    end)
    assert.are.equal(3, #history)
    assert.are.equal("nan", summary.reason)
    assert.are.equal("loss is nan at epoch 4; stopped before that step (lower the learning rate?)\n", out)
    local after = params_of(m)
    for _, i in ipairs{ 1, 3, 4, 5, 6 } do
      assert.are.same(before[i], after[i])       -- no step was taken with the nan loss
    end
  end)

  it("draws its progress bar only on a terminal, and nothing when quiet", function()
    local util = require "gradlab._util"
    local real = util.stdout_is_terminal
    local x, y = data(20)
    local ok, e = pcall(function()
      util.stdout_is_terminal = function() return false end
      assert.are.equal("", (capture(function() return nn.fit{ model = model(), x = x, y = y, epochs = 3 } end)))
      util.stdout_is_terminal = function() return true end
      assert.are.equal("", (capture(function()
        return nn.fit{ model = model(), x = x, y = y, epochs = 3, quiet = true }
      end)))
      local out = capture(function() return nn.fit{ model = model(), x = x, y = y, epochs = 3 } end)
      assert.truthy(out:find("^\repoch 1/3 %["), out)
      assert.truthy(out:find("\repoch 3/3 %[====================%]  loss [%d.e-]+  [%d.]+ ep/s  in 0s\27%[K\n$"), out)
      out = capture(function()
        return nn.fit{ model = model(), x = x, y = y, epochs = 30,
          on_epoch = function(epoch) if epoch == 2 then error("interrupted!") end end }
      end)
      assert.truthy(out:find("\27%[K\ninterrupted at epoch 2; model kept\n$"), out)
    end)
    util.stdout_is_terminal = real
    assert(ok, e)
  end)

  it("checks its arguments", function()
    local x, y = data(10)
    assert.are.equal("bad argument #1 to 'nn.fit' (unknown argument 'epoch')",
      err(nn.fit, { model = model(), x = x, y = y, epoch = 3 }))
    assert.are.equal("bad argument #1 to 'nn.fit' (x has 10 rows but y has 9: one target per row expected)",
      err(nn.fit, { model = model(), x = x, y = y:narrow(1, 1, 9) }))
    assert.are.equal("bad argument #1 to 'nn.fit' (x and y required)", err(nn.fit, { model = model(), x = x }))
    assert.are.equal([[bad argument #1 to 'nn.fit' (loss must be "mse", "bce", "cross_entropy" or a function(pred, y), got "l2")]],
      err(nn.fit, { model = model(), x = x, y = y, loss = "l2" }))
    assert.are.equal("bad argument #1 to 'nn.fit' (batch_size must be a positive integer, got 0)",
      err(nn.fit, { model = model(), x = x, y = y, batch_size = 0 }))
    assert.are.equal("bad argument #1 to 'nn.fit' (give optimizer= (or params=) when model is a plain function)",
      err(nn.fit, { model = function(v) return v end, x = x, y = y }))
    assert.are.equal("bad argument #1 to 'nn.fit' (lr is for the default optimizer; give it to the optimizer instead)",
      err(nn.fit, { model = model(), x = x, y = y, optimizer = optim.SGD(model(), 0.1), lr = 0.1 }))
    assert.are.equal("nn.fit: the loss must be a one-element tensor, got shape (10,1)",
      err(nn.fit, { model = model(), x = x, y = y, quiet = true,
        loss = function(p, t) return nn.mse_loss(p, t, "none") end }))
  end)

  it("trains a plain function given its params", function()
    local w = gl.tensor({ { 0 }, { 0 } }, { dtype = "float64" }):requires_grad_(true)
    local x = gl.tensor({ { 1, 0 }, { 0, 1 }, { 1, 1 } }, { dtype = "float64" })
    local y = gl.tensor({ { 2 }, { -1 }, { 1 } }, { dtype = "float64" })
    local history = nn.fit{ model = function(v) return v:matmul(w) end, params = { w }, x = x, y = y,
      epochs = 200, lr = 0.1, quiet = true }
    assert.is_true(history[200] < 1e-6)
    assert.is_near(2, w[{ 1, 1 }], 1e-3)
    assert.is_near(-1, w[{ 2, 1 }], 1e-3)
  end)

  it("lets other errors through with their message", function()
    local x, y = data(10)
    assert.are.equal("the run was interrupted", err(nn.fit, { model = model(), x = x, y = y, quiet = true,
      on_epoch = function() error("the run was interrupted", 0) end }))
    local x, y = data(10)
    assert.are.equal("boom", err(nn.fit, { model = model(), x = x, y = y, quiet = true,
      on_epoch = function(e) if e == 2 then error("boom", 0) end end }))
  end)

  it("feeds a loss plot when asked and gl.viz exists", function()
    local x, y = data(10)
    local real = rawget(gl, "viz")
    local points, opened = {}, nil
    gl.viz = { loss = function(opts)
      opened = opts
      return { add = function(_, series, epoch, loss) points[#points + 1] = { series, epoch, loss } end }
    end }
    local ok, history = pcall(nn.fit, { model = model(), x = x, y = y, epochs = 4, quiet = true, plot = true })
    gl.viz = real
    assert.is_true(ok, history)
    assert.are.equal("training loss", opened.title)
    assert.are.same({ "train", 4, history[4] }, points[4])
    assert.are.equal(4, #points)
    -- a plot of one's own, and a series name
    local mine = {}
    nn.fit{ model = model(), x = x, y = y, epochs = 2, quiet = true, label = "relu",
      plot = { add = function(_, series, epoch) mine[#mine + 1] = series .. epoch end } }
    assert.are.same({ "relu1", "relu2" }, mine)
    -- without gl.viz, plot = true is ignored
    gl.viz = nil
    local ok2, h2 = pcall(nn.fit, { model = model(), x = x, y = y, epochs = 2, quiet = true, plot = true })
    gl.viz = real
    assert.is_true(ok2, h2)
    assert.are.equal(2, #h2)
  end)
end)

describe("nn.fit and Ctrl-C", function()
  -- The REPL's Ctrl-C arms a hook on the main thread that raises
  -- "interrupted!" at the next instruction (repl/run.c's lstop); this does
  -- the same from inside the loop.
  local function ctrl_c()
    debug.sethook(function()
      debug.sethook()
      error("interrupted!")
    end, "", 1)
  end

  it("ends cleanly when interrupted in on_epoch, returning the history so far", function()
    local x, y = data(20)
    local out, history, summary = capture(function()
      return nn.fit{ model = model(), x = x, y = y, epochs = 50,
        on_epoch = function(epoch) if epoch == 3 then ctrl_c() end end }
    end)
    assert.are.equal(3, #history)
    assert.are.equal("interrupted", summary.reason)
    assert.is_true(summary.interrupted)
    assert.are.equal("interrupted at epoch 3; model kept\n", out)
  end)

  it("keeps the model of the last finished step when interrupted in the loss", function()
    local x, y = data(20)
    local m = model(7)
    local calls = 0
    local _, history = capture(function()
      return nn.fit{ model = m, x = x, y = y, epochs = 50,
        loss = function(pred, target)
          calls = calls + 1
          if calls == 5 then ctrl_c() end      -- during epoch 5, before its step
          return nn.mse_loss(pred, target)
        end }
    end)
    assert.are.equal(4, #history)
    -- the same as four uninterrupted epochs
    local m2 = model(7)
    nn.fit{ model = m2, x = x, y = y, epochs = 4, quiet = true }
    assert.are.same(params_of(m2), params_of(m))
  end)

  it("catches the engine's \"interrupted\" with the hook still armed", function()
    -- an engine loop that saw the flag fails with "interrupted"; the REPL's
    -- hook is armed too and fires at the next Lua instruction
    local x, y = data(20)
    local out, history, summary = capture(function()
      return nn.fit{ model = model(), x = x, y = y, epochs = 50,
        on_epoch = function(epoch)
          if epoch == 2 then
            -- armed as the engine fails, the hook fires at the next
            -- instruction of gradlab's own code, after error() has unwound
            debug.sethook(function()
              if debug.getinfo(2, "S").source:sub(1, 9) ~= "@lua/lib/" then return end
              debug.sethook()
              error("interrupted!")
            end, "cr", 1)
            error("interrupted", 0)
          end
        end }
    end)
    debug.sethook()
    assert.are.equal(2, #history)
    assert.are.equal("interrupted", summary.reason)
    assert.are.equal("interrupted at epoch 2; model kept\n", out)
  end)

  it("is quiet about it when quiet", function()
    local x, y = data(20)
    local out, history = capture(function()
      return nn.fit{ model = model(), x = x, y = y, epochs = 50, quiet = true,
        on_epoch = function(epoch) if epoch == 2 then ctrl_c() end end }
    end)
    assert.are.equal(2, #history)
    assert.are.equal("", out)
  end)
end)

describe("the progress bar", function()
  local function fake()
    local t = 0
    local out = { text = {} }
    function out:write(...)
      for _, s in ipairs({ ... }) do self.text[#self.text + 1] = s end
      return self
    end
    function out:flush() end
    local bar = progress.new{ total = 200, enabled = true, out = out, clock = function() return t end }
    return bar, out, function(v) t = v end
  end

  it("draws epoch k/N, a bar, the loss, epochs/s and the ETA in place", function()
    local bar, out, set_time = fake()
    set_time(0.5)
    bar:update(50, 0.012345678)
    assert.are.equal("\repoch  50/200 [=====>              ]  loss 0.01235  100 ep/s  ETA 2s\27[K",
      table.concat(out.text))
  end)

  it("redraws at most every 0.1 s, but always at the end", function()
    local bar, out, set_time = fake()
    local draws = function()
      local n = 0
      for _, s in ipairs(out.text) do if s == "\r" then n = n + 1 end end
      return n
    end
    set_time(0.01); bar:update(1, 1)
    set_time(0.05); bar:update(2, 1)
    set_time(0.10); bar:update(3, 1)
    assert.are.equal(1, draws())
    set_time(0.12); bar:update(4, 1)
    assert.are.equal(2, draws())
    set_time(0.13); bar:update(200, 0.5)
    assert.are.equal(3, draws())
    assert.truthy(out.text[#out.text - 1]:find("%[====================%]  loss 0.5  1538 ep/s  in 0s$"))
    bar:finish()
    assert.are.equal("\n", out.text[#out.text])
  end)

  it("draws nothing when disabled", function()
    local out = { write = function() error("drawn") end, flush = function() end }
    local bar = progress.new{ total = 5, enabled = false, out = out }
    bar:update(1, 1)
    bar:update(5, 1)
    bar:finish()
  end)

  it("formats durations", function()
    assert.are.equal("0s", progress.format_duration(0.2))
    assert.are.equal("59s", progress.format_duration(59.4))
    assert.are.equal("1m23s", progress.format_duration(83))
    assert.are.equal("2h05m", progress.format_duration(2 * 3600 + 5 * 60 + 10))
    assert.are.equal("?", progress.format_duration(math.huge))
  end)
end)
