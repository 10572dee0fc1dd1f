#!/usr/bin/python3
"""make_golden.py — golden values from PyTorch for tests/engine/test_golden.c.

Regenerate (needs Debian's python3-torch, PyTorch 1.13 CPU; run from anywhere):

    /usr/bin/python3 tests/golden/make_golden.py

It writes tests/golden/golden.json (committed: running the C test does not
need torch). Everything is seeded, so a rerun writes the same file.

The file holds small computation graphs. Each graph is a program over
numbered tensors: tensors 0..k-1 are the inputs, and instruction j makes
tensor k+j:

    {"name": "mlp_relu_mse_float64", "dtype": "float64",
     "inputs": [{"dtype": "float64", "shape": [5, 3], "values": [...],
                 "requires_grad": true}, ...],
     "program": [{"op": "matmul", "in": [0, 1]},
                 {"op": "sum", "in": [2], "dim": 1, "keepdim": true}, ...],
     "output": {"shape": [...], "values": [...]},       (the last tensor)
     "w": [...],                                        (out's shape)
     "grads": [{"shape": [...], "values": [...]} or null, ...]}

"grads" has one entry per input: the gradient of sum(out * w), that is
out.backward(w), for inputs that require grad; null for the others and for
inputs the output does not depend on (torch leaves .grad None).

Instructions (attributes besides "in"; dims may be negative):
  add sub mul div pow                       2 inputs, broadcasting
  neg exp log sqrt abs sin cos tanh sigmoid relu square
  gt lt                                     comparisons (bool, for where)
  sum mean                                  "dim": int or null (all), "keepdim"
  max min                                   "dim": int or null; with a dim the values only
  matmul
  softmax log_softmax                       "dim"
  cat stack                                 "in": [several], "dim"
  where                                     "in": [cond, a, b]
  mse_loss bce_loss cross_entropy           "reduction": "mean" | "sum" | "none"
  reshape expand                            "shape"
  transpose                                 "dims": [d0, d1]
  permute                                   "perm"
  slice                                     "dim", "start", "end", "step" (Python slicing)
  select                                    "dim", "index"
  unsqueeze squeeze                         "dim"

Graphs come from two sources: templates (hand-written graphs that put every
op in a typical setting: an MLP, a softmax classifier, the seed's losses,
broadcasting, views), each with random values in float32 and in float64;
and random programs composed op by op. Every graph is checked to be well
conditioned before it is kept: rerun in float64 from the same inputs (for a
float32 graph) or in float32 (for a float64 graph), the results must agree
to 1e-6 (resp. 1e-4) relative to their largest magnitude, so an engine that
computes in a different but sound order lands well inside the test's
tolerance (float32 1e-5, float64 1e-9). Operands near a kink (abs, relu at
0, ties of max/min) or outside a domain (log, sqrt, pow, div) are avoided.
"""
import json
import os
import random

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "golden.json")
SEED = 20240601

DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}


# ----------------------------------------------------------------- replay

def run_op(ins, inst):
    """One instruction on torch tensors; ins are the tensors it names."""
    op = inst["op"]
    a = ins[0]
    if op in ("add", "sub", "mul", "div", "pow"):
        return {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow}[op](a, ins[1])
    if op in ("neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square"):
        return getattr(torch, op)(a)
    if op in ("gt", "lt"):
        return getattr(torch, op)(a, ins[1])
    if op in ("sum", "mean"):
        if inst["dim"] is None:
            return getattr(torch, op)(a)
        return getattr(torch, op)(a, inst["dim"], keepdim=inst["keepdim"])
    if op in ("max", "min"):
        if inst["dim"] is None:
            return getattr(torch, op)(a)
        return getattr(torch, op)(a, inst["dim"], keepdim=inst["keepdim"]).values
    if op == "matmul":
        return torch.matmul(a, ins[1])
    if op in ("softmax", "log_softmax"):
        return getattr(torch, op)(a, inst["dim"])
    if op == "cat":
        return torch.cat(ins, inst["dim"])
    if op == "stack":
        return torch.stack(ins, inst["dim"])
    if op == "where":
        return torch.where(a, ins[1], ins[2])
    if op == "mse_loss":
        return F.mse_loss(a, ins[1], reduction=inst["reduction"])
    if op == "bce_loss":
        return F.binary_cross_entropy(a, ins[1], reduction=inst["reduction"])
    if op == "cross_entropy":
        return F.cross_entropy(a, ins[1], reduction=inst["reduction"])
    if op == "reshape":
        return a.reshape(inst["shape"])
    if op == "expand":
        return a.expand(inst["shape"])
    if op == "transpose":
        return a.transpose(*inst["dims"])
    if op == "permute":
        return a.permute(*inst["perm"])
    if op == "slice":
        d = inst["dim"] % a.dim()
        idx = (slice(None),) * d + (slice(inst["start"], inst["end"], inst["step"]),)
        return a[idx]
    if op == "select":
        return a.select(inst["dim"], inst["index"])
    if op == "unsqueeze":
        return a.unsqueeze(inst["dim"])
    if op == "squeeze":
        return a.squeeze(inst["dim"])
    raise ValueError("unknown op " + op)


