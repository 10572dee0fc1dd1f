-- gradlab.fit — gl.nn.fit: the training loop people write by hand.
--
--   local history, summary = gl.nn.fit{model = model, x = x, y = y, epochs = 500}
--
-- Each epoch: (shuffled) batches; for each, zero_grad, forward, loss,
-- backward, step. The epoch's loss is the mean of its batch losses weighted
-- by batch size (for a full batch: the loss before the step), one number per
-- epoch in history. A one-line progress bar shows on a terminal.
--
-- Stopping: on_epoch(epoch, loss) returning false; a NaN loss (before its
-- step, so the model keeps its last finite parameters); Ctrl-C, which ends
-- the loop cleanly ("interrupted at epoch k; model kept") and returns what
-- was done: an optimizer step is never cut in half (see optim.lua).

local util = require "gradlab._util"
local gl = util.gl
local nn = require "gradlab.nn"
local optim = require "gradlab.optim"
local progress = require "gradlab.progress"

local is_tensor, argerror = util.is_tensor, util.argerror

local M = {}

local FNAME = "nn.fit"

local function whole(v)
  return math.type(v) == "integer" or (type(v) == "number" and v == math.floor(v) and v == v
    and math.abs(v) < 2^53)
end

local known_args = {
  model = true, x = true, y = true, loss = true, optimizer = true, lr = true, epochs = true,
  batch_size = true, shuffle = true, on_epoch = true, plot = true, quiet = true, label = true,
  params = true,
}

-- ------------------------------------------------------------------- loss

