/* test_unary.c — neg exp log sqrt abs sin cos tanh sigmoid relu square:
 * values in every dtype, the int -> float promotion, numerical edges,
 * gradients against finite differences, and ReLU's derivative at 0. */
#include "test.h"

/* A shape in the engine's argument order (shape, ndim): gl_zeros(DIMS(2, 3), dt). */

typedef gl_tensor *(*unop)(const gl_tensor *);
typedef struct {
    unop f;
} unop_ctx;

static gl_tensor *apply_unop(gl_tensor *const *in, void *ctx) { return ((unop_ctx *)ctx)->f(in[0]); }

static const struct {
    const char *name;
    unop f;
    bool positive; /* domain x > 0 (log, sqrt) */
    bool keeps_int; /* int64 in, int64 out */
} ops[] = {
    {"neg", gl_neg, false, true},      {"exp", gl_exp, false, false},
    {"log", gl_log, true, false},      {"sqrt", gl_sqrt, true, false},
    {"abs", gl_abs, false, true},      {"sin", gl_sin, false, false},
    {"cos", gl_cos, false, false},     {"tanh", gl_tanh, false, false},
    {"sigmoid", gl_sigmoid, false, false}, {"relu", gl_relu, false, true},
    {"square", gl_square, false, true},
};
#define NOPS (int)(sizeof ops / sizeof ops[0])

/* ---------------------------------------------------------------- forward */

/* The default of the ReLU setting is PyTorch's 0 (this group runs first of
 * any that change it, and every test that changes it puts it back). */
static void test_unary_relu_setting_default(void **state)
{
    (void)state;
    assert_true(gl_relu_grad_at_zero() == 0);
}

static void test_unary_values(void **state)
{
    (void)state;
    /* reference values (torch 1.13, float64) at x = -2, -0.5, 0, 0.5, 3 */
    static const double want[][5] = {
        /* neg */ {2, 0.5, 0, -0.5, -3},
        /* exp */ {0.1353352832366127, 0.6065306597126334, 1, 1.6487212707001282, 20.085536923187668},
        /* log */ {0},
        /* sqrt */ {0},
        /* abs */ {2, 0.5, 0, 0.5, 3},
        /* sin */ {-0.9092974268256817, -0.479425538604203, 0, 0.479425538604203, 0.1411200080598672},
        /* cos */ {-0.4161468365471424, 0.8775825618903728, 1, 0.8775825618903728, -0.9899924966004454},
        /* tanh */ {-0.9640275800758169, -0.46211715726000974, 0, 0.46211715726000974, 0.9950547536867305},
        /* sigmoid */ {0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.9525741268224334},
        /* relu */ {0, 0, 0, 0.5, 3},
        /* square */ {4, 0.25, 0, 0.25, 9},
    };
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *x = T(dts[k], SHAPE(5), -2, -0.5, 0, 0.5, 3);
        for (int o = 0; o < NOPS; o++) {
            if (ops[o].positive)
                continue;
            gl_tensor *y = ops[o].f(x);
            assert_int_equal(gl_dtype_of(y), dts[k]);
            /* float32 kernels compute in float: good to ~1 ulp */
            assert_tensor_near(y, SHAPE(5), want[o], k == 0 ? 3e-7 : 1e-15);
            gl_release(y);
        }
        gl_release(x);
        /* log and sqrt on (0, inf), and their edges */
        gl_tensor *p = T(dts[k], SHAPE(6), 0.25, 1, 4, 0, -1, INFINITY);
        gl_tensor *l = gl_log(p), *s = gl_sqrt(p);
        assert_values(l, k == 0 ? 3e-7 : 1e-15, SHAPE(6), -1.3862943611198906, 0,
                      1.3862943611198906, -INFINITY, NAN, INFINITY);
        assert_values(s, 0, SHAPE(6), 0.5, 1, 2, 0, NAN, INFINITY);
        gl_release(l);
        gl_release(s);
        gl_release(p);
    }
}

