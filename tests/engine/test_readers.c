/* test_readers.c — the engine's readers of untrusted text and bytes:
 * gl_npy_parse / gl_npy_encode / gl_npy_write (npy.c), gl_csv_parse (csv.c)
 * and gl_parse_literal (literal.c). Valid inputs of each dtype and form,
 * every error text, the literal's round trip through gl_format, and one
 * test per input the fuzzers (tests/fuzz/) found crashing, read from
 * tests/fuzz/regressions/. */
#include "test.h"

#include <dirent.h>
#include <unistd.h>

/* ------------------------------------------------------------- helpers */

/* Fails unless t is a tensor of dtype dt with the given shape and values
 * (exactly; NaN matches NaN). Consumes t. */
static void assert_tensor(gl_tensor *t, gl_dtype dt, int ndim, const int64_t *shape, const double *vals)
{
    if (!t)
        fail_msg("expected a tensor, got NULL: %s", gl_error());
    assert_string_equal(gl_dtype_name(gl_dtype_of(t)), gl_dtype_name(dt));
    assert_tensor_near(t, ndim, shape, vals, 0);
    gl_release(t);
}
#define ASSERT_T(t, dt, shape, ...) assert_tensor(t, dt, shape, (double[]){__VA_ARGS__})

/* A .npy file in memory: format 1.0 (or 2.0) preamble, the header dict
 * padded to 64 bytes as numpy pads it, then the data. *len gets its size. */
static unsigned char *npy_file(int major, const char *dict, const void *data, size_t ndata, size_t *len)
{
    size_t pre = major == 1 ? 10 : 12, h = strlen(dict);
    size_t total = pre + h + 1, padded = (total + 63) / 64 * 64, hlen = padded - pre;
    unsigned char *b = malloc(padded + ndata + 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    for (size_t i = 0; i < pre - 8; i++)
        b[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(b + pre, dict, h);
    memset(b + pre + h, ' ', hlen - h - 1);
    b[padded - 1] = '\n';
    if (ndata)
        memcpy(b + padded, data, ndata);
    *len = padded + ndata;
    return b;
}

static gl_tensor *parse_npy(int major, const char *dict, const void *data, size_t ndata)
{
    size_t len;
    unsigned char *b = npy_file(major, dict, data, ndata, &len);
    gl_tensor *t = gl_npy_parse(b, len, "x.npy");
    free(b);
    return t;
}

/* Fails unless parsing the bytes fails with exactly msg. */
static void assert_npy_error(const void *buf, size_t len, const char *msg)
{
    gl_tensor *t = gl_npy_parse(buf, len, "x.npy");
    if (t) {
        gl_release(t);
        fail_msg("expected the error \"%s\", got a tensor", msg);
    }
    assert_error(msg);
}

/* A repo-relative file (tests run from the repo root, or from the build
 * directory below it): malloc'd contents, length in *len; fails the test if
 * it is not found. */
static char *read_repo_file(const char *relpath, size_t *len)
{
    static const char *const ups[] = {"", "../", "../../", "../../../"};
    char path[1024];
    FILE *f = NULL;
    const char *root = getenv("GRADLAB_ROOT");
    if (root) {
        snprintf(path, sizeof path, "%s/%s", root, relpath);
        f = fopen(path, "rb");
    }
    for (size_t i = 0; !f && i < sizeof ups / sizeof ups[0]; i++) {
        snprintf(path, sizeof path, "%s%s", ups[i], relpath);
        f = fopen(path, "rb");
    }
    if (!f)
        fail_msg("%s not found (run from the repo root or set GRADLAB_ROOT)", relpath);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ----------------------------------------------------------------- npy */

static void test_npy_each_dtype(void **state)
{
    (void)state;
    float f4[] = {1.5f, -2, 3, 0.25f, 5, 6};
    ASSERT_T(parse_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f4, sizeof f4),
             GL_FLOAT32, SHAPE(2, 3), 1.5, -2, 3, 0.25, 5, 6);
    double f8[] = {0.1, -1e300};
    ASSERT_T(parse_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f8, sizeof f8),
             GL_FLOAT64, SHAPE(2), 0.1, -1e300);
    int64_t i8[] = {1, -2, (int64_t)1 << 40};
    ASSERT_T(parse_npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", i8, sizeof i8),
             GL_INT64, SHAPE(3), 1, -2, 1099511627776.0);
    int32_t i4[] = {7, -8, 2147483647};
    ASSERT_T(parse_npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", i4, sizeof i4),
             GL_INT64, SHAPE(3), 7, -8, 2147483647);
    unsigned char b1[] = {1, 0, 7}; /* any nonzero byte is true, kept as 1 */
    gl_tensor *b = parse_npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", b1, sizeof b1);
    assert_non_null(b);
    assert_int_equal(((unsigned char *)gl_data_ptr(b))[2], 1);
    ASSERT_T(b, GL_BOOL, SHAPE(3), 1, 0, 1);
    /* int64 beyond 2^53 comes through exactly */
    int64_t big = INT64_MIN + 1;
    gl_tensor *t = parse_npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }", &big, sizeof big);
    assert_non_null(t);
    assert_int_equal(gl_ndim(t), 0);
    assert_true(*(int64_t *)gl_data_ptr(t) == INT64_MIN + 1);
    gl_release(t);
}

