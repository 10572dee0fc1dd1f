/* test_loss.c — mse_loss, bce_loss, cross_entropy (class indices and
 * probabilities), one_hot: values against hand-computed ones (the seed's
 * scenario 1 among them), every reduction against finite differences, the
 * broadcast-warning hook, exact error texts. */
#include "test.h"

/* (shape, ndim) in the order gl_zeros/gl_ones/gl_rand take them */
#define DIMS(...) \
    (int64_t[]){__VA_ARGS__}, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

static void release_all(gl_tensor **ts, int n)
{
    for (int i = 0; i < n; i++)
        gl_release(ts[i]);
}

static const gl_reduction reductions[3] = {GL_REDUCTION_MEAN, GL_REDUCTION_SUM, GL_REDUCTION_NONE};

/* A float64 leaf requiring grad, uniform in [lo, hi). */
static gl_tensor *uniform(int ndim, const int64_t *shape, double lo, double hi)
{
    gl_tensor *t = gl_rand(shape, ndim, GL_FLOAT64);
    double *v = gl_data_ptr(t);
    for (int64_t i = 0; i < gl_numel(t); i++)
        v[i] = lo + (hi - lo) * v[i];
    gl_requires_grad_(t, true);
    return t;
}

typedef gl_tensor *(*loss_fn)(const gl_tensor *, const gl_tensor *, gl_reduction);
typedef struct {
    loss_fn f;
    gl_reduction r;
    bool transpose_input; /* feed in[0] transposed (a non-contiguous input) */
} loss_ctx;

static gl_tensor *apply_loss(gl_tensor *const *in, void *vctx)
{
    loss_ctx *c = vctx;
    if (!c->transpose_input)
        return c->f(in[0], in[1], c->r);
    gl_tensor *x = gl_transpose(in[0], 0, 1);
    gl_tensor *out = c->f(x, in[1], c->r);
    gl_release(x);
    return out;
}

/* ============================================================== mse_loss */

static void test_mse_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *x = T(dts[k], SHAPE(3), 1, 2, 3), *t = T(dts[k], SHAPE(3), 0, 2, 5);
        gl_tensor *mean = gl_mse_loss(x, t, GL_REDUCTION_MEAN);
        gl_tensor *sum = gl_mse_loss(x, t, GL_REDUCTION_SUM);
        gl_tensor *none = gl_mse_loss(x, t, GL_REDUCTION_NONE);
        assert_values(mean, 1e-7, SCALAR_SHAPE, 5.0 / 3);
        assert_values(sum, 0, SCALAR_SHAPE, 5);
        assert_values(none, 0, SHAPE(3), 1, 0, 4);
        assert_int_equal(gl_dtype_of(mean), dts[k]);
        assert_int_equal(gl_dtype_of(none), dts[k]);
        gl_tensor *all[] = {x, t, mean, sum, none};
        release_all(all, 5);
    }
    /* int64 target with a float input promotes; a strided input */
    gl_tensor *x = T(GL_FLOAT32, SHAPE(2, 2), 1, 2, 3, 4);
    gl_tensor *t = T(GL_INT64, SHAPE(2, 2), 1, 1, 1, 1);
    gl_tensor *xt = gl_transpose(x, 0, 1); /* 1 3 / 2 4 */
    gl_tensor *none = gl_mse_loss(xt, t, GL_REDUCTION_NONE);
    assert_values(none, 0, SHAPE(2, 2), 0, 4, 1, 9);
    assert_int_equal(gl_dtype_of(none), GL_FLOAT32);
    /* empty: mean is NaN (0/0), sum 0, as torch */
    gl_tensor *e = gl_zeros(DIMS(0), GL_FLOAT64);
    gl_tensor *em = gl_mse_loss(e, e, GL_REDUCTION_MEAN), *es = gl_mse_loss(e, e, GL_REDUCTION_SUM);
    assert_values(em, 0, SCALAR_SHAPE, NAN);
    assert_values(es, 0, SCALAR_SHAPE, 0);
    gl_tensor *all[] = {x, t, xt, none, e, em, es};
    release_all(all, 7);
}

typedef struct {
    int calls;
    char op[32];
    int ndim;
    int64_t shape[GL_MAX_DIMS];
    int verdict;
} hook_log;

