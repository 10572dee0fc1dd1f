/* views.c — shape changes. Most are views: a new tensor struct over the
 * same storage; their backward maps the gradient back to the input's
 * geometry. reshape copies when the strides do not allow a view. */
#include "internal.h"

/* --------------------------------------------------------------- reshape */

/* Resolves one -1 entry and checks the element count; out gets the shape. */
static int infer_shape(const char *op, const gl_tensor *t, const int64_t *shape, int ndim, int64_t *out)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (ndim < 0 || ndim > GL_MAX_DIMS)
        return gl_fail_status("%s: %d dims requested; at most %d are supported", op, ndim, GL_MAX_DIMS);
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == -1) {
            if (infer >= 0)
                return gl_fail_status("%s: only one dimension can be inferred (-1) in %s", op,
                                      gl_shape_str(shape, ndim, b1, sizeof b1));
            infer = i;
        } else if (shape[i] < 0) {
            return gl_fail_status("%s: invalid size %lld in shape %s", op, (long long)shape[i],
                                  gl_shape_str(shape, ndim, b1, sizeof b1));
        } else {
            if (shape[i] != 0 && known > INT64_MAX / shape[i])
                return gl_fail_status("%s: shape %s is too large", op,
                                      gl_shape_str(shape, ndim, b1, sizeof b1));
            known *= shape[i];
        }
        out[i] = shape[i];
    }
    if (gl_shape_overflows(shape, ndim)) /* (0, 2^62, 2^62): strides would overflow */
        return gl_fail_status("%s: shape %s is too large", op, gl_shape_str(shape, ndim, b1, sizeof b1));
    int64_t numel = gl_numel(t);
    if (infer >= 0) {
        if (known == 0 || numel % known != 0)
            return gl_fail_status("%s: shape %s is invalid for input of size %lld (shape %s)", op,
                                  gl_shape_str(shape, ndim, b1, sizeof b1), (long long)numel,
                                  gl_tshape(t, b2));
        out[infer] = numel / known;
    } else if (known != numel) {
        return gl_fail_status("%s: shape %s is invalid for input of size %lld (shape %s)", op,
                              gl_shape_str(shape, ndim, b1, sizeof b1), (long long)numel,
                              gl_tshape(t, b2));
    }
    return 0;
}

/* Strides that let `shape` view t's elements in order, if any exist
 * (PyTorch's computeStride): dims of t that are laid out as one block can
 * be split or merged freely; a view across blocks is impossible. */
