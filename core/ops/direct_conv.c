#include "direct_conv.h"

#include <immintrin.h>
#include <omp.h>
#include <string.h>

#include "../cpu.h"
#include "avx2_transpose.h"
#include "../threads.h"

#define SEG 16 /* output pixels per register row */
#define KB 8   /* output channels accumulated together */

bool pp_direct_conv_preferred(const pp_conv_shape *s)
{
    /* measured: wins over im2col + GEMM up to 16 input channels (3x3) */
    return s->stride == 1 && s->cin * s->kh * s->kw <= 16 * 9 && s->kh <= 7 && s->kw <= 7;
}

/* Stride 2 on the avx2 path: the demo net's first 3x3 layer of a stage at
 * 28x28 (8 -> 16 channels), where the im2col matrix and OpenBLAS's packing
 * of it took three times a stride-1 layer's time per multiply. From 12
 * output columns, so the 16-pixel segments are mostly full. */
bool pp_direct_conv_strided_preferred(const pp_conv_shape *s, int w)
{
    return s->stride == 2 && s->kh == 3 && s->kw == 3 && s->pad == 1 && s->cin * 9 <= 16 * 9 &&
           pp_conv_out_size(w, 3, 2, 1) >= 12 && pp_cpu_path() == PP_CPU_AVX2;
}

/* The padded image: rows of the input with pad zeros around, each split by
 * column into `stride` phases (column X of the padded row at phase X % stride,
 * index X / stride), so a strided layer's tap reads consecutive floats too;
 * SEG floats of slack at the end of each phase, so a segment's loads never
 * leave it. At stride 1 a row is one phase. */
static size_t padded_row(const pp_conv_shape *s, int w)
{
    return ((size_t)w + 2 * s->pad + s->stride - 1) / s->stride + SEG;
}

static size_t padded_image(const pp_conv_shape *s, int h, int w)
{
    return (size_t)s->cin * (h + 2 * s->pad) * s->stride * padded_row(s, w);
}

size_t pp_direct_conv_workspace_floats(const pp_conv_shape *s, int h, int w, int threads)
{
    return padded_image(s, h, w) * (size_t)pp_threads_clamp(threads);
}

/* Copies image img into the padded buffer; the margins are zeroed only when
 * `fresh` (the first image a thread puts there in a call): later images write
 * the same interior cells. */
static void fill_padded(float *dst, const float *in, const pp_conv_shape *s, int n, int img, int h, int w, bool fresh)
{
    const size_t row = padded_row(s, w), rows = (size_t)h + 2 * s->pad, plane = (size_t)h * w;
    if (fresh)
        memset(dst, 0, sizeof(float) * padded_image(s, h, w));
    for (int c = 0; c < s->cin; c++)
        for (int y = 0; y < h; y++) {
            const float *src = in + ((size_t)c * n + img) * plane + (size_t)y * w;
            if (s->stride == 1) {
                memcpy(dst + (c * rows + y + s->pad) * row + s->pad, src, sizeof(float) * (size_t)w);
                continue;
            }
            /* stride 2 (avx2 path): columns 2q and 2q + 1, 16 at a time split into
             * two vectors, then the rest one by one */
            float *phases = dst + (c * rows + y + s->pad) * 2 * row;
            float *lands_2q = phases + (size_t)(s->pad % 2) * row + s->pad / 2;
            float *lands_2q1 = phases + (size_t)((s->pad + 1) % 2) * row + (s->pad + 1) / 2;
            int x = 0;
            for (; x + 16 <= w; x += 16) {
                const __m256 a = _mm256_loadu_ps(src + x), b = _mm256_loadu_ps(src + x + 8);
                /* shuffle_ps pairs 128-bit lanes: a0 a2 b0 b2 | a4 a6 b4 b6; the permute orders the quarters */
                const __m256d even = _mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88));
                const __m256d odd = _mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xdd));
                _mm256_storeu_ps(lands_2q + x / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(even, 0xd8)));
                _mm256_storeu_ps(lands_2q1 + x / 2, _mm256_castpd_ps(_mm256_permute4x64_pd(odd, 0xd8)));
            }
            for (; x < w; x++)
                (x % 2 ? lands_2q1 : lands_2q)[x / 2] = src[x];
        }
}

