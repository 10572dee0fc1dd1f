/*
 * gradlab.h — the C tensor and reverse-mode autodiff engine (libgradlab.a).
 *
 * The engine knows nothing of Lua or SDL. It has tensors (float32, float64,
 * int64, bool; up to 8 dims; views sharing refcounted storage), NumPy
 * broadcasting, and a dynamic autodiff graph with PyTorch's semantics.
 *
 * A worked example, the z = 2x example of the seed document:
 *
 *     int64_t shape[] = {1, 4};
 *     double xs[] = {1, 2, 3, 4};
 *     gl_tensor *x = gl_from_doubles(xs, shape, 2, GL_FLOAT32);
 *     gl_requires_grad_(x, true);
 *     gl_tensor *two = gl_scalar(2, GL_FLOAT32);
 *     gl_tensor *z = gl_mul(two, x);                 // z is (1,4), z->grad_fn is "mul"
 *     double gs[] = {1, 0, 0, 0};
 *     gl_tensor *g = gl_from_doubles(gs, shape, 2, GL_FLOAT32);
 *     gl_backward(z, g, true);                       // retain_graph: z can go back again
 *     char *s = gl_format(gl_grad(x));               // "tensor([[2., 0., 0., 0.]])"
 *     free(s);
 *     gl_release(g); gl_release(z); gl_release(two); gl_release(x);
 *
 * Conventions
 * - Every function that returns a gl_tensor * returns a NEW reference (release
 *   it with gl_release) or NULL on error; functions returning int return 0 on
 *   success and -1 on error. On error gl_error() holds a message naming the op,
 *   the shapes and the dtypes, e.g.
 *       "matmul: (128,1000) x (26,1000): inner dimensions 1000 and 26 differ".
 *   The engine never aborts or exits on bad input, and on error no operation
 *   is performed and nothing leaks.
 * - Dims are 0-based here (the Lua layer is 1-based); a negative dim counts
 *   from the end. GL_ALL_DIMS asks a reduction for all elements.
 * - Inputs are borrowed (const gl_tensor *): the engine takes its own
 *   references where it keeps them (views, saved tensors of the graph).
 * - Binary ops broadcast by NumPy's rules; mixed dtypes promote along
 *   bool < int64 < float32 < float64, as torch does for tensors.
 */
#ifndef GRADLAB_H
#define GRADLAB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GL_MAX_DIMS 8
#define GL_ALL_DIMS INT32_MIN /* "reduce over every element" */
#define GRADLAB_VERSION "0.1.0"

typedef enum { GL_BOOL, GL_INT64, GL_FLOAT32, GL_FLOAT64, GL_DTYPE_COUNT } gl_dtype;

typedef enum { GL_REDUCTION_MEAN, GL_REDUCTION_SUM, GL_REDUCTION_NONE } gl_reduction;

typedef struct gl_tensor gl_tensor;
typedef struct gl_node gl_node;

/* ---------------------------------------------------------------- errors */

/* The message of the last failed call on this thread ("" if none). */
const char *gl_error(void);
void gl_clear_error(void);

/* Set by a SIGINT handler (the REPL's); long engine loops check it and fail
 * with "interrupted". The engine never clears it: whoever set it does. */
extern volatile sig_atomic_t gl_interrupted;

/* ------------------------------------------------------------- lifecycle */

gl_tensor *gl_retain(gl_tensor *t); /* returns t; NULL is allowed */
void gl_release(gl_tensor *t);      /* NULL is allowed */

/* Bytes held by live tensor storages in this process: what the Lua binding
 * reports to its garbage collector. */
size_t gl_live_bytes(void);
/* Freed buffers kept for reuse (at most 256 MiB), and giving them back. */
size_t gl_pool_bytes(void);
void gl_pool_trim(void);

/* --------------------------------------------------------- introspection */

