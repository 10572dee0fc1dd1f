/*
 * ltesting.c — helpers for tests (busted specs, lessons' checks):
 * gl.allclose, gl.assert_close (an error that shows both tensors and the
 * worst element) and gl.gradcheck (backward against central finite
 * differences in float64).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lgl.h"

/* "[2, 3]": the 1-based index of element `linear` (row-major) of shape. */
static void index_str(const int64_t *shape, int ndim, int64_t linear, char *buf, size_t n)
{
    int64_t idx[GL_MAX_DIMS];
    for (int d = ndim - 1; d >= 0; d--) {
        idx[d] = shape[d] ? linear % shape[d] : 0;
        linear = shape[d] ? linear / shape[d] : 0;
    }
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, d ? ", %lld" : "%lld", (long long)idx[d] + 1);
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

/* ------------------------------------------------------------- closeness */

typedef struct {
    double rtol, atol;
    bool equal_nan;
    int64_t count, bad;       /* elements compared, elements not close */
    int64_t worst;            /* linear index of the worst element, -1 if none */
    double worst_a, worst_b, worst_excess;
    int ndim;
    int64_t shape[GL_MAX_DIMS]; /* the broadcast shape */
} closeness;

/* t's element at the broadcast index idx (of n dims). */
static double bget(const gl_tensor *t, const int64_t *idx, int n)
{
    int nd = gl_ndim(t);
    int64_t ti[GL_MAX_DIMS];
    for (int d = 0; d < nd; d++)
        ti[d] = gl_shape(t)[d] == 1 ? 0 : idx[d + n - nd];
    return gl_get(t, ti);
}

static int compare(const gl_tensor *a, const gl_tensor *b, closeness *c)
{
    if (gl_broadcast_shapes("allclose", gl_shape(a), gl_ndim(a), gl_shape(b), gl_ndim(b), c->shape, &c->ndim) != 0)
        return -1;
    int64_t idx[GL_MAX_DIMS] = {0}, n = 1;
    for (int d = 0; d < c->ndim; d++)
        n *= c->shape[d];
    c->count = n;
    c->bad = 0;
    c->worst = -1;
    c->worst_excess = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        double x = bget(a, idx, c->ndim), y = bget(b, idx, c->ndim);
        double allowed = c->atol + c->rtol * fabs(y), diff = fabs(x - y);
        bool ok = x == y || diff <= allowed || (c->equal_nan && isnan(x) && isnan(y));
        if (!ok) {
            double excess = isnan(diff) ? INFINITY : diff - allowed;
            c->bad++;
            if (c->worst < 0 || excess > c->worst_excess) {
                c->worst = i;
                c->worst_a = x;
                c->worst_b = y;
                c->worst_excess = excess;
            }
        }
        for (int d = c->ndim - 1; d >= 0; d--) { /* next index, row-major */
            if (++idx[d] < c->shape[d])
                break;
            idx[d] = 0;
        }
    }
    return 0;
}

static void read_tolerances(lua_State *L, int opts, closeness *c)
{
    c->rtol = lgl_opt_number(L, opts, "rtol", 1e-5);
    c->atol = lgl_opt_number(L, opts, "atol", 1e-8);
    c->equal_nan = lgl_opt_bool(L, opts, "equal_nan", 0);
}

static int t_allclose(lua_State *L)
{
    closeness c;
    gl_tensor *a, *b;
    luaL_checkany(L, 2);
    read_tolerances(L, 3, &c);
    lgl_operands(L, 1, 2, &a, &b);
    if (compare(a, b, &c) != 0)
        return lgl_fail(L);
    lua_pushboolean(L, c.bad == 0);
    return 1;
}

/* Pushes gl_format(t). */
static void push_format(lua_State *L, const gl_tensor *t)
{
    char **s = lgl_guard(L);
    if (!(*s = gl_format(t)))
        lgl_fail(L);
    lua_pushstring(L, *s);
    lgl_guard_free(L, -2);
    lua_remove(L, -2);
}

