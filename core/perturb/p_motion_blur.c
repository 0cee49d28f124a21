/* motion_blur: ImageMagick MotionBlurImage with a turning angle, no clean frame.
 * ImageNet-P radius 10, sigma 3, angle (i - 30) * 4 (-120 .. 0 degrees, 31 frames);
 * CIFAR-10-P radius 6, sigma 1.8, angle (i - 20) * 9 (-180 .. 0, 21 frames). */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    bool cifar = pp_perturb_cifar(ctx);
    for (int i = 0; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, "motion_blur");
        double angle = cifar ? (i - 20) * 9.0 : (i - 30) * 4.0;
        pp_status st = pp_perturb_motion_blur(base, cifar ? 6 : 10, cifar ? 1.8 : 3, angle, out, i, err);
        if (st)
            return st;
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_motion_blur = {
    .name = "motion_blur",
    .summary = "camera shake whose direction turns from frame to frame",
    .set = PP_PERTURB_TEST,
    .frames_imagenet = 31,
    .frames_cifar = 21,
    .generate = generate,
};
