/* optim.c — the update steps of torch.optim.SGD and torch.optim.Adam
 * (PyTorch 1.13, single-tensor path, no amsgrad, no maximize), one pass over
 * each parameter.
 *
 * The arithmetic follows torch's sequence of tensor ops element by element,
 * in the parameter's dtype with each hyperparameter rounded to it, so float32
 * results match torch's to the last bits (torch's vectorized kernels may fuse
 * a multiply-add where we round twice). The step is not recorded in the graph
 * and runs in grad mode too: p is a leaf that requires grad, and changing it
 * in place is the point. p's version is bumped, as are the state tensors'.
 */
#include "internal.h"

/* ------------------------------------------------------------ arguments */

static int check_param(const char *op, const gl_tensor *p, const gl_tensor *grad)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (!gl_is_floating(p->dtype))
        return gl_fail_status("%s: the parameter is %s; only float32 and float64 parameters can "
                              "be optimized",
                              op, gl_dtype_name(p->dtype));
    if (!grad)
        return gl_fail_status("%s: the parameter of shape %s has no gradient (run backward first)",
                              op, gl_tshape(p, b1));
    if (!gl_same_shape(grad->shape, grad->ndim, p->shape, p->ndim))
        return gl_fail_status("%s: the gradient has shape %s but the parameter has shape %s", op,
                              gl_tshape(grad, b1), gl_tshape(p, b2));
    if (grad->dtype != p->dtype)
        return gl_fail_status("%s: the gradient is %s but the parameter is %s", op,
                              gl_dtype_name(grad->dtype), gl_dtype_name(p->dtype));
    for (int i = 0; i < p->ndim; i++)
        if (p->shape[i] > 1 && p->stride[i] == 0)
            return gl_fail_status("%s: the parameter of shape %s is an expanded view: several of "
                                  "its elements share one memory location (dim %d has stride 0)",
                                  op, gl_tshape(p, b1), i);
    return 0;
}

/* A state tensor (momentum buffer, moments): p's shape and dtype, contiguous. */
static int check_state(const char *op, const char *name, const gl_tensor *p, const gl_tensor *s)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (!s)
        return gl_fail_status("%s: %s is missing (make it with gl_zeros like the parameter)", op,
                              name);
    if (!gl_same_shape(s->shape, s->ndim, p->shape, p->ndim))
        return gl_fail_status("%s: %s has shape %s but the parameter has shape %s", op, name,
                              gl_tshape(s, b1), gl_tshape(p, b2));
    if (s->dtype != p->dtype)
        return gl_fail_status("%s: %s is %s but the parameter is %s", op, name,
                              gl_dtype_name(s->dtype), gl_dtype_name(p->dtype));
    if (!gl_is_contiguous(s))
        return gl_fail_status("%s: %s of shape %s must be contiguous", op, name, gl_tshape(s, b1));
    return 0;
}

/* Operands: 0 p, 1 grad (any strides), 2 the contiguous state tensors (all
 * of p's shape, so one offset serves them all). A contiguous p and grad make
 * one run of stride 1. */
static void iter_param(gl_iter *it, const gl_tensor *p, const gl_tensor *grad)
{
    int64_t strides[3][GL_MAX_DIMS];
    memcpy(strides[0], p->stride, sizeof strides[0]);
    memcpy(strides[1], grad->stride, sizeof strides[1]);
    gl_contiguous_strides(p->shape, p->ndim, strides[2]);
    gl_iter_init(it, 3, p->shape, p->ndim, strides);
}

/* ------------------------------------------------------------------ SGD */

typedef struct {
    void *p, *buf;
    const void *g;
    double lr, momentum, dampening, weight_decay;
    bool nesterov, first;
} sgd_ctx;

/* torch.optim.SGD on one element:
 *   d = g + weight_decay * p                    (if weight_decay != 0)
 *   b = d on the first step, else b = momentum * b + (1 - dampening) * d
 *   d = d + momentum * b if nesterov, else d = b    (if momentum != 0)
 *   p = p - lr * d
 * _one steps element k (strides sp, sg; the buffer is contiguous). A
 * contiguous run goes in blocks of 8 read into locals first, which gcc 12 at
 * -O2 vectorizes with no alias checks; the flags are constants where the
 * block loop is inlined, so each combination gets its own branch-free loop. */
