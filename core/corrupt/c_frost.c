/* frost: the image seen through frosted glass, a * x + b * frost in 0..255 units.
 *
 * The original blends crops of five frost photographs we cannot ship. This texture is
 * procedural: periodic multi-scale filtered noise (three octaves whose variance shares
 * reproduce the photographs' autocorrelation, ~0.85 at 1 px falling to ~0.45 at 32 px)
 * plus feathered ice dendrites, normalised and tinted to the mean and std per channel of
 * one of the four distinct photographs (the "texture" draw, 0..4, with 1 and 2 the same
 * look as frost2/frost3 are the same picture). "grain" is the photo-pixel size: 1 at
 * ImageNet's 224 (the original crops the raw photo) and 0.2 at CIFAR's 32 (the original
 * subsamples the photo by 5). The offsets roll the periodic texture like the original's
 * random crop. See docs/corruptions.md for how it differs. */
#include "corrupt_impl.h"
#include "noise_field.h"

/* Per-channel mean and std (RGB) of frost1, frost2 (= frost3), frost4, frost5. */
static const float looks[5][2][3] = {
    {{77.7f, 149.1f, 165.7f}, {26.9f, 16.5f, 15.3f}},
    {{200.8f, 205.4f, 214.5f}, {21.4f, 22.1f, 22.6f}},
    {{200.8f, 205.4f, 214.5f}, {21.4f, 22.1f, 22.6f}},
    {{137.6f, 152.8f, 165.2f}, {28.5f, 28.5f, 29.9f}},
    {{112.4f, 123.4f, 134.8f}, {44.4f, 43.3f, 41.7f}},
};

/* Three periodic box blurs of width 2r+1 approximate a Gaussian of sigma^2 = r(r+1):
 * O(1) per pixel, for the wide octaves where a direct Gaussian costs ~200 taps. */
static inline int wrap(int i, int n) { return ((i % n) + n) % n; }

static void box_blur3_wrap(float *t /* (h, w) */, float *tmp /* (4, max(h, w) + 2r + 1) */,
                           float *acc /* (w) */, float *out /* (h, w) */, int h, int w, int r)
{
    float inv = 1.f / (2 * r + 1);
    const int span = w + 2 * r + 1;
    for (int pass = 0; pass < 3; pass++) {
        /* rows: running sums over wrapped copies, four rows at a time so that four
         * independent add chains run side by side (one row is one chain of adds) */
        for (int y0 = 0; y0 < h; y0 += 4) {
            const int rows = h - y0 < 4 ? h - y0 : 4;
            float a[4] = {0, 0, 0, 0};
            for (int k = 0; k < rows; k++) {
                const float *row = t + (size_t)(y0 + k) * w;
                float *c = tmp + (size_t)k * span;
                for (int i = 0, j = wrap(-r, w); i < span; j = 0) { /* c[i] = row[wrap(i - r, w)] */
                    const int run = w - j < span - i ? w - j : span - i;
                    memcpy(c + i, row + j, sizeof(float) * run);
                    i += run;
                }
                for (int i = 0; i <= 2 * r; i++)
                    a[k] += c[i];
            }
            if (rows == 4) {
                float *r0 = t + (size_t)y0 * w, *r1 = r0 + w, *r2 = r1 + w, *r3 = r2 + w;
                const float *c0 = tmp, *c1 = c0 + span, *c2 = c1 + span, *c3 = c2 + span;
                for (int x = 0; x < w; x++) {
                    r0[x] = a[0] * inv, a[0] += c0[x + 2 * r + 1] - c0[x];
                    r1[x] = a[1] * inv, a[1] += c1[x + 2 * r + 1] - c1[x];
                    r2[x] = a[2] * inv, a[2] += c2[x + 2 * r + 1] - c2[x];
                    r3[x] = a[3] * inv, a[3] += c3[x + 2 * r + 1] - c3[x];
                }
            } else {
                for (int k = 0; k < rows; k++) {
                    float *row = t + (size_t)(y0 + k) * w;
                    const float *c = tmp + (size_t)k * span;
                    for (int x = 0; x < w; x++) {
                        row[x] = a[k] * inv;
                        a[k] += c[x + 2 * r + 1] - c[x];
                    }
                }
            }
        }
        /* columns: a running sum of whole rows, so the inner loop runs along x */
        memset(acc, 0, sizeof(float) * w);
        for (int i = -r; i <= r; i++) {
            const float *row = t + (size_t)wrap(i, h) * w;
            for (int x = 0; x < w; x++)
                acc[x] += row[x];
        }
        for (int y = 0; y < h; y++) {
            float *o = out + (size_t)y * w;
            const float *add = t + (size_t)wrap(y + r + 1, h) * w, *sub = t + (size_t)wrap(y - r, h) * w;
            for (int x = 0; x < w; x++) {
                o[x] = acc[x] * inv;
                acc[x] += add[x] - sub[x];
            }
        }
        memcpy(t, out, sizeof(float) * (size_t)h * w);
    }
}

