/* ops_matmul.c — torch.matmul and torch.nn.functional.linear. One op row,
 * gl_def_matmul, works on operands of at least 2 dims whose batch dims (all
 * but the last two) broadcast; gl_matmul turns 1-D operands into matrices
 * around it with differentiable unsqueeze/squeeze views, so their gradients
 * come for free. gl_def_linear is x·wᵀ + b in one node (nn.Linear's layer),
 * its bias added inside the product.
 *
 * Tall and skinny products (a layer on a batch, and its gradients) go to
 * this file's own AVX2 kernels where the CPU has them (see "tall and skinny
 * products" below). Every other (M,K)·(K,N) product goes to OpenBLAS: gemm,
 * or gemv when M or N is 1
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

/* ------------------------------------------ tall and skinny products (AVX2) */

/* A training step's products are rarely square: a layer maps a batch of
 * M rows (thousands) through a weight of K x N (tens), and its weight
 * gradient reduces those M rows away again. For these shapes OpenBLAS
 * spends as long copying ("packing") operands and zeroing C as multiplying.
 * Two kernels that need no packing of the big operand, measured on this
 * machine (1 thread, µs per gl_matmul against OpenBLAS 0.3.21's Haswell
 * kernels; both near the FMA units' peak for the big shapes):
 *
 *   TALL:   C (M,N) = A (M,K) · B (K,N) with M large, K and N small. B is
 *           copied once, zero padded, into a (K, N rounded up to a vector)
 *           block that stays in L1/L2; each 3-row tile of C is held in
 *           registers while A's elements are broadcast against B's rows.
 *           (10000,32)·(32,32): 191 -> 155 (float32), 410 -> 311 (float64);
 *           (10000,2)·(2,32): 37 -> 22; (10000,1)·(1,32): 32 -> 18 (float32).
 *   REDUCE: C (M,N) = A (M,K) · B (K,N) with K large, M and N small: the
 *           weight gradient Gᵀ·X. K is walked in chunks that stay in L1;
 *           each 3 x 4-vector tile of C stays in registers for a chunk.
 *           (32,10000)·(10000,32): 210 -> 165 (float32), 427 -> 335
 *           (float64); (32,10000)·(10000,2): 70 -> 21 (float32).
 *
 * They run when the CPU has AVX2 and FMA (checked once at run time: the
 * build itself stays portable, compiled for any x86-64) and the shape is
 * one they win on; anything else goes to BLAS as before. */
#ifdef GL_X86
#define HAVE_FAST_KERNELS 1
#include <immintrin.h>

#define AVX2_FN __attribute__((target("avx2,fma")))
#define AVX2_INLINE static inline __attribute__((always_inline, target("avx2,fma")))

AVX2_INLINE __m256 bcast_f32(const float *p) { return _mm256_broadcast_ss(p); }
AVX2_INLINE __m256d bcast_f64(const double *p) { return _mm256_broadcast_sd(p); }

#define MR_TILE 3 /* rows of C per tile: 3 x 4 vectors = 12 accumulators of 16 registers */
#define NV_TILE 4

/* One MR x NV-vector tile of C = A·Bp (+ bias) over k < K (TALL). A(r,k) at
 * A[r*ars + k*acs]; Bp is (K, ldb), zero padded; bias (NULL: none) is one
 * padded row that starts the sums; C's row r at C + r*ldc holds ncols more
 * elements from this tile's first column (stored partially when fewer than
 * NV vectors). */
