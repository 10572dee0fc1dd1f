/* ops_reduce.c — sum, mean, max and min over one dim or over every element,
 * and argmax / argmin.
 *
 * Accuracy of sums: every float sum accumulates in double, and a float32
 * result is rounded once at the end. Along a run of the input (a row of an
 * (N,C) tensor summed over dim 1, or a whole contiguous tensor) values are
 * added by NumPy's pairwise summation (blocks of 128 with 8 partial sums,
 * halves added recursively). Across rows (an (N,C) gradient summed over dim 0
 * to a (C) bias gradient, the common case in gl_sum_to) each output adds its
 * N terms in order, four rows at a time as ((x0 + x1) + (x2 + x3)), the loop
 * over C vectorized. For float32 the error is far below the result's own
 * rounding; for float64 it is that of pairwise summation along runs and of
 * plain summation (about N ulps at worst) across rows. int64 and bool sums are
 * exact in int64 (wrapping on overflow, as torch).
 *
 * max/min with a dim give the first index among ties and send the gradient
 * there; over every element the gradient is shared evenly among the ties
 * (torch.max() / torch.min()). NaN wins, as in torch: the max of a row
 * holding NaN is NaN, at the first NaN's index.
 */
#include "internal.h"

#include <stdlib.h>

/* ------------------------------------------------------------- geometry */

/* A reduction of a tensor of shape[ndim] over dim (or every dim: GL_ALL_DIMS).
 * kshape is the keepdim shape (ndim entries, reduced dims 1) and kstride its
 * contiguous strides with 0 on the reduced dims: the result's elements are
 * laid out in kshape's order whether or not the result keeps its dims, so an
 * input element at index i lands at sum(i[k] * kstride[k]). */
typedef struct {
    int64_t kshape[GL_MAX_DIMS];
    int64_t kstride[GL_MAX_DIMS];
    int64_t oshape[GL_MAX_DIMS]; /* the result's shape, ond entries */
    int ond;
    int64_t count; /* input elements per result element */
} reduce_geom;

static bool is_reduced(int i, int dim) { return dim == GL_ALL_DIMS || i == dim; }

static void reduce_geometry(const int64_t *shape, int ndim, int dim, bool keepdim, reduce_geom *g)
{
    g->ond = 0;
    g->count = 1;
    for (int i = 0; i < ndim; i++) {
        bool red = is_reduced(i, dim);
        g->kshape[i] = red ? 1 : shape[i];
        if (red)
            g->count *= shape[i];
        if (!red || (keepdim && dim != GL_ALL_DIMS))
            g->oshape[g->ond++] = g->kshape[i];
    }
    gl_contiguous_strides(g->kshape, ndim, g->kstride);
    for (int i = 0; i < ndim; i++)
        if (is_reduced(i, dim))
            g->kstride[i] = 0;
}

/* The public functions' dim argument, checked: GL_ALL_DIMS stays, other dims
 * are made non-negative. A 0-dim tensor accepts dim 0 and -1 (as torch) and
 * reducing it over that dim is reducing it over everything. */
static int check_dim(const char *op, const gl_tensor *t, int dim, int *out)
{
    if (dim != GL_ALL_DIMS && gl_normalize_dim(op, t, dim, 0, &dim) != 0)
        return -1;
    *out = t->ndim == 0 ? GL_ALL_DIMS : dim;
    return 0;
}

/* The gradient of a sum: each input element gets its output's gradient, so
 * gin is gout seen over the input's shape m with stride 0 along the reduced
 * dims (a view: nothing is copied). gout has the result's shape. */
static gl_tensor *expand_back(const gl_tensor *gout, const gl_meta *m, int dim, bool keepdim)
{
    int64_t stride[GL_MAX_DIMS];
    int k = 0;
    for (int i = 0; i < m->ndim; i++) {
        if (is_reduced(i, dim)) {
            stride[i] = 0;
            if (keepdim && dim != GL_ALL_DIMS)
                k++; /* gout keeps a size-1 dim here */
        } else {
            stride[i] = gout->stride[k++];
        }
    }
    assert(k == gout->ndim);
    return gl_new_view(gout, m->shape, stride, m->ndim, gout->offset);
}

/* ------------------------------------------------------------------ sum */

/* gcc 12 at -O2 vectorizes a loop only when its trip count is a known
 * multiple of the vector width and it needs no alias check: so contiguous
 * loops go in blocks of 8 whose inputs are read into locals before anything
 * is written (BLOCK8), then the tail one at a time. */
#define BLOCK8(k, n, T_IN, in, T_OUT, out, EXPR)                                             \
    for (; (k) + 8 <= (n); (k) += 8) {                                                       \
        T_IN xv_[8];                                                                         \
        T_OUT ov_[8];                                                                        \
        for (int j_ = 0; j_ < 8; j_++) {                                                     \
            xv_[j_] = (in)[(k) + j_];                                                        \
            ov_[j_] = (out)[(k) + j_];                                                       \
        }                                                                                    \
        for (int j_ = 0; j_ < 8; j_++) {                                                     \
            T_IN y = xv_[j_];                                                                \
            T_OUT o = ov_[j_];                                                               \
            (out)[(k) + j_] = (EXPR);                                                        \
        }                                                                                    \
    }

/* Pairwise sum of x[0], x[s], ..., x[(n-1)s] in double (NumPy's scheme):
 * blocks of up to 128 with 8 partial sums, halves added recursively. */
