/*
 * main.c — the command line of `gradlab`.
 *
 *   gradlab                      the REPL (input that is not a terminal: a script)
 *   gradlab FILE.lua [ARGS]      run a script; `arg` as lua.c makes it
 *   gradlab -e CODE              run CODE (may repeat, before a script)
 *   gradlab -i FILE [ARGS]       run the script, then the REPL
 *   gradlab lesson [NAME|N] [--check]
 *   gradlab lessons
 *   gradlab --help | --version
 *
 * Exit status: 0, or 1 after an uncaught error (the message and a traceback
 * on stderr) or a bad command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "gradlab.h"
#include "internal.h"
#include "repl.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gradlab [options] [script.lua [args]]\n"
            "       gradlab lesson [NAME|N] [--check]\n"
            "       gradlab lessons\n"
            "\n"
            "With no script: the REPL at a terminal, else the script read from stdin.\n"
            "\n"
            "options:\n"
            "  -e CODE        run CODE (Lua); may be given more than once\n"
            "  -i             stay interactive after the script and -e (gradlab -i FILE)\n"
            "  -              read the script from stdin\n"
            "  --             stop handling options\n"
            "  -h, --help     show this help\n"
            "  -v, --version  show the version\n"
            "\n"
            "lessons:\n"
            "  lesson [NAME|N]     play a lesson, then stay at the prompt to try it\n"
            "  lesson N --check    replay it with no pauses and no window; exit 1 if off\n"
            "  lessons             list the lessons\n"
            "\n"
            "In the REPL, :help lists the commands. History: ~/.gradlab_history\n"
            "(or $GRADLAB_HISTORY). NO_COLOR turns colors off.\n");
}

/* arg[0] is the script (or the program), arg[1..] its arguments, the
 * program and options below 0: as lua.c does. */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
    lua_createtable(L, argc - script - 1 > 0 ? argc - script - 1 : 0, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

static int finish(lua_State *L, int code)
{
    fflush(stdout);
    repl_pipe_check();
    lua_close(L);
    return code;
}

static int run_lesson(int argc, char **argv)
{
    const char *name = NULL;
    int check = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) {
            check = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "%s: unknown option '%s' for lesson\n", REPL_PROGNAME, argv[i]);
            return EXIT_FAILURE;
        } else if (name == NULL) {
            name = argv[i];
        } else {
            fprintf(stderr, "%s: lesson takes one NAME or N\n", REPL_PROGNAME);
            return EXIT_FAILURE;
        }
    }
    lua_State *L = repl_newstate();
    if (L == NULL)
        return EXIT_FAILURE;
    create_arg_table(L, argv, argc, 0);
    int r = repl_lessons_play(L, name, check);
    if (r == 2 || check || !isatty(STDIN_FILENO))
        return finish(L, r == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
    /* the lesson ends with "try it" at the prompt, its variables in scope */
    repl_run(L);
    return finish(L, EXIT_SUCCESS);
}

static int run_lessons(int argc, char **argv)
{
    lua_State *L = repl_newstate();
    if (L == NULL)
        return EXIT_FAILURE;
    create_arg_table(L, argv, argc, 0);
    return finish(L, repl_lessons_list(L) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

int main(int argc, char **argv)
{
    repl_signals_init();
    repl_print_init();

    if (argc >= 2 && strcmp(argv[1], "lesson") == 0)
        return run_lesson(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "lessons") == 0)
        return run_lessons(argc, argv);

    /* options up to the script */
    bool interactive = false, any_e = false, from_stdin = false;
    int script = 0;
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            break;
        if (strcmp(a, "-") == 0) {
            from_stdin = true;
            script = i;
            break;
        }
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return EXIT_SUCCESS;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("gradlab %s (%s)\n", GRADLAB_VERSION, LUA_RELEASE);
            return EXIT_SUCCESS;
        }
        if (strcmp(a, "-i") == 0) {
            interactive = true;
        } else if (strcmp(a, "-e") == 0) {
            if (++i >= argc) {
                fprintf(stderr, "%s: '-e' needs an argument\n", REPL_PROGNAME);
                usage(stderr);
                return EXIT_FAILURE;
            }
            any_e = true;
        } else {
            fprintf(stderr, "%s: unknown option '%s'\n", REPL_PROGNAME, a);
            usage(stderr);
            return EXIT_FAILURE;
        }
    }
    if (script == 0 && i < argc)
        script = i;

    lua_State *L = repl_newstate();
    if (L == NULL)
        return EXIT_FAILURE;
    create_arg_table(L, argv, argc, script);

    /* -e chunks, in order */
    for (int k = 1; k < (script ? script : argc); k++) {
        if (strcmp(argv[k], "--") == 0)
            break;
        if (strcmp(argv[k], "-e") == 0) {
            if (repl_run_string(L, argv[++k], "=(command line)") != LUA_OK)
                return finish(L, EXIT_FAILURE);
        }
    }

    bool tty = isatty(STDIN_FILENO);
    if (script != 0) {
        /* with -i at a terminal, stay to look at what the script left (as python -i) */
        if (repl_run_script(L, from_stdin ? NULL : argv[script]) != LUA_OK && !(interactive && tty))
            return finish(L, EXIT_FAILURE);
    } else if (!interactive && !any_e && !tty) {
        if (repl_run_script(L, NULL) != LUA_OK) /* input that is not a terminal */
            return finish(L, EXIT_FAILURE);
    }
    if (interactive || (script == 0 && !any_e)) {
        if (tty && script == 0 && !any_e)
            printf("gradlab %s (%s) · :help for help · :lessons for the lessons · Ctrl-D quits\n",
                   GRADLAB_VERSION, LUA_RELEASE);
        if (tty)
            repl_run(L);
        else if (interactive && repl_run_script(L, NULL) != LUA_OK)
            return finish(L, EXIT_FAILURE);
    }
    return finish(L, EXIT_SUCCESS);
}
