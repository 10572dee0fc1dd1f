/* test_matmul.c — gl_matmul in every torch.matmul case (dot, 2-D, 1-D on
 * either side, batched with broadcast batch dims), on every kernel path
 * (small loop, gemm, gemv, transposed views read as CblasTrans, copies of
 * views BLAS can't read, the folded (batch*M,K)·(K,N) product), in float32,
 * float64 and int64; gradients against finite differences; exact errors. */
#include "test.h"

/* (shape, ndim) in the order gl_zeros/gl_ones/gl_expand take them */
#define DIMS(...) \
    (int64_t[]){__VA_ARGS__}, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

static void release_all(gl_tensor **ts, int n)
{
    for (int i = 0; i < n; i++)
        gl_release(ts[i]);
}

/* ------------------------------------------------------ the reference */

/* C = A·B for a, b of >= 2 dims with broadcast batch dims, the slow way
 * (gl_get per element); vals gets the row-major result, shape/ndim its shape. */
static double *ref_matmul(const gl_tensor *a, const gl_tensor *b, int64_t *shape, int *ndim)
{
    int na = gl_ndim(a), nb = gl_ndim(b);
    const int64_t *sa = gl_shape(a), *sb = gl_shape(b);
    int nbatch = (na > nb ? na : nb) - 2;
    for (int i = 0; i < nbatch; i++) {
        int ia = i - (nbatch - (na - 2)), ib = i - (nbatch - (nb - 2));
        int64_t da = ia >= 0 ? sa[ia] : 1, db = ib >= 0 ? sb[ib] : 1;
        shape[i] = da == 1 ? db : da;
    }
    int64_t M = sa[na - 2], K = sa[na - 1], N = sb[nb - 1];
    shape[nbatch] = M;
    shape[nbatch + 1] = N;
    *ndim = nbatch + 2;
    int64_t total = 1;
    for (int i = 0; i < *ndim; i++)
        total *= shape[i];
    double *out = calloc(total ? total : 1, sizeof(double));
    int64_t ia[GL_MAX_DIMS], ib[GL_MAX_DIMS], idx[GL_MAX_DIMS];
    for (int64_t lin = 0; lin < total; lin++) {
        int64_t r = lin;
        for (int d = *ndim - 1; d >= 0; d--) {
            idx[d] = r % shape[d];
            r /= shape[d];
        }
        for (int d = 0; d < na - 2; d++) {
            int od = d + nbatch - (na - 2);
            ia[d] = sa[d] == 1 ? 0 : idx[od];
        }
        for (int d = 0; d < nb - 2; d++) {
            int od = d + nbatch - (nb - 2);
            ib[d] = sb[d] == 1 ? 0 : idx[od];
        }
        double s = 0;
        for (int64_t k = 0; k < K; k++) {
            ia[na - 2] = idx[nbatch];
            ia[na - 1] = k;
            ib[nb - 2] = k;
            ib[nb - 1] = idx[nbatch + 1];
            s += gl_get(a, ia) * gl_get(b, ib);
        }
        out[lin] = s;
    }
    return out;
}

/* gl_matmul(a, b) equals the reference within tol; consumes nothing. */
static void check_against_ref(const gl_tensor *a, const gl_tensor *b, double tol)
{
    int64_t shape[GL_MAX_DIMS];
    int nd;
    double *want = ref_matmul(a, b, shape, &nd);
    gl_tensor *c = gl_matmul(a, b);
    assert_tensor_near(c, nd, shape, want, tol);
    assert_int_equal(gl_dtype_of(c), gl_dtype_of(a));
    gl_release(c);
    free(want);
}

static gl_tensor *randn(gl_dtype dt, int ndim, const int64_t *shape)
{
    return test_randn(dt, ndim, shape, false);
}

/* ------------------------------------------------------------- forward */

static void test_matmul_2d_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        gl_tensor *a = T(dts[k], SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
        gl_tensor *b = T(dts[k], SHAPE(3, 2), 7, 8, 9, 10, 11, 12);
        gl_tensor *c = gl_matmul(a, b);
        assert_values(c, 0, SHAPE(2, 2), 58, 64, 139, 154);
        assert_int_equal(gl_dtype_of(c), dts[k]);
        gl_tensor *d = gl_matmul(b, a); /* (3,2)·(2,3) */
        assert_values(d, 0, SHAPE(3, 3), 39, 54, 69, 49, 68, 87, 59, 82, 105);
        gl_tensor *all[] = {a, b, c, d};
        release_all(all, 4);
    }
}

