-- The Tensor type: construction, fields, reading methods, shape changes,
-- printing, Torch7 indexing and assignment, operators and lifetime.
-- Run from the repo root: sh tests/suites/lua.sh (or busted --lua=lua5.4 -p spec_ tests/lua)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err

local function shape(t) return table.concat(t.shape, ",") end

describe("gl.tensor", function()
  it("makes float32 from nested tables by default", function()
    local x = gl.tensor({{1, 2, 3, 4}}, {requires_grad = true})
    assert.are.same({1, 4}, x.shape)
    assert.are.equal("float32", x.dtype)
    assert.are.equal(4, x:numel())
    assert.is_true(x.requires_grad)
    assert.is_true(x.is_leaf)
    assert.are.same({{1, 2, 3, 4}}, x:totable())
  end)

  it("takes a dtype", function()
    local d = gl.tensor({1, 0, 0, 0}, {dtype = "float64"})
    assert.are.equal("float64", d.dtype)
    assert.are.equal("int64", gl.tensor({1, 2}, {dtype = "int64"}).dtype)
    assert.are.equal("int64", gl.tensor({1, 2}, {dtype = "long"}).dtype)
    assert.are.equal("float64", gl.tensor({1, 2}, {dtype = "double"}).dtype)
    assert.are.equal("float64", gl.tensor({1, 2}, "float64").dtype)
  end)

  it("makes bool from booleans, 0-dim from a number, a detached copy from a tensor", function()
    assert.are.equal("bool", gl.tensor{true, false}.dtype)
    assert.are.same({true, false}, gl.tensor{true, false}:totable())
    local s = gl.tensor(3.5)
    assert.are.same({}, s.shape)
    assert.are.equal(3.5, s:item())
    local x = gl.tensor({1, 2}, {requires_grad = true})
    local c = gl.tensor(x)
    assert.is_false(c.requires_grad)
    c[1] = 9
    assert.are.equal(1, x[1])
    assert.are.equal("float64", gl.tensor(x, {dtype = "float64"}).dtype)
  end)

  it("accepts one-element tensors as entries", function()
    local a = gl.tensor{1, 2}
    assert.are.same({3, 2}, gl.tensor{a:sum(), a[{{2}}]}:totable())
  end)

  it("makes empty tensors", function()
    assert.are.same({0}, gl.tensor{}.shape)
    assert.are.same({1, 0}, gl.tensor{{}}.shape)
    assert.are.equal("float32", gl.tensor{}.dtype)
    assert.are.equal("tensor: ragged nested table: data[2] has 1 entries, expected 0", err(gl.tensor, {{}, {1}}))
    assert.are.equal("bad argument #1 to 'tensor' (a table, number, boolean or tensor expected, got nil)",
      err(function() return gl.tensor(nil) end))
  end)

  it("names the place of a ragged or bad entry", function()
    assert.are.equal("tensor: ragged nested table: data[2] has 1 entries, expected 2",
      err(gl.tensor, {{1, 2}, {3}}))
    assert.are.equal("tensor: ragged nested table: data[2] is a number where a table of 2 entries was expected",
      err(gl.tensor, {{1, 2}, 3}))
    assert.are.equal("tensor: data[2][1] is a string where a number was expected",
      err(gl.tensor, {{1, 2}, {"a", 3}}))
    assert.are.equal("unknown dtype 'float16' (expected float32, float64, int64 or bool)",
      err(gl.tensor, {1}, {dtype = "float16"}))
  end)
end)