static int record_hook(void *ud, const char *op, const gl_tensor *a, const gl_tensor *b,
                       const int64_t *out_shape, int out_ndim)
{
    (void)a;
    (void)b;
    hook_log *h = ud;
    h->calls++;
    snprintf(h->op, sizeof h->op, "%s", op);
    h->ndim = out_ndim;
    memcpy(h->shape, out_shape, sizeof(int64_t) * (size_t)out_ndim);
    return h->verdict;
}

/* (N,1) against (N) grows to (N,N): legal, and the hook hears of it once
 * (forward only: the fused backward broadcasts without asking again). */
static void test_mse_broadcast_hook(void **state)
{
    (void)state;
    hook_log h;
    memset(&h, 0, sizeof h);
    gl_set_broadcast_hook(record_hook, &h);
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2, 1), 1, 2), *t = T(GL_FLOAT64, SHAPE(2), 0, 1);
    gl_requires_grad_(x, true);
    gl_tensor *none = gl_mse_loss(x, t, GL_REDUCTION_NONE);
    assert_values(none, 0, SHAPE(2, 2), 1, 0, 4, 1);
    assert_int_equal(h.calls, 1);
    assert_string_equal(h.op, "mse_loss");
    assert_int_equal(h.ndim, 2);
    assert_true(h.shape[0] == 2 && h.shape[1] == 2);
    gl_tensor *mean = gl_mse_loss(x, t, GL_REDUCTION_MEAN);
    assert_values(mean, 0, SCALAR_SHAPE, 1.5);
    assert_int_equal(h.calls, 2);
    assert_int_equal(gl_backward(mean, NULL, false), 0);
    assert_int_equal(h.calls, 2);
    /* d/dx_i = 2/4 * sum_j (x_i - t_j) */
    assert_values(gl_grad(x), 1e-15, SHAPE(2, 1), 0.5 * (1 + 0), 0.5 * (2 + 1));
    /* same shapes and plain broadcasting that does not grow: no call */
    gl_tensor *s = gl_scalar(1, GL_FLOAT64);
    gl_tensor *m2 = gl_mse_loss(t, s, GL_REDUCTION_SUM);
    assert_values(m2, 0, SCALAR_SHAPE, 1);
    assert_int_equal(h.calls, 2);
    /* a hook in "error" mode vetoes */
    h.verdict = 1;
    assert_null(gl_mse_loss(x, t, GL_REDUCTION_MEAN));
    assert_error("mse_loss: broadcast (2,1) and (2) -> (2,2) grows the result beyond both "
                 "operands (broadcast mode is \"error\"); did you mean to reshape one side?");
    gl_set_broadcast_hook(NULL, NULL);
    gl_tensor *all[] = {x, t, none, mean, s, m2};
    release_all(all, 6);
}

static void test_mse_grad(void **state)
{
    (void)state;
    for (int r = 0; r < 3; r++) {
        loss_ctx c = {gl_mse_loss, reductions[r], false};
        gl_tensor *same[2] = {test_randn(GL_FLOAT64, SHAPE(2, 3), true),
                              test_randn(GL_FLOAT64, SHAPE(2, 3), true)};
        assert_gradcheck(apply_loss, same, 2, &c);
        gl_tensor *grow[2] = {test_randn(GL_FLOAT64, SHAPE(3, 1), true),
                              test_randn(GL_FLOAT64, SHAPE(3), true)};
        assert_gradcheck(apply_loss, grow, 2, &c);
        gl_tensor *row[2] = {test_randn(GL_FLOAT64, SHAPE(2, 3), true),
                             test_randn(GL_FLOAT64, SHAPE(3), true)};
        assert_gradcheck(apply_loss, row, 2, &c);
        gl_tensor *sc[2] = {test_randn(GL_FLOAT64, SHAPE(4), true),
                            test_randn(GL_FLOAT64, SCALAR_SHAPE, true)};
        assert_gradcheck(apply_loss, sc, 2, &c);
        /* one side only, and a transposed input */
        gl_requires_grad_(same[1], false);
        assert_gradcheck(apply_loss, same, 2, &c);
        gl_requires_grad_(same[1], true);
        gl_requires_grad_(same[0], false);
        assert_gradcheck(apply_loss, same, 2, &c);
        loss_ctx ct = {gl_mse_loss, reductions[r], true};
        gl_tensor *tr[2] = {test_randn(GL_FLOAT64, SHAPE(3, 2), true),
                            test_randn(GL_FLOAT64, SHAPE(2, 3), true)};
        assert_gradcheck(apply_loss, tr, 2, &ct);
        release_all(same, 2);
        release_all(grow, 2);
        release_all(row, 2);
        release_all(sc, 2);
        release_all(tr, 2);
    }
}

