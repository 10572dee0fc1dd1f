-- gradlab.nn — layers, models and losses, as gl.nn.
--
--   local nn = gl.nn
--   local model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
--   local same  = nn.MLP{2, 16, 1, activation = "relu"}
--   local loss  = nn.mse_loss(model(x), y)          -- x is (N,2), y is (N,1)
--   local history = nn.fit{model = model, x = x, y = y, epochs = 500}
--
-- A module is a Lua table whose metatable is its class. Calling it runs its
-- forward. Its parameters, in the order its fields were first assigned (as
-- torch registers them), are its tensor fields that require grad and the
-- parameters of its module fields (its children), depth first. Your own:
--
--   local Net = nn.Module("Net")
--   function Net:init(hidden)
--     self.fc1 = nn.Linear(2, hidden)
--     self.fc2 = nn.Linear(hidden, 1)
--   end
--   function Net:forward(x) return self.fc2(self.fc1(x):tanh()) end
--   local net = Net(16)                 -- net:parameters() has 4 tensors
--
-- Class labels are 1-based, as indices everywhere in gradlab: a problem with C
-- classes has labels 1..C. The engine counts from 0; the C part converts.

local util = require "gradlab._util"
local gl = util.gl
local doc, argerror, is_tensor = util.doc, util.argerror, util.is_tensor

local nn = {}

-- ------------------------------------------------------------------ modules

local Module = {}   -- methods every module has (the root of every class)

