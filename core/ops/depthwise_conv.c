#include "depthwise_conv.h"

#include <stdlib.h>
#include <string.h>

#include "../cpu.h"
#include "../tensor.h"
#include "../threads.h"
#include "silu.h"

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

/* ---- the fast forward: a zero-padded copy of each plane, then register blocks ----
 *
 * Each thread copies its plane into a zero-bordered buffer once (the borders
 * stay zero from plane to plane: only the interior is rewritten), split by
 * column phase at stride 2 (even padded columns, then odd ones) so that every
 * tap reads contiguous floats. The outputs are then computed in blocks of
 * `rows` output rows by `lanes` outputs of each, held in registers over all
 * k x k taps (k, the stride and the block's shape are compile-time constants
 * in each instance, so the taps unroll), and the epilogue (folded BN, SiLU,
 * the plane's sum for SE) runs on each block row before it is stored: the
 * output is written once. */

typedef struct {
    int k, s, h, w, ho, wo;
    int pitch;       /* floats per padded row (of one phase) */
    size_t phase;    /* floats per phase */
    int top, left;
} padded_geometry;

/* The register block: `lanes` outputs of a row (vector_width each vector)
 * times `rows` rows. About eight accumulators: enough independent FMA chains
 * to hide their latency, few enough to stay in the 16 AVX2 registers. Narrow
 * planes (the late stages' 14 x 14 and 7 x 7) take one vector a row and more
 * rows (7 divides both), 8-lane vectors where a row has at most 8 outputs. */
typedef struct {
    int vector_width, lanes, rows;
} block_shape;

static block_shape block_shape_of(int ho, int wo, bool v4)
{
    block_shape b = {.vector_width = v4 ? 16 : 8, .lanes = 8};
    if (wo <= 8)
        b.vector_width = 8;
    else
        for (b.lanes = 16; b.lanes < wo && b.lanes < 64;)
            b.lanes *= 2;
    const int vectors = b.lanes / b.vector_width;
    b.rows = vectors > 1 ? (8 / vectors > 1 ? 8 / vectors : 1) : ho % 7 == 0 ? 7 : 4;
    return b;
}

static padded_geometry geometry_of(const pp_depthwise_conv *d, int h, int w, const block_shape *b)
{
    padded_geometry g = {.k = d->k, .s = d->stride, .h = h, .w = w, .top = d->pad_top, .left = d->pad_left};
    g.ho = pp_depthwise_out_size(h, d->k, d->stride, d->pad_top, d->pad_bottom);
    g.wo = pp_depthwise_out_size(w, d->k, d->stride, d->pad_left, d->pad_right);
    /* the last block of a row reads up to its end, k / s past that; the last
     * block of rows up to a whole block below the plane: all inside the
     * buffer, and zero */
    const int cols = (w + d->pad_left + d->pad_right + d->stride - 1) / d->stride;
    const int need = (g.wo + b->lanes - 1) / b->lanes * b->lanes + d->k;
    g.pitch = ((cols > need ? cols : need) + 15) / 16 * 16;
    const int block_rows = (g.ho + b->rows - 1) / b->rows * b->rows;
    const int rows = h + d->pad_top + d->pad_bottom, used = (block_rows - 1) * d->stride + d->k;
    g.phase = (size_t)(rows > used ? rows : used) * g.pitch;
    return g;
}

/* dst_a[j] = src[2j], dst_b[j] = src[2j + 1] for the n pairs: plain indexed
 * loops that the compiler vectorises with permutes. */
static void split_pairs(float *restrict dst_a, float *restrict dst_b, const float *restrict src, int n)
{
    for (int j = 0; j < n; j++) {
        dst_a[j] = src[2 * j];
        dst_b[j] = src[2 * j + 1];
    }
}

