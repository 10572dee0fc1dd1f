/* ops_binary.c — elementwise ops of two (or three) tensors: add, sub, mul,
 * div, pow; the comparisons eq ne lt le gt ge; where and masked_fill.
 *
 * Shapes broadcast by NumPy's rules; dtypes promote along
 * bool < int64 < float32 < float64, except that arithmetic on two bools gives
 * int64 and div (true division) on ints/bools gives float32.
 *
 * Kernels. Every op reduces to one kernel per dtype,
 *     kernel(n, out, a, sa, b, sb):  out[i] = f(a[i*sa], b[i*sb]),  i < n,
 * over contiguous out. The N-d iterator (iter.c) collapses the output shape
 * into as few runs as the operands' strides allow and calls the kernel once
 * per run, so same-shape contiguous operands are one call with sa = sb = 1,
 * and `scalar op tensor` (the Lua layer's `2 * x` is gl_mul(gl_scalar(2), x))
 * is one call with sa = 0. The kernel has a loop for each of those cases so
 * gcc vectorizes them; the dtype is chosen once, outside the loop.
 * Mixed-dtype operands are first cast to the compute dtype (a copy: cheap
 * for the 0-dim scalars that mixed dtypes usually are). */
#include "internal.h"

/* gcc 12's -O2 vectorizes only loops whose trip count is a known multiple
 * of the vector width ("very cheap" cost model); ours are n long. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif

/* ---------------------------------------------------------------- kernels */

typedef void (*bin_kernel)(int64_t n, void *out, const void *a, int64_t sa, const void *b,
                           int64_t sb);

/* A kernel out[i] = EXPR of inputs T x, y, output TO. */
#define BIN_KERNEL(name, T, TO, EXPR)                                                        \
    static void name(int64_t n, void *out_, const void *a_, int64_t sa, const void *b_,      \
                     int64_t sb)                                                             \
    {                                                                                        \
        TO *restrict o = out_;                                                               \
        const T *restrict pa = a_, *restrict pb = b_;                                        \
        if (sa == 1 && sb == 1) {                                                            \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = pa[i], y = pb[i];                                                      \
                o[i] = (EXPR);                                                               \
            }                                                                                \
        } else if (sa == 0 && sb == 1) {                                                     \
            T x = pa[0];                                                                     \
            for (int64_t i = 0; i < n; i++) {                                                \
                T y = pb[i];                                                                 \
                o[i] = (EXPR);                                                               \
            }                                                                                \
        } else if (sa == 1 && sb == 0) {                                                     \
            T y = pb[0];                                                                     \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = pa[i];                                                                 \
                o[i] = (EXPR);                                                               \
            }                                                                                \
        } else {                                                                             \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = pa[i * sa], y = pb[i * sb];                                            \
                o[i] = (EXPR);                                                               \
            }                                                                                \
        }                                                                                    \
    }

/* float32, float64 and int64 kernels of one arithmetic op, and its table
 * indexed by compute dtype (no bool entry: bools compute as int64). Signed
 * overflow is undefined in C, so int64 arithmetic wraps through uint64_t as
 * torch's does. */
