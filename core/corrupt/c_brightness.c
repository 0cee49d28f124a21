/* brightness: add c to the HSV value (ImageNet-C / CIFAR-10-C "brightness"). */
#include "corrupt_impl.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)err;
    double c = ctx->p[0];
    size_t n = (size_t)in->width * in->height;
    const uint8_t *src = in->pixels; /* (H, W, C) */
    uint8_t *dst = out->pixels;      /* (H, W, C) */
    if (in->channels == 1) { /* imagecorruptions adds c directly to gray */
        for (size_t i = 0; i < n; i++)
            dst[i] = pp_unit_to_u8((float)fmin(fmax(src[i] / 255.0 + c, 0), 1));
        return PP_OK;
    }
    /* Same hue and saturation with a new value: every channel scales by v2 / v
     * (black has saturation 0, so it becomes gray v2). The factor depends on
     * the largest byte alone: 256 of them, worked out first. */
    double scale[256], gray[256], unit[256]; /* unit[b] = b / 255.0: no division per value */
    for (int m = 0; m < 256; m++) {
        double v = m / 255.0, v2 = fmin(fmax(v + c, 0), 1);
        scale[m] = v > 0 ? v2 / v : 0;
        gray[m] = v2;
        unit[m] = v;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = src + 3 * i;
        const int m = p[0] > p[1] ? (p[0] > p[2] ? p[0] : p[2]) : (p[1] > p[2] ? p[1] : p[2]);
        for (int ch = 0; ch < 3; ch++)
            dst[3 * i + ch] = pp_unit_to_u8((float)(m > 0 ? unit[p[ch]] * scale[m] : gray[m]));
    }
    return PP_OK;
}

const pp_corruption pp_corruption_brightness = {
    .name = "brightness",
    .summary = "brighter: c added to the HSV value",
    .family = PP_FAMILY_DIGITAL,
    .band = PP_BAND_LOW,
    .n_params = 1,
    .params = {{"c", "added to the HSV value V in [0, 1]", -1, 1, 0, 0,
                {.1, .2, .3, .4, .5}, {.05, .1, .15, .2, .3}}},
    .apply = apply,
};
