/*
 * lio.c — tensors in files: gl.save_npy / gl.load_npy (NumPy's .npy format,
 * versions 1.0 to 3.0, C order; a fortran_order file is read and transposed
 * into C order) and gl.load_csv (numbers separated by commas, an optional
 * header line).
 *
 * The file work is plain C that never raises (so an open FILE or a buffer
 * can't leak through a longjmp): it reports a problem in a message buffer,
 * and the Lua function raises after cleaning up. Buffers that must outlive
 * the C part are held by lgl_guard userdata.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lgl.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lio.c writes and reads little-endian .npy data as is: port the byte swapping first"
#endif

#define ERRSZ 512
#define NPY_MAGIC "\x93NUMPY"

/* The .npy descr of each dtype we write; load also accepts '<i4' as int64. */
static const char *npy_descr(gl_dtype dt)
{
    switch (dt) {
    case GL_FLOAT32: return "<f4";
    case GL_FLOAT64: return "<f8";
    case GL_INT64: return "<i8";
    default: return "|b1";
    }
}

/* ------------------------------------------------------------- save_npy */

static int write_npy(const char *path, const gl_tensor *t, char *err)
{
    char header[1024];
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     npy_descr(gl_dtype_of(t)));
    for (int i = 0; i < gl_ndim(t); i++)
        n += snprintf(header + n, sizeof header - (size_t)n, "%lld,%s", (long long)gl_shape(t)[i],
                      i + 1 < gl_ndim(t) ? " " : "");
    if (gl_ndim(t) > 1) /* "(3,)" for one dim, "(2, 3)" for more */
        n--;
    n += snprintf(header + n, sizeof header - (size_t)n, "), }");
    /* pad with spaces to a multiple of 64 bytes, ending in '\n' (format 1.0) */
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t hlen = padded - 10;
    memset(header + n, ' ', hlen - (size_t)n - 1);
    header[hlen - 1] = '\n';

    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, ERRSZ, "save_npy: %s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    size_t nbytes = (size_t)gl_numel(t) * gl_dtype_size(gl_dtype_of(t));
    int ok = fwrite(pre, 1, sizeof pre, f) == sizeof pre && fwrite(header, 1, hlen, f) == hlen &&
             (nbytes == 0 || fwrite(gl_data_ptr(t), 1, nbytes, f) == nbytes);
    int saved_errno = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        saved_errno = errno;
    }
    if (!ok) {
        snprintf(err, ERRSZ, "save_npy: %s: write failed: %s", path, strerror(saved_errno));
        return -1;
    }
    return 0;
}

static int io_save_npy(lua_State *L)
{
    gl_tensor *t = lgl_check(L, 1);
    const char *path = luaL_checkstring(L, 2);
    gl_tensor **slot = lgl_newslot(L); /* the row-major copy (or t itself) */
    bool prev = gl_set_grad_enabled(false);
    gl_tensor *c = gl_contiguous(t);
    gl_set_grad_enabled(prev);
    lgl_set(L, slot, c);
    char err[ERRSZ];
    if (write_npy(path, c, err) != 0)
        return luaL_error(L, "%s", err);
    return 0;
}

/* ------------------------------------------------------------- load_npy */