/* SEG floats as one value: GCC keeps the accumulators in registers (one
 * AVX-512 register each, or two AVX2 ones) and the updates become FMAs. */
typedef float seg_vec __attribute__((vector_size(SEG * sizeof(float)), aligned(4)));

/* The fused epilogue of one channel's segment sums v: scale, shift, residual,
 * ReLU, `count` pixels at `offset` in channel k's plane. */
static inline void store_segment(float *out, size_t p_total, size_t offset, const float *v, int k, int count,
                                 const pp_epilogue *ep)
{
    const bool relu = ep && ep->relu;
    const float a = ep && ep->scale ? ep->scale[k] : 1.0f, b = ep && ep->shift ? ep->shift[k] : 0.0f;
    float *o = out + (size_t)k * p_total + offset;
    const float *res = ep && ep->residual ? ep->residual + (size_t)k * p_total + offset : NULL;
    for (int q = 0; q < count; q++) {
        float y = v[q] * a + b + (res ? res[q] : 0.0f);
        o[q] = relu && y < 0.0f ? 0.0f : y;
    }
}

/* The sums of one output row segment [ox0, ox0 + SEG) for channels
 * [k0, k0 + kb) into acc. */
static inline __attribute__((always_inline)) void segment_sums(seg_vec acc[KB], const float *padded, size_t row,
                                                               size_t rows, const float *weight,
                                                               const pp_conv_shape *s, int k0, int kb, int oy, int ox0)
{
#pragma GCC unroll 8
    for (int k = 0; k < KB; k++)
        acc[k] = (seg_vec){0};
    const int taps = s->kh * s->kw;
    const size_t k_stride = (size_t)s->cin * taps;
    for (int c = 0; c < s->cin; c++)
        for (int i = 0; i < s->kh; i++) {
            const float *xrow = padded + ((size_t)c * rows + oy + i) * row + ox0;
            const float *wk = weight + ((size_t)k0 * s->cin + c) * taps + i * s->kw;
            for (int j = 0; j < s->kw; j++) {
                seg_vec x;
                memcpy(&x, xrow + j, sizeof x);
#pragma GCC unroll 8
                for (int k = 0; k < KB; k++)
                    acc[k] += (k < kb ? wk[(size_t)k * k_stride + j] : 0.0f) * x;
            }
        }
}

/* store_segment in one zmm register, masked to `count` pixels (the scalar
 * loop took about as long as an 8-channel segment's sums): the same
 * operations in the same order, so the same bits (y < 0 cleared, -0 and NaN
 * kept; the scalar loop's a * v + b contracts to an FMA in this file). */
PP_ISA_V4 static inline void store_segment_v4(float *out, size_t p_total, size_t offset, const seg_vec *v, int k,
                                              int count, const pp_epilogue *ep)
{
    __m512 y;
    memcpy(&y, v, sizeof y);
    const __mmask16 mask = count >= SEG ? (__mmask16)0xffff : (__mmask16)((1u << count) - 1);
    const __m512 a = _mm512_set1_ps(ep && ep->scale ? ep->scale[k] : 1.0f);
    const __m512 b = _mm512_set1_ps(ep && ep->shift ? ep->shift[k] : 0.0f);
    const __m512 zero = _mm512_setzero_ps();
    const float *res = ep && ep->residual ? ep->residual + (size_t)k * p_total + offset : NULL;
    y = _mm512_add_ps(_mm512_fmadd_ps(y, a, b), res ? _mm512_maskz_loadu_ps(mask, res) : zero);
    if (ep && ep->relu)
        y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(y, zero, _CMP_LT_OQ), zero);
    _mm512_mask_storeu_ps(out + (size_t)k * p_total + offset, mask, y);
}

