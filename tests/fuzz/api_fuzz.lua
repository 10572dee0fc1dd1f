-- api_fuzz.lua — random sequences of gradlab calls from Lua, every call under
-- pcall, on a pool of live tensors: shapes from 0-sized to 8 dims, every
-- dtype, views of views, non-contiguous and expanded inputs, NaN and Inf,
-- wrong argument types and counts, out-of-range dims and indices, in-place
-- changes of tensors saved for backward, nn/optim/fit with odd arguments,
-- .npy and .csv files (good, odd and corrupt) in a temp dir, and printing of
-- everything. Errors are expected; a crash, a sanitizer report, a leak or a
-- broken invariant (an "oracle" below) is a failure.
--
--   build-asan/gradlab tests/fuzz/api_fuzz.lua [SEED [CALLS]]
--   FUZZ_TRACE=1 ...   prints each step (name and number) to stderr before
--                      it runs, flushed, so the last one names a crash.
--   FUZZ_SHOW=1 ...    prints every distinct (normalised) error message.
--
-- The last line is "N passed, M failed" for tests/run.sh: 1 passed when the
-- run completed with every oracle holding. Runs under the gradlab program
-- (gl is a global there) or stock lua5.4 with gradlab.so on package.cpath.

local gl = rawget(_G, "gl") or require "gradlab"
local nn, optim = gl.nn, gl.optim

local SEED = math.tointeger(tonumber(arg and arg[1] or "")) or (os.time() % 1000000)
local CALLS = math.tointeger(tonumber(arg and arg[2] or "")) or 20000
local TRACE = os.getenv("FUZZ_TRACE") ~= nil
local SHOW = os.getenv("FUZZ_SHOW") ~= nil

math.randomseed(SEED)
gl.manual_seed(SEED)
print(string.format("api_fuzz: seed %d, %d calls", SEED, CALLS))
io.stdout:flush()

