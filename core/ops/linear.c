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