static void test_matmul_dot(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        gl_tensor *a = T(dts[k], SHAPE(3), 1, 2, 3), *b = T(dts[k], SHAPE(3), 4, -5, 6);
        gl_tensor *c = gl_matmul(a, b);
        assert_values(c, 0, SCALAR_SHAPE, 12);
        assert_int_equal(gl_dtype_of(c), dts[k]);
        gl_tensor *all[] = {a, b, c};
        release_all(all, 3);
    }
    /* long enough for BLAS: sum of 0..199 times 1 */
    for (int k = 0; k < 2; k++) {
        gl_tensor *a = gl_arange(0, 200, 1, dts[k]), *b = gl_ones(DIMS(200), dts[k]);
        gl_tensor *c = gl_matmul(a, b);
        assert_values(c, 0, SCALAR_SHAPE, 19900);
        gl_tensor *all[] = {a, b, c};
        release_all(all, 3);
    }
}

static void test_matmul_vector_sides(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        gl_tensor *v = T(dts[k], SHAPE(3), 1, 2, 3);
        gl_tensor *m = T(dts[k], SHAPE(3, 2), 7, 8, 9, 10, 11, 12);
        gl_tensor *w = T(dts[k], SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
        /* (3)·(3,2) -> (2): the vector is a row, then the row dim goes */
        gl_tensor *left = gl_matmul(v, m);
        assert_values(left, 0, SHAPE(2), 58, 64);
        /* (2,3)·(3) -> (2): the vector is a column */
        gl_tensor *right = gl_matmul(w, v);
        assert_values(right, 0, SHAPE(2), 14, 32);
        /* batched: (3)·(2,3,2) -> (2,2) and (2,2,3)·(3) -> (2,2) */
        gl_tensor *bm = T(dts[k], SHAPE(2, 3, 2), 7, 8, 9, 10, 11, 12, 1, 0, 0, 1, 1, 1);
        gl_tensor *bw = T(dts[k], SHAPE(2, 2, 3), 1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 0, 1);
        gl_tensor *bl = gl_matmul(v, bm), *br = gl_matmul(bw, v);
        assert_values(bl, 0, SHAPE(2, 2), 58, 64, 4, 5);
        assert_values(br, 0, SHAPE(2, 2), 14, 32, 1, 3);
        gl_tensor *all[] = {v, m, w, left, right, bm, bw, bl, br};
        release_all(all, 9);
    }
}

static void test_matmul_batched_broadcast(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        double tol = dts[k] == GL_FLOAT32 ? 1e-5 : 1e-12;
        /* the brief's case, small enough for the plain loop */
        gl_tensor *a = randn(dts[k], SHAPE(2, 1, 3, 4)), *b = randn(dts[k], SHAPE(5, 4, 2));
        check_against_ref(a, b, tol);
        gl_tensor *c = gl_matmul(a, b);
        assert_int_equal(gl_ndim(c), 4);
        assert_int_equal(gl_shape(c)[1], 5);
        /* the same shapes, large enough for gemm */
        gl_tensor *a2 = randn(dts[k], SHAPE(2, 1, 8, 9)), *b2 = randn(dts[k], SHAPE(5, 9, 7));
        check_against_ref(a2, b2, tol);
        gl_tensor *b3 = randn(dts[k], SHAPE(5, 7, 8));
        check_against_ref(b3, a2, tol); /* (5,7,8)·(2,1,8,9) -> (2,5,7,9) */
        gl_tensor *all[] = {a, b, c, a2, b2, b3};
        release_all(all, 6);
    }
}

