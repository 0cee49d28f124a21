/* gaussian_noise: frame 0 clean, then clip(x + sigma N(0, 1)) drawn afresh per frame.
 * ImageNet-P sigma 0.03 / 0.05 / 0.08, CIFAR-10-P 0.02 / 0.04 / 0.06 (levels 1..3). */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    static const double imagenet[3] = {.03, .05, .08}, cifar[3] = {.02, .04, .06};
    return pp_perturb_noise_frames(ctx, base, out, "gaussian_noise", pp_perturb_level(ctx, imagenet, cifar), err);
}

const pp_perturbation pp_perturbation_gaussian_noise = {
    .name = "gaussian_noise",
    .summary = "additive Gaussian noise, re-drawn every frame",
    .set = PP_PERTURB_TEST,
    .against_first = true,
    .random = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
