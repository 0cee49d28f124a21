/* What the CPU can run, checked once. The engine is built for x86-64-v3
 * (AVX2, FMA); its AVX-512 kernels run only where this says so. */
#ifndef PP_CPU_H
#define PP_CPU_H

#include <stdbool.h>

/* AVX-512 F and VL, unless PP_CPU=portable is set in the environment (the
 * tests run the portable paths that way too). */
bool pp_cpu_avx512(void);

#endif