-- The order of first assignment of an instance's fields; a class's
-- __newindex appends to it (rawset'ing the value), so parameters() can list
-- parameters in definition order, as torch does.
local function record_field(self, k, v)
  local order = rawget(self, "_order")
  if order and v ~= nil then
    local known = false
    for i = 1, #order do
      if order[i] == k then known = true break end
    end
    if not known then order[#order + 1] = k end
  end
  rawset(self, k, v)
end

local function is_module(v)
  local mt = type(v) == "table" and getmetatable(v)
  return type(mt) == "table" and rawget(mt, "_is_module_class") == true
end
nn.is_module = doc(is_module, "nn.is_module(v)", "True when v is a module (a layer or a model).")

local function class_name(m)
  return getmetatable(m).__name or "Module"
end

-- Makes a class: a table that is the metatable of its instances and, when
-- called, makes an instance and runs its init(...).
local function class(name, parent)
  local cls = {
    __name = name,
    _is_module_class = true,
    __newindex = record_field,
    __call = function(self, ...) return self:forward(...) end,
    __tostring = function(self) return self:repr() end,
  }
  cls.__index = cls
  setmetatable(cls, {
    __index = parent or Module,
    __call = function(c, ...)
      local obj = setmetatable({ _order = {} }, c)
      obj:init(...)
      return obj
    end,
  })
  return cls
end

function Module:init() end

function Module:forward()
  error(class_name(self) .. ": no forward; define function " .. class_name(self)
        .. ":forward(x)", 2)
end

-- The module's own fields in assignment order: each as {name, value}.
local function fields(self)
  local out = {}
  for _, k in ipairs(rawget(self, "_order") or {}) do
    local v = rawget(self, k)
    if v ~= nil then out[#out + 1] = { k, v } end
  end
  return out
end

local function is_parameter(v)
  return is_tensor(v) and v.requires_grad == true
end

function Module:children()
  local out = {}
  for _, f in ipairs(fields(self)) do
    if is_module(f[2]) then out[#out + 1] = f[2] end
  end
  return out
end

-- Calls fn(prefix .. name, tensor) for each parameter, depth first, each
-- tensor once.
local function walk_parameters(self, prefix, seen, fn)
  for _, f in ipairs(fields(self)) do
    local name, v = tostring(f[1]), f[2]
    if is_parameter(v) then
      if not seen[v] then
        seen[v] = true
        fn(prefix .. name, v)
      end
    elseif is_module(v) then
      walk_parameters(v, prefix .. name .. ".", seen, fn)
    end
  end
end

function Module:parameters()
  local out = {}
  walk_parameters(self, "", {}, function(_, p) out[#out + 1] = p end)
  return out
end

function Module:named_parameters()
  local names, params = {}, {}
  walk_parameters(self, "", {}, function(n, p)
    names[#names + 1] = n
    params[#params + 1] = p
  end)
  local i = 0
  return function()
    i = i + 1
    if names[i] then return names[i], params[i] end
  end
end

function Module:num_parameters()
  local n = 0
  for _, p in ipairs(self:parameters()) do n = n + p:numel() end
  return n
end

function Module:zero_grad()
  for _, p in ipairs(self:parameters()) do
    local g = p.grad
    if g then g:zero_() end
  end
  return self
end

-- Replaces each parameter by fn(parameter) (a new leaf that requires grad),
-- in this module and its children. An optimizer made before keeps the old
-- tensors: make it after.
function Module:_apply(fn)
  for _, f in ipairs(fields(self)) do
    local name, v = f[1], f[2]
    if is_parameter(v) then
      local new = fn(v)
      if new ~= v then
        new = new:detach()
        new:requires_grad_(true)
        rawset(self, name, new)
      end
    elseif is_module(v) then
      v:_apply(fn)
    end
  end
  return self
end

function Module:to(dtype)
  if dtype ~= "float32" and dtype ~= "float64" then
    argerror(1, "to", string.format('dtype "float32" or "float64" expected, got %s',
      type(dtype) == "string" and '"' .. dtype .. '"' or type(dtype)))
  end
  return self:_apply(function(p) return util.to_dtype(p, dtype) end)
end
function Module:float() return self:to("float32") end
function Module:double() return self:to("float64") end

-- No layer here acts differently when training (no dropout, no batch
-- norm); these keep the flag so code from torch runs unchanged.
function Module:train(mode)
  if mode == nil then mode = true end
  rawset(self, "training", mode and true or false)
  for _, m in ipairs(self:children()) do m:train(mode) end
  return self
end
function Module:eval() return self:train(false) end
Module.training = true

function Module:extra_repr() return "" end

-- torch's module repr: "Name(extra)" or, with children,
-- "Name(\n  (name): child\n)" with children indented by two spaces.
function Module:repr()
  local kids = {}
  for _, f in ipairs(fields(self)) do
    if is_module(f[2]) then kids[#kids + 1] = f end
  end
  local extra = self:extra_repr()
  if #kids == 0 then return class_name(self) .. "(" .. extra .. ")" end
  local lines = { class_name(self) .. "(" }
  if extra ~= "" then lines[#lines + 1] = "  " .. extra end
  for _, f in ipairs(kids) do
    local child = tostring(f[2]):gsub("\n", "\n  ")
    lines[#lines + 1] = "  (" .. tostring(f[1]) .. "): " .. child
  end
  lines[#lines + 1] = ")"
  return table.concat(lines, "\n")
end

doc(Module.parameters, "model:parameters()",
  "The model's trainable tensors (those that require grad), in definition order, each once: what an optimizer takes.")
doc(Module.named_parameters, "model:named_parameters()",
  'Iterator over (name, tensor) pairs: for name, p in model:named_parameters() do ... end; names like "1.weight".')
doc(Module.num_parameters, "model:num_parameters()", "The number of trainable numbers in the model.")
doc(Module.children, "model:children()", "The model's direct submodules, in order.")
doc(Module.zero_grad, "model:zero_grad()",
  "Zeroes the gradient of every parameter (gradients accumulate across backward calls until zeroed).")
doc(Module.to, 'model:to("float32"|"float64")',
  "Converts every parameter to the dtype (new tensors: make the optimizer afterwards). Returns the model.")
doc(Module.train, "model:train([mode = true])",
  "Sets model.training (and its children's); no gradlab layer behaves differently, so it only keeps torch code running. Returns the model.")
doc(Module.eval, "model:eval()", "model:train(false).")
doc(Module.float, "model:float()", 'model:to("float32").')
doc(Module.double, "model:double()", 'model:to("float64").')

nn.Module = doc(function(name, parent)
  if type(name) ~= "string" then
    argerror(1, "nn.Module", "class name (a string) expected, got " .. util.typename(name))
  end
  if parent ~= nil and not (type(parent) == "table" and rawget(parent, "_is_module_class")) then
    argerror(2, "nn.Module", "a module class expected as the parent, got " .. util.typename(parent))
  end
  return class(name, parent)
end, 'nn.Module(name [, parent])',
  'Makes a module class: define Class:init(...) and Class:forward(x); Class(...) makes one. Tensor fields that require grad are its parameters, module fields its children.')

-- ---------------------------------------------------------------- helpers

-- The checks below are called by the public functions themselves: their
-- errors name the caller's caller (the user's line).
local function is_whole(v)
  return math.type(v) == "integer" or (type(v) == "number" and v == math.floor(v) and v == v
    and math.abs(v) < 2^53)
end

local function check_positive_int(v, n, fname, what)
  if not is_whole(v) or v < 1 then
    argerror(n, fname, what .. " must be a positive integer, got "
      .. (type(v) == "number" and tostring(v) or util.typename(v)), 3)
  end
  return math.tointeger(v)
end

local function check_dtype(dtype, n, fname, depth)
  if dtype == nil then return "float32" end
  if dtype == "float" then return "float32" end
  if dtype == "double" then return "float64" end
  if dtype ~= "float32" and dtype ~= "float64" then
    argerror(n, fname, 'dtype must be "float32" or "float64", got '
      .. (type(dtype) == "string" and '"' .. dtype .. '"' or util.typename(dtype)), 3 + (depth or 0))
  end
  return dtype
end

local function check_input(x, fname)
  if not is_tensor(x) then
    error(string.format("%s: input must be a tensor, got %s", fname, util.typename(x)), 3)
  end
end

-- A new leaf tensor of the shape, drawn from U(-bound, bound) with the seeded
-- generator, that requires grad.
local function uniform_parameter(shape, bound, dtype)
  local t = gl.empty(shape, { dtype = dtype }):uniform_(-bound, bound)
  return t:requires_grad_(true)
end

-- ------------------------------------------------------------------ layers

-- The forward functions that keep no reference to their input or their
-- output and always return a new tensor. Between two such layers the
-- intermediate is held by Sequential alone (and by the graph, through the
-- engine's own references), so Sequential releases its box as soon as the
-- next layer has used it: the storage goes back to the buffer pool when
-- backward is done with it, while still in cache, instead of waiting for
-- the garbage collector (the float64 MLP fit: 3.85 -> 3.17 s).
local keeps_nothing = {}
local release = rawget(gl, "_release")

local Linear = class("Linear")

-- Arguments checked by nn.Linear / nn.MLP.
function Linear:init(in_features, out_features, bias, dtype)
  rawset(self, "in_features", in_features)
  rawset(self, "out_features", out_features)
  -- torch's default: kaiming_uniform_(a = sqrt(5)) on the (out, in) weight,
  -- whose bound gain * sqrt(3 / fan_in) with gain = sqrt(2 / (1 + 5)) is
  -- 1 / sqrt(fan_in); the bias takes the same bound.
  local bound = 1 / math.sqrt(in_features)
  self.weight = uniform_parameter({ out_features, in_features }, bound, dtype)  -- (out, in)
  if bias then
    self.bias = uniform_parameter({ out_features }, bound, dtype)              -- (out)
  end
end

-- The engine's fused x W^T + b (one "linear" node; the bias is added inside
-- the product, so the product alone is never a tensor): gl._linear, when
-- the C part has it. Without it, matmul then add computes the same.
local C_linear = rawget(gl, "_linear")

-- x is (..., in) -> (..., out): x W^T + b.
function Linear:forward(x)
  check_input(x, "Linear")
  local shape = x.shape
  local n = shape[#shape]
  if #shape == 0 or n ~= self.in_features then
    error(string.format("Linear(in_features=%d, out_features=%d): input %s has %s features in its last dim, expected %d",
      self.in_features, self.out_features, util.shape_str(x),
      #shape == 0 and "no" or tostring(n), self.in_features), 2)
  end
  if C_linear then return (C_linear(x, self.weight, self.bias)) end
  local y = x:matmul(self.weight.T)
  if self.bias then y = y + self.bias end
  return y
end

keeps_nothing[Linear.forward] = true

function Linear:extra_repr()
  return string.format("in_features=%d, out_features=%d, bias=%s",
    self.in_features, self.out_features, tostring(self.bias ~= nil))
end

local function linear_options(opts, fname, n)
  if type(opts) == "boolean" then opts = { bias = opts } end
  if opts ~= nil and type(opts) ~= "table" then
    argerror(n, fname, "options table expected, got " .. util.typename(opts), 3)
  end
  opts = opts or {}
  local bias = opts.bias
  if bias == nil then bias = true end
  if type(bias) ~= "boolean" then
    argerror(n, fname, "bias must be true or false, got " .. util.typename(bias), 3)
  end
  local dtype = check_dtype(opts.dtype, n, fname, 1)
  return bias, dtype
end

nn.Linear = doc(function(in_features, out_features, opts)
  local fname = "nn.Linear"
  in_features = check_positive_int(in_features, 1, fname, "in_features")
  out_features = check_positive_int(out_features, 2, fname, "out_features")
  local bias, dtype = linear_options(opts, fname, 3)
  return (Linear(in_features, out_features, bias, dtype))
end, "nn.Linear(in, out, {bias=true, dtype=\"float32\"})",
  "A fully connected layer: x (...,in) -> x:matmul(weight.T) + bias (...,out). weight is (out,in), bias (out), both drawn from U(-1/sqrt(in), 1/sqrt(in)) as PyTorch initialises them.")

-- Activations: elementwise (or along a dim), no parameters.
local function activation(name, method, sig, text)
  local cls = class(name)
  function cls:forward(x)
    check_input(x, name)
    return x[method](x)
  end
  keeps_nothing[cls.forward] = true
  nn[name] = doc(function() return (cls()) end, sig, text)
  return cls
end

activation("ReLU", "relu", "nn.ReLU()",
  "max(0, x) elementwise. Its derivative at exactly 0 is a setting: gl.set_relu_grad_at_zero(0|0.5|1).")
activation("Tanh", "tanh", "nn.Tanh()", "tanh(x) elementwise: outputs in (-1, 1).")
activation("Sigmoid", "sigmoid", "nn.Sigmoid()", "1 / (1 + exp(-x)) elementwise: outputs in (0, 1).")

local function along_dim(name, method, sig, text)
  local cls = class(name)
  function cls:init(dim) rawset(self, "dim", dim) end
  function cls:forward(x)
    check_input(x, name)
    local d, n = self.dim, math.max(x:dim(), 1)
    if d > n or d < -n then
      error(string.format("%s(dim=%d): input %s has no dim %d (expected 1..%d or -%d..-1)",
        name, d, util.shape_str(x), d, n, n), 2)
    end
    return (util.call_for_user(x[method], x, d))
  end
  keeps_nothing[cls.forward] = true
  function cls:extra_repr() return "dim=" .. self.dim end
  nn[name] = doc(function(dim)
    if dim == nil then dim = -1 end
    if not is_whole(dim) or dim == 0 then
      argerror(1, "nn." .. name, "dim must be a nonzero integer (1-based; -1 is the last), got "
        .. (type(dim) == "number" and tostring(dim) or util.typename(dim)))
    end
    return (cls(math.tointeger(dim)))
  end, sig, text)
  return cls
end

along_dim("Softmax", "softmax", "nn.Softmax(dim=-1)",
  "exp(x) / sum(exp(x)) along dim (1-based; -1, the default, is the last): each slice sums to 1.")
along_dim("LogSoftmax", "log_softmax", "nn.LogSoftmax(dim=-1)",
  "log(softmax(x)) along dim, computed stably.")

-- A plain Lua function as a layer (Sequential wraps functions in it).
local Lambda = class("Lambda")
function Lambda:init(fn) rawset(self, "fn", fn) end
function Lambda:forward(...) return self.fn(...) end
nn.Lambda = doc(function(fn)
  if type(fn) ~= "function" then
    argerror(1, "nn.Lambda", "function expected, got " .. util.typename(fn))
  end
  return (Lambda(fn))
end, "nn.Lambda(fn)", "A function of tensors as a layer without parameters: nn.Lambda(function(x) return x ^ 2 end).")

-- ------------------------------------------------------------- containers

local Sequential = class("Sequential")

-- Appends m (a module, or a function made a Lambda); nil and an error
-- message when m is neither.
local function add_layer(self, m)
  if type(m) == "function" then m = Lambda(m) end
  if not is_module(m) then return nil, "module expected, got " .. util.typename(m) end
  self[#self + 1] = m
  return true
end

function Sequential:init(layers)
  for i = 1, #layers do add_layer(self, layers[i]) end
end

function Sequential:add(m)
  local ok, err = add_layer(self, m)
  if not ok then argerror(1, "add", err) end
  return self
end

function Sequential:forward(x)
  local ours = false -- x was made by a layer that keeps nothing (see keeps_nothing)
  for i = 1, #self do
    local m = self[i]
    local pure = keeps_nothing[m.forward] == true
    local y = m(x)
    if ours and pure and release and not rawequal(x, y) then release(x) end
    ours, x = pure, y
  end
  return x
end

nn.Sequential = doc(function(...)
  local layers = table.pack(...)
  if layers.n == 1 and type(layers[1]) == "table" and not is_module(layers[1]) then
    layers = table.pack(table.unpack(layers[1]))
  end
  for i = 1, layers.n do
    local m = layers[i]
    if type(m) ~= "function" and not is_module(m) then
      argerror(i, "nn.Sequential", "module expected, got " .. util.typename(m))
    end
  end
  return (Sequential(layers))
end, "nn.Sequential(layer1, layer2, ...)",
  "Applies the layers in order: model(x) = layerN(...layer1(x)). Layers are model[1]..model[#model]; plain functions become nn.Lambda layers; model:add(layer) appends.")
doc(Sequential.add, "model:add(layer)", "Appends a layer to a Sequential; returns the model.")

local MLP = class("MLP", Sequential)

local activations = { relu = "ReLU", tanh = "Tanh", sigmoid = "Sigmoid" }

-- A function making the activation module named by a (a name, a module
-- constructor such as nn.Tanh); nil and a message when a is neither.
local function activation_maker(a, opt)
  if type(a) == "string" then
    local name = activations[a:lower()]
    if name then return nn[name] end
    return nil, string.format('%s "%s" unknown (use "relu", "tanh" or "sigmoid")', opt, a)
  elseif type(a) == "function" then
    local ok, m = pcall(a)
    if ok and is_module(m) then return a end
  end
  return nil, opt .. ' must be "relu", "tanh", "sigmoid" or a module constructor such as nn.Tanh'
end

function MLP:init(sizes, bias, dtype, act, out_act)
  for i = 1, #sizes - 1 do
    self[#self + 1] = Linear(sizes[i], sizes[i + 1], bias, dtype)
    if i < #sizes - 1 then self[#self + 1] = act() end
  end
  if out_act then self[#self + 1] = out_act() end
end

nn.MLP = doc(function(spec)
  local fname = "nn.MLP"
  if type(spec) ~= "table" then
    argerror(1, fname, "table of layer sizes expected, e.g. nn.MLP{2, 16, 16, 1}, got "
      .. util.typename(spec))
  end
  if #spec < 2 then
    argerror(1, fname, "at least two layer sizes expected (inputs and outputs), got " .. #spec)
  end
  local sizes = {}
  for i = 1, #spec do
    local v = spec[i]
    if not is_whole(v) or v < 1 then
      argerror(1, fname, string.format("layer size %d must be a positive integer, got %s",
        i, type(v) == "number" and tostring(v) or util.typename(v)))
    end
    sizes[i] = math.tointeger(v)
  end
  local act, err = activation_maker(spec.activation or "relu", "activation")
  if not act then argerror(1, fname, err) end
  local out_act
  if spec.output_activation ~= nil then
    out_act, err = activation_maker(spec.output_activation, "output_activation")
    if not out_act then argerror(1, fname, err) end
  end
  local bias, dtype = linear_options({ bias = spec.bias, dtype = spec.dtype }, fname, 1)
  return (MLP(sizes, bias, dtype, act, out_act))
end, 'nn.MLP{2, 16, 16, 1, activation="relu", output_activation=nil, bias=true, dtype="float32"}',
  'A multilayer perceptron: Linear layers between the sizes given, with the activation ("relu", "tanh" or "sigmoid") between them and none after the last unless output_activation says. A Sequential.')

-- ------------------------------------------------------------------ losses

-- The engine's losses, as the C part exposes them.
local c_function = util.c_function
local C = {
  mse_loss = c_function("_mse_loss"),
  bce_loss = c_function("_bce_loss"),
  cross_entropy = c_function("_cross_entropy"),
  one_hot = c_function("_one_hot"),
}
nn._C = C

local reductions = { mean = true, sum = true, none = true }

local function reduction_of(opts, n, fname)
  if opts == nil then return "mean" end
  local r = opts
  if type(opts) == "table" then r = opts.reduction end
  if r == nil then return "mean" end
  if not reductions[r] then
    argerror(n, fname, string.format('reduction must be "mean", "sum" or "none", got %s',
      type(r) == "string" and '"' .. r .. '"' or util.typename(r)), 3)
  end
  return r
end

local function check_tensor_arg(v, n, fname, what)
  if not is_tensor(v) then
    argerror(n, fname, what .. " must be a tensor, got " .. util.typename(v), 3)
  end
end

local function float_target(t, like)
  if type(t) == "number" or type(t) == "table" then
    return gl.tensor(t, { dtype = like.dtype })
  end
  return t
end

nn.mse_loss = doc(function(pred, target, opts)
  local fname = "nn.mse_loss"
  check_tensor_arg(pred, 1, fname, "prediction")
  target = float_target(target, pred)
  check_tensor_arg(target, 2, fname, "target")
  return (util.call_for_user(C.mse_loss, pred, target, reduction_of(opts, 3, fname)))
end, 'nn.mse_loss(pred, target, {reduction="mean"})',
  'Mean squared error: mean((pred - target)^2) ("sum": the sum, "none": each term). The shapes broadcast: (N,1) against (N) gives (N,N) (gl.broadcast_mode warns).')

nn.bce_loss = doc(function(p, target, opts)
  local fname = "nn.bce_loss"
  check_tensor_arg(p, 1, fname, "input")
  target = float_target(target, p)
  check_tensor_arg(target, 2, fname, "target")
  local r = reduction_of(opts, 3, fname)
  local lo, hi
  gl.no_grad(function()
    if p:numel() > 0 then lo, hi = p:min():item(), p:max():item() end
  end)
  if lo and (lo < 0 or hi > 1 or lo ~= lo or hi ~= hi) then
    argerror(1, fname, string.format(
      "probabilities in [0, 1] expected, got values in [%.4g, %.4g]; for logits use nn.Sigmoid() first",
      lo, hi), 2)
  end
  return (util.call_for_user(C.bce_loss, p, target, r))
end, 'nn.bce_loss(p, target, {reduction="mean"})',
  'Binary cross-entropy of probabilities p in [0,1] against targets in [0,1]: -mean(t log p + (1-t) log(1-p)); logs clamped at -100 as PyTorch.')

-- Class labels (a Lua table, a number, or a tensor holding whole numbers)
-- as an int64 tensor, each checked to be in 1..nclasses (when given). The C
-- part takes them 1-based and gives the engine label - 1. Returns the tensor
-- and the largest label. Errors name argument n of fname, at the caller of
-- the caller (depth more frames up).
local function class_labels(labels, nclasses, n, fname, depth)
  depth = depth or 0
  local t = labels
  if type(labels) == "number" or type(labels) == "table" then
    local ok, res = pcall(gl.tensor, labels, { dtype = "int64" })
    if not ok then
      argerror(n, fname, "class labels (whole numbers from 1) expected: " .. tostring(res), 3 + depth)
    end
    t = res
  elseif not is_tensor(labels) then
    argerror(n, fname, "class labels expected (a table, a number or a tensor), got "
      .. util.typename(labels), 3 + depth)
  end
  if t:numel() == 0 then return util.to_dtype(t, "int64"), nil end
  local lo, hi
  gl.no_grad(function()
    lo, hi = t:min():item(), t:max():item()
    if t.dtype ~= "int64" then
      local f = util.to_dtype(t, "float64")
      local whole = (f - util.to_dtype(util.to_dtype(f, "int64"), "float64")):abs():max():item() == 0
      if not whole or t.dtype == "bool" then
        argerror(n, fname, string.format(
          "class labels must be whole numbers; got a %s tensor that holds others (probabilities must have the logits' shape)",
          t.dtype), 5 + depth)
      end
      t = util.to_dtype(t, "int64")
    end
  end)
  if lo < 1 then
    argerror(n, fname, string.format("class label %d is out of range 1..%s: labels are 1-based%s",
      math.tointeger(lo) or lo, nclasses and tostring(nclasses) or "C",
      lo == 0 and "; add 1 to 0-based labels from Python" or ""), 3 + depth)
  end
  if nclasses and hi > nclasses then
    argerror(n, fname, string.format("class label %d is out of range 1..%d: labels are 1-based",
      math.tointeger(hi) or hi, nclasses), 3 + depth)
  end
  return t, math.tointeger(hi)
end
nn._class_labels = class_labels

nn.cross_entropy = doc(function(logits, target, opts)
  local fname = "nn.cross_entropy"
  check_tensor_arg(logits, 1, fname, "logits")
  local r = reduction_of(opts, 3, fname)
  local ls = logits.shape
  if #ls ~= 1 and #ls ~= 2 then
    argerror(1, fname, "logits of shape (N,C) or (C) expected, got " .. util.shape_str(logits), 2)
  end
  local C_ = ls[#ls]
  if is_tensor(target) and util.is_floating(target) and #target.shape == #ls then
    -- probabilities or one-hot rows, as logits' shape
    if util.shape_str(target) ~= util.shape_str(logits) then
      argerror(2, fname, string.format("probabilities must have the logits' shape %s, got %s",
        util.shape_str(logits), util.shape_str(target)), 2)
    end
    return (util.call_for_user(C.cross_entropy, logits, target, r))
  end
  local labels = class_labels(target, C_, 2, fname)
  local want = #ls == 2 and "(" .. ls[1] .. ")" or "()"
  if util.shape_str(labels) ~= want and not (#ls == 1 and labels:numel() == 1) then
    argerror(2, fname, string.format("class labels of shape %s expected for logits %s, got %s",
      want, util.shape_str(logits), util.shape_str(labels)), 2)
  end
  if #ls == 1 and #labels.shape > 0 then labels = labels:reshape({}) end
  return (util.call_for_user(C.cross_entropy, logits, labels, r))
end, 'nn.cross_entropy(logits, target, {reduction="mean"})',
  'Softmax cross-entropy of raw scores: logits (N,C) or (C); target: class labels 1..C (a table or tensor, shape (N) or one number) or probabilities/one-hot rows of the logits\' shape. Labels are 1-based: class 1 is the first column.')

nn.one_hot = doc(function(labels, nclasses)
  local fname = "nn.one_hot"
  if nclasses ~= nil then nclasses = check_positive_int(nclasses, 2, fname, "nclasses") end
  local t, hi = class_labels(labels, nclasses, 1, fname)
  nclasses = nclasses or hi
  if nclasses == nil or nclasses < 1 then
    argerror(2, fname, "nclasses needed when there are no labels", 2)
  end
  return (util.call_for_user(C.one_hot, t, nclasses))
end, "nn.one_hot(labels, nclasses)",
  "One row per label with a 1 in the label's column (float32, shape labels' shape + (nclasses)): sklearn's label_binarize. Labels are 1-based, 1..nclasses; nclasses defaults to the largest label.")

-- ------------------------------------------------------------------ fit

nn.fit = doc(function(args)
  return require("gradlab.fit").fit(args)
end, "nn.fit{model=, x=, y=, loss=\"mse\", optimizer=, lr=0.01, epochs=100, batch_size=, shuffle=true, on_epoch=, plot=, quiet=}",
  'Trains model on (x, y), the loop you would write by hand: each epoch zero_grad, forward, loss, backward, step, on the whole data or on shuffled batches of batch_size rows. loss: "mse", "bce", "cross_entropy" (1-based labels) or a function(pred, y); optimizer: an optim.* (default optim.Adam(model:parameters(), {lr = lr})). on_epoch(epoch, loss) returning false stops; a NaN loss stops before its step. Returns the history (one loss per epoch) and a summary {epochs, loss, best_loss, best_epoch, seconds, reason}. A progress bar shows on a terminal; Ctrl-C ends training cleanly and keeps the model. plot = true (or a plot from gl.viz.loss) gets one point per epoch in the series label ("train"); with plot = true, a model of two inputs and one output also shows its surface over the range of x\'s two columns (gl.viz.surface).')

return nn