/* i mod n for i within a few periods of [0, n): no division in the common case. */
static inline int wrap_near(int i, int n)
{
    return i >= 0 && i < n ? i : wrap(i, n);
}

/* Draws a line of brightness v into t (h, w) along the unit direction (dx, dy) (max
 * blend, periodic): the pixel indices of a run of points first (a vector loop), then
 * the blend. */
static void line(float *t, int h, int w, double x, double y, double dx, double dy, double len, float v)
{
    enum { RUN = 64 };
    int px[RUN], py[RUN];
    const int steps = (int)floor(2 * len) + 1; /* s = 0, 0.5, ..., len */
    for (int i0 = 0; i0 < steps; i0 += RUN) {
        const int m = steps - i0 < RUN ? steps - i0 : RUN;
        for (int i = 0; i < m; i++) {
            const double s = 0.5 * (i0 + i);
            px[i] = (int)floor(x + s * dx);
            py[i] = (int)floor(y + s * dy);
        }
        for (int i = 0; i < m; i++) {
            float *p = t + (size_t)wrap_near(py[i], h) * w + wrap_near(px[i], w);
            *p = *p > v ? *p : v;
        }
    }
}

/* Dendrites: a stem with feather branches at +-60 degrees every ~3 photo pixels,
 * shorter towards the tip, as window frost grows. */
