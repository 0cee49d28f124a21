#include "batchnorm_train.h"

#include <math.h>

void pp_batchnorm_train_forward(float *y, float *mean, float *invstd, const float *x, const float *residual,
                                const float *gamma, const float *beta, float *running_mean, float *running_var,
                                int64_t *num_batches_tracked, float momentum, float eps, bool relu, int channels,
                                size_t plane)
{
#pragma omp parallel for schedule(static)
    for (int c = 0; c < channels; c++) {
        const float *xc = x + (size_t)c * plane;
        /* two passes in double: the variance of large planes loses digits otherwise */
        double sum = 0;
        for (size_t i = 0; i < plane; i++)
            sum += xc[i];
        const double mu = sum / (double)plane;
        double sq = 0;
        for (size_t i = 0; i < plane; i++) {
            double d = xc[i] - mu;
            sq += d * d;
        }
        const double var = sq / (double)plane;
        const double is = 1.0 / sqrt(var + eps);
        mean[c] = (float)mu;
        invstd[c] = (float)is;
        const float a = (float)(gamma[c] * is), b = (float)(beta[c] - mu * gamma[c] * is);
        float *yc = y + (size_t)c * plane;
        const float *rc = residual ? residual + (size_t)c * plane : NULL;
        for (size_t i = 0; i < plane; i++) {
            float v = xc[i] * a + b;
            if (rc)
                v += rc[i];
            yc[i] = relu && v < 0.0f ? 0.0f : v;
        }
        if (running_mean)
            running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * (float)mu;
        if (running_var) {
            float unbiased = (float)(sq / (double)(plane - 1));
            running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
        }
    }
    if (num_batches_tracked)
        ++*num_batches_tracked;
}

void pp_batchnorm_train_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *y,
                                 const float *x, const float *mean, const float *invstd, const float *gamma,
                                 int channels, size_t plane)
{
#pragma omp parallel for schedule(static)
    for (int c = 0; c < channels; c++) {
        const float *g = dy + (size_t)c * plane, *xc = x + (size_t)c * plane;
        const float *yc = y ? y + (size_t)c * plane : NULL;
        const float mu = mean[c], is = invstd[c];
        double sum_g = 0, sum_gx = 0; /* sum dy, sum dy * xhat */
        for (size_t i = 0; i < plane; i++) {
            float gi = (yc && yc[i] <= 0.0f) ? 0.0f : g[i];
            sum_g += gi;
            sum_gx += (double)gi * ((xc[i] - mu) * is);
        }
        dbeta[c] += (float)sum_g;
        dgamma[c] += (float)sum_gx;
        /* dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) */
        const float k = gamma[c] * is;
        const float mg = (float)(sum_g / (double)plane), mgx = (float)(sum_gx / (double)plane);
        float *dxc = dx + (size_t)c * plane;
        for (size_t i = 0; i < plane; i++) {
            float gi = (yc && yc[i] <= 0.0f) ? 0.0f : g[i];
            float xhat = (xc[i] - mu) * is;
            dxc[i] = k * (gi - mg - xhat * mgx);
        }
    }
}
