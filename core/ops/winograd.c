#include "winograd.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../threads.h"
#include "gemm.h"

#define TILE 4  /* output tile side */
#define PATCH 6 /* input tile side: TILE + 3 - 1 */
#define POSITIONS (PATCH * PATCH)

/* Per thread, the transformed inputs and products of a chunk of tiles take
 * about this many floats (4 MB): large GEMMs, still cache-friendly. */
#define CHUNK_BUDGET_FLOATS ((size_t)1 << 20)

bool pp_winograd_supports(const pp_conv_shape *s)
{
    return s->kh == 3 && s->kw == 3 && s->stride == 1;
}

static size_t tile_count(const pp_conv_shape *s, int n, int h, int w, int *tiles_y, int *tiles_x)
{
    int ho = pp_conv_out_size(h, 3, 1, s->pad), wo = pp_conv_out_size(w, 3, 1, s->pad);
    *tiles_y = (ho + TILE - 1) / TILE;
    *tiles_x = (wo + TILE - 1) / TILE;
    return (size_t)n * *tiles_y * *tiles_x;
}

static size_t chunk_tiles(const pp_conv_shape *s, size_t tiles)
{
    size_t per_tile = (size_t)POSITIONS * (s->cin + s->cout);
    size_t chunk = CHUNK_BUDGET_FLOATS / per_tile;
    if (chunk < 16)
        chunk = 16;
    return chunk < tiles ? chunk : tiles;
}

