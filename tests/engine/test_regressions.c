/* test_regressions.c — one test per bug that tests/fuzz/api_fuzz.lua found
 * in the engine, named after the bug. Lua-level ones are in
 * tests/lua/spec_regressions.lua. */
#include "test.h"

/* Allocation requests of terabytes must fail with an error, not abort the
 * process: under AddressSanitizer that takes allocator_may_return_null
 * (its default is to report and abort). A no-op without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

/* Fails unless the last error contains part. */
static void assert_error_has(const char *part)
{
    if (!strstr(gl_error(), part))
        fail_msg("error \"%s\" does not contain \"%s\"", gl_error(), part);
}

/* expand to a shape whose element count overflows int64 was accepted: the
 * view's numel was then undefined (UBSan: signed overflow in
 * gl_shape_numel from gl_format). */
static void regression_expand_overflow(void **state)
{
    (void)state;
    gl_tensor *one = gl_ones(DIMS(1, 1), GL_FLOAT32);
    assert_null(gl_expand(one, DIMS(INT64_C(1) << 62, 4)));
    assert_error("expand: can't expand a tensor of shape (1,1) to (4611686018427387904,4): the "
                 "number of elements overflows 64 bits");
    assert_null(gl_expand(one, DIMS(INT64_C(1) << 40, INT64_C(1) << 40)));
    assert_error_has("overflows 64 bits");
    /* large but representable: still a (free) view */
    gl_tensor *big = gl_expand(one, DIMS(INT64_C(1) << 31, INT64_C(1) << 31));
    assert_non_null(big);
    assert_true(gl_numel(big) == INT64_C(1) << 62);
    char *s = gl_format(big); /* summarised: only the edges are read */
    assert_non_null(s);
    free(s);
    gl_release(big);
    gl_release(one);
}

/* A shape with a 0 and huge other sizes, (0, 2^62, 2^62), was accepted as
 * empty: its contiguous strides overflowed (signed overflow in
 * gl_contiguous_strides). gl_new, reshape and view now refuse it. */
static void regression_empty_shape_overflow(void **state)
{
    (void)state;
    int64_t big = INT64_C(1) << 62;
    assert_null(gl_zeros(DIMS(0, big, big), GL_FLOAT32));
    assert_error("tensor: shape (0,4611686018427387904,4611686018427387904) is too large: the "
                 "product of its sizes overflows 64 bits");
    gl_tensor *e = gl_zeros(DIMS(0), GL_FLOAT32);
    assert_null(gl_reshape(e, DIMS(0, big, big)));
    assert_error("reshape: shape (0,4611686018427387904,4611686018427387904) is too large");
    assert_null(gl_view(e, DIMS(big, big, 0)));
    assert_error_has("is too large");
    /* an empty tensor with a large (but fine) size is still fine */
    gl_tensor *ok = gl_reshape(e, DIMS(0, INT64_C(1) << 40));
    assert_non_null(ok);
    gl_release(ok);
    gl_release(e);
}

/* Too large to allocate, or a byte count that overflows: an error naming
 * the bytes, and the engine goes on. */
static void regression_huge_allocation(void **state)
{
    (void)state;
    assert_null(gl_zeros(DIMS(1000000000000), GL_FLOAT32));
    assert_error("out of memory: cannot allocate 4000000000000 bytes for a float32 tensor of shape "
                 "(1000000000000)");
    assert_null(gl_empty(DIMS(INT64_C(1) << 62, 4), GL_FLOAT64));
    assert_error("tensor: shape (4611686018427387904,4) of float64 is too large: 1.48e+20 bytes "
                 "overflow the address space");
    gl_tensor *t = gl_ones(DIMS(2), GL_FLOAT32);
    assert_non_null(t);
    gl_release(t);
}

/* gl_empty(bool) returned uninitialised bytes: elements printed True but
 * held 0x7f and such, so eq of two "True"s was false (and a .npy round trip
 * "changed" them). Bool elements are always 0 or 1. */
static void regression_empty_bool(void **state)
{
    (void)state;
    gl_tensor *junk = gl_full(DIMS(64), 1e30, GL_FLOAT64); /* dirty a pooled buffer */
    gl_release(junk);
    gl_tensor *b = gl_empty(DIMS(64), GL_BOOL);
    const unsigned char *p = gl_data_ptr(b);
    for (int i = 0; i < 64; i++)
        assert_int_equal(p[i], 0);
    gl_tensor *e = gl_eq(b, b);
    const unsigned char *q = gl_data_ptr(e);
    for (int i = 0; i < 64; i++)
        assert_int_equal(q[i], 1);
    gl_release(e);
    gl_release(b);
}

