-- One test per bug that the API fuzzer (tests/fuzz/api_fuzz.lua) found,
-- named after it; the engine's own are in tests/engine/test_regressions.c.
-- Run from the repo root: busted --lua=lua5.4 -p spec_ tests/lua  (BUILD=build-asan: that build)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err
local nn = gl.nn

describe("regressions", function()
  -- gl.set_printoptions cast its numbers to int/int64_t as they came: a
  -- value out of range (threshold = math.huge, torch's "print everything")
  -- was undefined behaviour (UBSan float-cast-overflow).
  it("set_printoptions_out_of_range: huge values are clamped, NaN is an error", function()
    local prev = gl.set_printoptions{ threshold = math.huge, precision = 1e300, edgeitems = -1e300,
                                      linewidth = 2 ^ 70 }
    local now = gl.set_printoptions(prev)
    assert.are.equal(math.maxinteger, now.threshold)
    assert.are.equal(50, now.precision)     -- the engine's limit
    assert.are.equal(1, now.edgeitems)
    assert.are.equal(2147483647, now.linewidth)
    assert.are.equal("set_printoptions: precision must be a number, got nan",
      err(gl.set_printoptions, { precision = 0 / 0 }))
    assert.are.same(prev, gl.set_printoptions(prev))
  end)

  -- nn.Softmax(5)(x) for a 2-dim x failed inside nn.lua with
  -- "lua/lib/nn.lua:373: bad argument #2 to '?' (...)".
  it("softmax_layer_dim: the error names the layer, the dim and the input, at the caller", function()
    local x = gl.randn(2, 3)
    local ok, e = pcall(function() return nn.Softmax(5)(x) end)
    assert.is_false(ok)
    assert.are.equal("Softmax(dim=5): input (2,3) has no dim 5 (expected 1..2 or -2..-1)", e)
    assert.are.equal("LogSoftmax(dim=-3): input (2,3) has no dim -3 (expected 1..2 or -2..-1)",
      err(function() return nn.LogSoftmax(-3)(x) end))
    assert.are.equal("softmax: expected a float32 or float64 tensor, got int64 of shape (2,3) "
      .. "(convert with to_dtype first)", err(function() return nn.Softmax(1)(x:long()) end))
    assert.are.equal("1,3", table.concat(nn.Softmax(1)(x:sum(1, true)).shape, ","))
  end)

  -- load_csv of a text with a blank line called memcpy(NULL, src, 0) on its
  -- still empty line buffer (UBSan: null pointer passed as argument 1).
  it("load_csv_blank_lines: blank lines and an empty file read fine", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("\n\n1,2\n\n3,4\n\n")
    f:close()
    local t = gl.load_csv(path)
    assert.are.same({ { 1, 2 }, { 3, 4 } }, t:totable())
    f = assert(io.open(path, "w"))
    f:close()
    assert.are.equal("0,0", table.concat(gl.load_csv(path).shape, ","))
    os.remove(path)
  end)

  -- x.grad = 2 * x kept the graph of 2 * x (which holds x) in x's grad: a
  -- reference cycle that was never freed (LeakSanitizer).
  it("set_grad_cycle: a grad set from x's own graph is a plain tensor", function()
    local x = gl.tensor({ 1, 2 }, { requires_grad = true })
    x.grad = 2 * x
    assert.is_nil(x.grad.grad_fn)
    assert.is_false(x.grad.requires_grad)
    assert.are.same({ 2, 4 }, x.grad:totable())
    assert.is_true(gl.is_grad_enabled())
  end)

  -- gl.empty(n, {dtype = "bool"}) held whatever bytes the buffer had:
  -- elements printed True but compared unequal to True.
  it("empty_bool: a new bool tensor holds only false", function()
    local junk = gl.full({ 64 }, 1e30, { dtype = "float64" })
    junk = nil
    collectgarbage()
    local b = gl.empty(64, { dtype = "bool" })
    assert.are.equal(0, b:long():sum():item())
    assert.are.equal(64, gl.eq(b, b):long():sum():item())
  end)

  -- expand to a shape whose element count overflows int64 was accepted;
  -- printing the view was then undefined behaviour.
  it("expand_overflow: an error names both shapes", function()
    assert.are.equal("expand: can't expand a tensor of shape (1,1) to (4611686018427387904,4): "
      .. "the number of elements overflows 64 bits",
      err(function() return gl.ones(1, 1):expand(2 ^ 62, 4) end))
    assert.are.equal("tensor: shape (0,4611686018427387904,4611686018427387904) is too large: "
      .. "the product of its sizes overflows 64 bits", err(gl.zeros, 0, 2 ^ 62, 2 ^ 62))
  end)

  -- gl.gradcheck checked the size of fn's output on the +eps call but not
  -- on the -eps one: a larger output was copied past the end of its buffer
  -- (ASan: heap-buffer-overflow in gl_copy_to_doubles).
  it("gradcheck_output_size_change: an output that changes size is an error", function()
    local x = gl.randn(2, { dtype = "float64" })
    for _, bad in ipairs({ 3, 4 }) do   -- the first -eps call, then a +eps call
      local n = 0
      local function f(a)
        n = n + 1
        if n >= bad then return gl.randn(100, { dtype = "float64" }) end
        return a * 2
      end
      assert.are.equal("gradcheck: fn's output changed size between calls", err(gl.gradcheck, f, x))
    end
    assert.are.equal("gradcheck: 4611686018427387904 output elements by 2 input elements is too many",
      err(gl.gradcheck, function() return gl.ones(1, { dtype = "float64" }):expand(2 ^ 31, 2 ^ 31) end, x))
  end)

  -- x:narrow(dim, start, length) checked start + length <= size, which
  -- overflows for a huge length (UBSan: signed integer overflow).
  it("narrow_length_overflow: a huge length is an argument error", function()
    assert.are.equal("bad argument #3 to 'narrow' (length 9223372036854775807 from index 3 passes "
      .. "the end of dim 1 (size 5))", err(function() return gl.zeros(5):narrow(1, 3, math.maxinteger) end))
    assert.are.same({ 0, 0, 0 }, gl.zeros(5):narrow(1, 3, 3):totable())
  end)

  -- A contiguous copy of a non-contiguous int64 tensor went through
  -- doubles: values above 2^53 came back rounded.
  it("int64_strided_copy_exact: copies of int64 views keep every digit", function()
    local x = gl.zeros(1, { dtype = "int64" }):add_(gl.tensor(2 ^ 53, { dtype = "int64" })):add_(1)
    assert.are.equal(9007199254740993, x:item())
    local v = x:expand(3)
    for _, c in ipairs({ v:contiguous(), v:clone(), v:reshape(3, 1), gl.tensor(v) }) do
      assert.are.equal(9007199254740993, c:reshape(-1)[3])
    end
    local y = gl.arange(6, { dtype = "int64" }):reshape(2, 3):add_(x)
    assert.are.same({ { 9007199254740993, 9007199254740996 }, { 9007199254740994, 9007199254740997 },
                      { 9007199254740995, 9007199254740998 } }, y.T:contiguous():totable())
  end)

  -- Lua integers beyond 2^53 went into int64 tensors through doubles:
  -- 9007199254740993 became ...992 in gl.tensor, full, fill_, index
  -- assignment, masked_fill and scalar operands, and arange counted wrong.
  it("int64_scalars_exact: Lua integers past 2^53 keep every digit", function()
    local big = 9007199254740993
    local opts = { dtype = "int64" }
    assert.are.same({ big, -big, 1, 1, 0 }, gl.tensor({ big, -big, 1.9, true, 0 / 0 }, opts):totable())
    assert.are.same({ { big } }, gl.tensor({ { gl.tensor(big, "int64") } }, opts):totable())
    assert.are.equal(big, gl.tensor(big, "int64"):item())
    assert.are.same({ big, big }, gl.full({ 2 }, big, opts):totable())
    local t = gl.zeros(3, opts)
    t[2] = big
    assert.are.same({ 0, big, 0 }, t:totable())
    assert.are.same({ -big, -big, -big }, t:fill_(-big):totable())
    local e = gl.zeros(1, opts):expand(3) -- an expanded view fills as with small values
    assert.are.same({ big, big, big }, e:fill_(big):totable())
    local x = gl.tensor({ 1, 2 }, opts)
    assert.are.same({ big + 1, big + 2 }, (x + big):totable())
    assert.are.same({ big + 1, big + 2 }, (big + x):totable())
    assert.are.same({ big, 2 }, x:masked_fill(gl.tensor({ true, false }), big):totable())
    assert.are.same({ big, big + 1 }, gl.arange(big, big + 2, opts):totable())
    assert.are.same({ 10, 7, 4 }, gl.arange(10, 1, -3, opts):totable())
    assert.are.same({ 0, 1, 3, 4 }, gl.arange(0, 5, 1.5, opts):totable()) -- as torch: in double, then cast
    -- small values and other dtypes take the usual path, unchanged
    assert.are.same({ 7, 7 }, gl.full({ 2 }, 7, opts):totable())
    assert.are.equal(gl.tensor(big).dtype, "float32")
  end)
end)
