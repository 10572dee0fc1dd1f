/* json.c — a recursive-descent JSON reader for the test data in tests/golden/. */
#include "json.h"

#include "gradlab.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *s, *start;
    char *err;
    size_t errn;
    bool failed;
} parser;

static void *fail_at(parser *p, const char *why)
{
    if (!p->failed)
        snprintf(p->err, p->errn, "json: %s at byte %zu", why, (size_t)(p->s - p->start));
    p->failed = true;
    return NULL;
}

static void skip_ws(parser *p)
{
    while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
        p->s++;
}

static json *node(parser *p, json_type type)
{
    json *j = calloc(1, sizeof *j);
    if (!j)
        return fail_at(p, "out of memory");
    j->type = type;
    return j;
}

static bool take(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(p->s, word, n) != 0)
        return false;
    p->s += n;
    return true;
}

static void put_utf8(char *out, size_t *k, unsigned cp)
{
    if (cp < 0x80) {
        out[(*k)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*k)++] = (char)(0xC0 | (cp >> 6));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*k)++] = (char)(0xE0 | (cp >> 12));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*k)++] = (char)(0xF0 | (cp >> 18));
        out[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* p->s is just past the opening quote. The decoded text is never longer
 * than the escaped one, so one allocation of the raw length suffices. */
static char *parse_string_raw(parser *p)
{
    const char *end = p->s;
    while (*end && *end != '"')
        end += (*end == '\\' && end[1]) ? 2 : 1;
    if (*end != '"')
        return fail_at(p, "unterminated string");
    char *out = malloc((size_t)(end - p->s) + 1);
    if (!out)
        return fail_at(p, "out of memory");
    size_t k = 0;
    while (p->s < end) {
        char c = *p->s++;
        if (c != '\\') {
            out[k++] = c;
            continue;
        }
        c = *p->s++;
        switch (c) {
        case '"': out[k++] = '"'; break;
        case '\\': out[k++] = '\\'; break;
        case '/': out[k++] = '/'; break;
        case 'b': out[k++] = '\b'; break;
        case 'f': out[k++] = '\f'; break;
        case 'n': out[k++] = '\n'; break;
        case 'r': out[k++] = '\r'; break;
        case 't': out[k++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (end - p->s < 4 || hex4(p->s, &cp) != 0) {
                free(out);
                return fail_at(p, "bad \\u escape");
            }
            p->s += 4;
            /* a surrogate pair is 6 escaped chars for 4 bytes of UTF-8 */
            if (cp >= 0xD800 && cp < 0xDC00 && end - p->s >= 6 && p->s[0] == '\\' &&
                p->s[1] == 'u' && hex4(p->s + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p->s += 6;
            }
            put_utf8(out, &k, cp);
            break;
        }
        default:
            free(out);
            return fail_at(p, "bad escape");
        }
    }
    out[k] = '\0';
    p->s = end + 1;
    return out;
}

static json *parse_value(parser *p, int depth);

static int push(parser *p, json *j, json *item, char *key)
{
    if ((j->n & (j->n - 1)) == 0) { /* grow at powers of two */
        size_t cap = j->n ? j->n * 2 : 4;
        json **items = realloc(j->items, cap * sizeof *items);
        if (items)
            j->items = items;
        char **keys = j->type == JSON_OBJECT ? realloc(j->keys, cap * sizeof *keys) : NULL;
        if (keys)
            j->keys = keys;
        if (!items || (j->type == JSON_OBJECT && !keys)) {
            json_free(item);
            free(key);
            fail_at(p, "out of memory");
            return -1;
        }
    }
    j->items[j->n] = item;
    if (j->type == JSON_OBJECT)
        j->keys[j->n] = key;
    j->n++;
    return 0;
}

static json *parse_container(parser *p, int depth, bool object)
{
    json *j = node(p, object ? JSON_OBJECT : JSON_ARRAY);
    char close = object ? '}' : ']';
    if (!j)
        return NULL;
    skip_ws(p);
    if (*p->s == close) {
        p->s++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(p);
        if (object) {
            if (*p->s != '"' || (p->s++, !(key = parse_string_raw(p))))
                goto bad;
            skip_ws(p);
            if (*p->s++ != ':') {
                free(key);
                fail_at(p, "expected ':'");
                goto bad;
            }
        }
        json *item = parse_value(p, depth + 1);
        if (!item) {
            free(key);
            goto bad;
        }
        if (push(p, j, item, key) != 0)
            goto bad;
        skip_ws(p);
        if (*p->s == ',') {
            p->s++;
            continue;
        }
        if (*p->s == close) {
            p->s++;
            return j;
        }
        fail_at(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        goto bad;
    }
bad:
    if (!p->failed)
        fail_at(p, "expected a string key");
    json_free(j);
    return NULL;
}

static json *parse_number(parser *p)
{
    const char *s = p->s;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return fail_at(p, "unexpected character");
    json *j = node(p, JSON_NUMBER);
    if (!j)
        return NULL;
    j->number = v;
    bool integral = true;
    for (const char *c = s; c < end; c++)
        if (*c == '.' || *c == 'e' || *c == 'E')
            integral = false;
    if (integral) {
        errno = 0;
        long long i = strtoll(s, NULL, 10);
        j->is_int = errno == 0;
        j->integer = i;
    }
    p->s = end;
    return j;
}

static json *parse_value(parser *p, int depth)
{
    if (depth > 200)
        return fail_at(p, "nested too deep");
    skip_ws(p);
    json *j;
    switch (*p->s) {
    case '{': p->s++; return parse_container(p, depth, true);
    case '[': p->s++; return parse_container(p, depth, false);
    case '"': {
        p->s++;
        char *s = parse_string_raw(p);
        if (!s)
            return NULL;
        if (!(j = node(p, JSON_STRING))) {
            free(s);
            return NULL;
        }
        j->string = s;
        return j;
    }
    default: break;
    }
    bool is_true = take(p, "true");
    if (is_true || take(p, "false")) {
        if ((j = node(p, JSON_BOOL)))
            j->boolean = is_true;
        return j;
    }
    if (take(p, "null"))
        return node(p, JSON_NULL);
    /* Python's json.dumps writes these for non-finite floats */
    double special = 0;
    if (take(p, "NaN"))
        special = NAN;
    else if (take(p, "Infinity"))
        special = INFINITY;
    else if (take(p, "-Infinity"))
        special = -INFINITY;
    else
        return parse_number(p);
    if ((j = node(p, JSON_NUMBER)))
        j->number = special;
    return j;
}

json *json_parse(const char *text, char *err, size_t errn)
{
    parser p = {text, text, err, errn, false};
    json *j = parse_value(&p, 0);
    if (!j)
        return NULL;
    skip_ws(&p);
    if (*p.s) {
        json_free(j);
        return fail_at(&p, "trailing characters");
    }
    return j;
}

void json_free(json *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->string);
    free(j);
}

const json *json_get(const json *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

const json *json_at(const json *arr, size_t i)
{
    return arr && arr->type == JSON_ARRAY && i < arr->n ? arr->items[i] : NULL;
}

size_t json_len(const json *arr) { return arr && arr->type == JSON_ARRAY ? arr->n : 0; }

double json_num(const json *j, double dflt) { return j && j->type == JSON_NUMBER ? j->number : dflt; }

const char *json_str(const json *j) { return j && j->type == JSON_STRING ? j->string : NULL; }

/* ------------------------------------------------------------- files */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n + 1 < cap)
            break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* Candidate directories for the repo root, best first. */
static char *find_file(const char *relpath)
{
    char path[4096], exe[4096];
    const char *root = getenv("GRADLAB_ROOT");
    if (root && snprintf(path, sizeof path, "%s/%s", root, relpath) < (int)sizeof path &&
        access(path, R_OK) == 0)
        return strdup(path);
    /* the current directory and up to four parents */
    char up[32] = "";
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s%s", up, relpath);
        if (access(path, R_OK) == 0)
            return strdup(path);
        strcat(up, "../");
    }
    /* the binary's directory and its parents: build/tests/test_engine */
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (int i = 0; i < 4; i++) {
            char *slash = strrchr(exe, '/');
            if (!slash)
                break;
            *slash = '\0';
            if (snprintf(path, sizeof path, "%s/%s", exe, relpath) < (int)sizeof path &&
                access(path, R_OK) == 0)
                return strdup(path);
        }
    }
    return NULL;
}

