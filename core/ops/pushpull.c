#include "pushpull.h"

#include <omp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../threads.h"
#include "conv2d.h"
#include "pool.h"
#include "pushpull_tail.h"
#include "relu.h"

size_t pp_pushpull_minmax_span(const pp_pushpull_unit *u)
{
    const size_t plane = (size_t)u->shape.kh * u->shape.kw;
    return u->minmax == PP_PULL_MINMAX_CHANNEL ? plane : plane * u->shape.cin;
}

void pp_pushpull_pull_kernels(float *pull, const float *push, int count, size_t span)
{
    for (int k = 0; k < count; k++) {
        const float *w = push + (size_t)k * span;
        float lo = w[0], hi = w[0];
        for (size_t i = 1; i < span; i++) {
            lo = w[i] < lo ? w[i] : lo;
            hi = w[i] > hi ? w[i] : hi;
        }
        float *p = pull + (size_t)k * span;
        for (size_t i = 0; i < span; i++)
            p[i] = -w[i] + (hi + lo);
    }
}

/* Since P[k] = -W[k] + c_k with c_k = max W[k] + min W[k], the pull response
 * needs no second convolution: conv(x, P[k]) = -conv(x, W[k]) + c_k * S, where
 * S = conv(x, ones) is one window sum shared by every output channel.
 * Output rows [r0, r1) of all images (row r: image r / ho, row r % ho), on the
 * calling thread: split by rows, a batch of one still feeds every thread. */
static void window_sum_rows(float *sums, const float *in, const pp_conv_shape *s, int n, int h, int w, size_t r0,
                            size_t r1)
{
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t plane = (size_t)h * w;
    /* (W): channel and row sums; on the stack for any normal width, so steady-state
     * forward passes allocate nothing */
    float stack_sums[2048];
    float *column_sums = w <= 2048 ? stack_sums : malloc(sizeof(float) * (size_t)w);
    for (size_t r = r0; r < r1 && column_sums; r++) {
        const int img = (int)(r / ho), oy = (int)(r % ho);
        int y0 = oy * s->stride - s->pad;
        for (int x = 0; x < w; x++)
            column_sums[x] = 0;
        for (int c = 0; c < s->cin; c++)
            for (int i = 0; i < s->kh; i++) {
                int y = y0 + i;
                if (y < 0 || y >= h)
                    continue;
                const float *row = in + ((size_t)c * n + img) * plane + (size_t)y * w;
                for (int x = 0; x < w; x++)
                    column_sums[x] += row[x];
            }
        float *dst = sums + r * wo;
        for (int ox = 0; ox < wo; ox++) {
            int x0 = ox * s->stride - s->pad;
            float acc = 0;
            for (int j = 0; j < s->kw; j++)
                if (x0 + j >= 0 && x0 + j < w)
                    acc += column_sums[x0 + j];
            dst[ox] = acc;
        }
    }
    if (column_sums != stack_sums)
        free(column_sums);
}

/* Whole cache lines (16 floats): a thread's part and the next one's share none
 * (two threads writing one line ran slower than one thread). */
static size_t whole_lines(size_t floats)
{
    return (floats + 15) & ~(size_t)15;
}

/* Per thread: the stacked path's raw pull plane and pooling rows, or the
 * tail's rows (pushpull_tail.h). */
static size_t per_thread_floats(size_t plane, int wo, int avg_kernel)
{
    const size_t stacked = plane + pp_avgpool2d_plane_scratch_floats(wo);
    const size_t tail = pp_pushpull_tail_scratch_floats(wo, avg_kernel);
    return whole_lines(stacked > tail ? stacked : tail);
}

/* The window sums S and their pooled form of every image. */
static size_t sums_floats(size_t plane, int n)
{
    return whole_lines(2 * plane * n);
}

/* The sums, then each thread's part. */
size_t pp_pushpull_scratch_floats(const pp_pushpull_unit *u, int n, int h, int w, int threads)
{
    const pp_conv_shape *s = &u->shape;
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad), wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t plane = (size_t)ho * wo;
    return sums_floats(plane, n) + per_thread_floats(plane, wo, u->avg_kernel) * (size_t)pp_threads_clamp(threads);
}

bool pp_pushpull_needs_responses(const pp_pushpull_unit *u)
{
    return u->minmax == PP_PULL_MINMAX_CHANNEL;
}

/* The unit's output from push (row k) and pooled pull (row K + k) planes;
 * with a BN (+ReLU) after the unit fused in (bn of channel k, or NULL), the
 * same arithmetic as the separate pass. */