describe("constructors", function()
  it("take sizes as varargs or one table, then options", function()
    assert.are.same({2, 3}, gl.zeros(2, 3).shape)
    assert.are.same({2, 3}, gl.ones{2, 3}.shape)
    assert.are.same({{0, 0, 0}, {0, 0, 0}}, gl.zeros(2, 3):totable())
    assert.are.same({1, 1}, gl.ones({2}, {dtype = "int64"}):totable())
    assert.are.equal("float64", gl.zeros(2, {dtype = "float64"}).dtype)
    assert.is_true(gl.ones(2, {requires_grad = true}).requires_grad)
    assert.are.same({}, gl.zeros().shape)
    assert.are.same({3}, gl.empty(3).shape)
    assert.are.same({3, 4}, gl.rand(3, 4).shape)
    assert.are.same({3, 4}, gl.randn{3, 4}.shape)
  end)

  it("full takes the value after the sizes", function()
    assert.are.same({{7, 7}, {7, 7}}, gl.full({2, 2}, 7):totable())
    assert.are.same({{7, 7}, {7, 7}}, gl.full(2, 2, 7):totable())
    assert.are.equal("int64", gl.full({2}, 7, {dtype = "int64"}).dtype)
  end)

  it("arange is [start, end) as torch.arange, float32", function()
    assert.are.same({1, 2, 3, 4, 5, 6, 7, 8, 9}, gl.arange(1, 10):totable())
    assert.are.same({0, 1, 2}, gl.arange(3):totable())
    assert.are.same({0, 0.5, 1, 1.5}, gl.arange(0, 2, 0.5):totable())
    assert.are.equal("float32", gl.arange(3).dtype)
    assert.are.equal("int64", gl.arange(3, {dtype = "int64"}).dtype)
  end)

  it("linspace includes both ends", function()
    local l = gl.linspace(-2, 2, 50)
    assert.are.same({50}, l.shape)
    assert.are.equal(-2, l[1])
    assert.are.equal(2, l[50])
    assert.are.same({-2, -1, 0, 1, 2}, gl.linspace(-2, 2, 5):totable())
  end)

  it("eye makes identity matrices", function()
    assert.are.same({{1, 0}, {0, 1}}, gl.eye(2):totable())
    assert.are.same({{1, 0, 0}, {0, 1, 0}}, gl.eye(2, 3):totable())
  end)

  it("manual_seed makes rand/randn repeat", function()
    gl.manual_seed(42)
    local a, b = gl.rand(5):totable(), gl.randn(5):totable()
    gl.manual_seed(42)
    assert.are.same(a, gl.rand(5):totable())
    assert.are.same(b, gl.randn(5):totable())
    for _, v in ipairs(a) do assert.is_true(v >= 0 and v < 1) end
  end)

  it("randperm is a permutation of 1..n", function()
    local p = gl.randperm(6)
    assert.are.equal("int64", p.dtype)
    local seen = {}
    for _, v in ipairs(p:totable()) do seen[v] = true end
    for i = 1, 6 do assert.is_true(seen[i]) end
  end)

  it("rejects bad sizes naming the argument", function()
    assert.are.equal("bad argument #2 to 'zeros' (size -3 is negative)", err(function() return gl.zeros(2, -3) end))
    assert.are.equal("bad argument #1 to 'ones' (sizes must be integers, got 2.5)",
      err(function() return gl.ones(2.5) end))
  end)
end)

