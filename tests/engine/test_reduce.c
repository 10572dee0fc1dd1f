/* test_reduce.c — sum, mean, max, min, argmax, argmin: values in every dtype,
 * each dim with keepdim both ways, ties, NaN, empty tensors, strided inputs,
 * gradients against finite differences, and error texts. */
#include "test.h"

#define ALL GL_ALL_DIMS

enum { SUM, MEAN, MAX, MIN };
static const char *const op_names[] = {"sum", "mean", "max", "min"};

static gl_tensor *reduce(int op, const gl_tensor *t, int dim, bool keepdim)
{
    switch (op) {
    case SUM: return gl_sum(t, dim, keepdim);
    case MEAN: return gl_mean(t, dim, keepdim);
    case MAX: return gl_max(t, dim, keepdim, NULL);
    default: return gl_min(t, dim, keepdim, NULL);
    }
}

/* The reference: op over dim (or all) of a row-major (2,3,4) array, by loops. */
static void ref_reduce_234(int op, const double *x, int dim, double *out, int64_t *idx)
{
    const int64_t shape[3] = {2, 3, 4};
    if (dim == ALL) {
        double acc = op == SUM || op == MEAN ? 0 : x[0];
        int64_t bi = 0;
        for (int i = 0; i < 24; i++) {
            if (op == SUM || op == MEAN)
                acc += x[i];
            else if ((op == MAX && x[i] > acc) || (op == MIN && x[i] < acc))
                acc = x[i], bi = i;
        }
        out[0] = op == MEAN ? acc / 24 : acc;
        if (idx)
            idx[0] = bi;
        return;
    }
    int64_t ks[3] = {2, 3, 4};
    ks[dim] = 1;
    for (int a = 0; a < ks[0]; a++)
        for (int b = 0; b < ks[1]; b++)
            for (int c = 0; c < ks[2]; c++) {
                int64_t o = (a * ks[1] + b) * ks[2] + c;
                double acc = 0;
                int64_t bi = 0;
                for (int r = 0; r < shape[dim]; r++) {
                    int i[3] = {a, b, c};
                    i[dim] = r;
                    double v = x[(i[0] * 3 + i[1]) * 4 + i[2]];
                    if (r == 0 && (op == MAX || op == MIN))
                        acc = v;
                    else if (op == SUM || op == MEAN)
                        acc += v;
                    else if ((op == MAX && v > acc) || (op == MIN && v < acc))
                        acc = v, bi = r;
                }
                out[o] = op == MEAN ? acc / (double)shape[dim] : acc;
                if (idx)
                    idx[o] = bi;
            }
}

/* A (2,3,4) tensor with distinct values in a scrambled order. */
static gl_tensor *scrambled_234(gl_dtype dt)
{
    double v[24];
    for (int i = 0; i < 24; i++)
        v[i] = (double)((i * 7) % 24) - 11; /* -11..12, each once */
    return test_tensor(dt, 3, (int64_t[]){2, 3, 4}, v, 24);
}

/* ---------------------------------------------------------------- sum */

static void reduce_sum_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *x = T(dts[k], SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
        gl_tensor *r;
        r = gl_sum(x, ALL, false);
        assert_values(r, 0, SCALAR_SHAPE, 21);
        assert_int_equal(gl_dtype_of(r), dts[k]);
        gl_release(r);
        r = gl_sum(x, ALL, true); /* keepdim is ignored over all elements */
        assert_values(r, 0, SCALAR_SHAPE, 21);
        gl_release(r);
        r = gl_sum(x, 0, false);
        assert_values(r, 0, SHAPE(3), 5, 7, 9);
        gl_release(r);
        r = gl_sum(x, 0, true);
        assert_values(r, 0, SHAPE(1, 3), 5, 7, 9);
        gl_release(r);
        r = gl_sum(x, 1, false);
        assert_values(r, 0, SHAPE(2), 6, 15);
        gl_release(r);
        r = gl_sum(x, -1, true);
        assert_values(r, 0, SHAPE(2, 1), 6, 15);
        gl_release(r);
        r = gl_sum(x, -2, false);
        assert_values(r, 0, SHAPE(3), 5, 7, 9);
        gl_release(r);
        gl_release(x);
    }
}