static void test_npy_forms(void **state)
{
    (void)state;
    /* column-major data of [[1, 2, 3], [4, 5, 6]] */
    double fo[] = {1, 4, 2, 5, 3, 6};
    gl_tensor *t = parse_npy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", fo, sizeof fo);
    assert_non_null(t);
    assert_true(gl_is_contiguous(t));
    ASSERT_T(t, GL_FLOAT64, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    float v2[] = {1, 2};
    ASSERT_T(parse_npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", v2, sizeof v2),
             GL_FLOAT32, SHAPE(2), 1, 2);
    float sc = 2.5f;
    ASSERT_T(parse_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", &sc, sizeof sc), GL_FLOAT32,
             SCALAR_SHAPE, 2.5);
    t = parse_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", NULL, 0);
    assert_tensor(t, GL_FLOAT64, SHAPE(0, 3), NULL);
    /* Python 2 longs, '=' byte order, trailing bytes ignored */
    double two[] = {1, 2, 99};
    ASSERT_T(parse_npy(1, "{'descr': '=f8', 'fortran_order': False, 'shape': (2L,), }", two, sizeof two),
             GL_FLOAT64, SHAPE(2), 1, 2);
}

static void test_npy_encode_round_trip(void **state)
{
    (void)state;
    gl_tensor *cases[] = {
        T(GL_FLOAT32, SHAPE(2, 2), 1.5, -2, 3, 4e-3), T(GL_FLOAT64, SHAPE(3), 1, 0.1, -1e-300),
        T(GL_INT64, SHAPE(2), -5, 1099511627776.0),  T(GL_BOOL, SHAPE(3), 1, 0, 1),
        T(GL_FLOAT32, SCALAR_SHAPE, 2.5),            gl_zeros(DIMS(0, 3), GL_FLOAT32),
        gl_arange(0, 24, 1, GL_FLOAT64),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        void *buf = gl_npy_encode(cases[i], &len);
        assert_non_null(buf);
        assert_int_equal(len % 64, (gl_numel(cases[i]) * gl_dtype_size(gl_dtype_of(cases[i]))) % 64);
        gl_tensor *back = gl_npy_parse(buf, len, "rt.npy");
        free(buf);
        assert_non_null(back);
        int64_t n = gl_numel(cases[i]);
        double *want = malloc(sizeof(double) * (size_t)(n ? n : 1));
        gl_copy_to_doubles(cases[i], want);
        assert_tensor(back, gl_dtype_of(cases[i]), gl_ndim(cases[i]), gl_shape(cases[i]), want);
        free(want);
        gl_release(cases[i]);
    }
}

static void test_npy_encode_header_as_numpy(void **state)
{
    (void)state;
    gl_tensor *m = T(GL_FLOAT32, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
    gl_tensor *mt = gl_transpose(m, 0, 1); /* saved in C order */
    size_t len;
    unsigned char *b = gl_npy_encode(mt, &len);
    assert_non_null(b);
    assert_memory_equal(b, "\x93NUMPY\x01\x00", 8);
    size_t hlen = b[8] | (size_t)b[9] << 8;
    assert_int_equal((10 + hlen) % 64, 0);
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
    assert_memory_equal(b + 10, dict, strlen(dict));
    assert_int_equal(b[10 + hlen - 1], '\n');
    float want[] = {1, 4, 2, 5, 3, 6};
    assert_int_equal(len, 10 + hlen + sizeof want);
    assert_memory_equal(b + 10 + hlen, want, sizeof want);
    free(b);
    gl_release(mt);
    gl_release(m);
    static const struct {
        gl_dtype dt;
        int ndim;
        const char *dict;
    } more[] = {
        {GL_INT64, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }"},
        {GL_BOOL, 0, "{'descr': '|b1', 'fortran_order': False, 'shape': (), }"},
        {GL_FLOAT64, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        gl_tensor *t = gl_ones((int64_t[]){1}, more[i].ndim, more[i].dt);
        b = gl_npy_encode(t, &len);
        assert_memory_equal(b + 10, more[i].dict, strlen(more[i].dict));
        free(b);
        gl_release(t);
    }
}

static void test_npy_write(void **state)
{
    (void)state;
    char path[] = "/tmp/gradlab-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gl_tensor *t = T(GL_FLOAT64, SHAPE(2), 0.5, -7);
    assert_int_equal(gl_npy_write(t, path), 0);
    size_t len;
    void *enc = gl_npy_encode(t, &len);
    FILE *f = fopen(path, "rb");
    char buf[256];
    size_t got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unlink(path);
    assert_int_equal(got, len);
    assert_memory_equal(buf, enc, len);
    free(enc);
    assert_int_equal(gl_npy_write(t, "/nonexistent-dir/x.npy"), -1);
    assert_error("/nonexistent-dir/x.npy: No such file or directory");
    gl_release(t);
}

static void test_npy_errors(void **state)
{
    (void)state;
    assert_npy_error("PK\3\4 not numpy at all", 22, "x.npy: not a .npy file (bad magic)");
    assert_npy_error("", 0, "x.npy: not a .npy file (bad magic)");
    assert_npy_error("\x93NUMPY\x01", 7, "x.npy: not a .npy file (bad magic)");
    assert_npy_error("\x93NUMPY\x09\x00\x00\x00", 10, "x.npy: unsupported .npy version 9.0");
    assert_npy_error("\x93NUMPY\x01\x00\x40", 9, "x.npy: truncated header");
    assert_npy_error("\x93NUMPY\x02\x00\x40\x00\x00", 11, "x.npy: truncated header");
    assert_npy_error("\x93NUMPY\x01\x00\x40\x00{'descr'", 17, "x.npy: truncated header");
    assert_npy_error("\x93NUMPY\x02\x00\x00\x00\x00\x02", 12, "x.npy: header of 33554432 bytes is too long");

    size_t len;
    unsigned char *b = npy_file(1, "{'fortran_order': False, 'shape': (1,), }", "\0\0\0\0", 4, &len);
    assert_npy_error(b, len, "x.npy: bad header (no descr, fortran_order or shape): {'fortran_order': False, "
                             "'shape': (1,), }");
    free(b);
    static const struct {
        const char *dict, *msg;
    } cases[] = {
        {"{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
         "x.npy: unsupported dtype '>f4' (supported: <f4 <f8 <i8 <i4 |b1)"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
         "x.npy: unsupported dtype '<c8' (supported: <f4 <f8 <i8 <i4 |b1)"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [1], }", "x.npy: bad shape in header: [1], }"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }",
         "x.npy: bad shape in header (at most 8 dims of sizes >= 0): (2, x), }"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
         "x.npy: bad shape in header (at most 8 dims of sizes >= 0): (-1,), }"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }",
         "x.npy: bad shape in header (at most 8 dims of sizes >= 0): (1, 1, 1, 1, 1, 1, 1, 1, 1), }"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
         "x.npy: bad shape in header (at most 8 dims of sizes >= 0): (99999999999999999999,), }"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
         "x.npy: shape (4294967296,4294967296) in header is too large"},
        /* a huge claim with no data behind it fails before allocating anything */
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000,), }",
         "x.npy: truncated data: shape (100000000000) needs 400000000000 bytes, the file has 12"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
         "x.npy: truncated data: shape (2,3) needs 24 bytes, the file has 12"},
    };
    float data[3] = {1, 2, 3};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        b = npy_file(1, cases[i].dict, data, sizeof data, &len);
        assert_npy_error(b, len, cases[i].msg);
        free(b);
    }
    /* no name: "<memory>" */
    assert_null(gl_npy_parse("nope", 4, NULL));
    assert_error("<memory>: not a .npy file (bad magic)");
}

