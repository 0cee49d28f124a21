#include "weight_grad_avx2.h"

#include <immintrin.h>
#include <omp.h>
#include <string.h>

#include "../cpu.h"
#include "../threads.h"
#include "avx2_transpose.h"

#define TAPS 3 /* kernel rows and columns */
/* Images go in groups of at least this many output pixels (so the sums stay
 * in registers long enough to pay for their load and store), within about
 * 256 KB of padded input and dy panels (L2). */
#define GROUP_PIXELS 256
#define GROUP_BUDGET_FLOATS ((size_t)64 << 10)

typedef struct {
    const pp_conv_shape *s;
    int n, h, w, ho, wo;
    int kv;           /* output channels per panel: 16 (two vectors) or 8 */
    size_t row, rows; /* padded image: row length, rows per channel */
    size_t image;     /* floats of one padded image, all channels */
    size_t out_plane, depth;
    int group; /* images per group */
} geometry;

static size_t round16(size_t floats)
{
    return (floats + 15) & ~(size_t)15;
}

static geometry geometry_of(const pp_conv_shape *s, int n, int h, int w)
{
    geometry g = {.s = s, .n = n, .h = h, .w = w};
    g.ho = pp_conv_out_size(h, TAPS, s->stride, s->pad);
    g.wo = pp_conv_out_size(w, TAPS, s->stride, s->pad);
    g.kv = s->cout % 16 == 0 ? 16 : 8;
    g.row = (size_t)w + 2 * s->pad;
    g.rows = (size_t)h + 2 * s->pad;
    g.image = (size_t)s->cin * g.rows * g.row;
    g.out_plane = (size_t)g.ho * g.wo;
    g.depth = (size_t)s->cin * TAPS * TAPS;
    const size_t per_image = g.image + (size_t)s->cout * g.out_plane;
    size_t group = (GROUP_PIXELS + g.out_plane - 1) / g.out_plane;
    while (group > 1 && group * per_image > GROUP_BUDGET_FLOATS)
        group--;
    g.group = group > (size_t)n ? n : (int)group;
    if (g.group < 1)
        g.group = 1;
    return g;
}

/* Per thread: a partial (9C, K), the group's padded images and its dy panels. */
static size_t thread_floats(const geometry *g)
{
    return round16(g->depth * g->s->cout) + round16(g->group * g->image) +
           round16(g->group * (size_t)g->s->cout * g->out_plane);
}

bool pp_weight_grad_avx2_supports(const pp_conv_shape *s)
{
    return s->kh == TAPS && s->kw == TAPS && pp_conv_groups(s) == 1 && s->cout % 8 == 0 && s->stride >= 1;
}

/* Measured faster than the column GEMM and than the AVX-512 direct kernel for
 * the demo ResNet18's layers; not where its (9C, K) partial, read and written
 * once per group of images, outgrows the L2: 256 and 512 channels (CIFAR
 * ResNet18's last stages) ran 1.2-2.6x faster by the column GEMM on Emerald
 * Rapids (2 MB L2), 128 -> 256 about even. */
#define LANE_PARTIAL_FLOATS ((size_t)320 << 10)

bool pp_weight_grad_avx2_preferred(const pp_conv_shape *s)
{
    return pp_cpu_path() >= PP_CPU_AVX2 && pp_weight_grad_avx2_supports(s) &&
           (size_t)9 * s->cin * s->cout <= LANE_PARTIAL_FLOATS;
}

size_t pp_weight_grad_avx2_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    const geometry g = geometry_of(s, n, h, w);
    return thread_floats(&g) * (size_t)pp_threads_clamp(threads);
}

/* The group's images [img0, img0 + count) zero-padded into xg, and its dy as
 * panels: panel[kb][pixel][kv] holds channels kb * kv ... for each pixel. */
static void fill_group(float *xg, float *panel, const geometry *g, const float *x, const float *dy, int img0,
                       int count)
{
    const pp_conv_shape *s = g->s;
    const size_t plane = (size_t)g->h * g->w, p_total = (size_t)g->n * g->out_plane;
    const size_t pixels = (size_t)count * g->out_plane;
    const int pad = s->pad;
    for (int q = 0; q < count; q++)
        for (int c = 0; c < s->cin; c++) {
            float *dst = xg + q * g->image + (size_t)c * g->rows * g->row;
            const float *src = x + ((size_t)c * g->n + img0 + q) * plane;
            /* rows are short (4 to 32 floats): loops, not library calls */
            memset(dst, 0, sizeof(float) * g->row * pad);
            memset(dst + (g->rows - pad) * g->row, 0, sizeof(float) * g->row * pad);
            for (int y = 0; y < g->h; y++) {
                float *d = dst + (size_t)(y + pad) * g->row;
                const float *r = src + (size_t)y * g->w;
                for (int i = 0; i < pad; i++)
                    d[i] = d[pad + g->w + i] = 0.0f;
                for (int i = 0; i < g->w; i++)
                    d[pad + i] = r[i];
            }
        }
    const int kv = g->kv;
    for (int k8 = 0; k8 < s->cout; k8 += 8) {
        /* the group's pixels are contiguous in each channel */
        const float *src = dy + (size_t)k8 * p_total + (size_t)img0 * g->out_plane;
        float *dst = panel + (size_t)(k8 / kv) * pixels * kv + k8 % kv;
        size_t p = 0;
        for (; p + 8 <= pixels; p += 8) {
            __m256 r[8];
            for (int v = 0; v < 8; v++)
                r[v] = _mm256_loadu_ps(src + (size_t)v * p_total + p);
            pp_transpose8(r);
            for (int q = 0; q < 8; q++)
                _mm256_storeu_ps(dst + (p + q) * kv, r[q]);
        }
        for (; p < pixels; p++)
            for (int v = 0; v < 8; v++)
                dst[p * kv + v] = src[(size_t)v * p_total + p];
    }
}

