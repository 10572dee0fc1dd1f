/* test_seed.c — the seed document's own numbers, through the C API.
 *
 * Scenario 1: the asker's cross-entropy, -sum(d*log(c) + (1-d)*log(1-c))/n,
 * built from engine ops in float64, printed to 12 significant digits as
 * Python 2 printed it; and its gradient, which tells a from b although the
 * losses are equal. Scenario 5: PyTorch's backward examples, printed by
 * gl_format exactly as torch printed them, and the two errors. */
#include "test.h"

/* Fails unless gl_format(t) is exactly want. t is borrowed. */
static void assert_format(const gl_tensor *t, const char *want)
{
    if (!t)
        fail_msg("expected a tensor, got NULL (%s)", gl_error());
    char *s = gl_format(t);
    assert_non_null(s);
    if (strcmp(s, want) != 0) {
        print_error("got      %s\nexpected %s\n", s, want);
        free(s);
        fail();
    }
    free(s);
}

static gl_tensor *leaf(gl_tensor *t)
{
    assert_int_equal(gl_requires_grad_(t, true), 0);
    return t;
}

/* ------------------------------------------------------------ scenario 1 */

/* def CrossEntropy(calculated, desired):
 *     sum += desired[i]*log(calculated[i]) + (1-desired[i])*log(1-calculated[i])
 *     return (-1)*sum/n
 * calculated, desired: (n); returns the 0-dim loss. */
static gl_tensor *cross_entropy_by_hand(const gl_tensor *c, const gl_tensor *d)
{
    gl_dtype dt = gl_dtype_of(c);
    gl_tensor *one = gl_scalar(1, dt), *minus_one = gl_scalar(-1, dt);
    gl_tensor *n = gl_scalar((double)gl_numel(c), dt);
    gl_tensor *log_c = gl_log(c);
    gl_tensor *one_minus_c = gl_sub(one, c), *one_minus_d = gl_sub(one, d);
    gl_tensor *log_1mc = gl_log(one_minus_c);
    gl_tensor *t1 = gl_mul(d, log_c), *t2 = gl_mul(one_minus_d, log_1mc);
    gl_tensor *terms = gl_add(t1, t2);
    gl_tensor *sum = gl_sum(terms, GL_ALL_DIMS, false);
    gl_tensor *neg = gl_mul(minus_one, sum);
    gl_tensor *loss = gl_div(neg, n);
    gl_tensor *tmp[] = {one, minus_one, n, log_c, one_minus_c, one_minus_d, log_1mc,
                        t1, t2, terms, sum, neg};
    for (size_t i = 0; i < sizeof tmp / sizeof tmp[0]; i++)
        gl_release(tmp[i]);
    return loss;
}

static void test_seed_cross_entropy_same_loss(void **state)
{
    (void)state;
    static const struct {
        double c[4];
        const char *printed;
    } calls[] = {
        {{0.1, 0.9, 0.1, 0.1}, "1.20397280433"},
        {{0.1, 0.1, 0.1, 0.9}, "1.20397280433"},
        {{0.1, 0.1, 0.1, 0.75}, "0.974900121357"},
        {{0.45, 0.1, 0.1, 0.9}, "0.827953455132"},
    };
    gl_tensor *d = T(GL_FLOAT64, SHAPE(4), 1, 0, 0, 0);
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        gl_tensor *c = gl_from_doubles(calls[i].c, (int64_t[]){4}, 1, GL_FLOAT64);
        gl_tensor *loss = cross_entropy_by_hand(c, d);
        assert_non_null(loss);
        assert_int_equal(gl_ndim(loss), 0);
        double v;
        assert_int_equal(gl_item(loss, &v), 0);
        char printed[32];
        snprintf(printed, sizeof printed, "%.12g", v);
        assert_string_equal(printed, calls[i].printed);
        gl_release(loss);
        gl_release(c);
    }
    /* the closed form for a and b: ln(100/9)/2 */
    gl_tensor *a = T(GL_FLOAT64, SHAPE(4), 0.1, 0.9, 0.1, 0.1);
    gl_tensor *loss = cross_entropy_by_hand(a, d);
    double v;
    assert_int_equal(gl_item(loss, &v), 0);
    assert_true(fabs(v - log(100.0 / 9.0) / 2) < 1e-15);
    assert_format(loss, "tensor(1.2040, dtype=float64)");
    gl_release(loss);
    gl_release(a);

    /* in float32 (GOLDEN.md: torch gives 1.2039728164672852) */
    gl_tensor *a32 = T(GL_FLOAT32, SHAPE(4), 0.1, 0.9, 0.1, 0.1);
    gl_tensor *d32 = T(GL_FLOAT32, SHAPE(4), 1, 0, 0, 0);
    loss = cross_entropy_by_hand(a32, d32);
    assert_int_equal(gl_item(loss, &v), 0);
    assert_true(fabs(v - 1.2039728164672852) < 2e-7);
    assert_format(loss, "tensor(1.2040)");
    gl_release(loss);
    gl_release(a32);
    gl_release(d32);
    gl_release(d);
}

