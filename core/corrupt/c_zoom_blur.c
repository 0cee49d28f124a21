/* zoom_blur: average of centre crops zoomed by 1, 1+step, ... (count factors), plus the
 * original once more (imagecorruptions' zoom_blur with clipped_zoom). */
#include "corrupt_impl.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    double step = ctx->p[0];
    int count = (int)ctx->p[1];
    if (count < 1)
        count = 1;
    pp_planes x;
    pp_status st = pp_planes_from_image(&x, in, 1.f / 255.f, err);
    if (st)
        return st;
    size_t hw = (size_t)x.h * x.w;
    float *acc = pp_floats_alloc(hw * x.c, err);  /* (C, H, W) */
    if (!acc) {
        pp_planes_free(&x);
        return PP_ERR_NOMEM;
    }
    memcpy(acc, x.data, sizeof(float) * hw * x.c); /* the original, counted once more */
    for (int i = 0; i < count && !st; i++) {
        if (pp_ctx_cancelled(ctx)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "zoom_blur: cancelled");
            break;
        }
        /* np.arange(1, end, step): first + i * (second - first), so 1.25 comes out as
         * 1.2500000000000002 and scipy's int(round(26 * z)) as 33, not 32 */
        double z = 1.0 + i * ((1.0 + step) - 1.0);
        if (i == 0 || z == 1.0)
            for (size_t j = 0; j < hw * x.c; j++)
                acc[j] += x.data[j];
        else
            pp_clipped_zoom_planes(x.data, x.c, x.h, x.w, z, acc, x.h, x.w, true);
    }
    if (!st) {
        float inv = 1.f / (count + 1);
        for (size_t j = 0; j < hw * x.c; j++)
            x.data[j] = acc[j] * inv;
        pp_planes_to_image(&x, 255.f, out);
    }
    pp_floats_free(acc);
    pp_planes_free(&x);
    return st;
}

const pp_corruption pp_corruption_zoom_blur = {
    .name = "zoom_blur",
    .summary = "zoom during exposure: mean of centre crops zoomed 1, 1+step, ...",
    .family = PP_FAMILY_BLUR,
    .band = PP_BAND_MID,
    .n_params = 2,
    .params = {{"step", "zoom step between layers", 0, 0.2, 0, 0,
                {.01, .01, .02, .02, .03}, {.01, .01, .01, .01, .01}},
               {"count", "number of zoom factors 1, 1+step, ... (published arange lengths)",
                1, 64, 1, PP_PARAM_INTEGER, {12, 16, 11, 13, 11}, {7, 12, 16, 21, 26}}},
    .apply = apply,
};
