/* test_nn.c — softmax and log_softmax along every dim (values, stability
 * with inputs like 1000, finite differences), and cat / stack (values in
 * every dtype, promotion, views, finite differences, exact errors). */
#include "test.h"

/* (shape, ndim) in the order gl_zeros/gl_ones take them */
#define DIMS(...) \
    (int64_t[]){__VA_ARGS__}, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

static void release_all(gl_tensor **ts, int n)
{
    for (int i = 0; i < n; i++)
        gl_release(ts[i]);
}

/* ------------------------------------------------------------- softmax */

/* softmax / log_softmax of t along dim (>= 0) the slow way, in double. */
static double *ref_softmax(const gl_tensor *t, int dim, bool log_sm)
{
    int nd = gl_ndim(t);
    const int64_t *shape = gl_shape(t);
    int64_t total = gl_numel(t), n = shape[dim];
    double *out = calloc(total ? total : 1, sizeof(double));
    int64_t idx[GL_MAX_DIMS];
    for (int64_t lin = 0; lin < total; lin++) {
        int64_t r = lin;
        for (int d = nd - 1; d >= 0; d--) {
            idx[d] = r % shape[d];
            r /= shape[d];
        }
        int64_t keep = idx[dim];
        double m = -INFINITY, s = 0;
        for (int64_t j = 0; j < n; j++) {
            idx[dim] = j;
            m = fmax(m, gl_get(t, idx));
        }
        for (int64_t j = 0; j < n; j++) {
            idx[dim] = j;
            s += exp(gl_get(t, idx) - m);
        }
        idx[dim] = keep;
        double x = gl_get(t, idx);
        out[lin] = log_sm ? x - m - log(s) : exp(x - m) / s;
    }
    return out;
}

static void test_softmax_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        double tol = dts[k] == GL_FLOAT32 ? 1e-6 : 1e-14;
        gl_tensor *x = T(dts[k], SHAPE(3), 1, 2, 3);
        gl_tensor *s = gl_softmax(x, 0), *l = gl_log_softmax(x, -1);
        assert_values(s, tol, SHAPE(3), 0.09003057317038046, 0.24472847105479767,
                      0.6652409557748219);
        assert_values(l, tol, SHAPE(3), -2.4076059644443806, -1.4076059644443806,
                      -0.4076059644443804);
        assert_int_equal(gl_dtype_of(s), dts[k]);
        assert_int_equal(gl_dtype_of(l), dts[k]);
        /* rows of a (2,2) along dim 1 and columns along dim 0 */
        gl_tensor *m = T(dts[k], SHAPE(2, 2), 0, 0, 0, 1.0986122886681098); /* log 3 */
        gl_tensor *r = gl_softmax(m, 1), *c = gl_softmax(m, 0);
        assert_values(r, tol, SHAPE(2, 2), 0.5, 0.5, 0.25, 0.75);
        assert_values(c, tol, SHAPE(2, 2), 0.5, 0.25, 0.5, 0.75);
        gl_tensor *all[] = {x, s, l, m, r, c};
        release_all(all, 6);
    }
}

static void test_softmax_each_dim(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        double tol = dts[k] == GL_FLOAT32 ? 1e-6 : 1e-13;
        gl_tensor *x = test_randn(dts[k], SHAPE(2, 3, 4), false);
        for (int dim = -3; dim < 3; dim++) {
            int d = dim < 0 ? dim + 3 : dim;
            for (int lg = 0; lg < 2; lg++) {
                double *want = ref_softmax(x, d, lg);
                gl_tensor *y = lg ? gl_log_softmax(x, dim) : gl_softmax(x, dim);
                assert_tensor_near(y, SHAPE(2, 3, 4), want, tol);
                gl_release(y);
                free(want);
            }
        }
        /* a non-contiguous input: the transposed (4,3,2) view */
        gl_tensor *xt = gl_transpose(x, 0, 2);
        for (int d = 0; d < 3; d++) {
            double *want = ref_softmax(xt, d, false);
            gl_tensor *y = gl_softmax(xt, d);
            assert_tensor_near(y, SHAPE(4, 3, 2), want, tol);
            gl_release(y);
            free(want);
        }
        gl_release(xt);
        gl_release(x);
    }
}

