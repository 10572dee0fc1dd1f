/*
 * lcreate.c — making tensors: gl.tensor from nested tables, the filled and
 * random constructors (sizes as varargs or one table, then an options table
 * {dtype=, requires_grad=}), ranges, and the seeded generator.
 * Every constructor makes float32 unless told otherwise.
 */
#include <string.h>

#include "lgl.h"

/* ------------------------------------------------------- nested tables */

typedef struct {
    int ndim;
    int64_t shape[GL_MAX_DIMS];
    int64_t path[GL_MAX_DIMS]; /* 1-based position while walking, for errors */
    double *buf;               /* the leaves, or NULL when ibuf takes them */
    int64_t *ibuf;             /* for an int64 tensor: the leaves exactly (past 2^53 too) */
    int64_t pos;
    int all_bool; /* every leaf is a boolean */
} walk_state;

static const char *path_str(lua_State *L, const walk_state *w, int depth)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "data");
    for (int i = 0; i < depth; i++) {
        lua_pushfstring(L, "[%I]", (lua_Integer)w->path[i]);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

/* A leaf's value: a number, a boolean, or a one-element tensor; *iv gets it
 * as an int64 tensor would store it, exactly when it is a Lua integer or
 * an int64 element (a double rounds integers beyond 2^53). */
static int leaf_value(lua_State *L, int idx, double *v, int64_t *iv, int *is_bool)
{
    *is_bool = 0;
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        *v = lua_tonumber(L, idx);
        *iv = lua_isinteger(L, idx) ? (int64_t)lua_tointeger(L, idx) : gl_double_to_int64(*v);
        return 1;
    case LUA_TBOOLEAN:
        *v = *iv = lua_toboolean(L, idx);
        *is_bool = 1;
        return 1;
    default: {
        gl_tensor *t = lgl_test(L, idx);
        if (!t || gl_item(t, v) != 0)
            return 0;
        *iv = gl_double_to_int64(*v);
        if (gl_dtype_of(t) == GL_INT64) { /* its one element, read exactly */
            int64_t zeros[GL_MAX_DIMS] = {0};
            lgl_push_element(L, t, zeros);
            *iv = (int64_t)lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        return 1;
    }
    }
}

/* Finds the shape by following the first entries down. */
static void walk_shape(lua_State *L, int idx, walk_state *w)
{
    lua_pushvalue(L, idx);
    while (lua_type(L, -1) == LUA_TTABLE) {
        if (w->ndim == GL_MAX_DIMS)
            luaL_error(L, "tensor: nested tables deeper than %d dims", GL_MAX_DIMS);
        lua_Integer n = luaL_len(L, -1);
        w->shape[w->ndim++] = n;
        if (n == 0)
            break;
        lua_geti(L, -1, 1);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
}

/* Checks that the table at idx (depth `depth`) has the shape found, and
 * copies its leaves into w->buf in row-major order. */
static void walk_fill(lua_State *L, int idx, walk_state *w, int depth)
{
    lua_Integer n = luaL_len(L, idx);
    if (n != w->shape[depth])
        luaL_error(L, "tensor: ragged nested table: %s has %I entries, expected %I", path_str(L, w, depth),
                   n, (lua_Integer)w->shape[depth]);
    luaL_checkstack(L, 4, "tensor: nested tables too deep");
    for (lua_Integer i = 1; i <= n; i++) {
        w->path[depth] = i;
        int type = lua_geti(L, idx, i);
        if (depth + 1 < w->ndim) {
            if (type != LUA_TTABLE)
                luaL_error(L, "tensor: ragged nested table: %s is a %s where a table of %I entries was "
                              "expected", path_str(L, w, depth + 1), luaL_typename(L, -1),
                           (lua_Integer)w->shape[depth + 1]);
            walk_fill(L, lua_gettop(L), w, depth + 1);
        } else {
            double v = 0;
            int64_t iv = 0;
            int is_bool;
            if (!leaf_value(L, -1, &v, &iv, &is_bool))
                luaL_error(L, "tensor: %s is a %s where a number was expected", path_str(L, w, depth + 1),
                           type == LUA_TTABLE ? "table (ragged nesting)" : luaL_typename(L, -1));
            w->all_bool = w->all_bool && is_bool;
            if (w->ibuf)
                w->ibuf[w->pos++] = iv;
            else
                w->buf[w->pos++] = v;
        }
        lua_pop(L, 1);
    }
}

/* Pushes a new tensor made from the nested table at idx: dtype dt, or bool
 * when dt_explicit is 0 and every leaf is a boolean. */
int lgl_tensor_from_table(lua_State *L, int idx, gl_dtype dt, int dt_explicit)
{
    walk_state w;
    memset(&w, 0, sizeof w);
    w.all_bool = 1;
    idx = lua_absindex(L, idx);
    walk_shape(L, idx, &w);
    int64_t numel = 1;
    for (int i = 0; i < w.ndim; i++) {
        if (w.shape[i] > 0 && numel > INT64_MAX / 8 / w.shape[i])
            return luaL_error(L, "tensor: nested table too large");
        numel *= w.shape[i];
    }
    void *scratch = lua_newuserdatauv(L, (size_t)numel * 8 + 1, 0); /* collected */
    if (dt_explicit && dt == GL_INT64)
        w.ibuf = scratch;
    else
        w.buf = scratch;
    walk_fill(L, idx, &w, 0); /* also checks the rows of an empty tensor ({{}, {1}}) */
    if (!dt_explicit && w.all_bool && w.pos > 0)
        dt = GL_BOOL;
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, w.ibuf ? gl_from_buffer(w.ibuf, w.shape, w.ndim, GL_INT64)
                            : gl_from_doubles(w.buf, w.shape, w.ndim, dt));
    lua_remove(L, -2); /* the scratch */
    return 1;
}

/* ------------------------------------------------------------ options */

/* Applies opts.requires_grad to the tensor on top of the stack. */
static void finish(lua_State *L, int opts)
{
    if (lgl_opt_bool(L, opts, "requires_grad", 0) && gl_requires_grad_(lgl_test(L, -1), true) != 0)
        lgl_fail(L);
}

static int explicit_dtype(lua_State *L, int opts)
{
    if (lua_type(L, opts) == LUA_TSTRING)
        return 1;
    if (lua_type(L, opts) != LUA_TTABLE)
        return 0;
    int given = lua_getfield(L, opts, "dtype") != LUA_TNIL;
    lua_pop(L, 1);
    return given;
}

static int c_tensor(lua_State *L)
{
    lua_settop(L, 2);
    gl_dtype dt = lgl_opt_dtype(L, 2, GL_FLOAT32);
    int given = explicit_dtype(L, 2);
    switch (lua_type(L, 1)) {
    case LUA_TTABLE: lgl_tensor_from_table(L, 1, dt, given); break;
    case LUA_TNUMBER: {
        gl_tensor **slot = lgl_newslot(L);
        lgl_set(L, slot, lgl_needs_int64(L, 1, dt) ? lgl_int64_scalar(lua_tointeger(L, 1))
                                                   : gl_scalar(lua_tonumber(L, 1), dt));
        break;
    }
    case LUA_TBOOLEAN: {
        gl_tensor **slot = lgl_newslot(L);
        lgl_set(L, slot, gl_scalar(lua_toboolean(L, 1), given ? dt : GL_BOOL));
        break;
    }
    case LUA_TSTRING: { /* a literal, "[[1, 2], [3, 4]]", or a print pasted back, "tensor([1., 2.])" */
        size_t len;
        const char *s = lua_tolstring(L, 1, &len);
        gl_tensor **slot = lgl_newslot(L);
        gl_tensor *t = gl_parse_literal(s, len, dt);
        if (t && given && gl_dtype_of(t) != dt) { /* opts.dtype wins over the text's */
            bool rg = gl_requires_grad(t), prev = gl_set_grad_enabled(false);
            gl_tensor *c = gl_to_dtype(t, dt);
            gl_set_grad_enabled(prev);
            gl_release(t);
            t = c;
            if (t && rg && gl_is_floating(dt) && gl_requires_grad_(t, true) != 0) {
                gl_release(t);
                t = NULL;
            }
        }
        lgl_set(L, slot, t);
        break;
    }
    default: { /* a copy, detached, as torch.tensor(t): made with grad mode off */
        gl_tensor *src = lgl_test(L, 1);
        if (!src)
            return luaL_argerror(L, 1, lua_pushfstring(L, "a table, number, boolean or tensor expected, got %s",
                                                       luaL_typename(L, 1)));
        gl_dtype to = given ? dt : gl_dtype_of(src);
        gl_tensor **slot = lgl_newslot(L);
        bool prev = gl_set_grad_enabled(false);
        gl_tensor *c = to == gl_dtype_of(src) ? gl_clone(src) : gl_to_dtype(src, to);
        gl_set_grad_enabled(prev);
        lgl_set(L, slot, c);
        break;
    }
    }
    finish(L, 2);
    return 1;
}

/* zeros/ones/empty/rand/randn: sizes, then options. */
typedef gl_tensor *(*shape_ctor)(const int64_t *shape, int ndim, gl_dtype dt);

static int filled(lua_State *L, shape_ctor ctor)
{
    int64_t shape[GL_MAX_DIMS];
    int ndim;
    int opts = lgl_checksizes(L, 1, shape, &ndim, 0);
    lua_settop(L, opts);
    gl_dtype dt = lgl_opt_dtype(L, opts, GL_FLOAT32);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, ctor(shape, ndim, dt));
    finish(L, opts);
    return 1;
}

