/* translate: horizontal shift by i - 20 pixels (41 frames, -20 .. 20) of the whole
 * 256 image, then the crop; at 32 by i - 7 (16 frames, -7 .. 8) with black entering.
 * torchvision's affine with its default resampling (nearest), fill 0. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    int centre = pp_perturb_cifar(ctx) ? 7 : 20;
    for (int i = 0; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, "translate");
        pp_perturb_affine(base, out, i, 0, i - centre, 0, 1, 0, false);
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_translate = {
    .name = "translate",
    .summary = "the camera pans sideways, a pixel per frame",
    .set = PP_PERTURB_TEST,
    .geometric = true,
    .frames_imagenet = 41,
    .frames_cifar = 16,
    .generate = generate,
};
