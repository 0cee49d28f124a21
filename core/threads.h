/* The engine's thread budget: one number shared by OpenBLAS and our OpenMP loops,
 * so the two never oversubscribe the cores. */
#ifndef PP_THREADS_H
#define PP_THREADS_H

/* n <= 0 means all online cores. Call before heavy work; cheap to call again. */
void pp_threads_set(int n);
int pp_threads_get(void);

#endif
