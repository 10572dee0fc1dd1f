-- The module's API: every name in DESIGN.md's Lua API block, the ops as
-- functions and methods, autograd, broadcast warnings, help, the embedded
-- Lua parts, and the seed's scenario 5 replayed with the seed's printed values.
-- Run from the repo root: sh tests/suites/lua.sh (or busted --lua=lua5.4 -p spec_ tests/lua)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err

local function near(expected, t, tol)
  local got = type(t) == "number" and {t} or t:reshape(-1):totable()
  expected = type(expected) == "table" and expected or {expected}
  assert.are.equal(#expected, #got, "element count")
  for i = 1, #expected do assert.is_near(expected[i], got[i], tol or 1e-6, "element " .. i) end
end

describe("DESIGN.md's Lua API block", function()
  it("has every module function", function()
    for _, name in ipairs{"manual_seed", "tensor", "zeros", "ones", "full", "arange", "linspace", "rand",
      "randn", "empty", "eye", "matmul", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid",
      "relu", "sum", "mean", "max", "min", "softmax", "log_softmax", "cat", "stack", "eq", "lt", "gt",
      "le", "ge", "ne", "argmax", "where", "masked_fill", "no_grad", "save_npy", "load_npy", "load_csv",
      "broadcast_mode", "set_relu_grad_at_zero", "allclose", "assert_close", "gradcheck", "help"} do
      assert.are.equal("function", type(gl[name]), "gl." .. name)
    end
    assert.are.equal("0.1.0", gl.__version)
  end)

  it("has every tensor method and field", function()
    local x = gl.tensor({{1, 2, 3, 4}}, {requires_grad = true})
    for _, name in ipairs{"numel", "item", "totable", "size", "dim", "reshape", "view", "transpose",
      "permute", "squeeze", "unsqueeze", "expand", "contiguous", "clone", "float", "double", "long", "to",
      "detach", "requires_grad_", "zero_", "fill_", "zero_grad", "backward", "matmul", "exp", "log",
      "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "sum", "mean", "max", "min", "softmax",
      "log_softmax", "eq", "lt", "gt", "argmax", "add", "sub", "mul", "div", "pow", "neg"} do
      assert.are.equal("function", type(x[name]), "x:" .. name)
    end
    assert.are.same({1, 4}, x.shape)
    assert.are.equal("float32", x.dtype)
    assert.is_nil(x.grad)
    assert.are.same({4, 1}, x.T.shape)
    assert.is_true(x.is_leaf)
    assert.is_nil(x.grad_fn)
    assert.is_true(x.requires_grad)
  end)

  it("runs the block's lines", function()
    gl.manual_seed(42)
    local x = gl.tensor({{1, 2, 3, 4}}, {requires_grad = true})
    local d = gl.tensor({1, 0, 0, 0}, {dtype = "float64"})
    assert.are.equal("float64", d.dtype)
    assert.are.same({2, 3}, gl.zeros(2, 3).shape)
    assert.are.same({2, 3}, gl.ones{2, 3}.shape)
    assert.are.same({2, 2}, gl.full({2, 2}, 7).shape)
    assert.are.same({9}, gl.arange(1, 10).shape)
    assert.are.same({50}, gl.linspace(-2, 2, 50).shape)
    assert.are.same({3, 4}, gl.rand(3, 4).shape)
    assert.are.same({3, 4}, gl.randn(3, 4).shape)
    assert.are.same({3}, gl.empty(3).shape)
    assert.are.equal(4, x:numel())
    assert.are.equal(10, x:sum():item())
    assert.are.same({{1, 2, 3, 4}}, x:totable())
    assert.are.equal(4, x:size(2))
    assert.are.equal(2, x:dim())
    assert.are.same({4, 1}, x:reshape(4, 1).shape)
    assert.are.same({4}, x:view(-1).shape)
    assert.are.same({1, 2, 3, 4}, x[1]:totable())
    assert.are.same({2, 3}, x[{1, {2, 3}}]:totable())
    assert.are.same({1}, x[{{}, 1}]:totable())
    local w = gl.ones(4, 2)
    assert.are.same({{10, 10}}, x:matmul(w):totable())
    assert.are.same({{10, 10}}, gl.matmul(x, w):totable())
    local z = 2 * x
    z:backward(gl.tensor{{1, 0, 0, 0}}, {retain_graph = true})
    assert.are.equal("tensor([[2., 0., 0., 0.]])", tostring(x.grad))
    x.grad:zero_()
    assert.are.equal("tensor([[0., 0., 0., 0.]])", tostring(x.grad))
    z:backward(gl.tensor{{0, 1, 0, 0}}, {retain_graph = true})
    x:zero_grad()
    assert.are.equal("tensor([[0., 0., 0., 0.]])", tostring(x.grad))
    local r = gl.no_grad(function() return x * 2 end)
    assert.is_false(r.requires_grad)
    local y = z:detach()
    assert.is_false(y.requires_grad)
    y:requires_grad_(true)
    assert.is_true(y.requires_grad and y.is_leaf)
    assert.is_nil(y.grad_fn)
    assert.are.equal("MulBackward0", z.grad_fn)
    assert.are.equal("table", type(gl.nn))
    assert.are.equal("table", type(gl.optim))
  end)
end)

describe("scenario 5: backward with a gradient argument (the seed's values)", function()
  it("the z = 2x example prints the four gradients", function()
    local x = gl.tensor({{1, 2, 3, 4}}, {requires_grad = true})
    local z = 2 * x
    local loss = z:sum(2)
    z:backward(gl.tensor{{1, 0, 0, 0}}, {retain_graph = true})
    assert.are.equal("tensor([[2., 0., 0., 0.]])", tostring(x.grad))
    x.grad:zero_()
    z:backward(gl.tensor{{0, 1, 0, 0}}, {retain_graph = true})
    assert.are.equal("tensor([[0., 2., 0., 0.]])", tostring(x.grad))
    x.grad:zero_()
    z:backward(gl.tensor{{1, 1, 1, 1}}, {retain_graph = true})
    assert.are.equal("tensor([[2., 2., 2., 2.]])", tostring(x.grad))
    x.grad:zero_()
    loss:backward()
    assert.are.equal("tensor([[2., 2., 2., 2.]])", tostring(x.grad))
  end)

  it("example 1: y = 3a + 2b^2 + log c, y:backward({0.1, 1.0, 0.0001})", function()
    local a = gl.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
    local b = gl.tensor({3.0, 4.0, 5.0}, {requires_grad = true})
    local c = gl.tensor({6.0, 7.0, 8.0}, {requires_grad = true})
    local y = 3 * a + 2 * b * b + gl.log(c)
    y:backward(gl.tensor{0.1, 1.0, 0.0001}, {retain_graph = true})
    assert.are.equal("tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])", tostring(a.grad))
    assert.are.equal("tensor([1.2000e+00, 1.6000e+01, 2.0000e-03])", tostring(b.grad))
    assert.are.equal("tensor([1.6667e-02, 1.4286e-01, 1.2500e-05])", tostring(c.grad))
  end)

  it("example 2: scalars need no gradient argument", function()
    local a = gl.tensor(0.1, {requires_grad = true})
    local b = gl.tensor(1.0, {requires_grad = true})
    local c = gl.tensor(0.1, {requires_grad = true})
    local y = 3 * a + 2 * b * b + gl.log(c)
    y:backward()
    assert.are.equal("tensor(3.)", tostring(a.grad))
    assert.are.equal("tensor(4.)", tostring(b.grad))
    assert.are.equal("tensor(10.)", tostring(c.grad))
  end)

  it("example 4: gradients accumulate over two backward calls", function()
    local a = gl.tensor(1.0, {requires_grad = true})
    local b = gl.tensor(1.0, {requires_grad = true})
    local c = gl.tensor(1.0, {requires_grad = true})
    local y = 3 * a + 2 * b * b + gl.log(c)
    y:backward({retain_graph = true})
    y:backward()
    assert.are.equal("tensor(6.)", tostring(a.grad))
    assert.are.equal("tensor(8.)", tostring(b.grad))
    assert.are.equal("tensor(2.)", tostring(c.grad))
  end)

  it("says what went wrong without a gradient, and on a second pass", function()
    local x = gl.tensor({1, 2, 3}, {requires_grad = true})
    local y = x * 2
    assert.are.equal("backward: grad can be implicitly created only for scalar outputs; this output has shape (3), so pass a gradient of that shape (the vector of the vector-Jacobian product)",
      err(function() y:backward() end))
    local s = y:sum()
    s:backward()
    assert.are.equal("backward: trying to go back through the graph a second time: the tensors that 'mul' saved were freed by the first backward; pass retain_graph = true to the first backward if you need to go back again",
      err(function() s:backward() end))
  end)
end)

describe("elementwise ops", function()
  local x = gl.tensor{-1, 0, 1}

  it("work as gl.<op>(x) and x:<op>()", function()
    near({1, 0, 1}, gl.abs(x))
    near({1, 0, 1}, x:abs())
    near({math.exp(-1), 1, math.exp(1)}, x:exp())
    near({0, math.log(2)}, gl.tensor{1, 2}:log())
    near({2, 3}, gl.tensor{4, 9}:sqrt())
    near({math.sin(-1), 0, math.sin(1)}, x:sin())
    near({math.cos(-1), 1, math.cos(1)}, gl.cos(x))
    near({math.tanh(-1), 0, math.tanh(1)}, x:tanh())
    near({1 / (1 + math.exp(1)), 0.5, 1 / (1 + math.exp(-1))}, x:sigmoid())
    near({0, 0, 1}, x:relu())
    near({1, 0, 1}, x:square())
    near({1, 0, -1}, x:neg())
    near({1, 0, -1}, gl.neg(x))
    near({0.5, 1}, gl.add(gl.tensor{-0.5, 0}, 1))
    near({3, 3}, gl.sub(5, gl.tensor{2, 2}))
    near({2, 4}, gl.tensor{1, 2}:mul(2))
    near({0.5, 1}, gl.tensor{1, 2}:div(2))
    near({1, 8}, gl.tensor{1, 2}:pow(3))
  end)

  it("broadcast by NumPy's rules", function()
    local col, row = gl.tensor{{1}, {2}}, gl.tensor{10, 20, 30}
    local prev = gl.broadcast_mode("allow") -- a growing broadcast, on purpose
    assert.are.same({{11, 21, 31}, {12, 22, 32}}, (col + row):totable())
    gl.broadcast_mode(prev)
  end)

  it("comparisons give bool tensors", function()
    local a, b = gl.tensor{1, 2, 3}, gl.tensor{3, 2, 1}
    assert.are.same({false, true, false}, a:eq(b):totable())
    assert.are.same({true, false, true}, a:ne(b):totable())
    assert.are.same({true, false, false}, a:lt(b):totable())
    assert.are.same({true, true, false}, a:le(b):totable())
    assert.are.same({false, false, true}, gl.gt(a, b):totable())
    assert.are.same({false, true, true}, gl.ge(a, 2):totable())
    assert.are.same({true, false, false}, gl.lt(a, {2, 2, 2}):totable())
    assert.are.equal("bool", a:eq(b).dtype)
  end)

  it("where and masked_fill", function()
    local cond = gl.tensor{true, false, true}
    assert.are.same({1, 6, 1}, gl.where(cond, 1, gl.tensor{5, 6, 7}):totable())
    assert.are.same({0, 2, 0}, gl.tensor{1, 2, 3}:masked_fill(cond, 0):totable())
    assert.are.same({9, 2, 9}, gl.masked_fill(gl.tensor{1, 2, 3}, cond, 9):totable())
  end)
end)

describe("reductions", function()
  local x = gl.tensor{{1, 5, 3}, {4, 2, 6}}

  it("sum and mean, all or along a dim, keepdim", function()
    assert.are.equal(21, x:sum():item())
    assert.are.same({}, x:sum().shape)
    assert.are.same({5, 7, 9}, x:sum(1):totable())
    assert.are.same({9, 12}, x:sum(2):totable())
    assert.are.same({{9}, {12}}, x:sum(-1, true):totable())
    assert.are.equal(3.5, x:mean():item())
    assert.are.same({3, 4}, gl.mean(x, 2):totable())
    assert.are.same({1, 3}, x:mean(1, true).shape)
  end)

  it("max and min: the element, or values and 1-based indices along a dim", function()
    assert.are.equal(6, x:max():item())
    assert.are.equal(1, x:min():item())
    local v, i = x:max(2)
    assert.are.same({5, 6}, v:totable())
    assert.are.same({2, 3}, i:totable())
    assert.are.equal("int64", i.dtype)
    v, i = x:min(1)
    assert.are.same({1, 2, 3}, v:totable())
    assert.are.same({1, 2, 1}, i:totable())
    v, i = gl.max(x, -1, true)
    assert.are.same({{5}, {6}}, v:totable())
    assert.are.same({{2}, {3}}, i:totable())
  end)

  it("argmax and argmin are 1-based", function()
    assert.are.same({2, 3}, x:argmax(2):totable())
    assert.are.same({2, 1, 2}, x:argmax(1):totable())
    assert.are.equal(6, x:argmax():item())   -- the flat position of 6
    assert.are.equal(1, x:argmin():item())
    assert.are.same({1, 2}, gl.argmin(x, 2):totable())
    assert.are.same({1}, gl.tensor{7, 7}:argmax(1, true):totable()) -- the first of ties
  end)

  it("the gradient of max over all elements is shared between ties", function()
    local t = gl.tensor({1, 3, 3}, {requires_grad = true})
    t:max():backward()
    near({0, 0.5, 0.5}, t.grad)
  end)

  it("reject dims out of range, naming the range", function()
    assert.are.equal("bad argument #1 to 'sum' (dim 3 is out of range for a 2-dim tensor (expected 1..2 or -2..-1))",
      err(function() return x:sum(3) end))
    assert.are.equal("bad argument #2 to 'max' (dim 0 is invalid: dims are 1-based (1..2, or -2..-1 from the end))",
      err(function() return gl.max(x, 0) end))
  end)
end)

describe("matmul, softmax, joins", function()
  it("matmul as torch.matmul", function()
    local a = gl.tensor{{1, 2}, {3, 4}}
    assert.are.same({{7, 10}, {15, 22}}, a:matmul(a):totable())
    assert.are.equal(5, gl.matmul(gl.tensor{1, 2}, gl.tensor{1, 2}):item())
    assert.are.same({5, 11}, gl.matmul(a, gl.tensor{1, 2}):totable())
    assert.are.same({3, 2, 2}, gl.matmul(gl.ones(3, 2, 4), gl.ones(4, 2)).shape)
  end)

  it("softmax and log_softmax along a dim (default the last)", function()
    local s = gl.tensor{{1, 2, 3}, {1, 1, 1}}:softmax(2)
    near({1, 1}, s:sum(2))
    near({1 / 3, 1 / 3, 1 / 3}, s[2])
    near({0.5, 0.5}, gl.softmax(gl.tensor{{0, 5}, {0, 5}}, 1)[{{}, 1}])
    near(gl.tensor{1, 2, 3}:softmax():log():totable(), gl.log_softmax(gl.tensor{1, 2, 3}, 1), 1e-6)
  end)

  it("cat and stack", function()
    assert.are.same({1, 1, 0, 0, 0}, gl.cat({gl.ones(2), gl.zeros(3)}):totable())
    assert.are.same({2, 5}, gl.cat({gl.ones(2, 2), gl.zeros(2, 3)}, 2).shape)
    assert.are.same({2, 3}, gl.stack({gl.ones(3), gl.zeros(3)}).shape)
    assert.are.same({3, 2}, gl.stack({gl.ones(3), gl.zeros(3)}, 2).shape)
    assert.are.same({3, 2}, gl.stack({gl.ones(3), gl.zeros(3)}, -1).shape)
    assert.are.equal("bad argument #1 to 'cat' (entry 2 is a string, not a tensor)",
      err(function() return gl.cat({gl.ones(1), "x"}) end))
    assert.are.equal("bad argument #1 to 'stack' (a non-empty list of tensors expected)",
      err(function() return gl.stack({}) end))
  end)
end)

describe("in-place ops", function()
  it("return the tensor itself", function()
    local x = gl.zeros(3)
    assert.is_true(x:fill_(2) == x)
    assert.are.same({2, 2, 2}, x:totable())
    x:add_(gl.tensor{1, 2, 3}, 2)
    assert.are.same({4, 6, 8}, x:totable())
    x:mul_(0.5)
    assert.are.same({2, 3, 4}, x:totable())
    x:copy_({7, 8, 9})
    assert.are.same({7, 8, 9}, x:totable())
    x:copy_(1)
    assert.are.same({1, 1, 1}, x:totable())
    assert.is_true(x:zero_() == x)
    assert.are.same({0, 0, 0}, x:totable())
    gl.manual_seed(1)
    x:uniform_(-1, 1)
    for _, v in ipairs(x:totable()) do assert.is_true(v >= -1 and v < 1) end
  end)

  it("refuse a leaf that requires grad outside no_grad", function()
    local w = gl.ones(2, {requires_grad = true})
    assert.are.equal("add_: a leaf tensor that requires grad can't be changed in place (this float32 tensor of shape (2)): do it inside gl.no_grad, or change a detach()ed alias, which shares its storage",
      err(function() w:add_(1) end))
    gl.no_grad(function() w:add_(1) end)
    assert.are.same({2, 2}, w:totable())
  end)
end)

describe("autograd", function()
  it("no_grad returns fn's results and restores the mode, also on error", function()
    local x = gl.ones(2, {requires_grad = true})
    local a, b = gl.no_grad(function(k) return x * k, "second" end, 3)
    assert.is_false(a.requires_grad)
    assert.are.equal("second", b)
    assert.is_true(gl.is_grad_enabled())
    local ok, e = pcall(gl.no_grad, function() error({code = 7}) end)
    assert.is_false(ok)
    assert.are.equal(7, e.code) -- the same error value
    assert.is_true(gl.is_grad_enabled())
    gl.set_grad_enabled(false)
    gl.no_grad(function() end)
    assert.is_false(gl.is_grad_enabled())
    assert.is_false(gl.set_grad_enabled(true))
  end)

  it("requires_grad_ only on floating leaves", function()
    assert.are.equal("requires_grad_: only float32 and float64 tensors can require gradients, not int64",
      err(function() gl.tensor({1}, {dtype = "int64"}):requires_grad_() end))
    local y = gl.ones(1, {requires_grad = true}) * 2
    assert.are.equal("requires_grad_: only leaf tensors can change requires_grad; this (1) tensor was made by 'mul' (use detach() to get a leaf)",
      err(function() y:requires_grad_(false) end))
  end)

  it("backward accepts a table as the gradient", function()
    local x = gl.ones(2, {requires_grad = true})
    local y = x * 3
    y:backward({1, 2})
    assert.are.same({3, 6}, x.grad:totable())
  end)

  it("set_relu_grad_at_zero chooses ReLU's derivative at 0", function()
    for _, v in ipairs{0, 0.5, 1} do
      local prev = gl.set_relu_grad_at_zero(v)
      assert.are.equal(v, gl.relu_grad_at_zero())
      local x = gl.tensor({-1, 0, 2}, {requires_grad = true})
      x:relu():sum():backward()
      assert.are.same({0, v, 1}, x.grad:totable())
      gl.set_relu_grad_at_zero(prev)
    end
    assert.are.equal(0, gl.relu_grad_at_zero())
    assert.matches("^bad argument #1 to 'set_relu_grad_at_zero' %(",
      err(function() gl.set_relu_grad_at_zero(0.3) end))
  end)

  it("gradients flow through views, reshapes and joins", function()
    local w = gl.tensor({{1, 2}, {3, 4}}, {requires_grad = true})
    local s = gl.cat({w:reshape(4), w.T:reshape(4)}):sum() + w[2]:sum()
    s:backward()
    assert.are.same({{2, 2}, {3, 3}}, w.grad:totable())
  end)
end)

describe("the C parts of the losses and optimizers", function()
  it("_mse_loss, _bce_loss with reductions", function()
    local p, t = gl.tensor{1, 2}, gl.tensor{0, 0}
    near(2.5, gl._mse_loss(p, t))
    near(5, gl._mse_loss(p, t, "sum"))
    near({1, 4}, gl._mse_loss(p, t, "none"))
    near(-math.log(0.5), gl._bce_loss(gl.tensor{0.5}, gl.tensor{1}))
    assert.matches("bad argument #3 to '_mse_loss' %(invalid option 'avg'%)",
      err(function() return gl._mse_loss(p, t, "avg") end))
  end)

  it("_cross_entropy takes 1-based class labels or probabilities", function()
    local logits = gl.tensor{{0, 0}, {0, 0}}
    near(math.log(2), gl._cross_entropy(logits, gl.tensor({1, 2}, {dtype = "int64"})))
    near(math.log(2), gl._cross_entropy(logits, gl.tensor{{1, 0}, {0, 1}}))
    assert.are.equal("cross_entropy: class label 0 at position 2 is out of range 1..2 (labels are 1-based)",
      err(function() return gl._cross_entropy(logits, gl.tensor({1, 0}, {dtype = "int64"})) end))
  end)

  it("_one_hot takes 1-based labels", function()
    local labels = gl.tensor({1, 3}, {dtype = "int64"})
    assert.are.same({{1, 0, 0}, {0, 0, 1}}, gl._one_hot(labels, 3):totable())
    assert.are.equal("one_hot: class label 3 at position 2 is out of range 1..2 (labels are 1-based)",
      err(function() return gl._one_hot(labels, 2) end))
  end)

  it("_sgd_step and _adam_step update in place", function()
    local p, g = gl.tensor{1, 2}, gl.tensor{0.5, -1}
    gl._sgd_step(p, g, nil, 0.1)
    near({0.95, 2.1}, p)
    local q = gl.tensor{1, 2}
    gl._adam_step(q, g, gl.zeros(2), gl.zeros(2), 1, 0.1, 0.9, 0.999, 1e-8)
    near({0.9, 2.1}, q, 1e-5) -- Adam's first step moves each entry by lr
  end)
end)

-- Runs a Lua script in a fresh lua5.4 from a temporary directory (so the
-- warnings say "fit.lua:N"); returns its stdout+stderr and exit status.
local function run_script(body)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir))
  local cwd = io.popen("pwd"):read("l")
  local so = cwd .. "/" .. (os.getenv("BUILD") or "build") .. "/?.so"
  local f = assert(io.open(dir .. "/fit.lua", "w"))
  f:write(string.format("package.cpath = %q .. ';' .. package.cpath\n", so), body)
  f:close()
  local p = io.popen("cd " .. dir .. " && lua5.4 fit.lua 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  os.execute("rm -rf " .. dir)
  return out
end

describe("broadcast warnings", function()
  it("warn once per call site, with the shapes and the line", function()
    local out = run_script([[
local gl = require "gradlab"                          -- line 2
local y = gl.ones(1000)
local pred = gl.ones(1000, 1)
assert(gl.broadcast_mode() == "warn")                 -- the default
for i = 1, 3 do
  local d = y - pred                                  -- line 7: warns once
end
local ok = gl.ones(1000) - gl.ones(1000)              -- no growth: silent
local e = gl.ones(1, 1000) * gl.ones(1000, 1)         -- line 10
local m = gl.nn.mse_loss(pred, y)                     -- line 11: the user's line, not nn.lua's
gl.broadcast_mode("allow")
local s = y - pred                                    -- line 13: silent
gl.broadcast_mode("error")
local ok2, msg = pcall(function() return y / pred end)
print(ok2, msg)
]])
    assert.are.equal(
      "warning: broadcast (1000) - (1000,1) -> (1000,1000) at fit.lua:7; did you mean to reshape one side?\n" ..
      "warning: broadcast (1,1000) * (1000,1) -> (1000,1000) at fit.lua:10; did you mean to reshape one side?\n" ..
      "warning: broadcast mse_loss((1000,1), (1000)) -> (1000,1000) at fit.lua:11; did you mean to reshape one side?\n" ..
      "false\tfit.lua:15: div: broadcast (1000) and (1000,1) -> (1000,1000) grows the result beyond both operands (broadcast mode is \"error\"); did you mean to reshape one side?\n" ..
      "exit=0\n", out)
  end)

  it("broadcast_mode returns the previous mode and checks its argument", function()
    local prev = gl.broadcast_mode("allow")
    assert.are.equal("allow", gl.broadcast_mode(prev))
    assert.are.equal(prev, gl.broadcast_mode())
    assert.are.equal("bad argument #1 to 'broadcast_mode' (invalid option 'loud')",
      err(function() gl.broadcast_mode("loud") end))
  end)
end)

describe("help", function()
  it("every public function and method has a signature and a doc", function()
    for name, f in pairs(gl) do
      if type(f) == "function" then
        local sig, doc = gl.doc(f)
        assert.is_string(sig, "gl." .. name)
        assert.is_true(#doc > 0, "gl." .. name)
      end
    end
    for name, f in pairs(gl.Tensor) do
      assert.is_string((gl.doc(f)), "x:" .. name)
    end
  end)

  it("finds the doc by function value or by name", function()
    local text = gl._help_text(gl.tensor)
    assert.are.equal("gl.tensor(data[, opts]) -> Tensor\n  A new tensor", text:sub(1, 48))
    assert.are.equal(gl._help_text(gl.zeros(1).reshape), gl._help_text("reshape"))
    assert.matches("^x:reshape%(size%.%.%.|{size}%) %-> Tensor", gl._help_text("reshape"))
    assert.matches("1%-based", select(2, gl.doc(gl.argmax)))
    assert.are.equal("no help for 'nosuch' (gl.help() lists every function)", gl._help_text("nosuch"))
  end)

  it("lists everything, a table's functions, or a tensor's methods", function()
    local all = gl._help_text()
    assert.truthy(all:find("gl.zeros(size...|{size}[, opts]) -> Tensor", 1, true))
    assert.truthy(all:find("y:backward([gradient][, {retain_graph = false}])", 1, true))
    local methods = gl._help_text(gl.zeros(1))
    assert.truthy(methods:find("x:reshape(", 1, true))
    assert.falsy(methods:find("gl.zeros(", 1, true))
  end)

  it("_doc registers Lua functions", function()
    local f = gl._doc(function() end, "my.f(x) -> y", "Does f.")
    assert.are.equal("my.f(x) -> y\n  Does f.", gl._help_text(f))
    assert.are.equal("my.f(x) -> y\n  Does f.", gl._help_text("f"))
    local sig, doc = gl.doc(f)
    assert.are.equal("my.f(x) -> y", sig)
    assert.are.equal("Does f.", doc)
  end)

  it("gl.help prints", function()
    local printed
    local old = _G.print
    _G.print = function(s) printed = s end
    local ok = pcall(gl.help, gl.zeros)
    _G.print = old
    assert.is_true(ok)
    assert.matches("^gl%.zeros%(", printed)
  end)
end)

describe("the embedded Lua parts", function()
  it("are preloaded as gradlab.<name> and lessons.<name>", function()
    assert.are.equal(gl.nn, require "gradlab.nn")
    assert.are.equal(gl.optim, require "gradlab.optim")
    assert.are.equal("function", type(package.preload["gradlab.nn"]))
    -- A lesson that fails to compile is the lesson checks' business; here:
    -- each loads, or fails naming its file (the chunk name of the loader).
    for name, loader in pairs(package.preload) do
      if name:match("^lessons%.") then
        assert.are.equal("function", type(loader), name)
        local ok, res = pcall(require, name)
        if ok then
          assert.are.equal("table", type(res), name)
        else
          assert.truthy(tostring(res):find("lessons/" .. name:sub(9) .. ".lua:", 1, true), res)
        end
      end
    end
  end)

  it("name their chunks after the repo files", function()
    local info = debug.getinfo(gl.nn.Linear, "S")
    assert.are.equal("@lua/lib/nn.lua", info.source)
  end)

  it("gl.viz is there exactly when viz/ provides the hook", function()
    assert.is_true(gl.viz == nil or type(gl.viz) == "table")
  end)
end)
