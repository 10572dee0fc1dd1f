-- docs/make_pictures.lua — the pictures in the README, drawn by gl.viz from
-- real training runs:
--
--   docs/surface.png  the target of scenario 2, y = 2 sin(x1) + 3 cos(2 x2) + 1.3
--                     over [0,2]^2, and a half-trained MLP's surface
--   docs/loss.png     the loss of the same fit with three optimizers
--
-- Run from the repo root:  build/gradlab docs/make_pictures.lua
-- (with no display, or SDL_VIDEODRIVER=offscreen, everything draws offscreen).

local viz, nn, optim = gl.viz, gl.nn, gl.optim

-- ------------------------------------------------------------------ data

-- The function the asker wanted to approximate, on a tensor of points (M,2) -> (M,1).
local function target(p)
  local x1, x2 = p[{ {}, { 1 } }], p[{ {}, { 2 } }]
  return 2 * x1:sin() + 3 * (2 * x2):cos() + 1.3
end

gl.manual_seed(2)
local N = 1000
local x = gl.rand(N, 2) * 2          -- (N,2), uniform on [0,2]^2
local y = target(x)                  -- (N,1): the same shape as the model's output

-- One full-batch training run: returns the model and its loss per epoch.
local function train(make_opt, epochs, seed)
  gl.manual_seed(seed)
  local model = nn.MLP{ 2, 16, 16, 1, activation = "relu" }
  local history = nn.fit{ model = model, x = x, y = y, epochs = epochs, quiet = true,
                          optimizer = make_opt(model:parameters()) }
  return model, history
end

-- ------------------------------------------------------ surface.png

-- Half-trained: after 200 epochs of Adam at lr 0.01 (mse about 0.15; the
-- same run reaches 0.005 by epoch 1500) the MLP has the overall shape but
-- still cuts through the trough of the cosine and misses the rise at x2 = 2.
local EPOCHS_HALF = 200
local model, h = train(function(ps) return optim.Adam(ps, { lr = 0.01 }) end, EPOCHS_HALF, 7)
print(string.format("surface: MLP{2,16,16,1}, Adam lr 0.01, %d epochs: mse %.4f", EPOCHS_HALF, h[#h]))

viz.close()
viz.surface{
  title = string.format("y = 2 sin x1 + 3 cos 2x2 + 1.3 (blue) and an MLP after %d epochs (orange)", EPOCHS_HALF),
  target = target,
  model = function(p) return model(p) end,
  xlim = { 0, 2 }, ylim = { 0, 2 }, n = 40,
}
viz.save("docs/surface.png")

-- --------------------------------------------------------- loss.png

local EPOCHS = 1500
local runs = {
  { "Adam lr 0.01", function(ps) return optim.Adam(ps, { lr = 0.01 }) end },
  { "Adam lr 0.001", function(ps) return optim.Adam(ps, { lr = 0.001 }) end },
  { "SGD lr 0.01", function(ps) return optim.SGD(ps, { lr = 0.01 }) end },
}
viz.close()
local plot = viz.loss{ title = "MSE per epoch, MLP{2,16,16,1} on scenario 2 (1000 points, full batch)", log = true }
for _, run in ipairs(runs) do
  local _, history = train(run[2], EPOCHS, 7)
  for epoch, loss in ipairs(history) do plot:add(run[1], epoch, loss) end
  print(string.format("loss: %-14s epoch 1 %.3f  epoch %d %.4f", run[1], history[1], EPOCHS, history[#history]))
end
viz.save("docs/loss.png")
viz.close()
print("wrote docs/surface.png and docs/loss.png")
