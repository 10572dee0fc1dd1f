/* tensor.c — storage, tensor structs, creation and element access. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

static size_t live_bytes;

size_t gl_live_bytes(void) { return live_bytes; }

static const size_t dtype_sizes[GL_DTYPE_COUNT] = {1, 8, 4, 8};
static const char *const dtype_names[GL_DTYPE_COUNT] = {"bool", "int64", "float32", "float64"};

size_t gl_dtype_size(gl_dtype dt) { return dtype_sizes[dt]; }
bool gl_is_floating(gl_dtype dt) { return dt == GL_FLOAT32 || dt == GL_FLOAT64; }
const char *gl_dtype_name(gl_dtype dt)
{
    return (unsigned)dt < GL_DTYPE_COUNT ? dtype_names[dt] : "?";
}

int gl_dtype_parse(const char *name, gl_dtype *out)
{
    static const struct { const char *name; gl_dtype dt; } names[] = {
        {"float32", GL_FLOAT32}, {"float", GL_FLOAT32}, {"float64", GL_FLOAT64},
        {"double", GL_FLOAT64},  {"int64", GL_INT64},   {"long", GL_INT64},
        {"bool", GL_BOOL},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].dt;
            return 0;
        }
    return gl_fail_status("unknown dtype '%s' (expected float32, float64, int64 or bool)", name);
}

gl_dtype gl_promote(gl_dtype a, gl_dtype b) { return a > b ? a : b; }

/* ------------------------------------------------------------- storage */

/* Tensor and storage structs come from free lists (gl_freelist, pool.c). */
static gl_freelist free_tensors, free_storages;

static gl_storage *storage_new(size_t nbytes)
{
    gl_storage *s = gl_freelist_get(&free_storages, sizeof *s);
    /* uninitialised on purpose: gl_empty is like torch.empty */
    void *data = gl_pool_alloc(nbytes);
    if (!s || !data) {
        if (s)
            gl_freelist_put(&free_storages, s);
        gl_pool_free(data, nbytes);
        gl_set_error("out of memory: cannot allocate %zu bytes", nbytes);
        return NULL;
    }
    s->refcount = 1;
    s->version = 0;
    s->nbytes = nbytes;
    s->data = data;
    live_bytes += nbytes;
    return s;
}

static void storage_release(gl_storage *s)
{
    if (!s || --s->refcount > 0)
        return;
    live_bytes -= s->nbytes;
    gl_pool_free(s->data, s->nbytes);
    gl_freelist_put(&free_storages, s);
}

/* -------------------------------------------------------------- tensors */

int64_t gl_shape_numel(const int64_t *shape, int ndim)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    return n;
}

bool gl_shape_overflows(const int64_t *shape, int ndim)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] <= 0)
            continue;
        if (n > INT64_MAX / shape[i])
            return true;
        n *= shape[i];
    }
    return false;
}

void gl_contiguous_strides(const int64_t *shape, int ndim, int64_t *stride)
{
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        stride[i] = s;
        s *= shape[i] > 0 ? shape[i] : 1;
    }
}

/* Validates a shape: dims in range, sizes >= 0, and numel * elem size
 * representable. Returns numel, or -1 with an error. */
static int64_t check_shape(const int64_t *shape, int ndim, gl_dtype dt)
{
    char b[GL_SHAPE_BUF];
    if (ndim < 0 || ndim > GL_MAX_DIMS)
        return gl_fail_status("tensor: %d dims requested; at most %d are supported", ndim,
                              GL_MAX_DIMS);
    if ((unsigned)dt >= GL_DTYPE_COUNT)
        return gl_fail_status("tensor: invalid dtype %d", (int)dt);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0)
            return gl_fail_status("tensor: negative size %lld in shape %s", (long long)shape[i],
                                  gl_shape_str(shape, ndim, b, sizeof b));
    /* The product of the nonzero sizes must fit even when a size is 0: the
     * contiguous strides are made of it. */
    bool overflow = gl_shape_overflows(shape, ndim);
    int64_t n = overflow ? 0 : gl_shape_numel(shape, ndim);
    if (overflow || n > (int64_t)(PTRDIFF_MAX / (int64_t)gl_dtype_size(dt))) {
        double bytes = (double)gl_dtype_size(dt);
        for (int i = 0; i < ndim; i++)
            bytes *= (double)shape[i];
        if (bytes == 0)
            return gl_fail_status("tensor: shape %s is too large: the product of its sizes "
                                  "overflows 64 bits", gl_shape_str(shape, ndim, b, sizeof b));
        return gl_fail_status("tensor: shape %s of %s is too large: %.3g bytes overflow the "
                              "address space", gl_shape_str(shape, ndim, b, sizeof b),
                              gl_dtype_name(dt), bytes);
    }
    return n;
}

