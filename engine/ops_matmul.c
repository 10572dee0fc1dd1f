/* ops_matmul.c — torch.matmul. One op row, gl_def_matmul, works on operands
 * of at least 2 dims whose batch dims (all but the last two) broadcast;
 * gl_matmul turns 1-D operands into matrices around it with differentiable
 * unsqueeze/squeeze views, so their gradients come for free.
 *
 * Each (M,K)·(K,N) product goes to OpenBLAS: gemm, or gemv when M or N is 1
 * (measured 5-7x faster than gemm there: 1x256x256 float32 2.1us vs 15us).
 * A transposed view is handed to BLAS as CblasTrans, not copied. Below
 * SMALL_MNK multiply-adds a plain loop wins over the call overhead (measured
 * on this machine: 2x2x2 18ns vs 61ns, 4x4x4 61ns vs 63ns, 8x8x8 250ns vs
 * 85ns), and int64 always takes the loop (BLAS has no integer gemm). */
#include "internal.h"

#include <cblas.h>
#include <limits.h>

#define SMALL_MNK 64

/* How a kernel reads the (rows, cols) matrix in an operand's last two dims:
 * element (i,j) sits at i*rs + j*cs. For BLAS it is either a row-major
 * buffer with leading dim ld (trans false) or the transpose of one (trans
 * true: a transposed view). */
typedef struct {
    bool trans;
    int64_t ld;
    int64_t rs, cs;
} mat;

static int64_t max1(int64_t v) { return v > 1 ? v : 1; }

/* Fills m when BLAS can read t's last two dims as they are; false when not
 * (a slice with a step along the columns, an expanded dim): the caller then
 * copies t to contiguous memory. */
static bool blas_layout(const gl_tensor *t, mat *m)
{
    int nd = t->ndim;
    int64_t r = t->shape[nd - 2], c = t->shape[nd - 1];
    int64_t sr = t->stride[nd - 2], sc = t->stride[nd - 1];
    /* a size-1 dim's stride is never followed, so it may be anything */
    if ((c == 1 || sc == 1) && (r == 1 || sr >= max1(c))) {
        m->trans = false;
        m->ld = r == 1 ? max1(c) : sr;
        m->rs = m->ld;
        m->cs = 1;
    } else if ((r == 1 || sr == 1) && (c == 1 || sc >= max1(r))) {
        m->trans = true;
        m->ld = c == 1 ? max1(r) : sc;
        m->rs = 1;
        m->cs = m->ld;
    } else {
        return false;
    }
    return m->ld <= INT_MAX;
}

/* The plain loop reads any strides (expanded dims included). */
static void raw_layout(const gl_tensor *t, mat *m)
{
    m->trans = false;
    m->ld = 0;
    m->rs = t->stride[t->ndim - 2];
    m->cs = t->stride[t->ndim - 1];
}

/* C (M,N), contiguous, = A (M,K) · B (K,N). i-k-j order: the inner loop runs
 * along a row of B and a row of C. */
#define DEFINE_LOOP(T)                                                                         \
    static void loop_##T(const T *A, const mat *a, const T *B, const mat *b, T *C, int64_t M,  \
                         int64_t N, int64_t K)                                                 \
    {                                                                                          \
        for (int64_t i = 0; i < M; i++) {                                                      \
            T *c = C + i * N;                                                                  \
            for (int64_t j = 0; j < N; j++)                                                    \
                c[j] = 0;                                                                      \
            for (int64_t k = 0; k < K; k++) {                                                  \
                T av = A[i * a->rs + k * a->cs];                                               \
                const T *bk = B + k * b->rs;                                                   \
                if (b->cs == 1)                                                                \
                    for (int64_t j = 0; j < N; j++)                                            \
                        c[j] += av * bk[j];                                                    \
                else                                                                           \
                    for (int64_t j = 0; j < N; j++)                                            \
                        c[j] += av * bk[j * b->cs];                                            \
            }                                                                                  \
        }                                                                                      \
    }
DEFINE_LOOP(float)
DEFINE_LOOP(double)
/* int64 runs on its two's-complement bits as uint64_t: overflow wraps, as in
 * torch, instead of being undefined */
DEFINE_LOOP(uint64_t)

