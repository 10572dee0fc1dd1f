/*
 * ltensor.c — the userdata type "gradlab.Tensor": boxes, the checks, memory
 * accounting, the metamethods (fields, indexing, printing, lifetime; the
 * operators are set by lops.c) and the methods that only read a tensor
 * (numel, item, totable, size, dim).
 */
#include <stdlib.h>
#include <string.h>

#include "lgl.h"

/* ------------------------------------------------------------- memory */

/* Tensor storage lives outside Lua's heap, so the collector cannot see that
 * a dropped 1 MB tensor is worth collecting. Two measures, both driven by
 * gl_live_bytes() (process-wide, as these figures are):
 *  - pacing: new storage and LGL_BOX_COST a box are reported as GC debt
 *    (lua_gc LUA_GCSTEP, kb): a minor collection in generational mode
 *    (gradlab's, and stock lua5.4's), an incremental step otherwise. It
 *    runs when the boxes made reach LGL_GC_CHUNK (a loop of tiny ops:
 *    every ~40 steps, whatever else is live), or when new storage reaches
 *    both LGL_GC_CHUNK and what was live after the last step (64x64
 *    products: every ~15 calls). The live part keeps big results young: a
 *    result that a variable holds across two minor collections turns old
 *    and waits for a full one (a loop of 256x256 products stepping every
 *    256 KB ran a full collection every 16 calls and lost 5%). Boxes alone
 *    can't carry that part: with 200 MB live, a loop of tiny ops would then
 *    collect once per 200 MB of boxes (5.4 us a step instead of 1.9);
 *  - a bound: when live storage passes twice what was live after the last
 *    full collection plus LGL_GC_SLACK, a full collection runs. Minor
 *    collections are not enough: a tensor that survives two of them (an
 *    activation kept from forward to backward) is old and waits for a
 *    major collection, which Lua starts only when *its* heap doubles. With
 *    64 MB of slack the MLP fit (bench/mlp_fit.lua) peaked at 122 MB, with
 *    4 MB at 30 MB, equally fast (a full collection costs ~35 us; since
 *    nn.Sequential releases its intermediates, 20 MB). */
#ifndef LGL_GC_CHUNK
#define LGL_GC_CHUNK (256 << 10)
#endif
#ifndef LGL_GC_SLACK
#define LGL_GC_SLACK ((size_t)4 << 20)
#endif
/* What one box costs outside Lua's heap besides its storage, reported as
 * debt when the box is made. Without it the collector saw 16 bytes for a
 * 4-element tensor, ran once per doubling of Lua's own heap, and a loop of
 * tiny ops piled up garbage (713 MB after 300,000 steps). The parts, with
 * malloc's headers: the engine's tensor and storage structs (~230 bytes),
 * the graph node an op records (~620 bytes for two inputs) and the alias
 * of a saved result (~200 bytes), and the box (~70 bytes). 1 KB is about
 * one op's result; views and leaves cost less. */
#define LGL_BOX_COST 1024
static size_t acct_seen; /* gl_live_bytes() at the last report */
static size_t acct_debt; /* storage bytes grown since the last step */
static size_t acct_box_debt; /* LGL_BOX_COST per box made since the last step */
static size_t acct_base; /* gl_live_bytes() after the last full collection */
static size_t acct_step_live; /* gl_live_bytes() after the last step */

void lgl_account(lua_State *L)
{
    size_t live = gl_live_bytes();
    if (live > acct_seen)
        acct_debt += live - acct_seen;
    acct_seen = live;
    if (live > 2 * acct_base + LGL_GC_SLACK) {
        lua_gc(L, LUA_GCCOLLECT);
        acct_base = acct_seen = acct_step_live = gl_live_bytes();
        acct_debt = acct_box_debt = 0;
    } else if (acct_box_debt >= LGL_GC_CHUNK ||
               (acct_debt >= LGL_GC_CHUNK && acct_debt >= acct_step_live)) {
        size_t kb = (acct_debt + acct_box_debt) / 1024;
        acct_debt = acct_box_debt = 0;
        lua_gc(L, LUA_GCSTEP, (int)(kb > 1u << 30 ? 1u << 30 : kb));
        acct_seen = acct_step_live = gl_live_bytes();
    }
}

