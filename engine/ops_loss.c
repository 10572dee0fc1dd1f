/* ops_loss.c — the losses of torch.nn.functional: mse_loss, binary
 * cross-entropy, cross_entropy (class indices through log_softmax +
 * nll_loss, or probabilities through soft_cross_entropy), and one_hot.
 *
 * mse_loss and bce_loss are fused: one pass forward, one pass per input
 * backward, walking the operands with gl_iter (long contiguous runs take a
 * plain loop). Reductions: mean (over every element of the broadcast
 * shape), sum, none. */
#include "internal.h"

#include <stdlib.h>

/* gcc 12's -O2 vectorizes only loops whose trip count is a known multiple
 * of the vector width ("very cheap" cost model); ours are n long. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif

/* Sums use 8 independent lanes so the adds pipeline (and vectorize) rather
 * than each waiting on the last; float32 lanes hand over to a double every
 * 1024 elements, which keeps the rounding near float32's own. */
#define LANES 8
#define BLOCK 1024


static int check_reduction(const char *op, gl_reduction r)
{
    if ((unsigned)r > GL_REDUCTION_NONE)
        return gl_fail_status("%s: invalid reduction %d (expected mean, sum or none)", op, (int)r);
    return 0;
}

static gl_tensor *plain_contiguous(const gl_tensor *t)
{
    bool old = gl_set_grad_enabled(false);
    gl_tensor *c = gl_contiguous(t);
    gl_set_grad_enabled(old);
    return c;
}

/* Converts *x and *y to their common floating dtype (tmp[] owns what it
 * made); fails naming op when that dtype isn't floating. */
static int promote_pair(const char *op, const char *xname, const char *yname, gl_tensor **x,
                        gl_tensor **y, gl_tensor *tmp[2])
{
    gl_dtype dt = gl_promote((*x)->dtype, (*y)->dtype);
    if (!gl_is_floating(dt)) {
        char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
        return gl_fail_status("%s: %s %s of %s and %s %s of %s: expected floating tensors "
                              "(convert with to_dtype first)",
                              op, xname, gl_tshape(*x, b1), gl_dtype_name((*x)->dtype), yname,
                              gl_tshape(*y, b2), gl_dtype_name((*y)->dtype));
    }
    if ((*x)->dtype != dt && !(*x = tmp[0] = gl_to_dtype(*x, dt)))
        return -1;
    if ((*y)->dtype != dt && !(*y = tmp[1] = gl_to_dtype(*y, dt)))
        return -1;
    return 0;
}

/* A gradient of a reduced loss is one number; of 'none', a tensor. */
static double scalar_of(const gl_tensor *g)
{
    return gl_load(gl_base(g), g->dtype, g->offset);
}

/* ============================================================== mse_loss */

/* Run bodies for gl_iter. Operand order: o (the contiguous result or
 * gradient; absent for sums), x, t. g, when set, is contiguous in o's shape,
 * so it shares o's offsets. */
typedef struct {
    char *o;
    const char *x, *t, *g;
    double k;   /* backward: the coefficient, +-2/count times the scalar gradient */
    double acc; /* forward sums */
} pair_ctx;

