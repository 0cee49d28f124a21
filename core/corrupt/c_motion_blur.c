/* motion_blur: imagecorruptions' numpy re-implementation of ImageMagick's
 * MotionBlurImage: one-sided Gaussian taps along a random angle in [-45, 45] degrees. */
#include "corrupt_impl.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    pp_planes x;
    pp_status st = pp_planes_from_image(&x, in, 1.f, err); /* 0..255 units, as the reference */
    float *tmp = st ? NULL : pp_floats_alloc((size_t)x.h * x.w, err);
    if (!tmp) {
        if (!st)
            pp_planes_free(&x);
        return err ? err->status : PP_ERR_NOMEM;
    }
    for (int c = 0; c < x.c && !st; c++) {
        if (pp_ctx_cancelled(ctx)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "motion_blur: cancelled");
            break;
        }
        float *plane = pp_planes_plane(&x, c);
        st = pp_motion_blur_plane(plane, tmp, x.h, x.w, ctx->p[0], ctx->p[1], ctx->p[2], err);
        memcpy(plane, tmp, sizeof(float) * (size_t)x.h * x.w);
    }
    if (!st)
        pp_planes_to_image(&x, 1.f, out);
    pp_floats_free(tmp);
    pp_planes_free(&x);
    return st;
}

const pp_corruption pp_corruption_motion_blur = {
    .name = "motion_blur",
    .summary = "camera shake: a one-sided Gaussian streak at a random angle",
    .family = PP_FAMILY_BLUR,
    .band = PP_BAND_MID,
    .random = true,
    .n_params = 3,
    .params = {{"radius", "kernel half-width (width 2r+1) in pixels", 0, 256, 0, PP_PARAM_PIXELS,
                {10, 15, 15, 15, 20}, {6, 6, 6, 8, 9}},
               {"sigma", "Gaussian sigma of the taps in pixels", 0, 256, 0, PP_PARAM_PIXELS,
                {3, 5, 8, 12, 15}, {1, 1.5, 2, 2, 2.5}},
               {"angle", "streak direction in degrees (x right, y down); random by default",
                -45, 45, NAN, PP_PARAM_RANDOM, {0}, {0}}},
    .apply = apply,
};
