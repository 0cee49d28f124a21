/* snow: a Gaussian field, zoomed, thresholded, motion-blurred into streaks and quantised
 * to 8 bits, added twice (and rotated 180 degrees) to an image whitened towards
 * 1.5 * gray + 0.5.
 *
 * The two reference scripts differ in where the zoomed field is cut to the image:
 * - ImageNet preset, imagecorruptions' snow: the whole zoomed layer (ceil(H/z) * z, up
 *   to a few pixels larger than the image) is blurred, then its top-left H x W kept;
 *   the blur result is rounded to 8 bits.
 * - CIFAR preset, Hendrycks' make_cifar_c.py (as make_imagenet_c.py): the zoomed layer
 *   is first trimmed to H x W about its centre, truncated to 8 bits (the PNG handed to
 *   ImageMagick), blurred with edge replication (ImageMagick's virtual pixels), and the
 *   Q16 result written back as an 8-bit PNG: rounded to 16 bits, then truncated to 8.
 * The cut matters at CIFAR s4 (zoom 2.25: the layer is 34 px for 32): the streaks
 * replicate the layer's edge rows across up to 2 * radius pixels, and the untrimmed
 * layer's edge rows are the field's own grid rows (full variance, more flakes) where
 * the trimmed layer's are interpolated ones. See docs/corruptions.md. */
#include "corrupt_impl.h"
#include "noise_field.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    const double *p = ctx->p;
    double mean = p[0], sd = p[1], zoom = p[2] < 1 ? 1 : p[2], thr = p[3];
    double radius = p[4], sigma = p[5], weight = p[6], angle = p[7];
    int h = in->height, w = in->width, c = in->channels;
    size_t hw = (size_t)h * w;
    int zh, zw;
    pp_zoom_layer_size(h, w, zoom, &zh, &zw);
    float *field = pp_floats_alloc(hw, err);                 /* (H, W) */
    /* (zh, zw), and at the end two rows of (W, C) values */
    float *layer = pp_floats_alloc((size_t)zh * zw > 2 * (size_t)w * c ? (size_t)zh * zw : 2 * (size_t)w * c, err);
    float *blurred = pp_floats_alloc((size_t)zh * zw, err);  /* (zh, zw) */
    pp_status st = PP_OK;
    if (!field || !layer || !blurred) {
        st = PP_ERR_NOMEM;
        goto done;
    }
    pp_noise_normal_fill(pp_rng_key(ctx->seed, PP_STREAM_SNOW), 0, field, hw);
    for (size_t i = 0; i < hw; i++)
        field[i] = (float)(mean + sd * field[i]);
    pp_clipped_zoom_planes(field, 1, h, w, zoom, layer, zh, zw, false);
    for (size_t i = 0; i < (size_t)zh * zw; i++) {
        float v = layer[i] < thr ? 0.f : layer[i];
        layer[i] = v > 1.f ? 1.f : v;
    }
    if (pp_ctx_cancelled(ctx)) {
        st = pp_fail(err, PP_ERR_CANCELLED, "snow: cancelled");
        goto done;
    }
    if (ctx->preset == PP_PRESET_CIFAR) {
        /* make_cifar_c.py: trim to (H, W) about the centre, 8-bit PNG, ImageMagick blur */
        int ty = (zh - h) / 2, tx = (zw - w) / 2;
        for (int y = 0; y < h; y++) {
            const float *row = layer + (size_t)(y + ty) * zw + tx;
            for (int x = 0; x < w; x++)
                field[(size_t)y * w + x] = (float)(int)(row[x] * 255.f) / 255.f; /* np.uint8 */
        }
        st = pp_motion_blur_plane(field, blurred, h, w, radius, sigma, angle, err);
        if (st)
            goto done;
        for (size_t i = 0; i < hw; i++) {
            float q = rintf(blurred[i] * 65535.f); /* ClampToQuantum, Q16 */
            q = q < 0.f ? 0.f : q > 65535.f ? 65535.f : q;
            field[i] = (float)((int)q / 257) / 255.f; /* 8-bit PNG: q / 257, truncated */
        }
    } else {
        st = pp_motion_blur_plane(layer, blurred, zh, zw, radius, sigma, angle, err);
        if (st)
            goto done;
        /* round to 8 bits and crop to the image: S (H, W) in field */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                field[(size_t)y * w + x] = rintf(blurred[(size_t)y * zw + x] * 255.f) / 255.f;
    }
    const float wt = (float)weight;
    /* restrict: a byte store may alias anything, and the compiler would reload */
    const uint8_t *restrict src = in->pixels;
    uint8_t *restrict dst = out->pixels;
    const size_t rowlen = (size_t)w * c;
    /* a row's whitening level and flakes per channel value (pixel by pixel), so
     * that the blend is one vector loop over the row */
    float *white = layer, *flake = layer + rowlen;
    for (int y = 0; y < h; y++) {
        const uint8_t *restrict sr = src + (size_t)y * rowlen;
        uint8_t *restrict dr = dst + (size_t)y * rowlen;
        const float *top = field + (size_t)y * w, *bottom = field + (size_t)(h - 1 - y) * w;
        for (int x = 0; x < w; x++) {
            const uint8_t *s = sr + (size_t)x * c;
            float gray = c == 3 ? (0.299f * s[0] + 0.587f * s[1] + 0.114f * s[2]) / 255.f : s[0] / 255.f;
            const float wl = gray * 1.5f + 0.5f, fl = top[x] + bottom[w - 1 - x];
            for (int ch = 0; ch < c; ch++)
                white[(size_t)x * c + ch] = wl, flake[(size_t)x * c + ch] = fl;
        }
        for (size_t i = 0; i < rowlen; i++) {
            float v = sr[i] / 255.f;
            v = wt * v + (1 - wt) * (v > white[i] ? v : white[i]); /* a select, not fmaxf */
            dr[i] = pp_unit_to_u8(v + flake[i]);
        }
    }