/* -------------------------------------------------------------- boxes */

/* The metatable every new box gets (push_mt), found without a lookup by
 * name. The registry holds it under &tensor_mt_key and under the integer
 * mt_ref; mt_cache is its address in the state that opened the module
 * last, so the common case is one rawgeti and a pointer compare. In another
 * state the address differs and push_mt falls back to the registry. The
 * state's closing clears mt_cache (sentinel_gc), so a stale address never
 * matches a table that reuses the memory. */
static const char tensor_mt_key = 0;
static const void *mt_cache;
static int mt_ref = LUA_NOREF;

static int sentinel_gc(lua_State *L)
{
    if (mt_cache == *(const void **)lua_touserdata(L, 1))
        mt_cache = NULL;
    return 0;
}

static void push_mt(lua_State *L)
{
    if (mt_cache) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, mt_ref);
        if (lua_topointer(L, -1) == mt_cache)
            return;
        lua_pop(L, 1);
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &tensor_mt_key);
}

/* The box at idx, or NULL if it is not a gradlab.Tensor. A box is known by
 * its size and its tag, the address of a variable of this module: no other
 * userdata holds that address unless C code forges it, and the size check
 * keeps smaller userdata (and light userdata, size 0) from being read past
 * their end. Two reads instead of fetching and comparing the metatable,
 * which cost ~150 instructions a check, ~20 checks a step of a loop of
 * small ops (bench/PROFILE.md). */
static const char box_tag = 0;
static lgl_box *tobox(lua_State *L, int idx)
{
    lgl_box *b = lua_touserdata(L, idx);
    if (!b || lua_rawlen(L, idx) != sizeof *b || b->tag != &box_tag)
        return NULL;
    return b;
}

/* User value 1 of a box: the box of its tensor's .grad, last read (push_grad). */
gl_tensor **lgl_newslot(lua_State *L)
{
    lgl_box *b = lua_newuserdatauv(L, sizeof *b, 1);
    b->t = NULL;
    b->tag = &box_tag;
    push_mt(L);
    lua_setmetatable(L, -2);
    acct_box_debt += LGL_BOX_COST;
    lgl_broadcast_enter(L);
    return &b->t;
}

int lgl_fail(lua_State *L)
{
    const char *msg = gl_error();
    return luaL_error(L, "%s", *msg ? msg : "gradlab: unknown engine error");
}

void lgl_set(lua_State *L, gl_tensor **slot, gl_tensor *r)
{
    if (!r)
        lgl_fail(L);
    *slot = r;
    lgl_account(L);
}

void lgl_push_retained(lua_State *L, gl_tensor *t)
{
    gl_tensor **slot = lgl_newslot(L);
    *slot = gl_retain(t);
}

gl_tensor *lgl_test(lua_State *L, int idx)
{
    lgl_box *b = tobox(L, idx);
    return b ? b->t : NULL;
}

/* The box at arg, or luaL_checkudata's error ("gradlab.Tensor expected, got X"). */
static lgl_box *checkbox(lua_State *L, int arg)
{
    lgl_box *b = tobox(L, arg);
    return b ? b : luaL_checkudata(L, arg, LGL_TENSOR);
}

gl_tensor *lgl_check(lua_State *L, int arg)
{
    lgl_box *b = checkbox(L, arg);
    if (!b->t)
        luaL_argerror(L, arg, "tensor has been closed");
    return b->t;
}

/* The dtype a Lua number takes next to a tensor of dtype like. */
static gl_dtype number_dtype(lua_State *L, int idx, gl_dtype like)
{
    if (lua_isinteger(L, idx))
        return like == GL_BOOL ? GL_INT64 : like;
    return gl_is_floating(like) ? like : GL_FLOAT32;
}

