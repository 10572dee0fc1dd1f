/* test_anomaly.c — anomaly mode: the first nan/inf of a forward op or of a
 * backward function is an error naming the op (and the site the hook gave
 * when it was created); ops passing on nan/inf they were given are not
 * flagged; with the mode off nothing is checked and no site is asked. */
#include "test.h"

/* A site hook that answers "model.lua:<line>" and counts its calls. */
static int site_calls;
static int site_line = 7;
static bool test_site(void *ud, char *buf, size_t n)
{
    (void)ud;
    site_calls++;
    snprintf(buf, n, "model.lua:%d", site_line);
    return true;
}

static int anomaly_setup(void **state)
{
    (void)state;
    site_calls = 0;
    site_line = 7;
    gl_set_site_hook(test_site, NULL);
    gl_set_detect_anomaly(true);
    return 0;
}

static int anomaly_teardown(void **state)
{
    (void)state;
    gl_set_detect_anomaly(false);
    gl_set_site_hook(NULL, NULL);
    return 0;
}

static void anomaly_setting_returns_previous(void **state)
{
    (void)state;
    assert_true(gl_is_anomaly_enabled());
    assert_true(gl_set_detect_anomaly(false));
    assert_false(gl_is_anomaly_enabled());
    assert_false(gl_set_detect_anomaly(true));
    assert_true(gl_is_anomaly_enabled());
}

/* log(0) is -inf from a finite input: the op fails, no result, no leak. */
static void anomaly_forward_names_op_and_site(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(3), 0, 1, 2);
    assert_null(gl_log(x));
    assert_error("anomaly: log produced -inf in forward at model.lua:7 (input (3) had no nan/inf)");

    gl_tensor *z = gl_scalar(0, GL_FLOAT32);
    assert_null(gl_div(x, z)); /* 0/0 nan, 1/0 inf */
    assert_error("anomaly: div produced nan and inf in forward at model.lua:7 (inputs (3) and () "
                 "had no nan/inf)");

    gl_tensor *m = T(GL_FLOAT64, SHAPE(2, 1), 1e300, -1e300);
    gl_tensor *big = T(GL_FLOAT64, SHAPE(2), 1e300, 1e300);
    assert_null(gl_mul(m, big)); /* (2,1) * (2) -> (2,2), +-1e300 * 1e300 */
    assert_error("anomaly: mul produced inf and -inf in forward at model.lua:7 (inputs (2,1) and "
                 "(2) had no nan/inf)");

    gl_release(m);
    gl_release(big);
    gl_release(z);
    gl_release(x);
}

/* Without a hook (the engine used from C), the message has no site. */
static void anomaly_forward_without_site(void **state)
{
    (void)state;
    gl_set_site_hook(NULL, NULL);
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2), -1, 4);
    assert_null(gl_sqrt(x));
    assert_error("anomaly: sqrt produced nan in forward (input (2) had no nan/inf)");
    gl_release(x);
}

/* nan/inf in an input are passed on: only where they first appear is flagged. */
static void anomaly_passes_on_given_nan(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(3), NAN, 1, INFINITY);
    gl_tensor *two = gl_scalar(2, GL_FLOAT32);
    gl_tensor *y = gl_mul(x, two);
    assert_non_null(y);
    gl_tensor *s = gl_sum(y, GL_ALL_DIMS, false);
    assert_non_null(s);
    gl_release(s);
    gl_release(y);
    gl_release(two);
    gl_release(x);
    /* integer results are never scanned */
    gl_tensor *i = T(GL_INT64, SHAPE(2), 1, 2);
    gl_tensor *j = gl_add(i, i);
    assert_non_null(j);
    gl_release(j);
    gl_release(i);
}

/* sqrt(0) is 0, but its gradient 0.5/sqrt(0) is inf: backward fails naming
 * the op, where it was created and which input. */