/* y may be push itself (the in-place tail): element p reads only push[p]
 * before writing y[p], so the lanes are independent (omp simd says so). */
static void combine_plane(float *y, const float *push, const float *pulled, size_t plane, float a, float b,
                          const pp_pushpull_bn *bn)
{
    if (!bn) {
#pragma omp simd
        for (size_t p = 0; p < plane; p++)
            y[p] = pp_relu(push[p]) - a * pp_relu(pulled[p]) + b;
        return;
    }
    const float s = bn->scale, t = bn->shift;
    if (bn->relu) {
#pragma omp simd
        for (size_t p = 0; p < plane; p++) {
            float v = pp_relu(push[p]) - a * pp_relu(pulled[p]) + b;
            v = v * s + t;
            y[p] = pp_relu(v);
        }
        return;
    }
#pragma omp simd
    for (size_t p = 0; p < plane; p++) {
        float v = pp_relu(push[p]) - a * pp_relu(pulled[p]) + b;
        y[p] = v * s + t;
    }
}

/* Channel k's part of the epilogue (scale and shift; a residual is refused by
 * the callers), or NULL. */
static const pp_pushpull_bn *bn_of(pp_pushpull_bn *bn, const pp_epilogue *ep, int k)
{
    if (!ep)
        return NULL;
    *bn = (pp_pushpull_bn){ep->scale ? ep->scale[k] : 1.0f, ep->shift ? ep->shift[k] : 0.0f, ep->relu};
    return bn;
}

/* With max + min per input channel the pull is not -push plus one window sum per
 * filter: one convolution with the stacked [W; P] kernels gives both responses. */
static void stacked_forward(float *out, float *responses, float *pool_scratch, const float *in,
                            const pp_pushpull_unit *u, int n, int h, int w, const pp_epilogue *ep, float *workspace,
                            int threads)
{
    pp_conv_shape st = u->shape;
    st.cout *= 2;
    pp_conv2d_forward(responses, in, u->stacked, &st, n, h, w, NULL, workspace, threads);
    const int k_count = u->shape.cout;
    const int ho = pp_conv_out_size(h, st.kh, st.stride, st.pad), wo = pp_conv_out_size(w, st.kw, st.stride, st.pad);
    const size_t plane = (size_t)ho * wo, p_total = plane * n, planes = (size_t)k_count * n;
    const size_t per_thread = per_thread_floats(plane, wo, u->avg_kernel);
#pragma omp parallel num_threads(threads)
    {
        float *raw = pool_scratch + sums_floats(plane, n) + per_thread * (size_t)omp_get_thread_num();
        float *line = raw + plane;
#pragma omp for schedule(static)
        for (size_t kn = 0; kn < planes; kn++) {
            const int k = (int)(kn / n), img = (int)(kn % n);
            const size_t at = (size_t)k * p_total + (size_t)img * plane;
            float *pulled = responses + (size_t)k_count * p_total + at;
            if (u->avg_kernel > 0) {
                memcpy(raw, pulled, sizeof(float) * plane);
                pp_avgpool2d_plane(pulled, raw, ho, wo, u->avg_kernel, (u->avg_kernel - 1) / 2, line);
            }
            pp_pushpull_bn bn;
            combine_plane(out + at, responses + at, pulled, plane, u->alpha[k], u->bias ? u->bias[k] : 0.0f,
                          bn_of(&bn, ep, k));
        }
    }
}

