-- gl.optim: SGD and Adam against hand-computed steps (torch.optim's formulas)
-- and against values printed by PyTorch 1.13 for the same steps.
-- Run from the repo root: busted --lua=lua5.4 -p spec_ tests/lua  (BUILD=build-asan: that build)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err
local nn, optim = gl.nn, gl.optim

local f64 = { dtype = "float64" }
local P0 = { 1.0, -2.0, 3.0 }
-- the gradient of each of three steps: p.grad is gs[k] after (p * gs[k]):sum():backward()
local GS = { { 0.5, -1.0, 2.0 }, { 0.1, 0.2, -0.3 }, { -1.0, 0.0, 0.5 } }

-- Runs three steps of the optimizer made by make({p}) on p = P0 (float64);
-- returns p after each step as Lua lists.
local function run(make)
  local p = gl.tensor(P0, f64):requires_grad_(true)
  local opt = make({ p })
  local out = {}
  for k = 1, #GS do
    opt:zero_grad()
    local loss = (p * gl.tensor(GS[k], f64)):sum()
    loss:backward()
    opt:step()
    out[k] = p:totable()
  end
  return out, opt, p
end

local function assert_steps(expected, got, tol)
  for k = 1, #expected do
    for i = 1, #expected[k] do
      assert.is_near(expected[k][i], got[k][i], tol, string.format("step %d element %d", k, i))
    end
  end
end

-- torch.optim.SGD's update, element by element, in Lua numbers.
local function sgd_by_hand(lr, momentum, dampening, wd, nesterov)
  local p, buf, out = { table.unpack(P0) }, {}, {}
  for k = 1, #GS do
    for i = 1, #p do
      local d = GS[k][i] + wd * p[i]
      if momentum ~= 0 then
        buf[i] = k == 1 and d or momentum * buf[i] + (1 - dampening) * d
        d = nesterov and d + momentum * buf[i] or buf[i]
      end
      p[i] = p[i] - lr * d
    end
    out[k] = { table.unpack(p) }
  end
  return out
end

-- torch.optim.Adam's update (amsgrad off), element by element.
local function adam_by_hand(lr, b1, b2, eps, wd)
  local p, m, v, out = { table.unpack(P0) }, { 0, 0, 0 }, { 0, 0, 0 }, {}
  for k = 1, #GS do
    for i = 1, #p do
      local g = GS[k][i] + wd * p[i]
      m[i] = b1 * m[i] + (1 - b1) * g
      v[i] = b2 * v[i] + (1 - b2) * g * g
      local step_size = lr / (1 - b1 ^ k)
      local denom = math.sqrt(v[i]) / math.sqrt(1 - b2 ^ k) + eps
      p[i] = p[i] - step_size * m[i] / denom
    end
    out[k] = { table.unpack(p) }
  end
  return out
end

describe("optim.SGD", function()
  it("plain: p -= lr grad", function()
    local got = run(function(ps) return optim.SGD(ps, { lr = 0.1 }) end)
    assert_steps(sgd_by_hand(0.1, 0, 0, 0, false), got, 1e-15)
    assert_steps({ { 0.95, -1.9, 2.8 }, { 0.94, -1.92, 2.83 }, { 1.04, -1.92, 2.78 } }, got, 1e-15)
  end)

  it("momentum, dampening and weight decay as torch", function()
    local got = run(function(ps)
      return optim.SGD(ps, { lr = 0.1, momentum = 0.9, dampening = 0.1, weight_decay = 0.01 })
    end)
    assert_steps(sgd_by_hand(0.1, 0.9, 0.1, 0.01, false), got, 1e-14)
    -- PyTorch 1.13
    assert_steps({ { 0.949, -1.898, 2.797 },
                   { 0.8932458999999999, -1.8224917999999999, 2.6387827 },
                   { 0.93226328869, -1.75289417738, 2.44901222557 } }, got, 1e-14)
  end)

  it("Nesterov momentum as torch", function()
    local got = run(function(ps)
      return optim.SGD(ps, { lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 0.01 })
    end)
    assert_steps(sgd_by_hand(0.1, 0.9, 0, 0.01, true), got, 1e-14)
    assert_steps({ { 0.9031, -1.8062, 2.6143 },
                   { 0.84107411, -1.75814822, 2.50190283 },
                   { 0.983465558191, -1.695186716382, 2.276344631623 } }, got, 1e-14)
  end)

  it("makes its momentum buffer once, and none without momentum", function()
    local _, opt, p = run(function(ps) return optim.SGD(ps, { lr = 0.1, momentum = 0.5 }) end)
    local buf = opt.state[p].momentum_buffer
    assert.is_true(gl.is_tensor(buf))
    opt:step()
    assert.are.equal(buf, opt.state[p].momentum_buffer)
    assert.are.equal(4, opt.state[p].step)
    local _, plain, q = run(function(ps) return optim.SGD(ps, 0.1) end)
    assert.is_nil(plain.state[q].momentum_buffer)
  end)

  it("checks its arguments", function()
    local l = nn.Linear(1, 1)
    assert.are.equal("bad argument #2 to 'optim.SGD' (lr is required)", err(optim.SGD, l:parameters()))
    assert.are.equal("bad argument #2 to 'optim.SGD' (lr must be a number >= 0, got -1)",
      err(optim.SGD, l:parameters(), { lr = -1 }))
    assert.are.equal("bad argument #2 to 'optim.SGD' (nesterov momentum needs a momentum > 0 and dampening 0)",
      err(optim.SGD, l:parameters(), { lr = 0.1, nesterov = true }))
    assert.are.equal("bad argument #2 to 'optim.SGD' (unknown option 'betas' (optim.SGD takes dampening, lr, momentum, nesterov, weight_decay))",
      err(optim.SGD, l:parameters(), { lr = 0.1, betas = { 0.9, 0.99 } }))
    assert.are.equal("bad argument #1 to 'optim.SGD' (empty parameter list)", err(optim.SGD, {}, 0.1))
    assert.are.equal("bad argument #1 to 'optim.SGD' (parameter 2 does not require grad; call p:requires_grad_(true) first)",
      err(optim.SGD, { l.weight, gl.zeros(2) }, 0.1))
    local w = gl.ones(2):requires_grad_(true)
    assert.are.equal("bad argument #1 to 'optim.SGD' (parameter 1 is not a leaf (made by MulBackward0): optimize the tensors you created, not results of ops)",
      err(optim.SGD, { w * 2 }, 0.1))
    assert.are.equal("bad argument #1 to 'optim.SGD' (parameter 2 appears twice)", err(optim.SGD, { w, w }, 0.1))
    assert.are.equal("bad argument #1 to 'optim.SGD' (parameter 1 is a number, not a tensor)",
      err(optim.SGD, { 3 }, 0.1))
    assert.are.equal("bad argument #1 to 'optim.SGD' (list of parameters expected (e.g. model:parameters()), got nil)",
      err(optim.SGD, nil, 0.1))
  end)
end)

describe("optim.Adam", function()
  it("defaults lr 1e-3, betas {0.9, 0.999}, eps 1e-8, weight_decay 0", function()
    local opt = optim.Adam(nn.Linear(1, 1):parameters())
    assert.are.equal(1e-3, opt.lr)
    assert.are.same({ 0.9, 0.999 }, opt.betas)
    assert.are.equal(1e-8, opt.eps)
    assert.are.equal(0, opt.weight_decay)
    assert.are.equal([[
Adam (
Parameter Group 1
    betas: {0.9, 0.999}
    eps: 1e-08
    lr: 0.001
    weight_decay: 0
)]], tostring(opt))
  end)

  it("steps as torch.optim.Adam", function()
    local got = run(function(ps) return optim.Adam(ps, { lr = 0.01 }) end)
    assert_steps(adam_by_hand(0.01, 0.9, 0.999, 1e-8, 0), got, 1e-14)
    assert_steps({ { 0.9900000002, -1.9900000001, 2.99000000005 },
                   { 0.9819695906384652, -1.9848897393990494, 2.9844780195206 },
                   { 0.9848441290710249, -1.980939493078417, 2.9787998812398273 } }, got, 1e-14)
  end)

  it("with betas, eps and weight decay as torch", function()
    local got = run(function(ps)
      return optim.Adam(ps, { lr = 0.05, betas = { 0.8, 0.99 }, eps = 1e-6, weight_decay = 0.1 })
    end)
    assert_steps(adam_by_hand(0.05, 0.8, 0.99, 1e-6, 0.1), got, 1e-14)
    assert_steps({ { 0.9500000833331944, -1.9500000416666319, 2.950000021739121 },
                   { 0.9078843253622468, -1.9186582191819324, 2.9185795016861937 },
                   { 0.9197030036857651, -1.8906070758382891, 2.8854746623112897 } }, got, 1e-14)
  end)

  it("keeps one pair of state tensors per parameter and counts steps", function()
    local _, opt, p = run(function(ps) return optim.Adam(ps, { lr = 0.01 }) end)
    local st = opt.state[p]
    assert.are.equal(3, st.step)
    local m, v = st.exp_avg, st.exp_avg_sq
    assert.are.equal("float64", m.dtype)
    opt:step()
    assert.are.equal(m, opt.state[p].exp_avg)
    assert.are.equal(v, opt.state[p].exp_avg_sq)
    assert.are.equal(4, st.step)
  end)

  it("checks betas", function()
    local ps = nn.Linear(1, 1):parameters()
    assert.are.equal("bad argument #2 to 'optim.Adam' (betas must be two numbers in [0, 1), got {0.9, 1})",
      err(optim.Adam, ps, { betas = { 0.9, 1 } }))
    assert.are.equal("bad argument #2 to 'optim.Adam' (betas must be a pair {beta1, beta2}, got 0.9)",
      err(optim.Adam, ps, { betas = 0.9 }))
  end)
end)

describe("optimizers", function()
  it("zero_grad zeroes the gradients; step skips parameters without one", function()
    local a = gl.tensor({ 1, 2 }, f64):requires_grad_(true)
    local b = gl.tensor({ 3 }, f64):requires_grad_(true)
    local opt = optim.SGD({ a, b }, 0.5)
    opt:step()                          -- no gradients at all: nothing changes
    assert.are.same({ 1, 2 }, a:totable())
    local loss = (a * 2):sum()
    loss:backward()
    opt:step()
    assert.are.same({ 0, 1 }, a:totable())
    assert.are.same({ 3 }, b:totable())
    assert.is_nil(opt.state[b])
    opt:zero_grad()
    assert.are.same({ 0, 0 }, a.grad:totable())
  end)

  it("take a model, a tensor, or groups with their own options", function()
    local model = nn.Linear(2, 1)
    assert.are.equal(2, #optim.Adam(model).param_groups[1].params)
    local t = gl.zeros(3):requires_grad_(true)
    assert.are.equal(t, optim.SGD(t, 0.1).param_groups[1].params[1])
    local a = gl.tensor({ 1 }, f64):requires_grad_(true)
    local b = gl.tensor({ 1 }, f64):requires_grad_(true)
    local opt = optim.SGD({ { params = { a } }, { params = { b }, lr = 1 } }, { lr = 0.1 })
    assert.are.equal(0.1, opt.param_groups[1].lr)
    assert.are.equal(1, opt.param_groups[2].lr)
    local loss = (a + b):sum()
    loss:backward()
    opt:step()
    assert.is_near(0.9, a:item(), 1e-15)
    assert.is_near(0, b:item(), 1e-15)
  end)

  it("opt.lr reads group 1 and sets every group", function()
    local a = gl.tensor({ 1 }, f64):requires_grad_(true)
    local opt = optim.SGD({ { params = { a }, lr = 0.2 } }, { lr = 0.1 })
    assert.are.equal(0.2, opt.lr)
    opt.lr = 0.5
    assert.are.equal(0.5, opt.param_groups[1].lr)
    local loss = (a * 1):sum()
    loss:backward()
    opt:step()
    assert.is_near(0.5, a:item(), 1e-15)
    assert.are.equal("SGD: lr must be a number >= 0, got -1", err(function() opt.lr = -1 end))
  end)

  it("step(closure) calls the closure first and returns its loss", function()
    local a = gl.tensor({ 2 }, f64):requires_grad_(true)
    local opt = optim.SGD({ a }, 0.25)
    local loss = opt:step(function()
      opt:zero_grad()
      local l = (a * a):sum()
      l:backward()
      return l
    end)
    assert.are.equal(4, loss:item())
    assert.is_near(1, a:item(), 1e-15)   -- 2 - 0.25 * 4
  end)

  it("update every parameter before an interruption is raised", function()
    -- The REPL arms its Ctrl-C hook on the main thread (repl/run.c). Here it
    -- is armed while the first parameter is being updated; the step must
    -- still update the others, and the interruption come after.
    local main = coroutine.running()
    local ps = {}
    for i = 1, 4 do ps[i] = gl.tensor({ 0 }, f64):requires_grad_(true) end
    local opt = optim.SGD(ps, 1)
    local s = ps[1] * 1
    for i = 2, 4 do s = s + ps[i] * i end
    s:sum():backward()
    local update = opt._update
    local armed = false
    opt._update = function(...)
      if not armed then
        armed = true
        debug.sethook(main, function()
          debug.sethook(main)
          error("interrupted!")
        end, "", 1)
      end
      return update(...)
    end
    local ok, e = pcall(opt.step, opt)
    debug.sethook()
    assert.is_false(ok)
    assert.truthy(tostring(e):find("interrupted!", 1, true))
    for i = 1, 4 do assert.are.equal(-i, ps[i]:item()) end
  end)

  it("register their help", function()
    if not gl.doc then return end
    assert.truthy(gl.doc(optim.SGD):find("optim.SGD(params", 1, true))
    assert.truthy(gl.doc(optim.Adam):find("optim.Adam(params", 1, true))
    local opt = optim.Adam(nn.Linear(1, 1))
    assert.are.equal("opt:step([closure])", gl.doc(opt.step))
    assert.are.equal("opt:zero_grad()", gl.doc(opt.zero_grad))
  end)
end)

describe("training an MLP", function()
  it("fits y = x1 x2 on 200 seeded points to a loss below 1e-3 (Adam 0.01, by hand)", function()
    gl.manual_seed(42)
    local x = gl.rand(200, 2) * 2 - 1                   -- (200,2) in [-1, 1)
    local y = x[{ {}, { 1 } }] * x[{ {}, { 2 } }]       -- (200,1)
    local model = nn.MLP{ 2, 16, 16, 1, activation = "relu" }
    local opt = optim.Adam(model:parameters(), { lr = 0.01 })
    local loss
    for _ = 1, 300 do
      opt:zero_grad()
      loss = nn.mse_loss(model(x), y)
      loss:backward()
      opt:step()
    end
    assert.is_true(loss:item() < 1e-3, "loss " .. loss:item())
  end)

  it("fits with SGD and momentum too", function()
    gl.manual_seed(2)
    local x = gl.rand(200, 2) * 2 - 1
    local y = (x[{ {}, { 1 } }] * 2):sin() * 0.5 + x[{ {}, { 2 } }] * 0.3
    local model = nn.MLP{ 2, 16, 1, activation = "tanh" }
    local opt = optim.SGD(model, { lr = 0.1, momentum = 0.9 })
    local first, loss
    for i = 1, 500 do
      opt:zero_grad()
      loss = nn.mse_loss(model(x), y)
      if i == 1 then first = loss:item() end
      loss:backward()
      opt:step()
    end
    assert.is_true(loss:item() < 1e-3, "loss " .. loss:item())
    assert.is_true(loss:item() < first / 20)
  end)
end)
