#include "pushpull.h"

#include <string.h>

#include "ops/pool.h"

void pp_pushpull_pull_kernels(float *pull, const float *push, int k_count, size_t per_kernel)
{
    for (int k = 0; k < k_count; k++) {
        const float *w = push + (size_t)k * per_kernel;
        float lo = w[0], hi = w[0];
        for (size_t i = 1; i < per_kernel; i++) {
            lo = w[i] < lo ? w[i] : lo;
            hi = w[i] > hi ? w[i] : hi;
        }
        float *p = pull + (size_t)k * per_kernel;
        for (size_t i = 0; i < per_kernel; i++)
            p[i] = -w[i] + (hi + lo);
    }
}

void pp_pushpull_forward(float *out, float *responses, float *pool_scratch, const float *in,
                         const pp_pushpull_unit *u, int n, int h, int w, float *workspace)
{
    const pp_conv_shape *s = &u->shape;
    const int k_count = s->cout;
    pp_conv_shape stacked = *s;
    stacked.cout = 2 * k_count;
    pp_conv2d_forward(responses, in, u->stacked, &stacked, n, h, w, NULL, workspace);

    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t p_total = (size_t)n * ho * wo;
    float *pull = responses + (size_t)k_count * p_total;
    if (u->avg_kernel > 0) {
        pp_avgpool2d_forward(pool_scratch, pull, (size_t)k_count * n, ho, wo, u->avg_kernel, 1,
                             (u->avg_kernel - 1) / 2, false);
        memcpy(pull, pool_scratch, (size_t)k_count * p_total * sizeof(float));
    }
#pragma omp parallel for schedule(static)
    for (int k = 0; k < k_count; k++) {
        const float *push_k = responses + (size_t)k * p_total;
        const float *pull_k = pull + (size_t)k * p_total;
        float *y = out + (size_t)k * p_total;
        const float a = u->alpha[k];
        const float b = u->bias ? u->bias[k] : 0.0f;
        for (size_t p = 0; p < p_total; p++) {
            float pu = push_k[p] > 0.0f ? push_k[p] : 0.0f;
            float pl = pull_k[p] > 0.0f ? pull_k[p] : 0.0f;
            y[p] = pu - a * pl + b;
        }
    }
}

int pp_pushpull_effective_size(const pp_pushpull_unit *u)
{
    return u->shape.kh + (u->avg_kernel > 0 ? u->avg_kernel - 1 : 0);
}

void pp_pushpull_effective_kernels(float *out, const pp_pushpull_unit *u, float alpha_override)
{
    const pp_conv_shape *s = &u->shape;
    const int kh = s->kh, kw = s->kw, a = u->avg_kernel > 0 ? u->avg_kernel : 1;
    const int e = kh + a - 1, ew = kw + a - 1, off = (a - 1) / 2;
    const size_t per_kernel = (size_t)s->cin * kh * kw;
    const float *pull_all = u->stacked + (size_t)s->cout * per_kernel;
    const float box = 1.0f / (float)(a * a);
    for (int k = 0; k < s->cout; k++) {
        float alpha = alpha_override >= 0 ? alpha_override : u->alpha[k];
        for (int c = 0; c < s->cin; c++) {
            float *dst = out + ((size_t)k * s->cin + c) * e * ew;
            const float *w = u->weight + (size_t)k * per_kernel + (size_t)c * kh * kw;
            const float *p = pull_all + (size_t)k * per_kernel + (size_t)c * kh * kw;
            memset(dst, 0, sizeof(float) * (size_t)e * ew);
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++) {
                    dst[(i + off) * ew + j + off] += w[i * kw + j];
                    /* full convolution of P with the a x a box (symmetric, so no flip) */
                    for (int di = 0; di < a; di++)
                        for (int dj = 0; dj < a; dj++)
                            dst[(i + di) * ew + j + dj] -= alpha * box * p[i * kw + j];
                }
        }
    }
}