static void reduce_sum_int_bool(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_INT64, SHAPE(2, 3), 1, -2, 3, 4, 5, -6);
    gl_tensor *r = gl_sum(x, ALL, false);
    assert_values(r, 0, SCALAR_SHAPE, 5);
    assert_int_equal(gl_dtype_of(r), GL_INT64);
    gl_release(r);
    r = gl_sum(x, 1, true);
    assert_values(r, 0, SHAPE(2, 1), 2, 3);
    assert_int_equal(gl_dtype_of(r), GL_INT64);
    gl_release(r);
    gl_release(x);

    /* large int64 values stay exact (no trip through double) */
    x = T(GL_INT64, SHAPE(2), 4611686018427387904.0, 1);
    r = gl_sum(x, 0, false);
    assert_int_equal(((int64_t *)gl_data_ptr(r))[0], 4611686018427387905LL);
    gl_release(r);
    gl_release(x);

    gl_tensor *b = T(GL_BOOL, SHAPE(2, 3), 1, 0, 1, 1, 1, 0);
    r = gl_sum(b, ALL, false);
    assert_values(r, 0, SCALAR_SHAPE, 4);
    assert_int_equal(gl_dtype_of(r), GL_INT64);
    gl_release(r);
    r = gl_sum(b, 0, false);
    assert_values(r, 0, SHAPE(3), 2, 1, 1);
    assert_int_equal(gl_dtype_of(r), GL_INT64);
    gl_release(r);
    gl_release(b);
}

/* Every op over every dim of a (2,3,4) tensor, keepdim both ways, against
 * loops, in each dtype the op supports. */
static void reduce_all_dims_234(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    int dims[] = {ALL, 0, 1, 2, -1, -2, -3};
    double xv[24];
    for (int k = 0; k < 3; k++) {
        gl_tensor *x = scrambled_234(dts[k]);
        gl_copy_to_doubles(x, xv);
        for (int op = SUM; op <= MIN; op++) {
            if (op == MEAN && dts[k] == GL_INT64)
                continue;
            for (size_t j = 0; j < sizeof dims / sizeof dims[0]; j++)
                for (int keep = 0; keep < 2; keep++) {
                    int dim = dims[j], d = dim < 0 && dim != ALL ? dim + 3 : dim;
                    double expect[24];
                    ref_reduce_234(op, xv, d, expect, NULL);
                    int64_t shape[3] = {2, 3, 4};
                    int nd = 0;
                    int64_t oshape[3];
                    for (int i = 0; i < 3 && d != ALL; i++) {
                        if (i != d)
                            oshape[nd++] = shape[i];
                        else if (keep)
                            oshape[nd++] = 1;
                    }
                    gl_tensor *r = reduce(op, x, dim, keep);
                    if (!r)
                        fail_msg("%s dim %d: %s", op_names[op], dim, gl_error());
                    assert_int_equal(gl_dtype_of(r), dts[k]);
                    assert_tensor_near(r, nd, oshape, expect, dts[k] == GL_FLOAT32 ? 1e-6 : 1e-15);
                    gl_release(r);
                }
        }
        gl_release(x);
    }
}

static void reduce_mean_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *x = T(dts[k], SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
        gl_tensor *r = gl_mean(x, ALL, false);
        assert_values(r, 0, SCALAR_SHAPE, 3.5);
        gl_release(r);
        r = gl_mean(x, 0, false);
        assert_values(r, 0, SHAPE(3), 2.5, 3.5, 4.5);
        gl_release(r);
        r = gl_mean(x, 1, true);
        assert_values(r, 0, SHAPE(2, 1), 2, 5);
        gl_release(r);
        gl_release(x);
    }
    /* 1/3 rounds as sum / count does in each dtype */
    gl_tensor *x = T(GL_FLOAT32, SHAPE(3), 1, 0, 0);
    gl_tensor *r = gl_mean(x, ALL, false);
    assert_true(((float *)gl_data_ptr(r))[0] == 1.0f / 3.0f);
    gl_release(r);
    gl_release(x);
}

static void reduce_mean_int_error(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_INT64, SHAPE(2), 1, 2);
    assert_null(gl_mean(x, ALL, false));
    assert_error("mean: could not infer output dtype: the input must be float32 or float64, got "
                 "int64; convert it to a float dtype first");
    gl_release(x);
    gl_tensor *b = T(GL_BOOL, SHAPE(2), 1, 0);
    assert_null(gl_mean(b, 0, false));
    assert_error("mean: could not infer output dtype: the input must be float32 or float64, got "
                 "bool; convert it to a float dtype first");
    gl_release(b);
}

static void reduce_dim_errors(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    assert_null(gl_sum(x, 2, false));
    assert_error("sum: dim 2 is out of range for a tensor of shape (2,3) (expected -2..1)");
    assert_null(gl_mean(x, -3, true));
    assert_error("mean: dim -3 is out of range for a tensor of shape (2,3) (expected -2..1)");
    assert_null(gl_max(x, 5, false, NULL));
    assert_error("max: dim 5 is out of range for a tensor of shape (2,3) (expected -2..1)");
    assert_null(gl_argmin(x, -4, false));
    assert_error("argmin: dim -4 is out of range for a tensor of shape (2,3) (expected -2..1)");
    gl_release(x);
}