bool lgl_needs_int64(lua_State *L, int idx, gl_dtype dt)
{
    if (dt != GL_INT64 || !lua_isinteger(L, idx))
        return false;
    lua_Integer v = lua_tointeger(L, idx), exact = (lua_Integer)1 << 53;
    return v > exact || v < -exact;
}

gl_tensor *lgl_int64_scalar(lua_Integer v)
{
    int64_t value = (int64_t)v, no_shape[1] = {0};
    return gl_from_buffer(&value, no_shape, 0, GL_INT64);
}

gl_tensor *lgl_totensor(lua_State *L, int arg, gl_dtype like)
{
    arg = lua_absindex(L, arg);
    switch (lua_type(L, arg)) {
    case LUA_TNUMBER: {
        gl_dtype dt = number_dtype(L, arg, like);
        gl_tensor **slot = lgl_newslot(L);
        lgl_set(L, slot, lgl_needs_int64(L, arg, dt) ? lgl_int64_scalar(lua_tointeger(L, arg))
                                                     : gl_scalar(lua_tonumber(L, arg), dt));
        break;
    }
    case LUA_TBOOLEAN: {
        gl_tensor **slot = lgl_newslot(L);
        lgl_set(L, slot, gl_scalar(lua_toboolean(L, arg), GL_BOOL));
        break;
    }
    case LUA_TTABLE: /* a list of numbers keeps a float or bool like, else float32 */
        lgl_tensor_from_table(L, arg, gl_is_floating(like) || like == GL_BOOL ? like : GL_FLOAT32,
                              like == GL_BOOL);
        break;
    default:
        return lgl_check(L, arg);
    }
    lua_replace(L, arg);
    return lgl_test(L, arg);
}

void lgl_operands(lua_State *L, int a, int b, gl_tensor **ta, gl_tensor **tb)
{
    gl_tensor *x = lgl_test(L, a), *y = lgl_test(L, b);
    if (x && y)
        ;
    else if (x)
        y = lgl_totensor(L, b, gl_dtype_of(x));
    else if (y)
        x = lgl_totensor(L, a, gl_dtype_of(y));
    else {
        x = lgl_totensor(L, a, GL_FLOAT32);
        y = lgl_totensor(L, b, gl_dtype_of(x));
    }
    *ta = x;
    *tb = y;
}

void lgl_push_element(lua_State *L, const gl_tensor *t, const int64_t *index)
{
    const int64_t *stride = gl_strides(t);
    int64_t off = 0;
    for (int i = 0; i < gl_ndim(t); i++)
        off += index[i] * stride[i];
    const char *p = (const char *)gl_data_ptr(t) + off * (int64_t)gl_dtype_size(gl_dtype_of(t));
    switch (gl_dtype_of(t)) {
    case GL_FLOAT32: lua_pushnumber(L, *(const float *)p); break;
    case GL_FLOAT64: lua_pushnumber(L, *(const double *)p); break;
    case GL_INT64: lua_pushinteger(L, (lua_Integer) * (const int64_t *)p); break;
    default: lua_pushboolean(L, *(const unsigned char *)p != 0); break;
    }
}

/* ----------------------------------------------------- reading methods */

static int t_numel(lua_State *L)
{
    lua_pushinteger(L, gl_numel(lgl_check(L, 1)));
    return 1;
}

static int t_dim(lua_State *L)
{
    lua_pushinteger(L, gl_ndim(lgl_check(L, 1)));
    return 1;
}

