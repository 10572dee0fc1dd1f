/* test.h — what the engine's cmocka tests share: tensor builders, exact
 * error-text checks and the finite-difference gradient check.
 *
 * Each test file ends with TEST_GROUP(name, cmocka_unit_test(...), ...);
 * main.c runs every group that is linked in. */
#ifndef GL_TEST_H
#define GL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradlab.h"

#define TEST_GROUP(name, ...)                                                                  \
    const struct CMUnitTest name##_tests[] = {__VA_ARGS__};                                    \
    const size_t name##_tests_count = sizeof(name##_tests) / sizeof(name##_tests[0])

/* A tensor of the given dtype and shape from a list of values:
 *   T(GL_FLOAT64, SHAPE(2, 2), 1, 2, 3, 4)   (SHAPE(...) gives ndim, dims) */
#define SHAPE(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__}
#define SCALAR_SHAPE 0, NULL
/* The same dims in the engine's (shape, ndim) argument order: gl_zeros(DIMS(2, 3), dt). */
#define DIMS(...) (int64_t[]){__VA_ARGS__}, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define T(dt, shape, ...) test_tensor(dt, shape, (double[]){__VA_ARGS__}, \
                                      (int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)))
gl_tensor *test_tensor(gl_dtype dt, int ndim, const int64_t *shape, const double *vals, int nvals);
/* Normal random float64 (or dt) tensor with requires_grad set. */
gl_tensor *test_randn(gl_dtype dt, int ndim, const int64_t *shape, bool requires_grad);

/* Fails the test unless t's elements equal vals (within tol) and its shape is as given. */
void assert_tensor_near(const gl_tensor *t, int ndim, const int64_t *shape, const double *vals,
                        double tol);
#define assert_values(t, tol, shape, ...) \
    assert_tensor_near(t, shape, (double[]){__VA_ARGS__}, tol)
/* Fails unless the last error equals msg exactly. */
#define assert_error(msg) assert_string_equal(gl_error(), msg)

/* The function under a gradient check: builds an output from inputs. */
typedef gl_tensor *(*test_fn)(gl_tensor *const *in, void *ctx);

/* Central finite differences in float64 against backward, with a random
 * (seeded) output weighting. Returns the worst relative error
 * |analytic - numeric| / max(1, |analytic|, |numeric|) over all inputs that
 * require grad, printing where it is when above tol. */
double gradcheck(test_fn f, gl_tensor *const *in, int n, void *ctx, double eps, double tol);
#define assert_gradcheck(f, in, n, ctx) assert_true(gradcheck(f, in, n, ctx, 1e-6, 1e-6) < 1e-6)

#endif