static void test_mse_errors(void **state)
{
    (void)state;
    gl_tensor *a = gl_zeros(DIMS(3), GL_FLOAT32), *b = gl_zeros(DIMS(4), GL_FLOAT32);
    assert_null(gl_mse_loss(a, b, GL_REDUCTION_MEAN));
    assert_error("mse_loss: shapes (3) and (4) cannot be broadcast: sizes 3 and 4 differ in "
                 "dim -1 and neither is 1");
    gl_tensor *i = gl_zeros(DIMS(3), GL_INT64), *j = gl_zeros(DIMS(3), GL_BOOL);
    assert_null(gl_mse_loss(i, j, GL_REDUCTION_SUM));
    assert_error("mse_loss: input (3) of int64 and target (3) of bool: expected floating tensors "
                 "(convert with to_dtype first)");
    assert_null(gl_mse_loss(a, a, (gl_reduction)7));
    assert_error("mse_loss: invalid reduction 7 (expected mean, sum or none)");
    gl_tensor *all[] = {a, b, i, j};
    release_all(all, 4);
}

/* ============================================================== bce_loss */

static void test_bce_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        double tol = dts[k] == GL_FLOAT32 ? 1e-6 : 1e-15;
        gl_tensor *p = T(dts[k], SHAPE(3), 0.5, 0.9, 0.2), *y = T(dts[k], SHAPE(3), 1, 0, 0);
        gl_tensor *none = gl_bce_loss(p, y, GL_REDUCTION_NONE);
        gl_tensor *sum = gl_bce_loss(p, y, GL_REDUCTION_SUM);
        gl_tensor *mean = gl_bce_loss(p, y, GL_REDUCTION_MEAN);
        assert_values(none, tol, SHAPE(3), 0.6931471805599453, 2.3025850929940455,
                      0.2231435513142097);
        assert_values(sum, tol, SCALAR_SHAPE, 3.2188758248682006);
        assert_values(mean, tol, SCALAR_SHAPE, 1.0729586082894003);
        assert_int_equal(gl_dtype_of(mean), dts[k]);
        /* log clamped at -100: certain and wrong costs 100, not inf */
        gl_tensor *pc = T(dts[k], SHAPE(4), 0, 1, 0, 1), *yc = T(dts[k], SHAPE(4), 1, 1, 0, 0);
        gl_tensor *clamped = gl_bce_loss(pc, yc, GL_REDUCTION_NONE);
        assert_values(clamped, 0, SHAPE(4), 100, 0, 0, 100);
        /* a soft target */
        gl_tensor *ps = T(dts[k], SCALAR_SHAPE, 0.6), *ys = T(dts[k], SCALAR_SHAPE, 0.3);
        gl_tensor *soft = gl_bce_loss(ps, ys, GL_REDUCTION_MEAN);
        assert_values(soft, tol, SCALAR_SHAPE, 0.7946511994417057);
        gl_tensor *all[] = {p, y, none, sum, mean, pc, yc, clamped, ps, ys, soft};
        release_all(all, 11);
    }
}

static void test_bce_grad(void **state)
{
    (void)state;
    for (int r = 0; r < 3; r++) {
        loss_ctx c = {gl_bce_loss, reductions[r], false};
        gl_tensor *in[2] = {uniform(SHAPE(2, 3), 0.1, 0.9), uniform(SHAPE(2, 3), 0, 1)};
        assert_gradcheck(apply_loss, in, 2, &c);
        gl_requires_grad_(in[1], false);
        assert_gradcheck(apply_loss, in, 2, &c);
        loss_ctx ct = {gl_bce_loss, reductions[r], true};
        gl_tensor *tr[2] = {uniform(SHAPE(3, 2), 0.1, 0.9), uniform(SHAPE(2, 3), 0, 1)};
        assert_gradcheck(apply_loss, tr, 2, &ct);
        release_all(in, 2);
        release_all(tr, 2);
    }
    /* torch's gradient at p = 0 with target 1: (p - y) / max(p(1-p), 1e-12) */
    gl_tensor *p = T(GL_FLOAT64, SHAPE(1), 0), *y = T(GL_FLOAT64, SHAPE(1), 1);
    gl_requires_grad_(p, true);
    gl_tensor *l = gl_bce_loss(p, y, GL_REDUCTION_SUM);
    assert_int_equal(gl_backward(l, NULL, false), 0);
    assert_values(gl_grad(p), 0, SHAPE(1), -1e12);
    gl_tensor *all[] = {p, y, l};
    release_all(all, 3);
}