#define TALL_TILE(NAME, T, VT, VW, LOADU, BCAST, FMA, ZERO, STOREU)                          \
    AVX2_INLINE void NAME(int MR, int NV, const T *A, int64_t ars, int64_t acs, const T *Bp, \
                          int64_t ldb, int64_t K, const T *bias, T *C, int64_t ldc,          \
                          int64_t ncols)                                                     \
    {                                                                                        \
        VT acc[MR_TILE][NV_TILE];                                                            \
        _Pragma("GCC unroll 4") for (int r = 0; r < MR_TILE; r++)                            \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV_TILE; v++)                            \
            if (r < MR && v < NV) acc[r][v] = bias ? LOADU(bias + v * VW) : ZERO();          \
        for (int64_t k = 0; k < K; k++, A += acs, Bp += ldb) {                               \
            VT b[NV_TILE];                                                                   \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV_TILE; v++)                        \
                if (v < NV) b[v] = LOADU(Bp + v * VW);                                       \
            _Pragma("GCC unroll 4") for (int r = 0; r < MR_TILE; r++)                        \
                if (r < MR) {                                                                \
                    VT a = BCAST(A + r * ars);                                               \
                    _Pragma("GCC unroll 4") for (int v = 0; v < NV_TILE; v++)                \
                        if (v < NV) acc[r][v] = FMA(a, b[v], acc[r][v]);                     \
                }                                                                            \
        }                                                                                    \
        _Pragma("GCC unroll 4") for (int r = 0; r < MR_TILE; r++)                            \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV_TILE; v++)                            \
            if (r < MR && v < NV) {                                                          \
                if ((v + 1) * VW <= ncols) {                                                 \
                    STOREU(C + r * ldc + v * VW, acc[r][v]);                                 \
                } else {                                                                     \
                    T part[VW];                                                              \
                    STOREU(part, acc[r][v]);                                                 \
                    for (int e = 0; v * VW + e < ncols; e++)                                 \
                        C[r * ldc + v * VW + e] = part[e];                                   \
                }                                                                            \
            }                                                                                \
    }
TALL_TILE(tall_tile_f32, float, __m256, 8, _mm256_loadu_ps, bcast_f32, _mm256_fmadd_ps,
          _mm256_setzero_ps, _mm256_storeu_ps)
TALL_TILE(tall_tile_f64, double, __m256d, 4, _mm256_loadu_pd, bcast_f64, _mm256_fmadd_pd,
          _mm256_setzero_pd, _mm256_storeu_pd)

/* The tile of MR rows (a compile-time constant in each case) for every
 * column block of NV_TILE vectors. */
#define TALL_CASE(TILE, MRC, VW)                                                             \
    for (int64_t v = 0; v < nv; v += NV_TILE) {                                              \
        const T *a_ = A + i * ars;                                                           \
        const T *b_ = Bp + v * VW;                                                           \
        const T *bias_ = bias ? bias + v * VW : NULL;                                        \
        T *c_ = C + i * N + v * VW;                                                          \
        int64_t nc_ = N - v * VW;                                                            \
        switch (nv - v < NV_TILE ? (int)(nv - v) : NV_TILE) {                                \
        case 4: TILE(MRC, 4, a_, ars, acs, b_, ldb, K, bias_, c_, N, nc_); break;            \
        case 3: TILE(MRC, 3, a_, ars, acs, b_, ldb, K, bias_, c_, N, nc_); break;            \
        case 2: TILE(MRC, 2, a_, ars, acs, b_, ldb, K, bias_, c_, N, nc_); break;            \
        default: TILE(MRC, 1, a_, ars, acs, b_, ldb, K, bias_, c_, N, nc_); break;           \
        }                                                                                    \
    }

/* Rows i0..i1 of C (M,N), contiguous, = A (M,K) · Bp (K, ldb) (+ bias: ldb). */
#define TALL_ROWS(NAME, TILE, TYPE, VW)                                                      \
    static AVX2_FN void NAME(const TYPE *A, int64_t ars, int64_t acs, const TYPE *Bp,        \
                             int64_t ldb, const TYPE *bias, TYPE *C, int64_t i0, int64_t i1, \
                             int64_t N, int64_t K)                                           \
    {                                                                                        \
        typedef TYPE T;                                                                      \
        int64_t nv = (N + VW - 1) / VW, i = i0;                                              \
        for (; i + MR_TILE <= i1; i += MR_TILE)                                              \
            TALL_CASE(TILE, MR_TILE, VW)                                                     \
        for (; i < i1; i++)                                                                  \
            TALL_CASE(TILE, 1, VW)                                                           \
    }
TALL_ROWS(tall_rows_f32, tall_tile_f32, float, 8)
TALL_ROWS(tall_rows_f64, tall_tile_f64, double, 4)

/* One MR x NV-vector tile of acc (REDUCE) += A(r, k) · B(k, :) over the kn
 * values of k: A(r,k) at A[r*ars + k*acs], B's rows full vectors at stride brs. */
