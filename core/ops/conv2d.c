#include "conv2d.h"

#include <omp.h>
#include <string.h>

#include "../threads.h"
#include "direct_conv.h"
#include "gemm.h"
#include "im2col.h"
#include "relu.h"
#include "silu.h"
#include "weight_grad_avx2.h"
#include "winograd.h"

/* Threading: the engine's threads split each convolution themselves (columns,
 * or output channels when there are few columns) and call a single-threaded
 * sgemm each; one thread system, no OpenBLAS/OpenMP spin-wait contention, and
 * each thread's im2col chunk is still in its cache when its GEMM reads it. */

/* Columns per chunk: the column buffer of a chunk stays around 2 MB. */
#define COLUMN_BUDGET_FLOATS ((size_t)512 << 10)
/* Below this many columns per thread, split output channels instead. */
#define MIN_COLUMNS_PER_THREAD 96
#define OUTPUT_BUDGET_FLOATS ((size_t)128 << 10)

int pp_conv_out_size(int in, int k, int stride, int pad)
{
    return (in + 2 * pad - k) / stride + 1;
}

int pp_conv_groups(const pp_conv_shape *s)
{
    return s->groups > 1 ? s->groups : 1;
}

pp_conv_shape pp_conv_group_shape(const pp_conv_shape *s)
{
    pp_conv_shape g = *s;
    g.cin = s->cin / pp_conv_groups(s);
    g.cout = s->cout / pp_conv_groups(s);
    g.groups = 1;
    return g;
}

pp_conv_group_step pp_conv_group_steps(const pp_conv_shape *s, int n, int h, int w)
{
    const pp_conv_shape g = pp_conv_group_shape(s);
    const size_t p_total = (size_t)n * pp_conv_out_size(h, s->kh, s->stride, s->pad) *
                           pp_conv_out_size(w, s->kw, s->stride, s->pad);
    return (pp_conv_group_step){.in = (size_t)g.cin * n * h * w, .out = (size_t)g.cout * p_total,
                                .weight = (size_t)g.cout * g.cin * g.kh * g.kw};
}

static void dense_forward(float *out, const float *in, const float *weight, const pp_conv_shape *s, int n, int h,
                          int w, const pp_epilogue *ep, float *workspace, int threads);

static bool is_pointwise(const pp_conv_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0;
}

static size_t chunk_columns(const pp_conv_shape *s, size_t p_total)
{
    size_t rows = (size_t)s->cin * s->kh * s->kw;
    size_t cols = COLUMN_BUDGET_FLOATS / (rows ? rows : 1);
    /* 1x1 (no column buffer to size): the chunk's output small enough to be
     * still in L2 when the epilogue reads it back (EfficientNet's expansions:
     * few input rows, many outputs) */
    const size_t out_cols = OUTPUT_BUDGET_FLOATS / (size_t)(s->cout > 0 ? s->cout : 1);
    if (is_pointwise(s) && out_cols < cols)
        cols = out_cols;
    if (cols < 256)
        cols = 256;
    return cols < p_total ? cols : p_total;
}

static bool splits_columns(const pp_conv_shape *s, size_t p_total, int threads)
{
    return p_total >= (size_t)MIN_COLUMNS_PER_THREAD * threads || s->cout < 2 * threads;
}

pp_conv_algo pp_conv_choose(const pp_conv_shape *s, int n, int h, int w, int threads, bool winograd_kernels)
{
    if (winograd_kernels && pp_winograd_supports(s) && pp_winograd_preferred(s, n, h, w, threads))
        return PP_CONV_WINOGRAD;
    if (!is_pointwise(s) && (pp_direct_conv_preferred(s) || pp_direct_conv_strided_preferred(s, w)))
        return PP_CONV_DIRECT;
    return PP_CONV_IM2COL;
}

