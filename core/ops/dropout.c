#include "dropout.h"

#include <string.h>

#include "../rng.h"

void pp_dropout_draw(float *mask, size_t count, const pp_dropout *d, uint64_t seed, int threads)
{
    const double keep = 1.0 - (double)d->rate;
    const float kept = d->rate > 0.0f ? (float)(1.0 / keep) : 1.0f;
    const uint64_t key = pp_rng_key(seed, 0x64726f706f7574ull); /* "dropout" */
#pragma omp parallel for schedule(static) num_threads(threads)
    for (size_t i = 0; i < count; i++)
        mask[i] = d->rate <= 0.0f || pp_rng_uniform(key, i) < keep ? kept : 0.0f;
}

/* y = x * mask, the forward and the backward alike */
static void masked(float *y, const float *x, const float *mask, size_t count, int threads)
{
    if (!mask) {
        if (y != x)
            memmove(y, x, count * sizeof(float));
        return;
    }
#pragma omp parallel for schedule(static) num_threads(threads)
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] * mask[i];
}

void pp_dropout_forward(float *y, const float *x, const float *mask, size_t count, int threads)
{
    masked(y, x, mask, count, threads);
}

void pp_dropout_backward(float *dx, const float *dy, const float *mask, size_t count, int threads)
{
    masked(dx, dy, mask, count, threads);
}