/* The same product through BLAS; a and b come from blas_layout. */
#define DEFINE_BLAS(T, GEMM, GEMV)                                                             \
    static void blas_##T(const T *A, const mat *a, const T *B, const mat *b, T *C, int64_t M,  \
                         int64_t N, int64_t K)                                                 \
    {                                                                                          \
        if (M == 1) { /* C (1,N) = row A (K) · B: gemv on B, x stepping by a->cs */           \
            if (!b->trans)                                                                     \
                GEMV(CblasRowMajor, CblasTrans, (int)K, (int)N, 1, B, (int)b->ld, A,          \
                     (int)a->cs, 0, C, 1);                                                     \
            else                                                                               \
                GEMV(CblasRowMajor, CblasNoTrans, (int)N, (int)K, 1, B, (int)b->ld, A,        \
                     (int)a->cs, 0, C, 1);                                                     \
        } else if (N == 1) { /* C (M,1) = A · column B (K), stepping by b->rs */               \
            if (!a->trans)                                                                     \
                GEMV(CblasRowMajor, CblasNoTrans, (int)M, (int)K, 1, A, (int)a->ld, B,        \
                     (int)b->rs, 0, C, 1);                                                     \
            else                                                                               \
                GEMV(CblasRowMajor, CblasTrans, (int)K, (int)M, 1, A, (int)a->ld, B,          \
                     (int)b->rs, 0, C, 1);                                                     \
        } else {                                                                               \
            GEMM(CblasRowMajor, a->trans ? CblasTrans : CblasNoTrans,                          \
                 b->trans ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, 1, A,           \
                 (int)a->ld, B, (int)b->ld, 0, C, (int)N);                                     \
        }                                                                                      \
    }
DEFINE_BLAS(float, cblas_sgemm, cblas_sgemv)
DEFINE_BLAS(double, cblas_dgemm, cblas_dgemv)

/* OpenBLAS's threads pay only on big products: on a small one, waking and
 * syncing them costs more than the multiply (a 10000x32 · 32x32 product is
 * 4x slower CPU-wise on 2 threads, which then spin). So: one thread below
 * BLAS_THREAD_WORK multiply-adds, else as many as OpenBLAS started with
 * (OPENBLAS_NUM_THREADS caps it, as usual). */
#define BLAS_THREAD_WORK ((int64_t)1 << 24)

static void set_blas_threads(int64_t M, int64_t N, int64_t K)
{
    static int max_threads = 0, current = 0;
    if (max_threads == 0)
        current = max_threads = openblas_get_num_threads();
    int want = M * N * K >= BLAS_THREAD_WORK ? max_threads : 1;
    if (want != current) {
        openblas_set_num_threads(want);
        current = want;
    }
}

/* One (M,K)·(K,N) product into contiguous C; A and B point at their matrices' first elements. */
static void mm_one(gl_dtype dt, bool blas, const void *A, const mat *a, const void *B,
                   const mat *b, void *C, int64_t M, int64_t N, int64_t K)
{
    if (blas)
        set_blas_threads(M, N, K);
    switch (dt) {
    case GL_FLOAT32:
        (blas ? blas_float : loop_float)(A, a, B, b, C, M, N, K);
        break;
    case GL_FLOAT64:
        (blas ? blas_double : loop_double)(A, a, B, b, C, M, N, K);
        break;
    default:
        loop_uint64_t(A, a, B, b, C, M, N, K);
        break;
    }
}

/* Strides of t's batch dims (all but the last two) against the output's
 * batch shape: 0 where t has no such dim or broadcasts a size-1 dim. */
static void batch_strides(const gl_tensor *t, const int64_t *bshape, int nbatch, int64_t *s)
{
    int lead = nbatch - (t->ndim - 2);
    for (int i = 0; i < nbatch; i++) {
        int it = i - lead;
        s[i] = it < 0 || (t->shape[it] == 1 && bshape[i] != 1) ? 0 : t->stride[it];
    }
}

/* A contiguous copy made outside the graph (the op's own node covers it). */
static gl_tensor *plain_contiguous(const gl_tensor *t)
{
    bool old = gl_set_grad_enabled(false);
    gl_tensor *c = gl_contiguous(t);
    gl_set_grad_enabled(old);
    return c;
}

/* a (...,M,K) · b (...,K,N) -> (broadcast(...),M,N), same dtype, both >= 2-D;
 * shapes already checked by gl_matmul. */
