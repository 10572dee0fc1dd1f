/* ops_softmax.c — softmax and log_softmax along one dim.
 *
 * Numerically stable: exp(x - max) never overflows, so softmax([1000, 1000])
 * is [0.5, 0.5], not NaN. Both save their output, which is all backward
 * needs:  softmax      y = e^(x-m) / s       dx = y * (g - sum(g*y))
 *         log_softmax  y = x - m - log(s)    dx = g - exp(y) * sum(g)
 *
 * A tensor is seen as (outer, n, inner) around dim: rows of n elements
 * inner apart. inner == 1 (the last dim, the usual case) runs row by row;
 * otherwise the loops go along inner, which is contiguous and vectorizes. */
#include "internal.h"

#include <stdlib.h>

/* gcc 12's -O2 vectorizes only loops whose trip count is a known multiple
 * of the vector width ("very cheap" cost model); ours are n long. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif

static void split_at(const gl_tensor *t, int dim, int64_t *outer, int64_t *n, int64_t *inner)
{
    *outer = *inner = *n = 1;
    if (t->ndim == 0)
        return;
    for (int i = 0; i < dim; i++)
        *outer *= t->shape[i];
    *n = t->shape[dim];
    for (int i = dim + 1; i < t->ndim; i++)
        *inner *= t->shape[i];
}

/* A contiguous version of t made outside the graph (NULL on failure). */
static gl_tensor *plain_contiguous(const gl_tensor *t)
{
    bool old = gl_set_grad_enabled(false);
    gl_tensor *c = gl_contiguous(t);
    gl_set_grad_enabled(old);
    return c;
}

/* Row reductions with 8 independent lanes, so the adds and compares
 * pipeline (and vectorize) instead of each waiting on the last: 10x faster
 * than one accumulator on a 1000-element row. float32 lanes hand their sums
 * to a double every 1024 elements, which keeps the rounding near float32's
 * own. The max ignores NaN; a NaN still turns its row into NaN via exp. */
#define LANES 8
#define DEFINE_ROW_REDUCE(T)                                                                   \
    static T row_max_##T(const T *restrict x, int64_t n)                                       \
    {                                                                                          \
        T lane[LANES], m = -INFINITY;                                                          \
        for (int k = 0; k < LANES; k++)                                                        \
            lane[k] = -INFINITY;                                                               \
        int64_t i = 0;                                                                         \
        for (; i + LANES <= n; i += LANES)                                                     \
            for (int k = 0; k < LANES; k++)                                                    \
                lane[k] = x[i + k] > lane[k] ? x[i + k] : lane[k];                             \
        for (; i < n; i++)                                                                     \
            m = x[i] > m ? x[i] : m;                                                           \
        for (int k = 0; k < LANES; k++)                                                        \
            m = lane[k] > m ? lane[k] : m;                                                     \
        return m;                                                                              \
    }                                                                                          \
    /* sum x[i] * (y ? y[i] : 1) */                                                            \
    static double row_dot_##T(const T *restrict x, const T *restrict y, int64_t n)             \
    {                                                                                          \
        double total = 0;                                                                      \
        for (int64_t b = 0; b < n; b += 1024) {                                                \
            int64_t e = n - b < 1024 ? n : b + 1024, i = b;                                    \
            T lane[LANES] = {0}, rest = 0;                                                     \
            if (y) {                                                                           \
                for (; i + LANES <= e; i += LANES)                                             \
                    for (int k = 0; k < LANES; k++)                                            \
                        lane[k] += x[i + k] * y[i + k];                                        \
                for (; i < e; i++)                                                             \
                    rest += x[i] * y[i];                                                       \
            } else {                                                                           \
                for (; i + LANES <= e; i += LANES)                                             \
                    for (int k = 0; k < LANES; k++)                                            \
                        lane[k] += x[i + k];                                                   \
                for (; i < e; i++)                                                             \
                    rest += x[i];                                                              \
            }                                                                                  \
            total += rest;                                                                     \
            for (int k = 0; k < LANES; k++)                                                    \
                total += lane[k];                                                              \
        }                                                                                      \
        return total;                                                                          \
    }
