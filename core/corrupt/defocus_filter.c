#include "defocus_filter.h"

#include <immintrin.h>

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "defocus_kernel.h"
#include "filter.h"
#include "planes.h"

struct pp_defocus_filter {
    int half, gr;     /* the kernel grid's half-width, the Gaussian's radius */
    int *span;        /* (2 half + 1): disk row dy covers dx in [-span, span]; -1: empty */
    float disk;       /* the disk's weight, (float)(1 / count) as the kernel holds it */
    float g[5];       /* G's 2 gr + 1 taps */
    int n_res;        /* R's taps: offsets in [-half - gr, half + gr] and weights */
    int *res_y, *res_x;
    float *res_w;
    float *k;         /* the whole kernel (side, side), for the direct path */
    int side, nonzero;
};

void pp_defocus_filter_free(pp_defocus_filter *f)
{
    if (!f)
        return;
    free(f->span), free(f->res_y), free(f->res_x), free(f->res_w), free(f->k);
    free(f);
}

int pp_defocus_filter_residual_taps(const pp_defocus_filter *f)
{
    return f->n_res;
}

pp_defocus_filter *pp_defocus_filter_new(double radius, double alias_sigma, pp_error *err)
{
    int side;
    float *k = pp_defocus_kernel(radius, alias_sigma, &side, err); /* checks the radius */
    if (!k)
        return NULL;
    pp_defocus_filter *f = calloc(1, sizeof *f);
    int half = side / 2, n = side;
    double g[5];
    int ks = pp_defocus_alias_taps(radius, alias_sigma, g), gr = ks / 2;
    int e = half + gr, m = 2 * e + 1; /* the grid of G (x) D: (m, m) */
    double *gd = calloc((size_t)m * m, sizeof(double));
    if (f) {
        f->span = malloc(sizeof(int) * n);
        f->res_y = malloc(sizeof(int) * m * m);
        f->res_x = malloc(sizeof(int) * m * m);
        f->res_w = malloc(sizeof(float) * m * m);
    }
    if (!f || !gd || !f->span || !f->res_y || !f->res_x || !f->res_w) {
        free(k), free(gd);
        pp_defocus_filter_free(f);
        pp_fail(err, PP_ERR_NOMEM, "out of memory for a defocus filter");
        return NULL;
    }
    f->half = half, f->gr = gr;
    for (int i = 0; i < ks; i++)
        f->g[i] = (float)g[i];
    double count = 0;
    for (int y = -half; y <= half; y++) {
        f->span[y + half] = -1;
        for (int x = 0; x <= half; x++)
            if (x * x + y * y <= radius * radius)
                f->span[y + half] = x;
        count += f->span[y + half] >= 0 ? 2 * f->span[y + half] + 1 : 0;
    }
    f->disk = (float)(1.0 / count);
    /* G (x) D on the (m, m) grid, then R = K - G (x) D: what the kernel grid's cut left */
    double kmax = 0;
    for (int y = -half; y <= half; y++)
        for (int x = -f->span[y + half]; x <= f->span[y + half]; x++)
            for (int i = 0; i < ks; i++)
                for (int j = 0; j < ks; j++)
                    gd[(size_t)(y + e + i - gr) * m + x + e + j - gr] += g[i] * g[j] * f->disk;
    for (int i = 0; i < n * n; i++)
        kmax = fmax(kmax, k[i]);
    for (int y = -e; y <= e; y++)
        for (int x = -e; x <= e; x++) {
            double kv = abs(y) <= half && abs(x) <= half ? k[(y + half) * n + x + half] : 0;
            double r = kv - gd[(size_t)(y + e) * m + x + e];
            /* below this the float kernel's own rounding: dropping it moves an output by
             * less than 1e-6 of the range */
            if (fabs(r) > 1e-6 * kmax) {
                f->res_y[f->n_res] = y, f->res_x[f->n_res] = x;
                f->res_w[f->n_res++] = (float)r;
            }
        }
    for (int i = 0; i < n * n; i++)
        f->nonzero += k[i] != 0.f;
    f->k = k, f->side = n;
    free(gd);
    return f;
}

/* R's taps added to an output row: RUN outputs in four AVX vectors held in registers
 * over all taps (one load, multiply and add per tap and vector; the engine's baseline
 * is x86-64-v3). p is the padded plane at the row's first pixel. */
#define RUN 32
#define QRUN 32

static void residual_row(const pp_defocus_filter *f, const float *p, int pw, float *o, int w)
{
    for (int x0 = 0; x0 < w; x0 += RUN) {
        float run[RUN];
        const int n = w - x0 < RUN ? w - x0 : RUN;
        memcpy(run, o + x0, sizeof(float) * n);
        __m256 acc[4];
        for (int v = 0; v < 4; v++)
            acc[v] = _mm256_loadu_ps(run + 8 * v);
        for (int t = 0; t < f->n_res; t++) {
            const float *q = p + (ptrdiff_t)f->res_y[t] * pw + f->res_x[t] + x0;
            const __m256 kv = _mm256_set1_ps(f->res_w[t]);
            for (int v = 0; v < 4; v++)
                acc[v] = _mm256_add_ps(acc[v], _mm256_mul_ps(kv, _mm256_loadu_ps(q + 8 * v)));
        }
        for (int v = 0; v < 4; v++)
            _mm256_storeu_ps(run + 8 * v, acc[v]);
        memcpy(o + x0, run, sizeof(float) * n);
    }
}