static gl_tensor *matmul_forward(gl_tensor *const in[], const gl_op_args *args)
{
    (void)args;
    const gl_tensor *a = in[0], *b = in[1];
    int na = a->ndim, nb = b->ndim, nbatch;
    int64_t M = a->shape[na - 2], K = a->shape[na - 1], N = b->shape[nb - 1];
    int64_t shape[GL_MAX_DIMS];
    if (gl_broadcast_shapes("matmul", a->shape, na - 2, b->shape, nb - 2, shape, &nbatch) != 0)
        return NULL;
    shape[nbatch] = M;
    shape[nbatch + 1] = N;
    gl_tensor *out = gl_new(shape, nbatch + 2, a->dtype);
    if (!out || gl_numel(out) == 0)
        return out;
    size_t es = gl_dtype_size(a->dtype);
    if (K == 0) { /* an empty sum */
        memset(gl_data_ptr(out), 0, (size_t)gl_numel(out) * es);
        return out;
    }

    bool blas = a->dtype != GL_INT64 && (double)M * (double)N * (double)K >= SMALL_MNK;
    gl_tensor *ac = NULL, *bc = NULL; /* copies when BLAS can't read an operand in place */
    mat ma, mb;
    if (!blas) {
        raw_layout(a, &ma);
        raw_layout(b, &mb);
    } else {
        if (!blas_layout(a, &ma)) {
            if (!(ac = plain_contiguous(a)))
                goto fail;
            a = ac;
            blas_layout(a, &ma);
        }
        if (!blas_layout(b, &mb)) {
            if (!(bc = plain_contiguous(b)))
                goto fail;
            b = bc;
            blas_layout(b, &mb);
        }
    }

    int64_t sa[GL_MAX_DIMS], sb[GL_MAX_DIMS], idx[GL_MAX_DIMS] = {0};
    batch_strides(a, shape, nbatch, sa);
    batch_strides(b, shape, nbatch, sb);
    int64_t nmat = gl_shape_numel(shape, nbatch);
    const char *A = gl_data_ptr(a), *B = gl_data_ptr(b);
    char *C = gl_data_ptr(out);

    /* (batch...,M,K) · (K,N) with a's matrices stacked at a constant row
     * stride: one product of (batch*M, K) · (K, N), as a linear layer on a
     * batch of sequences wants. */
    bool fold = blas && !ma.trans && nmat > 1 && M * nmat <= INT_MAX;
    int64_t expect = M * ma.ld;
    for (int d = nbatch - 1; fold && d >= 0; d--) {
        if (shape[d] == 1)
            continue;
        fold = sb[d] == 0 && sa[d] == expect;
        expect *= shape[d];
    }
    if (fold) {
        mm_one(out->dtype, blas, A, &ma, B, &mb, C, M * nmat, N, K);
    } else {
        int64_t oa = 0, ob = 0;
        for (int64_t m = 0; m < nmat; m++) {
            if (gl_interrupted) {
                gl_set_error("interrupted");
                goto fail;
            }
            mm_one(out->dtype, blas, A + oa * (int64_t)es, &ma, B + ob * (int64_t)es, &mb,
                   C + m * M * N * (int64_t)es, M, N, K);
            for (int d = nbatch - 1; d >= 0; d--) { /* next batch index, odometer style */
                oa += sa[d];
                ob += sb[d];
                if (++idx[d] < shape[d])
                    break;
                oa -= sa[d] * shape[d];
                ob -= sb[d] * shape[d];
                idx[d] = 0;
            }
        }
    }
    gl_release(ac);
    gl_release(bc);
    return out;
fail:
    gl_release(ac);
    gl_release(bc);
    gl_release(out);
    return NULL;
}

/* C = A·B: dA = dC·Bᵀ (...,M,K), dB = Aᵀ·dC (...,K,N); the transposes are
 * views that BLAS reads as CblasTrans. Broadcast batch dims come back in
 * the output's batch shape and the engine sums them (gl_sum_to). */
static int matmul_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    const gl_tensor *a = GL_IN(n, 0), *b = GL_IN(n, 1);
    if (n->needs[0]) {
        gl_tensor *bt = gl_transpose(b, -2, -1);
        gin[0] = bt ? gl_matmul(gout, bt) : NULL;
        gl_release(bt);
        if (!gin[0])
            return -1;
    }
    if (n->needs[1]) {
        gl_tensor *a2, *g2;
        int64_t K = a->shape[a->ndim - 1], N = b->shape[b->ndim - 1];
        if (b->ndim == 2 && a->ndim > 2 && K > 0 && N > 0) {
            /* b was shared by every batch: one (K, batch*M)·(batch*M, N)
             * product instead of batch products summed afterwards */
            a2 = gl_reshape(a, (int64_t[]){-1, K}, 2);
            g2 = gl_reshape(gout, (int64_t[]){-1, N}, 2);
        } else {
            a2 = gl_retain((gl_tensor *)a);
            g2 = gl_retain((gl_tensor *)gout);
        }
        gl_tensor *at = a2 ? gl_transpose(a2, -2, -1) : NULL;
        gin[1] = at && g2 ? gl_matmul(at, g2) : NULL;
        gl_release(at);
        gl_release(a2);
        gl_release(g2);
        if (!gin[1])
            return -1;
    }
    return 0;
}

