/* torchvision 0.14's transforms.AugMix: the discrete magnitude bins
 * (linspace(0, max, 10)[randint(severity)]), all 13 ops by default (including
 * the four that overlap ImageNet-C), the tensor op implementations with
 * bilinear sampling, Dirichlet weights from torch's gamma sampler, and the
 * mix done in uint8 space: m0 x + sum combined_i chain_i, truncated to uint8.
 * Draws replay torch's CPU generator after torch.manual_seed(ctx->seed). */
#include <stdlib.h>
#include <string.h>

#include "augmentation.h"
#include "torch_draws.h"
#include "tv_space.h"

enum { P_SEVERITY, P_WIDTH, P_DEPTH, P_ALL_OPS };
#define MAX_WIDTH 10
#define PARAMETER_MAX 10

static int build_space(pp_tv_space_op *s, int width, int height, bool all_ops)
{
    int n = 0;
    pp_tv_space_linear(&s[n++], PP_TV_SHEAR_X, 0.0f, 0.3f, PARAMETER_MAX, true);
    pp_tv_space_linear(&s[n++], PP_TV_SHEAR_Y, 0.0f, 0.3f, PARAMETER_MAX, true);
    pp_tv_space_linear(&s[n++], PP_TV_TRANSLATE_X, 0.0f, (float)(width / 3.0), PARAMETER_MAX, true);
    pp_tv_space_linear(&s[n++], PP_TV_TRANSLATE_Y, 0.0f, (float)(height / 3.0), PARAMETER_MAX, true);
    pp_tv_space_linear(&s[n++], PP_TV_ROTATE, 0.0f, 30.0f, PARAMETER_MAX, true);
    pp_tv_space_posterize(&s[n++], 4, 4, PARAMETER_MAX);
    pp_tv_space_linear(&s[n++], PP_TV_SOLARIZE, 255.0f, 0.0f, PARAMETER_MAX, false);
    pp_tv_space_plain(&s[n++], PP_TV_AUTOCONTRAST);
    pp_tv_space_plain(&s[n++], PP_TV_EQUALIZE);
    if (all_ops) {
        pp_tv_space_linear(&s[n++], PP_TV_BRIGHTNESS, 0.0f, 0.9f, PARAMETER_MAX, true);
        pp_tv_space_linear(&s[n++], PP_TV_COLOR, 0.0f, 0.9f, PARAMETER_MAX, true);
        pp_tv_space_linear(&s[n++], PP_TV_CONTRAST, 0.0f, 0.9f, PARAMETER_MAX, true);
        pp_tv_space_linear(&s[n++], PP_TV_SHARPNESS, 0.0f, 0.9f, PARAMETER_MAX, true);
    }
    return n;
}

static pp_status augmix_tv_apply(const pp_augment_ctx *ctx, const pp_image *in, pp_image *out, pp_error *err)
{
    const int severity = (int)ctx->p[P_SEVERITY], width = (int)ctx->p[P_WIDTH], depth = (int)ctx->p[P_DEPTH];
    pp_tv_space_op space[13];
    const int n_ops = build_space(space, in->width, in->height, ctx->p[P_ALL_OPS] != 0);
    const size_t n = (size_t)in->width * in->height * in->channels;
    pp_mt19937 mt;
    pp_mt_seed(&mt, ctx->seed);
    const float ones[MAX_WIDTH] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    float m[2], w[MAX_WIDTH];
    pp_torch_dirichlet(&mt, ones, 2, m);
    pp_torch_dirichlet(&mt, ones, width, w);

    pp_image a = {0}, b = {0};
    float *mix = malloc(sizeof(float) * n);
    pp_status st = mix ? pp_image_alloc(&a, in->width, in->height, in->channels, err)
                       : pp_fail(err, PP_ERR_NOMEM, "augmix-tv: out of memory");
    if (st == PP_OK)
        st = pp_image_alloc(&b, in->width, in->height, in->channels, err);
    for (size_t j = 0; st == PP_OK && j < n; j++)
        mix[j] = m[0] * (float)in->pixels[j];
    for (int i = 0; i < width && st == PP_OK; i++) {
        const float combined = w[i] * m[1];
        memcpy(a.pixels, in->pixels, n);
        int d = depth > 0 ? depth : 1 + pp_torch_randint(&mt, 3);
        for (int k = 0; k < d; k++) {
            const pp_tv_space_op *op = &space[pp_torch_randint(&mt, n_ops)];
            float mag = op->bins ? op->magnitudes[pp_torch_randint(&mt, severity)] : 0.0f;
            if (op->is_signed && pp_torch_randint(&mt, 2))
                mag = -mag;
            pp_tv_apply(&b, &a, op->op, mag, true);
            pp_image t = a;
            a = b;
            b = t;
        }
        for (size_t j = 0; j < n; j++)
            mix[j] += combined * (float)a.pixels[j];
    }
    for (size_t j = 0; st == PP_OK && j < n; j++)
        out->pixels[j] = (uint8_t)(mix[j] >= 255.0f ? 255.0f : mix[j] <= 0.0f ? 0.0f : mix[j]);
    pp_image_free(&a);
    pp_image_free(&b);
    free(mix);
    return st;
}

const pp_augmentation pp_augment_augmix_tv = {
    .name = "augmix-tv",
    .summary = "torchvision 0.14's AugMix: discrete magnitudes, 13 ops by default, mixed in uint8",
    .n_params = 4,
    .params = {
        {"severity", "magnitude bins 0 .. severity-1 of 10", 1, 10, 3, true},
        {"width", "number of chains mixed", 1, MAX_WIDTH, 3, true},
        {"depth", "ops per chain; -1 = random 1 to 3", -1, 10, -1, true},
        {"all_ops", "1: also brightness, color, contrast, sharpness (torchvision's default)", 0, 1, 1, true},
    },
    .apply_u8 = augmix_tv_apply,
};