static void test_bce_errors(void **state)
{
    (void)state;
    gl_tensor *p = T(GL_FLOAT32, SHAPE(3), 0.5, 1.5, -1), *y = T(GL_FLOAT32, SHAPE(3), 0, 1, 0);
    assert_null(gl_bce_loss(p, y, GL_REDUCTION_MEAN));
    assert_error("bce_loss: input value 1.5 (in a tensor of shape (3)) is outside [0, 1]; "
                 "binary cross-entropy takes probabilities (apply sigmoid first)");
    assert_null(gl_bce_loss(p, y, GL_REDUCTION_NONE));
    assert_error("bce_loss: input value 1.5 (in a tensor of shape (3)) is outside [0, 1]; "
                 "binary cross-entropy takes probabilities (apply sigmoid first)");
    gl_tensor *n = T(GL_FLOAT64, SHAPE(2), 0.5, NAN), *yn = T(GL_FLOAT64, SHAPE(2), 0, 1);
    assert_null(gl_bce_loss(n, yn, GL_REDUCTION_SUM));
    assert_error("bce_loss: input value nan (in a tensor of shape (2)) is outside [0, 1]; "
                 "binary cross-entropy takes probabilities (apply sigmoid first)");
    gl_tensor *p31 = gl_zeros(DIMS(3, 1), GL_FLOAT32);
    assert_null(gl_bce_loss(p31, y, GL_REDUCTION_MEAN));
    assert_error("bce_loss: input (3,1) and target (3): the shapes must be equal");
    gl_tensor *i = gl_zeros(DIMS(3), GL_INT64);
    assert_null(gl_bce_loss(i, i, GL_REDUCTION_MEAN));
    assert_error("bce_loss: input (3) of int64 and target (3) of int64: expected floating "
                 "tensors (convert with to_dtype first)");
    gl_tensor *all[] = {p, y, n, yn, p31, i};
    release_all(all, 6);
}

/* ========================================================= cross_entropy */

/* The seed's scenario 1: softmax + categorical cross-entropy. Logits
 * log([0.1,0.9,0.1,0.1]) and log([0.1,0.1,0.1,0.9]) against class 0 both
 * cost ln 12 (the probabilities of class 0 are equal); the gradient is
 * softmax - one_hot. */
static void test_cross_entropy_seed_scenario(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        double tol = dts[k] == GL_FLOAT32 ? 1e-6 : 1e-14;
        gl_tensor *a = T(dts[k], SHAPE(4), log(0.1), log(0.9), log(0.1), log(0.1));
        gl_tensor *b = T(dts[k], SHAPE(4), log(0.1), log(0.1), log(0.1), log(0.9));
        gl_tensor *t = T(GL_INT64, SCALAR_SHAPE, 0);
        gl_requires_grad_(a, true);
        gl_tensor *la = gl_cross_entropy(a, t, GL_REDUCTION_MEAN);
        gl_tensor *lb = gl_cross_entropy(b, t, GL_REDUCTION_MEAN);
        assert_values(la, tol, SCALAR_SHAPE, 2.484906649788);
        assert_values(lb, tol, SCALAR_SHAPE, 2.484906649788);
        assert_values(la, tol, SCALAR_SHAPE, log(12));
        assert_int_equal(gl_dtype_of(la), dts[k]);
        assert_int_equal(gl_backward(la, NULL, false), 0);
        assert_values(gl_grad(a), tol, SHAPE(4), 0.1 / 1.2 - 1, 0.75, 0.1 / 1.2, 0.1 / 1.2);
        assert_values(gl_grad(a), 1e-5, SHAPE(4), -0.91667, 0.75, 0.08333, 0.08333);
        /* the same as a batch of one: (1,4) with (1) */
        gl_tensor *a2 = T(dts[k], SHAPE(1, 4), log(0.1), log(0.9), log(0.1), log(0.1));
        gl_tensor *t2 = T(GL_INT64, SHAPE(1), 0);
        gl_requires_grad_(a2, true);
        gl_tensor *l2 = gl_cross_entropy(a2, t2, GL_REDUCTION_MEAN);
        assert_values(l2, tol, SCALAR_SHAPE, log(12));
        assert_int_equal(gl_backward(l2, NULL, false), 0);
        assert_values(gl_grad(a2), tol, SHAPE(1, 4), 0.1 / 1.2 - 1, 0.75, 0.1 / 1.2, 0.1 / 1.2);
        gl_tensor *all[] = {a, b, t, la, lb, a2, t2, l2};
        release_all(all, 8);
    }
}

