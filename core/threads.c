#include "threads.h"

#include <cblas.h>
#include <omp.h>
#include <unistd.h>

static int budget = 0;

void pp_threads_set(int n)
{
    if (n <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 ? (int)cores : 1;
    }
    budget = n;
    /* The engine splits work across its own threads and calls sgemm from each;
     * OpenBLAS's own threads would only compete with them for the cores. */
    openblas_set_num_threads(1);
    omp_set_num_threads(n);
}

int pp_threads_get(void)
{
    if (budget == 0)
        pp_threads_set(0);
    return budget;
}
