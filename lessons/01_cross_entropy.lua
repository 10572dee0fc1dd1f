-- Lesson 1 — cross-entropy gives the same loss for two different outputs.
-- Scenario 1 of the seed document: the asker's per-element binary
-- cross-entropy returns 1.20397280433 for both [0.1,0.9,0.1,0.1] and
-- [0.1,0.1,0.1,0.9] against the target [1,0,0,0]. The answer: symmetry.
-- Beyond the answer: the losses tie, the gradients do not.
return {
  title = "Cross-entropy stays the same for two different outputs",
  source = "Seed scenario 1: 'Cross Entropy Error remains unchanged for various values'",
  question = [[
The asker wrote cross-entropy by hand and tried it on the target [1, 0, 0, 0]
with two outputs: a = [0.1, 0.9, 0.1, 0.1] and b = [0.1, 0.1, 0.1, 0.9]. Both
give exactly the same loss. If the loss can't tell a from b, how does the
network learn which output is the right one?]],

  steps = {
    {
      title = "The asker's function, replayed",
      text = [[
The function sums, over the four outputs, the binary cross-entropy of each one
(desired*log(calculated) + (1-desired)*log(1-calculated)) and averages over n = 4.
We replay it in float64 with gradlab's tensor ops, and print the result as
Python 2's print did (12 significant digits).]],
      original = { lang = "Python", code = [[
def CrossEntropy(calculated,desired):
    sum=0
    n=len(calculated)
    for i in range(0,n):
        sum+=(desired[i] * math.log(calculated[i])) + ((1-desired[i])* math.log(1-calculated[i]))
    crossentropy=(-1)*sum/n
    return crossentropy

print CrossEntropy(calculated=[0.1,0.9,0.1,0.1], desired=[1,0,0,0])
print CrossEntropy(calculated=[0.1,0.1,0.1,0.9], desired=[1,0,0,0])
print CrossEntropy(calculated=[0.1,0.1,0.1,0.75], desired=[1,0,0,0])
print CrossEntropy(calculated=[0.45,0.1,0.1,0.9], desired=[1,0,0,0])]] },
      lua = [[
-- calculated, desired: (4) float64
function CrossEntropy(calculated, desired)
  local c = gl.tensor(calculated, {dtype = "float64"})
  local d = gl.tensor(desired, {dtype = "float64"})
  local sum = (d * c:log() + (1 - d) * (1 - c):log()):sum()
  return -sum / c:numel()
end

target = {1, 0, 0, 0}
losses = {}
for i, calculated in ipairs{{0.1, 0.9, 0.1, 0.1}, {0.1, 0.1, 0.1, 0.9},
                            {0.1, 0.1, 0.1, 0.75}, {0.45, 0.1, 0.1, 0.9}} do
  losses[i] = CrossEntropy(calculated, target):item()
  print(py2(losses[i]))
end
expect(losses[1], 1.20397280433, 5e-12, "loss of a")
expect(losses[2], 1.20397280433, 5e-12, "loss of b")
expect(losses[3], 0.974900121357, 5e-13, "loss with 0.75")
expect(losses[4], 0.827953455132, 5e-13, "loss with 0.45 for the true class")
expect(losses[1], math.log(100 / 9) / 2, 1e-15, "closed form ln(100/9)/2")]],
      after = [[
Exactly the document's numbers. For a and b the loss is ln(100/9)/2: the true
class gets 0.1 in both, and the three wrong classes get {0.9, 0.1, 0.1} in
some order. A sum doesn't care about order, so the loss is the same.]],
    },
    {
      title = "Same loss, different gradients",
      text = [[
A network never learns from the loss value alone: it learns from the loss's
gradient with respect to its outputs. Let's ask autodiff for that gradient at
a and at b.]],
      lua = [[
-- a, b: (4) float64 leaves; the loss is a 0-dim tensor
a = gl.tensor({0.1, 0.9, 0.1, 0.1}, {dtype = "float64", requires_grad = true})
b = gl.tensor({0.1, 0.1, 0.1, 0.9}, {dtype = "float64", requires_grad = true})
d = gl.tensor(target, {dtype = "float64"})
function bce(c) return -(d * c:log() + (1 - d) * (1 - c):log()):sum() / 4 end
bce(a):backward()
bce(b):backward()
print("dloss/da =", a.grad)
print("dloss/db =", b.grad)
expect(a.grad[1], -2.5, 1e-12, "dloss/da[1]")
expect(a.grad[2], 2.5, 1e-12, "dloss/da[2]")
expect(a.grad[3], 0.25 / 0.9, 1e-12, "dloss/da[3]")
expect(b.grad[4], 2.5, 1e-12, "dloss/db[4]")
expect(b.grad[2], 0.25 / 0.9, 1e-12, "dloss/db[2]")]],
      after = [[
The gradients differ exactly where a and b differ: at a, the loss pushes
output 2 down hard (+2.5: lowering it lowers the loss); at b, it pushes
output 4 down. In both, output 1 (the true class) is pushed up (-2.5). The
loss ties; the direction to improve does not — that is how the network
learns which output is right.]],
    },
    {
      title = "Softmax + categorical cross-entropy: the same story",
      text = [[
The asker said they use softmax with cross-entropy. Categorical cross-entropy
looks only at the true class: -log softmax(z)[true]. Take logits z = log(a) and
z = log(b): softmax gives a/sum(a) and b/sum(b), and the true class gets
0.1/1.2 in both, so the loss is ln 12 for both. The gradient with respect to
the logits is softmax(z) - onehot(true): different again.]],
      original = { lang = "PyTorch", code = [[
za = torch.log(torch.tensor([0.1,0.9,0.1,0.1])).requires_grad_()
loss = F.cross_entropy(za[None], torch.tensor([0]))
loss.backward()   # za.grad = softmax(za) - onehot]] },
      lua = [[
-- za, zb: (1,4) float64 logits; class 1 (Lua counts from 1) is the true one
za = gl.tensor({{0.1, 0.9, 0.1, 0.1}}, {dtype = "float64"}):log():detach():requires_grad_(true)
zb = gl.tensor({{0.1, 0.1, 0.1, 0.9}}, {dtype = "float64"}):log():detach():requires_grad_(true)
label = gl.tensor({1}, {dtype = "int64"})
loss_a = gl.nn.cross_entropy(za, label)
loss_b = gl.nn.cross_entropy(zb, label)
print("loss(a) =", loss_a:item(), "loss(b) =", loss_b:item(), "ln 12 =", math.log(12))
loss_a:backward(); loss_b:backward()
print("dloss/dza =", za.grad)
print("dloss/dzb =", zb.grad)
expect(loss_a, math.log(12), 1e-12, "softmax cross-entropy of a")
expect(loss_b, math.log(12), 1e-12, "softmax cross-entropy of b")
expect(za.grad[{1, 1}], 1 / 12 - 1, 1e-12, "dloss/dza[1]")
expect(za.grad[{1, 2}], 0.75, 1e-12, "dloss/dza[2]")
expect(za.grad[{1, 3}], 1 / 12, 1e-12, "dloss/dza[3]")
expect(zb.grad[{1, 4}], 0.75, 1e-12, "dloss/dzb[4]")]],
      after = [[
Same loss ln 12 = 2.4849, and gradients [-0.9167, 0.75, 0.0833, 0.0833] for a
but [-0.9167, 0.0833, 0.0833, 0.75] for b: a gradient step lowers the logit
of whichever wrong class is too high. Ties in the loss are common and harmless.]],
    },
  },

  try = [[
At the prompt: CrossEntropy, a, b, za, zb and bce are still defined.
- Break the symmetry: CrossEntropy({0.1, 0.8, 0.1, 0.1}, target)
- Take one gradient step by hand: a2 = (a - 0.1 * a.grad):detach(); print(bce(a2))
- Compare with the softmax loss of gl.tensor{{1, 2, 3, 4}}.]],
}
