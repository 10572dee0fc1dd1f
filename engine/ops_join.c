/* ops_join.c — cat and stack. cat is the one op here with a variable
 * number of inputs (row ninputs = -1); stack unsqueezes each input and
 * cats them, so it needs no row of its own. */
#include "internal.h"

#include <stdlib.h>

/* Copies runs of elements between two strided arrays of one dtype. */
typedef struct {
    char *dst;
    const char *src;
    size_t es;
} copy_ctx;

static void copy_run(int64_t n, const int64_t *off, const int64_t *st, void *ctx)
{
    const copy_ctx *c = ctx;
    char *d = c->dst + off[0] * (int64_t)c->es;
    const char *s = c->src + off[1] * (int64_t)c->es;
    if (st[0] == 1 && st[1] == 1) {
        memcpy(d, s, (size_t)n * c->es);
        return;
    }
    switch (c->es) {
    case 8:
        for (int64_t i = 0; i < n; i++)
            ((uint64_t *)d)[i * st[0]] = ((const uint64_t *)s)[i * st[1]];
        break;
    case 4:
        for (int64_t i = 0; i < n; i++)
            ((uint32_t *)d)[i * st[0]] = ((const uint32_t *)s)[i * st[1]];
        break;
    default:
        for (int64_t i = 0; i < n; i++)
            d[i * st[0]] = s[i * st[1]];
        break;
    }
}

/* in[0..a->ninputs) of one dtype and equal shapes but along a->dim (checked by
 * gl_cat). The
 * output is contiguous; input i lands at offset sum(sizes before i) along dim. */
static gl_tensor *cat_forward(gl_tensor *const in[], const gl_op_args *a)
{
    int n = a->ninputs, d = a->dim;
    int64_t shape[GL_MAX_DIMS];
    memcpy(shape, in[0]->shape, sizeof shape);
    shape[d] = 0;
    for (int i = 0; i < n; i++)
        shape[d] += in[i]->shape[d];
    gl_tensor *out = gl_new(shape, in[0]->ndim, in[0]->dtype);
    if (!out)
        return NULL;
    copy_ctx c = {.es = gl_dtype_size(out->dtype), .dst = NULL, .src = NULL};
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        const gl_tensor *x = in[i];
        int64_t st[3][GL_MAX_DIMS];
        gl_iter it;
        memcpy(st[0], out->stride, sizeof st[0]);
        memcpy(st[1], x->stride, sizeof st[1]);
        c.dst = (char *)gl_data_ptr(out) + at * out->stride[d] * (int64_t)c.es;
        c.src = gl_data_ptr(x);
        gl_iter_init(&it, 2, x->shape, x->ndim, st);
        gl_iter_run(&it, copy_run, &c);
        at += x->shape[d];
    }
    return out;
}

/* Each input's gradient is its slab of gout along dim: a slice view. */
static int cat_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    int d = n->args.dim;
    int64_t at = 0;
    for (int i = 0; i < n->ninputs; i++) {
        int64_t size = n->in_meta[i].shape[d];
        if (n->needs[i] && !(gin[i] = gl_slice(gout, d, at, at + size, 1)))
            return -1;
        at += size;
    }
    return 0;
}

const gl_op_def gl_def_cat = {GL_OP_CAT, "cat", -1, 0, cat_forward, cat_backward};

/* The checks cat and stack share: n >= 1, and every shape equal to ts[0]'s
 * except along dim (skip_dim = -1: equal everywhere, as stack wants). */
static int check_shapes(const char *op, const gl_tensor *const *ts, int n, int skip_dim)
{
    char b1[GL_SHAPE_BUF], b2[GL_SHAPE_BUF];
    if (n < 1)
        return gl_fail_status("%s: expected at least one tensor, got %d", op, n);
    for (int i = 1; i < n; i++) {
        const gl_tensor *t = ts[i];
        if (t->ndim != ts[0]->ndim)
            return gl_fail_status("%s: tensor %d has shape %s but tensor 0 has shape %s: they "
                                  "need the same number of dims",
                                  op, i, gl_tshape(t, b1), gl_tshape(ts[0], b2));
        for (int k = 0; k < t->ndim; k++) {
            if (k == skip_dim || t->shape[k] == ts[0]->shape[k])
                continue;
            if (skip_dim < 0)
                return gl_fail_status("%s: tensor %d has shape %s but tensor 0 has shape %s: "
                                      "all shapes must be equal",
                                      op, i, gl_tshape(t, b1), gl_tshape(ts[0], b2));
            return gl_fail_status("%s: tensor %d has shape %s but tensor 0 has shape %s: sizes "
                                  "must match except along dim %d (they differ in dim %d)",
                                  op, i, gl_tshape(t, b1), gl_tshape(ts[0], b2), skip_dim, k);
        }
    }
    return 0;
}

gl_tensor *gl_cat(const gl_tensor *const *ts, int n, int dim)
{
    char b[GL_SHAPE_BUF];
    if (n < 1)
        return gl_fail("cat: expected at least one tensor, got %d", n);
    for (int i = 0; i < n; i++)
        if (ts[i]->ndim == 0)
            return gl_fail("cat: tensor %d has shape %s: 0-dim tensors can't be concatenated "
                           "(use stack)",
                           i, gl_tshape(ts[i], b));
    gl_op_args a;
    memset(&a, 0, sizeof a);
    if (gl_normalize_dim("cat", ts[0], dim, 0, &a.dim) != 0 ||
        check_shapes("cat", ts, n, a.dim) != 0)
        return NULL;

    /* mixed dtypes promote through to_dtype, so gradients flow back in each
     * input's own dtype */
    gl_dtype dt = ts[0]->dtype;
    for (int i = 1; i < n; i++)
        dt = gl_promote(dt, ts[i]->dtype);
    gl_tensor **in = malloc(sizeof *in * (size_t)n);
    if (!in)
        return gl_fail("out of memory: cat of %d tensors", n);
    int made = 0;
    for (; made < n; made++)
        if (!(in[made] = gl_to_dtype(ts[made], dt)))
            break;
    gl_tensor *r = made == n ? gl_apply(GL_OP_CAT, in, n, &a) : NULL;
    for (int i = 0; i < made; i++)
        gl_release(in[i]);
    free(in);
    return r;
}

gl_tensor *gl_stack(const gl_tensor *const *ts, int n, int dim)
{
    char b[GL_SHAPE_BUF];
    int d;
    if (check_shapes("stack", ts, n, -1) != 0)
        return NULL;
    if (ts[0]->ndim >= GL_MAX_DIMS)
        return gl_fail("stack: tensors of shape %s already have the maximum of %d dims",
                       gl_tshape(ts[0], b), GL_MAX_DIMS);
    if (gl_normalize_dim("stack", ts[0], dim, 1, &d) != 0)
        return NULL;
    gl_tensor **u = calloc((size_t)n, sizeof *u);
    if (!u)
        return gl_fail("out of memory: stack of %d tensors", n);
    int made = 0;
    for (; made < n; made++)
        if (!(u[made] = gl_unsqueeze(ts[made], d)))
            break;
    gl_tensor *r = made == n ? gl_cat((const gl_tensor *const *)u, n, d) : NULL;
    for (int i = 0; i < made; i++)
        gl_release(u[i]);
    free(u);
    return r;
}
