/* The inference forward's BN + SiLU in one pass (silu.h): built where a * b + c
 * may become one FMA (core/ops/meson.build), which the training's SiLU
 * (silu.c) keeps off to stay close to its PyTorch gradients. */
#include "silu.h"

#include "../cpu.h"

void pp_silu_affine_forward(float *y, const float *x, const float *scale, const float *shift, int channels,
                            size_t plane, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int c = 0; c < channels; c++) {
        const float a = scale[c], b = shift[c];
        const float *xc = x + (size_t)c * plane;
        float *yc = y + (size_t)c * plane;
#pragma omp simd
        for (size_t i = 0; i < plane; i++)
            yc[i] = pp_silu(xc[i] * a + b);
    }
}

/* The row loop built twice: AVX-512 (16 lanes) on the avx512 path, the
 * engine's x86-64-v3 baseline (8) on the others (cpu.h). */
static inline __attribute__((always_inline)) void affine_row(float *y, const float *res, size_t count, float a,
                                                             float b)
{
    if (res) {
#pragma omp simd simdlen(16)
        for (size_t i = 0; i < count; i++)
            y[i] = pp_silu(y[i] * a + b + res[i]);
    } else {
#pragma omp simd simdlen(16)
        for (size_t i = 0; i < count; i++)
            y[i] = pp_silu(y[i] * a + b);
    }
}

PP_ISA_V4_WIDE static void affine_row_v4(float *y, const float *res, size_t count, float a, float b)
{
    affine_row(y, res, count, a, b);
}

void pp_silu_affine_row(float *y, const float *res, size_t count, float a, float b)
{
    if (pp_cpu_path() == PP_CPU_AVX512)
        affine_row_v4(y, res, count, a, b);
    else
        affine_row(y, res, count, a, b);
}