size_t pp_conv2d_workspace_floats(const pp_conv_shape *shape, int n, int h, int w, int threads)
{
    const pp_conv_shape group = pp_conv_group_shape(shape), *s = &group; /* groups run one after another */
    threads = pp_threads_clamp(threads);
    pp_conv_algo algo = pp_conv_choose(s, n, h, w, threads, false);
    if (algo == PP_CONV_DIRECT)
        return pp_direct_conv_workspace_floats(s, h, w, threads);
    if (is_pointwise(s))
        return 0;
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
    if (!ep || (!ep->scale && !ep->shift && !ep->residual && !ep->relu && !ep->silu))
        return;
    for (int k = k0; k < k1; k++) {
        float a = ep->scale ? ep->scale[k] : 1.0f;
        float b = ep->shift ? ep->shift[k] : 0.0f;
        float *y = out + (size_t)k * p_total;
        const float *res = ep->residual ? ep->residual + (size_t)k * p_total : NULL;
        if (ep->silu) {
            pp_silu_affine_row(y + p0, res ? res + p0 : NULL, p1 - p0, a, b);
        } else if (res) {
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
    if (!ep || (!ep->scale && !ep->shift && !ep->residual && !ep->relu && !ep->silu))
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
    const int groups = pp_conv_groups(s);
    if (groups == 1) {
        dense_forward(out, in, weight, s, n, h, w, ep, workspace, threads);
        return;
    }
    const pp_conv_shape g = pp_conv_group_shape(s);
    const pp_conv_group_step step = pp_conv_group_steps(s, n, h, w);
    for (int i = 0; i < groups; i++) {
        const size_t k0 = (size_t)i * g.cout;
        pp_epilogue part = {0};
        if (ep)
            part = (pp_epilogue){.scale = ep->scale ? ep->scale + k0 : NULL,
                                 .shift = ep->shift ? ep->shift + k0 : NULL,
                                 .residual = ep->residual ? ep->residual + i * step.out : NULL,
                                 .relu = ep->relu, .silu = ep->silu};
        dense_forward(out + i * step.out, in + i * step.in, weight + i * step.weight, &g, n, h, w,
                      ep ? &part : NULL, workspace, threads);
    }
}

static void dense_forward(float *out, const float *in, const float *weight, const pp_conv_shape *s, int n, int h,
                          int w, const pp_epilogue *ep, float *workspace, int threads)
{
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t p_total = (size_t)n * ho * wo;
    const int depth = s->cin * s->kh * s->kw;
    const bool pointwise = is_pointwise(s);
    threads = pp_threads_clamp(threads);
    if (pp_conv_choose(s, n, h, w, threads, false) == PP_CONV_DIRECT) {
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
     * together, then each thread computes a band of output channels; one
     * parallel region with a barrier between (a region start costs as much as
     * a barrier, and these layers take a fraction of a millisecond). */
    const float *b = pointwise ? in : workspace;
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        if (!pointwise) {
            pp_im2col(workspace, in, s, n, h, w, 0, p_total, depth * t / nt, depth * (t + 1) / nt);
#pragma omp barrier
        }
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
    const int cg = s->cin / pp_conv_groups(s), kg = s->cout / pp_conv_groups(s);
    for (int k = 0; k < s->cout; k++)
        for (int img = 0; img < n; img++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++) {
                    double acc = 0;
                    for (int c = 0; c < cg; c++)
                        for (int i = 0; i < s->kh; i++)
                            for (int j = 0; j < s->kw; j++) {
                                int iy = oy * s->stride - s->pad + i;
                                int ix = ox * s->stride - s->pad + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                    continue;
                                const int ci = k / kg * cg + c; /* the input channel in this group */
                                acc += (double)weight[(((size_t)k * cg + c) * s->kh + i) * s->kw + j] *
                                       in[((size_t)ci * n + img) * plane + (size_t)iy * w + ix];
                            }
                    out[(size_t)k * p_total + img * out_plane + (size_t)oy * wo + ox] = (float)acc;
                }
    pp_epilogue_apply(out, s->cout, p_total, 0, p_total, ep, 1);
}

/* ---- backward ---- */

/* Threading as in the forward: each thread takes whole images (so the
 * col2im scatters of two threads never touch the same input pixel), works
 * through them in column chunks with single-threaded sgemm calls, and sums
 * its weight gradient into a private (K, D) partial that is reduced at the end. */

#define GRAD_COLUMN_BUDGET_FLOATS ((size_t)256 << 10)

static int backward_threads(int n, int threads)
{
    int t = pp_threads_clamp(threads);
    return t < n ? t : n;
}

static size_t grad_chunk_columns(size_t depth, size_t per_thread)
{
    size_t cols = GRAD_COLUMN_BUDGET_FLOATS / (depth ? depth : 1);
    if (cols < 256)
        cols = 256;
    return cols < per_thread ? cols : per_thread;
}

/* Per thread: a (K, D) weight-gradient partial, then (unless pointwise) a
 * column chunk and its gradient, (D, chunk) each. */
static size_t thread_floats(const pp_conv_shape *s, int n, int ho, int wo, int threads)
{
    size_t depth = (size_t)s->cin * s->kh * s->kw;
    size_t per_thread = (size_t)((n + threads - 1) / threads) * ho * wo;
    size_t floats = (size_t)s->cout * depth;
    if (!is_pointwise(s))
        floats += 2 * depth * grad_chunk_columns(depth, per_thread);
    return (floats + 15) & ~(size_t)15;
}

/* Without an input gradient, few-channel convolutions take the direct weight
 * gradient (no column matrix). */
static bool direct_weight_grad(const float *dx, const pp_conv_shape *s)
{
    return !dx && !is_pointwise(s) && pp_direct_conv_weight_grad_available(s);
}

static size_t column_backward_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads);

static size_t dense_backward_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    size_t floats = column_backward_workspace_floats(s, n, h, w, threads);
    if (pp_weight_grad_avx2_preferred(s)) {
        const size_t lanes = pp_weight_grad_avx2_workspace_floats(s, n, h, w, threads);
        floats = lanes > floats ? lanes : floats;
    }
    if (pp_winograd_weight_grad_preferred(s, n, h, w, threads)) {
        const size_t wino = pp_winograd_weight_grad_workspace_floats(s, n, h, w, threads);
        floats = wino > floats ? wino : floats;
    }
    return floats;
}

static size_t column_backward_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    if (pp_direct_conv_weight_grad_available(s) && !is_pointwise(s)) {
        /* either path may run (it depends on dx): room for both */
        int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad), wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
        size_t direct = pp_direct_conv_weight_grad_workspace_floats(s, h, w, threads);
        int t = backward_threads(n, threads);
        size_t columns = thread_floats(s, n, ho, wo, t) * (size_t)t;
        return direct > columns ? direct : columns;
    }
    int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    int t = backward_threads(n, threads);
    return thread_floats(s, n, ho, wo, t) * (size_t)t;
}

