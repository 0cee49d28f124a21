#include "pool.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include <immintrin.h>

#include "../cpu.h"
#include "../tensor.h"
#include "../threads.h"
#include "avx2_transpose.h"
#include "conv2d.h"
#include <omp.h>

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

static void plane_forward_3x3_avx2(float *out, const float *in, int h, int w, const float *col_cells);

void pp_avgpool2d_plane(float *out, const float *in, int h, int w, int k, int pad, float *scratch)
{
    const int wo = pp_conv_out_size(w, k, 1, pad);
    window_cells(scratch + w, wo, k, 1, pad, w);
    if (k == 3 && pad == 1 && pp_cpu_path() >= PP_CPU_AVX2)
        plane_forward_3x3_avx2(out, in, h, w, scratch + w);
    else
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

/* ---- backward ---- */

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
 * rows: a vertical sum into one row, then a horizontal one. The row has `pad`
 * zeros on each side, so every input column sums k cells in the same order
 * (the zeros stand for outputs that do not exist). */

static size_t round_line(size_t floats)
{
    return (floats + 15) & ~(size_t)15;
}

/* inv_rows, inv_cols (1 / the real cells of the windows along each axis),
 * the horizontal sums and the padded row. */
size_t pp_avgpool2d_plane_backward_scratch_floats(int h, int w, int k)
{
    return round_line((size_t)h) + 2 * round_line((size_t)w) + round_line((size_t)w + (size_t)k);
}

static void inverse_cells(float *inv, int size, int k, int pad)
{
    for (int o = 0; o < size; o++) {
        int lo, hi;
        window_span(o, k, 1, pad, size, &lo, &hi);
        inv[o] = 1.0f / (float)(hi - lo);
    }
}

void pp_avgpool2d_plane_backward_prepare(float *scratch, int h, int w, int k)
{
    inverse_cells(scratch, h, k, (k - 1) / 2);
    inverse_cells(scratch + round_line((size_t)h), w, k, (k - 1) / 2);
}

static void plane_backward_portable(float *dx, const float *dy, int h, int w, int k, int pad, bool accumulate,
                                    const float *inv_rows, const float *inv_cols, float *padded, float *sums)
{
    float *row = padded + pad;
    for (int y = 0; y < h; y++) {
        /* the outputs whose windows cover input row y: [y - pad, y + pad] clipped */
        const int oy0 = y - pad < 0 ? 0 : y - pad, oy1 = y + pad + 1 > h ? h : y + pad + 1;
        for (int x = 0; x < w; x++)
            row[x] = 0;
        for (int oy = oy0; oy < oy1; oy++) {
            const float *gr = dy + (size_t)oy * w;
            for (int x = 0; x < w; x++)
                row[x] += gr[x] * inv_rows[oy] * inv_cols[x];
        }
        for (int x = 0; x < w; x++)
            sums[x] = 0;
        for (int t = 0; t < k; t++)
            for (int x = 0; x < w; x++)
                sums[x] += padded[x + t];
        float *dr = dx + (size_t)y * w;
        for (int x = 0; x < w; x++)
            dr[x] = accumulate ? dr[x] + sums[x] : sums[x];
    }
}

/* [prev[7], cur[0..6]] and [cur[1..7], next[0]]: a row's neighbours one
 * column to the left and right, across the vectors' boundary. */
static inline __m256 from_left(__m256 prev, __m256 cur)
{
    const __m256 halves = _mm256_permute2f128_ps(prev, cur, 0x21); /* prev's high half, cur's low half */
    return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(cur), _mm256_castps_si256(halves), 12));
}

static inline __m256 from_right(__m256 cur, __m256 next)
{
    const __m256 halves = _mm256_permute2f128_ps(cur, next, 0x21); /* cur's high half, next's low half */
    return _mm256_castsi256_ps(_mm256_alignr_epi8(_mm256_castps_si256(halves), _mm256_castps_si256(cur), 4));
}

/* The 3 x 3 "same" window mean of pool_plane in AVX2 registers, the same
 * operations in the same order (the rows' sum from the first row, then the
 * columns' from the left neighbour, or from +0 at the left edge, as the
 * clipped windows start; the lanes past w are zeros, which add nothing but
 * turn a -0 sum into +0 as the clipped window's +0 start did; then one
 * division by the cell count), without pool_plane's line buffer and its
 * short loops. */
static void plane_forward_3x3_avx2(float *out, const float *in, int h, int w, const float *col_cells)
{
    const __m256 zero = _mm256_setzero_ps();
    for (int oy = 0; oy < h; oy++) {
        int y0, y1;
        window_span(oy, 3, 1, 1, h, &y0, &y1);
        const __m256 rows = _mm256_set1_ps((float)(y1 - y0));
        float *d = out + (size_t)oy * w;
        __m256 prev = zero, cur = zero;
        for (int x0 = -8; x0 < w; x0 += 8) {
            __m256 next = zero;
            if (x0 + 8 < w) {
                const __m256i mask = pp_avx2_lane_mask(w - x0 - 8);
                next = _mm256_maskload_ps(in + (size_t)y0 * w + x0 + 8, mask);
                for (int y = y0 + 1; y < y1; y++)
                    next = _mm256_add_ps(next, _mm256_maskload_ps(in + (size_t)y * w + x0 + 8, mask));
            }
            if (x0 >= 0) {
                const __m256 left = from_left(prev, cur);
                /* x0 == 0: the first column's window starts from +0 (clipped), the rest from the left */
                __m256 sum = x0 == 0 ? _mm256_blend_ps(_mm256_add_ps(left, cur), _mm256_add_ps(zero, cur), 1)
                                     : _mm256_add_ps(left, cur);
                sum = _mm256_add_ps(sum, from_right(cur, next));
                const __m256i mask = pp_avx2_lane_mask(w - x0);
                const __m256 cells = _mm256_mul_ps(rows, _mm256_maskload_ps(col_cells + x0, mask));
                sum = _mm256_div_ps(sum, cells);
                if (w - x0 >= 8) {
                    _mm256_storeu_ps(d + x0, sum);
                } else {
                    float lanes[8];
                    _mm256_storeu_ps(lanes, sum);
                    for (int x = x0; x < w; x++)
                        d[x] = lanes[x - x0];
                }
            }
            prev = cur;
            cur = next;
        }
    }
}

