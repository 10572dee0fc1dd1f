/* npy.c — NumPy's .npy format in memory: gl_npy_parse reads a whole file's
 * bytes (versions 1.0 to 3.0; '<f4' '<f8' '<i8' '|b1', and '<i4' widened to
 * int64; a fortran_order array transposed into C order), gl_npy_encode and
 * gl_npy_write produce format 1.0, C order, little-endian.
 *
 * The parser takes untrusted bytes (it is fuzzed: tests/fuzz/fuzz_npy.c):
 * every read is bounded by len, the header is copied before it is searched,
 * and the data's size is checked against what the buffer holds before any
 * tensor is allocated, so a header that claims a huge shape costs nothing. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c reads and writes little-endian .npy data as is: port the byte swapping first"
#endif

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAX_HEADER (1u << 24) /* numpy itself refuses headers past 10 KB */

/* --------------------------------------------------------------- reading */

/* The value of 'key' in a header dict: points just after "'key':". */
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
    bool fortran;
    int ndim;
    int64_t shape[GL_MAX_DIMS];
} npy_header;

/* Fills nh from the NUL-terminated header text h; -1 with the error set. */
static int parse_header(const char *h, npy_header *nh, const char *name)
{
    const char *d = dict_value(h, "descr"), *fo = dict_value(h, "fortran_order"),
               *sh = dict_value(h, "shape");
    if (!d || !fo || !sh || (*d != '\'' && *d != '"'))
        return gl_fail_status("%s: bad header (no descr, fortran_order or shape): %.120s", name, h);
    char descr[16];
    size_t k = 0;
    for (d++; *d && *d != '\'' && *d != '"' && k + 1 < sizeof descr; d++)
        descr[k++] = *d;
    descr[k] = '\0';
    static const struct {
        const char *descr;
        gl_dtype dt;
        int size;
    } types[] = {
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
    if (!nh->elem_size)
        return gl_fail_status("%s: unsupported dtype '%s' (supported: <f4 <f8 <i8 <i4 |b1)", name, descr);
    nh->fortran = strncmp(fo, "True", 4) == 0;
    if (*sh != '(')
        return gl_fail_status("%s: bad shape in header: %.60s", name, sh);
    nh->ndim = 0;
    for (const char *p = sh + 1;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        char *end;
        errno = 0;
        long long v = (*p >= '0' && *p <= '9') ? strtoll(p, &end, 10) : (end = (char *)p, 0);
        if (end == p || errno || nh->ndim == GL_MAX_DIMS)
            return gl_fail_status("%s: bad shape in header (at most %d dims of sizes >= 0): %.60s", name,
                                  GL_MAX_DIMS, sh);
        nh->shape[nh->ndim++] = v;
        p = end;
        if (*p == 'L') /* Python 2 longs */
            p++;
    }
    return 0;
}

/* numel * elem_size of shape, or -1 (with the error set) when it overflows. */
static int data_bytes(const npy_header *nh, const char *name, size_t *out)
{
    size_t n = (size_t)nh->elem_size;
    for (int i = 0; i < nh->ndim; i++)
        if (nh->shape[i] == 0)
            n = 0;
    for (int i = 0; i < nh->ndim && n; i++) {
        if ((uint64_t)nh->shape[i] > SIZE_MAX / n) {
            char b[GL_SHAPE_BUF];
            return gl_fail_status("%s: shape %s in header is too large", name,
                                  gl_shape_str(nh->shape, nh->ndim, b, sizeof b));
        }
        n *= (size_t)nh->shape[i];
    }
    *out = n;
    return 0;
}

gl_tensor *gl_npy_parse(const void *buf, size_t len, const char *name)
{
    const unsigned char *b = buf;
    if (!name)
        name = "<memory>";
    if (len < 8 || memcmp(b, NPY_MAGIC, 6) != 0)
        return gl_fail("%s: not a .npy file (bad magic)", name);
    size_t pre, hlen;
    if (b[6] == 1) {
        pre = 10;
        if (len < pre)
            return gl_fail("%s: truncated header", name);
        hlen = b[8] | (size_t)b[9] << 8;
    } else if (b[6] == 2 || b[6] == 3) {
        pre = 12;
        if (len < pre)
            return gl_fail("%s: truncated header", name);
        hlen = b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
    } else {
        return gl_fail("%s: unsupported .npy version %d.%d", name, b[6], b[7]);
    }
    if (hlen > NPY_MAX_HEADER)
        return gl_fail("%s: header of %zu bytes is too long", name, hlen);
    if (len - pre < hlen)
        return gl_fail("%s: truncated header", name);
    char *header = malloc(hlen + 1);
    if (!header)
        return gl_fail("%s: out of memory", name);
    memcpy(header, b + pre, hlen);
    size_t text = hlen;
    while (text && (header[text - 1] == ' ' || header[text - 1] == '\n')) /* the padding, out of messages */
        text--;
    header[text] = '\0';
    npy_header nh;
    int rc = parse_header(header, &nh, name);
    free(header);
    size_t want;
    if (rc != 0 || data_bytes(&nh, name, &want) != 0)
        return NULL;

    const unsigned char *data = b + pre + hlen;
    size_t have = len - pre - hlen;
    if (have < want) {
        char sb[GL_SHAPE_BUF];
        return gl_fail("%s: truncated data: shape %s needs %zu bytes, the file has %zu", name,
                       gl_shape_str(nh.shape, nh.ndim, sb, sizeof sb), want, have);
    }
    int64_t shape[GL_MAX_DIMS]; /* as stored: reversed for fortran order */
    for (int i = 0; i < nh.ndim; i++)
        shape[i] = nh.fortran ? nh.shape[nh.ndim - 1 - i] : nh.shape[i];
    gl_tensor *t = gl_new(shape, nh.ndim, nh.dt);
    if (!t) {
        char msg[1024]; /* gl_fail formats into gl_error()'s buffer: copy it first */
        snprintf(msg, sizeof msg, "%s", gl_error());
        return gl_fail("%s: %s", name, msg);
    }
    size_t numel = (size_t)gl_numel(t);
    if (nh.dt == GL_INT64 && nh.elem_size == 4) { /* '<i4' widened */
        int64_t *dst = gl_data_ptr(t);
        for (size_t i = 0; i < numel; i++) {
            int32_t v;
            memcpy(&v, data + i * 4, 4);
            dst[i] = v;
        }
    } else if (nh.dt == GL_BOOL) { /* any nonzero byte is true; the engine keeps 0/1 */
        uint8_t *dst = gl_data_ptr(t);
        for (size_t i = 0; i < numel; i++)
            dst[i] = data[i] != 0;
    } else if (want) {
        memcpy(gl_data_ptr(t), data, want);
    }
    if (nh.fortran && nh.ndim > 1) {
        int perm[GL_MAX_DIMS];
        for (int i = 0; i < nh.ndim; i++)
            perm[i] = nh.ndim - 1 - i;
        bool prev = gl_set_grad_enabled(false);
        gl_tensor *p = gl_permute(t, perm, nh.ndim);
        gl_tensor *c = p ? gl_clone(p) : NULL; /* a fresh storage, row-major */
        gl_set_grad_enabled(prev);
        gl_release(p);
        gl_release(t);
        if (!c) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", gl_error());
            return gl_fail("%s: %s", name, msg);
        }
        t = c;
    }
    return t;
}

