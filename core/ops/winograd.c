#include "winograd.h"
#include "weight_grad_avx2.h"

#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cpu.h"
#include "../tensor.h"
#include "../threads.h"
#include "avx2_transpose.h"
#include "avx512_transpose.h"
#include "gemm.h"
#include "relu.h"

#define TILE 4  /* output tile side */
#define PATCH 6 /* input tile side: TILE + 3 - 1 */
#define POSITIONS (PATCH * PATCH)

/* Per thread, the transformed inputs and products of a chunk of tiles take
 * at most this many floats (16 MB): wide layers still get GEMMs of 100+ columns. */
#define CHUNK_BUDGET_FLOATS ((size_t)1 << 22)
/* ... and, when the layer is narrow, about this many (1 MB, a core's L2 here):
 * the 36 GEMMs then read the transformed inputs and the output transform the
 * products from the cache, not from memory (WRN-40-2's 32..128 channels). */
#define CHUNK_CACHE_FLOATS ((size_t)1 << 18)

/* The transforms work on LANES tiles at once, with the tile index innermost, so
 * the compiler turns every 1-D transform into whole-vector arithmetic. */
#define LANES 16
typedef float lanes[LANES];

bool pp_winograd_supports(const pp_conv_shape *s)
{
    return s->kh == 3 && s->kw == 3 && s->stride == 1 && pp_conv_groups(s) == 1;
}

static size_t tile_count(const pp_conv_shape *s, int n, int h, int w, int *tiles_y, int *tiles_x)
{
    int ho = pp_conv_out_size(h, 3, 1, s->pad), wo = pp_conv_out_size(w, 3, 1, s->pad);
    *tiles_y = (ho + TILE - 1) / TILE;
    *tiles_x = (wo + TILE - 1) / TILE;
    return (size_t)n * *tiles_y * *tiles_x;
}

/* The AVX2 gathers read each 6-float patch row as 8 floats: the last tile's
 * last row reads 2 past the plane, hence the slack. */
#define PADDED_SLACK 8

static size_t padded_plane_floats(int tiles_y, int tiles_x)
{
    return (size_t)(tiles_y * TILE + 2) * (tiles_x * TILE + 2) + PADDED_SLACK;
}

static size_t chunk_tiles(const pp_conv_shape *s, size_t tiles)
{
    size_t per_tile = (size_t)POSITIONS * (s->cin + s->cout);
    /* a chunk of at least max(C, K) tiles reads the layer's 36 C x K kernels
     * no more often than the activations it transforms */
    const size_t widest = (size_t)(s->cin > s->cout ? s->cin : s->cout);
    size_t chunk = CHUNK_CACHE_FLOATS / per_tile;
    chunk = chunk > widest ? chunk : widest;
    if (chunk > CHUNK_BUDGET_FLOATS / per_tile)
        chunk = CHUNK_BUDGET_FLOATS / per_tile;
    if (chunk < 16)
        chunk = 16;
    return chunk < tiles ? chunk : tiles;
}

/* One GEMM-packed (cout x cin) matrix per patch position. */
static size_t position_floats(const pp_conv_shape *s)
{
    return pp_gemm_packed_floats(s->cout, s->cin);
}

size_t pp_winograd_weight_floats(const pp_conv_shape *s)
{
    return (size_t)POSITIONS * position_floats(s);
}

/* G applied to LANES kernels at once (lanes: consecutive input channels). */
static inline void kernel_1d_lanes(lanes *o, size_t so, const lanes *g0, const lanes *g1, const lanes *g2)
{
    const float q = 0.25f, s = 1.0f / 6, t = 1.0f / 12, v = 1.0f / 24;
    for (int l = 0; l < LANES; l++) {
        float a = (*g0)[l], b = (*g1)[l], c = (*g2)[l];
        o[0][l] = q * a;
        o[so][l] = -s * (a + b + c);
        o[2 * so][l] = -s * (a - b + c);
        o[3 * so][l] = v * a + t * b + s * c;
        o[4 * so][l] = v * a - t * b + s * c;
        o[5 * so][l] = c;
    }
}

/* G g G^T for the kernels of output channel k, input channels [c0, c0 + count)
 * (count <= LANES), into dst[pos * stride + (c - c0)]. */
static void transform_kernels(float *dst, size_t stride, const float *weight, int count)
{
    lanes g[9], t[PATCH * 3], r[PATCH * PATCH];
    for (int l = 0; l < LANES; l++)
        for (int e = 0; e < 9; e++)
            g[e][l] = l < count ? weight[(size_t)l * 9 + e] : 0.0f;
    for (int col = 0; col < 3; col++) /* G g */
        kernel_1d_lanes(t + col, 3, &g[col], &g[3 + col], &g[6 + col]);
    for (int row = 0; row < PATCH; row++) /* (G g) G^T */
        kernel_1d_lanes(r + row * PATCH, 1, &t[row * 3], &t[row * 3 + 1], &t[row * 3 + 2]);
    for (int pos = 0; pos < PATCH * PATCH; pos++)
        memcpy(dst + (size_t)pos * stride, r[pos], sizeof(float) * (size_t)count);
}

/* Bands of output channels are transformed into a row-major scratch (36
 * sequential streams) and then packed for the GEMM band by band. */
bool pp_winograd_transform_weights(float *u, const float *weight, const pp_conv_shape *s, int threads)
{
    const int band = PP_GEMM_ROW_BAND, bands = (s->cout + band - 1) / band;
    threads = pp_threads_clamp(threads);
    const size_t stride = position_floats(s), band_floats = (size_t)band * s->cin;
    float *scratch = pp_aligned_alloc(sizeof(float) * POSITIONS * band_floats * (size_t)threads);
    if (!scratch)
        return false;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int b = 0; b < bands; b++) {
        float *t = scratch + (size_t)omp_get_thread_num() * POSITIONS * band_floats;
        const int k0 = b * band, rows = s->cout - k0 < band ? s->cout - k0 : band;
        for (int k = 0; k < rows; k++)
            for (int c = 0; c < s->cin; c += LANES)
                transform_kernels(t + (size_t)k * s->cin + c, band_floats,
                                  weight + ((size_t)(k0 + k) * s->cin + c) * 9,
                                  s->cin - c < LANES ? s->cin - c : LANES);
        for (int pos = 0; pos < POSITIONS; pos++)
            pp_gemm_pack_rows(u + pos * stride, s->cout, s->cin, k0, t + pos * band_floats, s->cin, rows);
    }
    free(scratch);
    return true;
}

/* The columns a chunk's matrices are laid out with: whole B panels of the
 * widest GEMM kernel (32), so the input transform can write them packed. */
#define MAX_B_PANEL 32

static size_t chunk_columns(size_t chunk)
{
    return (chunk + MAX_B_PANEL - 1) / MAX_B_PANEL * MAX_B_PANEL;
}

/* The forward's chunk: chunk_tiles' rounded down to whole B panels where that
 * keeps at least max(C, K) tiles, since the columns past the last tile are
 * laid out (and transformed) too and would push the chunk's v and m out of
 * L2 (WRN-40-2's 32-channel layers: 113 tiles in 128 columns make 1.33 MB
 * with the kernels, 96 in 96 make 1.03 MB). */