/* Columns [x0, x0 + 8) of input row y's vertical sum; lanes past w zero. */
static inline __m256 vertical_sums(const float *dy, int w, int x0, int oy0, int oy1, const float *inv_rows,
                                   const float *inv_cols)
{
    const __m256i mask = pp_avx2_lane_mask(w - x0);
    const __m256 ic = _mm256_maskload_ps(inv_cols + x0, mask);
    __m256 acc = _mm256_setzero_ps();
    for (int oy = oy0; oy < oy1; oy++) {
        const __m256 g = _mm256_maskload_ps(dy + (size_t)oy * w + x0, mask);
        acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_mul_ps(g, _mm256_set1_ps(inv_rows[oy])), ic));
    }
    return acc;
}

/* The 3 x 3 window (the PushPull units' pooling) in AVX2 registers, the same
 * operations in the same order: the portable loops over the demo's 28-wide
 * rows stored the vertical sums and read them back one column off, and a
 * load spanning two recent stores waits for them to reach the cache. Lanes
 * past w hold zeros, so they stand for the right margin. The last vector's
 * sums are stored through a copy (masked stores are slow on AMD). The sums
 * start at +0, so they are never -0 and writing them equals adding them to a
 * zero. */
static void plane_backward_3x3_avx2(float *dx, const float *dy, int h, int w, bool accumulate, const float *inv_rows,
                                    const float *inv_cols)
{
    const __m256 zero = _mm256_setzero_ps();
    for (int y = 0; y < h; y++) {
        const int oy0 = y - 1 < 0 ? 0 : y - 1, oy1 = y + 2 > h ? h : y + 2;
        float *dr = dx + (size_t)y * w;
        __m256 prev = zero, cur = vertical_sums(dy, w, 0, oy0, oy1, inv_rows, inv_cols);
        for (int x0 = 0; x0 < w; x0 += 8) {
            const __m256 next = x0 + 8 < w ? vertical_sums(dy, w, x0 + 8, oy0, oy1, inv_rows, inv_cols) : zero;
            __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(zero, from_left(prev, cur)), cur),
                                       from_right(cur, next));
            prev = cur;
            cur = next;
            if (w - x0 >= 8) {
                if (accumulate)
                    sum = _mm256_add_ps(_mm256_loadu_ps(dr + x0), sum);
                _mm256_storeu_ps(dr + x0, sum);
                continue;
            }
            float lanes[8];
            _mm256_storeu_ps(lanes, sum);
            for (int x = x0; x < w; x++)
                dr[x] = accumulate ? dr[x] + lanes[x - x0] : lanes[x - x0];
        }
    }
}

void pp_avgpool2d_plane_backward(float *dx, const float *dy, int h, int w, int k, bool accumulate, float *scratch)
{
    const int pad = (k - 1) / 2;
    const float *inv_rows = scratch, *inv_cols = scratch + round_line((size_t)h);
    float *sums = scratch + round_line((size_t)h) + round_line((size_t)w), *padded = sums + round_line((size_t)w);
    if (pp_cpu_path() >= PP_CPU_AVX2 && k == 3) {
        plane_backward_3x3_avx2(dx, dy, h, w, accumulate, inv_rows, inv_cols);
        return;
    }
    for (int x = 0; x < pad; x++) /* the margins */
        padded[x] = padded[pad + w + x] = 0.0f;
    plane_backward_portable(dx, dy, h, w, k, pad, accumulate, inv_rows, inv_cols, padded, sums);
}

static bool avgpool_same_backward(float *dx, const float *dy, size_t planes, int h, int w, int k, int threads)
{
    /* whole cache lines per thread: two threads writing one line took twice as long as one thread */
    const size_t per_thread = pp_avgpool2d_plane_backward_scratch_floats(h, w, k);
    float *scratch = pp_aligned_alloc(sizeof(float) * per_thread * (size_t)threads);
    if (!scratch)
        return false;
#pragma omp parallel num_threads(threads)
    {
        float *own = scratch + per_thread * omp_get_thread_num();
        pp_avgpool2d_plane_backward_prepare(own, h, w, k);
#pragma omp for schedule(static)
        for (size_t pl = 0; pl < planes; pl++)
            pp_avgpool2d_plane_backward(dx + pl * h * w, dy + pl * h * w, h, w, k, true, own);
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
        avgpool_same_backward(dx, dy, planes, h, w, k, threads))
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
