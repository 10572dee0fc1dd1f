/* anomaly.c — anomaly detection: the first NaN or Inf, named where it appears.
 *
 * With gl_set_detect_anomaly(true):
 *   - forward: gl_apply scans each floating result; a result holding nan or
 *     inf while every input was finite fails the op ("anomaly: log produced
 *     nan in forward at fit.lua:12 (input (3) had no nan/inf)"). An op whose
 *     inputs already held nan/inf passes them on silently: the op that made
 *     them was flagged when it ran (or they came from the user's data).
 *   - backward: each gradient a backward function returns (gin[i]) is
 *     scanned, and so is each sum of gradients flowing into one node or
 *     leaf; the first one holding nan/inf fails the sweep ("anomaly: the
 *     backward of 'div' (created at model.lua:7) produced inf for input 2",
 *     inputs counted from 1). As in PyTorch, leaves reached before that
 *     point keep what was accumulated into their grads.
 *   - nodes remember where they were created: a string from the site hook
 *     (the Lua binding gives "file:line" of the user's Lua line), asked only
 *     in anomaly mode, so normal runs pay one test of a flag per op.
 * The scans cost a pass over each result: it is a debugging mode.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

static bool anomaly_enabled = false;
static gl_site_hook site_hook = NULL;
static void *site_ud = NULL;

bool gl_set_detect_anomaly(bool enabled)
{
    bool old = anomaly_enabled;
    anomaly_enabled = enabled;
    return old;
}

bool gl_is_anomaly_enabled(void) { return anomaly_enabled; }

void gl_set_site_hook(gl_site_hook hook, void *ud)
{
    site_hook = hook;
    site_ud = ud;
}

bool gl_anomaly_site(char *buf, size_t n)
{
    if (n == 0)
        return false;
    buf[0] = '\0';
    if (!site_hook || !site_hook(site_ud, buf, n) || !buf[0]) {
        buf[0] = '\0';
        return false;
    }
    buf[n - 1] = '\0';
    return true;
}

/* ---------------------------------------------------------------- scans */

typedef struct {
    const void *base;
    gl_dtype dt;
    int found; /* GL_NONFINITE_* bits */
} scan_ctx;

static void scan_run(int64_t n, const int64_t *off, const int64_t *st, void *vctx)
{
    scan_ctx *c = vctx;
    if (c->dt == GL_FLOAT32) {
        const float *p = (const float *)c->base + off[0];
        for (int64_t k = 0; k < n; k++) {
            float v = p[k * st[0]];
            if (v != v)
                c->found |= GL_NONFINITE_NAN;
            else if (v - v != 0) /* inf - inf is nan; finite - itself is 0 */
                c->found |= v > 0 ? GL_NONFINITE_INF : GL_NONFINITE_NEGINF;
        }
    } else {
        const double *p = (const double *)c->base + off[0];
        for (int64_t k = 0; k < n; k++) {
            double v = p[k * st[0]];
            if (v != v)
                c->found |= GL_NONFINITE_NAN;
            else if (v - v != 0)
                c->found |= v > 0 ? GL_NONFINITE_INF : GL_NONFINITE_NEGINF;
        }
    }
}

int gl_nonfinite(const gl_tensor *t)
{
    if (!t || !gl_is_floating(t->dtype) || gl_numel(t) == 0)
        return 0;
    scan_ctx c = {gl_data_ptr(t), t->dtype, 0};
    int64_t strides[1][GL_MAX_DIMS], shape[GL_MAX_DIMS];
    memcpy(strides[0], t->stride, sizeof strides[0]);
    for (int d = 0; d < t->ndim; d++) /* an expanded dim repeats one element: look once */
        shape[d] = t->stride[d] == 0 ? 1 : t->shape[d];
    gl_iter it;
    gl_iter_init(&it, 1, shape, t->ndim, strides);
    gl_iter_run(&it, scan_run, &c);
    return c.found;
}

/* "nan", "inf", "-inf", "nan and inf", "nan, inf and -inf"... for found bits. */
static const char *what(int found)
{
    static const char *const names[8] = {
        "", "nan", "inf", "nan and inf", "-inf", "nan and -inf", "inf and -inf",
        "nan, inf and -inf",
    };
    return names[found & 7];
}

/* ------------------------------------------------------------- forward */

int gl_anomaly_forward(const char *op, gl_tensor *const in[], int n, const gl_tensor *out,
                       const char *site)
{
    int found = gl_nonfinite(out);
    if (!found)
        return 0;
    for (int i = 0; i < n; i++)
        if (gl_nonfinite(in[i]))
            return 0; /* passed on, not produced here */
    /* "input (3)" / "inputs (3) and (3,1)" / "inputs (3), (3) and (3)" */
    char list[512];
    size_t used = (size_t)snprintf(list, sizeof list, "%s", n == 1 ? "input " : "inputs ");
    for (int i = 0; i < n && used < sizeof list; i++) {
        char b[GL_SHAPE_BUF];
        const char *sep = i == 0 ? "" : i == n - 1 ? " and " : ", ";
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", sep, gl_tshape(in[i], b));
    }
    if (site && site[0])
        return gl_fail_status("anomaly: %s produced %s in forward at %s (%s had no nan/inf)", op,
                              what(found), site, list);
    return gl_fail_status("anomaly: %s produced %s in forward (%s had no nan/inf)", op, what(found),
                          list);
}

/* ------------------------------------------------------------ backward */

int gl_anomaly_backward(const gl_node *n, int i, const gl_tensor *gout, const gl_tensor *g)
{
    int found = gl_nonfinite(g);
    if (!found)
        return 0;
    char created[300] = "";
    if (n->site)
        snprintf(created, sizeof created, " (created at %s)", n->site);
    int had = gl_nonfinite(gout);
    return gl_fail_status("anomaly: the backward of '%s'%s produced %s for input %d%s%s%s",
                          n->def->name, created, what(found), i + 1,
                          had ? " (the gradient flowing into it already had " : "",
                          had ? what(had) : "", had ? ")" : "");
}

int gl_anomaly_sum(const gl_node *into, const gl_tensor *leaf, const gl_tensor *sum)
{
    int found = gl_nonfinite(sum);
    if (!found)
        return 0;
    char b[GL_SHAPE_BUF];
    if (into) {
        char created[300] = "";
        if (into->site)
            snprintf(created, sizeof created, " (created at %s)", into->site);
        return gl_fail_status("anomaly: the gradients flowing into '%s'%s summed to %s",
                              into->def->name, created, what(found));
    }
    return gl_fail_status("anomaly: the gradient accumulated in a leaf of shape %s became %s",
                          gl_tshape(leaf, b), what(found));
}
