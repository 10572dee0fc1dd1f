/* test_binary.c — add sub mul div pow, comparisons, where, masked_fill:
 * forward values in every dtype, promotion, broadcasting, exact error text,
 * gradients against finite differences, and the seed's scenario 5 examples. */
#include "test.h"

/* A shape in the engine's argument order (shape, ndim): gl_zeros(DIMS(2, 3), dt). */

typedef gl_tensor *(*binop)(const gl_tensor *, const gl_tensor *);
typedef struct {
    binop f;
} binop_ctx;

static gl_tensor *apply_binop(gl_tensor *const *in, void *ctx)
{
    return ((binop_ctx *)ctx)->f(in[0], in[1]);
}

static void release_all(gl_tensor **ts, int n)
{
    for (int i = 0; i < n; i++)
        gl_release(ts[i]);
}

/* A float64 tensor requiring grad with elements |randn| + lo (away from 0
 * for log/division/pow bases). */
static gl_tensor *positive(int ndim, const int64_t *shape, double lo)
{
    gl_tensor *t = test_randn(GL_FLOAT64, ndim, shape, true);
    double *v = gl_data_ptr(t);
    for (int64_t i = 0; i < gl_numel(t); i++)
        v[i] = fabs(v[i]) + lo;
    return t;
}

/* ------------------------------------------------------------- forward */

static void test_binary_add_sub_mul_values(void **state)
{
    (void)state;
    gl_dtype fdts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        gl_tensor *a = T(fdts[k], SHAPE(2, 2), 1, -2, 3, 40);
        gl_tensor *b = T(fdts[k], SHAPE(2, 2), 5, 6, -7, 8);
        gl_tensor *r[3] = {gl_add(a, b), gl_sub(a, b), gl_mul(a, b)};
        assert_values(r[0], 0, SHAPE(2, 2), 6, 4, -4, 48);
        assert_values(r[1], 0, SHAPE(2, 2), -4, -8, 10, 32);
        assert_values(r[2], 0, SHAPE(2, 2), 5, -12, -21, 320);
        for (int i = 0; i < 3; i++)
            assert_int_equal(gl_dtype_of(r[i]), fdts[k]);
        release_all(r, 3);
        gl_release(a);
        gl_release(b);
    }
    /* float32 rounds like float32: 0.1f + 0.2f */
    gl_tensor *a = T(GL_FLOAT32, SHAPE(1), 0.1), *b = T(GL_FLOAT32, SHAPE(1), 0.2);
    gl_tensor *s = gl_add(a, b);
    assert_values(s, 0, SHAPE(1), (double)(0.1f + 0.2f));
    gl_release(s);
    gl_release(a);
    gl_release(b);
    /* two bools compute as int64 */
    gl_tensor *p = T(GL_BOOL, SHAPE(4), 1, 1, 0, 0), *q = T(GL_BOOL, SHAPE(4), 1, 0, 1, 0);
    gl_tensor *r[3] = {gl_add(p, q), gl_sub(p, q), gl_mul(p, q)};
    assert_values(r[0], 0, SHAPE(4), 2, 1, 1, 0);
    assert_values(r[1], 0, SHAPE(4), 0, 1, -1, 0);
    assert_values(r[2], 0, SHAPE(4), 1, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(gl_dtype_of(r[i]), GL_INT64);
    release_all(r, 3);
    gl_release(p);
    gl_release(q);
}

static void test_binary_int64_exact(void **state)
{
    (void)state;
    /* beyond 2^53, where a detour through double would round */
    int64_t big[] = {(int64_t)1 << 60 | 1, INT64_MAX}, one[] = {2, 1};
    gl_tensor *a = gl_from_buffer(big, DIMS(2), GL_INT64);
    gl_tensor *b = gl_from_buffer(one, DIMS(2), GL_INT64);
    gl_tensor *s = gl_add(a, b), *d = gl_sub(a, b);
    const int64_t *sv = gl_data_ptr(s), *dv = gl_data_ptr(d);
    assert_true(sv[0] == ((int64_t)1 << 60 | 3));
    assert_true(sv[1] == INT64_MIN); /* wraps, as torch */
    assert_true(dv[0] == ((int64_t)1 << 60) - 1);
    assert_true(dv[1] == INT64_MAX - 1);
    gl_release(s);
    gl_release(d);
    gl_release(a);
    gl_release(b);
}

static void test_binary_div_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *a = T(dts[k], SHAPE(5), 1, -3, 7, 1, 0);
        gl_tensor *b = T(dts[k], SHAPE(5), 4, 2, -2, 0, 0);
        gl_tensor *q = gl_div(a, b);
        assert_values(q, 0, SHAPE(5), 0.25, -1.5, -3.5, INFINITY, NAN);
        assert_int_equal(gl_dtype_of(q), dts[k]);
        gl_release(q);
        gl_release(a);
        gl_release(b);
    }
    /* true division: ints give float32 */
    gl_tensor *a = T(GL_INT64, SHAPE(3), 7, -7, 1), *b = T(GL_INT64, SHAPE(3), 2, 2, 3);
    gl_tensor *q = gl_div(a, b);
    assert_int_equal(gl_dtype_of(q), GL_FLOAT32);
    assert_values(q, 0, SHAPE(3), 3.5, -3.5, (double)(1.0f / 3.0f));
    gl_release(q);
    gl_release(a);
    gl_release(b);
    gl_tensor *p = T(GL_BOOL, SHAPE(2), 1, 0), *t = T(GL_BOOL, SHAPE(2), 1, 1);
    q = gl_div(p, t);
    assert_int_equal(gl_dtype_of(q), GL_FLOAT32);
    assert_values(q, 0, SHAPE(2), 1, 0);
    gl_release(q);
    gl_release(p);
    gl_release(t);
}