#define PAIRWISE_SUM(NAME, T)                                                                \
    static double NAME(const T *x, int64_t n, int64_t s)                                     \
    {                                                                                        \
        if (n <= 128) {                                                                      \
            double r[8] = {0, 0, 0, 0, 0, 0, 0, 0}, res;                                     \
            int64_t i = 0;                                                                   \
            if (s == 1)                                                                      \
                for (; i + 8 <= n; i += 8)                                                   \
                    for (int k = 0; k < 8; k++)                                              \
                        r[k] += x[i + k];                                                    \
            else                                                                             \
                for (; i + 8 <= n; i += 8)                                                   \
                    for (int k = 0; k < 8; k++)                                              \
                        r[k] += x[(i + k) * s];                                              \
            res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));         \
            for (; i < n; i++)                                                               \
                res += x[i * s];                                                             \
            return res;                                                                      \
        }                                                                                    \
        int64_t h = n / 2;                                                                   \
        h -= h % 8;                                                                          \
        return NAME(x, h, s) + NAME(x + h * s, n - h, s);                                    \
    }
PAIRWISE_SUM(pairwise_f32, float)
PAIRWISE_SUM(pairwise_f64, double)

/* Operand 0 is the input, operand 1 the accumulator (kstride: 0 along the
 * reduced dims). An inner run with accumulator stride 0 is a run reduced
 * into one output; otherwise the run adds a row into a row of outputs. */
typedef struct {
    const void *x;
    void *acc;
} sum_ctx;

#define SUM_RUN_FLOAT(NAME, T, PAIRWISE)                                                     \
    static void NAME(int64_t n, const int64_t *off, const int64_t *st, void *vctx)           \
    {                                                                                        \
        const sum_ctx *c = vctx;                                                             \
        const T *x = (const T *)c->x + off[0];                                               \
        double *acc = (double *)c->acc + off[1];                                             \
        if (st[1] == 0) {                                                                    \
            *acc += PAIRWISE(x, n, st[0]);                                                   \
        } else if (st[0] == 1 && st[1] == 1) {                                               \
            int64_t i = 0;                                                                   \
            BLOCK8(i, n, T, x, double, acc, o + y)                                           \
            for (; i < n; i++)                                                               \
                acc[i] += x[i];                                                              \
        } else                                                                               \
            for (int64_t i = 0; i < n; i++)                                                  \
                acc[i * st[1]] += x[i * st[0]];                                              \
    }
SUM_RUN_FLOAT(sum_run_f32, float, pairwise_f32)
SUM_RUN_FLOAT(sum_run_f64, double, pairwise_f64)

/* Integers add in uint64_t: wrapping, with no undefined overflow. */
#define SUM_RUN_INT(NAME, T)                                                                 \
    static void NAME(int64_t n, const int64_t *off, const int64_t *st, void *vctx)           \
    {                                                                                        \
        const sum_ctx *c = vctx;                                                             \
        const T *x = (const T *)c->x + off[0];                                               \
        uint64_t *acc = (uint64_t *)c->acc + off[1];                                         \
        if (st[1] == 0) {                                                                    \
            uint64_t s = 0;                                                                  \
            for (int64_t i = 0; i < n; i++)                                                  \
                s += (uint64_t)x[i * st[0]];                                                 \
            *acc += s;                                                                       \
        } else if (st[0] == 1 && st[1] == 1) {                                               \
            int64_t i = 0;                                                                   \
            BLOCK8(i, n, T, x, uint64_t, acc, o + (uint64_t)y)                               \
            for (; i < n; i++)                                                               \
                acc[i] += (uint64_t)x[i];                                                    \
        } else {                                                                             \
            for (int64_t i = 0; i < n; i++)                                                  \
                acc[i * st[1]] += (uint64_t)x[i * st[0]];                                    \
        }                                                                                    \
    }
SUM_RUN_INT(sum_run_i64, int64_t)
SUM_RUN_INT(sum_run_b8, uint8_t)

/* The same sums with a block of columns held in vector registers down all
 * the rows, in the same order of additions (so the same results, bit for
 * bit): SUM_ROWS reloads and stores its accumulators every four rows, and
 * those loads and stores, not the additions, bounded it. Measured, a
 * (10000,32) gradient summed to a (32) bias gradient: float64 53 µs ->
 * 31 µs (16 columns in SSE2 registers) or 28 µs (32 in AVX2 ones, picked
 * at run time); float32 42 µs -> 22-30 µs with AVX2, but 49 µs in SSE2,
 * where converting two floats at a time costs more than the stores saved,
 * so without AVX2 float32 keeps SUM_ROWS. Returns the number of leading
 * columns done (a multiple of the block); SUM_ROWS does the rest. */
typedef double sum_vd2 __attribute__((vector_size(16)));
typedef double sum_vd4 __attribute__((vector_size(32)));
typedef float sum_vf4 __attribute__((vector_size(16)));

#define SUM_LOAD(NAME, T, VT, VIN, ATTR)                                                     \
    static inline ATTR VT NAME(const T *p)                                                   \
    {                                                                                        \
        VIN v;                                                                               \
        memcpy(&v, p, sizeof v);                                                             \
        return __builtin_convertvector(v, VT);                                               \
    }
SUM_LOAD(load_f64_d2, double, sum_vd2, sum_vd2, )
SUM_LOAD(load_f64_d4, double, sum_vd4, sum_vd4, GL_AVX2)
#ifdef GL_X86
#include <immintrin.h>
/* gcc 12 converts a float vector to a double one an element at a time;
 * vcvtps2pd does four at once */
static inline GL_AVX2 sum_vd4 load_f32_d4(const float *p)
{
    return (sum_vd4)_mm256_cvtps_pd(_mm_loadu_ps(p));
}
#else
SUM_LOAD(load_f32_d4, float, sum_vd4, sum_vf4, GL_AVX2)
#endif

