-- gl.nn: layers, containers, models and losses.
-- Run from the repo root: busted --lua=lua5.4 -p spec_ tests/lua  (BUILD=build-asan: that build)
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err
local nn = gl.nn

local function flat(t)
  local out = {}
  local function walk(v)
    if type(v) == "table" then for _, w in ipairs(v) do walk(w) end else out[#out + 1] = v end
  end
  walk(t:totable())
  return out
end

local function assert_values(expected, t, tol)
  local got = flat(t)
  assert.are.equal(#expected, #got, "element count")
  for i = 1, #expected do
    assert.is_near(expected[i], got[i], tol or 1e-6, "element " .. i)
  end
end

local function shape(t) return table.concat(t.shape, ",") end

describe("nn.Linear", function()
  it("has a weight (out, in) and a bias (out) that require grad", function()
    local l = nn.Linear(3, 4)
    assert.are.equal("4,3", shape(l.weight))
    assert.are.equal("4", shape(l.bias))
    assert.are.equal("float32", l.weight.dtype)
    assert.is_true(l.weight.requires_grad and l.weight.is_leaf)
    assert.is_true(l.bias.requires_grad and l.bias.is_leaf)
    assert.are.equal(3, l.in_features)
    assert.are.equal(4, l.out_features)
  end)

  it("maps (N, in) to (N, out) as x W^T + b, and (in) to (out)", function()
    local l = nn.Linear(3, 2, { dtype = "float64" })
    local x = gl.tensor({ { 1, 2, 3 }, { -1, 0, 0.5 } }, { dtype = "float64" })
    local y = l(x)
    assert.are.equal("2,2", shape(y))
    local W, b, X = l.weight:totable(), l.bias:totable(), x:totable()
    local want = {}
    for i = 1, 2 do
      for j = 1, 2 do
        local s = b[j]
        for k = 1, 3 do s = s + X[i][k] * W[j][k] end
        want[#want + 1] = s
      end
    end
    assert_values(want, y, 1e-12)
    assert.are.equal("2", shape(l(gl.tensor({ 1, 2, 3 }, { dtype = "float64" }))))
    assert.are.equal("5,7,2", shape(l(gl.zeros(5, 7, 3, { dtype = "float64" }))))
  end)

  it("draws weight and bias from U(-1/sqrt(in), 1/sqrt(in)) as PyTorch", function()
    gl.manual_seed(7)
    local l = nn.Linear(100, 300)
    local bound = 1 / math.sqrt(100)
    local w = l.weight
    assert.is_true(w:max():item() <= bound and w:min():item() >= -bound)
    assert.is_true(w:max():item() > 0.99 * bound and w:min():item() < -0.99 * bound)
    assert.is_near(0, w:mean():item(), 0.003)
    -- the variance of U(-b, b) is b^2 / 3
    assert.is_near(bound ^ 2 / 3, ((w - w:mean()) ^ 2):mean():item(), 2e-4)
    local b = l.bias
    assert.is_true(b:max():item() <= bound and b:min():item() >= -bound)
    assert.is_true(b:max():item() > 0.9 * bound and b:min():item() < -0.9 * bound)
  end)

  it("is reproducible with gl.manual_seed", function()
    gl.manual_seed(3)
    local a = nn.Linear(4, 5).weight:totable()
    gl.manual_seed(3)
    local b = nn.Linear(4, 5).weight:totable()
    assert.are.same(a, b)
  end)

  it("takes bias = false and a dtype", function()
    local l = nn.Linear(2, 3, { bias = false, dtype = "float64" })
    assert.is_nil(l.bias)
    assert.are.equal(1, #l:parameters())
    assert.are.equal("float64", l.weight.dtype)
    assert.are.equal("Linear(in_features=2, out_features=3, bias=false)", tostring(l))
    assert.is_nil(nn.Linear(2, 3, false).bias)
  end)

  it("names its bad arguments", function()
    assert.are.equal("bad argument #1 to 'nn.Linear' (in_features must be a positive integer, got 0)",
      err(nn.Linear, 0, 3))
    assert.are.equal("bad argument #2 to 'nn.Linear' (out_features must be a positive integer, got 2.5)",
      err(nn.Linear, 2, 2.5))
    assert.are.equal("bad argument #2 to 'nn.Linear' (out_features must be a positive integer, got nil)",
      err(nn.Linear, 2))
    assert.are.equal([[bad argument #3 to 'nn.Linear' (dtype must be "float32" or "float64", got "int64")]],
      err(nn.Linear, 2, 3, { dtype = "int64" }))
  end)

  it("points argument errors at the caller's line", function()
    -- (not a tail call: a tail call leaves no frame to blame)
    local ok, e = pcall(function() local l = nn.Linear(0, 1); return l end)
    assert.is_false(ok)
    assert.truthy(e:find("spec_nn.lua:%d+: bad argument #1 to 'nn.Linear'"))
    ok, e = pcall(function() local l = nn.Linear(1, 1, { dtype = "int64" }); return l end)
    assert.truthy(e:find("spec_nn.lua:%d+: bad argument #3 to 'nn.Linear'"))
    ok, e = pcall(function() local l = nn.cross_entropy(gl.zeros(2, 3), { 0, 1 }); return l end)
    assert.truthy(e:find("spec_nn.lua:%d+: bad argument #2 to 'nn.cross_entropy'"))
  end)

  it("says what is wrong with its input", function()
    local l = nn.Linear(2, 4)
    assert.are.equal("Linear(in_features=2, out_features=4): input (5,3) has 3 features in its last dim, expected 2",
      err(l, gl.zeros(5, 3)))
    assert.are.equal("Linear: input must be a tensor, got table", err(l, { 1, 2 }))
  end)
end)

describe("activations", function()
  local x = gl.tensor({ { -1, 0, 2 }, { 0.5, -3, 1 } }, { dtype = "float64" })

  it("ReLU, Tanh, Sigmoid work elementwise", function()
    assert_values({ 0, 0, 2, 0.5, 0, 1 }, nn.ReLU()(x), 0)
    assert_values({ math.tanh(-1), 0, math.tanh(2), math.tanh(0.5), math.tanh(-3), math.tanh(1) },
      nn.Tanh()(x), 1e-12)
    local s = function(v) return 1 / (1 + math.exp(-v)) end
    assert_values({ s(-1), s(0), s(2), s(0.5), s(-3), s(1) }, nn.Sigmoid()(x), 1e-12)
  end)

  it("Softmax and LogSoftmax work along a 1-based dim, the last by default", function()
    local p = nn.Softmax()(x)
    local e = { math.exp(-1), math.exp(0), math.exp(2) }
    local z = e[1] + e[2] + e[3]
    assert_values({ e[1] / z, e[2] / z, e[3] / z }, p[1], 1e-12)
    assert_values({ 1, 1 }, p:sum(2), 1e-12)
    assert_values({ 1, 1, 1 }, nn.Softmax(1)(x):sum(1), 1e-12)
    assert_values({ math.log(e[1] / z), math.log(e[2] / z), math.log(e[3] / z) }, nn.LogSoftmax(-1)(x)[1], 1e-12)
    assert.are.equal("Softmax(dim=-1)", tostring(nn.Softmax()))
    assert.are.equal("LogSoftmax(dim=2)", tostring(nn.LogSoftmax(2)))
    assert.are.equal("bad argument #1 to 'nn.Softmax' (dim must be a nonzero integer (1-based; -1 is the last), got 0)",
      err(nn.Softmax, 0))
  end)

  it("print as torch prints them", function()
    assert.are.equal("ReLU()", tostring(nn.ReLU()))
    assert.are.equal("Tanh()", tostring(nn.Tanh()))
    assert.are.equal("Sigmoid()", tostring(nn.Sigmoid()))
  end)
end)

describe("nn.Sequential", function()
  it("applies its layers in order and indexes them from 1", function()
    local model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    assert.are.equal(3, #model)
    assert.are.equal("ReLU()", tostring(model[2]))
    local x = gl.rand(10, 2)
    local manual = model[3](model[2](model[1](x)))
    assert.are.same(manual:totable(), model(x):totable())
    assert.are.equal("10,1", shape(model(x)))
  end)

  it("prints like torch's module repr", function()
    local model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    assert.are.equal([[
Sequential(
  (1): Linear(in_features=2, out_features=16, bias=true)
  (2): ReLU()
  (3): Linear(in_features=16, out_features=1, bias=true)
)]], tostring(model))
    local nested = nn.Sequential(nn.Sequential(nn.Linear(1, 2), nn.Tanh()), nn.Softmax(1))
    assert.are.equal([[
Sequential(
  (1): Sequential(
    (1): Linear(in_features=1, out_features=2, bias=true)
    (2): Tanh()
  )
  (2): Softmax(dim=1)
)]], tostring(nested))
  end)

  it("lists parameters in order, each once", function()
    local shared = nn.Linear(3, 3)
    local model = nn.Sequential(nn.Linear(2, 3), shared, nn.ReLU(), shared)
    local ps = model:parameters()
    assert.are.equal(4, #ps)
    assert.are.equal(model[1].weight, ps[1])
    assert.are.equal(model[1].bias, ps[2])
    assert.are.equal(shared.weight, ps[3])
    assert.are.equal(shared.bias, ps[4])
    local names = {}
    for name, p in model:named_parameters() do names[#names + 1] = name .. "=" .. shape(p) end
    assert.are.same({ "1.weight=3,2", "1.bias=3", "2.weight=3,3", "2.bias=3" }, names)
    assert.are.equal(6 + 3 + 9 + 3, model:num_parameters())
  end)

  it("takes a list, functions as layers, and add", function()
    local model = nn.Sequential({ nn.Linear(2, 2), function(x) return x * 2 end })
    assert.are.equal(2, #model)
    assert.are.equal("Lambda()", tostring(model[2]))
    model:add(nn.Sigmoid())
    assert.are.equal(3, #model)
    local x = gl.ones(1, 2)
    local want = (model[1](x) * 2):sigmoid()
    assert.are.same(want:totable(), model(x):totable())
    assert.are.equal("bad argument #2 to 'nn.Sequential' (module expected, got number)",
      err(nn.Sequential, nn.ReLU(), 3))
    assert.are.equal("bad argument #1 to 'add' (module expected, got string)", err(model.add, model, "relu"))
  end)

  it("zero_grad zeroes every parameter's gradient", function()
    local model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    model:zero_grad() -- no gradients yet: nothing to do
    local loss = model(gl.ones(4, 2)):sum()
    loss:backward()
    local nonzero = 0
    for _, p in ipairs(model:parameters()) do
      nonzero = nonzero + p.grad:abs():sum():item()
    end
    assert.is_true(nonzero > 0)
    assert.are.equal(model, model:zero_grad())
    for _, p in ipairs(model:parameters()) do
      assert.are.equal(0, p.grad:abs():sum():item())
    end
  end)

  it("keeps torch's training flag through train() and eval()", function()
    local model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU()))
    assert.is_true(model.training)
    assert.are.equal(model, model:eval())
    assert.is_false(model.training)
    assert.is_false(model[2][1].training)
    model:train()
    assert.is_true(model[2][1].training)
  end)

  it("frees intermediates between its built-in layers without the collector", function()
    local model = nn.Sequential(nn.Linear(2, 1000), nn.ReLU(), nn.Linear(1000, 1000), nn.Tanh(),
      nn.Linear(1000, 1))
    local x = gl.rand(100, 2)
    collectgarbage()
    collectgarbage("stop") -- only Sequential's own releases may free anything below
    local before = gl.live_bytes()
    local y
    gl.no_grad(function() y = model(x) end)
    -- four (100,1000) float32 intermediates were made; only y (100,1) may stay
    local grown = gl.live_bytes() - before
    collectgarbage("restart")
    assert.are.equal("100,1", shape(y))
    assert.is_true(grown <= 100 * 4, "live bytes grew by " .. grown)
  end)

  it("keeps intermediates a user's layer may hold", function()
    local seen_in, seen_out
    local Keep = nn.Module("Keep")
    function Keep:forward(x) seen_in = x; return x * 1 end
    local model = nn.Sequential(nn.Linear(2, 3), Keep(), nn.ReLU(),
      function(x) seen_out = x; return x end, nn.Tanh(), nn.Sequential(), nn.Sigmoid())
    local x = gl.rand(4, 2)
    local y = model(x)
    local want = model[1](x)
    assert.are.same(want:totable(), seen_in:totable())             -- input of a user module
    assert.are.same(want:relu():totable(), seen_out:totable())      -- output of a built-in into a Lambda
    assert.are.same(want:relu():tanh():sigmoid():totable(), y:totable()) -- the empty Sequential passes x on
    assert.is_true(gl.is_tensor(x))                                 -- the caller's input is never released
    -- gradients through released intermediates equal the unreleased chain's
    local plain = model[7](model[5](model[3](model[1](x))))
    model:zero_grad()
    model(x):sum():backward()
    local wg = model[1].weight.grad:clone()
    model:zero_grad()
    plain:sum():backward()
    assert.are.same(wg:totable(), model[1].weight.grad:totable())
  end)

  it("converts its parameters with double() and float()", function()
    local model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    local before = model[1].weight:totable()
    model:double()
    for _, p in ipairs(model:parameters()) do
      assert.are.equal("float64", p.dtype)
      assert.is_true(p.requires_grad and p.is_leaf)
    end
    assert.are.equal(4, #model:parameters())
    assert.are.same(before, model[1].weight:float():totable())
    assert.are.equal("float64", model(gl.ones(1, 2, { dtype = "float64" })).dtype)
    model:float()
    assert.are.equal("float32", model[3].bias.dtype)
  end)
end)

describe("nn.MLP", function()
  it("builds Linear layers with the activation between them", function()
    local m = nn.MLP{ 2, 16, 16, 1, activation = "relu" }
    assert.are.equal([[
MLP(
  (1): Linear(in_features=2, out_features=16, bias=true)
  (2): ReLU()
  (3): Linear(in_features=16, out_features=16, bias=true)
  (4): ReLU()
  (5): Linear(in_features=16, out_features=1, bias=true)
)]], tostring(m))
    assert.are.equal(6, #m:parameters())
    assert.are.equal(2 * 16 + 16 + 16 * 16 + 16 + 16 + 1, m:num_parameters())
    assert.are.equal("7,1", shape(m(gl.rand(7, 2))))
  end)

  it("takes tanh, sigmoid, an output activation and a dtype", function()
    local m = nn.MLP{ 3, 4, 2, activation = "tanh", output_activation = "sigmoid", dtype = "float64" }
    assert.are.equal("Tanh()", tostring(m[2]))
    assert.are.equal("Sigmoid()", tostring(m[4]))
    assert.are.equal(4, #m)
    assert.are.equal("float64", m[3].weight.dtype)
    assert.are.equal("Sigmoid()", tostring(nn.MLP{ 1, 2, 1, activation = "sigmoid" }[2]))
    assert.are.equal("Tanh()", tostring(nn.MLP{ 1, 2, 1, activation = nn.Tanh }[2]))
    assert.are.equal(1, #nn.MLP{ 5, 1 })
  end)

  it("names bad specifications", function()
    assert.are.equal([[bad argument #1 to 'nn.MLP' (activation "gelu" unknown (use "relu", "tanh" or "sigmoid"))]],
      err(nn.MLP, { 2, 3, 1, activation = "gelu" }))
    assert.are.equal("bad argument #1 to 'nn.MLP' (at least two layer sizes expected (inputs and outputs), got 1)",
      err(nn.MLP, { 2 }))
    assert.are.equal("bad argument #1 to 'nn.MLP' (layer size 2 must be a positive integer, got 0)",
      err(nn.MLP, { 2, 0, 1 }))
    assert.are.equal("bad argument #1 to 'nn.MLP' (table of layer sizes expected, e.g. nn.MLP{2, 16, 16, 1}, got number)",
      err(nn.MLP, 2))
  end)
end)

describe("nn.Module", function()
  it("makes classes whose tensor fields are parameters, in definition order", function()
    local Net = nn.Module("Net")
    function Net:init(hidden)
      self.fc1 = nn.Linear(2, hidden)
      self.scale = gl.ones(1):requires_grad_(true)
      self.fixed = gl.ones(1)          -- does not require grad: not a parameter
      self.fc2 = nn.Linear(hidden, 1)
    end
    function Net:forward(x) return self.fc2(self.fc1(x):tanh()) * self.scale end
    local net = Net(8)
    assert.is_true(nn.is_module(net))
    local names = {}
    for name in net:named_parameters() do names[#names + 1] = name end
    assert.are.same({ "fc1.weight", "fc1.bias", "scale", "fc2.weight", "fc2.bias" }, names)
    assert.are.equal("3,1", shape(net(gl.rand(3, 2))))
    assert.are.equal([[
Net(
  (fc1): Linear(in_features=2, out_features=8, bias=true)
  (fc2): Linear(in_features=8, out_features=1, bias=true)
)]], tostring(net))
    -- a field removed and assigned again keeps its place, once
    net.fc1 = nil
    net.fc1 = nn.Linear(2, 8)
    names = {}
    for name in net:named_parameters() do names[#names + 1] = name end
    assert.are.same({ "fc1.weight", "fc1.bias", "scale", "fc2.weight", "fc2.bias" }, names)
    local Bare = nn.Module("Bare")
    assert.are.equal("Bare: no forward; define function Bare:forward(x)", err(Bare(), gl.ones(1)))
  end)
end)

describe("losses", function()
  local f64 = { dtype = "float64" }

  it("mse_loss: mean, sum and none of the squared differences", function()
    local p = gl.tensor({ 1, 2, 3, 4 }, f64)
    local t = gl.tensor({ 1.5, 2, 2, 6 }, f64)
    -- squares 0.25, 0, 1, 4
    assert.is_near(5.25 / 4, nn.mse_loss(p, t):item(), 1e-15)
    assert.is_near(5.25, nn.mse_loss(p, t, { reduction = "sum" }):item(), 1e-15)
    assert_values({ 0.25, 0, 1, 4 }, nn.mse_loss(p, t, { reduction = "none" }), 1e-15)
    assert_values({ 0.25, 0, 1, 4 }, nn.mse_loss(p, t, "none"), 1e-15)
    assert.is_near(5.25 / 4, nn.mse_loss(p, { 1.5, 2, 2, 6 }):item(), 1e-15)
  end)

  it("mse_loss's gradient is 2 (pred - target) / N", function()
    local p = gl.tensor({ 1, 2, 3, 4 }, { dtype = "float64", requires_grad = true })
    nn.mse_loss(p, gl.tensor({ 1.5, 2, 2, 6 }, f64)):backward()
    assert_values({ -0.25, 0, 0.5, -1 }, p.grad, 1e-15)
  end)

  it("mse_loss broadcasts (N,1) against (N) to (N,N), as torch (the seed's scenario 2)", function()
    local prev = gl.broadcast_mode and gl.broadcast_mode("allow")
    local pred = gl.tensor({ { 1 }, { 2 } }, f64)
    local y = gl.tensor({ 1, 2 }, f64)
    -- (N,N) differences 0 -1 / 1 0: mean of squares 0.5
    assert.is_near(0.5, nn.mse_loss(pred, y):item(), 1e-15)
    assert.are.equal("2,2", shape(nn.mse_loss(pred, y, "none")))
    if prev then gl.broadcast_mode(prev) end
  end)

  it("bce_loss: the seed's scenario 1 values", function()
    local t = gl.tensor({ 1, 0, 0, 0 }, f64)
    local cases = {
      { { 0.1, 0.9, 0.1, 0.1 }, 1.203972804325936 },
      { { 0.1, 0.1, 0.1, 0.9 }, 1.203972804325936 },
      { { 0.1, 0.1, 0.1, 0.75 }, 0.9749001213573971 },
      { { 0.45, 0.1, 0.1, 0.9 }, 0.8279534551318675 },
    }
    for _, c in ipairs(cases) do
      assert.is_near(c[2], nn.bce_loss(gl.tensor(c[1], f64), t):item(), 1e-14)
    end
    assert.is_near(4 * 1.203972804325936,
      nn.bce_loss(gl.tensor(cases[1][1], f64), t, { reduction = "sum" }):item(), 1e-13)
    assert_values({ -math.log(0.1), -math.log(0.1), -math.log(0.9), -math.log(0.9) },
      nn.bce_loss(gl.tensor(cases[1][1], f64), t, "none"), 1e-14)
    -- float32, as the golden values say
    assert.is_near(1.2039728164672852, nn.bce_loss(gl.tensor(cases[1][1]), gl.tensor{ 1, 0, 0, 0 }):item(), 3e-7)
  end)

  it("bce_loss refuses values outside [0, 1]", function()
    assert.are.equal("bad argument #1 to 'nn.bce_loss' (probabilities in [0, 1] expected, got values in [-0.5, 2]; for logits use nn.Sigmoid() first)",
      err(nn.bce_loss, gl.tensor{ 2, -0.5 }, gl.tensor{ 1, 0 }))
  end)

  it("cross_entropy with 1-based class labels", function()
    local logits = gl.tensor({ { 1, 2, 3 }, { 1, 0, -1 } }, f64)
    local lse1 = math.log(math.exp(1) + math.exp(2) + math.exp(3))
    local lse2 = math.log(math.exp(1) + math.exp(0) + math.exp(-1))
    local l1, l2 = lse1 - 3, lse2 - 1    -- labels 3 and 1
    assert.is_near((l1 + l2) / 2, nn.cross_entropy(logits, { 3, 1 }):item(), 1e-14)
    assert.is_near(l1 + l2, nn.cross_entropy(logits, { 3, 1 }, { reduction = "sum" }):item(), 1e-14)
    assert_values({ l1, l2 }, nn.cross_entropy(logits, gl.tensor({ 3, 1 }, { dtype = "int64" }), "none"), 1e-14)
    -- float tensors of whole numbers are labels too (gl.tensor{3, 1} is float32)
    assert.is_near((l1 + l2) / 2, nn.cross_entropy(logits, gl.tensor{ 3, 1 }):item(), 1e-6)
    -- one sample: logits (C) and one label
    assert.is_near(l1, nn.cross_entropy(gl.tensor({ 1, 2, 3 }, f64), 3):item(), 1e-14)
  end)

  it("cross_entropy with one-hot rows or probabilities", function()
    local logits = gl.tensor({ { 1, 2, 3 }, { 1, 0, -1 } }, f64)
    local by_label = nn.cross_entropy(logits, { 3, 1 }):item()
    assert.is_near(by_label, nn.cross_entropy(logits, nn.one_hot({ 3, 1 }, 3):double()):item(), 1e-14)
    -- the seed's scenario 1, as softmax + categorical cross-entropy: ln 12 for both
    local a = gl.tensor({ 0.1, 0.9, 0.1, 0.1 }, f64):log()
    local b = gl.tensor({ 0.1, 0.1, 0.1, 0.9 }, f64):log()
    assert.is_near(2.484906649788, nn.cross_entropy(a, 1):item(), 1e-12)
    assert.is_near(2.484906649788, nn.cross_entropy(b, 1):item(), 1e-12)
    assert.is_near(2.484906649788,
      nn.cross_entropy(a:reshape(1, 4), gl.tensor({ { 1, 0, 0, 0 } }, f64)):item(), 1e-12)
  end)

  it("cross_entropy names bad labels", function()
    local logits = gl.zeros(2, 3)
    assert.are.equal("bad argument #2 to 'nn.cross_entropy' (class label 0 is out of range 1..3: labels are 1-based; add 1 to 0-based labels from Python)",
      err(nn.cross_entropy, logits, { 0, 1 }))
    assert.are.equal("bad argument #2 to 'nn.cross_entropy' (class label 4 is out of range 1..3: labels are 1-based)",
      err(nn.cross_entropy, logits, { 4, 1 }))
    assert.are.equal("bad argument #2 to 'nn.cross_entropy' (class labels of shape (2) expected for logits (2,3), got (3))",
      err(nn.cross_entropy, logits, { 1, 2, 3 }))
    assert.are.equal("bad argument #2 to 'nn.cross_entropy' (class labels must be whole numbers; got a float32 tensor that holds others (probabilities must have the logits' shape))",
      err(nn.cross_entropy, logits, gl.tensor{ 1.5, 2 }))
    assert.are.equal([[bad argument #3 to 'nn.cross_entropy' (reduction must be "mean", "sum" or "none", got "avg")]],
      err(nn.cross_entropy, logits, { 1, 2 }, { reduction = "avg" }))
  end)

  it("one_hot: 1082 labels in 26 classes make (1082,26) rows summing to 1", function()
    local labels = {}
    for i = 1, 1082 do labels[i] = (i * 7) % 26 + 1 end
    local oh = nn.one_hot(labels, 26)
    assert.are.equal("1082,26", shape(oh))
    assert.are.equal("float32", oh.dtype)
    local sums = oh:sum(2)
    assert.are.equal(1, sums:min():item())
    assert.are.equal(1, sums:max():item())
    assert.are.same(gl.tensor(labels, { dtype = "int64" }):totable(), oh:argmax(2):totable())
  end)

  it("one_hot: values, the default class count, tensors of labels", function()
    assert.are.same({ { 0, 1, 0 }, { 1, 0, 0 }, { 0, 0, 1 } }, nn.one_hot({ 2, 1, 3 }):totable())
    assert.are.same({ { 0, 1, 0, 0 } }, nn.one_hot(gl.tensor({ 2 }, { dtype = "int64" }), 4):totable())
    assert.are.equal("bad argument #1 to 'nn.one_hot' (class label 0 is out of range 1..4: labels are 1-based; add 1 to 0-based labels from Python)",
      err(nn.one_hot, { 0, 1 }, 4))
    assert.are.equal("bad argument #1 to 'nn.one_hot' (class label 5 is out of range 1..4: labels are 1-based)",
      err(nn.one_hot, { 5, 1 }, 4))
    assert.are.equal("bad argument #2 to 'nn.one_hot' (nclasses must be a positive integer, got 0)",
      err(nn.one_hot, { 1 }, 0))
  end)
end)

describe("help", function()
  it("every public function of gl.nn has a signature", function()
    if not gl.doc then return end
    for _, name in ipairs{ "Linear", "ReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Sequential",
      "MLP", "Module", "Lambda", "mse_loss", "bce_loss", "cross_entropy", "one_hot", "fit", "is_module" } do
      local sig = gl.doc(nn[name])
      assert.is_string(sig, name)
      assert.truthy(sig:find("nn." .. name, 1, true), name)
    end
    local sig, doc = gl.doc(nn.one_hot)
    assert.truthy(doc:find("1-based", 1, true))
    assert.truthy(select(2, gl.doc(nn.cross_entropy)):find("1-based", 1, true))
    local model = nn.Sequential(nn.Linear(1, 1))
    assert.are.equal("model:parameters()", gl.doc(model.parameters))
    assert.are.equal("model:zero_grad()", gl.doc(model.zero_grad))
  end)
end)
