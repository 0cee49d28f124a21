/* speckle_noise (validation): frame 0 clean, then clip(x + x N(0, sigma^2)) per frame.
 * ImageNet-P sigma 0.05 / 0.10 / 0.15, CIFAR-10-P 0.05 / 0.07 / 0.10 (levels 1..3). */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    static const double imagenet[3] = {.05, .10, .15}, cifar[3] = {.05, .07, .10};
    return pp_perturb_noise_frames(ctx, base, out, "speckle_noise", pp_perturb_level(ctx, imagenet, cifar), err);
}

const pp_perturbation pp_perturbation_speckle_noise = {
    .name = "speckle_noise",
    .summary = "(validation) multiplicative noise, re-drawn every frame",
    .set = PP_PERTURB_VALIDATION,
    .against_first = true,
    .random = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
