#include "silu.h"

#include "../cpu.h"

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
