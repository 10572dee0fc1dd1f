/* main.c — runs every test group linked into the engine test binary as one
 * cmocka group, so the summary counts them all. Groups are weak symbols: a
 * file that is not there yet just contributes nothing. */
#include "test.h"

#define GROUPS(X)                                                                            \
    X(core) X(views) X(binary) X(unary) X(reduce) X(inplace) X(optim) X(matmul) X(nn)        \
    X(loss) X(print) X(autograd) X(seed) X(golden) X(errors) X(random) X(regressions) X(anomaly) X(readers) \
    X(perfops)

#define DECLARE(name)                                                                        \
    extern const struct CMUnitTest name##_tests[] __attribute__((weak));                     \
    extern const size_t name##_tests_count __attribute__((weak));
GROUPS(DECLARE)

int main(int argc, char **argv)
{
    size_t total = 0, k = 0;
#define COUNT(name) if (&name##_tests_count) total += name##_tests_count;
    GROUPS(COUNT)
    struct CMUnitTest *all = calloc(total ? total : 1, sizeof *all);
#define ADD(name)                                                                            \
    if (&name##_tests_count)                                                                 \
        for (size_t i = 0; i < name##_tests_count; i++)                                      \
            all[k++] = name##_tests[i];
    GROUPS(ADD)
    /* `test_engine NAME` runs only tests whose name contains NAME */
    if (argc > 1) {
        size_t j = 0;
        for (size_t i = 0; i < k; i++)
            if (strstr(all[i].name, argv[1]))
                all[j++] = all[i];
        k = j;
    }
    int failed = _cmocka_run_group_tests("engine", all, k, NULL, NULL);
    free(all);
    return failed ? 1 : 0;
}
