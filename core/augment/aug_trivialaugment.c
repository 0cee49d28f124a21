/* torchvision 0.14's TrivialAugmentWide (Mueller & Hutter, ICCV 2021): one op
 * of 14 with a magnitude bin of 31, nearest sampling, tensor ops. Draws replay
 * torch.manual_seed(ctx->seed): op = u % 14, bin = u % 31, sign = u % 2. */
#include "augmentation.h"
#include "torch_draws.h"
#include "tv_space.h"

#define BINS 31

static pp_status trivialaugment_apply(const pp_augment_ctx *ctx, const pp_image *in, pp_image *out, pp_error *err)
{
    (void)err;
    pp_tv_space_op s[14];
    int n = 0;
    pp_tv_space_plain(&s[n++], PP_TV_IDENTITY);
    pp_tv_space_linear(&s[n++], PP_TV_SHEAR_X, 0.0f, 0.99f, BINS, true);
    pp_tv_space_linear(&s[n++], PP_TV_SHEAR_Y, 0.0f, 0.99f, BINS, true);
    pp_tv_space_linear(&s[n++], PP_TV_TRANSLATE_X, 0.0f, 32.0f, BINS, true);
    pp_tv_space_linear(&s[n++], PP_TV_TRANSLATE_Y, 0.0f, 32.0f, BINS, true);
    pp_tv_space_linear(&s[n++], PP_TV_ROTATE, 0.0f, 135.0f, BINS, true);
    pp_tv_space_linear(&s[n++], PP_TV_BRIGHTNESS, 0.0f, 0.99f, BINS, true);
    pp_tv_space_linear(&s[n++], PP_TV_COLOR, 0.0f, 0.99f, BINS, true);
    pp_tv_space_linear(&s[n++], PP_TV_CONTRAST, 0.0f, 0.99f, BINS, true);
    pp_tv_space_linear(&s[n++], PP_TV_SHARPNESS, 0.0f, 0.99f, BINS, true);
    pp_tv_space_posterize(&s[n++], 8, 6, BINS);
    pp_tv_space_linear(&s[n++], PP_TV_SOLARIZE, 255.0f, 0.0f, BINS, false);
    pp_tv_space_plain(&s[n++], PP_TV_AUTOCONTRAST);
    pp_tv_space_plain(&s[n++], PP_TV_EQUALIZE);
    pp_mt19937 mt;
    pp_mt_seed(&mt, ctx->seed);
    const pp_tv_space_op *op = &s[pp_torch_randint(&mt, n)];
    float mag = op->bins ? op->magnitudes[pp_torch_randint(&mt, op->bins)] : 0.0f;
    if (op->is_signed && pp_torch_randint(&mt, 2))
        mag = -mag;
    pp_tv_apply(out, in, op->op, mag, false);
    return PP_OK;
}

const pp_augmentation pp_augment_trivialaugment = {
    .name = "trivialaugment",
    .summary = "torchvision 0.14's TrivialAugmentWide: one random op of 14 at a random strength of 31",
    .n_params = 0,
    .apply_u8 = trivialaugment_apply,
};