static void test_binary_pow_values(void **state)
{
    (void)state;
    gl_tensor *a = T(GL_FLOAT64, SHAPE(4), 2, 3, 4, -2);
    gl_tensor *b = T(GL_FLOAT64, SHAPE(4), 3, 0.5, -1, 2);
    gl_tensor *p = gl_pow(a, b);
    assert_values(p, 1e-15, SHAPE(4), 8, 1.7320508075688772, 0.25, 4);
    gl_release(p);
    gl_release(a);
    gl_release(b);
    /* constant exponents, including the fast ones (2 and 1) */
    gl_tensor *x = T(GL_FLOAT32, SHAPE(2, 2), 1.5, -2, 0, 3);
    double ex[] = {2, 1, 3, 0, -0.5};
    double want[][4] = {{2.25, 4, 0, 9}, {1.5, -2, 0, 3}, {3.375, -8, 0, 27}, {1, 1, 1, 1},
                        {0.816496580927726, NAN, INFINITY, 0.5773502691896258}};
    for (int k = 0; k < 5; k++) {
        gl_tensor *e = gl_scalar(ex[k], GL_FLOAT32);
        gl_tensor *y = gl_pow(x, e);
        assert_int_equal(gl_dtype_of(y), GL_FLOAT32);
        assert_tensor_near(y, SHAPE(2, 2), want[k], 1e-6);
        gl_release(y);
        gl_release(e);
    }
    gl_release(x);
    /* int64: exact, with torch's results for negative exponents */
    gl_tensor *ia = T(GL_INT64, SHAPE(6), 2, -1, 1, 3, 0, 2);
    gl_tensor *ib = T(GL_INT64, SHAPE(6), -1, -3, -2, 2, 0, 10);
    gl_tensor *ip = gl_pow(ia, ib);
    assert_int_equal(gl_dtype_of(ip), GL_INT64);
    assert_values(ip, 0, SHAPE(6), 0, -1, 1, 9, 1, 1024);
    gl_release(ip);
    /* int base, float exponent: float32 */
    gl_tensor *h = gl_scalar(0.5, GL_FLOAT32);
    gl_tensor *r = T(GL_INT64, SHAPE(2), 4, 9);
    ip = gl_pow(r, h);
    assert_int_equal(gl_dtype_of(ip), GL_FLOAT32);
    assert_values(ip, 0, SHAPE(2), 2, 3);
    gl_release(ip);
    gl_release(r);
    gl_release(h);
    gl_release(ia);
    gl_release(ib);
}

static void test_binary_promotion(void **state)
{
    (void)state;
    struct {
        gl_dtype a, b, add, div;
    } cases[] = {
        {GL_BOOL, GL_BOOL, GL_INT64, GL_FLOAT32},        {GL_BOOL, GL_INT64, GL_INT64, GL_FLOAT32},
        {GL_INT64, GL_INT64, GL_INT64, GL_FLOAT32},      {GL_INT64, GL_FLOAT32, GL_FLOAT32, GL_FLOAT32},
        {GL_BOOL, GL_FLOAT64, GL_FLOAT64, GL_FLOAT64},   {GL_FLOAT32, GL_FLOAT64, GL_FLOAT64, GL_FLOAT64},
        {GL_FLOAT64, GL_INT64, GL_FLOAT64, GL_FLOAT64},  {GL_FLOAT32, GL_FLOAT32, GL_FLOAT32, GL_FLOAT32},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (int swap = 0; swap < 2; swap++) {
            gl_dtype da = swap ? cases[k].b : cases[k].a, db = swap ? cases[k].a : cases[k].b;
            gl_tensor *a = T(da, SHAPE(2), 1, 0), *b = T(db, SHAPE(2), 1, 1);
            gl_tensor *r[5] = {gl_add(a, b), gl_sub(a, b), gl_mul(a, b), gl_pow(a, b), gl_div(a, b)};
            for (int i = 0; i < 4; i++)
                assert_int_equal(gl_dtype_of(r[i]), cases[k].add);
            assert_int_equal(gl_dtype_of(r[4]), cases[k].div);
            assert_values(r[0], 0, SHAPE(2), 2, 1);
            assert_values(r[2], 0, SHAPE(2), 1, 0);
            assert_values(r[4], 0, SHAPE(2), 1, 0);
            release_all(r, 5);
            gl_release(a);
            gl_release(b);
        }
    }
    /* values survive the cast: int64 [1,2] + float32 0.5 */
    gl_tensor *i = T(GL_INT64, SHAPE(2), 1, 2), *h = gl_scalar(0.5, GL_FLOAT32);
    gl_tensor *s = gl_add(i, h);
    assert_values(s, 0, SHAPE(2), 1.5, 2.5);
    gl_release(s);
    gl_release(i);
    gl_release(h);
}