/* gl_set_grad(x, g) cloned g with grad mode on: when g was computed from x
 * (x.grad = 2 * x), x's grad held a graph that held x, a reference cycle
 * that was never freed (LeakSanitizer). The grad is now a plain tensor. */
static void regression_set_grad_cycle(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2), 1, 2);
    assert_int_equal(gl_requires_grad_(x, true), 0);
    gl_tensor *two = gl_scalar(2, GL_FLOAT64);
    gl_tensor *y = gl_mul(two, x);
    assert_non_null(gl_grad_fn_name(y));
    assert_int_equal(gl_set_grad(x, y), 0);
    assert_null(gl_grad_fn_name(gl_grad(x)));
    assert_false(gl_requires_grad(gl_grad(x)));
    assert_values(gl_grad(x), 0, SHAPE(2), 2, 4);
    assert_true(gl_is_grad_enabled());
    gl_release(y);
    gl_release(two);
    gl_release(x); /* frees x and its grad: LeakSanitizer checks */
}

/* A copy of a non-contiguous int64 tensor (contiguous, clone, reshape that
 * copies, a transpose made contiguous) went through doubles element by
 * element: values above 2^53 came back rounded (api_fuzz's "op on a view
 * equals op on its contiguous copy" oracle: square of an expanded int64). */
static void regression_int64_strided_copy_exact(void **state)
{
    (void)state;
    int64_t big = (INT64_C(1) << 53) + 1; /* not a double */
    gl_tensor *x = gl_zeros(DIMS(2, 3), GL_INT64);
    int64_t *p = gl_data_ptr(x);
    for (int i = 0; i < 6; i++)
        p[i] = big + 2 * i;
    gl_tensor *xt = gl_transpose(x, 0, 1); /* (3,2), not contiguous */
    gl_tensor *c = gl_contiguous(xt), *k = gl_clone(xt), *r = gl_reshape(xt, DIMS(6));
    int64_t want[6] = {big, big + 6, big + 2, big + 8, big + 4, big + 10};
    gl_tensor *outs[3] = {c, k, r};
    for (int j = 0; j < 3; j++) {
        assert_non_null(outs[j]);
        const int64_t *q = gl_data_ptr(outs[j]);
        for (int i = 0; i < 6; i++)
            assert_true(q[i] == want[i]);
    }
    gl_tensor *one = gl_slice(x, 1, 0, 1, 1); /* (2,1) */
    gl_tensor *e = gl_expand(one, DIMS(2, 4));
    gl_tensor *sq = gl_square(e), *sqc = gl_contiguous(e), *sq2 = sqc ? gl_square(sqc) : NULL;
    assert_non_null(sq2);
    const int64_t *a = gl_data_ptr(sq), *b = gl_data_ptr(sq2);
    for (int i = 0; i < 8; i++)
        assert_true(a[i] == b[i]);
    gl_release(sq2);
    gl_release(sqc);
    gl_release(sq);
    gl_release(e);
    gl_release(one);
    for (int j = 0; j < 3; j++)
        gl_release(outs[j]);
    gl_release(xt);
    gl_release(x);
}

/* In anomaly mode every result is scanned for nan/inf, an expanded view
 * element by element: expanding one element to (2^31, 2^31) (a free view)
 * then took 2^62 steps, a hang (api_fuzz, gradcheck of such a view). An
 * expanded dim repeats one element and is scanned once. */
static void regression_anomaly_scan_expanded(void **state)
{
    (void)state;
    bool prev = gl_set_detect_anomaly(true);
    gl_tensor *one = gl_ones(DIMS(1, 1), GL_FLOAT64);
    gl_tensor *big = gl_expand(one, DIMS(INT64_C(1) << 31, INT64_C(1) << 31));
    assert_non_null(big); /* returns at once */
    gl_tensor *nan = T(GL_FLOAT64, SHAPE(1, 2), 1, 0), *zero = gl_scalar(0, GL_FLOAT64);
    gl_tensor *q = gl_div(nan, zero); /* (1,2): inf, nan: made here, an anomaly */
    assert_null(q);
    assert_error_has("anomaly: div produced nan and inf in forward");
    gl_set_detect_anomaly(false);
    q = gl_div(nan, zero);
    gl_set_detect_anomaly(true);
    gl_tensor *e = gl_expand(q, DIMS(3, 2)); /* passes nan on: no anomaly */
    assert_non_null(e);
    gl_release(e);
    gl_release(q);
    gl_release(zero);
    gl_release(nan);
    gl_release(big);
    gl_release(one);
    gl_set_detect_anomaly(prev);
}

