#include "pushpull_tail.h"

#include <string.h>

#include "pool.h"
#include "relu.h"

/* Scratch: the vertical window sum of a row with `pad` zeros either side,
 * the reciprocal window sizes of a row, and in place the `pad` push rows
 * already overwritten that later rows still pool. */
size_t pp_pushpull_tail_scratch_floats(int wo, int avg_kernel)
{
    const int k = avg_kernel > 0 ? avg_kernel : 1, pad = (k - 1) / 2;
    const size_t tail = (size_t)(wo + 2 * pad) + (size_t)wo + (size_t)pad * wo;
    const size_t pool = pp_avgpool2d_plane_scratch_floats(wo);
    return tail > pool ? tail : pool;
}

void pp_pushpull_pool_sums(float *pooled_sums, const float *sums, int ho, int wo, int avg_kernel, float *scratch)
{
    pp_avgpool2d_plane(pooled_sums, sums, ho, wo, avg_kernel, (avg_kernel - 1) / 2, scratch);
}

/* 1 / the cell count of each window of a row whose windows span `rows` rows
 * (the padding is not counted, as the unit's pooling). */
static void window_inverses(float *inv, int wo, int pad, int rows)
{
    for (int x = 0; x < wo; x++) {
        const int x0 = x - pad < 0 ? 0 : x - pad, x1 = x + pad + 1 > wo ? wo : x + pad + 1;
        inv[x] = 1.0f / (float)(rows * (x1 - x0));
    }
}

/* vsum = the sum of `count` rows (1 to 5), in one pass. */
static void vertical_sum(float *restrict vsum, const float *const *r, int count, int wo)
{
    switch (count) {
    case 1: memcpy(vsum, r[0], sizeof(float) * (size_t)wo); break;
    case 2:
#pragma omp simd
        for (int x = 0; x < wo; x++)
            vsum[x] = r[0][x] + r[1][x];
        break;
    case 3:
#pragma omp simd
        for (int x = 0; x < wo; x++)
            vsum[x] = r[0][x] + r[1][x] + r[2][x];
        break;
    case 4:
#pragma omp simd
        for (int x = 0; x < wo; x++)
            vsum[x] = r[0][x] + r[1][x] + r[2][x] + r[3][x];
        break;
    default:
#pragma omp simd
        for (int x = 0; x < wo; x++)
            vsum[x] = r[0][x] + r[1][x] + r[2][x] + r[3][x] + r[4][x];
        break;
    }
}

/* One output row; k and relu are constants where the dispatch below inlines
 * it, so the tap loop unrolls and the row vectorises. p may be y itself:
 * element x reads p[x] before it writes y[x]. */
static inline __attribute__((always_inline)) void tail_row(float *y, float *restrict pulled, const float *p,
                                                           const float *restrict vsum, const float *restrict ps,
                                                           const float *restrict inv, int wo, int k, float c,
                                                           float a, float b, float s, float t, bool relu)
{
#pragma omp simd
    for (int x = 0; x < wo; x++) {
        float h = vsum[x];
        for (int j = 1; j < k; j++)
            h += vsum[x + j];
        const float q = c * ps[x] - h * inv[x];
        if (pulled)
            pulled[x] = q;
        float v = pp_relu(p[x]) - a * pp_relu(q) + b;
        v = v * s + t;
        y[x] = relu ? pp_relu(v) : v;
    }
}

/* k, relu and whether the pulled row is kept (for the taps and the backward
 * pass) as constants: the usual kernels get their own unrolled loops. */
#define TAIL_ROW_CASE(K, RELU)                                                                               \
    case K * 2 + RELU:                                                                                       \
        if (pulled)                                                                                          \
            tail_row(y, pulled, p, vsum, ps, inv, wo, K, c, a, b, s, t, RELU);                               \
        else                                                                                                 \
            tail_row(y, NULL, p, vsum, ps, inv, wo, K, c, a, b, s, t, RELU);                                 \
        break;

static void tail_row_any(float *y, float *pulled, const float *p, const float *vsum, const float *ps,
                         const float *inv, int wo, int k, float c, float a, float b, float s, float t, bool relu)
{
    switch (k * 2 + relu) {
        TAIL_ROW_CASE(1, false)
        TAIL_ROW_CASE(1, true)
        TAIL_ROW_CASE(3, false)
        TAIL_ROW_CASE(3, true)
        TAIL_ROW_CASE(5, false)
        TAIL_ROW_CASE(5, true)
    default: tail_row(y, pulled, p, vsum, ps, inv, wo, k, c, a, b, s, t, relu); break;
    }
}

void pp_pushpull_tail_plane(float *out, float *pulled_out, const float *push, const float *pooled_sums, int ho,
                            int wo, int avg_kernel, float c_k, float a, float b, const pp_pushpull_bn *bn,
                            float *scratch)
{
    const int k = avg_kernel > 0 ? avg_kernel : 1, pad = (k - 1) / 2;
    float *vrow = scratch, *inv = vrow + wo + 2 * pad, *kept = inv + wo;
    const bool in_place = out == push;
    const size_t row_bytes = sizeof(float) * (size_t)wo;
    for (int x = 0; x < pad; x++)
        vrow[x] = vrow[pad + wo + x] = 0.0f;
    float *vsum = vrow + pad;
    int inv_rows = 0; /* the row count inv is for */
    for (int oy = 0; oy < ho; oy++) {
        const int y0 = oy - pad < 0 ? 0 : oy - pad, y1 = oy + pad + 1 > ho ? ho : oy + pad + 1;
        if (y1 - y0 != inv_rows)
            window_inverses(inv, wo, pad, inv_rows = y1 - y0);
        const float *r[5] = {0}; /* the window's push rows; in place, those above oy were kept */
        for (int y = y0; y < y1; y++)
            r[y - y0] = in_place && y < oy ? kept + (size_t)(y % pad) * wo : push + (size_t)y * wo;
        vertical_sum(vsum, r, y1 - y0, wo);
        const float *p = push + (size_t)oy * wo;
        if (in_place && pad > 0) { /* its slot held row oy - pad, which no later row pools */
            float *keep = kept + (size_t)(oy % pad) * wo;
            memcpy(keep, p, row_bytes);
            p = keep;
        }
        float *q = pulled_out ? pulled_out + (size_t)oy * wo : NULL;
        tail_row_any(out + (size_t)oy * wo, q, p, vrow, pooled_sums + (size_t)oy * wo, inv, wo, k, c_k, a, b,
                     bn ? bn->scale : 1.0f, bn ? bn->shift : 0.0f, bn && bn->relu);
    }
}