json *json_load(const char *relpath, char *err, size_t errn)
{
    char *path = find_file(relpath);
    if (!path) {
        snprintf(err, errn, "json: cannot find %s (run from the repo root or set GRADLAB_ROOT)",
                 relpath);
        return NULL;
    }
    char *text = read_all(path);
    if (!text) {
        snprintf(err, errn, "json: cannot read %s", path);
        free(path);
        return NULL;
    }
    json *j = json_parse(text, err, errn);
    free(text);
    free(path);
    return j;
}

/* ------------------------------------------------------------ tensors */

gl_tensor *json_tensor(const json *values, const json *shape, int dtype, char *why, size_t whyn)
{
    gl_dtype dt = (gl_dtype)dtype;
    int64_t dims[GL_MAX_DIMS] = {0};
    size_t ndim = json_len(shape), count = json_len(values);
    if (ndim > GL_MAX_DIMS || (values && values->type != JSON_ARRAY)) {
        snprintf(why, whyn, "json: bad tensor (%zu dims)", ndim);
        return NULL;
    }
    int64_t numel = 1;
    for (size_t i = 0; i < ndim; i++) {
        dims[i] = (int64_t)json_num(json_at(shape, i), -1);
        numel *= dims[i];
    }
    if (numel != (int64_t)count) {
        snprintf(why, whyn, "json: %zu values for %lld elements", count, (long long)numel);
        return NULL;
    }
    gl_tensor *t;
    if (dt == GL_INT64) {
        int64_t *v = calloc(count + 1, sizeof *v);
        if (!v)
            return NULL;
        for (size_t i = 0; i < count; i++) {
            const json *e = json_at(values, i);
            v[i] = e->is_int ? e->integer : (int64_t)e->number;
        }
        t = gl_from_buffer(v, dims, (int)ndim, dt);
        free(v);
    } else {
        double *v = calloc(count + 1, sizeof *v);
        if (!v)
            return NULL;
        for (size_t i = 0; i < count; i++) {
            const json *e = json_at(values, i);
            v[i] = e->type == JSON_BOOL ? (double)e->boolean : e->number;
        }
        t = gl_from_doubles(v, dims, (int)ndim, dt);
        free(v);
    }
    if (!t)
        snprintf(why, whyn, "json: cannot build the tensor: %s", gl_error());
    return t;
}
