/* print.c — tensors as PyTorch 1.13 prints them (torch/_tensor_str.py), so a
 * lesson shows the seed's printed results character for character:
 *
 *     tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])
 *     tensor([[2., 0., 0., 0.]])
 *     tensor(1.2040, dtype=float64)          (torch says dtype=torch.float64)
 *     tensor([ True, False])
 *     tensor([1., 2.], requires_grad=True)   tensor(3., grad_fn=<MulBackward0>)
 *
 * The pieces follow torch's functions one for one:
 *   formatter    _Formatter: one mode and one width for the whole tensor,
 *                chosen from the values that will be shown
 *   put_vector   _vector_str: a row, wrapped at linewidth
 *   put_tensor   _tensor_str_with_formatter: nested brackets
 *   add_suffixes _add_suffixes: ", dtype=...", ", grad_fn=<...>"
 * Above `threshold` elements each dim longer than 2*edgeitems keeps its first
 * and last edgeitems entries around a "...", and only those entries choose
 * the format (get_summarized_data). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

static gl_print_options options = {4, 1000, 3, 80};

/* Values outside what the printer can honour are clamped: precision to
 * 0..50 (a value's text then fits a fixed buffer), threshold to >= 0 and
 * edgeitems to >= 1 (torch fails on >1-D tensors with 0). */
void gl_set_print_options(const gl_print_options *o)
{
    if (!o)
        return;
    options = *o;
    if (options.precision < 0)
        options.precision = 0;
    if (options.precision > 50)
        options.precision = 50;
    if (options.threshold < 0)
        options.threshold = 0;
    if (options.edgeitems < 1)
        options.edgeitems = 1;
}

gl_print_options gl_get_print_options(void) { return options; }

/* ------------------------------------------------------------- the text */

/* A growing string; `failed` sticks after the first allocation failure so
 * the writers need no checks and gl_format tests it once at the end. */
typedef struct {
    char *p;
    size_t len, cap;
    bool failed;
} sbuf;