void pp_pushpull_forward_bn(float *out, float *responses, float *pool_scratch, const float *in,
                            const pp_pushpull_unit *u, int n, int h, int w, const pp_epilogue *ep, float *workspace,
                            int threads)
{
    threads = pp_threads_clamp(threads);
    const pp_conv_shape *s = &u->shape;
    const int k_count = s->cout;
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    const int wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t p_total = (size_t)n * ho * wo;
    const size_t per_kernel = (size_t)s->cin * s->kh * s->kw;
    if (pp_pushpull_needs_responses(u)) {
        stacked_forward(out, responses, pool_scratch, in, u, n, h, w, ep, workspace, threads);
        return;
    }
    /* Without responses to keep, the push response goes straight into out and
     * each plane's tail overwrites it in place, while the plane is in cache:
     * the unit then moves about as much memory as a plain convolution. */
    float *push_all = responses ? responses : out;
    float *pull = responses ? responses + (size_t)k_count * p_total : NULL;
    pp_conv2d_forward(push_all, in, u->weight, s, n, h, w, NULL, workspace, threads);

    /* One parallel region for the rest: S (the pool scratch's first plane per
     * image) row by row and its pooled form (the second) image by image, then
     * plane by plane (channel k of image img), while it is in cache, the
     * unit's tail (pushpull_tail.h). c_k from the stacked pull kernels
     * (P[k][0] + W[k][0] = c_k). The pooled pull response stays in `responses`
     * (when given) for the taps and the backward pass. */
    const size_t plane = (size_t)ho * wo, planes = (size_t)k_count * n, rows = (size_t)n * ho;
    const size_t per_thread = per_thread_floats(plane, wo, u->avg_kernel);
    float *sums = pool_scratch;
    /* without pooling the tail reads S itself */
    float *pooled_sums = u->avg_kernel > 0 ? pool_scratch + plane * n : sums;
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        window_sum_rows(sums, in, s, n, h, w, rows * t / nt, rows * (t + 1) / nt);
        float *scratch = pool_scratch + sums_floats(plane, n) + per_thread * (size_t)t;
#pragma omp barrier
        if (u->avg_kernel > 0) {
#pragma omp for schedule(static)
            for (int img = 0; img < n; img++)
                pp_pushpull_pool_sums(pooled_sums + (size_t)img * plane, sums + (size_t)img * plane, ho, wo,
                                      u->avg_kernel, scratch);
        }
#pragma omp for schedule(static) nowait
        for (size_t kn = 0; kn < planes; kn++) {
            const int k = (int)(kn / n), img = (int)(kn % n);
            const size_t at = (size_t)k * p_total + (size_t)img * plane;
            const float c_k = u->stacked[(size_t)(k_count + k) * per_kernel] + u->weight[(size_t)k * per_kernel];
            pp_pushpull_bn bn;
            pp_pushpull_tail_plane(out + at, pull ? pull + at : NULL, push_all + at, pooled_sums + (size_t)img * plane,
                                   ho, wo, u->avg_kernel, c_k, u->alpha[k], u->bias ? u->bias[k] : 0.0f,
                                   bn_of(&bn, ep, k), scratch);
        }
    }
}

void pp_pushpull_forward(float *out, float *responses, float *pool_scratch, const float *in,
                         const pp_pushpull_unit *u, int n, int h, int w, float *workspace, int threads)
{
    pp_pushpull_forward_bn(out, responses, pool_scratch, in, u, n, h, w, NULL, workspace, threads);
}

int pp_pushpull_effective_size(const pp_pushpull_unit *u)
{
    return u->shape.kh + (u->avg_kernel > 0 ? u->avg_kernel - 1 : 0);
}

void pp_pushpull_effective_kernels(float *out, const pp_pushpull_unit *u, float alpha_override)
{
    const pp_conv_shape *s = &u->shape;
    const int kh = s->kh, kw = s->kw, a = u->avg_kernel > 0 ? u->avg_kernel : 1;
    const int e = kh + a - 1, ew = kw + a - 1, off = (a - 1) / 2;
    const size_t per_kernel = (size_t)s->cin * kh * kw;
    const float *pull_all = u->stacked + (size_t)s->cout * per_kernel;
    const float box = 1.0f / (float)(a * a);
    for (int k = 0; k < s->cout; k++) {
        float alpha = alpha_override >= 0 ? alpha_override : u->alpha[k];
        for (int c = 0; c < s->cin; c++) {
            float *dst = out + ((size_t)k * s->cin + c) * e * ew;
            const float *w = u->weight + (size_t)k * per_kernel + (size_t)c * kh * kw;
            const float *p = pull_all + (size_t)k * per_kernel + (size_t)c * kh * kw;
            memset(dst, 0, sizeof(float) * (size_t)e * ew);
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++) {
                    dst[(i + off) * ew + j + off] += w[i * kw + j];
                    /* full convolution of P with the a x a box (symmetric, so no flip) */
                    for (int di = 0; di < a; di++)
                        for (int dj = 0; dj < a; dj++)
                            dst[(i + di) * ew + j + dj] -= alpha * box * p[i * kw + j];
                }
        }
    }
}

/* ---- backward ---- */

static pp_conv_shape stacked_shape(const pp_pushpull_unit *u)
{
    pp_conv_shape s = u->shape;
    s.cout *= 2;
    return s;
}

/* An odd pooling window keeps the plane's size ("same" padding): then each
 * plane's tail and pooling backward run together (pooled_tail_backward). */
static bool pools_in_planes(const pp_pushpull_unit *u)
{
    return u->avg_kernel > 0 && u->avg_kernel % 2 == 1;
}