/* Same loss, different gradients: the network does learn which is right. */
static void test_seed_cross_entropy_gradients_differ(void **state)
{
    (void)state;
    gl_tensor *d = T(GL_FLOAT64, SHAPE(4), 1, 0, 0, 0);
    gl_tensor *a = leaf(T(GL_FLOAT64, SHAPE(4), 0.1, 0.9, 0.1, 0.1));
    gl_tensor *b = leaf(T(GL_FLOAT64, SHAPE(4), 0.1, 0.1, 0.1, 0.9));
    gl_tensor *la = cross_entropy_by_hand(a, d), *lb = cross_entropy_by_hand(b, d);
    assert_int_equal(gl_backward(la, NULL, false), 0);
    assert_int_equal(gl_backward(lb, NULL, false), 0);
    /* d loss / d c_i = -(d_i/c_i - (1-d_i)/(1-c_i)) / n */
    const double g1 = 1 / (0.9 * 4); /* 0.27778 */
    assert_values(gl_grad(a), 1e-12, SHAPE(4), -2.5, 2.5, g1, g1);
    assert_values(gl_grad(b), 1e-12, SHAPE(4), -2.5, g1, g1, 2.5);
    /* as the document rounds them */
    double ga[4], gb[4];
    gl_copy_to_doubles(gl_grad(a), ga);
    gl_copy_to_doubles(gl_grad(b), gb);
    const double want_a[] = {-2.5, 2.5, 0.27778, 0.27778}, want_b[] = {-2.5, 0.27778, 0.27778, 2.5};
    for (int i = 0; i < 4; i++) {
        assert_true(fabs(round(ga[i] * 1e5) / 1e5 - want_a[i]) < 1e-12);
        assert_true(fabs(round(gb[i] * 1e5) / 1e5 - want_b[i]) < 1e-12);
    }
    assert_format(gl_grad(a), "tensor([-2.5000,  2.5000,  0.2778,  0.2778], dtype=float64)");
    gl_release(la);
    gl_release(lb);
    gl_release(a);
    gl_release(b);
    gl_release(d);
}

/* GOLDEN.md: softmax + categorical cross-entropy on logits log(a) gives
 * ln 12 for both a and b, gradient softmax - onehot. */
static void test_seed_softmax_cross_entropy(void **state)
{
    (void)state;
    gl_tensor *target = T(GL_INT64, SHAPE(1), 0);
    static const double probs[2][4] = {{0.1, 0.9, 0.1, 0.1}, {0.1, 0.1, 0.1, 0.9}};
    for (int k = 0; k < 2; k++) {
        gl_tensor *p = gl_from_doubles(probs[k], (int64_t[]){1, 4}, 2, GL_FLOAT64);
        gl_tensor *z = gl_log(p);
        gl_release(p);
        leaf(z);
        gl_tensor *loss = gl_cross_entropy(z, target, GL_REDUCTION_MEAN);
        assert_non_null(loss);
        double v;
        assert_int_equal(gl_item(loss, &v), 0);
        char printed[32];
        snprintf(printed, sizeof printed, "%.13g", v);
        assert_string_equal(printed, "2.484906649788");
        assert_int_equal(gl_backward(loss, NULL, false), 0);
        if (k == 0)
            assert_values(gl_grad(z), 1e-12, SHAPE(1, 4), 0.1 / 1.2 - 1, 0.75, 0.1 / 1.2, 0.1 / 1.2);
        else
            assert_values(gl_grad(z), 1e-12, SHAPE(1, 4), 0.1 / 1.2 - 1, 0.1 / 1.2, 0.1 / 1.2, 0.75);
        gl_release(loss);
        gl_release(z);
    }
    gl_release(target);
}

/* ------------------------------------------------------------ scenario 5 */

