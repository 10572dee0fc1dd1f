-- The helpers for tests: gl.allclose, gl.assert_close, gl.gradcheck.
-- Run from the repo root: sh tests/suites/lua.sh (or busted --lua=lua5.4 -p spec_ tests/lua)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err

describe("allclose", function()
  it("compares with rtol and atol, broadcasting", function()
    assert.is_true(gl.allclose(gl.tensor{1, 2}, gl.tensor{1, 2.000001}))
    assert.is_false(gl.allclose(gl.tensor{1, 2}, gl.tensor{1, 2.001}))
    assert.is_true(gl.allclose(gl.tensor{1, 2}, gl.tensor{1, 2.001}, {atol = 1e-2}))
    assert.is_true(gl.allclose(gl.tensor{100, 200}, {101, 202}, {rtol = 0.011}))
    assert.is_true(gl.allclose(gl.ones(2, 3), 1))
    assert.is_false(gl.allclose(gl.tensor{0 / 0}, gl.tensor{0 / 0}))
    assert.is_true(gl.allclose(gl.tensor{0 / 0}, gl.tensor{0 / 0}, {equal_nan = true}))
    assert.is_true(gl.allclose(gl.tensor{math.huge}, gl.tensor{math.huge}))
    assert.are.equal("allclose: shapes (2) and (3) cannot be broadcast: sizes 2 and 3 differ in dim -1 and neither is 1",
      err(gl.allclose, gl.ones(2), gl.ones(3)))
  end)
end)

describe("assert_close", function()
  it("passes quietly", function()
    gl.assert_close(gl.tensor{1, 2}, {1, 2})
    gl.assert_close(gl.ones(2, 2):sum(), 4)
    gl.assert_close(gl.tensor{1, 2.5}, gl.tensor{1, 2}, {atol = 0.5})
  end)

  it("shows the worst element and both tensors", function()
    local msg = err(gl.assert_close, gl.tensor{{1, 2}, {3, 4.5}}, gl.tensor{{1, 2.01}, {3, 4}})
    assert.are.equal(
      "assert_close: 2 of 4 elements differ beyond rtol=1e-05, atol=1e-08\n" ..
      "worst at [2, 2]: actual 4.5, expected 4, difference 0.5 (allowed 4.001e-05)\n" ..
      "actual:   tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]])\n" ..
      "expected: tensor([[1.0000, 2.0100],\n        [3.0000, 4.0000]])", msg)
  end)

  it("puts msg first, and checks shapes", function()
    assert.matches("^loss after step 3: assert_close: 1 of 1 elements differ",
      err(gl.assert_close, gl.tensor(1), 2, {msg = "loss after step 3"}))
    assert.are.equal("assert_close: shapes differ: actual (2,1), expected (2)",
      err(gl.assert_close, gl.ones(2, 1), gl.ones(2)))
  end)

  it("raises at the caller's line, as busted reports it", function()
    local ok, e = pcall(function() gl.assert_close(gl.tensor{1}, {2}) end)
    assert.is_false(ok)
    assert.matches("spec_api_testing%.lua:%d+: assert_close:", e)
  end)
end)

describe("gradcheck", function()
  it("accepts correct gradients of many ops", function()
    gl.manual_seed(3)
    local a, b = gl.randn(3, 4), gl.randn(4, 2)
    assert.is_true(gl.gradcheck(function(x, y) return x:matmul(y):tanh():sum(2) end, {a, b}))
    assert.is_true(gl.gradcheck(function(x) return (x * x + x:exp()):mean() end, a))
    assert.is_true(gl.gradcheck(function(x) return x:softmax(2) end, {a}))
    assert.is_true(gl.gradcheck(function(x) return x:log_softmax(1)[{{}, 2}] end, {a}))
    assert.is_true(gl.gradcheck(function(x) return x:sigmoid() / (x:abs() + 1) end, {a}))
    assert.is_true(gl.gradcheck(function(x, y) return gl.cat({x, y.T}, 1):sum(1) end, {a, b}))
    assert.is_true(gl.gradcheck(function(x) return x:max(2) end, {a}))
  end)

  it("passes non-float inputs through unchecked", function()
    local labels = gl.tensor({2, 1}, {dtype = "int64"})
    assert.is_true(gl.gradcheck(function(x, l) return gl._cross_entropy(x, l) end,
      {gl.randn(2, 3), labels}))
  end)

  it("names the input, the element and both values on a mismatch", function()
    gl.manual_seed(4)
    local x = gl.tensor{{0.5, -1}, {2, 3}}
    -- a wrong "gradient": detach() hides 3x from backward, which sees only x
    local wrong = function(t) return t + (t * 3):detach() * 0 + t:detach() * 3 end
    assert.are.equal("gradcheck: input 1, element [1, 1] (output element [1, 1]): backward gives 1, finite differences give 4 (atol=1e-05, rtol=0.001)",
      err(gl.gradcheck, wrong, {x}))
  end)

  it("insists on a tensor result", function()
    assert.are.equal("gradcheck: fn must return a tensor, got number",
      err(gl.gradcheck, function() return 1 end, {gl.ones(1)}))
  end)

  it("restores grad mode after an error in fn", function()
    assert.matches("boom", err(gl.gradcheck, function() error("boom") end, {gl.ones(1)}))
    assert.is_true(gl.is_grad_enabled())
  end)
end)