#define DEFINE_MSE(T)                                                                          \
    /* o = (x - t)^2 */                                                                        \
    static void mse_sq_##T(int64_t n, const int64_t *off, const int64_t *st, void *vc)         \
    {                                                                                          \
        pair_ctx *c = vc;                                                                      \
        T *restrict o = (T *)c->o + off[0];                                                    \
        const T *restrict x = (const T *)c->x + off[1], *restrict t = (const T *)c->t + off[2]; \
        if (st[0] == 1 && st[1] == 1 && st[2] == 1) {                                          \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T d = x[i] - t[i];                                                             \
                o[i] = d * d;                                                                  \
            }                                                                                  \
        } else {                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T d = x[i * st[1]] - t[i * st[2]];                                             \
                o[i * st[0]] = d * d;                                                          \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
    /* acc += sum (x - t)^2; operands x, t */                                                  \
    static void mse_acc_##T(int64_t n, const int64_t *off, const int64_t *st, void *vc)        \
    {                                                                                          \
        pair_ctx *c = vc;                                                                      \
        const T *restrict x = (const T *)c->x + off[0], *restrict t = (const T *)c->t + off[1]; \
        double s = 0;                                                                          \
        if (st[0] == 1 && st[1] == 1) {                                                        \
            for (int64_t b = 0; b < n; b += BLOCK) {                                           \
                int64_t e = n - b < BLOCK ? n : b + BLOCK, i = b;                              \
                T lane[LANES] = {0};                                                           \
                for (; i + LANES <= e; i += LANES)                                             \
                    for (int k = 0; k < LANES; k++) {                                          \
                        T d = x[i + k] - t[i + k];                                             \
                        lane[k] += d * d;                                                      \
                    }                                                                          \
                for (; i < e; i++) {                                                           \
                    T d = x[i] - t[i];                                                         \
                    s += d * d;                                                                \
                }                                                                              \
                for (int k = 0; k < LANES; k++)                                                \
                    s += lane[k];                                                              \
            }                                                                                  \
        } else {                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T d = x[i * st[0]] - t[i * st[1]];                                             \
                s += d * d;                                                                    \
            }                                                                                  \
        }                                                                                      \
        c->acc += s;                                                                           \
    }                                                                                          \
    /* o = k * (x - t) * g */                                                                  \
    static void mse_grad_##T(int64_t n, const int64_t *off, const int64_t *st, void *vc)       \
    {                                                                                          \
        pair_ctx *c = vc;                                                                      \
        T *restrict o = (T *)c->o + off[0], k = (T)c->k;                                       \
        const T *restrict x = (const T *)c->x + off[1], *restrict t = (const T *)c->t + off[2]; \
        const T *restrict g = c->g ? (const T *)c->g + off[0] : NULL;                          \
        if (st[0] == 1 && st[1] == 1 && st[2] == 1) {                                          \
            if (g)                                                                             \
                for (int64_t i = 0; i < n; i++)                                                \
                    o[i] = k * (x[i] - t[i]) * g[i];                                           \
            else                                                                               \
                for (int64_t i = 0; i < n; i++)                                                \
                    o[i] = k * (x[i] - t[i]);                                                  \
        } else {                                                                               \
            for (int64_t i = 0; i < n; i++)                                                    \
                o[i * st[0]] = k * (x[i * st[1]] - t[i * st[2]]) * (g ? g[i * st[0]] : 1);     \
        }                                                                                      \
    }
DEFINE_MSE(float)
DEFINE_MSE(double)

/* Iterates o (contiguous, out shape; may be NULL), x and t broadcast to out. */
static void run_pair(gl_iter_body body, pair_ctx *c, const gl_tensor *o, const gl_tensor *x,
                     const gl_tensor *t, const int64_t *shape, int nd)
{
    int64_t st[3][GL_MAX_DIMS];
    int k = 0;
    gl_iter it;
    if (o)
        gl_contiguous_strides(shape, nd, st[k++]);
    gl_broadcast_strides(x, nd, shape, st[k++]);
    gl_broadcast_strides(t, nd, shape, st[k++]);
    c->o = o ? gl_data_ptr(o) : NULL;
    c->x = gl_data_ptr(x);
    c->t = gl_data_ptr(t);
    gl_iter_init(&it, k, shape, nd, st);
    gl_iter_run(&it, body, c);
}

/* x, t: one floating dtype, shapes that broadcast -> mean/sum () or none (broadcast shape). */
static gl_tensor *mse_loss_forward(gl_tensor *const in[], const gl_op_args *a)
{
    const gl_tensor *x = in[0], *t = in[1];
    int64_t shape[GL_MAX_DIMS];
    int nd;
    if (gl_broadcast_shapes("mse_loss", x->shape, x->ndim, t->shape, t->ndim, shape, &nd) != 0)
        return NULL;
    bool f32 = x->dtype == GL_FLOAT32;
    pair_ctx c = {0};
    if (a->reduction == GL_REDUCTION_NONE) {
        gl_tensor *o = gl_new(shape, nd, x->dtype);
        if (o)
            run_pair(f32 ? mse_sq_float : mse_sq_double, &c, o, x, t, shape, nd);
        return o;
    }
    run_pair(f32 ? mse_acc_float : mse_acc_double, &c, NULL, x, t, shape, nd);
    if (a->reduction == GL_REDUCTION_MEAN)
        c.acc /= (double)gl_shape_numel(shape, nd); /* 0/0: NaN for empty input, as torch */
    return gl_scalar(c.acc, x->dtype);
}