def replay(inputs, program, cast=None):
    """Runs a program on leaf copies of the inputs (floating ones cast to
    `cast` if given). Returns (leaves, tensors)."""
    leaves = []
    for t, rg in inputs:
        x = t.detach().clone()
        if cast is not None and x.is_floating_point():
            x = x.to(cast)
        if rg:
            x.requires_grad_(True)
        leaves.append(x)
    tensors = list(leaves)
    for inst in program:
        tensors.append(run_op([tensors[i] for i in inst["in"]], inst))
    return leaves, tensors


def scaled_err(got, want):
    """max |got - want| / max |want| (want's scale floored at 1e-8)."""
    got = got.detach().double().reshape(-1)
    want = want.detach().double().reshape(-1)
    if got.numel() == 0:
        return 0.0
    scale = max(want.abs().max().item(), 1e-8)
    return (got - want).abs().max().item() / scale


# ----------------------------------------------------------------- builder

class Graph:
    """Records a program while running it in torch, so templates read like
    ordinary torch code: g.op("mul", a, b) returns the new tensor's number."""

    def __init__(self, name, dtype, gen):
        self.name = name
        self.dtype = dtype
        self.gen = gen
        self.inputs = []  # (tensor, requires_grad)
        self.program = []
        self.tensors = []
        self.number = []  # builder index -> ("in", k) or ("op", j)

    # -- inputs
    def input(self, t, requires_grad=True):
        t = t.detach().clone()
        if not t.is_floating_point():
            requires_grad = False
        self.inputs.append((t, requires_grad))
        self.tensors.append(t)
        self.number.append(("in", len(self.inputs) - 1))
        return len(self.tensors) - 1

    def randn(self, *shape, scale=1.0, requires_grad=True):
        return self.input(torch.randn(tuple(shape), generator=self.gen, dtype=torch.float64).to(self.dtype) * scale, requires_grad)

    def uniform(self, lo, hi, *shape, requires_grad=True):
        u = torch.rand(tuple(shape), generator=self.gen, dtype=torch.float64)
        return self.input((lo + (hi - lo) * u).to(self.dtype), requires_grad)

    def away_from_zero(self, *shape, lo=0.3, hi=2.0, requires_grad=True):
        u = torch.rand(tuple(shape), generator=self.gen, dtype=torch.float64)
        s = torch.randint(0, 2, shape, generator=self.gen).double() * 2 - 1
        return self.input((s * (lo + (hi - lo) * u)).to(self.dtype), requires_grad)

    def const(self, value, shape=()):
        return self.input(torch.full(shape, value, dtype=self.dtype), False)

    def labels(self, n, classes):
        return self.input(torch.randint(0, classes, (n,) if n is not None else (), generator=self.gen), False)

    # -- instructions
    def op(self, name, *ins, **attrs):
        inst = {"op": name, "in": list(ins)}
        inst.update(attrs)
        out = run_op([self.tensors[i] for i in ins], inst)
        self.program.append(inst)
        self.tensors.append(out)
        self.number.append(("op", len(self.program) - 1))
        return len(self.tensors) - 1

    def numbered_program(self):
        """The program with tensors numbered as the file has them: inputs
        first, then results (a template may make inputs between ops)."""
        k = len(self.inputs)
        final = [i if kind == "in" else k + i for kind, i in self.number]
        return [dict(inst, **{"in": [final[i] for i in inst["in"]]}) for inst in self.program]

    def value(self, i):
        return self.tensors[i]