/* y = 3*a + 2*b*b + log(c), as Python evaluates it: ((3*a) + ((2*b)*b)) + log(c) */
static gl_tensor *seed_y(const gl_tensor *a, const gl_tensor *b, const gl_tensor *c)
{
    gl_tensor *three = gl_scalar(3, GL_FLOAT32), *two = gl_scalar(2, GL_FLOAT32);
    gl_tensor *t1 = gl_mul(three, a), *t2 = gl_mul(two, b);
    gl_tensor *t3 = gl_mul(t2, b), *t4 = gl_add(t1, t3), *t5 = gl_log(c);
    gl_tensor *y = gl_add(t4, t5);
    gl_tensor *tmp[] = {three, two, t1, t2, t3, t4, t5};
    for (size_t i = 0; i < sizeof tmp / sizeof tmp[0]; i++)
        gl_release(tmp[i]);
    return y;
}

/* Example 1: y.backward(gradients, retain_graph=True) */
static void test_seed_backward_with_gradient(void **state)
{
    (void)state;
    gl_tensor *a = leaf(T(GL_FLOAT32, SHAPE(3), 1, 2, 3));
    gl_tensor *b = leaf(T(GL_FLOAT32, SHAPE(3), 3, 4, 5));
    gl_tensor *c = leaf(T(GL_FLOAT32, SHAPE(3), 6, 7, 8));
    gl_tensor *y = seed_y(a, b, c);
    assert_format(y, "tensor([22.7918, 39.9459, 61.0794], grad_fn=<AddBackward0>)");
    gl_tensor *gradients = T(GL_FLOAT32, SHAPE(3), 0.1, 1.0, 0.0001);
    assert_int_equal(gl_backward(y, gradients, true), 0);
    assert_format(gl_grad(a), "tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])");
    assert_format(gl_grad(b), "tensor([1.2000e+00, 1.6000e+01, 2.0000e-03])");
    assert_format(gl_grad(c), "tensor([1.6667e-02, 1.4286e-01, 1.2500e-05])");
    gl_release(gradients);
    gl_release(y);
    gl_release(a);
    gl_release(b);
    gl_release(c);
}

/* Example 2: a scalar y, y.backward() */
static void test_seed_backward_scalar(void **state)
{
    (void)state;
    gl_tensor *a = leaf(gl_scalar(0.1, GL_FLOAT32));
    gl_tensor *b = leaf(gl_scalar(1.0, GL_FLOAT32));
    gl_tensor *c = leaf(gl_scalar(0.1, GL_FLOAT32));
    gl_tensor *y = seed_y(a, b, c);
    assert_int_equal(gl_backward(y, NULL, false), 0);
    assert_format(gl_grad(a), "tensor(3.)");
    assert_format(gl_grad(b), "tensor(4.)");
    assert_format(gl_grad(c), "tensor(10.)");
    gl_release(y);
    gl_release(a);
    gl_release(b);
    gl_release(c);
}

/* Example 4: two backward calls, the gradients accumulate. */
static void test_seed_backward_accumulates(void **state)
{
    (void)state;
    gl_tensor *a = leaf(gl_scalar(1.0, GL_FLOAT32));
    gl_tensor *b = leaf(gl_scalar(1.0, GL_FLOAT32));
    gl_tensor *c = leaf(gl_scalar(1.0, GL_FLOAT32));
    gl_tensor *y = seed_y(a, b, c);
    assert_int_equal(gl_backward(y, NULL, true), 0);
    assert_int_equal(gl_backward(y, NULL, false), 0);
    assert_format(gl_grad(a), "tensor(6.)");
    assert_format(gl_grad(b), "tensor(8.)");
    assert_format(gl_grad(c), "tensor(2.)");
    gl_release(y);
    gl_release(a);
    gl_release(b);
    gl_release(c);
}

/* The answer's z = 2x example: one row of the Jacobian per backward, the
 * sum of them with [1,1,1,1], and the same from loss = z.sum(dim=1). */