/* xr[r]: the input row that kernel row q0 + r (channel q / 3, tap row q % 3)
 * reads for output row oy of image img; both blocks' kernels walk these. */
static inline __attribute__((always_inline)) void input_rows(const float *xr[4], const float *xg, const geometry *g,
                                                             int img, int oy, int q0, const int R)
{
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
        const int q = q0 + r, c = q / TAPS, i = q % TAPS;
        xr[r] = xg + img * g->image + ((size_t)c * g->rows + (size_t)oy * g->s->stride + i) * g->row;
    }
}

/* part[(q * 3 + j) * K + kb * KV ...] += the sums over the group for kernel
 * rows q = c * 3 + i in [q0, q0 + R), columns j, channel panel kb:
 * R * 3 * KV / 8 = 12 accumulators (KV 16 with R 2, KV 8 with R 4). */
static inline __attribute__((always_inline)) void block(float *part, const float *xg, const float *panel,
                                                        const geometry *g, int count, int kb, int q0, const int R,
                                                        const int KV)
{
    __m256 acc[4][TAPS][2];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
#pragma GCC unroll 3
        for (int j = 0; j < TAPS; j++)
            acc[r][j][0] = acc[r][j][1] = _mm256_setzero_ps();
    const int stride = g->s->stride;
    const float *pp = panel + (size_t)kb * count * g->out_plane * KV;
    for (int img = 0; img < count; img++)
        for (int oy = 0; oy < g->ho; oy++) {
            const float *xr[4];
            input_rows(xr, xg, g, img, oy, q0, R);
            for (int ox = 0; ox < g->wo; ox++, pp += KV) {
                const __m256 d0 = _mm256_loadu_ps(pp);
                const __m256 d1 = KV == 16 ? _mm256_loadu_ps(pp + 8) : _mm256_setzero_ps();
                const int at = ox * stride;
#pragma GCC unroll 4
                for (int r = 0; r < R; r++)
#pragma GCC unroll 3
                    for (int j = 0; j < TAPS; j++) {
                        const __m256 xv = _mm256_broadcast_ss(xr[r] + at + j);
                        acc[r][j][0] = _mm256_fmadd_ps(xv, d0, acc[r][j][0]);
                        if (KV == 16)
                            acc[r][j][1] = _mm256_fmadd_ps(xv, d1, acc[r][j][1]);
                    }
            }
        }
    const int k_count = g->s->cout;
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 3
        for (int j = 0; j < TAPS; j++)
#pragma GCC unroll 2
            for (int v = 0; v < KV / 8; v++) {
                float *dst = part + ((size_t)(q0 + r) * TAPS + j) * k_count + kb * KV + v * 8;
                _mm256_storeu_ps(dst, _mm256_add_ps(_mm256_loadu_ps(dst), acc[r][j][v]));
            }
}

#define BLOCK_FN(NAME, R, KV)                                                                                      \
    static void NAME(float *part, const float *xg, const float *panel, const geometry *g, int count, int kb, int q0) \
    {                                                                                                              \
        block(part, xg, panel, g, count, kb, q0, R, KV);                                                           \
    }
BLOCK_FN(block16x2, 2, 16)
BLOCK_FN(block16x1, 1, 16)
BLOCK_FN(block8x4, 4, 8)
BLOCK_FN(block8x3, 3, 8)
BLOCK_FN(block8x2, 2, 8)
BLOCK_FN(block8x1, 1, 8)

/* The AVX-512 form of block for 16-channel panels: each pixel's dy one zmm,
 * R = 4 kernel rows (12 zmm sums), so the panel is read half as often. Each
 * sum takes the same products in the same order as the AVX2 form (one FMA
 * each): the same bits. */
