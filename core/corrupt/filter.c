#include "filter.h"

#include <immintrin.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../threads.h"
#include "planes.h"

int pp_border_index_outside(int i, int n, pp_border mode)
{
    if (n == 1)
        return 0;
    switch (mode) {
    case PP_BORDER_NEAREST:
        return i < 0 ? 0 : n - 1;
    case PP_BORDER_REFLECT: {
        int period = 2 * n;
        int m = i % period;
        if (m < 0)
            m += period;
        return m < n ? m : period - 1 - m;
    }
    case PP_BORDER_WRAP: {
        int m = i % n;
        return m < 0 ? m + n : m;
    }
    case PP_BORDER_REFLECT101:
    default: {
        int period = 2 * n - 2;
        int m = i % period;
        if (m < 0)
            m += period;
        return m < n ? m : period - m;
    }
    }
}

int pp_gaussian_kernel(double sigma, double truncate, float *k, int max_taps)
{
    if (!(sigma > 0)) {
        if (max_taps < 1)
            return -1;
        k[0] = 1.f;
        return 0;
    }
    int r = (int)(truncate * sigma + 0.5);
    if (2 * r + 1 > max_taps)
        return -1;
    double sum = 0;
    for (int i = -r; i <= r; i++)
        sum += exp(-0.5 * i * i / (sigma * sigma));
    for (int i = -r; i <= r; i++)
        k[i + r] = (float)(exp(-0.5 * i * i / (sigma * sigma)) / sum);
    return r;
}

static _Thread_local int filter_threads = 1;

int pp_filter_threads_scope(int threads)
{
    int outer = filter_threads;
    filter_threads = pp_threads_clamp(threads);
    return outer;
}

/* Threads for a loop over an image of `pixels`: one below 512x512. A 224x224 pass
 * takes about a millisecond on one core, less than what a descheduled OpenMP worker
 * costs on a busy machine; callers that corrupt many images parallelise over images. */
int pp_filter_loop_threads(size_t pixels)
{
    return pixels >= 512 * 512 ? filter_threads : 1;
}

static int loop_threads(size_t pixels)
{
    return pp_filter_loop_threads(pixels);
}

/* 32 outputs at a time in four AVX vectors
 * held in registers over all taps, so a tap costs one load per vector and no
 * store (the row loop it replaces stored and reloaded the row per tap). */
void pp_correlate_row(float *restrict o /* (w) */, int w, const float *const *p /* (taps) */,
                      const float *k /* (taps) */, int taps)
{
    int x = 0;
    for (; x + 32 <= w; x += 32) {
        const __m256 k0 = _mm256_set1_ps(k[0]);
        __m256 a0 = _mm256_mul_ps(k0, _mm256_loadu_ps(p[0] + x));
        __m256 a1 = _mm256_mul_ps(k0, _mm256_loadu_ps(p[0] + x + 8));
        __m256 a2 = _mm256_mul_ps(k0, _mm256_loadu_ps(p[0] + x + 16));
        __m256 a3 = _mm256_mul_ps(k0, _mm256_loadu_ps(p[0] + x + 24));
        for (int t = 1; t < taps; t++) {
            const __m256 kt = _mm256_set1_ps(k[t]);
            const float *r = p[t] + x;
            a0 = _mm256_add_ps(a0, _mm256_mul_ps(kt, _mm256_loadu_ps(r)));
            a1 = _mm256_add_ps(a1, _mm256_mul_ps(kt, _mm256_loadu_ps(r + 8)));
            a2 = _mm256_add_ps(a2, _mm256_mul_ps(kt, _mm256_loadu_ps(r + 16)));
            a3 = _mm256_add_ps(a3, _mm256_mul_ps(kt, _mm256_loadu_ps(r + 24)));
        }
        _mm256_storeu_ps(o + x, a0);
        _mm256_storeu_ps(o + x + 8, a1);
        _mm256_storeu_ps(o + x + 16, a2);
        _mm256_storeu_ps(o + x + 24, a3);
    }
    for (; x + 8 <= w; x += 8) {
        __m256 a = _mm256_mul_ps(_mm256_set1_ps(k[0]), _mm256_loadu_ps(p[0] + x));
        for (int t = 1; t < taps; t++)
            a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(k[t]), _mm256_loadu_ps(p[t] + x)));
        _mm256_storeu_ps(o + x, a);
    }
    for (; x < w; x++) {
        float a = k[0] * p[0][x];
        for (int t = 1; t < taps; t++)
            a += k[t] * p[t][x];
        o[x] = a;
    }
}