static void crystals(uint64_t key, float *t, int h, int w, double grain)
{
    long count = lround((double)h * w / (400.0 * grain * grain));
    if (count > 200000)
        count = 200000;
    uint64_t k = 0;
    for (long n = 0; n < count; n++) {
        double x = pp_rng_uniform(key, k++) * w, y = pp_rng_uniform(key, k++) * h;
        double ang = pp_rng_uniform(key, k++) * 2 * M_PI;
        double len = (0.3 + 0.7 * pp_rng_uniform(key, k++)) * 60 * grain;
        float v = (float)(0.4 + 0.6 * pp_rng_uniform(key, k++));
        double ca = cos(ang), sa = sin(ang);
        line(t, h, w, x, y, ca, sa, len, v);
        /* the branches' directions, once per crystal */
        const double c1 = cos(ang + M_PI / 3), s1 = sin(ang + M_PI / 3);
        const double c2 = cos(ang - M_PI / 3), s2 = sin(ang - M_PI / 3);
        double gap = 3 * grain > 1 ? 3 * grain : 1;
        for (double s = gap; s < len; s += gap) {
            double bl = 0.35 * len * (1 - s / len) * (0.5 + pp_rng_uniform(key, k++));
            double bx = x + s * ca, by = y + s * sa;
            line(t, h, w, bx, by, c1, s1, bl, v * 0.8f);
            line(t, h, w, bx, by, c2, s2, bl, v * 0.8f);
        }
    }
}

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    double a = ctx->p[0], b = ctx->p[1], grain = ctx->p[2];
    int look = (int)ctx->p[3];
    look = look < 0 ? 0 : look > 4 ? 4 : look;
    int h = in->height, w = in->width, c = in->channels;
    size_t hw = (size_t)h * w;
    /* (H, W); oct at least 4 rows: at the end it holds a row and its three tints */
    float *tex = pp_floats_alloc(hw, err), *oct = pp_floats_alloc(hw > 4 * (size_t)w ? hw : 4 * (size_t)w, err);
    pp_status st = PP_OK;
    if (!tex || !oct) {
        st = PP_ERR_NOMEM;
        goto done;
    }
    if (grain < 0.05)
        grain = 0.05;
    /* octaves: sigma (photo pixels) and share of the variance */
    static const double sig[3] = {1.0, 6.0, 32.0}, share[3] = {0.15, 0.25, 0.6};
    memset(tex, 0, hw * sizeof(float));
    for (int o = 0; o < 3; o++) {
        if (pp_ctx_cancelled(ctx)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "frost: cancelled");
            goto done;
        }
        pp_noise_normal_fill(pp_rng_key(ctx->seed, PP_STREAM_FROST * 16 + o), 0, oct, hw);
        double s = sig[o] * grain;
        if (s >= 4) {
            int r = (int)floor(0.5 * (sqrt(4 * s * s + 1) - 1)); /* r(r+1) ~ s^2 */
            float *tmp = pp_floats_alloc(4 * ((size_t)(h > w ? h : w) + 2 * r + 1), err);
            float *acc = pp_floats_alloc((size_t)w, err), *out = pp_floats_alloc(hw, err);
            if (tmp && acc && out)
                box_blur3_wrap(oct, tmp, acc, out, h, w, r);
            else
                st = PP_ERR_NOMEM;
            pp_floats_free(tmp), pp_floats_free(acc), pp_floats_free(out);
            if (st)
                goto done;
            s = sqrt((double)r * (r + 1)); /* the sigma actually applied, for the gain */
        } else if ((st = pp_gaussian_plane(oct, oct, h, w, s, 3.0, PP_BORDER_WRAP, err))) {
            goto done;
        }
        /* smoothing white noise by sigma leaves variance 1 / (4 pi sigma^2) */
        float gain = (float)(sqrt(share[o]) * (s > 0.3 ? sqrt(4 * M_PI) * s : 1.0));
        for (size_t i = 0; i < hw; i++)
            tex[i] += gain * oct[i];
    }
    memset(oct, 0, hw * sizeof(float));
    crystals(pp_rng_key(ctx->seed, PP_STREAM_FROST * 16 + 5), oct, h, w, grain);
    if ((st = pp_gaussian_plane(oct, oct, h, w, 0.5 * grain, 3.0, PP_BORDER_WRAP, err)))
        goto done;
    /* mean and variance in double over 8 lanes (vector loops, not one chain of adds) */
    enum { LANES = 8 };
    double lane[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= hw; i += LANES)
        for (int l = 0; l < LANES; l++) {
            tex[i + l] = 0.6f * tex[i + l] + 2.f * oct[i + l];
            lane[l] += tex[i + l];
        }
    for (; i < hw; i++) {
        tex[i] = 0.6f * tex[i] + 2.f * oct[i];
        lane[0] += tex[i];
    }
    double mean = 0, var = 0;
    for (int l = 0; l < LANES; l++)
        mean += lane[l], lane[l] = 0;
    mean /= hw;
    for (i = 0; i + LANES <= hw; i += LANES)
        for (int l = 0; l < LANES; l++)
            lane[l] += (tex[i + l] - mean) * (tex[i + l] - mean);
    for (; i < hw; i++)
        lane[0] += (tex[i] - mean) * (tex[i] - mean);
    for (int l = 0; l < LANES; l++)
        var += lane[l];
    float inv = var > 0 ? (float)(1.0 / sqrt(var / hw)) : 0.f;
    int ox = (int)floor(ctx->p[4] * w), oy = (int)floor(ctx->p[5] * h);
    const float *mu = looks[look][0], *sd = looks[look][1];
    const float fa = (float)a, fb = (float)b, fmean = (float)mean;
    float *z = oct;        /* a row of the rolled, normalised texture */
    float *frow = oct + w; /* (3, w): that row tinted, per channel */
    for (int y = 0; y < h; y++) {
        const float *row = tex + (size_t)((y + oy) % h) * w;
        const int split = w - ox % w; /* x + ox wraps from here */
        for (int x = 0; x < split; x++)
            z[x] = (row[x + ox % w] - fmean) * inv;
        for (int x = split; x < w; x++)
            z[x] = (row[x - split] - fmean) * inv;
        const uint8_t *s = in->pixels + (size_t)y * w * c;
        uint8_t *d = out->pixels + (size_t)y * w * c;
        /* the tinted texture's row per channel, then the blend: whole-vector loops */
        float *f0 = frow, *f1 = f0 + w, *f2 = f1 + w;
        for (int x = 0; x < w; x++) {
            float v0 = mu[0] + sd[0] * z[x], v1 = mu[1] + sd[1] * z[x], v2 = mu[2] + sd[2] * z[x];
            v0 = v0 > 0.f ? v0 : 0.f, v1 = v1 > 0.f ? v1 : 0.f, v2 = v2 > 0.f ? v2 : 0.f;
            f0[x] = v0 < 255.f ? v0 : 255.f, f1[x] = v1 < 255.f ? v1 : 255.f, f2[x] = v2 < 255.f ? v2 : 255.f;
        }
        if (c == 1) {
            for (int x = 0; x < w; x++) {
                float g = 0.2989f * f0[x] + 0.587f * f1[x] + 0.114f * f2[x];
                d[x] = pp_unit_to_u8((fa * s[x] + fb * g) * (1.f / 255.f));
            }
        } else {
            for (int x = 0; x < w; x++) {
                d[3 * x] = pp_unit_to_u8((fa * s[3 * x] + fb * f0[x]) * (1.f / 255.f));
                d[3 * x + 1] = pp_unit_to_u8((fa * s[3 * x + 1] + fb * f1[x]) * (1.f / 255.f));
                d[3 * x + 2] = pp_unit_to_u8((fa * s[3 * x + 2] + fb * f2[x]) * (1.f / 255.f));
            }
        }
    }
