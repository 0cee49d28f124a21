/* Gaussian-noise training (Rusak et al., ECCV 2020; bethgelab/game-of-noise
 * utils.py): in [0, 1] pixel space, before normalisation, the images from
 * batch position round(B * clean) on get clamp(x + sigma N(0, 1), 0, 1), i.i.d.
 * per pixel and channel; the first ones stay clean. sigma is fixed
 * (Gauss_single, 0.5) or drawn per image from the ImageNet-C Gaussian-noise
 * severities {0.08, 0.12, 0.18, 0.26, 0.38} (Gauss_mult). The noise comes from
 * the counter-based generator (the reference fills it with torch.normal_ on
 * the GPU), so tests are statistical. Not re-quantised. */
#include <math.h>
#include <stdlib.h>

#include "../rng.h"
#include "augmentation.h"

enum { P_SIGMA, P_PER_IMAGE, P_CLEAN };

static pp_status gaussian_apply(const pp_augment_ctx *ctx, const pp_image *in, float *out, pp_error *err)
{
    static const double severities[5] = {0.08, 0.12, 0.18, 0.26, 0.38};
    const int ch = in->channels;
    const size_t plane = (size_t)in->width * in->height, n = plane * (size_t)ch;
    for (int c = 0; c < ch; c++)
        for (size_t i = 0; i < plane; i++)
            out[c * plane + i] = in->pixels[i * ch + c] / 255.0f;
    const int first_noisy = (int)nearbyint(ctx->batch * ctx->p[P_CLEAN]); /* Python's round: half to even */
    if (ctx->position >= first_noisy) {
        const uint64_t key = pp_rng_key(ctx->seed, 0x6a055);
        double sigma = ctx->p[P_SIGMA];
        if (ctx->p[P_PER_IMAGE] != 0)
            sigma = severities[pp_rng_int(key, 0, 0, 4)];
        float *noise = malloc(sizeof(float) * n);
        if (!noise)
            return pp_fail(err, PP_ERR_NOMEM, "gaussian: out of memory");
        pp_rng_normal_fill(pp_rng_key(ctx->seed, 0x6a056), noise, n);
        for (size_t j = 0; j < n; j++) {
            float v = out[j] + (float)sigma * noise[j];
            out[j] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
        free(noise);
    }
    for (int c = 0; c < ch; c++)
        for (size_t i = 0; i < plane; i++)
            out[c * plane + i] = (out[c * plane + i] - ctx->mean[c]) / ctx->std[c];
    return PP_OK;
}

const pp_augmentation pp_augment_gaussian = {
    .name = "gaussian",
    .summary = "Gaussian noise on part of the batch, sigma fixed or per image (game-of-noise)",
    .n_params = 3,
    .params = {
        {"sigma", "noise standard deviation on [0, 1] pixels (Gauss_single 0.5)", 0, 2, 0.5, false},
        {"per_image", "1: sigma drawn per image from the ImageNet-C severities (Gauss_mult)", 0, 1, 0, true},
        {"clean", "fraction of the batch kept clean (p_clean)", 0, 1, 0.5, false},
    },
    .apply_float = gaussian_apply,
};