#define ARITH_KERNELS(op, EXPR_F, EXPR_I)                                                    \
    BIN_KERNEL(op##_f32, float, float, EXPR_F)                                               \
    BIN_KERNEL(op##_f64, double, double, EXPR_F)                                             \
    BIN_KERNEL(op##_i64, int64_t, int64_t, EXPR_I)                                           \
    static const bin_kernel op##_kernels[GL_DTYPE_COUNT] = {                                 \
        [GL_INT64] = op##_i64, [GL_FLOAT32] = op##_f32, [GL_FLOAT64] = op##_f64};

#define WRAP(x) ((uint64_t)(x))
ARITH_KERNELS(add, x + y, (int64_t)(WRAP(x) + WRAP(y)))
ARITH_KERNELS(sub, x - y, (int64_t)(WRAP(x) - WRAP(y)))
ARITH_KERNELS(mul, x * y, (int64_t)(WRAP(x) * WRAP(y)))

BIN_KERNEL(div_f32, float, float, x / y)
BIN_KERNEL(div_f64, double, double, x / y)
static const bin_kernel div_kernels[GL_DTYPE_COUNT] = {[GL_FLOAT32] = div_f32,
                                                       [GL_FLOAT64] = div_f64};

/* Row kernels: rows x n elements, out contiguous, a's and b's rows n
 * contiguous elements ra and rb apart (0: one row broadcast down the
 * rest). A layer's bias add, (M,N) + (N), is this with rb = 0; through
 * the iterator it is M calls of an n-element kernel, each call costing as
 * much as its 32 elements (measured (10000,32) + (32): float32 55-68 µs as
 * 10,000 calls, 27 µs as one call of this; float64 91 -> 53 µs). */
typedef void (*bin_rows_kernel)(int64_t rows, int64_t n, void *out, const void *a, int64_t ra,
                                const void *b, int64_t rb);

#define ROWS_KERNEL(name, T, EXPR)                                                           \
    static void name(int64_t rows, int64_t n, void *out_, const void *a_, int64_t ra,        \
                     const void *b_, int64_t rb)                                             \
    {                                                                                        \
        T *restrict o = out_;                                                                \
        const T *restrict pa = a_, *restrict pb = b_;                                        \
        for (int64_t r = 0; r < rows; r++, o += n, pa += ra, pb += rb)                       \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = pa[i], y = pb[i];                                                      \
                o[i] = (EXPR);                                                               \
            }                                                                                \
    }
#define ROWS_KERNELS(op, EXPR)                                                               \
    ROWS_KERNEL(op##_rows_f32, float, EXPR)                                                  \
    ROWS_KERNEL(op##_rows_f64, double, EXPR)                                                 \
    static const bin_rows_kernel op##_rows_kernels[GL_DTYPE_COUNT] = {                       \
        [GL_FLOAT32] = op##_rows_f32, [GL_FLOAT64] = op##_rows_f64};
ROWS_KERNELS(add, x + y)
ROWS_KERNELS(sub, x - y)
ROWS_KERNELS(mul, x * y)
ROWS_KERNELS(div, x / y)

/* pow: a constant exponent (x ^ 2 from Lua) skips the libm call for the
 * exponents whose result x*x and x are exactly what pow gives. */
#define POW_KERNEL(name, T, POW)                                                             \
    static void name(int64_t n, void *out_, const void *a_, int64_t sa, const void *b_,      \
                     int64_t sb)                                                             \
    {                                                                                        \
        T *restrict o = out_;                                                                \
        const T *restrict pa = a_, *restrict pb = b_;                                        \
        if (sb == 0 && pb[0] == 2 && sa == 1) {                                              \
            for (int64_t i = 0; i < n; i++)                                                  \
                o[i] = pa[i] * pa[i];                                                        \
        } else if (sb == 0 && pb[0] == 2) {                                                  \
            for (int64_t i = 0; i < n; i++)                                                  \
                o[i] = pa[i * sa] * pa[i * sa];                                              \
        } else if (sb == 0 && pb[0] == 1) {                                                  \
            for (int64_t i = 0; i < n; i++)                                                  \
                o[i] = pa[i * sa];                                                           \
        } else {                                                                             \
            for (int64_t i = 0; i < n; i++)                                                  \
                o[i] = POW(pa[i * sa], pb[i * sb]);                                          \
        }                                                                                    \
    }
POW_KERNEL(pow_f32, float, powf)
POW_KERNEL(pow_f64, double, pow)

/* Integer power by squaring, wrapping on overflow; a negative exponent gives
 * 1/x^|y| truncated: 1 for x = 1, ±1 for x = -1, else 0 (as torch). */
static inline int64_t ipow(int64_t x, int64_t y)
{
    if (y < 0)
        return x == 1 ? 1 : x == -1 ? ((y & 1) ? -1 : 1) : 0;
    uint64_t r = 1, base = (uint64_t)x;
    for (uint64_t e = (uint64_t)y; e; e >>= 1) {
        if (e & 1)
            r *= base;
        base *= base;
    }
    return (int64_t)r;
}
BIN_KERNEL(pow_i64, int64_t, int64_t, ipow(x, y))
static const bin_kernel pow_kernels[GL_DTYPE_COUNT] = {
    [GL_INT64] = pow_i64, [GL_FLOAT32] = pow_f32, [GL_FLOAT64] = pow_f64};

/* Local derivatives of pow, used by its backward (then times the incoming
 * gradient), with torch's conventions at the edges:
 *   d/da a^b = b·a^(b-1), and 0 where b == 0 (not 0·0^-1 = NaN at a == 0);
 *   d/db a^b = a^b·log(a), and 0 where a == 0 and b >= 0 (not 0·-inf). */
BIN_KERNEL(dpow_da_f32, float, float, y == 0 ? 0.0f : y * powf(x, y - 1))
BIN_KERNEL(dpow_da_f64, double, double, y == 0 ? 0.0 : y * pow(x, y - 1))
BIN_KERNEL(dpow_db_f32, float, float, (x == 0 && y >= 0) ? 0.0f : powf(x, y) * logf(x))
BIN_KERNEL(dpow_db_f64, double, double, (x == 0 && y >= 0) ? 0.0 : pow(x, y) * log(x))
static const bin_kernel dpow_da_kernels[GL_DTYPE_COUNT] = {[GL_FLOAT32] = dpow_da_f32,
                                                           [GL_FLOAT64] = dpow_da_f64};
static const bin_kernel dpow_db_kernels[GL_DTYPE_COUNT] = {[GL_FLOAT32] = dpow_db_f32,
                                                           [GL_FLOAT64] = dpow_db_f64};

/* d/db (a / b) = -a / b², written -(a/b)/b so a tiny b does not overflow b². */
BIN_KERNEL(ddiv_db_f32, float, float, -(x / y) / y)
BIN_KERNEL(ddiv_db_f64, double, double, -(x / y) / y)
static const bin_kernel ddiv_db_kernels[GL_DTYPE_COUNT] = {[GL_FLOAT32] = ddiv_db_f32,
                                                           [GL_FLOAT64] = ddiv_db_f64};

/* Comparisons: every dtype, bool (uint8 0/1) out. NaN compares unequal to
 * everything, so ne is true and the others false, as IEEE and torch say. */
#define CMP_KERNELS(op, EXPR)                                                                \
    BIN_KERNEL(op##_b, uint8_t, uint8_t, EXPR)                                               \
    BIN_KERNEL(op##_i64, int64_t, uint8_t, EXPR)                                             \
    BIN_KERNEL(op##_f32, float, uint8_t, EXPR)                                               \
    BIN_KERNEL(op##_f64, double, uint8_t, EXPR)                                              \
    static const bin_kernel op##_kernels[GL_DTYPE_COUNT] = {                                 \
        [GL_BOOL] = op##_b, [GL_INT64] = op##_i64, [GL_FLOAT32] = op##_f32,                  \
        [GL_FLOAT64] = op##_f64};
CMP_KERNELS(eq, x == y)
CMP_KERNELS(ne, x != y)
CMP_KERNELS(lt, x < y)
CMP_KERNELS(le, x <= y)
CMP_KERNELS(gt, x > y)
CMP_KERNELS(ge, x >= y)

/* ------------------------------------------------------------- the driver */

typedef struct {
    bin_kernel k;
    char *o;
    const char *a, *b;
    int64_t eo, ea, eb; /* element sizes */
} bin_ctx;

static void bin_body(int64_t n, const int64_t *off, const int64_t *st, void *ctx)
{
    const bin_ctx *c = ctx;
    /* out is contiguous, so after the iterator drops size-1 dims its inner stride is 1 */
    assert(st[0] == 1 || n <= 1);
    c->k(n, c->o + off[0] * c->eo, c->a + off[1] * c->ea, st[1], c->b + off[2] * c->eb, st[2]);
}

/* Runs the iterator's 2-d pattern of runs as one call of a row kernel when
 * it has one: both inputs' runs contiguous (inner stride 1). True when done. */
static bool rows_run(const gl_iter *it, bin_rows_kernel rk, const bin_ctx *c)
{
    if (!rk || it->ndim != 2 || it->stride[0][1] != 1 || it->stride[1][1] != 1 ||
        it->stride[2][1] != 1 || it->stride[0][0] != it->shape[1])
        return false;
    rk(it->shape[0], it->shape[1], c->o, c->a, it->stride[1][0], c->b, it->stride[2][0]);
    return true;
}

/* out = k(a, b) broadcast, computed in dtype ct (a and b are cast to it),
 * stored as dtype odt; rows (may be NULL): the op's row kernels, for
 * odt == ct. op names the operation in errors (shapes were already
 * checked by the public function, so only allocation can fail). */
static gl_tensor *binary_run_rows(const char *op, const bin_kernel *kernels,
                                  const bin_rows_kernel *rows, gl_dtype ct, gl_dtype odt,
                                  const gl_tensor *a, const gl_tensor *b)
{
    /* Fast path: same shape and already in the compute dtype, each operand
     * contiguous or one element expanded. The whole result is one kernel
     * call, so the broadcast, cast and iterator setup below (about 1k
     * instructions, most of a 4-element op: the tiny-op bench's backward
     * is ten of these) is skipped. Same kernel, same results. */
    if (a->dtype == ct && b->dtype == ct &&
        gl_same_shape(a->shape, a->ndim, b->shape, b->ndim)) {
        int64_t sa = gl_flat_stride(a), sb = sa < 0 ? -1 : gl_flat_stride(b);
        if (sa >= 0 && sb >= 0) {
            int64_t n = gl_shape_numel(a->shape, a->ndim);
            gl_tensor *out = gl_new(a->shape, a->ndim, odt);
            if (out && n > 0) /* pow's kernel reads a stride-0 b[0] even when n == 0 */
                kernels[ct](n, gl_data_ptr(out), gl_data_ptr(a), sa, gl_data_ptr(b), sb);
            return out;
        }
    }
    int64_t shape[GL_MAX_DIMS], st[3][GL_MAX_DIMS];
    int nd;
    if (gl_broadcast_shapes(op, a->shape, a->ndim, b->shape, b->ndim, shape, &nd) != 0)
        return NULL;
    assert(kernels[ct] != NULL);
    gl_tensor *ta, *tb, *out = NULL;
    const gl_tensor *ca = gl_as_dtype(a, ct, &ta), *cb = gl_as_dtype(b, ct, &tb);
    if (ca && cb && (out = gl_new(shape, nd, odt))) {
        gl_contiguous_strides(shape, nd, st[0]);
        gl_broadcast_strides(ca, nd, shape, st[1]);
        gl_broadcast_strides(cb, nd, shape, st[2]);
        gl_iter it;
        gl_iter_init(&it, 3, shape, nd, st);
        bin_ctx c = {kernels[ct], gl_data_ptr(out), gl_data_ptr(ca), gl_data_ptr(cb),
                     (int64_t)gl_dtype_size(odt), (int64_t)gl_dtype_size(ct),
                     (int64_t)gl_dtype_size(ct)};
        if (!rows_run(&it, rows ? rows[ct] : NULL, &c))
            gl_iter_run(&it, bin_body, &c);
    }
    gl_release(ta);
    gl_release(tb);
    return out;
}

static gl_tensor *binary_run(const char *op, const bin_kernel *kernels, gl_dtype ct, gl_dtype odt,
                             const gl_tensor *a, const gl_tensor *b)
{
    return binary_run_rows(op, kernels, NULL, ct, odt, a, b);
}

/* Broadcasts a with b (the error names op and both shapes) and lets the
 * broadcast hook see results that grow beyond both operands. */
static int check_binary(const char *op, const gl_tensor *a, const gl_tensor *b)
{
    /* equal shapes always broadcast, and the result outgrows neither operand */
    if (gl_same_shape(a->shape, a->ndim, b->shape, b->ndim))
        return 0;
    int64_t shape[GL_MAX_DIMS];
    int nd;
    if (gl_broadcast_shapes(op, a->shape, a->ndim, b->shape, b->ndim, shape, &nd) != 0)
        return -1;
    return gl_check_broadcast(op, a, b, shape, nd);
}

static gl_dtype arith_dtype(gl_dtype a, gl_dtype b)
{
    gl_dtype p = gl_promote(a, b);
    return p == GL_BOOL ? GL_INT64 : p;
}

static gl_dtype float_dtype(gl_dtype a, gl_dtype b)
{
    gl_dtype p = gl_promote(a, b);
    return gl_is_floating(p) ? p : GL_FLOAT32;
}

static gl_tensor *arith(gl_op op, const gl_tensor *a, const gl_tensor *b)
{
    if (check_binary(gl_op_table[op]->name, a, b) != 0)
        return NULL;
    return gl_apply(op, (gl_tensor *const[]){(gl_tensor *)a, (gl_tensor *)b}, 2, NULL);
}

/* g * d, the gradient in the output's (broadcast) shape; the sweep sums it
 * back to the input's shape. d is released. */
static gl_tensor *times_grad(gl_tensor *d, const gl_tensor *gout)
{
    if (!d)
        return NULL;
    gl_tensor *g = gl_mul(gout, d);
    gl_release(d);
    return g;
}

/* -------------------------------------------------------------------- add */

/* a (any), b (any) -> out (broadcast shape) */
static gl_tensor *add_forward(gl_tensor *const in[], const gl_op_args *args)
{
    (void)args;
    gl_dtype dt = arith_dtype(in[0]->dtype, in[1]->dtype);
    return binary_run_rows("add", add_kernels, add_rows_kernels, dt, dt, in[0], in[1]);
}

static int add_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    for (int i = 0; i < 2; i++)
        if (n->needs[i])
            gin[i] = gl_retain((gl_tensor *)gout);
    return 0;
}

const gl_op_def gl_def_add = {GL_OP_ADD, "add", 2, 0, add_forward, add_backward};

gl_tensor *gl_add(const gl_tensor *a, const gl_tensor *b) { return arith(GL_OP_ADD, a, b); }

/* -------------------------------------------------------------------- sub */

static gl_tensor *sub_forward(gl_tensor *const in[], const gl_op_args *args)
{
    (void)args;
    gl_dtype dt = arith_dtype(in[0]->dtype, in[1]->dtype);
    return binary_run_rows("sub", sub_kernels, sub_rows_kernels, dt, dt, in[0], in[1]);
}

static int sub_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    if (n->needs[0])
        gin[0] = gl_retain((gl_tensor *)gout);
    if (n->needs[1] && !(gin[1] = gl_neg(gout)))
        return -1;
    return 0;
}

const gl_op_def gl_def_sub = {GL_OP_SUB, "sub", 2, 0, sub_forward, sub_backward};

gl_tensor *gl_sub(const gl_tensor *a, const gl_tensor *b) { return arith(GL_OP_SUB, a, b); }

/* -------------------------------------------------------------------- mul */

static gl_tensor *mul_forward(gl_tensor *const in[], const gl_op_args *args)
{
    (void)args;
    gl_dtype dt = arith_dtype(in[0]->dtype, in[1]->dtype);
    return binary_run_rows("mul", mul_kernels, mul_rows_kernels, dt, dt, in[0], in[1]);
}

/* d(a*b) = b da + a db */
static int mul_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    if (n->needs[0] && !(gin[0] = gl_mul(gout, GL_IN(n, 1))))
        return -1;
    if (n->needs[1] && !(gin[1] = gl_mul(gout, GL_IN(n, 0))))
        return -1;
    return 0;
}

const gl_op_def gl_def_mul = {GL_OP_MUL, "mul", 2, GL_SAVE_INPUTS, mul_forward, mul_backward};

gl_tensor *gl_mul(const gl_tensor *a, const gl_tensor *b) { return arith(GL_OP_MUL, a, b); }

/* -------------------------------------------------------------------- div */

/* True division: int and bool operands compute in float32, as torch's `/`. */
static gl_tensor *div_forward(gl_tensor *const in[], const gl_op_args *args)
{
    (void)args;
    gl_dtype dt = float_dtype(in[0]->dtype, in[1]->dtype);
    return binary_run_rows("div", div_kernels, div_rows_kernels, dt, dt, in[0], in[1]);
}

/* d(a/b) = da / b - a/b² db */
static int div_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    const gl_tensor *a = GL_IN(n, 0), *b = GL_IN(n, 1);
    if (n->needs[0] && !(gin[0] = gl_div(gout, b)))
        return -1;
    if (n->needs[1]) {
        gl_dtype dt = float_dtype(a->dtype, b->dtype);
        if (!(gin[1] = times_grad(binary_run("div", ddiv_db_kernels, dt, dt, a, b), gout)))
            return -1;
    }
    return 0;
}

const gl_op_def gl_def_div = {GL_OP_DIV, "div", 2, GL_SAVE_INPUTS, div_forward, div_backward};

gl_tensor *gl_div(const gl_tensor *a, const gl_tensor *b) { return arith(GL_OP_DIV, a, b); }

/* -------------------------------------------------------------------- pow */

/* a ^ b elementwise; two int/bool operands give int64 (integer power). */
static gl_tensor *pow_forward(gl_tensor *const in[], const gl_op_args *args)
{
    (void)args;
    gl_dtype dt = arith_dtype(in[0]->dtype, in[1]->dtype);
    return binary_run("pow", pow_kernels, dt, dt, in[0], in[1]);
}

/* The local derivatives (dpow_da, dpow_db above, with torch's zeros at the
 * edges) in the broadcast shape, times the incoming gradient. */
static int pow_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    const gl_tensor *a = GL_IN(n, 0), *b = GL_IN(n, 1);
    gl_dtype dt = float_dtype(a->dtype, b->dtype);
    if (n->needs[0] &&
        !(gin[0] = times_grad(binary_run("pow", dpow_da_kernels, dt, dt, a, b), gout)))
        return -1;
    if (n->needs[1] &&
        !(gin[1] = times_grad(binary_run("pow", dpow_db_kernels, dt, dt, a, b), gout)))
        return -1;
    return 0;
}

const gl_op_def gl_def_pow = {GL_OP_POW, "pow", 2, GL_SAVE_INPUTS, pow_forward, pow_backward};

gl_tensor *gl_pow(const gl_tensor *a, const gl_tensor *b) { return arith(GL_OP_POW, a, b); }

/* ------------------------------------------------------------ comparisons */

/* Compared in the promoted dtype; a bool result with no graph (comparisons
 * have no gradient, so nothing is recorded even when an input requires grad). */
static gl_tensor *compare(const char *op, const bin_kernel *kernels, const gl_tensor *a,
                          const gl_tensor *b)
{
    if (check_binary(op, a, b) != 0)
        return NULL;
    return binary_run(op, kernels, gl_promote(a->dtype, b->dtype), GL_BOOL, a, b);
}

gl_tensor *gl_eq(const gl_tensor *a, const gl_tensor *b) { return compare("eq", eq_kernels, a, b); }
gl_tensor *gl_ne(const gl_tensor *a, const gl_tensor *b) { return compare("ne", ne_kernels, a, b); }
gl_tensor *gl_lt(const gl_tensor *a, const gl_tensor *b) { return compare("lt", lt_kernels, a, b); }
gl_tensor *gl_le(const gl_tensor *a, const gl_tensor *b) { return compare("le", le_kernels, a, b); }
gl_tensor *gl_gt(const gl_tensor *a, const gl_tensor *b) { return compare("gt", gt_kernels, a, b); }
gl_tensor *gl_ge(const gl_tensor *a, const gl_tensor *b) { return compare("ge", ge_kernels, a, b); }

/* ------------------------------------------------- where and masked_fill */

/* Both move elements without looking at their values, so their kernels go
 * by element size (1, 4 or 8 bytes) rather than dtype. */
typedef enum { MOVE_COPY, MOVE_SELECT, MOVE_FILL } move_kind;

#define MOVE_KERNELS(T)                                                                      \
    /* o[i] = s[i*ss] */                                                                     \
    static void copy_##T(int64_t n, T *restrict o, const T *restrict s, int64_t ss)          \
    {                                                                                        \
        if (ss == 1)                                                                         \
            memcpy(o, s, (size_t)n * sizeof(T));                                             \
        else                                                                                 \
            for (int64_t i = 0; i < n; i++)                                                  \
                o[i] = s[i * ss];                                                            \
    }                                                                                        \
    /* o[i] = s[i*ss] where c[i*sc] */                                                       \
    static void select_##T(int64_t n, T *restrict o, const uint8_t *restrict c, int64_t sc,  \
                           const T *restrict s, int64_t ss)                                  \
    {                                                                                        \
        for (int64_t i = 0; i < n; i++)                                                      \
            o[i] = c[i * sc] ? s[i * ss] : o[i];                                             \
    }                                                                                        \
    /* o[i] = v where c[i*sc] */                                                             \
    static void fill_##T(int64_t n, T *restrict o, const uint8_t *restrict c, int64_t sc, T v) \
    {                                                                                        \
        for (int64_t i = 0; i < n; i++)                                                      \
            o[i] = c[i * sc] ? v : o[i];                                                     \
    }
MOVE_KERNELS(uint8_t)
MOVE_KERNELS(uint32_t)
MOVE_KERNELS(uint64_t)

typedef struct {
    move_kind kind;
    size_t esize;
    char *o;
    const uint8_t *c; /* SELECT, FILL: operand 1 */
    const char *s;    /* COPY: operand 1; SELECT: operand 2 */
    uint64_t v;       /* FILL: the value's bits in the output dtype */
} move_ctx;

#define MOVE_CASE(T)                                                                         \
    {                                                                                        \
        T *o = (T *)m->o + off[0];                                                           \
        if (m->kind == MOVE_COPY)                                                            \
            copy_##T(n, o, (const T *)m->s + off[1], st[1]);                                 \
        else if (m->kind == MOVE_SELECT)                                                     \
            select_##T(n, o, m->c + off[1], st[1], (const T *)m->s + off[2], st[2]);         \
        else {                                                                               \
            T v;                                                                             \
            memcpy(&v, &m->v, sizeof v);                                                     \
            fill_##T(n, o, m->c + off[1], st[1], v);                                         \
        }                                                                                    \
        break;                                                                               \
    }

static void move_body(int64_t n, const int64_t *off, const int64_t *st, void *ctx)
{
    const move_ctx *m = ctx;
    assert(st[0] == 1 || n <= 1);
    switch (m->esize) {
    case 1: MOVE_CASE(uint8_t)
    case 4: MOVE_CASE(uint32_t)
    default: MOVE_CASE(uint64_t)
    }
}

/* Runs one move over contiguous out with operands x (and y) broadcast to it. */
static void move_run(move_ctx *m, gl_tensor *out, const gl_tensor *x, const gl_tensor *y)
{
    int64_t st[3][GL_MAX_DIMS];
    gl_contiguous_strides(out->shape, out->ndim, st[0]);
    gl_broadcast_strides(x, out->ndim, out->shape, st[1]);
    if (y)
        gl_broadcast_strides(y, out->ndim, out->shape, st[2]);
    gl_iter it;
    gl_iter_init(&it, y ? 3 : 2, out->shape, out->ndim, st);
    m->esize = gl_dtype_size(out->dtype);
    m->o = gl_data_ptr(out);
    gl_iter_run(&it, move_body, m);
}

/* cond (bool, or any dtype: nonzero is true), a, b broadcast together
 * -> out (broadcast shape, promote(a, b)): out = b, then a where cond. */
static gl_tensor *where_forward(gl_tensor *const in[], const gl_op_args *args)
{
    gl_dtype dt = gl_promote(in[1]->dtype, in[2]->dtype);
    gl_tensor *tc, *ta, *tb, *out = NULL;
    const gl_tensor *c = gl_as_dtype(in[0], GL_BOOL, &tc), *a = gl_as_dtype(in[1], dt, &ta),
                    *b = gl_as_dtype(in[2], dt, &tb);
    if (c && a && b && (out = gl_new(args->shape, args->ndim, dt))) {
        move_ctx m = {.kind = MOVE_COPY, .s = gl_data_ptr(b)};
        move_run(&m, out, b, NULL);
        m = (move_ctx){.kind = MOVE_SELECT, .c = gl_data_ptr(c), .s = gl_data_ptr(a)};
        move_run(&m, out, c, a);
    }
    gl_release(tc);
    gl_release(ta);
    gl_release(tb);
    return out;
}

/* The gradient goes to a where cond holds and to b elsewhere; cond gets none. */
static int where_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    const gl_tensor *cond = GL_IN(n, 0);
    gl_tensor *zero = gl_scalar(0, gout->dtype);
    if (!zero)
        return -1;
    int rc = 0;
    if (n->needs[1] && !(gin[1] = gl_where(cond, gout, zero)))
        rc = -1;
    if (rc == 0 && n->needs[2] && !(gin[2] = gl_where(cond, zero, gout)))
        rc = -1;
    gl_release(zero);
    return rc;
}

const gl_op_def gl_def_where = {GL_OP_WHERE, "where", 3, GL_SAVE_INPUTS, where_forward,
                                where_backward};

gl_tensor *gl_where(const gl_tensor *cond, const gl_tensor *a, const gl_tensor *b)
{
    char bc[GL_SHAPE_BUF], ba[GL_SHAPE_BUF], bb[GL_SHAPE_BUF];
    gl_op_args args = {0};
    int64_t ab[GL_MAX_DIMS];
    int nab;
    if (gl_broadcast_shapes("where", a->shape, a->ndim, b->shape, b->ndim, ab, &nab) != 0 ||
        gl_broadcast_shapes("where", cond->shape, cond->ndim, ab, nab, args.shape, &args.ndim) != 0)
        return gl_fail("where: condition %s, input %s and other %s cannot be broadcast together",
                       gl_tshape(cond, bc), gl_tshape(a, ba), gl_tshape(b, bb));
    /* the hook hears of it only when the result outgrows all three operands */
    if (gl_shape_numel(args.shape, args.ndim) > gl_numel(cond) &&
        gl_check_broadcast("where", a, b, args.shape, args.ndim) != 0)
        return NULL;
    return gl_apply(GL_OP_WHERE,
                    (gl_tensor *const[]){(gl_tensor *)cond, (gl_tensor *)a, (gl_tensor *)b}, 3,
                    &args);
}

/* t (any shape), mask (broadcasts to t) -> out (t's shape and dtype): a copy
 * of t with args->value where mask is nonzero. */
static gl_tensor *masked_fill_forward(gl_tensor *const in[], const gl_op_args *args)
{
    const gl_tensor *t = in[0];
    gl_tensor *tm, *out = NULL;
    const gl_tensor *mask = gl_as_dtype(in[1], GL_BOOL, &tm);
    if (mask && (out = gl_new(t->shape, t->ndim, t->dtype))) {
        move_ctx m = {.kind = MOVE_COPY, .s = gl_data_ptr(t)};
        move_run(&m, out, t, NULL);
        m = (move_ctx){.kind = MOVE_FILL, .c = gl_data_ptr(mask)};
        gl_store(&m.v, t->dtype, 0, args->value); /* the value as t's dtype stores it */
        move_run(&m, out, mask, NULL);
    }
    gl_release(tm);
    return out;
}

/* Filled elements no longer depend on t: their gradient is 0. */
static int masked_fill_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    if (n->needs[0] && !(gin[0] = gl_masked_fill(gout, GL_IN(n, 1), 0)))
        return -1;
    return 0;
}