-- Returns loss(pred, yb) and the y to batch from (labels made a tensor once).
local function resolve_loss(loss, y)
  if loss == nil then loss = "mse" end
  if type(loss) == "function" then return loss, y end
  if loss == "mse" then return nn.mse_loss, y end
  if loss == "bce" then return nn.bce_loss, y end
  if loss == "cross_entropy" then
    if is_tensor(y) and util.is_floating(y) and #y.shape == 2 then
      return nn.cross_entropy, y          -- probabilities or one-hot rows
    end
    local labels, hi = nn._class_labels(y, nil, 1, FNAME, 1)
    local ce = nn._C.cross_entropy
    local checked = false
    return function(pred, yb)
      if not checked then
        local c = pred.shape[#pred.shape]
        if hi and hi > c then
          error(string.format("%s: class label %d is out of range 1..%d: the model gives %d scores per row",
            FNAME, hi, c, c), 0)
        end
        checked = true
      end
      return ce(pred, yb, "mean")
    end, labels
  end
  argerror(1, FNAME, string.format(
    'loss must be "mse", "bce", "cross_entropy" or a function(pred, y), got %s',
    type(loss) == "string" and '"' .. loss .. '"' or util.typename(loss)), 3)
end

-- ---------------------------------------------------------------- batches

-- A random permutation of 1..n from the seeded generator, as a Lua table.
local function permutation(n)
  return gl.randperm(n):totable()
end

-- Rows i..j of t (a view).
local function rows(t, i, j)
  return t[{ { i, j } }]
end

-- Rows order[i..j] of t, stacked in that order (a copy). Without
-- index_select in the C part, one slice per row joined by gl.cat.
local function gather(t, order, i, j)
  if t.index_select then
    local idx = {}
    for k = i, j do idx[#idx + 1] = order[k] end
    return t:index_select(1, gl.tensor(idx, { dtype = "int64" }))
  end
  local parts = {}
  for k = i, j do parts[#parts + 1] = rows(t, order[k], order[k]) end
  return gl.cat(parts, 1)
end

-- ------------------------------------------------------------------- plot

-- With plot = true, a model of two inputs and one output also shows its
-- surface over the range of x's two columns (gl.viz.surface puts off calls
-- that come faster than the window redraws, so drawing every epoch is
-- cheap). Returns a function that draws, or nil. If the model's output does
-- not make a surface after all, a warning says why and the loss plot goes on.
local function surface_drawer(viz, model, x, y)
  if not viz.surface or #x.shape ~= 2 or x.shape[2] ~= 2 or x.shape[1] < 1
      or not is_tensor(y) or y:numel() ~= x.shape[1] then
    return nil
  end
  local lims = {}
  for c = 1, 2 do
    local col = x[{ {}, c }]
    local lo, hi = col:min():item(), col:max():item()
    if not (lo > -math.huge and hi < math.huge) then return nil end  -- NaN or Inf in x
    if lo == hi then lo, hi = lo - 1, hi + 1 end
    lims[c] = { lo, hi }
  end
  local opts = { title = "model surface", model = function(p) return model(p) end,
                 xlim = lims[1], ylim = lims[2] }
  return function()
    if not opts then return end
    local ok, err = pcall(viz.surface, opts)
    if not ok then
      if util.is_interrupt(err) then error(err, 0) end
      opts = nil
      io.stderr:write("warning: ", FNAME, "{plot = true}: no surface: ", tostring(err), "\n")
    end
  end
end

-- ------------------------------------------------------------------- fit

function M.fit(a)
  if type(a) ~= "table" then
    argerror(1, FNAME, "table of arguments expected, e.g. nn.fit{model = m, x = x, y = y}, got "
      .. util.typename(a))
  end
  for k in pairs(a) do
    if not known_args[k] then
      argerror(1, FNAME, string.format("unknown argument '%s'", tostring(k)))
    end
  end
  local model = a.model
  local callable = type(model) == "function" or nn.is_module(model)
  if not callable then
    argerror(1, FNAME, "model (a module or a function of x) required, got " .. util.typename(model))
  end
  if a.x == nil or a.y == nil then argerror(1, FNAME, "x and y required") end
  local x = util.as_tensor(a.x)
  local y = a.y
  if not is_tensor(y) and a.loss ~= "cross_entropy" then
    y = gl.tensor(y)
  end
  local n = x.shape[1]
  if #x.shape == 0 then argerror(1, FNAME, "x must have a first dim of samples, got a 0-dim tensor") end
  local loss_fn
  loss_fn, y = resolve_loss(a.loss, y)
  if #y.shape == 0 or y.shape[1] ~= n then
    argerror(1, FNAME, string.format("x has %d rows but y %s: one target per row expected",
      n, #y.shape == 0 and "is 0-dim" or "has " .. y.shape[1]))
  end

  local epochs = a.epochs or 100
  if not whole(epochs) or epochs < 0 then
    argerror(1, FNAME, "epochs must be a whole number >= 0, got " .. tostring(epochs))
  end
  epochs = math.tointeger(epochs)
  local bs = a.batch_size or n
  if not whole(bs) or bs < 1 then
    argerror(1, FNAME, "batch_size must be a positive integer, got " .. tostring(bs))
  end
  bs = math.min(math.tointeger(bs), math.max(n, 1))
  local shuffle = a.shuffle ~= false and bs < n
  if a.on_epoch ~= nil and type(a.on_epoch) ~= "function" then
    argerror(1, FNAME, "on_epoch must be a function(epoch, loss), got " .. util.typename(a.on_epoch))
  end

  local opt = a.optimizer
  if opt == nil or type(opt) == "string" then
    local params = a.params or (nn.is_module(model) and model:parameters())
    if not params then
      argerror(1, FNAME, "give optimizer= (or params=) when model is a plain function")
    end
    local kind = (opt or "adam"):lower()
    if kind == "adam" then
      opt = optim.Adam(params, { lr = a.lr or 0.01 })
    elseif kind == "sgd" then
      opt = optim.SGD(params, { lr = a.lr or 0.01 })
    else
      argerror(1, FNAME, string.format('optimizer "%s" unknown (use "adam", "sgd" or an optimizer)', opt))
    end
  elseif type(opt) ~= "table" or type(opt.step) ~= "function" or type(opt.zero_grad) ~= "function" then
    argerror(1, FNAME, "optimizer must be an optimizer (optim.Adam(...), optim.SGD(...)), got "
      .. util.typename(opt))
  elseif a.lr ~= nil then
    argerror(1, FNAME, "lr is for the default optimizer; give it to the optimizer instead")
  end

  local quiet = a.quiet and true or false
  local plot = a.plot
  local surface   -- draws the model's surface (plot = true, two inputs, one output)
  if plot == true then
    local viz = gl.viz
    plot = viz and viz.loss and viz.loss{ title = "training loss", log = true } or nil
    surface = viz and surface_drawer(viz, model, x, y)
  elseif type(plot) ~= "table" and type(plot) ~= "userdata" then
    plot = nil
  end
  local series = a.label or "train"
  local bar = progress.new{ total = epochs, enabled = (not quiet) and util.stdout_is_terminal() }
  local say = function(msg)
    bar:finish()
    if not quiet then
      io.stdout:write(msg, "\n")
      io.stdout:flush()
    end
  end

  -- One optimizer step on rows xb, yb; returns the loss before the step, or
  -- NaN without stepping.
  local function train_batch(xb, yb)
    opt:zero_grad()
    local pred = model(xb)
    local loss = loss_fn(pred, yb)
    if not is_tensor(loss) or loss:numel() ~= 1 then
      error(string.format("%s: the loss must be a one-element tensor, got %s", FNAME,
        is_tensor(loss) and "shape " .. util.shape_str(loss) or util.typename(loss)), 0)
    end
    local v = loss:item()
    if v ~= v then return v end
    loss:backward()
    opt:step()
    return v
  end

  local function run_epoch()
    if bs >= n then return train_batch(x, y) end
    local order = shuffle and permutation(n) or nil
    local total = 0
    for i = 1, n, bs do
      local j = math.min(i + bs - 1, n)
      local xb, yb
      if order then
        xb, yb = gather(x, order, i, j), gather(y, order, i, j)
      else
        xb, yb = rows(x, i, j), rows(y, i, j)
      end
      local v = train_batch(xb, yb)
      if v ~= v then return v end
      total = total + v * (j - i + 1)
    end
    return total / n
  end

  local history = {}
  local epoch = 0
  local reason = "done"
  local t0 = util.clock()
  local ok, err = util.protected(function()
    for e = 1, epochs do
      epoch = e
      local v = run_epoch()
      if v ~= v then
        reason = "nan"
        break
      end
      history[e] = v
      if plot then plot:add(series, e, v) end
      if surface then surface() end
      bar:update(e, v)
      if a.on_epoch and a.on_epoch(e, v) == false then
        reason = "stopped"
        break
      end
    end
  end)
  if not ok then
    if not util.is_interrupt(err) then
      bar:finish()
      error(err, 0)
    end
    util.clear_interrupt()
    reason = "interrupted"
    say(string.format("interrupted at epoch %d; model kept", epoch))
  elseif reason == "nan" then
    say(string.format("loss is nan at epoch %d; stopped before that step (lower the learning rate?)", epoch))
  else
    bar:finish()
  end

  local best, best_epoch = math.huge, nil
  for i, v in ipairs(history) do
    if v < best then best, best_epoch = v, i end
  end
  local summary = {
    epochs = #history,
    loss = history[#history],
    best_loss = best_epoch and best or nil,
    best_epoch = best_epoch,
    seconds = util.clock() - t0,
    reason = reason,
    interrupted = reason == "interrupted",
    batch_size = bs,
    optimizer = opt,
  }
  return history, summary
end

return M