/* d/dx = 2(x - t) * g (/count for mean); d/dt = -d/dx. Both in the
 * broadcast shape; the engine sums them back to each input's shape. */
static int mse_loss_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    const gl_tensor *x = GL_IN(n, 0), *t = GL_IN(n, 1);
    int64_t shape[GL_MAX_DIMS];
    int nd;
    if (gl_broadcast_shapes("mse_loss", x->shape, x->ndim, t->shape, t->ndim, shape, &nd) != 0)
        return -1;
    pair_ctx c = {0};
    gl_tensor *g = NULL;
    double k = 2;
    if (n->args.reduction == GL_REDUCTION_NONE) {
        if (!(g = gout->dtype == x->dtype ? plain_contiguous(gout) : gl_to_dtype(gout, x->dtype)))
            return -1;
        c.g = gl_data_ptr(g);
    } else {
        k *= scalar_of(gout);
        if (n->args.reduction == GL_REDUCTION_MEAN)
            k /= (double)gl_shape_numel(shape, nd);
    }
    gl_iter_body body = x->dtype == GL_FLOAT32 ? mse_grad_float : mse_grad_double;
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        if (!n->needs[i])
            continue;
        if (!(gin[i] = gl_new(shape, nd, x->dtype))) {
            rc = -1;
            break;
        }
        c.k = i == 0 ? k : -k;
        run_pair(body, &c, gin[i], x, t, shape, nd);
    }
    gl_release(g);
    return rc;
}

const gl_op_def gl_def_mse_loss = {GL_OP_MSE_LOSS, "mse_loss", 2, GL_SAVE_INPUTS,
                                   mse_loss_forward, mse_loss_backward};

gl_tensor *gl_mse_loss(const gl_tensor *input, const gl_tensor *target, gl_reduction r)
{
    int64_t shape[GL_MAX_DIMS];
    int nd;
    if (check_reduction("mse_loss", r) != 0 ||
        gl_broadcast_shapes("mse_loss", input->shape, input->ndim, target->shape, target->ndim,
                            shape, &nd) != 0 ||
        gl_check_broadcast("mse_loss", input, target, shape, nd) != 0)
        return NULL;
    gl_tensor *x = (gl_tensor *)input, *t = (gl_tensor *)target;
    gl_tensor *tmp[2] = {NULL, NULL}, *out = NULL;
    if (promote_pair("mse_loss", "input", "target", &x, &t, tmp) == 0)
        out = gl_apply(GL_OP_MSE_LOSS, (gl_tensor *const[]){x, t}, 2,
                       &(gl_op_args){.reduction = r});
    gl_release(tmp[0]);
    gl_release(tmp[1]);
    return out;
}

/* ============================================================== bce_loss */

/* Computed in double for both dtypes (the logs dominate the cost anyway).
 * Operands o (absent for sums), p, y, as mse's. bad/badv record the first
 * p outside [0,1] (NaN included): the op then fails naming it. */
typedef struct {
    pair_ctx pc;
    bool bad;
    double badv;
    bool dtarget; /* backward: the gradient wrt the target */
} bce_ctx;

static inline double bce_term(double p, double y)
{
    /* torch: logs clamped at -100 so p = 0 or 1 gives a finite loss */
    return (y - 1) * fmax(log1p(-p), -100) - y * fmax(log(p), -100);
}