/* Built for AVX-512 (the avx512 path): whole blocks of KB channels with the
 * count known (no selects in the tap loop), then the last partial block. */
PP_ISA_V4 static void segment_v4(float *out, size_t p_total, size_t offset, const float *padded, size_t row,
                                 size_t rows, const float *weight, const pp_conv_shape *s, int k0, int kb, int oy,
                                 int ox0, int count, const pp_epilogue *ep)
{
    seg_vec acc[KB];
    if (kb == KB)
        segment_sums(acc, padded, row, rows, weight, s, k0, KB, oy, ox0);
    else
        segment_sums(acc, padded, row, rows, weight, s, k0, kb, oy, ox0);
    for (int k = 0; k < kb; k++)
        store_segment_v4(out, p_total, offset, &acc[k], k0 + k, count, ep);
}

/* For the x86-64-v3 baseline (the portable path). */
static void segment_v3(float *out, size_t p_total, size_t offset, const float *padded, size_t row, size_t rows,
                       const float *weight, const pp_conv_shape *s, int k0, int kb, int oy, int ox0, int count,
                       const pp_epilogue *ep)
{
    seg_vec acc[KB];
    segment_sums(acc, padded, row, rows, weight, s, k0, kb, oy, ox0);
    for (int k = 0; k < kb; k++) {
        float v[SEG];
        memcpy(v, &acc[k], sizeof v);
        store_segment(out, p_total, offset, v, k0 + k, count, ep);
    }
}

/* The AVX2 form: KB_AVX2 channels x 16 pixels in 8 ymm accumulators (with the
 * 16-float generic vectors of segment_body, GCC keeps eight channels' sums on
 * the stack on AVX2); same taps, same order, same epilogue. */
#define KB_AVX2 4

/* store_segment in AVX2 registers (its scalar loop was a fifth of an 8-channel
 * segment's time): the same operations in the same order (a * v + b one FMA,
 * as the scalar loop contracts in this file), so the same bits (y < 0
 * cleared, -0 and NaN kept). Lanes past `count` are not written. */
static inline void store_segment_avx2(float *out, size_t p_total, size_t offset, const __m256 v[2], int k, int count,
                                      const pp_epilogue *ep)
{
    const bool relu = ep && ep->relu;
    const __m256 a = _mm256_set1_ps(ep && ep->scale ? ep->scale[k] : 1.0f);
    const __m256 b = _mm256_set1_ps(ep && ep->shift ? ep->shift[k] : 0.0f);
    const __m256 zero = _mm256_setzero_ps();
    float *o = out + (size_t)k * p_total + offset;
    const float *res = ep && ep->residual ? ep->residual + (size_t)k * p_total + offset : NULL;
    for (int h = 0; h < 2 && h * 8 < count; h++) {
        const int lanes = count - h * 8 < 8 ? count - h * 8 : 8;
        const __m256i mask = pp_avx2_lane_mask(lanes);
        __m256 y = _mm256_fmadd_ps(v[h], a, b);
        y = _mm256_add_ps(y, res ? (lanes == 8 ? _mm256_loadu_ps(res + h * 8) : _mm256_maskload_ps(res + h * 8, mask))
                                 : zero);
        if (relu)
            y = _mm256_andnot_ps(_mm256_cmp_ps(y, zero, _CMP_LT_OQ), y);
        if (lanes == 8)
            _mm256_storeu_ps(o + h * 8, y);
        else
            _mm256_maskstore_ps(o + h * 8, mask, y);
    }
}

/* ST: the stride (1, or 2 from pp_direct_conv_strided_preferred), a
 * constant, so a tap's phase and offset fold away. */