/* gl.assert_close(actual, expected[, {rtol, atol, equal_nan, msg}]) */
static int t_assert_close(lua_State *L)
{
    closeness c;
    gl_tensor *a, *b;
    luaL_checkany(L, 2);
    read_tolerances(L, 3, &c);
    const char *msg = NULL;
    if (lua_type(L, 3) == LUA_TTABLE) {
        lua_getfield(L, 3, "msg");
        msg = lua_tostring(L, -1);
        lua_replace(L, 3); /* keeps msg alive; the options are read */
    }
    lgl_operands(L, 1, 2, &a, &b);
    const char *prefix = msg ? lua_pushfstring(L, "%s: ", msg) : "";
    char sa[160], sb[160];
    gl_shape_str(gl_shape(a), gl_ndim(a), sa, sizeof sa);
    gl_shape_str(gl_shape(b), gl_ndim(b), sb, sizeof sb);
    if (strcmp(sa, sb) != 0 && gl_ndim(a) != 0 && gl_ndim(b) != 0)
        return luaL_error(L, "%sassert_close: shapes differ: actual %s, expected %s", prefix, sa, sb);
    if (compare(a, b, &c) != 0)
        return lgl_fail(L);
    if (c.bad == 0)
        return 0;
    char where[200], line[600];
    index_str(c.shape, c.ndim, c.worst, where, sizeof where);
    snprintf(line, sizeof line,
             "assert_close: %lld of %lld elements differ beyond rtol=%g, atol=%g\n"
             "worst at %s: actual %.10g, expected %.10g, difference %.4g (allowed %.4g)",
             (long long)c.bad, (long long)c.count, c.rtol, c.atol, where, c.worst_a, c.worst_b,
             fabs(c.worst_a - c.worst_b), c.atol + c.rtol * fabs(c.worst_b));
    push_format(L, a);
    push_format(L, b);
    return luaL_error(L, "%s%s\nactual:   %s\nexpected: %s", prefix, line, lua_tostring(L, -2),
                      lua_tostring(L, -1));
}

/* ------------------------------------------------------------- gradcheck */

/* Calls fn (at fn_idx) with the arguments in the list at args_idx (n of
 * them) and grad mode `grad`; leaves one result. Restores grad mode and
 * re-raises on error. */
static void call_fn(lua_State *L, int fn_idx, int args_idx, int n, bool grad)
{
    lua_pushvalue(L, fn_idx);
    for (int i = 1; i <= n; i++)
        lua_rawgeti(L, args_idx, i);
    bool prev = gl_set_grad_enabled(grad);
    int status = lua_pcall(L, n, 1, 0);
    gl_set_grad_enabled(prev);
    if (status != LUA_OK)
        lua_error(L);
    if (!lgl_test(L, -1))
        luaL_error(L, "gradcheck: fn must return a tensor, got %s", luaL_typename(L, -1));
}

/* Element i of a fresh, row-major float tensor (a gradient we made). */
static void put_element(gl_tensor *t, int64_t i, double v)
{
    if (gl_dtype_of(t) == GL_FLOAT64)
        ((double *)gl_data_ptr(t))[i] = v;
    else
        ((float *)gl_data_ptr(t))[i] = (float)v;
}