static void test_softmax_stability(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *x = T(dts[k], SHAPE(3, 2), 1000, 1000, 1000, 0, -1000, -1000);
        gl_tensor *s = gl_softmax(x, 1), *l = gl_log_softmax(x, 1);
        assert_values(s, 1e-7, SHAPE(3, 2), 0.5, 0.5, 1, 0, 0.5, 0.5);
        assert_values(l, 1e-7, SHAPE(3, 2), -0.6931471805599453, -0.6931471805599453, 0, -1000,
                      -0.6931471805599453, -0.6931471805599453);
        /* the same along dim 0 (the strided kernel) */
        gl_tensor *xt = T(dts[k], SHAPE(2, 3), 1000, 1000, -1000, 1000, 0, -1000);
        gl_tensor *st = gl_softmax(xt, 0), *lt = gl_log_softmax(xt, 0);
        assert_values(st, 1e-7, SHAPE(2, 3), 0.5, 1, 0.5, 0.5, 0, 0.5);
        assert_values(lt, 1e-7, SHAPE(2, 3), -0.6931471805599453, 0, -0.6931471805599453,
                      -0.6931471805599453, -1000, -0.6931471805599453);
        gl_tensor *all[] = {x, s, l, xt, st, lt};
        release_all(all, 6);
    }
}

static void test_softmax_edge_shapes(void **state)
{
    (void)state;
    /* 0-dim: dim 0 or -1, the result is 1 (log: 0) */
    gl_tensor *s = gl_scalar(3.5, GL_FLOAT64);
    gl_tensor *a = gl_softmax(s, 0), *b = gl_log_softmax(s, -1);
    assert_values(a, 0, SCALAR_SHAPE, 1);
    assert_values(b, 0, SCALAR_SHAPE, 0);
    /* an empty dim and an empty other dim */
    gl_tensor *e = gl_zeros(DIMS(0, 3), GL_FLOAT32);
    gl_tensor *e0 = gl_softmax(e, 0), *e1 = gl_log_softmax(e, 1);
    assert_int_equal(gl_numel(e0), 0);
    assert_int_equal(gl_numel(e1), 0);
    assert_int_equal(gl_shape(e1)[1], 3);
    /* a single class: softmax 1, log_softmax 0 */
    gl_tensor *one = T(GL_FLOAT32, SHAPE(2, 1), 5, -7);
    gl_tensor *o1 = gl_softmax(one, 1);
    assert_values(o1, 0, SHAPE(2, 1), 1, 1);
    gl_tensor *all[] = {s, a, b, e, e0, e1, one, o1};
    release_all(all, 8);
}

static void test_softmax_errors(void **state)
{
    (void)state;
    gl_tensor *x = gl_zeros(DIMS(2, 3, 4), GL_FLOAT32);
    assert_null(gl_softmax(x, 3));
    assert_error("softmax: dim 3 is out of range for a tensor of shape (2,3,4) (expected -3..2)");
    assert_null(gl_log_softmax(x, -4));
    assert_error("log_softmax: dim -4 is out of range for a tensor of shape (2,3,4) (expected "
                 "-3..2)");
    gl_tensor *i = gl_zeros(DIMS(2, 3), GL_INT64);
    assert_null(gl_softmax(i, 1));
    assert_error("softmax: expected a float32 or float64 tensor, got int64 of shape (2,3) "
                 "(convert with to_dtype first)");
    gl_tensor *b = gl_zeros(DIMS(2), GL_BOOL);
    assert_null(gl_log_softmax(b, 0));
    assert_error("log_softmax: expected a float32 or float64 tensor, got bool of shape (2) "
                 "(convert with to_dtype first)");
    gl_tensor *all[] = {x, i, b};
    release_all(all, 3);
}