static gl_tensor *tensor_struct(gl_dtype dt, int ndim)
{
    gl_tensor *t = gl_freelist_get(&free_tensors, sizeof *t);
    if (!t)
        return gl_fail("out of memory: cannot allocate a tensor");
    t->refcount = 1;
    t->dtype = dt;
    t->ndim = ndim;
    return t;
}

gl_tensor *gl_new(const int64_t *shape, int ndim, gl_dtype dt)
{
    int64_t n = check_shape(shape, ndim, dt);
    if (n < 0)
        return NULL;
    gl_tensor *t = tensor_struct(dt, ndim);
    if (!t)
        return NULL;
    t->storage = storage_new((size_t)n * gl_dtype_size(dt));
    if (!t->storage) {
        char b[GL_SHAPE_BUF];
        gl_set_error("out of memory: cannot allocate %lld bytes for a %s tensor of shape %s",
                     (long long)n * (long long)gl_dtype_size(dt), gl_dtype_name(dt),
                     gl_shape_str(shape, ndim, b, sizeof b));
        gl_freelist_put(&free_tensors, t);
        return NULL;
    }
    if (ndim > 0)
        memcpy(t->shape, shape, sizeof(int64_t) * (size_t)ndim);
    gl_contiguous_strides(shape, ndim, t->stride);
    return t;
}

gl_tensor *gl_new_view(const gl_tensor *src, const int64_t *shape, const int64_t *stride, int ndim,
                       int64_t offset)
{
    gl_tensor *t = tensor_struct(src->dtype, ndim);
    if (!t)
        return NULL;
    if (ndim > 0) {
        memcpy(t->shape, shape, sizeof(int64_t) * (size_t)ndim);
        memcpy(t->stride, stride, sizeof(int64_t) * (size_t)ndim);
    }
    t->offset = offset;
    t->storage = src->storage;
    t->storage->refcount++;
    return t;
}

gl_tensor *gl_alias(const gl_tensor *t)
{
    return gl_new_view(t, t->shape, t->stride, t->ndim, t->offset);
}

gl_tensor *gl_retain(gl_tensor *t)
{
    if (t)
        t->refcount++;
    return t;
}

void gl_release(gl_tensor *t)
{
    if (!t || --t->refcount > 0)
        return;
    gl_release(t->grad);
    gl_node_release(t->grad_fn);
    storage_release(t->storage);
    gl_freelist_put(&free_tensors, t);
}

/* --------------------------------------------------------- introspection */

int gl_ndim(const gl_tensor *t) { return t->ndim; }
const int64_t *gl_shape(const gl_tensor *t) { return t->shape; }
const int64_t *gl_strides(const gl_tensor *t) { return t->stride; }
int64_t gl_numel(const gl_tensor *t) { return gl_shape_numel(t->shape, t->ndim); }
gl_dtype gl_dtype_of(const gl_tensor *t) { return t->dtype; }
size_t gl_storage_nbytes(const gl_tensor *t) { return t->storage->nbytes; }
void *gl_data_ptr(const gl_tensor *t)
{
    return (char *)t->storage->data + t->offset * (int64_t)gl_dtype_size(t->dtype);
}

int64_t gl_size(const gl_tensor *t, int dim)
{
    if (dim < 0)
        dim += t->ndim;
    return dim >= 0 && dim < t->ndim ? t->shape[dim] : -1;
}

bool gl_is_contiguous(const gl_tensor *t)
{
    for (int i = 0; i < t->ndim; i++) /* no elements: nothing to be out of order (as torch) */
        if (t->shape[i] == 0)
            return true;
    int64_t expect = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] == 1)
            continue;
        if (t->stride[i] != expect)
            return false;
        expect *= t->shape[i];
    }
    return true;
}

bool gl_same_shape(const int64_t *a, int na, const int64_t *b, int nb)
{
    if (na != nb)
        return false;
    for (int i = 0; i < na; i++) /* a loop, not memcmp: shapes are short, calls add up */
        if (a[i] != b[i])
            return false;
    return true;
}

