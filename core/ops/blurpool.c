#include "blurpool.h"

#include <stdlib.h>
#include <string.h>

#include "../threads.h"

int pp_blurpool_pad_lo(int filter)
{
    return (filter - 1) / 2;
}

int pp_blurpool_pad_hi(int filter)
{
    return filter / 2; /* ceil((f - 1) / 2) */
}

int pp_blurpool_out_size(int in, int filter, int stride)
{
    return (in + pp_blurpool_pad_lo(filter) + pp_blurpool_pad_hi(filter) - filter) / stride + 1;
}

bool pp_blurpool_fits(int filter, int h, int w)
{
    const int pad = pp_blurpool_pad_hi(filter); /* the larger of the two */
    return filter >= 1 && filter <= PP_BLURPOOL_MAX_FILTER && h > pad && w > pad;
}

void pp_blurpool_binomial(float *filt, int filter)
{
    /* Row `filter` of Pascal's triangle, as the reference's tap tables. */
    float taps[PP_BLURPOOL_MAX_FILTER] = {1};
    for (int i = 1; i < filter; i++)
        for (int j = i; j > 0; j--)
            taps[j] += taps[j - 1];
    float sum = 0;
    for (int i = 0; i < filter; i++)
        for (int j = 0; j < filter; j++)
            sum += taps[i] * taps[j];
    for (int i = 0; i < filter; i++)
        for (int j = 0; j < filter; j++)
            filt[i * filter + j] = taps[i] * taps[j] / sum;
}

/* nn.ReflectionPad2d's source index of padded position i (may be < 0 or >= n);
 * valid while the pad is smaller than n (pp_blurpool_fits). */