typedef struct {
    int dim;
    bool log_sm;
} sm_ctx;

static gl_tensor *sm_fn(gl_tensor *const *in, void *vctx)
{
    sm_ctx *c = vctx;
    return c->log_sm ? gl_log_softmax(in[0], c->dim) : gl_softmax(in[0], c->dim);
}

static void test_softmax_grad(void **state)
{
    (void)state;
    gl_tensor *x = test_randn(GL_FLOAT64, SHAPE(2, 3, 4), true);
    for (int dim = -3; dim < 3; dim++)
        for (int lg = 0; lg < 2; lg++) {
            sm_ctx c = {dim, lg};
            assert_gradcheck(sm_fn, &x, 1, &c);
        }
    gl_release(x);
    /* large inputs: the gradient stays finite and right */
    gl_tensor *big = T(GL_FLOAT64, SHAPE(2, 3), 1000, 1001, 999, -1000, -1001, -999);
    gl_requires_grad_(big, true);
    for (int lg = 0; lg < 2; lg++) {
        sm_ctx c = {1, lg};
        assert_gradcheck(sm_fn, &big, 1, &c);
    }
    gl_release(big);
}

/* softmax feeding mean: the incoming gradient is mean's expanded (stride
 * 0) tensor. (For softmax the true gradient is 0: its rows sum to 1.) */
static gl_tensor *sm_then_mean(gl_tensor *const *in, void *vctx)
{
    gl_tensor *y = sm_fn(in, vctx);
    gl_tensor *m = gl_mean(y, GL_ALL_DIMS, false);
    gl_release(y);
    return m;
}

static void test_softmax_grad_float32_and_chain(void **state)
{
    (void)state;
    gl_tensor *x = test_randn(GL_FLOAT64, SHAPE(3, 5), true);
    for (int lg = 0; lg < 2; lg++) {
        sm_ctx c = {0, lg};
        assert_gradcheck(sm_then_mean, &x, 1, &c);
    }
    /* float32: the same gradient as float64, to float32 precision */
    gl_tensor *x32 = gl_to_dtype(x, GL_FLOAT32), *x32l = gl_detach(x32);
    gl_requires_grad_(x32l, true);
    gl_tensor *w = test_randn(GL_FLOAT64, SHAPE(3, 5), false);
    gl_tensor *w32 = gl_to_dtype(w, GL_FLOAT32);
    for (int lg = 0; lg < 2; lg++) {
        gl_set_grad(x, NULL);
        gl_set_grad(x32l, NULL);
        gl_tensor *y = lg ? gl_log_softmax(x, 1) : gl_softmax(x, 1);
        gl_tensor *y32 = lg ? gl_log_softmax(x32l, 1) : gl_softmax(x32l, 1);
        assert_int_equal(gl_backward(y, w, false), 0);
        assert_int_equal(gl_backward(y32, w32, false), 0);
        double g[15];
        gl_copy_to_doubles(gl_grad(x), g);
        assert_tensor_near(gl_grad(x32l), SHAPE(3, 5), g, 1e-5);
        assert_int_equal(gl_dtype_of(gl_grad(x32l)), GL_FLOAT32);
        gl_release(y);
        gl_release(y32);
    }
    gl_tensor *all[] = {x, x32, x32l, w, w32};
    release_all(all, 5);
}

/* ------------------------------------------------------------ cat/stack */