static size_t forward_chunk_tiles(const pp_conv_shape *s, size_t tiles)
{
    const size_t chunk = chunk_tiles(s, tiles), whole = chunk / MAX_B_PANEL * MAX_B_PANEL;
    const size_t widest = (size_t)(s->cin > s->cout ? s->cin : s->cout);
    return chunk < tiles && whole >= widest && whole > 0 ? whole : chunk;
}

/* One thread's part: v (36, C, cols), m (36, K, cols), the padded plane;
 * whole 64-byte lines, so every thread's v is aligned for the GEMM. */
static size_t thread_floats(const pp_conv_shape *s, size_t chunk, int tiles_y, int tiles_x)
{
    size_t f = chunk_columns(chunk) * POSITIONS * (size_t)(s->cin + s->cout) + padded_plane_floats(tiles_y, tiles_x);
    return (f + 15) & ~(size_t)15;
}

/* The shared chunk of shared_forward: v and m of all tiles, then each
 * thread's padded plane. */
static size_t shared_floats(const pp_conv_shape *s, size_t tiles, int tiles_y, int tiles_x, int threads)
{
    return chunk_columns(tiles) * POSITIONS * (size_t)(s->cin + s->cout) +
           ((padded_plane_floats(tiles_y, tiles_x) + 15) & ~(size_t)15) * (size_t)threads;
}

/* Whether the threads share one chunk of few tiles (shared_forward): below
 * 64 tiles per thread, when that chunk stays within the threads' budget. */
static bool shares_tiles(const pp_conv_shape *s, size_t tiles, int threads)
{
    return threads > 1 && tiles < (size_t)64 * threads &&
           chunk_columns(tiles) * POSITIONS * (size_t)(s->cin + s->cout) <= CHUNK_BUDGET_FLOATS * (size_t)threads;
}

bool pp_winograd_preferred(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    int ty, tx;
    /* Below 16 channels the transforms cost more than the multiplies they save. */
    if (!pp_winograd_supports(s) || s->cin < 16 || s->cout < 16)
        return false;
    /* Few tiles make 36 thin GEMMs that lose to one im2col GEMM (measured:
     * Winograd wins from about 16 tiles per thread, loses at 4); threads that
     * share one chunk (shares_tiles) make 16-column GEMMs from 16 tiles in all. */
    threads = pp_threads_clamp(threads);
    const size_t tiles = tile_count(s, n, h, w, &ty, &tx);
    return tiles >= (size_t)16 * threads || (tiles >= 16 && shares_tiles(s, tiles, threads));
}

size_t pp_winograd_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    int ty, tx;
    threads = pp_threads_clamp(threads);
    size_t tiles = tile_count(s, n, h, w, &ty, &tx);
    size_t chunk = chunk_tiles(s, (tiles + threads - 1) / threads);
    size_t split = thread_floats(s, chunk, ty, tx) * threads;
    size_t shared = shares_tiles(s, tiles, threads) ? shared_floats(s, tiles, ty, tx, threads) : 0;
    return (split > shared ? split : shared) + 16; /* + 16: room to align the start */
}


/* B^T d over LANES tiles: 6 inputs with stride sd, 6 outputs with stride so. */
static inline void input_1d(lanes *o, size_t so, const lanes *d, size_t sd)
{
    for (int l = 0; l < LANES; l++) {
        float d0 = d[0][l], d1 = d[sd][l], d2 = d[2 * sd][l], d3 = d[3 * sd][l], d4 = d[4 * sd][l],
              d5 = d[5 * sd][l];
        o[0][l] = 4 * d0 - 5 * d2 + d4;
        o[so][l] = -4 * d1 - 4 * d2 + d3 + d4;
        o[2 * so][l] = 4 * d1 - 4 * d2 - d3 + d4;
        o[3 * so][l] = -2 * d1 - d2 + 2 * d3 + d4;
        o[4 * so][l] = 2 * d1 - d2 - 2 * d3 + d4;
        o[5 * so][l] = 4 * d1 - 5 * d3 + d5;
    }
}

/* A^T m over LANES tiles: 6 inputs with stride sm, 4 outputs with stride so. */
static inline void output_1d(lanes *o, size_t so, const lanes *m, size_t sm)
{
    for (int l = 0; l < LANES; l++) {
        float m0 = m[0][l], m1 = m[sm][l], m2 = m[2 * sm][l], m3 = m[3 * sm][l], m4 = m[4 * sm][l],
              m5 = m[5 * sm][l];
        o[0][l] = m0 + m1 + m2 + m3 + m4;
        o[so][l] = m1 - m2 + 2 * (m3 - m4);
        o[2 * so][l] = m1 + m2 + 4 * (m3 + m4);
        o[3 * so][l] = m1 - m2 + 8 * (m3 - m4) + m5;
    }
}

typedef struct {
    const pp_conv_shape *s;
    int n, h, w, ho, wo, tiles_y, tiles_x;
    const pp_epilogue *pre; /* per input channel scale, shift, ReLU as it is read, or NULL */
} geometry;

/* Walks tiles in order without divisions. */
typedef struct {
    int img, ty, tx;
} tile_cursor;

static tile_cursor cursor_at(const geometry *g, size_t t)
{
    size_t per_image = (size_t)g->tiles_y * g->tiles_x;
    tile_cursor k = {(int)(t / per_image), (int)(t % per_image) / g->tiles_x, (int)(t % per_image) % g->tiles_x};
    return k;
}

static void cursor_next(tile_cursor *k, const geometry *g)
{
    if (++k->tx == g->tiles_x) {
        k->tx = 0;
        if (++k->ty == g->tiles_y) {
            k->ty = 0;
            k->img++;
        }
    }
}

/* Every tile reads a full 6x6 patch of this zero-padded copy of one input
 * plane (one channel of one image), so the gathers need no bounds tests. */
typedef struct {
    float *data;
    int stride, rows, img; /* img: the image held, -1 before the first */
} padded_plane;

/* Rows [y0, y1) of the padded plane of input channel c (of one image); with
 * g->pre, activated as it is copied (the padding stays zero: the padding of
 * the activated input, as in PyTorch). Each cell is written once, the margins
 * as zeros; a chunk's tiles read only the rows of their own patches, so the
 * rows outside [y0, y1) (another chunk's) are left as they are. */
static void fill_padded(padded_plane *pp, const float *plane, const geometry *g, int c, int y0, int y1)
{
    const int pad = g->s->pad;
    const int cols = g->w + pad <= pp->stride ? g->w : pp->stride - pad; /* input columns that fit */
    const pp_epilogue *pre = g->pre;
    const float a = pre && pre->scale ? pre->scale[c] : 1.0f, b = pre && pre->shift ? pre->shift[c] : 0.0f;
    for (int y = y0; y < y1; y++) {
        float *dst = pp->data + (size_t)y * pp->stride;
        const int iy = y - pad;
        if (iy < 0 || iy >= g->h) {
            memset(dst, 0, sizeof(float) * (size_t)pp->stride);
            continue;
        }
        const float *src = plane + (size_t)iy * g->w;
        for (int x = 0; x < pad; x++)
            dst[x] = 0.0f;
        dst += pad;
        if (!pre)
            memcpy(dst, src, sizeof(float) * cols);
        else if (pre->relu)
            for (int x = 0; x < cols; x++)
                dst[x] = pp_relu(src[x] * a + b);
        else
            for (int x = 0; x < cols; x++)
                dst[x] = src[x] * a + b;
        for (int x = cols; x < pp->stride - pad; x++)
            dst[x] = 0.0f;
    }
}