#define SGD_KERNEL(NAME, T)                                                                  \
    static inline __attribute__((always_inline)) void NAME##_one(                            \
        T *pk, T g, T *bk, const sgd_ctx *c, bool wd, bool mom, bool first, bool nesterov)    \
    {                                                                                        \
        const T lr = (T)-c->lr, w = (T)c->weight_decay, m = (T)c->momentum;                  \
        const T damp = (T)(1 - c->dampening);                                                \
        T d = g;                                                                             \
        if (wd)                                                                              \
            d = d + w * *pk;                                                                 \
        if (mom) {                                                                           \
            T b = first ? d : *bk * m + damp * d;                                            \
            *bk = b;                                                                         \
            d = nesterov ? d + m * b : b;                                                    \
        }                                                                                    \
        *pk = *pk + lr * d;                                                                  \
    }                                                                                        \
    static inline __attribute__((always_inline)) void NAME##_block(                          \
        T *p, const T *g, T *b, int64_t n, const sgd_ctx *c, bool wd, bool mom, bool first,  \
        bool nesterov)                                                                       \
    {                                                                                        \
        int64_t k = 0;                                                                       \
        for (; k + 8 <= n; k += 8) {                                                         \
            T pv[8], gv[8], bv[8];                                                           \
            for (int j = 0; j < 8; j++) {                                                    \
                pv[j] = p[k + j];                                                            \
                gv[j] = g[k + j];                                                            \
                bv[j] = mom && !first ? b[k + j] : 0;                                        \
            }                                                                                \
            for (int j = 0; j < 8; j++)                                                      \
                NAME##_one(&pv[j], gv[j], &bv[j], c, wd, mom, first, nesterov);              \
            for (int j = 0; j < 8; j++) {                                                    \
                p[k + j] = pv[j];                                                            \
                if (mom)                                                                     \
                    b[k + j] = bv[j];                                                        \
            }                                                                                \
        }                                                                                    \
        for (; k < n; k++)                                                                   \
            NAME##_one(p + k, g[k], mom ? b + k : NULL, c, wd, mom, first, nesterov);        \
    }                                                                                        \
    static void NAME##_run(int64_t n, const int64_t *off, const int64_t *st, void *vctx)     \
    {                                                                                        \
        const sgd_ctx *c = vctx;                                                             \
        T *p = (T *)c->p + off[0];                                                           \
        const T *g = (const T *)c->g + off[1];                                               \
        T *b = c->buf ? (T *)c->buf + off[2] : NULL;                                         \
        bool wd = c->weight_decay != 0, mom = c->momentum != 0;                              \
        bool first = mom && c->first, nest = mom && c->nesterov;                             \
        if (st[0] != 1 || st[1] != 1 || st[2] != 1) {                                        \
            for (int64_t k = 0; k < n; k++)                                                  \
                NAME##_one(p + k * st[0], g[k * st[1]], mom ? b + k * st[2] : NULL, c, wd,   \
                           mom, first, nest);                                                \
            return;                                                                          \
        }                                                                                    \
        switch (wd | mom << 1 | first << 2 | nest << 3) {                                    \
        case 0: NAME##_block(p, g, b, n, c, 0, 0, 0, 0); break;                              \
        case 1: NAME##_block(p, g, b, n, c, 1, 0, 0, 0); break;                              \
        case 2: NAME##_block(p, g, b, n, c, 0, 1, 0, 0); break;                              \
        case 3: NAME##_block(p, g, b, n, c, 1, 1, 0, 0); break;                              \
        case 6: NAME##_block(p, g, b, n, c, 0, 1, 1, 0); break;                              \
        case 7: NAME##_block(p, g, b, n, c, 1, 1, 1, 0); break;                              \
        case 10: NAME##_block(p, g, b, n, c, 0, 1, 0, 1); break;                             \
        case 11: NAME##_block(p, g, b, n, c, 1, 1, 0, 1); break;                             \
        case 14: NAME##_block(p, g, b, n, c, 0, 1, 1, 1); break;                             \
        default: NAME##_block(p, g, b, n, c, 1, 1, 1, 1); break;                             \
        }                                                                                    \
    }