def kink_free(program, tensors):
    """No operand sits within reach of rounding from a point where the
    derivative jumps: relu/abs at 0, a tie of max/min, a gt/lt comparison
    that decides a where. An engine computing in another order could land
    on the other side there, and both sides would be right."""
    k = len(tensors) - len(program)
    for j, inst in enumerate(program):
        a = tensors[inst["in"][0]].detach().double()
        op = inst["op"]
        if op in ("relu", "abs") and a.numel() and a.abs().min().item() < 1e-3:
            return False
        if op in ("gt", "lt"):
            b = tensors[inst["in"][1]].detach().double()
            if (a - b).abs().min().item() < 1e-3:
                return False
        if op in ("max", "min") and a.numel() > 1:
            if inst["dim"] is None:
                v = a.reshape(-1).sort().values
                gaps = v[1:] - v[:-1]
            elif a.shape[inst["dim"]] > 1:
                gaps = a.sort(dim=inst["dim"]).values.diff(dim=inst["dim"])
            else:
                continue
            if gaps.abs().min().item() < 1e-3:
                return False
    return True


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "values": t.reshape(-1).tolist()}


def finish(g):
    """Runs forward and backward in torch, checks conditioning; returns the
    graph's JSON object, or None when it is not fit to be golden."""
    program = g.numbered_program()
    if g.number[-1][0] != "op":
        return None
    leaves, tensors = replay(g.inputs, program)
    out = tensors[-1]
    if not out.is_floating_point() or not out.requires_grad:
        return None
    if not torch.isfinite(out).all() or out.abs().max().item() > 1e4:
        return None
    if not kink_free(program, tensors):
        return None
    w = torch.randn(out.shape, generator=g.gen, dtype=torch.float64).to(out.dtype)
    out.backward(w)
    grads = [x.grad if rg else None for x, (_, rg) in zip(leaves, g.inputs)]
    for gr in grads:
        if gr is not None and (not torch.isfinite(gr).all() or gr.abs().max().item() > 1e5):
            return None

    # conditioning: the same graph at the other precision
    other = torch.float64 if g.dtype == torch.float32 else torch.float32
    limit = 1e-6 if g.dtype == torch.float32 else 1e-4
    leaves2, tensors2 = replay(g.inputs, program, cast=other)
    out2 = tensors2[-1]
    out2.backward(w.to(out2.dtype))
    if scaled_err(out, out2) > limit:
        return None
    for x2, gr in zip(leaves2, grads):
        if gr is not None and scaled_err(gr, x2.grad) > limit:
            return None

    return {
        "name": g.name,
        "dtype": DTYPE_NAMES[g.dtype],
        "inputs": [dict(dtype=DTYPE_NAMES[t.dtype], requires_grad=rg, **tensor_json(t)) for t, rg in g.inputs],
        "program": program,
        "output": tensor_json(out),
        "w": w.reshape(-1).tolist(),
        "grads": [tensor_json(gr) if gr is not None else None for gr in grads],
    }


# --------------------------------------------------------------- templates
# Each builds one graph on g and leaves its output as the last tensor.

def t_seed_bce_by_hand(g):
    # scenario 1: -sum(d*log(c) + (1-d)*log(1-c))/n
    c = g.uniform(0.05, 0.95, 4)
    d = g.input(torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=g.dtype), False)
    one = g.const(1.0)
    n = g.const(4.0)
    t1 = g.op("mul", d, g.op("log", c))
    t2 = g.op("mul", g.op("sub", one, d), g.op("log", g.op("sub", one, c)))
    s = g.op("sum", g.op("add", t1, t2), dim=None, keepdim=False)
    g.op("div", g.op("neg", s), n)