/* Found by fuzz_npy: an empty array whose shape has a 0 before sizes > 1,
 * (0, 2, 1, 2, 0, 1, 2, 1), came back "not contiguous": gl_is_contiguous
 * compared strides of dims after a 0 with a running product that the 0 had
 * zeroed. A tensor with no elements is contiguous (as in torch). */
static void test_npy_empty_dims_contiguous(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_repo_file("tests/fuzz/regressions/npy_empty_dims_contiguous.npy", &len);
    gl_tensor *t = gl_npy_parse(buf, len, "regression.npy");
    free(buf);
    assert_non_null(t);
    assert_true(gl_is_contiguous(t));
    assert_tensor(t, GL_FLOAT32, SHAPE(0, 2, 1, 2, 0, 1, 2, 1), NULL);
    gl_tensor *z = gl_zeros(DIMS(2, 0, 3), GL_FLOAT64);
    assert_true(gl_is_contiguous(z));
    gl_tensor *c = gl_contiguous(z);
    assert_ptr_equal(c, z); /* no copy */
    gl_release(c);
    gl_release(z);
}

/* ----------------------------------------------------------------- csv */

static gl_tensor *csv(const char *text, char sep, gl_csv_header h, gl_dtype dt, char ***names)
{
    return gl_csv_parse(text, strlen(text), "d.csv", sep, h, dt, names);
}

static void assert_csv_error(const char *text, char sep, gl_csv_header h, const char *msg)
{
    char **names = (char **)&names;
    gl_tensor *t = csv(text, sep, h, GL_FLOAT32, &names);
    if (t) {
        gl_release(t);
        fail_msg("expected the error \"%s\", got a tensor", msg);
    }
    assert_null(names);
    assert_error(msg);
}