static bool view_strides(const gl_tensor *t, const int64_t *shape, int ndim, int64_t *stride)
{
    if (gl_numel(t) == 0 || t->ndim == 0) {
        gl_contiguous_strides(shape, ndim, stride);
        return true;
    }
    int view_d = ndim - 1;
    int64_t chunk_base_stride = t->stride[t->ndim - 1], tensor_numel = 1, view_numel = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        tensor_numel *= t->shape[d];
        if (d == 0 || (t->shape[d - 1] != 1 && t->stride[d - 1] != tensor_numel * chunk_base_stride)) {
            while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
                stride[view_d] = view_numel * chunk_base_stride;
                view_numel *= shape[view_d];
                view_d--;
            }
            if (view_numel != tensor_numel)
                return false;
            if (d > 0) {
                chunk_base_stride = t->stride[d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    return view_d == -1;
}

/* in[0] viewed (or copied) as a->shape */
static gl_tensor *reshape_forward(gl_tensor *const in[], const gl_op_args *a)
{
    int64_t stride[GL_MAX_DIMS];
    if (view_strides(in[0], a->shape, a->ndim, stride))
        return gl_new_view(in[0], a->shape, stride, a->ndim, in[0]->offset);
    gl_tensor *out = gl_new(a->shape, a->ndim, in[0]->dtype);
    if (out)
        gl_copy_strided(out, in[0]);
    return out;
}

static int reshape_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    gin[0] = gl_reshape(gout, n->in_meta[0].shape, n->in_meta[0].ndim);
    return gin[0] ? 0 : -1;
}

const gl_op_def gl_def_reshape = {GL_OP_RESHAPE, "reshape", 1, 0, reshape_forward, reshape_backward};

gl_tensor *gl_reshape(const gl_tensor *t, const int64_t *shape, int ndim)
{
    gl_op_args a = {.ndim = ndim};
    if (infer_shape("reshape", t, shape, ndim, a.shape) != 0)
        return NULL;
    return gl_apply(GL_OP_RESHAPE, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

gl_tensor *gl_view(const gl_tensor *t, const int64_t *shape, int ndim)
{
    gl_op_args a = {.ndim = ndim};
    int64_t stride[GL_MAX_DIMS];
    if (infer_shape("view", t, shape, ndim, a.shape) != 0)
        return NULL;
    if (!view_strides(t, a.shape, ndim, stride)) {
        char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
        return gl_fail("view: a tensor of shape %s with these strides can't be viewed as %s "
                       "(it is not contiguous); use reshape, which copies",
                       gl_tshape(t, b1), gl_shape_str(a.shape, ndim, b2, sizeof b2));
    }
    return gl_apply(GL_OP_RESHAPE, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

gl_tensor *gl_squeeze(const gl_tensor *t, int dim)
{
    int64_t shape[GL_MAX_DIMS];
    int n = 0;
    if (dim == GL_ALL_DIMS) {
        for (int i = 0; i < t->ndim; i++)
            if (t->shape[i] != 1)
                shape[n++] = t->shape[i];
    } else {
        int d;
        if (gl_normalize_dim("squeeze", t, dim, 0, &d) != 0)
            return NULL;
        for (int i = 0; i < t->ndim; i++)
            if (i != d || t->shape[i] != 1) /* squeezing a dim of size > 1 does nothing, as torch */
                shape[n++] = t->shape[i];
    }
    return gl_reshape(t, shape, n);
}

gl_tensor *gl_unsqueeze(const gl_tensor *t, int dim)
{
    int d;
    char b[GL_SHAPE_BUF];
    if (t->ndim >= GL_MAX_DIMS)
        return gl_fail("unsqueeze: a tensor of shape %s already has the maximum of %d dims",
                       gl_tshape(t, b), GL_MAX_DIMS);
    if (gl_normalize_dim("unsqueeze", t, dim, 1, &d) != 0)
        return NULL;
    int64_t shape[GL_MAX_DIMS];
    for (int i = 0, k = 0; i <= t->ndim; i++)
        shape[i] = i == d ? 1 : t->shape[k++];
    return gl_reshape(t, shape, t->ndim + 1);
}

/* --------------------------------------------------------------- permute */

static gl_tensor *permute_forward(gl_tensor *const in[], const gl_op_args *a)
{
    const gl_tensor *t = in[0];
    int64_t shape[GL_MAX_DIMS], stride[GL_MAX_DIMS];
    for (int i = 0; i < a->ndim; i++) {
        shape[i] = t->shape[a->perm[i]];
        stride[i] = t->stride[a->perm[i]];
    }
    return gl_new_view(t, shape, stride, a->ndim, t->offset);
}

static int permute_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    int inverse[GL_MAX_DIMS];
    for (int i = 0; i < n->args.ndim; i++)
        inverse[n->args.perm[i]] = i;
    gin[0] = gl_permute(gout, inverse, n->args.ndim);
    return gin[0] ? 0 : -1;
}

const gl_op_def gl_def_permute = {GL_OP_PERMUTE, "permute", 1, 0, permute_forward, permute_backward};

gl_tensor *gl_permute(const gl_tensor *t, const int *perm, int n)
{
    char b[GL_SHAPE_BUF];
    gl_op_args a = {.ndim = n};
    bool seen[GL_MAX_DIMS] = {false};
    if (n != t->ndim)
        return gl_fail("permute: %d dims given for a tensor of shape %s with %d dims", n,
                       gl_tshape(t, b), t->ndim);
    for (int i = 0; i < n; i++) {
        int d;
        if (gl_normalize_dim("permute", t, perm[i], 0, &d) != 0)
            return NULL;
        if (seen[d])
            return gl_fail("permute: dim %d appears twice", d);
        seen[d] = true;
        a.perm[i] = d;
    }
    return gl_apply(GL_OP_PERMUTE, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

gl_tensor *gl_transpose(const gl_tensor *t, int dim0, int dim1)
{
    int d0, d1, perm[GL_MAX_DIMS];
    if (gl_normalize_dim("transpose", t, dim0, 0, &d0) != 0 ||
        gl_normalize_dim("transpose", t, dim1, 0, &d1) != 0)
        return NULL;
    for (int i = 0; i < t->ndim; i++)
        perm[i] = i;
    if (t->ndim > 0) {
        perm[d0] = d1;
        perm[d1] = d0;
    }
    return gl_permute(t, perm, t->ndim);
}

/* ----------------------------------------------------- slice and select */

static gl_tensor *slice_forward(gl_tensor *const in[], const gl_op_args *a)
{
    const gl_tensor *t = in[0];
    int64_t shape[GL_MAX_DIMS], stride[GL_MAX_DIMS];
    memcpy(shape, t->shape, sizeof shape);
    memcpy(stride, t->stride, sizeof stride);
    int64_t len = a->end > a->start ? (a->end - a->start + a->step - 1) / a->step : 0;
    shape[a->dim] = len;
    stride[a->dim] = t->stride[a->dim] * a->step;
    return gl_new_view(t, shape, stride, t->ndim, t->offset + a->start * t->stride[a->dim]);
}

/* The gradient of a view of part of x: zeros of x's shape with gout written
 * into the same part. */
static gl_tensor *scatter_into_zeros(const gl_node *n, const gl_tensor *gout)
{
    const gl_meta *m = &n->in_meta[0];
    gl_tensor *g = gl_zeros(m->shape, m->ndim, gout->dtype);
    if (!g)
        return NULL;
    gl_tensor *part = n->def->forward((gl_tensor *const[]){g}, &n->args);
    int rc = part ? gl_copy_(part, gout) : -1;
    gl_release(part);
    if (rc != 0) {
        gl_release(g);
        return NULL;
    }
    return g;
}

static int slice_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    gin[0] = scatter_into_zeros(n, gout);
    return gin[0] ? 0 : -1;
}

const gl_op_def gl_def_slice = {GL_OP_SLICE, "slice", 1, 0, slice_forward, slice_backward};

gl_tensor *gl_slice(const gl_tensor *t, int dim, int64_t start, int64_t end, int64_t step)
{
    gl_op_args a;
    memset(&a, 0, sizeof a);
    if (t->ndim == 0)
        return gl_fail("slice: a 0-dim tensor can't be sliced");
    if (gl_normalize_dim("slice", t, dim, 0, &a.dim) != 0)
        return NULL;
    if (step < 1)
        return gl_fail("slice: step must be positive, got %lld", (long long)step);
    int64_t size = t->shape[a.dim];
    /* Python slicing: negative counts from the end, then clip to [0, size] */
    if (start < 0)
        start += size;
    if (end < 0)
        end += size;
    a.start = start < 0 ? 0 : start > size ? size : start;
    a.end = end < a.start ? a.start : end > size ? size : end;
    a.step = step;
    return gl_apply(GL_OP_SLICE, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

static gl_tensor *select_forward(gl_tensor *const in[], const gl_op_args *a)
{
    const gl_tensor *t = in[0];
    int64_t shape[GL_MAX_DIMS], stride[GL_MAX_DIMS];
    for (int i = 0, k = 0; i < t->ndim; i++)
        if (i != a->dim) {
            shape[k] = t->shape[i];
            stride[k++] = t->stride[i];
        }
    return gl_new_view(t, shape, stride, t->ndim - 1, t->offset + a->start * t->stride[a->dim]);
}

static int select_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    gin[0] = scatter_into_zeros(n, gout);
    return gin[0] ? 0 : -1;
}

const gl_op_def gl_def_select = {GL_OP_SELECT, "select", 1, 0, select_forward, select_backward};

gl_tensor *gl_select(const gl_tensor *t, int dim, int64_t index)
{
    char b[GL_SHAPE_BUF];
    gl_op_args a;
    memset(&a, 0, sizeof a);
    if (t->ndim == 0)
        return gl_fail("select: a 0-dim tensor can't be indexed");
    if (gl_normalize_dim("select", t, dim, 0, &a.dim) != 0)
        return NULL;
    int64_t size = t->shape[a.dim];
    if (index < -size || index >= size)
        return gl_fail("select: index %lld is out of range for dim %d of size %lld (shape %s)",
                       (long long)index, a.dim, (long long)size, gl_tshape(t, b));
    a.start = index < 0 ? index + size : index;
    return gl_apply(GL_OP_SELECT, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

/* ---------------------------------------------------------------- expand */

static gl_tensor *expand_forward(gl_tensor *const in[], const gl_op_args *a)
{
    int64_t stride[GL_MAX_DIMS];
    gl_broadcast_strides(in[0], a->ndim, a->shape, stride);
    return gl_new_view(in[0], a->shape, stride, a->ndim, in[0]->offset);
}

/* The engine sums the gradient back over the stretched dims (gl_sum_to). */
static int expand_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    (void)n;
    gin[0] = gl_retain((gl_tensor *)gout);
    return 0;
}

const gl_op_def gl_def_expand = {GL_OP_EXPAND, "expand", 1, 0, expand_forward, expand_backward};

gl_tensor *gl_expand(const gl_tensor *t, const int64_t *shape, int ndim)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    gl_op_args a = {.ndim = ndim};
    if (ndim < t->ndim || ndim > GL_MAX_DIMS)
        return gl_fail("expand: can't expand a tensor of shape %s to %d dims", gl_tshape(t, b1), ndim);
    int lead = ndim - t->ndim;
    for (int i = 0; i < ndim; i++) {
        int64_t have = i >= lead ? t->shape[i - lead] : 1;
        int64_t want = shape[i] == -1 && i >= lead ? have : shape[i];
        if (want < 0 || (have != 1 && have != want))
            return gl_fail("expand: can't expand a tensor of shape %s to %s: size %lld of dim %d "
                           "is not 1",
                           gl_tshape(t, b1), gl_shape_str(shape, ndim, b2, sizeof b2),
                           (long long)have, i - lead);
        a.shape[i] = want;
    }
    if (gl_shape_overflows(a.shape, ndim))
        return gl_fail("expand: can't expand a tensor of shape %s to %s: the number of elements "
                       "overflows 64 bits", gl_tshape(t, b1), gl_shape_str(a.shape, ndim, b2, sizeof b2));
    return gl_apply(GL_OP_EXPAND, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

/* ----------------------------------------------- contiguous, clone, cast */

/* A contiguous copy; args.keepdim is reused as "copy even if contiguous" (clone). */
static gl_tensor *contiguous_forward(gl_tensor *const in[], const gl_op_args *a)
{
    if (!a->keepdim && gl_is_contiguous(in[0]))
        return gl_alias(in[0]);
    gl_tensor *out = gl_new(in[0]->shape, in[0]->ndim, in[0]->dtype);
    if (out)
        gl_copy_strided(out, in[0]);
    return out;
}

static int contiguous_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    (void)n;
    gin[0] = gl_retain((gl_tensor *)gout);
    return 0;
}

const gl_op_def gl_def_contiguous = {GL_OP_CONTIGUOUS, "contiguous", 1, 0, contiguous_forward,
                                     contiguous_backward};

gl_tensor *gl_contiguous(const gl_tensor *t)
{
    if (gl_is_contiguous(t))
        return gl_retain((gl_tensor *)t);
    return gl_apply(GL_OP_CONTIGUOUS, (gl_tensor *const[]){(gl_tensor *)t}, 1, NULL);
}

gl_tensor *gl_clone(const gl_tensor *t)
{
    gl_op_args a = {.keepdim = true};
    return gl_apply(GL_OP_CONTIGUOUS, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

static gl_tensor *to_dtype_forward(gl_tensor *const in[], const gl_op_args *a)
{
    gl_tensor *out = gl_new(in[0]->shape, in[0]->ndim, a->dtype);
    if (out)
        gl_copy_strided(out, in[0]);
    return out;
}

/* The engine casts the gradient back to the input's dtype (gl_sum_to). */
static int to_dtype_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    (void)n;
    gin[0] = gl_retain((gl_tensor *)gout);
    return 0;
}

const gl_op_def gl_def_to_dtype = {GL_OP_TO_DTYPE, "to_dtype", 1, 0, to_dtype_forward,
                                   to_dtype_backward};

gl_tensor *gl_to_dtype(const gl_tensor *t, gl_dtype dt)
{
    if ((unsigned)dt >= GL_DTYPE_COUNT)
        return gl_fail("to: invalid dtype %d", (int)dt);
    if (dt == t->dtype)
        return gl_retain((gl_tensor *)t);
    if (t->requires_grad && !gl_is_floating(dt) && gl_is_grad_enabled()) {
        /* no gradient flows into ints: the result is simply detached */
        gl_tensor *out = to_dtype_forward((gl_tensor *const[]){(gl_tensor *)t},
                                          &(gl_op_args){.dtype = dt});
        return out;
    }
    gl_op_args a = {.dtype = dt};
    return gl_apply(GL_OP_TO_DTYPE, (gl_tensor *const[]){(gl_tensor *)t}, 1, &a);
}

gl_tensor *gl_detach(const gl_tensor *t) { return gl_alias(t); }