done:
    pp_floats_free(tex), pp_floats_free(oct);
    return st;
}

const pp_corruption pp_corruption_frost = {
    .name = "frost",
    .summary = "frost on the lens: a procedural ice texture blended in",
    .family = PP_FAMILY_WEATHER,
    .band = PP_BAND_LOW,
    .random = true,
    .n_params = 6,
    .params = {{"image_weight", "weight of the image", 0, 2, 1, 0,
                {1, .8, .7, .65, .6}, {1, 1, .9, .85, .75}},
               {"frost_weight", "weight of the frost texture", 0, 2, 0, 0,
                {.4, .6, .7, .7, .75}, {.2, .3, .4, .4, .45}},
               {"grain", "size of a frost-photo pixel in image pixels", 0.05, 16, 1, PP_PARAM_PIXELS,
                {1, 1, 1, 1, 1}, {.2, .2, .2, .2, .2}},
               {"texture", "which look (0-4, as the original's frost image index); random by default",
                0, 4, NAN, PP_PARAM_RANDOM | PP_PARAM_INTEGER, {0}, {0}},
               {"offset_x", "horizontal offset of the texture (fraction); random by default", 0, 1,
                NAN, PP_PARAM_RANDOM, {0}, {0}},
               {"offset_y", "vertical offset of the texture (fraction); random by default", 0, 1,
                NAN, PP_PARAM_RANDOM, {0}, {0}}},
    .apply = apply,
};
