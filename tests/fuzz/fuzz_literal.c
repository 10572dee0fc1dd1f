/* fuzz_literal.c — libFuzzer target for gl_parse_literal (engine/literal.c).
 *
 * The first byte picks the default dtype, the rest is the text (no
 * terminating NUL). The parser must return a tensor or NULL with an error
 * "literal: line L, column C: ..." whose position lies in the text; and
 * what it returns, printed by gl_format with enough digits (precision 20,
 * never summarised), must parse back to the same dtype, shape, values and
 * requires_grad: the round-trip property of gradlab.h.
 * Seeds: tests/fuzz/corpus/literal (first byte: the default dtype). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradlab.h"

static void check(int ok, const char *what, const char *text)
{
    if (!ok) {
        fprintf(stderr, "fuzz_literal: %s (error: %s)\n%s\n", what, gl_error(), text ? text : "");
        abort();
    }
}

/* Same dtype, shape, values (NaN equals NaN; -0 differs from 0), requires_grad. */
static int same(const gl_tensor *a, const gl_tensor *b)
{
    if (gl_dtype_of(a) != gl_dtype_of(b) || gl_ndim(a) != gl_ndim(b) ||
        gl_requires_grad(a) != gl_requires_grad(b))
        return 0;
    if (gl_ndim(a) && memcmp(gl_shape(a), gl_shape(b), sizeof(int64_t) * (size_t)gl_ndim(a)) != 0)
        return 0;
    int64_t n = gl_numel(a);
    if (gl_dtype_of(a) == GL_INT64 || gl_dtype_of(a) == GL_BOOL)
        return n == 0 || memcmp(gl_data_ptr(a), gl_data_ptr(b), (size_t)n * gl_dtype_size(gl_dtype_of(a))) == 0;
    double *x = malloc(sizeof(double) * (size_t)(n ? n : 1)), *y = malloc(sizeof(double) * (size_t)(n ? n : 1));
    gl_copy_to_doubles(a, x);
    gl_copy_to_doubles(b, y);
    int ok = 1;
    for (int64_t i = 0; i < n && ok; i++)
        ok = (isnan(x[i]) && isnan(y[i])) || memcmp(&x[i], &y[i], sizeof(double)) == 0;
    free(x);
    free(y);
    return ok;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gl_print_options o = {20, INT64_MAX, 3, 80};
    gl_set_print_options(&o);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    gl_dtype def = (gl_dtype)(data[0] % GL_DTYPE_COUNT);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    gl_tensor *t = gl_parse_literal(text, len, def);
    if (!t) {
        long long line, col, lines = 1;
        check(sscanf(gl_error(), "literal: line %lld, column %lld: ", &line, &col) == 2,
              "an error without its position", NULL);
        for (size_t i = 0; i < len; i++)
            lines += text[i] == '\n';
        check(line >= 1 && line <= lines && col >= 1 && (size_t)col <= len + 1, "a position outside the text", NULL);
        return 0;
    }
    char *s = gl_format(t);
    check(s != NULL, "gl_format failed", NULL);
    gl_tensor *u = gl_parse_literal(s, strlen(s), GL_FLOAT32); /* float32: what a print leaves unsaid */
    check(u != NULL, "its own print does not parse", s);
    check(same(t, u), "its own print parses to another tensor", s);
    free(s);
    gl_release(u);
    gl_release(t);
    return 0;
}