static void put_n(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put(sbuf *b, const char *s) { put_n(b, s, strlen(s)); }

static void put_repeat(sbuf *b, char c, int n)
{
    char chunk[64];
    memset(chunk, c, sizeof chunk);
    while (n > 0) {
        int k = n < (int)sizeof chunk ? n : (int)sizeof chunk;
        put_n(b, chunk, (size_t)k);
        n -= k;
    }
}

/* ------------------------------------------------------------ formatter */

/* One value's text is at most ~330 chars ("%.0f" of 1e308 would be 309,
 * "%.50e" is 58); this buffer holds any of them. */
#define VALUE_BUF 512

typedef struct {
    gl_dtype dtype;
    bool int_mode; /* every shown nonzero finite float is an integer: "2." */
    bool sci_mode; /* "3.0000e-01" */
    int width;     /* every value is right-aligned to this */
    int precision;
} formatter;

/* Element at storage offset off as a double (floats) or exactly (int64). */
static double elem_double(const gl_tensor *t, int64_t off) { return gl_load(gl_base(t), t->dtype, off); }
static int64_t elem_i64(const gl_tensor *t, int64_t off) { return ((const int64_t *)gl_base(t))[off]; }

/* Python's "{:.Nf}" / "{:.Ne}" for finite v; C's printf rounds the exact
 * binary value the same way (glibc). Non-finite values are spelled as
 * Python spells them: nan (never -nan), inf, -inf. */
static int fmt_float(char *buf, double v, bool sci, int precision)
{
    if (isnan(v))
        return snprintf(buf, VALUE_BUF, "nan");
    if (isinf(v))
        return snprintf(buf, VALUE_BUF, v < 0 ? "-inf" : "inf");
    return snprintf(buf, VALUE_BUF, sci ? "%.*e" : "%.*f", precision, v);
}

/* The text of one value before padding, as _Formatter.format builds it. */
static int value_text(const formatter *f, const gl_tensor *t, int64_t off, char *buf)
{
    switch (f->dtype) {
    case GL_BOOL:
        return snprintf(buf, VALUE_BUF, "%s", ((const uint8_t *)gl_base(t))[off] ? "True" : "False");
    case GL_INT64:
        return snprintf(buf, VALUE_BUF, "%lld", (long long)elem_i64(t, off));
    default: {
        double v = elem_double(t, off);
        if (f->sci_mode)
            return fmt_float(buf, v, true, f->precision);
        if (f->int_mode) {
            int n = fmt_float(buf, v, false, 0);
            if (isfinite(v) && n + 1 < VALUE_BUF) { /* "2." says: a float */
                buf[n++] = '.';
                buf[n] = '\0';
            }
            return n;
        }
        return fmt_float(buf, v, false, f->precision);
    }
    }
}

/* Calls visit(t, off, ctx) for every element that will be shown, that is
 * every element of get_summarized_data(t): along each dim longer than
 * 2*edgeitems only the first and last edgeitems entries. */
typedef void (*visit_fn)(const gl_tensor *t, int64_t off, void *ctx);

static void walk_shown(const gl_tensor *t, int dim, int64_t off, bool summarize, visit_fn visit,
                       void *ctx)
{
    if (dim == t->ndim) {
        visit(t, off, ctx);
        return;
    }
    int64_t n = t->shape[dim], edge = options.edgeitems;
    bool cut = summarize && n > 2 * edge;
    for (int64_t i = 0; i < n; i++) {
        if (cut && i == edge)
            i = n - edge;
        walk_shown(t, dim + 1, off + i * t->stride[dim], summarize, visit, ctx);
    }
}

typedef struct {
    int64_t count;
    double min, max; /* of |v| over nonzero finite v */
    bool all_int;
} float_stats;

static void visit_stats(const gl_tensor *t, int64_t off, void *ctx)
{
    float_stats *s = ctx;
    double v = elem_double(t, off);
    if (!isfinite(v) || v == 0)
        return;
    double a = fabs(v);
    if (s->count == 0 || a < s->min)
        s->min = a;
    if (s->count == 0 || a > s->max)
        s->max = a;
    s->count++;
    if (v != ceil(v))
        s->all_int = false;
}

typedef struct {
    formatter *f;
    bool nonzero_finite_only; /* floats: only those set the width */
} width_ctx;

static void visit_width(const gl_tensor *t, int64_t off, void *ctx)
{
    width_ctx *w = ctx;
    if (w->nonzero_finite_only) {
        double v = elem_double(t, off);
        if (!isfinite(v) || v == 0)
            return;
    }
    char buf[VALUE_BUF];
    int n = value_text(w->f, t, off, buf);
    if (n > w->f->width)
        w->f->width = n;
}

/* _Formatter.__init__: floats go to scientific notation when the shown
 * nonzero finite magnitudes span more than 1000x, exceed 1e8, or (unless
 * they are all integers) go below 1e-4. Zeros, nan and inf take no part:
 * they neither choose the mode nor widen the columns. */
static void formatter_init(formatter *f, const gl_tensor *t, bool summarize)
{
    f->dtype = t->dtype;
    f->int_mode = true;
    f->sci_mode = false;
    f->width = 1;
    f->precision = options.precision;
    width_ctx w = {f, gl_is_floating(t->dtype)};
    if (gl_is_floating(t->dtype)) {
        float_stats s = {0, 0, 0, true};
        walk_shown(t, 0, t->offset, summarize, visit_stats, &s);
        if (s.count == 0)
            return;
        f->int_mode = s.all_int;
        double ratio = s.max / s.min;
        f->sci_mode = ratio > 1000.0 || s.max > 1.0e8 || (!s.all_int && s.min < 1.0e-4);
    }
    walk_shown(t, 0, t->offset, summarize, visit_width, &w);
}

static void put_value(sbuf *b, const formatter *f, const gl_tensor *t, int64_t off)
{
    char buf[VALUE_BUF];
    int n = value_text(f, t, off, buf);
    put_repeat(b, ' ', f->width - n);
    put_n(b, buf, (size_t)n);
}

/* ------------------------------------------------------------- brackets */

/* _vector_str: as many elements per line as fit in linewidth - indent
 * (each takes width + 2 for ", "), at least one; " ..." counts as one. */
static void put_vector(sbuf *b, const formatter *f, const gl_tensor *t, int dim, int64_t off,
                       int indent, bool summarize)
{
    int64_t n = t->shape[dim], edge = options.edgeitems, stride = t->stride[dim];
    double fit = floor((double)(options.linewidth - indent) / (double)(f->width + 2));
    int64_t per_line = fit < 1 ? 1 : (int64_t)fit;
    bool cut = summarize && n > 2 * edge;
    int64_t k = 0; /* elements written so far, "..." included */
    put(b, "[");
    for (int64_t i = 0; i < n; i++, k++) {
        if (k > 0) {
            if (k % per_line == 0) {
                put(b, ",\n");
                put_repeat(b, ' ', indent + 1);
            } else {
                put(b, ", ");
            }
        }
        if (cut && i == edge) {
            put(b, " ...");
            i = n - edge - 1;
            continue;
        }
        put_value(b, f, t, off + i * stride);
    }
    put(b, "]");
}

/* _tensor_str_with_formatter: dim d's slices are separated by "," then one
 * newline per remaining dim below it (a blank line between matrices of a
 * 3-D tensor) and indent + 1 spaces. */
static void put_tensor(sbuf *b, const formatter *f, const gl_tensor *t, int dim, int64_t off,
                       int indent, bool summarize)
{
    int left = t->ndim - dim;
    if (left == 0) {
        put_value(b, f, t, off);
        return;
    }
    if (left == 1) {
        put_vector(b, f, t, dim, off, indent, summarize);
        return;
    }
    int64_t n = t->shape[dim], edge = options.edgeitems;
    bool cut = summarize && n > 2 * edge;
    put(b, "[");
    for (int64_t i = 0, k = 0; i < n; i++, k++) {
        if (k > 0) {
            put(b, ",");
            put_repeat(b, '\n', left - 1);
            put_repeat(b, ' ', indent + 1);
        }
        if (cut && i == edge) {
            put(b, "...");
            i = n - edge - 1;
            continue;
        }
        put_tensor(b, f, t, dim + 1, off + i * t->stride[dim], indent + 1, summarize);
    }
    put(b, "]");
}

/* --------------------------------------------------------------- suffixes */

/* "mul" -> "MulBackward0", "log_softmax" -> "LogSoftmaxBackward0". */
static void grad_fn_suffix(char *out, size_t n, const char *op)
{
    size_t k = 0;
    bool upper = true;
    k += (size_t)snprintf(out, n, "grad_fn=<");
    for (const char *p = op; *p && k + 1 < n; p++) {
        if (*p == '_') {
            upper = true;
            continue;
        }
        out[k++] = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        upper = false;
    }
    out[k < n ? k : n - 1] = '\0';
    snprintf(out + strlen(out), n - strlen(out), "Backward0>");
}

/* A suffix, and its length as torch counts it: torch writes
 * "dtype=torch.float64", 6 characters longer than our "dtype=float64", and
 * breaks lines by its own text, so ours breaks where torch's does and reads
 * as torch's output without the "torch.". */
typedef struct {
    char text[GL_SHAPE_BUF + 64];
    int64_t torch_len;
} suffix;

/* _add_suffixes: each suffix goes on the current line after ", " unless
 * that would pass linewidth; then on a new line indented to "tensor(".
 * last_line_len mirrors torch's count, which is 2 more than the line's
 * length (len - rfind("\n") + 1, and rfind gives -1 without a newline). */
static void add_suffixes(sbuf *b, const suffix *suffixes, int nsuffix, int indent)
{
    const char *nl = b->failed ? NULL : strrchr(b->p, '\n');
    int64_t last_line_len = (int64_t)b->len - (nl ? (int64_t)(nl - b->p) : -1) + 1;
    for (int i = 0; i < nsuffix; i++) {
        int64_t len = suffixes[i].torch_len;
        if (last_line_len + len + 2 > options.linewidth) {
            put(b, ",\n");
            put_repeat(b, ' ', indent);
            last_line_len = indent + len;
        } else {
            put(b, ", ");
            last_line_len += len + 2;
        }
        put(b, suffixes[i].text);
    }
    put(b, ")");
}

static void add_dtype(suffix *s, gl_dtype dt)
{
    snprintf(s->text, sizeof s->text, "dtype=%s", gl_dtype_name(dt));
    s->torch_len = (int64_t)strlen(s->text) + (int64_t)strlen("torch.");
}

/* torch's str(tuple(shape)): "(2, 0)", "(0, 3, 4)". */
static void tuple_str(char *out, size_t n, const gl_tensor *t)
{
    size_t k = (size_t)snprintf(out, n, "(");
    for (int i = 0; i < t->ndim && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, i ? ", %lld" : "%lld", (long long)t->shape[i]);
    if (t->ndim == 1 && k < n)
        k += (size_t)snprintf(out + k, n - k, ",");
    if (k < n)
        snprintf(out + k, n - k, ")");
}

char *gl_format(const gl_tensor *t)
{
    static const char prefix[] = "tensor(";
    const int indent = (int)sizeof prefix - 1;
    suffix suffixes[4];
    int nsuffix = 0;
    sbuf b = {0};
    put(&b, prefix);

    if (gl_numel(t) == 0) {
        /* torch shows the size unless it is (0,), and the dtype unless it is
         * the default float32: nothing in "[]" says int64 or bool */
        put(&b, "[]");
        if (t->ndim != 1) {
            char tuple[GL_SHAPE_BUF + 16];
            tuple_str(tuple, sizeof tuple, t);
            snprintf(suffixes[nsuffix].text, sizeof suffixes[0].text, "size=%s", tuple);
            suffixes[nsuffix].torch_len = (int64_t)strlen(suffixes[nsuffix].text);
            nsuffix++;
        }
        if (t->dtype != GL_FLOAT32)
            add_dtype(&suffixes[nsuffix++], t->dtype);
    } else {
        /* float32, int64 and bool are their kinds' defaults */
        if (t->dtype == GL_FLOAT64)
            add_dtype(&suffixes[nsuffix++], t->dtype);
        bool summarize = gl_numel(t) > options.threshold;
        formatter f;
        formatter_init(&f, t, summarize);
        put_tensor(&b, &f, t, 0, t->offset, indent, summarize);
    }

    const char *fn = gl_grad_fn_name(t);
    if (fn || t->requires_grad) {
        if (fn)
            grad_fn_suffix(suffixes[nsuffix].text, sizeof suffixes[0].text, fn);
        else
            snprintf(suffixes[nsuffix].text, sizeof suffixes[0].text, "requires_grad=True");
        suffixes[nsuffix].torch_len = (int64_t)strlen(suffixes[nsuffix].text);
        nsuffix++;
    }
    add_suffixes(&b, suffixes, nsuffix, indent);

    if (b.failed) {
        free(b.p);
        gl_set_error("out of memory: cannot format a tensor");
        return NULL;
    }
    return b.p;
}