/* softmax / log_softmax of an empty tensor with a huge dim, (2^53, 0)
 * along dim 0, walked that dim doing nothing 2^53 times, forward and
 * backward: a hang (api_fuzz). Empty in, empty out, at once. */
static void regression_softmax_empty_huge_dim(void **state)
{
    (void)state;
    int64_t huge = INT64_C(1) << 53;
    gl_tensor *x = gl_zeros(DIMS(huge, 0), GL_FLOAT64);
    assert_int_equal(gl_requires_grad_(x, true), 0);
    gl_tensor *y = gl_softmax(x, 0), *ly = gl_log_softmax(x, 0);
    assert_non_null(y);
    assert_non_null(ly);
    assert_true(gl_shape(y)[0] == huge && gl_shape(y)[1] == 0);
    gl_tensor *g = gl_zeros(DIMS(huge, 0), GL_FLOAT64);
    assert_int_equal(gl_backward(y, g, false), 0);
    assert_int_equal(gl_backward(ly, g, false), 0);
    assert_non_null(gl_grad(x));
    gl_release(g);
    gl_release(ly);
    gl_release(y);
    gl_release(x);
}

/* arange counted and filled int64 ranges through doubles: beyond 2^53 the
 * values rounded and the count came out wrong (4 elements for
 * [2^53 + 1, 2^53 + 3)). gl_arange_i64 is exact over the whole range. */
static void regression_arange_int64_exact(void **state)
{
    (void)state;
    int64_t big = (INT64_C(1) << 53) + 1;
    gl_tensor *t = gl_arange_i64(big, big + 2, 1);
    assert_non_null(t);
    assert_int_equal(gl_numel(t), 2);
    const int64_t *v = gl_data_ptr(t);
    assert_true(v[0] == big && v[1] == big + 1);
    gl_release(t);
    /* the widest span: INT64_MIN to INT64_MAX by INT64_MAX, 3 elements */
    t = gl_arange_i64(INT64_MIN, INT64_MAX, INT64_MAX);
    assert_non_null(t);
    assert_int_equal(gl_numel(t), 3);
    v = gl_data_ptr(t);
    assert_true(v[0] == INT64_MIN && v[1] == -1 && v[2] == INT64_MAX - 1);
    gl_release(t);
    t = gl_arange_i64(10, 1, -3); /* 10, 7, 4 */
    assert_non_null(t);
    assert_int_equal(gl_numel(t), 3);
    assert_true(((const int64_t *)gl_data_ptr(t))[2] == 4);
    gl_release(t);
    /* gl_fill_int64_: the value exactly, also into an expanded view */
    gl_tensor *z = gl_zeros(DIMS(1), GL_INT64), *e = gl_expand(z, DIMS(3));
    assert_int_equal(gl_fill_int64_(e, big), 0);
    assert_true(((const int64_t *)gl_data_ptr(z))[0] == big);
    gl_release(e);
    gl_release(z);
    assert_null(gl_arange_i64(1, 5, 0));
    assert_error("arange: step must be nonzero");
    assert_null(gl_arange_i64(5, 1, 1));
    assert_error("arange: step 1 goes away from end 1 (start 5)");
}

TEST_GROUP(regressions,
           cmocka_unit_test(regression_expand_overflow),
           cmocka_unit_test(regression_empty_shape_overflow),
           cmocka_unit_test(regression_huge_allocation),
           cmocka_unit_test(regression_empty_bool),
           cmocka_unit_test(regression_set_grad_cycle),
           cmocka_unit_test(regression_int64_strided_copy_exact),
           cmocka_unit_test(regression_anomaly_scan_expanded),
           cmocka_unit_test(regression_softmax_empty_huge_dim),
           cmocka_unit_test(regression_arange_int64_exact));