static void test_matmul_int64_batched(void **state)
{
    (void)state;
    gl_tensor *a = T(GL_INT64, SHAPE(2, 2, 2), 1, 2, 3, 4, 0, 1, 1, 0);
    gl_tensor *b = T(GL_INT64, SHAPE(2, 2), 5, 6, 7, 8);
    gl_tensor *c = gl_matmul(a, b);
    assert_values(c, 0, SHAPE(2, 2, 2), 19, 22, 43, 50, 7, 8, 5, 6);
    assert_int_equal(gl_dtype_of(c), GL_INT64);
    /* large int64 values stay exact (no float detour) */
    gl_tensor *x = T(GL_INT64, SHAPE(1, 1), 3037000499), *y = T(GL_INT64, SHAPE(1, 1), 3037000499);
    gl_tensor *z = gl_matmul(x, y);
    assert_non_null(z);
    assert_true(((int64_t *)gl_data_ptr(z))[0] == (int64_t)3037000499 * 3037000499);
    /* overflow wraps (two's complement), as torch: 2^62 * 4 = 2^64 -> 0, and
     * 2^62 * 2 -> -2^63 */
    gl_tensor *p = T(GL_INT64, SHAPE(2), 4611686018427387904.0, 4611686018427387904.0);
    gl_tensor *q = T(GL_INT64, SHAPE(2), 2, 2), *r = T(GL_INT64, SHAPE(2), 1, 1);
    gl_tensor *pq = gl_matmul(p, q), *pr = gl_matmul(p, r);
    assert_true(((int64_t *)gl_data_ptr(pq))[0] == 0);
    assert_true(((int64_t *)gl_data_ptr(pr))[0] == INT64_MIN);
    gl_tensor *all[] = {a, b, c, x, y, z, p, q, r, pq, pr};
    release_all(all, 11);
}

/* Views: transposed operands go to BLAS as CblasTrans, a column slice with a
 * step (unreadable by BLAS) is copied, an expanded operand has stride 0. */
static void test_matmul_views(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        double tol = dts[k] == GL_FLOAT32 ? 1e-5 : 1e-12;
        for (int big = 0; big < 2; big++) {
            int64_t m = big ? 9 : 2, kk = big ? 11 : 3, n = big ? 7 : 2;
            gl_tensor *at0 = randn(dts[k], SHAPE(kk, m)), *bt0 = randn(dts[k], SHAPE(n, kk));
            gl_tensor *a = randn(dts[k], SHAPE(m, kk)), *b = randn(dts[k], SHAPE(kk, n));
            gl_tensor *at = gl_transpose(at0, 0, 1), *bt = gl_transpose(bt0, 0, 1);
            check_against_ref(at, b, tol);
            check_against_ref(a, bt, tol);
            check_against_ref(at, bt, tol);
            /* stepped slices: rows of a every 2nd column of a wider tensor */
            gl_tensor *wide = randn(dts[k], SHAPE(m, 2 * kk));
            gl_tensor *stepped = gl_slice(wide, 1, 0, 2 * kk, 2);
            check_against_ref(stepped, b, tol);
            /* a row slice keeps a leading dim larger than the columns */
            gl_tensor *cols = gl_slice(wide, 1, 1, 1 + kk, 1);
            check_against_ref(cols, b, tol);
            /* expanded: every row of a the same (stride 0) */
            gl_tensor *row = randn(dts[k], SHAPE(1, kk));
            gl_tensor *ex = gl_expand(row, DIMS(m, kk));
            check_against_ref(ex, b, tol);
            gl_tensor *colv = randn(dts[k], SHAPE(kk, 1));
            gl_tensor *exb = gl_expand(colv, DIMS(kk, n));
            check_against_ref(a, exb, tol);
            gl_tensor *all[] = {at0, bt0, a, b, at, bt, wide, stepped, cols, row, ex, colv, exb};
            release_all(all, 13);
        }
        /* batched transposed views, and a permuted 3-D operand */
        gl_tensor *p0 = randn(dts[k], SHAPE(3, 9, 8)), *q = randn(dts[k], SHAPE(3, 9, 5));
        gl_tensor *p = gl_transpose(p0, 1, 2); /* (3,8,9), each matrix transposed */
        check_against_ref(p, q, tol);
        int perm[] = {1, 0, 2};
        gl_tensor *r0 = randn(dts[k], SHAPE(8, 3, 9));
        gl_tensor *r = gl_permute(r0, perm, 3); /* (3,8,9), batch stride 9 */
        check_against_ref(r, q, tol);
        gl_tensor *all[] = {p0, q, p, r0, r};
        release_all(all, 5);
    }
}