static void test_csv_each_dtype(void **state)
{
    (void)state;
    char **names = (char **)&names;
    ASSERT_T(csv("1,2,3\n4,5,6\n", ',', GL_CSV_HEADER_GUESS, GL_FLOAT32, &names), GL_FLOAT32, SHAPE(2, 3), 1, 2,
             3, 4, 5, 6);
    assert_null(names);
    ASSERT_T(csv("0.1,-1e300\n", ',', GL_CSV_HEADER_NONE, GL_FLOAT64, NULL), GL_FLOAT64, SHAPE(1, 2), 0.1,
             -1e300);
    ASSERT_T(csv("1,0\n0,2.5\n", ',', GL_CSV_HEADER_NONE, GL_BOOL, NULL), GL_BOOL, SHAPE(2, 2), 1, 0, 0, 1);
    /* int64: integers exactly (2^53 + 1 would round through a double), others as a cast */
    gl_tensor *t = csv("9007199254740993,-9223372036854775808\n1.9,-1.9\n", ',', GL_CSV_HEADER_NONE, GL_INT64,
                       NULL);
    assert_non_null(t);
    const int64_t *v = gl_data_ptr(t);
    assert_true(v[0] == 9007199254740993LL && v[1] == INT64_MIN && v[2] == 1 && v[3] == -1);
    gl_release(t);
}

static void test_csv_headers_and_forms(void **state)
{
    (void)state;
    char **names = NULL;
    gl_tensor *t = csv("x1, x2,\"y, the \"\"target\"\"\"\r\n0.5,1e-3,-2\r\n\n# a comment\n  \n1, 2 ,3", ',',
                       GL_CSV_HEADER_GUESS, GL_FLOAT32, &names);
    ASSERT_T(t, GL_FLOAT32, SHAPE(2, 3), 0.5, (float)1e-3, -2, 1, 2, 3);
    assert_non_null(names);
    assert_string_equal(names[0], "x1");
    assert_string_equal(names[1], "x2");
    assert_string_equal(names[2], "y, the \"target\"");
    assert_null(names[3]);
    free(names);
    /* told there is a header: the first line, numbers or not */
    ASSERT_T(csv("1,2\n3,4\n", ',', GL_CSV_HEADER_PRESENT, GL_FLOAT32, &names), GL_FLOAT32, SHAPE(1, 2), 3, 4);
    assert_string_equal(names[0], "1");
    free(names);
    /* told there is none: a non-number in the first line is an error */
    assert_csv_error("a,b\n1,2\n", ',', GL_CSV_HEADER_NONE, "d.csv: line 1, field 1: 'a' is not a number");
    /* a header alone; nothing at all */
    ASSERT_T(csv("a,b\n", ',', GL_CSV_HEADER_GUESS, GL_FLOAT32, &names), GL_FLOAT32, SHAPE(0, 2));
    assert_string_equal(names[1], "b");
    free(names);
    ASSERT_T(csv("", ',', GL_CSV_HEADER_GUESS, GL_FLOAT32, &names), GL_FLOAT32, SHAPE(0, 0));
    assert_null(names);
    ASSERT_T(csv("# only\n\n", ',', GL_CSV_HEADER_GUESS, GL_FLOAT32, NULL), GL_FLOAT32, SHAPE(0, 0));
    /* other separators; empty fields are NaN; nan and inf as strtod reads them */
    ASSERT_T(csv("1;2\n3;\n", ';', GL_CSV_HEADER_GUESS, GL_FLOAT64, NULL), GL_FLOAT64, SHAPE(2, 2), 1, 2, 3, NAN);
    ASSERT_T(csv("1\t\t3\n", '\t', GL_CSV_HEADER_GUESS, GL_FLOAT32, NULL), GL_FLOAT32, SHAPE(1, 3), 1, NAN, 3);
    ASSERT_T(csv("1 2  3\n", ' ', GL_CSV_HEADER_GUESS, GL_FLOAT32, NULL), GL_FLOAT32, SHAPE(1, 4), 1, 2, NAN, 3);
    ASSERT_T(csv("nan,-inf,0x1p3\n", ',', GL_CSV_HEADER_GUESS, GL_FLOAT32, NULL), GL_FLOAT32, SHAPE(1, 3), NAN,
             -INFINITY, 8);
    /* the text need not end in a NUL: only len bytes are read */
    t = gl_csv_parse("1,2\n3,4\n5,6", 7, "d.csv", ',', GL_CSV_HEADER_GUESS, GL_FLOAT32, NULL);
    ASSERT_T(t, GL_FLOAT32, SHAPE(2, 2), 1, 2, 3, 4);
}