SGD_KERNEL(sgd_f32, float)
SGD_KERNEL(sgd_f64, double)

int gl_sgd_step(gl_tensor *p, const gl_tensor *grad, gl_tensor *momentum_buf, double lr,
                double momentum, double dampening, double weight_decay, bool nesterov,
                bool first_step)
{
    const char *op = "sgd_step";
    if (!(lr >= 0))
        return gl_fail_status("%s: invalid learning rate %g (it must be >= 0)", op, lr);
    if (!(momentum >= 0))
        return gl_fail_status("%s: invalid momentum value %g (it must be >= 0)", op, momentum);
    if (!(weight_decay >= 0))
        return gl_fail_status("%s: invalid weight_decay value %g (it must be >= 0)", op,
                              weight_decay);
    if (nesterov && (momentum <= 0 || dampening != 0))
        return gl_fail_status("%s: Nesterov momentum requires a momentum and zero dampening "
                              "(momentum %g, dampening %g)",
                              op, momentum, dampening);
    if (check_param(op, p, grad) != 0)
        return -1;
    if (momentum != 0 && check_state(op, "momentum_buf", p, momentum_buf) != 0)
        return -1;
    sgd_ctx c = {gl_data_ptr(p), momentum != 0 ? gl_data_ptr(momentum_buf) : NULL,
                 gl_data_ptr(grad), lr, momentum, dampening, weight_decay, nesterov, first_step};
    gl_iter it;
    iter_param(&it, p, grad);
    gl_iter_run(&it, p->dtype == GL_FLOAT32 ? sgd_f32_run : sgd_f64_run, &c);
    gl_bump_version(p);
    if (momentum != 0)
        gl_bump_version(momentum_buf);
    return 0;
}

/* ----------------------------------------------------------------- Adam */

typedef struct {
    void *p, *m, *v;
    const void *g;
    double beta1, beta2, eps, weight_decay;
    double step_size;  /* lr / bias_correction1 */
    double bc2_sqrt;   /* sqrt(bias_correction2) */
} adam_ctx;

/* torch.optim.Adam (1.13, _single_tensor_adam) on one element:
 *   g = g + weight_decay * p                        (if weight_decay != 0)
 *   m = m * beta1 + (1 - beta1) * g                 (exp_avg.mul_(beta1).add_(g, alpha=1-beta1))
 *   v = v * beta2 + (1 - beta2) * g * g             (exp_avg_sq.mul_(beta2).addcmul_(g, g, 1-beta2))
 *   denom = sqrt(v) / sqrt(bias_correction2) + eps  (eps after the bias-corrected sqrt)
 *   p = p + (-step_size * m) / denom                (param.addcdiv_(m, denom, value=-step_size))
 * with bias_correction_i = 1 - beta_i^step and step_size = lr / bias_correction1.
 * Blocks of 8 as for SGD (sqrt keeps gcc from vectorizing all of it unless
 * -fno-math-errno). */