static void test_seed_z_equals_2x(void **state)
{
    (void)state;
    gl_tensor *x = leaf(T(GL_FLOAT32, SHAPE(1, 4), 1, 2, 3, 4));
    gl_tensor *two = gl_scalar(2, GL_FLOAT32);
    gl_tensor *z = gl_mul(two, x);
    gl_tensor *loss = gl_sum(z, 1, false);
    assert_format(z, "tensor([[2., 4., 6., 8.]], grad_fn=<MulBackward0>)");
    /* torch names it SumBackward1 (the overload with a dim); gradlab's
     * names are the op's name + "Backward0" */
    assert_format(loss, "tensor([20.], grad_fn=<SumBackward0>)");
    static const struct {
        double g[4];
        const char *printed;
    } steps[] = {
        {{1, 0, 0, 0}, "tensor([[2., 0., 0., 0.]])"},
        {{0, 1, 0, 0}, "tensor([[0., 2., 0., 0.]])"},
        {{1, 1, 1, 1}, "tensor([[2., 2., 2., 2.]])"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        gl_tensor *g = gl_from_doubles(steps[i].g, (int64_t[]){1, 4}, 2, GL_FLOAT32);
        assert_int_equal(gl_backward(z, g, true), 0);
        assert_format(gl_grad(x), steps[i].printed);
        assert_int_equal(gl_zero_(gl_grad(x)), 0); /* x.grad.data.zero_() */
        gl_release(g);
    }
    assert_int_equal(gl_backward(loss, NULL, false), 0);
    assert_format(gl_grad(x), "tensor([[2., 2., 2., 2.]])");
    gl_release(loss);
    gl_release(z);
    gl_release(two);
    gl_release(x);
}

/* z.backward() on the (1,4) z: the gradient argument is needed. */
static void test_seed_backward_non_scalar_error(void **state)
{
    (void)state;
    gl_tensor *x = leaf(T(GL_FLOAT32, SHAPE(1, 4), 1, 2, 3, 4));
    gl_tensor *two = gl_scalar(2, GL_FLOAT32);
    gl_tensor *z = gl_mul(two, x);
    assert_int_equal(gl_backward(z, NULL, false), -1);
    assert_error("backward: grad can be implicitly created only for scalar outputs; this output "
                 "has shape (1,4), so pass a gradient of that shape (the vector of the "
                 "vector-Jacobian product)");
    assert_null(gl_grad(x)); /* nothing moved */
    gl_release(z);
    gl_release(two);
    gl_release(x);
}

/* A second backward without retain_graph on the first fails, and leaves
 * the gradients of the first as they were. */
static void test_seed_second_backward_error(void **state)
{
    (void)state;
    gl_tensor *x = leaf(T(GL_FLOAT32, SHAPE(1, 4), 1, 2, 3, 4));
    gl_tensor *two = gl_scalar(2, GL_FLOAT32);
    gl_tensor *z = gl_mul(two, x);
    gl_tensor *g = T(GL_FLOAT32, SHAPE(1, 4), 1, 1, 1, 1);
    assert_int_equal(gl_backward(z, g, false), 0);
    assert_int_equal(gl_backward(z, g, false), -1);
    assert_error("backward: trying to go back through the graph a second time: the tensors that "
                 "'mul' saved were freed by the first backward; pass retain_graph = true to the "
                 "first backward if you need to go back again");
    assert_format(gl_grad(x), "tensor([[2., 2., 2., 2.]])");
    gl_release(g);
    gl_release(z);
    gl_release(two);
    gl_release(x);

    /* the seed's y, example 4 without retain_graph on the first call */
    gl_tensor *a = leaf(gl_scalar(1.0, GL_FLOAT32));
    gl_tensor *b = leaf(gl_scalar(1.0, GL_FLOAT32));
    gl_tensor *c = leaf(gl_scalar(1.0, GL_FLOAT32));
    gl_tensor *y = seed_y(a, b, c);
    assert_int_equal(gl_backward(y, NULL, false), 0);
    assert_int_equal(gl_backward(y, NULL, false), -1);
    const char *prefix = "backward: trying to go back through the graph a second time: ";
    assert_true(strncmp(gl_error(), prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(gl_error(), "pass retain_graph = true"));
    assert_format(gl_grad(a), "tensor(3.)");
    assert_format(gl_grad(b), "tensor(4.)");
    assert_format(gl_grad(c), "tensor(1.)");
    gl_release(y);
    gl_release(a);
    gl_release(b);
    gl_release(c);
}

TEST_GROUP(seed,
           cmocka_unit_test(test_seed_cross_entropy_same_loss),
           cmocka_unit_test(test_seed_cross_entropy_gradients_differ),
           cmocka_unit_test(test_seed_softmax_cross_entropy),
           cmocka_unit_test(test_seed_backward_with_gradient),
           cmocka_unit_test(test_seed_backward_scalar),
           cmocka_unit_test(test_seed_backward_accumulates),
           cmocka_unit_test(test_seed_z_equals_2x),
           cmocka_unit_test(test_seed_backward_non_scalar_error),
           cmocka_unit_test(test_seed_second_backward_error));