local R = math.random
local function chance(p) return R() < p end
local function pick(list) return list[R(#list)] end

-- ------------------------------------------------------------ temp dir

-- os.tmpname makes an empty file (mkstemp): ours alone; the run's files
-- are named after it, and removed at the end.
local TMP = os.tmpname()
local tmpfiles = {}
local function tmpfile(name)
  local path = TMP .. "-" .. name
  tmpfiles[path] = true
  return path
end

-- ------------------------------------------------------------- oracles

local failures = 0
local function oracle(cond, what)
  if not cond then
    failures = failures + 1
    io.stderr:write("api_fuzz: ORACLE FAILED (seed ", SEED, "): ", what, "\n")
    io.stderr:write(debug.traceback(), "\n")
  end
end

-- ------------------------------------------------------ error messages

local messages, nmessages = {}, 0
local function normalise(msg)
  msg = tostring(msg)
  msg = msg:gsub(TMP:gsub("%p", "%%%0"), "TMP")
  msg = msg:gsub("0x%x+", "ADDR")
  msg = msg:gsub("%d+%.?%d*[eE][+-]?%d+", "N")
  msg = msg:gsub("%d+%.%d+", "N")
  msg = msg:gsub("%d+", "N")
  msg = msg:gsub("%-N", "N")
  msg = msg:gsub("%(N[N,]*%)", "(S)")
  return msg
end
local function record(err)
  local m = normalise(err)
  if not messages[m] then
    messages[m] = true
    nmessages = nmessages + 1
    if SHOW then io.stderr:write("MSG ", m, "\n") end
  end
end

-- Calls fn(...) under pcall; records the error message. Returns pcall's.
local function try(fn, ...)
  local res = table.pack(pcall(fn, ...))
  if not res[1] then record(res[2]) end
  return table.unpack(res, 1, res.n)
end

-- ---------------------------------------------------------------- values

local DTYPES = { "float32", "float32", "float64", "float64", "int64", "bool" }
local FLOATS = { "float32", "float64" }
local WEIRD = { 0, -0.0, 1, -1, 2, 0.5, -2.5, 3, 7, 1e308, -1e308, math.huge, -math.huge,
                0 / 0, math.maxinteger, math.mininteger, 2 ^ 53, 2 ^ 63, -2 ^ 63, 1e-310, 100,
                -100, 255, 256 }
-- Sizes and counts: small, or far too large to allocate (which fails at
-- once). Nothing in between: a legal 8 GB request would just be slow.
local WEIRD_SIZES = { 0, 1, 2, 3, 7, -1, -100, 1e12, 2 ^ 53, math.maxinteger, math.mininteger,
                      1.5, 0 / 0, math.huge, -math.huge, 1e308, -0.0 }
local STRINGS = { "", "float32", "float64", "int64", "bool", "long", "mean", "sum", "none",
                  "relu", "nope", "1", "-1", "nan", "\0", string.rep("x", 300) }

local function weird_number() return pick(WEIRD) end
local function weird_size() return pick(WEIRD_SIZES) end

-- A random shape: 0..8 dims, small sizes (some 0), at most `cap` elements.
local function rand_shape(cap, maxdim)
  cap = cap or 128
  local r = R(100)
  local nd
  if r <= 10 then nd = 0 elseif r <= 35 then nd = 1 elseif r <= 60 then nd = 2
  elseif r <= 75 then nd = 3 else nd = R(4, 8) end
  if maxdim and nd > maxdim then nd = maxdim end
  local shape, n = {}, 1
  for i = 1, nd do
    local s
    local q = R(100)
    if q <= 5 then s = 0 elseif q <= 35 then s = 1 else s = R(2, 6) end
    shape[i] = s
    n = n * s
  end
  while n > cap do   -- shrink the largest dim
    local bi = 1
    for i = 2, nd do if shape[i] > shape[bi] then bi = i end end
    n = n // shape[bi]
    shape[bi] = shape[bi] - 1
    n = n * shape[bi]
  end
  return shape
end

-- totable makes one Lua table per row: of a (2^53, 0) tensor, 2^53 of them.
local function cheap_totable(t)
  local rows = 1
  for i = 1, t:dim() - 1 do rows = rows * t.shape[i] end
  if rows > 1e5 then return nil end
  return t:totable()
end

local function numel_of(shape)
  local n = 1
  for i = 1, #shape do n = n * shape[i] end
  return n
end

-- Nested Lua tables of numbers with the shape (leaves from gen()).
local function nested(shape, gen, d)
  d = d or 1
  if d > #shape then return gen() end
  local t = {}
  for i = 1, shape[d] do t[i] = nested(shape, gen, d + 1) end
  return t
end

local function leaf_value(dtype)
  if dtype == "bool" then return chance(0.5) end
  if dtype == "int64" then return R(-5, 5) end
  if chance(0.05) then return pick({ 0 / 0, math.huge, -math.huge, -0.0, 1e30, -1e-30 }) end
  return (R() - 0.5) * 8
end

-- ----------------------------------------------------------------- pool

local POOL_SIZE = 48
local pool = {}

-- Every result goes into the pool; a third of them are printed on the way.
local function put(t)
  if gl.is_tensor(t) then
    pool[R(POOL_SIZE)] = t
    if R(3) == 1 then tostring(t) end
  end
  return t
end

local new_tensor   -- forward declarations
local view_chain

-- A live tensor of the pool (or a new one).
local function T()
  local t = pool[R(POOL_SIZE)]
  if t == nil then t = put(new_tensor()) end
  return t
end

local function TF()   -- a floating tensor (one is made if the pick is not)
  local t = T()
  if t.dtype ~= "float32" and t.dtype ~= "float64" then
    local ok, f = pcall(function() return t:to(pick(FLOATS)) end)
    t = ok and f or gl.randn(2, 3)
  end
  return t
end

-- Anything an argument can be: mostly tensors, sometimes junk.
local JUNK = {
  function() return nil end,
  function() return weird_number() end,
  function() return R(-3, 9) end,
  function() return pick(STRINGS) end,
  function() return chance(0.5) end,
  function() return {} end,
  function() return { 1, 2, 3 } end,
  function() return { { 1, 2 }, { 3 } } end,
  function() return { { 1, 2 }, { 3, 4 } } end,
  function() return { true, false } end,
  function() return { "a" } end,
  function() return { dtype = pick(STRINGS), requires_grad = chance(0.5) } end,
  function() return type end,
  function() return io.stdout end,
  function() return setmetatable({}, { __index = function() error("index trap") end }) end,
  function() return coroutine.create(function() end) end,
  function() return nn.Linear(2, 3) end,
}
local function junk() return pick(JUNK)() end

local function A()
  if chance(0.75) then return T() end
  return junk()
end

-- A dim for an n-dim tensor: mostly valid (1..n, -n..-1), sometimes not.
local function rand_dim(n)
  n = n or 0
  local m = n > 0 and n or 1
  if chance(0.88) then
    local d = R(1, m)
    return chance(0.3) and -d or d
  end
  return pick({ 0, m + 1, -m - 1, 9, -9, 100, math.maxinteger, math.mininteger, 1.5, "1",
                nil, {}, 0 / 0, math.huge })
end

local function rand_index(size)
  if chance(0.85) and size > 0 then
    local i = R(1, size)
    return chance(0.3) and i - size - 1 or i
  end
  return pick({ 0, size + 1, -size - 1, math.maxinteger, math.mininteger, 1.5, 0 / 0, "2", true })
end

-- ------------------------------------------------------------ making

local makers = {
  function(shape, dt) return gl.zeros(shape, { dtype = dt }) end,
  function(shape, dt) return gl.ones(shape, { dtype = dt }) end,
  function(shape, dt) return gl.full(shape, weird_number(), { dtype = dt }) end,
  function(shape, dt) return gl.rand(shape, { dtype = dt }) end,
  function(shape, dt) return gl.randn(shape, { dtype = dt }) end,
  function(shape, dt) return gl.empty(shape, { dtype = dt }) end,
  function(shape, dt)
    return gl.tensor(nested(shape, function() return leaf_value(dt) end), { dtype = dt })
  end,
  function(shape, dt)
    return gl.arange(numel_of(shape), { dtype = dt }):reshape(shape)
  end,
  function(shape, dt)
    local n = numel_of(shape)
    return gl.linspace(-3, 3, n, { dtype = dt }):reshape(shape)
  end,
  function(shape, dt)
    local n = numel_of(shape)
    return gl.randperm(n):to(dt):reshape(shape)
  end,
}

new_tensor = function()
  local shape = rand_shape()
  local dt = pick(DTYPES)
  local ok, t = pcall(pick(makers), shape, dt)
  if not ok then
    record(t)
    t = gl.randn(shape)
  end
  if chance(0.1) and t:numel() > 0 then   -- poison one element
    local k = {}
    for i = 1, #t.shape do k[i] = R(1, t.shape[i]) end
    pcall(function() if #k > 0 then t[k] = pick({ 0 / 0, math.huge, -math.huge, -0.0 }) end end)
  end
  if (t.dtype == "float32" or t.dtype == "float64") and chance(0.35) then
    t:requires_grad_(true)
  end
  if chance(0.3) then t = view_chain(t, R(1, 4)) end
  return t
end

-- One random view (or shape change) of t, or t when it fails; no_expand:
-- never a view whose elements share memory.
local function one_view(t, no_expand)
  local n = t:dim()
  local shape = t.shape
  local k = R(14)
  if no_expand and k == 7 then k = 8 end
  local ok, v = pcall(function()
    if k == 1 and n >= 2 then return t:transpose(rand_dim(n), rand_dim(n))
    elseif k == 2 then
      local perm = {}
      for i = 1, n do perm[i] = i end
      for i = n, 2, -1 do local j = R(i); perm[i], perm[j] = perm[j], perm[i] end
      if chance(0.1) and n > 0 then perm[1] = perm[n] end   -- a repeated dim
      return t:permute(perm)
    elseif k == 3 and n >= 1 then return t[rand_index(shape[1])]
    elseif k == 4 and n >= 1 then
      local d = R(n)
      local key = {}
      for i = 1, d - 1 do key[i] = {} end
      local a, b = rand_index(shape[d]), rand_index(shape[d])
      if type(a) == "number" and type(b) == "number" and a > b and chance(0.8) then a, b = b, a end
      key[d] = { a, b }
      return t[key]
    elseif k == 5 and n >= 1 then
      local d = rand_dim(n)
      local dd = math.type(d) == "integer" and (d > 0 and d or d + n + 1) or 1
      local size = shape[dd] or 1
      local start = rand_index(size)
      return t:narrow(d, start, R(0, size))
    elseif k == 6 and n >= 1 then
      local d = rand_dim(n)
      local dd = math.type(d) == "integer" and (d > 0 and d or d + n + 1) or 1
      return t:select(d, rand_index(shape[dd] or 1))
    elseif k == 7 then   -- expand size-1 dims (and maybe add leading ones)
      local s = {}
      if chance(0.3) then s[1] = R(1, 3) end
      for i = 1, n do
        if shape[i] == 1 then s[#s + 1] = chance(0.5) and R(0, 4) or -1
        else s[#s + 1] = chance(0.9) and shape[i] or -1 end
      end
      if numel_of(s) > 512 then return t end
      return t:expand(s)
    elseif k == 8 then return t:reshape(-1)
    elseif k == 9 then
      local s = rand_shape(t:numel() + 1)
      if numel_of(s) ~= t:numel() then s = { t:numel() } end
      if chance(0.5) then return t:view(s) end
      return t:reshape(s)
    elseif k == 10 then return t:unsqueeze(rand_dim(n + 1))
    elseif k == 11 then return chance(0.5) and t:squeeze() or t:squeeze(rand_dim(n))
    elseif k == 12 then return t.T
    elseif k == 13 then return t:detach()
    else return t:contiguous() end
  end)
  if not ok then record(v) return t end
  if not gl.is_tensor(v) then return t end   -- indexing to a number
  return v
end

view_chain = function(t, depth, no_expand)
  for _ = 1, depth do t = one_view(t, no_expand) end
  return t
end

-- Two tensors that broadcast (mostly), from the pool or made to fit.
local function broadcast_pair()
  if chance(0.5) then return A(), A() end
  local a = T()
  local s = a.shape
  local t = {}
  local drop = R(0, #s)
  for i = drop + 1, #s do t[#t + 1] = chance(0.3) and 1 or s[i] end
  local ok, b = pcall(gl.randn, t, { dtype = pick(DTYPES) })
  if not ok then b = 1 end
  if chance(0.3) then b = view_chain(b, 1) end
  if chance(0.5) then return b, a end
  return a, b
end

-- ---------------------------------------------------------- generators

local UNARY = { "neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu",
                "square" }
local BINARY = { "add", "sub", "mul", "div", "pow", "eq", "ne", "lt", "le", "gt", "ge", "matmul" }
local OPERATORS = {
  function(a, b) return a + b end, function(a, b) return a - b end,
  function(a, b) return a * b end, function(a, b) return a / b end,
  function(a, b) return a ^ b end, function(a) return -a end,
  function(a, b) return a == b end,
}
local REDUCE = { "sum", "mean", "max", "min", "argmax", "argmin" }

local function quiet_print(...) end

local gens = {}
local function gen(name, weight, fn) gens[#gens + 1] = { name = name, weight = weight, fn = fn } end

gen("make", 8, function() put(new_tensor()) end)

gen("view", 10, function() put(view_chain(T(), R(1, 3))) end)

gen("unary", 8, function()
  local name = pick(UNARY)
  if chance(0.9) then put(gl[name](T())) else put(gl[name](junk())) end
end)

gen("unary_method", 4, function()
  local t = T()
  put(t[pick(UNARY)](t))
end)

gen("binary", 12, function()
  local a, b = broadcast_pair()
  local name = pick(BINARY)
  if chance(0.05) then put(gl[name](a)) else put(gl[name](a, b)) end
end)

gen("operator", 8, function()
  local a, b = broadcast_pair()
  if chance(0.3) then b = weird_number() end
  if chance(0.1) then a, b = b, a end
  local r = pick(OPERATORS)(a, b)
  put(r)
end)

gen("where", 3, function()
  local c = chance(0.7) and gl.gt(T(), 0) or A()
  local a, b = broadcast_pair()
  put(gl.where(c, a, b))
end)

gen("masked_fill", 3, function()
  local t = T()
  local m = chance(0.7) and gl.lt(t, chance(0.5) and 0 or weird_number()) or A()
  put(t:masked_fill(m, chance(0.8) and weird_number() or junk()))
end)

gen("reduce", 10, function()
  local t = T()
  local name = pick(REDUCE)
  local r = R(4)
  local v, i
  if r == 1 then v, i = t[name](t)
  elseif r == 2 then v, i = t[name](t, rand_dim(t:dim()))
  elseif r == 3 then v, i = t[name](t, rand_dim(t:dim()), chance(0.5))
  else v, i = gl[name](t, junk(), junk()) end
  put(v); put(i)
end)

gen("softmax", 4, function()
  local t = chance(0.8) and TF() or T()
  local f = chance(0.5) and "softmax" or "log_softmax"
  put(chance(0.8) and t[f](t, rand_dim(t:dim())) or t[f](t))
end)

gen("matmul", 6, function()
  -- shapes that line up (mostly): (..,n,k) x (..,k,m), vectors, 0 sizes
  local function sz() return chance(0.1) and 0 or R(1, 5) end
  local n, k, m = sz(), sz(), sz()
  local ra, rb = R(1, 4), R(1, 4)
  local sa, sb = {}, {}
  local batch = { chance(0.5) and 1 or 2, chance(0.5) and 1 or 3 }
  for i = 1, ra - 2 do sa[#sa + 1] = batch[i] or 1 end
  for i = 1, rb - 2 do sb[#sb + 1] = batch[i] or 2 end
  if ra == 1 then sa[#sa + 1] = k else sa[#sa + 1] = n; sa[#sa + 1] = k end
  if rb == 1 then sb[#sb + 1] = chance(0.9) and k or k + 1 else
    sb[#sb + 1] = chance(0.9) and k or k + 1; sb[#sb + 1] = m end
  local dt = pick(DTYPES)
  local a = gl.randn(sa, { dtype = chance(0.8) and "float32" or dt, requires_grad = chance(0.3) })
  local b = gl.randn(sb, { dtype = chance(0.8) and "float32" or dt })
  if chance(0.3) then a = view_chain(a, 1) end
  if chance(0.3) and b:dim() >= 2 then b = b.T:contiguous().T end
  local r = gl.matmul(a, b)
  put(r)
  if chance(0.3) and r.requires_grad then
    try(function() r:sum():backward() end)
  end
end)

gen("cat_stack", 5, function()
  local base = T()
  local list = {}
  for i = 1, R(0, 4) do
    if chance(0.8) then
      local ok, c = pcall(function() return base:clone() end)
      list[i] = ok and c or base
    else
      list[i] = A()
    end
  end
  local f = chance(0.5) and gl.cat or gl.stack
  if chance(0.85) then put(f(list, rand_dim(base:dim() + 1))) else put(f(list)) end
end)

gen("inplace", 10, function()
  local t = T()
  local k = R(7)
  local function go()
    if k == 1 then t:zero_()
    elseif k == 2 then t:fill_(chance(0.8) and weird_number() or junk())
    elseif k == 3 then local _, b = broadcast_pair(); t:copy_(chance(0.9) and b or junk())
    elseif k == 4 then local _, b = broadcast_pair(); t:add_(b, chance(0.5) and weird_number() or nil)
    elseif k == 5 then t:mul_(chance(0.9) and weird_number() or junk())
    elseif k == 6 then t:uniform_(weird_number(), weird_number())
    else t:zero_grad() end
  end
  if chance(0.5) then gl.no_grad(go) else go() end
end)

gen("index_get", 8, function()
  local t = T()
  local n, s = t:dim(), t.shape
  local key
  local r = R(5)
  if r == 1 then key = rand_index(s[1] or 1)
  elseif r <= 4 then
    key = {}
    for d = 1, R(0, n + (chance(0.1) and 1 or 0)) do
      local q = R(4)
      if q == 1 then key[d] = rand_index(s[d] or 1)
      elseif q == 2 then key[d] = {}
      elseif q == 3 then key[d] = { rand_index(s[d] or 1) }
      else key[d] = { rand_index(s[d] or 1), rand_index(s[d] or 1) } end
    end
  else key = junk() end
  local v = t[key]
  put(v)
end)

gen("index_set", 6, function()
  local t = T()
  local n, s = t:dim(), t.shape
  local key = {}
  for d = 1, R(0, n) do
    if chance(0.5) then key[d] = rand_index(s[d] or 1) else key[d] = {} end
  end
  if chance(0.1) then key = junk() end
  local value = R(4) == 1 and A() or (chance(0.7) and weird_number() or junk())
  local function go() t[key] = value end
  if chance(0.4) then gl.no_grad(go) else go() end
end)

-- Backward with odd arguments on something from the pool.
gen("backward", 8, function()
  local t = T()
  local r = R(6)
  if r == 1 then t:backward()
  elseif r == 2 then t:backward(nil, { retain_graph = chance(0.5) })
  elseif r == 3 then
    local g = chance(0.7) and gl.ones(t.shape, { dtype = t.dtype == "bool" and "float32" or t.dtype }) or A()
    t:backward(g, { retain_graph = chance(0.5) })
  elseif r == 4 then t:backward(junk(), junk())
  elseif r == 5 then local s = t:sum(); s:backward({ retain_graph = true }); s:backward()
  else local s = (t * 2):mean(); s:backward(); s:backward() end
end)

-- A graph whose saved tensors are changed in place before backward: a
-- clear error (or a correct gradient when nothing saved was touched).
gen("saved_modified", 8, function()
  local dt = pick(FLOATS)
  local w = gl.randn(rand_shape(24, 3), { dtype = dt, requires_grad = true })
  local x = gl.randn(w.shape, { dtype = dt })
  local h = pick({
    function() return w * x end, function() return w:exp() end, function() return w:sigmoid() end,
    function() return w:tanh() end, function() return (w * x):pow(2) end,
    function() return w:relu() * x end, function() return w:softmax(-1) end,
    function() return w:sqrt() end, function() return w:reshape(-1):max() end,
    function() return w:abs():log_softmax(-1) end, function() return w / x end,
  })()
  local y = h:sum()
  local target = pick({ x, h, w, w:detach(), h:detach() })
  local k = R(6)
  local function change()
    if k == 1 then target:zero_()
    elseif k == 2 then target:fill_(weird_number())
    elseif k == 3 then target:add_(1)
    elseif k == 4 then target:mul_(2)
    elseif k == 5 then if target:dim() > 0 and target:numel() > 0 then target[1] = 5 end
    else target:copy_(gl.ones(target.shape)) end
  end
  if chance(0.5) then gl.no_grad(change) else try(change) end
  y:backward({ retain_graph = chance(0.5) })
  put(w.grad)
  if chance(0.5) then y:backward() end
end)

gen("detached", 4, function()
  local w = gl.randn(rand_shape(12), { dtype = pick(FLOATS), requires_grad = true })
  local r = R(4)
  if r == 1 then (w * 2):detach():sum():backward()
  elseif r == 2 then gl.no_grad(function() return (w * 3):sum() end):backward()
  elseif r == 3 then
    local prev = gl.set_grad_enabled(false)
    local ok, y = pcall(function() return w:exp():sum() end)
    gl.set_grad_enabled(prev)
    if ok then y:backward() end
  else
    local d = w:detach()
    d:requires_grad_(true)
    local y = (d * w):sum()
    y:backward()
    put(d.grad); put(w.grad)
  end
end)

gen("grad_fields", 6, function()
  local t = T()
  local r = R(8)
  if r == 1 then put(t.grad)
  elseif r == 2 then t.grad = chance(0.5) and gl.zeros(t.shape, { dtype = t.dtype }) or A()
  elseif r == 3 then t.grad = nil
  elseif r == 4 then t.requires_grad = junk()
  elseif r == 5 then t:requires_grad_(junk())
  elseif r == 6 then local _ = t.is_leaf, t.grad_fn, t.requires_grad, t.ndim, t.nope
  elseif r == 7 then t[pick({ "grad_fn", "shape", "dtype", "foo", "T" })] = junk()
  else t:zero_grad() end
end)

gen("grad_mode", 3, function()
  local before = gl.is_grad_enabled()
  local ok = pcall(gl.no_grad, function() T():exp(); error("inside no_grad") end)
  oracle(not ok and gl.is_grad_enabled() == before, "no_grad restores grad mode after an error")
  local r = gl.no_grad(function(a, b) return a, b end, 1, T())
  oracle(r == 1, "no_grad passes arguments and results through")
  if chance(0.3) then gl.set_grad_enabled(junk()) gl.set_grad_enabled(true) end
  if chance(0.1) then gl.no_grad(junk()) end
end)

gen("print", 8, function()
  local t = T()
  if chance(0.1) then
    gl.set_printoptions({ precision = pick({ -3, 0, 1, 4, 12, 60, 1000 }),
                          threshold = pick({ -1, 0, 5, 1000, math.maxinteger }),
                          edgeitems = pick({ -2, 0, 1, 3, 50, 2 ^ 40 }),
                          linewidth = pick({ -10, 0, 1, 20, 80, 100000 }) })
  end
  local s = tostring(t)
  oracle(type(s) == "string" and s:sub(1, 7) == "tensor(", "tostring gives tensor(...): " .. tostring(s))
  local r = R(7)
  if r == 1 then cheap_totable(t)
  elseif r == 2 then t:item()
  elseif r == 3 then t:size(rand_dim(t:dim()))
  elseif r == 4 then local _ = #t
  elseif r == 5 then local _ = t.shape, t.dtype, t:numel(), t:dim(), t:size()
  elseif r == 6 then gl.set_printoptions({ precision = 4, threshold = 1000, edgeitems = 3, linewidth = 80 })
  else tostring(t.grad); tostring(t.T) end
end)

gen("convert", 6, function()
  local t = T()
  local r = R(6)
  if r == 1 then put(t:to(chance(0.9) and pick(DTYPES) or junk()))
  elseif r == 2 then put(t[pick({ "float", "double", "long", "bool" })](t))
  elseif r == 3 then put(t:clone())
  elseif r == 4 then put(t:contiguous())
  elseif r == 5 then put(gl.tensor(t, chance(0.5) and { dtype = pick(DTYPES), requires_grad = chance(0.3) } or nil))
  else put(gl.tensor(junk(), junk())) end
end)

-- The values of a view and its contiguous copy agree (NaN equal to NaN).
gen("oracle_contiguous", 3, function()
  local t = view_chain(T(), R(1, 3))
  local c = t:contiguous()
  oracle(gl.allclose(t, c, { equal_nan = true, rtol = 0, atol = 0 }) or t.dtype == "bool",
         "contiguous copy equals its view " .. tostring(t))
  local a, b = t:reshape(-1), c:reshape(-1)
  oracle(a:numel() == t:numel() and b:numel() == t:numel(), "reshape(-1) keeps numel")
end)

local function same_values(a, b)
  if a.dtype ~= b.dtype then return false end
  if table.concat(a.shape, ",") ~= table.concat(b.shape, ",") then return false end
  if a:numel() == 0 then return true end
  if a.dtype == "bool" then return gl.eq(a, b):long():sum():item() == a:numel() end
  return gl.allclose(a, b, { equal_nan = true, rtol = 0, atol = 0 })
end

local npy_count = 0
gen("npy_roundtrip", 4, function()
  npy_count = npy_count + 1
  local t = T()
  local path = tmpfile("t" .. (npy_count % 8) .. ".npy")
  gl.save_npy(t, path)
  local u = gl.load_npy(path)
  oracle(same_values(t:detach(), u), "npy round trip of " .. tostring(t) .. " gave " .. tostring(u))
  put(u)
end)

-- A .npy file with a damaged header or data: an error naming the file, or
-- a tensor (when the damage happens to keep it valid).
gen("npy_corrupt", 4, function()
  local path = tmpfile("c.npy")
  local bytes
  local r = R(3)
  if r == 1 then
    gl.save_npy(T(), path)
    local f = assert(io.open(path, "rb")); bytes = f:read("a"); f:close()
    local k = R(4)
    if k == 1 then bytes = bytes:sub(1, R(0, #bytes))                 -- truncated
    elseif k == 2 then                                                -- a flipped byte
      local i = R(#bytes)
      bytes = bytes:sub(1, i - 1) .. string.char(R(0, 255)) .. bytes:sub(i + 1)
    elseif k == 3 then                                                -- header field swapped
      bytes = bytes:gsub("'shape': %b()", "'shape': " .. pick({
        "(4294967296, 4294967296, 4294967296)", "(-1,)", "()", "(1,2,3,4,5,6,7,8,9)",
        "(9223372036854775807,)", "(0, 99999999999999999999)", "(3,", "(,)", "(1e3,)",
        "(2 3)", "(2,)" }), 1)
      bytes = bytes:gsub("'descr': '[^']*'", "'descr': '" .. pick({ "<f4", "<f8", "<i8", "<i4",
        "|b1", ">f4", "<c8", "", "<f4<f4<f4<f4<f4<f4<f4<f4" }) .. "'", 1)
      if chance(0.3) then bytes = bytes:gsub("False", "True", 1) end
    else bytes = bytes .. string.rep("\0", R(1, 64)) end             -- extra data
  elseif r == 2 then   -- a hand-made header
    local header = pick({
      "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
      "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
      "{'descr': '|b1', 'fortran_order': True, 'shape': (2, 2, 2), }",
      "{'descr': '<f4', 'shape': (2,), }",
      "{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}",
      "{'descr':'<f8','fortran_order':False,'shape':(4,)}",
      "{'shape': (2,), 'fortran_order': False, 'descr': '<i8', }",
      "{}", "", string.rep("{", 200),
    })
    local hlen = #header
    local version = pick({ 1, 2, 3, 4, 0 })
    local pre
    if version == 1 then pre = "\x93NUMPY\1\0" .. string.pack("<I2", hlen)
    else pre = "\x93NUMPY" .. string.char(version, 0) .. string.pack("<I4", chance(0.1) and 0xffffffff or hlen) end
    local data = {}
    for i = 1, R(0, 64) do data[i] = string.char(R(0, 255)) end
    bytes = pre .. header .. table.concat(data)
  else
    local data = {}
    for i = 1, R(0, 40) do data[i] = string.char(R(0, 255)) end
    bytes = table.concat(data)
  end
  local f = assert(io.open(path, "wb")); f:write(bytes); f:close()
  local t = gl.load_npy(path)
  tostring(t)
  put(t)
end)

gen("npy_paths", 1, function()
  local r = R(5)
  if r == 1 then gl.save_npy(T(), TMP .. "/no/such/dir/x.npy")   -- TMP is a file
  elseif r == 2 then gl.load_npy(TMP .. "-missing.npy")
  elseif r == 3 then gl.load_npy(chance(0.5) and TMP or "/")
  elseif r == 4 then gl.save_npy(junk(), junk())
  else gl.load_npy(junk()) end
end)

gen("csv", 4, function()
  local path = tmpfile("d.csv")
  local lines = {}
  local cols = R(0, 4)
  if chance(0.5) then
    local names = {}
    for c = 1, cols do names[c] = pick({ "a", "b", '"q,uoted"', "", "x y" }) end
    lines[#lines + 1] = table.concat(names, ",")
  end
  for _ = 1, R(0, 6) do
    local fields = {}
    for c = 1, cols + (chance(0.1) and R(-1, 1) or 0) do
      fields[c] = pick({ "1", "-2.5", "", "nan", "inf", "1e400", "abc", " 3 ", '"4"', "0x10",
                         tostring(R(-100, 100)), "#", "1,2" })
    end
    lines[#lines + 1] = table.concat(fields, chance(0.9) and "," or ";")
  end
  if chance(0.2) then lines[#lines + 1] = "# a comment" end
  if chance(0.1) then lines[#lines + 1] = string.rep("9,", 3000) .. "9" end
  local f = assert(io.open(path, "wb"))
  f:write(table.concat(lines, chance(0.8) and "\n" or "\r\n"))
  f:close()
  local opts = chance(0.6) and {
    header = pick({ true, false, nil, 1 }),
    dtype = chance(0.8) and pick(DTYPES) or pick(STRINGS),
    sep = pick({ ",", ";", ",,", "", nil, 5 }),
  } or junk()
  local t, names = gl.load_csv(path, opts)
  tostring(t)
  put(t)
end)

-- --------------------------------------------------------------- nn

local ACTS = { "relu", "tanh", "sigmoid", "RELU", "gelu", nn.Tanh, nn.Linear, 5 }

local function rand_model(nin, nout)
  local r = R(4)
  if r == 1 then return nn.Linear(nin, nout, chance(0.8) and { bias = chance(0.7), dtype = pick(FLOATS) } or junk())
  elseif r == 2 then
    return nn.Sequential(nn.Linear(nin, 3), pick({ nn.ReLU, nn.Tanh, nn.Sigmoid })(), nn.Linear(3, nout))
  elseif r == 3 then
    return nn.MLP{ nin, R(1, 4), nout, activation = pick(ACTS),
                   output_activation = chance(0.3) and pick(ACTS) or nil, dtype = pick(FLOATS) }
  else
    return nn.Sequential(nn.Linear(nin, nout), function(x) return x * 2 end, nn.Softmax(pick({ -1, 1, 2, 0, 3 })))
  end
end

gen("nn_layers", 6, function()
  local nin, nout = R(1, 4), R(1, 3)
  local m = rand_model(nin, nout)
  local x = chance(0.7) and gl.randn(R(0, 5), nin, { dtype = pick(FLOATS) }) or A()
  if chance(0.3) and gl.is_tensor(x) then x = view_chain(x, 1) end
  local y = m(x)
  put(y)
  tostring(m)
  local r = R(6)
  if r == 1 then m:zero_grad()
  elseif r == 2 then for _, p in m:named_parameters() do put(p) end
  elseif r == 3 then m:to(pick({ "float32", "float64", "int64", 5 }))
  elseif r == 4 then m:train(junk()); m:eval()
  elseif r == 5 and m.add then m:add(chance(0.5) and nn.ReLU() or junk())
  else put(m:parameters()[1]) end
  if gl.is_tensor(y) and y.requires_grad then y:sum():backward() end
end)

gen("nn_odd_ctor", 3, function()
  local r = R(8)
  if r == 1 then nn.Linear(junk(), junk(), junk())
  elseif r == 2 then nn.MLP(junk())
  elseif r == 3 then nn.MLP{ R(0, 3), weird_number(), activation = junk() }
  elseif r == 4 then nn.Sequential(junk(), junk())
  elseif r == 5 then nn.Softmax(junk())
  elseif r == 6 then nn.Lambda(junk())
  elseif r == 7 then nn.Module(junk(), junk())
  else
    local Net = nn.Module("Net")
    function Net:init(h) self.fc = nn.Linear(2, h) self.w = gl.randn(h, { requires_grad = true }) end
    function Net:forward(x) return self.fc(x) * self.w end
    local net = Net(R(1, 3))
    put(net(gl.randn(R(1, 3), 2)))
    tostring(net)
  end
end)

gen("losses", 8, function()
  local r = R(5)
  local p = chance(0.7) and TF() or A()
  local red = chance(0.7) and pick({ "mean", "sum", "none" }) or junk()
  local opts = chance(0.5) and { reduction = red } or red
  if r == 1 then
    local t = chance(0.6) and (gl.is_tensor(p) and gl.rand(p.shape, { dtype = p.dtype }) or A()) or A()
    put(nn.mse_loss(p, t, opts))
  elseif r == 2 then
    if chance(0.6) and gl.is_tensor(p) then p = p:detach():sigmoid() end
    local t = chance(0.6) and gl.is_tensor(p) and gl.rand(p.shape, { dtype = p.dtype }) or A()
    put(nn.bce_loss(p, t, opts))
  elseif r == 3 then
    local n, c = R(0, 4), R(1, 4)
    local logits = chance(0.8) and gl.randn(n, c, { dtype = pick(FLOATS), requires_grad = chance(0.5) }) or p
    local target
    local q = R(5)
    if q == 1 then target = gl.randint and nil or gl.tensor(nested({ n }, function() return R(1, c) end), { dtype = "int64" })
    elseif q == 2 then target = nested({ n }, function() return R(0, c + 1) end)
    elseif q == 3 then target = gl.softmax(gl.randn(n, c), -1)
    elseif q == 4 then target = gl.tensor(nested({ n }, function() return R(1, c) + 0.5 end))
    else target = A() end
    local l = nn.cross_entropy(logits, target, opts)
    put(l)
    if l.requires_grad and l:numel() == 1 then l:backward() end
  elseif r == 4 then
    local labels = chance(0.6) and gl.tensor(nested(rand_shape(8, 3), function() return R(0, 5) end), { dtype = "int64" }) or A()
    put(nn.one_hot(labels, chance(0.7) and R(0, 6) or junk()))
  else
    local f = pick({ gl._mse_loss, gl._bce_loss, gl._cross_entropy, gl._one_hot })
    put(f(A(), A(), junk()))
  end
end)

gen("optim", 5, function()
  local m = rand_model(2, 1)
  local params = chance(0.8) and m:parameters() or pick({ m, {}, { A() }, junk(), { { params = m } } })
  local opts = chance(0.7) and {
    lr = chance(0.8) and pick({ 0.1, 0.01, 0, 1e10 }) or weird_number(),
    momentum = chance(0.5) and pick({ 0, 0.9, -1 }) or nil,
    nesterov = chance(0.2) and junk() or nil,
  } or junk()
  local opt
  if chance(0.5) then opt = optim.SGD(params, opts)
  else
    if type(opts) == "table" then opts.momentum = nil opts.nesterov = nil
      if chance(0.3) then opts.betas = pick({ { 0.9, 0.999 }, { 1, 0 }, { 0.5 }, "x" }) end end
    opt = optim.Adam(params, opts)
  end
  tostring(opt)
  for _ = 1, R(1, 3) do
    opt:zero_grad()
    local x = gl.randn(R(1, 4), 2, { dtype = m.parameters and m:parameters()[1].dtype or "float32" })
    local ok, y = pcall(m, x)
    if ok and gl.is_tensor(y) and y.requires_grad then y:sum():backward() end
    if chance(0.1) then opt.lr = weird_number() end
    if chance(0.1) then local p = opt.param_groups[1].params[1]; p.grad = gl.full(p.shape, 0 / 0, { dtype = p.dtype }) end
    opt:step(chance(0.1) and junk() or nil)
  end
end)

gen("optim_c", 2, function()
  local p = TF()
  if chance(0.7) then gl._sgd_step(p, A(), chance(0.5) and nil or A(), weird_number(), weird_number(),
                                   junk(), junk(), junk(), junk())
  else gl._adam_step(p, A(), A(), A(), R(-1, 3), weird_number(), weird_number(), weird_number(),
                     weird_number(), junk()) end
end)

gen("fit", 2, function()
  local n, nin = R(0, 6), R(1, 3)
  local x = chance(0.85) and gl.randn(n, nin) or A()
  local loss = pick({ "mse", "mse", "bce", "cross_entropy", junk(), function(p, y) return (p - y):abs():sum() end })
  local nout = loss == "cross_entropy" and 3 or 1
  local y
  if loss == "cross_entropy" then y = nested({ n }, function() return R(1, 3) end)
  elseif loss == "bce" then y = gl.rand(n, 1)
  else y = chance(0.8) and gl.randn(n, nout) or A() end
  local m = chance(0.9) and rand_model(nin, nout) or junk()
  local args = {
    model = m, x = x, y = y, loss = loss, epochs = chance(0.9) and R(0, 3) or pick({ -1, 1.5, 0 / 0, math.huge, 2 ^ 60, "3", {} }),
    batch_size = chance(0.7) and nil or pick({ 1, 2, 0, -1, 1.5, 100 }),
    shuffle = junk(), quiet = true, lr = chance(0.8) and 0.01 or nil,
    optimizer = chance(0.8) and nil or pick({ "adam", "sgd", "nope", 5 }),
    on_epoch = chance(0.2) and function(e) return e < 2 end or nil,
  }
  if chance(0.1) then args.bogus = 1 end
  nn.fit(args)
end)

-- An op on a non-contiguous view gives what it gives on a contiguous copy.
local function as_f64(t)
  if t.dtype == "float64" then return t end
  return t:to("float64")
end
local function agree(a, b, tol)
  if not gl.is_tensor(a) or not gl.is_tensor(b) then return a == b or (a ~= a and b ~= b) end
  if a.dtype ~= b.dtype or table.concat(a.shape, ",") ~= table.concat(b.shape, ",") then return false end
  if a:numel() == 0 then return true end
  return gl.allclose(as_f64(a:detach()), as_f64(b:detach()), { equal_nan = true, rtol = tol, atol = tol })
end
local VIEW_OPS = {
  function(x) return x:exp() end, function(x) return x:abs() end, function(x) return x:neg() end,
  function(x) return x:relu() end, function(x) return x:sigmoid() end, function(x) return x:square() end,
  function(x) return x:sum() end, function(x) return x:mean() end, function(x) return x:max() end,
  function(x) return x:min() end, function(x) return x:argmax() end,
  function(x) return x:sum(-1) end, function(x) return x:mean(1, true) end,
  function(x) return (x:max(-1)) end, function(x) return select(2, x:min(1)) end,
  function(x) return x:argmin(-1) end, function(x) return x:softmax(-1) end,
  function(x) return x:log_softmax(1) end, function(x) return x + x end, function(x) return x * 2 end,
  function(x) return x - 1 end, function(x) return x / 3 end, function(x) return x:gt(0) end,
  function(x) return x:eq(x) end, function(x) return gl.where(x:gt(0), x, 0) end,
  function(x) return x:masked_fill(x:lt(0), 7) end, function(x) return x:clone() end,
  function(x) return x:to("float64") end, function(x) return x:to("int64") end,
  function(x) return x:reshape(-1) end, function(x) return gl.cat({ x, x }, -1) end,
  function(x) return gl.stack({ x, x }, 1) end, function(x) return x:matmul(x.T) end,
  function(x) return x.T:matmul(x) end, function(x) return x:pow(2) end,
  function(x) return cheap_totable(x) end,
}
gen("oracle_view_ops", 6, function()
  local x = view_chain(T(), R(1, 4))
  local c = x:contiguous()
  local k = R(#VIEW_OPS)
  local f = VIEW_OPS[k]
  local ok1, a = pcall(f, x)
  local ok2, b = pcall(f, c)
  oracle(ok1 == ok2, string.format("op %d on a view and on its contiguous copy: %s / %s (%s)",
    k, tostring(a), tostring(b), tostring(x)))
  if not ok1 or not ok2 then record(a) return end
  if type(a) == "table" then a, b = gl.tensor(a, { dtype = x.dtype }), gl.tensor(b, { dtype = x.dtype }) end
  local tol = (x.dtype == "float32" or (gl.is_tensor(a) and a.dtype == "float32")) and 1e-5 or 1e-12
  oracle(agree(a, b, tol), string.format("op %d on a view %s %s gives %s, on its contiguous copy %s",
    k, tostring(x), table.concat(x.shape, "x"), tostring(a), tostring(b)))
end)

-- An in-place change of a (non-contiguous) view lands as it does on a
-- contiguous copy of that view.
gen("oracle_inplace_view", 4, function()
  local dt = pick({ "float32", "float64", "int64" })
  local base = gl.randn(rand_shape(64), { dtype = "float64" }):mul_(5):to(dt)
  -- (writing through an expanded view changes every row that shares the
  -- memory, by design, as torch: not comparable with a copy)
  local v = view_chain(base, R(1, 4), true)
  local before = v:clone()
  local expect = before:clone()
  local src = gl.randn(v.shape, { dtype = "float64" }):mul_(3):to(dt)
  if chance(0.3) and v:dim() > 0 then src = src:select(1, 1) end   -- broadcast
  local s = pick({ 2, -1, 0.5, 3 })
  local k = R(6)
  local alpha = chance(0.5) and s or nil
  local function op(t)
    if k == 1 then t:add_(src, alpha)
    elseif k == 2 then t:mul_(s)
    elseif k == 3 then t:fill_(s)
    elseif k == 4 then t:zero_()
    elseif k == 5 then t:copy_(src)
    elseif t:dim() > 0 and t.shape[1] > 0 then t[1] = s end
  end
  local ok1, e1 = pcall(op, v)
  local ok2, e2 = pcall(op, expect)
  if not ok1 or not ok2 then record(ok1 and e2 or e1) return end   -- an expanded view, int alpha
  oracle(agree(v, expect, dt == "float32" and 1e-6 or 1e-12),
         string.format("in-place op %d on a view %s gives %s, on its contiguous copy %s",
           k, tostring(before), tostring(v), tostring(expect)))
end)

-- Backward through random chains of differentiable ops (views included)
-- against central differences, in float64.
local GRAD_OPS = {
  { "sin", function(x) return x:sin() end }, { "cos", function(x) return x:cos() end },
  { "tanh", function(x) return x:tanh() end }, { "sigmoid", function(x) return x:sigmoid() end },
  { "square", function(x) return x:square() end }, { "exp/4", function(x) return (x / 4):exp() end },
  { "x*x", function(x) return x * x end }, { "x+2x", function(x) return x + 2 * x end },
  { "1/(1.5+x^2)", function(x) return 1 / (1.5 + x ^ 2) end },
  { "pow3", function(x) return x:pow(3) end },
  { "softmax", function(x) return x:dim() > 0 and x:softmax(-1) or x end },
  { "log_softmax", function(x) return x:dim() > 0 and x:log_softmax(1) or x end },
  { "sum(-1)", function(x) return x:dim() > 0 and x:sum(-1) or x end },
  { "mean(1,keep)", function(x) return x:dim() > 0 and x:mean(1, true) or x end },
  { "max(-1)", function(x) return x:dim() > 0 and x:numel() > 0 and (x:max(-1)) or x end },
  { "T", function(x) return x.T end },
  { "transpose", function(x) return x:dim() >= 2 and x:transpose(1, -1) or x end },
  { "narrow", function(x) return x:dim() > 0 and x.shape[1] > 1 and x:narrow(1, 2, x.shape[1] - 1) or x end },
  { "select", function(x) return x:dim() > 0 and x.shape[1] > 0 and x:select(1, x.shape[1]) or x end },
  { "slice", function(x) return x:dim() > 1 and x.shape[2] > 1 and x[{ {}, { 1, x.shape[2] - 1 } }] or x end },
  { "unsqueeze+expand", function(x)
      local s = x.shape
      table.insert(s, 1, 3)
      return x:unsqueeze(1):expand(s)
    end },
  { "reshape(-1)", function(x) return x:reshape(-1) end },
  { "cat", function(x) return gl.cat({ x, x * 2 }, 1) end },
  { "stack", function(x) return gl.stack({ x, x:sin() }, -1) end },
  { "contiguous", function(x) return x:contiguous() end }, { "clone", function(x) return x:clone() end },
  { "where", function(x) return gl.where(x:detach():gt(0), x, x * 3) end },
  { "masked_fill", function(x) return x:masked_fill(x:detach():lt(-0.5), 2) end },
  { "matmul", function(x) return x:dim() >= 1 and x:matmul(x.T) or x end },
  { "mse", function(x) return gl.nn.mse_loss(x, gl.ones(x.shape, { dtype = "float64" })) end },
  { "relu", function(x) return x:relu() end }, { "abs", function(x) return x:abs() end },
  { "squeeze", function(x) return x:squeeze() end },
  { "permute", function(x)
      local perm = {}
      for i = x:dim(), 1, -1 do perm[#perm + 1] = i end
      return x:permute(perm)
    end },
}
gen("oracle_gradcheck", 3, function()
  local shape = rand_shape(6, 3)
  local x = gl.randn(shape, { dtype = "float64" })
  if chance(0.3) then x = x:abs() + 0.1 end
  local chain, names = {}, {}
  for i = 1, R(1, 4) do
    local op = pick(GRAD_OPS)
    chain[i] = op[2]
    names[i] = op[1]
  end
  local weights, biggest = nil, 0
  local function f(a)
    for i = 1, #chain do
      a = chain[i](a)
      if a:numel() > 0 then biggest = math.max(biggest, a:detach():abs():max():item()) end
    end
    weights = weights or gl.randn(a.shape, { dtype = "float64" })
    return (a * weights):sum()
  end
  local ok, res = pcall(f, x)   -- ops that do not apply to this shape
  if not ok then record(res) return end
  -- finite differences of a large output lose the small terms' share, and
  -- of a steep one (sin(x^18)) are off: only tame chains are compared
  if not (math.abs(res:item()) < 1e3 and biggest < 10) then return end
  local ok2, err = pcall(gl.gradcheck, f, x, { atol = 1e-4, rtol = 1e-3 })
  oracle(ok2, "gradcheck of " .. table.concat(names, " -> ") .. " on " .. tostring(x) .. ": " .. tostring(err))
end)

-- What tostring prints reads back (gl.tensor of the text) as the same
-- shape, dtype and (to the printed digits) values; totable round-trips exactly.
local DEFAULT_PRINT = { precision = 4, threshold = 1000, edgeitems = 3, linewidth = 80 }
gen("oracle_print_roundtrip", 4, function()
  local t = view_chain(T(), R(0, 2))
  local prev = gl.set_printoptions(DEFAULT_PRINT)
  local text = tostring(t)
  gl.set_printoptions(prev)
  if t:numel() > 1000 then return end
  local ok, u = pcall(gl.tensor, text)
  oracle(ok, "the print of a tensor reads back: " .. text .. " -> " .. tostring(u))
  if not ok then return end
  oracle(u.dtype == t.dtype and table.concat(u.shape, ",") == table.concat(t.shape, ","),
         "the print reads back with its shape and dtype: " .. text .. " -> " .. tostring(u))
  oracle(u.requires_grad == (text:find("requires_grad=True", 1, true) ~= nil),
         "requires_grad=True reads back (grad_fn= is ignored): " .. text)
  if u.dtype == t.dtype and t:numel() > 0 and t.dtype ~= "bool" then
    oracle(gl.allclose(as_f64(u:detach()), as_f64(t:detach()), { equal_nan = true, rtol = 1e-4, atol = 1e-4 }),
           "the print's values read back: " .. text .. " -> " .. tostring(u))
  end
  local exact = true   -- gl.tensor takes numbers as doubles: int64 beyond 2^53 rounds
  if t.dtype == "int64" and t:numel() > 0 then
    local d = t:detach()
    exact = d:gt(9007199254740992):long():sum():item() + d:lt(-9007199254740992):long():sum():item() == 0
  end
  local list = t:numel() > 0 and exact and cheap_totable(t)
  if list then
    local v = gl.tensor(list, { dtype = t.dtype })
    oracle(same_values(v, t:detach()), "totable round trip of " .. text .. " gave " .. tostring(v))
  end
end)

gen("testing", 3, function()
  local r = R(4)
  if r == 1 then gl.allclose(A(), A(), chance(0.5) and { equal_nan = junk(), rtol = weird_number() } or junk())
  elseif r == 2 then gl.assert_close(A(), A(), chance(0.5) and { msg = junk() } or junk())
  elseif r == 3 then
    local x = gl.randn(rand_shape(4, 2), { dtype = pick(FLOATS) })
    local f = pick({
      function(a) return a:exp() end, function(a) return (a * a):sum() end,
      function(a) return a:softmax(-1) end, function(a) return a:relu() end,
      function(a) return a:reshape(-1):max() end, function(a) return a:T() end,
      function() return 5 end, function(a) return a:long() end,
    })
    gl.gradcheck(f, chance(0.8) and x or junk(), chance(0.3) and junk() or nil)
  else gl.gradcheck(junk(), junk(), junk()) end
end)

-- gradcheck with a function that changes between calls: its output's size,
-- dtype or kind, an error half-way, a huge view.
gen("gradcheck_fickle", 2, function()
  local calls, flip = 0, R(1, 6)
  local x = gl.randn(rand_shape(4, 2), { dtype = pick(FLOATS) })
  local k = R(6)
  local function f(a)
    calls = calls + 1
    if calls < flip then return (a * 2):sum(-1) end
    if k == 1 then return gl.randn(R(0, 40), { dtype = "float64" })
    elseif k == 2 then return a:long()
    elseif k == 3 then error("fickle")
    elseif k == 4 then return gl.ones(1, { dtype = "float64" }):expand(pick({ 2 ^ 31, 2 ^ 40 }), 2 ^ 31)
    elseif k == 5 then return junk()
    else a:mul_(2); return a:exp() end
  end
  gl.gradcheck(f, chance(0.8) and x or { x, T(), junk() }, chance(0.3) and { eps = weird_number() } or nil)
end)

gen("help", 1, function()
  local saved = print
  print = quiet_print
  local ok, err = pcall(function()
    local r = R(5)
    if r == 1 then gl.help(pick({ gl.tensor, gl.nn, gl, "reshape", "nope", nil, T(), 5, gl.nn.Linear }))
    elseif r == 2 then gl.doc(junk())
    elseif r == 3 then gl._help_text(junk())
    elseif r == 4 then gl._doc(junk(), junk(), junk())
    else gl.help(junk()) end
  end)
  print = saved
  if not ok then error(err, 0) end
end)

gen("misc", 3, function()
  local r = R(10)
  if r == 1 then gl.manual_seed(chance(0.8) and R(0, 2 ^ 31) or weird_number())
  elseif r == 2 then gl.broadcast_mode(chance(0.9) and pick({ "allow", "warn", "error", nil }) or junk())
  elseif r == 3 then gl.reset_broadcast_warnings()
  elseif r == 4 then gl.set_relu_grad_at_zero(chance(0.8) and pick({ 0, 0.5, 1 }) or weird_number())
  elseif r == 5 then local _ = gl.live_bytes(), gl.is_tensor(junk()), gl.relu_grad_at_zero()
  elseif r == 6 then put(gl.randperm(chance(0.8) and R(0, 10) or weird_size()))
  elseif r == 7 then
    local a, b = weird_number(), weird_number()
    local step = chance(0.5) and weird_number() or nil
    local n = (b + 0.0 - a) / (step or 1)   -- in floats, as the engine counts (no wrap)
    if n ~= n or n < 0 or n <= 1e4 or n >= 1e12 then put(gl.arange(a, b, step)) end
  elseif r == 8 then put(gl.linspace(weird_number(), weird_number(), chance(0.8) and R(-1, 10) or weird_size()))
  elseif r == 9 then put(gl.eye(chance(0.8) and R(0, 5) or weird_size(), chance(0.5) and R(0, 5) or junk()))
  else put(gl.full(rand_shape(16), chance(0.8) and weird_number() or junk(), junk())) end
end)

-- Anomaly detection: switched on and off (the rest of the run then goes
-- through its checks), or on for one function that makes NaN or Inf in
-- forward or backward.
gen("anomaly", 3, function()
  local r = R(4)
  if r == 1 then gl.detect_anomaly(chance(0.5))
  elseif r == 2 then gl.detect_anomaly(junk(), junk())
  else
    local w = gl.randn(rand_shape(8, 3), { dtype = pick(FLOATS), requires_grad = true })
    local y = gl.detect_anomaly(function()
      local h = pick({
        function() return w:log() end, function() return w:sqrt() end, function() return w / 0 end,
        function() return (w * 1e30):exp() end, function() return w:abs():pow(0.5) end,
        function() return w:relu():log() end, function() return w * 2 end,
        function() return gl.where(w:gt(0), w, w:log()) end,
      })()
      local y = h:sum()
      if chance(0.7) then y:backward({ retain_graph = chance(0.5) }) end
      return y
    end)
    put(y)
  end
end)

-- Any function of gl (and gl.nn) with 0 to 5 random arguments. Functions
-- that touch files or print are left to the generators above.
local SKIP = { save_npy = true, load_npy = true, load_csv = true, help = true, viz = true,
               fit = true, totable = true }   -- totable: see cheap_totable
local FNS = {}
do
  local names = {}
  for k, v in pairs(gl) do if type(v) == "function" and not SKIP[k] then names[#names + 1] = k end end
  for k, v in pairs(gl.Tensor) do if type(v) == "function" and not SKIP[k] then names[#names + 1] = "Tensor." .. k end end
  for k, v in pairs(nn) do if type(v) == "function" and not SKIP[k] and k:sub(1, 1) ~= "_" then names[#names + 1] = "nn." .. k end end
  table.sort(names)   -- the order of pairs is not reproducible
  for _, name in ipairs(names) do
    local scope, key = name:match("^(%a+)%.(.+)$")
    FNS[#FNS + 1] = scope == "Tensor" and gl.Tensor[key] or scope == "nn" and nn[key] or gl[name]
  end
end

gen("anything", 10, function()
  local f = pick(FNS)
  local args = {}
  local n = R(0, 5)
  for i = 1, n do args[i] = A() end
  put((f(table.unpack(args, 1, n))))
end)

-- Tensors too large to allocate, or whose size overflows: an error with the
-- byte count (or "overflows"), never a crash; nothing else changes.
gen("huge", 2, function()
  local r = R(7)
  local shape
  if r == 1 then shape = { 1e12 }
  elseif r == 2 then shape = { 1e6, 1e6 }
  elseif r == 3 then shape = { 2 ^ 31, 2 ^ 31, 2 ^ 31 }
  elseif r == 4 then shape = { 2 ^ 62, 4 }
  elseif r == 5 then shape = { 0, 2 ^ 62, 2 ^ 62 }
  elseif r == 6 then shape = { math.maxinteger, 2 }
  else shape = { 65536, 65536, 65536, 65536 } end
  local f = pick({ gl.zeros, gl.ones, gl.empty, gl.rand, gl.randn })
  local ok, t = pcall(f, shape, { dtype = pick(FLOATS) })
  if ok then
    oracle(t:numel() == 0, "a huge tensor was made: " .. table.concat(shape, ","))
    put(t)
  else
    record(t)
    oracle(tostring(t):find("bytes") or tostring(t):find("overflow"),
           "a huge tensor's error names its bytes: " .. tostring(t))
  end
  -- views whose element count overflows, and what can be asked of them
  if chance(0.5) then
    local one = gl.ones(1, 1, { dtype = pick(DTYPES) })
    local ok2, v = pcall(function() return one:expand(pick({ { 2 ^ 40, 2 ^ 40 }, { 2 ^ 62, 4 }, { 3, 2 ^ 62 } })) end)
    if ok2 then
      record("expand made a huge view")
      try(tostring, v)
      try(function() return v:clone() end)
      try(function() return v:reshape(-1) end)
      try(function() return v:contiguous() end)
    else
      record(v)
    end
  end
end)

-- Closed tensors (to-be-closed variables, or __gc called by hand) stay in
-- the pool: every use is an error naming the argument.
gen("closed", 2, function()
  do
    local x <close> = gl.randn(2, 2)
    put(x)
  end
  if chance(0.3) then
    local y = gl.zeros(3)
    getmetatable(y).__gc(y)
    getmetatable(y).__gc(y)
    put(y)
  end
  local c = pool[R(POOL_SIZE)]
  if gl.is_tensor(c) == false and c ~= nil then tostring(c) end
end)

-- Collections in the middle of things (finalizers of half-made boxes).
gen("gc", 1, function()
  if chance(0.5) then collectgarbage("step", R(0, 100)) else collectgarbage() end
  if chance(0.2) then for i = 1, POOL_SIZE do if chance(0.5) then pool[i] = nil end end end
end)

-- -------------------------------------------------------------- the run

-- Any of the above run in a coroutine that then dies (and is collected):
-- the binding must not keep pointing at its lua_State.
do
  local others = {}
  for _, g in ipairs(gens) do others[#others + 1] = g end
  gen("in_coroutine", 6, function()
    local g = pick(others)
    local co = coroutine.create(g.fn)
    local ok, err = coroutine.resume(co)
    if chance(0.5) then co = nil collectgarbage() end
    if not ok then error(err, 0) end
  end)
end

local total_weight = 0
for _, g in ipairs(gens) do total_weight = total_weight + g.weight end
local function pick_gen()
  local w = R() * total_weight
  for _, g in ipairs(gens) do
    w = w - g.weight
    if w < 0 then return g end
  end
  return gens[#gens]
end

-- FUZZ_WHERE=PATTERN prints a traceback for each error whose message matches.
local WHERE = os.getenv("FUZZ_WHERE")
local function where_handler(err)
  if tostring(err):find(WHERE) then io.stderr:write(debug.traceback(tostring(err), 2), "\n") end
  return err
end
local counts, errors_by, times = {}, {}, {}
local STATS = os.getenv("FUZZ_STATS") ~= nil
local t0 = os.clock()
local errors = 0
for i = 1, CALLS do
  local g = pick_gen()
  if TRACE then
    io.stderr:write(i, " ", g.name, " ", gl.live_bytes(), " ", math.floor(collectgarbage("count")), "\n")
    io.stderr:flush()
  end
  counts[g.name] = (counts[g.name] or 0) + 1
  local c0 = STATS and os.clock()
  local ok, err
  if WHERE then ok, err = xpcall(g.fn, where_handler) else ok, err = pcall(g.fn) end
  if STATS then times[g.name] = (times[g.name] or 0) + os.clock() - c0 end
  if not ok then
    errors = errors + 1
    errors_by[g.name] = (errors_by[g.name] or 0) + 1
    record(err)
  end
  if gl.is_grad_enabled() == false and R(20) == 1 then gl.set_grad_enabled(true) end
end

-- Leave the process as a user would: restore settings, drop the pool,
-- collect (LeakSanitizer then checks that nothing of ours is left).
gl.set_grad_enabled(true)
gl.set_printoptions({ precision = 4, threshold = 1000, edgeitems = 3, linewidth = 80 })
gl.broadcast_mode("warn")
gl.detect_anomaly(false)
for i = 1, POOL_SIZE do pool[i] = nil end
collectgarbage()
collectgarbage()
for path in pairs(tmpfiles) do os.remove(path) end
os.remove(TMP)

-- FUZZ_MESSAGES=FILE: the distinct messages, one a line (run_api.sh counts
-- them over several runs). Newlines inside a message become "\n".
local mfile = os.getenv("FUZZ_MESSAGES")
if mfile then
  local f = assert(io.open(mfile, "w"))
  for m in pairs(messages) do f:write((m:gsub("\n", "\\n")), "\n") end
  f:close()
end

if STATS then
  local names = {}
  for k in pairs(counts) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    io.stderr:write(string.format("  %-18s %7d calls %7d errors %8.3f s\n", k, counts[k],
      errors_by[k] or 0, times[k]))
  end
end
print(string.format("api_fuzz: %d calls made (%d raised an error), seed %d, %d distinct error messages, %.1f s CPU",
  CALLS, errors, SEED, nmessages, os.clock() - t0))
print(string.format("%d passed, %d failed", failures == 0 and 1 or 0, failures == 0 and 0 or 1))
os.exit(failures == 0 and 0 or 1, true)
