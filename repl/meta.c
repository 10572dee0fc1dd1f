/*
 * meta.c — the REPL's meta-commands: a line starting with ':' and a letter
 * (Lua never starts a statement so; `::label::` is left to Lua), or with '?'
 * (`?gl.tensor` is `:help gl.tensor`). A command may be shortened to any
 * unique prefix (`:q`).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "internal.h"

static bool cmd_help(lua_State *L, const char *arg);
static bool cmd_time(lua_State *L, const char *arg);
static bool cmd_lessons(lua_State *L, const char *arg);
static bool cmd_lesson(lua_State *L, const char *arg);
static bool cmd_next(lua_State *L, const char *arg);
static bool cmd_quit(lua_State *L, const char *arg);

static const struct {
    const char *name, *args, *help;
    bool (*run)(lua_State *L, const char *arg);
} commands[] = {
    {"help", "[NAME]", "this help; with a name, help on that value (also ?NAME)", cmd_help},
    {"time", "EXPR", "run EXPR, print its value and the wall time", cmd_time},
    {"lessons", "", "list the lessons", cmd_lessons},
    {"lesson", "N|NAME", "play a lesson", cmd_lesson},
    {"next", "", "go on to the next step of the lesson", cmd_next},
    {"quit", "", "leave gradlab (Ctrl-D does too)", cmd_quit},
};
enum { NCOMMANDS = sizeof commands / sizeof *commands };

bool repl_is_meta(const char *line)
{
    return (line[0] == ':' && isalpha((unsigned char)line[1])) || line[0] == '?';
}

static void out(const char *s)
{
    fputs(s, stdout);
    fflush(stdout);
    repl_pipe_check();
}

/* ------------------------------------------------------------ :help */

static void help_text(void)
{
    char line[256];
    out("gradlab: type Lua. The value of an expression is printed; a trailing ';' hides it,\n"
        "and `_` holds the last value. `gl` is the gradlab module (gl.tensor, gl.nn, gl.optim, ...).\n"
        "Tab completes names, fields and methods (gl.ten<Tab>, x:ba<Tab>). Ctrl-C clears the line,\n"
        "or stops running code with every variable kept. Commands:\n");
    for (int i = 0; i < NCOMMANDS; i++) {
        char head[32];
        snprintf(head, sizeof head, ":%s %s", commands[i].name, commands[i].args);
        snprintf(line, sizeof line, "  %-16s %s\n", head, commands[i].help);
        out(line);
    }
}

/* Evaluates expr; pushes its value and returns true, or reports. */
static bool eval(lua_State *L, const char *expr)
{
    const char *code = lua_pushfstring(L, "return %s", expr);
    int status = luaL_loadbuffer(L, code, strlen(code), REPL_CHUNKNAME);
    lua_remove(L, -2);
    if (status == LUA_OK)
        status = repl_docall(L, 0, 1);
    return repl_report(L, status) == LUA_OK;
}

static bool cmd_help(lua_State *L, const char *arg)
{
    if (arg[0] == '\0') {
        help_text();
        return false;
    }
    int top = lua_gettop(L);
    if (!eval(L, arg))
        return false;
    int value = lua_gettop(L);
    if (lua_getglobal(L, "gl") == LUA_TTABLE && lua_getfield(L, -1, "help") == LUA_TFUNCTION) {
        int base = lua_gettop(L);
        lua_pushvalue(L, value);
        int status = repl_docall(L, 1, LUA_MULTRET);
        if (repl_report(L, status) == LUA_OK) {
            /* print what it returned (a help text), if anything but nil */
            int first = base;
            while (first <= lua_gettop(L) && lua_isnil(L, first))
                first++;
            if (first <= lua_gettop(L))
                repl_print_values(L, base);
        }
    } else {
        repl_print_values(L, value);
        out("(no gl.help in this build: the value is shown)\n");
    }
    lua_settop(L, top);
    return false;
}

/* ------------------------------------------------------------ :time */

static bool cmd_time(lua_State *L, const char *arg)
{
    if (arg[0] == '\0') {
        out("usage: :time EXPR\n");
        return false;
    }
    bool is_expr;
    int top = lua_gettop(L);
    switch (repl_compile(L, arg, &is_expr)) {
    case REPL_CHUNK_INCOMPLETE:
        repl_message(":time needs a complete expression or statement on one line");
        return false;
    case REPL_CHUNK_ERROR:
        repl_report(L, LUA_ERRSYNTAX);
        return false;
    case REPL_CHUNK_OK:
        break;
    }
    double t;
    repl_exec(L, is_expr, repl_is_quiet(arg), &t);
    char line[64];
    if (t < 1e-3)
        snprintf(line, sizeof line, "time: %.1f us\n", t * 1e6);
    else if (t < 1)
        snprintf(line, sizeof line, "time: %.3f ms\n", t * 1e3);
    else
        snprintf(line, sizeof line, "time: %.3f s\n", t);
    out(line);
    lua_settop(L, top);
    return false;
}

/* ---------------------------------------------------------- lessons */

static bool cmd_lessons(lua_State *L, const char *arg)
{
    (void)arg;
    repl_lessons_list(L);
    return false;
}

static bool cmd_lesson(lua_State *L, const char *arg)
{
    repl_lessons_play(L, arg[0] ? arg : NULL, -1);
    return false;
}

static bool cmd_next(lua_State *L, const char *arg)
{
    (void)arg;
    repl_lessons_next(L);
    return false;
}

static bool cmd_quit(lua_State *L, const char *arg)
{
    (void)L;
    (void)arg;
    return true;
}

/* -------------------------------------------------------- dispatch */

bool repl_meta(lua_State *L, const char *line)
{
    const char *name, *arg;
    size_t len;
    if (line[0] == '?') {
        name = "help";
        len = 4;
        arg = line + 1;
    } else {
        name = line + 1;
        len = strcspn(name, " \t");
        arg = name + len;
    }
    arg += strspn(arg, " \t");
    /* the argument without trailing blanks */
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", arg);
    for (size_t n = strlen(buf); n > 0 && isspace((unsigned char)buf[n - 1]); n--)
        buf[n - 1] = '\0';

    int found = -1, matches = 0;
    for (int i = 0; i < NCOMMANDS; i++) {
        if (strlen(commands[i].name) == len && strncmp(commands[i].name, name, len) == 0) {
            found = i;
            matches = 1;
            break;
        }
        if (strncmp(commands[i].name, name, len) == 0) {
            found = i;
            matches++;
        }
    }
    if (matches == 1)
        return commands[found].run(L, buf);
    if (len == 4 && strncmp(name, "exit", 4) == 0)
        return true;
    char msg[160];
    snprintf(msg, sizeof msg, "%s command ':%.*s' (type :help for the list)",
             matches > 1 ? "ambiguous" : "unknown", (int)(len > 40 ? 40 : len), name);
    fflush(stdout);
    fprintf(stderr, "%s%s%s\n", repl_color_error(), msg, repl_color_reset_err());
    fflush(stderr);
    return false;
}
