/*
 * internal.h — what the engine's files share and users never see: the
 * tensor and graph node layouts, the op table, and small helpers.
 *
 * How an op is built (see ops_unary.c for the simplest case):
 *   1. forward:  gl_tensor *X_forward(gl_tensor *const in[], const gl_op_args *a)
 *      computes the result from its inputs (already checked by the public
 *      function) with grad mode irrelevant: it never records a graph.
 *   2. backward: int X_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
 *      sets gin[i] (a new reference) for each input i with n->needs[i];
 *      gin[i] may have the broadcast output's shape: the engine sums it back
 *      to the input's shape and casts it to the input's dtype. It runs with
 *      grad mode off, so it may use the public ops freely.
 *   3. one row: const gl_op_def gl_def_X = {GL_OP_X, "X", nin, saves, X_forward, X_backward};
 *      right below the two functions, and a line in ops.c's table.
 *   4. the public function checks shapes/dtypes, sets an error naming them,
 *      then calls gl_apply(GL_OP_X, in, n, &args), which runs the forward and
 *      records the node when an input requires grad.
 */
#ifndef GRADLAB_INTERNAL_H
#define GRADLAB_INTERNAL_H

#include "gradlab.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

typedef struct gl_storage {
    int refcount;
    uint32_t version; /* bumped by every in-place change */
    size_t nbytes;
    void *data;
} gl_storage;

struct gl_tensor {
    int refcount;
    gl_dtype dtype;
    int ndim;
    int64_t shape[GL_MAX_DIMS];
    int64_t stride[GL_MAX_DIMS]; /* in elements */
    int64_t offset;              /* in elements */
    gl_storage *storage;
    bool requires_grad; /* leaves: set by the user; results: some input requires grad */
    gl_tensor *grad;    /* leaves only */
    gl_node *grad_fn;   /* NULL for leaves */
};

typedef enum {
    /* views and conversions */
    GL_OP_RESHAPE, GL_OP_PERMUTE, GL_OP_SLICE, GL_OP_SELECT, GL_OP_EXPAND,
    GL_OP_CONTIGUOUS, GL_OP_TO_DTYPE,
    /* elementwise binary */
    GL_OP_ADD, GL_OP_SUB, GL_OP_MUL, GL_OP_DIV, GL_OP_POW,
    /* elementwise unary */
    GL_OP_NEG, GL_OP_EXP, GL_OP_LOG, GL_OP_SQRT, GL_OP_ABS, GL_OP_SIN, GL_OP_COS,
    GL_OP_TANH, GL_OP_SIGMOID, GL_OP_RELU, GL_OP_SQUARE,
    /* selection */
    GL_OP_WHERE, GL_OP_MASKED_FILL,
    /* reductions */
    GL_OP_SUM, GL_OP_MEAN, GL_OP_MAX, GL_OP_MIN,
    /* linear algebra, nn, joins */
    GL_OP_MATMUL, GL_OP_LINEAR, GL_OP_SOFTMAX, GL_OP_LOG_SOFTMAX, GL_OP_CAT,
    /* losses */
    GL_OP_MSE_LOSS, GL_OP_BCE_LOSS, GL_OP_NLL_LOSS, GL_OP_SOFT_CROSS_ENTROPY,
    GL_OP_COUNT
} gl_op;

/* Everything an op needs besides its input tensors. Copied into the node. */
typedef struct gl_op_args {
    int ninputs; /* set by gl_apply: forward functions of variadic ops (cat) read it */
    int dim;
    bool keepdim;
    int64_t start, end, step; /* slice / select index in start */
    double value;             /* masked_fill */
    gl_reduction reduction;
    gl_dtype dtype;           /* to_dtype */
    int ndim;                 /* shape / permutation entries used */
    int64_t shape[GL_MAX_DIMS];
    int perm[GL_MAX_DIMS];
} gl_op_args;

/* What the node keeps for backward (bit flags). */
enum { GL_SAVE_INPUTS = 1, GL_SAVE_OUTPUT = 2 };

typedef gl_tensor *(*gl_forward_fn)(gl_tensor *const in[], const gl_op_args *a);
typedef int (*gl_backward_fn)(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[]);

typedef struct gl_op_def {
    gl_op op;
    const char *name;
    int ninputs; /* -1: variable (cat) */
    int saves;   /* GL_SAVE_* */
    gl_forward_fn forward;
    gl_backward_fn backward;
} gl_op_def;

extern const gl_op_def *const gl_op_table[GL_OP_COUNT];

/* A tensor's shape and dtype, kept by the node for each input. */
typedef struct gl_meta {
    gl_dtype dtype;
    int ndim;
    int64_t shape[GL_MAX_DIMS];
} gl_meta;

/* One node of the graph: the op that made a tensor. The output holds the
 * only reference path to it; it holds its inputs' nodes (or leaves) through
 * next[], so the whole history lives exactly as long as the result does. */