/* The padded rows the tiles [t0, t0 + count) of image img read: from the
 * first tile's row in the chunk's first image to the last tile's patch in
 * its last image. */
typedef struct {
    tile_cursor first, last;
} chunk_span;

static void fill_for_chunk(padded_plane *pp, const float *plane, const geometry *g, int c, int img,
                           const chunk_span *span)
{
    const int y0 = img == span->first.img ? span->first.ty * TILE : 0;
    const int y1 = img == span->last.img ? span->last.ty * TILE + PATCH : pp->rows;
    fill_padded(pp, plane, g, c, y0, y1);
    pp->img = img;
    /* the next plane this chunk fills (the next image's, or the next channel's
     * first image's) fetched while this one's tiles are transformed: a plane
     * is a page or less, where the hardware prefetchers stop */
    const size_t hw = (size_t)g->h * g->w;
    const float *next = img < span->last.img ? plane + hw
                        : c + 1 < g->s->cin ? plane + (size_t)(g->n - img + span->first.img) * hw
                                            : NULL;
    for (size_t at = 0; next && at < hw; at += 16)
        __builtin_prefetch(next + at, 0);
}

/* The 6x6 patches of 16 tiles as 36 lane vectors: each patch is read as three
 * vectors by masked expand-loads (row pieces into consecutive lanes), then
 * three 16 x 16 transposes turn tiles x positions into positions x tiles. */
__attribute__((target("avx512f"))) static void gather_tiles_avx512(lanes *d, const float *const *tile,
                                                                   size_t stride)
{
    __m512 a[16], b[16], c[16];
    for (int l = 0; l < 16; l++) {
        const float *p = tile[l];
        __m512 v = _mm512_maskz_expandloadu_ps(0x003f, p); /* row 0 */
        v = _mm512_mask_expandloadu_ps(v, 0x0fc0, p + stride);    /* row 1 */
        a[l] = _mm512_mask_expandloadu_ps(v, 0xf000, p + 2 * stride); /* row 2, x 0-3 */
        v = _mm512_maskz_expandloadu_ps(0x0003, p + 2 * stride + 4); /* row 2, x 4-5 */
        v = _mm512_mask_expandloadu_ps(v, 0x00fc, p + 3 * stride);   /* row 3 */
        v = _mm512_mask_expandloadu_ps(v, 0x3f00, p + 4 * stride);   /* row 4 */
        b[l] = _mm512_mask_expandloadu_ps(v, 0xc000, p + 5 * stride); /* row 5, x 0-1 */
        c[l] = _mm512_maskz_expandloadu_ps(0x000f, p + 5 * stride + 2); /* row 5, x 2-5 */
    }
    pp_transpose16(a);
    pp_transpose16(b);
    pp_transpose16(c);
    for (int q = 0; q < 16; q++) {
        _mm512_storeu_ps(d[q], a[q]);
        _mm512_storeu_ps(d[16 + q], b[q]);
    }
    for (int q = 0; q < 4; q++)
        _mm512_storeu_ps(d[32 + q], c[q]);
}

/* The same with AVX2: per group of 8 tiles and patch row, 8-float loads (x 0-5
 * used) and an 8 x 8 transpose give the row's 6 positions across the tiles. */
static void gather_tiles_avx2(lanes *d, const float *const *tile, size_t stride)
{
    for (int g = 0; g < LANES; g += 8)
        for (int y = 0; y < PATCH; y++) {
            __m256 r[8];
            for (int l = 0; l < 8; l++)
                r[l] = _mm256_loadu_ps(tile[g + l] + (size_t)y * stride);
            pp_transpose8(r);
            for (int x = 0; x < PATCH; x++)
                _mm256_storeu_ps(d[y * PATCH + x] + g, r[x]);
        }
}

/* v: (36, C, chunk) for tiles [t0, t0 + count), channels [c0, c1) of C. Channels outer, tiles inner:
 * each of the 36 output streams is written sequentially. nr > 0: each
 * position's (C, chunk) matrix is written as the GEMM's B panels of nr
 * columns (gemm.h, pp_sgemm_packed_ab), so the GEMM does not repack it; a
 * group of LANES tiles is then one contiguous run of a panel row. */
static inline __attribute__((always_inline)) void transform_inputs_body(float *v, const float *in, const geometry *g,
                                                                         size_t t0, size_t count, size_t chunk,
                                                                         float *scratch, pp_cpu_path_kind path,
                                                                         int nr, int c0, int c1)
{
    const int c_count = g->s->cin;
    const size_t plane = (size_t)g->h * g->w, pos_stride = (size_t)c_count * chunk;
    padded_plane pp = {scratch, g->tiles_x * TILE + 2, g->tiles_y * TILE + 2, -1};
    const bool fast_gather = path >= PP_CPU_AVX2;
    const chunk_span span = {cursor_at(g, t0), cursor_at(g, t0 + count - 1)};
    for (int c = c0; c < c1; c++) {
        tile_cursor k = cursor_at(g, t0);
        pp.img = -1;
        for (size_t i = 0; i < count; i += LANES) {
            int nb = count - i < LANES ? (int)(count - i) : LANES;
            lanes d[PATCH * PATCH], tmp[PATCH * PATCH], res[PATCH * PATCH];
            bool gathered = false;
            if (nb == LANES && LANES == 16 && fast_gather) {
                tile_cursor last = k;
                for (int l = 1; l < LANES; l++)
                    cursor_next(&last, g);
                if (last.img == k.img) { /* all from one plane */
                    if (k.img != pp.img)
                        fill_for_chunk(&pp, in + ((size_t)c * g->n + k.img) * plane, g, c, k.img, &span);
                    const float *tile[LANES];
                    for (int l = 0; l < LANES; l++, cursor_next(&k, g))
                        tile[l] = pp.data + (size_t)k.ty * TILE * pp.stride + k.tx * TILE;
                    if (path == PP_CPU_AVX512)
                        gather_tiles_avx512(d, tile, (size_t)pp.stride);
                    else
                        gather_tiles_avx2(d, tile, (size_t)pp.stride);
                    gathered = true;
                }
            }
            for (int l = 0; l < nb && !gathered; l++, cursor_next(&k, g)) {
                if (k.img != pp.img)
                    fill_for_chunk(&pp, in + ((size_t)c * g->n + k.img) * plane, g, c, k.img, &span);
                const float *p = pp.data + (size_t)k.ty * TILE * pp.stride + k.tx * TILE;
                for (int y = 0; y < PATCH; y++, p += pp.stride)
                    for (int x = 0; x < PATCH; x++)
                        d[y * PATCH + x][l] = p[x];
            }
            for (int l = nb; l < LANES; l++)
                for (int q = 0; q < PATCH * PATCH; q++)
                    d[q][l] = 0;
            for (int x = 0; x < PATCH; x++) /* columns: tmp = B^T d */
                input_1d(tmp + x, PATCH, d + x, PATCH);
            for (int y = 0; y < PATCH; y++) /* rows: (B^T d) B */
                input_1d(res + y * PATCH, 1, tmp + y * PATCH, 1);
            if (nr) { /* lanes past nb are the transforms of zeros */
                float *dst = v + i / nr * c_count * (size_t)nr + (size_t)c * nr + i % nr;
                for (int pos = 0; pos < PATCH * PATCH; pos++)
                    memcpy(dst + (size_t)pos * pos_stride, res[pos], sizeof(lanes));
                continue;
            }
            float *dst = v + (size_t)c * chunk + i;
            if (nb == LANES) /* a constant size: whole-vector stores */
                for (int pos = 0; pos < PATCH * PATCH; pos++)
                    memcpy(dst + (size_t)pos * pos_stride, res[pos], sizeof(lanes));
            else
                for (int pos = 0; pos < PATCH * PATCH; pos++)
                    memcpy(dst + (size_t)pos * pos_stride, res[pos], sizeof(float) * (size_t)nb);
        }
    }
    /* packed: the last panel's columns past the last group (read, never stored) kept finite */
    const size_t written = (count + LANES - 1) / LANES * LANES;
    if (nr && written % nr)
        for (int pos = 0; pos < PATCH * PATCH; pos++)
            for (int c = c0; c < c1; c++)
                memset(v + (size_t)pos * pos_stride + written / nr * c_count * (size_t)nr + (size_t)c * nr +
                           written % nr,
                       0, sizeof(float) * (nr - written % nr));
}

