#include "residual_add.h"

#include "relu.h"

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void pp_drop_connect_draw(float *scale, int n, const pp_drop_connect *d, uint64_t seed)
{
    const double keep = 1.0 - (double)d->rate;
    uint64_t state = seed;
    for (int i = 0; i < n; i++) {
        if (d->rate <= 0.0f) {
            scale[i] = 1.0f;
            continue;
        }
        const double u = (double)(splitmix64(&state) >> 11) * 0x1.0p-53; /* [0, 1) */
        scale[i] = u < keep ? (float)(1.0 / keep) : 0.0f;
    }
}

void pp_residual_add_forward(float *out, const float *branch, const float *residual, const float *scale,
                             int channels, int n, size_t plane, bool relu, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < (long)channels * n; p++) {
        const float f = scale ? scale[p % n] : 1.0f;
        const size_t off = (size_t)p * plane;
        if (relu)
            for (size_t i = off; i < off + plane; i++)
                out[i] = pp_relu(branch[i] * f + residual[i]);
        else
            for (size_t i = off; i < off + plane; i++)
                out[i] = branch[i] * f + residual[i];
    }
}

void pp_residual_add_backward(float *dbranch, float *dresidual, bool dresidual_fresh, const float *dy, const float *y,
                              const float *scale, int channels, int n, size_t plane, bool relu, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < (long)channels * n; p++) {
        const float f = scale ? scale[p % n] : 1.0f;
        const size_t off = (size_t)p * plane;
        for (size_t i = off; i < off + plane; i++) {
            const float g = relu && !(y[i] > 0.0f) ? 0.0f : dy[i];
            if (dresidual)
                dresidual[i] = dresidual_fresh ? g : dresidual[i] + g;
            if (dbranch)
                dbranch[i] = g * f;
        }
    }
}
