/* helpers.c — tensor builders, comparisons and the gradient check of test.h. */
#include "test.h"

gl_tensor *test_tensor(gl_dtype dt, int ndim, const int64_t *shape, const double *vals, int nvals)
{
    gl_tensor *t = gl_from_doubles(vals, shape, ndim, dt);
    if (!t)
        fail_msg("test_tensor: %s", gl_error());
    if (gl_numel(t) != nvals)
        fail_msg("test_tensor: %d values for %lld elements", nvals, (long long)gl_numel(t));
    return t;
}

gl_tensor *test_randn(gl_dtype dt, int ndim, const int64_t *shape, bool requires_grad)
{
    gl_tensor *t = gl_randn(shape, ndim, dt);
    if (!t)
        fail_msg("test_randn: %s", gl_error());
    if (requires_grad)
        gl_requires_grad_(t, true);
    return t;
}

void assert_tensor_near(const gl_tensor *t, int ndim, const int64_t *shape, const double *vals,
                        double tol)
{
    char b1[160], b2[160];
    if (!t)
        fail_msg("expected a tensor, got NULL: %s", gl_error());
    if (gl_ndim(t) != ndim || (ndim && memcmp(gl_shape(t), shape, sizeof(int64_t) * ndim)))
        fail_msg("shape %s, expected %s", gl_shape_str(gl_shape(t), gl_ndim(t), b1, sizeof b1),
                 gl_shape_str(shape, ndim, b2, sizeof b2));
    int64_t n = gl_numel(t);
    double *got = malloc(sizeof(double) * (n ? n : 1));
    gl_copy_to_doubles(t, got);
    for (int64_t i = 0; i < n; i++) {
        bool ok = (isnan(vals[i]) && isnan(got[i])) || got[i] == vals[i] ||
                  fabs(got[i] - vals[i]) <= tol * fmax(1.0, fabs(vals[i]));
        if (!ok) {
            double g = got[i];
            free(got);
            fail_msg("element %lld is %.17g, expected %.17g", (long long)i, g, vals[i]);
        }
    }
    free(got);
}

/* sum(f(in) * w) as a double, with grad mode off */
static double weighted(test_fn f, gl_tensor *const *in, void *ctx, const double *w)
{
    bool old = gl_set_grad_enabled(false);
    gl_tensor *out = f(in, ctx);
    gl_set_grad_enabled(old);
    if (!out)
        fail_msg("gradcheck: forward failed: %s", gl_error());
    int64_t n = gl_numel(out);
    double *v = malloc(sizeof(double) * (n ? n : 1)), s = 0;
    gl_copy_to_doubles(out, v);
    for (int64_t i = 0; i < n; i++)
        s += v[i] * w[i];
    free(v);
    gl_release(out);
    return s;
}

double gradcheck(test_fn f, gl_tensor *const *in, int n, void *ctx, double eps, double tol)
{
    gl_tensor *out = f(in, ctx);
    if (!out)
        fail_msg("gradcheck: forward failed: %s", gl_error());
    gl_tensor *w = gl_randn(gl_shape(out), gl_ndim(out), GL_FLOAT64);
    int64_t nout = gl_numel(out);
    double *wv = malloc(sizeof(double) * (nout ? nout : 1));
    gl_copy_to_doubles(w, wv);
    for (int i = 0; i < n; i++)
        if (gl_requires_grad(in[i]))
            gl_set_grad(in[i], NULL);
    if (gl_backward(out, w, false) != 0)
        fail_msg("gradcheck: backward failed: %s", gl_error());
    double worst = 0;
    for (int i = 0; i < n; i++) {
        if (!gl_requires_grad(in[i]))
            continue;
        gl_tensor *x = in[i];
        if (gl_dtype_of(x) != GL_FLOAT64 || !gl_is_contiguous(x))
            fail_msg("gradcheck: input %d must be contiguous float64", i);
        const gl_tensor *g = gl_grad(x);
        int64_t m = gl_numel(x);
        double *gv = calloc(m ? m : 1, sizeof(double));
        if (g)
            gl_copy_to_doubles(g, gv);
        double *xv = gl_data_ptr(x);
        for (int64_t k = 0; k < m; k++) {
            double orig = xv[k];
            xv[k] = orig + eps;
            double fp = weighted(f, in, ctx, wv);
            xv[k] = orig - eps;
            double fm = weighted(f, in, ctx, wv);
            xv[k] = orig;
            double num = (fp - fm) / (2 * eps);
            double err = fabs(gv[k] - num) / fmax(1.0, fmax(fabs(gv[k]), fabs(num)));
            if (err > tol)
                print_message("gradcheck: input %d element %lld: analytic %.10g, numeric %.10g\n",
                              i, (long long)k, gv[k], num);
            if (err > worst)
                worst = err;
        }
        free(gv);
    }
    free(wv);
    gl_release(w);
    gl_release(out);
    return worst;
}
