/*
 * history.c — the history file: ~/.gradlab_history, or $GRADLAB_HISTORY.
 *
 * Only complete chunks are added, a multi-line chunk as one entry: entries
 * are written with timestamps, which is how Readline tells where a
 * multi-line entry ends when it reads the file back. Each entry is appended
 * as soon as it is added, so a crash loses nothing; at the end the file is
 * cut to the newest HISTORY_MAX entries. A file that cannot be
 * written is a warning, once; the session keeps its history in memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>

#include "internal.h"

enum { HISTORY_MAX = 2000 };

static char *path;     /* NULL: no file */
static bool writable;

static void warn_unwritable(int err)
{
    fflush(stdout);
    fprintf(stderr, "%s: warning: cannot write the history file %s (%s); history will not be saved\n",
            REPL_PROGNAME, path, strerror(err));
    fflush(stderr);
    writable = false;
}

void repl_history_open(void)
{
    const char *env = getenv("GRADLAB_HISTORY");
    free(path);
    path = NULL;
    writable = false;
    if (env != NULL && env[0] != '\0') {
        path = strdup(env);
    } else {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] == '\0') {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (home != NULL) {
            size_t n = strlen(home) + sizeof "/.gradlab_history";
            path = malloc(n);
            if (path)
                snprintf(path, n, "%s/.gradlab_history", home);
        }
    }
    using_history();
    history_comment_char = '#'; /* timestamps are "#<seconds>" lines */
    history_write_timestamps = 1;
    history_multiline_entries = 1;
    if (path == NULL)
        return;
    read_history(path); /* a missing file is an empty history */

    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd < 0) {
        warn_unwritable(errno);
        return;
    }
    close(fd);
    writable = true;
}

void repl_history_add(const char *chunk)
{
    if (chunk == NULL || chunk[strspn(chunk, " \t\n")] == '\0')
        return;
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (last != NULL && strcmp(last->line, chunk) == 0)
        return; /* the same again: once is enough */
    add_history(chunk);
    if (writable) {
        int err = append_history(1, path);
        if (err != 0)
            warn_unwritable(err);
    }
}

void repl_history_close(void)
{
    /* keep the newest HISTORY_MAX entries; history_truncate_file would count
     * lines and could cut a multi-line entry in two. Read the file again:
     * other sessions may have appended to it. */
    if (writable) {
        clear_history();
        if (read_history(path) == 0 && history_length > HISTORY_MAX) {
            stifle_history(HISTORY_MAX);
            write_history(path);
            unstifle_history();
        }
    }
    free(path);
    path = NULL;
    writable = false;
}