static inline __attribute__((always_inline)) void segment_avx2_body(float *out, size_t p_total, size_t offset,
                                                                    const float *padded, size_t row, size_t rows,
                                                                    const float *weight, const pp_conv_shape *s,
                                                                    int k0, int kb, int oy, int ox0, int count,
                                                                    const pp_epilogue *ep, const int ST)
{
    __m256 acc[KB_AVX2][2];
    for (int k = 0; k < KB_AVX2; k++)
        acc[k][0] = acc[k][1] = _mm256_setzero_ps();
    const int taps = s->kh * s->kw;
    const size_t k_stride = (size_t)s->cin * taps;
    for (int c = 0; c < s->cin; c++)
        for (int i = 0; i < s->kh; i++) {
            const float *phases = padded + ((size_t)c * rows + (size_t)oy * ST + i) * ST * row + ox0;
            const float *wk = weight + ((size_t)k0 * s->cin + c) * taps + i * s->kw;
            for (int j = 0; j < s->kw; j++) {
                const float *xrow = phases + (size_t)(j % ST) * row + j / ST;
                const __m256 x0 = _mm256_loadu_ps(xrow), x1 = _mm256_loadu_ps(xrow + 8);
                for (int k = 0; k < KB_AVX2; k++) {
                    const __m256 wv = _mm256_set1_ps(k < kb ? wk[(size_t)k * k_stride + j] : 0.0f);
                    acc[k][0] = _mm256_fmadd_ps(wv, x0, acc[k][0]);
                    acc[k][1] = _mm256_fmadd_ps(wv, x1, acc[k][1]);
                }
            }
        }
    for (int k = 0; k < kb; k++)
        store_segment_avx2(out, p_total, offset, acc[k], k0 + k, count, ep);
}

/* Whole blocks of KB_AVX2 channels with the count known (no selects in the
 * tap loop), and the last partial block; stride 1 or 2. */
static void segment_avx2(float *out, size_t p_total, size_t offset, const float *padded, size_t row, size_t rows,
                         const float *weight, const pp_conv_shape *s, int k0, int kb, int oy, int ox0, int count,
                         const pp_epilogue *ep)
{
    if (s->stride == 2)
        segment_avx2_body(out, p_total, offset, padded, row, rows, weight, s, k0, kb, oy, ox0, count, ep, 2);
    else if (kb == KB_AVX2)
        segment_avx2_body(out, p_total, offset, padded, row, rows, weight, s, k0, KB_AVX2, oy, ox0, count, ep, 1);
    else
        segment_avx2_body(out, p_total, offset, padded, row, rows, weight, s, k0, kb, oy, ox0, count, ep, 1);
}

void pp_direct_conv_forward(float *out, const float *in, const float *weight, const pp_conv_shape *s, int n, int h,
                            int w, const pp_epilogue *ep, float *workspace, int threads)
{
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad), wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    const size_t out_plane = (size_t)ho * wo, p_total = (size_t)n * out_plane;
    const size_t row = padded_row(s, w), rows = (size_t)h + 2 * s->pad;
    const size_t total_rows = (size_t)n * ho;
    const pp_cpu_path_kind path = pp_cpu_path();
    void (*const segment)(float *, size_t, size_t, const float *, size_t, size_t, const float *,
                          const pp_conv_shape *, int, int, int, int, int, const pp_epilogue *) =
        path == PP_CPU_AVX512 ? segment_v4 : path == PP_CPU_AVX2 ? segment_avx2 : segment_v3;
    const int kb_step = path == PP_CPU_AVX2 ? KB_AVX2 : KB;
#pragma omp parallel num_threads(pp_threads_clamp(threads))
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *padded = workspace + (size_t)t * padded_image(s, h, w);
        int have = -1; /* the image in `padded` */
        for (size_t r = total_rows * t / nt; r < total_rows * (t + 1) / nt; r++) {
            const int img = (int)(r / ho), oy = (int)(r % ho);
            if (img != have) {
                fill_padded(padded, in, s, n, img, h, w, have < 0);
                have = img;
            }
            const size_t at = (size_t)img * out_plane + (size_t)oy * wo;
            for (int k0 = 0; k0 < s->cout; k0 += kb_step)
                for (int ox0 = 0; ox0 < wo; ox0 += SEG)
                    segment(out, p_total, at + ox0, padded, row, rows, weight, s, k0,
                            s->cout - k0 < kb_step ? s->cout - k0 : kb_step, oy, ox0, wo - ox0 < SEG ? wo - ox0 : SEG,
                            ep);
        }
    }
}