/* Empty: sum 0, mean NaN (0/0), max/min/argmax an error naming the shape. */
static void reduce_empty(void **state)
{
    (void)state;
    gl_tensor *x = gl_zeros((int64_t[]){0, 3}, 2, GL_FLOAT32);
    gl_tensor *r = gl_sum(x, ALL, false);
    assert_values(r, 0, SCALAR_SHAPE, 0);
    gl_release(r);
    r = gl_sum(x, 0, false);
    assert_values(r, 0, SHAPE(3), 0, 0, 0);
    gl_release(r);
    r = gl_sum(x, 1, false);
    assert_values(r, 0, SHAPE(0), 0); /* no elements: the value is not read */
    gl_release(r);
    r = gl_mean(x, ALL, false);
    assert_values(r, 0, SCALAR_SHAPE, NAN);
    gl_release(r);
    r = gl_mean(x, 0, true);
    assert_values(r, 0, SHAPE(1, 3), NAN, NAN, NAN);
    gl_release(r);

    assert_null(gl_max(x, ALL, false, NULL));
    assert_error("max: a tensor of shape (0,3) has no elements, so it has no max; reduce over a "
                 "dim of nonzero size instead");
    assert_null(gl_min(x, 0, false, NULL));
    assert_error("min: dim 0 of a tensor of shape (0,3) has size 0, so there is no min to take "
                 "along it");
    assert_null(gl_argmax(x, ALL, false));
    assert_error("argmax: a tensor of shape (0,3) has no elements, so it has no max; reduce over "
                 "a dim of nonzero size instead");
    assert_null(gl_argmin(x, -2, true));
    assert_error("argmin: dim 0 of a tensor of shape (0,3) has size 0, so there is no min to take "
                 "along it");
    /* along a nonempty dim the result is just empty */
    gl_tensor *idx = NULL;
    r = gl_max(x, 1, false, &idx);
    assert_non_null(r);
    assert_int_equal(gl_numel(r), 0);
    assert_int_equal(gl_ndim(idx), 1);
    assert_int_equal(gl_numel(idx), 0);
    gl_release(r);
    gl_release(idx);
    gl_release(x);

    gl_tensor *e = gl_zeros((int64_t[]){0}, 1, GL_INT64);
    r = gl_sum(e, ALL, false);
    assert_values(r, 0, SCALAR_SHAPE, 0);
    assert_int_equal(gl_dtype_of(r), GL_INT64);
    gl_release(r);
    gl_release(e);
}

/* float32 sums are accumulated in double: 2^22 copies of 0.1f sum to
 * 2^22 * 0.1f rounded once; a float accumulator would be off by ~1e-2
 * relative. The same over dim 0 (the (N,C) -> (C) bias-gradient case). */
static void reduce_sum_float32_accuracy(void **state)
{
    (void)state;
    const int64_t n = 1 << 22;
    float exact = (float)((double)n * (double)0.1f);
    gl_tensor *x = gl_full(&n, 1, 0.1, GL_FLOAT32);
    gl_tensor *r = gl_sum(x, ALL, false);
    assert_true(((float *)gl_data_ptr(r))[0] == exact);
    gl_release(r);
    r = gl_mean(x, 0, false);
    assert_true(((float *)gl_data_ptr(r))[0] == 0.1f);
    gl_release(r);
    gl_release(x);

    int64_t shape[2] = {n / 2, 2};
    x = gl_full(shape, 2, 0.1, GL_FLOAT32);
    r = gl_sum(x, 0, false);
    float half = (float)((double)(n / 2) * (double)0.1f);
    assert_true(((float *)gl_data_ptr(r))[0] == half);
    assert_true(((float *)gl_data_ptr(r))[1] == half);
    gl_release(r);
    gl_release(x);
}

