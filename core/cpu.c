#include "cpu.h"

#include <stdlib.h>
#include <string.h>

bool pp_cpu_avx512(void)
{
    static int known = -1; /* a benign race: every thread computes the same answer */
    if (known < 0) {
        const char *forced = getenv("PP_CPU");
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                !(forced && strcmp(forced, "portable") == 0);
    }
    return known;
}
