#include "pool.h"

#include <math.h>
#include <stdlib.h>

#include "conv2d.h"

/* The input cells [*lo, *hi) under output position o's window, clipped to the plane. */
static inline void window_span(int o, int k, int stride, int pad, int size, int *lo, int *hi)
{
    int start = o * stride - pad;
    *lo = start < 0 ? 0 : start;
    *hi = start + k > size ? size : start + k;
}

void pp_maxpool2d_forward(float *out, const float *in, size_t planes, int h, int w, int k,
                          int stride, int pad)
{
    const int ho = pp_conv_out_size(h, k, stride, pad);
    const int wo = pp_conv_out_size(w, k, stride, pad);
#pragma omp parallel for schedule(static)
    for (size_t pl = 0; pl < planes; pl++) {
        const float *src = in + pl * h * w;
        float *dst = out + pl * ho * wo;
        for (int oy = 0; oy < ho; oy++) {
            int y0, y1;
            window_span(oy, k, stride, pad, h, &y0, &y1);
            for (int ox = 0; ox < wo; ox++) {
                int x0, x1;
                window_span(ox, k, stride, pad, w, &x0, &x1);
                float m = -INFINITY;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++)
                        m = src[y * w + x] > m ? src[y * w + x] : m;
                dst[oy * wo + ox] = m;
            }
        }
    }
}

/* Stride-1 windows are separable: a horizontal running sum then a vertical one. */
static void box_mean_stride1(float *dst, const float *src, float *row_sums, int h, int w, int k,
                             int pad, bool count_include_pad)
{
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * w;
        float *r = row_sums + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            int x0, x1;
            window_span(x, k, 1, pad, w, &x0, &x1);
            float acc = 0;
            for (int t = x0; t < x1; t++)
                acc += s[t];
            r[x] = acc;
        }
    }
    for (int y = 0; y < h; y++) {
        int y0, y1;
        window_span(y, k, 1, pad, h, &y0, &y1);
        float *d = dst + (size_t)y * w;
        for (int x = 0; x < w; x++)
            d[x] = 0;
        for (int t = y0; t < y1; t++) {
            const float *r = row_sums + (size_t)t * w;
            for (int x = 0; x < w; x++)
                d[x] += r[x];
        }
        for (int x = 0; x < w; x++) {
            int x0, x1;
            window_span(x, k, 1, pad, w, &x0, &x1);
            int cells = count_include_pad ? k * k : (y1 - y0) * (x1 - x0);
            d[x] /= (float)cells;
        }
    }
}

void pp_avgpool2d_forward(float *out, const float *in, size_t planes, int h, int w, int k,
                          int stride, int pad, bool count_include_pad)
{
    const int ho = pp_conv_out_size(h, k, stride, pad);
    const int wo = pp_conv_out_size(w, k, stride, pad);
    if (stride == 1 && ho == h && wo == w) {
#pragma omp parallel
        {
            float row_sums[4096];
            float *scratch = (size_t)h * w <= 4096 ? row_sums : NULL;
            float *heap = NULL;
            if (!scratch)
                scratch = heap = malloc(sizeof(float) * (size_t)h * w);
#pragma omp for schedule(static)
            for (size_t pl = 0; pl < planes; pl++)
                box_mean_stride1(out + pl * h * w, in + pl * h * w, scratch, h, w, k, pad,
                                 count_include_pad);
            free(heap);
        }
        return;
    }
#pragma omp parallel for schedule(static)
    for (size_t pl = 0; pl < planes; pl++) {
        const float *src = in + pl * h * w;
        float *dst = out + pl * ho * wo;
        for (int oy = 0; oy < ho; oy++) {
            int ry0, ry1;
            window_span(oy, k, stride, pad, h, &ry0, &ry1);
            for (int ox = 0; ox < wo; ox++) {
                int rx0, rx1;
                window_span(ox, k, stride, pad, w, &rx0, &rx1);
                float acc = 0;
                for (int y = ry0; y < ry1; y++)
                    for (int x = rx0; x < rx1; x++)
                        acc += src[y * w + x];
                int cells = count_include_pad ? k * k : (ry1 - ry0) * (rx1 - rx0);
                dst[oy * wo + ox] = acc / (float)cells;
            }
        }
    }
}

void pp_global_avgpool_forward(float *out, const float *in, size_t planes, size_t plane_size)
{
#pragma omp parallel for schedule(static)
    for (size_t pl = 0; pl < planes; pl++) {
        const float *src = in + pl * plane_size;
        double acc = 0;
        for (size_t i = 0; i < plane_size; i++)
            acc += src[i];
        out[pl] = (float)(acc / (double)plane_size);
    }
}
