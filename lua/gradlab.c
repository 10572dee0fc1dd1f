/*
 * gradlab.c — luaopen_gradlab: the module table `gl`, the Tensor type and
 * its methods, the Lua parts built into the binary (gl.nn, gl.optim) and,
 * when linked, the window (gl.viz).
 *
 * The same entry serves the program (build/gradlab preloads it as the
 * global `gl`) and stock lua5.4 (build/gradlab.so, require "gradlab").
 */
#include "lgl.h"

/* viz/ defines this when it is linked in; until then gl.viz is absent.
 * It pushes the viz table. */
int lgl_open_viz(lua_State *L) __attribute__((weak));

/* gl[field] = require(name), when name is one of the embedded modules. */
static void require_embedded(lua_State *L, int gl, const char *name, const char *field)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    int present = lua_getfield(L, -1, name) != LUA_TNIL;
    lua_pop(L, 2);
    if (!present)
        return;
    lua_getglobal(L, "require");
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    lua_setfield(L, gl, field);
}

/* The Lua parts, with the module table at index 1. */
static int open_lua_parts(lua_State *L)
{
    lgl_open_embedded(L);
    require_embedded(L, 1, "gradlab.nn", "nn");
    require_embedded(L, 1, "gradlab.optim", "optim");
    require_embedded(L, 1, "gradlab.data", "data");
    return 0;
}

static void set_loaded(lua_State *L, int gl)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (gl)
        lua_pushvalue(L, gl);
    else
        lua_pushnil(L);
    lua_setfield(L, -2, "gradlab");
    lua_pop(L, 1);
}

/* __gc of a registry sentinel: the Lua state is closing. The engine's
 * broadcast hook must not keep its pointer, and the buffers the engine
 * pooled for reuse go back to malloc. */
static int on_close(lua_State *L)
{
    (void)L;
    lgl_broadcast_enter(NULL);
    gl_pool_trim();
    return 0;
}

int luaopen_gradlab(lua_State *L)
{
    luaL_checkversion(L);
    lua_newuserdatauv(L, 1, 0);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, on_close);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "gradlab.state_sentinel");

    lua_newtable(L); /* gl */
    lua_newtable(L); /* the Tensor methods */
    lgl_tables tb = {lua_absindex(L, -2), lua_absindex(L, -1)};

    lgl_open_tensor(L, &tb);
    lgl_open_create(L, &tb);
    lgl_open_shape(L, &tb);
    lgl_open_index(L, &tb);
    lgl_open_ops(L, &tb);
    lgl_open_autograd(L, &tb);
    lgl_open_broadcast(L, &tb);
    lgl_open_io(L, &tb);
    lgl_open_testing(L, &tb);
    lgl_open_help(L, &tb);
    lgl_open_sys(L, &tb);
    lgl_open_anomaly(L, &tb);

    lua_pushvalue(L, tb.methods);
    lua_setfield(L, tb.gl, "Tensor"); /* gl.Tensor: the method table, to extend or list */
    lua_pushliteral(L, GRADLAB_VERSION);
    lua_setfield(L, tb.gl, "__version");
    lua_pop(L, 1); /* methods */

    /* The Lua parts require "gradlab" themselves: make it resolvable now,
     * and unresolvable again if they fail (no half-made module stays). */
    set_loaded(L, tb.gl);
    lua_pushcfunction(L, open_lua_parts);
    lua_pushvalue(L, tb.gl);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        set_loaded(L, 0);
        return lua_error(L);
    }

    /* ---- hook: the window. viz/ provides int lgl_open_viz(lua_State *L). */
    if (lgl_open_viz) {
        lgl_open_viz(L);
        lua_setfield(L, tb.gl, "viz");
    }
    return 1;
}