const gl_op_def gl_def_masked_fill = {GL_OP_MASKED_FILL, "masked_fill", 2, GL_SAVE_INPUTS,
                                      masked_fill_forward, masked_fill_backward};

gl_tensor *gl_masked_fill(const gl_tensor *t, const gl_tensor *mask, double value)
{
    char bm[GL_SHAPE_BUF], bt[GL_SHAPE_BUF], bo[GL_SHAPE_BUF];
    gl_op_args args = {.value = value};
    if (gl_broadcast_shapes("masked_fill", t->shape, t->ndim, mask->shape, mask->ndim, args.shape,
                            &args.ndim) != 0)
        return NULL;
    if (!gl_same_shape(args.shape, args.ndim, t->shape, t->ndim))
        return gl_fail("masked_fill: a mask of shape %s would grow the tensor of shape %s to %s; "
                       "the mask must broadcast to the tensor's shape",
                       gl_tshape(mask, bm), gl_tshape(t, bt),
                       gl_shape_str(args.shape, args.ndim, bo, sizeof bo));
    if (gl_check_broadcast("masked_fill", t, mask, args.shape, args.ndim) != 0)
        return NULL;
    return gl_apply(GL_OP_MASKED_FILL, (gl_tensor *const[]){(gl_tensor *)t, (gl_tensor *)mask}, 2,
                    &args);
}