/* Strided inputs (a transpose, a stepped slice) give the same values. */
static void test_unary_noncontiguous(void **state)
{
    (void)state;
    gl_tensor *m = T(GL_FLOAT64, SHAPE(2, 3), -1, 2, -3, 4, -5, 6);
    gl_tensor *mt = gl_transpose(m, 0, 1);
    gl_tensor *r = gl_relu(mt), *q = gl_square(mt);
    assert_values(r, 0, SHAPE(3, 2), 0, 4, 2, 0, 0, 6);
    assert_values(q, 0, SHAPE(3, 2), 1, 16, 4, 25, 9, 36);
    gl_tensor *v = T(GL_FLOAT32, SHAPE(6), 0, 1, 2, 3, 4, 5);
    gl_tensor *odd = gl_slice(v, 0, 1, 6, 2), *e = gl_exp(odd);
    assert_values(e, 1e-6, SHAPE(3), exp(1), exp(3), exp(5));
    gl_tensor *all[] = {m, mt, r, q, v, odd, e};
    for (int i = 0; i < 7; i++)
        gl_release(all[i]);
}

/* Float functions of int64/bool compute in float32; neg, abs, square and
 * relu keep int64 (bool counts as int64 there). */
static void test_unary_int_inputs(void **state)
{
    (void)state;
    gl_tensor *i = T(GL_INT64, SHAPE(3), -2, 0, 3), *b = T(GL_BOOL, SHAPE(2), 1, 0);
    for (int o = 0; o < NOPS; o++) {
        gl_tensor *y = ops[o].f(i), *z = ops[o].f(b);
        assert_int_equal(gl_dtype_of(y), ops[o].keeps_int ? GL_INT64 : GL_FLOAT32);
        assert_int_equal(gl_dtype_of(z), ops[o].keeps_int ? GL_INT64 : GL_FLOAT32);
        gl_release(y);
        gl_release(z);
    }
    gl_tensor *r[] = {gl_neg(i), gl_abs(i), gl_square(i), gl_relu(i), gl_exp(i), gl_sqrt(i),
                      gl_neg(b), gl_exp(b), gl_sigmoid(b)};
    assert_values(r[0], 0, SHAPE(3), 2, 0, -3);
    assert_values(r[1], 0, SHAPE(3), 2, 0, 3);
    assert_values(r[2], 0, SHAPE(3), 4, 0, 9);
    assert_values(r[3], 0, SHAPE(3), 0, 0, 3);
    assert_values(r[4], 0, SHAPE(3), (double)expf(-2), 1, (double)expf(3));
    assert_values(r[5], 0, SHAPE(3), NAN, 0, (double)sqrtf(3));
    assert_values(r[6], 0, SHAPE(2), -1, 0);
    assert_values(r[7], 0, SHAPE(2), (double)expf(1), 1);
    assert_values(r[8], 1e-7, SHAPE(2), 0.7310585786300049, 0.5);
    for (size_t k = 0; k < sizeof r / sizeof r[0]; k++)
        gl_release(r[k]);
    /* int64 extremes wrap as torch's, never undefined behaviour */
    int64_t ext[] = {INT64_MIN, INT64_MAX, (int64_t)1 << 40};
    gl_tensor *e = gl_from_buffer(ext, DIMS(3), GL_INT64);
    gl_tensor *n = gl_neg(e), *a = gl_abs(e), *s = gl_square(e);
    const int64_t *nv = gl_data_ptr(n), *av = gl_data_ptr(a), *sv = gl_data_ptr(s);
    assert_true(nv[0] == INT64_MIN && nv[1] == -INT64_MAX && nv[2] == -((int64_t)1 << 40));
    assert_true(av[0] == INT64_MIN && av[1] == INT64_MAX);
    assert_true(sv[2] == 0 && sv[1] == 1); /* 2^80 wraps to 0; (2^63-1)^2 wraps to 1 */
    gl_tensor *all[] = {i, b, e, n, a, s};
    for (int k = 0; k < 6; k++)
        gl_release(all[k]);
}

