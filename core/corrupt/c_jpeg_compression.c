/* jpeg_compression: what encoding and decoding with libjpeg-turbo at the quality gives
 * (PIL defaults: baseline, 4:2:0, standard tables), computed in process without the
 * file (image/jpeg_lossy.c, byte for byte the same). Gray goes through RGB as PIL's
 * convert does. */
#include "corrupt_impl.h"
#include "../image/jpeg_lossy.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    int q = (int)ctx->p[0];
    if (in->channels == 3)
        return pp_jpeg_lossy(in, out, q, err);
    pp_image rgb = {0}, gray = {0};
    pp_status st = pp_image_convert(&rgb, in, 3, err);
    if (!st)
        st = pp_jpeg_lossy_roundtrip(&rgb, q, err);
    if (!st)
        st = pp_image_convert(&gray, &rgb, 1, err);
    if (!st)
        memcpy(out->pixels, gray.pixels, (size_t)in->width * in->height);
    pp_image_free(&rgb);
    pp_image_free(&gray);
    return st;
}

const pp_corruption pp_corruption_jpeg_compression = {
    .name = "jpeg_compression",
    .summary = "JPEG artefacts: encode/decode at a low quality",
    .family = PP_FAMILY_DIGITAL,
    .band = PP_BAND_HIGH,
    .n_params = 1,
    /* No quality is lossless, so severities below 1 blend with the clean image. */
    .params = {{"quality", "libjpeg quality (1-100)", 1, 100, NAN, PP_PARAM_INTEGER,
                {25, 18, 15, 10, 7}, {80, 65, 58, 50, 40}}},
    .apply = apply,
};
