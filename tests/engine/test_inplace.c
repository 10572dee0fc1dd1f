/* test_inplace.c — zero_, fill_, copy_, add_, mul_scalar_: values in each
 * dtype, broadcasting, views, the grad-mode checks, version bumps and
 * error texts. */
#include "test.h"

static void inplace_zero_fill_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64, GL_BOOL};
    for (int k = 0; k < 4; k++) {
        gl_tensor *x = T(dts[k], SHAPE(2, 2), 1, 2, 3, 4);
        assert_int_equal(gl_fill_(x, 1), 0);
        assert_values(x, 0, SHAPE(2, 2), 1, 1, 1, 1);
        assert_int_equal(gl_zero_(x), 0);
        assert_values(x, 0, SHAPE(2, 2), 0, 0, 0, 0);
        assert_int_equal(gl_dtype_of(x), dts[k]);
        gl_release(x);
    }
    /* conversion as stored: int64 truncates toward zero, bool is value != 0 */
    gl_tensor *i = T(GL_INT64, SHAPE(2), 0, 0);
    gl_fill_(i, -2.7);
    assert_values(i, 0, SHAPE(2), -2, -2);
    gl_release(i);
    gl_tensor *b = T(GL_BOOL, SHAPE(2), 0, 0);
    gl_fill_(b, 0.5);
    assert_values(b, 0, SHAPE(2), 1, 1);
    gl_release(b);
    gl_tensor *f = T(GL_FLOAT32, SHAPE(1), 0);
    gl_fill_(f, 0.1);
    assert_true(((float *)gl_data_ptr(f))[0] == 0.1f);
    gl_release(f);
    gl_tensor *s = gl_scalar(3, GL_FLOAT64); /* 0-dim */
    gl_fill_(s, 7);
    assert_values(s, 0, SCALAR_SHAPE, 7);
    gl_release(s);
}

/* On views the change lands in the viewed storage, and only there. */
static void inplace_on_views(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(3, 4), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    gl_tensor *col = gl_select(x, 1, 2);   /* (3): x[:,2], stride 4 */
    gl_tensor *blk = gl_slice(x, 0, 1, 3, 1); /* rows 1..2 */
    gl_tensor *xt = gl_transpose(x, 0, 1); /* (4,3) */

    assert_int_equal(gl_zero_(col), 0);
    assert_values(x, 0, SHAPE(3, 4), 0, 1, 0, 3, 4, 5, 0, 7, 8, 9, 0, 11);
    assert_int_equal(gl_fill_(col, -1), 0);
    assert_values(x, 0, SHAPE(3, 4), 0, 1, -1, 3, 4, 5, -1, 7, 8, 9, -1, 11);

    gl_tensor *every_other = gl_slice(blk, 1, 0, 4, 2); /* (2,2): x[1:3, 0::2] */
    assert_int_equal(gl_mul_scalar_(every_other, 10), 0);
    assert_values(x, 0, SHAPE(3, 4), 0, 1, -1, 3, 40, 5, -10, 7, 80, 9, -10, 11);

    gl_tensor *v = T(GL_FLOAT64, SHAPE(3), 100, 200, 300);
    assert_int_equal(gl_add_(xt, v, 1), 0); /* xt[i][j] += v[j]: x[j][i] += v[j] */
    assert_values(x, 0, SHAPE(3, 4), 100, 101, 99, 103, 240, 205, 190, 207, 380, 309, 290, 311);

    gl_tensor *src = T(GL_INT64, SHAPE(4, 1), 1, 2, 3, 4);
    assert_int_equal(gl_copy_(xt, src), 0); /* x[j][i] = src[i]: every row is 1..4 */
    assert_values(x, 0, SHAPE(3, 4), 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4);

    gl_release(src);
    gl_release(v);
    gl_release(every_other);
    gl_release(xt);
    gl_release(blk);
    gl_release(col);
    gl_release(x);
}