static void anomaly_backward_names_op_site_and_input(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(3), 0, 1, 4);
    gl_requires_grad_(x, true);
    site_line = 3;
    gl_tensor *y = gl_sqrt(x);
    site_line = 4;
    gl_tensor *s = gl_sum(y, GL_ALL_DIMS, false);
    assert_int_equal(gl_backward(s, NULL, false), -1);
    assert_error("anomaly: the backward of 'sqrt' (created at model.lua:3) produced inf for input 1");
    gl_release(s);
    gl_release(y);
    gl_release(x);

    /* a / b with a tiny b: the quotient is finite, d/db = -a/b^2 is -inf (float32) */
    gl_tensor *a = T(GL_FLOAT32, SHAPE(2), 1, 1);
    gl_tensor *b = T(GL_FLOAT32, SHAPE(2), 1e-20, 1);
    gl_requires_grad_(a, true);
    gl_requires_grad_(b, true);
    site_line = 12;
    gl_tensor *q = gl_div(a, b);
    assert_non_null(q);
    gl_tensor *g = T(GL_FLOAT32, SHAPE(2), 1, 1);
    assert_int_equal(gl_backward(q, g, false), -1);
    assert_error("anomaly: the backward of 'div' (created at model.lua:12) produced -inf for input 2");
    /* input 1's gradient (1/b, finite) was accumulated before input 2's was checked */
    assert_non_null(gl_grad(a));
    assert_null(gl_grad(b));
    gl_release(g);
    gl_release(q);
    gl_release(b);
    gl_release(a);
}

/* A node made with the mode off has no site; one whose incoming gradient
 * already held nan says so (a nan seed). */
static void anomaly_backward_without_site_and_nan_seed(void **state)
{
    (void)state;
    gl_set_detect_anomaly(false);
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2), 0, 1);
    gl_requires_grad_(x, true);
    gl_tensor *y = gl_sqrt(x);
    assert_int_equal(site_calls, 0); /* off: the hook is never asked */
    gl_set_detect_anomaly(true);
    gl_tensor *g = T(GL_FLOAT64, SHAPE(2), 1, 1);
    assert_int_equal(gl_backward(y, g, true), -1);
    assert_error("anomaly: the backward of 'sqrt' produced inf for input 1");
    gl_release(g);

    gl_tensor *g2 = T(GL_FLOAT64, SHAPE(2), NAN, 1);
    gl_tensor *three = gl_scalar(3, GL_FLOAT64);
    gl_tensor *z = gl_mul(x, three);
    assert_int_equal(gl_backward(z, g2, false), -1);
    assert_error("anomaly: the backward of 'mul' (created at model.lua:7) produced nan for input 1 "
                 "(the gradient flowing into it already had nan)");
    gl_release(z);
    gl_release(three);
    gl_release(g2);
    gl_release(y);
    gl_release(x);
}

/* Two finite gradients whose sum overflows: flagged where they meet. */
static void anomaly_sum_of_gradients_overflows(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(1), 1);
    gl_requires_grad_(x, true);
    gl_tensor *k = gl_scalar(3e38, GL_FLOAT32);
    gl_tensor *a = gl_mul(x, k); /* d/dx 3e38, twice: 6e38 overflows float32 */
    gl_tensor *b = gl_mul(x, k);
    gl_tensor *s = gl_add(a, b);
    gl_tensor *g = T(GL_FLOAT32, SHAPE(1), 1);
    /* a and b are finite, a + b is not: made with the mode off to go on */
    assert_null(s);
    assert_error("anomaly: add produced inf in forward at model.lua:7 (inputs (1) and (1) had no "
                 "nan/inf)");
    gl_set_detect_anomaly(false);
    s = gl_add(a, b);
    gl_set_detect_anomaly(true);
    gl_tensor *half = gl_scalar(0, GL_FLOAT32);
    gl_tensor *s0 = gl_mul(s, half); /* inf * 0 = nan in forward, but s had inf: passed on */
    assert_non_null(s0);
    gl_release(s0);
    gl_release(half);
    /* the leaf gets 3e38 from a, then 3e38 from b: their sum is inf */
    assert_int_equal(gl_backward(s, g, false), -1);
    assert_error("anomaly: the gradient accumulated in a leaf of shape (1) became inf");
    gl_release(g);
    gl_release(s);
    gl_release(b);
    gl_release(a);
    gl_release(k);
    gl_release(x);
}