/* Writes one 4x4 output tile (clipped at the plane's edge) with the residual
 * and ReLU of the epilogue; scale and shift were applied across lanes. */
static inline void store_tile(float *o, const float *res, size_t stride, int rows, int cols, const lanes *y, int l,
                              bool relu)
{
    for (int r = 0; r < rows; r++)
        for (int cc = 0; cc < cols; cc++) {
            float val = y[r * TILE + cc][l];
            if (res)
                val += res[(size_t)r * stride + cc];
            o[(size_t)r * stride + cc] = relu ? pp_relu(val) : val;
        }
}

/* Where a tile goes: its offset in the output channel plane and how much of
 * it lies inside the plane. */
typedef struct {
    size_t at;
    int rows, cols;
} tile_place;


/* All LANES (16) tiles of a group at once: the 16 x 16 block y (position,
 * tile) transposed in registers gives each tile's 4 x 4 outputs as one vector,
 * stored row by row with the residual and ReLU, instead of 256 scalar stores. */
__attribute__((target("avx512f,avx512vl"))) static void store_tiles_avx512(float *out, const float *residual,
                                                                          size_t stride, const lanes *y,
                                                                          const tile_place *place, bool relu)
{
    __m512 z[16];
    for (int q = 0; q < 16; q++)
        z[q] = _mm512_loadu_ps(y[q]);
    pp_transpose16(z);
    const __m128 zero = _mm_setzero_ps();
    for (int l = 0; l < 16; l++) {
        const __mmask8 cols = (__mmask8)((1u << place[l].cols) - 1);
        __m128 rows[4] = {_mm512_extractf32x4_ps(z[l], 0), _mm512_extractf32x4_ps(z[l], 1),
                          _mm512_extractf32x4_ps(z[l], 2), _mm512_extractf32x4_ps(z[l], 3)};
        for (int r = 0; r < place[l].rows; r++) {
            const size_t at = place[l].at + (size_t)r * stride;
            __m128 v = rows[r];
            if (residual)
                v = _mm_add_ps(v, _mm_maskz_loadu_ps(cols, residual + at));
            if (relu)
                v = _mm_max_ps(zero, v); /* NaN passes, as in pp_relu */
            _mm_mask_storeu_ps(out + at, cols, v);
        }
    }
}

/* The same with AVX2, 8 tiles at a time: each output row's 4 positions across
 * the tiles are transposed (two 4 x 4 blocks) into one 4-float row per tile. */
static void store_tiles_avx2(float *out, const float *residual, size_t stride, const lanes *y,
                             const tile_place *place, bool relu)
{
    const __m128 zero = _mm_setzero_ps();
    for (int g = 0; g < LANES; g += 8)
        for (int r = 0; r < TILE; r++) {
            __m256 c[TILE];
            for (int q = 0; q < TILE; q++)
                c[q] = _mm256_loadu_ps(y[r * TILE + q] + g);
            __m128 lo[4], hi[4];
            for (int q = 0; q < TILE; q++) {
                lo[q] = _mm256_castps256_ps128(c[q]);
                hi[q] = _mm256_extractf128_ps(c[q], 1);
            }
            _MM_TRANSPOSE4_PS(lo[0], lo[1], lo[2], lo[3]);
            _MM_TRANSPOSE4_PS(hi[0], hi[1], hi[2], hi[3]);
            for (int l = 0; l < 8; l++) {
                const tile_place *p = &place[g + l];
                if (r >= p->rows)
                    continue;
                const size_t at = p->at + (size_t)r * stride;
                __m128 v = l < 4 ? lo[l] : hi[l - 4];
                if (p->cols == TILE) {
                    if (residual)
                        v = _mm_add_ps(v, _mm_loadu_ps(residual + at));
                    if (relu)
                        v = _mm_max_ps(zero, v); /* NaN passes, as in pp_relu */
                    _mm_storeu_ps(out + at, v);
                    continue;
                }
                const __m128i cols = _mm256_castsi256_si128(pp_avx2_lane_mask(p->cols));
                if (residual)
                    v = _mm_add_ps(v, _mm_maskload_ps(residual + at, cols));
                if (relu)
                    v = _mm_max_ps(zero, v);
                _mm_maskstore_ps(out + at, cols, v);
            }
        }
}

/* The floats of one output channel plane that tiles [t0, t0 + count) write:
 * from the first tile's row to the last tile's, a contiguous range since the
 * images of a channel lie one after another. */
typedef struct {
    size_t begin, end;
} output_span;

static output_span output_span_of(const geometry *g, size_t t0, size_t count)
{
    const size_t out_plane = (size_t)g->ho * g->wo;
    const tile_cursor first = cursor_at(g, t0), last = cursor_at(g, t0 + count - 1);
    const int last_row = (last.ty + 1) * TILE < g->ho ? (last.ty + 1) * TILE : g->ho;
    output_span sp = {(size_t)first.img * out_plane + (size_t)first.ty * TILE * g->wo,
                      (size_t)last.img * out_plane + (size_t)last_row * g->wo};
    return sp;
}

/* Each channel's outputs and residual come from memory in short runs (the
 * planes of a chunk's images) that the hardware prefetchers, stopping at
 * every page, pick up late: while the groups [i, i + LANES) of one channel
 * are transformed, their share of the next channel's lines is fetched. */
