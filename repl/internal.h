/*
 * internal.h — what the files of repl/ share with each other (not for other
 * parts of gradlab: see repl.h for those).
 *
 *   main.c     the command line
 *   state.c    a new Lua state: libraries, `gradlab` as `gl`, warn mode
 *   run.c      running chunks: traceback handler, Ctrl-C, error reports, scripts
 *   pipe.c     output to a closed pipe ends the program quietly
 *   repl.c     the read-eval-print loop (Readline callback interface)
 *   history.c  the history file
 *   complete.c tab completion
 *   print.c    printing values (tables pretty-printed, colors)
 *   meta.c     meta-commands (:help, :time, ...)
 *   lessons.c  calls into the Lua module gradlab.lessons
 */
#ifndef GRADLAB_REPL_INTERNAL_H
#define GRADLAB_REPL_INTERNAL_H

#include <lua.h>
#include <signal.h>
#include <stdbool.h>

#define REPL_PROGNAME "gradlab"
#define REPL_CHUNKNAME "=stdin"

/* ------------------------------------------------------------ state.c */

/* A new state with the standard libraries, `gradlab` required and set as the
 * global `gl`, broadcast warnings in "warn" mode and pipe-safe output. On
 * failure prints why and returns NULL. */
lua_State *repl_newstate(void);

/* ------------------------------------------------------------- run.c */

/* Installs the SIGINT handler (and ignores SIGPIPE). Call once, early. */
void repl_signals_init(void);

/* Set by SIGINT when no chunk is running (at the prompt); the loop clears it. */
extern volatile sig_atomic_t repl_sigint_pending;

/* Calls the function below narg arguments on L's stack, like lua_pcall, with a
 * traceback handler and Ctrl-C armed: SIGINT stops it with "interrupted!" and
 * sets gl_interrupted (cleared to 0 before the call). Returns the status; on
 * error the message (with traceback) is on the stack. */
int repl_docall(lua_State *L, int narg, int nres);

/* If status is not LUA_OK, prints the message on top of the stack to stderr
 * (prefixed with "gradlab: " unless interactive, traceback shortened if
 * interactive) and pops it. Returns status. */
int repl_report(lua_State *L, int status);

/* Whether errors are reported for the REPL (short, no program name). */
extern bool repl_interactive;

/* "gradlab: msg" on stderr. */
void repl_message(const char *msg);

/* Runs a script: fname NULL reads stdin. The arguments (`...`) are the
 * values of arg[1..n] of the global `arg`. Returns a Lua status (reported). */
int repl_run_script(lua_State *L, const char *fname);

/* Runs a string as a chunk named name. Returns a Lua status (reported). */
int repl_run_string(lua_State *L, const char *code, const char *name);

/* ------------------------------------------------------------ pipe.c */

/* Wraps print, io.write and the write/flush methods of files so that a write
 * to a stdout whose reader has gone (EPIPE) ends the program quietly. */
void repl_pipe_guard(lua_State *L);

/* Ends the program quietly if stdout failed with EPIPE. */
void repl_pipe_check(void);

/* ----------------------------------------------------------- print.c */

/* Whether values on stdout / messages on stderr are colored: set by
 * repl_print_init from isatty and NO_COLOR. */
extern bool repl_color_out, repl_color_err;
void repl_print_init(void);

/* Prints the values from stack index first to the top through the global
 * `print` (tables pretty-printed, colored by type when enabled). Leaves the
 * stack as it was. Errors of __tostring are reported, not raised. */
void repl_print_values(lua_State *L, int first);

/* ANSI sequences, or "" when color is off. */
const char *repl_color_error(void);
const char *repl_color_reset_err(void);

/* ----------------------------------------------------------- repl.c */

/* The outcome of compiling a (possibly partial) chunk. */
typedef enum {
    REPL_CHUNK_OK,         /* the function is pushed */
    REPL_CHUNK_INCOMPLETE, /* more lines may complete it; nothing pushed */
    REPL_CHUNK_ERROR       /* the syntax error message is pushed */
} repl_chunk_status;

/* Compiles text as "return <text>" if that is valid Lua (*is_expr set true),
 * else as a statement. */
repl_chunk_status repl_compile(lua_State *L, const char *text, bool *is_expr);

/* Runs the function on top of the stack (from repl_compile) and prints its
 * values unless quiet; sets `_` to the first value of an expression. Returns
 * the Lua status (the error is reported). If elapsed is not NULL it receives
 * the wall time in seconds. */
int repl_exec(lua_State *L, bool is_expr, bool quiet, double *elapsed);

/* Whether text, less trailing spaces, ends with ';' (print nothing). */
bool repl_is_quiet(const char *text);

/* --------------------------------------------------------- history.c */

void repl_history_open(void);
void repl_history_add(const char *chunk);
void repl_history_close(void);

/* -------------------------------------------------------- complete.c */

void repl_complete_init(lua_State *L);

/* ------------------------------------------------------------ meta.c */

/* Whether line is a meta-command (":name ..." or "?name"). */
bool repl_is_meta(const char *line);

/* Runs a meta-command. Returns true if the session should end. */
bool repl_meta(lua_State *L, const char *line);

/* --------------------------------------------------------- lessons.c */

/* The lessons module, require("gradlab.lessons"): calls its functions and
 * reports errors. Each returns 0 on success, 1 if the function raised or
 * returned false, 2 if the module or the function is missing (reported).
 * name_or_number NULL passes
 * nil; a string of digits is passed as an integer. check < 0 passes {} as
 * the options, else {check = check}. */
int repl_lessons_play(lua_State *L, const char *name_or_number, int check);
int repl_lessons_list(lua_State *L);
int repl_lessons_next(lua_State *L);

#endif
