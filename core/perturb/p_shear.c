/* shear (validation): bilinear shear by i - 15 degrees (31 frames) of the whole image
 * (torchvision 0.2 affine), then the centre crop. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    for (int i = 0; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, "shear");
        pp_perturb_affine(base, out, i, 0, 0, 0, 1, i - 15, true);
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_shear = {
    .name = "shear",
    .summary = "(validation) a shear growing from -15 to 15 degrees",
    .set = PP_PERTURB_VALIDATION,
    .geometric = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
