"""Per-op overhead in PyTorch eager: the reference for bench/tiny_ops.lua.

    /usr/bin/python3 bench/tiny_ops.py [N] [float32|float64] [threads]
"""
import sys
import time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
dtype_name = sys.argv[2] if len(sys.argv) > 2 else "float32"
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1

import torch

torch.set_num_threads(threads)
dtype = {"float32": torch.float32, "float64": torch.float64}[dtype_name]
a = torch.tensor([0.1, -0.2, 0.3, 0.4], dtype=dtype, requires_grad=True)
b = torch.tensor([1.5, 0.5, -1.0, 2.0], dtype=dtype, requires_grad=True)
c = torch.tensor([-0.3, 0.2, 0.1, 0.0], dtype=dtype, requires_grad=True)


def step():
    l = ((a * b + c).tanh() * a).sum()
    l.backward()
    a.grad.zero_()
    b.grad.zero_()
    c.grad.zero_()


for _ in range(100):
    step()

t0, c0 = time.perf_counter(), time.process_time()
for _ in range(n):
    step()
t1, c1 = time.perf_counter(), time.process_time()

l = ((a * b + c).tanh() * a).sum()
l.backward()
s = (a.grad + b.grad + c.grad).sum().item()

print("BENCH us_per_iter %.4f" % ((t1 - t0) / n * 1e6))
print("BENCH cpu_us_per_iter %.4f" % ((c1 - c0) / n * 1e6))
print("BENCH seconds %.6f" % (t1 - t0))
print("BENCH loss %.6g" % l.item())
print("BENCH grad_sum %.6g" % s)
