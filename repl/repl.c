/*
 * repl.c — the read-eval-print loop.
 *
 * Readline's callback interface reads keys as poll() says they arrive; poll
 * wakes at least every 30 ms to call repl_idle_hook (the window pumps its
 * events). A finished line is handed over by the line handler, which removes
 * itself so that nothing is redrawn while the chunk runs; the loop puts the
 * prompt back afterwards.
 *
 * Chunks follow lua.c: "return <text>" first so expressions print, else the
 * text as statements; a syntax error at <eof> means "read another line". As
 * in Torch7's th, a trailing ';' hides the values and `_` holds the last one.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>

#include "gradlab.h"
#include "internal.h"
#include "repl.h"

void (*repl_idle_hook)(void) = NULL;

#define PROMPT "gl> "
#define PROMPT_MORE "..> "
#define EOFMARK "<eof>"

enum { IDLE_MS = 25 }; /* poll() may sleep a little longer than asked: stay under 30 ms */

/* ------------------------------------------------------------ compiling */

static bool incomplete(lua_State *L, int status)
{
    if (status != LUA_ERRSYNTAX)
        return false;
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    size_t mark = sizeof(EOFMARK) - 1;
    return len >= mark && strcmp(msg + len - mark, EOFMARK) == 0;
}

/* The state of a chunk being read over several lines. */
static char *chunk;            /* the lines so far, joined by '\n'; NULL if none */
static bool more_as_expr_only; /* only "return <chunk>" was incomplete */

repl_chunk_status repl_compile(lua_State *L, const char *text, bool *is_expr)
{
    *is_expr = false;
    bool went_on_as_expr = more_as_expr_only; /* the earlier lines needed it */
    more_as_expr_only = false;
    const char *ret = lua_pushfstring(L, "return %s", text);
    int status = luaL_loadbuffer(L, ret, strlen(ret), REPL_CHUNKNAME);
    lua_remove(L, -2);
    if (status == LUA_OK) {
        *is_expr = true;
        return REPL_CHUNK_OK;
    }
    bool expr_incomplete = incomplete(L, status);
    /* keep the expression's error: it is the better one when only the
     * expression could go on ("1 +" then a bad line) */
    int exprerr = lua_gettop(L);

    status = luaL_loadbuffer(L, text, strlen(text), REPL_CHUNKNAME);
    if (status == LUA_OK) {
        lua_remove(L, exprerr);
        return REPL_CHUNK_OK;
    }
    if (incomplete(L, status) || expr_incomplete) {
        more_as_expr_only = !incomplete(L, status);
        lua_pop(L, 2);
        return REPL_CHUNK_INCOMPLETE;
    }
    lua_remove(L, went_on_as_expr ? exprerr + 1 : exprerr);
    return REPL_CHUNK_ERROR;
}