static void push_shape(lua_State *L, const gl_tensor *t)
{
    int n = gl_ndim(t);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushinteger(L, gl_shape(t)[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

static int t_size(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    if (lua_isnoneornil(L, 2)) {
        push_shape(L, t);
        return 1;
    }
    lua_pushinteger(L, gl_shape(t)[lgl_checkdim(L, 2, gl_ndim(t))]);
    return 1;
}

static int t_item(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    double v;
    if (gl_item(t, &v) != 0)
        return lgl_fail(L);
    int64_t zeros[GL_MAX_DIMS] = {0};
    lgl_push_element(L, t, zeros);
    return 1;
}

static void totable_rec(lua_State *L, const gl_tensor *t, int64_t *index, int dim)
{
    int n = gl_ndim(t);
    if (dim == n) {
        lgl_push_element(L, t, index);
        return;
    }
    int64_t size = gl_shape(t)[dim];
    luaL_checkstack(L, 4, "tensor too deep");
    lua_createtable(L, size > INT32_MAX ? 0 : (int)size, 0);
    for (int64_t i = 0; i < size; i++) {
        index[dim] = i;
        totable_rec(L, t, index, dim + 1);
        lua_rawseti(L, -2, i + 1);
    }
}

static int t_totable(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    int64_t index[GL_MAX_DIMS] = {0};
    totable_rec(L, t, index, 0);
    return 1;
}

/* --------------------------------------------------------- metamethods */

static int t_gc(lua_State *L)
{
    lgl_box *b = checkbox(L, 1);
    gl_release(b->t);
    b->t = NULL;
    return 0;
}

static int t_tostring(lua_State *L)
{
    lgl_box *b = checkbox(L, 1);
    if (!b->t) {
        lua_pushliteral(L, "tensor(<closed>)");
        return 1;
    }
    char **s = lgl_guard(L); /* owns the engine's malloc'd text until copied */
    if (!(*s = gl_format(b->t)))
        return lgl_fail(L);
    lua_pushstring(L, *s);
    lgl_guard_free(L, -2);
    return 1;
}

/* Identity, not elementwise: Lua's == must give a boolean. gl.eq compares
 * elements. Two boxes holding the same engine tensor (x.grad twice) are equal. */
static int t_eq(lua_State *L)
{
    lgl_box *a = tobox(L, 1), *b = tobox(L, 2);
    lua_pushboolean(L, a && b && a->t == b->t && a->t != NULL);
    return 1;
}

static int t_len(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    if (gl_ndim(t) == 0)
        return luaL_error(L, "#: a 0-dim tensor has no length (use x:item())");
    lua_pushinteger(L, gl_shape(t)[0]);
    return 1;
}

/* x.grad for the box at idx holding t: the box made for t's gradient at
 * the last read, while t's gradient is still that tensor (the cached box
 * holds a reference, so a new gradient is never at the old address). A
 * loop that reads a.grad makes no garbage, and a.grad is one value
 * between backward and zero_grad, as in torch. */
static void push_grad(lua_State *L, int idx, gl_tensor *t)
{
    gl_tensor *g = gl_grad(t);
    if (!g) {
        lua_pushnil(L);
        return;
    }
    lua_getiuservalue(L, idx, 1);
    lgl_box *c = tobox(L, -1);
    if (c && c->t == g)
        return;
    lua_pop(L, 1);
    lgl_push_retained(L, g);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, idx, 1);
}

/* The fields of the tensor t in the box at 1: x.shape, x.dtype, x.grad,
 * x.T, x.is_leaf, x.grad_fn, x.requires_grad, x.ndim. Returns 0 for an
 * unknown name. */
static int push_field(lua_State *L, gl_tensor *t, const char *k)
{
    if (strcmp(k, "shape") == 0)
        push_shape(L, t);
    else if (strcmp(k, "dtype") == 0)
        lua_pushstring(L, gl_dtype_name(gl_dtype_of(t)));
    else if (strcmp(k, "grad") == 0)
        push_grad(L, 1, t);
    else if (strcmp(k, "requires_grad") == 0)
        lua_pushboolean(L, gl_requires_grad(t));
    else if (strcmp(k, "is_leaf") == 0)
        lua_pushboolean(L, gl_is_leaf(t));
    else if (strcmp(k, "grad_fn") == 0) {
        /* "mul" -> "MulBackward0", "log_softmax" -> "LogSoftmaxBackward0", as gl_format */
        const char *fn = gl_grad_fn_name(t);
        if (!fn) {
            lua_pushnil(L);
            return 1;
        }
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (int up = 1; *fn; fn++) {
            if (*fn == '_') {
                up = 1;
                continue;
            }
            luaL_addchar(&b, up && *fn >= 'a' && *fn <= 'z' ? (char)(*fn - 'a' + 'A') : *fn);
            up = 0;
        }
        luaL_addstring(&b, "Backward0");
        luaL_pushresult(&b);
    } else if (strcmp(k, "ndim") == 0)
        lua_pushinteger(L, gl_ndim(t));
    else if (strcmp(k, "T") == 0) {
        int n = gl_ndim(t), perm[GL_MAX_DIMS];
        for (int i = 0; i < n; i++)
            perm[i] = n - 1 - i;
        gl_tensor **slot = lgl_newslot(L);
        lgl_set(L, slot, gl_permute(t, perm, n));
    } else
        return 0;
    return 1;
}

/* upvalue 1: the method table */
static int t_index(lua_State *L)
{
    switch (lua_type(L, 2)) {
    case LUA_TSTRING:
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) /* methods first */
            return 1;
        if (!push_field(L, lgl_check(L, 1), lua_tostring(L, 2)))
            lua_pushnil(L);
        return 1;
    case LUA_TNUMBER:
    case LUA_TTABLE:
        return lgl_index_get(L);
    default:
        return luaL_error(L, "a tensor can't be indexed with a %s", luaL_typename(L, 2));
    }
}

static int t_newindex(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    if (lua_type(L, 2) != LUA_TSTRING)
        return lgl_index_set(L);
    const char *k = lua_tostring(L, 2);
    if (strcmp(k, "grad") == 0) {
        gl_tensor *g = lua_isnil(L, 3) ? NULL : lgl_totensor(L, 3, gl_dtype_of(t));
        if (gl_set_grad(t, g) != 0)
            return lgl_fail(L);
        lua_pushnil(L); /* drop the box of the old grad now, not at the next read */
        lua_setiuservalue(L, 1, 1);
        lgl_account(L);
    } else if (strcmp(k, "requires_grad") == 0) {
        if (gl_requires_grad_(t, lua_toboolean(L, 3)) != 0)
            return lgl_fail(L);
    } else {
        return luaL_error(L, "can't set field '%s' of a tensor (settable: grad, requires_grad)", k);
    }
    return 0;
}

static const lgl_reg reading[] = {
    {"numel", t_numel, LGL_BOTH, "x:numel() -> integer", "The number of elements."},
    {"dim", t_dim, LGL_METHOD, "x:dim() -> integer", "The number of dims (0 for a scalar)."},
    {"size", t_size, LGL_METHOD, "x:size([dim]) -> {sizes} | integer",
     "The shape as a table, or the size of one dim (1-based, negative from the end)."},
    {"item", t_item, LGL_METHOD, "x:item() -> number",
     "The value of a one-element tensor (an integer for int64, a boolean for bool)."},
    {"totable", t_totable, LGL_METHOD, "x:totable() -> table",
     "The elements as nested Lua tables (a number for a 0-dim tensor)."},
    {NULL, NULL, 0, NULL, NULL},
};

static int t_is_tensor(lua_State *L)
{
    lua_pushboolean(L, lgl_test(L, 1) != NULL);
    return 1;
}

static int t_live_bytes(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)gl_live_bytes());
    return 1;
}