static void test_cat_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64, GL_BOOL};
    for (int k = 0; k < 4; k++) {
        gl_tensor *a = T(dts[k], SHAPE(2, 2), 1, 0, 1, 1);
        gl_tensor *b = T(dts[k], SHAPE(2, 1), 0, 1);
        gl_tensor *c = T(dts[k], SHAPE(1, 2), 0, 0);
        const gl_tensor *ab[] = {a, b}, *ac[] = {a, c, a};
        gl_tensor *r1 = gl_cat(ab, 2, 1), *r0 = gl_cat(ac, 3, 0), *rn = gl_cat(ab, 2, -1);
        assert_values(r1, 0, SHAPE(2, 3), 1, 0, 0, 1, 1, 1);
        assert_values(rn, 0, SHAPE(2, 3), 1, 0, 0, 1, 1, 1);
        assert_values(r0, 0, SHAPE(5, 2), 1, 0, 1, 1, 0, 0, 1, 0, 1, 1);
        assert_int_equal(gl_dtype_of(r1), dts[k]);
        gl_tensor *all[] = {a, b, c, r1, r0, rn};
        release_all(all, 6);
    }
    /* float values, 3-D along the middle dim, one input alone (a copy) */
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2, 1, 2), 1, 2, 3, 4);
    gl_tensor *y = T(GL_FLOAT64, SHAPE(2, 2, 2), 5, 6, 7, 8, 9, 10, 11, 12);
    const gl_tensor *xy[] = {x, y}, *xs[] = {x};
    gl_tensor *r = gl_cat(xy, 2, 1), *one = gl_cat(xs, 1, 0);
    assert_values(r, 0, SHAPE(2, 3, 2), 1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12);
    assert_values(one, 0, SHAPE(2, 1, 2), 1, 2, 3, 4);
    assert_true(gl_data_ptr(one) != gl_data_ptr(x));
    gl_tensor *all[] = {x, y, r, one};
    release_all(all, 4);
}

static void test_cat_views_promotion_empty(void **state)
{
    (void)state;
    /* a transposed input and a stepped slice */
    gl_tensor *m = T(GL_FLOAT32, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    gl_tensor *mt = gl_transpose(m, 0, 1); /* (3,2): 1 4 / 2 5 / 3 6 */
    gl_tensor *w = T(GL_FLOAT32, SHAPE(3, 4), 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21);
    gl_tensor *ws = gl_slice(w, 1, 0, 4, 2); /* (3,2): 10 12 / 14 16 / 18 20 */
    const gl_tensor *v[] = {mt, ws};
    gl_tensor *r = gl_cat(v, 2, 1);
    assert_values(r, 0, SHAPE(3, 4), 1, 4, 10, 12, 2, 5, 14, 16, 3, 6, 18, 20);
    /* int64 + float32 -> float32, + float64 -> float64 */
    gl_tensor *i = T(GL_INT64, SHAPE(2), 7, 8), *f = T(GL_FLOAT32, SHAPE(1), 0.5);
    gl_tensor *d = T(GL_FLOAT64, SHAPE(1), 0.25);
    const gl_tensor *if_[] = {i, f}, *ifd[] = {i, f, d};
    gl_tensor *r1 = gl_cat(if_, 2, 0), *r2 = gl_cat(ifd, 3, 0);
    assert_values(r1, 0, SHAPE(3), 7, 8, 0.5);
    assert_int_equal(gl_dtype_of(r1), GL_FLOAT32);
    assert_values(r2, 0, SHAPE(4), 7, 8, 0.5, 0.25);
    assert_int_equal(gl_dtype_of(r2), GL_FLOAT64);
    /* empty inputs along dim */
    gl_tensor *e = gl_zeros(DIMS(0, 2), GL_FLOAT32);
    const gl_tensor *em[] = {e, mt, e};
    gl_tensor *r3 = gl_cat(em, 3, 0);
    assert_values(r3, 0, SHAPE(3, 2), 1, 4, 2, 5, 3, 6);
    gl_tensor *all[] = {m, mt, w, ws, r, i, f, d, r1, r2, e, r3};
    release_all(all, 12);
}

static void test_stack_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        gl_tensor *a = T(dts[k], SHAPE(2), 1, 2), *b = T(dts[k], SHAPE(2), 3, 4);
        const gl_tensor *ab[] = {a, b};
        gl_tensor *s0 = gl_stack(ab, 2, 0), *s1 = gl_stack(ab, 2, 1), *sn = gl_stack(ab, 2, -1);
        assert_values(s0, 0, SHAPE(2, 2), 1, 2, 3, 4);
        assert_values(s1, 0, SHAPE(2, 2), 1, 3, 2, 4);
        assert_values(sn, 0, SHAPE(2, 2), 1, 3, 2, 4);
        assert_int_equal(gl_dtype_of(s0), dts[k]);
        gl_tensor *all[] = {a, b, s0, s1, sn};
        release_all(all, 5);
    }
    /* scalars stack into a vector; (2,2) matrices along the middle */
    gl_tensor *p = gl_scalar(1.5, GL_FLOAT64), *q = gl_scalar(-2, GL_FLOAT32);
    const gl_tensor *pq[] = {p, q, p};
    gl_tensor *v = gl_stack(pq, 3, 0);
    assert_values(v, 0, SHAPE(3), 1.5, -2, 1.5);
    assert_int_equal(gl_dtype_of(v), GL_FLOAT64);
    gl_tensor *m = T(GL_FLOAT32, SHAPE(2, 2), 1, 2, 3, 4);
    gl_tensor *n = T(GL_FLOAT32, SHAPE(2, 2), 5, 6, 7, 8);
    const gl_tensor *mn[] = {m, n};
    gl_tensor *s = gl_stack(mn, 2, 1);
    assert_values(s, 0, SHAPE(2, 2, 2), 1, 2, 5, 6, 3, 4, 7, 8);
    gl_tensor *all[] = {p, q, v, m, n, s};
    release_all(all, 6);
}