struct gl_node {
    int refcount;
    const gl_op_def *def;
    gl_op_args args;
    int ninputs;
    bool released;      /* saved tensors dropped by a backward without retain_graph */
    bool *needs;        /* [ninputs] does input i want a gradient */
    gl_node **next_fn;  /* [ninputs] the input's grad_fn, or NULL */
    gl_tensor **next_leaf; /* [ninputs] the input itself when it is a leaf requiring grad */
    gl_meta *in_meta;   /* [ninputs] */
    gl_meta out_meta;
    gl_tensor **saved;  /* [ninputs] detached aliases of the inputs (GL_SAVE_INPUTS) */
    gl_tensor *saved_out;
    uint32_t *saved_version; /* [ninputs + 1] storage versions when saved */
    /* scratch used during one backward sweep */
    gl_tensor *grad_acc;
    int pending;
    int visit_mark;
    char *site; /* where it was created (anomaly mode only), malloc'd, or NULL */
};

/* Element i of a raw array of dtype dt, as a double, and back. */
static inline double gl_load(const void *base, gl_dtype dt, int64_t i)
{
    switch (dt) {
    case GL_FLOAT32: return ((const float *)base)[i];
    case GL_FLOAT64: return ((const double *)base)[i];
    case GL_INT64: return (double)((const int64_t *)base)[i];
    default: return ((const uint8_t *)base)[i];
    }
}
/* Truncation toward zero as C casts, but defined for NaN (0) and out-of-range (clamped). */
static inline int64_t gl_double_to_i64(double v)
{
    if (v != v)
        return 0;
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    if (v <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}
static inline void gl_store(void *base, gl_dtype dt, int64_t i, double v)
{
    switch (dt) {
    case GL_FLOAT32: ((float *)base)[i] = (float)v; break;
    case GL_FLOAT64: ((double *)base)[i] = v; break;
    case GL_INT64: ((int64_t *)base)[i] = gl_double_to_i64(v); break;
    default: ((uint8_t *)base)[i] = v != 0; break;
    }
}
/* The storage's base address (offset NOT applied). */
static inline void *gl_base(const gl_tensor *t) { return t->storage->data; }

/* How a kernel can walk t as one flat run: 1 when its elements lie in
 * row-major order one apart (contiguous), 0 when every dim of size > 1 has
 * stride 0 (one element expanded, as a sum's gradient), else -1. The
 * elementwise ops' fast path: one kernel call, no iterator setup. */
static inline int64_t gl_flat_stride(const gl_tensor *t)
{
    int64_t expect = 1;
    bool dense = true, splat = true;
    for (int i = t->ndim - 1; i >= 0; i--) {
        int64_t n = t->shape[i];
        if (n == 1)
            continue;
        dense = dense && t->stride[i] == expect;
        splat = splat && t->stride[i] == 0;
        expect *= n;
    }
    return dense ? 1 : splat ? 0 : -1;
}

/* ---------------------------------------------------------- error helpers */

/* Formats the thread's error message; always returns NULL / -1 through the
 * two wrappers so callers can `return gl_fail(...)`. */
void gl_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define gl_fail(...) (gl_set_error(__VA_ARGS__), (gl_tensor *)NULL)
#define gl_fail_status(...) (gl_set_error(__VA_ARGS__), -1)

/* Shape of t as "(2,3)" in a caller buffer: char b[GL_SHAPE_BUF]. */
#define GL_SHAPE_BUF 160
const char *gl_tshape(const gl_tensor *t, char *buf);

/* ------------------------------------------------------- tensor internals */

/* Buffers for storages, reused by exact size (pool.c). gl_pool_alloc returns
 * 64-byte aligned memory or NULL; gl_pool_free takes NULL. */
void *gl_pool_alloc(size_t nbytes);
void gl_pool_free(void *p, size_t nbytes);

/* Free lists of small fixed-size structs (pool.c): tensors, storages and
 * graph nodes are made and dropped several per op, and malloc/free were a
 * quarter of a loop of tiny ops. One list holds blocks of one size; get
 * returns a zeroed block (or NULL: out of memory), put keeps at most
 * GL_FREELIST_MAX and frees the rest. Under GL_NO_POOL they are calloc and
 * free, so AddressSanitizer sees every use after free. */
#define GL_FREELIST_MAX 1024
typedef struct {
    void *items[GL_FREELIST_MAX];
    int n;
} gl_freelist;
void *gl_freelist_get(gl_freelist *l, size_t size);
void gl_freelist_put(gl_freelist *l, void *p);

/* cpu.c: whether kernels compiled with target("avx2") / ("avx2,fma") may run */
bool gl_cpu_has_avx2(void);
bool gl_cpu_has_avx2_fma(void);
/* The attribute of a kernel's AVX2 copy, chosen when gl_cpu_has_avx2(); off
 * x86 it is nothing: the copy compiles as plain code and is never chosen. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GL_X86 1
#define GL_AVX2 __attribute__((target("avx2")))
#else
#define GL_AVX2
#endif

/* New contiguous tensor, uninitialised, shape already validated or not:
 * validates, fails on overflow / allocation failure. */
gl_tensor *gl_new(const int64_t *shape, int ndim, gl_dtype dt);
/* New tensor struct sharing t's storage with the given geometry (no graph). */
gl_tensor *gl_new_view(const gl_tensor *t, const int64_t *shape, const int64_t *stride, int ndim,
                       int64_t offset);
gl_tensor *gl_alias(const gl_tensor *t); /* same geometry, no graph */
int64_t gl_shape_numel(const int64_t *shape, int ndim);
/* True when the product of the nonzero sizes overflows int64: no tensor
 * may have the shape, not even an empty one (its strides would overflow). */
bool gl_shape_overflows(const int64_t *shape, int ndim);
void gl_contiguous_strides(const int64_t *shape, int ndim, int64_t *stride);
int gl_normalize_dim(const char *op, const gl_tensor *t, int dim, int ndim_extra, int *out);
bool gl_same_shape(const int64_t *a, int na, const int64_t *b, int nb);
gl_dtype gl_promote(gl_dtype a, gl_dtype b);
void gl_meta_of(const gl_tensor *t, gl_meta *m);
void gl_bump_version(gl_tensor *t);
/* Fails (error naming op) if t may not be changed in place now: it requires
 * grad in grad mode, or (overlap) it is an expanded view (inplace.c). */
int gl_check_writable(const char *op, const gl_tensor *t, bool overlap);

/* Read/write element i (row-major position among t's elements, following
 * strides) as double: slow, for printing and tests. */
int64_t gl_elem_offset(const gl_tensor *t, int64_t linear);

/* t itself when it already has dtype dt, else a contiguous copy cast to dt,
 * owned by *tmp (no graph: for forward kernels). NULL on allocation failure. */
const gl_tensor *gl_as_dtype(const gl_tensor *t, gl_dtype dt, gl_tensor **tmp);

/* Copy src into contiguous dst of the same numel (any strides, converting dtype). */
void gl_copy_strided(gl_tensor *dst, const gl_tensor *src);

/* N-d iteration over up to 3 operands sharing an output shape, with each
 * operand's (broadcast) strides; stride 0 for broadcast dims. Collapses
 * contiguous runs so the inner loop is long. */
typedef struct gl_iter {
    int ndim;
    int64_t shape[GL_MAX_DIMS];
    int64_t stride[3][GL_MAX_DIMS];
    int nops;
} gl_iter;
/* Strides of t viewed as broadcast to out shape (out_ndim >= t->ndim). */
void gl_broadcast_strides(const gl_tensor *t, int out_ndim, const int64_t *out_shape, int64_t *stride);
void gl_iter_init(gl_iter *it, int nops, const int64_t *shape, int ndim, int64_t strides[][GL_MAX_DIMS]);
/* Calls body(inner_len, offsets[3], inner_strides[3], ctx) for each inner run. */
typedef void (*gl_iter_body)(int64_t n, const int64_t *off, const int64_t *inner_stride, void *ctx);
void gl_iter_run(const gl_iter *it, gl_iter_body body, void *ctx);

/* ----------------------------------------------------------- autograd glue */

/* Runs def->forward on in[0..n), then records a node when grad mode is on and
 * some input requires grad. Returns the new tensor or NULL. */
gl_tensor *gl_apply(gl_op op, gl_tensor *const in[], int n, const gl_op_args *a);
void gl_node_release(gl_node *n);

/* The sum of g over the dims that broadcasting added/stretched, to shape m. */
gl_tensor *gl_sum_to(const gl_tensor *g, const gl_meta *m);

/* Calls the broadcast hook; returns -1 (with error set) if the hook vetoes. */
int gl_check_broadcast(const char *op, const gl_tensor *a, const gl_tensor *b, const int64_t *out,
                       int nout);

/* Anomaly mode (anomaly.c). gl_anomaly_site fills buf from the site
 * hook ("" and false without one). The checks return 0, or -1 with the
 * error set: forward when out has nan/inf and no input had; backward when
 * g, the gradient n's backward gave its input i (named i+1), has; sum when a
 * sum of gradients into node `into` (or leaf) has. */
bool gl_anomaly_site(char *buf, size_t n);
int gl_anomaly_forward(const char *op, gl_tensor *const in[], int n, const gl_tensor *out,
                       const char *site);
int gl_anomaly_backward(const gl_node *n, int i, const gl_tensor *gout, const gl_tensor *g);
int gl_anomaly_sum(const gl_node *into, const gl_tensor *leaf, const gl_tensor *sum);

/* Helpers to cut boilerplate in backward functions. */
#define GL_IN(n, i) ((n)->saved[(i)])
#define GL_OUT(n) ((n)->saved_out)

#endif
