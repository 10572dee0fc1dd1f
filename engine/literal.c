/* literal.c — a tensor from text: nested bracket lists ("[[1, 2], [3, 4.5e-3]]")
 * or what PyTorch (and gl_format) print ("tensor([[2., 0., 0., 0.]])",
 * "tensor(1.2040, dtype=torch.float64)", "tensor([ True, False])"), so a
 * printed tensor can be pasted back.
 *
 * The grammar, whitespace (newlines too) allowed between any two tokens:
 *
 *     literal := ["Parameter containing:"] "tensor" "(" body {"," kwarg} [","] ")"
 *              | body
 *     body    := value | "[" [body {"," body} [","]] "]"
 *     value   := number | True | False | true | false | [+-](nan | inf | infinity)
 *     kwarg   := "dtype" "=" ["torch."] name | "requires_grad" "=" (True | False)
 *              | "size" "=" "(" [int {"," int} [","]] ")" | "grad_fn" "=" "<" ... ">"
 *              | "device" "=" quoted string
 *
 * Every list at one depth must have as many entries as the first list at
 * that depth, and every number must sit at the same depth: anything else is
 * "ragged", an error naming the line and column where the text stops
 * agreeing with what came before.
 *
 * The text is untrusted (it is fuzzed: tests/fuzz/fuzz_literal.c) and need
 * not end in a NUL: every read is bounded by its end, and a number is copied
 * into a NUL-terminated buffer before strtod sees it. Recursion is bounded
 * by GL_MAX_DIMS. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

typedef struct {
    double d;  /* the value (for an integer: strtod's rounding of it) */
    int64_t i; /* the value as int64: exact for integers, truncated for floats */
} value;

typedef struct {
    const char *text, *end, *p; /* the whole text, its end, the cursor */
    int ndim;                   /* depth of the first number; -1 until seen */
    int depth_max;              /* deepest list opened */
    int64_t shape[GL_MAX_DIMS];
    bool known[GL_MAX_DIMS]; /* shape[d] set by the first list at depth d + 1 to close */
    value *vals;
    size_t nvals, cap;
    bool any_float, any_int, any_bool;
    const char *overflow; /* the first integer outside int64's range */
} lit;

