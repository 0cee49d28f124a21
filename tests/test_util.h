/* A minimal test harness: each test file is one executable with several
 * cases; a failed CHECK prints where and why and marks the case failed. */
#ifndef PP_TEST_UTIL_H
#define PP_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int pp_test_failures = 0;
static int pp_test_case_failed = 0;

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond);         \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
            pp_test_case_failed = 1;                                                         \
        }                                                                                    \
    } while (0)

/* Fails when the call does not return PP_OK, printing the error message. */
#define CHECK_OK(call, errp)                                                                 \
    do {                                                                                     \
        pp_status st_ = (call);                                                              \
        CHECK(st_ == PP_OK, "%s -> %s: %s", #call, pp_status_string(st_), (errp)->msg);     \
    } while (0)

#define RUN_TEST(fn)                                                                         \
    do {                                                                                     \
        pp_test_case_failed = 0;                                                             \
        fn();                                                                                \
        printf("%s %s\n", pp_test_case_failed ? "FAIL" : "ok  ", #fn);                       \
        pp_test_failures += pp_test_case_failed;                                             \
    } while (0)

#define TEST_EXIT() (pp_test_failures ? 1 : 0)

/* A monotonic clock, for reporting how long a bounded-time case took. */
static inline double pp_test_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Max |a-b| over n floats, relative to max |b| (or absolute if scale == 0).
 * Prints the first few mismatches above tol. Returns the max error. */
static inline double pp_test_compare(const char *what, const float *got, const float *want,
                                     size_t n, double tol, int relative)
{
    double scale = 1.0;
    if (relative) {
        scale = 0;
        for (size_t i = 0; i < n; i++)
            scale = fmax(scale, fabs(want[i]));
        if (scale == 0)
            scale = 1;
    }
    double max_err = 0;
    int shown = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]) / scale;
        if (!(e <= tol) && shown < 5) {
            fprintf(stderr, "  %s[%zu]: got %.7g want %.7g (err %.3g)\n", what, i, got[i], want[i], e);
            shown++;
        }
        if (!(e <= max_err))
            max_err = e;
    }
    return max_err;
}

#endif