static void fill_padded(float *pad, const float *in, const padded_geometry *g)
{
    for (int iy = 0; iy < g->h; iy++) {
        const float *src = in + (size_t)iy * g->w;
        float *row = pad + (size_t)(iy + g->top) * g->pitch;
        if (g->s == 1) {
            memcpy(row + g->left, src, (size_t)g->w * sizeof(float));
            continue;
        }
        /* stride 2: padded column x = ix + left to phase x % 2, column x / 2;
         * pairs (ix, ix + 1) go to (odd, even) phases when left is odd */
        float *even = row, *odd = row + g->phase;
        const int pairs = g->w / 2, l = g->left;
        if (l % 2)
            split_pairs(odd + l / 2, even + (l + 1) / 2, src, pairs);
        else
            split_pairs(even + l / 2, odd + l / 2, src, pairs);
        if (g->w % 2) {
            const int x = g->w - 1 + l;
            (x % 2 ? odd : even)[x / 2] = src[g->w - 1];
        }
    }
}

/* 16 floats (one AVX-512 register) and 8 (one AVX2 register): each build
 * uses its own width, as wider generic vectors than the target has are
 * lowered badly. Loads need not be aligned. */
typedef float lane16 __attribute__((vector_size(64)));
typedef float lane16_unaligned __attribute__((vector_size(64), aligned(4), may_alias));
typedef float lane8 __attribute__((vector_size(32)));
typedef float lane8_unaligned __attribute__((vector_size(32), aligned(4), may_alias));

/* dst[0, m) = src[0, m) for m <= 64, in constant-size pieces, which compile
 * to vector moves: a copy of variable size (memcpy, or a loop the compiler
 * turns into one) became `rep movs`, whose start-up cost a short row's
 * outputs several times over. */
static inline __attribute__((always_inline)) void copy_prefix(float *dst, const float *src, int m)
{
    int at = 0;
#pragma GCC unroll 8
    for (int piece = 64; piece >= 1; piece /= 2)
        if (m & piece) {
            memcpy(dst + at, src + at, (size_t)piece * sizeof(float));
            at += piece;
        }
}

/* One output plane from its padded copy, in blocks of NR rows by NV vectors
 * of VW floats. K, S, NV and NR are constants at every call (the instances
 * below), so the tap loops unroll and the accumulators stay in registers.
 * Returns the sum of the plane's outputs (after the epilogue). */
#define PLANE_BLOCKS(NAME, VEC, VEC_UNALIGNED, VW)                                                                  \
    static inline __attribute__((always_inline)) double NAME(float *out, const float *pad,                          \
                                                             const padded_geometry *g, const float *wk,             \
                                                             const pp_depthwise_epilogue *ep, float a, float b,     \
                                                             const int K, const int S, const int NV, const int NR)  \
    {                                                                                                                \
        const int lanes = VW * NV;                                                                                   \
        float taps[25];                                                                                              \
        for (int t = 0; t < K * K; t++)                                                                              \
            taps[t] = wk[t];                                                                                         \
        const bool silu = ep && ep->silu;                                                                            \
        double total = 0.0;                                                                                          \
        float block[64] __attribute__((aligned(64)));                                                                \
        for (int oy0 = 0; oy0 < g->ho; oy0 += NR) {                                                                  \
            float block_sum = 0.0f;                                                                                  \
            for (int ox0 = 0; ox0 < g->wo; ox0 += lanes) {                                                           \
                VEC acc[8];                                                                                          \
                for (int v = 0; v < NR * NV; v++)                                                                    \
                    acc[v] = (VEC){0};                                                                               \
                for (int ky = 0; ky < K; ky++)                                                                       \
                    for (int kx = 0; kx < K; kx++) {                                                                 \
                        const float t = taps[ky * K + kx];                                                           \
                        const float *src = pad + (size_t)(oy0 * S + ky) * g->pitch + ox0 +                           \
                                           (size_t)(kx % S) * g->phase + kx / S;                                     \
                        for (int r = 0; r < NR; r++)                                                                 \
                            for (int v = 0; v < NV; v++)                                                             \
                                acc[r * NV + v] +=                                                                   \
                                    t * *(const VEC_UNALIGNED *)(src + (size_t)r * S * g->pitch + VW * v);           \
                    }                                                                                                \
                const int m = g->wo - ox0 < lanes ? g->wo - ox0 : lanes;                                             \
                for (int r = 0; r < NR && oy0 + r < g->ho; r++) {                                                    \
                    for (int v = 0; v < NV; v++)                                                                     \
                        *(VEC *)(block + VW * v) = acc[r * NV + v];                                                  \
                    float row_sum = 0.0f;                                                                            \
                    if (silu) {                                                                                      \
                        _Pragma("omp simd aligned(block : 64) reduction(+ : row_sum)") for (int j = 0; j < lanes;    \
                                                                                             j++) {                  \
                            block[j] = pp_silu(block[j] * a + b);                                                    \
                            row_sum += j < m ? block[j] : 0.0f;                                                      \
                        }                                                                                            \
                    } else {                                                                                         \
                        _Pragma("omp simd aligned(block : 64) reduction(+ : row_sum)") for (int j = 0; j < lanes;    \
                                                                                             j++) {                  \
                            block[j] = block[j] * a + b;                                                             \
                            row_sum += j < m ? block[j] : 0.0f;                                                      \
                        }                                                                                            \
                    }                                                                                                \
                    copy_prefix(out + (size_t)(oy0 + r) * g->wo + ox0, block, m);                                    \
                    block_sum += row_sum;                                                                            \
                }                                                                                                    \
            }                                                                                                        \
            total += block_sum;                                                                                      \
        }                                                                                                            \
        return total;                                                                                                \
    }