static void test_binary_broadcast_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        gl_tensor *col = T(dts[k], SHAPE(3, 1), 10, 20, 30);
        gl_tensor *row = T(dts[k], SHAPE(1, 4), 1, 2, 3, 4);
        gl_tensor *s = gl_add(col, row), *d = gl_sub(row, col);
        assert_values(s, 0, SHAPE(3, 4), 11, 12, 13, 14, 21, 22, 23, 24, 31, 32, 33, 34);
        assert_values(d, 0, SHAPE(3, 4), -9, -8, -7, -6, -19, -18, -17, -16, -29, -28, -27, -26);
        gl_release(s);
        gl_release(d);
        /* (2,3) op (3) */
        gl_tensor *m = T(dts[k], SHAPE(2, 3), 1, 2, 3, 4, 5, 6), *v = T(dts[k], SHAPE(3), 1, 10, 100);
        gl_tensor *p = gl_mul(m, v), *q = gl_mul(v, m);
        assert_values(p, 0, SHAPE(2, 3), 1, 20, 300, 4, 50, 600);
        assert_values(q, 0, SHAPE(2, 3), 1, 20, 300, 4, 50, 600);
        gl_release(p);
        gl_release(q);
        /* scalar op tensor and tensor op scalar */
        gl_tensor *two = gl_scalar(2, dts[k]);
        gl_tensor *a = gl_sub(two, m), *b = gl_sub(m, two), *c = gl_mul(two, two);
        assert_values(a, 0, SHAPE(2, 3), 1, 0, -1, -2, -3, -4);
        assert_values(b, 0, SHAPE(2, 3), -1, 0, 1, 2, 3, 4);
        assert_values(c, 0, SCALAR_SHAPE, 4);
        gl_release(a);
        gl_release(b);
        gl_release(c);
        /* (2,1,3) op (4,1) -> (2,4,3) */
        gl_tensor *x = T(dts[k], SHAPE(2, 1, 3), 1, 2, 3, 4, 5, 6);
        gl_tensor *y = T(dts[k], SHAPE(4, 1), 0, 10, 20, 30);
        gl_tensor *z = gl_add(x, y);
        assert_values(z, 0, SHAPE(2, 4, 3), 1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33,
                      4, 5, 6, 14, 15, 16, 24, 25, 26, 34, 35, 36);
        gl_release(z);
        gl_release(x);
        gl_release(y);
        gl_release(two);
        gl_release(m);
        gl_release(v);
        gl_release(col);
        gl_release(row);
    }
    /* empty: (0,3) + (3) is (0,3) */
    gl_tensor *e = gl_zeros(DIMS(0, 3), GL_FLOAT32), *v = T(GL_FLOAT32, SHAPE(3), 1, 2, 3);
    gl_tensor *s = gl_add(e, v);
    assert_non_null(s);
    assert_int_equal(gl_ndim(s), 2);
    assert_int_equal(gl_size(s, 0), 0);
    assert_int_equal(gl_size(s, 1), 3);
    gl_release(s);
    gl_release(e);
    gl_release(v);
}

