/* inplace.c — changes made in place: zero_, fill_, copy_, add_, mul_scalar_.
 *
 * None of them is recorded in the graph, so while grad mode is on they refuse
 * a tensor that requires grad (a leaf: its value is what backward
 * differentiates at; a result: its grad_fn would describe the old value).
 * Each bumps its storage's version, so backward can tell that a tensor a node
 * saved was changed afterwards. They work on any view (strided dst); src
 * broadcasts to dst's shape and is converted to dst's dtype.
 */
#include "internal.h"

#include <stdlib.h>

/* One value of any dtype, made by gl_store's conversion rules. */
typedef union {
    float f32;
    double f64;
    int64_t i64;
    uint8_t b8;
} scalar;

static scalar to_scalar(gl_dtype dt, double v)
{
    scalar s;
    memset(&s, 0, sizeof s);
    gl_store(&s, dt, 0, v);
    return s;
}

/* Fails if t may not be changed in place now. `overlap` also refuses a dst
 * whose elements share memory (an expand() view: stride 0 along a dim of size
 * > 1), where an update would be applied several times to one location. */
static int check_writable(const char *op, const gl_tensor *t, bool overlap)
{
    char b[GL_SHAPE_BUF];
    if (t->requires_grad && gl_is_grad_enabled()) {
        if (!t->grad_fn)
            return gl_fail_status("%s: a leaf tensor that requires grad can't be changed in place "
                                  "(this %s tensor of shape %s): do it inside gl.no_grad, or "
                                  "change a detach()ed alias, which shares its storage",
                                  op, gl_dtype_name(t->dtype), gl_tshape(t, b));
        return gl_fail_status("%s: this %s tensor of shape %s requires grad and was made by '%s'; "
                              "in-place changes are not recorded in the graph, so its gradient "
                              "would be wrong: use the out-of-place op, or do it inside gl.no_grad",
                              op, gl_dtype_name(t->dtype), gl_tshape(t, b), t->grad_fn->def->name);
    }
    if (overlap)
        for (int i = 0; i < t->ndim; i++)
            if (t->shape[i] > 1 && t->stride[i] == 0)
                return gl_fail_status("%s: the destination of shape %s is an expanded view: "
                                      "several of its elements share one memory location "
                                      "(dim %d has stride 0); clone() it first",
                                      op, gl_tshape(t, b), i);
    return 0;
}

int gl_check_writable(const char *op, const gl_tensor *t, bool overlap)
{
    return check_writable(op, t, overlap);
}

/* src's strides as broadcast to dst's shape, or an error naming both shapes. */
static int source_strides(const char *op, const gl_tensor *dst, const gl_tensor *src,
                          int64_t *stride)
{
    int64_t shape[GL_MAX_DIMS];
    int n;
    if (gl_broadcast_shapes(op, src->shape, src->ndim, dst->shape, dst->ndim, shape, &n) != 0)
        return -1;
    if (!gl_same_shape(shape, n, dst->shape, dst->ndim)) {
        char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
        return gl_fail_status("%s: a source of shape %s can't be broadcast to the destination's "
                              "shape %s",
                              op, gl_tshape(src, b1), gl_tshape(dst, b2));
    }
    gl_broadcast_strides(src, dst->ndim, dst->shape, stride);
    return 0;
}

/* When src shares dst's storage other than element for element (dst.copy_(
 * dst.T)), writing dst would change src before it is read: then src is first
 * copied. *owned gets the copy (release it), or NULL when src is used as is. */
static const gl_tensor *safe_source(const gl_tensor *dst, const gl_tensor *src,
                                    const int64_t *sstride, gl_tensor **owned)
{
    *owned = NULL;
    if (src->storage != dst->storage)
        return src;
    bool same = src->offset == dst->offset;
    for (int i = 0; i < dst->ndim && same; i++)
        if (dst->shape[i] > 1 && sstride[i] != dst->stride[i])
            same = false;
    if (same)
        return src;
    *owned = gl_new(src->shape, src->ndim, src->dtype);
    if (*owned)
        gl_copy_strided(*owned, src);
    return *owned;
}