#define DEFINE_BCE(T)                                                                          \
    static void bce_fwd_##T(int64_t n, const int64_t *off, const int64_t *st, void *vc)        \
    {                                                                                          \
        bce_ctx *c = vc;                                                                       \
        bool has_o = c->pc.o != NULL;                                                          \
        int ip = has_o ? 1 : 0;                                                                \
        T *o = has_o ? (T *)c->pc.o + off[0] : NULL;                                           \
        const T *p = (const T *)c->pc.x + off[ip], *y = (const T *)c->pc.t + off[ip + 1];      \
        double s = 0;                                                                          \
        for (int64_t i = 0; i < n; i++) {                                                      \
            double pv = p[i * st[ip]], l;                                                      \
            if (!(pv >= 0 && pv <= 1)) {                                                       \
                if (!c->bad)                                                                   \
                    c->badv = pv;                                                              \
                c->bad = true;                                                                 \
                l = NAN;                                                                       \
            } else {                                                                           \
                l = bce_term(pv, y[i * st[ip + 1]]);                                           \
            }                                                                                  \
            if (has_o)                                                                         \
                o[i * st[0]] = (T)l;                                                           \
            else                                                                               \
                s += l;                                                                        \
        }                                                                                      \
        c->pc.acc += s;                                                                        \
    }                                                                                          \
    /* dp = g (p - y) / max((1-p)p, 1e-12); dy = g (log(1-p) - log(p)), clamped as forward */ \
    static void bce_grad_##T(int64_t n, const int64_t *off, const int64_t *st, void *vc)       \
    {                                                                                          \
        bce_ctx *c = vc;                                                                       \
        T *o = (T *)c->pc.o + off[0];                                                          \
        const T *p = (const T *)c->pc.x + off[1], *y = (const T *)c->pc.t + off[2];            \
        const T *g = c->pc.g ? (const T *)c->pc.g + off[0] : NULL;                             \
        for (int64_t i = 0; i < n; i++) {                                                      \
            double pv = p[i * st[1]], yv = y[i * st[2]];                                       \
            double gv = c->pc.k * (g ? (double)g[i * st[0]] : 1.0);                            \
            o[i * st[0]] = (T)(c->dtarget                                                      \
                                   ? gv * (fmax(log1p(-pv), -100) - fmax(log(pv), -100))       \
                                   : gv * (pv - yv) / fmax((1 - pv) * pv, 1e-12));             \
        }                                                                                      \
    }
DEFINE_BCE(float)
DEFINE_BCE(double)

/* p, y: one floating dtype, one shape -> mean/sum () or none (shape). */
static gl_tensor *bce_loss_forward(gl_tensor *const in[], const gl_op_args *a)
{
    const gl_tensor *p = in[0], *y = in[1];
    bool f32 = p->dtype == GL_FLOAT32;
    bce_ctx c;
    memset(&c, 0, sizeof c);
    gl_tensor *o = NULL;
    if (a->reduction == GL_REDUCTION_NONE && !(o = gl_new(p->shape, p->ndim, p->dtype)))
        return NULL;
    run_pair(f32 ? bce_fwd_float : bce_fwd_double, &c.pc, o, p, y, p->shape, p->ndim);
    if (c.bad) {
        gl_release(o);
        char b[GL_SHAPE_BUF];
        return gl_fail("bce_loss: input value %g (in a tensor of shape %s) is outside [0, 1]; "
                       "binary cross-entropy takes probabilities (apply sigmoid first)",
                       c.badv, gl_tshape(p, b));
    }
    if (o)
        return o;
    if (a->reduction == GL_REDUCTION_MEAN)
        c.pc.acc /= (double)gl_numel(p);
    return gl_scalar(c.pc.acc, p->dtype);
}

