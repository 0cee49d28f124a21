/* LD_PRELOAD shim for bench/omp_regions.sh: counts the calls into libgomp
 * that start a parallel region (GOMP_parallel; an if(false) region enters it
 * too) and explicit barriers (GOMP_barrier, once per thread), and prints the
 * totals at exit. Not linked into anything. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_long regions, barriers;

void GOMP_parallel(void (*fn)(void *), void *data, unsigned threads, unsigned flags)
{
    static void (*real)(void (*)(void *), void *, unsigned, unsigned);
    if (!real)
        real = (void (*)(void (*)(void *), void *, unsigned, unsigned))dlsym(RTLD_NEXT, "GOMP_parallel");
    atomic_fetch_add(&regions, 1);
    real(fn, data, threads, flags);
}

void GOMP_barrier(void)
{
    static void (*real)(void);
    if (!real)
        real = (void (*)(void))dlsym(RTLD_NEXT, "GOMP_barrier");
    atomic_fetch_add(&barriers, 1);
    real();
}

__attribute__((destructor)) static void report(void)
{
    fprintf(stderr, "omp_regions: regions %ld barrier_calls %ld\n", (long)regions, (long)barriers);
}