/* M == 1 and N == 1 go to gemv; (batch,M,K)·(K,N) folds into one gemm. */
static void test_matmul_blas_paths(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        double tol = dts[k] == GL_FLOAT32 ? 1e-4 : 1e-12;
        gl_tensor *row = randn(dts[k], SHAPE(1, 100)), *m = randn(dts[k], SHAPE(100, 3));
        gl_tensor *col = randn(dts[k], SHAPE(100, 1)), *w = randn(dts[k], SHAPE(3, 100));
        check_against_ref(row, m, tol); /* M == 1, B row-major */
        check_against_ref(w, col, tol); /* N == 1, A row-major */
        gl_tensor *mt = gl_transpose(w, 0, 1), *wt = gl_transpose(m, 0, 1);
        check_against_ref(row, mt, tol); /* M == 1, B transposed */
        check_against_ref(wt, col, tol); /* N == 1, A transposed */
        gl_tensor *rowt0 = randn(dts[k], SHAPE(100, 1));
        gl_tensor *rowt = gl_transpose(rowt0, 0, 1); /* (1,100) with stride (1,1) */
        check_against_ref(rowt, m, tol);
        gl_tensor *colt0 = randn(dts[k], SHAPE(1, 100));
        gl_tensor *colt = gl_transpose(colt0, 0, 1);
        check_against_ref(w, colt, tol);
        /* fold: (4,6,9)·(9,7) contiguous, and (4,1,9)·(9,7); not when a's
         * batches are not stacked rows (a permuted a) */
        gl_tensor *a3 = randn(dts[k], SHAPE(4, 6, 9)), *b2 = randn(dts[k], SHAPE(9, 7));
        check_against_ref(a3, b2, tol);
        gl_tensor *a1 = randn(dts[k], SHAPE(4, 1, 16)), *b16 = randn(dts[k], SHAPE(16, 7));
        check_against_ref(a1, b16, tol);
        gl_tensor *b3 = randn(dts[k], SHAPE(1, 9, 7));
        check_against_ref(a3, b3, tol);
        int perm[] = {1, 0, 2};
        gl_tensor *ap0 = randn(dts[k], SHAPE(6, 4, 9));
        gl_tensor *ap = gl_permute(ap0, perm, 3);
        check_against_ref(ap, b2, tol);
        gl_tensor *all[] = {row, m, col, w, mt, wt, rowt0, rowt, colt0,
                            colt, a3, b2, a1, b16, b3, ap0, ap};
        release_all(all, 17);
    }
}

static void test_matmul_promotion(void **state)
{
    (void)state;
    gl_tensor *a = T(GL_FLOAT32, SHAPE(2, 2), 1, 2, 3, 4);
    gl_tensor *b = T(GL_FLOAT64, SHAPE(2, 2), 0.5, 0, 0, 0.25);
    gl_tensor *i = T(GL_INT64, SHAPE(2), 1, 1);
    gl_tensor *ab = gl_matmul(a, b), *ia = gl_matmul(i, a), *bi = gl_matmul(b, i);
    assert_values(ab, 0, SHAPE(2, 2), 0.5, 0.5, 1.5, 1);
    assert_int_equal(gl_dtype_of(ab), GL_FLOAT64);
    assert_values(ia, 0, SHAPE(2), 4, 6);
    assert_int_equal(gl_dtype_of(ia), GL_FLOAT32);
    assert_values(bi, 0, SHAPE(2), 0.5, 0.25);
    assert_int_equal(gl_dtype_of(bi), GL_FLOAT64);
    /* the float32 operand gets a float32 gradient back */
    gl_requires_grad_(a, true);
    gl_tensor *c = gl_matmul(a, b);
    gl_tensor *s = gl_sum(c, GL_ALL_DIMS, false);
    assert_int_equal(gl_backward(s, NULL, false), 0);
    assert_int_equal(gl_dtype_of(gl_grad(a)), GL_FLOAT32);
    assert_values(gl_grad(a), 0, SHAPE(2, 2), 0.5, 0.25, 0.5, 0.25);
    gl_tensor *all[] = {a, b, i, ab, ia, bi, c, s};
    release_all(all, 8);
}