static int bce_loss_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    const gl_tensor *p = GL_IN(n, 0), *y = GL_IN(n, 1);
    bce_ctx c;
    memset(&c, 0, sizeof c);
    gl_tensor *g = NULL;
    c.pc.k = 1;
    if (n->args.reduction == GL_REDUCTION_NONE) {
        if (!(g = gout->dtype == p->dtype ? plain_contiguous(gout) : gl_to_dtype(gout, p->dtype)))
            return -1;
        c.pc.g = gl_data_ptr(g);
    } else {
        c.pc.k = scalar_of(gout);
        if (n->args.reduction == GL_REDUCTION_MEAN)
            c.pc.k /= (double)gl_numel(p);
    }
    int rc = 0;
    for (int i = 0; i < 2; i++) {
        if (!n->needs[i])
            continue;
        if (!(gin[i] = gl_new(p->shape, p->ndim, p->dtype))) {
            rc = -1;
            break;
        }
        c.dtarget = i == 1;
        run_pair(p->dtype == GL_FLOAT32 ? bce_grad_float : bce_grad_double, &c.pc, gin[i], p, y,
                 p->shape, p->ndim);
    }
    gl_release(g);
    return rc;
}

const gl_op_def gl_def_bce_loss = {GL_OP_BCE_LOSS, "bce_loss", 2, GL_SAVE_INPUTS,
                                   bce_loss_forward, bce_loss_backward};

gl_tensor *gl_bce_loss(const gl_tensor *p, const gl_tensor *target, gl_reduction r)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (check_reduction("bce_loss", r) != 0)
        return NULL;
    if (!gl_same_shape(p->shape, p->ndim, target->shape, target->ndim))
        return gl_fail("bce_loss: input %s and target %s: the shapes must be equal",
                       gl_tshape(p, b1), gl_tshape(target, b2));
    gl_tensor *x = (gl_tensor *)p, *t = (gl_tensor *)target, *tmp[2] = {NULL, NULL}, *out = NULL;
    if (promote_pair("bce_loss", "input", "target", &x, &t, tmp) == 0)
        out = gl_apply(GL_OP_BCE_LOSS, (gl_tensor *const[]){x, t}, 2,
                       &(gl_op_args){.reduction = r});
    gl_release(tmp[0]);
    gl_release(tmp[1]);
    return out;
}

/* ======================================================== cross-entropy */

/* Rows and classes of logits (N,C) or (C): row i, class j at i*rs + j*cs. */
typedef struct {
    int64_t rows, classes, rs, cs;
} row_layout;

static row_layout rows_of(const gl_tensor *x)
{
    row_layout l = {1, x->shape[x->ndim - 1], 0, x->stride[x->ndim - 1]};
    if (x->ndim == 2) {
        l.rows = x->shape[0];
        l.rs = x->stride[0];
    }
    return l;
}

/* Target j of row i (the caller checked the range). */
static int64_t target_at(const gl_tensor *t, int64_t i)
{
    const int64_t *base = gl_base(t);
    return base[t->offset + (t->ndim == 1 ? i * t->stride[0] : 0)];
}

/* lp: log-probabilities (N,C) or (C); target int64 (N) or () in [0,C).
 * -lp[i, target[i]] per row, then reduced (mean over N). */
static gl_tensor *nll_loss_forward(gl_tensor *const in[], const gl_op_args *a)
{
    const gl_tensor *lp = in[0], *tg = in[1];
    row_layout l = rows_of(lp);
    const char *base = gl_data_ptr(lp);
    gl_dtype dt = lp->dtype;
    if (a->reduction == GL_REDUCTION_NONE) {
        gl_tensor *o = gl_new(tg->shape, tg->ndim, dt); /* (N) or () */
        if (!o)
            return NULL;
        for (int64_t i = 0; i < l.rows; i++)
            gl_store(gl_base(o), dt, i,
                     -gl_load(base, dt, i * l.rs + target_at(tg, i) * l.cs));
        return o;
    }
    double s = 0;
    for (int64_t i = 0; i < l.rows; i++)
        s -= gl_load(base, dt, i * l.rs + target_at(tg, i) * l.cs);
    if (a->reduction == GL_REDUCTION_MEAN)
        s /= (double)l.rows;
    return gl_scalar(s, dt);
}

/* d lp[i, target[i]] = -g[i] (/N for mean); zero elsewhere. No gradient
 * for the int64 target. */
