/* defocus_blur: correlate with an anti-aliased disk (imagecorruptions' disk() +
 * cv2.filter2D, border reflect-101), by spans of the disk (defocus_filter.h). */
#include "corrupt_impl.h"

#include "defocus_filter.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    pp_defocus_filter *k = pp_defocus_filter_new(ctx->p[0], ctx->p[1], err);
    if (!k)
        return err ? err->status : PP_ERR_NOMEM;
    pp_planes x;
    pp_status st = pp_planes_from_image(&x, in, 1.f / 255.f, err);
    float *tmp = st ? NULL : pp_floats_alloc((size_t)in->width * in->height, err);
    if (!tmp) {
        pp_defocus_filter_free(k);
        if (!st)
            pp_planes_free(&x);
        return err ? err->status : PP_ERR_NOMEM;
    }
    size_t hw = (size_t)in->width * in->height;
    for (int c = 0; c < x.c && !st; c++) {
        if (pp_ctx_cancelled(ctx)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "defocus_blur: cancelled");
            break;
        }
        float *plane = pp_planes_plane(&x, c);
        st = pp_defocus_filter_apply(k, plane, tmp, x.h, x.w, err);
        memcpy(plane, tmp, hw * sizeof(float));
    }
    if (!st)
        pp_planes_to_image(&x, 255.f, out);
    pp_defocus_filter_free(k);
    pp_floats_free(tmp);
    pp_planes_free(&x);
    return st;
}

const pp_corruption pp_corruption_defocus_blur = {
    .name = "defocus_blur",
    .summary = "out of focus: a disk kernel softened by a small Gaussian",
    .family = PP_FAMILY_BLUR,
    .band = PP_BAND_HIGH,
    .n_params = 2,
    .params = {{"radius", "disk radius in pixels", 0, 64, 0, PP_PARAM_PIXELS,
                {3, 4, 6, 8, 10}, {.3, .4, .5, 1, 1.5}},
               {"alias_sigma", "sigma of the Gaussian that anti-aliases the disk", 0, 8, 0,
                PP_PARAM_PIXELS, {.1, .5, .5, .5, .5}, {.4, .5, .6, .2, .1}}},
    .apply = apply,
};