/* The value of 'key' in a .npy header dict: points just after "'key':". */
static const char *dict_value(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

typedef struct {
    gl_dtype dt;
    int elem_size; /* in the file */
    int fortran;
    int ndim;
    int64_t shape[GL_MAX_DIMS];
} npy_header;

static int parse_npy_header(const char *h, npy_header *nh, char *err, const char *path)
{
    const char *d = dict_value(h, "descr"), *fo = dict_value(h, "fortran_order"),
               *sh = dict_value(h, "shape");
    if (!d || !fo || !sh || (*d != '\'' && *d != '"')) {
        snprintf(err, ERRSZ, "load_npy: %s: bad header (no descr, fortran_order or shape): %.120s", path, h);
        return -1;
    }
    char descr[16];
    size_t k = 0;
    for (d++; *d && *d != '\'' && *d != '"' && k + 1 < sizeof descr; d++)
        descr[k++] = *d;
    descr[k] = '\0';
    static const struct { const char *descr; gl_dtype dt; int size; } types[] = {
        {"<f4", GL_FLOAT32, 4}, {"=f4", GL_FLOAT32, 4}, {"<f8", GL_FLOAT64, 8}, {"=f8", GL_FLOAT64, 8},
        {"<i8", GL_INT64, 8},   {"=i8", GL_INT64, 8},   {"<i4", GL_INT64, 4},   {"=i4", GL_INT64, 4},
        {"|b1", GL_BOOL, 1},    {"<b1", GL_BOOL, 1},    {"=b1", GL_BOOL, 1},
    };
    nh->elem_size = 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(descr, types[i].descr) == 0) {
            nh->dt = types[i].dt;
            nh->elem_size = types[i].size;
        }
    if (!nh->elem_size) {
        snprintf(err, ERRSZ, "load_npy: %s: unsupported dtype '%s' (supported: <f4 <f8 <i8 <i4 |b1)", path,
                 descr);
        return -1;
    }
    nh->fortran = strncmp(fo, "True", 4) == 0;
    if (*sh != '(') {
        snprintf(err, ERRSZ, "load_npy: %s: bad shape in header: %.60s", path, sh);
        return -1;
    }
    nh->ndim = 0;
    for (const char *p = sh + 1;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || errno || nh->ndim == GL_MAX_DIMS) {
            snprintf(err, ERRSZ, "load_npy: %s: bad shape in header (at most %d dims of sizes >= 0): %.60s",
                     path, GL_MAX_DIMS, sh);
            return -1;
        }
        nh->shape[nh->ndim++] = v;
        p = end;
        if (*p == 'L') /* Python 2 longs */
            p++;
    }
    return 0;
}