/* Strided operands: a transposed matrix, a stepped slice, an expand. */
static void test_binary_noncontiguous(void **state)
{
    (void)state;
    gl_tensor *m = T(GL_FLOAT64, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    gl_tensor *mt = gl_transpose(m, 0, 1); /* (3,2): 1 4 / 2 5 / 3 6 */
    gl_tensor *w = T(GL_FLOAT64, SHAPE(3, 2), 10, 20, 30, 40, 50, 60);
    gl_tensor *s = gl_add(mt, w), *p = gl_mul(mt, mt);
    assert_values(s, 0, SHAPE(3, 2), 11, 24, 32, 45, 53, 66);
    assert_values(p, 0, SHAPE(3, 2), 1, 16, 4, 25, 9, 36);
    gl_tensor *col = T(GL_FLOAT64, SHAPE(3, 1), 1, 2, 3);
    gl_tensor *q = gl_sub(mt, col); /* strided op broadcast */
    assert_values(q, 0, SHAPE(3, 2), 0, 3, 0, 3, 0, 3);
    gl_tensor *v = T(GL_FLOAT32, SHAPE(6), 0, 1, 2, 3, 4, 5);
    gl_tensor *even = gl_slice(v, 0, 0, 6, 2), *odd = gl_slice(v, 0, 1, 6, 2);
    gl_tensor *d = gl_div(odd, even), *c = gl_lt(even, odd);
    assert_values(d, 0, SHAPE(3), INFINITY, 1.5, 1.25);
    assert_values(c, 0, SHAPE(3), 1, 1, 1);
    gl_tensor *ex = gl_expand(col, DIMS(3, 4));
    gl_tensor *r = gl_mul(ex, ex);
    assert_values(r, 0, SHAPE(3, 4), 1, 1, 1, 1, 4, 4, 4, 4, 9, 9, 9, 9);
    gl_tensor *all[] = {m, mt, w, s, p, col, q, v, even, odd, d, c, ex, r};
    release_all(all, 14);
}

static void test_binary_shape_clash_error(void **state)
{
    (void)state;
    gl_tensor *a = gl_zeros(DIMS(2, 3), GL_FLOAT32), *b = gl_zeros(DIMS(4), GL_FLOAT32);
    assert_null(gl_add(a, b));
    assert_error("add: shapes (2,3) and (4) cannot be broadcast: sizes 3 and 4 differ in dim -1 and neither is 1");
    assert_null(gl_mul(b, a));
    assert_error("mul: shapes (4) and (2,3) cannot be broadcast: sizes 4 and 3 differ in dim -1 and neither is 1");
    assert_null(gl_pow(a, b));
    assert_error("pow: shapes (2,3) and (4) cannot be broadcast: sizes 3 and 4 differ in dim -1 and neither is 1");
    gl_tensor *c = gl_zeros(DIMS(3, 2), GL_FLOAT32);
    assert_null(gl_div(a, c));
    assert_error("div: shapes (2,3) and (3,2) cannot be broadcast: sizes 3 and 2 differ in dim -1 and neither is 1");
    assert_null(gl_ge(a, b));
    assert_error("ge: shapes (2,3) and (4) cannot be broadcast: sizes 3 and 4 differ in dim -1 and neither is 1");
    /* the error leaves no graph and nothing allocated behind */
    gl_requires_grad_(a, true);
    assert_null(gl_sub(a, b));
    assert_error("sub: shapes (2,3) and (4) cannot be broadcast: sizes 3 and 4 differ in dim -1 and neither is 1");
    gl_release(a);
    gl_release(b);
    gl_release(c);
}

/* ------------------------------------------------- broadcast-warning hook */

typedef struct {
    int calls;
    int veto;
    char op[16];
    int64_t out[GL_MAX_DIMS];
    int nout;
} hook_log;

static int log_hook(void *ud, const char *op, const gl_tensor *a, const gl_tensor *b,
                    const int64_t *out, int nout)
{
    (void)a;
    (void)b;
    hook_log *h = ud;
    h->calls++;
    snprintf(h->op, sizeof h->op, "%s", op);
    memcpy(h->out, out, sizeof(int64_t) * (size_t)nout);
    h->nout = nout;
    return h->veto;
}

static void test_binary_broadcast_hook(void **state)
{
    (void)state;
    hook_log h = {0};
    gl_set_broadcast_hook(log_hook, &h);
    gl_tensor *v = gl_zeros(DIMS(3), GL_FLOAT32), *col = gl_zeros(DIMS(3, 1), GL_FLOAT32);
    gl_tensor *m = gl_zeros(DIMS(2, 3), GL_FLOAT32), *one = gl_scalar(1, GL_FLOAT32);
    /* results no larger than one operand: no call */
    gl_tensor *r[4] = {gl_add(m, v), gl_mul(one, m), gl_sub(v, v), gl_lt(m, one)};
    assert_int_equal(h.calls, 0);
    release_all(r, 4);
    /* (3) - (3,1) -> (3,3): the lesson's bug */
    gl_tensor *g = gl_sub(v, col);
    assert_non_null(g);
    assert_int_equal(h.calls, 1);
    assert_string_equal(h.op, "sub");
    assert_int_equal(h.nout, 2);
    assert_true(h.out[0] == 3 && h.out[1] == 3);
    gl_release(g);
    gl_tensor *e = gl_eq(col, v);
    assert_int_equal(h.calls, 2);
    assert_string_equal(h.op, "eq");
    gl_release(e);
    /* where: only when the result outgrows all three */
    gl_tensor *bc = gl_zeros(DIMS(3, 3), GL_BOOL);
    gl_tensor *w = gl_where(bc, v, col);
    assert_int_equal(h.calls, 2);
    gl_release(w);
    w = gl_where(one, v, col);
    assert_int_equal(h.calls, 3);
    assert_string_equal(h.op, "where");
    gl_release(w);
    /* "error" mode: the hook vetoes */
    h.veto = 1;
    assert_null(gl_sub(v, col));
    assert_error("sub: broadcast (3) and (3,1) -> (3,3) grows the result beyond both operands "
                 "(broadcast mode is \"error\"); did you mean to reshape one side?");
    gl_set_broadcast_hook(NULL, NULL);
    gl_tensor *all[] = {v, col, m, one, bc};
    release_all(all, 5);
}

/* ----------------------------------------------------------- comparisons */

static void test_binary_compare_values(void **state)
{
    (void)state;
    binop ops[] = {gl_eq, gl_ne, gl_lt, gl_le, gl_gt, gl_ge};
    /* x vs y = 2: 1 < 2, 2 == 2, 3 > 2, NaN unordered */
    double want[6][4] = {{0, 1, 0, 0}, {1, 0, 1, 1}, {1, 0, 0, 0},
                         {1, 1, 0, 0}, {0, 0, 1, 0}, {0, 1, 1, 0}};
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *x = T(dts[k], SHAPE(4), 1, 2, 3, NAN), *y = T(dts[k], SHAPE(4), 2, 2, 2, 2);
        for (int o = 0; o < 6; o++) {
            gl_tensor *c = ops[o](x, y);
            assert_int_equal(gl_dtype_of(c), GL_BOOL);
            assert_tensor_near(c, SHAPE(4), want[o], 0);
            gl_release(c);
        }
        gl_release(x);
        gl_release(y);
    }
    /* int64 (exact beyond 2^53) and bool */
    int64_t big[] = {((int64_t)1 << 60) + 1, 5}, big2[] = {(int64_t)1 << 60, 5};
    gl_tensor *i = gl_from_buffer(big, DIMS(2), GL_INT64), *j = gl_from_buffer(big2, DIMS(2), GL_INT64);
    gl_tensor *c = gl_eq(i, j), *d = gl_gt(i, j);
    assert_values(c, 0, SHAPE(2), 0, 1);
    assert_values(d, 0, SHAPE(2), 1, 0);
    gl_release(c);
    gl_release(d);
    gl_tensor *p = T(GL_BOOL, SHAPE(4), 0, 0, 1, 1), *q = T(GL_BOOL, SHAPE(4), 0, 1, 0, 1);
    c = gl_lt(p, q);
    d = gl_eq(p, q);
    assert_values(c, 0, SHAPE(4), 0, 1, 0, 0);
    assert_values(d, 0, SHAPE(4), 1, 0, 0, 1);
    gl_release(c);
    gl_release(d);
    /* mixed: int64 labels vs float32 values; broadcast (3,1) vs (3) */
    gl_tensor *f = T(GL_FLOAT32, SHAPE(3, 1), 0.5, 1, 2.5), *l = T(GL_INT64, SHAPE(3), 0, 1, 2);
    c = gl_ge(f, l);
    assert_int_equal(gl_dtype_of(c), GL_BOOL);
    assert_values(c, 0, SHAPE(3, 3), 1, 0, 0, 1, 1, 0, 1, 1, 1);
    gl_release(c);
    gl_tensor *all[] = {i, j, p, q, f, l};
    release_all(all, 6);
}

static void test_binary_compare_no_graph(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(3), 1, 2, 3), *y = T(GL_FLOAT64, SHAPE(3), 3, 2, 1);
    gl_requires_grad_(x, true);
    gl_requires_grad_(y, true);
    binop ops[] = {gl_eq, gl_ne, gl_lt, gl_le, gl_gt, gl_ge};
    for (int o = 0; o < 6; o++) {
        gl_tensor *c = ops[o](x, y);
        assert_false(gl_requires_grad(c));
        assert_null(gl_grad_fn_name(c));
        assert_true(gl_is_leaf(c));
        gl_release(c);
    }
    gl_release(x);
    gl_release(y);
}

/* ------------------------------------------------- where and masked_fill */