static void test_csv_errors(void **state)
{
    (void)state;
    assert_csv_error("a,b,c\n1,2,3\n4,5\n", ',', GL_CSV_HEADER_GUESS,
                     "d.csv: ragged rows: line 3 has 2 fields, expected 3");
    assert_csv_error("1,2\n3,abc\n", ',', GL_CSV_HEADER_GUESS, "d.csv: line 2, field 2: 'abc' is not a number");
    assert_csv_error("1,2\n3,4x\n", ',', GL_CSV_HEADER_GUESS, "d.csv: line 2, field 2: '4x' is not a number");
    gl_tensor *t = gl_csv_parse("1,2\n3,\0\n", 8, "d.csv", ',', GL_CSV_HEADER_GUESS, GL_FLOAT32, NULL);
    assert_null(t);
    assert_error("d.csv: line 2 has a NUL byte (not a text file?)");
    assert_csv_error("1\n", '"', GL_CSV_HEADER_GUESS, "d.csv: the separator can't be a quote, a line break or NUL");
    assert_csv_error("1\n", '\n', GL_CSV_HEADER_GUESS, "d.csv: the separator can't be a quote, a line break or NUL");
    assert_null(gl_csv_parse("1,x", 3, NULL, ',', GL_CSV_HEADER_NONE, GL_FLOAT32, NULL));
    assert_error("<memory>: line 1, field 2: 'x' is not a number");
}

/* ------------------------------------------------------------- literal */

static gl_tensor *lit(const char *text, gl_dtype def) { return gl_parse_literal(text, strlen(text), def); }

static void assert_lit_error(const char *text, const char *msg)
{
    gl_tensor *t = lit(text, GL_FLOAT32);
    if (t) {
        gl_release(t);
        fail_msg("expected the error \"%s\" for %s, got a tensor", msg, text);
    }
    assert_error(msg);
}

static void test_literal_bare(void **state)
{
    (void)state;
    ASSERT_T(lit("[[1, 2], [3, 4.5e-3]]", GL_FLOAT64), GL_FLOAT64, SHAPE(2, 2), 1, 2, 3, 4.5e-3);
    ASSERT_T(lit("[[1, 2], [3, 4.5e-3]]", GL_FLOAT32), GL_FLOAT32, SHAPE(2, 2), 1, 2, 3, (float)4.5e-3);
    ASSERT_T(lit("[1, -2, 3]", GL_INT64), GL_INT64, SHAPE(3), 1, -2, 3);
    ASSERT_T(lit("[true, false, True]", GL_FLOAT32), GL_BOOL, SHAPE(3), 1, 0, 1); /* booleans alone */
    ASSERT_T(lit("[True, 2]", GL_FLOAT32), GL_FLOAT32, SHAPE(2), 1, 2);
    ASSERT_T(lit("  -1.5e-3 ", GL_FLOAT64), GL_FLOAT64, SCALAR_SHAPE, -1.5e-3);
    ASSERT_T(lit("[nan, inf, -inf, +Infinity, .5, 2.]", GL_FLOAT64), GL_FLOAT64, SHAPE(6), NAN, INFINITY,
             -INFINITY, INFINITY, 0.5, 2);
    ASSERT_T(lit("[[], []]", GL_FLOAT32), GL_FLOAT32, SHAPE(2, 0));
    ASSERT_T(lit("[]", GL_INT64), GL_INT64, SHAPE(0));
    ASSERT_T(lit("[\n  [1, 2,],\n  [3, 4,],\n]", GL_FLOAT32), GL_FLOAT32, SHAPE(2, 2), 1, 2, 3, 4);
    ASSERT_T(lit("[[[[[[[[7]]]]]]]]", GL_FLOAT32), GL_FLOAT32, SHAPE(1, 1, 1, 1, 1, 1, 1, 1), 7);
    /* int64 exactly, past 2^53 */
    gl_tensor *t = lit("[9007199254740993, -9223372036854775808]", GL_INT64);
    assert_non_null(t);
    assert_true(((int64_t *)gl_data_ptr(t))[0] == 9007199254740993LL);
    assert_true(((int64_t *)gl_data_ptr(t))[1] == INT64_MIN);
    gl_release(t);
    /* only len bytes are read */
    ASSERT_T(gl_parse_literal("[1, 2]]]]", 6, GL_FLOAT32), GL_FLOAT32, SHAPE(2), 1, 2);
}

