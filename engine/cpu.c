/* cpu.c — what this processor can run, asked once. The engine's wide
 * kernels (matmul's AVX2 + FMA tiles, the column sums, tanh) are compiled
 * for AVX2 with target attributes and chosen at run time, so one portable
 * build (no -march=native) runs everywhere and uses wider vectors where
 * they exist. */
#include "internal.h"

#ifdef GL_X86
static int has_avx2 = -1, has_fma = -1;

static void probe(void)
{
    __builtin_cpu_init();
    has_avx2 = __builtin_cpu_supports("avx2") != 0;
    has_fma = __builtin_cpu_supports("fma") != 0;
}

bool gl_cpu_has_avx2(void)
{
    if (has_avx2 < 0)
        probe();
    return has_avx2;
}

bool gl_cpu_has_avx2_fma(void)
{
    if (has_avx2 < 0)
        probe();
    return has_avx2 && has_fma;
}
#else
bool gl_cpu_has_avx2(void) { return false; }
bool gl_cpu_has_avx2_fma(void) { return false; }
#endif
