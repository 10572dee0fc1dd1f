/* iter.c — broadcasting: shapes, strides, the warning hook, and an N-d
 * iterator that walks up to three operands in step. */
#include "internal.h"

#include <stdio.h>

int gl_broadcast_shapes(const char *op, const int64_t *a, int na, const int64_t *b, int nb,
                        int64_t *out, int *nout)
{
    int n = na > nb ? na : nb;
    /* right to left, as shapes align: the first clash named is the innermost,
     * by a negative dim, which means the same to 0- and 1-based callers */
    for (int i = n - 1; i >= 0; i--) {
        int ia = i - (n - na), ib = i - (n - nb);
        int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char ba[GL_SHAPE_BUF], bb[GL_SHAPE_BUF];
            return gl_fail_status("%s: shapes %s and %s cannot be broadcast: sizes %lld and %lld "
                                  "differ in dim %d and neither is 1",
                                  op, gl_shape_str(a, na, ba, sizeof ba),
                                  gl_shape_str(b, nb, bb, sizeof bb), (long long)sa, (long long)sb,
                                  i - n);
        }
        out[i] = sa == 1 ? sb : sa;
    }
    *nout = n;
    return 0;
}

static gl_broadcast_hook broadcast_hook;
static void *broadcast_hook_ud;

void gl_set_broadcast_hook(gl_broadcast_hook hook, void *ud)
{
    broadcast_hook = hook;
    broadcast_hook_ud = ud;
}

int gl_check_broadcast(const char *op, const gl_tensor *a, const gl_tensor *b, const int64_t *out,
                       int nout)
{
    if (!broadcast_hook)
        return 0;
    int64_t n = gl_shape_numel(out, nout);
    if (n <= gl_numel(a) || n <= gl_numel(b))
        return 0;
    if (broadcast_hook(broadcast_hook_ud, op, a, b, out, nout) == 0)
        return 0;
    char ba[GL_SHAPE_BUF], bb[GL_SHAPE_BUF], bo[GL_SHAPE_BUF];
    return gl_fail_status("%s: broadcast %s and %s -> %s grows the result beyond both operands "
                          "(broadcast mode is \"error\"); did you mean to reshape one side?",
                          op, gl_tshape(a, ba), gl_tshape(b, bb), gl_shape_str(out, nout, bo, sizeof bo));
}

void gl_broadcast_strides(const gl_tensor *t, int out_ndim, const int64_t *out_shape, int64_t *stride)
{
    int lead = out_ndim - t->ndim;
    for (int i = 0; i < out_ndim; i++) {
        int it = i - lead;
        stride[i] = (it < 0 || (t->shape[it] == 1 && out_shape[i] != 1)) ? 0 : t->stride[it];
    }
}

void gl_iter_init(gl_iter *it, int nops, const int64_t *shape, int ndim, int64_t strides[][GL_MAX_DIMS])
{
    it->nops = nops;
    it->ndim = 0;
    /* Keep dims of size != 1, then merge dim i into dim i+1 (the inner one)
     * when every operand steps through them as one run. */
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == 1)
            continue;
        int k = it->ndim;
        if (k > 0) {
            bool merge = true;
            for (int o = 0; o < nops; o++)
                if (it->stride[o][k - 1] != strides[o][d] * shape[d])
                    merge = false;
            if (merge) {
                it->shape[k - 1] *= shape[d];
                for (int o = 0; o < nops; o++)
                    it->stride[o][k - 1] = strides[o][d];
                continue;
            }
        }
        it->shape[k] = shape[d];
        for (int o = 0; o < nops; o++)
            it->stride[o][k] = strides[o][d];
        it->ndim++;
    }
    if (it->ndim == 0) { /* a scalar, or all dims of size 1 */
        it->ndim = 1;
        it->shape[0] = gl_shape_numel(shape, ndim);
        for (int o = 0; o < nops; o++)
            it->stride[o][0] = 0;
    }
}

void gl_iter_run(const gl_iter *it, gl_iter_body body, void *ctx)
{
    int nd = it->ndim;
    int64_t inner = it->shape[nd - 1];
    int64_t inner_stride[3] = {0, 0, 0}, off[3] = {0, 0, 0}, idx[GL_MAX_DIMS] = {0};
    for (int o = 0; o < it->nops; o++)
        inner_stride[o] = it->stride[o][nd - 1];
    for (int d = 0; d < nd; d++)
        if (it->shape[d] == 0)
            return;
    for (;;) {
        body(inner, off, inner_stride, ctx);
        int d = nd - 2;
        for (; d >= 0; d--) {
            for (int o = 0; o < it->nops; o++)
                off[o] += it->stride[o][d];
            if (++idx[d] < it->shape[d])
                break;
            for (int o = 0; o < it->nops; o++)
                off[o] -= it->stride[o][d] * it->shape[d];
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}
