/* The 2020 layer's forward with its pull convolution factored through the resize.
 *
 * The pull kernel is -U W U^T (U: the S x s resize along one axis), so
 *   conv(x, W_up)[k] = sum_{c,a,b} W[k,c,a,b] * conv(x_c, u_a u_b^T)
 * where u_a is column a of U. The s^2 separable filters u_a u_b^T do not depend on
 * the output channel: filtering each input channel with them gives a (C s s, P)
 * matrix Z shaped like the push convolution's column matrix, and the pull response
 * is the same K x (C s s) product with W as the push response. The S x S
 * convolution (K S^2 taps per input channel and pixel) becomes s^2 short separable
 * filters and a second s x s sized GEMM. Both products, the ReLUs, the inhibition
 * and a following BN run per chunk of output rows while the chunk is in cache. */
#include <omp.h>
#include <string.h>

#include "../threads.h"
#include "gemm.h"
#include "im2col.h"
#include "pushpull2020.h"
#include "relu.h"

/* Columns per chunk: the chunk's two column matrices and its products stay in L2. */
#define CHUNK_COLUMNS 1024

/* The nonzero taps of column a of U: taps u[first .. first + count) along the S axis. */
typedef struct {
    int first[PP_PUSHPULL2020_MAX_KERNEL], count[PP_PUSHPULL2020_MAX_KERNEL];
    float u[PP_PUSHPULL2020_MAX_KERNEL][2 * PP_PUSHPULL2020_MAX_KERNEL + 1];
} resize_taps;

typedef struct {
    const pp_pushpull2020_layer *l;
    int n, h, w, ho, wo;
    int rows_per_chunk, chunks_per_image;
    size_t p_total;
} geometry;

static void resize_taps_init(resize_taps *t, int s, int S)
{
    double u[(2 * PP_PUSHPULL2020_MAX_KERNEL + 1) * PP_PUSHPULL2020_MAX_KERNEL];
    pp_pushpull2020_resize_weights(u, s, S);
    for (int a = 0; a < s; a++) {
        int first = S, last = -1;
        for (int j = 0; j < S; j++)
            if (u[(size_t)j * s + a] != 0) {
                first = j < first ? j : first;
                last = j;
            }
        t->first[a] = last < 0 ? 0 : first;
        t->count[a] = last < 0 ? 0 : last - first + 1;
        for (int j = 0; j < t->count[a]; j++)
            t->u[a][j] = (float)u[(size_t)(first + j) * s + a];
    }
}

static int padded_row_floats(const geometry *g)
{
    return (g->wo - 1) * g->l->pull.stride + g->l->pull.kw;
}

static int input_rows_of_chunk(const geometry *g)
{
    return (g->rows_per_chunk - 1) * g->l->pull.stride + g->l->pull.kh;
}

/* Per thread: the push columns and Z (D, chunk) each, both products (2K, chunk), the
 * horizontally filtered rows of one channel (s, input rows, Wo) and one padded row. */
static size_t thread_floats(const geometry *g)
{
    const pp_conv_shape *p = &g->l->push;
    const size_t chunk = (size_t)g->rows_per_chunk * g->wo, depth = (size_t)p->cin * p->kh * p->kw;
    const size_t floats = 2 * depth * chunk + 2 * (size_t)p->cout * chunk +
                          (size_t)p->kw * input_rows_of_chunk(g) * g->wo + padded_row_floats(g);
    return (floats + 15) & ~(size_t)15;
}

static geometry geometry_of(const pp_pushpull2020_layer *l, int n, int h, int w)
{
    geometry g = {.l = l, .n = n, .h = h, .w = w};
    g.ho = pp_conv_out_size(h, l->push.kh, l->push.stride, l->push.pad);
    g.wo = pp_conv_out_size(w, l->push.kw, l->push.stride, l->push.pad);
    g.rows_per_chunk = CHUNK_COLUMNS / (g.wo > 0 ? g.wo : 1);
    g.rows_per_chunk = g.rows_per_chunk < 1 ? 1 : g.rows_per_chunk > g.ho ? g.ho : g.rows_per_chunk;
    g.chunks_per_image = g.rows_per_chunk > 0 ? (g.ho + g.rows_per_chunk - 1) / g.rows_per_chunk : 0;
    g.p_total = (size_t)n * g.ho * g.wo;
    return g;
}