static void test_matmul_empty(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        /* K == 0: an empty sum is 0 */
        gl_tensor *a = gl_ones(DIMS(2, 0), dts[k]), *b = gl_ones(DIMS(0, 3), dts[k]);
        gl_tensor *c = gl_matmul(a, b);
        assert_values(c, 0, SHAPE(2, 3), 0, 0, 0, 0, 0, 0);
        gl_tensor *d = gl_ones(DIMS(0, 3), dts[k]), *e = gl_ones(DIMS(3, 2), dts[k]);
        gl_tensor *f = gl_matmul(d, e);
        assert_int_equal(gl_ndim(f), 2);
        assert_int_equal(gl_shape(f)[0], 0);
        assert_int_equal(gl_shape(f)[1], 2);
        gl_tensor *z0 = gl_ones(DIMS(0), dts[k]);
        gl_tensor *dot = gl_matmul(z0, z0);
        assert_values(dot, 0, SCALAR_SHAPE, 0);
        gl_tensor *all[] = {a, b, c, d, e, f, z0, dot};
        release_all(all, 8);
    }
}

static void test_matmul_grad_fn_and_leaks(void **state)
{
    (void)state;
    size_t before = gl_live_bytes();
    gl_tensor *a = test_randn(GL_FLOAT32, SHAPE(3, 4), true);
    gl_tensor *b = test_randn(GL_FLOAT32, SHAPE(4, 5), true);
    gl_tensor *c = gl_matmul(a, b);
    assert_string_equal(gl_grad_fn_name(c), "matmul");
    gl_tensor *s = gl_sum(c, GL_ALL_DIMS, false);
    assert_int_equal(gl_backward(s, NULL, false), 0);
    /* d sum(AB)/dA = 1·Bᵀ: row sums of B in every row */
    assert_int_equal(gl_dtype_of(gl_grad(a)), GL_FLOAT32);
    assert_int_equal(gl_dtype_of(gl_grad(b)), GL_FLOAT32);
    double bs[4] = {0};
    for (int64_t i = 0; i < 4; i++)
        for (int64_t j = 0; j < 5; j++)
            bs[i] += gl_get(b, (int64_t[]){i, j});
    for (int64_t r = 0; r < 3; r++)
        for (int64_t i = 0; i < 4; i++)
            assert_true(fabs(gl_get(gl_grad(a), (int64_t[]){r, i}) - bs[i]) < 1e-5);
    gl_tensor *all[] = {a, b, c, s};
    release_all(all, 4);
    assert_int_equal(gl_live_bytes(), before);
}

/* -------------------------------------------------------------- errors */

static void test_matmul_errors(void **state)
{
    (void)state;
    gl_tensor *a = gl_zeros(DIMS(128, 1000), GL_FLOAT32), *b = gl_zeros(DIMS(26, 1000), GL_FLOAT32);
    assert_null(gl_matmul(a, b));
    assert_error("matmul: (128,1000) x (26,1000): inner dimensions 1000 and 26 differ");
    gl_tensor *v3 = gl_zeros(DIMS(3), GL_FLOAT32), *v4 = gl_zeros(DIMS(4), GL_FLOAT32);
    assert_null(gl_matmul(v3, v4));
    assert_error("matmul: (3) x (4): inner dimensions 3 and 4 differ");
    gl_tensor *m23 = gl_zeros(DIMS(2, 3), GL_FLOAT32);
    assert_null(gl_matmul(m23, v4));
    assert_error("matmul: (2,3) x (4): inner dimensions 3 and 4 differ");
    assert_null(gl_matmul(v4, m23));
    assert_error("matmul: (4) x (2,3): inner dimensions 4 and 2 differ");

    gl_tensor *s = gl_scalar(2, GL_FLOAT32);
    assert_null(gl_matmul(s, v3));
    assert_error("matmul: () x (3): the first operand is 0-dim; matmul needs at least 1 dim on "
                 "each side (use mul to multiply by a scalar)");
    assert_null(gl_matmul(m23, s));
    assert_error("matmul: (2,3) x (): the second operand is 0-dim; matmul needs at least 1 dim "
                 "on each side (use mul to multiply by a scalar)");
    assert_null(gl_matmul(s, s));
    assert_error("matmul: () x (): both operands are 0-dim; matmul needs at least 1 dim on each "
                 "side (use mul to multiply by a scalar)");

    gl_tensor *bb = gl_zeros(DIMS(3, 2), GL_BOOL);
    assert_null(gl_matmul(m23, bb));
    assert_error("matmul: (2,3) x (3,2): dtypes float32 and bool: bool tensors can't be "
                 "multiplied (convert with to_dtype first)");

    gl_tensor *x = gl_zeros(DIMS(2, 3, 4), GL_FLOAT64), *y = gl_zeros(DIMS(3, 4, 5), GL_FLOAT64);
    assert_null(gl_matmul(x, y));
    assert_error("matmul: (2,3,4) x (3,4,5): batch dimensions (2) and (3) can't be broadcast "
                 "(sizes 2 and 3 differ and neither is 1)");
    gl_tensor *all[] = {a, b, v3, v4, m23, s, bb, x, y};
    release_all(all, 9);
}

