#include "pool.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "../threads.h"
#include "conv2d.h"

/* The input cells [*lo, *hi) under output position o's window, clipped to the plane. */
static inline void window_span(int o, int k, int stride, int pad, int size, int *lo, int *hi)
{
    int start = o * stride - pad;
    *lo = start < 0 ? 0 : start;
    *hi = start + k > size ? size : start + k;
}

/* Pools are separable: a vertical pass over whole rows (vectorised along x),
 * then a horizontal pass along the combined row. */

/* Window sizes along one axis: cells[o] input cells under output o's window. */
static void window_cells(float *cells, int out, int k, int stride, int pad, int size)
{
    for (int o = 0; o < out; o++) {
        int lo, hi;
        window_span(o, k, stride, pad, size, &lo, &hi);
        cells[o] = (float)(hi - lo);
    }
}

/* The larger of a and b, NaN if either is, as PyTorch's max pooling. */
static inline float max_nan(float a, float b)
{
    return b > a || b != b ? b : a;
}

/* line[x] = max (or sum) over input rows [y0, y1) of the plane at x. */
static void combine_rows(float *line, const float *src, int w, int y0, int y1, bool max)
{
    const float *r = src + (size_t)y0 * w;
    for (int x = 0; x < w; x++)
        line[x] = r[x];
    for (int y = y0 + 1; y < y1; y++) {
        r = src + (size_t)y * w;
        if (max)
            for (int x = 0; x < w; x++)
                line[x] = max_nan(line[x], r[x]);
        else
            for (int x = 0; x < w; x++)
                line[x] += r[x];
    }
}

static inline float combine(float a, float b, bool max)
{
    return max ? max_nan(a, b) : a + b;
}

/* dst[ox] = max (or sum) of line over output ox's window. Windows fully inside
 * [0, w) are done tap by tap over the whole interior run (vectorisable); the
 * clipped ones at the edges one by one. */
static void combine_columns(float *dst, const float *line, int wo, int w, int k, int stride, int pad, bool max)
{
    int lo = (pad + stride - 1) / stride;         /* first ox with a window start >= 0 */
    int hi = w - k + pad < 0 ? 0 : (w - k + pad) / stride + 1; /* past the last ox with the window end <= w */
    if (hi > wo)
        hi = wo;
    if (lo > hi)
        lo = hi;
    for (int ox = 0; ox < wo; ox++) {
        if (ox == lo && lo < hi) { /* the interior */
            const float *base = line + (ptrdiff_t)lo * stride - pad;
            for (int o = lo; o < hi; o++)
                dst[o] = base[(ptrdiff_t)(o - lo) * stride];
            for (int j = 1; j < k; j++)
                for (int o = lo; o < hi; o++)
                    dst[o] = combine(dst[o], base[(ptrdiff_t)(o - lo) * stride + j], max);
            ox = hi - 1;
            continue;
        }
        int x0, x1;
        window_span(ox, k, stride, pad, w, &x0, &x1);
        float acc = max ? -INFINITY : 0.0f;
        for (int x = x0; x < x1; x++)
            acc = combine(acc, line[x], max);
        dst[ox] = acc;
    }
}

/* Planes wider than the row buffers (the engine's inputs stop at 8192): one
 * window at a time. */
static void pool_planes_direct(float *out, const float *in, size_t planes, int h, int w, int k, int stride, int pad,
                               bool max, bool count_include_pad, int threads)
{
    const int ho = pp_conv_out_size(h, k, stride, pad);
    const int wo = pp_conv_out_size(w, k, stride, pad);
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (size_t pl = 0; pl < planes; pl++)
        for (int oy = 0; oy < ho; oy++) {
            int y0, y1;
            window_span(oy, k, stride, pad, h, &y0, &y1);
            for (int ox = 0; ox < wo; ox++) {
                int x0, x1;
                window_span(ox, k, stride, pad, w, &x0, &x1);
                float acc = max ? -INFINITY : 0.0f;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++) {
                        float v = in[pl * h * w + (size_t)y * w + x];
                        acc = max ? max_nan(acc, v) : acc + v;
                    }
                if (!max)
                    acc /= (float)(count_include_pad ? k * k : (y1 - y0) * (x1 - x0));
                out[pl * ho * wo + (size_t)oy * wo + ox] = acc;
            }
        }
}

/* One plane by rows then columns; the average divides by the window's cell
 * count (count_include_pad false; col_cells from window_cells) or k * k.
 * line: w floats of scratch. */
static void pool_plane(float *dst, const float *src, int h, int w, int k, int stride, int pad, bool max,
                       bool count_include_pad, float *line, const float *col_cells)
{
    const int ho = pp_conv_out_size(h, k, stride, pad), wo = pp_conv_out_size(w, k, stride, pad);
    for (int oy = 0; oy < ho; oy++) {
        int y0, y1;
        window_span(oy, k, stride, pad, h, &y0, &y1);
        float *d = dst + (size_t)oy * wo;
        combine_rows(line, src, w, y0, y1, max);
        combine_columns(d, line, wo, w, k, stride, pad, max);
        if (max)
            continue;
        if (count_include_pad)
            for (int ox = 0; ox < wo; ox++)
                d[ox] /= (float)(k * k);
        else
            for (int ox = 0; ox < wo; ox++)
                d[ox] /= (float)(y1 - y0) * col_cells[ox];
    }
}

size_t pp_avgpool2d_plane_scratch_floats(int w)
{
    return 2 * (size_t)w;
}

void pp_avgpool2d_plane(float *out, const float *in, int h, int w, int k, int pad, float *scratch)
{
    const int wo = pp_conv_out_size(w, k, 1, pad);
    window_cells(scratch + w, wo, k, 1, pad, w);
    pool_plane(out, in, h, w, k, 1, pad, false, false, scratch, scratch + w);
}

#define MAX_ROW 8192

static void pool_planes(float *out, const float *in, size_t planes, int h, int w, int k, int stride, int pad,
                        bool max, bool count_include_pad, int threads)
{
    const int ho = pp_conv_out_size(h, k, stride, pad);
    const int wo = pp_conv_out_size(w, k, stride, pad);
    if (w > MAX_ROW) {
        pool_planes_direct(out, in, planes, h, w, k, stride, pad, max, count_include_pad, threads);
        return;
    }
#pragma omp parallel num_threads(pp_threads_clamp(threads))
    {
        float line[MAX_ROW], col_cells[MAX_ROW];
        window_cells(col_cells, wo, k, stride, pad, w);
#pragma omp for schedule(static)
        for (size_t pl = 0; pl < planes; pl++)
            pool_plane(out + pl * ho * wo, in + pl * h * w, h, w, k, stride, pad, max, count_include_pad, line,
                       col_cells);
    }
}

void pp_maxpool2d_forward(float *out, const float *in, size_t planes, int h, int w, int k, int stride, int pad,
                          int threads)
{
    pool_planes(out, in, planes, h, w, k, stride, pad, true, false, threads);
}

void pp_avgpool2d_forward(float *out, const float *in, size_t planes, int h, int w, int k, int stride, int pad,
                          bool count_include_pad, int threads)
{
    pool_planes(out, in, planes, h, w, k, stride, pad, false, count_include_pad, threads);
}

void pp_global_avgpool_forward(float *out, const float *in, size_t planes, size_t plane_size, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (size_t pl = 0; pl < planes; pl++) {
        const float *src = in + pl * plane_size;
        double acc = 0;
        for (size_t i = 0; i < plane_size; i++)
            acc += src[i];
        out[pl] = (float)(acc / (double)plane_size);
    }
}
