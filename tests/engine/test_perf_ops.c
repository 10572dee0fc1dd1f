/* test_perf_ops.c — the fast paths a training step runs through, each against
 * a plain reference and finite differences:
 *   - matmul's TALL kernel (M large, K and N small: a layer's forward and its
 *     input gradient) and REDUCE kernel (K large: the weight gradient Gᵀ·X),
 *     with row, column and vector tails, transposed and strided operands, in
 *     both of REDUCE's orientations, with and without its packed copy;
 *   - the linear op, x·wᵀ + b in one node, its bias inside TALL's sums or
 *     added after BLAS's product, batched, and what it leaves unfused;
 *   - the row kernels of (M,N) op (N) and (N) op (M,N) (a layer's bias);
 *   - sums over dim 0 of a contiguous tensor (the bias gradient), with the
 *     column block's tail and the rows' tail;
 *   - ReLU's backward at each setting of its derivative at 0.
 * Where a CPU lacks AVX2 the matmul cases run through BLAS instead and must
 * give the same answers. Nothing here measures time. */
#include "test.h"

static void release_all(gl_tensor **ts, int n)
{
    for (int i = 0; i < n; i++)
        gl_release(ts[i]);
}

/* ------------------------------------------------------------- matmul */

/* C = A·B for 2-D a, b the slow way, in double. */
static double *ref_mm(const gl_tensor *a, const gl_tensor *b)
{
    int64_t M = gl_shape(a)[0], K = gl_shape(a)[1], N = gl_shape(b)[1];
    double *c = calloc((size_t)(M * N > 0 ? M * N : 1), sizeof(double));
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++)
                s += gl_get(a, (int64_t[]){i, k}) * gl_get(b, (int64_t[]){k, j});
            c[i * N + j] = s;
        }
    return c;
}

static void check_mm(const gl_tensor *a, const gl_tensor *b)
{
    double *want = ref_mm(a, b);
    gl_tensor *c = gl_matmul(a, b);
    /* K terms of N(0,1) products: float32 keeps ~1e-6 of their spread */
    double tol = gl_dtype_of(a) == GL_FLOAT32 ? 2e-5 : 1e-12;
    assert_tensor_near(c, 2, (int64_t[]){gl_shape(a)[0], gl_shape(b)[1]}, want, tol);
    gl_release(c);
    free(want);
}

static gl_tensor *randn2(gl_dtype dt, int64_t r, int64_t c)
{
    return test_randn(dt, 2, (int64_t[]){r, c}, false);
}

/* TALL: M >= 128 rows, N at least one vector, K small. */
static void test_perfops_tall_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int d = 0; d < 2; d++) {
        gl_dtype dt = dts[d];
        /* row tail (200 = 66·3 + 2), vector tail (11 columns), odd K */
        gl_tensor *a = randn2(dt, 200, 5), *b = randn2(dt, 5, 11);
        check_mm(a, b);
        release_all((gl_tensor *[]){a, b}, 2);
        /* K = 1 (an outer product) and K = 2 (a first layer of 2 inputs) */
        a = randn2(dt, 131, 1), b = randn2(dt, 1, 8);
        check_mm(a, b);
        release_all((gl_tensor *[]){a, b}, 2);
        a = randn2(dt, 129, 2), b = randn2(dt, 2, 40);
        check_mm(a, b);
        release_all((gl_tensor *[]){a, b}, 2);
        /* x·Wᵀ: both operands transposed views */
        gl_tensor *at = randn2(dt, 7, 150), *w = randn2(dt, 9, 7);
        a = gl_transpose(at, 0, 1), b = gl_transpose(w, 0, 1);
        check_mm(a, b);
        release_all((gl_tensor *[]){a, b, at, w}, 4);
        /* every other row of A, every other column of B */
        gl_tensor *a2 = randn2(dt, 400, 6), *b2 = randn2(dt, 6, 20);
        a = gl_slice(a2, 0, 0, 400, 2), b = gl_slice(b2, 1, 0, 20, 2);
        check_mm(a, b);
        release_all((gl_tensor *[]){a, b, a2, b2}, 4);
        /* batched A on a shared B: one folded (150,6)·(6,9) product */
        gl_tensor *a3 = test_randn(dt, 3, (int64_t[]){3, 50, 6}, false);
        b = randn2(dt, 6, 9);
        gl_tensor *c = gl_matmul(a3, b), *flat = gl_reshape(a3, (int64_t[]){150, 6}, 2);
        double *want = ref_mm(flat, b);
        assert_tensor_near(c, 3, (int64_t[]){3, 50, 9}, want, dt == GL_FLOAT32 ? 2e-5 : 1e-12);
        free(want);
        release_all((gl_tensor *[]){a3, b, c, flat}, 4);
    }
}