static void inplace_copy_broadcast_dtypes(void **state)
{
    (void)state;
    gl_tensor *d = gl_zeros((int64_t[]){2, 3}, 2, GL_FLOAT32);
    gl_tensor *s = T(GL_FLOAT64, SHAPE(3), 1.5, -2.5, 3.25);
    assert_int_equal(gl_copy_(d, s), 0);
    assert_values(d, 0, SHAPE(2, 3), 1.5, -2.5, 3.25, 1.5, -2.5, 3.25);
    gl_release(s);

    /* float -> int64 truncates toward zero; -> bool is != 0; bool -> float is 0/1 */
    gl_tensor *i = gl_zeros((int64_t[]){2, 3}, 2, GL_INT64);
    assert_int_equal(gl_copy_(i, d), 0);
    assert_values(i, 0, SHAPE(2, 3), 1, -2, 3, 1, -2, 3);
    gl_tensor *b = gl_zeros((int64_t[]){2, 3}, 2, GL_BOOL);
    gl_tensor *z = T(GL_FLOAT32, SHAPE(2, 1), 0, 0.25);
    assert_int_equal(gl_copy_(b, z), 0);
    assert_values(b, 0, SHAPE(2, 3), 0, 0, 0, 1, 1, 1);
    gl_tensor *f = gl_zeros((int64_t[]){2, 3}, 2, GL_FLOAT64);
    assert_int_equal(gl_copy_(f, b), 0);
    assert_values(f, 0, SHAPE(2, 3), 0, 0, 0, 1, 1, 1);
    assert_int_equal(gl_copy_(i, b), 0);
    assert_values(i, 0, SHAPE(2, 3), 0, 0, 0, 1, 1, 1);
    gl_tensor *big = T(GL_INT64, SHAPE(1), 9007199254740993.0); /* 2^53 + 1 is not a double */
    ((int64_t *)gl_data_ptr(big))[0] = 9007199254740993LL;
    gl_tensor *i1 = T(GL_INT64, SHAPE(1), 0);
    assert_int_equal(gl_copy_(i1, big), 0); /* int64 -> int64 stays exact */
    assert_int_equal(((int64_t *)gl_data_ptr(i1))[0], 9007199254740993LL);
    gl_release(i1);
    gl_release(big);

    /* a 0-dim source fills everything */
    gl_tensor *one = gl_scalar(4, GL_INT64);
    assert_int_equal(gl_copy_(f, one), 0);
    assert_values(f, 0, SHAPE(2, 3), 4, 4, 4, 4, 4, 4);
    gl_release(one);

    gl_tensor *bad = T(GL_FLOAT32, SHAPE(2), 1, 2);
    assert_int_equal(gl_copy_(d, bad), -1);
    assert_error("copy_: shapes (2) and (2,3) cannot be broadcast: sizes 2 and 3 differ in dim -1 and neither is 1");
    gl_tensor *wide = gl_zeros((int64_t[]){4, 2, 3}, 3, GL_FLOAT32);
    assert_int_equal(gl_copy_(d, wide), -1);
    assert_error("copy_: a source of shape (4,2,3) can't be broadcast to the destination's shape "
                 "(2,3)");
    gl_tensor *col = gl_zeros((int64_t[]){2, 1}, 2, GL_FLOAT32);
    assert_int_equal(gl_copy_(col, d), -1);
    assert_error("copy_: a source of shape (2,3) can't be broadcast to the destination's shape "
                 "(2,1)");
    gl_release(col);
    gl_release(wide);
    gl_release(bad);
    gl_release(z);
    gl_release(f);
    gl_release(b);
    gl_release(i);
    gl_release(d);
}

/* A source sharing the destination's storage is read before it is written. */
static void inplace_overlapping_source(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2, 2), 1, 2, 3, 4);
    gl_tensor *xt = gl_transpose(x, 0, 1);
    assert_int_equal(gl_copy_(x, xt), 0);
    assert_values(x, 0, SHAPE(2, 2), 1, 3, 2, 4);
    assert_int_equal(gl_add_(x, xt, 1), 0); /* x + x^T, from the old x */
    assert_values(x, 0, SHAPE(2, 2), 2, 5, 5, 8);
    assert_int_equal(gl_add_(x, x, 1), 0); /* the same elements: doubled */
    assert_values(x, 0, SHAPE(2, 2), 4, 10, 10, 16);
    gl_tensor *row0 = gl_select(x, 0, 0);
    assert_int_equal(gl_copy_(x, row0), 0); /* every row becomes the old row 0 */
    assert_values(x, 0, SHAPE(2, 2), 4, 10, 4, 10);
    gl_release(row0);
    gl_release(xt);
    gl_release(x);
}