pp_status pp_filter_separable(const float *src, float *dst, int h, int w, const float *k,
                              int radius, pp_border mode, pp_error *err)
{
    size_t hw = (size_t)h * w;
    float *tmp = pp_floats_alloc(hw, err);
    int *xmap = malloc(sizeof(int) * (size_t)(w + 2 * radius));
    int *ymap = malloc(sizeof(int) * (size_t)(h + 2 * radius));
    if (!tmp || !xmap || !ymap) {
        pp_floats_free(tmp), free(xmap), free(ymap);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a %dx%d filter", h, w);
    }
    for (int i = 0; i < w + 2 * radius; i++)
        xmap[i] = pp_border_index(i - radius, w, mode);
    for (int i = 0; i < h + 2 * radius; i++)
        ymap[i] = pp_border_index(i - radius, h, mode);
    int taps = 2 * radius + 1;
    int nt = loop_threads(hw);
    bool failed = false;
    /* Columns first (scipy filters axis 0, then axis 1). */
#pragma omp parallel num_threads(nt)
    {
        const float **rows = malloc(sizeof(float *) * (size_t)taps);
#pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!rows)
                continue;
            for (int t = 0; t < taps; t++)
                rows[t] = src + (size_t)ymap[y + t] * w;
            pp_correlate_row(tmp + (size_t)y * w, w, rows, k, taps);
        }
        if (!rows) {
#pragma omp atomic write
            failed = true;
        }
        free(rows);
    }
#pragma omp parallel num_threads(nt)
    {
        float *pad = malloc(sizeof(float) * (size_t)(w + 2 * radius));
        const float **shifts = malloc(sizeof(float *) * (size_t)taps);
        for (int t = 0; pad && shifts && t < taps; t++)
            shifts[t] = pad + t;
#pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!pad || !shifts || failed)
                continue;
            const float *row = tmp + (size_t)y * w;
            /* the row itself in the middle, the folded border only at the ends */
            for (int i = 0; i < radius; i++)
                pad[i] = row[xmap[i]];
            memcpy(pad + radius, row, sizeof(float) * (size_t)w);
            for (int i = radius + w; i < w + 2 * radius; i++)
                pad[i] = row[xmap[i]];
            pp_correlate_row(dst + (size_t)y * w, w, shifts, k, taps);
        }
        if (!pad || !shifts) {
#pragma omp atomic write
            failed = true;
        }
        free(pad), free(shifts);
    }
    pp_floats_free(tmp), free(xmap), free(ymap);
    if (failed)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a %dx%d filter", h, w);
    return PP_OK;
}

pp_status pp_gaussian_plane(const float *src, float *dst, int h, int w, double sigma,
                            double truncate, pp_border mode, pp_error *err)
{
    if (!(sigma > 0)) {
        if (dst != src)
            memcpy(dst, src, sizeof(float) * (size_t)h * w);
        return PP_OK;
    }
    int r = (int)(truncate * sigma + 0.5);
    if (r > 4096)
        return pp_fail(err, PP_ERR_ARG, "Gaussian sigma %g is too large", sigma);
    float *k = malloc(sizeof(float) * (size_t)(2 * r + 1));
    if (!k)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a Gaussian kernel");
    pp_gaussian_kernel(sigma, truncate, k, 2 * r + 1);
    pp_status st = pp_filter_separable(src, dst, h, w, k, r, mode, err);
    free(k);
    return st;
}