int gl_ndim(const gl_tensor *t);
const int64_t *gl_shape(const gl_tensor *t);   /* gl_ndim(t) entries */
const int64_t *gl_strides(const gl_tensor *t); /* in elements */
int64_t gl_size(const gl_tensor *t, int dim);  /* dim may be negative; -1 if out of range */
int64_t gl_numel(const gl_tensor *t);
gl_dtype gl_dtype_of(const gl_tensor *t);
bool gl_is_contiguous(const gl_tensor *t);
size_t gl_storage_nbytes(const gl_tensor *t);
size_t gl_dtype_size(gl_dtype dt);
bool gl_is_floating(gl_dtype dt);
const char *gl_dtype_name(gl_dtype dt); /* "float32", "float64", "int64", "bool" */
/* Parses "float32"/"float"/"float64"/"double"/"int64"/"long"/"bool"; -1 if unknown. */
int gl_dtype_parse(const char *name, gl_dtype *out);
/* Writes "(2,3)" (or "()" for a 0-dim tensor) into buf; returns buf. */
char *gl_shape_str(const int64_t *shape, int ndim, char *buf, size_t n);

/* The address of the first element (offset applied); strides say the rest. */
void *gl_data_ptr(const gl_tensor *t);
/* Element at a full index (ndim entries, 0-based, in range), as a double. */
double gl_get(const gl_tensor *t, const int64_t *index);
/* The single element of a one-element tensor; error otherwise. */
int gl_item(const gl_tensor *t, double *out);
/* All elements in row-major order, converted to double, into out[numel]. */
void gl_copy_to_doubles(const gl_tensor *t, double *out);

/* -------------------------------------------------------------- creation */

/* shape has ndim entries (0..GL_MAX_DIMS), each >= 0; their product and its
 * byte count must not overflow. Allocation failure is an error naming the
 * bytes requested. */
gl_tensor *gl_empty(const int64_t *shape, int ndim, gl_dtype dt);
gl_tensor *gl_zeros(const int64_t *shape, int ndim, gl_dtype dt);
gl_tensor *gl_ones(const int64_t *shape, int ndim, gl_dtype dt);
gl_tensor *gl_full(const int64_t *shape, int ndim, double value, gl_dtype dt);
gl_tensor *gl_scalar(double value, gl_dtype dt); /* 0-dim */
/* Copies numel(shape) doubles (row-major), converted to dt. */
gl_tensor *gl_from_doubles(const double *data, const int64_t *shape, int ndim, gl_dtype dt);
/* Copies numel(shape) elements of dtype dt from raw memory (row-major). */
gl_tensor *gl_from_buffer(const void *data, const int64_t *shape, int ndim, gl_dtype dt);
/* [start, end) by step, as torch.arange; step != 0. */
gl_tensor *gl_arange(double start, double end, double step, gl_dtype dt);
/* The same in int64 arithmetic, exact over the whole int64 range (through
 * doubles, integers beyond 2^53 round and the count can come out wrong). */
gl_tensor *gl_arange_i64(int64_t start, int64_t end, int64_t step);
/* v as an int64 tensor stores it: truncated toward zero, NaN to 0, clamped. */
int64_t gl_double_to_int64(double v);
gl_tensor *gl_linspace(double start, double end, int64_t steps, gl_dtype dt);
gl_tensor *gl_eye(int64_t n, int64_t m, gl_dtype dt);

/* One seeded generator (xoshiro256**): the same numbers on every machine. */
void gl_manual_seed(uint64_t seed);
gl_tensor *gl_rand(const int64_t *shape, int ndim, gl_dtype dt);  /* U[0,1) */
gl_tensor *gl_randn(const int64_t *shape, int ndim, gl_dtype dt); /* N(0,1) */
/* U[low, high) in place, as nn.init.uniform_; no graph is recorded. */
int gl_uniform_(gl_tensor *t, double low, double high);
gl_tensor *gl_randperm(int64_t n); /* int64 */
double gl_rand_double(void);

/* ----------------------------------------------- views and shape changes */
/* Differentiable. Views share storage with their input. */

/* reshape: a view when the strides allow, otherwise a copy; one entry may be -1. */
gl_tensor *gl_reshape(const gl_tensor *t, const int64_t *shape, int ndim);
/* view: like reshape but an error when a view is impossible. */
gl_tensor *gl_view(const gl_tensor *t, const int64_t *shape, int ndim);
gl_tensor *gl_transpose(const gl_tensor *t, int dim0, int dim1);
gl_tensor *gl_permute(const gl_tensor *t, const int *perm, int n);
/* Elements start, start+step, ... < end along dim (end clipped to the size,
 * negative start/end count from the end, as Python slicing). step >= 1. */