/* Option key of the table at 1 as an integer in [lo, hi]: larger values
 * (math.huge: "no limit", as torch's threshold=inf) are clamped, since a C
 * cast of an out-of-range double is undefined; NaN is an error. */
static int64_t print_option(lua_State *L, const char *key, int64_t def, int64_t lo, int64_t hi)
{
    double v = lgl_opt_number(L, 1, key, (double)def);
    if (v != v)
        luaL_error(L, "set_printoptions: %s must be a number, got nan", key);
    return v <= (double)lo ? lo : v >= (double)hi ? hi : (int64_t)v;
}

/* gl.set_printoptions{precision=, threshold=, edgeitems=, linewidth=}:
 * unnamed fields keep their values; returns the previous options. */
static int t_set_printoptions(lua_State *L)
{
    gl_print_options o = gl_get_print_options(), prev = o;
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        o.precision = (int)print_option(L, "precision", o.precision, INT32_MIN, INT32_MAX);
        o.threshold = print_option(L, "threshold", o.threshold, INT64_MIN, INT64_MAX);
        o.edgeitems = (int)print_option(L, "edgeitems", o.edgeitems, INT32_MIN, INT32_MAX);
        o.linewidth = (int)print_option(L, "linewidth", o.linewidth, INT32_MIN, INT32_MAX);
        gl_set_print_options(&o);
    }
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, prev.precision);
    lua_setfield(L, -2, "precision");
    lua_pushinteger(L, prev.threshold);
    lua_setfield(L, -2, "threshold");
    lua_pushinteger(L, prev.edgeitems);
    lua_setfield(L, -2, "edgeitems");
    lua_pushinteger(L, prev.linewidth);
    lua_setfield(L, -2, "linewidth");
    return 1;
}