describe("fields and reading methods", function()
  local x = gl.tensor{{1, 2, 3}, {4, 5, 6}}

  it("shape, dtype, ndim", function()
    assert.are.same({2, 3}, x.shape)
    assert.are.equal("float32", x.dtype)
    assert.are.equal(2, x.ndim)
    assert.are.equal(2, x:dim())
    assert.are.equal(6, x:numel())
    assert.are.equal(6, gl.numel(x))
  end)

  it("size with and without a dim", function()
    assert.are.same({2, 3}, x:size())
    assert.are.equal(3, x:size(2))
    assert.are.equal(3, x:size(-1))
    assert.are.equal(2, x:size(-2))
    assert.are.equal("bad argument #1 to 'size' (dim 3 is out of range for a 2-dim tensor (expected 1..2 or -2..-1))",
      err(function() return x:size(3) end))
  end)

  it("item gives numbers of the dtype's kind", function()
    assert.are.equal(5, gl.tensor(5):item())
    assert.is_true(math.type(gl.tensor(5, {dtype = "int64"}):item()) == "integer")
    assert.are.equal(true, gl.tensor(true):item())
    assert.are.equal("item: a tensor of shape (2,3) has 6 elements; item needs exactly one",
      err(function() return x:item() end))
  end)

  it("totable nests like the shape", function()
    assert.are.same({{1, 2, 3}, {4, 5, 6}}, x:totable())
    assert.are.equal(7, gl.tensor(7):totable())
  end)

  it("T reverses the dims", function()
    assert.are.same({{1, 4}, {2, 5}, {3, 6}}, x.T:totable())
  end)

  it("grad, is_leaf, grad_fn, requires_grad", function()
    local w = gl.tensor({1, 2}, {requires_grad = true})
    local y = w * 3
    assert.is_nil(w.grad)
    assert.is_nil(w.grad_fn)
    assert.is_true(w.is_leaf)
    assert.are.equal("MulBackward0", y.grad_fn)
    assert.is_false(y.is_leaf)
    assert.is_true(y.requires_grad)
    assert.are.equal("LogSoftmaxBackward0", y:log_softmax(1).grad_fn)
    assert.are.equal("SumBackward0", y:sum().grad_fn)
  end)

  it("settable fields: grad and requires_grad", function()
    local w = gl.zeros(2)
    w.requires_grad = true
    assert.is_true(w.requires_grad)
    w.grad = gl.ones(2)
    assert.are.same({1, 1}, w.grad:totable())
    w.grad = nil
    assert.is_nil(w.grad)
    assert.are.equal("can't set field 'foo' of a tensor (settable: grad, requires_grad)",
      err(function() w.foo = 1 end))
  end)
end)

describe("shape changes", function()
  local x = gl.tensor{{1, 2, 3, 4}}

  it("reshape and view, with -1", function()
    assert.are.same({4, 1}, x:reshape(4, 1).shape)
    assert.are.same({4}, x:view(-1).shape)
    assert.are.same({2, 2}, x:reshape{2, -1}.shape)
    assert.are.same({2, 2}, gl.reshape(x, 2, 2).shape)
    assert.are.equal("view: shape (3,3) is invalid for input of size 4 (shape (1,4))",
      err(function() return x:view(3, 3) end))
    assert.are.equal("view: a tensor of shape (3,2) with these strides can't be viewed as (6) (it is not contiguous); use reshape, which copies",
      err(function() return gl.ones(2, 3).T:view(6) end))
    assert.are.equal("bad argument #1 to 'reshape' (sizes expected (integers or one table))",
      err(function() return x:reshape("a") end))
    assert.are.equal("bad argument #2 to 'reshape' (only one size may be -1)",
      err(function() return x:reshape(-1, -1) end))
  end)

  it("view shares storage; reshape of a transpose copies", function()
    local a = gl.zeros(2, 2)
    local v = a:view(4)
    v[1] = 5
    assert.are.equal(5, a[{1, 1}])
    local t = gl.tensor{{1, 2}, {3, 4}}.T
    assert.are.same({1, 3, 2, 4}, t:reshape(4):totable())
  end)

  it("transpose, permute", function()
    local y = gl.arange(6):reshape(1, 2, 3)
    assert.are.same({3, 2, 1}, y:transpose(1, 3).shape)
    assert.are.same({1, 3, 2}, y:transpose(-1, -2).shape)
    assert.are.same({3, 1, 2}, y:permute(3, 1, 2).shape)
    assert.are.same({3, 1, 2}, y:permute{3, 1, 2}.shape)
    assert.are.equal("bad argument #1 to 'permute' (2 dims given for a 3-dim tensor)",
      err(function() return y:permute(1, 2) end))
  end)

  it("squeeze, unsqueeze, expand", function()
    local y = gl.ones(2, 1, 3)
    assert.are.same({2, 3}, y:squeeze().shape)
    assert.are.same({2, 3}, y:squeeze(2).shape)
    assert.are.same({2, 1, 3}, y:squeeze(1).shape)
    assert.are.same({1, 3}, gl.ones(3):unsqueeze(1).shape)
    assert.are.same({3, 1}, gl.ones(3):unsqueeze(2).shape)
    assert.are.same({3, 1}, gl.ones(3):unsqueeze(-1).shape)
    assert.are.same({3, 4}, gl.ones(3, 1):expand(3, 4).shape)
    assert.are.same({3, 2}, gl.ones(3, 1):expand(-1, 2).shape)
  end)

  it("contiguous, clone", function()
    local t = gl.tensor{{1, 2}, {3, 4}}.T
    assert.are.same({{1, 3}, {2, 4}}, t:contiguous():totable())
    local c = t:clone()
    c[{1, 1}] = 9
    assert.are.equal(1, t[{1, 1}])
  end)

  it("dtype conversions", function()
    local t = gl.tensor{1.5, 2}
    assert.are.equal("float64", t:to("float64").dtype)
    assert.are.equal("float64", t:double().dtype)
    assert.are.equal("float32", t:double():float().dtype)
    assert.are.same({1, 2}, t:long():totable())
    assert.are.same({true, true}, t:bool():totable())
    assert.are.equal("bad argument #1 to 'to' (unknown dtype 'half' (expected float32, float64, int64 or bool))",
      err(function() return t:to("half") end))
  end)
end)