static int c_zeros(lua_State *L) { return filled(L, gl_zeros); }
static int c_ones(lua_State *L) { return filled(L, gl_ones); }
static int c_empty(lua_State *L) { return filled(L, gl_empty); }
static int c_rand(lua_State *L) { return filled(L, gl_rand); }
static int c_randn(lua_State *L) { return filled(L, gl_randn); }

/* full({2, 2}, 7[, opts]) or full(2, 2, 7[, opts]): the last number is the value. */
static int c_full(lua_State *L)
{
    int64_t shape[GL_MAX_DIMS];
    int ndim, valarg;
    if (lua_type(L, 1) == LUA_TTABLE) {
        lgl_checksizes(L, 1, shape, &ndim, 0);
        valarg = 2;
    } else {
        int k = 1;
        while (lua_type(L, k + 1) == LUA_TNUMBER)
            k++;
        valarg = k;
        lua_pushvalue(L, valarg); /* sizes are args 1..k-1: hide the value */
        lua_pushnil(L);
        lua_replace(L, valarg);
        lgl_checksizes(L, 1, shape, &ndim, 0);
        lua_replace(L, valarg);
    }
    double value = luaL_checknumber(L, valarg);
    lua_settop(L, valarg + 1);
    gl_dtype dt = lgl_opt_dtype(L, valarg + 1, GL_FLOAT32);
    gl_tensor **slot = lgl_newslot(L);
    if (lgl_needs_int64(L, valarg, dt)) { /* the value exactly, not through a double */
        gl_tensor *t = gl_empty(shape, ndim, GL_INT64);
        if (t && gl_fill_int64_(t, lua_tointeger(L, valarg)) != 0) {
            gl_release(t);
            t = NULL;
        }
        lgl_set(L, slot, t);
    } else {
        lgl_set(L, slot, gl_full(shape, ndim, value, dt));
    }
    finish(L, valarg + 1);
    return 1;
}

