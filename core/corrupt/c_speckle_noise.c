/* speckle_noise (extra): x + x * N(0, c^2) per value on [0, 1]. */
#include "corrupt_impl.h"
#include "noise_field.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)err;
    pp_noise_add_normal(pp_rng_key(ctx->seed, PP_STREAM_NOISE), in->pixels, out->pixels,
                        (size_t)in->width * in->height * in->channels, (float)ctx->p[0], true);
    return PP_OK;
}

const pp_corruption pp_corruption_speckle_noise = {
    .name = "speckle_noise",
    .summary = "(extra) multiplicative Gaussian noise",
    .family = PP_FAMILY_NOISE,
    .band = PP_BAND_HIGH,
    .random = true,
    .n_params = 1,
    .params = {{"std", "standard deviation of the multiplicative noise", 0, 4, 0, 0,
                {.15, .2, .35, .45, .6}, {.06, .1, .12, .16, .2}}},
    .apply = apply,
};
