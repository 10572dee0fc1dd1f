/*
 * run.c — running chunks as lua.c does: every call under lua_pcall with a
 * traceback handler; Ctrl-C only sets a hook that raises "interrupted!" at the
 * next safe point (and the engine's flag, which its long loops check).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "gradlab.h"
#include "internal.h"

bool repl_interactive = false;
volatile sig_atomic_t repl_sigint_pending = 0;

static lua_State *volatile running_L; /* the state whose chunk runs, or NULL */
static volatile sig_atomic_t sigint_count;

/* ---------------------------------------------------------------- Ctrl-C */

static void lstop(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

/* A SIGINT while a chunk runs arms the hook; one at the prompt is left to the
 * loop. A third one in the same chunk (stuck in C code that never returns to
 * Lua) ends the program. */
static void on_sigint(int sig)
{
    (void)sig;
    lua_State *L = running_L;
    if (L == NULL) {
        repl_sigint_pending = 1;
        return;
    }
    gl_interrupted = 1;
    if (++sigint_count >= 3) {
        static const char msg[] = "\n" REPL_PROGNAME ": interrupted 3 times; quitting\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
    lua_sethook(L, lstop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void repl_signals_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: poll() and read() return EINTR */
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ------------------------------------------------------------ calling */

static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) { /* not a string: __tostring, or name the type */
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int repl_docall(lua_State *L, int narg, int nres)
{
    int base = lua_gettop(L) - narg;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    lua_sethook(L, NULL, 0, 0);
    gl_interrupted = 0;
    sigint_count = 0;
    lua_State *outer = running_L; /* a nested call leaves the outer one armed */
    running_L = L;
    /* A Ctrl-C that came after the line was read but before running_L was
     * set (history, compiling) found no chunk and was left for the prompt,
     * which would then drop the next line while this chunk ran on: it was
     * meant for this chunk. */
    if (outer == NULL && repl_sigint_pending) {
        repl_sigint_pending = 0;
        gl_interrupted = 1;
        lua_sethook(L, lstop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    }
    int status = lua_pcall(L, narg, nres, base);
    running_L = outer;
    /* an interrupt that landed in C code may leave the hook armed */
    if (outer == NULL)
        lua_sethook(L, NULL, 0, 0);
    lua_remove(L, base);
    return status;
}

/* ---------------------------------------------------------- reporting */

void repl_message(const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "%s: %s\n", REPL_PROGNAME, msg);
    fflush(stderr);
}

/* Keeps the message and at most a few traceback lines, without the last
 * "[C]: in ?" (the REPL's own call) and lines about the REPL's plumbing. */
static void print_short(const char *msg)
{
    const char *tb = strstr(msg, "\nstack traceback:");
    const char *red = repl_color_error(), *reset = repl_color_reset_err();
    fflush(stdout);
    if (tb == NULL) {
        fprintf(stderr, "%s%s%s\n", red, msg, reset);
        return;
    }
    fprintf(stderr, "%s%.*s%s\nstack traceback:\n", red, (int)(tb - msg), msg, reset);
    const char *p = tb + strlen("\nstack traceback:");
    int shown = 0;
    enum { MAX_LINES = 8 };
    while (*p == '\n') {
        const char *line = p + 1;
        const char *end = strchr(line, '\n');
        if (end == NULL)
            end = line + strlen(line);
        int len = (int)(end - line);
        bool last = *end == '\0';
        bool skip = (last && strncmp(line, "\t[C]: in ?", (size_t)len) == 0 && len == 10);
        if (!skip) {
            if (shown == MAX_LINES) {
                fprintf(stderr, "\t...\n");
                break;
            }
            fprintf(stderr, "%.*s\n", len, line);
            shown++;
        }
        p = end;
    }
}

int repl_report(lua_State *L, int status)
{
    if (status == LUA_OK)
        return status;
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL)
        msg = "(error object is not a string)";
    if (repl_interactive)
        print_short(msg);
    else
        repl_message(msg);
    fflush(stderr);
    lua_pop(L, 1);
    return status;
}

/* ------------------------------------------------------------ scripts */

/* Pushes arg[1..n] of the global `arg`; returns n. */
static int push_args(lua_State *L)
{
    if (lua_getglobal(L, "arg") != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    int n = (int)luaL_len(L, -1);
    luaL_checkstack(L, n + 3, "too many arguments to script");
    for (int i = 1; i <= n; i++)
        lua_rawgeti(L, -i, i);
    lua_remove(L, -n - 1);
    return n;
}

int repl_run_script(lua_State *L, const char *fname)
{
    int top = lua_gettop(L);
    int status = luaL_loadfile(L, fname);
    if (status == LUA_OK) {
        int n = push_args(L);
        status = repl_docall(L, n, LUA_MULTRET);
        if (status == LUA_OK)
            lua_settop(L, top);
    }
    return repl_report(L, status);
}

int repl_run_string(lua_State *L, const char *code, const char *name)
{
    int status = luaL_loadbuffer(L, code, strlen(code), name);
    if (status == LUA_OK) {
        status = repl_docall(L, 0, 0);
    }
    return repl_report(L, status);
}