static inline void prefetch_output_part(const float *out, const float *residual, const output_span *sp,
                                        size_t channel_at, size_t i, size_t count)
{
    const size_t lines = (sp->end - sp->begin + 15) / 16;
    const size_t l0 = lines * i / count, l1 = lines * (i + LANES < count ? i + LANES : count) / count;
    for (size_t l = l0; l < l1; l++) {
        const size_t at = channel_at + sp->begin + l * 16;
        __builtin_prefetch(out + at, 1);
        if (residual)
            __builtin_prefetch(residual + at, 0);
    }
}

/* m: (36, K, chunk) -> out tiles of output channels [k0, k1), with the epilogue fused. */
static inline __attribute__((always_inline)) void transform_outputs_body(float *out, const float *m,
                                                                          const geometry *g, size_t t0, size_t count,
                                                                          size_t chunk, const pp_epilogue *ep,
                                                                          pp_cpu_path_kind path, int k0, int k1)
{
    const int k_count = g->s->cout;
    const size_t out_plane = (size_t)g->ho * g->wo, pos_stride = (size_t)k_count * chunk;
    const size_t p_total = (size_t)g->n * out_plane;
    const bool relu = ep && ep->relu, fast_stores = path >= PP_CPU_AVX2;
    const output_span span = output_span_of(g, t0, count);
    for (int k = k0; k < k1; k++) {
        const float a = ep && ep->scale ? ep->scale[k] : 1.0f, b = ep && ep->shift ? ep->shift[k] : 0.0f;
        tile_cursor cur = cursor_at(g, t0);
        for (size_t i = 0; i < count; i += LANES) {
            int nb = count - i < LANES ? (int)(count - i) : LANES;
            if (k + 1 < k1)
                prefetch_output_part(out, ep ? ep->residual : NULL, &span, (size_t)(k + 1) * p_total, i, count);
            lanes mm[PATCH * PATCH], tmp[TILE * PATCH], y[TILE * TILE];
            const float *src = m + (size_t)k * chunk + i;
            if (nb == LANES) {
                for (int pos = 0; pos < PATCH * PATCH; pos++)
                    memcpy(mm[pos], src + (size_t)pos * pos_stride, sizeof(lanes));
            } else {
                for (int pos = 0; pos < PATCH * PATCH; pos++) {
                    memcpy(mm[pos], src + (size_t)pos * pos_stride, sizeof(float) * (size_t)nb);
                    for (int l = nb; l < LANES; l++)
                        mm[pos][l] = 0;
                }
            }
            for (int col = 0; col < PATCH; col++) /* A^T m */
                output_1d(tmp + col, PATCH, mm + col, PATCH);
            for (int row = 0; row < TILE; row++) /* (A^T m) A */
                output_1d(y + row * TILE, 1, tmp + row * PATCH, 1);
            for (int q = 0; q < TILE * TILE; q++)
                for (int l = 0; l < LANES; l++)
                    y[q][l] = y[q][l] * a + b;
            if (nb == LANES && LANES == 16 && fast_stores) {
                tile_place place[LANES];
                for (int l = 0; l < LANES; l++, cursor_next(&cur, g)) {
                    int oy0 = cur.ty * TILE, ox0 = cur.tx * TILE;
                    place[l].at = (size_t)cur.img * out_plane + (size_t)oy0 * g->wo + ox0;
                    place[l].rows = g->ho - oy0 < TILE ? g->ho - oy0 : TILE;
                    place[l].cols = g->wo - ox0 < TILE ? g->wo - ox0 : TILE;
                }
                float *o = out + (size_t)k * p_total;
                const float *res = ep && ep->residual ? ep->residual + (size_t)k * p_total : NULL;
                if (path == PP_CPU_AVX512)
                    store_tiles_avx512(o, res, (size_t)g->wo, y, place, relu);
                else
                    store_tiles_avx2(o, res, (size_t)g->wo, y, place, relu);
                continue;
            }
            for (int l = 0; l < nb; l++, cursor_next(&cur, g)) {
                int oy0 = cur.ty * TILE, ox0 = cur.tx * TILE;
                size_t at = (size_t)k * p_total + (size_t)cur.img * out_plane + (size_t)oy0 * g->wo + ox0;
                int rows = g->ho - oy0 < TILE ? g->ho - oy0 : TILE, cols = g->wo - ox0 < TILE ? g->wo - ox0 : TILE;
                const float *res = ep && ep->residual ? ep->residual + at : NULL;
                if (rows == TILE && cols == TILE) /* constant bounds: unrolled */
                    store_tile(out + at, res, (size_t)g->wo, TILE, TILE, y, l, relu);
                else
                    store_tile(out + at, res, (size_t)g->wo, rows, cols, y, l, relu);
            }
        }
    }
}

/* The transforms' lane arithmetic built twice: for AVX-512 (the avx512 path)
 * and for the engine's x86-64-v3 baseline (the others), chosen by the CPU path
 * rather than by target clones, so PP_CPU=avx2 runs the AVX2 code everywhere. */
PP_ISA_V4 static void transform_inputs_v4(float *v, const float *in, const geometry *g, size_t t0, size_t count,
                                          size_t chunk, float *scratch, int nr, int c0, int c1)
{
    transform_inputs_body(v, in, g, t0, count, chunk, scratch, PP_CPU_AVX512, nr, c0, c1);
}

static void transform_inputs(float *v, const float *in, const geometry *g, size_t t0, size_t count, size_t chunk,
                             float *scratch, int nr, int c0, int c1)
{
    const pp_cpu_path_kind path = pp_cpu_path();
    if (path == PP_CPU_AVX512)
        transform_inputs_v4(v, in, g, t0, count, chunk, scratch, nr, c0, c1);
    else
        transform_inputs_body(v, in, g, t0, count, chunk, scratch, path, nr, c0, c1);
}

PP_ISA_V4 static void transform_outputs_v4(float *out, const float *m, const geometry *g, size_t t0, size_t count,
                                           size_t chunk, const pp_epilogue *ep, int k0, int k1)
{
    transform_outputs_body(out, m, g, t0, count, chunk, ep, PP_CPU_AVX512, k0, k1);
}

static void transform_outputs(float *out, const float *m, const geometry *g, size_t t0, size_t count, size_t chunk,
                              const pp_epilogue *ep, int k0, int k1)
{
    const pp_cpu_path_kind path = pp_cpu_path();
    if (path == PP_CPU_AVX512)
        transform_outputs_v4(out, m, g, t0, count, chunk, ep, k0, k1);
    else
        transform_outputs_body(out, m, g, t0, count, chunk, ep, path, k0, k1);
}

/* The 36 products of v (36, C, cols) into m (36, K, cols), positions [p0, p1). */
static void position_products(float *m, const float *v, const float *u, const pp_conv_shape *s, size_t count,
                              size_t cols, int nr, int p0, int p1)
{
    const size_t stride = position_floats(s);
    for (int pos = p0; pos < p1; pos++) {
        const float *b = v + (size_t)pos * s->cin * cols;
        float *c = m + (size_t)pos * s->cout * cols;
        if (nr)
            pp_sgemm_packed_ab(s->cout, (int)count, s->cin, u + pos * stride, b, 0.0f, c, (int)cols);
        else
            pp_sgemm_packed(s->cout, (int)count, s->cin, u + pos * stride, b, (int)cols, 0.0f, c, (int)cols);
    }
}

