#include "pushpull_train.h"

#include <string.h>

#include "conv_backward.h"
#include "../threads.h"
#include "pool_train.h"

static pp_conv_shape stacked_shape(const pp_pushpull_unit *u)
{
    pp_conv_shape s = u->shape;
    s.cout *= 2;
    return s;
}

/* Layout: d_responses (2K, P), d_pooled (K, P) when pooling, d_stacked (2K, D), conv scratch. */
size_t pp_pushpull_backward_workspace_floats(const pp_pushpull_unit *u, int n, int h, int w, int threads)
{
    const pp_conv_shape *s = &u->shape;
    const pp_conv_shape st = stacked_shape(u);
    size_t p = (size_t)n * pp_conv_out_size(h, s->kh, s->stride, s->pad) * pp_conv_out_size(w, s->kw, s->stride, s->pad);
    size_t depth = (size_t)s->cin * s->kh * s->kw;
    return 2 * s->cout * p + (u->avg_kernel > 0 ? s->cout * p : 0) + 2 * s->cout * depth +
           pp_conv2d_backward_workspace_floats(&st, n, h, w, threads);
}

/* Adds share / ties to every element of w equal to target. */
static void spread(float *dw, const float *w, size_t count, float target, float share)
{
    size_t ties = 0;
    for (size_t i = 0; i < count; i++)
        ties += w[i] == target;
    const float each = share / (float)ties;
    for (size_t i = 0; i < count; i++)
        if (w[i] == target)
            dw[i] += each;
}

void pp_pushpull_kernel_backward(float *dw, const float *d_stacked, const float *w, int k_count, size_t per_kernel)
{
    const float *d_push = d_stacked, *d_pull = d_stacked + (size_t)k_count * per_kernel;
    for (int k = 0; k < k_count; k++) {
        const float *wk = w + (size_t)k * per_kernel;
        const float *gp = d_push + (size_t)k * per_kernel, *gq = d_pull + (size_t)k * per_kernel;
        float *d = dw + (size_t)k * per_kernel;
        float lo = wk[0], hi = wk[0];
        double sum_q = 0;
        for (size_t i = 0; i < per_kernel; i++) {
            lo = wk[i] < lo ? wk[i] : lo;
            hi = wk[i] > hi ? wk[i] : hi;
            sum_q += gq[i];
            d[i] += gp[i] - gq[i];
        }
        spread(d, wk, per_kernel, hi, (float)sum_q);
        spread(d, wk, per_kernel, lo, (float)sum_q);
    }
}

void pp_pushpull_backward(float *dx, float *dw, float *dalpha, float *dbias, const float *dy,
                          const float *responses, const float *in, const pp_pushpull_unit *u, int n, int h, int w,
                          float *workspace, int threads)
{
    const pp_conv_shape *s = &u->shape;
    const int k_count = s->cout;
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad), wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t p_total = (size_t)n * ho * wo, depth = (size_t)s->cin * s->kh * s->kw;
    float *d_resp = workspace;                                     /* (2K, P) */
    float *d_pooled = d_resp + 2 * (size_t)k_count * p_total;      /* (K, P) when pooling */
    float *d_stacked = d_pooled + (u->avg_kernel > 0 ? (size_t)k_count * p_total : 0); /* (2K, D) */
    float *conv_ws = d_stacked + 2 * (size_t)k_count * depth;
    const float *push = responses, *pull = responses + (size_t)k_count * p_total;
    float *d_pull_out = u->avg_kernel > 0 ? d_pooled : d_resp + (size_t)k_count * p_total;

#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (int k = 0; k < k_count; k++) {
        const float *g = dy + (size_t)k * p_total;
        const float *pu = push + (size_t)k * p_total, *pl = pull + (size_t)k * p_total;
        float *gp = d_resp + (size_t)k * p_total, *gq = d_pull_out + (size_t)k * p_total;
        const float a = u->alpha[k];
        double sum_g = 0, sum_a = 0;
        for (size_t p = 0; p < p_total; p++) {
            sum_g += g[p];
            float relu_pull = pl[p] > 0.0f ? pl[p] : 0.0f;
            sum_a -= (double)g[p] * relu_pull;
            gp[p] = pu[p] > 0.0f ? g[p] : 0.0f;
            gq[p] = pl[p] > 0.0f ? -a * g[p] : 0.0f;
        }
        if (dbias)
            dbias[k] += (float)sum_g;
        if (dalpha)
            dalpha[k] += (float)sum_a;
    }
    if (u->avg_kernel > 0) {
        float *d_raw = d_resp + (size_t)k_count * p_total;
        memset(d_raw, 0, sizeof(float) * (size_t)k_count * p_total);
        pp_avgpool2d_backward(d_raw, d_pooled, (size_t)k_count * n, ho, wo, u->avg_kernel, 1,
                              (u->avg_kernel - 1) / 2, false, threads);
    }
    const pp_conv_shape st = stacked_shape(u);
    memset(d_stacked, 0, sizeof(float) * 2 * (size_t)k_count * depth);
    pp_conv2d_backward(dx, d_stacked, NULL, d_resp, in, u->stacked, &st, n, h, w, conv_ws, threads);
    pp_pushpull_kernel_backward(dw, d_stacked, u->weight, k_count, depth);
}
