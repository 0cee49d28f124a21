#include "batchnorm.h"

#include <math.h>

#include "../threads.h"

void pp_batchnorm_fold(float *scale, float *shift, const float *gamma, const float *beta,
                       const float *mean, const float *var, float eps, int channels)
{
    for (int c = 0; c < channels; c++) {
        /* double for the rsqrt so tiny variances do not lose precision */
        double s = (double)gamma[c] / sqrt((double)var[c] + eps);
        scale[c] = (float)s;
        shift[c] = (float)((double)beta[c] - (double)mean[c] * s);
    }
}

void pp_batchnorm_forward(float *x, const float *gamma, const float *beta, const float *mean,
                          const float *var, float eps, int channels, size_t plane, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (int c = 0; c < channels; c++) {
        float s = (float)((double)gamma[c] / sqrt((double)var[c] + eps));
        float t = beta[c] - mean[c] * s;
        float *p = x + (size_t)c * plane;
        for (size_t i = 0; i < plane; i++)
            p[i] = p[i] * s + t;
    }
}
