#include "rng.h"

#include <math.h>

void pp_rng_uniform_fill(uint64_t key, float *out /* (n) */, size_t n)
{
    /* the top 24 bits through uint32 (exact): the compiler then vectorises the loop,
     * 64-bit multiplies and all, with the same values as (float)(bits * 2^-24) */
    for (size_t i = 0; i < n; i++)
        out[i] = (float)(uint32_t)(pp_rng_u64(key, i) >> 40) * 0x1.0p-24f;
}

void pp_rng_normal_fill(uint64_t key, float *out /* (n) */, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        uint64_t r = pp_rng_u64(key, i / 2);
        /* u1 in (0, 1] keeps the log finite. */
        float u1 = ((float)(r >> 40) + 1.f) * 0x1.0p-24f;
        float u2 = (float)(r & 0xffffff) * 0x1.0p-24f;
        float rad = sqrtf(-2.f * logf(u1)), s, c;
        sincosf(2.f * (float)M_PI * u2, &s, &c);
        out[i] = rad * c;
        if (i + 1 < n)
            out[i + 1] = rad * s;
    }
}
