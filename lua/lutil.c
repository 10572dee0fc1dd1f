/*
 * lutil.c — argument helpers shared by the binding: 1-based dims, sizes,
 * dtypes and option tables; the index shift between the engine's 0-based
 * and Lua's 1-based indices; the malloc guard.
 */
#include <stdlib.h>

#include "lgl.h"

/* ---------------------------------------------------------------- dims */

/* The one place where Lua's 1-based dims become the engine's 0-based ones.
 * A 0-dim tensor accepts dim 1 or -1, as torch accepts 0 and -1. */
int lgl_checkdim(lua_State *L, int arg, int ndim)
{
    return lgl_todim(L, luaL_checkinteger(L, arg), arg, ndim);
}

int lgl_todim(lua_State *L, lua_Integer d, int arg, int ndim)
{
    int n = ndim > 0 ? ndim : 1;
    if (d == 0)
        return luaL_argerror(L, arg,
                             lua_pushfstring(L, "dim 0 is invalid: dims are 1-based (1..%d, or -%d..-1 "
                                                "from the end)", n, n));
    if (d > n || d < -n)
        return luaL_argerror(L, arg,
                             lua_pushfstring(L, "dim %I is out of range for a %d-dim tensor "
                                                "(expected 1..%d or -%d..-1)", d, ndim, n, n));
    return (int)(d > 0 ? d - 1 : d + n);
}

int lgl_optdim(lua_State *L, int arg, int ndim, int def)
{
    return lua_isnoneornil(L, arg) ? def : lgl_checkdim(L, arg, ndim);
}

/* --------------------------------------------------------------- sizes */

static int64_t size_entry(lua_State *L, int arg, int idx, int allow_neg1, int *seen_neg1)
{
    int ok;
    lua_Integer v = lua_tointegerx(L, idx, &ok);
    if (!ok)
        return luaL_argerror(L, arg,
                             lua_pushfstring(L, "sizes must be integers, got %s",
                                             lua_type(L, idx) == LUA_TNUMBER
                                                 ? lua_pushfstring(L, "%f", lua_tonumber(L, idx))
                                                 : luaL_typename(L, idx)));
    if (v == -1 && allow_neg1) {
        if ((*seen_neg1)++)
            return luaL_argerror(L, arg, "only one size may be -1");
    } else if (v < 0) {
        return luaL_argerror(L, arg, lua_pushfstring(L, "size %I is negative", v));
    }
    return v;
}

int lgl_checksizes(lua_State *L, int arg, int64_t *shape, int *ndim, int allow_neg1)
{
    int n = 0, neg1 = 0;
    if (lua_type(L, arg) == LUA_TTABLE) {
        lua_Integer len = luaL_len(L, arg);
        if (len > GL_MAX_DIMS)
            return luaL_argerror(L, arg,
                                 lua_pushfstring(L, "%I sizes given; at most %d dims", len, GL_MAX_DIMS));
        for (int i = 1; i <= len; i++) {
            lua_geti(L, arg, i);
            shape[n++] = size_entry(L, arg, -1, allow_neg1, &neg1);
            lua_pop(L, 1);
        }
        *ndim = n;
        return arg + 1;
    }
    int i = arg;
    for (; lua_type(L, i) == LUA_TNUMBER; i++) {
        if (n == GL_MAX_DIMS)
            return luaL_argerror(L, i, lua_pushfstring(L, "at most %d dims", GL_MAX_DIMS));
        shape[n++] = size_entry(L, i, i, allow_neg1, &neg1);
    }
    *ndim = n;
    return i;
}

/* -------------------------------------------------------------- dtypes */

gl_dtype lgl_checkdtype(lua_State *L, int arg)
{
    gl_dtype dt;
    if (gl_dtype_parse(luaL_checkstring(L, arg), &dt) != 0)
        luaL_argerror(L, arg, gl_error());
    return dt;
}

gl_dtype lgl_opt_dtype(lua_State *L, int idx, gl_dtype def)
{
    gl_dtype dt = def;
    if (lua_type(L, idx) == LUA_TSTRING)
        return lgl_checkdtype(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        return def;
    if (lua_getfield(L, idx, "dtype") != LUA_TNIL) {
        const char *name = lua_tostring(L, -1);
        if (!name)
            luaL_error(L, "dtype must be a string such as \"float64\", got %s", luaL_typename(L, -1));
        if (gl_dtype_parse(name, &dt) != 0)
            lgl_fail(L);
    }
    lua_pop(L, 1);
    return dt;
}

int lgl_opt_bool(lua_State *L, int idx, const char *key, int def)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return def;
    int v = lua_getfield(L, idx, key) == LUA_TNIL ? def : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

double lgl_opt_number(lua_State *L, int idx, const char *key, double def)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return def;
    double v = def;
    if (lua_getfield(L, idx, key) != LUA_TNIL) {
        int ok;
        v = lua_tonumberx(L, -1, &ok);
        if (!ok)
            luaL_error(L, "option '%s' must be a number, got %s", key, luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return v;
}

/* --------------------------------------------------------------- indices */

int lgl_shift_index(gl_tensor *t, int64_t delta)
{
    if (gl_dtype_of(t) == GL_INT64 && gl_is_contiguous(t)) {
        int64_t *p = gl_data_ptr(t), n = gl_numel(t);
        for (int64_t i = 0; i < n; i++)
            p[i] += delta;
        return 0;
    }
    gl_tensor *d = gl_scalar((double)delta, GL_INT64);
    int rc = d ? gl_add_(t, d, 1.0) : -1;
    gl_release(d);
    return rc;
}

/* ---------------------------------------------------------------- guard */

#define LGL_GUARD "gradlab.guard"

static int guard_gc(lua_State *L)
{
    char **p = luaL_checkudata(L, 1, LGL_GUARD);
    free(*p);
    *p = NULL;
    return 0;
}

char **lgl_guard(lua_State *L)
{
    char **p = lua_newuserdatauv(L, sizeof *p, 0);
    *p = NULL;
    if (luaL_newmetatable(L, LGL_GUARD)) {
        lua_pushcfunction(L, guard_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return p;
}

void lgl_guard_free(lua_State *L, int idx)
{
    char **p = luaL_checkudata(L, idx, LGL_GUARD);
    free(*p);
    *p = NULL;
}