done:
    pp_floats_free(field), pp_floats_free(layer), pp_floats_free(blurred);
    return st;
}

const pp_corruption pp_corruption_snow = {
    .name = "snow",
    .summary = "snow: streaks of flakes over a whitened image",
    .family = PP_FAMILY_WEATHER,
    .band = PP_BAND_MID,
    .random = true,
    .n_params = 8,
    .params = {{"mean", "mean of the flake field", -2, 2, 0, 0,
                {.1, .2, .55, .55, .55}, {.1, .1, .15, .25, .3}},
               {"std", "std of the flake field", 0, 2, 0, 0,
                {.3, .3, .3, .3, .3}, {.2, .2, .3, .3, .3}},
               {"zoom", "zoom of the flake field (bigger flakes)", 1, 16, 1, 0,
                {3, 2, 4, 4.5, 2.5}, {1, 1, 1.75, 2.25, 1.25}},
               {"threshold", "field values below this are no flake", 0, 2, 1, 0,
                {.5, .5, .9, .85, .85}, {.6, .5, .55, .6, .65}},
               {"radius", "motion blur radius of the flakes in pixels", 0, 256, 0, PP_PARAM_PIXELS,
                {10, 12, 12, 12, 12}, {8, 10, 10, 12, 14}},
               {"sigma", "motion blur sigma in pixels", 0, 256, 0, PP_PARAM_PIXELS,
                {4, 4, 8, 8, 12}, {3, 4, 4, 6, 12}},
               {"image_weight", "weight of the image against its whitened copy", 0, 1, 1, 0,
                {.8, .7, .7, .65, .55}, {.95, .9, .9, .85, .8}},
               {"angle", "fall direction in degrees; random by default", -135, -45, NAN,
                PP_PARAM_RANDOM, {0}, {0}}},
    .apply = apply,
};