gl_tensor *gl_slice(const gl_tensor *t, int dim, int64_t start, int64_t end, int64_t step);
/* Removes dim, taking one index (negative counts from the end). */
gl_tensor *gl_select(const gl_tensor *t, int dim, int64_t index);
/* Size-1 dims stretched to shape (more leading dims allowed; -1 keeps a size). */
gl_tensor *gl_expand(const gl_tensor *t, const int64_t *shape, int ndim);
gl_tensor *gl_squeeze(const gl_tensor *t, int dim); /* dim = GL_ALL_DIMS: every size-1 dim */
gl_tensor *gl_unsqueeze(const gl_tensor *t, int dim);
gl_tensor *gl_contiguous(const gl_tensor *t); /* a new reference to t if already contiguous */
gl_tensor *gl_clone(const gl_tensor *t);      /* always a copy */
gl_tensor *gl_to_dtype(const gl_tensor *t, gl_dtype dt);
/* Shares storage, no graph, requires_grad false. */
gl_tensor *gl_detach(const gl_tensor *t);
/* x (...,in) · wᵀ + b, torch.nn.functional.linear: w (out,in), b (out) or
 * NULL -> (...,out). One node when x has >= 2 dims and x, w, b share a float
 * dtype; otherwise exactly gl_matmul(x, wᵀ) then gl_add(·, b), errors included. */
gl_tensor *gl_linear(const gl_tensor *x, const gl_tensor *w, const gl_tensor *b);

/* ------------------------------------------------------ elementwise ops */

