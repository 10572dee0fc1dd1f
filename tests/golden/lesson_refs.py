#!/usr/bin/python3
"""lesson_refs.py — PyTorch reference numbers for lessons 2 and 3.

Run from anywhere (Debian's python3-torch, PyTorch 1.13 CPU, and python3-numpy):

    /usr/bin/python3 tests/golden/lesson_refs.py [2] [3]

It prints; it writes nothing. gradlab's generator is not PyTorch's, so the
trained values cannot agree number for number: this script gives the exact
figures (data statistics, closed forms) and, over several seeds, the ranges
of the trained ones, which is what the lessons' tolerances are based on.

Lesson 2 (scenario 2, the MLP that predicts the average):
  - mean/variance of y = 2 sin(x1) + 3 cos(2 x2) + 1.3 on the 100x100 grid of
    [0,2]^2 (GOLDEN.md's generate_data) and on the 30x30 grid of the lesson;
  - the literal (N,N) loss on the 30x30 grid, MLP [2,16,16,1] ReLU, Adam 0.01,
    full batch: loss and prediction spread after 50 / 100 epochs;
  - the same training on the 100x100 grid with the closed form
    var(y) + mean((pred - mean y)^2) (same gradients as the literal loss);
  - the fixed loss (shapes (N,1) against (N,1)) on the 100x100 grid.
Lesson 3 (scenario 3, Flux: the summed loss grows with N):
  - 63-46-36-26-16-6 tanh then Dense(6,6), Glorot-uniform weights and zero
    biases (Flux's Dense), ADAM(0.01, (0.9, 0.8)), 700 iterations of
    Flux.train! (one Adam update per sample, samples in order), data uniform
    in [-1,1]; cost (1/2)||y - yhat||^2 per sample, summed and mean.
"""
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)


def grid_data(n, dtype=torch.float64):
    g = torch.tensor([2.0 * i / (n - 1) for i in range(n)], dtype=torch.float64)
    x1 = g.reshape(n, 1).expand(n, n).reshape(-1)
    x2 = g.reshape(1, n).expand(n, n).reshape(-1)
    y = 2 * torch.sin(x1) + 3 * torch.cos(2 * x2) + 1.3
    return torch.stack([x1, x2], 1).to(dtype), y.to(dtype)


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def lesson2(seeds=(0, 1, 2)):
    print("== lesson 2")
    for n in (100, 30):
        _, y = grid_data(n)
        m, v = y.mean().item(), ((y - y.mean()) ** 2).mean().item()
        print(f"grid {n}x{n}: mean {m!r} var {v!r} mean^2 {m * m!r}")
    X30, y30 = grid_data(30, torch.float32)
    X, y = grid_data(100, torch.float32)
    m100 = y.double().mean().item()
    v100 = ((y.double() - m100) ** 2).mean().item()
    for seed in seeds:
        torch.manual_seed(seed)
        model = mlp([2, 16, 16, 1])
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        out = []
        for epoch in range(1, 101):
            opt.zero_grad()
            pred = model(X30)
            loss = ((y30.reshape(-1) - pred) ** 2).mean()   # (900) - (900,1) -> (900,900)
            loss.backward()
            opt.step()
            if epoch in (1, 50, 100):
                out.append(f"{epoch}: {loss.item():.5f}")
        with torch.no_grad():
            p = model(X30)
        print(f"seed {seed}: 30x30 literal loss {', '.join(out)}; pred mean {p.mean().item():.4f} "
              f"std {p.std().item():.2e}")

        torch.manual_seed(seed)
        model = mlp([2, 16, 16, 1])
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        out = []
        for epoch in range(1, 301):
            opt.zero_grad()
            pred = model(X)
            loss = v100 + ((pred - m100) ** 2).mean()       # closed form of the literal loss
            loss.backward()
            opt.step()
            if epoch in (1, 50, 100, 300):
                out.append(f"{epoch}: {loss.item():.5f}")
        with torch.no_grad():
            p = model(X)
        print(f"seed {seed}: 100x100 closed form {', '.join(out)}; pred mean {p.mean().item():.4f}")

        torch.manual_seed(seed)
        model = mlp([2, 16, 16, 1])
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        out = []
        t = time.time()
        for epoch in range(1, 2001):
            opt.zero_grad()
            loss = ((y.reshape(-1, 1) - model(X)) ** 2).mean()
            loss.backward()
            opt.step()
            if epoch in (1, 100, 300, 500, 700, 1000, 2000):
                out.append(f"{epoch}: {loss.item():.4g}")
        print(f"seed {seed}: fixed loss {', '.join(out)} ({time.time() - t:.1f} s)")
    # the literal loss at full size, once (no grad): the identity
    torch.manual_seed(0)
    model = mlp([2, 16, 16, 1])
    with torch.no_grad():
        pred = model(X)
        lit = ((y.reshape(-1) - pred) ** 2).mean().item()
        closed = v100 + ((pred.double() - m100) ** 2).mean().item()
    print(f"full-size literal at init {lit:.6f}, closed form {closed:.6f}")


def flux_model():
    sizes = [63, 46, 36, 26, 16, 6]
    layers = []
    for i in range(len(sizes) - 1):
        layers += [torch.nn.Linear(sizes[i], sizes[i + 1]), torch.nn.Tanh()]
    layers.append(torch.nn.Linear(6, 6))
    model = torch.nn.Sequential(*layers)
    for mod in model:
        if isinstance(mod, torch.nn.Linear):   # Flux's Dense: glorot_uniform, zero bias
            b = (6 / (mod.in_features + mod.out_features)) ** 0.5
            torch.nn.init.uniform_(mod.weight, -b, b)
            torch.nn.init.zeros_(mod.bias)
    return model


def lesson3(seeds=(0, 1, 2), iters=700):
    print("== lesson 3")
    for seed in seeds:
        rows = []
        for N in (10, 15, 25):
            torch.manual_seed(seed)
            model = flux_model()
            x = torch.rand(N, 63) * 2 - 1
            y = torch.rand(N, 6) * 2 - 1
            opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.9, 0.8), eps=1e-8)

            def summed():
                with torch.no_grad():
                    return (0.5 * ((y - model(x)) ** 2).sum()).item()
            s0 = summed()
            hist = []
            for it in range(iters):
                for i in range(N):                   # Flux.train!: one update per sample
                    opt.zero_grad()
                    loss = 0.5 * ((y[i] - model(x[i])) ** 2).sum()
                    loss.backward()
                    opt.step()
                hist.append(summed())
            rows.append((N, s0, hist))
        for N, s0, hist in rows:
            print(f"seed {seed} N={N}: before {s0:.3f} (mean {s0 / N:.3f}); after 1 it {hist[0]:.3f}; "
                  f"after 20 {hist[19]:.4f}; after {iters}: summed {hist[-1]:.4g} mean {hist[-1] / N:.4g}; "
                  f"min over the last 100: mean {min(hist[-100:]) / N:.4g}")


if __name__ == "__main__":
    which = sys.argv[1:] or ["2", "3"]
    if "2" in which:
        lesson2()
    if "3" in which:
        lesson3()
