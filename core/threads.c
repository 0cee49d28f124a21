#include "threads.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static _Atomic int default_threads = 0;

static int machine_threads(void)
{
    const char *env = getenv("OMP_NUM_THREADS");
    if (env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (end != env && v > 0 && v <= 4096)
            return (int)v;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)cores : 1;
}

void pp_threads_set_default(int n)
{
    atomic_store(&default_threads, n > 0 ? n : machine_threads());
}

int pp_threads_default(void)
{
    int n = atomic_load(&default_threads);
    if (n == 0) {
        pp_threads_set_default(0);
        n = atomic_load(&default_threads);
    }
    return n;
}
