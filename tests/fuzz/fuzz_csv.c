/* fuzz_csv.c — libFuzzer target for gl_csv_parse (engine/csv.c).
 *
 * The first byte picks the options (header mode, dtype, separator), the rest
 * is the text, with no terminating NUL. The parser must return a
 * (rows, columns) tensor or NULL with an error naming the file; a header's
 * names must number the columns; and the tensor written back as CSV (every
 * value with enough digits to come back exactly) must parse to the same
 * values. Seeds: tests/fuzz/corpus/csv (the first byte of each is the
 * options byte: see make_corpus.py). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradlab.h"

#define NAME "fuzz.csv"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_csv: %s (error: %s)\n", what, gl_error());
        abort();
    }
}

static const char seps[] = {',', ';', '\t', ' ', '|', ',', ',', ','};

/* t as CSV text, one row per line, no header; malloc'd, length in *len. */
static char *write_csv(const gl_tensor *t, char sep, size_t *len)
{
    int64_t rows = gl_size(t, 0), cols = gl_size(t, 1), n = rows * cols;
    double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
    size_t cap = (size_t)n * 32 + (size_t)rows + 1, k = 0;
    char *out = malloc(cap);
    check(v && out, "out of memory");
    gl_copy_to_doubles(t, v);
    const int64_t *iv = gl_dtype_of(t) == GL_INT64 ? gl_data_ptr(t) : NULL; /* exactly */
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) {
            int64_t i = r * cols + c;
            if (iv)
                k += (size_t)snprintf(out + k, cap - k, "%lld", (long long)iv[i]);
            else if (isnan(v[i]))
                k += (size_t)snprintf(out + k, cap - k, "nan");
            else
                k += (size_t)snprintf(out + k, cap - k, "%.17g", v[i]);
            out[k++] = c + 1 < cols ? sep : '\n';
        }
    free(v);
    *len = k;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    gl_csv_header header = (gl_csv_header)(opt % 3);
    gl_dtype dt = (gl_dtype)((opt >> 2) % GL_DTYPE_COUNT);
    char sep = seps[(opt >> 4) & 7];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    char **names = (char **)&names; /* must be overwritten */
    gl_tensor *t = gl_csv_parse(text, len, NAME, sep, header, dt, &names);
    if (!t) {
        check(names == NULL, "names not NULL after an error");
        check(strncmp(gl_error(), NAME ": ", sizeof NAME + 1) == 0, "an error that does not name the file");
        return 0;
    }
    check(gl_ndim(t) == 2 && gl_dtype_of(t) == dt, "not a 2-D tensor of the dtype asked");
    if (header == GL_CSV_HEADER_NONE)
        check(names == NULL, "names without a header");
    if (header == GL_CSV_HEADER_PRESENT && gl_size(t, 1) > 0)
        check(names != NULL, "no names with a header");
    if (names) {
        int64_t k = 0;
        while (names[k])
            k++;
        check(k == gl_size(t, 1), "as many names as columns");
    }
    free(names);

    /* written back and read again: the same values */
    size_t n;
    char *again = write_csv(t, sep, &n);
    gl_tensor *u = gl_csv_parse(again, n, "again.csv", sep, GL_CSV_HEADER_NONE, dt, NULL);
    check(u != NULL, "its own CSV does not parse");
    if (gl_size(t, 0) > 0) {
        check(gl_size(u, 0) == gl_size(t, 0) && gl_size(u, 1) == gl_size(t, 1), "shape changed");
        size_t bytes = (size_t)gl_numel(t) * gl_dtype_size(dt);
        if (dt == GL_FLOAT32 || dt == GL_FLOAT64) { /* NaN's payload may differ */
            int64_t m = gl_numel(t);
            double *a = malloc(sizeof(double) * (size_t)m), *b = malloc(sizeof(double) * (size_t)m);
            check(a && b, "out of memory");
            gl_copy_to_doubles(t, a);
            gl_copy_to_doubles(u, b);
            for (int64_t i = 0; i < m; i++)
                check((isnan(a[i]) && isnan(b[i])) || memcmp(&a[i], &b[i], sizeof(double)) == 0, "value changed");
            free(a);
            free(b);
        } else {
            check(memcmp(gl_data_ptr(u), gl_data_ptr(t), bytes) == 0, "value changed");
        }
    } else {
        check(gl_numel(u) == 0, "rows from nothing");
    }
    free(again);
    gl_release(u);
    gl_release(t);
    return 0;
}