static void test_cross_entropy_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        double tol = dts[k] == GL_FLOAT32 ? 1e-6 : 1e-14;
        gl_tensor *x = T(dts[k], SHAPE(2, 3), 1, 2, 3, 1, 1, 1);
        gl_tensor *t = T(GL_INT64, SHAPE(2), 2, 0);
        gl_tensor *none = gl_cross_entropy(x, t, GL_REDUCTION_NONE);
        gl_tensor *sum = gl_cross_entropy(x, t, GL_REDUCTION_SUM);
        gl_tensor *mean = gl_cross_entropy(x, t, GL_REDUCTION_MEAN);
        assert_values(none, tol, SHAPE(2), 0.40760596444438013, 1.0986122886681098);
        assert_values(sum, tol, SCALAR_SHAPE, 1.50621825311249);
        assert_values(mean, tol, SCALAR_SHAPE, 0.753109126556245);
        /* probabilities: row 0 soft, row 1 one-hot (the same as index 0) */
        gl_tensor *p = T(dts[k], SHAPE(2, 3), 0.2, 0.3, 0.5, 1, 0, 0);
        gl_tensor *snone = gl_cross_entropy(x, p, GL_REDUCTION_NONE);
        gl_tensor *ssum = gl_cross_entropy(x, p, GL_REDUCTION_SUM);
        gl_tensor *smean = gl_cross_entropy(x, p, GL_REDUCTION_MEAN);
        assert_values(snone, tol, SHAPE(2), 1.10760596444438, 1.0986122886681098);
        assert_values(ssum, tol, SCALAR_SHAPE, 2.20621825311249);
        assert_values(smean, tol, SCALAR_SHAPE, 1.103109126556245);
        assert_int_equal(gl_dtype_of(smean), dts[k]);
        /* one-hot targets give the class-index loss */
        gl_tensor *oh = gl_one_hot(t, 3);
        gl_tensor *ohd = gl_to_dtype(oh, dts[k]);
        gl_tensor *lo = gl_cross_entropy(x, ohd, GL_REDUCTION_NONE);
        assert_values(lo, tol, SHAPE(2), 0.40760596444438013, 1.0986122886681098);
        /* large logits stay finite */
        gl_tensor *big = T(dts[k], SHAPE(1, 2), 1000, 0), *t0 = T(GL_INT64, SHAPE(1), 1);
        gl_tensor *lbig = gl_cross_entropy(big, t0, GL_REDUCTION_MEAN);
        assert_values(lbig, 1e-6, SCALAR_SHAPE, 1000);
        gl_tensor *all[] = {x, t, none, sum, mean, p, snone, ssum,
                            smean, oh, ohd, lo, big, t0, lbig};
        release_all(all, 15);
    }
}