static void test_cat_stack_errors(void **state)
{
    (void)state;
    gl_tensor *a = gl_zeros(DIMS(2, 3), GL_FLOAT32), *b = gl_zeros(DIMS(2, 4), GL_FLOAT32);
    gl_tensor *c = gl_zeros(DIMS(3, 3), GL_FLOAT32), *d = gl_zeros(DIMS(2, 3, 1), GL_FLOAT32);
    gl_tensor *s = gl_scalar(1, GL_FLOAT32);
    const gl_tensor *ab[] = {a, b}, *aac[] = {a, a, c}, *ad[] = {a, d}, *as[] = {a, s};
    assert_null(gl_cat(ab, 2, 0));
    assert_error("cat: tensor 1 has shape (2,4) but tensor 0 has shape (2,3): sizes must match "
                 "except along dim 0 (they differ in dim 1)");
    assert_null(gl_cat(aac, 3, 1));
    assert_error("cat: tensor 2 has shape (3,3) but tensor 0 has shape (2,3): sizes must match "
                 "except along dim 1 (they differ in dim 0)");
    assert_null(gl_cat(ad, 2, 0));
    assert_error("cat: tensor 1 has shape (2,3,1) but tensor 0 has shape (2,3): they need the "
                 "same number of dims");
    assert_null(gl_cat(as, 2, 0));
    assert_error("cat: tensor 1 has shape (): 0-dim tensors can't be concatenated (use stack)");
    assert_null(gl_cat(ab, 0, 0));
    assert_error("cat: expected at least one tensor, got 0");
    assert_null(gl_cat(ab, 2, 2));
    assert_error("cat: dim 2 is out of range for a tensor of shape (2,3) (expected -2..1)");

    const gl_tensor *ac[] = {a, c};
    assert_null(gl_stack(ac, 2, 0));
    assert_error("stack: tensor 1 has shape (3,3) but tensor 0 has shape (2,3): all shapes must "
                 "be equal");
    assert_null(gl_stack(ad, 2, 0));
    assert_error("stack: tensor 1 has shape (2,3,1) but tensor 0 has shape (2,3): they need the "
                 "same number of dims");
    assert_null(gl_stack(ab, 0, 0));
    assert_error("stack: expected at least one tensor, got 0");
    const gl_tensor *aa[] = {a, a};
    assert_null(gl_stack(aa, 2, 3));
    assert_error("stack: dim 3 is out of range for a tensor of shape (2,3) (expected -3..2)");
    gl_tensor *all[] = {a, b, c, d, s};
    release_all(all, 5);
}

