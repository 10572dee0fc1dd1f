-- Lesson 3 — the summed loss grows with the data set.
-- Scenario 3 of the seed document: a Flux.jl network (63→46→36→26→16→6 tanh,
-- then Dense(6,6)) trained with ADAM(0.01, (0.9, 0.8)) for 700 iterations of
-- Flux.train! on N = 10, 15, 25 samples; the asker's loss curve,
-- sum(loss.(xtrain, ytrain)), is higher for larger N. The answer: the cost
-- is a sum over samples, not normalised. Beyond the answer: normalised, the
-- trained cost is still higher for larger N, and that part is real.
return {
  title = "The summed loss grows with the data set",
  source = "Seed scenario 3: 'Problem understanding Loss function behavior using Flux.jl. in Julia'",
  question = [[
The asker trains a Flux.jl network (63 inputs, 6 outputs) on data sets of
N = 10, 15 and 25 samples, 700 iterations each, and plots the loss after every
iteration. The larger the data set, the higher the curve. Why? And are the
700 iterations really iterations, or epochs? They will need about 10,000
samples, and expect an even worse picture.]],

  steps = {
    {
      title = "The network, the cost and the optimizer",
      text = [[
Six Dense layers: five with tanh, then a linear Dense(6,6). Flux's Dense
computes act(W x + b); it draws W from Glorot's uniform distribution,
U(-a, a) with a = sqrt(6/(in+out)), and starts b at 0. gl.nn.Linear starts
the way PyTorch does, so we write Flux's Dense as a small gradlab module. The
cost of one sample is (1/2)·||y - ŷ||², a sum over the 6 outputs. Samples are
rows here: x is (63) for one sample, (N,63) for the data set.]],
      original = { lang = "Julia", code = [[
layer1 = Dense(length(xtrain[1]),46,tanh); # setting 6 layers
layer2 = Dense(46,36,tanh) ;
layer3 = Dense(36,26,tanh) ;
layer4 = Dense(26,16,tanh) ;
layer5 = Dense(16,6,tanh) ;
layer6 = Dense(6,length(ytrain[1])) ;
m = Chain(layer1,layer2,layer3,layer4,layer5,layer6); # composing the layers

squaredCost(ym,y) = (1/2)*norm(y - ym).^2;
loss(x,y) = squaredCost(m(x),y); # define loss function
ps = Flux.params(m); # initializing mod.param.
opt = ADAM(0.01, (0.9, 0.8)); #]] },
      lua = [[
local nn = gl.nn
-- Dense(in, out[, act]) as Flux makes it: act(W x + b), with W (out,in)
-- Glorot-uniform and b = 0. A sample is a row here: x (63) or (N,63).
Dense = nn.Module("Dense")
function Dense:init(nin, nout, act)
  local a = math.sqrt(6 / (nin + nout))
  self.weight = gl.empty(nout, nin):uniform_(-a, a):requires_grad_(true)
  self.bias = gl.zeros(nout):requires_grad_(true)
  self.act = act                           -- gl.tanh, or nil: linear
end
function Dense:forward(x)
  local y = x:matmul(self.weight.T) + self.bias
  if self.act then y = self.act(y) end
  return y
end
function Dense:extra_repr()
  return self.weight.shape[2] .. " => " .. self.weight.shape[1] .. (self.act and ", tanh" or "")
end
function Chain()
  return nn.Sequential(Dense(63, 46, gl.tanh), Dense(46, 36, gl.tanh), Dense(36, 26, gl.tanh),
    Dense(26, 16, gl.tanh), Dense(16, 6, gl.tanh), Dense(6, 6))
end
-- ym, y: (6) for one sample, or (N,6): then the sum over the data set
function squaredCost(ym, y) return 0.5 * ((y - ym) ^ 2):sum() end

m = Chain()
print(m)
printf("%d parameters", m:num_parameters())
expect(m:num_parameters(), 63*46+46 + 46*36+36 + 36*26+26 + 26*16+16 + 16*6+6 + 6*6+6, 0,
  "parameters")]],
      after = [[
6,174 adjustable numbers, against 6·N target values (150 for N = 25).
ADAM(0.01, (0.9, 0.8)) is gl.optim.Adam with lr = 0.01 and betas = {0.9, 0.8}
(both use eps = 1e-8); run() below makes one per data set.]],
    },
    {
      title = "The training loop, for N = 10, 15 and 25",
      text = [[
The data: N input vectors of 63 numbers and N output vectors of 6, uniform in
[-1, 1] (the asker normalised theirs to [-1, 1]; their generator is not
shown). Each run starts from the same network (the same seed) so that only N
changes. Flux.train!(loss, ps, datatrain, opt) walks through the samples in
order and makes one Adam update per sample; then the asker records
sum(loss.(xtrain, ytrain)), the cost summed over the whole data set. One
forward pass of the (N,63) matrix gives that sum at once.]],
      original = { lang = "Julia", code = [[
Nₜᵣ = 25; # number of inputs in the data set
xtrain, ytrain = dataset_generator(Nₜᵣ);
datatrain = zip(xtrain,ytrain); # ensamble my data

trainmode!(m,true)
itermax = 700; # set max number of iterations
losses = [];
for iter in 1:itermax
  Flux.train!(loss,ps,datatrain,opt);
  push!(losses, sum(loss.(xtrain,ytrain)));
end]] },
      lua = [[
-- xtrain: (N,63), ytrain: (N,6); row i is sample i
function dataset_generator(N)
  return gl.rand(N, 63) * 2 - 1, gl.rand(N, 6) * 2 - 1
end

-- one run of the asker's program; returns what it measured
function run(N, itermax)
  gl.manual_seed(1)                       -- the same starting network for every N
  local m = Chain()
  local xtrain, ytrain = dataset_generator(N)
  local opt = gl.optim.Adam(m:parameters(), {lr = 0.01, betas = {0.9, 0.8}})
  local function loss(x, y) return squaredCost(m(x), y) end
  local function summed()                 -- sum(loss.(xtrain, ytrain))
    return gl.no_grad(function() return loss(xtrain, ytrain):item() end)
  end
  local xs, ys = {}, {}
  for i = 1, N do xs[i], ys[i] = xtrain[i], ytrain[i] end
  local losses = {[0] = summed()}         -- [0]: before training
  for iter = 1, itermax do
    for i = 1, N do                       -- Flux.train!: one update per sample
      opt:zero_grad()
      loss(xs[i], ys[i]):backward()
      opt:step()
    end
    losses[iter] = summed()
  end
  return {N = N, losses = losses, model = m, opt = opt, x = xtrain, y = ytrain}
end

Ns = {10, 15, 25}
runs = {}
for _, N in ipairs(Ns) do runs[N] = run(N, 700) end

print("summed cost sum(loss.(xtrain, ytrain)) after iteration:")
printf("%6s %9s %9s %9s %9s %9s", "", "before", "1", "10", "100", "700")
for _, N in ipairs(Ns) do
  local l = runs[N].losses
  printf("N = %2d %9.3f %9.3f %9.3f %9.4f %9.4f", N, l[0], l[1], l[10], l[100], l[700])
end
local a, b, c = runs[10].losses, runs[15].losses, runs[25].losses
expect((a[0] < b[0] and b[0] < c[0]) and 1 or 0, 1, 0, "before training: larger N, larger sum")
expect((a[700] < b[700] and b[700] < c[700]) and 1 or 0, 1, 0, "after 700: larger N, larger sum")]],
      after = [[
The asker's picture: the curve for N = 25 lies above the one for 15, which
lies above the one for 10 — from the first point to the last.]],
    },
    {
      title = "Why: a sum of N terms",
      text = [[
sum(loss.(xtrain, ytrain)) adds one cost per sample. Before training the
network's outputs have nothing to do with the targets, so every sample costs
about the same: for y uniform in [-1,1]⁶, E[(1/2)||y||²] = 6·(1/3)/2 = 1, and
the network's own outputs add about (1/2)||ŷ||² on top. The sum is about N
times that. Divide by N — the mean cost per sample — and the three starting
points come together.]],
      lua = [[
print("before training:")
print("          summed   mean = sum/N   mean ½|y|²   mean ½|ŷ|²")
gl.manual_seed(1); m0 = Chain()          -- the starting network again, as run() made it
mean0 = {}
for _, N in ipairs(Ns) do
  local r = runs[N]
  local s = r.losses[0]
  mean0[N] = s / N
  local half_y2 = (0.5 * (r.y ^ 2):sum() / N):item()
  local half_yhat2 = gl.no_grad(function() return (0.5 * (m0(r.x) ^ 2):sum() / N):item() end)
  printf("N = %2d %9.3f %14.3f %12.3f %12.3f", N, s, mean0[N], half_y2, half_yhat2)
end
local lo = math.min(mean0[10], mean0[15], mean0[25])
local hi = math.max(mean0[10], mean0[15], mean0[25])
printf("summed: N = 25 over N = 10 is %.2f; mean: largest over smallest is %.2f",
  runs[25].losses[0] / runs[10].losses[0], hi / lo)
expect(hi / lo, 1, 0.25, "spread of the mean cost before training (largest/smallest)")
for _, N in ipairs(Ns) do
  expect(mean0[N], 1.5, 0.5, "mean cost per sample before training, N = " .. N)
end]],
      after = [[
The same cost per sample, about 1.5, whatever N is; the sum grows with N.
That is the answer in the document: the losses aren't normalised, so adding
data can only increase the cost — use a mean (Flux.Losses.mse, or the sum
divided by N).]],
    },
    {
      title = "Iterations or epochs?",
      text = [[
The asker wonders whether their 700 iterations are iterations or epochs.
An epoch is one pass over the whole data set; an iteration is one update of
the parameters. Flux.train! over datatrain makes one update per sample, so
each pass of their `for iter in 1:itermax` loop is one epoch of N
iterations: 700 epochs are 7,000 updates for N = 10 and 17,500 for N = 25.
Adam counts its own steps; let's ask it.]],
      lua = [[
for _, N in ipairs(Ns) do
  local first = runs[N].model:parameters()[1]
  local steps = runs[N].opt.state[first].step
  printf("N = %2d: 700 epochs, %5d Adam updates (%d per epoch)", N, steps, steps // 700)
  expect(steps, 700 * N, 0, "Adam updates for N = " .. N)
end]],
      after = [[
Each update sees one sample (a batch of 1), so dividing the *reported* cost
by N changes the curves but not the training: the gradients are the same.
With 10,000 samples an epoch would be 10,000 updates; minibatches (a few
dozen samples per update, a mean cost over the batch) are the usual way.]],
    },
    {
      title = "Normalised: what remains",
      text = [[
Now the honest part. Plot the mean cost (sum/N) instead of the sum: the
three curves start together. Do they end together?]],
      lua = [[
print("mean cost per sample (sum/N) after iteration:")
printf("%6s %9s %9s %9s %9s %9s %14s", "", "before", "1", "10", "100", "700", "min 601..700")
mean700, best = {}, {}
for _, N in ipairs(Ns) do
  local l = runs[N].losses
  best[N] = math.huge
  for it = 601, 700 do best[N] = math.min(best[N], l[it] / N) end
  mean700[N] = l[700] / N
  printf("N = %2d %9.3f %9.3f %9.4f %9.5f %9.5f %14.5f", N, l[0] / N, l[1] / N, l[10] / N,
    l[100] / N, mean700[N], best[N])
end
expect(mean700[10], 0, 0.01, "mean cost after 700, N = 10 (below 0.01)")
expect((mean700[10] < mean700[15] and mean700[15] < mean700[25]) and 1 or 0, 1, 0,
  "after 700: larger N, larger mean")
expect((best[10] < best[15] and best[15] < best[25]) and 1 or 0, 1, 0,
  "best of the last 100: larger N, larger mean")
local l10, l15, l25 = runs[10].losses[100] / 10, runs[15].losses[100] / 15, runs[25].losses[100] / 25
expect((l10 < l15 and l15 < l25) and 1 or 0, 1, 0, "after 100: larger N, larger mean")

if gl.viz then
  summed_plot = gl.viz.loss{title = "the asker's curves: summed cost per epoch", log = true}
  mean_plot = gl.viz.loss{title = "normalised: mean cost per sample (sum/N)", log = true}
  for _, N in ipairs(Ns) do
    for it = 0, 700 do
      summed_plot:add("N = " .. N, it, runs[N].losses[it])
      mean_plot:add("N = " .. N, it, runs[N].losses[it] / N)
    end
  end
  save_plot("lesson3_loss.png")
end]],
      after = [[
They don't. After 700 epochs the mean cost is still higher for larger N —
and already after 100 — and the best of the last 100 epochs says the same,
so it is not a wobble of the last one. (In the window: the asker's summed
curves on the left, the mean on the right.) Dividing by N removes the factor
N; what remains is real. The network is the same size, its learning rate the
same, and it has more points to fit: with one update per sample, each step
towards one sample pulls a little away from the others, and the curves
settle into a jittery floor (compare the last value with the best of the
last 100). A bigger data set is harder to fit: its floor is higher.

PyTorch, with the same network and data of the same kind, shows the same
ordering (mean cost after 700 epochs about 0.0018, 0.012 and 0.044 for one
seed). Two implementations agree number for number only for the first ~20
epochs — Adam amplifies rounding differences — so compare the shapes of the
curves, not their late digits. For the asker's 10,000 samples: plot the mean
cost, and measure it on samples the network was not trained on too.]],
    },
  },

  try = [[
At the prompt: run, runs, Ns, Chain, Dense and squaredCost are defined.

- runs[25].losses[700] / 25 is the mean cost; runs[25].model(runs[25].x[1]) one prediction.
- r = run(40, 100): a bigger data set, 100 epochs (half a second); compare r.losses[100] / 40
  with runs[25].losses[100] / 25.
- Train longer: r = run(25, 1500) (a few seconds) — does the mean cost for N = 25 keep
  falling, or settle where one-sample steps keep pulling it back and forth?]],
}
