#!/usr/bin/python3
"""make_print_cases.py — what PyTorch prints, for tests/engine/test_print.c.

Regenerate (needs Debian's python3-torch, PyTorch 1.13; run from anywhere):

    /usr/bin/python3 tests/golden/make_print_cases.py

It writes tests/golden/print_cases.json: a list of cases, each a tensor
(values in row-major order, shape, dtype, requires_grad, optionally the op
that made it, optionally print options) and `expected`, exactly what
repr() of that tensor gives in torch, except that gradlab names dtypes
without the "torch." ("dtype=float64"). test_print.c builds the same tensor
with the engine and compares gl_format's text character for character.
Running the test needs only the JSON file, not torch.

Values are stored as JSON numbers (Python's shortest round-trip repr of the
double, so float32 values come back exactly), NaN / Infinity as Python's
json writes them, bools as true/false.
"""
import json
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "print_cases.json")

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}
DEFAULT_OPTIONS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80)

cases = []


def gradlab_text(s):
    # torch prints dtype=torch.float64; gradlab prints dtype=float64
    return s.replace("dtype=torch.", "dtype=")


def add(name, t, requires_grad=False, grad_fn=None, options=None):
    """t: a torch tensor (its values, shape and dtype are the case).
    grad_fn: None, or the op of an identity step applied to a leaf that
    requires grad ("mul": x * 1, "div": x / 1, "neg": -(-x) shows NegBackward0,
    "add": x + 0, "sub": x - 0), so the values stay exactly t's."""
    dtype = [k for k, v in DTYPES.items() if v == t.dtype][0]
    t = t.detach().clone()
    shown = t
    if requires_grad or grad_fn:
        shown = t.clone().requires_grad_(True)
        if grad_fn == "mul":
            shown = shown * 1
        elif grad_fn == "div":
            shown = shown / 1
        elif grad_fn == "neg":
            shown = -(-shown)
        elif grad_fn == "add":
            shown = shown + 0
        elif grad_fn == "sub":
            shown = shown - 0
        else:
            assert grad_fn is None, grad_fn
    if options:
        torch.set_printoptions(**options)
    try:
        expected = repr(shown)
    finally:
        torch.set_printoptions(profile="default")
    values = t.reshape(-1).tolist()
    case = {
        "name": name,
        "dtype": dtype,
        "shape": list(t.shape),
        "values": values,
        "requires_grad": bool(requires_grad or grad_fn),
        "grad_fn": grad_fn,
        "expected": gradlab_text(expected),
    }
    if options:
        o = dict(DEFAULT_OPTIONS)
        o.update(options)
        case["options"] = o
    cases.append(case)


def f32(x):
    return torch.tensor(x, dtype=torch.float32)


def f64(x):
    return torch.tensor(x, dtype=torch.float64)


