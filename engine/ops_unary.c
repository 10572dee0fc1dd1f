/* ops_unary.c — elementwise functions of one tensor: neg exp log sqrt abs
 * sin cos tanh sigmoid relu square, and the ReLU-derivative-at-0 setting.
 *
 * The result has the input's shape. Float functions (exp log sqrt sin cos
 * tanh sigmoid) of int64/bool inputs compute in float32, as torch's; neg,
 * abs, square and relu keep int64 (bool inputs count as int64).
 *
 * Kernels. Forward: out[i] = f(x[i*sx]) over contiguous out, one call per
 * run of the N-d iterator (one call in all for a contiguous input). Backward
 * is fused: gin[i] = df(g[i*sg], s[i*ss]) in one pass, where s is the saved
 * input or output, whichever the derivative reads more cheaply. The dtype
 * is picked once per call, outside the loops. */
#include "internal.h"

/* gcc 12's -O2 vectorizes only loops whose trip count is a known multiple
 * of the vector width ("very cheap" cost model); ours are n long. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif

/* ---------------------------------------------------------------- kernels */

typedef void (*un_kernel)(int64_t n, void *out, const void *x, int64_t sx);
/* c: a constant some derivatives need (relu's derivative at 0). */
typedef void (*grad_kernel)(int64_t n, void *out, const void *g, int64_t sg, const void *s,
                            int64_t ss, double c);

/* One kernel out[i] = EXPR of T x; ATTR: a target attribute, or nothing. */
#define UN_KERNEL_FOR(name, T, EXPR, ATTR)                                                   \
    static ATTR void name(int64_t n, void *out_, const void *x_, int64_t sx)                 \
    {                                                                                        \
        T *restrict o = out_;                                                                \
        const T *restrict px = x_;                                                           \
        if (sx == 1) {                                                                       \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = px[i];                                                                 \
                o[i] = (EXPR);                                                               \
            }                                                                                \
        } else {                                                                             \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = px[i * sx];                                                            \
                o[i] = (EXPR);                                                               \
            }                                                                                \
        }                                                                                    \
    }

#define UN_KERNEL(name, T, EXPR) UN_KERNEL_FOR(name, T, EXPR, )

/* The same loop compiled twice, for SSE2 and for AVX2 (8 floats or 4
 * doubles a step), and picked at run time: for the kernels whose math is
 * our own polynomial code (tanh, sigmoid), about twice as fast. The same
 * operations in the same order, without FMA, so both give the same bits
 * (checked for float32 tanh over all 2^32 floats). */