/* Few tiles (late layers at small batches): split by tiles, every thread would
 * read all 36 kernel matrices for a thin product. The threads share one chunk
 * instead: the input transform split by channels, the 36 products by position
 * (each thread reads its share of the kernels), the output transform by
 * output channel. */
static void shared_forward(float *out, const float *in, const float *u, const geometry *g, const pp_epilogue *ep,
                           float *base, size_t tiles, int threads)
{
    const pp_conv_shape *s = g->s;
    const size_t cols = chunk_columns(tiles);
    const int nr = pp_gemm_b_panel_width();
    float *v = base, *m = v + cols * POSITIONS * s->cin;
    float *planes = m + cols * POSITIONS * s->cout;
    const size_t plane_floats = (padded_plane_floats(g->tiles_y, g->tiles_x) + 15) & ~(size_t)15;
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        transform_inputs(v, in, g, 0, tiles, cols, planes + (size_t)t * plane_floats, nr, s->cin * t / nt,
                         s->cin * (t + 1) / nt);
#pragma omp barrier
        position_products(m, v, u, s, tiles, cols, nr, POSITIONS * t / nt, POSITIONS * (t + 1) / nt);
#pragma omp barrier
        transform_outputs(out, m, g, 0, tiles, cols, ep, s->cout * t / nt, s->cout * (t + 1) / nt);
    }
}

void pp_winograd_forward(float *out, const float *in, const float *u, const pp_conv_shape *s, int n, int h,
                         int w, const pp_epilogue *ep, float *workspace, int threads)
{
    pp_winograd_forward_pre(out, in, NULL, u, s, n, h, w, ep, workspace, threads);
}