/* Reads path into *out (a new tensor); -1 with err on any problem. */
static int read_npy(const char *path, gl_tensor **out, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, ERRSZ, "load_npy: %s: %s", path, strerror(errno));
        return -1;
    }
    unsigned char pre[12];
    char *header = NULL, *wide = NULL;
    gl_tensor *t = NULL;
    int rc = -1;
    if (fread(pre, 1, 8, f) != 8 || memcmp(pre, NPY_MAGIC, 6) != 0) {
        snprintf(err, ERRSZ, "load_npy: %s: not a .npy file (bad magic)", path);
        goto done;
    }
    size_t hlen;
    if (pre[6] == 1) {
        if (fread(pre + 8, 1, 2, f) != 2)
            goto truncated_header;
        hlen = pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if (fread(pre + 8, 1, 4, f) != 4)
            goto truncated_header;
        hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    } else {
        snprintf(err, ERRSZ, "load_npy: %s: unsupported .npy version %d.%d", path, pre[6], pre[7]);
        goto done;
    }
    if (hlen > (1u << 24)) {
        snprintf(err, ERRSZ, "load_npy: %s: header of %zu bytes is too long", path, hlen);
        goto done;
    }
    if (!(header = malloc(hlen + 1))) {
        snprintf(err, ERRSZ, "load_npy: %s: out of memory", path);
        goto done;
    }
    if (fread(header, 1, hlen, f) != hlen)
        goto truncated_header;
    header[hlen] = '\0';
    npy_header nh;
    if (parse_npy_header(header, &nh, err, path) != 0)
        goto done;

    int64_t shape[GL_MAX_DIMS]; /* as stored: reversed for fortran order */
    for (int i = 0; i < nh.ndim; i++)
        shape[i] = nh.fortran ? nh.shape[nh.ndim - 1 - i] : nh.shape[i];
    if (!(t = gl_empty(shape, nh.ndim, nh.dt))) {
        snprintf(err, ERRSZ, "load_npy: %s: %s", path, gl_error());
        goto done;
    }
    size_t numel = (size_t)gl_numel(t), want = numel * (size_t)nh.elem_size, got;
    if (nh.elem_size == 4 && nh.dt == GL_INT64) { /* '<i4' widened */
        if (!(wide = malloc(want + 1))) {
            snprintf(err, ERRSZ, "load_npy: %s: out of memory", path);
            goto done;
        }
        got = fread(wide, 1, want, f);
        int64_t *dst = gl_data_ptr(t);
        for (size_t i = 0; i < numel && (i + 1) * 4 <= got; i++) {
            int32_t v;
            memcpy(&v, wide + i * 4, 4);
            dst[i] = v;
        }
    } else {
        got = want ? fread(gl_data_ptr(t), 1, want, f) : 0;
    }
    if (got != want) {
        snprintf(err, ERRSZ, "load_npy: %s: truncated data: shape %s needs %zu bytes, the file has %zu", path,
                 gl_shape_str(nh.shape, nh.ndim, (char[160]){0}, 160), want, got);
        goto done;
    }
    if (nh.dt == GL_BOOL) { /* any nonzero byte is true; the engine keeps 0/1 */
        unsigned char *b = gl_data_ptr(t);
        for (size_t i = 0; i < numel; i++)
            b[i] = b[i] != 0;
    }
    if (nh.fortran && nh.ndim > 1) {
        int perm[GL_MAX_DIMS];
        for (int i = 0; i < nh.ndim; i++)
            perm[i] = nh.ndim - 1 - i;
        gl_tensor *p = gl_permute(t, perm, nh.ndim);
        gl_tensor *c = p ? gl_contiguous(p) : NULL;
        gl_release(p);
        if (!c) {
            snprintf(err, ERRSZ, "load_npy: %s: %s", path, gl_error());
            goto done;
        }
        gl_release(t);
        t = c;
    }
    *out = t;
    t = NULL;
    rc = 0;
    goto done;
truncated_header:
    snprintf(err, ERRSZ, "load_npy: %s: truncated header", path);
done:
    gl_release(t);
    free(header);
    free(wide);
    fclose(f);
    return rc;
}

static int io_load_npy(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    gl_tensor **slot = lgl_newslot(L);
    char err[ERRSZ];
    bool prev = gl_set_grad_enabled(false);
    int rc = read_npy(path, slot, err);
    gl_set_grad_enabled(prev);
    if (rc != 0)
        return luaL_error(L, "%s", err);
    lgl_account(L);
    return 1;
}

/* ------------------------------------------------------------- load_csv */

typedef struct {
    char **data;  /* guard slot: doubles, row-major */
    char **names; /* guard slot: header names, each NUL-terminated */
    size_t nvalues, cap;
    size_t names_len;
    int64_t rows, cols;
    int has_header;
} csv_result;

/* Splits line in place into fields (quotes "..." with "" inside allowed). */
static int split_fields(char *line, char sep, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        char *start = p, *w = p;
        if (*p == '"') {
            start = w = ++p;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            while (*p && *p != sep)
                p++;
        } else {
            while (*p && *p != sep)
                w = ++p;
            while (w > start && (w[-1] == ' ' || w[-1] == '\t'))
                w--;
        }
        int last = *p != sep;
        *w = '\0';
        if (n < max)
            fields[n] = start;
        n++;
        if (last)
            return n;
        p++;
    }
}

static int parse_number(const char *s, double *v)
{
    if (!*s) { /* an empty field is a missing value */
        *v = NAN;
        return 1;
    }
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0';
}

static int push_value(csv_result *r, double v)
{
    if (r->nvalues == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 1024;
        char *nd = realloc(*r->data, ncap * sizeof(double));
        if (!nd)
            return -1;
        *r->data = nd;
        r->cap = ncap;
    }
    ((double *)*r->data)[r->nvalues++] = v;
    return 0;
}

