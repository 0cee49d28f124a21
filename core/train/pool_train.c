#include "pool_train.h"

#include <math.h>

#include "../ops/conv2d.h"

void pp_maxpool2d_train_forward(float *out, int32_t *argmax, const float *in, size_t planes, int h, int w, int k,
                                int stride, int pad)
{
    const int ho = pp_conv_out_size(h, k, stride, pad), wo = pp_conv_out_size(w, k, stride, pad);
#pragma omp parallel for schedule(static)
    for (size_t pl = 0; pl < planes; pl++) {
        const float *src = in + pl * h * w;
        float *dst = out + pl * ho * wo;
        int32_t *idx = argmax + pl * ho * wo;
        for (int oy = 0; oy < ho; oy++) {
            int y0 = oy * stride - pad, y1 = y0 + k;
            y0 = y0 < 0 ? 0 : y0;
            y1 = y1 > h ? h : y1;
            for (int ox = 0; ox < wo; ox++) {
                int x0 = ox * stride - pad, x1 = x0 + k;
                x0 = x0 < 0 ? 0 : x0;
                x1 = x1 > w ? w : x1;
                float m = -INFINITY;
                int32_t best = y0 * w + x0;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++)
                        if (src[y * w + x] > m || isnan(src[y * w + x])) {
                            m = src[y * w + x];
                            best = y * w + x;
                        }
                dst[oy * wo + ox] = m;
                idx[oy * wo + ox] = best;
            }
        }
    }
}

void pp_maxpool2d_backward(float *dx, const float *dy, const int32_t *argmax, size_t planes, int h, int w, int ho,
                           int wo)
{
#pragma omp parallel for schedule(static)
    for (size_t pl = 0; pl < planes; pl++) {
        float *d = dx + pl * h * w;
        const float *g = dy + pl * ho * wo;
        const int32_t *idx = argmax + pl * ho * wo;
        for (int i = 0; i < ho * wo; i++)
            d[idx[i]] += g[i];
    }
}

void pp_avgpool2d_backward(float *dx, const float *dy, size_t planes, int h, int w, int k, int stride, int pad,
                           bool count_include_pad)
{
    const int ho = pp_conv_out_size(h, k, stride, pad), wo = pp_conv_out_size(w, k, stride, pad);
#pragma omp parallel for schedule(static)
    for (size_t pl = 0; pl < planes; pl++) {
        float *d = dx + pl * h * w;
        const float *g = dy + pl * ho * wo;
        for (int oy = 0; oy < ho; oy++) {
            int y0 = oy * stride - pad, y1 = y0 + k;
            int ry0 = y0 < 0 ? 0 : y0, ry1 = y1 > h ? h : y1;
            for (int ox = 0; ox < wo; ox++) {
                int x0 = ox * stride - pad, x1 = x0 + k;
                int rx0 = x0 < 0 ? 0 : x0, rx1 = x1 > w ? w : x1;
                int cells = count_include_pad ? k * k : (ry1 - ry0) * (rx1 - rx0);
                float share = g[oy * wo + ox] / (float)cells;
                for (int y = ry0; y < ry1; y++)
                    for (int x = rx0; x < rx1; x++)
                        d[y * w + x] += share;
            }
        }
    }
}

void pp_global_avgpool_backward(float *dx, const float *dy, size_t planes, size_t plane_size)
{
#pragma omp parallel for schedule(static)
    for (size_t pl = 0; pl < planes; pl++) {
        float share = dy[pl] / (float)plane_size;
        float *d = dx + pl * plane_size;
        for (size_t i = 0; i < plane_size; i++)
            d[i] += share;
    }
}