static int nll_loss_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    if (!n->needs[0])
        return 0;
    const gl_meta *m = &n->in_meta[0];
    const gl_tensor *tg = GL_IN(n, 1);
    gl_tensor *d = gl_zeros(m->shape, m->ndim, m->dtype);
    if (!d)
        return -1;
    int64_t rows = m->ndim == 2 ? m->shape[0] : 1, classes = m->shape[m->ndim - 1];
    double k = -1;
    if (n->args.reduction != GL_REDUCTION_NONE) {
        k *= scalar_of(gout);
        if (n->args.reduction == GL_REDUCTION_MEAN)
            k /= (double)rows;
    }
    for (int64_t i = 0; i < rows; i++) {
        double gi = k;
        if (n->args.reduction == GL_REDUCTION_NONE)
            gi *= gl_load(gl_base(gout), gout->dtype,
                          gout->offset + (gout->ndim == 1 ? i * gout->stride[0] : 0));
        gl_store(gl_base(d), d->dtype, i * classes + target_at(tg, i), gi);
    }
    gin[0] = d;
    return 0;
}

const gl_op_def gl_def_nll_loss = {GL_OP_NLL_LOSS, "nll_loss", 2, GL_SAVE_INPUTS,
                                   nll_loss_forward, nll_loss_backward};

/* Per row of contiguous x: lse = log(sum(exp(x))), stable. */
#define DEFINE_LSE(T, EXP)                                                                     \
    static double lse_##T(const T *x, int64_t c)                                               \
    {                                                                                          \
        T m = -INFINITY;                                                                       \
        for (int64_t j = 0; j < c; j++)                                                        \
            m = x[j] > m ? x[j] : m;                                                           \
        double s = 0;                                                                          \
        for (int64_t j = 0; j < c; j++)                                                        \
            s += EXP(x[j] - m);                                                                \
        return (double)m + log(s);                                                             \
    }
DEFINE_LSE(float, expf)
DEFINE_LSE(double, exp)

/* x (N,C) or (C) logits, t probabilities of the same shape and dtype ->
 * (N) or (): -sum_j t_j log_softmax(x)_j = sum_j t_j (lse - x_j). */
#define DEFINE_SOFT_CE(T)                                                                      \
    static void soft_ce_fwd_##T(const T *x, const T *t, T *o, int64_t rows, int64_t c)         \
    {                                                                                          \
        for (int64_t i = 0; i < rows; i++, x += c, t += c) {                                   \
            double lse = lse_##T(x, c), s = 0;                                                 \
            for (int64_t j = 0; j < c; j++)                                                    \
                s += (double)t[j] * (lse - (double)x[j]);                                      \
            o[i] = (T)s;                                                                       \
        }                                                                                      \
    }                                                                                          \
    /* dx_j = g (softmax_j * sum(t) - t_j); dt_j = g (lse - x_j) */                            \
    static void soft_ce_bwd_##T(const T *x, const T *t, const T *g, T *dx, T *dt, int64_t rows, \
                                int64_t c)                                                     \
    {                                                                                          \
        for (int64_t i = 0; i < rows; i++, x += c, t += c) {                                   \
            double lse = lse_##T(x, c), st = 0, gi = g[i];                                     \
            for (int64_t j = 0; j < c; j++)                                                    \
                st += t[j];                                                                    \
            if (dx)                                                                            \
                for (int64_t j = 0; j < c; j++)                                                \
                    dx[i * c + j] = (T)(gi * (exp((double)x[j] - lse) * st - (double)t[j]));   \
            if (dt)                                                                            \
                for (int64_t j = 0; j < c; j++)                                                \
                    dt[i * c + j] = (T)(gi * (lse - (double)x[j]));                            \
        }                                                                                      \
    }
DEFINE_SOFT_CE(float)
DEFINE_SOFT_CE(double)

static gl_tensor *soft_cross_entropy_forward(gl_tensor *const in[], const gl_op_args *a)
{
    (void)a;
    gl_tensor *x = plain_contiguous(in[0]), *t = x ? plain_contiguous(in[1]) : NULL;
    int nd = in[0]->ndim - 1;
    gl_tensor *o = t ? gl_new(in[0]->shape, nd, in[0]->dtype) : NULL;
    if (o) {
        int64_t rows = gl_shape_numel(x->shape, nd), c = x->shape[nd];
        if (o->dtype == GL_FLOAT32)
            soft_ce_fwd_float(gl_data_ptr(x), gl_data_ptr(t), gl_data_ptr(o), rows, c);
        else
            soft_ce_fwd_double(gl_data_ptr(x), gl_data_ptr(t), gl_data_ptr(o), rows, c);
    }
    gl_release(x);
    gl_release(t);
    return o;
}

