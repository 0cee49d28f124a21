/* rotate: bilinear rotation by i - 15 degrees (31 frames, -15 .. 15) of the whole
 * image (torchvision 0.2 affine), then the centre crop. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    for (int i = 0; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, "rotate");
        pp_perturb_affine(base, out, i, i - 15, 0, 0, 1, 0, true);
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_rotate = {
    .name = "rotate",
    .summary = "the camera rolls a degree per frame",
    .set = PP_PERTURB_TEST,
    .geometric = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