#define ADAM_KERNEL(NAME, T, SQRT)                                                           \
    static inline __attribute__((always_inline)) void NAME##_one(T *pk, T g, T *mk, T *vk,   \
                                                                 const adam_ctx *c, bool wd) \
    {                                                                                        \
        const T b1 = (T)c->beta1, b2 = (T)c->beta2, a1 = (T)(1 - c->beta1);                  \
        const T a2 = (T)(1 - c->beta2), w = (T)c->weight_decay, eps = (T)c->eps;             \
        const T bc2s = (T)c->bc2_sqrt, step = (T)-c->step_size;                              \
        if (wd)                                                                              \
            g = g + w * *pk;                                                                 \
        T m = *mk * b1 + a1 * g;                                                             \
        T v = *vk * b2 + a2 * g * g;                                                         \
        *mk = m;                                                                             \
        *vk = v;                                                                             \
        T denom = SQRT(v) / bc2s + eps;                                                      \
        *pk = *pk + step * m / denom;                                                        \
    }                                                                                        \
    static inline __attribute__((always_inline)) void NAME##_block(                          \
        T *p, const T *g, T *m, T *v, int64_t n, const adam_ctx *c, bool wd)                 \
    {                                                                                        \
        int64_t k = 0;                                                                       \
        for (; k + 8 <= n; k += 8) {                                                         \
            T pv[8], gv[8], mv[8], vv[8];                                                    \
            for (int j = 0; j < 8; j++) {                                                    \
                pv[j] = p[k + j];                                                            \
                gv[j] = g[k + j];                                                            \
                mv[j] = m[k + j];                                                            \
                vv[j] = v[k + j];                                                            \
            }                                                                                \
            for (int j = 0; j < 8; j++)                                                      \
                NAME##_one(&pv[j], gv[j], &mv[j], &vv[j], c, wd);                            \
            for (int j = 0; j < 8; j++) {                                                    \
                p[k + j] = pv[j];                                                            \
                m[k + j] = mv[j];                                                            \
                v[k + j] = vv[j];                                                            \
            }                                                                                \
        }                                                                                    \
        for (; k < n; k++)                                                                   \
            NAME##_one(p + k, g[k], m + k, v + k, c, wd);                                    \
    }                                                                                        \
    static void NAME##_run(int64_t n, const int64_t *off, const int64_t *st, void *vctx)     \
    {                                                                                        \
        const adam_ctx *c = vctx;                                                            \
        T *p = (T *)c->p + off[0], *m = (T *)c->m + off[2], *v = (T *)c->v + off[2];         \
        const T *g = (const T *)c->g + off[1];                                               \
        bool wd = c->weight_decay != 0;                                                      \
        if (st[0] != 1 || st[1] != 1 || st[2] != 1) {                                        \
            for (int64_t k = 0; k < n; k++)                                                  \
                NAME##_one(p + k * st[0], g[k * st[1]], m + k * st[2], v + k * st[2], c, wd); \
        } else if (wd) {                                                                     \
            NAME##_block(p, g, m, v, n, c, true);                                            \
        } else {                                                                             \
            NAME##_block(p, g, m, v, n, c, false);                                           \
        }                                                                                    \
    }
ADAM_KERNEL(adam_f32, float, sqrtf)
ADAM_KERNEL(adam_f64, double, sqrt)

int gl_adam_step(gl_tensor *p, const gl_tensor *grad, gl_tensor *exp_avg, gl_tensor *exp_avg_sq,
                 int64_t step, double lr, double beta1, double beta2, double eps,
                 double weight_decay)
{
    const char *op = "adam_step";
    if (!(lr >= 0))
        return gl_fail_status("%s: invalid learning rate %g (it must be >= 0)", op, lr);
    if (!(eps >= 0))
        return gl_fail_status("%s: invalid epsilon value %g (it must be >= 0)", op, eps);
    if (!(beta1 >= 0 && beta1 < 1))
        return gl_fail_status("%s: invalid beta parameter at index 0: %g (it must be in [0, 1))",
                              op, beta1);
    if (!(beta2 >= 0 && beta2 < 1))
        return gl_fail_status("%s: invalid beta parameter at index 1: %g (it must be in [0, 1))",
                              op, beta2);
    if (!(weight_decay >= 0))
        return gl_fail_status("%s: invalid weight_decay value %g (it must be >= 0)", op,
                              weight_decay);
    if (step < 1)
        return gl_fail_status("%s: step counts from 1, got %lld", op, (long long)step);
    if (check_param(op, p, grad) != 0 || check_state(op, "exp_avg", p, exp_avg) != 0 ||
        check_state(op, "exp_avg_sq", p, exp_avg_sq) != 0)
        return -1;
    double bc1 = 1 - pow(beta1, (double)step), bc2 = 1 - pow(beta2, (double)step);
    adam_ctx c = {gl_data_ptr(p), gl_data_ptr(exp_avg), gl_data_ptr(exp_avg_sq), gl_data_ptr(grad),
                  beta1, beta2, eps, weight_decay, lr / bc1, sqrt(bc2)};
    gl_iter it;
    iter_param(&it, p, grad);
    gl_iter_run(&it, p->dtype == GL_FLOAT32 ? adam_f32_run : adam_f64_run, &c);
    gl_bump_version(p);
    gl_bump_version(exp_avg);
    gl_bump_version(exp_avg_sq);
    return 0;
}
