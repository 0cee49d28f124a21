/* Which kernels the engine runs, chosen once per process. The engine is built
 * for x86-64-v3 (AVX2, FMA); on top of that it has hand-written AVX2 kernels
 * and AVX-512 ones, and "portable" code (what the compiler makes of plain C,
 * with OpenBLAS for the GEMM). PP_CPU=avx512|avx2|portable in the environment
 * picks one (the tests run every path the CPU can run that way); by default
 * the best the CPU has runs. */
#ifndef PP_CPU_H
#define PP_CPU_H

#include <stdbool.h>
#include <stddef.h>

/* Ordered: a path needs everything the ones below it need. */
typedef enum {
    PP_CPU_PORTABLE,
    PP_CPU_AVX2,
    PP_CPU_AVX512,
} pp_cpu_path_kind;

/* The path every dispatch uses. Never one the CPU cannot run: a PP_CPU value
 * the CPU cannot run (or an unknown one) falls back to the best path and is
 * reported by pp_cpu_error, which the programs check at start-up. */
pp_cpu_path_kind pp_cpu_path(void);
const char *pp_cpu_path_name(pp_cpu_path_kind path);

/* NULL when PP_CPU is unset or names a path this CPU runs; else the message
 * to show (naming the value and what the CPU has). */
const char *pp_cpu_error(void);

/* The best path this CPU has, PP_CPU aside. */
pp_cpu_path_kind pp_cpu_best_path(void);

/* The rule pp_cpu_path applies, for any CPU: the path for a PP_CPU value
 * (NULL or empty: unset) on a CPU whose best path is `best`. False, with the
 * message in msg and `best` in *path, for a value it cannot run. */
bool pp_cpu_resolve(const char *value, pp_cpu_path_kind best, pp_cpu_path_kind *path, char *msg, size_t msg_size);

/* For kernels built twice, once for AVX-512 (the avx512 path), once for the
 * x86-64-v3 baseline, and chosen by pp_cpu_path() rather than by target clones
 * (which would follow the CPU and ignore PP_CPU). */
#define PP_ISA_V4 __attribute__((target("arch=x86-64-v4")))
/* With it, where GCC would keep to 256-bit vectors (its default tuning):
 * loops of the avx512 path meant to fill zmm registers. Clang has no such
 * target string. */
#if defined(__clang__)
#define PP_ISA_V4_WIDE PP_ISA_V4
#else
#define PP_ISA_V4_WIDE PP_ISA_V4 __attribute__((target("prefer-vector-width=512")))
#endif

#endif