void pp_winograd_forward_pre(float *out, const float *in, const pp_epilogue *pre, const float *u,
                             const pp_conv_shape *s, int n, int h, int w, const pp_epilogue *ep, float *workspace,
                             int threads)
{
    geometry g = {.s = s, .n = n, .h = h, .w = w, .pre = pre};
    g.ho = pp_conv_out_size(h, 3, 1, s->pad);
    g.wo = pp_conv_out_size(w, 3, 1, s->pad);
    size_t tiles = tile_count(s, n, h, w, &g.tiles_y, &g.tiles_x);
    threads = pp_threads_clamp(threads);
    /* at most pp_winograd_workspace_floats' chunk_tiles */
    const size_t chunk = forward_chunk_tiles(s, (tiles + threads - 1) / threads), cols = chunk_columns(chunk);
    const size_t per_thread = thread_floats(s, chunk, g.tiles_y, g.tiles_x);
    /* B panels of our GEMM kernel (0: OpenBLAS, row-major B); they fit the
     * column count (MAX_B_PANEL is a multiple of every width, and of LANES) */
    const int nr = pp_gemm_b_panel_width();
    float *base = (float *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    if (shares_tiles(s, tiles, threads)) {
        shared_forward(out, in, u, &g, ep, base, tiles, threads);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *v = base + (size_t)t * per_thread;
        float *m = v + cols * POSITIONS * s->cin, *scratch = m + cols * POSITIONS * s->cout;
        size_t begin = tiles * t / nt, end = tiles * (t + 1) / nt;
        for (size_t t0 = begin; t0 < end; t0 += chunk) {
            size_t count = end - t0 < chunk ? end - t0 : chunk;
            transform_inputs(v, in, &g, t0, count, cols, scratch, nr, 0, s->cin);
            position_products(m, v, u, s, count, cols, nr, 0, POSITIONS);
            transform_outputs(out, m, &g, t0, count, cols, ep, 0, s->cout);
        }
    }
}

/* ---- backward: the weight gradient in the Winograd domain (winograd.h) ---- */

/* A y A^T's 1-D step over LANES tiles: the forward's A^T m (output_1d)
 * transposed, 4 gradients with stride sy into 6 with stride so. */
static inline void grad_1d(lanes *o, size_t so, const lanes *y, size_t sy)
{
    for (int l = 0; l < LANES; l++) {
        float y0 = y[0][l], y1 = y[sy][l], y2 = y[2 * sy][l], y3 = y[3 * sy][l];
        o[0][l] = y0;
        o[so][l] = y0 + y1 + y2 + y3;
        o[2 * so][l] = y0 - y1 + y2 - y3;
        o[3 * so][l] = y0 + 2 * y1 + 4 * y2 + 8 * y3;
        o[4 * so][l] = y0 - 2 * y1 + 4 * y2 - 8 * y3;
        o[5 * so][l] = y3;
    }
}

/* G^T's 1-D step on one kernel: the forward's G (kernel_1d_lanes) transposed,
 * 6 values with stride sd into 3. */
static inline void kernel_grad_1d(float *o, size_t so, const float *d, size_t sd)
{
    const float q = 0.25f, s = 1.0f / 6, t = 1.0f / 12, v = 1.0f / 24;
    const float d0 = d[0], d1 = d[sd], d2 = d[2 * sd], d3 = d[3 * sd], d4 = d[4 * sd], d5 = d[5 * sd];
    o[0] = q * d0 - s * (d1 + d2) + v * (d3 + d4);
    o[so] = s * (d2 - d1) + t * (d3 - d4);
    o[2 * so] = s * (d3 + d4 - d1 - d2) + d5;
}

/* The 4x4 dy tiles of 16 tiles of one plane as 16 lane vectors: each tile's
 * four rows make one vector, a 16 x 16 transpose turns tiles x positions into
 * positions x tiles (store_tiles_avx512 backwards). */
__attribute__((target("avx512f"))) static void gather_grad_tiles_avx512(lanes *y, const float *const *tile,
                                                                        size_t stride)
{
    __m512 z[16];
    for (int l = 0; l < 16; l++) {
        const float *p = tile[l];
        __m512 v = _mm512_castps128_ps512(_mm_loadu_ps(p));
        v = _mm512_insertf32x4(v, _mm_loadu_ps(p + stride), 1);
        v = _mm512_insertf32x4(v, _mm_loadu_ps(p + 2 * stride), 2);
        z[l] = _mm512_insertf32x4(v, _mm_loadu_ps(p + 3 * stride), 3);
    }
    pp_transpose16(z);
    for (int q = 0; q < 16; q++)
        _mm512_storeu_ps(y[q], z[q]);
}

/* The same with AVX2, 8 tiles at a time: each row's 4 values of 4 tiles
 * transposed (two 4 x 4 blocks) into 4 positions across the tiles. */
static void gather_grad_tiles_avx2(lanes *y, const float *const *tile, size_t stride)
{
    for (int g = 0; g < LANES; g += 8)
        for (int r = 0; r < TILE; r++) {
            __m128 lo[4], hi[4];
            for (int q = 0; q < 4; q++) {
                lo[q] = _mm_loadu_ps(tile[g + q] + (size_t)r * stride);
                hi[q] = _mm_loadu_ps(tile[g + 4 + q] + (size_t)r * stride);
            }
            _MM_TRANSPOSE4_PS(lo[0], lo[1], lo[2], lo[3]);
            _MM_TRANSPOSE4_PS(hi[0], hi[1], hi[2], hi[3]);
            for (int q = 0; q < TILE; q++)
                _mm256_storeu_ps(y[r * TILE + q] + g, _mm256_set_m128(hi[q], lo[q]));
        }
}

/* dm: (36, K, chunk) = A dY A^T of the dy tiles [t0, t0 + count), row-major
 * per position; the parts of edge tiles outside the output plane count as zeros. */
static inline __attribute__((always_inline)) void transform_grads_body(float *dm, const float *dy,
                                                                        const geometry *g, size_t t0, size_t count,
                                                                        size_t chunk, pp_cpu_path_kind path)
{
    const int k_count = g->s->cout;
    const size_t out_plane = (size_t)g->ho * g->wo, p_total = (size_t)g->n * out_plane;
    const size_t pos_stride = (size_t)k_count * chunk;
    for (int k = 0; k < k_count; k++) {
        const float *plane = dy + (size_t)k * p_total;
        tile_cursor cur = cursor_at(g, t0);
        for (size_t i = 0; i < count; i += LANES) {
            const int nb = count - i < LANES ? (int)(count - i) : LANES;
            lanes y[TILE * TILE], tmp[PATCH * TILE], res[PATCH * PATCH];
            const float *tile[LANES];
            int rows[LANES], cols[LANES];
            bool full = nb == LANES && path >= PP_CPU_AVX2;
            for (int l = 0; l < nb; l++, cursor_next(&cur, g)) {
                const int oy0 = cur.ty * TILE, ox0 = cur.tx * TILE;
                rows[l] = g->ho - oy0 < TILE ? g->ho - oy0 : TILE;
                cols[l] = g->wo - ox0 < TILE ? g->wo - ox0 : TILE;
                tile[l] = plane + (size_t)cur.img * out_plane + (size_t)oy0 * g->wo + ox0;
                full = full && rows[l] == TILE && cols[l] == TILE;
            }
            if (full && LANES == 16 && path == PP_CPU_AVX512) {
                gather_grad_tiles_avx512(y, tile, (size_t)g->wo);
            } else if (full && LANES == 16) {
                gather_grad_tiles_avx2(y, tile, (size_t)g->wo);
            } else {
                for (int l = 0; l < LANES; l++)
                    for (int r = 0; r < TILE; r++)
                        for (int cc = 0; cc < TILE; cc++)
                            y[r * TILE + cc][l] =
                                l < nb && r < rows[l] && cc < cols[l] ? tile[l][(size_t)r * g->wo + cc] : 0.0f;
            }
            for (int cc = 0; cc < TILE; cc++) /* columns: A y */
                grad_1d(tmp + cc, TILE, y + cc, TILE);
            for (int a = 0; a < PATCH; a++) /* rows: (A y) A^T */
                grad_1d(res + a * PATCH, 1, tmp + a * TILE, 1);
            float *dst = dm + (size_t)k * chunk + i;
            if (nb == LANES)
                for (int pos = 0; pos < POSITIONS; pos++)
                    memcpy(dst + (size_t)pos * pos_stride, res[pos], sizeof(lanes));
            else
                for (int pos = 0; pos < POSITIONS; pos++)
                    memcpy(dst + (size_t)pos * pos_stride, res[pos], sizeof(float) * (size_t)nb);
        }
    }
}

PP_ISA_V4 static void transform_grads_v4(float *dm, const float *dy, const geometry *g, size_t t0, size_t count,
                                         size_t chunk)
{
    transform_grads_body(dm, dy, g, t0, count, chunk, PP_CPU_AVX512);
}

static void transform_grads(float *dm, const float *dy, const geometry *g, size_t t0, size_t count, size_t chunk)
{
    const pp_cpu_path_kind path = pp_cpu_path();
    if (path == PP_CPU_AVX512)
        transform_grads_v4(dm, dy, g, t0, count, chunk);
    else
        transform_grads_body(dm, dy, g, t0, count, chunk, path);
}

/* On the avx2 path plain products go to OpenBLAS, whose kernels on this
 * Intel CPU (unknown to OpenBLAS 0.3.21) are its SSE3 ones; so there the
 * products run as dU^T (C, K) = V (C, T) . dM^T (T, K) on our packed kernels,
 * V packed as their A operand and dM^T transposed here into their B panels:
 * panel j holds output channels [j * nr, (j + 1) * nr) of every tile, tile q
 * at + q * nr (gemm.h); channels past K zero. */
static bool packed_products(void)
{
    return pp_cpu_path() == PP_CPU_AVX2 && pp_gemm_b_panel_width() % 8 == 0 && pp_gemm_b_panel_width() > 0;
}

static void pack_grads_avx2(float *pb, const float *dm, size_t ld, int k_count, int count, int nr)
{
    const int panels = (k_count + nr - 1) / nr;
    for (int j = 0; j < panels; j++) {
        float *panel = pb + (size_t)j * count * nr;
        for (int k8 = j * nr; k8 < (j + 1) * nr; k8 += 8) {
            float *dst = panel + (k8 - j * nr);
            if (k8 + 8 > k_count) { /* a partial block of channels: element by element, zeros past K */
                for (int q = 0; q < count; q++)
                    for (int v = 0; v < 8; v++)
                        dst[(size_t)q * nr + v] = k8 + v < k_count ? dm[(size_t)(k8 + v) * ld + q] : 0.0f;
                continue;
            }
            int q = 0;
            for (; q + 8 <= count; q += 8) {
                __m256 r[8];
                for (int v = 0; v < 8; v++)
                    r[v] = _mm256_loadu_ps(dm + (size_t)(k8 + v) * ld + q);
                pp_transpose8(r);
                for (int t = 0; t < 8; t++)
                    _mm256_storeu_ps(dst + (size_t)(q + t) * nr, r[t]);
            }
            for (; q < count; q++)
                for (int v = 0; v < 8; v++)
                    dst[(size_t)q * nr + v] = dm[(size_t)(k8 + v) * ld + q];
        }
    }
}

/* Where the lane kernel (weight_grad_avx2.h) runs, it beats the Winograd
 * weight gradient on narrow layers: the transforms cost 36 (C + K) per tile
 * against 4x fewer multiplies than its 9 C K per pixel, and more so where
 * edge tiles are partly empty (14x14, 7x7: 30 % more tiles than pixels / 16).
 * Measured, batch 128, 2 threads, avx2 and avx512: the lane kernel 1.6-2.6x
 * faster at 16 -> 16 on 14x14 and 28x28, 1.1-1.4x at 32 -> 32 on 7x7 and
 * 14x14; Winograd ahead at 64 channels (4x4 to 14x14) and at 32 on 32x32. */
static bool lane_kernel_wins(const pp_conv_shape *s, int h, int w, int tiles_y, int tiles_x)
{
    if (!pp_weight_grad_avx2_preferred(s))
        return false;
    const int narrow = s->cin < s->cout ? s->cin : s->cout;
    const bool partial_tiles = tiles_y * TILE != pp_conv_out_size(h, 3, 1, s->pad) ||
                               tiles_x * TILE != pp_conv_out_size(w, 3, 1, s->pad);
    return narrow < (partial_tiles ? 64 : 32);
}

bool pp_winograd_weight_grad_preferred(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    int ty, tx;
    if (!pp_winograd_supports(s) || s->cin < 16 || s->cout < 16)
        return false;
    const size_t tiles = tile_count(s, n, h, w, &ty, &tx);
    if (lane_kernel_wins(s, h, w, ty, tx))
        return false;
    threads = pp_threads_clamp(threads);
    const size_t per_thread = (tiles + threads - 1) / threads;
    /* each thread's dU partial (36 K C floats) no larger than the transformed
     * tiles it sums (36 (C + K) per tile): the widest layers on small maps
     * (ResNet18's 512 channels on 4x4) keep the lane kernel and its smaller
     * workspace */
    return tiles >= (size_t)64 * threads && (size_t)s->cout * s->cin <= per_thread * (size_t)(s->cin + s->cout);
}

/* Per thread: the partial dU (36, K, C), then the chunk's v (36, C, cols),
 * dm (36, K, cols) and padded plane as the forward's thread_floats. */
static size_t packed_scratch_floats(const pp_conv_shape *s, size_t chunk)
{
    if (!packed_products())
        return 0;
    const size_t nr = (size_t)pp_gemm_b_panel_width(), b = (s->cout + nr - 1) / nr * nr * chunk;
    return ((pp_gemm_packed_floats(s->cin, (int)chunk) + 15) & ~(size_t)15) + ((b + 15) & ~(size_t)15);
}

static size_t grad_thread_floats(const pp_conv_shape *s, size_t chunk, int tiles_y, int tiles_x)
{
    return (((size_t)POSITIONS * s->cout * s->cin + 15) & ~(size_t)15) + thread_floats(s, chunk, tiles_y, tiles_x) +
           packed_scratch_floats(s, chunk);
}

size_t pp_winograd_weight_grad_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads)
{
    int ty, tx;
    threads = pp_threads_clamp(threads);
    const size_t tiles = tile_count(s, n, h, w, &ty, &tx);
    const size_t chunk = chunk_tiles(s, (tiles + threads - 1) / threads);
    return grad_thread_floats(s, chunk, ty, tx) * (size_t)threads + 16; /* + 16: room to align the start */
}