/* Per thread: the plane's pooled-pull gradient and the pooling's scratch,
 * whole cache lines each. */
static size_t plane_tail_floats(int ho, int wo, int avg_kernel)
{
    return (((size_t)ho * wo + 15) & ~(size_t)15) + pp_avgpool2d_plane_backward_scratch_floats(ho, wo, avg_kernel);
}

/* The region after d_responses: d_pooled (K, P) when pooling a whole
 * channel at a time; per plane, the threads' plane scratch and the tail's
 * two sums of each plane (doubles). */
static size_t pooling_floats(const pp_pushpull_unit *u, int n, int ho, int wo, int threads)
{
    if (!u->avg_kernel)
        return 0;
    if (!pools_in_planes(u))
        return (size_t)u->shape.cout * n * ho * wo;
    return plane_tail_floats(ho, wo, u->avg_kernel) * (size_t)pp_threads_clamp(threads) +
           4 * (size_t)u->shape.cout * n;
}

/* d_responses (2K, P), to a whole cache line: the pooling's per-thread scratch after it shares none. */
static size_t responses_floats(int k_count, size_t p_total)
{
    return (2 * (size_t)k_count * p_total + 15) & ~(size_t)15;
}

/* Layout: d_responses, the pooling's region, d_stacked (2K, D), conv scratch. */
size_t pp_pushpull_backward_workspace_floats(const pp_pushpull_unit *u, int n, int h, int w, int threads)
{
    const pp_conv_shape *s = &u->shape;
    const pp_conv_shape st = stacked_shape(u);
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad), wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    size_t p = (size_t)n * ho * wo;
    size_t depth = (size_t)s->cin * s->kh * s->kw;
    return responses_floats(s->cout, p) + pooling_floats(u, n, ho, wo, threads) + 2 * s->cout * depth +
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

void pp_pushpull_kernel_backward(float *dw, const float *d_stacked, const float *w, int k_count, size_t per_kernel,
                                 size_t span)
{
    const size_t total = (size_t)k_count * per_kernel;
    const float *d_push = d_stacked, *d_pull = d_stacked + total;
    for (size_t r = 0; r < total; r += span) {
        const float *wk = w + r, *gp = d_push + r, *gq = d_pull + r;
        float *d = dw + r;
        float lo = wk[0], hi = wk[0];
        double sum_q = 0;
        for (size_t i = 0; i < span; i++) {
            lo = wk[i] < lo ? wk[i] : lo;
            hi = wk[i] > hi ? wk[i] : hi;
            sum_q += gq[i];
            d[i] += gp[i] - gq[i];
        }
        spread(d, wk, span, hi, (float)sum_q);
        spread(d, wk, span, lo, (float)sum_q);
    }
}

/* One channel of the tail's backward: the push and pull response gradients
 * (through their ReLUs) and the sums of dy (bias) and -dy * relu(pull)
 * (alpha). The sums run in float over blocks of TAIL_LANES x TAIL_BLOCK values
 * (independent lanes the compiler vectorises; a single double chain was a
 * latency-bound millisecond per channel), gathered in double. */
#define TAIL_LANES 8
#define TAIL_BLOCK 64

static void tail_backward(float *gp, float *gq, double *sum_g, double *sum_a, const float *g, const float *pu,
                          const float *pl, float a, size_t count)
{
    double tg = 0, ta = 0;
    size_t p = 0;
    while (p + TAIL_LANES <= count) {
        float ag[TAIL_LANES] = {0}, aa[TAIL_LANES] = {0};
        const size_t end = p + (size_t)TAIL_LANES * TAIL_BLOCK < count ? p + (size_t)TAIL_LANES * TAIL_BLOCK
                                                                        : count - (count - p) % TAIL_LANES;
        for (; p < end; p += TAIL_LANES)
            for (int l = 0; l < TAIL_LANES; l++) {
                const float gi = g[p + l], q = pl[p + l];
                ag[l] += gi;
                aa[l] -= gi * (q > 0.0f ? q : 0.0f);
                gp[p + l] = pu[p + l] > 0.0f ? gi : 0.0f;
                gq[p + l] = q > 0.0f ? -a * gi : 0.0f;
            }
        for (int l = 0; l < TAIL_LANES; l++)
            tg += ag[l], ta += aa[l];
    }
    for (; p < count; p++) {
        tg += g[p];
        ta -= (double)g[p] * (pl[p] > 0.0f ? pl[p] : 0.0f);
        gp[p] = pu[p] > 0.0f ? g[p] : 0.0f;
        gq[p] = pl[p] > 0.0f ? -a * g[p] : 0.0f;
    }
    *sum_g = tg;
    *sum_a = ta;
}