static inline int reflect(int i, int n)
{
    return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

/* The output columns [*lo, *hi) whose whole window lies inside [0, w), so the
 * inner loops need no reflection; the rest (at most pad / stride + 1 on each
 * side) go through reflect(). */
static void interior_columns(int *lo, int *hi, int wo, int w, int filter, int stride)
{
    const int pad = pp_blurpool_pad_lo(filter);
    *lo = (pad + stride - 1) / stride;
    *hi = w - filter + pad < 0 ? 0 : (w - filter + pad) / stride + 1;
    if (*hi > wo)
        *hi = wo;
    if (*lo > *hi)
        *lo = *hi;
}

/* One (H, W) plane through the filter k (f, f). The interior runs tap by tap
 * over whole output rows, so the compiler vectorises along x. */
static void blur_plane(float *dst, const float *src, const float *k, int f, int s, int h, int w, int ho, int wo)
{
    const int pad = pp_blurpool_pad_lo(f);
    int lo, hi;
    interior_columns(&lo, &hi, wo, w, f, s);
    for (int oy = 0; oy < ho; oy++) {
        const float *rows[PP_BLURPOOL_MAX_FILTER];
        for (int i = 0; i < f; i++)
            rows[i] = src + (size_t)reflect(oy * s - pad + i, h) * w;
        float *d = dst + (size_t)oy * wo;
        for (int ox = lo; ox < hi; ox++)
            d[ox] = 0;
        for (int i = 0; i < f; i++)
            for (int j = 0; j < f; j++) {
                const float kk = k[i * f + j];
                const float *r = rows[i] + j - pad;
                for (int ox = lo; ox < hi; ox++)
                    d[ox] += kk * r[(ptrdiff_t)ox * s];
            }
        for (int ox = 0; ox < wo; ox++) {
            if (ox == lo && lo < hi) {
                ox = hi - 1;
                continue;
            }
            float acc = 0;
            for (int i = 0; i < f; i++)
                for (int j = 0; j < f; j++)
                    acc += k[i * f + j] * rows[i][reflect(ox * s - pad + j, w)];
            d[ox] = acc;
        }
    }
}

/* The adjoint of blur_plane: dx (H, W) += each dy spread over its window,
 * the padded cells folded back onto the cells they mirror. */
static void blur_plane_adjoint(float *dx, const float *dy, const float *k, int f, int s, int h, int w, int ho, int wo)
{
    const int pad = pp_blurpool_pad_lo(f);
    int lo, hi;
    interior_columns(&lo, &hi, wo, w, f, s);
    for (int oy = 0; oy < ho; oy++) {
        float *rows[PP_BLURPOOL_MAX_FILTER];
        for (int i = 0; i < f; i++)
            rows[i] = dx + (size_t)reflect(oy * s - pad + i, h) * w;
        const float *g = dy + (size_t)oy * wo;
        for (int i = 0; i < f; i++)
            for (int j = 0; j < f; j++) {
                const float kk = k[i * f + j];
                float *r = rows[i] + j - pad;
                for (int ox = lo; ox < hi; ox++)
                    r[(ptrdiff_t)ox * s] += kk * g[ox];
            }
        for (int ox = 0; ox < wo; ox++) {
            if (ox == lo && lo < hi) {
                ox = hi - 1;
                continue;
            }
            for (int i = 0; i < f; i++)
                for (int j = 0; j < f; j++)
                    rows[i][reflect(ox * s - pad + j, w)] += k[i * f + j] * g[ox];
        }
    }
}

/* f = 1: the reference only subsamples (x[:, :, ::s, ::s]). */
static void subsample_plane(float *dst, const float *src, int s, int w, int ho, int wo)
{
    for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
            dst[(size_t)oy * wo + ox] = src[(size_t)oy * s * w + (size_t)ox * s];
}

static void subsample_plane_adjoint(float *dx, const float *dy, int s, int w, int ho, int wo)
{
    for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
            dx[(size_t)oy * s * w + (size_t)ox * s] += dy[(size_t)oy * wo + ox];
}

/* Plane by plane on `threads` threads: the forward (src = x, dst = y) or
 * its adjoint (src = dy, dst += dx). One plane per thread: the reflected taps
 * of a plane only land in that plane, so no two threads write one cell. */
static void blur_planes(float *dst, const float *src, const pp_blurpool *bp, int n, int h, int w, bool adjoint,
                        int threads)
{
    const int f = bp->filter, s = bp->stride;
    const int ho = pp_blurpool_out_size(h, f, s), wo = pp_blurpool_out_size(w, f, s);
    const size_t planes = (size_t)bp->channels * (size_t)n, in_plane = (size_t)h * w, out_plane = (size_t)ho * wo;
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (size_t pl = 0; pl < planes; pl++) {
        const float *k = bp->filt + pl / (size_t)n * f * f; /* channel pl / n's filter */
        if (adjoint && f == 1)
            subsample_plane_adjoint(dst + pl * in_plane, src + pl * out_plane, s, w, ho, wo);
        else if (adjoint)
            blur_plane_adjoint(dst + pl * in_plane, src + pl * out_plane, k, f, s, h, w, ho, wo);
        else if (f == 1)
            subsample_plane(dst + pl * out_plane, src + pl * in_plane, s, w, ho, wo);
        else
            blur_plane(dst + pl * out_plane, src + pl * in_plane, k, f, s, h, w, ho, wo);
    }
}

void pp_blurpool_forward(float *out, const float *in, const pp_blurpool *bp, int n, int h, int w, int threads)
{
    blur_planes(out, in, bp, n, h, w, false, threads);
}

void pp_blurpool_backward(float *dx, const float *dy, const pp_blurpool *bp, int n, int h, int w, int threads)
{
    blur_planes(dx, dy, bp, n, h, w, true, threads);
}

/* ------------------------------------------------------------ reference */

/* The padded plane (H + pads, W + pads) as nn.ReflectionPad2d builds it,
 * written out cell by cell from its definition. */
/* The input cell that padded position p (0 .. n + f - 2) copies. */
static int mirrored_ref(int p, int f, int n)
{
    int i = p - pp_blurpool_pad_lo(f);
    if (i < 0)
        i = -i;
    if (i > n - 1)
        i = 2 * (n - 1) - i;
    return i;
}

static void reflect_pad_ref(float *padded, const float *src, int f, int h, int w)
{
    const int hp = h + f - 1, wp = w + f - 1;
    for (int y = 0; y < hp; y++)
        for (int x = 0; x < wp; x++)
            padded[(size_t)y * wp + x] = src[(size_t)mirrored_ref(y, f, h) * w + mirrored_ref(x, f, w)];
}

void pp_blurpool_forward_ref(float *out, const float *in, const pp_blurpool *bp, int n, int h, int w)
{
    const int f = bp->filter, s = bp->stride;
    const int ho = pp_blurpool_out_size(h, f, s), wo = pp_blurpool_out_size(w, f, s);
    const int hp = h + f - 1, wp = w + f - 1;
    float *padded = malloc((size_t)hp * wp * sizeof *padded);
    if (!padded)
        abort(); /* test-only kernel */
    for (size_t pl = 0; pl < (size_t)bp->channels * n; pl++) {
        const float *k = bp->filt + pl / (size_t)n * f * f;
        reflect_pad_ref(padded, in + pl * (size_t)h * w, f, h, w);
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                double acc = 0;
                if (f == 1)
                    acc = padded[(size_t)oy * s * wp + (size_t)ox * s];
                else
                    for (int i = 0; i < f; i++)
                        for (int j = 0; j < f; j++)
                            acc += (double)k[i * f + j] * padded[(size_t)(oy * s + i) * wp + ox * s + j];
                out[pl * (size_t)ho * wo + (size_t)oy * wo + ox] = (float)acc;
            }
    }
    free(padded);
}

void pp_blurpool_backward_ref(float *dx, const float *dy, const pp_blurpool *bp, int n, int h, int w)
{
    const int f = bp->filter, s = bp->stride;
    const int ho = pp_blurpool_out_size(h, f, s), wo = pp_blurpool_out_size(w, f, s);
    const int hp = h + f - 1, wp = w + f - 1;
    double *padded = malloc((size_t)hp * wp * sizeof *padded);
    if (!padded)
        abort(); /* test-only kernel */
    for (size_t pl = 0; pl < (size_t)bp->channels * n; pl++) {
        const float *k = bp->filt + pl / (size_t)n * f * f;
        const float *g = dy + pl * (size_t)ho * wo;
        memset(padded, 0, (size_t)hp * wp * sizeof *padded);
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++)
                for (int i = 0; i < f; i++)
                    for (int j = 0; j < f; j++)
                        padded[(size_t)(oy * s + i) * wp + ox * s + j] +=
                            (f == 1 ? 1.0 : (double)k[i * f + j]) * g[(size_t)oy * wo + ox];
        /* Fold each padded cell back onto the input cell it copied. */
        float *d = dx + pl * (size_t)h * w;
        for (int y = 0; y < hp; y++)
            for (int x = 0; x < wp; x++)
                d[(size_t)mirrored_ref(y, f, h) * w + mirrored_ref(x, f, w)] += (float)padded[(size_t)y * wp + x];
    }
    free(padded);
}