/* Inputs that are views: a transpose (strided), a slice, an expand (stride 0). */
static void reduce_strided_inputs(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    gl_tensor *xt = gl_transpose(x, 0, 1); /* (3,2): [[1,4],[2,5],[3,6]] */
    gl_tensor *r = gl_sum(xt, 0, false);
    assert_values(r, 0, SHAPE(2), 6, 15);
    gl_release(r);
    r = gl_sum(xt, 1, true);
    assert_values(r, 0, SHAPE(3, 1), 5, 7, 9);
    gl_release(r);
    r = gl_sum(xt, ALL, false);
    assert_values(r, 0, SCALAR_SHAPE, 21);
    gl_release(r);
    gl_tensor *idx;
    r = gl_max(xt, 1, false, &idx);
    assert_values(r, 0, SHAPE(3), 4, 5, 6);
    assert_values(idx, 0, SHAPE(3), 1, 1, 1);
    gl_release(r);
    gl_release(idx);
    r = gl_min(xt, 0, true, &idx);
    assert_values(r, 0, SHAPE(1, 2), 1, 4);
    assert_values(idx, 0, SHAPE(1, 2), 0, 0);
    gl_release(r);
    gl_release(idx);
    r = gl_argmax(xt, ALL, false); /* flat index in xt's own row-major order */
    assert_values(r, 0, SCALAR_SHAPE, 5);
    gl_release(r);

    gl_tensor *s = gl_slice(x, 1, 1, 3, 1); /* [[2,3],[5,6]] */
    r = gl_sum(s, 1, false);
    assert_values(r, 0, SHAPE(2), 5, 11);
    gl_release(r);
    r = gl_mean(s, 0, false);
    assert_values(r, 0, SHAPE(2), 3.5, 4.5);
    gl_release(r);

    gl_tensor *row = T(GL_FLOAT32, SHAPE(3), 1, 2, 3);
    gl_tensor *ex = gl_expand(row, (int64_t[]){4, 3}, 2);
    r = gl_sum(ex, 0, false);
    assert_values(r, 0, SHAPE(3), 4, 8, 12);
    gl_release(r);
    r = gl_max(ex, 1, false, &idx);
    assert_values(r, 0, SHAPE(4), 3, 3, 3, 3);
    assert_values(idx, 0, SHAPE(4), 2, 2, 2, 2);
    gl_release(r);
    gl_release(idx);
    r = gl_argmin(ex, 0, false); /* all rows equal: the first */
    assert_values(r, 0, SHAPE(3), 0, 0, 0);
    gl_release(r);

    gl_release(ex);
    gl_release(row);
    gl_release(s);
    gl_release(xt);
    gl_release(x);
}

/* A 0-dim tensor reduces to itself, over all or over dim 0 / -1. */
static void reduce_scalar_input(void **state)
{
    (void)state;
    gl_tensor *x = gl_scalar(2.5, GL_FLOAT64);
    gl_tensor *r = gl_sum(x, 0, true);
    assert_values(r, 0, SCALAR_SHAPE, 2.5);
    gl_release(r);
    r = gl_mean(x, -1, false);
    assert_values(r, 0, SCALAR_SHAPE, 2.5);
    gl_release(r);
    gl_tensor *idx;
    r = gl_max(x, 0, false, &idx);
    assert_values(r, 0, SCALAR_SHAPE, 2.5);
    assert_values(idx, 0, SCALAR_SHAPE, 0);
    assert_int_equal(gl_dtype_of(idx), GL_INT64);
    gl_release(r);
    gl_release(idx);
    r = gl_argmin(x, 0, false);
    assert_values(r, 0, SCALAR_SHAPE, 0);
    gl_release(r);
    assert_null(gl_sum(x, 1, false));
    assert_error("sum: dim 1 is out of range for a tensor of shape () (expected -1..0)");
    gl_release(x);
}

/* ------------------------------------------------------------- max, min */

static void reduce_max_min_values(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        /* [[1, 5, 5], [7, -2, 7]]: ties in both rows */
        gl_tensor *x = T(dts[k], SHAPE(2, 3), 1, 5, 5, 7, -2, 7);
        gl_tensor *idx = NULL, *r;
        r = gl_max(x, ALL, false, &idx);
        assert_values(r, 0, SCALAR_SHAPE, 7);
        assert_int_equal(gl_dtype_of(r), dts[k]);
        assert_null(idx); /* no indices over all elements, as torch.max() */
        gl_release(r);
        r = gl_min(x, ALL, true, NULL);
        assert_values(r, 0, SCALAR_SHAPE, -2);
        gl_release(r);
        r = gl_max(x, 1, false, &idx); /* first index among ties */
        assert_values(r, 0, SHAPE(2), 5, 7);
        assert_values(idx, 0, SHAPE(2), 1, 0);
        assert_int_equal(gl_dtype_of(idx), GL_INT64);
        gl_release(r);
        gl_release(idx);
        r = gl_max(x, 0, true, &idx);
        assert_values(r, 0, SHAPE(1, 3), 7, 5, 7);
        assert_values(idx, 0, SHAPE(1, 3), 1, 0, 1);
        gl_release(r);
        gl_release(idx);
        r = gl_min(x, -1, true, &idx);
        assert_values(r, 0, SHAPE(2, 1), 1, -2);
        assert_values(idx, 0, SHAPE(2, 1), 0, 1);
        gl_release(r);
        gl_release(idx);
        r = gl_min(x, 0, false, &idx);
        assert_values(r, 0, SHAPE(3), 1, -2, 5);
        assert_values(idx, 0, SHAPE(3), 0, 1, 0);
        gl_release(r);
        gl_release(idx);
        gl_release(x);
    }
    gl_tensor *b = T(GL_BOOL, SHAPE(2, 2), 0, 1, 0, 0);
    gl_tensor *r = gl_max(b, 1, false, NULL);
    assert_values(r, 0, SHAPE(2), 1, 0);
    assert_int_equal(gl_dtype_of(r), GL_BOOL);
    gl_release(r);
    gl_release(b);
}