/* pp_filter_2d's output run: SEG2D pixels in four AVX vectors held in registers
 * over all taps (one load, multiply and add per tap and vector, no stores; the
 * engine's baseline is x86-64-v3), the taps in the order of a tap-by-tap loop
 * and unfused, so the sums are the same bits. */
#define SEG2D 32 /* four independent add chains hide the adds' latency */

pp_status pp_filter_2d(const float *src, float *dst, int h, int w, const float *k, int kh, int kw,
                       pp_border mode, pp_error *err)
{
    int ry = kh / 2, rx = kw / 2;
    int pw = w + 2 * rx + SEG2D; /* slack: the last run reads past the row */
    float *pad = pp_floats_alloc((size_t)(h + 2 * ry) * pw, err);
    int *taps = malloc(sizeof(int) * (size_t)kh * kw); /* offsets of the non-zero taps */
    float *weights = malloc(sizeof(float) * (size_t)kh * kw);
    if (!pad || !taps || !weights) {
        pp_floats_free(pad), free(taps), free(weights);
        return pad ? pp_fail(err, PP_ERR_NOMEM, "out of memory for a 2-D filter") : PP_ERR_NOMEM;
    }
    for (int y = 0; y < h + 2 * ry; y++) {
        const float *row = src + (size_t)pp_border_index(y - ry, h, mode) * w;
        float *p = pad + (size_t)y * pw;
        /* the border lookups only where the row is extended */
        for (int x = 0; x < rx; x++) {
            p[x] = row[pp_border_index(x - rx, w, mode)];
            p[w + rx + x] = row[pp_border_index(w + x, w, mode)];
        }
        memcpy(p + rx, row, sizeof(float) * w);
        memset(p + w + 2 * rx, 0, sizeof(float) * SEG2D);
    }
    int n_taps = 0;
    for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
            if (k[ky * kw + kx] != 0.f) {
                taps[n_taps] = ky * pw + kx;
                weights[n_taps++] = k[ky * kw + kx];
            }
    int nt = loop_threads((size_t)h * w);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int y = 0; y < h; y++) {
        float *o = dst + (size_t)y * w;
        const float *p = pad + (size_t)y * pw;
        for (int x0 = 0; x0 < w; x0 += SEG2D) {
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (int t = 0; t < n_taps; t++) {
                const float *q = p + taps[t] + x0;
                const __m256 kv = _mm256_set1_ps(weights[t]);
                for (int v = 0; v < 4; v++)
                    acc[v] = _mm256_add_ps(acc[v], _mm256_mul_ps(kv, _mm256_loadu_ps(q + 8 * v)));
            }
            float run[SEG2D];
            for (int v = 0; v < 4; v++)
                _mm256_storeu_ps(run + 8 * v, acc[v]);
            memcpy(o + x0, run, sizeof(float) * (size_t)(w - x0 < SEG2D ? w - x0 : SEG2D));
        }
    }
    pp_floats_free(pad), free(taps), free(weights);
    return PP_OK;
}

int pp_motion_kernel(double radius, double sigma, double *w, int max_taps)
{
    int width = 2 * (int)lround(radius) + 1;
    if (width > max_taps)
        return -1;
    double sum = 0;
    for (int i = 0; i < width; i++) {
        /* sigma -> 0 degenerates to the identity tap */
        w[i] = sigma > 0 ? exp(-(double)i * i / (2 * sigma * sigma)) : (i == 0);
        sum += w[i];
    }
    for (int i = 0; i < width; i++)
        w[i] /= sum;
    return width;
}

