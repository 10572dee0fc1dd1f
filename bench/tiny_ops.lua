-- Per-op overhead: ((a*b + c):tanh() * a):sum(), backward, and zeroing the
-- three gradients, on 4-element tensors, N times (default 100,000).
--
--   build/gradlab bench/tiny_ops.lua [N] [float32|float64]
--
-- Prints "BENCH key value" lines for bench/run.sh; us_per_iter is the mean
-- wall time of one iteration (5 tensor ops forward, their backward, 3 zero_).
local n = math.tointeger(tonumber(arg[1] or "100000"))
local dtype = arg[2] or "float32"

local opts = { dtype = dtype, requires_grad = true }
local a = gl.tensor({ 0.1, -0.2, 0.3, 0.4 }, opts)
local b = gl.tensor({ 1.5, 0.5, -1.0, 2.0 }, opts)
local c = gl.tensor({ -0.3, 0.2, 0.1, 0.0 }, opts)

local function step()
  local l = ((a * b + c):tanh() * a):sum()
  l:backward()
  a.grad:zero_()
  b.grad:zero_()
  c.grad:zero_()
end

for _ = 1, 100 do step() end            -- warm up (grads allocated, GC settled)
collectgarbage()

local t0, c0 = gl._clock(), os.clock()
for _ = 1, n do step() end
local t1, c1 = gl._clock(), os.clock()

-- one more for a checksum of the gradients (same numbers as tiny_ops.py)
local l = ((a * b + c):tanh() * a):sum()
l:backward()
local s = (a.grad + b.grad + c.grad):sum():item()

print(string.format("BENCH us_per_iter %.4f", (t1 - t0) / n * 1e6))
print(string.format("BENCH cpu_us_per_iter %.4f", (c1 - c0) / n * 1e6))
print(string.format("BENCH seconds %.6f", t1 - t0))
print(string.format("BENCH loss %.6g", l:item()))
print(string.format("BENCH grad_sum %.6g", s))
