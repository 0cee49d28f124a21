/* impulse_noise: salt and pepper per value (skimage random_noise 's&p', per channel).
 * Each value has a fixed 32-bit draw (noise_field.h): its top 24 bits as a uniform u
 * say it is hit when u < amount, so raising the severity only adds hits; the lowest
 * bit picks salt or pepper. */
#include "corrupt_impl.h"
#include "noise_field.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)err;
    const size_t n = (size_t)in->width * in->height * in->channels;
    const uint64_t key = pp_rng_key(ctx->seed, PP_STREAM_NOISE);
    double amount = ctx->p[0];
    /* compare in 24-bit fixed point: exact and one vector compare */
    const uint32_t thresh = amount >= 1 ? 1u << 24 : (uint32_t)(amount * 0x1.0p24);
    uint32_t draw[PP_NOISE_CHUNK];
    for (size_t i0 = 0; i0 < n; i0 += PP_NOISE_CHUNK) {
        const size_t m = n - i0 < PP_NOISE_CHUNK ? n - i0 : PP_NOISE_CHUNK;
        pp_noise_u32_fill(key, i0, draw, m);
        const uint8_t *restrict src = in->pixels + i0;
        uint8_t *restrict dst = out->pixels + i0;
        for (size_t i = 0; i < m; i++) {
            const uint8_t hit = (uint8_t)(0u - ((draw[i] >> 8) < thresh)), salt = (uint8_t)(0u - (draw[i] & 1));
            dst[i] = (uint8_t)((src[i] & ~hit) | (salt & hit));
        }
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