def t_seed_backward_vector(g):
    # scenario 5: y = 3*a + 2*b*b + log(c)
    a, b = g.randn(3), g.randn(3)
    c = g.uniform(0.5, 8.0, 3)
    three, two = g.const(3.0), g.const(2.0)
    y = g.op("add", g.op("mul", three, a), g.op("mul", g.op("mul", two, b), b))
    g.op("add", y, g.op("log", c))


def t_mlp_relu_mse(g):
    x = g.randn(6, 3, requires_grad=False)
    w1, b1 = g.randn(3, 5, scale=0.7), g.randn(5, scale=0.3)
    w2, b2 = g.randn(5, 1, scale=0.7), g.randn(1, scale=0.3)
    y = g.randn(6, 1, requires_grad=False)
    h = g.op("relu", g.op("add", g.op("matmul", x, w1), b1))
    pred = g.op("add", g.op("matmul", h, w2), b2)
    g.op("mse_loss", pred, y, reduction="mean")


def t_mlp_tanh_sigmoid_bce(g):
    x = g.randn(5, 4, requires_grad=False)
    w1, b1 = g.randn(4, 3, scale=0.6), g.randn(3, scale=0.2)
    w2 = g.randn(3, 2, scale=0.6)
    t = g.uniform(0.0, 1.0, 5, 2, requires_grad=False)
    p = g.op("sigmoid", g.op("matmul", g.op("tanh", g.op("add", g.op("matmul", x, w1), b1)), w2))
    g.op("bce_loss", p, t, reduction="mean")


def t_softmax_classifier_labels(g):
    x = g.randn(6, 4, requires_grad=False)
    w, b = g.randn(4, 3), g.randn(3, scale=0.2)
    y = g.labels(6, 3)
    g.op("cross_entropy", g.op("add", g.op("matmul", x, w), b), y, reduction="mean")


def t_cross_entropy_probs_sum(g):
    z = g.randn(4, 5)
    t = g.op("softmax", g.randn(4, 5, requires_grad=False), dim=1)
    g.op("cross_entropy", z, t, reduction="sum")


def t_cross_entropy_none_and_1d(g):
    z = g.randn(5, 3)
    y = g.labels(5, 3)
    per = g.op("cross_entropy", z, y, reduction="none")
    z1 = g.randn(4)
    y1 = g.labels(None, 4)
    one = g.op("cross_entropy", z1, y1, reduction="mean")
    g.op("add", per, one)


def t_log_softmax_nll_by_hand(g):
    z = g.randn(4, 3)
    onehot = g.input(F.one_hot(torch.randint(0, 3, (4,), generator=g.gen), 3).to(g.dtype), False)
    ls = g.op("log_softmax", z, dim=1)
    g.op("neg", g.op("mean", g.op("sum", g.op("mul", ls, onehot), dim=1, keepdim=False), dim=None, keepdim=False))


def t_softmax_dims(g):
    x = g.randn(3, 4)
    s0 = g.op("softmax", x, dim=0)
    s1 = g.op("softmax", x, dim=-1)
    g.op("mul", s0, g.op("log_softmax", g.op("add", s1, x), dim=0))


def t_broadcast_row_col(g):
    a, b = g.randn(3, 1), g.randn(1, 4)
    c = g.randn(4)
    d = g.away_from_zero(3, 1)
    g.op("div", g.op("mul", g.op("add", a, b), c), d)


def t_broadcast_sub_grows(g):
    # scenario 2's bug in small: (n) - (n,1) -> (n,n)
    y, pred = g.randn(5), g.randn(5, 1)
    g.op("mean", g.op("square", g.op("sub", y, pred)), dim=None, keepdim=False)


def t_pow_sqrt_exp(g):
    a = g.uniform(0.5, 2.0, 2, 3)
    b = g.randn(2, 3, scale=0.7)
    c = g.randn(3, scale=0.5)
    g.op("add", g.op("pow", a, b), g.op("mul", g.op("sqrt", a), g.op("exp", c)))


