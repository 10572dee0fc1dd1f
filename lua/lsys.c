/*
 * lsys.c — small services of the process for the Lua parts (gl.nn.fit's
 * progress line and timing, Ctrl-C handling): a monotonic clock, isatty,
 * and clearing the engine's interrupt flag.
 */
#include <time.h>
#include <unistd.h>

#include "lgl.h"

static int sys_clock(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
    return 1;
}

static int sys_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_optinteger(L, 1, 1)) == 1);
    return 1;
}

static int sys_clear_interrupt(lua_State *L)
{
    (void)L;
    gl_interrupted = 0;
    return 0;
}

static const lgl_reg fns[] = {
    {"_clock", sys_clock, LGL_FN, "gl._clock() -> seconds",
     "Wall-clock seconds from an arbitrary origin (monotonic), for timing."},
    {"_isatty", sys_isatty, LGL_FN, "gl._isatty([fd = 1]) -> boolean", "True when fd is a terminal."},
    {"_clear_interrupt", sys_clear_interrupt, LGL_FN, "gl._clear_interrupt()",
     "Clears the engine's Ctrl-C flag after an interruption was handled."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_sys(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