describe("printing (the engine's gl_format through __tostring)", function()
  it("prints as PyTorch", function()
    assert.are.equal("tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])", tostring(gl.tensor{0.3, 3, 0.0003}))
    assert.are.equal("tensor([[2., 0., 0., 0.]])", tostring(gl.tensor{{2, 0, 0, 0}}))
    assert.are.equal("tensor(1.2040, dtype=float64)", tostring(gl.tensor(1.2040, {dtype = "float64"})))
    assert.are.equal("tensor([ True, False])", tostring(gl.tensor{true, false}))
    assert.are.equal("tensor([1, 2])", tostring(gl.tensor({1, 2}, {dtype = "int64"})))
    assert.are.equal("tensor([1., 2.], requires_grad=True)", tostring(gl.tensor({1, 2}, {requires_grad = true})))
    assert.are.equal("tensor([2., 4.], grad_fn=<MulBackward0>)",
      tostring(gl.tensor({1, 2}, {requires_grad = true}) * 2))
  end)

  it("set_printoptions changes the precision and returns the previous options", function()
    local prev = gl.set_printoptions{precision = 2}
    assert.are.equal(4, prev.precision)
    assert.are.equal("tensor([0.33])", tostring(gl.tensor{1 / 3}))
    gl.set_printoptions(prev)
    assert.are.equal("tensor([0.3333])", tostring(gl.tensor{1 / 3}))
  end)
end)

