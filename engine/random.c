/* random.c — one seeded generator for the process: xoshiro256** seeded by
 * splitmix64, so gl_manual_seed(s) gives the same numbers on every machine.
 * Normal samples use Box–Muller on two uniforms of 53 bits. */
#include "internal.h"

static uint64_t state[4] = {0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
                            0x2545f4914f6cdd1dull};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t next_u64(void)
{
    uint64_t result = rotl(state[1] * 5, 7) * 9, t = state[1] << 17;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= t;
    state[3] = rotl(state[3], 45);
    return result;
}

void gl_manual_seed(uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        state[i] = splitmix64(&x);
}

double gl_rand_double(void) { return (double)(next_u64() >> 11) * 0x1.0p-53; }

static float rand_float(void) { return (float)(next_u64() >> 40) * 0x1.0p-24f; }

gl_tensor *gl_rand(const int64_t *shape, int ndim, gl_dtype dt)
{
    gl_tensor *t = gl_new(shape, ndim, dt);
    if (t && gl_uniform_(t, 0, 1) != 0) {
        gl_release(t);
        return NULL;
    }
    return t;
}

int gl_uniform_(gl_tensor *t, double low, double high)
{
    if (gl_check_writable("uniform_", t, true) != 0)
        return -1;
    if (!gl_is_floating(t->dtype))
        return gl_fail_status("uniform_: needs a float32 or float64 tensor, not %s",
                              gl_dtype_name(t->dtype));
    int64_t n = gl_numel(t);
    for (int64_t i = 0; i < n; i++) {
        int64_t off = gl_elem_offset(t, i);
        if (t->dtype == GL_FLOAT32)
            ((float *)gl_base(t))[off] = (float)low + (float)(high - low) * rand_float();
        else
            ((double *)gl_base(t))[off] = low + (high - low) * gl_rand_double();
    }
    gl_bump_version(t);
    return 0;
}

gl_tensor *gl_randn(const int64_t *shape, int ndim, gl_dtype dt)
{
    if (!gl_is_floating(dt))
        return gl_fail("randn: needs dtype float32 or float64, not %s", gl_dtype_name(dt));
    gl_tensor *t = gl_new(shape, ndim, dt);
    if (!t)
        return NULL;
    int64_t n = gl_numel(t);
    for (int64_t i = 0; i < n; i += 2) {
        double u1 = 1.0 - gl_rand_double(); /* (0,1]: log is finite */
        double u2 = gl_rand_double();
        double r = sqrt(-2.0 * log(u1));
        gl_store(gl_base(t), dt, i, r * cos(2 * M_PI * u2));
        if (i + 1 < n)
            gl_store(gl_base(t), dt, i + 1, r * sin(2 * M_PI * u2));
    }
    return t;
}

gl_tensor *gl_randperm(int64_t n)
{
    if (n < 0)
        return gl_fail("randperm: n must be non-negative, got %lld", (long long)n);
    gl_tensor *t = gl_new(&n, 1, GL_INT64);
    if (!t)
        return NULL;
    int64_t *p = gl_base(t);
    for (int64_t i = 0; i < n; i++)
        p[i] = i;
    for (int64_t i = n - 1; i > 0; i--) { /* Fisher–Yates */
        int64_t j = (int64_t)(gl_rand_double() * (double)(i + 1));
        int64_t tmp = p[i];
        p[i] = p[j];
        p[j] = tmp;
    }
    return t;
}