/* The iterator over dst (operand 0) and optionally a source (operand 1). */
static void iter_over(gl_iter *it, const gl_tensor *dst, const int64_t *sstride)
{
    int64_t strides[2][GL_MAX_DIMS];
    memcpy(strides[0], dst->stride, sizeof strides[0]);
    if (sstride)
        memcpy(strides[1], sstride, sizeof strides[1]);
    gl_iter_init(it, sstride ? 2 : 1, dst->shape, dst->ndim, strides);
}

typedef struct {
    void *d;       /* dst data, offset applied */
    const void *s; /* src data, offset applied */
    gl_dtype ddt, sdt;
    scalar v;      /* fill value / factor, in dst's dtype */
    double alpha;  /* add_: float alpha */
    int64_t ialpha; /* add_: integer alpha (int64 and bool dst) */
} run_ctx;

/* A loop over one run: *dp = EXPR, where EXPR reads *dp (dst) and *sp (src).
 * Contiguous runs go in blocks of 8 whose sources are read before dst is
 * written: gcc 12 at -O2 vectorizes such a block (its trip count is known and
 * it needs no alias check), and a src that is dst itself, element for
 * element, still reads each value before it is written. */
#define RUN_LOOP(DT, ST, EXPR)                                                               \
    do {                                                                                     \
        DT *d_ = (DT *)c->d + off[0];                                                        \
        const ST *s_ = (const ST *)c->s + off[1];                                            \
        int64_t k_ = 0;                                                                      \
        if (st[0] == 1 && st[1] == 1)                                                        \
            for (; k_ + 8 <= n; k_ += 8) {                                                   \
                DT dv_[8];                                                                   \
                ST sv_[8];                                                                   \
                for (int j_ = 0; j_ < 8; j_++) {                                             \
                    dv_[j_] = d_[k_ + j_];                                                   \
                    sv_[j_] = s_[k_ + j_];                                                   \
                }                                                                            \
                for (int j_ = 0; j_ < 8; j_++) {                                             \
                    const DT *dp = &dv_[j_];                                                 \
                    const ST *sp = &sv_[j_];                                                 \
                    (void)dp;                                                                \
                    d_[k_ + j_] = (EXPR);                                                    \
                }                                                                            \
            }                                                                                \
        for (; k_ < n; k_++) {                                                               \
            const DT *dp = d_ + k_ * st[0];                                                  \
            const ST *sp = s_ + k_ * st[1];                                                  \
            (void)dp;                                                                        \
            d_[k_ * st[0]] = (EXPR);                                                         \
        }                                                                                    \
    } while (0)

/* The same over dst alone (st0: dst's stride); EXPR reads *dp. */
#define DST_LOOP(DT, EXPR)                                                                   \
    do {                                                                                     \
        DT *d_ = (DT *)c->d + off[0];                                                        \
        int64_t k_ = 0;                                                                      \
        if (st0[0] == 1)                                                                     \
            for (; k_ + 8 <= n; k_ += 8) {                                                   \
                DT dv_[8];                                                                   \
                for (int j_ = 0; j_ < 8; j_++)                                               \
                    dv_[j_] = d_[k_ + j_];                                                   \
                for (int j_ = 0; j_ < 8; j_++) {                                             \
                    const DT *dp = &dv_[j_];                                                 \
                    (void)dp;                                                                \
                    d_[k_ + j_] = (EXPR);                                                    \
                }                                                                            \
            }                                                                                \
        for (; k_ < n; k_++) {                                                               \
            const DT *dp = d_ + k_ * st0[0];                                                 \
            (void)dp;                                                                        \
            d_[k_ * st0[0]] = (EXPR);                                                        \
        }                                                                                    \
    } while (0)

/* ---------------------------------------------------------- zero_, fill_ */

/* The value is read into a local first: dst's stores can't change it. */
static void fill_run(int64_t n, const int64_t *off, const int64_t *st0, void *vctx)
{
    const run_ctx *c = vctx;
    switch (c->ddt) {
    case GL_FLOAT32: { const float v = c->v.f32; DST_LOOP(float, v); } break;
    case GL_FLOAT64: { const double v = c->v.f64; DST_LOOP(double, v); } break;
    case GL_INT64: { const int64_t v = c->v.i64; DST_LOOP(int64_t, v); } break;
    default: { const uint8_t v = c->v.b8; DST_LOOP(uint8_t, v); } break;
    }
}