/* ---- weight gradient ---- */

#define JB 3 /* kernel columns accumulated together: KB x JB accumulators */

bool pp_direct_conv_weight_grad_available(const pp_conv_shape *s)
{
    return pp_direct_conv_preferred(s) && pp_cpu_path() >= PP_CPU_AVX2;
}

size_t pp_direct_conv_weight_grad_workspace_floats(const pp_conv_shape *s, int h, int w, int threads)
{
    const size_t weights = (size_t)s->cout * s->cin * s->kh * s->kw;
    return (padded_image(s, h, w) + weights) * (size_t)pp_threads_clamp(threads);
}

/* partial[k][c][i][j] += sum over the image's output pixels of dy[k] times the
 * input under tap (i, j), for channels [k0, k0 + kb), row i, columns
 * [j0, j0 + jb) of input channel c: KB x JB sums held in registers over the
 * whole image. AVX-512 and AVX2 below (the caller checks the path); on the
 * portable path the column-matrix one runs. */
__attribute__((target("avx512f"))) static void
weight_grad_block(float *partial, const float *dy_img, size_t p_total, const float *padded, size_t row, size_t rows,
                  const pp_conv_shape *s, int ho, int wo, int k0, int kb, int c, int i, int j0, int jb)
{
    __m512 acc[KB][JB];
#pragma GCC unroll 8
    for (int k = 0; k < KB; k++)
#pragma GCC unroll 3
        for (int j = 0; j < JB; j++)
            acc[k][j] = _mm512_setzero_ps();
    for (int oy = 0; oy < ho; oy++) {
        const float *xrow = padded + ((size_t)c * rows + oy + i) * row + j0;
        const float *grow = dy_img + (size_t)k0 * p_total + (size_t)oy * wo;
        for (int ox0 = 0; ox0 < wo; ox0 += SEG) {
            const __mmask16 mask = wo - ox0 >= SEG ? 0xffff : (__mmask16)((1u << (wo - ox0)) - 1);
            __m512 g[KB];
#pragma GCC unroll 8
            for (int k = 0; k < KB; k++)
                g[k] = k < kb ? _mm512_maskz_loadu_ps(mask, grow + (size_t)k * p_total + ox0) : _mm512_setzero_ps();
#pragma GCC unroll 3
            for (int j = 0; j < JB; j++) {
                const __m512 x = _mm512_maskz_loadu_ps(j < jb ? mask : 0, xrow + ox0 + j);
#pragma GCC unroll 8
                for (int k = 0; k < KB; k++)
                    acc[k][j] = _mm512_fmadd_ps(g[k], x, acc[k][j]);
            }
        }
    }
    const int taps = s->kh * s->kw;
    for (int k = 0; k < kb; k++)
        for (int j = 0; j < jb; j++)
            partial[((size_t)(k0 + k) * s->cin + c) * taps + i * s->kw + j0 + j] += _mm512_reduce_add_ps(acc[k][j]);
}

/* The AVX2 form: 8-pixel segments, KB_AVX2 x JB sums in 12 of the 16 ymm
 * registers (the gradients are read from memory by the FMAs). */
#define SEG_AVX2 8

