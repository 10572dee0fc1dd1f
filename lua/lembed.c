/*
 * lembed.c — the module's Lua parts, built in: tools/embed.lua turns
 * lua/lib/NAME.lua into "gradlab.NAME" and lessons/NAME.lua into
 * "lessons.NAME" in lgl_embedded_sources, and each gets a package.preload
 * loader, so `require "gradlab.nn"` uses the copy built into the program or
 * the .so whatever package.path says.
 *
 * Chunks are named after their place in the repo ("@lua/lib/nn.lua",
 * "@lessons/05_backward.lua") so tracebacks point at the files, and so the
 * broadcast warning can tell gradlab's own frames from the user's.
 */
#include <string.h>

#include "lgl.h"

typedef struct { const char *name; const char *source; size_t len; } lgl_embedded;
extern const lgl_embedded lgl_embedded_sources[]; /* generated: build/obj/lua/embedded.c */

static void push_chunkname(lua_State *L, const char *name)
{
    if (strncmp(name, "gradlab.", 8) == 0)
        lua_pushfstring(L, "@lua/lib/%s.lua", name + 8);
    else if (strncmp(name, "lessons.", 8) == 0)
        lua_pushfstring(L, "@lessons/%s.lua", name + 8);
    else
        lua_pushfstring(L, "=%s", name);
}

/* preload loader: upvalue 1 is the entry (light userdata); called as
 * loader(name, ":preload:"), returns what the chunk returns. */
static int load_embedded(lua_State *L)
{
    const lgl_embedded *e = lua_touserdata(L, lua_upvalueindex(1));
    push_chunkname(L, e->name);
    if (luaL_loadbufferx(L, e->source, e->len, lua_tostring(L, -1), "t") != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, e->name);
    lua_call(L, 1, 1);
    return 1;
}

void lgl_open_embedded(lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (const lgl_embedded *e = lgl_embedded_sources; e->name; e++) {
        lua_pushlightuserdata(L, (void *)e);
        lua_pushcclosure(L, load_embedded, 1);
        lua_setfield(L, -2, e->name);
    }
    lua_pop(L, 1);
}
