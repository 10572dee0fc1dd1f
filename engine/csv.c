/* csv.c — a table of numbers in text: gl_csv_parse turns comma-separated
 * lines (or any one-character separator) into a (rows, columns) tensor.
 *
 * What it accepts, as gl.load_csv documents it: fields with spaces and tabs
 * around them, quoted fields ("..." with "" for a quote inside), an
 * optional header line (told, or guessed: a first line with a field that is
 * not a number), empty fields as NaN, blank lines and lines starting with
 * '#' skipped, '\n' or "\r\n" line ends.
 *
 * The text is untrusted (it is fuzzed: tests/fuzz/fuzz_csv.c) and need not
 * end in a NUL: each line is copied into a scratch buffer that does, and is
 * split there. Nothing limits the number of fields but memory. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* A growing array of bytes. */
typedef struct {
    char *p;
    size_t len, cap;
} buf;

static int buf_reserve(buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_push(buf *b, const void *src, size_t n)
{
    if (buf_reserve(b, n) != 0)
        return -1;
    if (n) /* b->p is still NULL when nothing was pushed: memcpy(NULL, ..., 0) is UB */
        memcpy(b->p + b->len, src, n);
    b->len += n;
    return 0;
}

/* Space and tab around fields are dropped, unless one of them is the separator. */
static bool is_blank(char c, char sep) { return (c == ' ' || c == '\t') && c != sep; }

/* Splits the NUL-terminated line in place into fields (pointers pushed onto
 * fields, a buf of char *); returns their number, -1 when out of memory. */
static int64_t split_fields(char *line, char sep, buf *fields)
{
    fields->len = 0;
    int64_t n = 0;
    char *p = line;
    for (;;) {
        while (is_blank(*p, sep))
            p++;
        char *start = p, *w = p;
        if (*p == '"') {
            start = w = ++p;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"') /* "" is one quote */
                    p++;
                *w++ = *p++;
            }
            if (*p == '"')
                p++;
            while (*p && *p != sep) /* text after the closing quote is dropped */
                p++;
        } else {
            while (*p && *p != sep)
                w = ++p;
            while (w > start && is_blank(w[-1], sep))
                w--;
        }
        bool last = *p != sep;
        *w = '\0';
        if (buf_push(fields, &start, sizeof start) != 0)
            return -1;
        n++;
        if (last)
            return n;
        p++;
    }
}

/* A field as a number: strtod's syntax (so nan, inf and hex floats too),
 * nothing after it; an empty field is a missing value, NaN. */
static bool parse_double(const char *s, double *v)
{
    if (!*s) {
        *v = NAN;
        return true;
    }
    char *end;
    *v = strtod(s, &end);
    return end != s && *end == '\0';
}

/* Integers go to int64 exactly (not through a double, which would round
 * past 2^53); anything else that is a number converts as a cast would. */
static bool parse_int64(const char *s, int64_t *v)
{
    const char *d = s + (*s == '-' || *s == '+');
    if (*d >= '0' && *d <= '9') {
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (*end == '\0' && errno == 0) {
            *v = x;
            return true;
        }
    }
    double f;
    if (!parse_double(s, &f))
        return false;
    *v = gl_double_to_i64(f);
    return true;
}

/* The header's n fields as one malloc'd block: n + 1 pointers (the last
 * NULL), then the strings they point to. */
static char **names_block(char **fields, int64_t n)
{
    size_t total = (size_t)(n + 1) * sizeof(char *);
    for (int64_t i = 0; i < n; i++)
        total += strlen(fields[i]) + 1;
    char **names = malloc(total);
    if (!names)
        return NULL;
    char *s = (char *)(names + n + 1);
    for (int64_t i = 0; i < n; i++) {
        size_t l = strlen(fields[i]) + 1;
        memcpy(s, fields[i], l);
        names[i] = s;
        s += l;
    }
    names[n] = NULL;
    return names;
}

gl_tensor *gl_csv_parse(const char *text, size_t len, const char *name, char sep, gl_csv_header header,
                        gl_dtype dt, char ***names)
{
    if (names)
        *names = NULL;
    if (!name)
        name = "<memory>";
    if (!text) /* NULL with len 0: an empty text */
        text = "", len = 0;
    if (sep == '"' || sep == '\n' || sep == '\r' || sep == '\0')
        return gl_fail("%s: the separator can't be a quote, a line break or NUL", name);
    if ((unsigned)dt >= GL_DTYPE_COUNT)
        return gl_fail("%s: unknown dtype %d", name, (int)dt);
    buf line = {0}, fields = {0}, values = {0};
    char **head = NULL;
    size_t esize = gl_dtype_size(dt);
    int64_t rows = 0, cols = 0, lineno = 0;
    bool first = true;
    gl_tensor *t = NULL;

    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *next = nl ? nl + 1 : end;
        lineno++;
        if (memchr(p, '\0', l)) {
            gl_set_error("%s: line %lld has a NUL byte (not a text file?)", name, (long long)lineno);
            goto fail;
        }
        line.len = 0;
        if (buf_push(&line, p, l) != 0 || buf_push(&line, "", 1) != 0)
            goto oom;
        p = next;
        char *s = line.p;
        while (l && s[l - 1] == '\r')
            s[--l] = '\0';
        const char *q = s;
        while (is_blank(*q, sep))
            q++;
        if (!*q || *q == '#')
            continue;
        int64_t n = split_fields(s, sep, &fields);
        if (n < 0)
            goto oom;
        char **f = (char **)fields.p;
        if (first) {
            first = false;
            cols = n;
            bool is_header = header == GL_CSV_HEADER_PRESENT;
            if (header == GL_CSV_HEADER_GUESS) {
                double v;
                for (int64_t i = 0; i < n && !is_header; i++)
                    is_header = f[i][0] && !parse_double(f[i], &v);
            }
            if (is_header) {
                if (!(head = names_block(f, n)))
                    goto oom;
                continue;
            }
        }
        if (n != cols) {
            gl_set_error("%s: ragged rows: line %lld has %lld fields, expected %lld", name, (long long)lineno,
                         (long long)n, (long long)cols);
            goto fail;
        }
        if (buf_reserve(&values, (size_t)n * esize) != 0)
            goto oom;
        for (int64_t i = 0; i < n; i++) {
            double v = 0;
            int64_t iv = 0;
            bool ok = dt == GL_INT64 ? parse_int64(f[i], &iv) : parse_double(f[i], &v);
            if (!ok) {
                gl_set_error("%s: line %lld, field %lld: '%.40s' is not a number", name, (long long)lineno,
                             (long long)i + 1, f[i]);
                goto fail;
            }
            void *dst = values.p + values.len;
            if (dt == GL_INT64)
                memcpy(dst, &iv, sizeof iv);
            else
                gl_store(dst, dt, 0, v);
            values.len += esize;
        }
        rows++;
    }

    int64_t shape[2] = {rows, cols};
    t = gl_new(shape, 2, dt);
    if (!t) {
        char msg[1024]; /* gl_fail formats into gl_error()'s buffer: copy it first */
        snprintf(msg, sizeof msg, "%s", gl_error());
        gl_set_error("%s: %s", name, msg);
        goto fail;
    }
    if (values.len)
        memcpy(gl_data_ptr(t), values.p, values.len);
    if (names)
        *names = head;
    else
        free(head);
    head = NULL;
    goto done;
oom:
    gl_set_error("%s: out of memory at line %lld", name, (long long)lineno);
fail:
    gl_release(t);
    t = NULL;
done:
    free(head);
    free(line.p);
    free(fields.p);
    free(values.p);
    return t;
}
