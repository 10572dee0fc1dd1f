-- Lesson 5 — what the gradient argument of backward() means.
-- Scenario 5 of the seed document: y.backward(torch.FloatTensor([0.1, 1.0, 0.0001]))
-- prints x.grad = [0.3, 3.0, 3e-4]. The argument is the vector of a
-- vector-Jacobian product: the weights of each output in the "loss".
return {
  title = "What the gradient argument of backward() means",
  source = "Seed scenario 5: 'Pytorch, what are the gradient arguments'",
  question = [[
The PyTorch docs once showed `y.backward(torch.FloatTensor([0.1, 1.0, 0.0001]))`
followed by `print(x.grad)`. What are 0.1, 1.0 and 0.0001? The documentation
was not clear on that.]],

  steps = {
    {
      title = "z = 2x, one output at a time",
      text = [=[
Start with the answer's example: x = [[1, 2, 3, 4]] and z = 2x, four outputs.
backward(v) computes v·(dz/dx): with v = [1, 0, 0, 0] that is the derivative of
z_1 alone. retain_graph keeps the graph for the next call, and x.grad must be
zeroed between calls because gradients accumulate.]=],
      original = { lang = "PyTorch", code = [=[
x = Variable(torch.FloatTensor([[1, 2, 3, 4]]), requires_grad=True)
z = 2*x
loss = z.sum(dim=1)
z.backward(torch.FloatTensor([[1, 0, 0, 0]]), retain_graph=True)
print(x.grad.data)
x.grad.data.zero_()
z.backward(torch.FloatTensor([[0, 1, 0, 0]]), retain_graph=True)
print(x.grad.data)
x.grad.data.zero_()
z.backward(torch.FloatTensor([[1, 1, 1, 1]]), retain_graph=True)
print(x.grad.data)
x.grad.data.zero_()
loss.backward()
print(x.grad.data)]=] },
      lua = [[
-- x: (1,4) leaf; z: (1,4); loss: (1)
x = gl.tensor({{1, 2, 3, 4}}, {requires_grad = true})
z = 2 * x
loss = z:sum(2)
z:backward(gl.tensor{{1, 0, 0, 0}}, {retain_graph = true})
print(x.grad)
x.grad:zero_()
z:backward(gl.tensor{{0, 1, 0, 0}}, {retain_graph = true})
print(x.grad)
x.grad:zero_()
z:backward(gl.tensor{{1, 1, 1, 1}}, {retain_graph = true})
print(x.grad)
x.grad:zero_()
loss:backward()
print(x.grad)
expect(x.grad[{1, 3}], 2, 0, "d loss / d x_3")]],
      after = [=[
[[2., 0., 0., 0.]] is dz_1/dx; [[0., 2., 0., 0.]] is dz_2/dx; weights
[1, 1, 1, 1] give the sum, the same as loss = z.sum(): the vector passed to
backward is d(loss)/dz, the gradient of some final scalar with respect to z.]=],
    },
    {
      title = "Example 1: the weights 0.1, 1.0 and 0.0001",
      text = [[
Now the document's own example: y = 3a + 2b² + log(c), elementwise, three
outputs. backward(v) gives a.grad = v·3, b.grad = v·4b, c.grad = v/c — each
output's derivative scaled by its weight.]],
      original = { lang = "PyTorch", code = [[
a = torch.tensor([1.0, 2.0, 3.0], requires_grad = True)
b = torch.tensor([3.0, 4.0, 5.0], requires_grad = True)
c = torch.tensor([6.0, 7.0, 8.0], requires_grad = True)
y=3*a + 2*b*b + torch.log(c)
gradients = torch.FloatTensor([0.1, 1.0, 0.0001])
y.backward(gradients,retain_graph=True)
print(a.grad) # tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])
print(b.grad) # tensor([1.2000e+00, 1.6000e+01, 2.0000e-03])
print(c.grad) # tensor([1.6667e-02, 1.4286e-01, 1.2500e-05])]] },
      lua = [[
-- a, b, c, y, gradients: (3) float32
a = gl.tensor({1.0, 2.0, 3.0}, {requires_grad = true})
b = gl.tensor({3.0, 4.0, 5.0}, {requires_grad = true})
c = gl.tensor({6.0, 7.0, 8.0}, {requires_grad = true})
y = 3 * a + 2 * b * b + c:log()
gradients = gl.tensor{0.1, 1.0, 0.0001}
y:backward(gradients, {retain_graph = true})
print(a.grad)
print(b.grad)
print(c.grad)
expect(a.grad[3], 3e-4, 1e-9, "a.grad[3]")
expect(b.grad[2], 16, 1e-5, "b.grad[2]")
expect(c.grad[3], 1.25e-5, 1e-10, "c.grad[3]")]],
      after = [[
Exactly the document's printout, in the same format.]],
    },
    {
      title = "The Jacobian behind it",
      text = [[
Reverse mode never builds the Jacobian: it pushes the vector v backwards
through each op. But for three inputs we can build J = dy/da row by row (one
backward per output, v = a one-hot) and check that v·J is what backward gave.]],
      lua = [[
-- J: (3,3), row i = d y_i / d a
rows = {}
for i = 1, 3 do
  a.grad:zero_()
  local v = gl.zeros(3); v[i] = 1
  y:backward(v, {retain_graph = true})
  rows[i] = a.grad:clone()
end
J = gl.stack(rows)
print("J = dy/da =", J)
print("v J =", gradients:matmul(J))
expect(J[{2, 2}], 3, 0, "J[2][2]")
expect(J[{1, 2}], 0, 0, "J[1][2]")]],
      after = [[
J is 3·I (each y_i depends only on a_i), and v·J = [0.3, 3.0, 3e-4]: the
vector-Jacobian product. For a scalar loss, v = 1 and backward() needs no
argument — that is the usual case.]],
    },
    {
      title = "Without the argument, and a second time without retain_graph",
      text = [[
Two errors people meet. backward() on a non-scalar has no v to use. And a
graph is freed by a backward without retain_graph: a second backward through
it fails.]],
      lua = [[
ok, err = pcall(function() y:backward() end)
print(err)
y2 = c:log() * c      -- log saves c; mul saves both inputs
y2:sum():backward()
ok, err2 = pcall(function() y2:sum():backward() end)
print(err2)
expect(ok and 1 or 0, 0, 0, "second backward fails")]],
      after = [[
gradlab says what PyTorch says ("grad can be implicitly created only for
scalar outputs"; "trying to backward through the graph a second time"), and
names the op whose saved tensors are gone.]],
    },
    {
      title = "Example 2: scalars, no argument needed",
      original = { lang = "PyTorch", code = [[
a = torch.tensor(0.1, requires_grad = True)
b = torch.tensor(1.0, requires_grad = True)
c = torch.tensor(0.1, requires_grad = True)
y=3*a + 2*b*b + torch.log(c)
y.backward()
print(a.grad) # tensor(3.)
print(b.grad) # tensor(4.)
print(c.grad) # tensor(10.)]] },
      lua = [[
a = gl.tensor(0.1, {requires_grad = true})
b = gl.tensor(1.0, {requires_grad = true})
c = gl.tensor(0.1, {requires_grad = true})
y = 3 * a + 2 * b * b + c:log()
y:backward()
print(a.grad); print(b.grad); print(c.grad)
expect(c.grad, 10, 1e-5, "c.grad")]],
    },
    {
      title = "Example 4: gradients accumulate",
      text = [[
Two backward calls without zeroing in between add up: every gradient doubles.]],
      original = { lang = "PyTorch", code = [[
a = torch.tensor(1.0, requires_grad = True)
b = torch.tensor(1.0, requires_grad = True)
c = torch.tensor(1.0, requires_grad = True)
y=3*a + 2*b*b + torch.log(c)
y.backward(retain_graph=True)
y.backward()
print(a.grad) # tensor(6.)
print(b.grad) # tensor(8.)
print(c.grad) # tensor(2.)]] },
      lua = [[
a = gl.tensor(1.0, {requires_grad = true})
b = gl.tensor(1.0, {requires_grad = true})
c = gl.tensor(1.0, {requires_grad = true})
y = 3 * a + 2 * b * b + c:log()
y:backward(nil, {retain_graph = true})
y:backward()
print(a.grad); print(b.grad); print(c.grad)
expect(a.grad, 6, 0, "a.grad after two calls")
expect(b.grad, 8, 0, "b.grad after two calls")]],
    },
    {
      title = "Example 3: uninitialised memory",
      text = [[
The answer's third example used torch.empty: whatever bytes were in memory.
Its printout (a.grad = 3.3003, b.grad = 0, c.grad = inf) is not reproducible —
and c.grad = inf says c happened to hold 0: d log(c)/dc = 1/c. gl.empty is
uninitialised too. With explicit zeros the inf is certain.]],
      original = { lang = "PyTorch", code = [[
a = torch.empty(1, requires_grad = True, pin_memory=True)
b = torch.empty(1, requires_grad = True, pin_memory=True)
c = torch.empty(1, requires_grad = True, pin_memory=True)
y=3*a + 2*b*b + torch.log(c)
gradients = torch.FloatTensor([0.1, 1.0, 0.0001])
y.backward(gradients)
print(a.grad) # tensor([3.3003])
print(b.grad) # tensor([0.])
print(c.grad) # tensor([inf])]] },
      lua = [[
a = gl.empty(1):requires_grad_(true)  -- whatever was in memory
if not CHECK then print("gl.empty(1) holds", a) end  -- (check mode skips reading it: valgrind would rightly object)
a = gl.zeros(1, {requires_grad = true})
b = gl.zeros(1, {requires_grad = true})
c = gl.zeros(1, {requires_grad = true})
y = 3 * a + 2 * b * b + c:log()
y:backward(gl.tensor{0.1})
print(a.grad); print(b.grad); print(c.grad)
expect(c.grad[1], math.huge, 0, "c.grad at c = 0")]],
      after = [[
(The document's y has one element and a 3-element gradient: PyTorch 1.x let
that through; gradlab asks for the output's shape.) The lesson of example 3:
never read a tensor you did not fill.]],
    },
  },

  try = [[
- y = a * a; y:backward(gl.tensor{1}); print(a.grad) — then run it again and
  watch it accumulate.
- x = gl.tensor({{1, 2}, {3, 4}}, {requires_grad = true}); (x:matmul(x)):backward(gl.ones(2, 2))
- :help gl.Tensor.backward]],
}
