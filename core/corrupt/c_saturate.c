/* saturate (extra): S = clip(S * m + o) in HSV. */
#include "corrupt_impl.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)err;
    double m = ctx->p[0], o = ctx->p[1];
    size_t n = (size_t)in->width * in->height;
    const uint8_t *src = in->pixels; /* (H, W, C) */
    uint8_t *dst = out->pixels;      /* (H, W, C) */
    if (in->channels == 1) {
        /* The reference makes gray RGB (hue 0) and keeps R, which equals V whatever S is. */
        memcpy(dst, src, n);
        return PP_OK;
    }
    for (size_t i = 0; i < n; i++) {
        double h, s, v, r, g, b;
        pp_rgb_to_hsv(src[3 * i] / 255.0, src[3 * i + 1] / 255.0, src[3 * i + 2] / 255.0, &h, &s, &v);
        s = fmin(fmax(s * m + o, 0), 1);
        pp_hsv_to_rgb(h, s, v, &r, &g, &b);
        dst[3 * i] = pp_unit_to_u8((float)r);
        dst[3 * i + 1] = pp_unit_to_u8((float)g);
        dst[3 * i + 2] = pp_unit_to_u8((float)b);
    }
    return PP_OK;
}

const pp_corruption pp_corruption_saturate = {
    .name = "saturate",
    .summary = "(extra) saturation scaled and offset in HSV",
    .family = PP_FAMILY_DIGITAL,
    .band = PP_BAND_LOW,
    .n_params = 2,
    .params = {{"multiplier", "HSV saturation multiplier", 0, 50, 1, 0,
                {.3, .1, 2, 5, 20}, {.3, .1, 1.5, 2, 2.5}},
               {"offset", "added to the HSV saturation", -1, 1, 0, 0,
                {0, 0, 0, .1, .2}, {0, 0, 0, .1, .2}}},
    .apply = apply,
};