void gl_meta_of(const gl_tensor *t, gl_meta *m)
{
    m->dtype = t->dtype;
    m->ndim = t->ndim;
    memcpy(m->shape, t->shape, sizeof m->shape);
}

int gl_normalize_dim(const char *op, const gl_tensor *t, int dim, int ndim_extra, int *out)
{
    int n = t->ndim + ndim_extra;
    int lo = n > 0 ? -n : -1, hi = n > 0 ? n - 1 : 0;
    if (dim < lo || dim > hi) {
        char b[GL_SHAPE_BUF];
        return gl_fail_status("%s: dim %d is out of range for a tensor of shape %s (expected %d..%d)",
                              op, dim, gl_tshape(t, b), lo, hi);
    }
    *out = dim < 0 ? dim + (n > 0 ? n : 1) : dim;
    return 0;
}

void gl_bump_version(gl_tensor *t) { t->storage->version++; }

int64_t gl_elem_offset(const gl_tensor *t, int64_t linear)
{
    int64_t off = t->offset;
    for (int i = t->ndim - 1; i >= 0; i--) {
        int64_t size = t->shape[i];
        off += (linear % size) * t->stride[i];
        linear /= size;
    }
    return off;
}

double gl_get(const gl_tensor *t, const int64_t *index)
{
    int64_t off = t->offset;
    for (int i = 0; i < t->ndim; i++)
        off += index[i] * t->stride[i];
    return gl_load(gl_base(t), t->dtype, off);
}

int gl_item(const gl_tensor *t, double *out)
{
    if (gl_numel(t) != 1) {
        char b[GL_SHAPE_BUF];
        return gl_fail_status("item: a tensor of shape %s has %lld elements; item needs exactly one",
                              gl_tshape(t, b), (long long)gl_numel(t));
    }
    *out = gl_load(gl_base(t), t->dtype, t->offset);
    return 0;
}

void gl_copy_to_doubles(const gl_tensor *t, double *out)
{
    int64_t n = gl_numel(t);
    for (int64_t i = 0; i < n; i++)
        out[i] = gl_load(gl_base(t), t->dtype, gl_elem_offset(t, i));
}

/* ------------------------------------------------------------- creation */

/* Uninitialised, except bool: every bool element must be 0 or 1 (eq and the
 * kernels compare bytes), so those start false. */
gl_tensor *gl_empty(const int64_t *shape, int ndim, gl_dtype dt)
{
    return dt == GL_BOOL ? gl_zeros(shape, ndim, dt) : gl_new(shape, ndim, dt);
}

gl_tensor *gl_full(const int64_t *shape, int ndim, double value, gl_dtype dt)
{
    gl_tensor *t = gl_new(shape, ndim, dt);
    if (!t)
        return NULL;
    int64_t n = gl_numel(t);
    void *p = gl_base(t);
    if (value == 0) {
        memset(p, 0, (size_t)n * gl_dtype_size(dt));
    } else if (dt == GL_FLOAT32) {
        float v = (float)value, *f = p;
        for (int64_t i = 0; i < n; i++)
            f[i] = v;
    } else {
        for (int64_t i = 0; i < n; i++)
            gl_store(p, dt, i, value);
    }
    return t;
}

gl_tensor *gl_zeros(const int64_t *shape, int ndim, gl_dtype dt) { return gl_full(shape, ndim, 0, dt); }
gl_tensor *gl_ones(const int64_t *shape, int ndim, gl_dtype dt) { return gl_full(shape, ndim, 1, dt); }
gl_tensor *gl_scalar(double value, gl_dtype dt) { return gl_full(NULL, 0, value, dt); }

gl_tensor *gl_from_doubles(const double *data, const int64_t *shape, int ndim, gl_dtype dt)
{
    gl_tensor *t = gl_new(shape, ndim, dt);
    if (!t)
        return NULL;
    int64_t n = gl_numel(t);
    for (int64_t i = 0; i < n; i++)
        gl_store(gl_base(t), dt, i, data[i]);
    return t;
}

gl_tensor *gl_from_buffer(const void *data, const int64_t *shape, int ndim, gl_dtype dt)
{
    gl_tensor *t = gl_new(shape, ndim, dt);
    if (t)
        memcpy(gl_base(t), data, (size_t)gl_numel(t) * gl_dtype_size(dt));
    return t;
}