/* REDUCE: Aᵀ·B over K rows, M and N small. */
static void check_reduce(gl_dtype dt, int64_t K, int64_t m, int64_t n, bool b_transposed)
{
    gl_tensor *x = randn2(dt, K, m), *y, *yt = NULL;
    if (b_transposed) {
        yt = randn2(dt, n, K);
        y = gl_transpose(yt, 0, 1); /* (K, n), columns K apart */
    } else {
        y = randn2(dt, K, n);
    }
    gl_tensor *xt = gl_transpose(x, 0, 1); /* (m, K): the gradient's Gᵀ */
    double *want = ref_mm(xt, y);
    gl_tensor *c = gl_matmul(xt, y);
    /* sums of K products: scale the tolerance with sqrt(K) for float32 */
    double tol = dt == GL_FLOAT32 ? 1e-6 * sqrt((double)K) * 4 : 1e-12;
    assert_tensor_near(c, 2, (int64_t[]){m, n}, want, tol);
    free(want);
    release_all((gl_tensor *[]){x, y, yt, xt, c}, 5);
}

static void test_perfops_reduce_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int d = 0; d < 2; d++) {
        gl_dtype dt = dts[d];
        check_reduce(dt, 300, 32, 32, false);  /* a 32x32 weight gradient; row tail 32 = 10·3 + 2 */
        check_reduce(dt, 1000, 32, 32, false); /* K not a whole number of chunks */
        check_reduce(dt, 300, 20, 2, false);   /* N under a vector: vectors along M */
        check_reduce(dt, 300, 5, 12, false);   /* float32: rows of 12, packed to 16 */
        check_reduce(dt, 300, 16, 12, false);  /* float32: M fills vectors, N doesn't */
        check_reduce(dt, 300, 7, 9, true);     /* B's columns K apart: packed */
        check_reduce(dt, 257, 64, 3, false);
        check_reduce(dt, 300, 1, 32, false);   /* M = 1: BLAS's gemv */
    }
}

/* Gradients through both kernels: y = x·Wᵀ with x (256,4), W (8,4): the
 * forward and dx (256,8)·(8,4) take TALL, dW (8,256)·(256,4) takes REDUCE. */
static gl_tensor *linear_fn(gl_tensor *const *in, void *ctx)
{
    (void)ctx;
    gl_tensor *wt = gl_transpose(in[1], 0, 1);
    gl_tensor *y = gl_matmul(in[0], wt);
    gl_release(wt);
    return y;
}

/* A small MLP: tanh(x·W1ᵀ + b1)·W2ᵀ + b2 with x (260,2), W1 (16,2), W2
 * (8,16): K = 2 through TALL, the bias through the row kernel and its
 * gradient through the column sums, dW1 (16,260)·(260,2) through REDUCE
 * with vectors along M. */
static gl_tensor *mlp_fn(gl_tensor *const *in, void *ctx)
{
    (void)ctx;
    gl_tensor *w1t = gl_transpose(in[1], 0, 1), *w2t = gl_transpose(in[3], 0, 1);
    gl_tensor *h = gl_matmul(in[0], w1t), *a = gl_add(h, in[2]), *t = gl_tanh(a);
    gl_tensor *o = gl_matmul(t, w2t), *y = gl_add(o, in[4]);
    release_all((gl_tensor *[]){w1t, w2t, h, a, t, o}, 6);
    return y;
}