bool repl_is_quiet(const char *text)
{
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    return n > 0 && text[n - 1] == ';';
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int repl_exec(lua_State *L, bool is_expr, bool quiet, double *elapsed)
{
    int base = lua_gettop(L); /* the function */
    double t0 = now();
    int status = repl_docall(L, 0, LUA_MULTRET);
    if (elapsed)
        *elapsed = now() - t0;
    fflush(stdout);
    if (status != LUA_OK)
        return repl_report(L, status);
    if (is_expr && lua_gettop(L) >= base) {
        lua_pushvalue(L, base);
        lua_setglobal(L, "_");
        if (!quiet)
            repl_print_values(L, base);
    }
    lua_settop(L, base - 1);
    return status;
}

/* ----------------------------------------------------------- the loop */

static bool line_ready; /* the handler has handed over a line */
static char *line_in;   /* that line (NULL at end of input) */
static bool quitting;
static volatile sig_atomic_t resized;

static void on_line(char *line)
{
    rl_callback_handler_remove(); /* no prompt while the chunk runs */
    line_ready = true;
    line_in = line;
}

static void on_winch(int sig)
{
    (void)sig;
    resized = 1;
}

static void install_prompt(void)
{
    fflush(stdout);
    fflush(stderr);
    rl_callback_handler_install(chunk ? PROMPT_MORE : PROMPT, on_line);
}

static void drop_chunk(void)
{
    free(chunk);
    chunk = NULL;
    more_as_expr_only = false;
}

/* Adds one line to the chunk and runs the chunk once it is complete. */
static void handle_line(lua_State *L, const char *line)
{
    if (chunk == NULL) {
        const char *p = line + strspn(line, " \t");
        if (*p == '\0')
            return;
        if (repl_is_meta(p)) {
            repl_history_add(line);
            if (repl_meta(L, p))
                quitting = true;
            return;
        }
        chunk = strdup(line);
    } else {
        size_t a = strlen(chunk), b = strlen(line);
        char *grown = realloc(chunk, a + b + 2);
        if (grown == NULL) {
            repl_message("out of memory; input dropped");
            drop_chunk();
            return;
        }
        chunk = grown;
        chunk[a] = '\n';
        memcpy(chunk + a + 1, line, b + 1);
    }
    if (chunk == NULL)
        return;

    bool is_expr;
    repl_chunk_status st = repl_compile(L, chunk, &is_expr);
    if (st == REPL_CHUNK_INCOMPLETE)
        return;
    repl_history_add(chunk);
    if (st == REPL_CHUNK_ERROR)
        repl_report(L, LUA_ERRSYNTAX);
    else
        repl_exec(L, is_expr, repl_is_quiet(chunk), NULL);
    drop_chunk();
}

/* End of input (Ctrl-D on an empty line): leave, or, in the middle of a
 * chunk, say why it cannot run and go back to the first prompt. */
static void handle_eof(lua_State *L)
{
    /* with bracketed paste on, Readline has ended the line already, and goes
     * on doing so at each line while rl_eof_found stays set */
    const char *bp = rl_variable_value("enable-bracketed-paste");
    if (bp == NULL || strcmp(bp, "on") != 0)
        fputs("\n", stdout);
    rl_eof_found = 0;
    if (chunk == NULL) {
        quitting = true;
        return;
    }
    /* compile once more for the message (a syntax error at <eof>) */
    const char *text = more_as_expr_only ? lua_pushfstring(L, "return %s", chunk) : chunk;
    int status = luaL_loadbuffer(L, text, strlen(text), REPL_CHUNKNAME);
    if (status != LUA_OK)
        repl_report(L, status);
    repl_history_add(chunk);
    drop_chunk();
}

/* Ctrl-C at the prompt: drop the line (and any unfinished chunk) and show a
 * fresh prompt. */
static void prompt_interrupted(void)
{
    repl_sigint_pending = 0;
    rl_free_line_state();
    rl_callback_sigcleanup();
    rl_callback_handler_remove();
    fputs("^C\n", stdout);
    drop_chunk();
    install_prompt();
}

int repl_run(lua_State *L)
{
    repl_interactive = true;
    quitting = false;
    rl_readline_name = "gradlab";
    rl_catch_signals = 0; /* run.c handles SIGINT */
    rl_catch_sigwinch = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);

    repl_complete_init(L);
    repl_history_open();
    lua_settop(L, 0);

    install_prompt();
    while (!quitting) {
        if (repl_sigint_pending)
            prompt_interrupted();
        if (resized) {
            resized = 0;
            rl_resize_terminal();
        }
        struct pollfd pfd = {.fd = fileno(rl_instream ? rl_instream : stdin), .events = POLLIN};
        int n = poll(&pfd, 1, IDLE_MS);
        if (n < 0 && errno != EINTR) {
            repl_message(strerror(errno));
            break;
        }
        if (n > 0) {
            if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
                rl_callback_read_char();
            if (!line_ready && (pfd.revents & POLLNVAL))
                break;
        }
        if (line_ready) {
            line_ready = false;
            char *line = line_in;
            line_in = NULL;
            if (line == NULL)
                handle_eof(L);
            else
                handle_line(L, line);
            free(line);
            lua_settop(L, 0);
            if (!quitting)
                install_prompt();
        }
        if (repl_idle_hook)
            repl_idle_hook();
    }
    rl_callback_handler_remove();
    drop_chunk();
    repl_history_close();
    fflush(stdout);
    return 0;
}