size_t pp_pushpull2020_workspace_floats(const pp_pushpull2020_layer *l, int n, int h, int w, int threads)
{
    const geometry g = geometry_of(l, n, h, w);
    return thread_floats(&g) * (size_t)pp_threads_clamp(threads);
}

/* dst[0, count) = u[0] src[0, count) + u[1] src[step, step + count) + ... (taps terms):
 * long stride-1 runs, the sum kept in dst (restrict: the loop vectorises). */
static void weighted_rows(float *restrict dst, const float *restrict src, const float *u, int taps, size_t step,
                          size_t count)
{
    for (size_t j = 0; j < count; j++)
        dst[j] = taps > 0 ? u[0] * src[j] : 0.0f;
    for (int q = 1; q < taps; q++) {
        const float w = u[q], *restrict from = src + q * step;
        for (size_t j = 0; j < count; j++)
            dst[j] += w * from[j];
    }
}

/* Z rows (c, a, b) for output rows [r0, r1) of image img: x_c filtered by u_a u_b^T
 * on the pull convolution's grid, first along x into rows (b, input row, Wo; the
 * padding rows zero), then along y. */
static void pull_columns(float *z, float *rows, float *padded, const float *in, const geometry *g,
                         const resize_taps *t, int img, int r0, int r1)
{
    const pp_conv_shape *pull = &g->l->pull;
    const int s = g->l->push.kh, st = pull->stride, wo = g->wo, pw = padded_row_floats(g);
    const int y0 = r0 * st - pull->pad, y_count = (r1 - r0 - 1) * st + pull->kh;
    const size_t chunk = (size_t)(r1 - r0) * wo, rows_per_b = (size_t)y_count * wo;
    for (int c = 0; c < pull->cin; c++) {
        const float *plane = in + ((size_t)c * g->n + img) * g->h * g->w;
        for (int yy = 0; yy < y_count; yy++) {
            const int y = y0 + yy;
            if (y < 0 || y >= g->h) {
                for (int b = 0; b < s; b++)
                    memset(rows + b * rows_per_b + (size_t)yy * wo, 0, sizeof(float) * (size_t)wo);
                continue;
            }
            /* the input row with the pull padding around it, so the taps need no bounds tests */
            for (int x = 0; x < pw; x++) {
                const int ix = x - pull->pad;
                padded[x] = ix >= 0 && ix < g->w ? plane[(size_t)y * g->w + ix] : 0.0f;
            }
            for (int b = 0; b < s; b++) {
                float *dst = rows + b * rows_per_b + (size_t)yy * wo;
                if (st == 1) {
                    weighted_rows(dst, padded + t->first[b], t->u[b], t->count[b], 1, (size_t)wo);
                    continue;
                }
                for (int j = 0; j < wo; j++) {
                    float acc = 0;
                    for (int q = 0; q < t->count[b]; q++)
                        acc += t->u[b][q] * padded[j * st + t->first[b] + q];
                    dst[j] = acc;
                }
            }
        }
        for (int a = 0; a < s; a++)
            for (int b = 0; b < s; b++) {
                float *dst = z + ((size_t)(c * s + a) * s + b) * chunk;
                const float *src = rows + b * rows_per_b + (size_t)t->first[a] * wo;
                /* stride 1: output row r reads input rows r + first + p, so the whole
                 * chunk is one run per tap; otherwise row by row */
                if (st == 1)
                    weighted_rows(dst, src, t->u[a], t->count[a], (size_t)wo, chunk);
                else
                    for (int r = 0; r < r1 - r0; r++)
                        weighted_rows(dst + (size_t)r * wo, src + (size_t)r * st * wo, t->u[a], t->count[a],
                                      (size_t)wo, (size_t)wo);
            }
    }
}