PLANE_BLOCKS(plane_blocks16, lane16, lane16_unaligned, 16)
PLANE_BLOCKS(plane_blocks8, lane8, lane8_unaligned, 8)

/* The instances: k 3 or 5, stride 1 or 2, and the block shapes block_shape_of
 * gives: 8 lanes (8-float vectors) by 7 or 4 rows; 16, 32 or 64 lanes. On the
 * avx512 path 16 lanes are one vector (7 or 4 rows), 32 two (4 rows), 64 four
 * (2 rows); on the others 16 lanes are two vectors (4 rows), 32 four (2), 64
 * eight (1). */
#define PLANE_CASE(BLOCKS, VW, K, S, L, R)                                                                           \
    case ((K * 10 + S) * 100 + L) * 10 + R: return BLOCKS(out, pad, g, wk, ep, a, b, K, S, L / VW, R);
#define PLANE_CASES_V4(K, S)                                                                                         \
    PLANE_CASE(plane_blocks8, 8, K, S, 8, 7) PLANE_CASE(plane_blocks8, 8, K, S, 8, 4)                                \
    PLANE_CASE(plane_blocks16, 16, K, S, 16, 7) PLANE_CASE(plane_blocks16, 16, K, S, 16, 4)                          \
    PLANE_CASE(plane_blocks16, 16, K, S, 32, 4) PLANE_CASE(plane_blocks16, 16, K, S, 64, 2)
#define PLANE_CASES_V3(K, S)                                                                                         \
    PLANE_CASE(plane_blocks8, 8, K, S, 8, 7) PLANE_CASE(plane_blocks8, 8, K, S, 8, 4)                                \
    PLANE_CASE(plane_blocks8, 8, K, S, 16, 4) PLANE_CASE(plane_blocks8, 8, K, S, 32, 2)                              \
    PLANE_CASE(plane_blocks8, 8, K, S, 64, 1)
#define PLANE_INSTANCES(SUFFIX, CASES, ATTR)                                                                         \
    ATTR static double plane_##SUFFIX(float *out, const float *pad, const padded_geometry *g, const float *wk,        \
                                      const pp_depthwise_epilogue *ep, float a, float b, const block_shape *bs)     \
    {                                                                                                                \
        switch (((g->k * 10 + g->s) * 100 + bs->lanes) * 10 + bs->rows) {                                            \
            CASES(3, 1)                                                                                              \
            CASES(3, 2)                                                                                              \
            CASES(5, 1)                                                                                              \
            CASES(5, 2)                                                                                              \
        default: return 0.0;                                                                                         \
        }                                                                                                            \
    }