#define REDUCE_TILE(NAME, T, VT, VW, LOADU, BCAST, FMA, STOREU)                              \
    AVX2_INLINE void NAME(int MR, int NV, const T *A, int64_t ars, int64_t acs, const T *B,  \
                          int64_t brs, int64_t kn, T *acc, int64_t ldacc)                    \
    {                                                                                        \
        VT c[MR_TILE][NV_TILE];                                                              \
        _Pragma("GCC unroll 4") for (int r = 0; r < MR_TILE; r++)                            \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV_TILE; v++)                            \
            if (r < MR && v < NV) c[r][v] = LOADU(acc + r * ldacc + v * VW);                 \
        for (int64_t k = 0; k < kn; k++, A += acs, B += brs) {                               \
            VT b[NV_TILE];                                                                   \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV_TILE; v++)                        \
                if (v < NV) b[v] = LOADU(B + v * VW);                                        \
            _Pragma("GCC unroll 4") for (int r = 0; r < MR_TILE; r++)                        \
                if (r < MR) {                                                                \
                    VT a = BCAST(A + r * ars);                                               \
                    _Pragma("GCC unroll 4") for (int v = 0; v < NV_TILE; v++)                \
                        if (v < NV) c[r][v] = FMA(a, b[v], c[r][v]);                         \
                }                                                                            \
        }                                                                                    \
        _Pragma("GCC unroll 4") for (int r = 0; r < MR_TILE; r++)                            \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV_TILE; v++)                            \
            if (r < MR && v < NV) STOREU(acc + r * ldacc + v * VW, c[r][v]);                 \
    }
REDUCE_TILE(reduce_tile_f32, float, __m256, 8, _mm256_loadu_ps, bcast_f32, _mm256_fmadd_ps,
            _mm256_storeu_ps)
REDUCE_TILE(reduce_tile_f64, double, __m256d, 4, _mm256_loadu_pd, bcast_f64, _mm256_fmadd_pd,
            _mm256_storeu_pd)

#define REDUCE_CASE(TILE, MRC, a_, c_)                                                       \
    switch (nv - v < NV_TILE ? (int)(nv - v) : NV_TILE) {                                    \
    case 4: TILE(MRC, 4, a_, ars, acs, b_, brs, kn, c_, ld); break;                          \
    case 3: TILE(MRC, 3, a_, ars, acs, b_, brs, kn, c_, ld); break;                          \
    case 2: TILE(MRC, 2, a_, ars, acs, b_, brs, kn, c_, ld); break;                          \
    default: TILE(MRC, 1, a_, ars, acs, b_, brs, kn, c_, ld); break;                         \
    }

/* acc (M, ld) += A (M,kn) · B (kn, ld) for one chunk of k, B's rows full
 * vectors (ld a multiple of VW) at stride brs. */
#define REDUCE_CHUNK(NAME, TILE, TYPE, VW)                                                   \
    static AVX2_FN void NAME(const TYPE *A, int64_t ars, int64_t acs, const TYPE *B,         \
                             int64_t brs, int64_t kn, TYPE *acc, int64_t M, int64_t ld)      \
    {                                                                                        \
        typedef TYPE T;                                                                      \
        int64_t nv = ld / VW;                                                                \
        for (int64_t i = 0; i < M; i += MR_TILE)                                             \
            for (int64_t v = 0; v < nv; v += NV_TILE) {                                      \
                const T *a = A + i * ars, *b_ = B + v * VW;                                  \
                T *c = acc + i * ld + v * VW;                                                \
                if (i + MR_TILE <= M) {                                                      \
                    REDUCE_CASE(TILE, MR_TILE, a, c)                                         \
                } else if (M - i == 2) { /* a 2-row tile beats two 1-row ones */             \
                    REDUCE_CASE(TILE, 2, a, c)                                               \
                } else {                                                                     \
                    REDUCE_CASE(TILE, 1, a, c)                                               \
                }                                                                            \
            }                                                                                \
    }
REDUCE_CHUNK(reduce_chunk_f32, reduce_tile_f32, float, 8)
REDUCE_CHUNK(reduce_chunk_f64, reduce_tile_f64, double, 4)

/* Which products the kernels take (from the measurements above: TALL loses
 * to BLAS below a few hundred rows and when N is under one vector; REDUCE
 * loses once C outgrows 64 x 64). */
