#include "linear.h"

#include <omp.h>

#include "../threads.h"
#include "gemm.h"
#include "relu.h"

/* Below this many multiply-adds one thread does it all (a region start costs
 * more than the band it saves). A classifier at batch 1 is above it: ResNet18's
 * 512 x 1000 weights (2 MB, from memory) stream in half the time when two
 * threads each read a band of them. */
#define THREADED_LINEAR_MACS ((size_t)1 << 18)

/* Outputs [o0, o1) of every row: out = in^T (N x C) . weight^T (C x O) + b. */
static void linear_band(float *out, const float *in, const float *weight, const float *bias, int n, int in_features,
                        int out_features, int o0, int o1)
{
    if (o1 <= o0)
        return;
    pp_sgemm(true, true, n, o1 - o0, in_features, in, n, weight + (size_t)o0 * in_features, in_features, 0.0f,
             out + o0, out_features);
    if (bias)
        for (int i = 0; i < n; i++)
            for (int o = o0; o < o1; o++)
                out[(size_t)i * out_features + o] += bias[o];
}

void pp_linear_forward(float *out, const float *in, const float *weight, const float *bias, int n,
                       int in_features, int out_features, int threads)
{
    threads = pp_threads_clamp(threads);
    if (threads == 1 || (size_t)n * in_features * out_features < THREADED_LINEAR_MACS) {
        linear_band(out, in, weight, bias, n, in_features, out_features, 0, out_features);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        linear_band(out, in, weight, bias, n, in_features, out_features, (int)((long)out_features * t / nt),
                    (int)((long)out_features * (t + 1) / nt));
    }
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
