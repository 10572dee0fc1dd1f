#!/usr/bin/python3
"""Writes the fuzzers' seed corpora: tests/fuzz/corpus/{npy,csv,literal}/.

    /usr/bin/python3 tests/fuzz/make_corpus.py     (from the repo root; needs python3-numpy)

Seeds are small valid inputs of every dtype and form the readers accept,
plus a few near misses (truncated, unsupported, ragged) so the fuzzers start
next to every error path. The .npy seeds are written by numpy itself.

The csv and literal fuzzers read their first byte as options, so each of
their seeds starts with one:
  csv:     byte = header | dtype << 2 | sep << 4
           header 0 guess, 1 none, 2 present; dtype 0 bool, 1 int64,
           2 float32, 3 float64 (gl_dtype's order); sep 0 ',', 1 ';',
           2 tab, 3 space, 4 '|'  (tests/fuzz/fuzz_csv.c)
  literal: byte = the default dtype (same order)
"""
import io
import os
import shutil

import numpy as np
from numpy.lib import format as npformat

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
BOOL, INT64, FLOAT32, FLOAT64 = range(4)
GUESS, NONE, PRESENT = range(3)
SEPS = {",": 0, ";": 1, "\t": 2, " ": 3, "|": 4}


def write(kind, name, data):
    d = os.path.join(ROOT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy_bytes(a, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, a)
    else:
        npformat.write_array(b, a, version=version)
    return b.getvalue()


def npy_raw(header, data=b""):
    """A format 1.0 file with the given header dict text, padded as numpy pads it."""
    h = header.encode()
    total = 10 + len(h) + 1
    h += b" " * ((total + 63) // 64 * 64 - total) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data


def npy_seeds():
    arrays = {
        "f4_2x3": np.arange(6, dtype="<f4").reshape(2, 3) / 4,
        "f8_vec": np.array([0.1, -2.5, np.nan, np.inf, -np.inf, 0.0]),
        "i8_vec": np.array([1, -2, 2**40, -(2**63)], dtype="<i8"),
        "i4_vec": np.array([7, -8, 2**31 - 1], dtype="<i4"),
        "b1_vec": np.array([True, False, True]),
        "f4_scalar": np.array(2.5, dtype="<f4"),
        "f8_empty_0x3": np.zeros((0, 3)),
        "f4_2x3x4": np.arange(24, dtype="<f4").reshape(2, 3, 4),
        "f8_fortran_2x3": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "i8_fortran_2x2x2": np.asfortranarray(np.arange(8, dtype="<i8").reshape(2, 2, 2)),
        "b1_2x2": np.array([[True, False], [False, True]]),
        "f4_8dims": np.ones((1, 2, 1, 2, 1, 1, 2, 1), dtype="<f4"),
    }
    for name, a in arrays.items():
        write("npy", name + ".npy", npy_bytes(a))
    v1 = npy_bytes(np.array([1.0, 2.0], dtype="<f4"))
    write("npy", "v2_f4.npy", npy_bytes(np.array([1.0, 2.0], dtype="<f4"), (2, 0)))
    write("npy", "v3_f8.npy", npy_bytes(np.array([3.0]), (3, 0)))
    # near misses: each stops at one error of engine/npy.c
    write("npy", "bad_truncated_data.npy", v1[:-3])
    write("npy", "bad_truncated_header.npy", v1[:30])
    write("npy", "bad_bigendian.npy", npy_bytes(np.array([1.0], dtype=">f4")))
    write("npy", "bad_complex.npy", npy_bytes(np.array([1j], dtype="<c8")))
    write("npy", "bad_version.npy", b"\x93NUMPY\x09\x00\x00\x00")
    write("npy", "bad_magic.npy", b"PK\x03\x04 not numpy")
    write("npy", "bad_shape.npy", npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }"))
    write("npy", "bad_huge_shape.npy",
          npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", b"\0" * 16))
    write("npy", "bad_no_descr.npy", npy_raw("{'fortran_order': False, 'shape': (1,), }", b"\0" * 4))


def csv_seed(name, text, header=GUESS, dtype=FLOAT32, sep=","):
    write("csv", name, bytes([header | dtype << 2 | SEPS[sep] << 4]) + text.encode())


def csv_seeds():
    csv_seed("numbers", "1,2,3\n4,5,6\n")
    csv_seed("header_guessed", 'x1, x2,"y, the target"\r\n0.5,1e-3,-2\r\n\n# a comment\n1, 2 ,3\n')
    csv_seed("header_present", "1,2\n3,4\n", header=PRESENT)
    csv_seed("header_only", "a,b\n")
    csv_seed("no_header_f64", "0.1,0.2\n-1e300,5e-324\n", header=NONE, dtype=FLOAT64)
    csv_seed("semicolon_missing", "1;2\n3;\n", dtype=FLOAT64, sep=";")
    csv_seed("int64_exact", "9007199254740993,-9223372036854775808\n1.9,-1.9\n", dtype=INT64)
    csv_seed("bool", "1,0\n0,2.5\n", dtype=BOOL)
    csv_seed("tabs", "a\tb\tc\n1\t\t3\n", sep="\t")
    csv_seed("spaces", "1 2 3\n4 5 6", sep=" ")
    csv_seed("pipes_quotes", '"a ""quoted"" name"|b\n"1"|2\n', sep="|")
    csv_seed("nan_inf", "nan,inf,-inf,0x1p3\n,,,\n")
    csv_seed("empty", "")
    csv_seed("comments_only", "# nothing\n\n   \n")
    csv_seed("bad_ragged", "a,b,c\n1,2,3\n4,5\n")
    csv_seed("bad_not_a_number", "1,2\n3,abc\n")
    csv_seed("bad_nul", "1,2\n3,\x004\n")


def literal_seed(name, text, dtype=FLOAT32):
    write("literal", name, bytes([dtype]) + text.encode())


def literal_seeds():
    literal_seed("bare_2x2", "[[1, 2], [3, 4.5e-3]]")
    literal_seed("bare_int64", "[1, -2, 9223372036854775807]", INT64)
    literal_seed("bare_bool", "[true, false, True]")
    literal_seed("bare_scalar", "-1.5e-3", FLOAT64)
    literal_seed("bare_empty_2x0", "[[], []]")
    literal_seed("bare_trailing_comma", "[\n  [1, 2,],\n  [3, 4,],\n]")
    literal_seed("torch_row", "tensor([[2., 0., 0., 0.]])")
    literal_seed("torch_sci", "tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])")
    literal_seed("torch_f64_scalar", "tensor(1.2040, dtype=torch.float64)")
    literal_seed("gl_f64_scalar", "tensor(1.2040, dtype=float64)")
    literal_seed("torch_bool", "tensor([ True, False])")
    literal_seed("torch_int", "tensor([1, 2, 3])")
    literal_seed("torch_nonfinite", "tensor([nan, inf, -inf])")
    literal_seed("torch_empty_size", "tensor([], size=(0, 3), dtype=int64)")
    literal_seed("torch_requires_grad", "tensor([1., 2.], requires_grad=True)")
    literal_seed("torch_grad_fn", "tensor([[-1.7644,  0.0437],\n        [ 1.9136, -2.4734]], grad_fn=<MulBackward0>)")
    literal_seed("torch_parameter", "Parameter containing:\ntensor([[ 0.1000, -0.2000]], requires_grad=True)")
    literal_seed("torch_device", "tensor([1., 2.], device='cuda:0', dtype=torch.float16)")
    literal_seed("torch_int32", "tensor([1, 2], dtype=torch.int32)")
    literal_seed("torch_3d", (
        "tensor([[[-1.5452, -0.1995, -1.0136,  0.8244],\n"
        "         [ 0.9583,  1.2128, -0.2818,  0.2607]],\n\n"
        "        [[-1.1152,  0.0247, -0.8059,  1.1126],\n"
        "         [ 0.2411,  0.9891,  0.6041, -0.7845]]])"))
    literal_seed("torch_wrapped", (
        "tensor([-0.5155, -1.2922,  0.9536, -0.2230,  1.1246, -0.6821,  0.6450, -1.1144,\n"
        "         1.0507, -0.5891, -0.4154, -0.4260, -0.0114,  1.0352,  0.1919, -0.4145])"))
    literal_seed("torch_int_matrix", "tensor([[ 0,  1,  2,  3],\n        [ 4,  5,  6,  7]])", INT64)
    literal_seed("torch_sci_f64", "tensor([[1.0000e-05, 1.0000e+00, 1.0000e+05]], dtype=float64)", BOOL)
    literal_seed("bad_ragged", "[[1, 2], [3]]")
    literal_seed("bad_ragged_depth", "[[1], 2]")
    literal_seed("bad_summarised", "tensor([0., 1., 2.,  ..., 7., 8., 9.])")
    literal_seed("bad_dtype", "tensor([1.], dtype=torch.complex64)")
    literal_seed("bad_unclosed", "tensor([[1, 2], [3, 4]")
    literal_seed("bad_int_overflow", "tensor([99999999999999999999])")


def main():
    for kind in ("npy", "csv", "literal"):
        shutil.rmtree(os.path.join(ROOT, kind), ignore_errors=True)
    npy_seeds()
    csv_seeds()
    literal_seeds()
    for kind in ("npy", "csv", "literal"):
        print(kind, len(os.listdir(os.path.join(ROOT, kind))), "seeds")


if __name__ == "__main__":
    main()