def main():
    g = torch.Generator().manual_seed(1234)

    def randn(*shape, dtype=torch.float32):
        return torch.randn(*shape, generator=g, dtype=dtype)

    # --- the seed document's printed results (scenario 5, and scenario 1 in float64)
    add("seed_a_grad", 3 * f32([0.1, 1.0, 0.0001]))
    add("seed_b_grad", 4 * f32([3.0, 4.0, 5.0]) * f32([0.1, 1.0, 0.0001]))
    add("seed_c_grad", f32([0.1, 1.0, 0.0001]) / f32([6.0, 7.0, 8.0]))
    add("seed_literal_sci", f32([0.3, 3.0, 3e-4]))
    add("seed_z_grad_1", f32([[2.0, 0.0, 0.0, 0.0]]))
    add("seed_z_grad_2", f32([[0.0, 2.0, 0.0, 0.0]]))
    add("seed_z_grad_all", f32([[2.0, 2.0, 2.0, 2.0]]))
    add("seed_scalar_3", f32(3.0))
    add("seed_scalar_4", f32(4.0))
    add("seed_scalar_10", f32(10.0))
    add("seed_loss_float64", f64(math.log(100 / 9) / 2))

    # --- fixed point, precision 4
    add("fixed_small", f32([0.5, -1.25, 3.14159]))
    add("sci_negative_width_ratio", f32([-0.001, 12.5, -300.25]))
    add("fixed_randn_5", randn(5))
    add("fixed_randn_3x4_x100", randn(3, 4) * 100)
    add("fixed_ratio_just_under_1000", f32([0.01, 9.99]))
    add("sci_float32_1e-4_is_below_1e-4", f32([1e-4, 0.05]))
    add("fixed_large_f64", f64([1e5 + 0.5, 1e7 + 0.25]))
    add("sci_rounding_f64", f64([0.00005, 0.00015, 0.12345, 0.99995]))
    add("fixed_neg_zero", f32([-0.0, 1.5]))
    add("sci_wrap_f64", f64([0.12345, 0.99995, 0.00125, 1.00005, 2.00015]))
    add("fixed_rounding_f64", f64([0.12345, 0.99995, 0.0125, 1.00005, 2.00015]))
    add("fixed_rounding_f32", f32([0.12345, 0.99995, 0.0125, 1.00005, 2.00015]))

    # --- integers stored as floats: "2."
    add("int_mode_small", f32([1.0, 2.0, 3.0]))
    add("int_mode_neg", f32([-1.0, 0.0, 5.0, -120.0]))
    add("int_mode_zeros", torch.zeros(3))
    add("int_mode_neg_zero", f32([-0.0, 0.0]))
    add("int_mode_ones_2x2", torch.ones(2, 2))
    add("int_mode_1e8", f32([1e8, 5.0]))
    add("int_mode_ratio_sci", f32([1.0, 10000.0]))
    add("int_mode_ratio_1000", f32([1.0, 1000.0]))
    add("int_mode_big_sci", f32([123456789.0]))
    add("int_mode_1e9_f64", f64([1e9, 2e9]))

    # --- scientific
    add("sci_1e-5", f32([1e-5]))
    add("sci_mixed", f32([0.5, 1e-5, -2.0]))
    add("sci_ratio", f32([0.001, 1.5, 2.25]))
    add("sci_big", f32([1.5e9, -2.5]))
    add("sci_f64_tiny", f64([1e-300, 2.5e-8, -3.0]))
    add("sci_f64_huge_exponent", f64([1e100, 1.0]))
    add("sci_randn_scaled", randn(2, 3) * f32([[1e-6, 1.0, 1e3]]))

    # --- nan and inf
    add("nan_inf_fixed", f32([float("nan"), 1.5, float("inf"), -float("inf")]))
    add("nan_only", f32([float("nan")]))
    add("nan_zero", f32([0.0, float("nan")]))
    add("inf_int_mode", f32([float("inf"), 2.0, -3.0]))
    add("nan_sci", f32([float("nan"), 1e-6, 1.0]))
    add("neg_nan", -f32([float("nan"), 1.0]))
    add("scalar_nan", f32(float("nan")))
    add("scalar_neg_inf", f32(-float("inf")))

    # --- 0-dim
    add("scalar_fixed", f32(-0.5))
    add("scalar_sci", f32(1e-5))
    add("scalar_big_fixed", f32(123456.7))
    add("scalar_zero", f32(0.0))
    add("scalar_f64_int", f64(2.0))
    add("scalar_int64", torch.tensor(5))
    add("scalar_int64_neg", torch.tensor(-12345))
    add("scalar_bool", torch.tensor(True))

    # --- 2-D and 3-D
    add("matrix_2x3", randn(2, 3))
    add("matrix_col", randn(4, 1))
    add("matrix_row_int", f32([[1.0, -2.0, 3.0]]))
    add("cube_2x3x4", randn(2, 3, 4))
    add("cube_int_mode", torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) - 10)
    add("four_d", randn(2, 1, 2, 3))
    add("matrix_10x10", randn(10, 10))
    add("matrix_wide_3x15", randn(3, 15))
    add("matrix_sci_5x5", randn(5, 5) * 1e-5)

    # --- long 1-D: wrapped at linewidth 80
    add("long_thirds", torch.arange(100, dtype=torch.float32) / 3)
    add("long_ints_float", torch.arange(60, dtype=torch.float32))
    add("long_sci", torch.logspace(-6, 3, 40))
    add("long_f64", torch.linspace(-1, 1, 33, dtype=torch.float64))

    # --- summarised: more than 1000 elements
    add("summary_1001", randn(1001))
    add("summary_arange_2000", torch.arange(2000, dtype=torch.float32))
    add("summary_40x50", randn(40, 50))
    add("summary_3x400", randn(3, 400))
    add("summary_20x30x4", randn(20, 30, 4))
    add("summary_hidden_extremes", torch.cat([f32([0.5, 1.0, 2.0]), f32([1e-9] * 1000), f32([3.0, 4.0, 5.0])]))
    add("summary_int64", torch.arange(1500))
    add("summary_bool", torch.arange(1200) % 3 == 0)
    add("summary_f64_2x600", randn(2, 600, dtype=torch.float64))

    # --- float64: dtype shown
    add("f64_vector", randn(4, dtype=torch.float64))
    add("f64_int_mode", f64([1.5, 2.0]) * 2)
    add("f64_matrix", randn(2, 2, dtype=torch.float64))
    # the line break before a suffix is torch's: it counts "dtype=torch.float64"
    # (19 chars), so a 63-char line breaks although "dtype=float64" would fit
    add("f64_break_by_torch_length", f64([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]))
    add("f64_fits_by_torch_length", f64([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]))
    add("f64_break_by_torch_length_grad_fn", f64([1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]), grad_fn="mul")
    add("f64_scalar_break_lw40", f64(-474033798.0), options=dict(precision=8, linewidth=40))

    # --- int64 and bool: no dtype shown
    add("int64_small", torch.tensor([1, 2, 3]))
    add("int64_widths", torch.tensor([-100, 5, 1234567890123]))
    add("int64_extremes", torch.tensor([9223372036854775807, -9223372036854775807 - 1]))
    add("int64_matrix", torch.tensor([[1, -20], [300, 4]]))
    add("int64_long", torch.arange(-50, 50, 3))
    add("bool_pair", torch.tensor([True, False]))
    add("bool_true_only", torch.tensor([True, True]))
    add("bool_matrix", torch.tensor([[True], [False]]))

    # --- empty
    add("empty_1d", torch.zeros(0))
    add("empty_0x3", torch.zeros(0, 3))
    add("empty_2x0x4", torch.zeros(2, 0, 4))
    add("empty_int64", torch.zeros(0, dtype=torch.int64))
    add("empty_bool_3x0", torch.zeros(3, 0, dtype=torch.bool))
    add("empty_f64", torch.zeros(0, dtype=torch.float64))
    add("empty_requires_grad", torch.zeros(0), requires_grad=True)

    # --- requires_grad and grad_fn suffixes, with their line breaks
    add("leaf_requires_grad", f32([1.0, 2.0, 3.0]), requires_grad=True)
    add("leaf_scalar_requires_grad", f32(3.0), requires_grad=True)
    add("leaf_f64_requires_grad", randn(3, dtype=torch.float64), requires_grad=True)
    add("leaf_matrix_requires_grad", randn(3, 4), requires_grad=True)
    add("leaf_long_requires_grad", randn(9), requires_grad=True)
    add("leaf_wrap_requires_grad", randn(3, 7), requires_grad=True)
    add("mul_grad_fn", f32([[1.0, 2.0, 3.0, 4.0]]), grad_fn="mul")
    add("div_grad_fn", f32([0.1, 0.2]), grad_fn="div")
    add("neg_grad_fn", f32(2.5), grad_fn="neg")
    add("add_grad_fn", randn(2, 2), grad_fn="add")
    add("sub_grad_fn_f64", f64([1.2039728043259361]), grad_fn="sub")
    add("f64_wrap_grad_fn", randn(8, dtype=torch.float64), grad_fn="mul")
    add("f64_matrix_wrap_grad_fn", randn(2, 7, dtype=torch.float64), grad_fn="mul")
    add("long_grad_fn", torch.arange(30, dtype=torch.float32) / 7, grad_fn="mul")

    # --- other print options
    add("opt_precision_2", f32([1.12345, -2.5]), options=dict(precision=2))
    add("opt_precision_0", f32([1.5, 2.25, 10.75]), options=dict(precision=0))
    add("opt_precision_6_f64", f64([math.pi, math.e]), options=dict(precision=6))
    add("opt_precision_8_sci", f32([1e-6, 1.0]), options=dict(precision=8))
    add("opt_threshold_5", torch.arange(10), options=dict(threshold=5))
    add("opt_threshold_5_edge_2", torch.arange(10, dtype=torch.float32) / 4, options=dict(threshold=5, edgeitems=2))
    add("opt_edge_1_cube", randn(4, 5, 6), options=dict(threshold=10, edgeitems=1))
    add("opt_linewidth_40", randn(20), options=dict(linewidth=40))
    add("opt_linewidth_10", f32([1.0, 2.0, 3.0, 4.0]), options=dict(linewidth=10))
    add("opt_linewidth_40_grad_fn", randn(6), grad_fn="mul", options=dict(linewidth=40))
    add("opt_threshold_0_scalar", f32(2.0), options=dict(threshold=0))

    with open(OUT, "w") as f:
        f.write('{"torch_version": %s,\n "cases": [\n' % json.dumps(torch.__version__))
        f.write(",\n".join("  " + json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print("wrote %d cases to %s" % (len(cases), OUT))


if __name__ == "__main__":
    main()