/* header: 1 yes, 0 no, -1 guess (a first line with a non-number is a header). */
static int read_csv(const char *path, char sep, int header, csv_result *r, char *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, ERRSZ, "load_csv: %s: %s", path, strerror(errno));
        return -1;
    }
    enum { MAXF = 1 << 16 };
    char **fields = malloc(MAXF * sizeof *fields);
    char *line = NULL;
    size_t linecap = 0;
    long lineno = 0;
    int rc = -1, first = 1;
    if (!fields)
        goto oom;
    while (getline(&line, &linecap, f) >= 0) {
        lineno++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        const char *q = line;
        while (*q == ' ' || *q == '\t')
            q++;
        if (!*q || *q == '#')
            continue;
        int n = split_fields(line, sep, fields, MAXF);
        if (n > MAXF) {
            snprintf(err, ERRSZ, "load_csv: %s: line %ld has %d fields; at most %d are supported", path, lineno, n,
                     MAXF);
            goto done;
        }
        if (first) {
            first = 0;
            r->cols = n;
            int is_header = header;
            if (header < 0) {
                double v;
                is_header = 0;
                for (int i = 0; i < n; i++)
                    if (fields[i][0] && !parse_number(fields[i], &v))
                        is_header = 1;
            }
            if (is_header) {
                r->has_header = 1;
                size_t total = 0;
                for (int i = 0; i < n; i++)
                    total += strlen(fields[i]) + 1;
                if (!(*r->names = malloc(total + 1)))
                    goto oom;
                for (int i = 0; i < n; i++) {
                    size_t l = strlen(fields[i]) + 1;
                    memcpy(*r->names + r->names_len, fields[i], l);
                    r->names_len += l;
                }
                continue;
            }
        }
        if (n != r->cols) {
            snprintf(err, ERRSZ, "load_csv: %s: ragged rows: line %ld has %d fields, expected %lld", path, lineno, n,
                     (long long)r->cols);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            double v;
            if (!parse_number(fields[i], &v)) {
                snprintf(err, ERRSZ, "load_csv: %s: line %ld, field %d: '%.40s' is not a number", path, lineno,
                         i + 1, fields[i]);
                goto done;
            }
            if (push_value(r, v) != 0)
                goto oom;
        }
        r->rows++;
    }
    if (ferror(f)) {
        snprintf(err, ERRSZ, "load_csv: %s: read error: %s", path, strerror(errno));
        goto done;
    }
    rc = 0;
    goto done;
oom:
    snprintf(err, ERRSZ, "load_csv: %s: out of memory", path);
done:
    free(fields);
    free(line);
    fclose(f);
    return rc;
}

static int io_load_csv(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int header = -1;
    if (lua_type(L, 2) == LUA_TTABLE && lua_getfield(L, 2, "header") != LUA_TNIL)
        header = lua_toboolean(L, -1);
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
    csv_result r;
    memset(&r, 0, sizeof r);
    r.data = lgl_guard(L);  /* 4 */
    r.names = lgl_guard(L); /* 5 */
    char err[ERRSZ];
    if (read_csv(path, sep, header, &r, err) != 0)
        return luaL_error(L, "%s", err);
    int64_t shape[2] = {r.rows, r.cols};
    lgl_set(L, slot, gl_from_doubles(*r.data ? (double *)*r.data : (double[1]){0}, shape, 2, dt));
    lgl_guard_free(L, 4);
    lua_settop(L, 3);
    if (!r.has_header) {
        lua_pushnil(L);
    } else {
        lua_createtable(L, (int)r.cols, 0);
        const char *p = *r.names;
        for (int64_t i = 0; i < r.cols; i++, p += strlen(p) + 1) {
            lua_pushstring(L, p);
            lua_rawseti(L, -2, i + 1);
        }
    }
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