/* arange(end) | arange(start, end[, step]) [, opts]: [start, end) as torch. */
static int c_arange(lua_State *L)
{
    int k = 0;
    while (k < 3 && lua_type(L, k + 1) == LUA_TNUMBER)
        k++;
    luaL_argcheck(L, k > 0, 1, "number expected (arange(end) or arange(start, end[, step]))");
    double start = 0, end, step = 1;
    if (k == 1)
        end = lua_tonumber(L, 1);
    else {
        start = lua_tonumber(L, 1);
        end = lua_tonumber(L, 2);
        if (k == 3)
            step = lua_tonumber(L, 3);
    }
    lua_settop(L, k + 1);
    gl_dtype dt = lgl_opt_dtype(L, k + 1, GL_FLOAT32);
    bool integers = true; /* int64 from integers: counted and filled exactly */
    for (int i = 1; i <= k; i++)
        integers = integers && lua_isinteger(L, i);
    gl_tensor **slot = lgl_newslot(L);
    if (dt == GL_INT64 && integers)
        lgl_set(L, slot, gl_arange_i64(k == 1 ? 0 : lua_tointeger(L, 1), lua_tointeger(L, k == 1 ? 1 : 2),
                                       k == 3 ? lua_tointeger(L, 3) : 1));
    else
        lgl_set(L, slot, gl_arange(start, end, step, dt));
    finish(L, k + 1);
    return 1;
}