/* The tail's backward plane by plane (channel k of image img), each
 * plane's pooled-pull gradient through the pooling's backward while it is in
 * cache: no (K, P) pass of it to memory and back, no zeroing of the raw pull
 * gradient first. The bias and alpha sums per plane, gathered per channel
 * in image order (the same for any thread count). */
static void pooled_tail_backward(float *d_push, float *d_raw, double *sums, float *scratch, float *dbias,
                                 float *dalpha, const float *dy, const float *push, const float *pull,
                                 const pp_pushpull_unit *u, int n, int ho, int wo, int threads)
{
    const int k_count = u->shape.cout, avg = u->avg_kernel;
    const size_t plane = (size_t)ho * wo, p_total = plane * n, planes = (size_t)k_count * n;
    const size_t per_thread = plane_tail_floats(ho, wo, avg);
#pragma omp parallel num_threads(pp_threads_clamp(threads))
    {
        float *d_pooled = scratch + per_thread * (size_t)omp_get_thread_num();
        float *pool_scratch = d_pooled + ((plane + 15) & ~(size_t)15);
        pp_avgpool2d_plane_backward_prepare(pool_scratch, ho, wo, avg);
#pragma omp for schedule(static)
        for (size_t kn = 0; kn < planes; kn++) {
            const int k = (int)(kn / n), img = (int)(kn % n);
            const size_t at = (size_t)k * p_total + (size_t)img * plane;
            tail_backward(d_push + at, d_pooled, &sums[2 * kn], &sums[2 * kn + 1], dy + at, push + at, pull + at,
                          u->alpha[k], plane);
            pp_avgpool2d_plane_backward(d_raw + at, d_pooled, ho, wo, avg, false, pool_scratch);
        }
    }
    for (int k = 0; k < k_count; k++) {
        double sum_g = 0, sum_a = 0;
        for (int img = 0; img < n; img++) {
            sum_g += sums[2 * ((size_t)k * n + img)];
            sum_a += sums[2 * ((size_t)k * n + img) + 1];
        }
        if (dbias)
            dbias[k] += (float)sum_g;
        if (dalpha)
            dalpha[k] += (float)sum_a;
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
    float *d_resp = workspace;                                /* (2K, P) */
    float *pooling = d_resp + responses_floats(k_count, p_total); /* pooling_floats */
    float *d_stacked = pooling + pooling_floats(u, n, ho, wo, threads); /* (2K, D) */
    float *conv_ws = d_stacked + 2 * (size_t)k_count * depth;
    const float *push = responses, *pull = responses + (size_t)k_count * p_total;

    if (pools_in_planes(u)) {
        float *sums = pooling + plane_tail_floats(ho, wo, u->avg_kernel) * (size_t)pp_threads_clamp(threads);
        pooled_tail_backward(d_resp, d_resp + (size_t)k_count * p_total, (double *)sums, pooling, dbias, dalpha, dy,
                             push, pull, u, n, ho, wo, threads);
    } else {
        /* a whole channel at a time, then the pooling over all planes */
        float *d_pull_out = u->avg_kernel > 0 ? pooling : d_resp + (size_t)k_count * p_total;
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
        for (int k = 0; k < k_count; k++) {
            const size_t at = (size_t)k * p_total;
            double sum_g, sum_a;
            tail_backward(d_resp + at, d_pull_out + at, &sum_g, &sum_a, dy + at, push + at, pull + at, u->alpha[k],
                          p_total);
            if (dbias)
                dbias[k] += (float)sum_g;
            if (dalpha)
                dalpha[k] += (float)sum_a;
        }
        if (u->avg_kernel > 0) {
            float *d_raw = d_resp + (size_t)k_count * p_total;
            memset(d_raw, 0, sizeof(float) * (size_t)k_count * p_total);
            pp_avgpool2d_backward(d_raw, pooling, (size_t)k_count * n, ho, wo, u->avg_kernel, 1,
                                  (u->avg_kernel - 1) / 2, false, threads);
        }
    }
    const pp_conv_shape st = stacked_shape(u);
    memset(d_stacked, 0, sizeof(float) * 2 * (size_t)k_count * depth);
    pp_conv2d_backward(dx, dw ? d_stacked : NULL, NULL, d_resp, in, u->stacked, &st, n, h, w, conv_ws, threads);
    if (dw)
        pp_pushpull_kernel_backward(dw, d_stacked, u->weight, k_count, depth, pp_pushpull_minmax_span(u));
}