#define TALL_MIN_M 128
#define TALL_MAX_KN 16384 /* K·N: B's packed copy stays in L2 */
#define TALL_MAX_K 256
#define REDUCE_MIN_K 256
#define REDUCE_MAX_MN 64
#define REDUCE_CHUNK_BYTES 16384 /* per operand chunk: both stay in L1 */

/* B's (K,N) copy for TALL, zero padded to rows of ld, and below it the
 * bias (when there is one, elements bs apart) as one more row. */
#define TALL_PACK(T)                                                                         \
    {                                                                                        \
        const T *s = B, *bv = bias;                                                          \
        T *p = Bp;                                                                           \
        for (int64_t k = 0; k < K; k++)                                                      \
            for (int64_t j = 0; j < ld; j++)                                                 \
                p[k * ld + j] = j < N ? s[k * b->rs + j * b->cs] : 0;                        \
        for (int64_t j = 0; bias && j < ld; j++)                                             \
            p[K * ld + j] = j < N ? bv[j * bs] : 0;                                          \
    }

/* C (M,N), contiguous, = A·B (+ bias (N), elements bs apart, on every row)
 * by TALL. False (nothing written) when the shape is not one TALL wins on,
 * or the packed copy can't be allocated. */
static bool fast_tall(gl_dtype dt, const void *A, const mat *a, const void *B, const mat *b,
                      const void *bias, int64_t bs, void *C, int64_t M, int64_t N, int64_t K)
{
    int64_t vw = dt == GL_FLOAT32 ? 8 : 4;
    if (M < TALL_MIN_M || N < vw || K > TALL_MAX_K || K * N > TALL_MAX_KN)
        return false;
    int64_t ld = (N + vw - 1) / vw * vw;
    size_t nbytes = (size_t)((K + 1) * ld) * gl_dtype_size(dt);
    void *Bp = gl_pool_alloc(nbytes);
    if (!Bp)
        return false;
    if (dt == GL_FLOAT32) {
        TALL_PACK(float)
        tall_rows_f32(A, a->rs, a->cs, Bp, ld, bias ? (float *)Bp + K * ld : NULL, C, 0, M, N, K);
    } else {
        TALL_PACK(double)
        tall_rows_f64(A, a->rs, a->cs, Bp, ld, bias ? (double *)Bp + K * ld : NULL, C, 0, M, N,
                      K);
    }
    gl_pool_free(Bp, nbytes);
    return true;
}

/* C (M,N), contiguous, = A·B by REDUCE, false when it doesn't apply. The
 * vectors run along N (B's rows), or along M when N is under one vector or
 * M fills vectors better: then Cᵀ = Bᵀ·Aᵀ, read from the same memory. A
 * chunk of the vector operand is copied (zero padded) only when its rows
 * are not whole vectors in memory. */
#define REDUCE_RUN(T, CHUNK)                                                                 \
    {                                                                                        \
        const T *s = S, *v = V;                                                              \
        T *acc = scratch, *vp = acc + m * ld;                                                \
        memset(acc, 0, (size_t)(m * ld) * sizeof(T));                                        \
        for (int64_t k0 = 0; k0 < K; k0 += kc) {                                             \
            int64_t kn = K - k0 < kc ? K - k0 : kc;                                          \
            const T *vk = v + k0 * vrs;                                                      \
            int64_t brs = vrs;                                                               \
            if (pack) {                                                                      \
                for (int64_t k = 0; k < kn; k++)                                             \
                    for (int64_t j = 0; j < ld; j++)                                         \
                        vp[k * ld + j] = j < n ? vk[k * vrs + j * vcs] : 0;                  \
                vk = vp;                                                                     \
                brs = ld;                                                                    \
            }                                                                                \
            CHUNK(s + k0 * scs, srs, scs, vk, brs, kn, acc, m, ld);                          \
        }                                                                                    \
        T *c = C;                                                                            \
        for (int64_t i = 0; i < m; i++)                                                      \
            for (int64_t j = 0; j < n; j++)                                                  \
                c[swap ? j * N + i : i * N + j] = acc[i * ld + j];                           \
    }