/* ---------------------------------------------------------- gradients */

typedef struct {
    bool ta, tb; /* transpose the last two dims of input 0 / 1 first */
} mm_ctx;

static gl_tensor *mm_fn(gl_tensor *const *in, void *vctx)
{
    mm_ctx *c = vctx;
    gl_tensor *a = c && c->ta ? gl_transpose(in[0], -2, -1) : gl_retain(in[0]);
    gl_tensor *b = c && c->tb ? gl_transpose(in[1], -2, -1) : gl_retain(in[1]);
    gl_tensor *r = gl_matmul(a, b);
    gl_release(a);
    gl_release(b);
    return r;
}

static void gradcheck_shapes(int na, const int64_t *sa, int nb, const int64_t *sb, mm_ctx *ctx)
{
    gl_tensor *in[2] = {test_randn(GL_FLOAT64, na, sa, true), test_randn(GL_FLOAT64, nb, sb, true)};
    assert_gradcheck(mm_fn, in, 2, ctx);
    /* and with only one side requiring grad */
    gl_requires_grad_(in[1], false);
    assert_gradcheck(mm_fn, in, 2, ctx);
    gl_requires_grad_(in[1], true);
    gl_requires_grad_(in[0], false);
    assert_gradcheck(mm_fn, in, 2, ctx);
    release_all(in, 2);
}

static void test_matmul_grad_cases(void **state)
{
    (void)state;
    gradcheck_shapes(SHAPE(3), SHAPE(3), NULL);              /* dot */
    gradcheck_shapes(SHAPE(70), SHAPE(70), NULL);            /* dot through BLAS */
    gradcheck_shapes(SHAPE(2, 3), SHAPE(3, 4), NULL);        /* small loop */
    gradcheck_shapes(SHAPE(5, 6), SHAPE(6, 7), NULL);        /* gemm */
    gradcheck_shapes(SHAPE(3), SHAPE(3, 4), NULL);           /* 1-D left */
    gradcheck_shapes(SHAPE(9), SHAPE(9, 8), NULL);           /* 1-D left, gemv */
    gradcheck_shapes(SHAPE(4, 3), SHAPE(3), NULL);           /* 1-D right */
    gradcheck_shapes(SHAPE(8, 9), SHAPE(9), NULL);           /* 1-D right, gemv */
    gradcheck_shapes(SHAPE(3), SHAPE(2, 3, 4), NULL);        /* 1-D left, batched */
    gradcheck_shapes(SHAPE(2, 4, 3), SHAPE(3), NULL);        /* 1-D right, batched */
    gradcheck_shapes(SHAPE(2, 1, 3, 4), SHAPE(5, 4, 2), NULL); /* broadcast batch */
    gradcheck_shapes(SHAPE(2, 1, 8, 9), SHAPE(5, 9, 7), NULL); /* broadcast batch, gemm */
    gradcheck_shapes(SHAPE(3, 8, 9), SHAPE(9, 7), NULL);     /* folded, dB through reshape */
    gradcheck_shapes(SHAPE(8, 9), SHAPE(3, 9, 7), NULL);     /* 2-D a shared by batches */
    gradcheck_shapes(SHAPE(1, 5), SHAPE(2, 5, 3), NULL);
}

