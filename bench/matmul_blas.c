/* The reference for bench/matmul.lua: cblas_sgemm / cblas_dgemm called
 * directly on preallocated row-major N x N matrices, C = A B.
 *
 *   $BUILD/bench/matmul_blas N [float32|float64] [min_seconds]
 *   $BUILD/bench/matmul_blas --config      OpenBLAS's build config and core
 *
 * Built by bench/run.sh (cc, pkg-config openblas) into $BUILD/bench/.
 * Times batches of products until min_seconds (default 0.3) have passed and
 * prints "BENCH gflops G" (2 N^3 flops per product; cpu_gflops per CPU
 * second of the process, all threads). */
#define _POSIX_C_SOURCE 199309L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* OpenBLAS's own entry points (declared in its cblas.h too, but not in
 * every CBLAS header). */
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process (every thread), as Lua's os.clock. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The same fill for both dtypes: uniform in [-1, 1) from a fixed LCG. */
static double next_value(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / (double)(1ULL << 53) * 2.0 - 1.0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--config") == 0) {
        printf("BENCH config %s\n", openblas_get_config());
        printf("BENCH core %s\n", openblas_get_corename());
        printf("BENCH threads %d\n", openblas_get_num_threads());
        return 0;
    }
    int n = argc > 1 ? atoi(argv[1]) : 256;
    const char *dtype = argc > 2 ? argv[2] : "float32";
    double min_seconds = argc > 3 ? atof(argv[3]) : 0.3;
    int f64 = strcmp(dtype, "float64") == 0;
    if (n < 1 || (!f64 && strcmp(dtype, "float32") != 0)) {
        fprintf(stderr, "usage: matmul_blas N [float32|float64] [min_seconds]\n");
        return 2;
    }
    size_t nn = (size_t)n * (size_t)n, es = f64 ? sizeof(double) : sizeof(float);
    void *a = malloc(nn * es), *b = malloc(nn * es), *c = malloc(nn * es);
    if (!a || !b || !c) {
        fprintf(stderr, "matmul_blas: out of memory\n");
        return 1;
    }
    unsigned long long s = 42;
    for (size_t i = 0; i < nn; i++) {
        double va = next_value(&s), vb = next_value(&s);
        if (f64) {
            ((double *)a)[i] = va;
            ((double *)b)[i] = vb;
        } else {
            ((float *)a)[i] = (float)va;
            ((float *)b)[i] = (float)vb;
        }
    }

#define GEMM()                                                                            \
    do {                                                                                  \
        if (f64)                                                                          \
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, \
                        n, 0.0, c, n);                                                    \
        else                                                                              \
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n,   \
                        b, n, 0.0f, c, n);                                                \
    } while (0)

    GEMM(); /* warm up */
    long reps = 0, batch = 1;
    double t0 = now(), c0 = cpu_now(), elapsed;
    for (;;) {
        for (long i = 0; i < batch; i++)
            GEMM();
        reps += batch;
        elapsed = now() - t0;
        if (elapsed >= min_seconds)
            break;
        batch *= 2;
    }
    double cpu = cpu_now() - c0;
    printf("BENCH gflops %.4f\n", 2.0 * n * (double)n * n * reps / elapsed / 1e9);
    printf("BENCH cpu_gflops %.4f\n", 2.0 * n * (double)n * n * reps / cpu / 1e9);
    printf("BENCH reps %ld\n", reps);
    printf("BENCH seconds %.6f\n", elapsed);
    printf("BENCH checksum %.6g\n", f64 ? ((double *)c)[0] : (double)((float *)c)[0]);
    free(a);
    free(b);
    free(c);
    return 0;
}