/* out = relu(push) - a relu(pull) (then ep) for columns [p0, p0 + chunk); products:
 * W x columns (K, chunk) then W x Z (K, chunk), biases not yet added. */
static void combine(float *out, float *responses, const float *products, const geometry *g, size_t p0,
                    size_t chunk, const pp_epilogue *ep)
{
    const pp_pushpull2020_layer *l = g->l;
    const int k_count = l->push.cout;
    for (int k = 0; k < k_count; k++) {
        const float a = pp_pushpull2020_alpha(l, k), b = l->bias ? l->bias[k] : 0.0f;
        const float scale = ep && ep->scale ? ep->scale[k] : 1.0f, shift = ep && ep->shift ? ep->shift[k] : 0.0f;
        const bool relu = ep && ep->relu;
        const float *push = products + (size_t)k * chunk, *pull_w = products + (size_t)(k_count + k) * chunk;
        float *y = out + (size_t)k * g->p_total + p0;
        for (size_t p = 0; p < chunk; p++) {
            const float pu = push[p] + b, pl = -pull_w[p] - b;
            const float v = (pp_relu(pu) - a * pp_relu(pl)) * scale + shift;
            y[p] = relu ? pp_relu(v) : v;
        }
        if (responses) {
            float *rp = responses + (size_t)k * g->p_total + p0, *rl = responses + (size_t)(k_count + k) * g->p_total + p0;
            for (size_t p = 0; p < chunk; p++) {
                rp[p] = push[p] + b;
                rl[p] = -pull_w[p] - b;
            }
        }
    }
}

void pp_pushpull2020_forward_bn(float *out, float *responses, const float *in, const pp_pushpull2020_layer *l, int n,
                                int h, int w, const pp_epilogue *ep, float *workspace, int threads)
{
    threads = pp_threads_clamp(threads);
    const geometry g = geometry_of(l, n, h, w);
    const int k_count = l->push.cout, depth = l->push.cin * l->push.kh * l->push.kw;
    const size_t per_thread = thread_floats(&g), full_chunk = (size_t)g.rows_per_chunk * g.wo;
    resize_taps taps;
    resize_taps_init(&taps, l->push.kh, l->pull.kh);
    const int units = n * g.chunks_per_image;
#pragma omp parallel num_threads(threads)
    {
        float *cols = workspace + per_thread * (size_t)omp_get_thread_num(), *z = cols + (size_t)depth * full_chunk;
        float *products = z + (size_t)depth * full_chunk, *rows = products + 2 * (size_t)k_count * full_chunk;
        float *padded = rows + (size_t)l->push.kw * input_rows_of_chunk(&g) * g.wo;
#pragma omp for schedule(static)
        for (int u = 0; u < units; u++) {
            const int img = u / g.chunks_per_image, r0 = u % g.chunks_per_image * g.rows_per_chunk;
            const int r1 = r0 + g.rows_per_chunk < g.ho ? r0 + g.rows_per_chunk : g.ho;
            const size_t p0 = ((size_t)img * g.ho + r0) * g.wo, chunk = (size_t)(r1 - r0) * g.wo;
            pp_im2col(cols, in, &l->push, n, h, w, p0, p0 + chunk, 0, depth);
            pull_columns(z, rows, padded, in, &g, &taps, img, r0, r1);
            pp_sgemm(false, false, k_count, (int)chunk, depth, l->weight, depth, cols, (int)chunk, 0.0f, products,
                     (int)chunk);
            pp_sgemm(false, false, k_count, (int)chunk, depth, l->weight, depth, z, (int)chunk, 0.0f,
                     products + (size_t)k_count * chunk, (int)chunk);
            combine(out, responses, products, &g, p0, chunk, ep);
        }
    }
}

void pp_pushpull2020_forward(float *out, float *responses, const float *in, const pp_pushpull2020_layer *l, int n,
                             int h, int w, float *workspace, int threads)
{
    pp_pushpull2020_forward_bn(out, responses, in, l, n, h, w, NULL, workspace, threads);
}