static int c_linspace(lua_State *L)
{
    double start = luaL_checknumber(L, 1), end = luaL_checknumber(L, 2);
    lua_Integer steps = luaL_checkinteger(L, 3);
    lua_settop(L, 4);
    gl_dtype dt = lgl_opt_dtype(L, 4, GL_FLOAT32);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_linspace(start, end, steps, dt));
    finish(L, 4);
    return 1;
}

static int c_eye(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    int opts = 2;
    lua_Integer m = -1;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        m = luaL_checkinteger(L, 2);
        luaL_argcheck(L, m >= 0, 2, "size must be non-negative");
        opts = 3;
    }
    luaL_argcheck(L, n >= 0, 1, "size must be non-negative");
    lua_settop(L, opts);
    gl_dtype dt = lgl_opt_dtype(L, opts, GL_FLOAT32);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_eye(n, m, dt));
    finish(L, opts);
    return 1;
}

static int c_randperm(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0, 1, "n must be non-negative");
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_randperm(n));
    if (lgl_shift_index(*slot, 1) != 0)
        return lgl_fail(L);
    return 1;
}

static int c_manual_seed(lua_State *L)
{
    lua_Integer seed = luaL_checkinteger(L, 1);
    gl_manual_seed((uint64_t)seed);
    return 0;
}

#define OPTS "opts: {dtype = \"float32\"|\"float64\"|\"int64\"|\"bool\", requires_grad = false}."
static const lgl_reg fns[] = {
    {"tensor", c_tensor, LGL_FN, "gl.tensor(data[, opts]) -> Tensor",
     "A new tensor from nested tables of numbers (or booleans), a number (0-dim), a tensor "
     "(copied, detached) or a string: a literal, \"[[1, 2], [3, 4.5e-3]]\", or a printed tensor "
     "pasted back, \"tensor([1., 2.], dtype=float64)\" (its dtype= and requires_grad= are kept). "
     "float32 unless opts.dtype (or the printed form) says otherwise (booleans alone give bool). " OPTS},
    {"zeros", c_zeros, LGL_FN, "gl.zeros(size...|{size}[, opts]) -> Tensor",
     "Zeros of the given shape: gl.zeros(2, 3) or gl.zeros{2, 3}. " OPTS},
    {"ones", c_ones, LGL_FN, "gl.ones(size...|{size}[, opts]) -> Tensor", "Ones of the given shape. " OPTS},
    {"full", c_full, LGL_FN, "gl.full({size}, value[, opts]) -> Tensor",
     "A tensor filled with value: gl.full({2, 2}, 7), or gl.full(2, 2, 7) (the last number is the "
     "value). " OPTS},
    {"empty", c_empty, LGL_FN, "gl.empty(size...|{size}[, opts]) -> Tensor",
     "An uninitialised tensor of the given shape (as torch.empty). " OPTS},
    {"rand", c_rand, LGL_FN, "gl.rand(size...|{size}[, opts]) -> Tensor",
     "Uniform random numbers in [0, 1) from the seeded generator (gl.manual_seed). " OPTS},
    {"randn", c_randn, LGL_FN, "gl.randn(size...|{size}[, opts]) -> Tensor",
     "Standard normal random numbers from the seeded generator (gl.manual_seed). " OPTS},
    {"arange", c_arange, LGL_FN, "gl.arange([start,] end[, step][, opts]) -> Tensor",
     "start, start+step, ... up to but not including end, as torch.arange (start 0, step 1). "
     "float32 unless opts.dtype says otherwise. " OPTS},
    {"linspace", c_linspace, LGL_FN, "gl.linspace(start, end, steps[, opts]) -> Tensor",
     "steps evenly spaced values from start to end, both included. " OPTS},
    {"eye", c_eye, LGL_FN, "gl.eye(n[, m][, opts]) -> Tensor",
     "The n-by-m identity matrix (m defaults to n). " OPTS},
    {"randperm", c_randperm, LGL_FN, "gl.randperm(n) -> Tensor",
     "A random permutation of 1..n (int64; 1-based, as every index in gradlab's Lua API)."},
    {"manual_seed", c_manual_seed, LGL_FN, "gl.manual_seed(seed)",
     "Seeds the one random generator (xoshiro256**): the same numbers on every machine."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_create(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
