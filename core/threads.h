/* Thread counts. The engine keeps no thread budget of its own: the count
 * travels with each call (in the forward and training contexts, the probe,
 * pp_job, the corruption request), as ggml keeps n_threads in its plan, and
 * every OpenMP region runs with num_threads(that count), never the ICV. So two
 * callers on two threads (the studio's interactive and job workers) use what
 * each was given and together never more. OpenBLAS always runs single-threaded
 * inside our threads (gemm.c sets it once, before its first call). */
#ifndef PP_THREADS_H
#define PP_THREADS_H

/* The process default callers use to fill in a count (the CLI's --threads):
 * pp_threads_set_default(n) with n > 0, else OMP_NUM_THREADS, else the online
 * cores. Core itself never reads it. */
void pp_threads_set_default(int n);
int pp_threads_default(void);

/* A count as core takes it: below 1 means 1. */
static inline int pp_threads_clamp(int n)
{
    return n > 0 ? n : 1;
}

#endif