void pp_winograd_weight_grad(float *dw, const float *dy, const float *x, const pp_conv_shape *s, int n, int h,
                             int w, float *workspace, int threads)
{
    geometry g = {.s = s, .n = n, .h = h, .w = w};
    g.ho = pp_conv_out_size(h, 3, 1, s->pad);
    g.wo = pp_conv_out_size(w, 3, 1, s->pad);
    const size_t tiles = tile_count(s, n, h, w, &g.tiles_y, &g.tiles_x);
    threads = pp_threads_clamp(threads);
    const size_t chunk = chunk_tiles(s, (tiles + threads - 1) / threads), cols = chunk_columns(chunk);
    const size_t per_thread = grad_thread_floats(s, chunk, g.tiles_y, g.tiles_x);
    const size_t du_floats = (size_t)POSITIONS * s->cout * s->cin;
    const size_t du_stride = (du_floats + 15) & ~(size_t)15;
    const int k_count = s->cout, c_count = s->cin;
    const bool transposed = packed_products(); /* du holds dU^T: (36, C, K) */
    float *base = (float *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *du = base + (size_t)t * per_thread;
        float *v = du + du_stride, *dm = v + cols * POSITIONS * c_count, *scratch = dm + cols * POSITIONS * k_count;
        /* the packed operands (packed_products) after the padded plane, 64-byte aligned */
        float *pa = du + ((du_floats + 15) & ~(size_t)15) + thread_floats(s, chunk, g.tiles_y, g.tiles_x);
        float *pb = pa + ((pp_gemm_packed_floats(c_count, (int)chunk) + 15) & ~(size_t)15);
        memset(du, 0, sizeof(float) * du_floats);
        const size_t begin = tiles * t / nt, end = tiles * (t + 1) / nt;
        for (size_t t0 = begin; t0 < end; t0 += chunk) {
            const size_t count = end - t0 < chunk ? end - t0 : chunk;
            transform_inputs(v, x, &g, t0, count, cols, scratch, 0, 0, c_count); /* row-major (36, C, cols) */
            transform_grads(dm, dy, &g, t0, count, cols);
            for (int pos = 0; pos < POSITIONS; pos++) {
                const float *dm_pos = dm + (size_t)pos * k_count * cols, *v_pos = v + (size_t)pos * c_count * cols;
                float *du_pos = du + (size_t)pos * k_count * c_count;
                if (transposed) { /* dU^T[pos] (C, K) += V[pos] (C, T) dM[pos]^T */
                    pp_gemm_pack(pa, v_pos, (int)cols, c_count, (int)count);
                    pack_grads_avx2(pb, dm_pos, cols, k_count, (int)count, pp_gemm_b_panel_width());
                    pp_sgemm_packed_ab(c_count, k_count, (int)count, pa, pb, 1.0f, du_pos, k_count);
                } else { /* dU[pos] (K, C) += dM[pos] (K, T) V[pos]^T */
                    pp_sgemm(false, true, k_count, c_count, (int)count, dm_pos, (int)cols, v_pos, (int)cols, 1.0f,
                             du_pos, c_count);
                }
            }
        }
#pragma omp barrier
        /* the threads' partials summed and taken back by G^T dU G, a band of
         * output channels each; a channel's 36 rows of C gathered first so
         * the partials are read along c */
        float *row = v; /* (36, C): the chunk's v is no longer needed */
        const int k0 = k_count * t / nt, k1 = k_count * (t + 1) / nt;
        for (int k = k0; k < k1; k++) {
            for (int pos = 0; pos < POSITIONS; pos++) {
                float *r = row + (size_t)pos * c_count;
                const size_t at = transposed ? (size_t)pos * k_count * c_count + k : ((size_t)pos * k_count + k) * c_count;
                const size_t step = transposed ? (size_t)k_count : 1;
                for (int c = 0; c < c_count; c++)
                    r[c] = base[at + c * step];
                for (int u = 1; u < nt; u++) {
                    const float *part = base + (size_t)u * per_thread + at;
                    for (int c = 0; c < c_count; c++)
                        r[c] += part[c * step];
                }
            }
            for (int c = 0; c < c_count; c++) {
                float d[POSITIONS], tmp[3 * PATCH], out[9];
                for (int pos = 0; pos < POSITIONS; pos++)
                    d[pos] = row[(size_t)pos * c_count + c];
                for (int b = 0; b < PATCH; b++) /* columns: G^T dU */
                    kernel_grad_1d(tmp + b, PATCH, d + b, PATCH);
                for (int i = 0; i < 3; i++) /* rows: (G^T dU) G */
                    kernel_grad_1d(out + i * 3, 1, tmp + i * PATCH, 1);
                float *dst = dw + ((size_t)k * c_count + c) * 9;
                for (int e = 0; e < 9; e++)
                    dst[e] += out[e];
            }
        }
    }
}