def t_pow_scalar_exponent(g):
    a = g.uniform(0.4, 2.0, 4)
    e = g.const(3.0)
    half = g.const(0.5)
    g.op("sub", g.op("pow", a, e), g.op("pow", a, half))


def t_trig(g):
    a, b = g.randn(2, 3), g.randn(3)
    g.op("add", g.op("mul", g.op("sin", a), g.op("cos", b)), g.op("tanh", g.op("mul", a, b)))


def t_abs_square_neg(g):
    a = g.away_from_zero(3, 3, lo=0.05)
    b = g.randn(3, 3)
    g.op("sub", g.op("abs", a), g.op("square", g.op("neg", b)))


def t_reductions_3d(g):
    x = g.randn(2, 3, 4)
    s = g.op("sum", x, dim=2, keepdim=False)              # (2,3)
    m = g.op("mean", x, dim=0, keepdim=True)              # (1,3,4)
    s2 = g.op("sum", m, dim=-1, keepdim=True)             # (1,3,1)
    m2 = g.op("mean", x, dim=1, keepdim=False)            # (2,4)
    t = g.op("add", g.op("unsqueeze", s, dim=2), s2)      # (2,3,1)
    g.op("add", t, g.op("unsqueeze", m2, dim=1))          # (2,3,4)


def t_max_min_all_and_dims(g):
    x = g.input(distinct(g, (3, 4)))
    mx = g.op("max", x, dim=None, keepdim=False)
    mn = g.op("min", x, dim=None, keepdim=False)
    r = g.op("max", x, dim=1, keepdim=False)              # (3)
    c = g.op("min", x, dim=0, keepdim=True)               # (1,4)
    t = g.op("add", g.op("sub", mx, mn), g.op("sum", r, dim=None, keepdim=False))
    g.op("mul", t, c)


def t_max_dim_keepdim_3d(g):
    x = g.input(distinct(g, (2, 3, 4)))
    a = g.op("max", x, dim=-1, keepdim=True)              # (2,3,1)
    b = g.op("min", x, dim=0, keepdim=False)              # (3,4)
    g.op("add", a, b)                                     # (2,3,4)


def t_matmul_variants(g):
    v, u = g.randn(4), g.randn(4)
    m = g.randn(3, 4)
    n = g.randn(4, 2)
    dot = g.op("matmul", v, u)                            # ()
    mv = g.op("matmul", m, v)                             # (3)
    vm = g.op("matmul", u, n)                             # (2)
    mm = g.op("matmul", m, n)                             # (3,2)
    t = g.op("add", g.op("mul", mm, dot), vm)
    g.op("mul", t, g.op("unsqueeze", mv, dim=1))


def t_matmul_batched(g):
    a = g.randn(2, 3, 4)
    b = g.randn(4, 2)
    c = g.randn(2, 2, 5)
    g.op("matmul", g.op("matmul", a, b), c)               # (2,3,5)


def t_matmul_batch_broadcast(g):
    a = g.randn(2, 1, 3, 4)
    b = g.randn(3, 4, 2)
    g.op("tanh", g.op("matmul", a, b))                    # (2,3,3,2)


def t_cat_stack(g):
    a, b = g.randn(2, 3), g.randn(1, 3)
    c = g.randn(2, 3)
    cat0 = g.op("cat", a, b, dim=0)                       # (3,3)
    st = g.op("stack", a, c, dim=1)                       # (2,2,3)
    cat1 = g.op("cat", a, c, a, dim=-1)                   # (2,9)
    s = g.op("sum", st, dim=1, keepdim=False)             # (2,3)
    t = g.op("add", g.op("sum", cat0, dim=0, keepdim=True), s)
    g.op("matmul", g.op("transpose", cat1, dims=[0, 1]), t)  # (9,2) @ (2,3)


def t_stack_last(g):
    a, b, c = g.randn(3), g.randn(3), g.randn(3)
    s = g.op("stack", a, b, c, dim=-1)                    # (3,3)
    g.op("softmax", s, dim=0)


def t_where_gt(g):
    a, b = g.randn(3, 4), g.randn(4)
    cond = g.op("gt", a, b)
    two = g.const(2.0)
    g.op("where", cond, g.op("mul", a, two), g.op("square", b))


