/* PRIME (Modas et al., ECCV 2022; amodas/PRIME-augmentations @ 0290f6b):
 * random spectral (a 3x3 random filter), spatial (a smooth random
 * diffeomorphism) and colour (a random smooth curve per channel) primitives
 * in chains of depth 1-3, mixed like AugMix in float after normalisation.
 *
 * The reference draws on the GPU (no CPU replay is possible), so draws here
 * come from the counter-based generator and the tests are statistical. One
 * difference in structure: the reference draws a primitive's strength (filter
 * sigma, colour cut and temperature, diffeomorphism cut and temperature) once
 * per batch call; here it is drawn per image and application, the same laws.
 * The filter keeps the reference's delta at index [ceil(k/2), ceil(k/2)] (the
 * bottom-right tap for k = 3, so sigma -> 0 shifts the image by one pixel),
 * as the published models were trained with it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../corrupt/noise_field.h"
#include "../rng.h"
#include "augmentation.h"

enum { P_WIDTH, P_DEPTH, P_DIFFEO_CUT, P_COLOR_CUT, P_COLOR_T, P_FILTER_SIGMA };
#define MAX_WIDTH 10
#define CUTMIN 2

typedef struct {
    uint64_t key, i;
    bool has_normal;
    double normal;
} draws;

static double uniform(draws *d)
{
    return pp_rng_uniform(d->key, d->i++);
}

/* Marsaglia's polar method: no sine or cosine, the second value kept */
static double normal(draws *d)
{
    if (d->has_normal) {
        d->has_normal = false;
        return d->normal;
    }
    double u, v, q;
    do {
        u = 2 * uniform(d) - 1;
        v = 2 * uniform(d) - 1;
        q = u * u + v * v;
    } while (q >= 1 || q == 0);
    const double f = sqrt(-2 * log(q) / q);
    d->normal = v * f;
    d->has_normal = true;
    return u * f;
}

/* integer uniform in [lo, hi) as torch.randint(lo, hi) */
static int randint(draws *d, int lo, int hi)
{
    int v = lo + (int)(uniform(d) * (hi - lo));
    return v < hi ? v : hi - 1;
}

/* Beta(1/2, 1/2), the arcsine law */
static double beta_half(draws *d)
{
    double s = sin(M_PI_2 * uniform(d));
    return s * s;
}

typedef struct {
    int w, h, ch;
    size_t plane;
    float *tmp;    /* (C, H, W) */
    double *field; /* (2, H, W) + (cut, W) */
} scratch;

/* Diffeo: u(y, x) = sum_ij c_ij sin(pi i x^) sin(pi j y^), c_ij ~ N(0, 1) e_ij,
 * separably: partial[j][x] = sum_i c_ij sin(pi i x^), then the sum over j.
 * The cut x cut normals come in one vectorised counter-based fill (the
 * coefficients outside the disc, e_ij = 0, are drawn and unused, as in the
 * reference); sx (cut, w) and sy (cut, h) hold the sines. */
static void smooth_field(draws *d, double *out, double *partial, float *coeff, const double *sx, const double *sy,
                         int cut, int w, int h)
{
    pp_noise_normal_fill(pp_rng_key(d->key, d->i++), 0, coeff, (size_t)cut * cut);
    memset(partial, 0, sizeof(double) * (size_t)cut * w);
    for (int i = 1; i <= cut; i++)
        for (int j = 1; j <= cut; j++) {
            double r = sqrt((double)(i * i + j * j));
            if (!(r < cut + 0.5))
                continue;
            const double c = coeff[(size_t)(i - 1) * cut + (j - 1)] / r;
            const double *si = sx + (size_t)(i - 1) * w;
            double *pj = partial + (size_t)(j - 1) * w;
            for (int x = 0; x < w; x++)
                pj[x] += c * si[x];
        }
    for (int y = 0; y < h; y++) {
        double *o = out + (size_t)y * w;
        memset(o, 0, sizeof(double) * w);
        for (int j = 1; j <= cut; j++) {
            const double s = sy[(size_t)(j - 1) * h + y], *pj = partial + (size_t)(j - 1) * w;
            for (int x = 0; x < w; x++)
                o[x] += s * pj[x];
        }
    }
}

/* sin(pi k t / (n - 1)) for k = 1..cut, t = 0..n-1, into (cut, n): k t taken
 * modulo the period 2 (n - 1), so one period of 2 (n - 1) sines serves all
 * cut x n entries. `period` holds 2 (n - 1) doubles. */
static void sine_table(double *out, double *period, int cut, int n)
{
    if (n < 2) {
        memset(out, 0, sizeof(double) * (size_t)cut * n);
        return;
    }
    const int m = 2 * (n - 1);
    for (int t = 0; t < m; t++)
        period[t] = sin(M_PI * t / (n - 1));
    for (int k = 1; k <= cut; k++)
        for (int t = 0; t < n; t++)
            out[(size_t)(k - 1) * n + t] = period[(int)(((int64_t)k * t) % m)];
}