pp_status pp_motion_blur_plane(const float *src, float *dst, int h, int w, double radius,
                               double sigma, double angle_deg, pp_error *err)
{
    int maxw = 2 * (int)lround(radius) + 1;
    if (maxw > 8193)
        return pp_fail(err, PP_ERR_ARG, "motion blur radius %g is too large", radius);
    double *kw = malloc(sizeof(double) * maxw);
    int *ox = malloc(sizeof(int) * maxw), *oy = malloc(sizeof(int) * maxw);
    if (!kw || !ox || !oy) {
        free(kw), free(ox), free(oy);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a motion blur kernel");
    }
    int width = pp_motion_kernel(radius, sigma, kw, maxw);
    double a = angle_deg * M_PI / 180.0, ca = cos(a), sa = sin(a);
    int taps = 0;
    for (; taps < width; taps++) {
        ox[taps] = (int)ceil(taps * ca - 0.5);
        oy[taps] = (int)ceil(taps * sa - 0.5);
        if (abs(ox[taps]) >= w || abs(oy[taps]) >= h)
            break; /* the reference stops at the first tap leaving the image */
    }
    /* rows padded by their edge values (x + dx clamped, as the reference's border),
     * so that each output row is one pp_correlate_row over shifted rows */
    int px = 0;
    for (int t = 0; t < taps; t++)
        px = abs(ox[t]) > px ? abs(ox[t]) : px;
    const int pw = w + 2 * px;
    float *pad = pp_floats_alloc((size_t)h * pw, err), *kt = malloc(sizeof(float) * maxw);
    if (!pad || !kt) {
        free(kw), free(ox), free(oy), pp_floats_free(pad), free(kt);
        return pad ? pp_fail(err, PP_ERR_NOMEM, "out of memory for a motion blur kernel") : PP_ERR_NOMEM;
    }
    for (int t = 0; t < taps; t++)
        kt[t] = (float)kw[t];
    int nt = loop_threads((size_t)h * w);
    bool failed = false;
#pragma omp parallel num_threads(nt)
    {
#pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            const float *row = src + (size_t)y * w;
            float *p = pad + (size_t)y * pw;
            for (int x = 0; x < px; x++)
                p[x] = row[0], p[px + w + x] = row[w - 1];
            memcpy(p + px, row, sizeof(float) * w);
        }
        const float **rows = malloc(sizeof(float *) * (size_t)taps);
#pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!rows)
                continue;
            for (int t = 0; t < taps; t++) {
                int sy = y + oy[t];
                sy = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
                rows[t] = pad + (size_t)sy * pw + px + ox[t];
            }
            /* starts from k[0] p[0] where the loop started from 0: the same sums */
            pp_correlate_row(dst + (size_t)y * w, w, rows, kt, taps);
        }
        if (!rows) {
#pragma omp atomic write
            failed = true;
        }
        free(rows);
    }
    free(kw), free(ox), free(oy), free(kt);
    pp_floats_free(pad);
    if (failed)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a %dx%d motion blur", h, w);
    return PP_OK;
}

void pp_zoom_layer_size(int h, int w, double z, int *zh, int *zw)
{
    int ch = (int)ceil(h / z), cw = (int)ceil(w / z);
    /* scipy's zoom: int(round(n * z)), Python's round (ties to even), as rint */
    *zh = (int)rint(ch * z);
    *zw = (int)rint(cw * z);
}

/* One axis of scipy's zoom(order=1): source index and weight per output index. */
static void zoom_axis(int in, int out, int *i0, float *f)
{
    double scale = out > 1 ? (double)(in - 1) / (out - 1) : 0.0;
    for (int o = 0; o < out; o++) {
        double s = o * scale;
        int b = (int)floor(s);
        if (b >= in - 1) {
            b = in > 1 ? in - 2 : 0;
            f[o] = in > 1 ? (float)(s - b) : 0.f;
        } else {
            f[o] = (float)(s - b);
        }
        if (f[o] > 1.f)
            f[o] = 1.f;
        i0[o] = b;
    }
}

/* One crop row interpolated along x: o[x] = r[x0] + f (r[x0 + 1] - r[x0]). Where
 * the zoom is at least 1 (scale <= 1) eight neighbouring outputs read at most nine
 * neighbouring inputs, so a block is two unaligned loads and two lane permutes
 * (lanes[] holds x0 - x0 of the block's first output) instead of sixteen scalar
 * loads; the same arithmetic, so the same bits. */