/* sigmoid for large |x|: no overflow, no NaN, and tiny results kept. */
static void test_unary_sigmoid_stable(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(5), -1000, -50, 0, 50, 1000);
    gl_tensor *y = gl_sigmoid(x);
    assert_values(y, 1e-15, SHAPE(5), 0, 1.928749847963918e-22, 0.5, 1, 1);
    gl_tensor *xf = T(GL_FLOAT32, SHAPE(4), -1000, -80, 80, 1000);
    gl_tensor *yf = gl_sigmoid(xf);
    assert_values(yf, 1e-6, SHAPE(4), 0, 1.8048513285848406e-35, 1, 1);
    /* deep in float32's subnormals: small but not flushed by an overflow */
    gl_tensor *xs = gl_scalar(-100, GL_FLOAT32), *ys = gl_sigmoid(xs);
    double v;
    gl_item(ys, &v);
    assert_true(v > 3e-44 && v < 4.5e-44);
    /* and the gradient there is y(1-y): 0 where y rounds to 1, never NaN */
    gl_requires_grad_(x, true);
    gl_tensor *z = gl_sigmoid(x), *g = gl_ones(DIMS(5), GL_FLOAT64);
    assert_int_equal(gl_backward(z, g, false), 0);
    assert_values(gl_grad(x), 1e-15, SHAPE(5), 0, 1.928749847963918e-22, 0.25, 0, 0);
    gl_tensor *all[] = {x, y, xf, yf, xs, ys, z, g};
    for (int k = 0; k < 8; k++)
        gl_release(all[k]);
}

static void test_unary_empty(void **state)
{
    (void)state;
    gl_tensor *e = gl_zeros(DIMS(0, 4), GL_FLOAT32);
    for (int o = 0; o < NOPS; o++) {
        gl_tensor *y = ops[o].f(e);
        assert_non_null(y);
        assert_int_equal(gl_numel(y), 0);
        assert_int_equal(gl_size(y, 1), 4);
        gl_release(y);
    }
    gl_release(e);
}

/* ------------------------------------------------------ finite differences */

/* Every op, float64, shapes (2,3) and (): inputs of size >= 0.1 (away from
 * the kinks of abs and relu at 0), positive for log and sqrt. */
static void test_unary_grad(void **state)
{
    (void)state;
    gl_manual_seed(21);
    for (int o = 0; o < NOPS; o++) {
        for (int s = 0; s < 2; s++) {
            gl_tensor *x = s ? test_randn(GL_FLOAT64, SHAPE(2, 3), true)
                             : test_randn(GL_FLOAT64, SCALAR_SHAPE, true);
            double *v = gl_data_ptr(x);
            for (int64_t i = 0; i < gl_numel(x); i++) {
                double m = fabs(v[i]) + 0.1;
                v[i] = ops[o].positive || i % 2 == 0 ? m : -m;
            }
            unop_ctx ctx = {ops[o].f};
            double err = gradcheck(apply_unop, &x, 1, &ctx, 1e-6, 1e-6);
            if (err >= 1e-6)
                fail_msg("%s: gradcheck error %g", ops[o].name, err);
            gl_tensor *y = ops[o].f(x);
            assert_string_equal(gl_grad_fn_name(y), ops[o].name);
            gl_release(y);
            gl_release(x);
        }
    }
}

/* Through a view: f(x^T), and a chain of several ops. */
static gl_tensor *transposed_chain(gl_tensor *const *in, void *ctx)
{
    (void)ctx;
    gl_tensor *t = gl_transpose(in[0], 0, 1);
    gl_tensor *a = gl_tanh(t), *b = gl_sigmoid(a), *c = gl_exp(b), *d = gl_sin(c);
    gl_tensor *e = gl_square(d), *f = gl_neg(e), *g = gl_cos(f);
    gl_tensor *all[] = {t, a, b, c, d, e, f};
    for (int i = 0; i < 7; i++)
        gl_release(all[i]);
    return g;
}

/* sum over dim 1 of sigmoid(x) * exp(x): the incoming gradients are
 * broadcast (stride-0) views of the reduced gradient. */
static gl_tensor *summed_product(gl_tensor *const *in, void *ctx)
{
    (void)ctx;
    gl_tensor *a = gl_sigmoid(in[0]), *b = gl_exp(in[0]), *p = gl_mul(a, b);
    gl_tensor *s = gl_sum(p, 1, false);
    gl_release(a);
    gl_release(b);
    gl_release(p);
    return s;
}