describe("Torch7 indexing", function()
  local function m() return gl.arange(1, 13):reshape(3, 4) end

  it("x[i] is a row view; on 1-D a number", function()
    local x = m()
    assert.are.same({5, 6, 7, 8}, x[2]:totable())
    assert.are.equal(6, x[2][2])
    assert.are.equal("number", type(x[2][2]))
    assert.are.same({9, 10, 11, 12}, x[-1]:totable())
    x[2][1] = 50 -- a view: writes go through
    assert.are.equal(50, x[{2, 1}])
  end)

  it("tables of indices and ranges", function()
    local x = m()
    assert.are.same({2, 3}, x[{1, {2, 3}}]:totable())
    assert.are.same({1, 5, 9}, x[{{}, 1}]:totable())
    assert.are.same({{2, 3}, {6, 7}}, x[{{1, 2}, {2, 3}}]:totable())
    assert.are.same({{5, 6, 7, 8}}, x[{{2}}]:totable())
    assert.are.same({4, 8, 12}, x[{{}, -1}]:totable())
    assert.are.same({{3, 4}, {7, 8}, {11, 12}}, x[{{}, {-2, -1}}]:totable())
    assert.are.equal(7, x[{2, 3}])
    assert.are.equal(12, x[{-1, -1}])
  end)

  it("gradients flow through indexing", function()
    local w = gl.ones({2, 3}, {requires_grad = true})
    local s = w[{{}, 2}]:sum() + w[1][3] * 2 -- w[1][3] is a number: no gradient
    s:backward()
    assert.are.same({{0, 1, 0}, {0, 1, 0}}, w.grad:totable())
  end)

  it("names the index, the dim and the size when out of range", function()
    local x = m()
    assert.are.equal("index 4 is out of range for dim 1 (size 3)", err(function() return x[4] end))
    assert.are.equal("index -4 is out of range for dim 1 (size 3)", err(function() return x[-4] end))
    assert.are.equal("index 0 is out of range for dim 1 (size 3): indices are 1-based", err(function() return x[0] end))
    assert.are.equal("index 7 is out of range for dim 2 (size 4)", err(function() return x[{1, 7}] end))
    assert.are.equal("index 5 is out of range for dim 2 (size 4)", err(function() return x[{{}, {2, 5}}] end))
    assert.are.equal("3 indices given for a 2-dim tensor", err(function() return x[{1, 1, 1}] end))
    assert.are.equal("index range {3, 1} for dim 1 (size 3) runs backwards", err(function() return x[{{3, 1}}] end))
    assert.are.equal("index for dim 1 must be an integer, got a non-integer number", err(function() return x[1.5] end))
    assert.are.equal("index entry 1 is a string; expected a number, {} or {first, last}",
      err(function() return x[{"a"}] end))
    assert.are.equal("a 0-dim tensor can't be indexed (use x:item())", err(function() return gl.tensor(1)[1] end))
  end)

  it("select and narrow", function()
    local x = m()
    assert.are.same({2, 6, 10}, x:select(2, 2):totable())
    assert.are.same({{2, 3}, {6, 7}, {10, 11}}, x:narrow(2, 2, 2):totable())
    assert.are.equal("bad argument #3 to 'narrow' (length 3 from index 3 passes the end of dim 2 (size 4))",
      err(function() return x:narrow(2, 3, 3) end))
  end)
end)

describe("Torch7 assignment", function()
  it("fills with numbers, copies tensors and tables", function()
    local x = gl.zeros(3, 4)
    x[{{}, 1}] = 1
    assert.are.same({1, 1, 1}, x[{{}, 1}]:totable())
    x[2] = gl.tensor{9, 8, 7, 6}
    assert.are.same({9, 8, 7, 6}, x[2]:totable())
    x[{1, 2}] = 5
    assert.are.equal(5, x[{1, 2}])
    x[3] = {4, 3, 2, 1}
    assert.are.same({4, 3, 2, 1}, x[3]:totable())
    x[{3, {2, 3}}] = gl.tensor{0, 0}
    assert.are.same({4, 0, 0, 1}, x[3]:totable())
    x[1] = 7 -- a whole row from a number
    assert.are.same({7, 7, 7, 7}, x[1]:totable())
    local v = gl.zeros(3)
    v[2] = 4
    assert.are.same({0, 4, 0}, v:totable())
    v[-1] = 3
    assert.are.same({0, 4, 3}, v:totable())
  end)

  it("reports bad assignments", function()
    local x = gl.zeros(2, 2)
    assert.are.equal("index 3 is out of range for dim 1 (size 2)", err(function() x[3] = 1 end))
    local w = gl.zeros({2}, {requires_grad = true})
    assert.are.equal("fill_: this float32 tensor of shape () requires grad and was made by 'select'; in-place changes are not recorded in the graph, so its gradient would be wrong: use the out-of-place op, or do it inside gl.no_grad",
      err(function() w[1] = 1 end))
    gl.no_grad(function() w[1] = 1 end)
    assert.are.equal(1, w[1])
  end)
end)