static void test_perfops_matmul_grads(void **state)
{
    (void)state;
    gl_tensor *in[2] = {test_randn(GL_FLOAT64, 2, (int64_t[]){256, 4}, true),
                        test_randn(GL_FLOAT64, 2, (int64_t[]){8, 4}, true)};
    assert_gradcheck(linear_fn, in, 2, NULL);
    release_all(in, 2);

    gl_tensor *m[5] = {test_randn(GL_FLOAT64, 2, (int64_t[]){260, 2}, true),
                       test_randn(GL_FLOAT64, 2, (int64_t[]){16, 2}, true),
                       test_randn(GL_FLOAT64, 1, (int64_t[]){16}, true),
                       test_randn(GL_FLOAT64, 2, (int64_t[]){8, 16}, true),
                       test_randn(GL_FLOAT64, 1, (int64_t[]){8}, true)};
    assert_gradcheck(mlp_fn, m, 5, NULL);
    release_all(m, 5);
}

/* ------------------------------------------------------------- linear */

/* x·wᵀ + b in one node (engine/ops_matmul.c; not yet declared in gradlab.h) */
gl_tensor *gl_linear(const gl_tensor *x, const gl_tensor *w, const gl_tensor *b);

/* gl_linear(x, w, b) against matmul(x, wᵀ) + b. */
static void check_linear(const gl_tensor *x, const gl_tensor *w, const gl_tensor *b, double tol)
{
    gl_tensor *wt = gl_transpose(w, -2, -1), *p = gl_matmul(x, wt);
    gl_tensor *want = b ? gl_add(p, b) : gl_retain(p), *y = gl_linear(x, w, b);
    int64_t n = gl_numel(want);
    double *v = malloc(sizeof(double) * (n ? n : 1));
    gl_copy_to_doubles(want, v);
    assert_tensor_near(y, gl_ndim(want), gl_shape(want), v, tol);
    assert_int_equal(gl_dtype_of(y), gl_dtype_of(want));
    free(v);
    release_all((gl_tensor *[]){wt, p, want, y}, 4);
}

static void test_perfops_linear_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int d = 0; d < 2; d++) {
        gl_dtype dt = dts[d];
        double tol = dt == GL_FLOAT32 ? 2e-6 : 1e-13;
        gl_tensor *x = randn2(dt, 200, 5), *w = randn2(dt, 11, 5);
        gl_tensor *b = test_randn(dt, 1, (int64_t[]){11}, false);
        check_linear(x, w, b, tol);    /* TALL, the bias in its sums */
        check_linear(x, w, NULL, tol); /* no bias */
        gl_tensor *b0 = test_randn(dt, 1, (int64_t[]){22}, false);
        gl_tensor *bs = gl_slice(b0, 0, 0, 22, 2); /* a bias with stride 2 */
        check_linear(x, w, bs, tol);
        release_all((gl_tensor *[]){x, w, b, b0, bs}, 5);
        /* a product BLAS does (and the small loop): the bias added after */
        x = randn2(dt, 6, 40), w = randn2(dt, 30, 40), b = test_randn(dt, 1, (int64_t[]){30}, false);
        check_linear(x, w, b, tol);
        release_all((gl_tensor *[]){x, w, b}, 3);
        x = randn2(dt, 2, 3), w = randn2(dt, 4, 3), b = test_randn(dt, 1, (int64_t[]){4}, false);
        check_linear(x, w, b, tol);
        release_all((gl_tensor *[]){x, w, b}, 3);
        /* one output (gemv), the bias a column */
        x = randn2(dt, 130, 7), w = randn2(dt, 1, 7), b = test_randn(dt, 1, (int64_t[]){1}, false);
        check_linear(x, w, b, tol);
        release_all((gl_tensor *[]){x, w, b}, 3);
        /* a batch: folded into one TALL product, then one BLAS product per
         * matrix (x's matrices transposed views), then K = 0 */
        x = test_randn(dt, 3, (int64_t[]){3, 50, 6}, false);
        w = randn2(dt, 9, 6), b = test_randn(dt, 1, (int64_t[]){9}, false);
        check_linear(x, w, b, tol);
        gl_tensor *x0 = test_randn(dt, 3, (int64_t[]){3, 6, 50}, false);
        gl_tensor *xt = gl_transpose(x0, 1, 2);
        check_linear(xt, w, b, tol);
        release_all((gl_tensor *[]){x, x0, xt, w, b}, 5);
        x = randn2(dt, 4, 0), w = randn2(dt, 3, 0), b = test_randn(dt, 1, (int64_t[]){3}, false);
        check_linear(x, w, b, 0);
        release_all((gl_tensor *[]){x, w, b}, 3);
    }
    /* what isn't fused is matmul then add: 1-D x, mixed dtypes, errors */
    gl_tensor *x1 = test_randn(GL_FLOAT64, 1, (int64_t[]){5}, false);
    gl_tensor *w = randn2(GL_FLOAT64, 3, 5), *b = test_randn(GL_FLOAT64, 1, (int64_t[]){3}, false);
    check_linear(x1, w, b, 1e-13);
    gl_tensor *x = randn2(GL_FLOAT32, 130, 5);
    check_linear(x, w, b, 1e-6); /* float32 x, float64 w: float64 */
    gl_tensor *wbad = randn2(GL_FLOAT32, 3, 4), *y = gl_linear(x, wbad, NULL);
    assert_null(y);
    assert_error("matmul: (130,5) x (4,3): inner dimensions 5 and 4 differ");
    release_all((gl_tensor *[]){x1, w, b, x, wbad}, 5);
}