static void test_unary_grad_chain_strided(void **state)
{
    (void)state;
    gl_manual_seed(22);
    gl_tensor *x = test_randn(GL_FLOAT64, SHAPE(3, 4), true);
    assert_gradcheck(transposed_chain, &x, 1, NULL);
    assert_gradcheck(summed_product, &x, 1, NULL);
    gl_release(x);
}

/* A float32 input gets a float32 gradient; hand values of a few derivatives. */
static void test_unary_grad_values(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(3), -2, 0, 4), *g = T(GL_FLOAT32, SHAPE(3), 1, 1, 1);
    gl_requires_grad_(x, true);
    struct {
        unop f;
        double d[3];
    } cases[] = {
        {gl_abs, {-1, 0, 1}},          /* sign(x), 0 at 0 */
        {gl_neg, {-1, -1, -1}},
        {gl_square, {-4, 0, 8}},
        {gl_relu, {0, 0, 1}},          /* default: 0 at 0 */
        {gl_sigmoid, {0.10499358540350652, 0.25, 0.017662706213291107}},
        {gl_exp, {0.1353352832366127, 1, 54.598150033144236}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gl_set_grad(x, NULL);
        gl_tensor *y = cases[k].f(x);
        assert_int_equal(gl_backward(y, g, false), 0);
        assert_int_equal(gl_dtype_of(gl_grad(x)), GL_FLOAT32);
        assert_tensor_near(gl_grad(x), SHAPE(3), cases[k].d, 1e-6);
        gl_release(y);
    }
    /* sqrt at 4 and log at 4 */
    gl_tensor *p = T(GL_FLOAT64, SHAPE(1), 4);
    gl_requires_grad_(p, true);
    gl_tensor *s = gl_sqrt(p), *l = gl_log(p), *one = T(GL_FLOAT64, SHAPE(1), 1);
    assert_int_equal(gl_backward(s, one, false), 0);
    assert_values(gl_grad(p), 0, SHAPE(1), 0.25);
    assert_int_equal(gl_backward(l, one, false), 0);
    assert_values(gl_grad(p), 0, SHAPE(1), 0.5);
    gl_tensor *all[] = {x, g, p, s, l, one};
    for (int k = 0; k < 6; k++)
        gl_release(all[k]);
}

/* ------------------------------------------------ ReLU's derivative at 0 */

static void test_unary_relu_grad_at_zero(void **state)
{
    (void)state;
    double settings[] = {0, 0.5, 1};
    gl_tensor *g = T(GL_FLOAT64, SHAPE(4), 2, 2, 2, 2);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(gl_set_relu_grad_at_zero(settings[k]), 0);
        assert_true(gl_relu_grad_at_zero() == settings[k]);
        gl_tensor *x = T(GL_FLOAT64, SHAPE(4), -1, 0, 2, -0.0);
        gl_requires_grad_(x, true);
        gl_tensor *y = gl_relu(x);
        assert_values(y, 0, SHAPE(4), 0, 0, 2, 0);
        assert_int_equal(gl_backward(y, g, false), 0);
        /* -0.0 == 0 too: it is exactly zero */
        assert_values(gl_grad(x), 0, SHAPE(4), 0, 2 * settings[k], 2, 2 * settings[k]);
        gl_release(y);
        gl_release(x);
    }
    /* read at backward time: one retained graph, three settings */
    gl_tensor *x = T(GL_FLOAT32, SHAPE(2), 0, 3);
    gl_requires_grad_(x, true);
    gl_tensor *y = gl_relu(x), *one = T(GL_FLOAT32, SHAPE(2), 1, 1);
    for (int k = 0; k < 3; k++) {
        gl_set_relu_grad_at_zero(settings[k]);
        gl_set_grad(x, NULL);
        assert_int_equal(gl_backward(y, one, true), 0);
        assert_values(gl_grad(x), 0, SHAPE(2), settings[k], 1);
    }
    /* anything else is an error naming the value; the setting stays */
    assert_int_equal(gl_set_relu_grad_at_zero(0.3), -1);
    assert_error("set_relu_grad_at_zero: 0.3 is not allowed; ReLU's derivative at 0 can be 0 "
                 "(PyTorch), 0.5 (JAX's maximum) or 1");
    assert_int_equal(gl_set_relu_grad_at_zero(-1), -1);
    assert_error("set_relu_grad_at_zero: -1 is not allowed; ReLU's derivative at 0 can be 0 "
                 "(PyTorch), 0.5 (JAX's maximum) or 1");
    assert_int_equal(gl_set_relu_grad_at_zero(NAN), -1);
    assert_error("set_relu_grad_at_zero: nan is not allowed; ReLU's derivative at 0 can be 0 "
                 "(PyTorch), 0.5 (JAX's maximum) or 1");
    assert_true(gl_relu_grad_at_zero() == 1);
    gl_set_relu_grad_at_zero(0);
    gl_release(x);
    gl_release(y);
    gl_release(one);
    gl_release(g);
}