static void weight_grad_block_avx2(float *partial, const float *dy_img, size_t p_total, const float *padded,
                                   size_t row, size_t rows, const pp_conv_shape *s, int ho, int wo, int k0, int kb,
                                   int c, int i, int j0, int jb)
{
    __m256 acc[KB_AVX2][JB];
#pragma GCC unroll 4
    for (int k = 0; k < KB_AVX2; k++)
#pragma GCC unroll 3
        for (int j = 0; j < JB; j++)
            acc[k][j] = _mm256_setzero_ps();
    const __m256i none = _mm256_setzero_si256();
    for (int oy = 0; oy < ho; oy++) {
        const float *xrow = padded + ((size_t)c * rows + oy + i) * row + j0;
        const float *grow = dy_img + (size_t)k0 * p_total + (size_t)oy * wo;
        for (int ox0 = 0; ox0 < wo; ox0 += SEG_AVX2) {
            const __m256i mask = pp_avx2_lane_mask(wo - ox0);
            __m256 x[JB];
#pragma GCC unroll 3
            for (int j = 0; j < JB; j++)
                x[j] = _mm256_maskload_ps(xrow + ox0 + j, j < jb ? mask : none);
#pragma GCC unroll 4
            for (int k = 0; k < KB_AVX2; k++) {
                const __m256 g = _mm256_maskload_ps(grow + (size_t)k * p_total + ox0, k < kb ? mask : none);
#pragma GCC unroll 3
                for (int j = 0; j < JB; j++)
                    acc[k][j] = _mm256_fmadd_ps(g, x[j], acc[k][j]);
            }
        }
    }
    const int taps = s->kh * s->kw;
    for (int k = 0; k < kb; k++)
        for (int j = 0; j < jb; j++) {
            __m128 v = _mm_add_ps(_mm256_castps256_ps128(acc[k][j]), _mm256_extractf128_ps(acc[k][j], 1));
            v = _mm_add_ps(v, _mm_movehl_ps(v, v));
            v = _mm_add_ss(v, _mm_movehdup_ps(v));
            partial[((size_t)(k0 + k) * s->cin + c) * taps + i * s->kw + j0 + j] += _mm_cvtss_f32(v);
        }
}

void pp_direct_conv_weight_grad(float *dw, const float *dy, const float *x, const pp_conv_shape *s, int n, int h,
                                int w, float *workspace, int threads)
{
    const int ho = pp_conv_out_size(h, s->kh, 1, s->pad), wo = pp_conv_out_size(w, s->kw, 1, s->pad);
    const size_t out_plane = (size_t)ho * wo, p_total = (size_t)n * out_plane;
    const size_t row = padded_row(s, w), rows = (size_t)h + 2 * s->pad;
    const size_t weights = (size_t)s->cout * s->cin * s->kh * s->kw;
    const size_t per_thread = padded_image(s, h, w) + weights;
    const bool avx512 = pp_cpu_path() == PP_CPU_AVX512;
    const int kb_step = avx512 ? KB : KB_AVX2;
#pragma omp parallel num_threads(pp_threads_clamp(threads))
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *partial = workspace + (size_t)t * per_thread, *padded = partial + weights;
        memset(partial, 0, sizeof(float) * weights);
        for (int img = n * t / nt; img < n * (t + 1) / nt; img++) {
            fill_padded(padded, x, s, n, img, h, w, img == n * t / nt);
            for (int c = 0; c < s->cin; c++)
                for (int i = 0; i < s->kh; i++)
                    for (int k0 = 0; k0 < s->cout; k0 += kb_step)
                        for (int j0 = 0; j0 < s->kw; j0 += JB) {
                            const int kb = s->cout - k0 < kb_step ? s->cout - k0 : kb_step;
                            const int jb = s->kw - j0 < JB ? s->kw - j0 : JB;
                            (avx512 ? weight_grad_block : weight_grad_block_avx2)(
                                partial, dy + (size_t)img * out_plane, p_total, padded, row, rows, s, ho, wo, k0, kb,
                                c, i, j0, jb);
                        }
        }
#pragma omp barrier
        /* each thread sums a band of the partials into dw */
        const size_t r0 = weights * t / nt, r1 = weights * (t + 1) / nt;
        for (int u = 0; u < nt; u++) {
            const float *part = workspace + (size_t)u * per_thread;
            for (size_t q = r0; q < r1; q++)
                dw[q] += part[q];
        }
    }
}
