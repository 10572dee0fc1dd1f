-- Lesson 4 — ReLU's derivative at zero.
-- Scenario 4 of the seed document: "ReLU has no derivative at 0 — does it
-- matter?" The answer: inputs to a ReLU are almost never exactly 0; try
-- 0, 0.5 and 1 and see. We do, on the document's NumPy example with its
-- own random numbers (drawn by NumPy; tests/golden/lesson4_refs.py
-- regenerates the data block below and the reference figures).
return {
  title = "ReLU's derivative at zero: does the choice matter?",
  source = "Seed scenario 4: 'Impact of using relu for gradient descent'",
  question = [[
ReLU is max(0, x): its derivative is 0 for x < 0 and 1 for x > 0, and at
exactly 0 it is not defined. Frameworks pick a value (PyTorch 0, JAX's maximum
0.5). Does gradient descent care which? The answer suggested: implement the
derivative at zero as 0, 0.5 and 1, and see if anything changes.]],

  steps = {
    {
      title = "The document's NumPy network, with its own numbers",
      text = [[
One hidden layer of 30 ReLUs, a bias column appended to x, squared error
summed, plain gradient descent with lr 0.002 for 200 steps. The document's
code has typos; we fixed them as follows: `np.c_(x, no.ones(...))` is
`np.c_[x, np.ones(...)]`; `y = x = np.random.randn(N, D_in)` is
`y = np.random.randn(N, D_out)`; and np.random.seed(1) moves first, so the
data are the same on every run. The numbers below are exactly what NumPy
draws after that seed.]],
      original = { lang = "Python (NumPy)", code = [[
N, D_in, H, D_out = 4, 2, 30, 1
x = x = np.random.randn(N, D_in)
x = np.c_(x, no.ones(x.shape[0]))
y = x = np.random.randn(N, D_in)
np.random.seed(1)
w1 = np.random.randn(D_in+1, H)
w2 = np.random.randn(H, D_out)]] },
      lua = [[
-- x: (4,3) inputs with a bias column; y: (4,1); w1: (3,30); w2: (30,1)
x = gl.tensor({{1.6243453636632417, -0.61175641365007538, 1}, {-0.5281717522634557, -1.0729686221561705, 1}, {0.86540762932467852, -2.3015386968802827, 1}, {1.74481176421648, -0.76120690089510279, 1}}, {dtype = "float64"})
y = gl.tensor({{0.31903909605709857}, {-0.24937037547741009}, {1.4621079370449741}, {-2.060140709497654}}, {dtype = "float64"})
w1 = gl.tensor({{-0.32241720401350749, -0.38405435466841564, 1.1337694423354374, -1.0998912673140309, -0.17242820755043575, -0.87785841792137176, 0.042213746715592831, 0.58281521371582223, -1.1006191772129212, 1.1447237098396141, 0.90159072059279555, 0.50249433890186823, 0.90085594926441181, -0.6837278591743331, -0.12289022551864817, -0.93576943425906878, -0.26788807962601591, 0.53035546673818601, -0.69166075172530905, -0.39675352685597737, -0.68717270011959941, -0.84520564149871957, -0.67124613083681905, -0.01266459891890136, -1.1173103486352778, 0.23441569781709215, 1.6598021771098705, 0.74204416057733558, -0.19183555236161492, -0.88762896408483627}, {-0.74715829375083764, 1.6924546010277466, 0.050807754776028967, -0.63699564656935337, 0.19091548466746602, 2.1002551364788422, 0.12015895248162915, 0.61720310970741921, 0.30017031995582749, -0.35224984649351865, -1.1425181980221402, -0.3493427224128775, -0.20889423337477811, 0.58662319118219763, 0.83898341387450492, 0.93110208130355732, 0.28558732525425878, 0.88514116427072809, -0.7543979409966528, 1.2528681552332879, 0.51292982041800883, -0.29809283510271567, 0.48851814653749703, -0.075571713021055725, 1.1316293874514269, 1.5198168164221988, 2.1855754065331614, -1.3964963354881377, -1.4441138054295894, -0.50446586294645124}, {0.16003706944783047, 0.87616892111622491, 0.31563494724160523, -2.022201215824003, -0.30620401262837182, 0.82797464260724618, 0.23009473536438341, 0.76201118031202475, -0.22232814261035927, -0.20075806892999745, 0.18656139098828431, 0.41005164720825632, 0.19829972012676975, 0.11900864580745882, -0.67066228628903057, 0.37756378632091941, 0.12182127099143693, 1.1294839079119197, 1.198917879901507, 0.18515641748394385, -0.3752849500901142, -0.63873040745422238, 0.4234943540641129, 0.077340068348559415, -0.3438536755710756, 0.043596856834246939, -0.62000084394812927, 0.69803203407221892, -0.44712856478599822, 1.2245077048054989}}, {dtype = "float64"})
w2 = gl.tensor({{0.40349164179079999}, {0.59357852323706695}, {-1.0949118457410418}, {0.1693824330586681}, {0.74055645109627477}, {-0.95370060180793459}, {-0.26621850600362207}, {0.032614546693358559}, {-1.3731173202467557}, {0.31515939204229176}, {0.8461606475850334}, {-0.85951594083198635}, {0.35054597866410736}, {-1.3122834112374318}, {-0.038695509266051115}, {-1.6157723547032947}, {1.121417708235664}, {0.40890053793682779}, {-0.024616955875778355}, {-0.7751616191691596}, {1.2737559301587766}, {1.9671017492547347}, {-1.8579818644467521}, {1.2361640304528203}, {1.6276507531489064}, {0.33801169657447577}, {-1.1992680323351861}, {0.86334531754402155}, {-0.18092030207815046}, {-0.60392062779325728}}, {dtype = "float64"})
print("x =", x)
print("y =", y)]],
    },
    {
      title = "Train with the derivative at 0 set to 0, 0.5 and 1",
      text = [[
gradlab's ReLU takes its derivative at exactly 0 from a setting,
gl.set_relu_grad_at_zero. We train three times, letting autodiff do the
backward pass the document wrote by hand, and count how many inputs to the
ReLU were exactly 0 along the way.]],
      original = { lang = "Python (NumPy)", code = [[
for t in range(200):
    h = x.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = h_relu.dot(w2)
    loss = np.square(y_pred - y).sum()
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h_relu = grad_y_pred.dot(w2.T)
    grad_h = grad_h_relu.copy()
    grad_h[h < 0] = 0  # grad at zero = 1
    grad_w1 = x.T.dot(grad_h)
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2]] },
      lua = [[
-- Returns the 200 losses, the count of exact zeros and the smallest |h|.
function train(at_zero, w1_start, steps)
  gl.set_relu_grad_at_zero(at_zero)
  local W1 = w1_start:clone():requires_grad_(true)
  local W2 = w2:clone():requires_grad_(true)
  local losses, zeros, smallest = {}, 0, math.huge
  for t = 1, steps or 200 do
    local h = x:matmul(W1)                    -- (4,30)
    zeros = zeros + h:eq(0):sum():item()
    smallest = math.min(smallest, h:abs():min():item())
    local loss = ((h:relu():matmul(W2) - y) ^ 2):sum()
    losses[t] = loss:item()
    loss:backward()
    gl.no_grad(function()
      W1:add_(W1.grad, -0.002); W2:add_(W2.grad, -0.002)
    end)
    W1.grad:zero_(); W2.grad:zero_()
  end
  gl.set_relu_grad_at_zero(0)
  return losses, zeros, smallest
end

runs = {}
for _, v in ipairs{0, 0.5, 1} do
  local losses, zeros, smallest = train(v, w1)
  runs[v] = losses
  printf("derivative at 0 = %-3g  loss %.4f -> %.4f   exact zeros: %d   smallest |h|: %.2g",
         v, losses[1], losses[200], zeros, smallest)
end
identical = true
for t = 1, 200 do
  identical = identical and runs[0][t] == runs[0.5][t] and runs[0][t] == runs[1][t]
end
print("the three curves are bit-identical:", identical)
expect(runs[0][1], 32.46162203, 1e-8, "loss at step 0")
expect(runs[0][200], 3.184844996, 1e-8, "loss at step 199")
expect(identical and 1 or 0, 1, 0, "curves identical")]],
      after = [[
No input to the ReLU was ever exactly 0 (the closest was about 7.7e-05), so
the setting was never consulted: the three runs agree to the last bit, from
32.46 down to 3.1848 — the loss NumPy reaches too. With real-valued data and
random weights, an exact 0 is an event of probability zero.]],
    },
    {
      title = "When the inputs ARE exactly 0",
      text = [[
We can force the question: start with the first layer's weights all 0. Then
every h is exactly 0, ReLU outputs 0, and the only way out is through the
derivative at 0.]],
      lua = [[
w1_zero = gl.zeros(3, 30, {dtype = "float64"})
stuck = {}
for _, v in ipairs{0, 0.5, 1} do
  local losses, zeros = train(v, w1_zero)
  stuck[v] = losses[200]
  printf("derivative at 0 = %-3g  loss %.4f -> %.4f   exact zeros: %d", v, losses[1], losses[200], zeros)
end
expect(stuck[0], 6.545910891, 1e-8, "derivative 0: never moves")
expect(stuck[0.5], 2.894842114, 1e-8, "derivative 0.5")
expect(stuck[1], 2.890577721, 1e-8, "derivative 1")]],
      after = [[
With the derivative 0 nothing ever moves: w1 gets no gradient, the loss stays
at 6.5459 (the sum of y²). With 0.5 or 1, the first step pushes h off 0 and
training proceeds (to ≈2.89 either way). So the choice matters only at
exact zeros — which a sane initialisation never produces. (This is also why
networks are not initialised with zeros.)]],
    },
    {
      title = "The document's own 0.5 line",
      text = [[
The answer's code offers `grad_h[h < 0] = 0; grad_h[h == 0] = 0.5` for
"grad at zero = 0.5". That line SETS the gradient to 0.5 where h is 0,
instead of multiplying the incoming gradient by 0.5 (the chain rule). Replay
it by hand, on the all-zero start where it matters.]],
      original = { lang = "Python (NumPy)", code = [[
grad_h[h < 0] = 0; grad_h[h == 0] = 0.5  # grad at zero = 0.5]] },
      lua = [[
function train_document_half(steps)
  local W1, W2 = w1_zero:clone(), w2:clone()
  local loss
  for t = 1, steps do
    local h = x:matmul(W1)
    local h_relu = h:relu()
    local y_pred = h_relu:matmul(W2)
    loss = ((y_pred - y) ^ 2):sum():item()
    local grad_y_pred = 2 * (y_pred - y)
    local grad_w2 = h_relu.T:matmul(grad_y_pred)
    local grad_h = grad_y_pred:matmul(W2.T)
    grad_h = grad_h:masked_fill(h:lt(0), 0):masked_fill(h:eq(0), 0.5)  -- sets, doesn't scale
    W1 = W1 - 0.002 * x.T:matmul(grad_h)
    W2 = W2 - 0.002 * grad_w2
  end
  return loss, W1
end
doc_loss, doc_w1 = train_document_half(200)
printf("the document's 0.5 line: loss after 200 steps %.4f", doc_loss)
print("its first-layer weights, first 4 columns:", doc_w1[{{}, {1, 4}}])
expect(doc_loss, 6.545910891, 1e-8, "the document's 0.5 line")]],
      after = [[
Setting grad_h to 0.5 throws away the incoming gradient (its sign and size):
every column of w1 gets the same update, pointing where 0.5·xᵀ points, and
here that drives every h below 0 — all ReLUs die and the loss stays at
6.5459, while the true derivative 0.5 (scaling) reached 2.89. The fix is
`grad_h[h == 0] *= 0.5`.]],
    },
  },

  try = [[
train(v, w1) and train(v, w1_zero) are defined; so are x, y, w1, w2.
- gl.set_relu_grad_at_zero(1); print(gl.tensor({-1, 0, 2}, {requires_grad = true}):relu():sum())
- Try a smaller first layer: train(0, w1 * 1e-3) — do exact zeros appear?
- Plot the three curves: local p = gl.viz.loss{title = "relu at 0"}; for t, l in ipairs(runs[1]) do p:add("1", t, l) end]],
}