static void test_cross_entropy_grad(void **state)
{
    (void)state;
    for (int r = 0; r < 3; r++) {
        loss_ctx c = {gl_cross_entropy, reductions[r], false};
        /* class indices: (N,C) with (N), and (C) with () */
        gl_tensor *in[2] = {test_randn(GL_FLOAT64, SHAPE(4, 3), true),
                            T(GL_INT64, SHAPE(4), 2, 0, 1, 2)};
        assert_gradcheck(apply_loss, in, 2, &c);
        gl_tensor *in1[2] = {test_randn(GL_FLOAT64, SHAPE(5), true), T(GL_INT64, SCALAR_SHAPE, 3)};
        assert_gradcheck(apply_loss, in1, 2, &c);
        /* transposed logits (a non-contiguous input to log_softmax) */
        loss_ctx ct = {gl_cross_entropy, reductions[r], true};
        gl_tensor *tr[2] = {test_randn(GL_FLOAT64, SHAPE(3, 4), true),
                            T(GL_INT64, SHAPE(4), 0, 0, 2, 1)};
        assert_gradcheck(apply_loss, tr, 2, &ct);
        /* probabilities, both sides requiring grad */
        gl_tensor *sp[2] = {test_randn(GL_FLOAT64, SHAPE(3, 4), true),
                            uniform(SHAPE(3, 4), 0, 1)};
        assert_gradcheck(apply_loss, sp, 2, &c);
        gl_tensor *sp1[2] = {test_randn(GL_FLOAT64, SHAPE(4), true), uniform(SHAPE(4), 0, 1)};
        assert_gradcheck(apply_loss, sp1, 2, &c);
        gl_requires_grad_(sp[1], false);
        assert_gradcheck(apply_loss, sp, 2, &c);
        gl_tensor *spt[2] = {test_randn(GL_FLOAT64, SHAPE(4, 3), true), uniform(SHAPE(3, 4), 0, 1)};
        assert_gradcheck(apply_loss, spt, 2, &ct);
        release_all(in, 2);
        release_all(in1, 2);
        release_all(tr, 2);
        release_all(sp, 2);
        release_all(sp1, 2);
        release_all(spt, 2);
    }
}

static void test_cross_entropy_errors(void **state)
{
    (void)state;
    gl_tensor *x = gl_zeros(DIMS(2, 4), GL_FLOAT32);
    gl_tensor *t = T(GL_INT64, SHAPE(2), 1, 4), *tn = T(GL_INT64, SHAPE(2), -1, 0);
    assert_null(gl_cross_entropy(x, t, GL_REDUCTION_MEAN));
    assert_error("cross_entropy: target 4 is out of range for 4 classes (expected 0 <= target "
                 "< 4)");
    assert_null(gl_cross_entropy(x, tn, GL_REDUCTION_NONE));
    assert_error("cross_entropy: target -1 is out of range for 4 classes (expected 0 <= target "
                 "< 4)");
    gl_tensor *t3 = gl_zeros(DIMS(3), GL_INT64), *t21 = gl_zeros(DIMS(2, 1), GL_INT64);
    assert_null(gl_cross_entropy(x, t3, GL_REDUCTION_MEAN));
    assert_error("cross_entropy: logits (2,4) and int64 target (3): class-index targets need "
                 "shape (2)");
    assert_null(gl_cross_entropy(x, t21, GL_REDUCTION_MEAN));
    assert_error("cross_entropy: logits (2,4) and int64 target (2,1): class-index targets need "
                 "shape (2)");
    gl_tensor *v = gl_zeros(DIMS(4), GL_FLOAT64);
    assert_null(gl_cross_entropy(v, t, GL_REDUCTION_MEAN));
    assert_error("cross_entropy: logits (4) and int64 target (2): class-index targets need "
                 "shape ()");
    gl_tensor *p = gl_zeros(DIMS(2, 3), GL_FLOAT32);
    assert_null(gl_cross_entropy(x, p, GL_REDUCTION_MEAN));
    assert_error("cross_entropy: logits (2,4) and float32 target (2,3): probability targets need "
                 "the logits' shape");
    gl_tensor *b = gl_zeros(DIMS(2), GL_BOOL);
    assert_null(gl_cross_entropy(x, b, GL_REDUCTION_MEAN));
    assert_error("cross_entropy: target (2) of bool: expected int64 class indices or float "
                 "probabilities");
    gl_tensor *xi = gl_zeros(DIMS(2, 4), GL_INT64);
    assert_null(gl_cross_entropy(xi, t, GL_REDUCTION_MEAN));
    assert_error("cross_entropy: logits (2,4) of int64: expected float32 or float64 logits");
    gl_tensor *x3 = gl_zeros(DIMS(2, 4, 5), GL_FLOAT32);
    assert_null(gl_cross_entropy(x3, t, GL_REDUCTION_MEAN));
    assert_error("cross_entropy: logits (2,4,5): expected shape (N,C) or (C)");
    assert_null(gl_cross_entropy(x, t, (gl_reduction)-1));
    assert_error("cross_entropy: invalid reduction -1 (expected mean, sum or none)");
    gl_tensor *all[] = {x, t, tn, t3, t21, v, p, b, xi, x3};
    release_all(all, 10);
}