/* NaN wins, as in torch: max and min are NaN, at the first NaN. */
static void reduce_max_min_nan(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT64, SHAPE(2, 3), 1, NAN, 3, NAN, 5, NAN);
    gl_tensor *idx, *r;
    r = gl_max(x, 1, false, &idx);
    assert_values(r, 0, SHAPE(2), NAN, NAN);
    assert_values(idx, 0, SHAPE(2), 1, 0);
    gl_release(r);
    gl_release(idx);
    r = gl_min(x, 0, false, &idx);
    assert_values(r, 0, SHAPE(3), NAN, NAN, NAN);
    assert_values(idx, 0, SHAPE(3), 1, 0, 1);
    gl_release(r);
    gl_release(idx);
    r = gl_max(x, ALL, false, NULL);
    assert_values(r, 0, SCALAR_SHAPE, NAN);
    gl_release(r);
    r = gl_argmin(x, ALL, false);
    assert_values(r, 0, SCALAR_SHAPE, 1);
    gl_release(r);
    gl_release(x);
}

static void reduce_argmax_argmin(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    for (int k = 0; k < 3; k++) {
        gl_tensor *x = T(dts[k], SHAPE(2, 3), 1, 5, 5, 7, -2, 7);
        gl_tensor *r = gl_argmax(x, ALL, false); /* flat index of the first 7 */
        assert_values(r, 0, SCALAR_SHAPE, 3);
        assert_int_equal(gl_dtype_of(r), GL_INT64);
        gl_release(r);
        r = gl_argmax(x, ALL, true); /* keepdim ignored over all elements */
        assert_values(r, 0, SCALAR_SHAPE, 3);
        gl_release(r);
        r = gl_argmin(x, ALL, false);
        assert_values(r, 0, SCALAR_SHAPE, 4);
        gl_release(r);
        r = gl_argmax(x, 1, false);
        assert_values(r, 0, SHAPE(2), 1, 0);
        gl_release(r);
        r = gl_argmax(x, 0, true);
        assert_values(r, 0, SHAPE(1, 3), 1, 0, 1);
        gl_release(r);
        r = gl_argmin(x, -1, true);
        assert_values(r, 0, SHAPE(2, 1), 0, 1);
        gl_release(r);
        gl_release(x);
    }
    /* each dim of (2,3,4) against loops */
    double xv[24], expect[24];
    int64_t ei[24];
    gl_tensor *x = scrambled_234(GL_FLOAT64);
    gl_copy_to_doubles(x, xv);
    for (int d = 0; d < 3; d++) {
        for (int op = MAX; op <= MIN; op++) {
            ref_reduce_234(op, xv, d, expect, ei);
            gl_tensor *r = op == MAX ? gl_argmax(x, d, true) : gl_argmin(x, d, true);
            int64_t shape[3] = {2, 3, 4};
            shape[d] = 1;
            double ed[24];
            for (int i = 0; i < 24; i++)
                ed[i] = (double)ei[i];
            assert_tensor_near(r, 3, shape, ed, 0);
            gl_release(r);
        }
    }
    gl_tensor *r = gl_argmax(x, ALL, false);
    ref_reduce_234(MAX, xv, ALL, expect, ei);
    assert_values(r, 0, SCALAR_SHAPE, (double)ei[0]);
    gl_release(r);
    gl_release(x);
}

/* Shapes long enough for the blocked loops (rows of 8 and more, 4 rows per
 * pass, tails), with many ties and some NaNs, against plain loops. */
static double level(int i, int nlevels) { return (double)((i * 7919) % nlevels) - nlevels / 2; }

