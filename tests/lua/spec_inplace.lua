-- In-place safety, as PyTorch has it: a tensor saved for backward and then
-- changed in place makes backward fail with a message naming the op that
-- saved it, instead of giving wrong gradients; a tensor that requires grad
-- can't be changed in place at all outside no_grad. Through every in-place
-- entry point of the binding (zero_, fill_, copy_, add_, mul_, uniform_,
-- x[i] = v), also through views and detach()ed aliases sharing the storage.
-- Run from the repo root: busted --lua=lua5.4 -p spec_ tests/lua
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err

local function saved_input(op, shape, version, at)
  return string.format("backward: an input tensor of shape %s that '%s' saved for its gradient was "
    .. "modified by an in-place operation (version %d, saved at %d); clone it before changing it",
    shape, op, version or 1, at or 0)
end

local function saved_result(op, shape, version)
  return string.format("backward: the result tensor of shape %s that '%s' saved for its gradient "
    .. "was modified by an in-place operation (version %d, saved at 0); clone it before changing it",
    shape, op, version or 1)
end

local function made_by(name, op, shape)
  return string.format("%s: this float32 tensor of shape %s requires grad and was made by '%s'; "
    .. "in-place changes are not recorded in the graph, so its gradient would be wrong: use the "
    .. "out-of-place op, or do it inside gl.no_grad", name, shape, op)
end

local function leaf(name, shape)
  return string.format("%s: a leaf tensor that requires grad can't be changed in place (this "
    .. "float32 tensor of shape %s): do it inside gl.no_grad, or change a detach()ed alias, which "
    .. "shares its storage", name, shape)
end

-- Every in-place entry point, as a function changing t.
local writers = {
  { "zero_", function(t) t:zero_() end },
  { "fill_", function(t) t:fill_(2) end },
  { "copy_", function(t) t:copy_(gl.ones(t.shape)) end },
  { "add_", function(t) t:add_(1) end },
  { "mul_", function(t) t:mul_(2) end, "mul_scalar_" },  -- the engine's name in messages
  { "uniform_", function(t) t:uniform_() end },
  { "x[i] = v", function(t) t[1] = 5 end, "fill_" },
  { "x[i] = tensor", function(t) t[1] = gl.ones(t.shape[2] and { t.shape[2] } or {}) end, "copy_" },
}

describe("a tensor saved for backward, then changed in place", function()
  for _, w in ipairs(writers) do
    local name, write = w[1], w[2]

    it("fails backward naming the op (" .. name .. " on an input mul saved)", function()
      local x = gl.tensor({ 1, 2, 3 }, { requires_grad = true })
      local c = gl.tensor({ 4, 5, 6 })     -- no grad: may be changed, but mul saved it
      local y = x * c
      write(c)
      assert.are.equal(saved_input("mul", "(3)"), err(function() y:sum():backward() end))
      assert.is_nil(x.grad)                 -- nothing moved: the check runs before any gradient
    end)

    it("fails backward naming the op (" .. name .. " on exp's result through detach)", function()
      local x = gl.tensor({ 1, 2, 3 }, { requires_grad = true })
      local y = x:exp()                     -- exp saves its result
      write(y:detach())                     -- shares y's storage
      assert.are.equal(saved_result("exp", "(3)"), err(function() y:sum():backward() end))
      assert.is_nil(x.grad)
    end)

    it("fails backward naming the op (" .. name .. " on a view of a saved matrix)", function()
      local x = gl.tensor({ { 1, 2 }, { 3, 4 } }, { requires_grad = true })
      local w = gl.tensor({ { 1, 0 }, { 0, 1 } })
      local y = x:matmul(w)                 -- matmul saves both inputs
      write(w.T[2])                         -- row 2 of the transpose: column 2 of w
      assert.are.equal(saved_input("matmul", "(2,2)"), err(function() y:sum():backward() end))
    end)

    it("fails backward naming the op (" .. name .. " inside no_grad)", function()
      local x = gl.tensor({ 1, 2, 3 }, { requires_grad = true })
      local y = x:sigmoid()                 -- sigmoid saves its result
      gl.no_grad(function() write(y) end)   -- allowed: no graph is being recorded
      assert.are.equal(saved_result("sigmoid", "(3)"), err(function() y:sum():backward() end))
    end)
  end
end)

describe("a tensor that requires grad, changed in place outside no_grad", function()
  for _, w in ipairs(writers) do
    local name, write, engine_name = w[1], w[2], w[3] or w[1]

    it("is refused when made by an op (" .. name .. "), as y = x:exp(); y:add_(1)", function()
      local x = gl.tensor({ { 1, 2 }, { 3, 4 } }, { requires_grad = true })
      local y = x:exp()
      local shape, op = "(2,2)", "exp"
      if name:match("^x%[") then shape, op = "(2)", "select" end   -- y[1] is a view made by select
      assert.are.equal(made_by(engine_name, op, shape), err(function() write(y) end))
      y:sum():backward()                    -- y unchanged: backward is right
      assert.is_true(gl.allclose(x.grad, x:detach():exp()))
    end)

    it("is refused on a leaf (" .. name .. ")", function()
      local x = gl.tensor({ { 1, 2 }, { 3, 4 } }, { requires_grad = true })
      local shape = name:match("^x%[") and "(2)" or "(2,2)"
      if name:match("^x%[") then
        -- x[1] is a view made by select: it requires grad and has a grad_fn
        assert.are.equal(made_by(engine_name, "select", shape), err(function() write(x) end))
      else
        assert.are.equal(leaf(engine_name, shape), err(function() write(x) end))
      end
      assert.are.same({ { 1, 2 }, { 3, 4 } }, x:totable())
    end)
  end
end)

describe("in-place changes that backward does not depend on", function()
  it("leave backward alone when the op saved nothing (add)", function()
    local x = gl.tensor({ 1, 2, 3 }, { requires_grad = true })
    local c = gl.tensor({ 4, 5, 6 })
    local y = x + c                         -- add's gradient does not need c
    c:add_(1)
    y:sum():backward()
    assert.are.same({ 1, 1, 1 }, x.grad:totable())
  end)

  it("count every change: the version in the message says how many", function()
    local x = gl.tensor({ 1, 2 }, { requires_grad = true })
    local y = x:tanh()
    local a = y:detach()
    a:mul_(1); a:add_(0); a[1] = a[1]
    assert.are.equal(saved_result("tanh", "(2)", 3), err(function() y:sum():backward() end))
  end)

  it("an optimizer step between forward and backward makes backward fail", function()
    gl.manual_seed(1)
    local lin = gl.nn.Linear(2, 1)
    local opt = gl.optim.SGD(lin:parameters(), { lr = 0.1 })
    local x = gl.ones(4, 2)
    local loss = lin(x):sum()
    loss:backward({ retain_graph = true })
    opt:step()                              -- changes the weight linear saved
    -- (version 1 when saved: uniform_ filled the new weight)
    assert.are.equal(saved_input("linear", "(1,2)", 2, 1), err(function() loss:backward() end))
  end)

  it("a clone is independent", function()
    local x = gl.tensor({ 1, 2, 3 }, { requires_grad = true })
    local y = x:exp()
    local z = y:detach():clone()
    z:add_(1)
    y:sum():backward()
    assert.is_true(gl.allclose(x.grad, x:detach():exp()))
  end)
end)
