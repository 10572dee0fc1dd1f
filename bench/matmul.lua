-- Square matrix multiply through gradlab's Lua API: c = a:matmul(b), the
-- product allocated by each call as a user gets it.
--
--   build/gradlab bench/matmul.lua N [float32|float64] [min_seconds]
--
-- Times batches of products until min_seconds (default 0.3) have passed and
-- prints "BENCH gflops G" (2 N^3 flops per product; cpu_gflops: per CPU
-- second of the process, all threads) for bench/run.sh; the
-- reference is bench/matmul_blas.c, cblas_?gemm called directly.
local n = math.tointeger(tonumber(arg[1] or "256"))
local dtype = arg[2] or "float32"
local min_seconds = tonumber(arg[3] or "0.3")

gl.manual_seed(0)
local a = gl.randn(n, n, { dtype = dtype })
local b = gl.randn(n, n, { dtype = dtype })

local c = a:matmul(b)                    -- warm up: OpenBLAS threads, buffers
c = nil
collectgarbage()

local reps, elapsed = 0, 0
local batch = 1
local t0, c0 = gl._clock(), os.clock()
while true do
  for _ = 1, batch do c = a:matmul(b) end
  reps = reps + batch
  elapsed = gl._clock() - t0
  if elapsed >= min_seconds then break end
  batch = batch * 2
end

local cpu = os.clock() - c0          -- process CPU, all threads
print(string.format("BENCH gflops %.4f", 2 * n ^ 3 * reps / elapsed / 1e9))
print(string.format("BENCH cpu_gflops %.4f", 2 * n ^ 3 * reps / cpu / 1e9))
print(string.format("BENCH reps %d", reps))
print(string.format("BENCH seconds %.6f", elapsed))
local v = c[{ 1, 1 }]
if type(v) ~= "number" then v = v:item() end
print(string.format("BENCH checksum %.6g", v))