/* max/min/argmax/argmin of a (rows, cols) tensor along dim, or over all. */
static void check_extremes_2d(gl_dtype dt, int64_t rows, int64_t cols, const double *v0)
{
    int64_t shape[2] = {rows, cols};
    gl_tensor *x = test_tensor(dt, 2, shape, v0, (int)(rows * cols));
    double v[2500]; /* the values as stored in dt */
    gl_copy_to_doubles(x, v);
    for (int is_max = 0; is_max < 2; is_max++) {
        for (int dim = 0; dim < 2; dim++) {
            int64_t nout = dim == 0 ? cols : rows, len = shape[dim];
            double *ev = malloc(sizeof(double) * nout), *ei = malloc(sizeof(double) * nout);
            for (int64_t o = 0; o < nout; o++) {
                double best = 0;
                int64_t bi = 0;
                for (int64_t r = 0; r < len; r++) {
                    double y = dim == 0 ? v[r * cols + o] : v[o * cols + r];
                    bool better = r == 0 || (isnan(y) && !isnan(best)) ||
                                  (is_max ? y > best : y < best);
                    if (better)
                        best = y, bi = r;
                }
                ev[o] = best;
                ei[o] = (double)bi;
            }
            gl_tensor *idx;
            gl_tensor *r = is_max ? gl_max(x, dim, false, &idx) : gl_min(x, dim, false, &idx);
            assert_tensor_near(r, 1, &nout, ev, 0);
            assert_tensor_near(idx, 1, &nout, ei, 0);
            gl_release(r);
            gl_release(idx);
            r = is_max ? gl_max(x, dim, true, NULL) : gl_min(x, dim, true, NULL); /* values only */
            int64_t kshape[2] = {dim == 0 ? 1 : rows, dim == 0 ? cols : 1};
            assert_tensor_near(r, 2, kshape, ev, 0);
            gl_release(r);
            r = is_max ? gl_argmax(x, dim, false) : gl_argmin(x, dim, false);
            assert_tensor_near(r, 1, &nout, ei, 0);
            gl_release(r);
            free(ev);
            free(ei);
        }
        double best = v[0];
        int64_t bi = 0;
        for (int64_t i = 1; i < rows * cols; i++)
            if ((isnan(v[i]) && !isnan(best)) || (is_max ? v[i] > best : v[i] < best))
                best = v[i], bi = i;
        gl_tensor *r = is_max ? gl_max(x, GL_ALL_DIMS, false, NULL) : gl_min(x, GL_ALL_DIMS, false, NULL);
        assert_values(r, 0, SCALAR_SHAPE, best);
        gl_release(r);
        r = is_max ? gl_argmax(x, GL_ALL_DIMS, false) : gl_argmin(x, GL_ALL_DIMS, false);
        assert_values(r, 0, SCALAR_SHAPE, (double)bi);
        gl_release(r);
    }
    gl_release(x);
}

static void reduce_extremes_long_rows(void **state)
{
    (void)state;
    int64_t shapes[][2] = {{5, 37}, {37, 5}, {3, 40}, {1, 131}, {19, 16}};
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64};
    double v[2500];
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int64_t n = shapes[s][0] * shapes[s][1];
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < n; i++)
                v[i] = level(i, 11); /* 11 levels: many ties */
            check_extremes_2d(dts[k], shapes[s][0], shapes[s][1], v);
            for (int i = 0; i < n; i++)
                v[i] = level(i, 1009); /* mostly distinct */
            check_extremes_2d(dts[k], shapes[s][0], shapes[s][1], v);
        }
        /* NaNs in the middle of blocks, in one row or column or not at all */
        for (int i = 0; i < n; i++)
            v[i] = level(i, 101) / 7;
        v[n / 2] = NAN;
        v[n / 3 + 1] = NAN;
        check_extremes_2d(GL_FLOAT64, shapes[s][0], shapes[s][1], v);
        check_extremes_2d(GL_FLOAT32, shapes[s][0], shapes[s][1], v);
    }
    gl_tensor *b = gl_zeros((int64_t[]){3, 40}, 2, GL_BOOL);
    ((uint8_t *)gl_data_ptr(b))[57] = 1; /* row 1, column 17 */
    gl_tensor *r = gl_argmax(b, 1, false);
    assert_values(r, 0, SHAPE(3), 0, 17, 0);
    gl_release(r);
    r = gl_argmax(b, GL_ALL_DIMS, false);
    assert_values(r, 0, SCALAR_SHAPE, 57);
    gl_release(r);
    gl_release(b);
}

/* Sums of a contiguous (3,9,11) tensor over each dim (4 rows per pass plus a
 * tail, blocks of 8 plus a tail), against loops, in every dtype. */