/* gl.gradcheck(fn, inputs[, {eps = 1e-6, atol = 1e-5, rtol = 1e-3}]) */
static int t_gradcheck(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_checkany(L, 2);
    double eps = lgl_opt_number(L, 3, "eps", 1e-6), atol = lgl_opt_number(L, 3, "atol", 1e-5),
           rtol = lgl_opt_number(L, 3, "rtol", 1e-3);
    if (lua_type(L, 2) != LUA_TTABLE || lgl_test(L, 2)) { /* one input: make it a list */
        lua_createtable(L, 1, 0);
        lua_pushvalue(L, 2);
        lua_rawseti(L, -2, 1);
        lua_replace(L, 2);
    }
    lua_settop(L, 2);
    int n = (int)luaL_len(L, 2);
    lua_createtable(L, n, 0); /* 3: the arguments fn gets */
    int64_t total = 0;        /* elements of the checked (floating) inputs */
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        gl_tensor *x = lgl_test(L, -1);
        if (x && gl_is_floating(gl_dtype_of(x))) { /* a float64 leaf copy that requires grad */
            gl_tensor **slot = lgl_newslot(L);
            bool prev = gl_set_grad_enabled(false);
            gl_tensor *d = gl_to_dtype(x, GL_FLOAT64), *c = d ? gl_clone(d) : NULL;
            gl_release(d);
            gl_set_grad_enabled(prev);
            lgl_set(L, slot, c);
            if (gl_requires_grad_(c, true) != 0)
                return lgl_fail(L);
            total += gl_numel(c);
            lua_remove(L, -2);
        }
        lua_rawseti(L, 3, i);
    }

    call_fn(L, 1, 3, n, true); /* 4: the output */
    gl_tensor *out = lgl_test(L, 4);
    if (!gl_is_floating(gl_dtype_of(out)))
        return luaL_error(L, "gradcheck: fn returned a %s tensor; a floating one is needed",
                          gl_dtype_name(gl_dtype_of(out)));
    int64_t m = gl_numel(out);
    int64_t out_shape[GL_MAX_DIMS];
    int out_ndim = gl_ndim(out);
    memcpy(out_shape, gl_shape(out), sizeof(int64_t) * (size_t)out_ndim);

    /* analytic[k * total + j]: d out[k] / d (checked input element j), by
     * one backward per output element. */
    if (total > 0 && m > ((int64_t)(SIZE_MAX / sizeof(double)) - 2) / total)
        return luaL_error(L, "gradcheck: %I output elements by %I input elements is too many",
                          (lua_Integer)m, (lua_Integer)total);
    double *analytic = lua_newuserdatauv(L, (size_t)(m * total + 1) * sizeof(double), 0); /* 5 */
    double *plus = lua_newuserdatauv(L, (size_t)(m + 1) * sizeof(double), 0);            /* 6 */
    double *minus = lua_newuserdatauv(L, (size_t)(m + 1) * sizeof(double), 0);           /* 7 */
    memset(analytic, 0, (size_t)(m * total) * sizeof(double));
    gl_tensor **gslot = lgl_newslot(L); /* 8: the one-hot gradient */
    lgl_set(L, gslot, gl_zeros(out_shape, out_ndim, gl_dtype_of(out)));
    for (int64_t k = 0; k < m && gl_requires_grad(out); k++) {
        if (k > 0)
            put_element(*gslot, k - 1, 0);
        put_element(*gslot, k, 1);
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, 3, i);
            gl_tensor *x = lgl_test(L, -1);
            if (x && gl_requires_grad(x))
                gl_set_grad(x, NULL);
            lua_pop(L, 1);
        }
        bool prev = gl_set_grad_enabled(true);
        int rc = gl_backward(out, *gslot, true);
        gl_set_grad_enabled(prev);
        if (rc != 0)
            return lgl_fail(L);
        int64_t j = 0;
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, 3, i);
            gl_tensor *x = lgl_test(L, -1);
            if (x && gl_requires_grad(x)) {
                gl_tensor *g = gl_grad(x);
                int64_t nx = gl_numel(x);
                if (g)
                    gl_copy_to_doubles(g, analytic + k * total + j);
                j += nx;
            }
            lua_pop(L, 1);
        }
    }
    lua_pushnil(L);
    lua_replace(L, 4); /* the graph is no longer needed */

    /* numeric: central differences, element by element, grad mode off */
    int64_t j = 0;
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, 3, i);
        gl_tensor *x = lgl_test(L, -1);
        lua_pop(L, 1); /* still referenced by the argument list */
        if (!x || !gl_requires_grad(x))
            continue;
        double *p = gl_data_ptr(x); /* a fresh float64 clone: row-major */
        int64_t nx = gl_numel(x);
        for (int64_t e = 0; e < nx; e++, j++) {
            double orig = p[e];
            p[e] = orig + eps;
            call_fn(L, 1, 3, n, false);
            gl_tensor *yp = lgl_test(L, -1);
            if (gl_numel(yp) != m)
                return luaL_error(L, "gradcheck: fn's output changed size between calls");
            gl_copy_to_doubles(yp, plus);
            lua_pop(L, 1);
            p[e] = orig - eps;
            call_fn(L, 1, 3, n, false);
            gl_tensor *ym = lgl_test(L, -1);
            if (gl_numel(ym) != m) /* minus has room for m */
                return luaL_error(L, "gradcheck: fn's output changed size between calls");
            gl_copy_to_doubles(ym, minus);
            lua_pop(L, 1);
            p[e] = orig;
            for (int64_t k = 0; k < m; k++) {
                double num = (plus[k] - minus[k]) / (2 * eps), ana = analytic[k * total + j];
                if (!(fabs(ana - num) <= atol + rtol * fabs(num))) {
                    char ein[200], eout[200];
                    index_str(gl_shape(x), gl_ndim(x), e, ein, sizeof ein);
                    index_str(out_shape, out_ndim, k, eout, sizeof eout);
                    char line[600];
                    snprintf(line, sizeof line,
                             "gradcheck: input %d, element %s (output element %s): backward gives "
                             "%.10g, finite differences give %.10g (atol=%g, rtol=%g)",
                             i, ein, eout, ana, num, atol, rtol);
                    return luaL_error(L, "%s", line);
                }
            }
        }
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const lgl_reg fns[] = {
    {"allclose", t_allclose, LGL_FN, "gl.allclose(a, b[, {rtol = 1e-5, atol = 1e-8, equal_nan = false}]) -> boolean",
     "True when |a - b| <= atol + rtol * |b| for every element (a and b broadcast; numbers and "
     "tables mix in)."},
    {"assert_close", t_assert_close, LGL_FN,
     "gl.assert_close(actual, expected[, {rtol = 1e-5, atol = 1e-8, equal_nan = false, msg =}])",
     "Raises an error unless allclose: the message gives how many elements differ, the worst one "
     "(1-based index, both values, the difference) and both tensors. Shapes must match (a number "
     "or 0-dim tensor compares with every element)."},
    {"gradcheck", t_gradcheck, LGL_FN,
     "gl.gradcheck(fn, inputs[, {eps = 1e-6, atol = 1e-5, rtol = 1e-3}]) -> true",
     "Checks backward against central finite differences: the floating inputs (a tensor or a list) "
     "become float64 leaves, fn(inputs...) must return a tensor; raises an error naming the input, "
     "the element and both derivatives at the first mismatch."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_testing(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
