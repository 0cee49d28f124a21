#include "pushpull.h"

#include <stdlib.h>
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

/* Since P[k] = -W[k] + c_k with c_k = max W[k] + min W[k], the pull response
 * needs no second convolution: conv(x, P[k]) = -conv(x, W[k]) + c_k * S, where
 * S = conv(x, ones) is one window sum shared by every output channel. */
static void window_sums(float *sums, const float *in, const pp_conv_shape *s, int n, int h, int w)
{
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t plane = (size_t)h * w;
#pragma omp parallel for schedule(static)
    for (int img = 0; img < n; img++) {
        /* (W): channel and row sums; on the stack for any normal width, so steady-state
         * forward passes allocate nothing */
        float stack_sums[2048];
        float *column_sums = w <= 2048 ? stack_sums : malloc(sizeof(float) * (size_t)w);
        for (int oy = 0; oy < ho; oy++) {
            int y0 = oy * s->stride - s->pad;
            for (int x = 0; x < w; x++)
                column_sums[x] = 0;
            for (int c = 0; c < s->cin; c++)
                for (int i = 0; i < s->kh; i++) {
                    int y = y0 + i;
                    if (y < 0 || y >= h)
                        continue;
                    const float *row = in + ((size_t)c * n + img) * plane + (size_t)y * w;
                    for (int x = 0; x < w; x++)
                        column_sums[x] += row[x];
                }
            float *dst = sums + ((size_t)img * ho + oy) * wo;
            for (int ox = 0; ox < wo; ox++) {
                int x0 = ox * s->stride - s->pad;
                float acc = 0;
                for (int j = 0; j < s->kw; j++)
                    if (x0 + j >= 0 && x0 + j < w)
                        acc += column_sums[x0 + j];
                dst[ox] = acc;
            }
        }
        if (column_sums != stack_sums)
            free(column_sums);
    }
}

void pp_pushpull_forward(float *out, float *responses, float *pool_scratch, const float *in,
                         const pp_pushpull_unit *u, int n, int h, int w, float *workspace)
{
    const pp_conv_shape *s = &u->shape;
    const int k_count = s->cout;
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t p_total = (size_t)n * ho * wo;
    const size_t per_kernel = (size_t)s->cin * s->kh * s->kw;
    float *pull = responses + (size_t)k_count * p_total;
    pp_conv2d_forward(responses, in, u->weight, s, n, h, w, NULL, workspace);

    /* S goes in the pool scratch's first plane; c_k from the stacked pull kernels
     * (P[k][0] + W[k][0] = c_k). */
    window_sums(pool_scratch, in, s, n, h, w);
#pragma omp parallel for schedule(static)
    for (int k = 0; k < k_count; k++) {
        const float c_k = u->stacked[(size_t)(k_count + k) * per_kernel] + u->weight[(size_t)k * per_kernel];
        const float *push_k = responses + (size_t)k * p_total;
        float *pull_k = pull + (size_t)k * p_total;
        for (size_t p = 0; p < p_total; p++)
            pull_k[p] = c_k * pool_scratch[p] - push_k[p];
    }
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