/* NaN and -0.0 pass through relu (torch 1.13: relu([nan, -0.]) is
 * tensor([nan, -0.])), and abs(-0.0) is +0. */
static void test_unary_nan_and_signed_zero(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(3), NAN, -0.0, -INFINITY);
    gl_tensor *r = gl_relu(x), *a = gl_abs(x);
    assert_values(r, 0, SHAPE(3), NAN, 0, 0);
    assert_values(a, 0, SHAPE(3), NAN, 0, INFINITY);
    assert_true(signbit(((float *)gl_data_ptr(r))[1]));
    assert_false(signbit(((float *)gl_data_ptr(a))[1]));
    gl_release(r);
    gl_release(a);
    gl_release(x);
}

/* float32 tanh and sigmoid are the engine's own code (ops_unary.c, so the
 * loops vectorize), checked here against the same functions computed in
 * double on a sample of all floats, contiguous and through a strided view.
 * Over all 2^32 floats the worst is 1 ulp for tanh and 2 for sigmoid
 * (checked once: too slow for every run). */

/* A float's place in the order of all floats: ulps apart is a difference. */
static int64_t float_order(float f)
{
    int32_t i;
    memcpy(&i, &f, sizeof i);
    return i < 0 ? (int64_t)INT32_MIN - i : i; /* monotone in f, -0 == +0 */
}

/* Every 4099th float bit pattern of both signs (~2.1 million values: zero,
 * subnormals, inf, NaN and all magnitudes); *n gets the count. */
static float *float_sample(int64_t *n)
{
    *n = 0;
    for (uint64_t u = 0; u <= 0xffffffffu; u += 4099)
        (*n)++;
    float *xs = malloc((size_t)*n * sizeof *xs);
    assert_non_null(xs);
    int64_t k = 0;
    for (uint64_t u = 0; u <= 0xffffffffu; u += 4099) {
        uint32_t b = (uint32_t)u;
        memcpy(&xs[k++], &b, sizeof b);
    }
    return xs;
}

/* The largest distance in ulps between f (the engine's float32 op) and ref
 * computed in double and rounded, over float_sample; NaN must give NaN, and
 * a strided view the same bits as the contiguous run. */
static int64_t worst_ulp_f32(unop f, double (*ref)(double))
{
    int64_t n;
    float *xs = float_sample(&n);
    gl_tensor *x = gl_from_buffer(xs, DIMS(n), GL_FLOAT32);
    gl_tensor *y = f(x);
    assert_non_null(y);
    const float *ys = gl_data_ptr(y);
    int64_t worst = 0;
    for (int64_t i = 0; i < n; i++) {
        if (xs[i] != xs[i]) {
            assert_true(ys[i] != ys[i]);
            continue;
        }
        int64_t d = llabs(float_order(ys[i]) - float_order((float)ref((double)xs[i])));
        worst = d > worst ? d : worst;
    }
    gl_tensor *v = gl_slice(x, 0, 0, n, 2), *yv = f(v); /* the strided kernel */
    assert_non_null(yv);
    const float *yvs = gl_data_ptr(yv);
    for (int64_t i = 0; i < gl_numel(yv); i++)
        assert_true(memcmp(&yvs[i], &ys[2 * i], sizeof(float)) == 0 || ys[2 * i] != ys[2 * i]);
    gl_release(yv);
    gl_release(v);
    gl_release(y);
    gl_release(x);
    free(xs);
    return worst;
}

