/* shot_noise: Poisson(lambda * x) / lambda per value on [0, 1]. Each value has a fixed
 * standard normal draw z (the vectorised field of noise_field.h; u = Phi(z) is uniform)
 * and takes the Poisson quantile at u, so the same seed gives the same noise pattern at
 * every lambda. Exact inverse CDF for means below 15, walked in z: the CDF steps are
 * mapped through the normal quantile once per input level in use; above, the
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
 * (k < PP_SHOT_KMAX covers all but 1e-12 of the mass; the normal field never
 * passes 6). */
#define PP_SHOT_KMAX 64
#define PP_SHOT_SMALL_MEAN 15

static void level_thresholds(double mu, float *zt)
{
    double p = exp(-mu), c = p;
    int k = 0;
    for (; k < PP_SHOT_KMAX - 1 && c < 1 - 1e-12; k++) {
        zt[k] = (float)normal_quantile(c);
        p *= mu / (k + 1);
        c += p;
    }
    for (; k < PP_SHOT_KMAX; k++) /* the walk always stops */
        zt[k] = INFINITY;
}

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    size_t n = (size_t)in->width * in->height * in->channels;
    const double lambda = ctx->p[0];
    float *z = pp_floats_alloc(n, err);
    float *zt = malloc(sizeof(float) * 256 * PP_SHOT_KMAX); /* (256, KMAX), filled per level in use */
    if (!z || !zt) {
        free(z), free(zt);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for shot noise");
    }
    pp_noise_normal_fill(pp_rng_key(ctx->seed, PP_STREAM_NOISE), 0, z, n);
    bool ready[256] = {false};
    float mean[256], root[256];
    for (int v = 0; v < 256; v++) {
        mean[v] = (float)(lambda * v / 255.0);
        root[v] = sqrtf(mean[v]);
    }
    const float inv_lambda = (float)(1.0 / lambda);
    /* local restrict pointers: a byte store may alias anything, and the compiler would
     * reload the tables' addresses after each */
    const uint8_t *restrict src = in->pixels;
    uint8_t *restrict dst = out->pixels;
    for (size_t i = 0; i < n; i++) {
        const int v = src[i];
        float k;
        if (mean[v] >= PP_SHOT_SMALL_MEAN) {
            k = floorf(mean[v] + z[i] * root[v] + (z[i] * z[i] - 1) * (1.0f / 6) + 0.5f);
            k = k < 0 ? 0 : k;
        } else {
            const float *t = zt + v * PP_SHOT_KMAX;
            if (!ready[v]) {
                level_thresholds(mean[v], zt + v * PP_SHOT_KMAX);
                ready[v] = true;
            }
            /* start at the normal approximation's count, a step or two off */
            int j = (int)(mean[v] + z[i] * root[v] + 0.5f);
            j = j < 0 ? 0 : j > PP_SHOT_KMAX - 1 ? PP_SHOT_KMAX - 1 : j;
            while (j > 0 && z[i] <= t[j - 1])
                j--;
            while (z[i] > t[j])
                j++;
            k = (float)j;
        }
        dst[i] = pp_unit_to_u8(k * inv_lambda);
    }
    free(z), free(zt);
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