static void inplace_add_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *d = T(dts[k], SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
        gl_tensor *s = T(dts[k], SHAPE(2, 3), 1, 1, 1, 2, 2, 2);
        assert_int_equal(gl_add_(d, s, 1), 0);
        assert_values(d, 0, SHAPE(2, 3), 2, 3, 4, 6, 7, 8);
        assert_int_equal(gl_add_(d, s, -0.5), 0);
        assert_values(d, 0, SHAPE(2, 3), 1.5, 2.5, 3.5, 5, 6, 7);
        gl_tensor *r = T(dts[k], SHAPE(3), 10, 20, 30); /* broadcast over rows */
        assert_int_equal(gl_add_(d, r, 2), 0);
        assert_values(d, 0, SHAPE(2, 3), 21.5, 42.5, 63.5, 25, 46, 67);
        gl_tensor *c = T(GL_INT64, SHAPE(2, 1), 1, -1); /* int into float */
        assert_int_equal(gl_add_(d, c, 1), 0);
        assert_values(d, 0, SHAPE(2, 3), 22.5, 43.5, 64.5, 24, 45, 66);
        gl_release(c);
        gl_release(r);
        gl_release(s);
        gl_release(d);
    }
    /* float32 += float64 is computed in float64, then rounded */
    gl_tensor *d = T(GL_FLOAT32, SHAPE(1), 1);
    gl_tensor *s = T(GL_FLOAT64, SHAPE(1), 1e-9);
    assert_int_equal(gl_add_(d, s, 1e8), 0);
    assert_true(((float *)gl_data_ptr(d))[0] == 1.1f);
    gl_release(s);
    gl_release(d);

    gl_tensor *i = T(GL_INT64, SHAPE(3), 1, 2, 3);
    gl_tensor *j = T(GL_INT64, SHAPE(3), 10, 20, 30);
    assert_int_equal(gl_add_(i, j, -2), 0);
    assert_values(i, 0, SHAPE(3), -19, -38, -57);
    gl_tensor *b = T(GL_BOOL, SHAPE(3), 1, 0, 1);
    assert_int_equal(gl_add_(i, b, 1), 0);
    assert_values(i, 0, SHAPE(3), -18, -38, -56);
    gl_tensor *b2 = T(GL_BOOL, SHAPE(3), 0, 0, 1);
    assert_int_equal(gl_add_(b2, b, 1), 0); /* bool: logical or */
    assert_values(b2, 0, SHAPE(3), 1, 0, 1);
    gl_release(b2);
    gl_release(b);
    gl_release(j);
    gl_release(i);
}