static bool fast_reduce(gl_dtype dt, const void *A, const mat *a, const void *B, const mat *b,
                        void *C, int64_t M, int64_t N, int64_t K)
{
    int64_t vw = dt == GL_FLOAT32 ? 8 : 4;
    if (K < REDUCE_MIN_K || M > REDUCE_MAX_MN || N > REDUCE_MAX_MN || M < 2 || N < 2 ||
        (M < vw && N < vw))
        return false;
    bool swap = N < vw || (N % vw != 0 && M >= vw && M % vw == 0);
    /* V (k, j < n): the operand read as vectors; S (i < m, k): the one broadcast */
    const void *V = swap ? A : B, *S = swap ? B : A;
    int64_t n = swap ? M : N, m = swap ? N : M;
    int64_t vrs = swap ? a->cs : b->rs, vcs = swap ? a->rs : b->cs;
    int64_t srs = swap ? b->cs : a->rs, scs = swap ? b->rs : a->cs;
    int64_t ld = (n + vw - 1) / vw * vw;
    size_t es = gl_dtype_size(dt);
    int64_t kc = REDUCE_CHUNK_BYTES / (ld * (int64_t)es);
    if (kc < 16)
        kc = 16;
    bool pack = vcs != 1 || n != ld;
    size_t nbytes = (size_t)(m * ld + (pack ? kc * ld : 0)) * es;
    void *scratch = gl_pool_alloc(nbytes);
    if (!scratch)
        return false;
    if (dt == GL_FLOAT32)
        REDUCE_RUN(float, reduce_chunk_f32)
    else
        REDUCE_RUN(double, reduce_chunk_f64)
    gl_pool_free(scratch, nbytes);
    return true;
}

/* 1 when C = A·B + bias was computed here, 0 when C = A·B was (REDUCE
 * takes no bias), -1 when BLAS is to compute it. */
static int fast_matmul(gl_dtype dt, const void *A, const mat *a, const void *B, const mat *b,
                       const void *bias, int64_t bs, void *C, int64_t M, int64_t N, int64_t K)
{
    if ((dt != GL_FLOAT32 && dt != GL_FLOAT64) || !gl_cpu_has_avx2_fma())
        return -1;
    if (fast_tall(dt, A, a, B, b, bias, bs, C, M, N, K))
        return 1;
    return fast_reduce(dt, A, a, B, b, C, M, N, K) ? 0 : -1;
}
#else
static int fast_matmul(gl_dtype dt, const void *A, const mat *a, const void *B, const mat *b,
                       const void *bias, int64_t bs, void *C, int64_t M, int64_t N, int64_t K)
{
    (void)dt, (void)A, (void)a, (void)B, (void)b, (void)bias, (void)bs, (void)C, (void)M,
        (void)N, (void)K;
    return -1;
}
#endif

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

/* One (M,K)·(K,N) product into contiguous C; A and B point at their
 * matrices' first elements. With a bias (elements bs apart; NULL: none),
 * true when it was added to every row of C too (else the caller adds it). */
