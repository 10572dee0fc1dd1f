"""The seed's MLP fit in PyTorch: the reference for bench/mlp_fit.lua.

    /usr/bin/python3 bench/mlp_fit.py [float32|float64] [epochs] [threads]

Same data (a 100x100 grid on [0,2]^2, y = 2 sin(x1) + 3 cos(2 x2) + 1.3),
same model (Linear 2->32->32->1 with ReLU, torch's default init, which
gradlab's nn.Linear copies), MSE, Adam(lr=0.01), full batch, the loop that
gl.nn.fit runs (zero_grad, forward, loss, loss.item(), backward, step).
Prints "BENCH key value" lines for bench/run.sh. Thread counts are set by
the caller's environment (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) and here
with torch.set_num_threads.
"""
import sys
import time

dtype_name = sys.argv[1] if len(sys.argv) > 1 else "float32"
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
activation = sys.argv[4] if len(sys.argv) > 4 else "relu"   # relu | tanh

import torch

torch.set_num_threads(threads)
dtype = {"float32": torch.float32, "float64": torch.float64}[dtype_name]
torch.manual_seed(0)

n = 100
g = torch.linspace(0, 2, n, dtype=dtype)
x1, x2 = torch.meshgrid(g, g, indexing="ij")
x1, x2 = x1.reshape(-1), x2.reshape(-1)
x = torch.stack([x1, x2], dim=1)                                   # (10000, 2)
y = (2 * torch.sin(x1) + 3 * torch.cos(2 * x2) + 1.3).reshape(-1, 1)  # (10000, 1)

act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[activation]
model = torch.nn.Sequential(
    torch.nn.Linear(2, 32), act(),
    torch.nn.Linear(32, 32), act(),
    torch.nn.Linear(32, 1),
).to(dtype)
opt = torch.optim.Adam(model.parameters(), lr=0.01)
loss_fn = torch.nn.MSELoss()

t0, c0 = time.perf_counter(), time.process_time()
history = []
for epoch in range(epochs):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    history.append(loss.item())
    loss.backward()
    opt.step()
t1, c1 = time.perf_counter(), time.process_time()


def threads_now():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


print("BENCH seconds %.6f" % (t1 - t0))
print("BENCH cpu_seconds %.6f" % (c1 - c0))   # process CPU, all threads
print("BENCH first_loss %.6g" % history[0])
print("BENCH final_loss %.6g" % history[-1])
print("BENCH dtype %s" % dtype_name)
print("BENCH threads %d" % threads_now())
print("BENCH torch_threads %d" % torch.get_num_threads())