pp_status pp_defocus_filter_plane(const pp_defocus_filter *f, const float *src, float *dst, int h,
                                  int w, pp_error *err)
{
    const int half = f->half, gr = f->gr, e = half + gr;
    const int ph = h + 2 * e, pw = w + 2 * e; /* the padded plane */
    const int qh = h + 2 * gr, qw = w + 2 * gr; /* D (x) P where G reads it */
    float *pad = pp_floats_alloc((size_t)ph * pw + RUN, err); /* slack: the last run reads past */
    float *sums = pp_floats_alloc((size_t)ph * (pw + 1) + QRUN, err); /* row prefix sums */
    float *q = pp_floats_alloc((size_t)qh * qw, err), *hq = pp_floats_alloc((size_t)qh * w, err);
    int *xmap = malloc(sizeof(int) * pw);
    if (!pad || !sums || !q || !hq || !xmap) {
        pp_floats_free(pad), pp_floats_free(sums), pp_floats_free(q), pp_floats_free(hq), free(xmap);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a %dx%d defocus blur", h, w);
    }
    for (int x = 0; x < pw; x++)
        xmap[x] = pp_border_index(x - e, w, PP_BORDER_REFLECT101);
    const int nt = pp_filter_loop_threads((size_t)h * w);
    /* the padded plane and its row prefix sums, four rows at a time: four
     * independent add chains instead of one (a chain is an add's latency per value) */
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int y0 = 0; y0 < ph; y0 += 4) {
        const int rows = ph - y0 < 4 ? ph - y0 : 4;
        float acc[4] = {0, 0, 0, 0};
        for (int k = 0; k < rows; k++) {
            const float *row = src + (size_t)pp_border_index(y0 + k - e, h, PP_BORDER_REFLECT101) * w;
            float *p = pad + (size_t)(y0 + k) * pw;
            for (int x = 0; x < pw; x++)
                p[x] = row[xmap[x]];
            sums[(size_t)(y0 + k) * (pw + 1)] = 0;
        }
        for (int x = 0; x < pw; x++)
            for (int k = 0; k < rows; k++)
                sums[(size_t)(y0 + k) * (pw + 1) + x + 1] = acc[k] += pad[(size_t)(y0 + k) * pw + x];
    }
    /* q = D (x) P: per disk row the span's sum, two prefix reads; QRUN outputs in
     * four AVX vectors held in registers over the disk's rows */
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int y = 0; y < qh; y++) {
        float *o = q + (size_t)y * qw;
        for (int x0 = 0; x0 < qw; x0 += QRUN) {
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (int dy = -half; dy <= half; dy++) {
                const int a = f->span[dy + half];
                if (a < 0)
                    continue;
                const float *s = sums + (size_t)(y + half + dy) * (pw + 1) + x0;
                const float *hi = s + half + a + 1, *lo = s + half - a;
                for (int v = 0; v < 4; v++)
                    acc[v] = _mm256_add_ps(acc[v], _mm256_sub_ps(_mm256_loadu_ps(hi + 8 * v), _mm256_loadu_ps(lo + 8 * v)));
            }
            float run[QRUN];
            const __m256 disk = _mm256_set1_ps(f->disk);
            for (int v = 0; v < 4; v++)
                _mm256_storeu_ps(run + 8 * v, _mm256_mul_ps(acc[v], disk));
            memcpy(o + x0, run, sizeof(float) * (size_t)(qw - x0 < QRUN ? qw - x0 : QRUN));
        }
    }
    /* G, rows then columns (outputs held in registers over the taps), then R's taps on
     * the padded plane */
    const int taps = 2 * gr + 1;
    bool failed = false;
#pragma omp parallel num_threads(nt)
    {
        const float **rows = malloc(sizeof(float *) * (size_t)taps);
#pragma omp for schedule(static)
        for (int y = 0; y < qh; y++) {
            if (!rows)
                continue;
            for (int t = 0; t < taps; t++)
                rows[t] = q + (size_t)y * qw + t;
            pp_correlate_row(hq + (size_t)y * w, w, rows, f->g, taps);
        }
#pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!rows)
                continue;
            float *o = dst + (size_t)y * w;
            for (int t = 0; t < taps; t++)
                rows[t] = hq + (size_t)(y + t) * w;
            pp_correlate_row(o, w, rows, f->g, taps);
            if (f->n_res)
                residual_row(f, pad + (size_t)(y + e) * pw + e, pw, o, w);
        }
        if (!rows) {
#pragma omp atomic write
            failed = true;
        }
        free(rows);
    }
    pp_floats_free(pad), pp_floats_free(sums), pp_floats_free(q), pp_floats_free(hq), free(xmap);
    if (failed)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a %dx%d defocus blur", h, w);
    return PP_OK;
}

pp_status pp_defocus_filter_apply(const pp_defocus_filter *f, const float *src, float *dst, int h,
                                  int w, pp_error *err)
{
    /* a kernel of a few taps (CIFAR's radii below 2) costs less done directly than the
     * spans' padded prefix sums and Gaussian passes */
    if (f->nonzero <= 32)
        return pp_filter_2d(src, dst, h, w, f->k, f->side, f->side, PP_BORDER_REFLECT101, err);
    return pp_defocus_filter_plane(f, src, dst, h, w, err);
}
