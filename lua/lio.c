/*
 * lio.c — tensors in files: gl.save_npy / gl.load_npy (NumPy's .npy) and
 * gl.load_csv. The formats live in the engine (engine/npy.c, engine/csv.c:
 * gl_npy_parse, gl_npy_write, gl_csv_parse); this file reads the bytes,
 * calls them and turns their errors into Lua errors prefixed with the
 * function's name ("load_npy: x.npy: truncated header").
 *
 * A file is mapped (or, when it can't be, read) whole, parsed and unmapped
 * before anything can raise, so no mapping or buffer leaks through a
 * longjmp; the CSV header's names, which must outlive the C part, are held
 * by an lgl_guard.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lgl.h"

#define ERRSZ 512

/* A file's bytes: mapped when it is a regular file, else read into memory. */
typedef struct {
    void *data;
    size_t len;
    bool mapped;
} file_bytes;

static int read_file(const char *op, const char *path, file_bytes *fb, char *err)
{
    memset(fb, 0, sizeof *fb);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, ERRSZ, "%s: %s: %s", op, path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            close(fd);
            *fb = (file_bytes){p, (size_t)st.st_size, true};
            return 0;
        }
    }
    /* pipes, /dev/stdin, empty files, or mmap refused: read until the end */
    size_t cap = 0, len = 0;
    char *buf = NULL;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = ncap > cap ? realloc(buf, ncap) : NULL;
            if (!nb) {
                snprintf(err, ERRSZ, "%s: %s: out of memory after %zu bytes", op, path, len);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, ERRSZ, "%s: %s: %s", op, path, strerror(errno));
            goto fail;
        }
        len += (size_t)n;
    }
    close(fd);
    *fb = (file_bytes){buf, len, false};
    return 0;
fail:
    free(buf);
    close(fd);
    return -1;
}

static void file_free(file_bytes *fb)
{
    if (fb->mapped)
        munmap(fb->data, fb->len);
    else
        free(fb->data);
    fb->data = NULL;
}

/* ------------------------------------------------------------- save_npy */

static int io_save_npy(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    const char *path = luaL_checkstring(L, 2);
    if (gl_npy_write(t, path) != 0)
        return luaL_error(L, "save_npy: %s", gl_error());
    return 0;
}

/* ------------------------------------------------------------- load_npy */

static int io_load_npy(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gl_tensor **slot = lgl_newslot(L);
    char err[ERRSZ];
    file_bytes fb;
    if (read_file("load_npy", path, &fb, err) != 0)
        return luaL_error(L, "%s", err);
    gl_tensor *t = gl_npy_parse(fb.data, fb.len, path);
    file_free(&fb);
    if (!t)
        return luaL_error(L, "load_npy: %s", gl_error());
    lgl_set(L, slot, t);
    return 1;
}

/* ------------------------------------------------------------- load_csv */

static int io_load_csv(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gl_csv_header header = GL_CSV_HEADER_GUESS;
    if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "header") != LUA_TNIL)
        header = lua_toboolean(L, -1) ? GL_CSV_HEADER_PRESENT : GL_CSV_HEADER_NONE;
    lua_settop(L, 2);
    gl_dtype dt = lgl_opt_dtype(L, 2, GL_FLOAT32);
    char sep = ',';
    if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "sep") != LUA_TNIL) {
        const char *s = lua_tostring(L, -1);
        luaL_argcheck(L, s && strlen(s) == 1, 2, "sep must be a one-character string");
        sep = s[0];
    }
    lua_settop(L, 2);
    gl_tensor **slot = lgl_newslot(L); /* 3 */
    char **names_guard = lgl_guard(L); /* 4 */
    char err[ERRSZ];
    file_bytes fb;
    if (read_file("load_csv", path, &fb, err) != 0)
        return luaL_error(L, "%s", err);
    char **names;
    gl_tensor *t = gl_csv_parse(fb.data, fb.len, path, sep, header, dt, &names);
    file_free(&fb);
    if (!t)
        return luaL_error(L, "load_csv: %s", gl_error());
    *names_guard = (char *)names;
    lgl_set(L, slot, t);
    if (!names) {
        lua_pushnil(L);
    } else {
        lua_createtable(L, (int)gl_size(t, 1), 0);
        for (int i = 0; names[i]; i++) {
            lua_pushstring(L, names[i]);
            lua_rawseti(L, -2, i + 1);
        }
    }
    lua_replace(L, 4); /* the guard frees the names when collected */
    return 2;
}

static const lgl_reg fns[] = {
    {"save_npy", io_save_npy, LGL_FN, "gl.save_npy(t, path)",
     "Writes t to a NumPy .npy file (format 1.0, C order, little-endian '<f4', '<f8', '<i8' or '|b1'), "
     "readable by numpy.load."},
    {"load_npy", io_load_npy, LGL_FN, "gl.load_npy(path) -> Tensor",
     "Reads a NumPy .npy file (formats 1.0-3.0; '<f4' '<f8' '<i8' '|b1', and '<i4' as int64). "
     "A fortran_order file is transposed into C order. Errors name the file and the problem."},
    {"load_csv", io_load_csv, LGL_FN, "gl.load_csv(path[, {header=, dtype=, sep=}]) -> Tensor, names",
     "Reads a CSV file of numbers as a 2-D tensor (rows, columns), float32 unless dtype says "
     "otherwise. header: true/false, or nil to treat a first line with a non-number as the header; "
     "the header's names come back as a second result (nil without one). Empty fields are NaN; "
     "blank lines and lines starting with '#' are skipped."},
    {NULL, NULL, 0, NULL, NULL},
};

void lgl_open_io(lua_State *L, const lgl_tables *tb) { lgl_register(L, tb, fns); }