gl_tensor *gl_arange(double start, double end, double step, gl_dtype dt)
{
    if (step == 0 || !isfinite(step) || !isfinite(start) || !isfinite(end))
        return gl_fail("arange: start %g, end %g and step %g must be finite and step nonzero",
                       start, end, step);
    if ((step > 0 && end < start) || (step < 0 && end > start))
        return gl_fail("arange: step %g goes away from end %g (start %g)", step, end, start);
    double count = ceil((end - start) / step);
    if (count > 1e15)
        return gl_fail("arange: %g elements requested: too many", count);
    int64_t n = (int64_t)count;
    gl_tensor *t = gl_new(&n, 1, dt);
    if (!t)
        return NULL;
    for (int64_t i = 0; i < n; i++)
        gl_store(gl_base(t), dt, i, start + (double)i * step);
    return t;
}

gl_tensor *gl_arange_i64(int64_t start, int64_t end, int64_t step)
{
    if (step == 0)
        return gl_fail("arange: step must be nonzero");
    if ((step > 0 && end < start) || (step < 0 && end > start))
        return gl_fail("arange: step %lld goes away from end %lld (start %lld)", (long long)step,
                       (long long)end, (long long)start);
    /* |end - start| and |step| fit in uint64_t even when their int64
     * difference would overflow */
    uint64_t span = step > 0 ? (uint64_t)end - (uint64_t)start : (uint64_t)start - (uint64_t)end;
    uint64_t by = step > 0 ? (uint64_t)step : 0 - (uint64_t)step;
    uint64_t count = span / by + (span % by != 0);
    if (count > (uint64_t)1e15)
        return gl_fail("arange: %llu elements requested: too many", (unsigned long long)count);
    int64_t n = (int64_t)count;
    gl_tensor *t = gl_new(&n, 1, GL_INT64);
    if (!t)
        return NULL;
    int64_t *out = gl_base(t);
    for (int64_t i = 0; i < n; i++) /* every value lies between start and end: no overflow */
        out[i] = (int64_t)((uint64_t)start + (uint64_t)i * (uint64_t)step);
    return t;
}

int64_t gl_double_to_int64(double v) { return gl_double_to_i64(v); }

gl_tensor *gl_linspace(double start, double end, int64_t steps, gl_dtype dt)
{
    if (steps < 0)
        return gl_fail("linspace: number of steps must be non-negative, got %lld", (long long)steps);
    gl_tensor *t = gl_new(&steps, 1, dt);
    if (!t)
        return NULL;
    /* torch fills the first half from start and the second from end, so
     * both ends are exact. */
    double step = steps > 1 ? (end - start) / (double)(steps - 1) : 0;
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; i++)
        gl_store(gl_base(t), dt, i,
                 i < half ? start + step * (double)i : end - step * (double)(steps - 1 - i));
    return t;
}

gl_tensor *gl_eye(int64_t n, int64_t m, gl_dtype dt)
{
    if (m < 0)
        m = n;
    int64_t shape[2] = {n, m};
    gl_tensor *t = gl_zeros(shape, 2, dt);
    if (!t)
        return NULL;
    for (int64_t i = 0; i < n && i < m; i++)
        gl_store(gl_base(t), dt, i * m + i, 1);
    return t;
}

/* ---------------------------------------------------------------- copies */

const gl_tensor *gl_as_dtype(const gl_tensor *t, gl_dtype dt, gl_tensor **tmp)
{
    *tmp = NULL;
    if (t->dtype == dt)
        return t;
    *tmp = gl_new(t->shape, t->ndim, dt);
    if (*tmp)
        gl_copy_strided(*tmp, t);
    return *tmp;
}

void gl_copy_strided(gl_tensor *dst, const gl_tensor *src)
{
    int64_t n = gl_numel(src);
    void *d = gl_data_ptr(dst);
    if (src->dtype == dst->dtype && gl_is_contiguous(src)) {
        memcpy(d, gl_data_ptr(src), (size_t)n * gl_dtype_size(src->dtype));
        return;
    }
    if (src->dtype == dst->dtype) { /* as bytes: through a double, int64 above 2^53 would round */
        size_t es = gl_dtype_size(src->dtype);
        const char *base = gl_base(src);
        for (int64_t i = 0; i < n; i++)
            memcpy((char *)d + (size_t)i * es, base + gl_elem_offset(src, i) * (int64_t)es, es);
        return;
    }
    for (int64_t i = 0; i < n; i++)
        gl_store(d, dst->dtype, i, gl_load(gl_base(src), src->dtype, gl_elem_offset(src, i)));
}