def t_where_bool_input(g):
    a = g.randn(2, 3)
    b = g.randn(2, 1)
    cond = g.input(torch.rand(2, 3, generator=g.gen) > 0.5)
    g.op("where", cond, g.op("exp", a), b)


def t_views_reshape_transpose(g):
    x = g.randn(2, 6)
    r = g.op("reshape", x, shape=[3, 4])
    t = g.op("transpose", r, dims=[0, 1])                 # (4,3)
    y = g.randn(4, 3)
    z = g.op("mul", t, y)
    g.op("reshape", z, shape=[-1])


def t_views_slice_expand(g):
    x = g.randn(4, 6)
    s = g.op("slice", x, dim=1, start=1, end=6, step=2)  # (4,3)
    s2 = g.op("slice", s, dim=0, start=-3, end=100, step=1)  # (3,3)
    row = g.randn(1, 3)
    e = g.op("expand", row, shape=[3, 3])
    g.op("add", g.op("mul", s2, e), g.op("sin", s2))


def t_views_permute_select_squeeze(g):
    x = g.randn(2, 3, 4)
    p = g.op("permute", x, perm=[2, 0, 1])               # (4,2,3)
    s = g.op("select", p, dim=1, index=-1)                # (4,3)
    u = g.randn(4, 1, 3)
    q = g.op("squeeze", u, dim=1)                         # (4,3)
    g.op("mul", s, g.op("tanh", q))


def t_expand_leading(g):
    x = g.randn(1, 3)
    y = g.randn(4, 1)
    e = g.op("expand", x, shape=[2, 4, 3])
    g.op("mul", e, y)                                     # (2,4,3)


def t_mse_reductions(g):
    a, b = g.randn(3, 2), g.randn(3, 2)
    none = g.op("mse_loss", a, b, reduction="none")
    s = g.op("mse_loss", a, b, reduction="sum")
    g.op("add", none, s)


def t_bce_reductions(g):
    p = g.uniform(0.05, 0.95, 2, 3)
    t = g.uniform(0.0, 1.0, 2, 3, requires_grad=False)
    none = g.op("bce_loss", p, t, reduction="none")
    s = g.op("bce_loss", p, t, reduction="sum")
    g.op("mul", none, s)


def t_bce_target_grad(g):
    # torch differentiates BCE w.r.t. the target too
    z = g.randn(4)
    t = g.uniform(0.0, 1.0, 4)
    g.op("bce_loss", g.op("sigmoid", z), t, reduction="mean")


def t_div_by_scalar_leaf(g):
    a = g.randn(2, 3)
    s = g.uniform(0.5, 2.0)
    g.op("div", a, s)


def t_layernorm_like(g):
    x = g.randn(3, 5)
    mu = g.op("mean", x, dim=1, keepdim=True)
    xc = g.op("sub", x, mu)
    var = g.op("mean", g.op("square", xc), dim=1, keepdim=True)
    eps = g.const(1e-5)
    g.op("div", xc, g.op("sqrt", g.op("add", var, eps)))


def t_sigmoid_relu_chain(g):
    x = g.away_from_zero(8, lo=0.05, hi=2.0)
    g.op("sigmoid", g.op("neg", g.op("relu", g.op("exp", g.op("relu", x)))))


def t_shared_subexpression(g):
    # x feeds the graph twice: gradients must add up
    x = g.randn(3)
    y = g.op("mul", x, x)
    z = g.op("add", y, g.op("sin", x))
    g.op("mul", z, g.op("sum", y, dim=None, keepdim=False))


TEMPLATES = [
    t_seed_bce_by_hand, t_seed_backward_vector, t_mlp_relu_mse, t_mlp_tanh_sigmoid_bce,
    t_softmax_classifier_labels, t_cross_entropy_probs_sum, t_cross_entropy_none_and_1d,
    t_log_softmax_nll_by_hand, t_softmax_dims, t_broadcast_row_col, t_broadcast_sub_grows,
    t_pow_sqrt_exp, t_pow_scalar_exponent, t_trig, t_abs_square_neg, t_reductions_3d,
    t_max_min_all_and_dims, t_max_dim_keepdim_3d, t_matmul_variants, t_matmul_batched,
    t_matmul_batch_broadcast, t_cat_stack, t_stack_last, t_where_gt, t_where_bool_input,
    t_views_reshape_transpose, t_views_slice_expand, t_views_permute_select_squeeze,
    t_expand_leading, t_mse_reductions, t_bce_reductions, t_bce_target_grad,
    t_div_by_scalar_leaf, t_layernorm_like, t_sigmoid_relu_chain, t_shared_subexpression,
]


