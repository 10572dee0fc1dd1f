-- Lesson 2 — the MLP that always predicts the average.
-- Scenario 2 of the seed document: a JAX/Flax MLP fitting
-- y = f(x1, x2) on 10,000 points plateaus at a loss of about 5.14 and
-- predicts a constant near the data's mean 2.15 (whose square is 4.64).
-- The cause: `true_y.reshape(-1) - pred_y` with pred_y of shape (N,1)
-- broadcasts to (N,N); the mean of its square is var(y) + mean((pred -
-- mean y)^2), minimised by the constant mean(y), where it equals var(y).
-- The data come from GOLDEN.md's generate_data (the document doesn't show it).
return {
  title = "The MLP that always predicts the average",
  source = "Seed scenario 2: 'Neural Network Always Predicting Average Value'",
  question = [[
The asker trains an MLP (JAX and Flax) to approximate a known function of two
variables on 10,000 points. Whatever they change — depth, width, SGD or Adam,
ReLU or sigmoid, learning rate, more data, 2,000 epochs, other seeds — the
MSE loss plateaus at about 5.14 and the network predicts one flat value,
roughly the average of the true outputs: 2.15, whose square is 4.64, "not far
from the loss plateau value". What obvious thing are they missing?]],

  steps = {
    {
      title = "The data: 10,000 points, mean 2.15",
      text = [[
The document doesn't show generate_data. This one reproduces its numbers: a
100×100 grid on [0,2]², and y = 2 sin(x1) + 3 cos(2 x2) + 1.3. We compute the
statistics in float64 and train in float32, as JAX does by default.]],
      original = { lang = "Python (JAX)", code = [[
x1, x2, y= generate_data(data_key) # Data generation function

# Concatenate independent variable vectors to be proper input shape
input_data = jnp.hstack((x1.reshape(-1, 1), x2.reshape(-1, 1)))]] },
      lua = [[
-- an n-by-n grid of [0,2]²: point n·(i-1) + j has x1 = g_i, x2 = g_j
function generate_data(n)
  local g = gl.linspace(0, 2, n, {dtype = "float64"})    -- (n)
  local x1 = g:reshape(n, 1):expand(n, n):reshape(-1)     -- (n·n)
  local x2 = g:reshape(1, n):expand(n, n):reshape(-1)     -- (n·n)
  local y = 2 * x1:sin() + 3 * (2 * x2):cos() + 1.3       -- (n·n)
  return x1, x2, y
end
-- input_data: (N,2) float32
function hstack(x1, x2) return gl.cat({x1:reshape(-1, 1), x2:reshape(-1, 1)}, 2):to("float32") end

x1, x2, y = generate_data(100)
input_data, true_y = hstack(x1, x2), y:to("float32")     -- (10000,2), (10000)
N = y:numel()
ymean = y:mean():item()
yvar = ((y - ymean) ^ 2):mean():item()
printf("N = %d   mean(y) = %.4f   var(y) = %.4f   mean(y)² = %.4f", N, ymean, yvar, ymean ^ 2)
printf("y from %.4f to %.4f", y:min():item(), y:max():item())
expect(N, 10000, 0, "N")
expect(ymean, 2.1543766001113256, 1e-9, "mean(y)")
expect(yvar, 5.140106724053658, 1e-9, "var(y)")
expect(ymean ^ 2, 4.641338535107233, 1e-9, "mean(y)²")
expect(y:min():item(), 1.3 - 3, 1e-3, "smallest y (2 sin 0 + 3 cos π + 1.3)")
expect(y:max():item(), 2 + 3 + 1.3, 1e-3, "largest y (2 sin(π/2) + 3 cos 0 + 1.3)")]],
      after = [[
The document's three numbers: the true average 2.15, its square 4.64 — and
5.14, the loss plateau, is the variance of y. Keep that one in mind.]],
    },
    {
      title = "The asker's loss and loop, replayed (on a 30×30 grid)",
      text = [[
The asker's loss is `jnp.square(true_y.reshape(-1) - pred_y)` averaged. As we
will see, that difference is an N×N matrix: for 10,000 points, 10⁸ numbers
(400 MB in float32) per intermediate, about a second per epoch in PyTorch on
a 2-core machine. So we replay the code literally on a coarser 30×30 grid of the
same function (N = 900, a 900×900 matrix), for 100 epochs, and come back to
the full 10,000 points afterwards. gl.nn.MLP{2, 16, 16, 1} is the asker's
[16, 16, 1] Flax MLP with ReLU (it draws its starting weights as PyTorch
does, Flax from a truncated normal; the story doesn't depend on that). Watch
for the warning.]],
      original = { lang = "Python (JAX)", code = [[
def make_mlp_loss(input_data, true_y):
  def mlp_loss(params):
    pred_y = model.apply(params, input_data)
    loss_vector = jnp.square(true_y.reshape(-1) - pred_y)
    return jnp.average(loss_vector)
  return jit(mlp_loss)

mlp_loss = make_mlp_loss(input_data, y)
loss_and_grad = value_and_grad(mlp_loss)
model = MLP([16, 16, 1])
params = model.init(params_key, dummy)
opt = optax.adam(learning_rate=0.01)
opt_state = opt.init(params)
epochs = 50
for i in range(epochs):
  curr_loss, curr_grad = loss_and_grad(params)
  if i % 5 == 0:
    print(curr_loss)
  updates, opt_state = opt.update(curr_grad, opt_state)
  params = optax.apply_updates(params, updates)]] },
      lua = [[
gl.reset_broadcast_warnings()       -- so the warning shows on every run of the lesson
function make_mlp_loss(input_data, true_y)
  return function(model)
    local pred_y = model(input_data)                        -- (N,1)
    local loss_vector = (true_y:reshape(-1) - pred_y) ^ 2   -- (N) - (N,1)
    return loss_vector:mean()
  end
end

-- full-batch Adam(0.01); prints the loss before the update every `every` epochs
function train(model, mlp_loss, epochs, every)
  local opt = gl.optim.Adam(model:parameters(), {lr = 0.01})
  local history = {}
  for i = 0, epochs - 1 do
    opt:zero_grad()
    local curr_loss = mlp_loss(model)
    if i % every == 0 then printf("epoch %4d   loss %.5f", i, curr_loss:item()) end
    history[i] = curr_loss:item()
    curr_loss:backward()
    opt:step()
  end
  return history
end

sx1, sx2, sy = generate_data(30)
small_input, small_y = hstack(sx1, sx2), sy:to("float32")        -- (900,2), (900)
small_mean = sy:mean():item()
small_var = ((sy - small_mean) ^ 2):mean():item()

gl.manual_seed(645)
small_model = gl.nn.MLP{2, 16, 16, 1}
small_history = train(small_model, make_mlp_loss(small_input, small_y), 100, 10)
small_pred = gl.no_grad(function() return small_model(small_input) end)   -- (900,1)
printf("last epoch (99): loss %.4f;  var(y) on this grid %.4f", small_history[99], small_var)
printf("predictions: from %.4f to %.4f;  mean(y) on this grid %.4f",
  small_pred:min():item(), small_pred:max():item(), small_mean)
expect(small_var, 5.2144864750880595, 1e-9, "var(y) on the 30×30 grid")
expect(small_mean, 2.1682154019480264, 1e-9, "mean(y) on the 30×30 grid")
expect(small_history[99], small_var, 0.01, "loss at epoch 99, near var(y)")
expect(small_pred:mean():item(), small_mean, 0.02, "mean prediction, near mean(y)")
expect(small_pred:max():item() - small_pred:min():item(), 0, 0.3,
  "spread of the predictions (y itself spans 8)")]],
      after = [[
The asker's symptom, on this grid: the loss drops fast, then sits just above
var(y) = 5.21 (this grid's variance; 5.14 on the full one), and every input
gets nearly the same prediction, close to this grid's mean 2.17 — while y
itself ranges from about -1.7 to 6.3. And the warning says where: the difference on
the loss line is (900,900).]],
    },
    {
      title = "Why: the loss of every prediction against every target",
      text = [[
true_y:reshape(-1) is (N); pred_y is (N,1). Broadcasting lines the shapes up
from the right: (N) becomes (1,N), and the result is (N,N) — entry (i, j) is
y_j - pred_i, every target against every prediction. Its mean square splits
in two, writing m = mean(y):

  mean over i, j of (y_j - p_i)²  =  var(y)  +  mean over i of (p_i - m)²

(expand (y_j - m) - (p_i - m); the cross term averages to 0 over j). The
smallest it can be is var(y), reached when every p_i is m: the constant
predictor at the mean. Its gradient, (2/N)·(p_i - m), pulls every
prediction towards the same number, whatever its input. The loss never
says which target belongs to which input. Let's check both claims in
float64, on the trained predictions and on arbitrary ones.]],
      lua = [[
gl.broadcast_mode("allow")        -- this step broadcasts on purpose: no warnings
diff = small_y:reshape(-1) - small_pred
printf("shapes: (%d) - (%d,%d) -> (%d,%d)", small_y:numel(), small_pred.shape[1],
  small_pred.shape[2], diff.shape[1], diff.shape[2])
printf("row 1 is y_j - p_1 for every j: %.4f %.4f %.4f ...  (p_1 = %.4f)",
  diff[{1, 1}], diff[{1, 2}], diff[{1, 3}], small_pred[{1, 1}])

-- the identity, in float64, for the trained predictions and for random ones
function literal(p, yy) return ((yy:reshape(-1) - p) ^ 2):mean():item() end
function closed_form(p, yy)
  local m = yy:mean():item()
  return ((yy - m) ^ 2):mean():item() + ((p - m) ^ 2):mean():item()
end
p_trained = small_pred:to("float64")
p_random = gl.randn(900, 1, {dtype = "float64"}) * 3
for _, case in ipairs{{"trained", p_trained}, {"random", p_random}} do
  local name, p = case[1], case[2]
  printf("%-8s literal (N,N) mean %.12f   var(y) + mean((p - m)²) %.12f",
    name, literal(p, sy), closed_form(p, sy))
end
expect(literal(p_trained, sy), closed_form(p_trained, sy), 1e-10, "identity, trained predictions")
expect(literal(p_random, sy), closed_form(p_random, sy), 1e-10, "identity, random predictions")

-- the gradient with respect to the predictions: (2/N)(p - m)
p = p_random:clone():requires_grad_(true)
loss = ((sy:reshape(-1) - p) ^ 2):mean()
loss:backward()
gap = (p.grad - 2 / 900 * (p_random - small_mean)):abs():max():item()
printf("largest |dloss/dp_i - (2/N)(p_i - m)| = %.3g", gap)
expect(gap, 0, 1e-15, "gradient is (2/N)(p - m)")
gl.broadcast_mode("warn")]],
      after = [[
The identity holds to the last digits, for any predictions. So whatever the
architecture, optimizer, learning rate, seed or number of epochs, the best
this loss allows is the flat surface at mean(y), and the loss there is
var(y): 5.14 on the asker's data. Nothing they tried could change that —
only the shapes can.]],
    },
    {
      title = "The full 10,000 points",
      text = [[
Back to the asker's data. One evaluation of their loss at full size (no
gradient), to see the warning with their shapes and the identity at N =
10,000. To train, we use the closed form var(y) + mean((pred - mean y)²): the
same number and, as we just checked, the same gradient, in O(N) instead of
O(N²). 200 epochs of full-batch Adam from the same seed.]],
      lua = [[
gl.reset_broadcast_warnings()         -- warn again at the asker's line, now with N = 10,000
gl.manual_seed(645)
model = gl.nn.MLP{2, 16, 16, 1}
mlp_loss = make_mlp_loss(input_data, true_y)
gl.no_grad(function()
  local pred = model(input_data)
  full_literal = mlp_loss(model):item()
  full_closed = closed_form(pred:to("float64"), y)
end)
printf("at the start: literal (10000,10000) mean %.6f   closed form %.6f", full_literal, full_closed)
expect(full_literal, full_closed, 1e-4 * full_closed, "identity at N = 10,000 (float32)")

-- same value and gradient as mlp_loss, without the (N,N) matrix
function closed_form_loss(model)
  return yvar + ((model(input_data) - ymean) ^ 2):mean()
end
buggy_history = train(model, closed_form_loss, 200, 25)
pred = gl.no_grad(function() return model(input_data) end)
printf("epoch 199: loss %.4f (var(y) = %.4f);  predictions %.4f to %.4f (mean(y) = %.4f)",
  buggy_history[199], yvar, pred:min():item(), pred:max():item(), ymean)
expect(buggy_history[199], yvar, 0.005, "plateau, near var(y) = 5.14")
expect(pred:mean():item(), ymean, 0.01, "mean prediction, near mean(y) = 2.15")
expect(pred:max():item() - pred:min():item(), 0, 0.3, "spread of the predictions")

function target_fn(p) return 2 * p[{{}, 1}]:sin() + 3 * (2 * p[{{}, 2}]):cos() + 1.3 end
if gl.viz then
  gl.viz.surface{target = target_fn, xlim = {0, 2}, ylim = {0, 2}, n = 40,
    model = function(p) return gl.no_grad(function() return model(p):reshape(-1) end) end,
    title = "before the fix: the (N,N) loss"}
  save_plot("lesson2_before.png")
end]],
      after = [[
The document's numbers: a plateau at 5.14 and a flat prediction at 2.15. The
warning points at the asker's line: inside make_mlp_loss, line 5 of step 2's
code. (With the window open: the target surface, and the model's flat sheet
cutting through it at the mean.)]],
    },
    {
      title = "The fix: one target per prediction",
      text = [[
Make both sides (N,1) — or both (N): true_y:reshape(-1, 1) - pred_y. Now
entry i is y_i - pred_i, and the mean of its square is the MSE the asker
meant. Same network, same seed, same optimizer, full batch; 600 epochs are
enough to make the point (the asker ran up to 2,000).]],
      original = { lang = "Python (JAX)", code = [[
loss_vector = jnp.square(true_y.reshape(-1, 1) - pred_y)]] },
      lua = [[
function make_fixed_loss(input_data, true_y)
  return function(model)
    local pred_y = model(input_data)                           -- (N,1)
    local loss_vector = (true_y:reshape(-1, 1) - pred_y) ^ 2   -- (N,1) - (N,1): (N,1)
    return loss_vector:mean()
  end
end
gl.manual_seed(645)
fixed_model = gl.nn.MLP{2, 16, 16, 1}
fixed_history = train(fixed_model, make_fixed_loss(input_data, true_y), 600, 100)
printf("epoch 599: loss %.4f, %.0f times below the plateau var(y) = %.2f",
  fixed_history[599], yvar / fixed_history[599], yvar)
fixed_pred = gl.no_grad(function() return fixed_model(input_data):reshape(-1) end)   -- (N)
worst = (fixed_pred - true_y):abs():max():item()
printf("largest |prediction - y| over the 10,000 points: %.3f (the (N,N) model's: %.3f)",
  worst, (pred:reshape(-1) - true_y):abs():max():item())
expect(fixed_history[599], 0, 0.02, "fixed loss at epoch 599 (below 0.02)")
expect(worst, 0, 0.5, "largest error of the fixed model (below 0.5)")

if gl.viz then
  gl.viz.surface{target = target_fn, xlim = {0, 2}, ylim = {0, 2}, n = 40,
    model = function(p) return gl.no_grad(function() return fixed_model(p):reshape(-1) end) end,
    title = "after the fix: (N,1) against (N,1)"}
  save_plot("lesson2_after.png")
  local plot = gl.viz.loss{title = "MSE per epoch, 10,000 points", log = true}
  for i = 0, 199 do plot:add("(N,N) loss (plateau var(y))", i, buggy_history[i]) end
  for i = 0, 599 do plot:add("fixed (N,1) loss", i, fixed_history[i]) end
  save_plot("lesson2_loss.png")
end]],
      after = [[
The loss falls through the old floor at 5.14 and keeps falling, by orders of
magnitude, and the prediction now follows the target everywhere on the grid
(in the window: the two surfaces on top of each other). The lesson: when a loss
plateaus at the variance of the target, suspect the shapes, and print them.
gradlab's broadcast warning does that for you: a result bigger than both
operands is rarely what anyone meant.]],
    },
  },

  try = [[
At the prompt: model (trained on the (N,N) loss), fixed_model, input_data,
true_y, y, make_mlp_loss, make_fixed_loss, train, literal and closed_form are
defined.

- Train the fixed model 1,400 epochs more (with a fresh Adam; a few seconds):
  train(fixed_model, make_fixed_loss(input_data, true_y), 1400, 200)
- Predictions at a point: fixed_model(gl.tensor{{1, 1}}) — the target there is
  2 sin 1 + 3 cos 2 + 1.3 ≈ 1.734.
- gl.broadcast_mode("error") turns the warning into an error: then call
  make_mlp_loss(small_input, small_y)(small_model); gl.broadcast_mode("warn") goes back.]],
}