typedef struct {
    bool bias;
} linear_ctx;

static gl_tensor *linear_op_fn(gl_tensor *const *in, void *vctx)
{
    const linear_ctx *c = vctx;
    return gl_linear(in[0], in[1], c->bias ? in[2] : NULL);
}

static void test_perfops_linear_grads(void **state)
{
    (void)state;
    /* (256,4)·(8,4)ᵀ + (8): forward and dx through TALL, dw through REDUCE;
     * then a batch of 2 x 130 rows; then without the bias; then with x
     * not requiring grad (a first layer) */
    int64_t xs[][3] = {{256, 4, 0}, {2, 130, 3}};
    int xn[] = {2, 3};
    for (int k = 0; k < 2; k++) {
        int64_t K = xs[k][xn[k] - 1];
        gl_tensor *in[3] = {test_randn(GL_FLOAT64, xn[k], xs[k], true),
                            test_randn(GL_FLOAT64, 2, (int64_t[]){8, K}, true),
                            test_randn(GL_FLOAT64, 1, (int64_t[]){8}, true)};
        linear_ctx with = {true}, without = {false};
        assert_gradcheck(linear_op_fn, in, 3, &with);
        assert_gradcheck(linear_op_fn, in, 2, &without);
        gl_requires_grad_(in[0], false);
        assert_gradcheck(linear_op_fn, in, 3, &with);
        gl_requires_grad_(in[0], true);
        gl_requires_grad_(in[1], false);
        assert_gradcheck(linear_op_fn, in, 3, &with);
        release_all(in, 3);
    }
}

/* ------------------------------------------------------- row kernels */

typedef gl_tensor *(*binop)(const gl_tensor *, const gl_tensor *);

static double apply(int op, double x, double y)
{
    switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    default: return x / y;
    }
}