def distinct(g, shape):
    """Values with no near ties, so max/min have one clear winner."""
    n = 1
    for s in shape:
        n *= s
    perm = torch.randperm(n, generator=g.gen).double()
    jitter = torch.rand(n, generator=g.gen, dtype=torch.float64) * 0.2
    return ((perm + jitter) / n * 4 - 2).reshape(shape).to(g.dtype)


# ------------------------------------------------------- random programs

UNARY = ["neg", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "square"]
BINARY = ["add", "sub", "mul", "div", "pow"]
SHAPES = [(3,), (4,), (3, 4), (4, 3), (1, 4), (3, 1), (2, 3, 4), (), (4, 1), (2, 1, 4)]


def safe(op, ins, out, inst):
    """Keeps random programs away from kinks and domain edges."""
    a = ins[0].detach()
    if op in ("log", "sqrt") and a.min().item() < 0.1:
        return False
    if op in ("abs", "relu") and a.abs().min().item() < 1e-2:
        return False
    if op == "div" and ins[1].detach().abs().min().item() < 0.3:
        return False
    if op == "pow" and (a.min().item() < 0.3 or ins[1].detach().abs().max().item() > 2.5):
        return False
    if op == "exp" and a.max().item() > 4:
        return False
    if op in ("max", "min") and a.numel() > 1:
        if inst["dim"] is None:
            v = a.reshape(-1).sort().values
            if (v[1:] - v[:-1]).abs().min().item() < 1e-3:
                return False
        else:
            v = a.sort(dim=inst["dim"]).values
            if v.shape[inst["dim"]] > 1 and (v.diff(dim=inst["dim"])).abs().min().item() < 1e-3:
                return False
    o = out.detach()
    if o.is_floating_point() and (not torch.isfinite(o).all() or (o.numel() and o.abs().max().item() > 1e3)):
        return False
    return True


def random_instruction(g, rng):
    floats = [i for i, t in enumerate(g.tensors) if t.is_floating_point()]
    last = len(g.tensors) - 1
    # prefer extending the newest tensor, so programs grow into chains
    pick = lambda: last if rng.random() < 0.6 and g.tensors[last].is_floating_point() else rng.choice(floats)
    kind = rng.choice(["unary"] * 4 + ["binary"] * 4 + ["reduce"] * 2 + ["view"] * 2 + ["nn", "join", "matmul"])
    a = pick()
    x = g.tensors[a]
    nd = x.dim()
    if kind == "unary":
        return {"op": rng.choice(UNARY), "in": [a]}
    if kind == "binary":
        return {"op": rng.choice(BINARY), "in": [a, rng.choice(floats)] if rng.random() < 0.5 else [rng.choice(floats), a]}
    if kind == "reduce":
        op = rng.choice(["sum", "mean", "max", "min"])
        dim = None if nd == 0 or rng.random() < 0.3 else rng.randrange(-nd, nd)
        return {"op": op, "in": [a], "dim": dim, "keepdim": rng.random() < 0.5}
    if kind == "nn":
        if nd == 0:
            return None
        return {"op": rng.choice(["softmax", "log_softmax"]), "in": [a], "dim": rng.randrange(-nd, nd)}
    if kind == "join":
        b = rng.choice([i for i in floats if g.tensors[i].dim() == nd])
        if nd == 0:
            return {"op": "stack", "in": [a, b], "dim": 0}
        op = rng.choice(["cat", "stack"])
        dim = rng.randrange(-nd, nd) if op == "cat" else rng.randrange(-nd - 1, nd + 1)
        return {"op": op, "in": [a, b], "dim": dim}
    if kind == "matmul":
        return {"op": "matmul", "in": [a, rng.choice(floats)]}
    # views
    if nd == 0:
        return {"op": "reshape", "in": [a], "shape": [1, 1]}
    v = rng.choice(["reshape", "transpose", "slice", "expand", "unsqueeze", "permute", "select"])
    if v == "reshape":
        n = x.numel()
        return {"op": "reshape", "in": [a], "shape": [-1] if n % 2 else rng.choice([[2, -1], [-1], [-1, 2]])}
    if v == "transpose":
        return {"op": "transpose", "in": [a], "dims": [rng.randrange(-nd, nd), rng.randrange(-nd, nd)]}
    if v == "slice":
        d = rng.randrange(nd)
        return {"op": "slice", "in": [a], "dim": d, "start": rng.choice([0, 1, -2]), "end": rng.choice([x.shape[d], 100, -1]), "step": rng.choice([1, 2])}
    if v == "expand":
        shape = [s if s != 1 else 3 for s in x.shape]
        if list(shape) == list(x.shape):
            shape = [2] + list(shape)
        return {"op": "expand", "in": [a], "shape": shape}
    if v == "unsqueeze":
        return {"op": "unsqueeze", "in": [a], "dim": rng.randrange(-nd - 1, nd + 1)}
    if v == "permute":
        perm = list(range(nd))
        rng.shuffle(perm)
        return {"op": "permute", "in": [a], "perm": perm}
    d = rng.randrange(-nd, nd)
    return {"op": "select", "in": [a], "dim": d, "index": rng.randrange(-x.shape[d], x.shape[d])}


