/*
 * lessons.c — the calls into the Lua module gradlab.lessons (lessons/, the
 * lesson runner), for `gradlab lesson`, `gradlab lessons` and the REPL's
 * :lesson, :lessons and :next. The module does its own printing:
 *
 *   play(name_or_number, {check = bool})  plays a lesson; in check mode it
 *                                         raises, or returns false, when a
 *                                         number it claims is off
 *   list()                                prints the lessons
 *   next()                                the next step of the lesson playing
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "internal.h"

#define MODULE "gradlab.lessons"

/* Pushes module[fname]; on failure reports why and returns false. */
static bool push_function(lua_State *L, const char *fname)
{
    lua_getglobal(L, "require");
    lua_pushliteral(L, MODULE);
    if (repl_report(L, repl_docall(L, 1, 1)) != LUA_OK)
        return false;
    if (!lua_istable(L, -1)) {
        repl_message("require(\"" MODULE "\") did not return a table");
        lua_pop(L, 1);
        return false;
    }
    if (lua_getfield(L, -1, fname) != LUA_TFUNCTION) {
        char msg[128];
        snprintf(msg, sizeof msg, "%s has no function %s()", MODULE, fname);
        repl_message(msg);
        lua_pop(L, 2);
        return false;
    }
    lua_remove(L, -2);
    return true;
}

/* Calls the function under nargs arguments; 0 unless it raised or
 * returned false. */
static int call(lua_State *L, int nargs)
{
    int base = lua_gettop(L) - nargs - 1;
    int status = repl_docall(L, nargs, 1);
    fflush(stdout);
    if (status != LUA_OK) {
        repl_report(L, status);
        lua_settop(L, base);
        return 1;
    }
    bool failed = lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
    lua_settop(L, base);
    return failed ? 1 : 0;
}

int repl_lessons_play(lua_State *L, const char *name_or_number, int check)
{
    if (!push_function(L, "play"))
        return 2;
    if (name_or_number == NULL || name_or_number[0] == '\0') {
        lua_pushnil(L);
    } else {
        const char *p = name_or_number;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p == '\0' && p - name_or_number < 10)
            lua_pushinteger(L, (lua_Integer)strtoll(name_or_number, NULL, 10));
        else
            lua_pushstring(L, name_or_number);
    }
    lua_newtable(L);
    if (check >= 0) {
        lua_pushboolean(L, check);
        lua_setfield(L, -2, "check");
    }
    if (call(L, 2) == 0)
        return 0;
    if (check > 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "lesson %s: the check failed", name_or_number ? name_or_number : "(default)");
        repl_message(msg);
    }
    return 1;
}

int repl_lessons_list(lua_State *L)
{
    if (!push_function(L, "list"))
        return 2;
    return call(L, 0);
}

int repl_lessons_next(lua_State *L)
{
    if (!push_function(L, "next"))
        return 2;
    return call(L, 0);
}
