/* fuzz_npy.c — libFuzzer target for gl_npy_parse (engine/npy.c).
 *
 * Any bytes: the parser must return a tensor or NULL with an error naming
 * the file, never crash, read out of bounds or leak (ASan, UBSan). What it
 * returns must survive gl_npy_encode and parse back to the same dtype,
 * shape and bytes. Seeds: tests/fuzz/corpus/npy (tests/fuzz/make_corpus.py).
 * Build and run: make fuzz-lib, or see the fuzz-lib rule in the Makefile. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradlab.h"

#define NAME "fuzz.npy"

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_npy: %s (error: %s)\n", what, gl_error());
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gl_tensor *t = gl_npy_parse(data, size, NAME);
    if (!t) {
        check(strncmp(gl_error(), NAME ": ", sizeof NAME + 1) == 0, "an error that does not name the file");
        return 0;
    }
    check(gl_is_contiguous(t), "a non-contiguous result");
    size_t n;
    void *buf = gl_npy_encode(t, &n);
    check(buf != NULL, "gl_npy_encode failed");
    gl_tensor *u = gl_npy_parse(buf, n, "again.npy");
    check(u != NULL, "its own encoding does not parse");
    check(gl_dtype_of(u) == gl_dtype_of(t) && gl_ndim(u) == gl_ndim(t), "dtype or ndim changed");
    check(gl_ndim(t) == 0 || memcmp(gl_shape(u), gl_shape(t), sizeof(int64_t) * (size_t)gl_ndim(t)) == 0,
          "shape changed");
    size_t bytes = (size_t)gl_numel(t) * gl_dtype_size(gl_dtype_of(t));
    check(bytes == 0 || memcmp(gl_data_ptr(u), gl_data_ptr(t), bytes) == 0, "data changed");
    free(buf);
    gl_release(u);
    gl_release(t);
    return 0;
}