/* ================================================================ one_hot */

static void test_one_hot(void **state)
{
    (void)state;
    gl_tensor *l = T(GL_INT64, SHAPE(3), 0, 2, 1);
    gl_tensor *o = gl_one_hot(l, 3), *o4 = gl_one_hot(l, 4), *oi = gl_one_hot(l, -1);
    assert_values(o, 0, SHAPE(3, 3), 1, 0, 0, 0, 0, 1, 0, 1, 0);
    assert_values(o4, 0, SHAPE(3, 4), 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0);
    assert_values(oi, 0, SHAPE(3, 3), 1, 0, 0, 0, 0, 1, 0, 1, 0);
    assert_int_equal(gl_dtype_of(o), GL_FLOAT32);
    assert_false(gl_requires_grad(o));
    /* any shape gets a trailing dim; a 0-dim label gives a vector; views work */
    gl_tensor *l2 = T(GL_INT64, SHAPE(2, 2), 1, 0, 1, 1);
    gl_tensor *lt = gl_transpose(l2, 0, 1); /* 1 1 / 0 1 */
    gl_tensor *o2 = gl_one_hot(l2, 2), *ot = gl_one_hot(lt, 2);
    assert_values(o2, 0, SHAPE(2, 2, 2), 0, 1, 1, 0, 0, 1, 0, 1);
    assert_values(ot, 0, SHAPE(2, 2, 2), 0, 1, 0, 1, 1, 0, 0, 1);
    gl_tensor *s = T(GL_INT64, SCALAR_SHAPE, 1), *os = gl_one_hot(s, 3);
    assert_values(os, 0, SHAPE(3), 0, 1, 0);
    gl_tensor *e = gl_zeros(DIMS(0), GL_INT64), *oe = gl_one_hot(e, 5);
    assert_int_equal(gl_ndim(oe), 2);
    assert_int_equal(gl_shape(oe)[0], 0);
    assert_int_equal(gl_shape(oe)[1], 5);

    /* errors */
    assert_null(gl_one_hot(l, 2));
    assert_error("one_hot: label 2 is out of range for 2 classes (expected 0 <= label < 2)");
    gl_tensor *neg = T(GL_INT64, SHAPE(2), 0, -3);
    assert_null(gl_one_hot(neg, 4));
    assert_error("one_hot: label -3 is out of range for 4 classes (expected 0 <= label < 4)");
    assert_null(gl_one_hot(neg, -1));
    assert_error("one_hot: label -3 is out of range for 1 classes (expected 0 <= label < 1)");
    gl_tensor *f = T(GL_FLOAT32, SHAPE(2), 0, 1);
    assert_null(gl_one_hot(f, 2));
    assert_error("one_hot: labels (2) of float32: expected int64 class indices");
    assert_null(gl_one_hot(e, -1));
    assert_error("one_hot: can't infer the number of classes from empty labels (0) (pass "
                 "nclasses)");
    assert_null(gl_one_hot(l, -2));
    assert_error("one_hot: nclasses must be >= 0, or -1 for the largest label + 1; got -2");
    gl_tensor *all[] = {l, o, o4, oi, l2, lt, o2, ot, s, os, e, oe, neg, f};
    release_all(all, 14);
}

TEST_GROUP(loss,
           cmocka_unit_test(test_mse_values),
           cmocka_unit_test(test_mse_broadcast_hook),
           cmocka_unit_test(test_mse_grad),
           cmocka_unit_test(test_mse_errors),
           cmocka_unit_test(test_bce_values),
           cmocka_unit_test(test_bce_grad),
           cmocka_unit_test(test_bce_errors),
           cmocka_unit_test(test_cross_entropy_seed_scenario),
           cmocka_unit_test(test_cross_entropy_values),
           cmocka_unit_test(test_cross_entropy_grad),
           cmocka_unit_test(test_cross_entropy_errors),
           cmocka_unit_test(test_one_hot));