DEFINE_ROW_REDUCE(float)
DEFINE_ROW_REDUCE(double)

/* y = softmax or log_softmax of x, both contiguous (outer, n, inner). The
 * strided case keeps a max and a (double) sum per inner position (scratch)
 * and runs its loops along inner, where they vectorize. exp is libm's. */
#define DEFINE_SOFTMAX(T, EXP)                                                            \
    static int softmax_kernel_##T(const T *restrict x, T *restrict y, int64_t outer,           \
                                  int64_t n, int64_t inner, bool log_sm)                       \
    {                                                                                          \
        if (inner == 1) {                                                                      \
            for (int64_t o = 0; o < outer; o++) {                                              \
                const T *restrict xr = x + o * n;                                              \
                T *restrict yr = y + o * n, m = row_max_##T(xr, n);                            \
                for (int64_t j = 0; j < n; j++)                                                \
                    yr[j] = EXP(xr[j] - m);                                                    \
                double s = row_dot_##T(yr, NULL, n);                                           \
                if (log_sm) {                                                                  \
                    T ls = (T)log(s); /* x - (m + ls) would round m + ls to T */              \
                    for (int64_t j = 0; j < n; j++)                                            \
                        yr[j] = (xr[j] - m) - ls;                                              \
                } else {                                                                       \
                    T inv = (T)(1 / s);                                                        \
                    for (int64_t j = 0; j < n; j++)                                            \
                        yr[j] *= inv;                                                          \
                }                                                                              \
            }                                                                                  \
            return 0;                                                                          \
        }                                                                                      \
        T *m = malloc(sizeof(T) * (size_t)inner);                                              \
        double *s = malloc(sizeof(double) * (size_t)inner);                                    \
        if (!m || !s) {                                                                        \
            free(m);                                                                           \
            free(s);                                                                           \
            return gl_fail_status("out of memory: softmax scratch of %lld elements",          \
                                  (long long)inner);                                           \
        }                                                                                      \
        for (int64_t o = 0; o < outer; o++) {                                                  \
            const T *restrict xb = x + o * n * inner; /* (n, inner) */                         \
            T *restrict yb = y + o * n * inner;                                                \
            for (int64_t i = 0; i < inner; i++) {                                              \
                m[i] = -INFINITY;                                                              \
                s[i] = 0;                                                                      \
            }                                                                                  \
            for (int64_t j = 0; j < n; j++)                                                    \
                for (int64_t i = 0; i < inner; i++)                                            \
                    m[i] = xb[j * inner + i] > m[i] ? xb[j * inner + i] : m[i];                \
            for (int64_t j = 0; j < n; j++)                                                    \
                for (int64_t i = 0; i < inner; i++)                                            \
                    yb[j * inner + i] = EXP(xb[j * inner + i] - m[i]);                         \
            for (int64_t j = 0; j < n; j++)                                                    \
                for (int64_t i = 0; i < inner; i++)                                            \
                    s[i] += yb[j * inner + i];                                                 \
            if (log_sm) {                                                                      \
                for (int64_t i = 0; i < inner; i++)                                            \
                    s[i] = log(s[i]);                                                          \
                for (int64_t j = 0; j < n; j++)                                                \
                    for (int64_t i = 0; i < inner; i++)                                        \
                        yb[j * inner + i] = (xb[j * inner + i] - m[i]) - (T)s[i];              \
            } else {                                                                           \
                for (int64_t i = 0; i < inner; i++)                                            \
                    s[i] = 1 / s[i];                                                           \
                for (int64_t j = 0; j < n; j++)                                                \
                    for (int64_t i = 0; i < inner; i++)                                        \
                        yb[j * inner + i] *= (T)s[i];                                          \
            }                                                                                  \
        }                                                                                      \
        free(m);                                                                               \
        free(s);                                                                               \
        return 0;                                                                              \
    }