def random_graph(name, dtype, gen, rng):
    g = Graph(name, dtype, gen)
    for _ in range(rng.randint(2, 3)):
        shape = rng.choice(SHAPES)
        if rng.random() < 0.4:
            g.uniform(0.5, 2.0, *shape)
        else:
            g.randn(*shape)
    steps = rng.randint(4, 8)
    tries = 0
    while len(g.program) < steps and tries < 400:
        tries += 1
        inst = random_instruction(g, rng)
        if inst is None:
            continue
        ins = [g.tensors[i] for i in inst["in"]]
        try:
            out = run_op(ins, inst)
        except (RuntimeError, IndexError, ValueError):
            continue
        if out.numel() == 0 or out.numel() > 64 or not safe(inst["op"], ins, out, inst):
            continue
        g.program.append(inst)
        g.tensors.append(out)
        g.number.append(("op", len(g.program) - 1))
    if len(g.program) < steps or not g.tensors[-1].is_floating_point():
        return None
    return g


# ---------------------------------------------------------------- main

def main():
    gen = torch.Generator().manual_seed(SEED)
    rng = random.Random(SEED)
    graphs = []
    for tpl in TEMPLATES:
        for dtype in (torch.float32, torch.float64):
            name = "%s_%s" % (tpl.__name__[2:], DTYPE_NAMES[dtype])
            for attempt in range(50):
                g = Graph(name, dtype, gen)
                tpl(g)
                j = finish(g)
                if j is not None:
                    graphs.append(j)
                    break
            else:
                raise SystemExit("template %s never gave a well-conditioned graph" % name)
    nrandom = 0
    while nrandom < 24:
        dtype = (torch.float32, torch.float64)[nrandom % 2]
        name = "random%02d_%s" % (nrandom, DTYPE_NAMES[dtype])
        g = random_graph(name, dtype, gen, rng)
        j = finish(g) if g is not None else None
        if j is not None:
            graphs.append(j)
            nrandom += 1

    used = sorted({inst["op"] for j in graphs for inst in j["program"]})
    with open(OUT, "w") as f:
        f.write('{"torch_version": %s, "seed": %d,\n "graphs": [\n' % (json.dumps(torch.__version__), SEED))
        f.write(",\n".join("  " + json.dumps(j) for j in graphs))
        f.write("\n]}\n")
    print("wrote %d graphs to %s; ops used: %s" % (len(graphs), OUT, " ".join(used)))


if __name__ == "__main__":
    main()
