/* brightness: skimage HSV value + c, c = (i - 15) * 0.02 at 224 (-0.30 .. 0.30) and
 * (i - 15) * 0.015 at 32 (-0.225 .. 0.225); 31 frames, truncated to 8 bits. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    double step = pp_perturb_pick(ctx, 0.02, 0.015);
    for (int i = 0; i < out->n; i++) {
        double c = (i - 15) * step;
        pp_status st = pp_perturb_corrupt("brightness", &c, 1, 0, base, out, i, err);
        if (st)
            return st;
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_brightness = {
    .name = "brightness",
    .summary = "brightness rising from darker to brighter",
    .set = PP_PERTURB_TEST,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
