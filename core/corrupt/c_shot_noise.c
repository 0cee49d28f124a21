/* shot_noise: Poisson(lambda * x) / lambda per value on [0, 1]. Each value has a fixed
 * standard normal draw z (the vectorised field of noise_field.h; u = Phi(z) is uniform)
 * and takes the Poisson quantile at u, so the same seed gives the same noise pattern at
 * every lambda. Exact inverse CDF for means below 15, walked in z: the CDF steps are
 * mapped through the normal quantile once each, where an input level's walks reach; above, the
 * Cornish-Fisher quantile mu + z sqrt(mu) + (z^2 - 1) / 6 (error < 1 count). */
#include "corrupt_impl.h"
#include "noise_field.h"

/* Acklam's rational approximation of the standard normal quantile (rel. err 1e-9). */
static double normal_quantile(double p)
{
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                               2.445134137142996e+00, 3.754408661907416e+00};
    if (p < 0.02425) {
        double q = sqrt(-2 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - 0.02425) {
        double q = sqrt(-2 * log1p(-p));
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double q = p - 0.5, r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* Poisson CDF steps of an input level whose mean is below 15, as z thresholds
 * (k < PP_SHOT_KMAX covers all but 1e-12 of the mass). The normal field never
 * passes |z| = 5.77 (noise_field.c: a 24-bit radius), so steps with a CDF beyond
 * 1e-9 of 0 or 1 (|z| > 5.99) are -inf or +inf: the same counts, and no quantile
 * to evaluate for them. */
#define PP_SHOT_KMAX 64
#define PP_SHOT_SMALL_MEAN 15

/* A level's thresholds are worked out where its values' walks read them: the steps
 * [lo, hi), grown to cover what a chunk's values need. The quantiles are most of a
 * small image's time, and a level's values reach a few of its steps (above all, not
 * its far tails). The CDF is summed once, at the level's first use. */
typedef struct {
    int lo, hi;   /* the steps worked out */
    int stop;     /* from here on +inf: the CDF reached 1 - 1e-9 (or KMAX - 1) */
    double *cdf;  /* (KMAX) */
} level_steps;

static void level_cover(double mu, float *zt, level_steps *l, int k0, int k1)
{
    k0 = k0 < 0 ? 0 : k0;
    k1 = k1 > PP_SHOT_KMAX ? PP_SHOT_KMAX : k1;
    if (l->lo >= l->hi) { /* the first use: all steps at once, or the CDF kept */
        const bool all = k0 == 0 && k1 == PP_SHOT_KMAX;
        double p = exp(-mu), c = p;
        int k = 0;
        for (; k < PP_SHOT_KMAX - 1 && c < 1 - 1e-9; k++) {
            if (all)
                zt[k] = c < 1e-9 ? -INFINITY : (float)normal_quantile(c);
            else
                l->cdf[k] = c;
            p *= mu / (k + 1);
            c += p;
        }
        l->stop = k;
        if (all) {
            for (; k < PP_SHOT_KMAX; k++) /* the walk always stops */
                zt[k] = INFINITY;
            l->lo = 0, l->hi = PP_SHOT_KMAX;
            return;
        }
        l->lo = l->hi = k0;
    }
    /* one run of steps: [lo, hi) grows to take in [k0, k1) and any gap between */
    k0 = k0 < l->lo ? k0 : l->lo;
    k1 = k1 > l->hi ? k1 : l->hi;
    for (int k = k0; k < k1; k++)
        if (k < l->lo || k >= l->hi)
            zt[k] = k >= l->stop ? INFINITY : l->cdf[k] < 1e-9 ? -INFINITY : (float)normal_quantile(l->cdf[k]);
    l->lo = k0, l->hi = k1;
}

/* Rows of thresholds with a -inf in front (t[-1]): the step below reads t[j - 1]
 * at j = 0 without a branch. */
#define PP_SHOT_ROW (PP_SHOT_KMAX + 1)

/* The exact walk from any start (the rare fallback of the loop below). */
static int walk(const float *t /* (KMAX), t[-1] = -inf */, float z, int j)
{
    while (z <= t[j - 1])
        j--;
    while (z > t[j])
        j++;
    return j;
}

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    size_t n = (size_t)in->width * in->height * in->channels;
    const double lambda = ctx->p[0];
    /* (256 + 1, ROW): a row per level with a small mean, filled as its values need,
     * and a last row of +inf that the levels with large means read (and ignore);
     * the small means' CDFs (256, KMAX) */
    float *zt = malloc(sizeof(float) * 257 * PP_SHOT_ROW);
    /* the corruptions' kept scratch: a fresh 128 KiB malloc is an mmap, faulted in per call */
    double *cdfs = (double *)pp_floats_alloc(2 * 256 * PP_SHOT_KMAX, err);
    if (!zt || !cdfs) {
        free(zt), pp_floats_free((float *)cdfs);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for shot noise");
    }
    float mean[256], root[256];
    int row[256]; /* where the level's thresholds start in zt */
    level_steps have[256]; /* the steps worked out; all of them for the large means' */
    for (int v = 0; v < 256; v++) {
        mean[v] = (float)(lambda * v / 255.0);
        root[v] = sqrtf(mean[v]);
        bool small = mean[v] < PP_SHOT_SMALL_MEAN;
        row[v] = (small ? v : 256) * PP_SHOT_ROW + 1;
        zt[row[v] - 1] = -INFINITY;
        have[v] = small ? (level_steps){0, 0, 0, cdfs + (size_t)v * PP_SHOT_KMAX}
                        : (level_steps){-PP_SHOT_KMAX, 2 * PP_SHOT_KMAX, 0, NULL};
    }
    const int large_row = 256 * PP_SHOT_ROW + 1;
    for (int k = 0; k < PP_SHOT_KMAX; k++)
        zt[large_row + k] = INFINITY;
    const float inv_lambda = (float)(1.0 / lambda);
    /* With many values a level, its walks read all its steps anyway: all of them for
     * every level in the image, found by one pass of stores (no branch per value). */
    const bool few_per_level = n < 256 * PP_SHOT_KMAX;
    if (!few_per_level) {
        uint8_t used[256] = {0};
        const uint8_t *restrict px = in->pixels;
        for (size_t i = 0; i < n; i++)
            used[px[i]] = 1;
        for (int v = 0; v < 256; v++)
            if (used[v] && have[v].hi == 0)
                level_cover(mean[v], zt + row[v], &have[v], 0, PP_SHOT_KMAX);
    }
    const uint64_t key = pp_rng_key(ctx->seed, PP_STREAM_NOISE);
    float z[PP_NOISE_CHUNK], count[PP_NOISE_CHUNK];
    for (size_t i0 = 0; i0 < n; i0 += PP_NOISE_CHUNK) {
        const size_t m = n - i0 < PP_NOISE_CHUNK ? n - i0 : PP_NOISE_CHUNK;
        pp_noise_normal_fill(key, i0, z, m);
        /* local restrict pointers: a byte store may alias anything, and the compiler
         * would reload the tables' addresses after each */
        const uint8_t *restrict src = in->pixels + i0;
        uint8_t *restrict dst = out->pixels + i0;
        /* the Cornish-Fisher count: the answer for large means, the walk's start
         * (a step or two off) for small ones; a vector loop */
        for (size_t i = 0; i < m; i++) {
            const float mu = mean[src[i]], zi = z[i];
            float k = floorf(mu + zi * root[src[i]] + (zi * zi - 1) * (1.0f / 6) + 0.5f);
            count[i] = k < 0 ? 0 : k;
        }
        /* the steps the walk below reads, t[j - 2] .. t[j + 1] about the start j (with
         * many values a level, all were worked out above) */
        for (size_t i = 0; few_per_level && i < m; i++) {
            const int v = src[i], j = count[i] < PP_SHOT_KMAX - 2 ? (int)count[i] : PP_SHOT_KMAX - 2;
            const int k0 = j > 2 ? j - 2 : 0; /* t[-1] is there already */
            if (__builtin_expect(k0 < have[v].lo || j + 2 > have[v].hi, 0))
                level_cover(mean[v], zt + row[v], &have[v], k0, j + 2);
        }
        /* one step of the walk each way, without branches (which the data would
         * mispredict): a vector loop of gathers; a count it leaves unsettled is rare
         * and walked exactly */
        int unsettled = 0;
        for (int i = 0; i < (int)m; i++) {
            const int r = row[src[i]];
            const float zi = z[i];
            const int j0 = (int)count[i];
            const int a = r + (j0 < PP_SHOT_KMAX - 2 ? j0 : PP_SHOT_KMAX - 2); /* index of t[j] */
            const int b = a + (zi > zt[a]) - (zi <= zt[a - 1]);
            const int ok = (zi > zt[b - 1]) & (zi <= zt[b]);
            count[i] = r == large_row ? count[i] : (float)(b - r);
            unsettled |= !ok & (r != large_row);
        }
        for (size_t i = 0; unsettled && i < m; i++) {
            const int r = row[src[i]];
            const int j = (int)count[i];
            /* a settled count (the step's reads, so worked out) stays; the walk may go anywhere */
            if (r != large_row && !(z[i] > zt[r + j - 1] && z[i] <= zt[r + j])) {
                level_cover(mean[src[i]], zt + r, &have[src[i]], 0, PP_SHOT_KMAX);
                count[i] = (float)walk(zt + r, z[i], j);
            }
        }
        for (size_t i = 0; i < m; i++)
            dst[i] = pp_unit_to_u8(count[i] * inv_lambda);
    }
    free(zt), pp_floats_free((float *)cdfs);
    return PP_OK;
}

const pp_corruption pp_corruption_shot_noise = {
    .name = "shot_noise",
    .summary = "photon (Poisson) noise",
    .family = PP_FAMILY_NOISE,
    .band = PP_BAND_HIGH,
    .random = true,
    .n_params = 1,
    /* lambda -> infinity is clean, so severities below 1 blend with the clean image. */
    .params = {{"lambda", "Poisson events per unit intensity (lower = noisier)", 0.1, 10000, NAN,
                0, {60, 25, 12, 5, 3}, {500, 250, 100, 75, 50}}},
    .apply = apply,
};