typedef struct {
    int n, dim;
    bool stack;
} join_ctx;

static gl_tensor *join_fn(gl_tensor *const *in, void *vctx)
{
    join_ctx *c = vctx;
    return c->stack ? gl_stack((const gl_tensor *const *)in, c->n, c->dim)
                    : gl_cat((const gl_tensor *const *)in, c->n, c->dim);
}

static void test_cat_stack_grad(void **state)
{
    (void)state;
    /* cat along each dim of 3-D inputs, the middle one not requiring grad */
    for (int dim = 0; dim < 3; dim++) {
        int64_t s0[3] = {2, 3, 2}, s1[3] = {2, 3, 2};
        s1[dim] = 3;
        gl_tensor *in[3] = {test_randn(GL_FLOAT64, 3, s0, true),
                            test_randn(GL_FLOAT64, 3, s1, false),
                            test_randn(GL_FLOAT64, 3, s0, true)};
        join_ctx c = {3, dim, false};
        assert_gradcheck(join_fn, in, 3, &c);
        join_ctx cn = {3, dim - 3, false};
        assert_gradcheck(join_fn, in, 3, &cn);
        release_all(in, 3);
    }
    /* stack at each position */
    for (int dim = -3; dim < 3; dim++) {
        gl_tensor *in[2] = {test_randn(GL_FLOAT64, SHAPE(2, 3), true),
                            test_randn(GL_FLOAT64, SHAPE(2, 3), true)};
        join_ctx c = {2, dim, true};
        assert_gradcheck(join_fn, in, 2, &c);
        release_all(in, 2);
    }
    /* the same leaf twice: its gradient is the sum of both slabs */
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2), 1, 2);
    gl_requires_grad_(x, true);
    const gl_tensor *xx[] = {x, x};
    gl_tensor *r = gl_cat(xx, 2, 0);
    assert_string_equal(gl_grad_fn_name(r), "cat");
    gl_tensor *w = T(GL_FLOAT64, SHAPE(4), 1, 10, 100, 1000);
    assert_int_equal(gl_backward(r, w, false), 0);
    assert_values(gl_grad(x), 0, SHAPE(2), 101, 1010);
    /* float32 and float64 inputs: each gets a gradient of its own dtype */
    gl_tensor *f = T(GL_FLOAT32, SHAPE(1), 3);
    gl_requires_grad_(f, true);
    const gl_tensor *xf[] = {x, f};
    gl_tensor *r2 = gl_cat(xf, 2, 0);
    gl_tensor *w2 = T(GL_FLOAT64, SHAPE(3), 1, 2, 3);
    assert_int_equal(gl_backward(r2, w2, false), 0);
    assert_int_equal(gl_dtype_of(gl_grad(f)), GL_FLOAT32);
    assert_values(gl_grad(f), 0, SHAPE(1), 3);
    assert_values(gl_grad(x), 0, SHAPE(2), 102, 1012);
    gl_tensor *all[] = {x, r, w, f, r2, w2};
    release_all(all, 6);
}

TEST_GROUP(nn,
           cmocka_unit_test(test_softmax_values),
           cmocka_unit_test(test_softmax_each_dim),
           cmocka_unit_test(test_softmax_stability),
           cmocka_unit_test(test_softmax_edge_shapes),
           cmocka_unit_test(test_softmax_errors),
           cmocka_unit_test(test_softmax_grad),
           cmocka_unit_test(test_softmax_grad_float32_and_chain),
           cmocka_unit_test(test_cat_values),
           cmocka_unit_test(test_cat_views_promotion_empty),
           cmocka_unit_test(test_stack_values),
           cmocka_unit_test(test_cat_stack_errors),
           cmocka_unit_test(test_cat_stack_grad));
