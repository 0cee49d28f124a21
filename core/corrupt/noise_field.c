#include "noise_field.h"

#include "corrupt_impl.h"
#include "../cpu.h"

#include <string.h>

/* Box-Muller over blocks: pair q of a block gives value q (r cos) and value
 * BLOCK + q (r sin), so each output run is a plain vector store. */
#define BLOCK 64

/* ln(u) for u in (0, 1], Cephes' logf polynomial (error < 2 ulp). */
static inline float log_unit(float u)
{
    uint32_t bits;
    memcpy(&bits, &u, sizeof bits);
    int e = (int)(bits >> 23) - 126; /* u = m 2^e, m in [0.5, 1) */
    bits = (bits & 0x007fffffu) | 0x3f000000u;
    float m;
    memcpy(&m, &bits, sizeof m);
    /* fold m into [sqrt(1/2), sqrt(2)) */
    const int low = m < 0.70710678f;
    e -= low;
    float x = m * (float)(1 + low) - 1.0f, z = x * x;
    float y = 7.0376836292e-2f;
    y = y * x - 1.1514610310e-1f;
    y = y * x + 1.1676998740e-1f;
    y = y * x - 1.2420140846e-1f;
    y = y * x + 1.4249322787e-1f;
    y = y * x - 1.6668057665e-1f;
    y = y * x + 2.0000714765e-1f;
    y = y * x - 2.4999993993e-1f;
    y = y * x + 3.3333331174e-1f;
    y = y * x * z;
    const float fe = (float)e;
    y += -2.12194440e-4f * fe;
    y += -0.5f * z;
    return x + y + 0.693359375f * fe;
}

/* One block: pairs [p0, p0 + BLOCK) into out[0, 2 BLOCK). */
static inline __attribute__((always_inline)) void normal_block(uint64_t key, uint32_t p0, float *out)
{
    for (int q = 0; q < BLOCK; q++) {
        const uint32_t c = 2 * (p0 + (uint32_t)q);
        const uint32_t a = pp_noise_u32(key, c), b = pp_noise_u32(key, c + 1);
        /* radius from 24 bits, u in (0, 1]; the angle: a quadrant (top 2 bits)
         * plus 22 bits uniform over [-pi/4, pi/4) */
        const float u = ((float)(a >> 8) + 1.0f) * 0x1.0p-24f;
        const float r = __builtin_sqrtf(-2.0f * log_unit(u));
        const float f = (((float)((b >> 8) & 0x3fffffu) + 0.5f) * 0x1.0p-22f - 0.5f) * 1.57079632679f;
        const float f2 = f * f;
        const float s = ((-1.9515295891e-4f * f2 + 8.3321608736e-3f) * f2 - 1.6666654611e-1f) * f2 * f + f;
        const float co =
            ((2.443315711809948e-5f * f2 - 1.388731625493765e-3f) * f2 + 4.166664568298827e-2f) * f2 * f2 -
            0.5f * f2 + 1.0f;
        /* rotate (co, s) by k = b >> 30 quarter turns: (co, s), (-s, co),
         * (-co, -s), (s, -co), with bit selects the vectoriser keeps */
        uint32_t cb, sb;
        memcpy(&cb, &co, sizeof cb);
        memcpy(&sb, &s, sizeof sb);
        const uint32_t k = b >> 30, swap = 0u - (k & 1);
        uint32_t xb = (cb & ~swap) | (sb & swap), yb = (sb & ~swap) | (cb & swap);
        xb ^= (((k + 1) >> 1) & 1) << 31;
        yb ^= (k >> 1) << 31;
        float x, y;
        memcpy(&x, &xb, sizeof x);
        memcpy(&y, &yb, sizeof y);
        out[q] = r * x;
        out[BLOCK + q] = r * y;
    }
}

_Static_assert(PP_NOISE_CHUNK % (2 * BLOCK) == 0, "chunks hold whole blocks");

static inline __attribute__((always_inline)) void normal_fill(uint64_t key, size_t first, float *out, size_t n)
{
    size_t i = 0;
    for (; i + 2 * BLOCK <= n; i += 2 * BLOCK)
        normal_block(key, (uint32_t)((first + i) / 2), out + i);
    if (i < n) { /* the tail: the same values, cut */
        float tail[2 * BLOCK];
        normal_block(key, (uint32_t)((first + i) / 2), tail);
        memcpy(out + i, tail, sizeof(float) * (n - i));
    }
}

/* Built twice, the loops in 16 lanes on the avx512 path: the same bits (integer
 * hashes, float adds and multiplies unfused, sqrt exact, no libm). */
static void normal_fill_v3(uint64_t key, size_t first, float *out, size_t n) { normal_fill(key, first, out, n); }
PP_ISA_V4_WIDE static void normal_fill_v4(uint64_t key, size_t first, float *out, size_t n)
{
    normal_fill(key, first, out, n);
}

void pp_noise_normal_fill(uint64_t key, size_t first, float *out, size_t n)
{
    (pp_cpu_path() == PP_CPU_AVX512 ? normal_fill_v4 : normal_fill_v3)(key, first, out, n);
}

void pp_noise_u32_fill(uint64_t key, size_t first, uint32_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = pp_noise_u32(key, (uint32_t)(first + i));
}

void pp_noise_add_normal(uint64_t key, const uint8_t *in, uint8_t *out, size_t n, float c, bool relative)
{
    float z[PP_NOISE_CHUNK];
    for (size_t i0 = 0; i0 < n; i0 += PP_NOISE_CHUNK) {
        const size_t m = n - i0 < PP_NOISE_CHUNK ? n - i0 : PP_NOISE_CHUNK;
        pp_noise_normal_fill(key, i0, z, m);
        const uint8_t *restrict src = in + i0;
        uint8_t *restrict dst = out + i0;
        if (relative)
            for (size_t i = 0; i < m; i++) {
                float x = src[i] * (1.f / 255.f);
                dst[i] = pp_unit_to_u8(x + x * c * z[i]);
            }
        else
            for (size_t i = 0; i < m; i++)
                dst[i] = pp_unit_to_u8(src[i] * (1.f / 255.f) + c * z[i]);
    }
}