static void reduce_sum_blocked_paths(void **state)
{
    (void)state;
    const int64_t shape[3] = {3, 9, 11};
    double v[297];
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64, GL_INT64, GL_BOOL};
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 297; i++)
            v[i] = dts[k] == GL_BOOL ? (double)((i * 7) % 3 == 0) : level(i, 101);
        gl_tensor *x = test_tensor(dts[k], 3, shape, v, 297);
        for (int d = 0; d < 3; d++) {
            int64_t ks[3] = {3, 9, 11}, os[2];
            ks[d] = 1;
            for (int i = 0, j = 0; i < 3; i++)
                if (i != d)
                    os[j++] = shape[i];
            double expect[297] = {0}, mean[297];
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 9; b++)
                    for (int c = 0; c < 11; c++) {
                        int idx[3] = {a, b, c};
                        idx[d] = 0;
                        expect[(idx[0] * ks[1] + idx[1]) * ks[2] + idx[2]] += v[(a * 9 + b) * 11 + c];
                    }
            for (int i = 0; i < 297; i++)
                mean[i] = expect[i] / (double)shape[d];
            gl_tensor *r = gl_sum(x, d, false);
            assert_int_equal(gl_dtype_of(r), dts[k] == GL_BOOL ? GL_INT64 : dts[k]);
            assert_tensor_near(r, 2, os, expect, 0);
            gl_release(r);
            if (gl_is_floating(dts[k])) {
                r = gl_mean(x, d, true);
                assert_tensor_near(r, 3, ks, mean, 1e-7);
                gl_release(r);
            }
        }
        gl_release(x);
    }
}

/* ------------------------------------------------------------ gradients */

typedef struct {
    int op, dim;
    bool keepdim;
} reduce_args;

static gl_tensor *reduce_fn(gl_tensor *const *in, void *ctx)
{
    const reduce_args *a = ctx;
    return reduce(a->op, in[0], a->dim, a->keepdim);
}

static void reduce_gradcheck_each_dim(void **state)
{
    (void)state;
    gl_manual_seed(7);
    int dims[] = {ALL, 0, 1, 2, -1, -3};
    for (int op = SUM; op <= MIN; op++)
        for (size_t j = 0; j < sizeof dims / sizeof dims[0]; j++)
            for (int keep = 0; keep < 2; keep++) {
                gl_tensor *x = test_randn(GL_FLOAT64, SHAPE(2, 3, 4), true);
                reduce_args a = {op, dims[j], keep};
                gl_tensor *in[1] = {x};
                double err = gradcheck(reduce_fn, in, 1, &a, 1e-6, 1e-6);
                if (!(err < 1e-6))
                    fail_msg("%s dim %d keepdim %d: gradcheck error %g", op_names[op], dims[j],
                             keep, err);
                gl_release(x);
            }
}

/* Through a strided view (the gradient flows back through the transpose)
 * and after broadcasting (gl_sum_to sums the gradient back with gl_sum). */
static gl_tensor *sum_of_transpose(gl_tensor *const *in, void *ctx)
{
    const reduce_args *a = ctx;
    gl_tensor *t = gl_transpose(in[0], 0, 2);
    gl_tensor *r = reduce(a->op, t, a->dim, a->keepdim);
    gl_release(t);
    return r;
}

static gl_tensor *reduce_of_broadcast(gl_tensor *const *in, void *ctx)
{
    const reduce_args *a = ctx;
    gl_tensor *s = gl_add(in[0], in[1]); /* (2,3,4) + (3,1) */
    gl_tensor *r = s ? reduce(a->op, s, a->dim, a->keepdim) : NULL;
    gl_release(s);
    return r;
}

static void reduce_gradcheck_views_broadcast(void **state)
{
    (void)state;
    gl_manual_seed(11);
    for (int op = SUM; op <= MIN; op++)
        for (int dim = -1; dim < 3; dim++) {
            int d = dim < 0 ? ALL : dim;
            gl_tensor *x = test_randn(GL_FLOAT64, SHAPE(2, 3, 4), true);
            gl_tensor *b = test_randn(GL_FLOAT64, SHAPE(3, 1), true);
            reduce_args a = {op, d, dim == 1};
            assert_gradcheck(sum_of_transpose, (gl_tensor *[]){x}, 1, &a);
            assert_gradcheck(reduce_of_broadcast, ((gl_tensor *[]){x, b}), 2, &a);
            gl_release(b);
            gl_release(x);
        }
}

/* Ties: over all elements the gradient is shared evenly (torch.max());
 * along a dim it goes to the first index. */