static void test_literal_torch_prints(void **state)
{
    (void)state;
    ASSERT_T(lit("tensor([[2., 0., 0., 0.]])", GL_FLOAT32), GL_FLOAT32, SHAPE(1, 4), 2, 0, 0, 0);
    ASSERT_T(lit("tensor([3.0000e-01, 3.0000e+00, 3.0000e-04])", GL_FLOAT32), GL_FLOAT32, SHAPE(3), (float)0.3, 3,
             (float)3e-4);
    ASSERT_T(lit("tensor(1.2040, dtype=float64)", GL_FLOAT32), GL_FLOAT64, SCALAR_SHAPE, 1.204);
    ASSERT_T(lit("tensor(1.2040, dtype=torch.float64)", GL_FLOAT32), GL_FLOAT64, SCALAR_SHAPE, 1.204);
    ASSERT_T(lit("tensor([ True, False])", GL_FLOAT32), GL_BOOL, SHAPE(2), 1, 0);
    ASSERT_T(lit("tensor([1, 2, 3])", GL_FLOAT32), GL_INT64, SHAPE(3), 1, 2, 3); /* integers: int64 */
    ASSERT_T(lit("tensor([nan, inf, -inf])", GL_FLOAT32), GL_FLOAT32, SHAPE(3), NAN, INFINITY, -INFINITY);
    /* floats take a floating default (torch.set_default_dtype), else float32 */
    ASSERT_T(lit("tensor([0.1])", GL_FLOAT64), GL_FLOAT64, SHAPE(1), 0.1);
    ASSERT_T(lit("tensor([0.5])", GL_INT64), GL_FLOAT32, SHAPE(1), 0.5);
    ASSERT_T(lit("tensor([], size=(0, 3), dtype=int64)", GL_FLOAT32), GL_INT64, SHAPE(0, 3));
    ASSERT_T(lit("tensor([])", GL_FLOAT32), GL_FLOAT32, SHAPE(0));
    ASSERT_T(lit("tensor([1, 2], dtype=torch.int32)", GL_FLOAT32), GL_INT64, SHAPE(2), 1, 2);
    ASSERT_T(lit("tensor([1., 2.], device='cuda:0', dtype=torch.float16)", GL_FLOAT64), GL_FLOAT32, SHAPE(2), 1, 2);
    gl_tensor *t = lit("tensor([1., 2.], requires_grad=True)", GL_FLOAT32);
    assert_non_null(t);
    assert_true(gl_requires_grad(t) && gl_is_leaf(t));
    gl_release(t);
    t = lit("tensor([[-1.7644,  0.0437],\n        [ 1.9136, -2.4734]], grad_fn=<MulBackward0>)", GL_FLOAT32);
    ASSERT_T(t, GL_FLOAT32, SHAPE(2, 2), (float)-1.7644, (float)0.0437, (float)1.9136, (float)-2.4734);
    t = lit("Parameter containing:\ntensor([[ 0.1000, -0.2000]], requires_grad=True)", GL_FLOAT32);
    assert_non_null(t);
    assert_true(gl_requires_grad(t));
    ASSERT_T(t, GL_FLOAT32, SHAPE(1, 2), (float)0.1, (float)-0.2);
    ASSERT_T(lit("tensor([[[1.5, 2.5]],\n\n        [[3.5, 4.5]]])", GL_FLOAT32), GL_FLOAT32, SHAPE(2, 1, 2), 1.5,
             2.5, 3.5, 4.5);
}

static void test_literal_errors(void **state)
{
    (void)state;
    assert_lit_error("[[1, 2], [3]]",
                     "literal: line 1, column 12: ragged: this list has 1 entry, the first list at the same depth has 2");
    assert_lit_error("[[1, 2],\n [3, 4, 5]]", "literal: line 2, column 9: ragged: this list has more than 2 "
                                              "entries, the first list at the same depth has 2");
    assert_lit_error("[[], [1]]", "literal: line 1, column 7: ragged: this list has more than 0 entries, the first "
                                  "list at the same depth has 0");
    assert_lit_error("[[1], 2]", "literal: line 1, column 7: ragged: a number inside 1 list where the first "
                                 "number is inside 2");
    assert_lit_error("[1, [2]]", "literal: line 1, column 5: ragged: a list where a number was expected (the first "
                                 "number is inside 1 list)");
    assert_lit_error("[[[]], [1]]", "literal: line 1, column 9: ragged: a number inside 2 lists where earlier lists "
                                    "nest 3 deep");
    assert_lit_error("[[[[[[[[[1]]]]]]]]]", "literal: line 1, column 9: more than 8 nested lists (a tensor has at "
                                            "most 8 dims)");
    assert_lit_error("tensor([0., 1., 2.,  ..., 7., 8., 9.])",
                     "literal: line 1, column 22: '...' stands for values a summarised print left out: they can't "
                     "be read back (print it with a higher threshold)");
    assert_lit_error("[1 2]", "literal: line 1, column 4: expected ',' or ']' after a value, got '2]'");
    assert_lit_error("[1, x]", "literal: line 1, column 5: expected a number, True, False, nan, inf or '[', got 'x]'");
    assert_lit_error("[1, nanx]", "literal: line 1, column 5: expected a number, True, False, nan, inf or '[', got "
                                  "'nanx]'");
    assert_lit_error("[1.5.3]", "literal: line 1, column 5: unexpected '.3]' after a number (values are separated "
                                "by ',')");
    assert_lit_error("[1e]", "literal: line 1, column 2: a number's exponent has no digits: '1e]'");
    assert_lit_error("[1, 2", "literal: line 1, column 6: unexpected end of the text: a ']' is missing (for the '[' "
                              "at offset 0)");
    assert_lit_error("", "literal: line 1, column 1: unexpected end of the text: expected a number or '['");
    assert_lit_error("[1] 2", "literal: line 1, column 5: unexpected '2' after the literal");
    assert_lit_error("tensor[1]", "literal: line 1, column 7: expected '(' after 'tensor', got '[1]'");
    assert_lit_error("tensor([1, 2]", "literal: line 1, column 14: unexpected end of the text: the ')' of "
                                      "'tensor(' is missing");
    assert_lit_error("tensor([1.], dtype=torch.complex64)", "literal: line 1, column 20: unsupported dtype "
                                                            "'complex64' (float32, float64, int64 and bool are)");
    assert_lit_error("tensor([1.], foo=1)", "literal: line 1, column 14: unknown keyword 'foo' (dtype, "
                                            "requires_grad, size, grad_fn and device are read)");
    assert_lit_error("tensor([1.], requires_grad=yes)", "literal: line 1, column 28: requires_grad must be True or "
                                                        "False, got 'yes)'");
    assert_lit_error("tensor([1., 2.], size=(3,))", "literal: line 1, column 18: size=(3) does not match the 2 "
                                                    "values given");
    assert_lit_error("tensor([99999999999999999999])", "literal: line 1, column 9: an integer outside int64's "
                                                        "range");
    /* ... unless it is a float */
    ASSERT_T(lit("[99999999999999999999]", GL_FLOAT64), GL_FLOAT64, SHAPE(1), 99999999999999999999.0);
    assert_lit_error("tensor([1, 2], requires_grad=True)", "literal: line 1, column 16: requires_grad=True needs "
                                                           "a floating dtype, not int64");
}

