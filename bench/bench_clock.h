/* Wall-clock seconds for the benchmarks (monotonic). */
#ifndef PP_BENCH_CLOCK_H
#define PP_BENCH_CLOCK_H

#include <time.h>

static inline double pp_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#endif