static void test_unary_tanh_f32_ulp(void **state)
{
    (void)state;
    assert_true(worst_ulp_f32(gl_tanh, tanh) <= 1);
    /* the edges by name */
    const float edges[] = {0.0f, -0.0f, INFINITY, -INFINITY, 0.625f, -0.625f, 9.0f, 1e-30f};
    const float want[] = {0.0f, -0.0f, 1.0f, -1.0f, (float)tanh(0.625), (float)tanh(-0.625), 1.0f, 1e-30f};
    gl_tensor *e = gl_from_buffer(edges, DIMS(8), GL_FLOAT32);
    gl_tensor *ye = gl_tanh(e);
    const float *yes = gl_data_ptr(ye);
    for (int i = 0; i < 8; i++) { /* -0 and +0 are 0 ulp apart: the sign is checked too */
        assert_true(llabs(float_order(yes[i]) - float_order(want[i])) <= 1);
        assert_true(signbit(yes[i]) == signbit(want[i]));
    }
    gl_release(ye);
    gl_release(e);
}

/* sigmoid as its float32 kernel computes it (the stable form), in double */
static double sigmoid_ref(double x)
{
    double e = exp(-fabs(x));
    return (x >= 0 ? 1.0 : e) / (1.0 + e);
}

/* float32 sigmoid uses the engine's own e^-|x| too: within 2 ulp. */
static void test_unary_sigmoid_f32_ulp(void **state)
{
    (void)state;
    assert_true(worst_ulp_f32(gl_sigmoid, sigmoid_ref) <= 2);
}

/* The float64 tanh is the engine's own too: within 2 ulp of tanhl (long
 * double) on a million doubles: random bit patterns (every magnitude),
 * uniform on [-25, 25] (past the clamp at 20) and on [-1.5, 1.5] (the
 * boundary at 0.625: the worst there is 1.44 ulp over 60 million). */
static double ulps_from(double got, long double want)
{
    double w = (double)want;
    if (got == w)
        return 0;
    double u = nextafter(fabs(w), INFINITY) - fabs(w);
    if (u == 0 || !isfinite(u))
        u = 4.9e-324;
    return (double)fabsl((long double)got - want) / u;
}

static void test_unary_tanh_f64_ulp(void **state)
{
    (void)state;
    enum { N = 1000000 };
    double *xs = malloc(N * sizeof *xs);
    assert_non_null(xs);
    uint64_t r = 88172645463325252u;
    for (int i = 0; i < N; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        double u = (double)(r >> 11) / 9007199254740992.0 * 2 - 1;
        if (i % 3 == 0)
            memcpy(&xs[i], &r, sizeof r); /* NaN and inf among them */
        else
            xs[i] = u * (i % 3 == 1 ? 25 : 1.5);
    }
    gl_tensor *x = gl_from_buffer(xs, DIMS(N), GL_FLOAT64);
    gl_tensor *y = gl_tanh(x);
    assert_non_null(y);
    const double *ys = gl_data_ptr(y);
    double worst = 0;
    for (int i = 0; i < N; i++) {
        if (xs[i] != xs[i]) {
            assert_true(ys[i] != ys[i]);
            continue;
        }
        double e = ulps_from(ys[i], tanhl((long double)xs[i]));
        worst = e > worst ? e : worst;
        assert_true(signbit(ys[i]) == signbit(xs[i]));
    }
    assert_true(worst <= 2);
    gl_release(y);
    gl_release(x);
    free(xs);
}

TEST_GROUP(unary,
           cmocka_unit_test(test_unary_relu_setting_default),
           cmocka_unit_test(test_unary_values),
           cmocka_unit_test(test_unary_noncontiguous),
           cmocka_unit_test(test_unary_int_inputs),
           cmocka_unit_test(test_unary_sigmoid_stable),
           cmocka_unit_test(test_unary_empty),
           cmocka_unit_test(test_unary_grad),
           cmocka_unit_test(test_unary_grad_chain_strided),
           cmocka_unit_test(test_unary_grad_values),
           cmocka_unit_test(test_unary_relu_grad_at_zero),
           cmocka_unit_test(test_unary_nan_and_signed_zero),
           cmocka_unit_test(test_unary_tanh_f32_ulp),
           cmocka_unit_test(test_unary_sigmoid_f32_ulp),
           cmocka_unit_test(test_unary_tanh_f64_ulp));