static bool mm_one(gl_dtype dt, bool blas, const void *A, const mat *a, const void *B,
                   const mat *b, const void *bias, int64_t bs, void *C, int64_t M, int64_t N,
                   int64_t K)
{
    int fast = blas ? fast_matmul(dt, A, a, B, b, bias, bs, C, M, N, K) : -1;
    if (fast >= 0)
        return fast == 1;
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
    return false;
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

/* out (...,N) += bias (N) on every row: a bias no kernel took. */
#define ADD_BIAS_ROWS(T)                                                                     \
    {                                                                                        \
        T *o = gl_data_ptr(out);                                                             \
        const T *bv = gl_data_ptr(bias);                                                     \
        for (int64_t r = 0; r < rows; r++, o += N)                                           \
            for (int64_t j = 0; j < N; j++)                                                  \
                o[j] += bv[j * bs];                                                          \
    }

static void add_bias_rows(gl_tensor *out, const gl_tensor *bias)
{
    int64_t N = bias->shape[0], bs = bias->stride[0], rows = N ? gl_numel(out) / N : 0;
    if (N == 1) { /* a column (a last layer of one output): one flat loop */
        N = rows;
        rows = 1;
        bs = 0;
    }
    if (out->dtype == GL_FLOAT32)
        ADD_BIAS_ROWS(float)
    else
        ADD_BIAS_ROWS(double)
}

/* a (...,M,K) · b (...,K,N) -> (broadcast(...),M,N), same dtype, both >= 2-D,
 * plus bias (N) on every row when not NULL (float dtypes); shapes already
 * checked by gl_matmul / gl_linear. */
static gl_tensor *product(const gl_tensor *a, const gl_tensor *b, const gl_tensor *bias)
{
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
        if (bias)
            add_bias_rows(out, bias);
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
    /* a single product may take the bias into its sums */
    const void *bv = bias ? gl_data_ptr(bias) : NULL;
    int64_t bs = bias ? bias->stride[0] : 0;
    bool biased = false;
    if (fold) {
        biased = mm_one(out->dtype, blas, A, &ma, B, &mb, bv, bs, C, M * nmat, N, K);
    } else {
        int64_t oa = 0, ob = 0;
        for (int64_t m = 0; m < nmat; m++) {
            if (gl_interrupted) {
                gl_set_error("interrupted");
                goto fail;
            }
            biased = mm_one(out->dtype, blas, A + oa * (int64_t)es, &ma, B + ob * (int64_t)es,
                            &mb, nmat == 1 ? bv : NULL, bs, C + m * M * N * (int64_t)es, M, N, K);
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
    if (bias && !biased)
        add_bias_rows(out, bias);
    gl_release(ac);
    gl_release(bc);
    return out;
fail:
    gl_release(ac);
    gl_release(bc);
    gl_release(out);
    return NULL;
}

static gl_tensor *matmul_forward(gl_tensor *const in[], const gl_op_args *args)
{
    (void)args;
    return product(in[0], in[1], NULL);
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
    /* The operands' shapes are formatted only when a check fails: the two
     * snprintf calls cost ~5.9k instructions per call (measured: 64x64
     * float32 through Lua 5.6 -> 5.2 µs), for messages a valid call never
     * shows. */
    char ba[GL_SHAPE_BUF], bb[GL_SHAPE_BUF];
#define SHAPES (void)(gl_tshape(a, ba), gl_tshape(b, bb))
    if (a->ndim == 0 || b->ndim == 0)
        return SHAPES, gl_fail("matmul: %s x %s: %s 0-dim; matmul needs at least 1 dim on each side "
                       "(use mul to multiply by a scalar)",
                       ba, bb,
                       a->ndim == 0 && b->ndim == 0 ? "both operands are"
                       : a->ndim == 0               ? "the first operand is"
                                                    : "the second operand is");
    if (a->dtype == GL_BOOL || b->dtype == GL_BOOL)
        return SHAPES, gl_fail("matmul: %s x %s: dtypes %s and %s: bool tensors can't be multiplied "
                       "(convert with to_dtype first)",
                       ba, bb, gl_dtype_name(a->dtype), gl_dtype_name(b->dtype));
    bool a1 = a->ndim == 1, b1 = b->ndim == 1;
    int64_t ka = a->shape[a->ndim - 1], kb = b->shape[b1 ? 0 : b->ndim - 2];
    if (ka != kb)
        return SHAPES, gl_fail("matmul: %s x %s: inner dimensions %lld and %lld differ", ba, bb,
                       (long long)ka, (long long)kb);
    int nba = a1 ? 0 : a->ndim - 2, nbb = b1 ? 0 : b->ndim - 2;
    for (int i = 1; i <= nba && i <= nbb; i++) {
        int64_t sa = a->shape[nba - i], sb = b->shape[nbb - i];
        if (sa != sb && sa != 1 && sb != 1) {
            char ca[GL_SHAPE_BUF], cb[GL_SHAPE_BUF];
            return SHAPES, gl_fail("matmul: %s x %s: batch dimensions %s and %s can't be broadcast "
                           "(sizes %lld and %lld differ and neither is 1)",
                           ba, bb, gl_shape_str(a->shape, nba, ca, sizeof ca),
                           gl_shape_str(b->shape, nbb, cb, sizeof cb), (long long)sa,
                           (long long)sb);
        }
    }
    int64_t M = a1 ? 1 : a->shape[a->ndim - 2], N = b1 ? 1 : b->shape[b->ndim - 1];
    if (M > INT_MAX || N > INT_MAX || ka > INT_MAX)
        return SHAPES, gl_fail("matmul: %s x %s: matrix sizes above %d are beyond BLAS's 32-bit "
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
#undef SHAPES

/* ----------------------------------------------------------------- linear */

/* x (...,K) · wᵀ + b: w (N,K), b (N) or absent -> (...,N), one float dtype
 * (gl_linear checks). The bias starts TALL's sums, or is added to the
 * product's rows in place, so the product alone is never a tensor of its
 * own: nn.Linear's matmul-then-add made one and read it back (measured on
 * bench/mlp_fit.lua, CPU seconds: float32 1.94 -> 1.78, float64 4.39 -> 3.82). */
static gl_tensor *linear_forward(gl_tensor *const in[], const gl_op_args *args)
{
    const gl_tensor *w = in[1];
    gl_tensor *wt = gl_new_view(w, (int64_t[]){w->shape[1], w->shape[0]},
                                (int64_t[]){w->stride[1], w->stride[0]}, 2, w->offset);
    if (!wt)
        return NULL;
    gl_tensor *out = product(in[0], wt, args->ninputs > 2 ? in[2] : NULL);
    gl_release(wt);
    return out;
}

/* dx = g·w (...,K); over every row of every batch, with g and x seen as
 * (rows,N) and (rows,K): dw = gᵀ·x (N,K) and db = g's column sums (N). */
static int linear_backward(const gl_node *n, const gl_tensor *gout, gl_tensor *gin[])
{
    const gl_tensor *x = GL_IN(n, 0), *w = GL_IN(n, 1);
    int64_t N = w->shape[0], K = w->shape[1];
    bool needs_b = n->ninputs > 2 && n->needs[2];
    if (n->needs[0] && !(gin[0] = gl_matmul(gout, w)))
        return -1;
    if (!n->needs[1] && !needs_b)
        return 0;
    gl_tensor *g2 = N > 0 ? gl_reshape(gout, (int64_t[]){-1, N}, 2) : NULL;
    if (N > 0 && !g2)
        return -1;
    int rc = 0;
    if (n->needs[1]) {
        if (N == 0 || K == 0) {
            gin[1] = gl_zeros(w->shape, 2, w->dtype);
        } else {
            gl_tensor *x2 = gl_reshape(x, (int64_t[]){-1, K}, 2);
            gl_tensor *gt = gl_transpose(g2, 0, 1);
            gin[1] = x2 && gt ? gl_matmul(gt, x2) : NULL;
            gl_release(x2);
            gl_release(gt);
        }
        rc = gin[1] ? 0 : -1;
    }
    if (rc == 0 && needs_b) {
        gin[2] = N > 0 ? gl_sum(g2, 0, false) : gl_zeros((int64_t[]){0}, 1, w->dtype);
        rc = gin[2] ? 0 : -1;
    }
    gl_release(g2);
    return rc;
}

/* 2 or 3 inputs: the bias is optional */
const gl_op_def gl_def_linear = {GL_OP_LINEAR, "linear", -1, GL_SAVE_INPUTS, linear_forward,
                                 linear_backward};

/* torch.nn.functional.linear. One "linear" node when x has at least 2 dims,
 * w is 2-D and x, w, b share a float dtype and fit; anything else (1-D x,
 * mixed dtypes, mismatched shapes) is exactly matmul(x, wᵀ) + b, with their
 * promotions and their errors. */
gl_tensor *gl_linear(const gl_tensor *x, const gl_tensor *w, const gl_tensor *b)
{
    int nd = x->ndim;
    bool fused = nd >= 2 && w->ndim == 2 && gl_is_floating(x->dtype) && w->dtype == x->dtype &&
                 x->shape[nd - 1] == w->shape[1] && x->shape[nd - 2] <= INT_MAX &&
                 w->shape[0] <= INT_MAX && w->shape[1] <= INT_MAX &&
                 (!b || (b->ndim == 1 && b->dtype == x->dtype && b->shape[0] == w->shape[0]));
    if (fused)
        return gl_apply(GL_OP_LINEAR,
                        (gl_tensor *const[]){(gl_tensor *)x, (gl_tensor *)w, (gl_tensor *)b},
                        b ? 3 : 2, NULL);
    gl_tensor *wt = w->ndim >= 2 ? gl_transpose(w, -2, -1) : gl_retain((gl_tensor *)w);
    gl_tensor *y = wt ? gl_matmul(x, wt) : NULL;
    gl_release(wt);
    if (y && b) {
        gl_tensor *z = gl_add(y, b);
        gl_release(y);
        y = z;
    }
    return y;
}
