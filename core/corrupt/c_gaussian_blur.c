/* gaussian_blur (extra): skimage.filters.gaussian(sigma), edge replicate, cut at 4 sigma. */
#include "corrupt_impl.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    pp_planes x;
    pp_status st = pp_planes_from_image(&x, in, 1.f / 255.f, err);
    if (st)
        return st;
    for (int c = 0; c < x.c && !st; c++) {
        if (pp_ctx_cancelled(ctx))
            st = pp_fail(err, PP_ERR_CANCELLED, "gaussian_blur: cancelled");
        else
            st = pp_gaussian_plane(pp_planes_plane(&x, c), pp_planes_plane(&x, c), x.h, x.w,
                                   ctx->p[0], 4.0, PP_BORDER_NEAREST, err);
    }
    if (!st)
        pp_planes_to_image(&x, 255.f, out);
    pp_planes_free(&x);
    return st;
}

const pp_corruption pp_corruption_gaussian_blur = {
    .name = "gaussian_blur",
    .summary = "(extra) Gaussian blur",
    .family = PP_FAMILY_BLUR,
    .band = PP_BAND_HIGH,
    .n_params = 1,
    .params = {{"sigma", "Gaussian sigma in pixels", 0, 64, 0, PP_PARAM_PIXELS,
                {1, 2, 3, 4, 6}, {.4, .6, .7, .8, 1}}},
    .apply = apply,
};