static int fill_value(const char *op, gl_tensor *t, scalar v, bool zero)
{
    if (check_writable(op, t, false) != 0)
        return -1;
    run_ctx c = {.d = gl_data_ptr(t), .ddt = t->dtype, .v = v};
    if (zero && gl_is_contiguous(t)) {
        memset(c.d, 0, (size_t)gl_numel(t) * gl_dtype_size(t->dtype));
    } else {
        gl_iter it;
        iter_over(&it, t, NULL);
        gl_iter_run(&it, fill_run, &c);
    }
    gl_bump_version(t);
    return 0;
}

static int fill(const char *op, gl_tensor *t, double value)
{
    return fill_value(op, t, to_scalar(t->dtype, value), value == 0);
}

int gl_zero_(gl_tensor *t) { return fill("zero_", t, 0); }

/* value converted as gl_store does: int64 truncates, bool is value != 0. */
int gl_fill_(gl_tensor *t, double value) { return fill("fill_", t, value); }

int gl_fill_int64_(gl_tensor *t, int64_t value)
{
    if (t->dtype != GL_INT64)
        return fill("fill_", t, (double)value);
    scalar s;
    memset(&s, 0, sizeof s);
    s.i64 = value;
    return fill_value("fill_", t, s, value == 0);
}

/* ---------------------------------------------------------------- copy_ */

#define TO_I64(x) gl_double_to_i64((double)(x))
#define TO_B8(x) ((x) != 0)

static void copy_run(int64_t n, const int64_t *off, const int64_t *st, void *vctx)
{
    const run_ctx *c = vctx;
    switch (c->ddt * GL_DTYPE_COUNT + c->sdt) {
#define CASE(D, S) case D * GL_DTYPE_COUNT + S:
    CASE(GL_FLOAT32, GL_FLOAT32) RUN_LOOP(float, float, *sp); break;
    CASE(GL_FLOAT32, GL_FLOAT64) RUN_LOOP(float, double, (float)*sp); break;
    CASE(GL_FLOAT32, GL_INT64) RUN_LOOP(float, int64_t, (float)*sp); break;
    CASE(GL_FLOAT32, GL_BOOL) RUN_LOOP(float, uint8_t, (float)*sp); break;
    CASE(GL_FLOAT64, GL_FLOAT32) RUN_LOOP(double, float, (double)*sp); break;
    CASE(GL_FLOAT64, GL_FLOAT64) RUN_LOOP(double, double, *sp); break;
    CASE(GL_FLOAT64, GL_INT64) RUN_LOOP(double, int64_t, (double)*sp); break;
    CASE(GL_FLOAT64, GL_BOOL) RUN_LOOP(double, uint8_t, (double)*sp); break;
    CASE(GL_INT64, GL_FLOAT32) RUN_LOOP(int64_t, float, TO_I64(*sp)); break;
    CASE(GL_INT64, GL_FLOAT64) RUN_LOOP(int64_t, double, TO_I64(*sp)); break;
    CASE(GL_INT64, GL_INT64) RUN_LOOP(int64_t, int64_t, *sp); break;
    CASE(GL_INT64, GL_BOOL) RUN_LOOP(int64_t, uint8_t, (int64_t)*sp); break;
    CASE(GL_BOOL, GL_FLOAT32) RUN_LOOP(uint8_t, float, TO_B8(*sp)); break;
    CASE(GL_BOOL, GL_FLOAT64) RUN_LOOP(uint8_t, double, TO_B8(*sp)); break;
    CASE(GL_BOOL, GL_INT64) RUN_LOOP(uint8_t, int64_t, TO_B8(*sp)); break;
    CASE(GL_BOOL, GL_BOOL) RUN_LOOP(uint8_t, uint8_t, *sp); break;
#undef CASE
    default: assert(!"copy_: invalid dtype pair");
    }
}

