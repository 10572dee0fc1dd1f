-- Lesson 6 — multi-output regression and the shapes of targets.
-- Scenario 6 of the seed document: a nolearn/Theano network with 26 outputs
-- fails with "dimension mismatch in args to gemm (128,1000)x(1000,26)->(128,1)"
-- because the targets have shape (1082,), one number per sample. The answer:
-- make the targets (1082, 26) with label_binarize, and use a softmax output.
return {
  title = "26 outputs, one target column: shapes in multi-output training",
  source = "Seed scenario 6: 'Multi-class regression in nolearn?'",
  question = [[
A network with output_num_units = 1 trains; with 26 outputs (one per class)
Theano stops with "dimension mismatch in args to gemm (128,1000)x(1000,26)->(128,1)".
The labels are one value per sample, shape (1082,). How do you train 26 outputs
against them?]],

  steps = {
    {
      title = "The mismatch, as gradlab reports it",
      text = [[
A batch of 128 samples through a last layer of 1000 -> 26 units gives a
(128, 26) output; the targets of that batch have shape (128,). Theano's
message shows the product it was asked to fit into a (128,1) result. gradlab
names both shapes at the op that fails: here the loss.]],
      original = { lang = "Python (nolearn)", code = [[
net = NeuralNet(layers=layers_s,
                ...
                output_num_units=noutput,     # 26
                output_nonlinearity=None,
                regression=True,
                objective_loss_function=lasagne.objectives.squared_error, ...)
# ValueError: dimension mismatch in args to gemm (128,1000)x(1000,26)->(128,1)]] },
      lua = [[
gl.manual_seed(6)
last = gl.nn.Linear(1000, 26)
features = gl.randn(128, 1000)            -- (128,1000): the batch at the last layer
out = last(features)                      -- (128,26)
labels = gl.rand(128)                     -- (128): one number per sample
ok, err = pcall(gl.nn.mse_loss, out, labels)
print(err)
ok2, err2 = pcall(function() return features:matmul(gl.randn(26, 1000)) end)
print(err2)
expect(ok and 1 or 0, 0, 0, "the (128,26) vs (128) loss fails")]],
      after = [[
The first error is the asker's: 26 outputs against one target per sample. The
second is the other classic, a weight stored the wrong way round: gradlab
prints both operands and the two inner sizes that should agree.]],
    },
    {
      title = "The silent version: one output, targets of shape (N,)",
      text = [[
With output_num_units = 1 the asker's net "works". In PyTorch (and NumPy, and
gradlab) a (128,1) output minus (128,) targets broadcasts to (128,128): every
prediction is compared with every target. No error — a wrong loss. gradlab
warns when a broadcast makes the result bigger than both operands.]],
      lua = [[
one = gl.nn.Linear(1000, 1)(features)     -- (128,1)
silent = gl.nn.mse_loss(one, labels)      -- warns: (128,1) - (128) -> (128,128)
fixed = gl.nn.mse_loss(one:reshape(-1), labels)
printf("broadcast loss %.4f vs per-sample loss %.4f", silent:item(), fixed:item())]],
    },
    {
      title = "label_binarize: one column per class",
      text = [[
The answer: targets for 26 outputs must have shape (1082, 26). For class
labels that means one-hot rows — sklearn's label_binarize, gradlab's
nn.one_hot. (Lua counts from 1, so classes are 1..26.)]],
      original = { lang = "Python (scikit-learn)", code = [[
from sklearn.preprocessing import label_binarize
Y = label_binarize(y, classes=range(26))   # (1082,) -> (1082, 26)]] },
      lua = [[
gl.manual_seed(1082)
N, C, D = 1082, 26, 20
classes = (gl.rand(N) * C):long() + 1     -- (1082) int64 labels in 1..26
Y = gl.nn.one_hot(classes, C)             -- (1082,26)
print("labels:", classes.shape[1], " one-hot:", Y.shape[1], "x", Y.shape[2])
print("first rows:", Y[{{1, 3}}])
row_sums = Y:sum(2)
expect(Y.shape[2], 26, 0, "one_hot columns")
expect(row_sums:min(), 1, 0, "every row sums to 1 (min)")
expect(row_sums:max(), 1, 0, "every row sums to 1 (max)")]],
    },
    {
      title = "A softmax output, and a short training that works",
      text = [[
For classes, the output should be a probability per class: a softmax, whose
rows sum to 1, trained with cross-entropy. We make 1082 samples of 20
features around 26 class centres and train a small network for 60 epochs.]],
      lua = [[
centres = gl.randn(C, D) * 2                         -- (26,20)
X = Y:matmul(centres) + gl.randn(N, D) * 0.5         -- (1082,20): each sample near its centre
model = gl.nn.Sequential(gl.nn.Linear(D, 64), gl.nn.ReLU(), gl.nn.Linear(64, C))
opt = gl.optim.Adam(model:parameters(), {lr = 0.01})
first_loss = nil
for epoch = 1, 60 do
  local loss = gl.nn.cross_entropy(model(X), Y)      -- one-hot targets (1082,26)
  first_loss = first_loss or loss:item()
  opt:zero_grad(); loss:backward(); opt:step()
  if epoch % 20 == 0 then printf("epoch %2d  loss %.4f", epoch, loss:item()) end
end
probs = model(X):softmax(2)                          -- (1082,26)
accuracy = probs:argmax(2):eq(classes):double():mean():item()
printf("rows of the softmax sum to %.6f .. %.6f", probs:sum(2):min():item(), probs:sum(2):max():item())
printf("training accuracy %.1f%%", 100 * accuracy)
expect(probs:sum(2):min(), 1, 1e-5, "softmax rows sum to 1")
expect(accuracy > 0.9 and 1 or 0, 1, 0, "accuracy above 90%")]],
      after = [[
With targets of the output's shape the network trains: the loss falls from
ln 26 ≈ 3.26 and the classes separate. Regression on 26 continuous targets
works the same way — as long as the target tensor is (N, 26), not (N,).]],
    },
  },

  try = [[
model, X, Y, classes and probs are in scope.
- Look at one prediction: print(probs[1]), print(classes[1])
- Train against the class labels instead of one-hot: gl.nn.cross_entropy(model(X), classes)
- Provoke the warning: gl.nn.mse_loss(model(X)[{{}, {1}}], classes:double())]],
}
