/*
 * pipe.c — `gradlab script.lua | head -1` ends quietly.
 *
 * SIGPIPE is ignored (run.c), so a write to a pipe whose reader has gone fails
 * with EPIPE instead of killing the program. Lua's print and io.write do not
 * stop on a failed write, so a printing loop would run on for nothing: each of
 * them is wrapped here to end the program, with status 0 and no message, once
 * stdout has failed with EPIPE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "internal.h"

void repl_pipe_check(void)
{
    if (ferror(stdout) && errno == EPIPE)
        exit(EXIT_SUCCESS); /* the reader is gone: nothing left to say */
}

/* Calls the wrapped function (upvalue 1) with all arguments, then checks. */
static int guarded(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    errno = 0;
    lua_call(L, n, LUA_MULTRET);
    repl_pipe_check();
    return lua_gettop(L);
}

/* t[name] = guarded(t[name]), when t[name] is a function. */
static void wrap_field(lua_State *L, int t, const char *name)
{
    t = lua_absindex(L, t);
    if (lua_getfield(L, t, name) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    lua_pushcclosure(L, guarded, 1);
    lua_setfield(L, t, name);
}

void repl_pipe_guard(lua_State *L)
{
    lua_pushglobaltable(L);
    wrap_field(L, -1, "print");
    lua_pop(L, 1);

    if (lua_getglobal(L, "io") == LUA_TTABLE) {
        wrap_field(L, -1, "write");
        wrap_field(L, -1, "flush");
    }
    lua_pop(L, 1);

    /* methods of file handles: io.stdout:write(...) */
    if (luaL_getmetatable(L, LUA_FILEHANDLE) == LUA_TTABLE) {
        if (lua_getfield(L, -1, "__index") == LUA_TTABLE) {
            wrap_field(L, -1, "write");
            wrap_field(L, -1, "flush");
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}
