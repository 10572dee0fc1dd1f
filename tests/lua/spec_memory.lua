-- Tensor memory lives outside Lua's heap; the binding tells the collector
-- about it (lgl_account in lua/ltensor.c), so loops that make and drop big
-- tensors stay bounded. Measured as the process's resident memory (VmRSS)
-- and as the engine's live tensor bytes (gl.live_bytes()).
-- Run from the repo root: sh tests/suites/lua.sh (or busted --lua=lua5.4 -p spec_ tests/lua)
local gl = dofile("tests/lua/helpers.lua").gl

local MB = 1024 * 1024

local function rss_mb()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then return tonumber(kb) / 1024 end
  end
end

-- AddressSanitizer keeps freed memory in quarantine: resident memory then
-- says nothing about our bound, the live bytes still do.
local asan = (os.getenv("LD_PRELOAD") or ""):find("asan") ~= nil

-- Runs body(i) n times; returns the peak RSS (MB) and live tensor bytes (MB) seen.
local function peaks(n, body)
  local rss, live = 0, 0
  for i = 1, n do
    body(i)
    if i % 250 == 0 then
      rss = math.max(rss, rss_mb())
      live = math.max(live, gl.live_bytes() / MB)
    end
  end
  return rss, live
end

describe("memory", function()
  it("20,000 dropped tensors of 1 MB keep resident memory under 300 MB", function()
    collectgarbage()
    local rss, live = peaks(20000, function() local x = gl.zeros(256 * 1024) end) -- float32: 1 MB
    assert.is_true(live < 200, string.format("live tensor bytes reached %.0f MB", live))
    if not asan then
      assert.is_true(rss < 300, string.format("resident memory reached %.0f MB", rss))
    end
  end)

  it("so do expressions that make temporaries (three 1 MB tensors a step)", function()
    collectgarbage()
    local x = gl.ones(256 * 1024)
    local rss, live = peaks(4000, function() local y = (x * 2 + 1):sqrt() end)
    assert.is_true(live < 200, string.format("live tensor bytes reached %.0f MB", live))
    if not asan then
      assert.is_true(rss < 300, string.format("resident memory reached %.0f MB", rss))
    end
  end)

  it("and so do graphs dropped after backward, in generational and incremental mode", function()
    for _, mode in ipairs{"generational", "incremental"} do
      local prev = collectgarbage(mode)
      collectgarbage()
      local w = gl.ones(256 * 1024, {requires_grad = true})
      local _, live = peaks(2000, function()
        local loss = (w * 3):sum()
        loss:backward()
        w.grad = nil
      end)
      collectgarbage(prev)
      assert.is_true(live < 200, string.format("%s: live tensor bytes reached %.0f MB", mode, live))
    end
  end)

  it("a big live tensor does not stop small garbage from being collected", function()
    -- the collector is paced by boxes made, not only by storage relative to
    -- what is live: with 40 MB live, a loop of tiny ops must still collect
    -- every few dozen steps (it once let Lua's heap grow to MBs of boxes)
    local big = gl.zeros(10 * 1000 * 1000) -- float32: 40 MB
    local a = gl.tensor({ 0.1, -0.2, 0.3, 0.4 }, { requires_grad = true })
    local b = gl.tensor({ 1.5, 0.5, -1.0, 2.0 })
    local mode = collectgarbage("generational") -- gradlab's mode (repl/state.c)
    collectgarbage()
    local base = collectgarbage("count")
    local peak = 0
    for i = 1, 20000 do
      local l = ((a * b + b):tanh() * a):sum()
      l:backward()
      a.grad:zero_()
      if i % 100 == 0 then peak = math.max(peak, collectgarbage("count") - base) end
    end
    collectgarbage(mode)
    assert.is_true(peak < 256, string.format("Lua's heap grew by %.0f KB", peak))
    assert.are.equal(10 * 1000 * 1000, big:numel())
  end)

  it("tensors kept alive are not collected", function()
    local keep = {}
    for i = 1, 100 do keep[i] = gl.full({256 * 1024}, i) end
    collectgarbage()
    for i = 1, 100 do assert.are.equal(i, keep[i][256 * 1024]) end
    assert.is_true(gl.live_bytes() >= 100 * MB)
  end)
end)