bool pp_winograd_preferred(const pp_conv_shape *s, int n, int h, int w)
{
    int ty, tx;
    /* Below 16 channels the transforms cost more than the multiplies they save. */
    if (!pp_winograd_supports(s) || s->cin < 16 || s->cout < 16)
        return false;
    /* Few tiles make 36 thin GEMMs that lose to one im2col GEMM (measured:
     * Winograd wins from about 16 tiles per thread, loses at 4). */
    return tile_count(s, n, h, w, &ty, &tx) >= (size_t)16 * pp_threads_get();
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

/* G applied to a 3-vector: the rows of Lavin & Gray's G for F(4, 3). */
static inline void kernel_1d(float *o, size_t so, float g0, float g1, float g2)
{
    const float q = 0.25f, s = 1.0f / 6, t = 1.0f / 12, v = 1.0f / 24;
    o[0] = q * g0;
    o[so] = -s * (g0 + g1 + g2);
    o[2 * so] = -s * (g0 - g1 + g2);
    o[3 * so] = v * g0 + t * g1 + s * g2;
    o[4 * so] = v * g0 - t * g1 + s * g2;
    o[5 * so] = g2;
}

void pp_winograd_transform_weights(float *u, const float *weight, const pp_conv_shape *s)
{
    const size_t kc = (size_t)s->cout * s->cin, stride = position_floats(s);
    if (stride > kc) /* padding rows of the packed layout */
        memset(u, 0, sizeof(float) * POSITIONS * stride);
#pragma omp parallel for schedule(static) num_threads(pp_threads_get())
    for (size_t i = 0; i < kc; i++) {
        const float *g = weight + i * 9;
        float *dst = u + pp_gemm_packed_offset(s->cout, s->cin, (int)(i / s->cin), (int)(i % s->cin));
        float t[PATCH * 3], r[PATCH]; /* G g, then (G g) G^T row by row */
        for (int col = 0; col < 3; col++)
            kernel_1d(t + col, 3, g[col], g[3 + col], g[6 + col]);
        for (int row = 0; row < PATCH; row++) {
            kernel_1d(r, 1, t[row * 3], t[row * 3 + 1], t[row * 3 + 2]);
            for (int col = 0; col < PATCH; col++)
                dst[(size_t)(row * PATCH + col) * stride] = r[col];
        }
    }
}

size_t pp_winograd_workspace_floats(const pp_conv_shape *s, int n, int h, int w)
{
    int ty, tx;
    size_t tiles = tile_count(s, n, h, w, &ty, &tx);
    size_t chunk = chunk_tiles(s, (tiles + pp_threads_get() - 1) / pp_threads_get());
    return chunk * POSITIONS * (size_t)(s->cin + s->cout) * pp_threads_get();
}

/* The transforms work on LANES tiles at once, with the tile index innermost, so
 * the compiler turns every 1-D transform into whole-vector arithmetic. */
#define LANES 8
typedef float lanes[LANES];

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

/* v: (36, C, chunk) for tiles [t0, t0 + count). Channels outer, tiles inner:
 * each of the 36 output streams is written sequentially, and neighbouring
 * tiles read overlapping input rows while they are in cache. */
static void transform_inputs(float *v, const float *in, const geometry *g, size_t t0, size_t count, size_t chunk)
{
    const int c_count = g->s->cin, pad = g->s->pad;
    const size_t plane = (size_t)g->h * g->w, pos_stride = (size_t)c_count * chunk;
    for (int c = 0; c < c_count; c++) {
        tile_cursor k = cursor_at(g, t0);
        for (size_t i = 0; i < count; i += LANES) {
            int nb = count - i < LANES ? (int)(count - i) : LANES;
            lanes d[PATCH * PATCH], tmp[PATCH * PATCH], res[PATCH * PATCH];
            for (int l = 0; l < LANES; l++, cursor_next(&k, g)) {
                if (l >= nb) {
                    for (int q = 0; q < PATCH * PATCH; q++)
                        d[q][l] = 0;
                    continue;
                }
                const float *src = in + ((size_t)c * g->n + k.img) * plane;
                int y0 = k.ty * TILE - pad, x0 = k.tx * TILE - pad;
                if (y0 >= 0 && x0 >= 0 && y0 + PATCH <= g->h && x0 + PATCH <= g->w) {
                    const float *p = src + (size_t)y0 * g->w + x0;
                    for (int y = 0; y < PATCH; y++, p += g->w)
                        for (int x = 0; x < PATCH; x++)
                            d[y * PATCH + x][l] = p[x];
                } else {
                    for (int y = 0; y < PATCH; y++)
                        for (int x = 0; x < PATCH; x++) {
                            int iy = y0 + y, ix = x0 + x;
                            d[y * PATCH + x][l] =
                                (iy >= 0 && iy < g->h && ix >= 0 && ix < g->w) ? src[(size_t)iy * g->w + ix] : 0;
                        }
                }
            }
            for (int x = 0; x < PATCH; x++) /* columns: tmp = B^T d */
                input_1d(tmp + x, PATCH, d + x, PATCH);
            for (int y = 0; y < PATCH; y++) /* rows: (B^T d) B */
                input_1d(res + y * PATCH, 1, tmp + y * PATCH, 1);
            float *dst = v + (size_t)c * chunk + i;
            for (int pos = 0; pos < PATCH * PATCH; pos++)
                memcpy(dst + (size_t)pos * pos_stride, res[pos], sizeof(float) * (size_t)nb);
            if (nb < LANES) /* the cursor ran past the chunk; harmless, it is not used again */
                break;
        }
    }
}

/* m: (36, K, chunk) -> out tiles, with the epilogue fused. */
static void transform_outputs(float *out, const float *m, const geometry *g, size_t t0, size_t count, size_t chunk,
                              const pp_epilogue *ep)
{
    const int k_count = g->s->cout;
    const size_t out_plane = (size_t)g->ho * g->wo, pos_stride = (size_t)k_count * chunk;
    const size_t p_total = (size_t)g->n * out_plane;
    const bool relu = ep && ep->relu;
    for (int k = 0; k < k_count; k++) {
        const float a = ep && ep->scale ? ep->scale[k] : 1.0f, b = ep && ep->shift ? ep->shift[k] : 0.0f;
        tile_cursor cur = cursor_at(g, t0);
        for (size_t i = 0; i < count; i += LANES) {
            int nb = count - i < LANES ? (int)(count - i) : LANES;
            lanes mm[PATCH * PATCH], tmp[TILE * PATCH], y[TILE * TILE];
            const float *src = m + (size_t)k * chunk + i;
            for (int pos = 0; pos < PATCH * PATCH; pos++) {
                memcpy(mm[pos], src + (size_t)pos * pos_stride, sizeof(float) * (size_t)nb);
                for (int l = nb; l < LANES; l++)
                    mm[pos][l] = 0;
            }
            for (int col = 0; col < PATCH; col++) /* A^T m */
                output_1d(tmp + col, PATCH, mm + col, PATCH);
            for (int row = 0; row < TILE; row++) /* (A^T m) A */
                output_1d(y + row * TILE, 1, tmp + row * PATCH, 1);
            for (int q = 0; q < TILE * TILE; q++)
                for (int l = 0; l < LANES; l++)
                    y[q][l] = y[q][l] * a + b;
            for (int l = 0; l < nb; l++, cursor_next(&cur, g)) {
                size_t base = (size_t)k * p_total + (size_t)cur.img * out_plane;
                int oy0 = cur.ty * TILE, ox0 = cur.tx * TILE;
                for (int r = 0; r < TILE && oy0 + r < g->ho; r++)
                    for (int cc = 0; cc < TILE && ox0 + cc < g->wo; cc++) {
                        size_t idx = base + (size_t)(oy0 + r) * g->wo + ox0 + cc;
                        float val = y[r * TILE + cc][l];
                        if (ep && ep->residual)
                            val += ep->residual[idx];
                        out[idx] = relu && val < 0 ? 0.0f : val;
                    }
            }
        }
    }
}

void pp_winograd_forward(float *out, const float *in, const float *u, const pp_conv_shape *s, int n, int h,
                         int w, const pp_epilogue *ep, float *workspace)
{
    geometry g = {.s = s, .n = n, .h = h, .w = w};
    g.ho = pp_conv_out_size(h, 3, 1, s->pad);
    g.wo = pp_conv_out_size(w, 3, 1, s->pad);
    size_t tiles = tile_count(s, n, h, w, &g.tiles_y, &g.tiles_x);
    const int threads = pp_threads_get();
    const size_t chunk = chunk_tiles(s, (tiles + threads - 1) / threads);
    const size_t stride = position_floats(s);
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *v = workspace + (size_t)t * chunk * POSITIONS * (s->cin + s->cout);
        float *m = v + chunk * POSITIONS * s->cin;
        size_t begin = tiles * t / nt, end = tiles * (t + 1) / nt;
        for (size_t t0 = begin; t0 < end; t0 += chunk) {
            size_t count = end - t0 < chunk ? end - t0 : chunk;
            transform_inputs(v, in, &g, t0, count, chunk);
            for (int pos = 0; pos < POSITIONS; pos++)
                pp_sgemm_packed(s->cout, (int)count, s->cin, u + pos * stride, v + (size_t)pos * s->cin * chunk,
                                (int)chunk, 0.0f, m + (size_t)pos * s->cout * chunk, (int)chunk);
            transform_outputs(out, m, &g, t0, count, chunk, ep);
        }
    }
}