static void diffeo(draws *d, float *img, scratch *s, int cutmax_max)
{
    const int w = s->w, h = s->h, n = w > h ? w : h;
    int cutmax = randint(d, CUTMIN + 1, cutmax_max + 1);
    int cut = (int)(beta_half(d) * (cutmax + 1 - CUTMIN) + CUTMIN);
    cut = cut > cutmax ? cutmax : cut; /* sin^2 may round to 1: keep within the buffers */
    const double c = cut + 1e-6;
    double t1 = 1 / (M_PI * n * n * log(c)), t2 = 4 / (M_PI * M_PI * M_PI * c * c * log(c));
    t2 = fmax(t1, t2);
    const double temp = beta_half(d) * (t2 - t1) + t1;
    double *u = s->field, *v = u + s->plane, *partial = v + s->plane, *sx = partial + (size_t)cut * w,
           *sy = sx + (size_t)cut * w, *period = sy + (size_t)cut * h;
    float *coeff = (float *)(period + 2 * (size_t)n);
    sine_table(sx, period, cut, w);
    sine_table(sy, period, cut, h);
    smooth_field(d, u, partial, coeff, sx, sy, cut, w, h);
    smooth_field(d, v, partial, coeff, sx, sy, cut, w, h);
    const double scale = sqrt(temp) * n;
    memcpy(s->tmp, img, sizeof(float) * s->plane * s->ch);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            double xn = fmin(fmax(x - scale * u[i], 0), w - 1), yn = fmin(fmax(y - scale * v[i], 0), h - 1);
            int xf = (int)floor(xn), yf = (int)floor(yn), xc = (int)ceil(xn), yc = (int)ceil(yn);
            double xv = xn - xf, yv = yn - yf;
            for (int ch = 0; ch < s->ch; ch++) {
                const float *a = s->tmp + ch * s->plane;
                img[ch * s->plane + i] =
                    (float)((1 - yv) * (1 - xv) * a[yf * w + xf] + (1 - yv) * xv * a[yf * w + xc] +
                            yv * (1 - xv) * a[yc * w + xf] + yv * xv * a[yc * w + xc]);
            }
        }
}

/* sin(pi p) and 2 cos(pi p) for p in [0, 1] (every primitive keeps pixels
 * there) as float polynomials the compiler vectorises: with x = pi (p - 1/2)
 * in [-pi/2, pi/2], sin(pi p) = cos x and cos(pi p) = -sin x; Taylor to
 * degree 12 / 11, within 4e-7 of libm: the float planes' own rounding. */
static inline void sin_two_cos_pi(float p, float *sin_out, float *two_cos_out)
{
    const float x = 3.14159265358979f * (p - 0.5f), x2 = x * x;
    const float c = 1 + x2 * (-1 / 2.f + x2 * (1 / 24.f + x2 * (-1 / 720.f + x2 * (1 / 40320.f +
                        x2 * (-1 / 3628800.f + x2 * (1 / 479001600.f))))));
    const float sn = x * (1 + x2 * (-1 / 6.f + x2 * (1 / 120.f + x2 * (-1 / 5040.f + x2 * (1 / 362880.f +
                             x2 * (-1 / 39916800.f))))));
    *sin_out = c;
    *two_cos_out = -2 * sn;
}

/* Colour: x + sum_k coeff_ck sin(pi k x), clamped. The sines come from the
 * Chebyshev recurrence sin((k+1)t) = 2 cos t sin(kt) - sin((k-1)t), stepped for
 * all pixels of a channel at once so the loop over pixels vectorises. */
static void smooth_color(draws *d, float *img, scratch *s, int cut_max, double t_max)
{
    int cut = randint(d, 1, cut_max + 1);
    double temp = uniform(d) * t_max;
    double coeff[3][512];
    for (int ch = 0; ch < s->ch; ch++)
        for (int k = 0; k < cut; k++)
            coeff[ch][k] = normal(d) * sqrt(temp);
    /* float planes (8 lanes a vector): the recurrence's error grows about k ulps,
     * 1e-5 at k = 100, far below the curve's own amplitude */
    const size_t n = s->plane;
    float *two_cos = (float *)s->field, *prev = two_cos + n, *cur = prev + n, *sum = cur + n;
    for (int ch = 0; ch < s->ch; ch++) {
        float *p = img + ch * n;
        for (size_t i = 0; i < n; i++) {
            sin_two_cos_pi(p[i], &cur[i], &two_cos[i]);
            prev[i] = 0, sum[i] = 0;
        }
        for (int k = 0; k < cut; k++) {
            const float c = (float)coeff[ch][k];
            for (size_t i = 0; i < n; i++) {
                sum[i] += c * cur[i];
                float next = two_cos[i] * cur[i] - prev[i];
                prev[i] = cur[i];
                cur[i] = next;
            }
        }
        for (size_t i = 0; i < n; i++) {
            double v = p[i] + sum[i];
            p[i] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
        }
    }
}

