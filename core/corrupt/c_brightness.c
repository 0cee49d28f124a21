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
    for (size_t i = 0; i < n; i++) {
        double r = src[3 * i] / 255.0, g = src[3 * i + 1] / 255.0, b = src[3 * i + 2] / 255.0;
        double v = fmax(r, fmax(g, b));
        double v2 = fmin(fmax(v + c, 0), 1);
        /* Same hue and saturation with a new value: every channel scales by v2 / v
         * (black has saturation 0, so it becomes gray v2). */
        if (v > 0) {
            double k = v2 / v;
            r *= k, g *= k, b *= k;
        } else {
            r = g = b = v2;
        }
        dst[3 * i] = pp_unit_to_u8((float)r);
        dst[3 * i + 1] = pp_unit_to_u8((float)g);
        dst[3 * i + 2] = pp_unit_to_u8((float)b);
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
