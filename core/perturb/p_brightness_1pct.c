/* brightness_1pct (repeatability): lighting drifting by at most 1 %: the HSV value
 * moved by 0, -1, -0.5, +0.5 and +1 % of full scale. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    static const double delta[5] = {0, -0.01, -0.005, 0.005, 0.01};
    (void)ctx;
    pp_perturb_crop(base, out, 0);
    for (int i = 1; i < out->n; i++) {
        pp_status st = pp_perturb_corrupt("brightness", &delta[i], 1, 0, base, out, i, err);
        if (st)
            return st;
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_brightness_1pct = {
    .name = "brightness_1pct",
    .summary = "(repeatability) lighting within +-1 %",
    .set = PP_PERTURB_REPEATABILITY,
    .against_first = true,
    .frames_imagenet = 5,
    .frames_cifar = 5,
    .generate = generate,
};
