#include "linear.h"

#include "../threads.h"
#include "gemm.h"
#include "relu.h"

void pp_linear_forward(float *out, const float *in, const float *weight, const float *bias, int n,
                       int in_features, int out_features)
{
    /* out = in^T (N x C) . weight^T (C x O) */
    pp_sgemm(true, true, n, out_features, in_features, in, n, weight, in_features, 0.0f, out, out_features);
    if (bias)
        for (int i = 0; i < n; i++)
            for (int o = 0; o < out_features; o++)
                out[(size_t)i * out_features + o] += bias[o];
}

void pp_relu_forward(float *x, size_t count, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (size_t i = 0; i < count; i++)
        x[i] = pp_relu(x[i]);
}

/* ---- backward ---- */

void pp_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *weight,
                        int n, int in_features, int out_features)
{
    /* dW (O, C) += dy^T (O, N) . x^T (N, C) */
    if (dw)
        pp_sgemm(true, true, out_features, in_features, n, dy, out_features, x, n, 1.0f, dw, in_features);
    /* dx (C, N) = W^T (C, O) . dy^T (O, N) */
    if (dx)
        pp_sgemm(true, true, in_features, n, out_features, weight, in_features, dy, out_features, 0.0f, dx, n);
    if (db)
        for (int o = 0; o < out_features; o++) {
            double acc = 0;
            for (int i = 0; i < n; i++)
                acc += dy[(size_t)i * out_features + o];
            db[o] += (float)acc;
        }
}

void pp_relu_backward(float *dx, const float *dy, const float *y, size_t count, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (size_t i = 0; i < count; i++)
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