/* Sets the error "literal: line L, column C: MESSAGE" for position at. */
static int lit_fail(const lit *L, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int lit_fail(const lit *L, const char *at, const char *fmt, ...)
{
    long long line = 1, col = 1;
    for (const char *q = L->text; q < at; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gl_set_error("literal: line %lld, column %lld: %s", line, col, msg);
    return -1;
}

static void skip_ws(lit *L)
{
    while (L->p < L->end && (*L->p == ' ' || *L->p == '\t' || *L->p == '\n' || *L->p == '\r' ||
                             *L->p == '\f' || *L->p == '\v'))
        L->p++;
}

static bool at_end(const lit *L) { return L->p >= L->end; }

/* A short quote of the text at p for messages: "'abc'" or "the end". */
static const char *quote(const lit *L, const char *p, char *buf, size_t n)
{
    if (p >= L->end)
        return "the end of the text";
    size_t k = 0;
    buf[k++] = '\'';
    for (; p < L->end && k + 2 < n && k < 13; p++)
        buf[k++] = isprint((unsigned char)*p) ? *p : '?';
    buf[k++] = '\'';
    buf[k] = '\0';
    return buf;
}

/* Does the text at the cursor start with word (and no letter, digit or _ follows)? */
static bool word_at(const lit *L, const char *p, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(L->end - p) < n || strncmp(p, word, n) != 0)
        return false;
    return p + n == L->end || !(isalnum((unsigned char)p[n]) || p[n] == '_');
}

/* What may follow a value: whitespace, ',', ']', ')' or the end. */
static bool delimiter(const lit *L, const char *p)
{
    return p >= L->end || (*p && strchr(" \t\n\r\f\v,])", *p) != NULL);
}

static int push(lit *L, value v)
{
    if (L->nvals == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 64;
        value *nv = realloc(L->vals, cap * sizeof *nv);
        if (!nv)
            return lit_fail(L, L->p, "out of memory after %zu values", L->nvals);
        L->vals = nv;
        L->cap = cap;
    }
    L->vals[L->nvals++] = v;
    return 0;
}

/* ----------------------------------------------------------------- values */

#define NUMBER_MAX 400

static int parse_leaf(lit *L)
{
    const char *start = L->p, *q = L->p;
    char qb[20];
    if (L->end - q >= 3 && memcmp(q, "...", 3) == 0)
        return lit_fail(L, q, "'...' stands for values a summarised print left out: they can't be read "
                              "back (print it with a higher threshold)");
    if (word_at(L, q, "True") || word_at(L, q, "true") || word_at(L, q, "False") || word_at(L, q, "false")) {
        bool t = *q == 'T' || *q == 't';
        L->p += t ? 4 : 5;
        L->any_bool = true;
        return push(L, (value){t, t});
    }
    if (q < L->end && (*q == '+' || *q == '-'))
        q++;
    bool is_int = true;
    if (q < L->end && isalpha((unsigned char)*q)) { /* nan, inf, infinity */
        const char *w = q;
        while (q < L->end && isalpha((unsigned char)*q))
            q++;
        size_t n = (size_t)(q - w);
        if (!((n == 3 && (strncasecmp(w, "nan", 3) == 0 || strncasecmp(w, "inf", 3) == 0)) ||
              (n == 8 && strncasecmp(w, "infinity", 8) == 0)))
            return lit_fail(L, start, "expected a number, True, False, nan, inf or '[', got %s",
                            quote(L, start, qb, sizeof qb));
        is_int = false;
    } else {
        int digits = 0;
        while (q < L->end && isdigit((unsigned char)*q))
            q++, digits++;
        if (q < L->end && *q == '.') {
            is_int = false;
            q++;
            while (q < L->end && isdigit((unsigned char)*q))
                q++, digits++;
        }
        if (!digits)
            return lit_fail(L, start, "expected a number, True, False, nan, inf or '[', got %s",
                            quote(L, start, qb, sizeof qb));
        if (q < L->end && (*q == 'e' || *q == 'E')) {
            is_int = false;
            q++;
            if (q < L->end && (*q == '+' || *q == '-'))
                q++;
            if (q >= L->end || !isdigit((unsigned char)*q))
                return lit_fail(L, start, "a number's exponent has no digits: %s", quote(L, start, qb, sizeof qb));
            while (q < L->end && isdigit((unsigned char)*q))
                q++;
        }
    }
    if (!delimiter(L, q))
        return lit_fail(L, q, "unexpected %s after a number (values are separated by ',')",
                        quote(L, q, qb, sizeof qb));
    size_t n = (size_t)(q - start);
    if (n > NUMBER_MAX)
        return lit_fail(L, start, "a number of %zu characters is too long (at most %d)", n, NUMBER_MAX);
    char tok[NUMBER_MAX + 1];
    memcpy(tok, start, n);
    tok[n] = '\0';
    value v = {strtod(tok, NULL), 0};
    if (is_int) {
        errno = 0;
        v.i = strtoll(tok, NULL, 10);
        if (errno == ERANGE && !L->overflow)
            L->overflow = start;
        L->any_int = true;
    } else {
        v.i = gl_double_to_i64(v.d);
        L->any_float = true;
    }
    L->p = q;
    return push(L, v);
}

/* A list or a value, at depth lists deep. */
static int parse_body(lit *L, int depth)
{
    char qb[20];
    skip_ws(L);
    if (at_end(L))
        return lit_fail(L, L->p, "unexpected end of the text: expected a number or '['");
    if (*L->p != '[') {
        if (L->ndim < 0 && L->depth_max > depth)
            return lit_fail(L, L->p, "ragged: a number inside %d %s where earlier lists nest %d deep", depth,
                            depth == 1 ? "list" : "lists", L->depth_max);
        if (L->ndim >= 0 && depth != L->ndim)
            return lit_fail(L, L->p, "ragged: a number inside %d %s where the first number is inside %d", depth,
                            depth == 1 ? "list" : "lists", L->ndim);
        L->ndim = depth;
        return parse_leaf(L);
    }
    if (depth == GL_MAX_DIMS)
        return lit_fail(L, L->p, "more than %d nested lists (a tensor has at most %d dims)", GL_MAX_DIMS,
                        GL_MAX_DIMS);
    if (L->ndim >= 0 && depth >= L->ndim)
        return lit_fail(L, L->p, "ragged: a list where a number was expected (the first number is inside %d %s)",
                        L->ndim, L->ndim == 1 ? "list" : "lists");
    const char *open = L->p++;
    if (depth + 1 > L->depth_max)
        L->depth_max = depth + 1;
    int64_t count = 0;
    skip_ws(L);
    if (!at_end(L) && *L->p == ']') {
        L->p++;
    } else {
        for (;;) {
            skip_ws(L);
            if (L->known[depth] && count == L->shape[depth])
                return lit_fail(L, L->p, "ragged: this list has more than %lld %s, the first list at the same "
                                         "depth has %lld", (long long)count, count == 1 ? "entry" : "entries",
                                (long long)L->shape[depth]);
            if (parse_body(L, depth + 1) != 0)
                return -1;
            count++;
            skip_ws(L);
            if (at_end(L))
                return lit_fail(L, L->p, "unexpected end of the text: a ']' is missing (for the '[' at "
                                         "offset %lld)", (long long)(open - L->text));
            if (*L->p == ']') {
                L->p++;
                break;
            }
            if (*L->p != ',')
                return lit_fail(L, L->p, "expected ',' or ']' after a value, got %s", quote(L, L->p, qb, sizeof qb));
            L->p++;
            skip_ws(L);
            if (!at_end(L) && *L->p == ']') { /* a trailing comma, as Python allows */
                L->p++;
                break;
            }
        }
    }
    if (L->known[depth] && count != L->shape[depth])
        return lit_fail(L, L->p - 1, "ragged: this list has %lld %s, the first list at the same depth has %lld",
                        (long long)count, count == 1 ? "entry" : "entries", (long long)L->shape[depth]);
    L->known[depth] = true;
    L->shape[depth] = count;
    return 0;
}

/* ----------------------------------------------------------- tensor(...) */

typedef struct {
    bool has_dtype, requires_grad, has_size;
    gl_dtype dtype;
    const char *size_at, *grad_at; /* where size= and requires_grad= start, for their errors */
    int size_ndim;
    int64_t size[GL_MAX_DIMS];
} kwargs;

/* torch's dtype names beyond gl_dtype_parse's, mapped to the dtype that
 * holds their values exactly. */
static int parse_dtype_name(const char *name, gl_dtype *dt)
{
    static const struct {
        const char *name;
        gl_dtype dt;
    } more[] = {
        {"int32", GL_INT64}, {"int", GL_INT64},       {"int16", GL_INT64},      {"short", GL_INT64},
        {"int8", GL_INT64},  {"uint8", GL_INT64},     {"float16", GL_FLOAT32},  {"half", GL_FLOAT32},
        {"bfloat16", GL_FLOAT32},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        if (strcmp(name, more[i].name) == 0) {
            *dt = more[i].dt;
            return 0;
        }
    return gl_dtype_parse(name, dt);
}

static int parse_kwarg(lit *L, kwargs *kw)
{
    char qb[20];
    const char *start = L->p;
    while (L->p < L->end && (isalnum((unsigned char)*L->p) || *L->p == '_'))
        L->p++;
    size_t n = (size_t)(L->p - start);
    if (n == 0)
        return lit_fail(L, start, "expected a keyword (dtype=, requires_grad=, size=) or ')', got %s",
                        quote(L, start, qb, sizeof qb));
    char key[32];
    snprintf(key, sizeof key, "%.*s", (int)(n < 31 ? n : 31), start);
    skip_ws(L);
    if (at_end(L) || *L->p != '=')
        return lit_fail(L, L->p, "expected '=' after '%s', got %s", key, quote(L, L->p, qb, sizeof qb));
    L->p++;
    skip_ws(L);
    const char *v = L->p;
    if (strcmp(key, "dtype") == 0) {
        if (L->end - L->p >= 6 && memcmp(L->p, "torch.", 6) == 0)
            L->p += 6;
        const char *w = L->p;
        while (L->p < L->end && (isalnum((unsigned char)*L->p) || *L->p == '_'))
            L->p++;
        char name[32];
        size_t wn = (size_t)(L->p - w);
        snprintf(name, sizeof name, "%.*s", (int)(wn < 31 ? wn : 31), w);
        if (wn == 0)
            return lit_fail(L, v, "expected a dtype name, got %s", quote(L, v, qb, sizeof qb));
        if (wn > 31 || parse_dtype_name(name, &kw->dtype) != 0)
            return lit_fail(L, v, "unsupported dtype '%s' (float32, float64, int64 and bool are)", name);
        kw->has_dtype = true;
    } else if (strcmp(key, "requires_grad") == 0) {
        kw->grad_at = start;
        if (word_at(L, L->p, "True"))
            kw->requires_grad = true, L->p += 4;
        else if (word_at(L, L->p, "False"))
            kw->requires_grad = false, L->p += 5;
        else
            return lit_fail(L, v, "requires_grad must be True or False, got %s", quote(L, v, qb, sizeof qb));
    } else if (strcmp(key, "grad_fn") == 0) { /* <MulBackward0>: the graph can't come back */
        if (at_end(L) || *L->p != '<')
            return lit_fail(L, v, "expected grad_fn=<...>, got %s", quote(L, v, qb, sizeof qb));
        while (L->p < L->end && *L->p != '>')
            L->p++;
        if (at_end(L))
            return lit_fail(L, v, "grad_fn=<... has no closing '>'");
        L->p++;
    } else if (strcmp(key, "device") == 0) { /* 'cpu', 'cuda:0': the values are what matter */
        char q = at_end(L) ? 0 : *L->p;
        if (q != '\'' && q != '"')
            return lit_fail(L, v, "expected a quoted device name, got %s", quote(L, v, qb, sizeof qb));
        L->p++;
        while (L->p < L->end && *L->p != q)
            L->p++;
        if (at_end(L))
            return lit_fail(L, v, "the device name has no closing quote");
        L->p++;
    } else if (strcmp(key, "size") == 0) {
        if (at_end(L) || *L->p != '(')
            return lit_fail(L, v, "expected size=(...), got %s", quote(L, v, qb, sizeof qb));
        L->p++;
        kw->size_ndim = 0;
        for (;;) {
            skip_ws(L);
            if (!at_end(L) && *L->p == ')') {
                L->p++;
                break;
            }
            const char *d = L->p;
            int64_t x = 0;
            while (L->p < L->end && isdigit((unsigned char)*L->p)) {
                if (x > (INT64_MAX - 9) / 10)
                    return lit_fail(L, d, "a size in size=(...) is too large");
                x = x * 10 + (*L->p++ - '0');
            }
            if (L->p == d)
                return lit_fail(L, d, "expected a size or ')' in size=(...), got %s", quote(L, d, qb, sizeof qb));
            if (kw->size_ndim == GL_MAX_DIMS)
                return lit_fail(L, d, "size=(...) has more than %d dims", GL_MAX_DIMS);
            kw->size[kw->size_ndim++] = x;
            skip_ws(L);
            if (!at_end(L) && *L->p == ',')
                L->p++;
            else if (at_end(L) || *L->p != ')')
                return lit_fail(L, L->p, "expected ',' or ')' in size=(...), got %s", quote(L, L->p, qb, sizeof qb));
        }
        kw->has_size = true;
        kw->size_at = start;
    } else {
        return lit_fail(L, start, "unknown keyword '%s' (dtype, requires_grad, size, grad_fn and device are read)",
                        key);
    }
    return 0;
}

/* ------------------------------------------------------------------ whole */

/* The dtype the values get when no dtype= says: all booleans give bool;
 * in torch's form integers alone give int64 (torch prints a float with a
 * '.' or an exponent) and floats the default floating dtype; a bare list
 * takes default_dtype. */
static gl_dtype infer_dtype(const lit *L, bool torch_form, gl_dtype def)
{
    if (L->any_bool && !L->any_int && !L->any_float)
        return GL_BOOL;
    if (!torch_form)
        return def;
    if (L->any_int && !L->any_float)
        return GL_INT64;
    return gl_is_floating(def) ? def : GL_FLOAT32;
}

gl_tensor *gl_parse_literal(const char *text, size_t len, gl_dtype default_dtype)
{
    if ((unsigned)default_dtype >= GL_DTYPE_COUNT)
        return gl_fail("literal: unknown default dtype %d", (int)default_dtype);
    if (!text)
        text = "";
    lit L = {.text = text, .end = text + len, .p = text, .ndim = -1};
    kwargs kw = {0};
    char qb[20];
    gl_tensor *t = NULL;
    skip_ws(&L);
    static const char param[] = "Parameter containing:";
    if ((size_t)(L.end - L.p) >= sizeof param - 1 && memcmp(L.p, param, sizeof param - 1) == 0) {
        L.p += sizeof param - 1;
        skip_ws(&L);
    }
    bool torch_form = false;
    if (word_at(&L, L.p, "tensor")) {
        L.p += 6;
        skip_ws(&L);
        if (at_end(&L) || *L.p != '(') {
            lit_fail(&L, L.p, "expected '(' after 'tensor', got %s", quote(&L, L.p, qb, sizeof qb));
            goto done;
        }
        L.p++;
        torch_form = true;
    }
    if (parse_body(&L, 0) != 0)
        goto done;
    skip_ws(&L);
    if (torch_form) {
        for (;;) {
            if (at_end(&L)) {
                lit_fail(&L, L.p, "unexpected end of the text: the ')' of 'tensor(' is missing");
                goto done;
            }
            if (*L.p == ')') {
                L.p++;
                break;
            }
            if (*L.p != ',') {
                lit_fail(&L, L.p, "expected ',' or ')' after the values, got %s", quote(&L, L.p, qb, sizeof qb));
                goto done;
            }
            L.p++;
            skip_ws(&L);
            if (!at_end(&L) && *L.p == ')')
                continue;
            if (parse_kwarg(&L, &kw) != 0)
                goto done;
            skip_ws(&L);
        }
        skip_ws(&L);
    }
    if (!at_end(&L)) {
        lit_fail(&L, L.p, "unexpected %s after the literal", quote(&L, L.p, qb, sizeof qb));
        goto done;
    }

    /* every list at each depth agreed: the values fill the shape */
    int ndim = L.ndim >= 0 ? L.ndim : L.depth_max;
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        assert(L.known[d]);
        numel *= L.shape[d];
    }
    assert((size_t)numel == L.nvals);
    const int64_t *shape = L.shape;
    if (kw.has_size) {
        int64_t n = 1;
        bool overflow = false;
        for (int d = 0; d < kw.size_ndim; d++) {
            if (kw.size[d] && n > INT64_MAX / kw.size[d])
                overflow = true;
            else
                n *= kw.size[d];
        }
        if (overflow || n != numel) {
            char b1[GL_SHAPE_BUF];
            lit_fail(&L, kw.size_at, "size=%s does not match the %lld values given",
                     gl_shape_str(kw.size, kw.size_ndim, b1, sizeof b1), (long long)numel);
            goto done;
        }
        shape = kw.size;
        ndim = kw.size_ndim;
    }
    gl_dtype dt = kw.has_dtype ? kw.dtype : infer_dtype(&L, torch_form, default_dtype);
    if (dt == GL_INT64 && L.overflow) {
        lit_fail(&L, L.overflow, "an integer outside int64's range");
        goto done;
    }
    if (kw.requires_grad && !gl_is_floating(dt)) {
        lit_fail(&L, kw.grad_at, "requires_grad=True needs a floating dtype, not %s", gl_dtype_name(dt));
        goto done;
    }
    if (!(t = gl_new(shape, ndim, dt))) { /* size=(...) too large for a tensor, even with no elements */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", gl_error());
        lit_fail(&L, kw.has_size ? kw.size_at : L.text, "%s", msg);
        goto done;
    }
    void *dst = gl_data_ptr(t);
    for (size_t k = 0; k < L.nvals; k++) {
        if (dt == GL_INT64)
            ((int64_t *)dst)[k] = L.vals[k].i;
        else
            gl_store(dst, dt, (int64_t)k, L.vals[k].d);
    }
    if (kw.requires_grad && gl_requires_grad_(t, true) != 0) {
        gl_release(t);
        t = NULL;
    }
done:
    free(L.vals);
    return t;
}
