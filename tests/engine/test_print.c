/* test_print.c — gl_format against PyTorch's own printing.
 *
 * The cases in tests/golden/print_cases.json were printed by torch 1.13
 * (tests/golden/make_print_cases.py); each is rebuilt here and must print
 * character for character the same. The hand-written tests below cover what
 * a list of values can't: strided views, the grad_fn names of other ops,
 * options, and that the text comes back as a fresh malloc'd string. */
#include "test.h"

#include "json.h"

static const gl_print_options defaults = {4, 1000, 3, 80};

/* Fails the test unless gl_format(t) is exactly want; consumes t. */
static void assert_prints(gl_tensor *t, const char *want)
{
    if (!t)
        fail_msg("expected a tensor, got NULL: %s", gl_error());
    char *s = gl_format(t);
    gl_release(t);
    if (!s)
        fail_msg("gl_format returned NULL: %s", gl_error());
    if (strcmp(s, want) != 0) {
        print_error("got:\n%s\nexpected:\n%s\n", s, want);
        free(s);
        fail();
    }
    free(s);
}

/* ------------------------------------------------------ cases from torch */

/* Prints where got and want first differ: the line number and both lines
 * (whole texts can be too long for one cmocka message). */
static void report_difference(const char *name, const char *got, const char *want)
{
    size_t i = 0, line = 1, start = 0;
    while (got[i] && got[i] == want[i]) {
        if (got[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    int glen = (int)strcspn(got + start, "\n"), wlen = (int)strcspn(want + start, "\n");
    print_error("print case %s differs at line %zu, column %zu:\n  got:      %.*s\n"
                "  expected: %.*s\n",
                name, line, i - start + 1, glen > 300 ? 300 : glen, got + start,
                wlen > 300 ? 300 : wlen, want + start);
}

static int dtype_of(const char *name, gl_dtype *dt)
{
    return name ? gl_dtype_parse(name, dt) : -1;
}

/* The case's tensor, made the way make_print_cases.py made it: a leaf, set
 * to require grad, or the result of an identity op on such a leaf. */
static gl_tensor *case_tensor(const json *c, char *why, size_t n)
{
    gl_dtype dt;
    if (dtype_of(json_str(json_get(c, "dtype")), &dt) != 0) {
        snprintf(why, n, "bad dtype");
        return NULL;
    }
    gl_tensor *t = json_tensor(json_get(c, "values"), json_get(c, "shape"), dt, why, n);
    if (!t)
        return NULL;
    const json *rg = json_get(c, "requires_grad");
    if (rg && rg->boolean && gl_requires_grad_(t, true) != 0) {
        snprintf(why, n, "requires_grad_: %s", gl_error());
        gl_release(t);
        return NULL;
    }
    const char *fn = json_str(json_get(c, "grad_fn"));
    if (!fn)
        return t;
    /* x * 1, x / 1, -(-x), x + 0, x - 0: the values stay exactly x's */
    gl_tensor *k = gl_scalar(strcmp(fn, "add") == 0 || strcmp(fn, "sub") == 0 ? 0 : 1, dt);
    gl_tensor *r = NULL;
    if (strcmp(fn, "mul") == 0)
        r = gl_mul(t, k);
    else if (strcmp(fn, "div") == 0)
        r = gl_div(t, k);
    else if (strcmp(fn, "add") == 0)
        r = gl_add(t, k);
    else if (strcmp(fn, "sub") == 0)
        r = gl_sub(t, k);
    else if (strcmp(fn, "neg") == 0) {
        gl_tensor *m = gl_neg(t);
        r = m ? gl_neg(m) : NULL;
        gl_release(m);
    }
    if (!r)
        snprintf(why, n, "grad_fn %s: %s", fn, gl_error());
    gl_release(k);
    gl_release(t);
    return r;
}

static void test_print_matches_torch(void **state)
{
    (void)state;
    char err[512];
    json *doc = json_load("tests/golden/print_cases.json", err, sizeof err);
    if (!doc)
        fail_msg("%s", err);
    const json *cases = json_get(doc, "cases");
    size_t n = json_len(cases), failed = 0;
    assert_true(n >= 100);
    for (size_t i = 0; i < n; i++) {
        const json *c = json_at(cases, i);
        const char *name = json_str(json_get(c, "name"));
        const char *want = json_str(json_get(c, "expected"));
        const json *o = json_get(c, "options");
        gl_print_options opts = defaults;
        if (o) {
            opts.precision = (int)json_num(json_get(o, "precision"), 4);
            opts.threshold = (int64_t)json_num(json_get(o, "threshold"), 1000);
            opts.edgeitems = (int)json_num(json_get(o, "edgeitems"), 3);
            opts.linewidth = (int)json_num(json_get(o, "linewidth"), 80);
        }
        gl_set_print_options(&opts);
        char why[600] = "";
        gl_tensor *t = case_tensor(c, why, sizeof why);
        char *got = t ? gl_format(t) : NULL;
        gl_set_print_options(&defaults);
        if (!got || !want) {
            failed++;
            print_error("print case %s: %s\n", name ? name : "?",
                        !want ? "no expected text" : why[0] ? why : gl_error());
        } else if (strcmp(got, want) != 0) {
            failed++;
            report_difference(name ? name : "?", got, want);
        }
        free(got);
        gl_release(t);
    }
    json_free(doc);
    if (failed)
        fail_msg("%zu of %zu print cases differ from torch", failed, n);
}

/* The strings the seed document and DESIGN.md quote must be among the cases,
 * so the file can't drift away from them. */
static void test_print_cases_include_seed_strings(void **state)
{
    (void)state;
    static const char *const must[] = {
        "tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])",
        "tensor([1.6667e-02, 1.4286e-01, 1.2500e-05])",
        "tensor([[2., 0., 0., 0.]])",
        "tensor(3.)",
        "tensor(1.2040, dtype=float64)",
    };
    char err[512];
    json *doc = json_load("tests/golden/print_cases.json", err, sizeof err);
    if (!doc)
        fail_msg("%s", err);
    const json *cases = json_get(doc, "cases");
    for (size_t k = 0; k < sizeof must / sizeof must[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < json_len(cases) && !found; i++)
            found = strcmp(json_str(json_get(json_at(cases, i), "expected")), must[k]) == 0;
        if (!found) {
            json_free(doc);
            fail_msg("no print case expects %s", must[k]);
        }
    }
    json_free(doc);
}

/* ------------------------------------------------------------- by hand */

static void test_print_seed_strings_directly(void **state)
{
    (void)state;
    assert_prints(T(GL_FLOAT32, SHAPE(3), 0.3, 3.0, 3e-4), "tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])");
    assert_prints(T(GL_FLOAT32, SHAPE(1, 4), 2, 0, 0, 0), "tensor([[2., 0., 0., 0.]])");
    assert_prints(gl_scalar(3, GL_FLOAT32), "tensor(3.)");
    assert_prints(gl_scalar(1.203972804325936, GL_FLOAT64), "tensor(1.2040, dtype=float64)");
    assert_prints(T(GL_INT64, SHAPE(3), 1, 2, 3), "tensor([1, 2, 3])");
    assert_prints(T(GL_BOOL, SHAPE(2), 1, 0), "tensor([ True, False])");
}

/* A view prints its own elements in its own order: the transpose of a
 * matrix prints as the contiguous copy of that transpose does. */
static void test_print_strided_views(void **state)
{
    (void)state;
    gl_tensor *m = T(GL_FLOAT32, SHAPE(2, 3), 1, 2, 3, 4, 5, 6.5);
    assert_prints(gl_transpose(m, 0, 1), "tensor([[1.0000, 4.0000],\n"
                                         "        [2.0000, 5.0000],\n"
                                         "        [3.0000, 6.5000]])");
    assert_prints(gl_slice(m, 1, 0, 3, 2), "tensor([[1.0000, 3.0000],\n"
                                           "        [4.0000, 6.5000]])");
    assert_prints(gl_select(m, 1, 1), "tensor([2., 5.])");
    int64_t big[] = {3, 3};
    gl_tensor *row = T(GL_FLOAT64, SHAPE(1, 3), -1, 0, 1);
    assert_prints(gl_expand(row, big, 2), "tensor([[-1.,  0.,  1.],\n"
                                          "        [-1.,  0.,  1.],\n"
                                          "        [-1.,  0.,  1.]], dtype=float64)");
    gl_release(row);
    gl_release(m);

    /* summarised: a transposed (50,40) against its contiguous copy */
    int64_t shape[] = {40, 50};
    gl_manual_seed(7);
    gl_tensor *a = gl_randn(shape, 2, GL_FLOAT32);
    gl_tensor *at = gl_transpose(a, 0, 1);
    gl_tensor *copy = gl_contiguous(at);
    assert_non_null(copy);
    assert_false(gl_is_contiguous(at));
    char *want = gl_format(copy);
    assert_prints(at, want);
    free(want);
    gl_release(copy);
    gl_release(a);
}

static gl_tensor *leaf(gl_tensor *t)
{
    gl_requires_grad_(t, true);
    return t;
}

/* grad_fn=<...>: the op's name in CamelCase, then "Backward0" */
static void test_print_grad_fn_names(void **state)
{
    (void)state;
    gl_tensor *x = leaf(T(GL_FLOAT32, SHAPE(2), 0.5, 1.5));
    gl_tensor *y = T(GL_FLOAT32, SHAPE(2), 0, 1);
    assert_prints(gl_log_softmax(x, 0), "tensor([-1.3133, -0.3133], grad_fn=<LogSoftmaxBackward0>)");
    assert_prints(gl_mse_loss(x, y, GL_REDUCTION_MEAN), "tensor(0.2500, grad_fn=<MseLossBackward0>)");
    assert_prints(gl_sum(x, GL_ALL_DIMS, false), "tensor(2., grad_fn=<SumBackward0>)");
    assert_prints(gl_exp(x), "tensor([1.6487, 4.4817], grad_fn=<ExpBackward0>)");
    assert_prints(gl_mul(x, y), "tensor([0.0000, 1.5000], grad_fn=<MulBackward0>)");
    gl_tensor *two = gl_scalar(2, GL_FLOAT32);
    gl_tensor *l = leaf(gl_scalar(1, GL_FLOAT32));
    assert_prints(gl_mul(two, l), "tensor(2., grad_fn=<MulBackward0>)");
    gl_release(two);
    gl_release(l);
    /* no suffix once the graph is cut, or when it was never recorded */
    assert_prints(gl_detach(x), "tensor([0.5000, 1.5000])");
    bool old = gl_set_grad_enabled(false);
    assert_prints(gl_exp(x), "tensor([1.6487, 4.4817])");
    gl_set_grad_enabled(old);
    assert_prints(gl_retain(x), "tensor([0.5000, 1.5000], requires_grad=True)");
    gl_release(x);
    gl_release(y);
}

/* A float64 result with a grad_fn that does not fit on the line: torch puts
 * each suffix that would pass column 80 on its own line under "tensor(". */
static void test_print_suffix_wrapping(void **state)
{
    (void)state;
    gl_tensor *x = leaf(T(GL_FLOAT64, SHAPE(8), 1, 2, 3, 4, 5, 6, 7, 8.5));
    gl_tensor *one = gl_scalar(1, GL_FLOAT64);
    assert_prints(gl_mul(x, one), "tensor([1.0000, 2.0000, 3.0000, 4.0000, 5.0000, 6.0000, 7.0000, 8.5000],\n"
                                  "       dtype=float64, grad_fn=<MulBackward0>)");
    gl_release(one);
    gl_release(x);
}

static void test_print_options_round_trip(void **state)
{
    (void)state;
    gl_print_options o = gl_get_print_options();
    assert_int_equal(o.precision, 4);
    assert_int_equal(o.threshold, 1000);
    assert_int_equal(o.edgeitems, 3);
    assert_int_equal(o.linewidth, 80);

    gl_print_options p = {2, 5, 2, 80};
    gl_set_print_options(&p);
    o = gl_get_print_options();
    assert_int_equal(o.precision, 2);
    assert_int_equal(o.threshold, 5);
    gl_tensor *r = gl_arange(0, 10, 1, GL_FLOAT32), *four = gl_scalar(4, GL_FLOAT32);
    assert_prints(gl_div(r, four), "tensor([0.00, 0.25,  ..., 2.00, 2.25])");
    gl_release(r);
    gl_release(four);
    assert_prints(T(GL_FLOAT32, SHAPE(2), 1.12345, 2.5), "tensor([1.12, 2.50])");

    /* what can't be honoured is clamped */
    gl_print_options bad = {-3, -1, 0, 80};
    gl_set_print_options(&bad);
    o = gl_get_print_options();
    assert_int_equal(o.precision, 0);
    assert_int_equal(o.threshold, 0);
    assert_int_equal(o.edgeitems, 1);
    assert_prints(T(GL_FLOAT32, SHAPE(4), 1.5, 2, 3, 4), "tensor([2,  ..., 4])");
    gl_set_print_options(NULL); /* ignored */
    assert_int_equal(gl_get_print_options().edgeitems, 1);

    gl_set_print_options(&defaults);
    o = gl_get_print_options();
    assert_int_equal(o.precision, 4);
    assert_int_equal(o.threshold, 1000);
}

/* threshold counts elements, and summarising cuts every long dim: a
 * (2,1000) tensor keeps both rows and 3 + 3 columns. */
static void test_print_summary_2x1000(void **state)
{
    (void)state;
    gl_tensor *r = gl_arange(0, 2000, 1, GL_INT64);
    int64_t shape[] = {2, 1000};
    assert_prints(gl_reshape(r, shape, 2), "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n"
                                           "        [1000, 1001, 1002,  ..., 1997, 1998, 1999]])");
    gl_release(r);
}

/* Returns a fresh string each call; the tensor is left as it was. */
static void test_print_fresh_strings(void **state)
{
    (void)state;
    gl_tensor *t = T(GL_FLOAT32, SHAPE(2), 1, 2);
    char *a = gl_format(t), *b = gl_format(t);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_string_equal(a, b);
    assert_string_equal(a, "tensor([1., 2.])");
    free(a);
    free(b);
    gl_release(t);
}

/* A failed assertion leaves the test early: put the defaults back anyway. */
static int restore_defaults(void **state)
{
    (void)state;
    gl_set_print_options(&defaults);
    return 0;
}

#define PRINT_TEST(f) cmocka_unit_test_teardown(f, restore_defaults)

TEST_GROUP(print,
           PRINT_TEST(test_print_matches_torch),
           PRINT_TEST(test_print_cases_include_seed_strings),
           PRINT_TEST(test_print_seed_strings_directly),
           PRINT_TEST(test_print_strided_views),
           PRINT_TEST(test_print_grad_fn_names),
           PRINT_TEST(test_print_suffix_wrapping),
           PRINT_TEST(test_print_options_round_trip),
           PRINT_TEST(test_print_summary_2x1000),
           PRINT_TEST(test_print_fresh_strings));
