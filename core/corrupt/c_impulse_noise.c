/* impulse_noise: salt and pepper per value (skimage random_noise 's&p', per channel).
 * Each value has a fixed uniform draw u: it is hit when u < amount, so raising the
 * severity only adds hits; a second bit picks salt or pepper. */
#include "corrupt_impl.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)err;
    size_t n = (size_t)in->width * in->height * in->channels;
    uint64_t key = pp_rng_key(ctx->seed, PP_STREAM_NOISE);
    double amount = ctx->p[0];
    /* compare in 52-bit fixed point: exact and cheap */
    uint64_t thresh = amount >= 1 ? UINT64_MAX : (uint64_t)(amount * 0x1.0p52);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = pp_rng_u64(key, i);
        if ((r >> 12) < thresh)
            out->pixels[i] = (r & 1) ? 255 : 0;
        else
            out->pixels[i] = in->pixels[i];
    }
    return PP_OK;
}

const pp_corruption pp_corruption_impulse_noise = {
    .name = "impulse_noise",
    .summary = "salt-and-pepper noise",
    .family = PP_FAMILY_NOISE,
    .band = PP_BAND_HIGH,
    .random = true,
    .n_params = 1,
    .params = {{"amount", "fraction of values set to 0 or 255", 0, 1, 0, 0,
                {.03, .06, .09, .17, .27}, {.01, .02, .03, .05, .07}}},
    .apply = apply,
};
