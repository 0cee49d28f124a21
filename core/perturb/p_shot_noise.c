/* shot_noise: frame 0 clean, then Poisson(lambda x) / lambda drawn afresh per frame.
 * ImageNet-P lambda 300 / 120 / 60, CIFAR-10-P 700 / 400 / 200 (levels 1..3). */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    static const double imagenet[3] = {300, 120, 60}, cifar[3] = {700, 400, 200};
    return pp_perturb_noise_frames(ctx, base, out, "shot_noise", pp_perturb_level(ctx, imagenet, cifar), err);
}

const pp_perturbation pp_perturbation_shot_noise = {
    .name = "shot_noise",
    .summary = "photon (Poisson) noise, re-drawn every frame",
    .set = PP_PERTURB_TEST,
    .against_first = true,
    .random = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