/* --------------------------------------------------------------- writing */

/* The .npy descr of each dtype we write. */
static const char *npy_descr(gl_dtype dt)
{
    switch (dt) {
    case GL_FLOAT32: return "<f4";
    case GL_FLOAT64: return "<f8";
    case GL_INT64: return "<i8";
    default: return "|b1";
    }
}

/* The 10-byte preamble and the header dict, padded with spaces and a final
 * '\n' so that data starts at a multiple of 64 bytes (format 1.0), as
 * numpy.save writes it. Returns the total length (at most GL_NPY_HEADER_MAX). */
#define GL_NPY_HEADER_MAX 512
static size_t npy_header_bytes(const gl_tensor *t, char out[GL_NPY_HEADER_MAX])
{
    char *h = out + 10;
    size_t cap = GL_NPY_HEADER_MAX - 10;
    int n = snprintf(h, cap, "{'descr': '%s', 'fortran_order': False, 'shape': (", npy_descr(t->dtype));
    for (int i = 0; i < t->ndim; i++)
        n += snprintf(h + n, cap - (size_t)n, "%lld,%s", (long long)t->shape[i], i + 1 < t->ndim ? " " : "");
    if (t->ndim > 1) /* "(3,)" for one dim, "(2, 3)" for more */
        n--;
    n += snprintf(h + n, cap - (size_t)n, "), }");
    /* 8 dims of 19 digits make at most ~250 bytes: the padding always fits */
    size_t padded = (10 + (size_t)n + 1 + 63) / 64 * 64;
    size_t hlen = padded - 10;
    memset(h + n, ' ', hlen - (size_t)n - 1);
    h[hlen - 1] = '\n';
    memcpy(out, NPY_MAGIC "\x01\x00", 8);
    out[8] = (char)(hlen & 0xff);
    out[9] = (char)(hlen >> 8);
    return padded;
}

void *gl_npy_encode(const gl_tensor *t, size_t *len)
{
    bool prev = gl_set_grad_enabled(false);
    gl_tensor *c = gl_contiguous(t);
    gl_set_grad_enabled(prev);
    if (!c)
        return NULL;
    char header[GL_NPY_HEADER_MAX];
    size_t hlen = npy_header_bytes(c, header);
    size_t nbytes = (size_t)gl_numel(c) * gl_dtype_size(c->dtype);
    char *out = malloc(hlen + nbytes);
    if (!out) {
        gl_release(c);
        gl_set_error("npy_encode: out of memory: cannot allocate %zu bytes", hlen + nbytes);
        return NULL;
    }
    memcpy(out, header, hlen);
    if (nbytes)
        memcpy(out + hlen, gl_data_ptr(c), nbytes);
    gl_release(c);
    *len = hlen + nbytes;
    return out;
}

int gl_npy_write(const gl_tensor *t, const char *path)
{
    bool prev = gl_set_grad_enabled(false);
    gl_tensor *c = gl_contiguous(t);
    gl_set_grad_enabled(prev);
    if (!c)
        return -1;
    char header[GL_NPY_HEADER_MAX];
    size_t hlen = npy_header_bytes(c, header);
    size_t nbytes = (size_t)gl_numel(c) * gl_dtype_size(c->dtype);
    FILE *f = fopen(path, "wb");
    if (!f) {
        gl_release(c);
        return gl_fail_status("%s: %s", path, strerror(errno));
    }
    bool ok = fwrite(header, 1, hlen, f) == hlen && (nbytes == 0 || fwrite(gl_data_ptr(c), 1, nbytes, f) == nbytes);
    int saved_errno = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        saved_errno = errno;
    }
    gl_release(c);
    if (!ok)
        return gl_fail_status("%s: write failed: %s", path, strerror(saved_errno));
    return 0;
}
