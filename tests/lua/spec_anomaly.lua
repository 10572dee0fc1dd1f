-- gl.detect_anomaly: the first NaN or Inf made in forward or backward is an
-- error naming the op and the Lua line that created it (gradlab's own
-- lua/lib frames skipped, so an op inside nn names the user's line).
-- Run from the repo root: busted --lua=lua5.4 -p spec_ tests/lua
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err
local nn = gl.nn

-- "source:line" of the caller's line, plus delta lines.
local function here(delta)
  local info = debug.getinfo(2, "Sl")
  return info.short_src .. ":" .. (info.currentline + (delta or 0))
end

describe("gl.detect_anomaly", function()
  after_each(function() gl.detect_anomaly(false) end)

  it("is off by default; sets, returns the previous setting, and answers a query", function()
    assert.is_false(gl.detect_anomaly())
    assert.is_false(gl.is_anomaly_enabled())
    assert.is_false(gl.detect_anomaly(true))
    assert.is_true(gl.detect_anomaly())
    assert.is_true(gl.is_anomaly_enabled())
    assert.is_true(gl.detect_anomaly(false))
    assert.is_false(gl.detect_anomaly())
    assert.are.equal("bad argument #1 to 'detect_anomaly' (boolean or function expected, got string)",
      err(function() gl.detect_anomaly("on") end))
  end)

  it("with a function: on for that call, restored after it, also when it raises", function()
    local a, b = gl.detect_anomaly(function(k) return gl.detect_anomaly(), k end, 7)
    assert.is_true(a)
    assert.are.equal(7, b)
    assert.is_false(gl.detect_anomaly())
    local x = gl.tensor{ 0, 1 }
    local site = here(1)
    local msg = err(function() gl.detect_anomaly(function() return x:log() end) end)
    assert.are.equal("anomaly: log produced -inf in forward at " .. site
      .. " (input (2) had no nan/inf)", msg)
    assert.is_false(gl.detect_anomaly())
  end)

  it("names the forward op, its line and its inputs' shapes", function()
    gl.detect_anomaly(true)
    local x = gl.tensor({ 0, 1, 2 }, { requires_grad = true })
    local site = here(1)
    local msg = err(function() return x:log() end)
    assert.are.equal("anomaly: log produced -inf in forward at " .. site
      .. " (input (3) had no nan/inf)", msg)
    site = here(1)
    msg = err(function() return x / 0 end)
    assert.are.equal("anomaly: div produced nan and inf in forward at " .. site
      .. " (inputs (3) and () had no nan/inf)", msg)
    site = here(1)
    msg = err(function() return gl.tensor{ -1, 4 }:sqrt() end)
    assert.are.equal("anomaly: sqrt produced nan in forward at " .. site
      .. " (input (2) had no nan/inf)", msg)
  end)

  it("names the user's line for an op made inside gl.nn", function()
    gl.detect_anomaly(true)
    gl.manual_seed(1)
    local lin = nn.Linear(3, 1)
    gl.no_grad(function() lin.weight:fill_(1e30) end)
    -- (not `return lin(...)`: a Lua tail call drops the frame that has the line)
    local site = here(1)
    local msg = err(function() local out = lin(gl.tensor{ { 1e10, 2e10, 3e10 } }); return out end)
    assert.are.equal("anomaly: linear produced inf in forward at " .. site
      .. " (inputs (1,3), (1,3) and (1) had no nan/inf)", msg)
  end)

  it("passes on nan/inf an input already had", function()
    gl.detect_anomaly(true)
    local x = gl.tensor{ 0 / 0, 1, math.huge }
    local y = (x * 2):sum()
    assert.is_true(y:item() ~= y:item())
    -- a loss against a target with nan: the target brought it
    local l = nn.mse_loss(gl.tensor{ 1, 2 }, gl.tensor{ 0 / 0, 1 })
    assert.is_true(l:item() ~= l:item())
  end)

  it("names the op whose backward made the first nan/inf, where it was created, and the input", function()
    gl.detect_anomaly(true)
    local x = gl.tensor({ 0, 1, 4 }, { requires_grad = true })
    local site = here(1)
    local y = x:sqrt()                        -- sqrt(0) = 0, but its gradient is inf
    local msg = err(function() y:sum():backward() end)
    assert.are.equal("anomaly: the backward of 'sqrt' (created at " .. site
      .. ") produced inf for input 1", msg)

    local a = gl.tensor({ 1, 1 }, { requires_grad = true })
    local b = gl.tensor({ 1e-20, 1 }, { requires_grad = true })
    site = here(1)
    local q = a / b                           -- finite; d/db = -a/b^2 overflows float32
    msg = err(function() q:sum():backward() end)
    assert.are.equal("anomaly: the backward of 'div' (created at " .. site
      .. ") produced -inf for input 2", msg)
  end)

  it("names no line for a node made while it was off", function()
    local x = gl.tensor({ 0, 1 }, { requires_grad = true })
    local y = x:sqrt()
    gl.detect_anomaly(true)
    assert.are.equal("anomaly: the backward of 'sqrt' produced inf for input 1",
      err(function() y:sum():backward() end))
  end)

  it("stops nn.fit at the op that made the first nan, with the user's line", function()
    gl.detect_anomaly(true)
    gl.manual_seed(3)
    local x = gl.tensor{ { 1 }, { 2 }, { 0 } }
    local y = gl.tensor{ { 0 }, { 1 }, { 2 } }
    local site = here(1)
    local model = function(t) return (t + 0):log() end   -- log(0) = -inf on row 3
    local msg = err(function()
      nn.fit{ model = model, x = x, y = y, epochs = 2, quiet = true,
              params = { gl.zeros(1, { requires_grad = true }) } }
    end)
    assert.are.equal("anomaly: log produced -inf in forward at " .. site
      .. " (input (3,1) had no nan/inf)", msg)
  end)

  it("names an optimizer step that made a finite parameter inf", function()
    gl.detect_anomaly(true)
    local w = gl.tensor({ 1, 2 }, { requires_grad = true })
    local opt = gl.optim.SGD({ w }, { lr = 1e38 })
    local loss = (w * gl.tensor{ 1e10, 0 }):sum()  -- grad (1e10, 0): w[1] -= 1e48
    loss:backward()
    assert.are.equal("anomaly: SGD's step made parameter 1 (shape (2)) -inf (lr = 1e+38)",
      err(function() opt:step() end))
    -- the step is complete: the parameter has its new value
    assert.are.same({ -math.huge, 2 }, w:totable())
    -- a parameter that was inf before is not blamed on the next step
    w.grad:zero_()
    opt:step()
  end)

  it("costs nothing when off: nan flows silently", function()
    local x = gl.tensor({ 0, 1 }, { requires_grad = true })
    local y = x:log():sum()
    y:backward()
    assert.are.equal(math.huge, x.grad:totable()[1])
  end)
end)
