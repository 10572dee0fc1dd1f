/*
 * state.c — the Lua state that scripts and the REPL share: the standard
 * libraries, the module `gradlab` as the global `gl`, broadcast warnings in
 * "warn" mode, and print/io made safe for closed pipes.
 */
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "internal.h"
#include "repl.h"

int luaopen_gradlab(lua_State *L); /* lua/: the module's entry */

/* Runs protected: a memory error or a failing luaopen_gradlab is reported. */
static int init(lua_State *L)
{
    luaL_checkversion(L);
    luaL_openlibs(L);

    /* where viz/ can find the idle hook without linking against repl/ */
    lua_pushlightuserdata(L, (void *)&repl_idle_hook);
    lua_setfield(L, LUA_REGISTRYINDEX, REPL_IDLE_HOOK_KEY);

    /* before the module, so that its Lua parts see the guarded print */
    repl_pipe_guard(L);

    luaL_requiref(L, "gradlab", luaopen_gradlab, 0);
    lua_setglobal(L, "gl");
    return 0;
}

/* gl.broadcast_mode("warn"), if the module has it; a failure is a warning. */
static void warn_mode(lua_State *L)
{
    if (lua_getglobal(L, "gl") == LUA_TTABLE && lua_getfield(L, -1, "broadcast_mode") == LUA_TFUNCTION) {
        lua_pushliteral(L, "warn");
        if (repl_docall(L, 1, 0) != LUA_OK) {
            const char *msg = lua_tostring(L, -1);
            fprintf(stderr, "%s: warning: gl.broadcast_mode(\"warn\") failed: %s\n", REPL_PROGNAME,
                    msg ? msg : "?");
        }
    }
    lua_settop(L, 0);
}

lua_State *repl_newstate(void)
{
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        repl_message("cannot create the Lua state: not enough memory");
        return NULL;
    }
    /* Generational collection, as the stock lua5.4 interpreter sets: a loop
     * of ops drops its tensors young, and minor collections free them
     * without marking the whole heap (module tables, help texts) each time.
     * Incremental mode spent 4-5% of a 64x64 matmul loop in propagatemark
     * and sweepstep (bench/PROFILE.md). */
    lua_gc(L, LUA_GCGEN, 0, 0);
    lua_pushcfunction(L, init);
    if (repl_docall(L, 0, 0) != LUA_OK) {
        bool was = repl_interactive;
        repl_interactive = false;
        repl_report(L, LUA_ERRRUN);
        repl_interactive = was;
        lua_close(L);
        return NULL;
    }
    warn_mode(L);
    return L;
}
