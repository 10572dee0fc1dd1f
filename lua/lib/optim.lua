-- gradlab.optim — optimizers, as gl.optim.
--
--   local opt = gl.optim.Adam(model:parameters(), {lr = 0.01})
--   for epoch = 1, 500 do
--     opt:zero_grad()
--     local loss = gl.nn.mse_loss(model(x), y)
--     loss:backward()
--     opt:step()
--   end
--
-- The update formulas are torch.optim's (1.13); each step is one call into
-- the engine per parameter tensor (gl_sgd_step / gl_adam_step), under
-- gl.no_grad, with Ctrl-C deferred until every parameter is updated. State
-- tensors (momentum buffers, Adam's averages) are made on the first step.
--
-- Hyperparameters live in opt.param_groups[i] as in torch; opt.lr (and any
-- other hyperparameter name) reads group 1 and sets every group, so
-- `opt.lr = 0.001` does what it says.

local util = require "gradlab._util"
local gl = util.gl
local doc, argerror, is_tensor = util.doc, util.argerror, util.is_tensor

local optim = {}

local C_sgd_step = util.c_function("_sgd_step")
local C_adam_step = util.c_function("_adam_step")
local C_nonfinite = util.c_function("_nonfinite")

local Optimizer = {}

-- --------------------------------------------------------- construction

local function is_module(v)
  local mt = type(v) == "table" and getmetatable(v)
  return type(mt) == "table" and rawget(mt, "_is_module_class") == true
end

local function describe(v)
  if type(v) == "number" or type(v) == "boolean" then return tostring(v) end
  if type(v) == "string" then return '"' .. v .. '"' end
  if type(v) == "table" and not getmetatable(v) and #v > 0 and #v <= 4 then
    local parts = {}
    for i = 1, #v do parts[i] = describe(v[i]) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return util.typename(v)
end

-- params: a module, one tensor, a list of tensors, or a list of groups
-- {params = {...}, lr = ...}. Returns a list of groups {params = list, ...}
-- with each tensor checked. Errors name argument #1 of fname.
local function param_groups(params, fname)
  if is_module(params) then params = params:parameters() end
  if is_tensor(params) then params = { params } end
  if type(params) ~= "table" then
    argerror(1, fname, "list of parameters expected (e.g. model:parameters()), got "
      .. util.typename(params), 4)
  end
  local groups
  if type(params[1]) == "table" and not is_module(params[1]) then
    groups = {}
    for i, g in ipairs(params) do
      local group = {}
      for k, v in pairs(g) do group[k] = v end
      if is_module(group.params) then group.params = group.params:parameters() end
      if is_tensor(group.params) then group.params = { group.params } end
      if type(group.params) ~= "table" then
        argerror(1, fname, string.format("parameter group %d has no params list", i), 4)
      end
      groups[i] = group
    end
  else
    groups = { { params = params } }
  end
  local seen, count = {}, 0
  for _, g in ipairs(groups) do
    local list = {}
    for i = 1, #g.params do
      local p = g.params[i]
      count = count + 1
      if not is_tensor(p) then
        argerror(1, fname, string.format("parameter %d is a %s, not a tensor", count, util.typename(p)), 4)
      end
      if not util.is_floating(p) then
        argerror(1, fname, string.format("parameter %d is %s; only float32/float64 tensors can be optimized",
          count, p.dtype), 4)
      end
      if not p.is_leaf then
        argerror(1, fname, string.format("parameter %d is not a leaf (made by %s): optimize the tensors you created, not results of ops",
          count, tostring(p.grad_fn)), 4)
      end
      if not p.requires_grad then
        argerror(1, fname, string.format("parameter %d does not require grad; call p:requires_grad_(true) first", count), 4)
      end
      if seen[p] then
        argerror(1, fname, string.format("parameter %d appears twice", count), 4)
      end
      seen[p] = true
      list[#list + 1] = p
    end
    g.params = list
  end
  if count == 0 then argerror(1, fname, "empty parameter list", 4) end
  return groups
end

-- Fills group g from opts and the defaults, checking each value with the
-- optimizer's spec: spec[name] = {default, check(v) -> message or nil}.
local function fill_group(g, opts, spec, fname, n)
  for k, v in pairs(opts) do
    if spec[k] == nil and k ~= "params" then
      local known = {}
      for name in pairs(spec) do known[#known + 1] = name end
      table.sort(known)
      argerror(n, fname, string.format("unknown option '%s' (%s takes %s)", tostring(k), fname,
        table.concat(known, ", ")), 4)
    end
  end
  for name, s in pairs(spec) do
    local v = g[name]
    if v == nil then v = opts[name] end
    if v == nil then v = s[1] end
    if v == nil then argerror(n, fname, name .. " is required", 4) end
    local msg = s[2](v)
    if msg then argerror(n, fname, name .. " " .. msg .. ", got " .. describe(v), 4) end
    g[name] = v
  end
end

local function nonneg(v)
  if type(v) ~= "number" or v ~= v or v < 0 then return "must be a number >= 0" end
end
local function boolean(v)
  if type(v) ~= "boolean" then return "must be true or false" end
end
local function betas(v)
  if type(v) ~= "table" or #v ~= 2 then return "must be a pair {beta1, beta2}" end
  for i = 1, 2 do
    local b = v[i]
    if type(b) ~= "number" or not (b >= 0 and b < 1) then return "must be two numbers in [0, 1)" end
  end
end

-- A class of optimizer named name with hyperparameters spec; update(self, p,
-- grad, group, state) performs one step on p.
local function optimizer_class(name, spec, init_state, update)
  local cls = { __name = name, _spec = spec, _init_state = init_state, _update = update }
  cls.__index = function(self, k)
    local m = cls[k]
    if m == nil then m = Optimizer[k] end
    if m ~= nil then return m end
    if spec[k] ~= nil then return rawget(self, "param_groups")[1][k] end
  end
  cls.__newindex = function(self, k, v)
    if spec[k] == nil then return rawset(self, k, v) end
    local msg = spec[k][2](v)
    if msg then error(string.format("%s: %s %s, got %s", name, k, msg, describe(v)), 2) end
    for _, g in ipairs(rawget(self, "param_groups")) do g[k] = v end
  end
  cls.__tostring = function(self) return self:repr() end
  -- what the REPL's completer (and gl.help) can list, __index being a function
  cls.__methods = { "step", "zero_grad" }
  cls.__fields = { "param_groups", "state" }
  for name in pairs(spec) do cls.__fields[#cls.__fields + 1] = name end
  table.sort(cls.__fields)
  return cls
end

local function new(cls, fname, params, opts)
  local groups = param_groups(params, fname)
  if type(opts) == "number" then opts = { lr = opts } end
  if opts ~= nil and type(opts) ~= "table" then
    argerror(2, fname, "options table expected, got " .. util.typename(opts), 3)
  end
  opts = opts or {}
  for _, g in ipairs(groups) do fill_group(g, opts, cls._spec, fname, 2) end
  local self = setmetatable({ param_groups = groups, state = {} }, cls)
  return self
end

-- ------------------------------------------------------------- methods

function Optimizer:zero_grad()
  for _, g in ipairs(self.param_groups) do
    for _, p in ipairs(g.params) do
      local grad = p.grad
      if grad then grad:zero_() end
    end
  end
end

function Optimizer:step(closure)
  local loss
  if closure ~= nil then
    if type(closure) ~= "function" then
      argerror(1, "step", "function expected (a closure that recomputes the loss), got "
        .. util.typename(closure))
    end
    loss = closure()
  end
  -- Everything that can fail or allocate is done before the first update:
  -- the updates then run with Ctrl-C deferred, all or none.
  local work, n, index = {}, 0, 0
  local anomaly = gl.is_anomaly_enabled()
  for _, g in ipairs(self.param_groups) do
    for _, p in ipairs(g.params) do
      index = index + 1
      local grad = p.grad
      if grad ~= nil then
        local st = self.state[p]
        if st == nil then
          st = self._init_state(p, g)
          self.state[p] = st
        end
        n = n + 1
        -- in anomaly mode: was p finite before the step (see below)
        work[n] = { p, grad, g, st, index, anomaly and C_nonfinite(p) == nil }
      end
    end
  end
  local update = self._update
  util.critical(function()
    gl.no_grad(function()
      for i = 1, n do
        local w = work[i]
        update(self, w[1], w[2], w[3], w[4])
      end
    end)
  end)
  -- gl.detect_anomaly: a step that made a finite parameter nan/inf is where
  -- a run's nan starts (the next forward only passes it on). The step is
  -- complete when this fails.
  if anomaly then
    for i = 1, n do
      local w = work[i]
      local what = w[6] and C_nonfinite(w[1])
      if what then
        error(string.format("anomaly: %s's step made parameter %d (shape %s) %s (lr = %g)",
          getmetatable(self).__name, w[5], util.shape_str(w[1]), what, w[3].lr), 0)
      end
    end
  end
  return loss
end

function Optimizer:repr()
  local mt = getmetatable(self)
  local names = {}
  for k in pairs(mt._spec) do names[#names + 1] = k end
  table.sort(names)
  local lines = { mt.__name .. " (" }
  for i, g in ipairs(self.param_groups) do
    lines[#lines + 1] = "Parameter Group " .. i
    for _, k in ipairs(names) do
      local v = g[k]
      if type(v) == "table" then v = "{" .. table.concat(v, ", ") .. "}" end
      lines[#lines + 1] = "    " .. k .. ": " .. tostring(v)
    end
  end
  lines[#lines + 1] = ")"
  return table.concat(lines, "\n")
end

doc(Optimizer.zero_grad, "opt:zero_grad()",
  "Zeroes the gradients of the optimizer's parameters: call it before each backward (gradients accumulate).")
doc(Optimizer.step, "opt:step([closure])",
  "Updates every parameter that has a gradient, one engine call per tensor, under no_grad; Ctrl-C waits until all are updated. With a closure, calls it first and returns its loss.")

-- ----------------------------------------------------------------- SGD

local zeros_like = function(p)
  return gl.zeros(p.shape, { dtype = p.dtype })
end

local SGD = optimizer_class("SGD", {
  lr = { nil, nonneg },
  momentum = { 0, nonneg },
  dampening = { 0, nonneg },
  weight_decay = { 0, nonneg },
  nesterov = { false, boolean },
}, function(p, g)
  local st = { step = 0 }
  if g.momentum ~= 0 then st.momentum_buffer = zeros_like(p) end
  return st
end, function(_, p, grad, g, st)
  -- torch.optim.SGD: d = grad + wd p; buf = d (first step) or
  -- momentum buf + (1 - dampening) d; d = nesterov and d + momentum buf or buf;
  -- p -= lr d.
  local buf = st.momentum_buffer
  if g.momentum ~= 0 and buf == nil then   -- momentum switched on after the first step
    buf = zeros_like(p)
    st.momentum_buffer = buf
    st.step = 0
  end
  C_sgd_step(p, grad, g.momentum ~= 0 and buf or nil, g.lr, g.momentum, g.dampening,
    g.weight_decay, g.nesterov, st.step == 0)
  st.step = st.step + 1
end)

optim.SGD = doc(function(params, opts)
  local opt = new(SGD, "optim.SGD", params, opts)
  for _, g in ipairs(opt.param_groups) do
    if g.nesterov and (g.momentum <= 0 or g.dampening ~= 0) then
      argerror(2, "optim.SGD", "nesterov momentum needs a momentum > 0 and dampening 0")
    end
  end
  return opt
end, "optim.SGD(params, {lr=, momentum=0, dampening=0, weight_decay=0, nesterov=false})",
  "Stochastic gradient descent, as torch.optim.SGD: p -= lr * (grad + weight_decay p), with momentum (a running buffer) and Nesterov's variant. lr is required.")

-- ---------------------------------------------------------------- Adam

local Adam = optimizer_class("Adam", {
  lr = { 1e-3, nonneg },
  betas = { { 0.9, 0.999 }, betas },
  eps = { 1e-8, nonneg },
  weight_decay = { 0, nonneg },
}, function(p)
  return { step = 0, exp_avg = zeros_like(p), exp_avg_sq = zeros_like(p) }
end, function(_, p, grad, g, st)
  -- torch.optim.Adam: g = grad + wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
  -- p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
  C_adam_step(p, grad, st.exp_avg, st.exp_avg_sq, st.step + 1, g.lr, g.betas[1], g.betas[2],
    g.eps, g.weight_decay)
  st.step = st.step + 1
end)

optim.Adam = doc(function(params, opts)
  local opt = new(Adam, "optim.Adam", params, opts)
  return opt
end, "optim.Adam(params, {lr=1e-3, betas={0.9, 0.999}, eps=1e-8, weight_decay=0})",
  "Adam, as torch.optim.Adam: per-parameter steps scaled by running averages of the gradient and its square, bias-corrected; weight_decay adds an L2 term to the gradient.")

return optim