static int soft_cross_entropy_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    const gl_tensor *x0 = GL_IN(n, 0);
    gl_dtype dt = x0->dtype;
    gl_tensor *x = plain_contiguous(x0), *t = plain_contiguous(GL_IN(n, 1));
    gl_tensor *g = gout->dtype == dt ? plain_contiguous(gout) : gl_to_dtype(gout, dt);
    int rc = x && t && g ? 0 : -1;
    for (int i = 0; i < 2 && rc == 0; i++)
        if (n->needs[i] && !(gin[i] = gl_new(x0->shape, x0->ndim, dt)))
            rc = -1;
    if (rc == 0) {
        int nd = x0->ndim - 1;
        int64_t rows = gl_shape_numel(x0->shape, nd), c = x0->shape[nd];
        if (dt == GL_FLOAT32)
            soft_ce_bwd_float(gl_data_ptr(x), gl_data_ptr(t), gl_data_ptr(g),
                              gin[0] ? gl_data_ptr(gin[0]) : NULL,
                              gin[1] ? gl_data_ptr(gin[1]) : NULL, rows, c);
        else
            soft_ce_bwd_double(gl_data_ptr(x), gl_data_ptr(t), gl_data_ptr(g),
                               gin[0] ? gl_data_ptr(gin[0]) : NULL,
                               gin[1] ? gl_data_ptr(gin[1]) : NULL, rows, c);
    }
    gl_release(x);
    gl_release(t);
    gl_release(g);
    return rc;
}

const gl_op_def gl_def_soft_cross_entropy = {GL_OP_SOFT_CROSS_ENTROPY, "soft_cross_entropy", 2,
                                             GL_SAVE_INPUTS, soft_cross_entropy_forward,
                                             soft_cross_entropy_backward};

/* int64 class indices: log_softmax over classes, then nll_loss. */
static gl_tensor *cross_entropy_indices(const gl_tensor *logits, const gl_tensor *target,
                                        gl_reduction r)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF], b3[GL_SHAPE_BUF];
    row_layout l = rows_of(logits);
    if (target->ndim != logits->ndim - 1 || (target->ndim == 1 && target->shape[0] != l.rows))
        return gl_fail("cross_entropy: logits %s and int64 target %s: class-index targets need "
                       "shape %s",
                       gl_tshape(logits, b1), gl_tshape(target, b2),
                       gl_shape_str(logits->shape, logits->ndim - 1, b3, sizeof b3));
    for (int64_t i = 0; i < l.rows; i++) {
        int64_t v = target_at(target, i);
        if (v < 0 || v >= l.classes)
            return gl_fail("cross_entropy: target %lld is out of range for %lld classes "
                           "(expected 0 <= target < %lld)",
                           (long long)v, (long long)l.classes, (long long)l.classes);
    }
    gl_tensor *lp = gl_log_softmax(logits, -1);
    if (!lp)
        return NULL;
    gl_tensor *out = gl_apply(GL_OP_NLL_LOSS, (gl_tensor *const[]){lp, (gl_tensor *)target}, 2,
                              &(gl_op_args){.reduction = r});
    gl_release(lp);
    return out;
}