static void test_binary_where_values(void **state)
{
    (void)state;
    /* three-way broadcast: (3,1), (1,4) float32, () float64 -> (3,4) float64 */
    gl_tensor *cond = T(GL_BOOL, SHAPE(3, 1), 1, 0, 1);
    gl_tensor *a = T(GL_FLOAT32, SHAPE(1, 4), 1, 2, 3, 4);
    gl_tensor *b = gl_scalar(-0.5, GL_FLOAT64);
    gl_tensor *w = gl_where(cond, a, b);
    assert_int_equal(gl_dtype_of(w), GL_FLOAT64);
    assert_values(w, 0, SHAPE(3, 4), 1, 2, 3, 4, -0.5, -0.5, -0.5, -0.5, 1, 2, 3, 4);
    gl_release(w);
    /* a float condition: nonzero (NaN too) is true */
    gl_tensor *fc = T(GL_FLOAT64, SHAPE(4), 0, -2, NAN, 0.25);
    gl_tensor *ia = T(GL_INT64, SHAPE(4), 1, 2, 3, 4), *ib = T(GL_INT64, SHAPE(4), 10, 20, 30, 40);
    w = gl_where(fc, ia, ib);
    assert_int_equal(gl_dtype_of(w), GL_INT64);
    assert_values(w, 0, SHAPE(4), 10, 2, 3, 4);
    gl_release(w);
    /* int64 values beyond 2^53 move untouched */
    int64_t big[] = {((int64_t)1 << 60) + 1};
    gl_tensor *bt = gl_from_buffer(big, DIMS(1), GL_INT64), *t1 = T(GL_BOOL, SHAPE(1), 1);
    w = gl_where(t1, bt, ia);
    assert_true(((int64_t *)gl_data_ptr(w))[0] == big[0] && ((int64_t *)gl_data_ptr(w))[3] == big[0]);
    gl_release(w);
    /* bool values */
    gl_tensor *p = T(GL_BOOL, SHAPE(2), 1, 0), *q = T(GL_BOOL, SHAPE(2), 0, 1);
    w = gl_where(p, p, q);
    assert_int_equal(gl_dtype_of(w), GL_BOOL);
    assert_values(w, 0, SHAPE(2), 1, 1);
    gl_release(w);
    /* a transposed (strided) a */
    gl_tensor *m = T(GL_FLOAT32, SHAPE(2, 2), 1, 2, 3, 4), *mt = gl_transpose(m, 0, 1);
    gl_tensor *c2 = T(GL_BOOL, SHAPE(2), 1, 0), *zero = gl_scalar(0, GL_FLOAT32);
    w = gl_where(c2, mt, zero);
    assert_values(w, 0, SHAPE(2, 2), 1, 0, 2, 0);
    gl_release(w);
    /* the error names all three shapes */
    gl_tensor *c4 = gl_zeros(DIMS(4), GL_BOOL);
    assert_null(gl_where(c4, a, m));
    assert_error("where: condition (4), input (1,4) and other (2,2) cannot be broadcast together");
    assert_null(gl_where(cond, m, c4));
    assert_error("where: condition (3,1), input (2,2) and other (4) cannot be broadcast together");
    gl_tensor *all[] = {cond, a, b, fc, ia, ib, bt, t1, p, q, m, mt, c2, zero, c4};
    release_all(all, 15);
}

static void test_binary_masked_fill_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *t = T(dts[k], SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
        gl_tensor *mask = T(GL_BOOL, SHAPE(3), 1, 0, 1);
        gl_tensor *r = gl_masked_fill(t, mask, -1e9);
        assert_int_equal(gl_dtype_of(r), dts[k]);
        assert_values(r, 0, SHAPE(2, 3), -1e9, 2, -1e9, -1e9, 5, -1e9);
        gl_release(r);
        r = gl_masked_fill(t, mask, -INFINITY);
        assert_values(r, 0, SHAPE(2, 3), -INFINITY, 2, -INFINITY, -INFINITY, 5, -INFINITY);
        gl_release(r);
        gl_release(t);
        gl_release(mask);
    }
    /* int64 truncates the value, bool stores nonzero; a float mask counts nonzero */
    gl_tensor *it = T(GL_INT64, SHAPE(3), 1, 2, 3), *fm = T(GL_FLOAT32, SHAPE(3), 0, 0.5, -1);
    gl_tensor *r = gl_masked_fill(it, fm, 7.9);
    assert_int_equal(gl_dtype_of(r), GL_INT64);
    assert_values(r, 0, SHAPE(3), 1, 7, 7);
    gl_release(r);
    gl_tensor *bt = T(GL_BOOL, SHAPE(3), 0, 0, 1), *bm = T(GL_BOOL, SHAPE(3), 1, 0, 0);
    r = gl_masked_fill(bt, bm, 2);
    assert_values(r, 0, SHAPE(3), 1, 0, 1);
    gl_release(r);
    /* a 0-dim mask fills everything; the input is not changed */
    gl_tensor *one = gl_scalar(1, GL_BOOL);
    r = gl_masked_fill(it, one, 0);
    assert_values(r, 0, SHAPE(3), 0, 0, 0);
    assert_values(it, 0, SHAPE(3), 1, 2, 3);
    gl_release(r);
    /* errors: a mask that would grow the tensor, a clash */
    gl_tensor *m23 = gl_zeros(DIMS(2, 3), GL_BOOL), *m4 = gl_zeros(DIMS(4), GL_BOOL);
    assert_null(gl_masked_fill(it, m23, 0));
    assert_error("masked_fill: a mask of shape (2,3) would grow the tensor of shape (3) to (2,3); "
                 "the mask must broadcast to the tensor's shape");
    assert_null(gl_masked_fill(it, m4, 0));
    assert_error("masked_fill: shapes (3) and (4) cannot be broadcast: sizes 3 and 4 differ in "
                 "dim -1 and neither is 1");
    gl_tensor *all[] = {it, fm, bt, bm, one, m23, m4};
    release_all(all, 7);
}

/* ------------------------------------------------------ finite differences */