int gl_copy_(gl_tensor *dst, const gl_tensor *src)
{
    int64_t sstride[GL_MAX_DIMS];
    if (check_writable("copy_", dst, true) != 0 || source_strides("copy_", dst, src, sstride) != 0)
        return -1;
    gl_tensor *owned;
    const gl_tensor *s = safe_source(dst, src, sstride, &owned);
    if (!s)
        return -1;
    if (owned)
        gl_broadcast_strides(owned, dst->ndim, dst->shape, sstride);
    if (dst->dtype == s->dtype && gl_is_contiguous(dst) && gl_is_contiguous(s) &&
        gl_same_shape(dst->shape, dst->ndim, s->shape, s->ndim)) {
        memmove(gl_data_ptr(dst), gl_data_ptr(s), (size_t)gl_numel(dst) * gl_dtype_size(dst->dtype));
    } else {
        run_ctx c = {.d = gl_data_ptr(dst), .s = gl_data_ptr(s), .ddt = dst->dtype, .sdt = s->dtype};
        gl_iter it;
        iter_over(&it, dst, sstride);
        gl_iter_run(&it, copy_run, &c);
    }
    gl_release(owned);
    gl_bump_version(dst);
    return 0;
}

/* ----------------------------------------------------------------- add_ */

/* Integers multiply and add in uint64_t: wrapping, never undefined. */
#define IADD(d, a, s) ((int64_t)((uint64_t)(d) + (uint64_t)(a) * (uint64_t)(s)))

/* dst + alpha * src computed in the dtype the two promote to (torch's
 * common dtype), then stored in dst's dtype. */
static void add_run(int64_t n, const int64_t *off, const int64_t *st, void *vctx)
{
    const run_ctx *c = vctx;
    const float af = (float)c->alpha;
    const double ad = c->alpha;
    const int64_t ai = c->ialpha;
    switch (c->ddt * GL_DTYPE_COUNT + c->sdt) {
#define CASE(D, S) case D * GL_DTYPE_COUNT + S:
    CASE(GL_FLOAT32, GL_FLOAT32) RUN_LOOP(float, float, *dp + af * *sp); break;
    CASE(GL_FLOAT32, GL_FLOAT64) RUN_LOOP(float, double, (float)(*dp + ad * *sp)); break;
    CASE(GL_FLOAT32, GL_INT64) RUN_LOOP(float, int64_t, *dp + af * (float)*sp); break;
    CASE(GL_FLOAT32, GL_BOOL) RUN_LOOP(float, uint8_t, *dp + af * (float)*sp); break;
    CASE(GL_FLOAT64, GL_FLOAT32) RUN_LOOP(double, float, *dp + ad * *sp); break;
    CASE(GL_FLOAT64, GL_FLOAT64) RUN_LOOP(double, double, *dp + ad * *sp); break;
    CASE(GL_FLOAT64, GL_INT64) RUN_LOOP(double, int64_t, *dp + ad * (double)*sp); break;
    CASE(GL_FLOAT64, GL_BOOL) RUN_LOOP(double, uint8_t, *dp + ad * (double)*sp); break;
    CASE(GL_INT64, GL_INT64) RUN_LOOP(int64_t, int64_t, IADD(*dp, ai, *sp)); break;
    CASE(GL_INT64, GL_BOOL) RUN_LOOP(int64_t, uint8_t, IADD(*dp, ai, *sp)); break;
    CASE(GL_BOOL, GL_BOOL) RUN_LOOP(uint8_t, uint8_t, IADD(*dp, ai, *sp) != 0); break;
#undef CASE
    default: assert(!"add_: dtype pair not checked");
    }
}

/* An integral value that fits int64, for integer destinations. */
static bool is_integral(double v) { return v == floor(v) && fabs(v) < 9.2e18; }

/* True when src can be read straight along dst: both contiguous, the same
 * shape, and not overlapping other than element for element. The case of
 * backward adding a gradient into a leaf's .grad; it skips the broadcast
 * and iterator setup, which cost several times the adding itself for a
 * small tensor. */
