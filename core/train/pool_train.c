#include "pool_train.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "../ops/conv2d.h"
#include "../threads.h"

void pp_maxpool2d_train_forward(float *out, int32_t *argmax, const float *in, size_t planes, int h, int w, int k,
                                int stride, int pad, int threads)
{
    const int ho = pp_conv_out_size(h, k, stride, pad), wo = pp_conv_out_size(w, k, stride, pad);
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
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
                           int wo, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (size_t pl = 0; pl < planes; pl++) {
        float *d = dx + pl * h * w;
        const float *g = dy + pl * ho * wo;
        const int32_t *idx = argmax + pl * ho * wo;
        for (int i = 0; i < ho * wo; i++)
            d[idx[i]] += g[i];
    }
}

/* Stride 1 with "same" padding (the PushPull pooling): the adjoint of a
 * window mean is the same window's sum of dy / cells, done separably over whole
 * rows: a vertical sum into one row, then a horizontal one. */
static bool avgpool_same_backward(float *dx, const float *dy, size_t planes, int h, int w, int k, int pad,
                                  int threads)
{
    float *scratch = malloc(sizeof(float) * 2 * (size_t)w * (size_t)threads);
    if (!scratch)
        return false;
#pragma omp parallel num_threads(threads)
    {
        float *row = scratch + 2 * (size_t)w * omp_get_thread_num(), *inv_cols = row + w;
        for (int x = 0; x < w; x++) {
            int x0 = x - pad < 0 ? 0 : x - pad, x1 = x - pad + k > w ? w : x - pad + k;
            inv_cols[x] = 1.0f / (float)(x1 - x0);
        }
#pragma omp for schedule(static)
        for (size_t pl = 0; pl < planes; pl++) {
            float *d = dx + pl * h * w;
            const float *g = dy + pl * h * w;
            for (int y = 0; y < h; y++) {
                /* the outputs whose windows cover input row y: [y - pad, y + pad] clipped */
                int oy0 = y - pad < 0 ? 0 : y - pad, oy1 = y + pad + 1 > h ? h : y + pad + 1;
                for (int x = 0; x < w; x++)
                    row[x] = 0;
                for (int oy = oy0; oy < oy1; oy++) {
                    int wy0 = oy - pad < 0 ? 0 : oy - pad, wy1 = oy - pad + k > h ? h : oy - pad + k;
                    const float inv_rows = 1.0f / (float)(wy1 - wy0);
                    const float *gr = g + (size_t)oy * w;
                    for (int x = 0; x < w; x++)
                        row[x] += gr[x] * inv_rows * inv_cols[x];
                }
                float *dr = d + (size_t)y * w;
                for (int x = 0; x < w; x++) {
                    int ox0 = x - pad < 0 ? 0 : x - pad, ox1 = x + pad + 1 > w ? w : x + pad + 1;
                    float acc = 0;
                    for (int ox = ox0; ox < ox1; ox++)
                        acc += row[ox];
                    dr[x] += acc;
                }
            }
        }
    }
    free(scratch);
    return true;
}

void pp_avgpool2d_backward(float *dx, const float *dy, size_t planes, int h, int w, int k, int stride, int pad,
                           bool count_include_pad, int threads)
{
    const int ho = pp_conv_out_size(h, k, stride, pad), wo = pp_conv_out_size(w, k, stride, pad);
    threads = pp_threads_clamp(threads);
    if (stride == 1 && ho == h && wo == w && !count_include_pad && 2 * pad == k - 1 &&
        avgpool_same_backward(dx, dy, planes, h, w, k, pad, threads))
        return;
#pragma omp parallel for schedule(static) num_threads(threads)
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

void pp_global_avgpool_backward(float *dx, const float *dy, size_t planes, size_t plane_size, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (size_t pl = 0; pl < planes; pl++) {
        float share = dy[pl] / (float)plane_size;
        float *d = dx + pl * plane_size;
        for (size_t i = 0; i < plane_size; i++)
            d[i] += share;
    }
}