static void inplace_add_errors(void **state)
{
    (void)state;
    gl_tensor *i = T(GL_INT64, SHAPE(3), 1, 2, 3);
    gl_tensor *f = T(GL_FLOAT32, SHAPE(3), 1, 2, 3);
    gl_tensor *b = T(GL_BOOL, SHAPE(3), 1, 0, 1);
    assert_int_equal(gl_add_(i, f, 1), -1);
    assert_error("add_: result type float32 can't be cast to the destination's dtype int64");
    assert_int_equal(gl_add_(b, i, 1), -1);
    assert_error("add_: result type int64 can't be cast to the destination's dtype bool");
    assert_int_equal(gl_add_(i, i, 0.5), -1);
    assert_error("add_: alpha 0.5 must be an integer when the destination is int64");
    gl_tensor *g = T(GL_FLOAT32, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    assert_int_equal(gl_add_(f, g, 1), -1); /* the source would grow the destination */
    assert_error("add_: a source of shape (2,3) can't be broadcast to the destination's shape (3)");
    gl_tensor *ex = gl_expand(f, (int64_t[]){2, 3}, 2);
    assert_int_equal(gl_add_(ex, g, 1), -1);
    assert_error("add_: the destination of shape (2,3) is an expanded view: several of its "
                 "elements share one memory location (dim 0 has stride 0); clone() it first");
    assert_int_equal(gl_mul_scalar_(ex, 2), -1);
    assert_error("mul_scalar_: the destination of shape (2,3) is an expanded view: several of its "
                 "elements share one memory location (dim 0 has stride 0); clone() it first");
    assert_int_equal(gl_fill_(ex, 2), 0); /* every element the same value: allowed */
    assert_values(f, 0, SHAPE(3), 2, 2, 2);
    assert_values(i, 0, SHAPE(3), 1, 2, 3); /* failed calls changed nothing */
    gl_release(ex);
    gl_release(g);
    gl_release(b);
    gl_release(f);
    gl_release(i);
}

static void inplace_mul_scalar_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *x = T(dts[k], SHAPE(2, 2), 1, -2, 3, 0.5);
        assert_int_equal(gl_mul_scalar_(x, -4), 0);
        assert_values(x, 0, SHAPE(2, 2), -4, 8, -12, -2);
        assert_int_equal(gl_mul_scalar_(x, 0.25), 0);
        assert_values(x, 0, SHAPE(2, 2), -1, 2, -3, -0.5);
        gl_release(x);
    }
    gl_tensor *i = T(GL_INT64, SHAPE(3), 1, -2, 3);
    assert_int_equal(gl_mul_scalar_(i, 3), 0);
    assert_values(i, 0, SHAPE(3), 3, -6, 9);
    assert_int_equal(gl_mul_scalar_(i, 0.5), -1);
    assert_error("mul_scalar_: result type float32 can't be cast to the destination's dtype int64 "
                 "(the factor 0.5 is not an integer)");
    assert_values(i, 0, SHAPE(3), 3, -6, 9);
    gl_tensor *b = T(GL_BOOL, SHAPE(2), 1, 0);
    assert_int_equal(gl_mul_scalar_(b, 1), 0);
    assert_values(b, 0, SHAPE(2), 1, 0);
    assert_int_equal(gl_mul_scalar_(b, 2), -1);
    assert_error("mul_scalar_: result type int64 can't be cast to the destination's dtype bool "
                 "(the factor 2 is not 0 or 1)");
    assert_int_equal(gl_mul_scalar_(b, 0), 0);
    assert_values(b, 0, SHAPE(2), 0, 0);
    gl_release(b);
    gl_release(i);
}

/* In grad mode a tensor that requires grad can't be changed in place; in
 * no-grad mode it can, and so can a detached alias at any time. */
static void inplace_requires_grad_checks(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    gl_tensor *one = gl_scalar(1, GL_FLOAT32);
    gl_requires_grad_(x, true);
    assert_int_equal(gl_zero_(x), -1);
    assert_error("zero_: a leaf tensor that requires grad can't be changed in place (this float32 "
                 "tensor of shape (2,3)): do it inside gl.no_grad, or change a detach()ed alias, "
                 "which shares its storage");
    assert_int_equal(gl_fill_(x, 1), -1);
    assert_error("fill_: a leaf tensor that requires grad can't be changed in place (this float32 "
                 "tensor of shape (2,3)): do it inside gl.no_grad, or change a detach()ed alias, "
                 "which shares its storage");
    assert_int_equal(gl_copy_(x, one), -1);
    assert_int_equal(gl_add_(x, one, 1), -1);
    assert_int_equal(gl_mul_scalar_(x, 2), -1);
    assert_error("mul_scalar_: a leaf tensor that requires grad can't be changed in place (this "
                 "float32 tensor of shape (2,3)): do it inside gl.no_grad, or change a detach()ed "
                 "alias, which shares its storage");
    assert_values(x, 0, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);

    /* a result in the graph: its grad_fn would describe the old value */
    gl_tensor *s = gl_sum(x, 0, false);
    assert_int_equal(gl_mul_scalar_(s, 2), -1);
    assert_error("mul_scalar_: this float32 tensor of shape (3) requires grad and was made by "
                 "'sum'; in-place changes are not recorded in the graph, so its gradient would be "
                 "wrong: use the out-of-place op, or do it inside gl.no_grad");

    bool old = gl_set_grad_enabled(false);
    assert_int_equal(gl_add_(x, one, 1), 0);
    assert_int_equal(gl_mul_scalar_(x, 2), 0);
    gl_set_grad_enabled(old);
    assert_values(x, 0, SHAPE(2, 3), 4, 6, 8, 10, 12, 14);

    gl_tensor *d = gl_detach(x);
    assert_int_equal(gl_fill_(d, 3), 0);
    assert_values(x, 0, SHAPE(2, 3), 3, 3, 3, 3, 3, 3);
    gl_release(d);

    gl_release(s);
    gl_release(one);
    gl_release(x);
}