/* Gradients summed in a node (a result used twice) that overflow. */
static void anomaly_node_gradients_overflow(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(1), 1);
    gl_requires_grad_(x, true);
    site_line = 20;
    gl_tensor *e = gl_neg(x); /* used twice below */
    site_line = 21;
    gl_tensor *k = gl_scalar(3e38, GL_FLOAT32);
    gl_tensor *k2 = gl_scalar(1e-38, GL_FLOAT32);
    gl_tensor *a = gl_mul(e, k);  /* -3e38 */
    gl_tensor *b = gl_mul(e, k);
    gl_tensor *a2 = gl_mul(a, k2); /* -3 */
    gl_tensor *b2 = gl_mul(b, k2);
    gl_tensor *s = gl_add(a2, b2);
    gl_tensor *g = T(GL_FLOAT32, SHAPE(1), 1e38);
    /* e's gradient: 1e38 * 1e-38 * 3e38 from each path: 6e38 overflows */
    assert_int_equal(gl_backward(s, g, false), -1);
    assert_error("anomaly: the gradients flowing into 'neg' (created at model.lua:20) summed to inf");
    gl_tensor *t[] = {g, s, b2, a2, b, a, k2, k, e, x};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        gl_release(t[i]);
}

/* Off: nothing is checked, and a backward's nan reaches the leaf. */
static void anomaly_off_checks_nothing(void **state)
{
    (void)state;
    gl_set_detect_anomaly(false);
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2), 0, 1);
    gl_requires_grad_(x, true);
    gl_tensor *y = gl_log(x);
    assert_non_null(y);
    gl_tensor *s = gl_sum(y, GL_ALL_DIMS, false);
    assert_int_equal(gl_backward(s, NULL, false), 0);
    assert_true(isinf(gl_get(gl_grad(x), (int64_t[]){0})));
    assert_int_equal(site_calls, 0);
    gl_release(s);
    gl_release(y);
    gl_release(x);
}

/* The ops a backward function runs are not checked as forward ops: the
 * gradient they make is checked once, as the backward's. */
static void anomaly_backward_ops_not_forward_checked(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2), 0, 1);
    gl_requires_grad_(x, true);
    gl_tensor *y = gl_sqrt(x);
    gl_tensor *s = gl_sum(y, GL_ALL_DIMS, false);
    int calls = site_calls;
    assert_int_equal(gl_backward(s, NULL, false), -1);
    assert_int_equal(site_calls, calls); /* no site asked during backward */
    assert_true(strncmp(gl_error(), "anomaly: the backward of 'sqrt'", 31) == 0);
    gl_release(s);
    gl_release(y);
    gl_release(x);
}

TEST_GROUP(anomaly,
           cmocka_unit_test_setup_teardown(anomaly_setting_returns_previous, anomaly_setup,
                                           anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_forward_names_op_and_site, anomaly_setup,
                                           anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_forward_without_site, anomaly_setup,
                                           anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_passes_on_given_nan, anomaly_setup,
                                           anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_backward_names_op_site_and_input, anomaly_setup,
                                           anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_backward_without_site_and_nan_seed,
                                           anomaly_setup, anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_sum_of_gradients_overflows, anomaly_setup,
                                           anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_node_gradients_overflow, anomaly_setup,
                                           anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_off_checks_nothing, anomaly_setup,
                                           anomaly_teardown),
           cmocka_unit_test_setup_teardown(anomaly_backward_ops_not_forward_checked, anomaly_setup,
                                           anomaly_teardown));