describe("operators", function()
  local a, b = gl.tensor{1, 2, 3}, gl.tensor{4, 5, 6}

  it("mix tensors and numbers on either side", function()
    assert.are.same({5, 7, 9}, (a + b):totable())
    assert.are.same({-3, -3, -3}, (a - b):totable())
    assert.are.same({2, 4, 6}, (2 * a):totable())
    assert.are.same({2, 4, 6}, (a * 2):totable())
    assert.are.same({0.5, 1, 1.5}, (a / 2):totable())
    assert.are.same({6, 3, 2}, (6 / a):totable())
    assert.are.same({0, -1, -2}, (1 - a):totable())
    assert.are.same({1, 4, 9}, (a ^ 2):totable())
    assert.are.same({2, 4, 8}, (2 ^ a):totable())
    assert.are.same({-1, -2, -3}, (-a):totable())
  end)

  it("keep the tensor's dtype for numbers; a fraction with int64 gives float32", function()
    local i = gl.tensor({1, 2}, {dtype = "int64"})
    assert.are.equal("int64", (i * 2).dtype)
    assert.are.equal("float32", (i * 0.5).dtype)
    assert.are.same({0.5, 1}, (i * 0.5):totable())
    assert.are.equal("float64", (gl.tensor({1}, {dtype = "float64"}) + 1).dtype)
    assert.are.equal("float32", (i / 2).dtype) -- true division
  end)

  it("== is identity; gl.eq compares elements", function()
    local x = gl.tensor{1, 2}
    assert.is_true(x == x)
    assert.is_false(x == gl.tensor{1, 2})
    local w = gl.ones(2, {requires_grad = true})
    w:sum():backward()
    assert.is_true(w.grad == w.grad) -- the same engine tensor
    assert.are.same({true, true}, gl.eq(x, gl.tensor{1, 2}):totable())
  end)

  it("# is the size of dim 1", function()
    assert.are.equal(3, #gl.zeros(3, 5))
    assert.are.equal("#: a 0-dim tensor has no length (use x:item())", err(function() return #gl.tensor(1) end))
  end)

  it("report engine errors with their text", function()
    assert.are.equal("add: shapes (2,3) and (3,2) cannot be broadcast: sizes 3 and 2 differ in dim -1 and neither is 1",
      err(function() return gl.ones(2, 3) + gl.ones(3, 2) end))
    assert.are.equal("matmul: (128,1000) x (26,1000): inner dimensions 1000 and 26 differ",
      err(gl.matmul, gl.zeros(128, 1000), gl.zeros(26, 1000)))
  end)

  it("type errors name the argument", function()
    assert.are.equal("bad argument #1 to 'exp' (gradlab.Tensor expected, got string)",
      err(function() return gl.exp("x") end))
    assert.are.equal("bad argument #2 to 'add' (value expected)", err(function() return gl.add(a) end))
    assert.are.equal("bad argument #1 to 'add' (value expected)", err(function() return a:add() end))
  end)
end)

describe("lifetime", function()
  it("__close releases the tensor at once; using it afterwards is an error", function()
    collectgarbage()
    collectgarbage()
    local before = gl.live_bytes()
    do
      local big <close> = gl.zeros(1000, 1000)
      assert.are.equal(before + 4e6, gl.live_bytes())
    end
    assert.are.equal(before, gl.live_bytes())
    local t = gl.zeros(2)
    getmetatable(t).__close(t)
    assert.are.equal("tensor(<closed>)", tostring(t))
    assert.are.equal("calling 'sum' on bad self (tensor has been closed)", err(function() return t:sum() end))
    assert.are.equal("bad argument #1 to 'sum' (tensor has been closed)", err(function() return gl.sum(t) end))
  end)

  it("has the type name gradlab.Tensor and a listable method table", function()
    local mt = getmetatable(gl.zeros(1))
    assert.are.equal("gradlab.Tensor", mt.__name)
    assert.are.equal("function", type(mt.__index))
    assert.are.equal("table", type(mt.__methods))
    assert.are.equal(mt.__methods.reshape, gl.zeros(1).reshape)
    assert.are.equal(mt.__methods, gl.Tensor)
    assert.is_true(gl.is_tensor(gl.zeros(1)))
    assert.is_false(gl.is_tensor({}))
  end)
end)