DEFINE_SOFTMAX(float, expf)
DEFINE_SOFTMAX(double, exp)

/* dx from the saved output y and the incoming gradient g, all contiguous
 * (outer, n, inner): softmax dx = y*(g - sum(g*y)), log_softmax
 * dx = g - exp(y)*sum(g), the sums along n. */
#define DEFINE_SOFTMAX_BACKWARD(T, EXP)                                                        \
    static int softmax_backward_kernel_##T(const T *restrict y, const T *restrict g,           \
                                           T *restrict dx, int64_t outer, int64_t n,           \
                                           int64_t inner, bool log_sm)                         \
    {                                                                                          \
        if (inner == 1) {                                                                      \
            for (int64_t o = 0; o < outer; o++) {                                              \
                const T *restrict yr = y + o * n, *restrict gr = g + o * n;                    \
                T *restrict dr = dx + o * n;                                                   \
                if (log_sm) {                                                                  \
                    T s = (T)row_dot_##T(gr, NULL, n);                                         \
                    for (int64_t j = 0; j < n; j++)                                            \
                        dr[j] = gr[j] - EXP(yr[j]) * s;                                        \
                } else {                                                                       \
                    T s = (T)row_dot_##T(gr, yr, n);                                           \
                    for (int64_t j = 0; j < n; j++)                                            \
                        dr[j] = yr[j] * (gr[j] - s);                                           \
                }                                                                              \
            }                                                                                  \
            return 0;                                                                          \
        }                                                                                      \
        double *s = malloc(sizeof(double) * (size_t)inner);                                    \
        if (!s)                                                                                \
            return gl_fail_status("out of memory: softmax scratch of %lld elements",          \
                                  (long long)inner);                                           \
        for (int64_t o = 0; o < outer; o++) {                                                  \
            const T *restrict yb = y + o * n * inner, *restrict gb = g + o * n * inner;        \
            T *restrict db = dx + o * n * inner;                                               \
            for (int64_t i = 0; i < inner; i++)                                                \
                s[i] = 0;                                                                      \
            if (log_sm) {                                                                      \
                for (int64_t j = 0; j < n; j++)                                                \
                    for (int64_t i = 0; i < inner; i++)                                        \
                        s[i] += gb[j * inner + i];                                             \
                for (int64_t j = 0; j < n; j++)                                                \
                    for (int64_t i = 0; i < inner; i++)                                        \
                        db[j * inner + i] = gb[j * inner + i] - EXP(yb[j * inner + i]) * (T)s[i]; \
            } else {                                                                           \
                for (int64_t j = 0; j < n; j++)                                                \
                    for (int64_t i = 0; i < inner; i++)                                        \
                        s[i] += gb[j * inner + i] * yb[j * inner + i];                         \
                for (int64_t j = 0; j < n; j++)                                                \
                    for (int64_t i = 0; i < inner; i++)                                        \
                        db[j * inner + i] = yb[j * inner + i] * (gb[j * inner + i] - (T)s[i]); \
            }                                                                                  \
        }                                                                                      \
        free(s);                                                                               \
        return 0;                                                                              \
    }
DEFINE_SOFTMAX_BACKWARD(float, expf)
DEFINE_SOFTMAX_BACKWARD(double, exp)