static void bias_grad(float *db, const float *dy, int k_count, size_t p_total, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (int k = 0; k < k_count; k++) {
        const float *row = dy + (size_t)k * p_total;
        double acc = 0;
        for (size_t p = 0; p < p_total; p++)
            acc += row[p];
        db[k] += (float)acc;
    }
}

/* A grouped convolution's backward is G dense ones on contiguous slices, run
 * one after another in the same workspace (as the forward). */
size_t pp_conv2d_backward_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    const pp_conv_shape g = pp_conv_group_shape(s);
    return dense_backward_workspace_floats(&g, n, h, w, threads);
}

static void dense_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *weight,
                           const pp_conv_shape *s, int n, int h, int w, float *workspace, int threads_given);

void pp_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *weight,
                        const pp_conv_shape *s, int n, int h, int w, float *workspace, int threads)
{
    const int groups = pp_conv_groups(s);
    if (groups == 1) {
        dense_backward(dx, dw, db, dy, x, weight, s, n, h, w, workspace, threads);
        return;
    }
    const pp_conv_shape g = pp_conv_group_shape(s);
    const pp_conv_group_step step = pp_conv_group_steps(s, n, h, w);
    for (int i = 0; i < groups; i++)
        dense_backward(dx ? dx + i * step.in : NULL, dw ? dw + i * step.weight : NULL,
                       db ? db + (size_t)i * g.cout : NULL, dy + i * step.out, x + i * step.in,
                       weight + i * step.weight, &g, n, h, w, workspace, threads);
}