static void reduce_grad_ties(void **state)
{
    (void)state;
    gl_dtype dts[] = {GL_FLOAT32, GL_FLOAT64};
    for (int k = 0; k < 2; k++) {
        gl_tensor *x = T(dts[k], SHAPE(2, 3), 1, 3, 3, 2, 3, 0);
        gl_requires_grad_(x, true);
        gl_tensor *m = gl_max(x, ALL, false, NULL);
        assert_string_equal(gl_grad_fn_name(m), "max");
        assert_int_equal(gl_backward(m, NULL, false), 0);
        assert_values(gl_grad(x), 1e-7, SHAPE(2, 3), 0, 1.0 / 3, 1.0 / 3, 0, 1.0 / 3, 0);
        gl_release(m);

        gl_set_grad(x, NULL);
        m = gl_min(x, ALL, false, NULL); /* one minimum: all of it */
        assert_int_equal(gl_backward(m, NULL, false), 0);
        assert_values(gl_grad(x), 0, SHAPE(2, 3), 0, 0, 0, 0, 0, 1);
        gl_release(m);

        gl_set_grad(x, NULL);
        gl_tensor *idx;
        m = gl_max(x, 1, false, &idx); /* rows [1,3,3] and [2,3,0]: indices 1, 1 */
        assert_values(idx, 0, SHAPE(2), 1, 1);
        gl_tensor *g = T(dts[k], SHAPE(2), 10, 20);
        assert_int_equal(gl_backward(m, g, false), 0);
        assert_values(gl_grad(x), 0, SHAPE(2, 3), 0, 10, 0, 0, 20, 0);
        gl_release(g);
        gl_release(idx);
        gl_release(m);

        gl_set_grad(x, NULL);
        m = gl_min(x, 0, true, NULL); /* columns [1,2] [3,3] [3,0]: indices 0, 0, 1 */
        g = T(dts[k], SHAPE(1, 3), 1, 2, 3);
        assert_string_equal(gl_grad_fn_name(m), "min");
        assert_int_equal(gl_backward(m, g, false), 0);
        assert_values(gl_grad(x), 0, SHAPE(2, 3), 1, 2, 0, 0, 0, 3);
        gl_release(g);
        gl_release(m);
        gl_release(x);
    }
}

/* sum and mean gradients by value, in float32 as well. */
static void reduce_grad_sum_mean_values(void **state)
{
    (void)state;
    gl_tensor *x = T(GL_FLOAT32, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    gl_requires_grad_(x, true);
    gl_tensor *s = gl_sum(x, 0, false);
    assert_string_equal(gl_grad_fn_name(s), "sum");
    gl_tensor *g = T(GL_FLOAT32, SHAPE(3), 1, 2, 3);
    assert_int_equal(gl_backward(s, g, false), 0);
    assert_values(gl_grad(x), 0, SHAPE(2, 3), 1, 2, 3, 1, 2, 3);
    gl_release(g);
    gl_release(s);

    gl_set_grad(x, NULL);
    s = gl_mean(x, 1, true);
    assert_string_equal(gl_grad_fn_name(s), "mean");
    g = T(GL_FLOAT32, SHAPE(2, 1), 3, 6);
    assert_int_equal(gl_backward(s, g, false), 0);
    assert_values(gl_grad(x), 0, SHAPE(2, 3), 1, 1, 1, 2, 2, 2);
    gl_release(g);
    gl_release(s);

    gl_set_grad(x, NULL);
    s = gl_mean(x, ALL, false);
    assert_int_equal(gl_backward(s, NULL, false), 0);
    assert_values(gl_grad(x), 1e-7, SHAPE(2, 3), 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6, 1.0 / 6,
                  1.0 / 6);
    gl_release(s);

    /* no graph for int results, nor in no-grad mode */
    gl_tensor *a = gl_argmax(x, ALL, false);
    assert_false(gl_requires_grad(a));
    gl_release(a);
    bool old = gl_set_grad_enabled(false);
    s = gl_sum(x, ALL, false);
    gl_set_grad_enabled(old);
    assert_null(gl_grad_fn_name(s));
    gl_release(s);
    gl_release(x);
}

TEST_GROUP(reduce,
           cmocka_unit_test(reduce_sum_values),
           cmocka_unit_test(reduce_sum_int_bool),
           cmocka_unit_test(reduce_all_dims_234),
           cmocka_unit_test(reduce_mean_values),
           cmocka_unit_test(reduce_mean_int_error),
           cmocka_unit_test(reduce_dim_errors),
           cmocka_unit_test(reduce_empty),
           cmocka_unit_test(reduce_sum_float32_accuracy),
           cmocka_unit_test(reduce_strided_inputs),
           cmocka_unit_test(reduce_scalar_input),
           cmocka_unit_test(reduce_max_min_values),
           cmocka_unit_test(reduce_max_min_nan),
           cmocka_unit_test(reduce_argmax_argmin),
           cmocka_unit_test(reduce_extremes_long_rows),
           cmocka_unit_test(reduce_sum_blocked_paths),
           cmocka_unit_test(reduce_gradcheck_each_dim),
           cmocka_unit_test(reduce_gradcheck_views_broadcast),
           cmocka_unit_test(reduce_grad_ties),
           cmocka_unit_test(reduce_grad_sum_mean_values));
