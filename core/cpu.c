#include "cpu.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const path_names[] = {"portable", "avx2", "avx512"};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pp_cpu_path_kind chosen, best;
static char error_text[256];

const char *pp_cpu_path_name(pp_cpu_path_kind path)
{
    return (unsigned)path < sizeof path_names / sizeof path_names[0] ? path_names[path] : "unknown";
}

static pp_cpu_path_kind detect(void)
{
    __builtin_cpu_init();
    /* the AVX-512 kernels use F, VL (128/256-bit masked forms) and their
     * shuffles; the AVX2 ones need FMA with it */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
        return PP_CPU_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return PP_CPU_AVX2;
    return PP_CPU_PORTABLE;
}

bool pp_cpu_resolve(const char *value, pp_cpu_path_kind best, pp_cpu_path_kind *path, char *msg, size_t msg_size)
{
    *path = best;
    if (!value || !*value)
        return true;
    for (int p = PP_CPU_PORTABLE; p <= PP_CPU_AVX512; p++) {
        if (strcmp(value, path_names[p]) != 0)
            continue;
        if ((pp_cpu_path_kind)p > best) {
            snprintf(msg, msg_size, "PP_CPU=%s: this CPU cannot run the %s kernels (the best it has is %s)", value,
                     value, path_names[best]);
            return false;
        }
        *path = (pp_cpu_path_kind)p;
        return true;
    }
    snprintf(msg, msg_size, "PP_CPU=%.64s is not a CPU path (use avx512, avx2 or portable)", value);
    return false;
}

static void choose(void)
{
    best = detect();
    if (pp_cpu_resolve(getenv("PP_CPU"), best, &chosen, error_text, sizeof error_text))
        error_text[0] = 0;
}

pp_cpu_path_kind pp_cpu_path(void)
{
    pthread_once(&once, choose);
    return chosen;
}

pp_cpu_path_kind pp_cpu_best_path(void)
{
    pthread_once(&once, choose);
    return best;
}

const char *pp_cpu_error(void)
{
    pthread_once(&once, choose);
    return error_text[0] ? error_text : NULL;
}