/* Every arithmetic op against central differences in float64, on the
 * broadcasting cases: same shape, (3,1) op (1,4), (2,3) op (3), (3) op (2,3),
 * scalar op tensor, tensor op scalar, and scalar op scalar. Operand i has
 * elements of size >= lo[i], with alternating signs when mix[i]. */
static void check_binop_grads(binop f, const double lo[2], const bool mix[2])
{
    static const struct {
        int nd[2];
        int64_t shape[2][2];
    } cases[] = {
        {{2, 2}, {{2, 3}, {2, 3}}}, {{2, 2}, {{3, 1}, {1, 4}}}, {{2, 1}, {{2, 3}, {3}}},
        {{1, 2}, {{3}, {2, 3}}},    {{0, 2}, {{0}, {2, 3}}},    {{2, 0}, {{2, 3}, {0}}},
        {{0, 0}, {{0}, {0}}},
    };
    binop_ctx ctx = {f};
    gl_manual_seed(7);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gl_tensor *in[2];
        for (int i = 0; i < 2; i++) {
            in[i] = positive(cases[k].nd[i], cases[k].shape[i], lo[i]);
            double *v = gl_data_ptr(in[i]);
            for (int64_t j = 0; mix[i] && j < gl_numel(in[i]); j++)
                v[j] = j % 2 ? -v[j] : v[j];
        }
        assert_gradcheck(apply_binop, in, 2, &ctx);
        /* and with one side only requiring grad, each way */
        gl_requires_grad_(in[0], false);
        assert_gradcheck(apply_binop, in, 2, &ctx);
        gl_requires_grad_(in[0], true);
        gl_requires_grad_(in[1], false);
        assert_gradcheck(apply_binop, in, 2, &ctx);
        release_all(in, 2);
    }
}

static const double any[2] = {0, 0};
static const bool mixed[2] = {true, true};

static void test_binary_add_grad(void **state) { (void)state; check_binop_grads(gl_add, any, mixed); }
static void test_binary_sub_grad(void **state) { (void)state; check_binop_grads(gl_sub, any, mixed); }
static void test_binary_mul_grad(void **state) { (void)state; check_binop_grads(gl_mul, any, mixed); }

/* denominators of size >= 0.5 */
static void test_binary_div_grad(void **state)
{
    (void)state;
    check_binop_grads(gl_div, (double[]){0, 0.5}, mixed);
}

/* positive bases >= 0.5, exponents of either sign */
static void test_binary_pow_grad(void **state)
{
    (void)state;
    check_binop_grads(gl_pow, (double[]){0.5, 0}, (bool[]){false, true});
}

/* pow at a == 0, as torch 1.13 gives: a.grad [0, 1, -inf, 0] and
 * b.grad [0, 0, -inf, log 2] for a = [0, 0, 0, 2], b = [0, 1, -1, 0]. */
static void test_binary_pow_grad_at_zero(void **state)
{
    (void)state;
    gl_tensor *a = T(GL_FLOAT64, SHAPE(4), 0, 0, 0, 2), *b = T(GL_FLOAT64, SHAPE(4), 0, 1, -1, 0);
    gl_requires_grad_(a, true);
    gl_requires_grad_(b, true);
    gl_tensor *y = gl_pow(a, b);
    assert_values(y, 0, SHAPE(4), 1, 0, INFINITY, 1);
    gl_tensor *g = gl_ones(DIMS(4), GL_FLOAT64);
    assert_int_equal(gl_backward(y, g, false), 0);
    assert_values(gl_grad(a), 0, SHAPE(4), 0, 1, -INFINITY, 0);
    assert_values(gl_grad(b), 1e-15, SHAPE(4), 0, 0, -INFINITY, 0.6931471805599453);
    gl_release(g);
    gl_release(y);
    gl_release(a);
    gl_release(b);
}

static gl_tensor *where_fn(gl_tensor *const *in, void *ctx)
{
    (void)ctx;
    return gl_where(in[2], in[0], in[1]);
}

static void test_binary_where_grad(void **state)
{
    (void)state;
    gl_manual_seed(11);
    /* same shapes */
    gl_tensor *in[3] = {test_randn(GL_FLOAT64, SHAPE(2, 3), true),
                        test_randn(GL_FLOAT64, SHAPE(2, 3), true),
                        T(GL_BOOL, SHAPE(2, 3), 1, 0, 0, 1, 1, 0)};
    assert_gradcheck(where_fn, in, 3, NULL);
    release_all(in, 3);
    /* three-way broadcast: a (1,4), b (), cond (3,1) as float (nonzero) */
    gl_tensor *in2[3] = {test_randn(GL_FLOAT64, SHAPE(1, 4), true),
                         test_randn(GL_FLOAT64, SCALAR_SHAPE, true),
                         T(GL_FLOAT64, SHAPE(3, 1), 1, 0, 2)};
    assert_gradcheck(where_fn, in2, 3, NULL);
    release_all(in2, 3);
    /* the gradient split by hand: a gets where cond, b elsewhere */
    gl_tensor *a = T(GL_FLOAT32, SHAPE(3), 1, 2, 3), *b = T(GL_FLOAT32, SHAPE(3), 4, 5, 6);
    gl_tensor *c = T(GL_BOOL, SHAPE(3), 1, 0, 1), *g = T(GL_FLOAT32, SHAPE(3), 10, 20, 30);
    gl_requires_grad_(a, true);
    gl_requires_grad_(b, true);
    gl_tensor *w = gl_where(c, a, b);
    assert_string_equal(gl_grad_fn_name(w), "where");
    assert_int_equal(gl_backward(w, g, false), 0);
    assert_values(gl_grad(a), 0, SHAPE(3), 10, 0, 30);
    assert_values(gl_grad(b), 0, SHAPE(3), 0, 20, 0);
    gl_tensor *all[] = {a, b, c, g, w};
    release_all(all, 5);
}

