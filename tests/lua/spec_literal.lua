-- gl.tensor("...") reads a tensor literal or a printed tensor pasted back
-- (engine/literal.c: gl_parse_literal), and the readers' file layer (lua/lio.c)
-- on what is not a regular file.
-- Run from the repo root: sh tests/suites/lua.sh (or busted --lua=lua5.4 -p spec_ tests/lua)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err

describe("gl.tensor(string)", function()
  it("reads nested lists as gl.tensor reads nested tables", function()
    local t = gl.tensor("[[1, 2], [3, 4.5e-3]]")
    assert.are.equal("float32", t.dtype)
    assert.are.same({2, 2}, t.shape)
    assert.is_true(gl.allclose(t, gl.tensor{{1, 2}, {3, 4.5e-3}}))
    assert.are.equal("bool", gl.tensor("[true, false]").dtype)
    assert.are.equal("float64", gl.tensor("[1, 2]", {dtype = "float64"}).dtype)
    assert.are.same({1, 2}, gl.tensor("[1, 2]", "int64"):totable())
    assert.are.equal(2.5, gl.tensor("2.5"):item())
  end)

  it("reads what PyTorch and gradlab print", function()
    local cases = {
      {"tensor([[2., 0., 0., 0.]])", "float32", {{2, 0, 0, 0}}},
      {"tensor([1, 2, 3])", "int64", {1, 2, 3}},
      {"tensor([ True, False])", "bool", {true, false}},
      {"tensor(1.5000, dtype=torch.float64)", "float64", 1.5},
      {"tensor([[1., 2.],\n        [3., 4.]], dtype=float64)", "float64", {{1, 2}, {3, 4}}},
    }
    for _, c in ipairs(cases) do
      local t = gl.tensor(c[1])
      assert.are.equal(c[2], t.dtype, c[1])
      if type(c[3]) == "table" then
        assert.are.same(c[3], t:totable(), c[1])
      else
        assert.are.equal(c[3], t:item(), c[1])
      end
    end
    local t = gl.tensor("tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])")
    assert.are.equal("tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])", tostring(t))
    local nf = gl.tensor("tensor([nan, inf, -inf])"):totable()
    assert.is_true(nf[1] ~= nf[1])
    assert.are.same({math.huge, -math.huge}, {nf[2], nf[3]})
  end)

  it("pastes a print back: same dtype, shape, values and requires_grad", function()
    gl.manual_seed(3)
    local x = gl.tensor({{0.5, -1.25}, {3, 4}}, {requires_grad = true})
    local back = gl.tensor(tostring(x))
    assert.is_true(back.requires_grad)
    assert.is_true(back.is_leaf)
    assert.are.same(x:totable(), back:totable())
    for _, t in ipairs{gl.arange(12, {dtype = "int64"}):reshape(3, 4), gl.tensor{true, false},
                       gl.zeros(0, 3, {dtype = "float64"}), gl.tensor(7, {dtype = "float64"})} do
      local b = gl.tensor(tostring(t))
      assert.are.equal(t.dtype, b.dtype)
      assert.are.same(t.shape, b.shape)
      assert.are.same(t:totable(), b:totable())
    end
    -- a result's grad_fn is read and dropped: the paste is a leaf
    local y = gl.tensor(tostring(x * 2))
    assert.is_true(y.is_leaf)
    assert.is_false(y.requires_grad)
  end)

  it("takes opts.dtype over the text's", function()
    local t = gl.tensor("tensor([1, 2])", {dtype = "float32"})
    assert.are.equal("float32", t.dtype)
    local g = gl.tensor("tensor([1., 2.], requires_grad=True)", {dtype = "float64"})
    assert.are.equal("float64", g.dtype)
    assert.is_true(g.requires_grad and g.is_leaf)
    assert.is_true(gl.tensor("[1, 2]", {requires_grad = true}).requires_grad)
  end)

  it("names the place where a literal goes wrong", function()
    assert.are.equal("literal: line 1, column 12: ragged: this list has 1 entry, the first list at the same depth has 2",
      err(gl.tensor, "[[1, 2], [3]]"))
    assert.are.equal("literal: line 2, column 9: ragged: this list has more than 2 entries, the first list at the "
      .. "same depth has 2", err(gl.tensor, "[[1, 2],\n [3, 4, 5]]"))
    assert.are.equal("literal: line 1, column 22: '...' stands for values a summarised print left out: they can't "
      .. "be read back (print it with a higher threshold)", err(gl.tensor, "tensor([0., 1., 2.,  ..., 7., 8., 9.])"))
    assert.are.equal("literal: line 1, column 4: expected ',' or ']' after a value, got '2]'", err(gl.tensor, "[1 2]"))
  end)
end)

describe("file readers on what is not a regular file", function()
  it("name the file and the system's error", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir))
    assert.are.equal("load_npy: " .. dir .. ": Is a directory", err(gl.load_npy, dir))
    assert.are.equal("load_csv: " .. dir .. ": Is a directory", err(gl.load_csv, dir))
    os.execute("rm -rf " .. dir)
  end)

  it("read an empty file", function()
    local p = os.tmpname()
    local t, names = gl.load_csv(p)
    assert.are.same({0, 0}, t.shape)
    assert.is_nil(names)
    assert.are.equal("load_npy: " .. p .. ": not a .npy file (bad magic)", err(gl.load_npy, p))
    os.remove(p)
  end)
end)
