#include "silu.h"

void pp_silu_forward(float *y, const float *x, size_t count, int threads)
{
#pragma omp parallel for simd schedule(static) num_threads(threads)
    for (size_t i = 0; i < count; i++)
        y[i] = pp_silu(x[i]);
}

void pp_silu_backward(float *dx, const float *dy, const float *x, size_t count, int threads)
{
#pragma omp parallel for simd schedule(static) num_threads(threads)
    for (size_t i = 0; i < count; i++) {
        const float s = pp_sigmoid(x[i]);
        dx[i] = dy[i] * (s + x[i] * s * (1.0f - s));
    }
}

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
