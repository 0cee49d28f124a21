/* torchvision 0.14's AutoAugment with the ImageNet policy (Cubuk et al.,
 * CVPR 2019): one of 25 sub-policies of two (op, probability, bin) steps,
 * nearest sampling, tensor ops. Draws replay torch.manual_seed(ctx->seed), all
 * five up front: policy = u % 25, two float32 rand, two signs (u % 2; a signed
 * op is negated when its sign is 0). */
#include <string.h>

#include "augmentation.h"
#include "torch_draws.h"
#include "tv_space.h"

#define BINS 10
#define NONE -1

typedef struct {
    pp_tv_op op;
    float p;
    int bin;
} step;

static const step policy[25][2] = {
    {{PP_TV_POSTERIZE, 0.4f, 8}, {PP_TV_ROTATE, 0.6f, 9}},
    {{PP_TV_SOLARIZE, 0.6f, 5}, {PP_TV_AUTOCONTRAST, 0.6f, NONE}},
    {{PP_TV_EQUALIZE, 0.8f, NONE}, {PP_TV_EQUALIZE, 0.6f, NONE}},
    {{PP_TV_POSTERIZE, 0.6f, 7}, {PP_TV_POSTERIZE, 0.6f, 6}},
    {{PP_TV_EQUALIZE, 0.4f, NONE}, {PP_TV_SOLARIZE, 0.2f, 4}},
    {{PP_TV_EQUALIZE, 0.4f, NONE}, {PP_TV_ROTATE, 0.8f, 8}},
    {{PP_TV_SOLARIZE, 0.6f, 3}, {PP_TV_EQUALIZE, 0.6f, NONE}},
    {{PP_TV_POSTERIZE, 0.8f, 5}, {PP_TV_EQUALIZE, 1.0f, NONE}},
    {{PP_TV_ROTATE, 0.2f, 3}, {PP_TV_SOLARIZE, 0.6f, 8}},
    {{PP_TV_EQUALIZE, 0.6f, NONE}, {PP_TV_POSTERIZE, 0.4f, 6}},
    {{PP_TV_ROTATE, 0.8f, 8}, {PP_TV_COLOR, 0.4f, 0}},
    {{PP_TV_ROTATE, 0.4f, 9}, {PP_TV_EQUALIZE, 0.6f, NONE}},
    {{PP_TV_EQUALIZE, 0.0f, NONE}, {PP_TV_EQUALIZE, 0.8f, NONE}},
    {{PP_TV_INVERT, 0.6f, NONE}, {PP_TV_EQUALIZE, 1.0f, NONE}},
    {{PP_TV_COLOR, 0.6f, 4}, {PP_TV_CONTRAST, 1.0f, 8}},
    {{PP_TV_ROTATE, 0.8f, 8}, {PP_TV_COLOR, 1.0f, 2}},
    {{PP_TV_COLOR, 0.8f, 8}, {PP_TV_SOLARIZE, 0.8f, 7}},
    {{PP_TV_SHARPNESS, 0.4f, 7}, {PP_TV_INVERT, 0.6f, NONE}},
    {{PP_TV_SHEAR_X, 0.6f, 5}, {PP_TV_EQUALIZE, 1.0f, NONE}},
    {{PP_TV_COLOR, 0.4f, 0}, {PP_TV_EQUALIZE, 0.6f, NONE}},
    {{PP_TV_EQUALIZE, 0.4f, NONE}, {PP_TV_SOLARIZE, 0.2f, 4}},
    {{PP_TV_SOLARIZE, 0.6f, 5}, {PP_TV_AUTOCONTRAST, 0.6f, NONE}},
    {{PP_TV_INVERT, 0.6f, NONE}, {PP_TV_EQUALIZE, 1.0f, NONE}},
    {{PP_TV_COLOR, 0.6f, 4}, {PP_TV_CONTRAST, 1.0f, 8}},
    {{PP_TV_EQUALIZE, 0.8f, NONE}, {PP_TV_EQUALIZE, 0.6f, NONE}},
};

/* The magnitude space of _augmentation_space(10, (H, W)) for one op. */
static void space_of(pp_tv_space_op *s, pp_tv_op op, int width, int height)
{
    switch (op) {
    case PP_TV_SHEAR_X:
    case PP_TV_SHEAR_Y: pp_tv_space_linear(s, op, 0.0f, 0.3f, BINS, true); break;
    case PP_TV_TRANSLATE_X: pp_tv_space_linear(s, op, 0.0f, (float)(150.0 / 331.0 * width), BINS, true); break;
    case PP_TV_TRANSLATE_Y: pp_tv_space_linear(s, op, 0.0f, (float)(150.0 / 331.0 * height), BINS, true); break;
    case PP_TV_ROTATE: pp_tv_space_linear(s, op, 0.0f, 30.0f, BINS, true); break;
    case PP_TV_BRIGHTNESS:
    case PP_TV_COLOR:
    case PP_TV_CONTRAST:
    case PP_TV_SHARPNESS: pp_tv_space_linear(s, op, 0.0f, 0.9f, BINS, true); break;
    case PP_TV_POSTERIZE: pp_tv_space_posterize(s, 8, 4, BINS); break;
    case PP_TV_SOLARIZE: pp_tv_space_linear(s, op, 255.0f, 0.0f, BINS, false); break;
    default: pp_tv_space_plain(s, op); break;
    }
}

static pp_status autoaugment_apply(const pp_augment_ctx *ctx, const pp_image *in, pp_image *out, pp_error *err)
{
    pp_mt19937 mt;
    pp_mt_seed(&mt, ctx->seed);
    const int id = pp_torch_randint(&mt, 25);
    float probs[2];
    int signs[2];
    probs[0] = pp_torch_rand_float(&mt);
    probs[1] = pp_torch_rand_float(&mt);
    signs[0] = pp_torch_randint(&mt, 2);
    signs[1] = pp_torch_randint(&mt, 2);
    pp_image tmp;
    pp_status st = pp_image_alloc(&tmp, in->width, in->height, in->channels, err);
    if (st != PP_OK)
        return st;
    memcpy(out->pixels, in->pixels, (size_t)in->width * in->height * in->channels);
    for (int i = 0; i < 2; i++) {
        const step *s = &policy[id][i];
        if (!(probs[i] <= s->p))
            continue;
        pp_tv_space_op space;
        space_of(&space, s->op, in->width, in->height);
        float mag = s->bin != NONE ? space.magnitudes[s->bin] : 0.0f;
        if (space.is_signed && signs[i] == 0)
            mag = -mag;
        pp_tv_apply(&tmp, out, s->op, mag, false);
        memcpy(out->pixels, tmp.pixels, (size_t)in->width * in->height * in->channels);
    }
    pp_image_free(&tmp);
    return PP_OK;
}

const pp_augmentation pp_augment_autoaugment = {
    .name = "autoaugment",
    .summary = "torchvision 0.14's AutoAugment, ImageNet policy: 25 learned pairs of ops",
    .n_params = 0,
    .apply_u8 = autoaugment_apply,
};