/* Spectral: one 3x3 kernel sigma N(0, 1) + delta per image, zero 'same' padding. */
static void random_filter(draws *d, float *img, scratch *s, double sigma_max)
{
    double sigma = uniform(d) * sigma_max, k[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            k[i][j] = sigma * normal(d) + (i == 2 && j == 2 ? 1.0 : 0.0);
    const int w = s->w, h = s->h;
    memcpy(s->tmp, img, sizeof(float) * s->plane * s->ch);
    for (int ch = 0; ch < s->ch; ch++) {
        const float *a = s->tmp + ch * s->plane;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double v = 0;
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 3; j++) {
                        int yy = y + i - 1, xx = x + j - 1;
                        if (yy >= 0 && yy < h && xx >= 0 && xx < w)
                            v += k[i][j] * a[yy * w + xx];
                    }
                v = isnan(v) ? 1 : v;
                img[ch * s->plane + (size_t)y * w + x] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
            }
    }
}

static pp_status prime_apply(const pp_augment_ctx *ctx, const pp_image *in, float *out, pp_error *err)
{
    const int width = (int)ctx->p[P_WIDTH], max_depth = (int)ctx->p[P_DEPTH];
    scratch s = {.w = in->width, .h = in->height, .ch = in->channels};
    s.plane = (size_t)s.w * s.h;
    const size_t n = s.plane * (size_t)s.ch;
    const int diffeo_cut = (int)ctx->p[P_DIFFEO_CUT];
    draws d = {.key = pp_rng_key(ctx->seed, 0x9e11e), .i = 0};
    float *clean = malloc(sizeof(float) * n), *aug = malloc(sizeof(float) * n), *mix = calloc(n, sizeof(float));
    s.tmp = malloc(sizeof(float) * n);
    /* diffeo: u, v (H, W), partial and the x sines (cut, W) each, the y sines
     * (cut, H), one period of sines (2 max(H, W)) and the cut x cut float
     * coefficients; colour: four (H, W) planes */
    const size_t side = (size_t)(s.w > s.h ? s.w : s.h);
    s.field = malloc(sizeof(double) * (4 * s.plane + (size_t)diffeo_cut * (2 * s.w + s.h) + 2 * side) +
                     sizeof(float) * (size_t)diffeo_cut * diffeo_cut);
    if (!clean || !aug || !mix || !s.tmp || !s.field) {
        free(clean), free(aug), free(mix), free(s.tmp), free(s.field);
        return pp_fail(err, PP_ERR_NOMEM, "prime: out of memory");
    }
    /* ws ~ Dirichlet(1, ..., 1), m ~ Beta(1, 1) */
    double ws[MAX_WIDTH], sum = 0;
    for (int i = 0; i < width; i++)
        sum += ws[i] = -log1p(-uniform(&d));
    const double m = uniform(&d);
    for (int c = 0; c < s.ch; c++)
        for (size_t i = 0; i < s.plane; i++)
            clean[c * s.plane + i] = in->pixels[i * s.ch + c] / 255.0f;
    for (int w = 0; w < width; w++) {
        memcpy(aug, clean, sizeof(float) * n);
        const int depth = 1 + randint(&d, 0, max_depth);
        for (int k = 0; k < depth; k++) {
            switch (randint(&d, 0, 3)) {
            case 0: diffeo(&d, aug, &s, diffeo_cut); break;
            case 1: smooth_color(&d, aug, &s, (int)ctx->p[P_COLOR_CUT], ctx->p[P_COLOR_T]); break;
            default: random_filter(&d, aug, &s, ctx->p[P_FILTER_SIGMA]); break;
            }
        }
        const float weight = (float)(ws[w] / sum);
        for (int c = 0; c < s.ch; c++) {
            const float scale = weight / ctx->std[c], offset = weight * ctx->mean[c] / ctx->std[c];
            for (size_t i = 0; i < s.plane; i++)
                mix[c * s.plane + i] += aug[c * s.plane + i] * scale - offset;
        }
    }
    for (int c = 0; c < s.ch; c++)
        for (size_t i = 0; i < s.plane; i++) {
            size_t j = c * s.plane + i;
            out[j] = (float)((1 - m) * ((clean[j] - ctx->mean[c]) / ctx->std[c]) + m * mix[j]);
        }
    free(clean), free(aug), free(mix), free(s.tmp), free(s.field);
    return PP_OK;
}

const pp_augmentation pp_augment_prime = {
    .name = "prime",
    .summary = "PRIME: chains of random filter, diffeomorphism and colour primitives mixed like AugMix",
    .n_params = 6,
    .params = {
        {"width", "number of chains mixed", 1, MAX_WIDTH, 3, true},
        {"depth", "chains have 1 to depth primitives", 1, 5, 3, true},
        {"diffeo_cut", "largest diffeomorphism frequency cut (CIFAR 100, ImageNet 500)", 3, 500, 100, true},
        {"color_cut", "largest colour-curve frequency (CIFAR 100)", 1, 500, 100, true},
        {"color_t", "colour temperature T_max (CIFAR 0.01)", 0, 1, 0.01, false},
        {"filter_sigma", "random-filter sigma_max", 0, 10, 4, false},
    },
    .apply_float = prime_apply,
};
