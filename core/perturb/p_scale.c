/* scale: bilinear zoom of the whole image by (2.5 i + 40) / 100 at 224 (0.40 .. 1.15)
 * and (2 i + 70) / 100 at 32 (0.70 .. 1.30), then the centre crop; 31 frames. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    bool cifar = pp_perturb_cifar(ctx);
    for (int i = 0; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, "scale");
        double s = cifar ? (i * 2 + 70) / 100.0 : (i * 2.5 + 40) / 100.0;
        pp_perturb_affine(base, out, i, 0, 0, 0, s, 0, true);
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_scale = {
    .name = "scale",
    .summary = "the camera moves away and closer (zoom out, then in)",
    .set = PP_PERTURB_TEST,
    .geometric = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