static void test_matmul_grad_transposed(void **state)
{
    (void)state;
    mm_ctx ta = {true, false}, tb = {false, true}, tab = {true, true};
    gradcheck_shapes(SHAPE(3, 2), SHAPE(3, 4), &ta);
    gradcheck_shapes(SHAPE(2, 3), SHAPE(4, 3), &tb);
    gradcheck_shapes(SHAPE(3, 2), SHAPE(4, 3), &tab);
    gradcheck_shapes(SHAPE(9, 8), SHAPE(9, 7), &ta);
    gradcheck_shapes(SHAPE(8, 9), SHAPE(7, 9), &tb);
    gradcheck_shapes(SHAPE(9, 8), SHAPE(7, 9), &tab);
    gradcheck_shapes(SHAPE(2, 9, 8), SHAPE(7, 9), &tab);
    gradcheck_shapes(SHAPE(2, 1, 9, 8), SHAPE(3, 7, 9), &tab);
}

/* A matmul feeding another op: the gradient arrives as a strided (expanded)
 * tensor, which BLAS can't read and the kernel copies. */
static gl_tensor *mm_then_mean(gl_tensor *const *in, void *ctx)
{
    (void)ctx;
    gl_tensor *c = gl_matmul(in[0], in[1]);
    gl_tensor *m = gl_mean(c, GL_ALL_DIMS, false);
    gl_release(c);
    return m;
}

static void test_matmul_grad_through_mean(void **state)
{
    (void)state;
    gl_tensor *in[2] = {test_randn(GL_FLOAT64, SHAPE(2, 6, 9), true),
                        test_randn(GL_FLOAT64, SHAPE(9, 5), true)};
    assert_gradcheck(mm_then_mean, in, 2, NULL);
    release_all(in, 2);
}

/* float32 backward agrees with float64 backward. */
static void test_matmul_grad_float32(void **state)
{
    (void)state;
    gl_tensor *a64 = test_randn(GL_FLOAT64, SHAPE(2, 7, 9), true);
    gl_tensor *b64 = test_randn(GL_FLOAT64, SHAPE(9, 6), true);
    gl_tensor *a32 = gl_to_dtype(a64, GL_FLOAT32), *b32 = gl_to_dtype(b64, GL_FLOAT32);
    gl_tensor *a32l = gl_detach(a32), *b32l = gl_detach(b32);
    gl_requires_grad_(a32l, true);
    gl_requires_grad_(b32l, true);
    gl_tensor *c64 = gl_matmul(a64, b64), *c32 = gl_matmul(a32l, b32l);
    gl_tensor *s64 = gl_sum(c64, GL_ALL_DIMS, false), *s32 = gl_sum(c32, GL_ALL_DIMS, false);
    assert_int_equal(gl_backward(s64, NULL, false), 0);
    assert_int_equal(gl_backward(s32, NULL, false), 0);
    double ga[2 * 7 * 9], gb[9 * 6];
    gl_copy_to_doubles(gl_grad(a64), ga);
    gl_copy_to_doubles(gl_grad(b64), gb);
    assert_tensor_near(gl_grad(a32l), SHAPE(2, 7, 9), ga, 1e-5);
    assert_tensor_near(gl_grad(b32l), SHAPE(9, 6), gb, 1e-5);
    gl_tensor *all[] = {a64, b64, a32, b32, a32l, b32l, c64, c32, s64, s32};
    release_all(all, 10);
}

TEST_GROUP(matmul,
           cmocka_unit_test(test_matmul_2d_values),
           cmocka_unit_test(test_matmul_dot),
           cmocka_unit_test(test_matmul_vector_sides),
           cmocka_unit_test(test_matmul_batched_broadcast),
           cmocka_unit_test(test_matmul_int64_batched),
           cmocka_unit_test(test_matmul_views),
           cmocka_unit_test(test_matmul_blas_paths),
           cmocka_unit_test(test_matmul_promotion),
           cmocka_unit_test(test_matmul_empty),
           cmocka_unit_test(test_matmul_grad_fn_and_leaks),
           cmocka_unit_test(test_matmul_errors),
           cmocka_unit_test(test_matmul_grad_cases),
           cmocka_unit_test(test_matmul_grad_transposed),
           cmocka_unit_test(test_matmul_grad_through_mean),
           cmocka_unit_test(test_matmul_grad_float32));