/* Fails unless a and b have the same dtype, shape, requires_grad and values
 * (NaN equal to NaN; otherwise bit for bit). */
static void assert_same(const gl_tensor *a, const gl_tensor *b, const char *text)
{
    if (!b)
        fail_msg("%s did not parse: %s", text, gl_error());
    bool ok = gl_dtype_of(a) == gl_dtype_of(b) && gl_ndim(a) == gl_ndim(b) &&
              gl_requires_grad(a) == gl_requires_grad(b) &&
              (gl_ndim(a) == 0 || memcmp(gl_shape(a), gl_shape(b), sizeof(int64_t) * (size_t)gl_ndim(a)) == 0);
    int64_t n = ok ? gl_numel(a) : 0;
    double *x = malloc(sizeof(double) * (size_t)(n + 1)), *y = malloc(sizeof(double) * (size_t)(n + 1));
    gl_copy_to_doubles(a, x);
    gl_copy_to_doubles(b, y);
    for (int64_t i = 0; i < n && ok; i++)
        ok = (isnan(x[i]) && isnan(y[i])) || memcmp(&x[i], &y[i], sizeof(double)) == 0;
    free(x);
    free(y);
    if (!ok)
        fail_msg("gl_parse_literal(gl_format(t)) differs from t; the text was:\n%s", text);
}

static void assert_round_trip(gl_tensor *t)
{
    assert_non_null(t);
    char *s = gl_format(t);
    gl_tensor *back = gl_parse_literal(s, strlen(s), GL_FLOAT32);
    assert_same(t, back, s);
    free(s);
    gl_release(back);
}

/* gl_parse_literal(gl_format(t)) == t. With the default 4 digits, for values
 * that 4 digits show exactly; with 20, for any values. */
static void test_literal_round_trip(void **state)
{
    (void)state;
    gl_tensor *t;
    gl_tensor *cases[] = {
        T(GL_FLOAT32, SHAPE(1, 4), 2, 0, 0, 0),
        T(GL_FLOAT32, SHAPE(3), 0.3, 3, 3e-4),
        T(GL_FLOAT64, SCALAR_SHAPE, 1.204),
        T(GL_BOOL, SHAPE(2), 1, 0),
        T(GL_INT64, SHAPE(2, 3), 1, -2, 3, 1e15, 0, -7),
        T(GL_FLOAT32, SHAPE(4), NAN, INFINITY, -INFINITY, -0.0),
        T(GL_FLOAT64, SHAPE(2, 2), 1e-5, 1, 1e5, 2.5e10),
        gl_zeros(DIMS(0, 3), GL_INT64),
        gl_zeros(DIMS(2, 0), GL_FLOAT64),
        gl_zeros(DIMS(0), GL_BOOL),
        gl_arange(0, 100, 1, GL_FLOAT32), /* wraps over several lines */
        gl_arange(-30, 30, 1, GL_INT64),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_round_trip(cases[i]);
        gl_release(cases[i]);
    }
    t = T(GL_FLOAT32, SHAPE(2), 1, 2);
    gl_requires_grad_(t, true);
    assert_round_trip(t);
    gl_release(t);

    gl_print_options saved = gl_get_print_options(), o = saved;
    o.precision = 20;
    gl_set_print_options(&o);
    gl_manual_seed(7);
    static const int64_t shapes[][4] = {{0}, {1, 1}, {7}, {3, 5}, {2, 3, 4}, {1, 2, 1, 3}};
    static const int ndims[] = {0, 1, 1, 2, 3, 4};
    for (size_t s = 0; s < sizeof ndims / sizeof ndims[0]; s++)
        for (int dt = GL_FLOAT32; dt <= GL_FLOAT64; dt++) {
            gl_tensor *r = gl_randn(shapes[s], ndims[s], (gl_dtype)dt);
            assert_round_trip(r);
            gl_tensor *k = gl_scalar(1e-6, (gl_dtype)dt), *small = gl_mul(r, k); /* scientific notation */
            assert_round_trip(small);
            gl_release(small);
            gl_release(k);
            if (ndims[s] >= 2) {
                gl_tensor *tr = gl_transpose(r, 0, 1); /* a strided view prints the same */
                assert_round_trip(tr);
                gl_release(tr);
            }
            gl_release(r);
        }
    gl_set_print_options(&saved);
}