#define WIDE_UN_KERNEL(name, T, EXPR)                                                        \
    UN_KERNEL_FOR(name##_sse, T, EXPR, )                                                     \
    UN_KERNEL_FOR(name##_avx2, T, EXPR, GL_AVX2)                                             \
    static void name(int64_t n, void *out, const void *x, int64_t sx)                        \
    {                                                                                        \
        (gl_cpu_has_avx2() ? name##_avx2 : name##_sse)(n, out, x, sx);                       \
    }

/* One kernel out[i] = EXPR of T g (incoming gradient), s (saved), c. */
#define GRAD_KERNEL(name, T, EXPR)                                                           \
    static void name(int64_t n, void *out_, const void *g_, int64_t sg, const void *s_,      \
                     int64_t ss, double c_)                                                  \
    {                                                                                        \
        T *restrict o = out_;                                                                \
        const T *restrict pg = g_, *restrict ps = s_;                                        \
        const T c = (T)c_;                                                                   \
        (void)c;                                                                             \
        if (sg == 1 && ss == 1) {                                                            \
            for (int64_t i = 0; i < n; i++) {                                                \
                T g = pg[i], s = ps[i];                                                      \
                o[i] = (EXPR);                                                               \
            }                                                                                \
        } else {                                                                             \
            for (int64_t i = 0; i < n; i++) {                                                \
                T g = pg[i * sg], s = ps[i * ss];                                            \
                o[i] = (EXPR);                                                               \
            }                                                                                \
        }                                                                                    \
    }

/* What one op needs: forward kernels by compute dtype (no int64 entry: the
 * op computes ints in float32), backward kernels for float32 and float64. */
typedef struct {
    un_kernel fwd[GL_DTYPE_COUNT];
    grad_kernel bwd[GL_DTYPE_COUNT];
} unary_def;

/* Forward and backward kernels of a float-only op: F32 and F64 are the
 * forward expressions of x in each precision, DF the derivative of g, s. */
#define FLOAT_OP(op, F32, F64, DF32, DF64)                                                   \
    UN_KERNEL(op##_f32, float, F32)                                                          \
    UN_KERNEL(op##_f64, double, F64)                                                         \
    GRAD_KERNEL(op##_grad_f32, float, DF32)                                                  \
    GRAD_KERNEL(op##_grad_f64, double, DF64)                                                 \
    static const unary_def op##_def = {                                                      \
        {[GL_FLOAT32] = op##_f32, [GL_FLOAT64] = op##_f64},                                  \
        {[GL_FLOAT32] = op##_grad_f32, [GL_FLOAT64] = op##_grad_f64}};

/* The same with an int64 forward I (no gradient flows into ints). */
#define INT_OP(op, F32, F64, I, DF)                                                          \
    UN_KERNEL(op##_f32, float, F32)                                                          \
    UN_KERNEL(op##_f64, double, F64)                                                         \
    UN_KERNEL(op##_i64, int64_t, I)                                                          \
    GRAD_KERNEL(op##_grad_f32, float, DF)                                                    \
    GRAD_KERNEL(op##_grad_f64, double, DF)                                                   \
    static const unary_def op##_def = {                                                      \
        {[GL_INT64] = op##_i64, [GL_FLOAT32] = op##_f32, [GL_FLOAT64] = op##_f64},           \
        {[GL_FLOAT32] = op##_grad_f32, [GL_FLOAT64] = op##_grad_f64}};

/* ------------------------------------------------------------- the driver */

/* The dtype an op computes x's dtype in: its own if the op has a kernel
 * for it, int64 for bool when it has an int64 kernel, else float32. */
static gl_dtype compute_dtype(const unary_def *d, gl_dtype dt)
{
    if (dt == GL_BOOL)
        dt = GL_INT64;
    return d->fwd[dt] ? dt : GL_FLOAT32;
}

typedef struct {
    un_kernel fk;
    grad_kernel gk;
    char *o;
    const char *x, *s;
    int64_t esize;
    double c;
} un_ctx;

static void un_body(int64_t n, const int64_t *off, const int64_t *st, void *ctx)
{
    const un_ctx *u = ctx;
    /* out is contiguous: its inner stride is 1 once size-1 dims are dropped */
    assert(st[0] == 1 || n <= 1);
    if (u->fk)
        u->fk(n, u->o + off[0] * u->esize, u->x + off[1] * u->esize, st[1]);
    else
        u->gk(n, u->o + off[0] * u->esize, u->x + off[1] * u->esize, st[1],
              u->s + off[2] * u->esize, st[2], u->c);
}

/* Runs u over a new contiguous tensor of x's shape and dtype dt; x (and s,
 * for a backward kernel: same shape) already have dtype dt. */
static gl_tensor *unary_run(un_ctx *u, gl_dtype dt, const gl_tensor *x, const gl_tensor *s)
{
    gl_tensor *out = gl_new(x->shape, x->ndim, dt);
    if (!out)
        return NULL;
    /* Fast path: operands contiguous or one element expanded make one
     * kernel call over all elements, without the iterator's setup (most of
     * the cost of a 4-element op, as in the tiny-op bench). Same kernel. */
    int64_t sx = gl_flat_stride(x), ss = s ? gl_flat_stride(s) : 0;
    if (sx >= 0 && ss >= 0) {
        int64_t n = gl_shape_numel(x->shape, x->ndim);
        if (n > 0) {
            if (u->fk)
                u->fk(n, gl_data_ptr(out), gl_data_ptr(x), sx);
            else
                u->gk(n, gl_data_ptr(out), gl_data_ptr(x), sx, gl_data_ptr(s), ss, u->c);
        }
        return out;
    }
    int64_t st[3][GL_MAX_DIMS];
    gl_contiguous_strides(x->shape, x->ndim, st[0]);
    memcpy(st[1], x->stride, sizeof st[1]);
    if (s)
        memcpy(st[2], s->stride, sizeof st[2]);
    gl_iter it;
    gl_iter_init(&it, s ? 3 : 2, x->shape, x->ndim, st);
    u->o = gl_data_ptr(out);
    u->x = gl_data_ptr(x);
    u->s = s ? gl_data_ptr(s) : NULL;
    u->esize = (int64_t)gl_dtype_size(dt);
    gl_iter_run(&it, un_body, u);
    return out;
}

static gl_tensor *unary_forward(const unary_def *d, const gl_tensor *x)
{
    gl_dtype dt = compute_dtype(d, x->dtype);
    gl_tensor *tmp, *out = NULL;
    const gl_tensor *cx = gl_as_dtype(x, dt, &tmp);
    if (cx)
        out = unary_run(&(un_ctx){.fk = d->fwd[dt]}, dt, cx, NULL);
    gl_release(tmp);
    return out;
}

/* gin = df(gout, saved) in gout's floating dtype (float32 at least). */
static gl_tensor *unary_grad(const unary_def *d, const gl_tensor *gout, const gl_tensor *saved,
                             double c)
{
    assert(gl_same_shape(gout->shape, gout->ndim, saved->shape, saved->ndim));
    gl_dtype dt = gl_promote(gout->dtype, saved->dtype);
    if (!gl_is_floating(dt))
        dt = GL_FLOAT32;
    gl_tensor *tg, *ts, *out = NULL;
    const gl_tensor *g = gl_as_dtype(gout, dt, &tg), *s = gl_as_dtype(saved, dt, &ts);
    if (g && s)
        out = unary_run(&(un_ctx){.gk = d->bwd[dt], .c = c}, dt, g, s);
    gl_release(tg);
    gl_release(ts);
    return out;
}

static gl_tensor *unary(gl_op op, const gl_tensor *x)
{
    return gl_apply(op, (gl_tensor *const[]){(gl_tensor *)x}, 1, NULL);
}

/* The forward, backward and row of an op whose derivative reads the saved
 * input (SAVED = GL_IN(n, 0), saves GL_SAVE_INPUTS) or output. */
#define UNARY_OP(op, OP, SAVES, SAVED, C)                                                    \
    static gl_tensor *op##_forward(gl_tensor *const in[], const gl_op_args *a)               \
    {                                                                                        \
        (void)a;                                                                             \
        return unary_forward(&op##_def, in[0]);                                              \
    }                                                                                        \
    static int op##_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])      \
    {                                                                                        \
        if (n->needs[0] && !(gin[0] = unary_grad(&op##_def, gout, SAVED, C)))                \
            return -1;                                                                       \
        return 0;                                                                            \
    }                                                                                        \
    const gl_op_def gl_def_##op = {GL_OP_##OP, #op, 1, SAVES, op##_forward, op##_backward};  \
    gl_tensor *gl_##op(const gl_tensor *x) { return unary(GL_OP_##OP, x); }

/* -------------------------------------------------------------------- neg */

/* int64: -INT64_MIN wraps (through uint64_t) as in torch instead of being UB. */
UN_KERNEL(neg_f32, float, -x)
UN_KERNEL(neg_f64, double, -x)
UN_KERNEL(neg_i64, int64_t, (int64_t)(0 - (uint64_t)x))
static const unary_def neg_def = {
    {[GL_INT64] = neg_i64, [GL_FLOAT32] = neg_f32, [GL_FLOAT64] = neg_f64}, {0}};

static gl_tensor *neg_forward(gl_tensor *const in[], const gl_op_args *a)
{
    (void)a;
    return unary_forward(&neg_def, in[0]);
}

/* d(-x) = -dx: nothing saved */
static int neg_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    if (n->needs[0] && !(gin[0] = gl_neg(gout)))
        return -1;
    return 0;
}

const gl_op_def gl_def_neg = {GL_OP_NEG, "neg", 1, 0, neg_forward, neg_backward};

gl_tensor *gl_neg(const gl_tensor *x) { return unary(GL_OP_NEG, x); }

/* ---------------------------------------------------------- exp, log, sqrt */

/* y = e^x, dy = y dx: save the output */
FLOAT_OP(exp, expf(x), exp(x), g * s, g * s)
UNARY_OP(exp, EXP, GL_SAVE_OUTPUT, GL_OUT(n), 0)

/* y = log x, dy = dx / x (x <= 0 gives NaN / -inf, as libm and torch) */
FLOAT_OP(log, logf(x), log(x), g / s, g / s)
UNARY_OP(log, LOG, GL_SAVE_INPUTS, GL_IN(n, 0), 0)

/* y = sqrt x, dy = dx / 2y: save the output */
FLOAT_OP(sqrt, sqrtf(x), sqrt(x), g / (2 * s), g / (2 * s))
UNARY_OP(sqrt, SQRT, GL_SAVE_OUTPUT, GL_OUT(n), 0)

/* -------------------------------------------------------------------- abs */

/* dy = sign(x) dx, 0 at x == 0 (as torch) */
INT_OP(abs, fabsf(x), fabs(x), x < 0 ? (int64_t)(0 - (uint64_t)x) : x,
       s > 0 ? g : s < 0 ? -g : 0)
UNARY_OP(abs, ABS, GL_SAVE_INPUTS, GL_IN(n, 0), 0)

/* --------------------------------------------------------- sin, cos, tanh */

FLOAT_OP(sin, sinf(x), sin(x), g * cosf(s), g * cos(s))
UNARY_OP(sin, SIN, GL_SAVE_INPUTS, GL_IN(n, 0), 0)

FLOAT_OP(cos, cosf(x), cos(x), -g * sinf(s), -g * sin(s))
UNARY_OP(cos, COS, GL_SAVE_INPUTS, GL_IN(n, 0), 0)

/* e^y in float32 as 2^n e^r, the pieces the tanh and sigmoid kernels share
 * (written without libm, so their loops vectorize). n = round(y / ln 2),
 * by the 1.5 * 2^23 trick (no rounding instruction needed), and r = y - n
 * ln 2 with ln 2 in two parts, so r is exact; |r| <= ln 2 / 2. */
static inline float reduce_ln2_f32(float y, float *r)
{
    float n = (y * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    *r = y - n * 0.693359375f + n * 2.12194440e-4f;
    return n;
}
/* e^r for |r| <= ln 2 / 2: Cephes' expf polynomial. */
static inline float exp_reduced_f32(float r)
{
    return ((((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r +
               4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f) * r * r +
            r + 1.0f);
}
/* 2^n for an integer n in [-126, 127], put into the exponent bits. */
static inline float pow2_f32(int32_t n)
{
    uint32_t bits = (uint32_t)(n + 127) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* float32 tanh without a libm call, so the loop vectorizes: libm's tanhf
 * (~8 ns an element) made a tanh MLP twice as slow as torch's (SLEEF).
 * Cephes' tanhf: |x| < 0.625: x + x^3 P(x^2); else 1 - 2 / (e^2|x| + 1),
 * with e^y, 0 <= y <= 18, as 2^n e^r (n = round(y / ln 2), |r| <= ln2 / 2,
 * e^r by Cephes' expf polynomial, 2^n put into the exponent bits). |x| >= 9
 * gives +-1 as libm (tanh(9) rounds to 1 in float). Error against
 * tanh in double: 1 ulp at most over all 2^32 floats (test_unary.c checks
 * a sample), NaN stays NaN, -0 stays -0, +-inf give +-1. */
static inline float tanhf_(float x)
{
    float a = fabsf(x), z = x * x;
    float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z +
                    1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    float r, n = reduce_ln2_f32(2.0f * (a < 9.0f ? a : 9.0f), &r);
    float big = 1.0f - 2.0f / (exp_reduced_f32(r) * pow2_f32((int32_t)n) + 1.0f);
    big = x < 0 ? -big : big;
    /* copysignf: x + x z P(z) gives +0 for -0 */
    return x != x ? x : a < 0.625f ? copysignf(small, x) : big;
}

/* The same for float64, from Cephes' tanh and exp: |x| < 0.625: x + x^3
 * P(x^2)/Q(x^2); else 1 - 2 / (e^2|x| + 1), e^y (0 <= y <= 40) as 2^n e^r,
 * e^r = 1 + 2r P(r^2) / (Q(r^2) - r P(r^2)). n comes from the bits of the
 * 1.5 * 2^52 rounding sum, not a double -> int conversion, which only
 * AVX-512 has in vector form. |x| >= 20 gives +-1 (tanh(20) rounds to 1). */
static inline double tanh_(double x)
{
    double a = fabs(x), z = x * x;
    double small = x + x * z * (((-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z -
                                 1.61468768441708447952e3) /
                                (((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z +
                                 4.84406305325125486048e3));
    double y = 2.0 * (a < 20.0 ? a : 20.0);
    double t = y * 1.4426950408889634074 + 6755399441055744.0; /* 1.5 * 2^52 */
    double n = t - 6755399441055744.0;
    uint64_t tb;
    memcpy(&tb, &t, sizeof tb);
    uint64_t bits = (tb - UINT64_C(0x4338000000000000) + 1023) << 52; /* 2^n */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    double r = y - n * 6.93145751953125e-1 - n * 1.42860682030941723212e-6; /* ln 2 in two parts */
    double rr = r * r;
    double pr = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr +
                     9.99999999999999999910e-1);
    double qr = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr +
                 2.27265548208155028766e-1) * rr + 2.00000000000000000009e0;
    double e = (1.0 + 2.0 * pr / (qr - pr)) * scale;
    double big = 1.0 - 2.0 / (e + 1.0);
    big = x < 0 ? -big : big;
    return x != x ? x : a < 0.625 ? copysign(small, x) : big;
}

/* dy = (1 - y²) dx: save the output */
WIDE_UN_KERNEL(tanh_f32, float, tanhf_(x))
WIDE_UN_KERNEL(tanh_f64, double, tanh_(x))
GRAD_KERNEL(tanh_grad_f32, float, g * (1 - s * s))
GRAD_KERNEL(tanh_grad_f64, double, g * (1 - s * s))
static const unary_def tanh_def = {{[GL_FLOAT32] = tanh_f32, [GL_FLOAT64] = tanh_f64},
                                   {[GL_FLOAT32] = tanh_grad_f32, [GL_FLOAT64] = tanh_grad_f64}};
UNARY_OP(tanh, TANH, GL_SAVE_OUTPUT, GL_OUT(n), 0)

/* ---------------------------------------------------------------- sigmoid */

/* e^y for y <= 0, down into the subnormals: 2^n applied as two factors
 * 2^(n/2) 2^(n - n/2), each a normal float even where the result is
 * subnormal (so it rounds once, at the second). y below -104 gives 0, as
 * expf does in float. */
static inline float expneg_f32(float y)
{
    float r, n = reduce_ln2_f32(y > -104.0f ? y : -104.0f, &r);
    int32_t ni = (int32_t)n, n1 = ni / 2;
    return exp_reduced_f32(r) * pow2_f32(n1) * pow2_f32(ni - n1);
}

/* The textbook 1/(1+e^-x) overflows e^-x for x << 0 and returns 0 where
 * the answer is tiny but representable (float32 sigmoid(-100) = 3.7e-44).
 * With e = e^-|x| <= 1: 1/(1+e) for x >= 0 and e/(1+e) for x < 0 never
 * overflows and keeps tiny results to full relative precision. The float32
 * one, with expneg_f32: within 2 ulp of the same formula computed in double
 * over all 2^32 floats. */
static inline float sigmoidf_(float x)
{
    float e = expneg_f32(-fabsf(x));
    float y = (x >= 0 ? 1.0f : e) / (1.0f + e);
    return x != x ? x : y;
}
static inline double sigmoid_(double x)
{
    double e = exp(-fabs(x));
    return (x >= 0 ? 1.0 : e) / (1.0 + e);
}

/* dy = y (1 - y) dx: save the output */
WIDE_UN_KERNEL(sigmoid_f32, float, sigmoidf_(x))
UN_KERNEL(sigmoid_f64, double, sigmoid_(x))
GRAD_KERNEL(sigmoid_grad_f32, float, g * s * (1 - s))
GRAD_KERNEL(sigmoid_grad_f64, double, g * s * (1 - s))
static const unary_def sigmoid_def = {
    {[GL_FLOAT32] = sigmoid_f32, [GL_FLOAT64] = sigmoid_f64},
    {[GL_FLOAT32] = sigmoid_grad_f32, [GL_FLOAT64] = sigmoid_grad_f64}};
UNARY_OP(sigmoid, SIGMOID, GL_SAVE_OUTPUT, GL_OUT(n), 0)

/* ------------------------------------------------------------------- relu */

/* ReLU's derivative at exactly 0 (a convention, not mathematics): 0 as in
 * PyTorch, 0.5 as JAX's maximum, or 1. Read by each backward, so a lesson
 * can change it and go back through the same graph again. */
static double relu_grad_at_zero = 0;

int gl_set_relu_grad_at_zero(double value)
{
    if (value != 0 && value != 0.5 && value != 1)
        return gl_fail_status("set_relu_grad_at_zero: %g is not allowed; ReLU's derivative at 0 "
                              "can be 0 (PyTorch), 0.5 (JAX's maximum) or 1",
                              value);
    relu_grad_at_zero = value;
    return 0;
}

double gl_relu_grad_at_zero(void) { return relu_grad_at_zero; }

/* max(x, 0) written so NaN and -0.0 pass through as torch's do; dy = dx for
 * x > 0, c·dx at x == 0 (the setting), 0 below: it reads the input, since
 * y == 0 can't tell x == 0 from x < 0.
 *
 * The backward picks its loop by the setting, outside the loop: with c = 0
 * (the default) or 1 each element is one compare and a mask, where the
 * three-way select costs three compares and a multiply (measured
 * 320,000 float32 elements: 60 µs -> 43 µs; float64 122 -> 84 µs). Below
 * 0, and at 0 when c = 0, the gradient is exactly +0 whatever g is, as
 * torch's threshold_backward gives (c·g would make 0·inf a NaN). */
UN_KERNEL(relu_f32, float, x < 0 ? 0 : x)
UN_KERNEL(relu_f64, double, x < 0 ? 0 : x)
UN_KERNEL(relu_i64, int64_t, x < 0 ? 0 : x)

#define RELU_GRAD(name, T)                                                                   \
    static void name(int64_t n, void *out_, const void *g_, int64_t sg, const void *s_,      \
                     int64_t ss, double c_)                                                  \
    {                                                                                        \
        T *restrict o = out_;                                                                \
        const T *restrict pg = g_, *restrict ps = s_;                                        \
        const T c = (T)c_;                                                                   \
        if (sg == 1 && ss == 1 && c_ == 0) {                                                 \
            for (int64_t i = 0; i < n; i++) {                                                \
                T g = pg[i], s = ps[i]; /* both loaded: a select, not a branch */            \
                o[i] = s > 0 ? g : 0;                                                        \
            }                                                                                \
        } else if (sg == 1 && ss == 1 && c_ == 1) {                                          \
            for (int64_t i = 0; i < n; i++) {                                                \
                T g = pg[i], s = ps[i]; /* both loaded: a select, not a branch */            \
                o[i] = s >= 0 ? g : 0;                                                       \
            }                                                                                \
        } else {                                                                             \
            for (int64_t i = 0; i < n; i++) {                                                \
                T g = pg[i * sg], s = ps[i * ss];                                            \
                o[i] = s > 0 ? g : s == 0 && c != 0 ? c * g : 0;                             \
            }                                                                                \
        }                                                                                    \
    }
RELU_GRAD(relu_grad_f32, float)
RELU_GRAD(relu_grad_f64, double)
static const unary_def relu_def = {
    {[GL_INT64] = relu_i64, [GL_FLOAT32] = relu_f32, [GL_FLOAT64] = relu_f64},
    {[GL_FLOAT32] = relu_grad_f32, [GL_FLOAT64] = relu_grad_f64}};
UNARY_OP(relu, RELU, GL_SAVE_INPUTS, GL_IN(n, 0), relu_grad_at_zero)

/* ----------------------------------------------------------------- square */

/* int64 wraps on overflow as in torch; dy = 2x dx */
INT_OP(square, x * x, x * x, (int64_t)((uint64_t)x * (uint64_t)x), 2 * s * g)
UNARY_OP(square, SQUARE, GL_SAVE_INPUTS, GL_IN(n, 0), 0)
