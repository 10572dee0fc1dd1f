/*
 * lautograd.c — reverse-mode autodiff from Lua: backward, grad mode
 * (no_grad), detach, requires_grad_, zero_grad and ReLU's derivative at 0.
 * Gradients themselves are the fields x.grad / x.requires_grad (ltensor.c).
 */
#include "lgl.h"

/* y:backward([gradient][, {retain_graph = false}]): a table with no list
 * part in place of the gradient is the options. */
static int a_backward(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    if (lua_type(L, 2) == LUA_TTABLE && lua_rawlen(L, 2) == 0) { /* the options: no gradient */
        lua_pushnil(L);
        lua_insert(L, 2);
    }
    int opts = 3;
    gl_tensor *gradient = lua_isnoneornil(L, 2) ? NULL : lgl_totensor(L, 2, gl_dtype_of(t));
    bool retain = lgl_opt_bool(L, opts, "retain_graph", 0);
    if (gl_backward(t, gradient, retain) != 0)
        return lgl_fail(L);
    lgl_account(L); /* the new .grad tensors */
    return 0;
}

/* Grad mode off around fn(...), restored even when fn raises. */
static int a_no_grad(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    bool prev = gl_set_grad_enabled(false);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    gl_set_grad_enabled(prev);
    if (status != LUA_OK)
        return lua_error(L); /* the same error value, re-raised */
    return lua_gettop(L);
}

static int a_set_grad_enabled(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_pushboolean(L, gl_set_grad_enabled(lua_toboolean(L, 1)));
    return 1;
}

static int a_is_grad_enabled(lua_State *L)
{
    lua_pushboolean(L, gl_is_grad_enabled());
    return 1;
}

static int a_detach(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    gl_tensor **slot = lgl_newslot(L);
    lgl_set(L, slot, gl_detach(t));
    return 1;
}

static int a_requires_grad_(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    if (gl_requires_grad_(t, lua_isnone(L, 2) ? true : lua_toboolean(L, 2)) != 0)
        return lgl_fail(L);
    lua_settop(L, 1);
    return 1;
}

static int a_zero_grad(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    gl_tensor *g = gl_grad(t);
    if (g && gl_zero_(g) != 0)
        return lgl_fail(L);
    lua_settop(L, 1);
    return 1;
}

static int a_set_relu_grad_at_zero(lua_State *L)
{
    double v = luaL_checknumber(L, 1);
    double prev = gl_relu_grad_at_zero();
    if (gl_set_relu_grad_at_zero(v) != 0)
        return luaL_argerror(L, 1, gl_error());
    lua_pushnumber(L, prev);
    return 1;
}

static int a_relu_grad_at_zero(lua_State *L)
{
    lua_pushnumber(L, gl_relu_grad_at_zero());
    return 1;
}

static const lgl_reg fns[] = {
    {"backward", a_backward, LGL_METHOD, "y:backward([gradient][, {retain_graph = false}])",
     "Accumulates d(y)/d(leaf) into every leaf's .grad. A one-element y needs no gradient; otherwise "
     "gradient (y's shape) is the vector of the vector-Jacobian product. The graph's saved tensors "
     "are freed afterwards unless retain_graph."},
    {"no_grad", a_no_grad, LGL_FN, "gl.no_grad(fn, ...) -> fn's results",
     "Calls fn(...) with gradient recording off (no graph is built), and restores the previous "
     "mode afterwards, also when fn raises an error."},
    {"set_grad_enabled", a_set_grad_enabled, LGL_FN, "gl.set_grad_enabled(on) -> previous",
     "Turns gradient recording on or off; returns the previous setting."},
    {"is_grad_enabled", a_is_grad_enabled, LGL_FN, "gl.is_grad_enabled() -> boolean",
     "True when operations record a graph for backward."},
    {"detach", a_detach, LGL_BOTH, "x:detach() -> Tensor",
     "A leaf sharing x's storage, cut from the graph (requires_grad false)."},
    {"requires_grad_", a_requires_grad_, LGL_METHOD, "x:requires_grad_([on = true]) -> x",
     "Makes a leaf (float32 or float64) record operations for backward."},
    {"zero_grad", a_zero_grad, LGL_METHOD, "x:zero_grad() -> x",
     "Sets x.grad to zeros in place (as x.grad:zero_()); nothing when x has no grad yet."},
    {"set_relu_grad_at_zero", a_set_relu_grad_at_zero, LGL_FN, "gl.set_relu_grad_at_zero(v) -> previous",
     "ReLU's derivative at exactly 0: 0 (PyTorch, the default), 0.5 (JAX's maximum) or 1."},
    {"relu_grad_at_zero", a_relu_grad_at_zero, LGL_FN, "gl.relu_grad_at_zero() -> number",
     "The current setting of ReLU's derivative at 0."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_autograd(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
