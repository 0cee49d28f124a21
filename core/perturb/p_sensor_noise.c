/* sensor_noise (repeatability): the same scene taken again: eight fresh draws of
 * Gaussian read noise of sigma 0.01 (about 2.5 grey levels) on the clean frame 0. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    return pp_perturb_noise_frames(ctx, base, out, "gaussian_noise", 0.01, err);
}

const pp_perturbation pp_perturbation_sensor_noise = {
    .name = "sensor_noise",
    .summary = "(repeatability) the same shot again: fresh sensor noise",
    .set = PP_PERTURB_REPEATABILITY,
    .against_first = true,
    .random = true,
    .frames_imagenet = 9,
    .frames_cifar = 9,
    .generate = generate,
};
