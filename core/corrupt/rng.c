#include "rng.h"

#include <math.h>

void pp_rng_uniform_fill(uint64_t key, float *out /* (n) */, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)((pp_rng_u64(key, i) >> 40) * 0x1.0p-24);
}

void pp_rng_normal_fill(uint64_t key, float *out /* (n) */, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        uint64_t r = pp_rng_u64(key, i / 2);
        /* u1 in (0, 1] keeps the log finite. */
        double u1 = ((double)(r >> 40) + 1.0) * 0x1.0p-24;
        double u2 = (double)(r & 0xffffff) * 0x1.0p-24;
        double rad = sqrt(-2.0 * log(u1));
        double a = 2.0 * M_PI * u2;
        out[i] = (float)(rad * cos(a));
        if (i + 1 < n)
            out[i + 1] = (float)(rad * sin(a));
    }
}