gl_tensor *gl_add(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_sub(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_mul(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_div(const gl_tensor *a, const gl_tensor *b); /* true division: ints give float32 */
gl_tensor *gl_pow(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_neg(const gl_tensor *a);
gl_tensor *gl_exp(const gl_tensor *a);
gl_tensor *gl_log(const gl_tensor *a);
gl_tensor *gl_sqrt(const gl_tensor *a);
gl_tensor *gl_abs(const gl_tensor *a);
gl_tensor *gl_sin(const gl_tensor *a);
gl_tensor *gl_cos(const gl_tensor *a);
gl_tensor *gl_tanh(const gl_tensor *a);
gl_tensor *gl_sigmoid(const gl_tensor *a);
gl_tensor *gl_relu(const gl_tensor *a);
gl_tensor *gl_square(const gl_tensor *a);

/* ReLU's derivative at exactly 0: 0 (PyTorch, default), 0.5 (JAX's maximum) or 1. */
int gl_set_relu_grad_at_zero(double value);
double gl_relu_grad_at_zero(void);

/* Comparisons give bool tensors and no gradient. */
gl_tensor *gl_eq(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_ne(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_lt(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_le(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_gt(const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_ge(const gl_tensor *a, const gl_tensor *b);

/* cond ? a : b elementwise, all three broadcast; cond is bool (or nonzero). */
gl_tensor *gl_where(const gl_tensor *cond, const gl_tensor *a, const gl_tensor *b);
gl_tensor *gl_masked_fill(const gl_tensor *t, const gl_tensor *mask, double value);

/* ------------------------------------------------------------ reductions */
/* dim = GL_ALL_DIMS reduces everything to a 0-dim tensor (keepdim ignored). */

gl_tensor *gl_sum(const gl_tensor *t, int dim, bool keepdim);
gl_tensor *gl_mean(const gl_tensor *t, int dim, bool keepdim);
/* max/min: with a dim, *indices (if not NULL) receives the int64 argmax/argmin.
 * Over all elements the gradient is shared evenly between ties, as torch.max(). */
gl_tensor *gl_max(const gl_tensor *t, int dim, bool keepdim, gl_tensor **indices);
gl_tensor *gl_min(const gl_tensor *t, int dim, bool keepdim, gl_tensor **indices);
gl_tensor *gl_argmax(const gl_tensor *t, int dim, bool keepdim); /* int64; first of ties */
gl_tensor *gl_argmin(const gl_tensor *t, int dim, bool keepdim);

/* ---------------------------------------------------- matmul, nn, joins */

/* torch.matmul: 1-D·1-D dot; 2-D·2-D; 1-D operands get a dim prepended
 * (left) or appended (right) then removed; >2-D batch dims broadcast. */
gl_tensor *gl_matmul(const gl_tensor *a, const gl_tensor *b);

/* Numerically stable along dim. */
gl_tensor *gl_softmax(const gl_tensor *t, int dim);
gl_tensor *gl_log_softmax(const gl_tensor *t, int dim);

/* All inputs have the same shape except along dim; same dtype after promotion. */
gl_tensor *gl_cat(const gl_tensor *const *ts, int n, int dim);
gl_tensor *gl_stack(const gl_tensor *const *ts, int n, int dim);

/* --------------------------------------------------------------- losses */

/* mean/sum/none of (input - target)^2; shapes must broadcast (a warning case
 * for the hook when they grow). */
gl_tensor *gl_mse_loss(const gl_tensor *input, const gl_tensor *target, gl_reduction r);
/* Binary cross-entropy on probabilities in [0,1]; log clamped at -100 as torch. */
gl_tensor *gl_bce_loss(const gl_tensor *p, const gl_tensor *target, gl_reduction r);
/* logits (N,C) or (C); target int64 class indices (N) / () in [0,C), or
 * float probabilities/one-hot with the logits' shape. */
gl_tensor *gl_cross_entropy(const gl_tensor *logits, const gl_tensor *target, gl_reduction r);
/* int64 labels (any shape) in [0,nclasses) -> float32 one-hot with a trailing dim. */
gl_tensor *gl_one_hot(const gl_tensor *labels, int64_t nclasses);

/* ------------------------------------------------------------- autodiff */

/* Only leaves of a floating dtype may require grad. */
int gl_requires_grad_(gl_tensor *t, bool requires_grad);
bool gl_requires_grad(const gl_tensor *t);
bool gl_is_leaf(const gl_tensor *t);
gl_tensor *gl_grad(const gl_tensor *t); /* BORROWED; NULL when none */
/* Replaces t's grad (NULL clears it); the shape must match. */
int gl_set_grad(gl_tensor *t, const gl_tensor *grad);
/* The op that made t ("mul", "matmul", ...) or NULL for a leaf. */
const char *gl_grad_fn_name(const gl_tensor *t);

/* Reverse-mode sweep from t. gradient: NULL for a one-element t, else the
 * vector in the vector-Jacobian product, with t's shape. Leaf gradients
 * accumulate. Saved tensors are freed unless retain_graph; going back
 * through a freed graph again is an error. */
int gl_backward(gl_tensor *t, const gl_tensor *gradient, bool retain_graph);

/* Grad mode (thread-wide): returns the previous setting. */
bool gl_set_grad_enabled(bool enabled);
bool gl_is_grad_enabled(void);

/* ------------------------------------------------------------- in place */
/* In-place changes bump the storage's version: a tensor saved for backward
 * and changed afterwards makes backward fail. In grad mode, a leaf that
 * requires grad can't be changed in place. */

int gl_zero_(gl_tensor *t);
int gl_fill_(gl_tensor *t, double value);
/* The same with an exact int64 value (a double rounds past 2^53); other
 * dtypes get it converted as gl_fill_ would. */
int gl_fill_int64_(gl_tensor *t, int64_t value);
int gl_copy_(gl_tensor *dst, const gl_tensor *src); /* src broadcasts to dst */
/* dst += alpha * src (src broadcasts to dst). */
int gl_add_(gl_tensor *dst, const gl_tensor *src, double alpha);
int gl_mul_scalar_(gl_tensor *dst, double s);

/* ------------------------------------------------------------ optimizers */
/* One pass over a parameter. State tensors (same shape and dtype as p,
 * contiguous) are made by the caller with gl_zeros. */

int gl_sgd_step(gl_tensor *p, const gl_tensor *grad, gl_tensor *momentum_buf, double lr,
                double momentum, double dampening, double weight_decay, bool nesterov,
                bool first_step);
/* Adam (weight_decay as L2 added to the gradient, as torch.optim.Adam);
 * step counts from 1. */
int gl_adam_step(gl_tensor *p, const gl_tensor *grad, gl_tensor *exp_avg, gl_tensor *exp_avg_sq,
                 int64_t step, double lr, double beta1, double beta2, double eps,
                 double weight_decay);

/* ----------------------------------------------------- anomaly detection */

/* Off by default (process-wide). When on, the first NaN or Inf is an error:
 * - in forward, an op whose floating result holds nan/inf while none of its
 *   inputs did fails: "anomaly: log produced nan in forward at fit.lua:12
 *   (input (3) had no nan/inf)". An op that merely passes on nan/inf its
 *   inputs already had is not flagged (the op that made them was).
 * - in backward, the first gradient with nan/inf that an op's backward
 *   returns (inputs counted from 1) stops the sweep: "anomaly: the backward
 *   of 'div' (created at model.lua:7) produced inf for input 2"; leaf grads
 *   reached before then keep what they got, as in PyTorch.
 * Nodes record the site string of the hook below only while the mode is on.
 * Returns the previous setting. */
bool gl_set_detect_anomaly(bool enabled);
bool gl_is_anomaly_enabled(void);
/* Writes where the op being recorded was called from ("fit.lua:12") into
 * buf[n] and returns true, or returns false when it can't tell. Called only
 * in anomaly mode, from inside engine calls: it must not fail or longjmp. */
typedef bool (*gl_site_hook)(void *ud, char *buf, size_t n);
void gl_set_site_hook(gl_site_hook hook, void *ud); /* NULL: no sites */
/* Which non-finite values t holds: GL_NONFINITE_* bits, 0 when none (and
 * always for int64 and bool tensors). One pass over t. */
enum { GL_NONFINITE_NAN = 1, GL_NONFINITE_INF = 2, GL_NONFINITE_NEGINF = 4 };
int gl_nonfinite(const gl_tensor *t);

/* ----------------------------------------------------- broadcast warnings */

/* Called by every broadcasting op whose result has more elements than each
 * operand. Return 0 to let the op go on, nonzero to fail it (the engine then
 * sets an error naming the op and the shapes). */
typedef int (*gl_broadcast_hook)(void *ud, const char *op, const gl_tensor *a, const gl_tensor *b,
                                 const int64_t *out_shape, int out_ndim);
void gl_set_broadcast_hook(gl_broadcast_hook hook, void *ud);
/* NumPy's rule: out gets max(na, nb) dims; -1 with an error naming op if the shapes clash. */
int gl_broadcast_shapes(const char *op, const int64_t *a, int na, const int64_t *b, int nb,
                        int64_t *out, int *nout);

/* -------------------------------------------------------------- printing */

typedef struct {
    int precision;     /* digits after the point (4) */
    int64_t threshold; /* summarise above this many elements (1000) */
    int edgeitems;     /* items kept at each end when summarised (3) */
    int linewidth;     /* (80) */
} gl_print_options;

void gl_set_print_options(const gl_print_options *o);
gl_print_options gl_get_print_options(void);
/* PyTorch's format: "tensor([[2., 0., 0., 0.]])", "tensor(1.2040, dtype=float64)",
 * ", requires_grad=True" / ", grad_fn=<MulBackward>" as torch shows them.
 * Returns a malloc'd string (free it), NULL on allocation failure. */
char *gl_format(const gl_tensor *t);

/* ------------------------------------------------------ files and text */
/* Readers of untrusted bytes (each is fuzzed: tests/fuzz/): they read only
 * buf[0..len), need no terminating NUL, and on bad input return NULL with
 * gl_error() set, never crash, abort or leak. `name` labels the messages
 * (a path, usually; NULL gives "<memory>"), which read "NAME: problem"; a
 * caller adds its own prefix ("load_npy: ..."). */

/* A whole .npy file in memory (NumPy format 1.0 to 3.0) as a new
 * contiguous tensor: '<f4' float32, '<f8' float64, '<i8' int64, '|b1' bool,
 * and '<i4' widened to int64; a fortran_order array comes back in C order.
 * Bytes after the data are ignored. Errors, after "NAME: ":
 *   "not a .npy file (bad magic)"            "unsupported .npy version 9.0"
 *   "truncated header"                       "header of N bytes is too long"
 *   "bad header (no descr, fortran_order or shape): ..."
 *   "unsupported dtype '>f4' (supported: <f4 <f8 <i8 <i4 |b1)"
 *   "bad shape in header ...: ..."           "shape (...) in header is too large"
 *   "truncated data: shape (2,3) needs 24 bytes, the file has 12"
 * The data's size is checked against len before anything is allocated. */
gl_tensor *gl_npy_parse(const void *buf, size_t len, const char *name);
/* t (any strides) as the bytes of a .npy file, format 1.0, C order,
 * little-endian, the header padded to 64 bytes as numpy.save writes it.
 * Returns a malloc'd buffer (free it) of *len bytes, NULL on error. */
void *gl_npy_encode(const gl_tensor *t, size_t *len);
/* The same bytes written to path; -1 with "PATH: <strerror>" or
 * "PATH: write failed: <strerror>" on error (a failed write may leave a
 * partial file). */
int gl_npy_write(const gl_tensor *t, const char *path);

/* Whether a CSV text's first line names the columns. */
typedef enum {
    GL_CSV_HEADER_GUESS,   /* yes when one of its fields is not a number */
    GL_CSV_HEADER_NONE,    /* no: the first line is data */
    GL_CSV_HEADER_PRESENT, /* yes, whatever it holds */
} gl_csv_header;

/* CSV text of numbers as a new (rows, columns) tensor of dtype dt. Fields
 * are split at sep (',' usually; not '"', '\r', '\n' or NUL), spaces and
 * tabs around them dropped (unless sep is one), "..." quoted with "" for a
 * quote; an empty field is NaN (0 as int64); numbers are strtod's (int64:
 * integers exactly); blank lines and lines starting with '#' are skipped;
 * '\n' or "\r\n" end lines. No lines give a (0,0) tensor, a header alone
 * (0, columns). names: when not NULL, receives NULL without a header, else
 * a malloc'd NULL-terminated array of the header's fields in one block
 * (free(*names) frees it all); on error it is NULL. Errors, after "NAME: ":
 *   "ragged rows: line 3 has 2 fields, expected 3"
 *   "line 2, field 2: 'abc' is not a number"
 *   "line 4 has a NUL byte (not a text file?)"   "out of memory at line N" */
gl_tensor *gl_csv_parse(const char *text, size_t len, const char *name, char sep, gl_csv_header header,
                        gl_dtype dt, char ***names);

/* A tensor literal as text: nested lists "[[1, 2], [3, 4.5e-3]]" or what
 * gl_format and PyTorch print: "tensor([[2., 0., 0., 0.]])",
 * "tensor(1.2040, dtype=torch.float64)", "tensor([ True, False])",
 * "tensor([], size=(0, 3))", "tensor([1., 2.], requires_grad=True)" (set on
 * the result; grad_fn=<...> and device= are read and ignored), with nan,
 * inf, -inf, True/False, trailing commas and any whitespace. The dtype:
 * dtype= when given (torch's names: int32/int16/int8/uint8 give int64,
 * float16/bfloat16 float32); else all True/False give bool; else in the
 * tensor(...) form integers alone give int64 and floats default_dtype when
 * it is floating (float32 otherwise), as torch prints them; a bare list
 * takes default_dtype. A summarised print ("...") can't be read back.
 * gl_parse_literal(gl_format(t)) equals t (shape, dtype, values) whenever
 * the print shows every value to enough digits (not summarised).
 * Errors read "literal: line L, column C: problem", the place where the
 * text stops making sense: "ragged: this list has 1 entry, the first list
 * at the same depth has 2", "ragged: a number inside 1 list where the first
 * number is inside 2",
 * "expected ',' or ']' after a value, got 'x'", "'...' stands for values a
 * summarised print left out: ...", "unsupported dtype 'complex64' ...". */
gl_tensor *gl_parse_literal(const char *text, size_t len, gl_dtype default_dtype);

#endif /* GRADLAB_H */