const gl_op_def gl_def_matmul = {GL_OP_MATMUL, "matmul", 2, GL_SAVE_INPUTS, matmul_forward,
                                 matmul_backward};

gl_tensor *gl_matmul(const gl_tensor *a, const gl_tensor *b)
{
    char ba[GL_SHAPE_BUF], bb[GL_SHAPE_BUF];
    gl_tshape(a, ba);
    gl_tshape(b, bb);
    if (a->ndim == 0 || b->ndim == 0)
        return gl_fail("matmul: %s x %s: %s 0-dim; matmul needs at least 1 dim on each side "
                       "(use mul to multiply by a scalar)",
                       ba, bb,
                       a->ndim == 0 && b->ndim == 0 ? "both operands are"
                       : a->ndim == 0               ? "the first operand is"
                                                    : "the second operand is");
    if (a->dtype == GL_BOOL || b->dtype == GL_BOOL)
        return gl_fail("matmul: %s x %s: dtypes %s and %s: bool tensors can't be multiplied "
                       "(convert with to_dtype first)",
                       ba, bb, gl_dtype_name(a->dtype), gl_dtype_name(b->dtype));
    bool a1 = a->ndim == 1, b1 = b->ndim == 1;
    int64_t ka = a->shape[a->ndim - 1], kb = b->shape[b1 ? 0 : b->ndim - 2];
    if (ka != kb)
        return gl_fail("matmul: %s x %s: inner dimensions %lld and %lld differ", ba, bb,
                       (long long)ka, (long long)kb);
    int nba = a1 ? 0 : a->ndim - 2, nbb = b1 ? 0 : b->ndim - 2;
    for (int i = 1; i <= nba && i <= nbb; i++) {
        int64_t sa = a->shape[nba - i], sb = b->shape[nbb - i];
        if (sa != sb && sa != 1 && sb != 1) {
            char ca[GL_SHAPE_BUF], cb[GL_SHAPE_BUF];
            return gl_fail("matmul: %s x %s: batch dimensions %s and %s can't be broadcast "
                           "(sizes %lld and %lld differ and neither is 1)",
                           ba, bb, gl_shape_str(a->shape, nba, ca, sizeof ca),
                           gl_shape_str(b->shape, nbb, cb, sizeof cb), (long long)sa,
                           (long long)sb);
        }
    }
    int64_t M = a1 ? 1 : a->shape[a->ndim - 2], N = b1 ? 1 : b->shape[b->ndim - 1];
    if (M > INT_MAX || N > INT_MAX || ka > INT_MAX)
        return gl_fail("matmul: %s x %s: matrix sizes above %d are beyond BLAS's 32-bit "
                       "indices",
                       ba, bb, INT_MAX);

    /* mixed dtypes promote (int64 x float32 -> float32) through to_dtype, so
     * the gradient flows back in each operand's own dtype */
    gl_dtype dt = gl_promote(a->dtype, b->dtype);
    gl_tensor *tmp[4] = {NULL, NULL, NULL, NULL}, *r = NULL;
    gl_tensor *x = (gl_tensor *)a, *y = (gl_tensor *)b;
    if (x->dtype != dt && !(x = tmp[0] = gl_to_dtype(a, dt)))
        goto done;
    if (y->dtype != dt && !(y = tmp[1] = gl_to_dtype(b, dt)))
        goto done;
    /* (K) on the left is the row (1,K); on the right, the column (K,1) */
    if (a1 && !(x = tmp[2] = gl_unsqueeze(x, 0)))
        goto done;
    if (b1 && !(y = tmp[3] = gl_unsqueeze(y, 1)))
        goto done;
    r = gl_apply(GL_OP_MATMUL, (gl_tensor *const[]){x, y}, 2, NULL);
    if (r && b1) {
        gl_tensor *s = gl_squeeze(r, -1);
        gl_release(r);
        r = s;
    }
    if (r && a1) {
        gl_tensor *s = gl_squeeze(r, b1 ? -1 : -2);
        gl_release(r);
        r = s;
    }
done:
    for (int i = 0; i < 4; i++)
        gl_release(tmp[i]);
    return r;
}