static gl_tensor *masked_fill_fn(gl_tensor *const *in, void *ctx)
{
    return gl_masked_fill(in[0], in[1], *(double *)ctx);
}

static void test_binary_masked_fill_grad(void **state)
{
    (void)state;
    gl_manual_seed(12);
    double value = -3;
    gl_tensor *in[2] = {test_randn(GL_FLOAT64, SHAPE(2, 3), true), T(GL_BOOL, SHAPE(3), 0, 1, 0)};
    assert_gradcheck(masked_fill_fn, in, 2, &value);
    gl_tensor *y = gl_masked_fill(in[0], in[1], value), *g = gl_ones(DIMS(2, 3), GL_FLOAT64);
    assert_string_equal(gl_grad_fn_name(y), "masked_fill");
    gl_set_grad(in[0], NULL);
    assert_int_equal(gl_backward(y, g, false), 0);
    assert_values(gl_grad(in[0]), 0, SHAPE(2, 3), 1, 0, 1, 1, 0, 1);
    gl_release(y);
    gl_release(g);
    release_all(in, 2);
}

/* a op b with a float32 and b float64: the result is float64, each gradient
 * comes back in its input's dtype; an int64 operand gets no gradient. */
static void test_binary_mixed_dtype_grad(void **state)
{
    (void)state;
    gl_tensor *a = T(GL_FLOAT32, SHAPE(3), 1, 2, 3), *b = T(GL_FLOAT64, SHAPE(3), 4, 5, 6);
    gl_requires_grad_(a, true);
    gl_requires_grad_(b, true);
    gl_tensor *y = gl_mul(a, b), *g = T(GL_FLOAT64, SHAPE(3), 1, 1, 1);
    assert_int_equal(gl_dtype_of(y), GL_FLOAT64);
    assert_int_equal(gl_backward(y, g, false), 0);
    assert_int_equal(gl_dtype_of(gl_grad(a)), GL_FLOAT32);
    assert_int_equal(gl_dtype_of(gl_grad(b)), GL_FLOAT64);
    assert_values(gl_grad(a), 0, SHAPE(3), 4, 5, 6);
    assert_values(gl_grad(b), 0, SHAPE(3), 1, 2, 3);
    gl_release(y);
    gl_tensor *k = T(GL_INT64, SHAPE(3), 1, 2, 3), *gf = T(GL_FLOAT32, SHAPE(3), 1, 1, 1);
    gl_set_grad(a, NULL);
    y = gl_div(a, k);
    assert_int_equal(gl_dtype_of(y), GL_FLOAT32);
    assert_int_equal(gl_backward(y, gf, false), 0);
    assert_values(gl_grad(a), 1e-7, SHAPE(3), 1, 0.5, 1.0 / 3);
    gl_tensor *all[] = {a, b, y, g, k, gf};
    release_all(all, 6);
}

/* No graph is recorded with grad mode off, nor when no input requires grad. */
static void test_binary_no_grad(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(2), 1, 2), *c = T(GL_FLOAT32, SHAPE(2), 3, 4);
    gl_tensor *y = gl_mul(x, c);
    assert_false(gl_requires_grad(y));
    gl_release(y);
    gl_requires_grad_(x, true);
    y = gl_add(x, c);
    assert_true(gl_requires_grad(y));
    assert_string_equal(gl_grad_fn_name(y), "add");
    gl_release(y);
    bool old = gl_set_grad_enabled(false);
    y = gl_pow(x, c);
    assert_false(gl_requires_grad(y));
    assert_null(gl_grad_fn_name(y));
    gl_set_grad_enabled(old);
    gl_release(y);
    gl_release(x);
    gl_release(c);
}

/* ------------------------------------------------------- seed, scenario 5 */

/* y = 3a + 2b² + log(c), built as the Lua layer builds `3 * a`: a 0-dim
 * scalar of the tensor's dtype times the tensor. */
static gl_tensor *scenario5_y(gl_tensor *a, gl_tensor *b, gl_tensor *c)
{
    gl_tensor *three = gl_scalar(3, GL_FLOAT32), *two = gl_scalar(2, GL_FLOAT32);
    gl_tensor *t1 = gl_mul(three, a), *t2 = gl_mul(two, b), *t3 = gl_mul(t2, b), *t4 = gl_log(c);
    gl_tensor *s = gl_add(t1, t3), *y = gl_add(s, t4);
    gl_tensor *all[] = {three, two, t1, t2, t3, t4, s};
    release_all(all, 7);
    return y;
}

static void test_binary_seed_scenario5_gradient_argument(void **state)
{
    (void)state;
    gl_tensor *a = T(GL_FLOAT32, SHAPE(3), 1, 2, 3), *b = T(GL_FLOAT32, SHAPE(3), 3, 4, 5);
    gl_tensor *c = T(GL_FLOAT32, SHAPE(3), 6, 7, 8);
    gl_requires_grad_(a, true);
    gl_requires_grad_(b, true);
    gl_requires_grad_(c, true);
    gl_tensor *y = scenario5_y(a, b, c);
    assert_values(y, 1e-6, SHAPE(3), 3 + 18 + log(6), 6 + 32 + log(7), 9 + 50 + log(8));
    assert_string_equal(gl_grad_fn_name(y), "add");
    gl_tensor *g = T(GL_FLOAT32, SHAPE(3), 0.1, 1.0, 0.0001);
    assert_int_equal(gl_backward(y, g, true), 0);
    /* the seed prints tensor([3.0000e-01, 3.0000e+00, 3.0000e-04]) etc. */
    assert_int_equal(gl_dtype_of(gl_grad(a)), GL_FLOAT32);
    assert_values(gl_grad(a), 1e-6, SHAPE(3), 0.3, 3.0, 3e-4);
    assert_values(gl_grad(b), 1e-6, SHAPE(3), 1.2, 16, 2e-3);
    assert_values(gl_grad(c), 1e-6, SHAPE(3), 0.1 / 6, 1.0 / 7, 0.0001 / 8);
    assert_true(fabs(((float *)gl_data_ptr(gl_grad(c)))[0] - 1.6667e-02) < 5e-7);
    assert_true(fabs(((float *)gl_data_ptr(gl_grad(c)))[1] - 1.4286e-01) < 5e-6);
    assert_true(fabs(((float *)gl_data_ptr(gl_grad(c)))[2] - 1.2500e-05) < 5e-10);
    /* retain_graph: a second backward accumulates */
    assert_int_equal(gl_backward(y, g, false), 0);
    assert_values(gl_grad(a), 1e-6, SHAPE(3), 0.6, 6.0, 6e-4);
    assert_values(gl_grad(b), 1e-6, SHAPE(3), 2.4, 32, 4e-3);
    assert_values(gl_grad(c), 1e-6, SHAPE(3), 0.2 / 6, 2.0 / 7, 0.0002 / 8);
    gl_tensor *all[] = {a, b, c, y, g};
    release_all(all, 5);
}