static void zoom_row(const float *r, int cw, const int *xi, const float *fx, const int *lanes,
                     int x1max, float *o, int out_w)
{
    int x = 0;
    if (lanes)
        for (; x + 8 <= out_w && xi[x] + 9 <= cw; x += 8) {
            const __m256i idx = _mm256_loadu_si256((const __m256i *)(lanes + x));
            const __m256 a = _mm256_permutevar8x32_ps(_mm256_loadu_ps(r + xi[x]), idx);
            const __m256 b = _mm256_permutevar8x32_ps(_mm256_loadu_ps(r + xi[x] + 1), idx);
            const __m256 f = _mm256_loadu_ps(fx + x);
            _mm256_storeu_ps(o + x, _mm256_add_ps(a, _mm256_mul_ps(f, _mm256_sub_ps(b, a))));
        }
    for (; x < out_w; x++) {
        int x0 = xi[x];
        o[x] = r[x0] + fx[x] * (r[x0 + x1max] - r[x0]);
    }
}

/* Rows first: each source row the output needs is interpolated along x once
 * (one row feeds about z output rows) into a two-row ring that stays in L1, then
 * each output row blends two of those, a whole-vector loop. The same arithmetic
 * as blending per pixel. */
void pp_clipped_zoom_planes(const float *src, int planes, int h, int w, double z, float *dst, int out_h,
                            int out_w, bool add)
{
    int ch = (int)ceil(h / z), cw = (int)ceil(w / z);
    int top = (h - ch) / 2, left = (w - cw) / 2;
    int zh = (int)rint(ch * z), zw = (int)rint(cw * z); /* ties to even, as scipy */
    int ow = out_w > 0 ? out_w : 1;
    /* one block for the axes and the ring: a 32x32 layer is a few microseconds,
     * six mallocs a plane were a good part of it */
    void *block = malloc(sizeof(int) * (2 * (size_t)zw + zh) + sizeof(float) * ((size_t)zw + zh + 2 * (size_t)ow));
    if (!block) {
        /* callers pre-check sizes; on OOM leave zero layers rather than garbage */
        if (!add)
            memset(dst, 0, sizeof(float) * planes * (size_t)out_h * out_w);
        return;
    }
    int *yi = block, *xi = yi + zh, *lanes = xi + zw;
    float *fy = (float *)(lanes + zw), *fx = fy + zh;
    float *rows = fx + zw; /* (2, out_w): crop rows held[0], held[1] */
    zoom_axis(ch, zh, yi, fy);
    zoom_axis(cw, zw, xi, fx);
    int x1max = cw > 1 ? 1 : 0, y1max = ch > 1 ? 1 : 0;
    bool permute = cw > 1 && zw >= cw; /* scale <= 1: a block's inputs span <= 9 */
    for (int x = 0; x < out_w; x++)
        lanes[x] = xi[x] - xi[x & ~7];
    for (int p = 0; p < planes; p++) {
        const float *plane = src + (size_t)p * h * w;
        float *dplane = dst + (size_t)p * out_h * out_w;
        int held[2] = {-1, -1};
        for (int y = 0; y < out_h; y++) {
            const float *t[2];
            for (int k = 0; k < 2; k++) {
                int j = yi[y] + k * y1max, slot = j & 1;
                if (held[slot] != j) {
                    zoom_row(plane + (size_t)(top + j) * w + left, cw, xi, fx, permute ? lanes : NULL, x1max,
                             rows + (size_t)slot * ow, out_w);
                    held[slot] = j;
                }
                t[k] = rows + (size_t)slot * ow;
            }
            const float *t0 = t[0], *t1 = t[1];
            float b = fy[y], a = 1.f - b;
            float *o = dplane + (size_t)y * out_w;
            if (add)
                for (int x = 0; x < out_w; x++)
                    o[x] += a * t0[x] + b * t1[x];
            else
                for (int x = 0; x < out_w; x++)
                    o[x] = a * t0[x] + b * t1[x];
        }
    }
    free(block);
}