/* 8 accumulators of VT (L doubles each): W = 8L columns per block. */
#define SUM_COLS(NAME, T, VT, L, LOAD, ATTR)                                                 \
    static ATTR int64_t NAME(const T *x, int64_t len, int64_t inner, double *acc)            \
    {                                                                                        \
        int64_t c = 0;                                                                       \
        for (; c + 8 * L <= inner; c += 8 * L) {                                             \
            VT a[8];                                                                         \
            _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++)                              \
                memcpy(&a[k], acc + c + k * L, sizeof a[k]);                                 \
            int64_t r = 0;                                                                   \
            const T *p = x + c;                                                              \
            for (; r + 4 <= len; r += 4, p += 4 * inner)                                     \
                _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) {                        \
                    const T *q = p + k * L;                                                  \
                    a[k] += (LOAD(q) + LOAD(q + inner)) +                                    \
                            (LOAD(q + 2 * inner) + LOAD(q + 3 * inner));                     \
                }                                                                            \
            for (; r < len; r++, p += inner)                                                 \
                _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++)                          \
                    a[k] += LOAD(p + k * L);                                                 \
            _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++)                              \
                memcpy(acc + c + k * L, &a[k], sizeof a[k]);                                 \
        }                                                                                    \
        return c;                                                                            \
    }
SUM_COLS(sum_cols_f64_sse, double, sum_vd2, 2, load_f64_d2, )
SUM_COLS(sum_cols_f32_avx2, float, sum_vd4, 4, load_f32_d4, GL_AVX2)
SUM_COLS(sum_cols_f64_avx2, double, sum_vd4, 4, load_f64_d4, GL_AVX2)

static int64_t sum_cols_f32(const float *x, int64_t len, int64_t inner, double *acc)
{
    return gl_cpu_has_avx2() ? sum_cols_f32_avx2(x, len, inner, acc) : 0;
}
static int64_t sum_cols_f64(const double *x, int64_t len, int64_t inner, double *acc)
{
    return (gl_cpu_has_avx2() ? sum_cols_f64_avx2 : sum_cols_f64_sse)(x, len, inner, acc);
}
/* No fast columns for the integer sums. */
static int64_t sum_cols_none(const void *x, int64_t len, int64_t inner, void *acc)
{
    (void)x, (void)len, (void)inner, (void)acc;
    return 0;
}
#define sum_cols_fast(x, len, inner, acc)                                                    \
    _Generic((x), const float *: sum_cols_f32, const double *: sum_cols_f64,                 \
             default: sum_cols_none)(x, len, inner, acc)

/* A contiguous input reduced over a dim with elements after it: viewed as
 * (outer, len, inner), each slab of `inner` accumulators takes four input
 * rows per pass, ((x0 + x1) + (x2 + x3)) in the accumulator's type, so the
 * accumulator is read and written a quarter as often. This is the (N,C)
 * gradient summed over dim 0 to a (C) bias gradient. */
#define SUM_ROWS(NAME, T, ACC)                                                               \
    static void NAME(const T *x, int64_t outer, int64_t len, int64_t inner, ACC *acc)        \
    {                                                                                        \
        for (int64_t o = 0; o < outer; o++, x += len * inner, acc += inner) {                \
            int64_t r = 0, c0 = sum_cols_fast(x, len, inner, acc);                           \
            for (; r + 4 <= len; r += 4) {                                                   \
                const T *x0 = x + r * inner, *x1 = x0 + inner, *x2 = x1 + inner;             \
                const T *x3 = x2 + inner;                                                    \
                int64_t i = c0;                                                              \
                for (; i + 8 <= inner; i += 8) {                                             \
                    ACC a[8], s[8];                                                          \
                    for (int j = 0; j < 8; j++) {                                            \
                        a[j] = acc[i + j];                                                   \
                        s[j] = ((ACC)x0[i + j] + (ACC)x1[i + j]) +                           \
                               ((ACC)x2[i + j] + (ACC)x3[i + j]);                            \
                    }                                                                        \
                    for (int j = 0; j < 8; j++)                                              \
                        acc[i + j] = a[j] + s[j];                                            \
                }                                                                            \
                for (; i < inner; i++)                                                       \
                    acc[i] += ((ACC)x0[i] + (ACC)x1[i]) + ((ACC)x2[i] + (ACC)x3[i]);         \
            }                                                                                \
            for (; r < len; r++) {                                                           \
                const T *xr = x + r * inner;                                                 \
                int64_t i = c0;                                                              \
                BLOCK8(i, inner, T, xr, ACC, acc, o + (ACC)y)                                \
                for (; i < inner; i++)                                                       \
                    acc[i] += (ACC)xr[i];                                                    \
            }                                                                                \
        }                                                                                    \
    }
SUM_ROWS(sum_rows_f32, float, double)
SUM_ROWS(sum_rows_f64, double, double)
SUM_ROWS(sum_rows_i64, int64_t, uint64_t)
SUM_ROWS(sum_rows_b8, uint8_t, uint64_t)

static const gl_iter_body sum_runs[GL_DTYPE_COUNT] = {
    [GL_BOOL] = sum_run_b8, [GL_INT64] = sum_run_i64,
    [GL_FLOAT32] = sum_run_f32, [GL_FLOAT64] = sum_run_f64,
};

/* Sorts the iteration dims by decreasing input stride (stably), so that
 * the inner run walks the input's memory in order whatever its layout (a
 * transposed input is read along its rows). The order of the dims changes
 * nothing but the order of the additions: each operand's offsets follow its
 * own strides. */
static void order_dims(int64_t *shape, int64_t strides[2][GL_MAX_DIMS], int ndim)
{
    for (int i = 1; i < ndim; i++)
        for (int j = i; j > 0 && strides[0][j - 1] < strides[0][j]; j--) {
            int64_t t = shape[j];
            shape[j] = shape[j - 1];
            shape[j - 1] = t;
            for (int o = 0; o < 2; o++) {
                t = strides[o][j];
                strides[o][j] = strides[o][j - 1];
                strides[o][j - 1] = t;
            }
        }
}