/* Examples 2 and 4: 0-dim leaves, backward() with no gradient argument;
 * twice (retain_graph first) doubles the gradients. */
static void test_binary_seed_scenario5_scalars(void **state)
{
    (void)state;
    gl_tensor *a = gl_scalar(0.1, GL_FLOAT32), *b = gl_scalar(1.0, GL_FLOAT32);
    gl_tensor *c = gl_scalar(0.1, GL_FLOAT32);
    gl_requires_grad_(a, true);
    gl_requires_grad_(b, true);
    gl_requires_grad_(c, true);
    gl_tensor *y = scenario5_y(a, b, c);
    assert_int_equal(gl_backward(y, NULL, false), 0);
    assert_values(gl_grad(a), 1e-6, SCALAR_SHAPE, 3);
    assert_values(gl_grad(b), 1e-6, SCALAR_SHAPE, 4);
    assert_values(gl_grad(c), 1e-6, SCALAR_SHAPE, 10);
    gl_tensor *all[] = {a, b, c, y};
    release_all(all, 4);

    gl_tensor *l[3];
    for (int i = 0; i < 3; i++) {
        l[i] = gl_scalar(1.0, GL_FLOAT32);
        gl_requires_grad_(l[i], true);
    }
    y = scenario5_y(l[0], l[1], l[2]);
    assert_int_equal(gl_backward(y, NULL, true), 0);
    assert_int_equal(gl_backward(y, NULL, false), 0);
    assert_values(gl_grad(l[0]), 0, SCALAR_SHAPE, 6);
    assert_values(gl_grad(l[1]), 0, SCALAR_SHAPE, 8);
    assert_values(gl_grad(l[2]), 0, SCALAR_SHAPE, 2);
    gl_release(y);
    release_all(l, 3);
}

/* z = 2x, x (1,4): each backward with a one-hot gradient picks dz_i/dx. */
static void test_binary_seed_z_equals_2x(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(1, 4), 1, 2, 3, 4);
    gl_requires_grad_(x, true);
    gl_tensor *two = gl_scalar(2, GL_FLOAT32);
    gl_tensor *z = gl_mul(two, x);
    assert_string_equal(gl_grad_fn_name(z), "mul");
    assert_values(z, 0, SHAPE(1, 4), 2, 4, 6, 8);
    double onehots[3][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 1, 1, 1}};
    double want[3][4] = {{2, 0, 0, 0}, {0, 2, 0, 0}, {2, 2, 2, 2}};
    for (int k = 0; k < 3; k++) {
        gl_tensor *g = gl_from_doubles(onehots[k], DIMS(1, 4), GL_FLOAT32);
        assert_int_equal(gl_backward(z, g, true), 0);
        assert_tensor_near(gl_grad(x), SHAPE(1, 4), want[k], 0);
        gl_set_grad(x, NULL); /* x.grad.data.zero_() */
        gl_release(g);
    }
    /* loss = z.sum(dim=1): the same as the all-ones gradient */
    gl_tensor *loss = gl_sum(z, 1, false);
    assert_int_equal(gl_backward(loss, NULL, false), 0);
    assert_values(gl_grad(x), 0, SHAPE(1, 4), 2, 2, 2, 2);
    gl_tensor *all[] = {x, two, z, loss};
    release_all(all, 4);
}

TEST_GROUP(binary,
           cmocka_unit_test(test_binary_add_sub_mul_values),
           cmocka_unit_test(test_binary_int64_exact),
           cmocka_unit_test(test_binary_div_values),
           cmocka_unit_test(test_binary_pow_values),
           cmocka_unit_test(test_binary_promotion),
           cmocka_unit_test(test_binary_broadcast_values),
           cmocka_unit_test(test_binary_noncontiguous),
           cmocka_unit_test(test_binary_shape_clash_error),
           cmocka_unit_test(test_binary_broadcast_hook),
           cmocka_unit_test(test_binary_compare_values),
           cmocka_unit_test(test_binary_compare_no_graph),
           cmocka_unit_test(test_binary_where_values),
           cmocka_unit_test(test_binary_masked_fill_values),
           cmocka_unit_test(test_binary_add_grad),
           cmocka_unit_test(test_binary_sub_grad),
           cmocka_unit_test(test_binary_mul_grad),
           cmocka_unit_test(test_binary_div_grad),
           cmocka_unit_test(test_binary_pow_grad),
           cmocka_unit_test(test_binary_pow_grad_at_zero),
           cmocka_unit_test(test_binary_where_grad),
           cmocka_unit_test(test_binary_masked_fill_grad),
           cmocka_unit_test(test_binary_mixed_dtype_grad),
           cmocka_unit_test(test_binary_no_grad),
           cmocka_unit_test(test_binary_seed_scenario5_gradient_argument),
           cmocka_unit_test(test_binary_seed_scenario5_scalars),
           cmocka_unit_test(test_binary_seed_z_equals_2x));