/* Each in-place op bumps the version: a tensor that a node saved and that
 * was changed afterwards makes backward fail (max saves its input). */
typedef int (*change_fn)(gl_tensor *t, const gl_tensor *other);
static int do_zero(gl_tensor *t, const gl_tensor *o) { (void)o; return gl_zero_(t); }
static int do_fill(gl_tensor *t, const gl_tensor *o) { (void)o; return gl_fill_(t, 2); }
static int do_copy(gl_tensor *t, const gl_tensor *o) { return gl_copy_(t, o); }
static int do_add(gl_tensor *t, const gl_tensor *o) { return gl_add_(t, o, 1); }
static int do_mul(gl_tensor *t, const gl_tensor *o) { (void)o; return gl_mul_scalar_(t, 2); }

static void inplace_bumps_version(void **state)
{
    (void)state;
    change_fn fns[] = {do_zero, do_fill, do_copy, do_add, do_mul};
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        for (int via_alias = 0; via_alias < 2; via_alias++) {
            gl_tensor *x = T(GL_FLOAT64, SHAPE(3), 1, 5, 2);
            gl_tensor *o = T(GL_FLOAT64, SHAPE(3), 1, 1, 1);
            gl_requires_grad_(x, true);
            gl_tensor *m = gl_max(x, GL_ALL_DIMS, false, NULL);
            gl_tensor *target = via_alias ? gl_detach(x) : gl_retain(x);
            bool old = gl_set_grad_enabled(false);
            assert_int_equal(fns[k](target, o), 0);
            gl_set_grad_enabled(old);
            assert_int_equal(gl_backward(m, NULL, false), -1);
            /* autograd.c's message; its version numbers are what this test is about */
            assert_non_null(strstr(gl_error(), "tensor of shape (3) that 'max' saved for its "
                                               "gradient was modified by an in-place operation "
                                               "(version 1, saved at 0)"));
            gl_release(target);
            gl_release(m);
            gl_release(o);
            gl_release(x);
        }
    }
    /* untouched, backward goes through */
    gl_tensor *x = T(GL_FLOAT64, SHAPE(3), 1, 5, 2);
    gl_requires_grad_(x, true);
    gl_tensor *m = gl_max(x, GL_ALL_DIMS, false, NULL);
    assert_int_equal(gl_backward(m, NULL, false), 0);
    assert_values(gl_grad(x), 0, SHAPE(3), 0, 1, 0);
    gl_release(m);
    gl_release(x);
}

/* Leaf gradients accumulate through add_ across backward calls. */
static void inplace_grad_accumulates(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(2, 2), 1, 2, 3, 4);
    gl_requires_grad_(x, true);
    for (int k = 0; k < 3; k++) {
        gl_tensor *s = gl_sum(x, 0, false); /* (2): grad of ones over each column */
        gl_tensor *g = T(GL_FLOAT32, SHAPE(2), 1, 2);
        assert_int_equal(gl_backward(s, g, false), 0);
        gl_release(g);
        gl_release(s);
    }
    assert_values(gl_grad(x), 0, SHAPE(2, 2), 3, 6, 3, 6);
    assert_int_equal(gl_zero_(gl_grad(x)), 0); /* zero_grad in grad mode: grads don't require grad */
    assert_values(gl_grad(x), 0, SHAPE(2, 2), 0, 0, 0, 0);
    gl_release(x);
}

/* Runs long enough for the blocks of 8 (37 = 4 blocks + a tail of 5), for
 * every dtype pair of copy_ and add_, contiguous and as a strided view,
 * against element-by-element expectations. */
/* add_ into an int64 dst takes int64 and bool; into a bool dst only bool */
static bool add_accepts(gl_dtype d, gl_dtype s)
{
    return d == GL_INT64 ? s == GL_INT64 || s == GL_BOOL : s == GL_BOOL;
}

static double val(int i, gl_dtype dt)
{
    if (dt == GL_BOOL)
        return (double)(i % 3 == 0);
    return (double)((i * 37) % 23) - 11;
}