PP_ISA_V4 static inline __attribute__((always_inline)) void block_v4(float *part, const float *xg, const float *panel,
                                                                     const geometry *g, int count, int kb, int q0,
                                                                     const int R)
{
    __m512 acc[4][TAPS];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
#pragma GCC unroll 3
        for (int j = 0; j < TAPS; j++)
            acc[r][j] = _mm512_setzero_ps();
    const int stride = g->s->stride;
    const float *pp = panel + (size_t)kb * count * g->out_plane * 16;
    for (int img = 0; img < count; img++)
        for (int oy = 0; oy < g->ho; oy++) {
            const float *xr[4];
            input_rows(xr, xg, g, img, oy, q0, R);
            for (int ox = 0; ox < g->wo; ox++, pp += 16) {
                const __m512 d = _mm512_loadu_ps(pp);
                const int at = ox * stride;
#pragma GCC unroll 4
                for (int r = 0; r < R; r++)
#pragma GCC unroll 3
                    for (int j = 0; j < TAPS; j++)
                        acc[r][j] = _mm512_fmadd_ps(_mm512_set1_ps(xr[r][at + j]), d, acc[r][j]);
            }
        }
    const int k_count = g->s->cout;
#pragma GCC unroll 4
    for (int r = 0; r < R; r++)
#pragma GCC unroll 3
        for (int j = 0; j < TAPS; j++) {
            float *dst = part + ((size_t)(q0 + r) * TAPS + j) * k_count + kb * 16;
            _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), acc[r][j]));
        }
}

#define BLOCK_V4_FN(NAME, R)                                                                                       \
    PP_ISA_V4 static void NAME(float *part, const float *xg, const float *panel, const geometry *g, int count,    \
                               int kb, int q0)                                                                     \
    {                                                                                                              \
        block_v4(part, xg, panel, g, count, kb, q0, R);                                                            \
    }
BLOCK_V4_FN(block16x4_v4, 4)
BLOCK_V4_FN(block16x3_v4, 3)
BLOCK_V4_FN(block16x2_v4, 2)
BLOCK_V4_FN(block16x1_v4, 1)

/* One panel's rows: blocks of four rows, then the 1-3 left over, by the kernels
 * for that many rows (by_rows[r]: r rows; by_rows[4] also takes the blocks). */
typedef void block_fn(float *part, const float *xg, const float *panel, const geometry *g, int count, int kb, int q0);

static void row_blocks(block_fn *const by_rows[5], float *part, const float *xg, const float *panel,
                       const geometry *g, int count, int kb, int rows)
{
    int q0 = 0;
    for (; q0 + 4 <= rows; q0 += 4)
        by_rows[4](part, xg, panel, g, count, kb, q0);
    if (q0 < rows)
        by_rows[rows - q0](part, xg, panel, g, count, kb, q0);
}

static void group_sums(float *part, const float *xg, const float *panel, const geometry *g, int count)
{
    static block_fn *const v4_16[5] = {NULL, block16x1_v4, block16x2_v4, block16x3_v4, block16x4_v4};
    static block_fn *const lanes_8[5] = {NULL, block8x1, block8x2, block8x3, block8x4};
    const int rows = g->s->cin * TAPS;
    const bool v4 = pp_cpu_path() == PP_CPU_AVX512;
    for (int kb = 0; kb < g->s->cout / g->kv; kb++) {
        if (g->kv == 16 && v4) {
            row_blocks(v4_16, part, xg, panel, g, count, kb, rows);
        } else if (g->kv == 16) { /* two rows a block: 16 lanes x 4 rows would spill the 16 ymm registers */
            int q0 = 0;
            for (; q0 + 2 <= rows; q0 += 2)
                block16x2(part, xg, panel, g, count, kb, q0);
            if (q0 < rows)
                block16x1(part, xg, panel, g, count, kb, q0);
        } else {
            row_blocks(lanes_8, part, xg, panel, g, count, kb, rows);
        }
    }
}

void pp_weight_grad_avx2(float *dw, const float *dy, const float *x, const pp_conv_shape *s, int n, int h, int w,
                         float *workspace, int threads)
{
    const geometry g = geometry_of(s, n, h, w);
    const size_t per_thread = thread_floats(&g), weights = g.depth * s->cout;
    const int groups = (n + g.group - 1) / g.group;
    threads = pp_threads_clamp(threads);
#pragma omp parallel num_threads(threads < groups ? threads : groups)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *part = workspace + (size_t)t * per_thread;
        float *xg = part + round16(weights);
        float *panel = xg + round16(g.group * g.image);
        memset(part, 0, sizeof(float) * weights);
        const int i1 = n * (t + 1) / nt;
        for (int img = n * t / nt; img < i1; img += g.group) {
            const int count = i1 - img < g.group ? i1 - img : g.group;
            fill_group(xg, panel, &g, x, dy, img, count);
            group_sums(part, xg, panel, &g, count);
        }
#pragma omp barrier
        /* dw (K, 9C) += the partials (9C, K), transposed, a band of k each;
         * eight taps at a time, so partial rows are read along k and dw rows
         * written in runs (the wide layers' partials are megabytes) */
        const int k0 = s->cout * t / nt, k1 = s->cout * (t + 1) / nt;
        for (size_t d0 = 0; d0 < g.depth; d0 += 8) {
            const size_t d1 = d0 + 8 < g.depth ? d0 + 8 : g.depth;
            for (int k = k0; k < k1; k++)
                for (size_t d = d0; d < d1; d++) {
                    float sum = 0.0f;
                    for (int u = 0; u < nt; u++)
                        sum += workspace[(size_t)u * per_thread + d * s->cout + k];
                    dw[(size_t)k * g.depth + d] += sum;
                }
        }
    }
}