static const lgl_reg module_fns[] = {
    /* __gc itself, callable: for library code that alone holds an
     * intermediate (nn.Sequential), so its storage goes back to the pool as
     * soon as the graph is done with it, still in cache, rather than
     * whenever the collector finds the box. */
    {"_release", t_gc, LGL_FN, "gl._release(x)",
     "Internal: x lets go of its tensor now (x is closed afterwards); for library code that alone holds x."},
    {"live_bytes", t_live_bytes, LGL_FN, "gl.live_bytes() -> integer",
     "Bytes held by live tensor storage in this process (what the collector is told about)."},
    {"set_printoptions", t_set_printoptions, LGL_FN,
     "gl.set_printoptions{precision = 4, threshold = 1000, edgeitems = 3, linewidth = 80} -> previous",
     "How tensors print, as torch.set_printoptions; fields left out keep their values. Returns the "
     "previous options (pass them back to restore)."},
    {"is_tensor", t_is_tensor, LGL_FN, "gl.is_tensor(v) -> boolean",
     "True if v is a (live) gradlab tensor."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_tensor(lua_State *L, const lgl_tables *tb)
{
    static const luaL_Reg meta[] = {
        {"__gc", t_gc},   {"__close", t_gc},        {"__tostring", t_tostring},
        {"__eq", t_eq},   {"__newindex", t_newindex}, {"__len", t_len},
        {NULL, NULL}, /* the operators (__add, ...) are the ops themselves: lops.c */
    };
    luaL_newmetatable(L, LGL_TENSOR); /* sets __name = "gradlab.Tensor" */
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tensor_mt_key);
    lua_pushvalue(L, -1);
    mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    mt_cache = lua_topointer(L, -1);
    *(const void **)lua_newuserdatauv(L, sizeof(void *), 0) = mt_cache;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, sentinel_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    luaL_ref(L, LUA_REGISTRYINDEX); /* lives as long as the state */
    luaL_setfuncs(L, meta, 0);
    lua_pushvalue(L, tb->methods);
    lua_pushcclosure(L, t_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, tb->methods); /* the REPL's completer lists x:<TAB> from here */
    lua_setfield(L, -2, "__methods");
    /* ... and x.<TAB> from here: the names push_field answers */
    static const char *const fields[] = {"shape", "dtype", "grad", "requires_grad", "is_leaf",
                                         "grad_fn", "ndim", "T"};
    lua_createtable(L, (int)(sizeof fields / sizeof fields[0]), 0);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        lua_pushstring(L, fields[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "__fields");
    lua_pop(L, 1);
    lgl_register(L, tb, reading);
    lgl_register(L, tb, module_fns);
}
