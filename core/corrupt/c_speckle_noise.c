/* speckle_noise (extra): x + x * N(0, c^2) per value on [0, 1]. */
#include "corrupt_impl.h"
#include "noise_field.h"

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)err;
    const size_t n = (size_t)in->width * in->height * in->channels; /* (H, W, C) */
    const uint64_t key = pp_rng_key(ctx->seed, PP_STREAM_NOISE);
    const float c = (float)ctx->p[0];
    float z[PP_NOISE_CHUNK]; /* the field chunk by chunk: no big buffer to fault in */
    for (size_t i0 = 0; i0 < n; i0 += PP_NOISE_CHUNK) {
        const size_t m = n - i0 < PP_NOISE_CHUNK ? n - i0 : PP_NOISE_CHUNK;
        pp_noise_normal_fill(key, i0, z, m);
        const uint8_t *restrict src = in->pixels + i0;
        uint8_t *restrict dst = out->pixels + i0;
        for (size_t i = 0; i < m; i++) {
            float x = src[i] * (1.f / 255.f);
            dst[i] = pp_unit_to_u8(x + x * c * z[i]);
        }
    }
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