static void inplace_long_runs(void **state)
{
    (void)state;
    enum { N = 37 };
    const int64_t n = N, n2[2] = {N, 2};
    gl_dtype dts[] = {GL_BOOL, GL_INT64, GL_FLOAT32, GL_FLOAT64};
    double dv[N], sv[N], want[N];
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int strided = 0; strided < 2; strided++) {
                gl_dtype ddt = dts[a], sdt = dts[b];
                for (int i = 0; i < N; i++) {
                    dv[i] = val(i, ddt);
                    sv[i] = val(i * 5 + 1, sdt);
                }
                /* strided: column 1 of an (N,2) tensor */
                gl_tensor *base = strided ? gl_zeros(n2, 2, ddt) : NULL;
                gl_tensor *d = strided ? gl_select(base, 1, 1) : test_tensor(ddt, 1, &n, dv, N);
                gl_tensor *dc = test_tensor(ddt, 1, &n, dv, N);
                if (strided)
                    assert_int_equal(gl_copy_(d, dc), 0);
                gl_tensor *src = test_tensor(sdt, 1, &n, sv, N);

                assert_int_equal(gl_copy_(d, src), 0); /* converted as gl_store does */
                gl_tensor *conv = test_tensor(ddt, 1, &n, sv, N);
                gl_copy_to_doubles(conv, want);
                assert_tensor_near(d, 1, &n, want, 0);
                gl_release(conv);

                assert_int_equal(gl_copy_(d, dc), 0);
                bool ok = gl_is_floating(ddt) || add_accepts(ddt, sdt);
                int rc = gl_add_(d, src, 2);
                assert_int_equal(rc, ok ? 0 : -1);
                if (ok) {
                    double sv_stored[N];
                    gl_copy_to_doubles(src, sv_stored);
                    for (int i = 0; i < N; i++)
                        want[i] = ddt == GL_BOOL ? (double)(dv[i] + 2 * sv_stored[i] != 0)
                                                 : dv[i] + 2 * sv_stored[i];
                    gl_tensor *w = test_tensor(ddt, 1, &n, want, N); /* rounded to ddt */
                    gl_copy_to_doubles(w, want);
                    gl_release(w);
                    assert_tensor_near(d, 1, &n, want, 0);
                }
                if (b == 0) { /* once per destination: fill_, mul_scalar_, zero_ */
                    assert_int_equal(gl_fill_(d, 1), 0);
                    for (int i = 0; i < N; i++)
                        want[i] = 1;
                    assert_tensor_near(d, 1, &n, want, 0);
                    assert_int_equal(gl_copy_(d, dc), 0);
                    assert_int_equal(gl_mul_scalar_(d, ddt == GL_BOOL ? 1 : -3), 0);
                    for (int i = 0; i < N; i++)
                        want[i] = ddt == GL_BOOL ? dv[i] : -3 * dv[i];
                    assert_tensor_near(d, 1, &n, want, 0);
                    assert_int_equal(gl_zero_(d), 0);
                    for (int i = 0; i < N; i++)
                        want[i] = 0;
                    assert_tensor_near(d, 1, &n, want, 0);
                }
                if (strided) { /* column 0 untouched */
                    gl_tensor *col0 = gl_select(base, 1, 0);
                    assert_tensor_near(col0, 1, &n, (double[N]){0}, 0);
                    gl_release(col0);
                }
                gl_release(src);
                gl_release(dc);
                gl_release(d);
                gl_release(base);
            }
}

TEST_GROUP(inplace,
           cmocka_unit_test(inplace_zero_fill_values),
           cmocka_unit_test(inplace_on_views),
           cmocka_unit_test(inplace_copy_broadcast_dtypes),
           cmocka_unit_test(inplace_overlapping_source),
           cmocka_unit_test(inplace_add_values),
           cmocka_unit_test(inplace_add_errors),
           cmocka_unit_test(inplace_mul_scalar_values),
           cmocka_unit_test(inplace_requires_grad_checks),
           cmocka_unit_test(inplace_bumps_version),
           cmocka_unit_test(inplace_grad_accumulates),
           cmocka_unit_test(inplace_long_runs));
