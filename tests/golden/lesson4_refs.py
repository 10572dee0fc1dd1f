#!/usr/bin/python3
"""Reference numbers for lesson 4 (ReLU's derivative at zero), from NumPy.

The seed document's example draws its data with NumPy's generator. To replay
it with the original numbers, lessons/04_relu_at_zero.lua carries x, y, w1 and
w2 exactly as NumPy draws them after np.random.seed(1) (the document's typos
fixed). Run this script to regenerate that block (printed as Lua) and the
figures the lesson checks:

    /usr/bin/python3 tests/golden/lesson4_refs.py
"""
import numpy as np

N, D_in, H, D_out = 4, 2, 30, 1


def data():
    np.random.seed(1)  # the document seeds after drawing x and y; seeding first makes it repeatable
    x = np.random.randn(N, D_in)
    x = np.c_[x, np.ones(x.shape[0])]  # the document: np.c_(x, no.ones(...))
    y = np.random.randn(N, D_out)      # the document: y = x = np.random.randn(N, D_in)
    w1 = np.random.randn(D_in + 1, H)
    w2 = np.random.randn(H, D_out)
    return x, y, w1, w2


def train(x, y, w1, w2, at_zero, steps=200, lr=0.002, document_half=False):
    w1, w2 = w1.copy(), w2.copy()
    losses, zeros, smallest = [], 0, np.inf
    for t in range(steps):
        h = x.dot(w1)
        zeros += int((h == 0).sum())
        smallest = min(smallest, np.abs(h).min())
        h_relu = np.maximum(h, 0)
        y_pred = h_relu.dot(w2)
        losses.append(np.square(y_pred - y).sum())
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.T.dot(grad_y_pred)
        grad_h_relu = grad_y_pred.dot(w2.T)
        grad_h = grad_h_relu.copy()
        grad_h[h < 0] = 0
        if document_half:
            grad_h[h == 0] = 0.5          # the document's line: sets the gradient
        else:
            grad_h[h == 0] *= at_zero     # derivative at 0 times the incoming gradient
        grad_w1 = x.T.dot(grad_h)
        w1 -= lr * grad_w1
        w2 -= lr * grad_w2
    train.smallest = smallest
    return losses, zeros


def lua_matrix(name, m):
    rows = ", ".join("{" + ", ".join("%.17g" % v for v in row) + "}" for row in m)
    return "%s = gl.tensor({%s}, {dtype = \"float64\"})" % (name, rows)


if __name__ == "__main__":
    x, y, w1, w2 = data()
    for name, m in (("x", x), ("y", y), ("w1", w1), ("w2", w2)):
        print(lua_matrix(name, m))
    for v in (0, 0.5, 1):
        losses, zeros = train(x, y, w1, w2, v)
        print("at_zero=%s loss[0]=%.10g loss[199]=%.10g exact zeros=%d" % (v, losses[0], losses[-1], zeros))
    print("smallest |h| over 200 steps = %.6g" % train.smallest)
    z = np.zeros_like(w1)
    for v in (0, 0.5, 1):
        losses, zeros = train(x, y, z, w2, v)
        print("zero w1, at_zero=%s loss[0]=%.10g loss[199]=%.10g zeros=%d" % (v, losses[0], losses[-1], zeros))
    losses, _ = train(x, y, z, w2, None, document_half=True)
    print("zero w1, document's 0.5 line: loss[199]=%.10g" % losses[-1])
