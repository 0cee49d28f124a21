/* pixel_shift (repeatability): the part one pixel off in each of the 8 directions
 * (nearest, of the whole 256 image then the crop at 224; black enters at 32 as in
 * translate); frame 0 is the unshifted picture. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    static const int shift[9][2] = {{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, -1}, {1, -1}, {-1, 1}};
    for (int i = 0; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, "pixel_shift");
        pp_perturb_affine(base, out, i, 0, shift[i][0], shift[i][1], 1, 0, false);
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_pixel_shift = {
    .name = "pixel_shift",
    .summary = "(repeatability) the part one pixel off in each direction",
    .set = PP_PERTURB_REPEATABILITY,
    .against_first = true,
    .geometric = true,
    .frames_imagenet = 9,
    .frames_cifar = 9,
    .generate = generate,
};