static void dense_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *weight,
                           const pp_conv_shape *s, int n, int h, int w, float *workspace, int threads_given)
{
    if (!dw && !dx) {
        if (db)
            bias_grad(db, dy, s->cout, (size_t)n * pp_conv_out_size(h, s->kh, s->stride, s->pad) *
                                           pp_conv_out_size(w, s->kw, s->stride, s->pad), threads_given);
        return;
    }
    /* wide stride-1 3x3 layers: the weight gradient in the Winograd domain
     * (winograd.h; 4x fewer multiplies than the lane kernel) on every path;
     * other 3x3 ones on the avx2 and avx512 paths the lane kernel (no column
     * matrix), the input gradient the column path below */
    const bool wino_dw = dw && pp_winograd_weight_grad_preferred(s, n, h, w, threads_given);
    if (wino_dw || (dw && pp_weight_grad_avx2_preferred(s))) {
        if (wino_dw)
            pp_winograd_weight_grad(dw, dy, x, s, n, h, w, workspace, threads_given);
        else
            pp_weight_grad_avx2(dw, dy, x, s, n, h, w, workspace, threads_given);
        dw = NULL; /* the input and bias gradients below, as without dW */
        if (!dx) {
            if (db)
                bias_grad(db, dy, s->cout, (size_t)n * pp_conv_out_size(h, s->kh, s->stride, s->pad) *
                                               pp_conv_out_size(w, s->kw, s->stride, s->pad), threads_given);
            return;
        }
    }
    if (dw && direct_weight_grad(dx, s)) {
        pp_direct_conv_weight_grad(dw, dy, x, s, n, h, w, workspace, threads_given);
        if (db)
            bias_grad(db, dy, s->cout, (size_t)n * pp_conv_out_size(h, s->kh, 1, s->pad) *
                                           pp_conv_out_size(w, s->kw, 1, s->pad), threads_given);
        return;
    }
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t out_plane = (size_t)ho * wo, p_total = (size_t)n * out_plane;
    const int k_count = s->cout, depth = s->cin * s->kh * s->kw;
    const bool pointwise = is_pointwise(s);
    const int threads = backward_threads(n, threads_given);
    const size_t per_thread_floats = thread_floats(s, n, ho, wo, threads);
    const size_t per_thread_cols = (size_t)((n + threads - 1) / threads) * out_plane;
    const size_t chunk = grad_chunk_columns((size_t)depth, per_thread_cols);

#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *dw_part = workspace + (size_t)t * per_thread_floats; /* (K, D) */
        float *col = dw_part + (size_t)k_count * depth;             /* (D, chunk) */
        float *dcol = col + (size_t)depth * chunk;                  /* (D, chunk) */
        if (dw)
            memset(dw_part, 0, sizeof(float) * (size_t)k_count * depth);
        const size_t begin = (size_t)(n * t / nt) * out_plane, end = (size_t)(n * (t + 1) / nt) * out_plane;
        for (size_t p0 = begin; p0 < end; p0 += chunk) {
            const size_t p1 = p0 + chunk < end ? p0 + chunk : end;
            const int len = (int)(p1 - p0);
            if (pointwise) {
                /* the input itself is the column matrix (C, P) */
                if (dw)
                    pp_sgemm(false, true, k_count, depth, len, dy + p0, (int)p_total, x + p0, (int)p_total, 1.0f,
                             dw_part, depth);
                if (dx)
                    pp_sgemm(true, false, depth, len, k_count, weight, depth, dy + p0, (int)p_total, 1.0f, dx + p0,
                             (int)p_total);
                continue;
            }
            if (dw) {
                pp_im2col(col, x, s, n, h, w, p0, p1, 0, depth);
                pp_sgemm(false, true, k_count, depth, len, dy + p0, (int)p_total, col, len, 1.0f, dw_part, depth);
            }
            if (dx) {
                pp_sgemm(true, false, depth, len, k_count, weight, depth, dy + p0, (int)p_total, 0.0f, dcol, len);
                pp_col2im_add(dx, dcol, s, n, h, w, p0, p1);
            }
        }
#pragma omp barrier
        /* reduce the partials: each thread sums a band of dW */
        const size_t total = (size_t)k_count * depth;
        const size_t r0 = total * t / nt, r1 = total * (t + 1) / nt;
        for (int u = 0; dw && u < nt; u++) {
            const float *part = workspace + (size_t)u * per_thread_floats;
            for (size_t i = r0; i < r1; i++)
                dw[i] += part[i];
        }
        if (db) {
            const int k0 = k_count * t / nt, k1 = k_count * (t + 1) / nt;
            for (int k = k0; k < k1; k++) {
                const float *row = dy + (size_t)k * p_total;
                double acc = 0;
                for (size_t p = 0; p < p_total; p++)
                    acc += row[p];
                db[k] += (float)acc;
            }
        }
    }
}

void pp_conv2d_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *weight, const pp_conv_shape *s, int n, int h, int w)
{
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t plane = (size_t)h * w, out_plane = (size_t)ho * wo, p_total = (size_t)n * out_plane;
    const int cg = s->cin / pp_conv_groups(s), kg = s->cout / pp_conv_groups(s);
    for (int k = 0; k < s->cout; k++) {
        if (db) {
            double acc = 0;
            for (size_t p = 0; p < p_total; p++)
                acc += dy[(size_t)k * p_total + p];
            db[k] += (float)acc;
        }
        for (int c = 0; c < cg; c++)
            for (int i = 0; i < s->kh; i++)
                for (int j = 0; j < s->kw; j++) {
                    double acc = 0;
                    const float wkc = weight[(((size_t)k * cg + c) * s->kh + i) * s->kw + j];
                    for (int img = 0; img < n; img++)
                        for (int oy = 0; oy < ho; oy++)
                            for (int ox = 0; ox < wo; ox++) {
                                int iy = oy * s->stride - s->pad + i, ix = ox * s->stride - s->pad + j;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                    continue;
                                float g = dy[(size_t)k * p_total + img * out_plane + (size_t)oy * wo + ox];
                                size_t xi = ((size_t)(k / kg * cg + c) * n + img) * plane + (size_t)iy * w + ix;
                                acc += (double)g * x[xi];
                                if (dx)
                                    dx[xi] += g * wkc;
                            }
                    dw[(((size_t)k * cg + c) * s->kh + i) * s->kw + j] += (float)acc;
                }
    }
}