/* in[0] floating, any shape; a->dim already normalized. Same shape out. */
static gl_tensor *softmax_common_forward(gl_tensor *const in[], const gl_op_args *a, bool log_sm)
{
    gl_tensor *x = plain_contiguous(in[0]);
    if (!x)
        return NULL;
    gl_tensor *y = gl_new(x->shape, x->ndim, x->dtype);
    int64_t outer, n, inner;
    split_at(x, a->dim, &outer, &n, &inner);
    /* nothing to do when empty: the kernels would still walk a huge dim, as
     * (2^53, 0) along dim 0, doing nothing 2^53 times */
    int rc = !y ? -1
             : gl_numel(x) == 0 ? 0
             : x->dtype == GL_FLOAT32
                 ? softmax_kernel_float(gl_data_ptr(x), gl_data_ptr(y), outer, n, inner, log_sm)
                 : softmax_kernel_double(gl_data_ptr(x), gl_data_ptr(y), outer, n, inner, log_sm);
    gl_release(x);
    if (rc != 0) {
        gl_release(y);
        return NULL;
    }
    return y;
}

static int softmax_common_backward(const gl_node *node, const gl_tensor *gout, gl_tensor *gin[],
                                   bool log_sm)
{
    if (!node->needs[0])
        return 0;
    const gl_tensor *y = GL_OUT(node);
    /* to_dtype copies into a new contiguous tensor, so g is contiguous either way */
    gl_tensor *g = gout->dtype == y->dtype ? plain_contiguous(gout) : gl_to_dtype(gout, y->dtype);
    gl_tensor *yc = g ? plain_contiguous(y) : NULL;
    gl_tensor *dx = yc ? gl_new(y->shape, y->ndim, y->dtype) : NULL;
    int64_t outer, n, inner;
    split_at(y, node->args.dim, &outer, &n, &inner);
    int rc = -1;
    if (dx && gl_numel(y) == 0) /* empty: see softmax_common_forward */
        rc = 0;
    else if (dx && g->dtype == GL_FLOAT32)
        rc = softmax_backward_kernel_float(gl_data_ptr(yc), gl_data_ptr(g), gl_data_ptr(dx),
                                           outer, n, inner, log_sm);
    else if (dx)
        rc = softmax_backward_kernel_double(gl_data_ptr(yc), gl_data_ptr(g), gl_data_ptr(dx),
                                            outer, n, inner, log_sm);
    gl_release(g);
    gl_release(yc);
    if (rc != 0) {
        gl_release(dx);
        return -1;
    }
    gin[0] = dx;
    return 0;
}

static gl_tensor *softmax_forward(gl_tensor *const in[], const gl_op_args *a)
{
    return softmax_common_forward(in, a, false);
}

static int softmax_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    return softmax_common_backward(n, gout, gin, false);
}

const gl_op_def gl_def_softmax = {GL_OP_SOFTMAX, "softmax", 1, GL_SAVE_OUTPUT, softmax_forward,
                                  softmax_backward};

static gl_tensor *log_softmax_forward(gl_tensor *const in[], const gl_op_args *a)
{
    return softmax_common_forward(in, a, true);
}

static int log_softmax_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    return softmax_common_backward(n, gout, gin, true);
}

const gl_op_def gl_def_log_softmax = {GL_OP_LOG_SOFTMAX, "log_softmax", 1, GL_SAVE_OUTPUT,
                                      log_softmax_forward, log_softmax_backward};

static gl_tensor *softmax_apply(const char *op, gl_op code, const gl_tensor *t, int dim)
{
    gl_op_args a;
    memset(&a, 0, sizeof a);
    if (!gl_is_floating(t->dtype)) {
        char b[GL_SHAPE_BUF];
        return gl_fail("%s: expected a float32 or float64 tensor, got %s of shape %s (convert "
                       "with to_dtype first)",
                       op, gl_dtype_name(t->dtype), gl_tshape(t, b));
    }
    if (gl_normalize_dim(op, t, dim, 0, &a.dim) != 0)
        return NULL;
    return gl_apply(code, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

gl_tensor *gl_softmax(const gl_tensor *t, int dim)
{
    return softmax_apply("softmax", GL_OP_SOFTMAX, t, dim);
}

gl_tensor *gl_log_softmax(const gl_tensor *t, int dim)
{
    return softmax_apply("log_softmax", GL_OP_LOG_SOFTMAX, t, dim);
}