/* float probabilities (or one-hot rows) of the logits' shape. */
static gl_tensor *cross_entropy_soft(const gl_tensor *logits, const gl_tensor *target,
                                     gl_reduction r)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (!gl_same_shape(logits->shape, logits->ndim, target->shape, target->ndim))
        return gl_fail("cross_entropy: logits %s and %s target %s: probability targets need "
                       "the logits' shape",
                       gl_tshape(logits, b1), gl_dtype_name(target->dtype), gl_tshape(target, b2));
    gl_tensor *x = (gl_tensor *)logits, *t = (gl_tensor *)target, *tmp[2] = {NULL, NULL};
    gl_tensor *rows = NULL, *out = NULL;
    if (promote_pair("cross_entropy", "logits", "target", &x, &t, tmp) == 0)
        rows = gl_apply(GL_OP_SOFT_CROSS_ENTROPY, (gl_tensor *const[]){x, t}, 2, NULL);
    gl_release(tmp[0]);
    gl_release(tmp[1]);
    if (!rows || r == GL_REDUCTION_NONE)
        return rows;
    out = r == GL_REDUCTION_MEAN ? gl_mean(rows, GL_ALL_DIMS, false)
                                 : gl_sum(rows, GL_ALL_DIMS, false);
    gl_release(rows);
    return out;
}

gl_tensor *gl_cross_entropy(const gl_tensor *logits, const gl_tensor *target, gl_reduction r)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (check_reduction("cross_entropy", r) != 0)
        return NULL;
    if (!gl_is_floating(logits->dtype))
        return gl_fail("cross_entropy: logits %s of %s: expected float32 or float64 logits",
                       gl_tshape(logits, b1), gl_dtype_name(logits->dtype));
    if (logits->ndim != 1 && logits->ndim != 2)
        return gl_fail("cross_entropy: logits %s: expected shape (N,C) or (C)",
                       gl_tshape(logits, b1));
    if (target->dtype == GL_INT64)
        return cross_entropy_indices(logits, target, r);
    if (gl_is_floating(target->dtype))
        return cross_entropy_soft(logits, target, r);
    return gl_fail("cross_entropy: target %s of %s: expected int64 class indices or float "
                   "probabilities",
                   gl_tshape(target, b2), gl_dtype_name(target->dtype));
}

/* =============================================================== one_hot */

gl_tensor *gl_one_hot(const gl_tensor *labels, int64_t nclasses)
{
    char b[GL_SHAPE_BUF];
    if (labels->dtype != GL_INT64)
        return gl_fail("one_hot: labels %s of %s: expected int64 class indices",
                       gl_tshape(labels, b), gl_dtype_name(labels->dtype));
    if (nclasses < -1)
        return gl_fail("one_hot: nclasses must be >= 0, or -1 for the largest label + 1; got %lld",
                       (long long)nclasses);
    if (labels->ndim >= GL_MAX_DIMS)
        return gl_fail("one_hot: labels %s already have the maximum of %d dims",
                       gl_tshape(labels, b), GL_MAX_DIMS);
    gl_tensor *lc = plain_contiguous(labels);
    if (!lc)
        return NULL;
    const int64_t *v = gl_data_ptr(lc);
    int64_t n = gl_numel(lc);
    if (nclasses == -1) {
        if (n == 0) {
            gl_release(lc);
            return gl_fail("one_hot: can't infer the number of classes from empty labels %s "
                           "(pass nclasses)",
                           gl_tshape(labels, b));
        }
        int64_t mx = v[0];
        for (int64_t i = 1; i < n; i++)
            mx = v[i] > mx ? v[i] : mx;
        nclasses = mx < 0 ? 0 : mx + 1;
    }
    for (int64_t i = 0; i < n; i++)
        if (v[i] < 0 || v[i] >= nclasses) {
            int64_t bad = v[i];
            gl_release(lc);
            return gl_fail("one_hot: label %lld is out of range for %lld classes (expected 0 <= "
                           "label < %lld)",
                           (long long)bad, (long long)nclasses, (long long)nclasses);
        }
    int64_t shape[GL_MAX_DIMS];
    memcpy(shape, labels->shape, sizeof(int64_t) * (size_t)labels->ndim);
    shape[labels->ndim] = nclasses;
    gl_tensor *out = gl_zeros(shape, labels->ndim + 1, GL_FLOAT32);
    if (out) {
        float *o = gl_data_ptr(out);
        for (int64_t i = 0; i < n; i++)
            o[i * nclasses + v[i]] = 1;
    }
    gl_release(lc);
    return out;
}