static bool plain_source(const gl_tensor *dst, const gl_tensor *src)
{
    return (src->storage != dst->storage || src->offset == dst->offset) &&
           gl_same_shape(dst->shape, dst->ndim, src->shape, src->ndim) && gl_is_contiguous(dst) &&
           gl_is_contiguous(src);
}

int gl_add_(gl_tensor *dst, const gl_tensor *src, double alpha)
{
    int64_t sstride[GL_MAX_DIMS];
    bool plain = plain_source(dst, src);
    if (check_writable("add_", dst, true) != 0 ||
        (!plain && source_strides("add_", dst, src, sstride) != 0))
        return -1;
    /* torch's rule: the common dtype must cast to dst's without changing
     * kind (float -> int, int -> bool are refused) */
    gl_dtype common = gl_promote(dst->dtype, src->dtype);
    bool kind_ok = gl_is_floating(dst->dtype) || common == dst->dtype;
    if (!kind_ok)
        return gl_fail_status("add_: result type %s can't be cast to the destination's dtype %s",
                              gl_dtype_name(common), gl_dtype_name(dst->dtype));
    if (!gl_is_floating(dst->dtype) && !is_integral(alpha))
        return gl_fail_status("add_: alpha %g must be an integer when the destination is %s", alpha,
                              gl_dtype_name(dst->dtype));
    run_ctx c = {.d = gl_data_ptr(dst), .ddt = dst->dtype, .sdt = src->dtype, .alpha = alpha};
    c.ialpha = gl_is_floating(dst->dtype) ? 0 : (int64_t)alpha;
    if (plain) { /* one run of the same kernel */
        c.s = gl_data_ptr(src);
        add_run(gl_numel(dst), (const int64_t[2]){0, 0}, (const int64_t[2]){1, 1}, &c);
        gl_bump_version(dst);
        return 0;
    }
    gl_tensor *owned;
    const gl_tensor *s = safe_source(dst, src, sstride, &owned);
    if (!s)
        return -1;
    if (owned)
        gl_broadcast_strides(owned, dst->ndim, dst->shape, sstride);
    c.s = gl_data_ptr(s);
    c.sdt = s->dtype;
    gl_iter it;
    iter_over(&it, dst, sstride);
    gl_iter_run(&it, add_run, &c);
    gl_release(owned);
    gl_bump_version(dst);
    return 0;
}

/* ---------------------------------------------------------- mul_scalar_ */

static void mul_run(int64_t n, const int64_t *off, const int64_t *st0, void *vctx)
{
    const run_ctx *c = vctx;
    switch (c->ddt) {
    case GL_FLOAT32: { const float v = c->v.f32; DST_LOOP(float, *dp * v); } break;
    case GL_FLOAT64: { const double v = c->v.f64; DST_LOOP(double, *dp * v); } break;
    case GL_INT64: {
        const uint64_t v = (uint64_t)c->v.i64;
        DST_LOOP(int64_t, (int64_t)((uint64_t)*dp * v));
    } break;
    default: { const uint8_t v = c->v.b8; DST_LOOP(uint8_t, *dp & v); } break;
    }
}

int gl_mul_scalar_(gl_tensor *dst, double s)
{
    if (check_writable("mul_scalar_", dst, true) != 0)
        return -1;
    /* as torch: an int64 tensor takes integer factors, a bool one 0 or 1 */
    if (dst->dtype == GL_INT64 && !is_integral(s))
        return gl_fail_status("mul_scalar_: result type float32 can't be cast to the "
                              "destination's dtype int64 (the factor %g is not an integer)", s);
    if (dst->dtype == GL_BOOL && s != 0 && s != 1)
        return gl_fail_status("mul_scalar_: result type %s can't be cast to the destination's "
                              "dtype bool (the factor %g is not 0 or 1)",
                              is_integral(s) ? "int64" : "float32", s);
    run_ctx c = {.d = gl_data_ptr(dst), .ddt = dst->dtype, .v = to_scalar(dst->dtype, s)};
    gl_iter it;
    iter_over(&it, dst, NULL);
    gl_iter_run(&it, mul_run, &c);
    gl_bump_version(dst);
    return 0;
}
