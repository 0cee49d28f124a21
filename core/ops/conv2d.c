#include "conv2d.h"

#include <omp.h>
#include <string.h>

#include "../threads.h"
#include "direct_conv.h"
#include "gemm.h"
#include "im2col.h"
#include "relu.h"

/* Threading: the engine's threads split each convolution themselves (columns,
 * or output channels when there are few columns) and call a single-threaded
 * sgemm each; one thread system, no OpenBLAS/OpenMP spin-wait contention, and
 * each thread's im2col chunk is still in its cache when its GEMM reads it. */

/* Columns per chunk: the column buffer of a chunk stays around 2 MB. */
#define COLUMN_BUDGET_FLOATS ((size_t)512 << 10)
/* Below this many columns per thread, split output channels instead. */
#define MIN_COLUMNS_PER_THREAD 96

int pp_conv_out_size(int in, int k, int stride, int pad)
{
    return (in + 2 * pad - k) / stride + 1;
}

static bool is_pointwise(const pp_conv_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0;
}

static size_t chunk_columns(const pp_conv_shape *s, size_t p_total)
{
    size_t rows = (size_t)s->cin * s->kh * s->kw;
    size_t cols = COLUMN_BUDGET_FLOATS / (rows ? rows : 1);
    if (cols < 256)
        cols = 256;
    return cols < p_total ? cols : p_total;
}

static bool splits_columns(const pp_conv_shape *s, size_t p_total, int threads)
{
    return p_total >= (size_t)MIN_COLUMNS_PER_THREAD * threads || s->cout < 2 * threads;
}

size_t pp_conv2d_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    threads = pp_threads_clamp(threads);
    if (is_pointwise(s))
        return 0;
    if (pp_direct_conv_preferred(s))
        return pp_direct_conv_workspace_floats(s, h, w, threads);
    int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    size_t p_total = (size_t)n * ho * wo;
    size_t rows = (size_t)s->cin * s->kh * s->kw;
    /* Column split: a chunk per thread; channel split: the whole (small) matrix. */
    if (splits_columns(s, p_total, threads))
        return rows * chunk_columns(s, (p_total + threads - 1) / threads) * (size_t)threads;
    return rows * p_total;
}

/* Rows [k0, k1) of the epilogue, on the calling thread. */
static void epilogue_rows(float *out, int k0, int k1, size_t p_total, size_t p0, size_t p1, const pp_epilogue *ep)
{
    if (!ep || (!ep->scale && !ep->shift && !ep->residual && !ep->relu))
        return;
    for (int k = k0; k < k1; k++) {
        float a = ep->scale ? ep->scale[k] : 1.0f;
        float b = ep->shift ? ep->shift[k] : 0.0f;
        float *y = out + (size_t)k * p_total;
        const float *res = ep->residual ? ep->residual + (size_t)k * p_total : NULL;
        if (res) {
            if (ep->relu)
                for (size_t p = p0; p < p1; p++) {
                    float v = y[p] * a + b + res[p];
                    y[p] = pp_relu(v);
                }
            else
                for (size_t p = p0; p < p1; p++)
                    y[p] = y[p] * a + b + res[p];
        } else if (ep->relu) {
            for (size_t p = p0; p < p1; p++) {
                float v = y[p] * a + b;
                y[p] = pp_relu(v);
            }
        } else {
            for (size_t p = p0; p < p1; p++)
                y[p] = y[p] * a + b;
        }
    }
}

void pp_epilogue_apply(float *out, int k_count, size_t p_total, size_t p0, size_t p1,
                       const pp_epilogue *ep, int threads)
{
    if (!ep || (!ep->scale && !ep->shift && !ep->residual && !ep->relu))
        return;
#pragma omp parallel num_threads(pp_threads_clamp(threads))
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        epilogue_rows(out, (int)((long)k_count * t / nt), (int)((long)k_count * (t + 1) / nt), p_total, p0, p1, ep);
    }
}

void pp_conv2d_forward(float *out, const float *in, const float *weight, const pp_conv_shape *s,
                       int n, int h, int w, const pp_epilogue *ep, float *workspace, int threads)
{
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t p_total = (size_t)n * ho * wo;
    const int depth = s->cin * s->kh * s->kw;
    const bool pointwise = is_pointwise(s);
    threads = pp_threads_clamp(threads);
    if (!pointwise && pp_direct_conv_preferred(s)) {
        pp_direct_conv_forward(out, in, weight, s, n, h, w, ep, workspace, threads);
        return;
    }
    if (splits_columns(s, p_total, threads)) {
        const size_t chunk = chunk_columns(s, (p_total + threads - 1) / threads);
#pragma omp parallel num_threads(threads)
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            size_t begin = p_total * t / nt, end = p_total * (t + 1) / nt;
            float *col = pointwise ? NULL : workspace + (size_t)t * depth * chunk;
            for (size_t p0 = begin; p0 < end; p0 += chunk) {
                size_t p1 = p0 + chunk < end ? p0 + chunk : end;
                const float *b = in + p0;
                int ldb = (int)p_total;
                if (!pointwise) {
                    pp_im2col(col, in, s, n, h, w, p0, p1, 0, depth);
                    b = col;
                    ldb = (int)(p1 - p0);
                }
                pp_sgemm(false, false, s->cout, (int)(p1 - p0), depth, weight, depth, b, ldb, 0.0f, out + p0,
                         (int)p_total);
                epilogue_rows(out, 0, s->cout, p_total, p0, p1, ep);
            }
        }
        return;
    }
    /* Few columns (late layers at batch 1): build the whole column matrix
     * together, then each thread computes a band of output channels. */
    const float *b = in;
    if (!pointwise) {
#pragma omp parallel num_threads(threads)
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            pp_im2col(workspace, in, s, n, h, w, 0, p_total, depth * t / nt, depth * (t + 1) / nt);
        }
        b = workspace;
    }
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int k0 = s->cout * t / nt, k1 = s->cout * (t + 1) / nt;
        if (k1 > k0) {
            pp_sgemm(false, false, k1 - k0, (int)p_total, depth, weight + (size_t)k0 * depth, depth, b, (int)p_total,
                     0.0f, out + (size_t)k0 * p_total, (int)p_total);
            epilogue_rows(out, k0, k1, p_total, 0, p_total, ep);
        }
    }
}

void pp_conv2d_forward_ref(float *out, const float *in, const float *weight, const pp_conv_shape *s,
                           int n, int h, int w, const pp_epilogue *ep)
{
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t plane = (size_t)h * w, out_plane = (size_t)ho * wo;
    const size_t p_total = (size_t)n * out_plane;
    for (int k = 0; k < s->cout; k++)
        for (int img = 0; img < n; img++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++) {
                    double acc = 0;
                    for (int c = 0; c < s->cin; c++)
                        for (int i = 0; i < s->kh; i++)
                            for (int j = 0; j < s->kw; j++) {
                                int iy = oy * s->stride - s->pad + i;
                                int ix = ox * s->stride - s->pad + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                    continue;
                                acc += (double)weight[(((size_t)k * s->cin + c) * s->kh + i) * s->kw + j] *
                                       in[((size_t)c * n + img) * plane + (size_t)iy * w + ix];
                            }
                    out[(size_t)k * p_total + img * out_plane + (size_t)oy * wo + ox] = (float)acc;
                }
    pp_epilogue_apply(out, s->cout, p_total, 0, p_total, ep, 1);
}