/* --------------------------------------------------------- regressions */

/* Found by fuzz_literal: "tensor([],size=(0, 30,000...08446744073709551615,3,0))"
 * gave an error without its position. The values (none) matched the size's
 * zero product, but the nonzero sizes multiply past 64 bits, which gl_new
 * refuses (strides are made of that product), and its message went out as
 * it was. Every failure of the literal now carries its line and column. */
static void test_literal_size_overflow(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_repo_file("tests/fuzz/regressions/literal_size_overflow.lit", &len);
    gl_tensor *t = gl_parse_literal(buf + 1, len - 1, (gl_dtype)buf[0]);
    free(buf);
    assert_null(t);
    /* the position, then gl_new's own message (tensor.c words it) */
    const char *want = "literal: line 1, column 11: tensor: shape (0,30,8446744073709551615,3,0) ";
    assert_memory_equal(gl_error(), want, strlen(want));
    assert_non_null(strstr(gl_error(), "too large"));
    /* a big but representable empty shape is fine */
    ASSERT_T(lit("tensor([], size=(0, 4294967296))", GL_FLOAT32), GL_FLOAT32, SHAPE(0, 4294967296));
}

/* Every input the fuzzers ever crashed on (tests/fuzz/regressions/, named
 * after the test below that explains it) must now give a tensor or a clean
 * error: .npy files whole, .csv and .lit files with their first byte as the
 * fuzzer's options byte. */
static void test_fuzz_regressions_all_clean(void **state)
{
    (void)state;
    const char *dirs[] = {"tests/fuzz/regressions", "../tests/fuzz/regressions", "../../tests/fuzz/regressions"};
    DIR *d = NULL;
    const char *dir = NULL;
    for (size_t i = 0; !d && i < sizeof dirs / sizeof dirs[0]; i++)
        d = opendir(dir = dirs[i]);
    if (!d)
        fail_msg("tests/fuzz/regressions not found (run from the repo root)");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *dot = strrchr(e->d_name, '.');
        if (e->d_name[0] == '.' || !dot)
            continue;
        char rel[512];
        snprintf(rel, sizeof rel, "tests/fuzz/regressions/%s", e->d_name);
        size_t len;
        char *buf = read_repo_file(rel, &len);
        gl_tensor *t = NULL;
        if (strcmp(dot, ".npy") == 0) {
            t = gl_npy_parse(buf, len, e->d_name);
        } else if (strcmp(dot, ".csv") == 0 && len > 0) {
            unsigned o = (unsigned char)buf[0];
            static const char seps[] = {',', ';', '\t', ' ', '|', ',', ',', ','};
            char **names = NULL;
            t = gl_csv_parse(buf + 1, len - 1, e->d_name, seps[(o >> 4) & 7], (gl_csv_header)(o % 3),
                             (gl_dtype)((o >> 2) % GL_DTYPE_COUNT), &names);
            free(names);
        } else if (strcmp(dot, ".lit") == 0 && len > 0) {
            t = gl_parse_literal(buf + 1, len - 1, (gl_dtype)((unsigned char)buf[0] % GL_DTYPE_COUNT));
        }
        if (!t)
            assert_true(gl_error()[0] != '\0');
        gl_release(t);
        free(buf);
        n++;
    }
    closedir(d);
    (void)dir;
    assert_true(n > 0);
}

TEST_GROUP(readers,
           cmocka_unit_test(test_npy_each_dtype),
           cmocka_unit_test(test_npy_forms),
           cmocka_unit_test(test_npy_encode_round_trip),
           cmocka_unit_test(test_npy_encode_header_as_numpy),
           cmocka_unit_test(test_npy_write),
           cmocka_unit_test(test_npy_errors),
           cmocka_unit_test(test_npy_empty_dims_contiguous),
           cmocka_unit_test(test_csv_each_dtype),
           cmocka_unit_test(test_csv_headers_and_forms),
           cmocka_unit_test(test_csv_errors),
           cmocka_unit_test(test_literal_bare),
           cmocka_unit_test(test_literal_torch_prints),
           cmocka_unit_test(test_literal_errors),
           cmocka_unit_test(test_literal_round_trip),
           cmocka_unit_test(test_literal_size_overflow),
           cmocka_unit_test(test_fuzz_regressions_all_clean));
