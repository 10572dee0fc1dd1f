-- The seed's MLP fit (scenario 2, "Neural Network Always Predicting Average
-- Value"), as a user runs it: a 100x100 grid on [0,2]^2, y = 2 sin(x1) +
-- 3 cos(2 x2) + 1.3, nn.MLP{2, 32, 32, 1} with ReLU, MSE, Adam(lr = 0.01),
-- full batch, 2000 epochs.
--
--   build/gradlab bench/mlp_fit.lua [float32|float64] [epochs] [relu|tanh]
--
-- Prints "BENCH key value" lines for bench/run.sh: the seconds of the fit
-- alone (data and model built before the clock starts), wall and CPU (the
-- CPU time is what other processes on a busy machine cannot inflate), the
-- final loss, and the process's thread count (to check that nothing
-- oversubscribes).
local dtype = arg[1] or "float32"
local epochs = math.tointeger(tonumber(arg[2] or "2000"))
local activation = arg[3] or "relu"   -- make bench also runs "tanh"

gl.manual_seed(0)
local n = 100
local g = gl.linspace(0, 2, n, { dtype = dtype })
local x1 = g:reshape(n, 1):expand(n, n):reshape(n * n)     -- row-major grid, 'ij'
local x2 = g:reshape(1, n):expand(n, n):reshape(n * n)
local x = gl.stack({ x1, x2 }, 2)                          -- (10000, 2)
local y = (2 * x1:sin() + 3 * (2 * x2):cos() + 1.3):reshape(n * n, 1)  -- (10000, 1)

local model = gl.nn.MLP{ 2, 32, 32, 1, activation = activation, dtype = dtype }

local t0, c0 = gl._clock(), os.clock()
local history = gl.nn.fit{ model = model, x = x, y = y, loss = "mse", lr = 0.01,
                           epochs = epochs, quiet = true }
local t1, c1 = gl._clock(), os.clock()

local function threads()
  local f = io.open("/proc/self/status")
  if not f then return -1 end
  local s = f:read("a")
  f:close()
  return tonumber(s:match("Threads:%s*(%d+)")) or -1
end

print(string.format("BENCH seconds %.6f", t1 - t0))
print(string.format("BENCH cpu_seconds %.6f", c1 - c0))   -- process CPU, all threads
print(string.format("BENCH first_loss %.6g", history[1]))
print(string.format("BENCH final_loss %.6g", history[#history]))
print(string.format("BENCH dtype %s", x.dtype))
print(string.format("BENCH threads %d", threads()))