static void test_perfops_row_broadcast_values(void **state)
{
    (void)state;
    binop ops[] = {gl_add, gl_sub, gl_mul, gl_div};
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    int64_t M = 37, N = 19;
    for (int d = 0; d < 2; d++)
        for (int op = 0; op < 4; op++) {
            gl_dtype dt = dts[d];
            gl_tensor *a = randn2(dt, M, N), *b = test_randn(dt, 1, (int64_t[]){N}, false);
            double *av = malloc(sizeof(double) * M * N), bv[19];
            double *want = malloc(sizeof(double) * M * N), *want_l = malloc(sizeof(double) * M * N);
            gl_copy_to_doubles(a, av);
            gl_copy_to_doubles(b, bv);
            for (int64_t i = 0; i < M; i++)
                for (int64_t j = 0; j < N; j++) {
                    want[i * N + j] = apply(op, av[i * N + j], bv[j]);
                    want_l[i * N + j] = apply(op, bv[j], av[i * N + j]);
                }
            double tol = dt == GL_FLOAT32 ? 1e-6 : 0;
            gl_tensor *c = ops[op](a, b), *cl = ops[op](b, a);
            assert_tensor_near(c, 2, (int64_t[]){M, N}, want, tol);   /* (M,N) op (N) */
            assert_tensor_near(cl, 2, (int64_t[]){M, N}, want_l, tol); /* (N) op (M,N) */
            /* the same through a transposed (M,N): the iterator's path */
            gl_tensor *at0 = randn2(dt, N, M), *at = gl_transpose(at0, 0, 1);
            gl_copy_to_doubles(at, av);
            for (int64_t i = 0; i < M * N; i++)
                want[i] = apply(op, av[i], bv[i % N]);
            gl_tensor *ct = ops[op](at, b);
            assert_tensor_near(ct, 2, (int64_t[]){M, N}, want, tol);
            release_all((gl_tensor *[]){a, b, c, cl, at0, at, ct}, 7);
            free(av);
            free(want);
            free(want_l);
        }
}

/* (a op b) with b a row: b's gradient is a sum over dim 0 of (M,N). */
static gl_tensor *rows_fn(gl_tensor *const *in, void *ctx)
{
    int op = *(int *)ctx;
    binop ops[] = {gl_add, gl_sub, gl_mul, gl_div};
    gl_tensor *x = ops[op](in[0], in[1]), *y = ops[op](in[1], x);
    gl_release(x);
    return y;
}

static void test_perfops_row_broadcast_grads(void **state)
{
    (void)state;
    for (int op = 0; op < 4; op++) {
        gl_tensor *in[2] = {test_randn(GL_FLOAT64, 2, (int64_t[]){41, 35}, true),
                            test_randn(GL_FLOAT64, 1, (int64_t[]){35}, true)};
        if (op == 3) { /* keep divisors away from 0 */
            gl_tensor *two = gl_scalar(2, GL_FLOAT64);
            for (int i = 0; i < 2; i++) {
                gl_tensor *e = gl_exp(in[i]), *s = gl_add(e, two);
                gl_release(e);
                gl_release(in[i]);
                in[i] = gl_detach(s);
                gl_release(s);
                gl_requires_grad_(in[i], true);
            }
            gl_release(two);
        }
        assert_gradcheck(rows_fn, in, 2, &op);
        release_all(in, 2);
    }
}

/* -------------------------------------------------- sums over dim 0 */

static void check_sum0(gl_dtype dt, int64_t R, int64_t C, bool mean)
{
    gl_tensor *t = randn2(dt, R, C);
    double *v = malloc(sizeof(double) * R * C), *want = calloc((size_t)C, sizeof(double));
    gl_copy_to_doubles(t, v);
    for (int64_t i = 0; i < R; i++)
        for (int64_t j = 0; j < C; j++)
            want[j] += v[i * C + j];
    if (mean)
        for (int64_t j = 0; j < C; j++)
            want[j] /= (double)R;
    gl_tensor *s = mean ? gl_mean(t, 0, false) : gl_sum(t, 0, false);
    /* float32: one rounding of a double sum; float64: R ulps at worst */
    assert_tensor_near(s, 1, (int64_t[]){C}, want, dt == GL_FLOAT32 ? 1e-7 : 1e-13);
    gl_release(s);
    gl_release(t);
    free(v);
    free(want);
}

