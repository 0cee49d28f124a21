/* contrast: scale each channel about its mean over the image. */
#include "corrupt_impl.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)err;
    double c = ctx->p[0];
    int ch = in->channels;
    size_t n = (size_t)in->width * in->height;
    const uint8_t *src = in->pixels; /* (H, W, C) */
    uint8_t *dst = out->pixels;      /* (H, W, C) */
    for (int k = 0; k < ch; k++) {
        uint64_t sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += src[i * ch + k];
        double mean = (double)sum / n / 255.0;
        uint8_t lut[256]; /* the value depends on the byte alone: 256 evaluations, then a lookup */
        for (int v = 0; v < 256; v++)
            lut[v] = pp_unit_to_u8((float)((v / 255.0 - mean) * c + mean));
        for (size_t i = 0; i < n; i++)
            dst[i * ch + k] = lut[src[i * ch + k]];
    }
    return PP_OK;
}

const pp_corruption pp_corruption_contrast = {
    .name = "contrast",
    .summary = "lower contrast: (x - mean) * c + mean per channel",
    .family = PP_FAMILY_DIGITAL,
    .band = PP_BAND_LOW,
    .n_params = 1,
    .params = {{"c", "contrast factor about the channel mean", 0, 4, 1, 0,
                {.4, .3, .2, .1, .05}, {.75, .5, .4, .3, .15}}},
    .apply = apply,
};
