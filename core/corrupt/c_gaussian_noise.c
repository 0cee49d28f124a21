/* gaussian_noise: x + N(0, c^2) per value on [0, 1]. The unit normal field depends only
 * on the seed; the severity scales it. */
#include "corrupt_impl.h"
#include "noise_field.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)err;
    pp_noise_add_normal(pp_rng_key(ctx->seed, PP_STREAM_NOISE), in->pixels, out->pixels,
                        (size_t)in->width * in->height * in->channels, (float)ctx->p[0], false);
    return PP_OK;
}

const pp_corruption pp_corruption_gaussian_noise = {
    .name = "gaussian_noise",
    .summary = "additive Gaussian noise",
    .family = PP_FAMILY_NOISE,
    .band = PP_BAND_HIGH,
    .random = true,
    .n_params = 1,
    .params = {{"std", "noise standard deviation on [0, 1]", 0, 2, 0, 0,
                {.08, .12, .18, .26, .38}, {.04, .06, .08, .09, .10}}},
    .apply = apply,
};