static void test_perfops_sum_dim0_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    int64_t rows[] = {1, 3, 4, 7, 1001}, cols[] = {3, 16, 32, 35, 64};
    for (int d = 0; d < 2; d++)
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 5; c++)
                check_sum0(dts[d], rows[r], cols[c], (r + c) % 2 == 1);
    /* more than one slab: (2, 9, 40) over dim 1, kept */
    for (int d = 0; d < 2; d++) {
        gl_tensor *t = test_randn(dts[d], 3, (int64_t[]){2, 9, 40}, false);
        double v[720], want[80] = {0};
        gl_copy_to_doubles(t, v);
        for (int o = 0; o < 2; o++)
            for (int i = 0; i < 9; i++)
                for (int j = 0; j < 40; j++)
                    want[o * 40 + j] += v[(o * 9 + i) * 40 + j];
        gl_tensor *s = gl_sum(t, 1, true);
        assert_tensor_near(s, 3, (int64_t[]){2, 1, 40}, want, dts[d] == GL_FLOAT32 ? 1e-7 : 1e-13);
        release_all((gl_tensor *[]){t, s}, 2);
    }
}

/* ------------------------------------------------------ ReLU backward */

/* x (2,4) = -1, 0, -0.0, 2, NaN, 3, -5, 0; the incoming gradient (given
 * transposed or not) is inf where x is 0, -3 elsewhere. */
static void check_relu_grad(gl_dtype dt, double c, bool strided)
{
    double nan = NAN, inf = INFINITY;
    gl_tensor *x = T(dt, SHAPE(2, 4), -1, 0, -0.0, 2, nan, 3, -5, 0);
    gl_requires_grad_(x, true);
    gl_tensor *y = gl_relu(x), *g, *g0 = NULL;
    if (strided) {
        g0 = T(dt, SHAPE(4, 2), -3, -3, inf, -3, inf, -3, -3, inf);
        g = gl_transpose(g0, 0, 1);
    } else {
        g = T(dt, SHAPE(2, 4), -3, inf, inf, -3, -3, -3, -3, inf);
    }
    assert_int_equal(gl_set_relu_grad_at_zero(c), 0);
    assert_int_equal(gl_backward(y, g, false), 0);
    /* at 0: exactly 0 with c = 0 (not 0·inf), else c·inf; NaN inputs get 0 */
    double z = c == 0 ? 0 : inf;
    assert_values(gl_grad(x), 0, SHAPE(2, 4), 0, z, z, -3, 0, -3, 0, z);
    gl_set_relu_grad_at_zero(0);
    release_all((gl_tensor *[]){x, y, g, g0}, 4);
}

static gl_tensor *relu_fn(gl_tensor *const *in, void *ctx)
{
    (void)ctx;
    return gl_relu(in[0]);
}

static void test_perfops_relu_backward(void **state)
{
    (void)state;
    double settings[] = {0, 0.5, 1};
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < 3; k++)
            for (int s = 0; s < 2; s++)
                check_relu_grad(dts[d], settings[k], s);
    /* finite differences away from the kink: |x| >= 0.25 */
    double v[300];
    for (int i = 0; i < 300; i++)
        v[i] = (i % 2 ? 1 : -1) * (0.25 + (i % 17) * 0.1);
    gl_tensor *x = gl_from_doubles(v, (int64_t[]){20, 15}, 2, GL_FLOAT64);
    gl_requires_grad_(x, true);
    for (int k = 0; k < 3; k++) {
        gl_set_relu_grad_at_zero(settings[k]);
        assert_gradcheck(relu_fn, &x, 1, NULL);
    }
    gl_set_relu_grad_at_zero(0);
    gl_release(x);
}

TEST_GROUP(perfops, cmocka_unit_test(test_perfops_tall_values),
           cmocka_unit_test(test_perfops_reduce_values),
           cmocka_unit_test(test_perfops_matmul_grads),
           cmocka_unit_test(test_perfops_linear_values),
           cmocka_unit_test(test_perfops_linear_grads),
           cmocka_unit_test(test_perfops_row_broadcast_values),
           cmocka_unit_test(test_perfops_row_broadcast_grads),
           cmocka_unit_test(test_perfops_sum_dim0_values),
           cmocka_unit_test(test_perfops_relu_backward));
