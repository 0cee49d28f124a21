/* An 8 x 8 in-register transpose of AVX vectors, shared by the AVX2 GEMM
 * packing and the Winograd tile gathers (both call it only on the avx2 CPU
 * path or above; the engine is built for x86-64-v3). */
#ifndef PP_AVX2_TRANSPOSE_H
#define PP_AVX2_TRANSPOSE_H

#include <immintrin.h>

/* r[i] lane q becomes r[q] lane i. */
static inline void pp_transpose8(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
    }
    /* each 128-bit half now holds a 4 x 4 block: swap the off-diagonal ones */
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

/* Lanes [0, count) set, for maskload/maskstore. */
static inline __m256i pp_avx2_lane_mask(int count)
{
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), index);
}

#endif