/* Built twice: for AVX-512 (the avx512 path) and for the engine's x86-64-v3
 * baseline (avx2 and portable), chosen by the CPU path (cpu.h). */
PLANE_INSTANCES(v4, PLANE_CASES_V4, PP_ISA_V4_WIDE)
PLANE_INSTANCES(v3, PLANE_CASES_V3, )

static bool has_blocks(const pp_depthwise_conv *d)
{
    return (d->k == 3 || d->k == 5) && (d->stride == 1 || d->stride == 2);
}

/* The plain loops for what the blocks do not cover (other k or stride, or no
 * memory for the padded copy), with the epilogue as a second pass. */
static double plane_plain(float *out, const float *in, const pp_depthwise_conv *d, const float *wk, int h, int w,
                          int ho, int wo, const pp_depthwise_epilogue *ep, float a, float b)
{
    plane_forward(out, in, wk, d, h, w, ho, wo);
    double total = 0.0;
    const bool silu = ep && ep->silu;
    for (size_t i = 0; i < (size_t)ho * wo; i++) {
        const float v = out[i] * a + b;
        out[i] = silu ? pp_silu(v) : v;
        total += out[i];
    }
    return total;
}

void pp_depthwise_forward_fused(float *out, const float *in, const pp_depthwise_conv *d, int n, int h, int w,
                                const pp_depthwise_epilogue *ep, int threads)
{
    const int ho = pp_depthwise_out_size(h, d->k, d->stride, d->pad_top, d->pad_bottom);
    const int wo = pp_depthwise_out_size(w, d->k, d->stride, d->pad_left, d->pad_right);
    const long planes = (long)d->channels * n;
    if (ho <= 0 || wo <= 0 || planes <= 0) {
        if (ep && ep->plane_sums && planes > 0) /* empty planes sum to 0 */
            memset(ep->plane_sums, 0, (size_t)planes * sizeof(float));
        return;
    }
    const bool v4 = pp_cpu_path() == PP_CPU_AVX512;
    const block_shape bs = block_shape_of(ho, wo, v4);
    const padded_geometry g = geometry_of(d, h, w, &bs);
    const size_t pad_floats = g.phase * (size_t)d->stride;
#pragma omp parallel num_threads(pp_threads_clamp(threads))
    {
        float *pad = has_blocks(d) ? pp_aligned_alloc(pad_floats * sizeof(float)) : NULL;
        if (pad)
            memset(pad, 0, pad_floats * sizeof(float));
#pragma omp for schedule(static)
        for (long p = 0; p < planes; p++) {
            const int c = (int)(p / n);
            const float *wk = d->weight + (size_t)c * d->k * d->k;
            const float a = ep && ep->scale ? ep->scale[c] : 1.0f, b = ep && ep->shift ? ep->shift[c] : 0.0f;
            float *o = out + (size_t)p * ho * wo;
            const float *x = in + (size_t)p * h * w;
            double sum;
            if (pad) {
                fill_padded(pad, x, &g);
                sum = v4 ? plane_v4(o, pad, &g, wk, ep, a, b, &bs) : plane_v3(o, pad, &g, wk, ep, a, b, &bs);
            } else {
                sum = plane_plain(o, x, d, wk, h, w, ho, wo, ep, a, b);
            }
            if (ep && ep->plane_sums)
                ep->plane_sums[p] = (float)sum;
        }
        free(pad);
    }
}

void pp_depthwise_forward(float *out, const float *in, const pp_depthwise_conv *d, int n, int h, int w, int threads)
{
    pp_depthwise_forward_fused(out, in, d, n, h, w, NULL, threads);
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
