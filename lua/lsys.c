/*
 * lsys.c — small services of the process for the Lua parts (gl.nn.fit's
 * progress line and timing, Ctrl-C handling; the lesson runner's layout):
 * a monotonic clock, isatty, the terminal's width, and clearing the
 * engine's interrupt flag.
 */
#include <sys/ioctl.h>
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

/* Columns of the terminal on stdout (COLUMNS when it says, else the
 * terminal's own size), or nil when stdout is not a terminal. */
static int sys_term_width(lua_State *L)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        lua_pushinteger(L, ws.ws_col);
    else
        lua_pushnil(L);
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
    {"_term_width", sys_term_width, LGL_FN, "gl._term_width() -> columns or nil",
     "The width of the terminal on stdout, nil when stdout is not a terminal."},
    {"_clear_interrupt", sys_clear_interrupt, LGL_FN, "gl._clear_interrupt()",
     "Clears the engine's Ctrl-C flag after an interruption was handled."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_sys(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
