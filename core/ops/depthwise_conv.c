#include "depthwise_conv.h"

#include <string.h>

int pp_depthwise_out_size(int in, int k, int stride, int pad_lo, int pad_hi)
{
    const int span = in + pad_lo + pad_hi - k;
    return span < 0 || stride < 1 ? 0 : span / stride + 1;
}

/* The outputs o in [0, out) whose input o * s + tap - pad lies in [0, in). */
static void valid_range(int tap, int pad, int s, int in, int out, int *lo, int *hi)
{
    int first = pad - tap; /* o * s >= first */
    *lo = first <= 0 ? 0 : (first + s - 1) / s;
    int last = in - 1 + pad - tap; /* o * s <= last */
    *hi = last < 0 ? 0 : last / s + 1;
    if (*hi > out)
        *hi = out;
    if (*lo > *hi)
        *lo = *hi;
}

/* One (channel, sample) plane: tap by tap, a whole output row at a time (the
 * inner loop runs over contiguous outputs, which vectorises at stride 1). */
static void plane_forward(float *out, const float *in, const float *wk, const pp_depthwise_conv *d, int h, int w,
                          int ho, int wo)
{
    const int k = d->k, s = d->stride;
    memset(out, 0, (size_t)ho * wo * sizeof(float));
    for (int ky = 0; ky < k; ky++) {
        int oy0, oy1;
        valid_range(ky, d->pad_top, s, h, ho, &oy0, &oy1);
        for (int kx = 0; kx < k; kx++) {
            int ox0, ox1;
            valid_range(kx, d->pad_left, s, w, wo, &ox0, &ox1);
            const float wv = wk[ky * k + kx];
            for (int oy = oy0; oy < oy1; oy++) {
                const float *row = in + (size_t)(oy * s + ky - d->pad_top) * w + kx - d->pad_left;
                float *o = out + (size_t)oy * wo;
                if (s == 1)
                    for (int ox = ox0; ox < ox1; ox++)
                        o[ox] += wv * row[ox];
                else
                    for (int ox = ox0; ox < ox1; ox++)
                        o[ox] += wv * row[ox * s];
            }
        }
    }
}

void pp_depthwise_forward(float *out, const float *in, const pp_depthwise_conv *d, int n, int h, int w, int threads)
{
    const int ho = pp_depthwise_out_size(h, d->k, d->stride, d->pad_top, d->pad_bottom);
    const int wo = pp_depthwise_out_size(w, d->k, d->stride, d->pad_left, d->pad_right);
    const long planes = (long)d->channels * n;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < planes; p++)
        plane_forward(out + (size_t)p * ho * wo, in + (size_t)p * h * w, d->weight + (size_t)(p / n) * d->k * d->k,
                      d, h, w, ho, wo);
}

void pp_depthwise_backward(float *dx, float *dw, const float *dy, const float *x, const pp_depthwise_conv *d, int n,
                           int h, int w, int threads)
{
    const int k = d->k, s = d->stride;
    const int ho = pp_depthwise_out_size(h, k, s, d->pad_top, d->pad_bottom);
    const int wo = pp_depthwise_out_size(w, k, s, d->pad_left, d->pad_right);
    /* by channel: its filter's gradient sums over the channel's N planes */
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int c = 0; c < d->channels; c++) {
        const float *wk = d->weight + (size_t)c * k * k;
        for (int i = 0; i < n; i++) {
            const size_t p = (size_t)c * n + i;
            const float *g = dy + p * ho * wo, *xp = x + p * h * w;
            float *dxp = dx ? dx + p * h * w : NULL;
            for (int ky = 0; ky < k; ky++) {
                int oy0, oy1;
                valid_range(ky, d->pad_top, s, h, ho, &oy0, &oy1);
                for (int kx = 0; kx < k; kx++) {
                    int ox0, ox1;
                    valid_range(kx, d->pad_left, s, w, wo, &ox0, &ox1);
                    const float wv = wk[ky * k + kx];
                    float acc = 0.0f;
                    for (int oy = oy0; oy < oy1; oy++) {
                        const size_t off = (size_t)(oy * s + ky - d->pad_top) * w + kx - d->pad_left;
                        const float *go = g + (size_t)oy * wo;
                        for (int ox = ox0; ox < ox1; ox++)
                            acc += go[ox] * xp[off + (size_t)ox * s];
                        if (dxp)
                            for (int ox = ox0; ox < ox1; ox++)
                                dxp[off + (size_t)ox * s] += wv * go[ox];
                    }
                    if (dw)
                        dw[(size_t)c * k * k + ky * k + kx] += acc;
                }
            }
        }
    }
}

void pp_depthwise_forward_ref(float *out, const float *in, const pp_depthwise_conv *d, int n, int h, int w)
{
    const int k = d->k, s = d->stride;
    const int ho = pp_depthwise_out_size(h, k, s, d->pad_top, d->pad_bottom);
    const int wo = pp_depthwise_out_size(w, k, s, d->pad_left, d->pad_right);
    for (long p = 0; p < (long)d->channels * n; p++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                double acc = 0.0;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        const int iy = oy * s + ky - d->pad_top, ix = ox * s + kx - d->pad_left;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                            acc += (double)d->weight[(p / n) * k * k + ky * k + kx] * in[(size_t)p * h * w + iy * w + ix];
                    }
                out[(size_t)p * ho * wo + oy * wo + ox] = (float)acc;
            }
}