/* Sum (or mean) of t over dim (checked; GL_ALL_DIMS for every element).
 * The result is float32/float64 as t, int64 for int64 and bool inputs. */
static gl_tensor *reduce_sum(const gl_tensor *t, int dim, bool keepdim, bool mean)
{
    reduce_geom g;
    reduce_geometry(t->shape, t->ndim, dim, keepdim, &g);
    gl_dtype odt = gl_is_floating(t->dtype) ? t->dtype : GL_INT64;
    gl_tensor *out = gl_new(g.oshape, g.ond, odt);
    if (!out)
        return NULL;
    int64_t on = gl_numel(out);
    /* float64 and int64 results are their own (8-byte) accumulators;
     * float32 ones are gathered in double and rounded at the end */
    double *tmp = NULL;
    void *acc = gl_base(out);
    if (odt == GL_FLOAT32) {
        tmp = calloc((size_t)(on ? on : 1), sizeof *tmp);
        if (!tmp) {
            char b[GL_SHAPE_BUF];
            gl_release(out);
            return gl_fail("%s: out of memory for the accumulator of a %s result",
                           mean ? "mean" : "sum", gl_shape_str(g.oshape, g.ond, b, sizeof b));
        }
        acc = tmp;
    } else {
        memset(acc, 0, (size_t)on * sizeof(double));
    }

    if (dim == GL_ALL_DIMS && gl_is_contiguous(t) && t->dtype == GL_FLOAT32) {
        *tmp = pairwise_f32(gl_data_ptr(t), gl_numel(t), 1);
    } else if (dim == GL_ALL_DIMS && gl_is_contiguous(t) && t->dtype == GL_FLOAT64) {
        *(double *)acc = pairwise_f64(gl_data_ptr(t), gl_numel(t), 1);
    } else if (dim != GL_ALL_DIMS && gl_is_contiguous(t) &&
               gl_shape_numel(t->shape + dim + 1, t->ndim - dim - 1) > 1) {
        int64_t outer = gl_shape_numel(t->shape, dim), len = t->shape[dim];
        int64_t inner = gl_shape_numel(t->shape + dim + 1, t->ndim - dim - 1);
        const void *x = gl_data_ptr(t);
        switch (t->dtype) {
        case GL_FLOAT32: sum_rows_f32(x, outer, len, inner, acc); break;
        case GL_FLOAT64: sum_rows_f64(x, outer, len, inner, acc); break;
        case GL_INT64: sum_rows_i64(x, outer, len, inner, acc); break;
        default: sum_rows_b8(x, outer, len, inner, acc); break;
        }
    } else {
        int64_t shape[GL_MAX_DIMS], strides[2][GL_MAX_DIMS];
        memcpy(shape, t->shape, sizeof shape);
        memcpy(strides[0], t->stride, sizeof strides[0]);
        memcpy(strides[1], g.kstride, sizeof strides[1]);
        order_dims(shape, strides, t->ndim);
        gl_iter it;
        gl_iter_init(&it, 2, shape, t->ndim, strides);
        sum_ctx c = {gl_data_ptr(t), acc};
        gl_iter_run(&it, sum_runs[t->dtype], &c);
    }

    /* mean divides as torch does, sum / count; 0 / 0 makes an empty mean NaN */
    double count = (double)g.count;
    if (odt == GL_FLOAT32) {
        float *o = gl_base(out);
        if (mean)
            for (int64_t i = 0; i < on; i++)
                o[i] = (float)(tmp[i] / count);
        else
            for (int64_t i = 0; i < on; i++)
                o[i] = (float)tmp[i];
        free(tmp);
    } else if (odt == GL_FLOAT64 && mean) {
        double *o = gl_base(out);
        for (int64_t i = 0; i < on; i++)
            o[i] /= count;
    }
    return out;
}

static gl_tensor *sum_forward(gl_tensor *const in[], const gl_op_args *a)
{
    return reduce_sum(in[0], a->dim, a->keepdim, false);
}

/* gout has the result's shape; each input element gets its output's gradient. */
static int sum_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    if (!n->needs[0])
        return 0;
    gin[0] = expand_back(gout, &n->in_meta[0], n->args.dim, n->args.keepdim);
    return gin[0] ? 0 : -1;
}

const gl_op_def gl_def_sum = {GL_OP_SUM, "sum", 1, 0, sum_forward, sum_backward};

