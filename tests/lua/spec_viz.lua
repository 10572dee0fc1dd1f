-- gl.viz: surfaces (from functions and from tensors), loss plots, heat maps,
-- saving PNGs, closing and reopening, and nn.fit{plot = true}. Headless:
-- tests/run.sh sets SDL_VIDEODRIVER=offscreen, so nothing appears on screen.
-- Run from the repo root: SDL_VIDEODRIVER=offscreen busted --lua=lua5.4 -p spec_viz tests/lua
local helpers = dofile("tests/lua/helpers.lua")
local gl, err = helpers.gl, helpers.err
local viz = gl.viz

-- Runs fn with io.stderr replaced; returns what was written to it.
local function capture_stderr(fn)
  local real = io.stderr
  local buf = {}
  io.stderr = { write = function(self, ...)
    for _, s in ipairs({ ... }) do buf[#buf + 1] = tostring(s) end
    return self
  end, flush = function() end }
  local ok, e = pcall(fn)
  io.stderr = real
  if not ok then error(e, 0) end
  return table.concat(buf)
end

-- Paths for pictures the tests save; every one made is removed at the end.
local tmpdir = os.getenv("TMPDIR") or "/tmp"
local made = {}
local function tmp_png(name)
  local path = string.format("%s/gradlab-spec-viz-%d-%s.png", tmpdir, math.random(1 << 30), name)
  made[#made + 1] = path
  return path
end
local function remove_made()
  for _, path in ipairs(made) do os.remove(path) end -- nil (no such file) is fine
  made = {}
end

-- Width and height from a PNG's IHDR chunk (and checks the signature).
local function png_size(path)
  local f = assert(io.open(path, "rb"))
  local head = f:read(24)
  f:close()
  assert.are.equal("\137PNG\r\n\26\n", head:sub(1, 8))
  assert.are.equal("IHDR", head:sub(13, 16))
  local w, h = string.unpack(">I4I4", head, 17)
  return w, h
end

local function bowl(p)
  local x, y = p[{ {}, { 1 } }], p[{ {}, { 2 } }]
  return x * x + y * y                -- (M,1)
end

describe("gl.viz", function()
  before_each(function() viz.close() end)
  teardown(function() viz.close() end)

  it("exists, with a doc string for each function", function()
    for _, name in ipairs{ "surface", "loss", "heatmap", "save", "close", "wait", "pump" } do
      assert.is_function(viz[name], name)
      local sig, doc = gl.doc(viz[name])
      assert.is_truthy(sig and sig:match("^viz%." .. name), name)
      assert.is_true(#doc > 20, name)
    end
    assert.is_truthy(gl.doc(viz.surface):match("n = 50"))  -- the defaults are documented
  end)

  it("works headless", function()
    if os.getenv("SDL_VIDEODRIVER") == "offscreen" then assert.is_true(viz.headless()) end
    assert.is_false(viz.is_open())
    assert.is_false(viz.pump())
    viz.wait()                                    -- nothing open: returns at once
  end)
end)

describe("viz.surface", function()
  before_each(function() viz.close() end)
  teardown(function() viz.close() end)

  it("evaluates each function once on the (n*n, 2) grid, in i*n+j order, under no_grad", function()
    local calls, seen = 0, nil
    local function model(p)
      calls = calls + 1
      seen = { shape = p.shape, dtype = p.dtype, grad = gl.is_grad_enabled(), rows = p:totable() }
      return bowl(p)
    end
    viz.surface{ target = bowl, model = model, xlim = { -2, 2 }, ylim = { 0, 1 }, n = 5, title = "grid" }
    assert.are.equal(1, calls)
    assert.are.same({ 25, 2 }, seen.shape)
    assert.are.equal("float32", seen.dtype)
    assert.is_false(seen.grad)
    assert.is_true(gl.is_grad_enabled())         -- restored afterwards
    local r = seen.rows
    assert.are.same({ -2, 0 }, r[1])              -- (x_1, y_1)
    assert.are.same({ -2, 0.25 }, r[2])           -- y runs fastest: row i*n+j
    assert.are.same({ -1, 0 }, r[6])              -- x_2
    assert.are.same({ 2, 1 }, r[25])              -- exactly the upper limits
    assert.is_true(viz.is_open())
  end)

  it("takes n-by-n tensors as they are, n from their size", function()
    gl.manual_seed(1)
    viz.surface{ target = gl.rand(30, 30), model = gl.rand(30, 30, { dtype = "float64" }), title = "tensors" }
    viz.surface{ target = gl.rand(900), model = gl.rand(900, 1), n = 30, title = "tensors" }
    assert.are.equal("viz.surface: model is a (20,20) tensor; expected 30x30 = 900 values (n = 30)",
      err(viz.surface, { target = gl.rand(30, 30), model = gl.rand(20, 20) }))
    assert.are.equal("viz.surface: target is a (30,30) tensor; expected 10x10 = 100 values (n = 10)",
      err(viz.surface, { target = gl.rand(30, 30), n = 10 }))
  end)

  it("accepts (M) and (M,1) results, and modules as functions", function()
    viz.surface{ model = function(p) return bowl(p):reshape(-1) end, n = 10 }
    gl.manual_seed(3)
    local mlp = gl.nn.MLP{ 2, 8, 1 }
    viz.surface{ model = mlp, n = 10 }
  end)

  it("says what a model returned when it is not one value per grid point", function()
    assert.are.equal("viz.surface: model returned a (2500,3) tensor; expected 2500 values (one per grid point)",
      err(viz.surface, { model = function() return gl.zeros(2500, 3) end }))
    assert.are.equal("viz.surface: target returned a (50,50,2) tensor; expected 2500 values (one per grid point)",
      err(viz.surface, { target = function() return gl.zeros(50, 50, 2) end }))
    assert.are.equal("viz.surface: model returned nothing; expected a tensor of 100 values (one per grid point)",
      err(viz.surface, { model = function() end, n = 10 }))
    assert.are.equal("viz.surface: model returned number; expected a tensor of 100 values (one per grid point)",
      err(viz.surface, { model = function() return 1 end, n = 10 }))
    -- the function's own error, unchanged
    assert.are.equal("boom", err(viz.surface, { model = function() error("boom", 0) end }))
    assert.is_true(gl.is_grad_enabled())
  end)

  it("checks its options", function()
    assert.are.equal("viz.surface: give target and/or model (each a function of an (M,2) tensor of grid "
      .. "points, or an n-by-n tensor)", err(viz.surface, { title = "x" }))
    assert.are.equal("viz.surface: model must be a function of an (M,2) tensor of grid points or an n-by-n "
      .. "tensor, got string", err(viz.surface, { model = "f" }))
    assert.are.equal("viz.surface: unknown option 'xlims'", err(viz.surface, { model = bowl, xlims = { 0, 1 } }))
    assert.are.equal("viz.surface: n must be a whole number in 2..1000, got 1", err(viz.surface, { model = bowl, n = 1 }))
    assert.are.equal("viz.surface: xlim = {2.0, 1.0}: lo must be less than hi",
      err(viz.surface, { model = bowl, xlim = { 2, 1 } }))
    assert.are.equal("viz.surface: ylim must be {lo, hi}, two finite numbers, got a table of 1 values",
      err(viz.surface, { model = bowl, ylim = { 1 } }))
    assert.are.equal("viz.surface: expected a table of options, e.g. viz.surface{...}, got number",
      err(viz.surface, 3))
    assert.is_false(viz.is_open())                -- nothing drawn by a failing call
  end)

  it("updates a pane in place: model every call, target only when it changes", function()
    local tcalls, mcalls = 0, 0
    local function target(p) tcalls = tcalls + 1; return bowl(p) end
    local function model(p) mcalls = mcalls + 1; return bowl(p) * 0.5 end
    local opts = { target = target, model = model, n = 8, title = "fit" }
    viz.surface(opts)
    viz.save(tmp_png("update"))                   -- evaluates what waits for a frame
    viz.surface(opts)
    viz.save(tmp_png("update"))
    assert.are.equal(1, tcalls)
    assert.are.equal(2, mcalls)
    viz.surface{ target = function(p) tcalls = tcalls + 1; return bowl(p) end, model = model, n = 8, title = "fit" }
    viz.save(tmp_png("update"))
    assert.are.equal(2, tcalls)
    viz.surface{ target = target, model = model, n = 9, title = "fit" } -- a new grid: everything again
    assert.are.equal(3, tcalls)
  end)

  it("evaluates a loop's calls only as often as the window draws, the last one at save", function()
    local mcalls, last = 0, nil
    local opts = { target = bowl, n = 20, title = "loop" }
    for step = 1, 200 do
      opts.model = function(p) mcalls = mcalls + 1; last = step; return bowl(p) * step end
      viz.surface(opts)
    end
    assert.is_true(mcalls >= 1 and mcalls < 50, "model evaluated " .. mcalls .. " times for 200 calls")
    viz.save(tmp_png("loop"))
    assert.are.equal(200, last)                   -- the picture has the latest model
  end)

  it("warns once about NaN values and draws the rest", function()
    local out = capture_stderr(function()
      for _ = 1, 2 do
        viz.surface{ model = function(p) return bowl(p):log() end, n = 5, title = "holes" } -- -inf at (0,0)
        viz.save(tmp_png("nan"))
      end
      viz.surface{ model = function(p) return bowl(p):sqrt() * (0 / 0) end, n = 3, title = "all nan" }
    end)
    local _, count = out:gsub("warning: ", "")
    assert.are.equal(2, count, out)
    assert.is_truthy(out:find("viz.surface 'all nan': 9 of the values are NaN or Inf", 1, true), out)
  end)
end)

describe("viz.loss", function()
  before_each(function() viz.close() end)
  teardown(function() viz.close() end)

  it("plots three named series and skips NaN/Inf with one warning per series", function()
    local plot = viz.loss{ title = "losses", log = true }
    assert.are.equal("viz loss plot 'losses'", tostring(plot))
    local out = capture_stderr(function()
      for epoch = 1, 20 do
        plot:add("train", epoch, 1 / epoch)
        plot:add("val", epoch, gl.tensor{ 2 / epoch })      -- a one-element tensor
        plot:add("sgd", gl.tensor(epoch), 3 / epoch)
      end
      plot:add("train", 21, 0 / 0)
      plot:add("train", 22, 0 / 0)
      plot:add("train", 23, math.huge)
      plot:add("val", 21, -math.huge)
      plot:add("train", 24, 0.01)
    end)
    assert.are.equal(
      "warning: viz loss plot 'losses': series 'train': y is nan at x = 21, point skipped "
        .. "(later NaN/Inf points of this series are skipped without a warning)\n"
        .. "warning: viz loss plot 'losses': series 'val': y is -inf at x = 21, point skipped "
        .. "(later NaN/Inf points of this series are skipped without a warning)\n", out)
    assert.is_true(viz.is_open())
    local path = tmp_png("loss")
    viz.save(path)
    assert.are.same({ 1200, 800 }, { png_size(path) })
    os.remove(path)
  end)

  it("takes plot:add(x, y) for the series \"loss\", a title string, and switches to log", function()
    local plot = viz.loss("just a title")
    plot:add(1, 0.5)
    plot:add(2, 0.25)
    plot:set_log(true)
    plot:set_log(false)
  end)

  it("checks its arguments", function()
    local plot = viz.loss{ title = "args" }
    assert.are.equal("plot:add: y must be a number or a one-element tensor, got string",
      err(plot.add, plot, "a", 1, "x"))
    assert.are.equal("plot:add: y must be a number or a one-element tensor, got a (2) tensor",
      err(plot.add, plot, "a", 1, gl.tensor{ 1, 2 }))
    assert.are.equal("plot:add: x must be finite (got inf)", err(plot.add, plot, "a", math.huge, 1))
    for i = 1, 10 do plot:add("s" .. i, 1, 1) end
    assert.are.equal("plot:add: plot 'args' has 10 series already, the most it can show",
      err(plot.add, plot, "s11", 1, 1))
    assert.are.equal("viz.loss: unknown option 'logy'", err(viz.loss, { logy = true }))
  end)

  it("is freed by the collector, its pane staying", function()
    local plot = viz.loss{ title = "collected" }
    plot:add("a", 1, 1)
    plot = nil -- luacheck: ignore
    collectgarbage()
    collectgarbage()
    viz.save(tmp_png("collected"))
  end)
end)

describe("viz.heatmap", function()
  before_each(function() viz.close() end)
  teardown(function() viz.close() end)

  it("shows a 2-D tensor (or nested table), with or without an extent", function()
    gl.manual_seed(5)
    viz.heatmap{ values = gl.rand(10, 20), xlim = { -2, 2 }, ylim = { -1, 1 }, title = "weights" }
    viz.heatmap{ values = { { 1, 2, 3 }, { 4, 5, 6 } }, title = "matrix" }
    viz.heatmap{ values = gl.rand(20, 10), title = "weights" }  -- the same pane, new shape
    assert.is_true(viz.is_open())
  end)

  it("checks its arguments", function()
    assert.are.equal("viz.heatmap: values must be a 2-D tensor, got a (5) tensor",
      err(viz.heatmap, { values = gl.rand(5) }))
    assert.are.equal("viz.heatmap: values (a 2-D tensor) required", err(viz.heatmap, {}))
    assert.are.equal("viz.heatmap: give both xlim and ylim (the extent) or neither (a matrix view)",
      err(viz.heatmap, { values = gl.rand(2, 2), xlim = { 0, 1 } }))
  end)
end)

describe("viz.save, viz.close", function()
  before_each(function() viz.close() end)
  after_each(function()
    viz.close()
    viz.size(1200, 800)
  end)

  it("writes a PNG of the window's size", function()
    viz.surface{ target = bowl, model = bowl, n = 10 }
    local path = tmp_png("size")
    viz.save(path)
    assert.are.same({ 1200, 800 }, { png_size(path) })
    viz.close()
    viz.size(640, 480)
    viz.heatmap{ values = gl.rand(4, 4) }
    viz.save(path)
    assert.are.same({ 640, 480 }, { png_size(path) })
    os.remove(path)
  end)

  it("names the path it cannot write, and says when nothing is open", function()
    assert.are.equal("viz.save: nothing to save: no window is open", err(viz.save, tmp_png("none")))
    viz.heatmap{ values = gl.rand(2, 2) }
    local e = err(viz.save, "/nonexistent-dir/fit.png")
    assert.is_truthy(e:find("^viz.save: cannot write '/nonexistent%-dir/fit.png'"), e)
    assert.are.equal("viz.size: width and height must be in 200..8192, got 10, 10", err(viz.size, 10, 10))
  end)

  it("closes and reopens; a loss plot outlives the window", function()
    local plot = viz.loss{ title = "survivor" }
    plot:add("a", 1, 1)
    viz.surface{ model = bowl, n = 5 }
    assert.is_true(viz.is_open())
    viz.close()
    assert.is_false(viz.is_open())
    viz.close()                                   -- twice is fine
    plot:add("a", 2, 0.5)                         -- shows the plot again
    assert.is_true(viz.is_open())
    viz.surface{ model = bowl, n = 5 }            -- a fresh surface pane
    local path = tmp_png("reopen")
    viz.save(path)
    assert.are.same({ 1200, 800 }, { png_size(path) })
    os.remove(path)
  end)
end)

describe("nn.fit{plot = true}", function()
  before_each(function() viz.close() end)
  teardown(function() viz.close() end)

  -- y = x1 x2 on n seeded points: x (n,2) in [0,2) x [-1,1), y (n,1).
  local function data(n)
    gl.manual_seed(42)
    local x = gl.rand(n, 2) * gl.tensor{ { 2, 2 } } - gl.tensor{ { 0, 1 } }
    return x, x[{ {}, { 1 } }] * x[{ {}, { 2 } }]
  end

  it("draws the loss and the model's surface over the range of x, headless", function()
    local x, y = data(64)
    gl.manual_seed(1)
    local model = gl.nn.MLP{ 2, 8, 1 }
    local real, calls, opts = viz.surface, 0, nil
    viz.surface = function(o) calls = calls + 1; opts = o; return real(o) end
    local ok, history = pcall(gl.nn.fit, { model = model, x = x, y = y, epochs = 30, quiet = true, plot = true })
    viz.surface = real
    assert.is_true(ok, history)
    assert.are.equal(30, #history)
    assert.are.equal(30, calls)
    assert.are.equal("model surface", opts.title)
    local lo1, hi1 = x[{ {}, 1 }]:min():item(), x[{ {}, 1 }]:max():item()
    local lo2, hi2 = x[{ {}, 2 }]:min():item(), x[{ {}, 2 }]:max():item()
    assert.are.same({ lo1, hi1 }, opts.xlim)
    assert.are.same({ lo2, hi2 }, opts.ylim)
    local path = tmp_png("fit")
    viz.save(path)
    assert.are.same({ 1200, 800 }, { png_size(path) })
    os.remove(path)
  end)

  it("draws only the loss when the model does not have two inputs", function()
    gl.manual_seed(2)
    local x = gl.rand(20, 3)
    local y = x:sum(2, true)
    local real, calls = viz.surface, 0
    viz.surface = function(o) calls = calls + 1; return real(o) end
    local ok, history = pcall(gl.nn.fit, { model = gl.nn.MLP{ 3, 4, 1 }, x = x, y = y, epochs = 5,
      quiet = true, plot = true })
    viz.surface = real
    assert.is_true(ok, history)
    assert.are.equal(0, calls)
    assert.is_true(viz.is_open())                 -- the loss plot
  end)
end)

-- after every block of this file
teardown(remove_made)