gl_tensor *gl_sum(const gl_tensor *t, int dim, bool keepdim)
{
    gl_op_args a = {.keepdim = keepdim};
    if (check_dim("sum", t, dim, &a.dim) != 0)
        return NULL;
    return gl_apply(GL_OP_SUM, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

/* ----------------------------------------------------------------- mean */

static gl_tensor *mean_forward(gl_tensor *const in[], const gl_op_args *a)
{
    return reduce_sum(in[0], a->dim, a->keepdim, true);
}

/* Each input element gets gout / count: the division is done on the small
 * result-shaped gradient, then seen over the input's shape as for sum. */
static int mean_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    if (!n->needs[0])
        return 0;
    const gl_meta *m = &n->in_meta[0];
    reduce_geom g;
    reduce_geometry(m->shape, m->ndim, n->args.dim, n->args.keepdim, &g);
    gl_tensor *scaled = gl_new(gout->shape, gout->ndim, gout->dtype);
    if (!scaled)
        return -1;
    gl_copy_strided(scaled, gout);
    int64_t k = gl_numel(scaled);
    double count = (double)g.count;
    if (scaled->dtype == GL_FLOAT32) {
        float *s = gl_base(scaled), c = (float)count;
        for (int64_t i = 0; i < k; i++)
            s[i] /= c;
    } else {
        double *s = gl_base(scaled);
        for (int64_t i = 0; i < k; i++)
            s[i] /= count;
    }
    gin[0] = expand_back(scaled, m, n->args.dim, n->args.keepdim);
    gl_release(scaled);
    return gin[0] ? 0 : -1;
}

const gl_op_def gl_def_mean = {GL_OP_MEAN, "mean", 1, 0, mean_forward, mean_backward};

gl_tensor *gl_mean(const gl_tensor *t, int dim, bool keepdim)
{
    gl_op_args a = {.keepdim = keepdim};
    if (check_dim("mean", t, dim, &a.dim) != 0)
        return NULL;
    if (!gl_is_floating(t->dtype))
        return gl_fail("mean: could not infer output dtype: the input must be float32 or "
                       "float64, got %s; convert it to a float dtype first",
                       gl_dtype_name(t->dtype));
    return gl_apply(GL_OP_MEAN, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

/* ------------------------------------------------------ max, min kernels */

/* y replaces the best so far: strictly better (so the first of ties stays),
 * or NaN over a number (so NaN wins, at its first position). For integer
 * types the NaN tests are constant false. */
#define MAX_BETTER(y, cur) ((y) > (cur) || ((y) != (y) && (cur) == (cur)))
#define MIN_BETTER(y, cur) ((y) < (cur) || ((y) != (y) && (cur) == (cur)))
/* For values alone (no index): NaN sticks once seen; branch-free selects. */
#define MAX_TAKES(y, cur) ((y) > (cur) || (y) != (y))
#define MIN_TAKES(y, cur) ((y) < (cur) || (y) != (y))

/* Along one dim of length len and stride `stride` (in elements). Operand 0
 * is the input (the reduced dim taken out of the iteration), operand 1 the
 * contiguous result in kshape's layout (values and, if idx, indices). */
typedef struct {
    const void *x;
    void *vals;
    int64_t *idx;
    int64_t len, stride;
    int64_t r; /* the sweep's current position along the dim */
} extreme_ctx;

/* Per dtype and direction:
 *   _value  the best of len values at stride s (NaN if any is NaN); a
 *           contiguous run keeps 8 running bests, which gcc vectorizes;
 *   _index  the first position holding that value (or the first NaN);
 *   _scan   each output scans its inputs (the reduced dim is innermost);
 *   _sweep  slice r of the input against the best so far (another dim is
 *           innermost, so memory is read in order);
 *   _all    every element in row-major order: runs come in that order, so a
 *           running count gives the flat index. */
#define EXTREME_KERNELS(NAME, T, BETTER, TAKES)                                              \
    static T NAME##_value(const T *p, int64_t len, int64_t s)                                \
    {                                                                                        \
        T best = p[0];                                                                       \
        int64_t i = 1;                                                                       \
        if (s == 1 && len >= 16) {                                                           \
            T b[8];                                                                          \
            for (int k = 0; k < 8; k++)                                                      \
                b[k] = p[k];                                                                 \
            for (i = 8; i + 8 <= len; i += 8)                                                \
                for (int k = 0; k < 8; k++) {                                                \
                    T y = p[i + k];                                                          \
                    b[k] = TAKES(y, b[k]) ? y : b[k];                                        \
                }                                                                            \
            best = b[0];                                                                     \
            for (int k = 1; k < 8; k++)                                                      \
                best = TAKES(b[k], best) ? b[k] : best;                                      \
        }                                                                                    \
        for (; i < len; i++) {                                                               \
            T y = p[i * s];                                                                  \
            best = TAKES(y, best) ? y : best;                                                \
        }                                                                                    \
        return best;                                                                         \
    }                                                                                        \
    static int64_t NAME##_index(const T *p, int64_t len, int64_t s, T best)                  \
    {                                                                                        \
        int64_t i = 0;                                                                       \
        if (best != best) {                                                                  \
            while (i < len - 1 && p[i * s] == p[i * s])                                      \
                i++;                                                                         \
        } else {                                                                             \
            while (i < len - 1 && p[i * s] != best)                                          \
                i++;                                                                         \
        }                                                                                    \
        return i;                                                                            \
    }                                                                                        \
    static void NAME##_scan(int64_t n, const int64_t *off, const int64_t *st, void *vctx)    \
    {                                                                                        \
        const extreme_ctx *c = vctx;                                                         \
        const T *x = (const T *)c->x + off[0];                                               \
        T *v = (T *)c->vals + off[1];                                                        \
        int64_t *ix = c->idx ? c->idx + off[1] : NULL;                                       \
        for (int64_t k = 0; k < n; k++) {                                                    \
            const T *p = x + k * st[0];                                                      \
            T best = NAME##_value(p, c->len, c->stride);                                     \
            v[k * st[1]] = best;                                                             \
            if (ix)                                                                          \
                ix[k * st[1]] = NAME##_index(p, c->len, c->stride, best);                    \
        }                                                                                    \
    }                                                                                        \
    static void NAME##_sweep(int64_t n, const int64_t *off, const int64_t *st, void *vctx)   \
    {                                                                                        \
        const extreme_ctx *c = vctx;                                                         \
        const T *x = (const T *)c->x + off[0] + c->r * c->stride;                            \
        T *v = (T *)c->vals + off[1];                                                        \
        int64_t *ix = c->idx ? c->idx + off[1] : NULL;                                       \
        if (c->r == 0) {                                                                     \
            for (int64_t k = 0; k < n; k++)                                                  \
                v[k * st[1]] = x[k * st[0]];                                                 \
            if (ix)                                                                          \
                for (int64_t k = 0; k < n; k++)                                              \
                    ix[k * st[1]] = 0;                                                       \
        } else if (ix) {                                                                     \
            for (int64_t k = 0; k < n; k++) {                                                \
                T y = x[k * st[0]];                                                          \
                if (BETTER(y, v[k * st[1]])) {                                               \
                    v[k * st[1]] = y;                                                        \
                    ix[k * st[1]] = c->r;                                                    \
                }                                                                            \
            }                                                                                \
        } else if (st[0] == 1 && st[1] == 1) {                                               \
            int64_t k = 0;                                                                   \
            BLOCK8(k, n, T, x, T, v, TAKES(y, o) ? y : o)                                    \
            for (; k < n; k++)                                                               \
                v[k] = TAKES(x[k], v[k]) ? x[k] : v[k];                                      \
        } else {                                                                             \
            for (int64_t k = 0; k < n; k++) {                                                \
                T y = x[k * st[0]];                                                          \
                if (TAKES(y, v[k * st[1]]))                                                  \
                    v[k * st[1]] = y;                                                        \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    typedef struct {                                                                         \
        const T *x;                                                                          \
        T best;                                                                              \
        int64_t pos, best_pos;                                                               \
    } NAME##_all_ctx;                                                                        \
    static void NAME##_all_run(int64_t n, const int64_t *off, const int64_t *st, void *vctx) \
    {                                                                                        \
        NAME##_all_ctx *c = vctx;                                                            \
        const T *x = c->x + off[0];                                                          \
        T best = NAME##_value(x, n, st[0]);                                                  \
        if (c->pos == 0 || BETTER(best, c->best)) { /* strictly: earlier runs win ties */    \
            c->best = best;                                                                  \
            c->best_pos = c->pos + NAME##_index(x, n, st[0], best);                          \
        }                                                                                    \
        c->pos += n;                                                                         \
    }                                                                                        \
    /* t has at least one element; writes the value to *best, its flat index to *pos */      \
    static void NAME##_all(const gl_tensor *t, void *best, int64_t *pos)                     \
    {                                                                                        \
        int64_t strides[1][GL_MAX_DIMS];                                                     \
        memcpy(strides[0], t->stride, sizeof strides[0]);                                    \
        gl_iter it;                                                                          \
        gl_iter_init(&it, 1, t->shape, t->ndim, strides);                                    \
        NAME##_all_ctx c = {gl_data_ptr(t), 0, 0, 0};                                        \
        gl_iter_run(&it, NAME##_all_run, &c);                                                \
        *(T *)best = c.best;                                                                 \
        *pos = c.best_pos;                                                                   \
    }

EXTREME_KERNELS(max_b8, uint8_t, MAX_BETTER, MAX_TAKES)
EXTREME_KERNELS(max_i64, int64_t, MAX_BETTER, MAX_TAKES)
EXTREME_KERNELS(max_f32, float, MAX_BETTER, MAX_TAKES)
EXTREME_KERNELS(max_f64, double, MAX_BETTER, MAX_TAKES)
EXTREME_KERNELS(min_b8, uint8_t, MIN_BETTER, MIN_TAKES)
EXTREME_KERNELS(min_i64, int64_t, MIN_BETTER, MIN_TAKES)
EXTREME_KERNELS(min_f32, float, MIN_BETTER, MIN_TAKES)
EXTREME_KERNELS(min_f64, double, MIN_BETTER, MIN_TAKES)

typedef struct {
    gl_iter_body scan, sweep;
    void (*all)(const gl_tensor *t, void *best, int64_t *pos);
} extreme_impl;

#define IMPL(NAME) {NAME##_scan, NAME##_sweep, NAME##_all}
static const extreme_impl extreme_impls[2][GL_DTYPE_COUNT] = {
    /* [is_max][dtype] */
    {[GL_BOOL] = IMPL(min_b8), [GL_INT64] = IMPL(min_i64),
     [GL_FLOAT32] = IMPL(min_f32), [GL_FLOAT64] = IMPL(min_f64)},
    {[GL_BOOL] = IMPL(max_b8), [GL_INT64] = IMPL(max_i64),
     [GL_FLOAT32] = IMPL(max_f32), [GL_FLOAT64] = IMPL(max_f64)},
};
#undef IMPL

/* Max (min) of t over dim d (t->ndim > 0, shape[d] > 0) into vals, contiguous
 * in kshape's layout with t's dtype, and the first index of it into idx (if
 * not NULL). When the reduced dim is the innermost in memory each output scans
 * its inputs; otherwise the input is swept slice by slice along d, so memory
 * is read in order in both cases. */
static void extreme_dim(const gl_tensor *t, int d, bool is_max, void *vals, int64_t *idx)
{
    const extreme_impl *impl = &extreme_impls[is_max][t->dtype];
    int64_t kshape[GL_MAX_DIMS], strides[2][GL_MAX_DIMS];
    memcpy(kshape, t->shape, sizeof kshape);
    kshape[d] = 1;
    memcpy(strides[0], t->stride, sizeof strides[0]);
    gl_contiguous_strides(kshape, t->ndim, strides[1]);
    bool sweep = false;
    for (int i = 0; i < t->ndim; i++)
        if (i != d && t->shape[i] > 1 && t->stride[i] < t->stride[d])
            sweep = true;
    gl_iter it;
    gl_iter_init(&it, 2, kshape, t->ndim, strides);
    extreme_ctx c = {gl_data_ptr(t), vals, idx, t->shape[d], t->stride[d], 0};
    if (!sweep) {
        gl_iter_run(&it, impl->scan, &c);
        return;
    }
    for (c.r = 0; c.r < c.len; c.r++)
        gl_iter_run(&it, impl->sweep, &c);
}

/* Refuses to reduce nothing: there is no max of no elements. op names the
 * function (max, argmax, ...), what the quantity (max or min). */
static int check_nonempty(const char *op, const char *what, const gl_tensor *t, int dim)
{
    char b[GL_SHAPE_BUF];
    if (dim == GL_ALL_DIMS && gl_numel(t) == 0)
        return gl_fail_status("%s: a tensor of shape %s has no elements, so it has no %s; "
                              "reduce over a dim of nonzero size instead",
                              op, gl_tshape(t, b), what);
    if (dim != GL_ALL_DIMS && t->shape[dim] == 0)
        return gl_fail_status("%s: dim %d of a tensor of shape %s has size 0, so there is no %s "
                              "to take along it",
                              op, dim, gl_tshape(t, b), what);
    return 0;
}

/* Indices of the max (min) of t over d (checked) as an int64 tensor; a 0-dim
 * flat index for GL_ALL_DIMS. */
static gl_tensor *arg_extreme(const gl_tensor *t, int d, bool keepdim, bool is_max)
{
    if (d == GL_ALL_DIMS) {
        int64_t pos;
        union { double d; int64_t i; } best; /* room for any dtype's value */
        extreme_impls[is_max][t->dtype].all(t, &best, &pos);
        return gl_scalar((double)pos, GL_INT64);
    }
    reduce_geom g;
    reduce_geometry(t->shape, t->ndim, d, keepdim, &g);
    gl_tensor *idx = gl_new(g.oshape, g.ond, GL_INT64);
    if (!idx)
        return NULL;
    int64_t n = gl_numel(idx);
    void *vals = malloc((size_t)(n ? n : 1) * gl_dtype_size(t->dtype));
    if (!vals) {
        char b[GL_SHAPE_BUF];
        gl_release(idx);
        return gl_fail("%s: out of memory for the values of a %s result", is_max ? "argmax" : "argmin",
                       gl_shape_str(g.oshape, g.ond, b, sizeof b));
    }
    extreme_dim(t, d, is_max, vals, gl_base(idx));
    free(vals);
    return idx;
}

/* -------------------------------------------------------------- max, min */

static gl_tensor *extreme_forward(gl_tensor *const in[], const gl_op_args *a, bool is_max)
{
    const gl_tensor *t = in[0];
    reduce_geom g;
    reduce_geometry(t->shape, t->ndim, a->dim, a->keepdim, &g);
    gl_tensor *out = gl_new(g.oshape, g.ond, t->dtype);
    if (!out)
        return NULL;
    if (a->dim == GL_ALL_DIMS) {
        int64_t pos;
        extreme_impls[is_max][t->dtype].all(t, gl_base(out), &pos);
    } else {
        extreme_dim(t, a->dim, is_max, gl_base(out), NULL);
    }
    return out;
}

/* Over every element: gout (one value) / count to each element equal to the
 * max (to each NaN if the max is NaN), as torch's evenly_distribute_backward. */
typedef struct {
    const void *x;
    void *gin;
    double best; /* the max, exactly representable in the dtype */
    bool nan;
    int64_t count;
    double share;
} distribute_ctx;

#define DISTRIBUTE_RUNS(NAME, T)                                                             \
    static void NAME##_count(int64_t n, const int64_t *off, const int64_t *st, void *vctx)   \
    {                                                                                        \
        distribute_ctx *c = vctx;                                                            \
        const T *x = (const T *)c->x + off[0];                                               \
        T best = (T)c->best;                                                                 \
        int64_t k = 0;                                                                       \
        for (int64_t i = 0; i < n; i++)                                                      \
            k += c->nan ? x[i * st[0]] != x[i * st[0]] : x[i * st[0]] == best;               \
        c->count += k;                                                                       \
    }                                                                                        \
    static void NAME##_write(int64_t n, const int64_t *off, const int64_t *st, void *vctx)   \
    {                                                                                        \
        distribute_ctx *c = vctx;                                                            \
        const T *x = (const T *)c->x + off[0];                                               \
        T *g = (T *)c->gin + off[1];                                                         \
        T best = (T)c->best, share = (T)c->share;                                            \
        for (int64_t i = 0; i < n; i++) {                                                    \
            T y = x[i * st[0]];                                                              \
            g[i * st[1]] = (c->nan ? y != y : y == best) ? share : 0;                        \
        }                                                                                    \
    }
DISTRIBUTE_RUNS(distribute_f32, float)
DISTRIBUTE_RUNS(distribute_f64, double)

static gl_tensor *distribute_backward(const gl_tensor *x, const gl_tensor *gout, bool is_max)
{
    union { float f; double d; } best;
    int64_t pos;
    extreme_impls[is_max][x->dtype].all(x, &best, &pos);
    gl_tensor *gin = gl_new(x->shape, x->ndim, x->dtype);
    if (!gin)
        return NULL;
    int64_t strides[2][GL_MAX_DIMS];
    memcpy(strides[0], x->stride, sizeof strides[0]);
    gl_contiguous_strides(x->shape, x->ndim, strides[1]);
    gl_iter it;
    gl_iter_init(&it, 2, x->shape, x->ndim, strides);
    distribute_ctx c = {gl_data_ptr(x), gl_base(gin), 0, false, 0, 0};
    c.best = x->dtype == GL_FLOAT32 ? (double)best.f : best.d;
    c.nan = isnan(c.best);
    double g = gl_load(gl_base(gout), gout->dtype, gout->offset);
    bool f32 = x->dtype == GL_FLOAT32;
    gl_iter_run(&it, f32 ? distribute_f32_count : distribute_f64_count, &c);
    /* grad / count in the gradient's dtype, as torch */
    c.share = f32 ? (double)((float)g / (float)c.count) : g / (double)c.count;
    gl_iter_run(&it, f32 ? distribute_f32_write : distribute_f64_write, &c);
    return gin;
}

/* Along a dim: gout to the first index of the max, zeros elsewhere.
 * Operands over kshape: 0 gin (x's contiguous strides), 1 gout, 2 indices. */
typedef struct {
    void *gin;
    const void *gout;
    const int64_t *idx;
    int64_t dstride; /* gin's stride along the reduced dim */
} scatter_ctx;

#define SCATTER_RUN(NAME, T)                                                                 \
    static void NAME(int64_t n, const int64_t *off, const int64_t *st, void *vctx)           \
    {                                                                                        \
        const scatter_ctx *c = vctx;                                                         \
        T *g = (T *)c->gin + off[0];                                                         \
        const T *go = (const T *)c->gout + off[1];                                           \
        const int64_t *ix = c->idx + off[2];                                                 \
        for (int64_t k = 0; k < n; k++)                                                      \
            g[k * st[0] + ix[k * st[2]] * c->dstride] = go[k * st[1]];                       \
    }
SCATTER_RUN(scatter_f32, float)
SCATTER_RUN(scatter_f64, double)

static gl_tensor *scatter_backward(const gl_tensor *x, const gl_tensor *gout, int d, bool keepdim,
                                   bool is_max)
{
    gl_tensor *idx = arg_extreme(x, d, true, is_max);
    gl_tensor *gin = idx ? gl_zeros(x->shape, x->ndim, x->dtype) : NULL;
    if (!gin) {
        gl_release(idx);
        return NULL;
    }
    int64_t kshape[GL_MAX_DIMS], strides[3][GL_MAX_DIMS];
    memcpy(kshape, x->shape, sizeof kshape);
    kshape[d] = 1;
    gl_contiguous_strides(x->shape, x->ndim, strides[0]);
    for (int i = 0, k = 0; i < x->ndim; i++) /* gout's strides over kshape */
        strides[1][i] = i == d ? (keepdim ? gout->stride[k++] : 0) : gout->stride[k++];
    gl_contiguous_strides(kshape, x->ndim, strides[2]);
    gl_iter it;
    gl_iter_init(&it, 3, kshape, x->ndim, strides);
    scatter_ctx c = {gl_base(gin), gl_data_ptr(gout), gl_base(idx), strides[0][d]};
    gl_iter_run(&it, x->dtype == GL_FLOAT32 ? scatter_f32 : scatter_f64, &c);
    gl_release(idx);
    return gin;
}

/* Recomputes the max from the saved input (rather than saving indices):
 * the node keeps only x. */
static int extreme_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[], bool is_max)
{
    if (!n->needs[0])
        return 0;
    const gl_tensor *x = GL_IN(n, 0);
    gl_tensor *g = gout->dtype == x->dtype ? gl_retain((gl_tensor *)gout) : gl_to_dtype(gout, x->dtype);
    if (!g)
        return -1;
    if (n->args.dim == GL_ALL_DIMS)
        gin[0] = distribute_backward(x, g, is_max);
    else
        gin[0] = scatter_backward(x, g, n->args.dim, n->args.keepdim, is_max);
    gl_release(g);
    return gin[0] ? 0 : -1;
}

static gl_tensor *max_forward(gl_tensor *const in[], const gl_op_args *a)
{
    return extreme_forward(in, a, true);
}

static int max_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    return extreme_backward(n, gout, gin, true);
}

const gl_op_def gl_def_max = {GL_OP_MAX, "max", 1, GL_SAVE_INPUTS, max_forward, max_backward};

static gl_tensor *min_forward(gl_tensor *const in[], const gl_op_args *a)
{
    return extreme_forward(in, a, false);
}

static int min_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    return extreme_backward(n, gout, gin, false);
}

const gl_op_def gl_def_min = {GL_OP_MIN, "min", 1, GL_SAVE_INPUTS, min_forward, min_backward};

/* Values through the graph; indices (with a dim) computed beside them. */
static gl_tensor *extreme(const char *op, gl_op code, const gl_tensor *t, int dim, bool keepdim,
                          gl_tensor **indices, bool is_max)
{
    gl_op_args a = {.keepdim = keepdim};
    if (indices)
        *indices = NULL;
    if (check_dim(op, t, dim, &a.dim) != 0 ||
        check_nonempty(op, is_max ? "max" : "min", t, a.dim) != 0)
        return NULL;
    gl_tensor *out = gl_apply(code, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
    if (!out || !indices || dim == GL_ALL_DIMS)
        return out;
    /* a 0-dim t reduced over its "dim 0": the index is 0, 0-dim too */
    *indices = a.dim == GL_ALL_DIMS ? gl_scalar(0, GL_INT64) : arg_extreme(t, a.dim, keepdim, is_max);
    if (!*indices) {
        gl_release(out);
        return NULL;
    }
    return out;
}

gl_tensor *gl_max(const gl_tensor *t, int dim, bool keepdim, gl_tensor **indices)
{
    return extreme("max", GL_OP_MAX, t, dim, keepdim, indices, true);
}

gl_tensor *gl_min(const gl_tensor *t, int dim, bool keepdim, gl_tensor **indices)
{
    return extreme("min", GL_OP_MIN, t, dim, keepdim, indices, false);
}

/* ------------------------------------------------------- argmax, argmin */

gl_tensor *gl_argmax(const gl_tensor *t, int dim, bool keepdim)
{
    int d;
    if (check_dim("argmax", t, dim, &d) != 0 || check_nonempty("argmax", "max", t, d) != 0)
        return NULL;
    return arg_extreme(t, d, keepdim, true);
}

gl_tensor *gl_argmin(const gl_tensor *t, int dim, bool keepdim)
{
    int d;
    if (check_dim("argmin", t, dim, &d) != 0 || check_nonempty("argmin", "min", t, d) != 0)
        return NULL;
    return arg_extreme(t, d, keepdim, false);
}
