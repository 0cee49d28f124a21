/* torchvision 0.14's uint8 tensor operations (functional_tensor.py), the ones
 * its AugMix, TrivialAugmentWide and AutoAugment apply through _apply_op, with
 * torch's float32 arithmetic order kept so results match byte for byte (the
 * geometric ops up to rare 1-level differences where torch's grid product
 * rounds differently). Images are interleaved uint8 (H, W, C), C = 1 or 3. */
#ifndef PP_TV_OPS_H
#define PP_TV_OPS_H

#include <stdbool.h>

#include "../image/image.h"

typedef enum {
    PP_TV_IDENTITY,
    PP_TV_SHEAR_X,
    PP_TV_SHEAR_Y,
    PP_TV_TRANSLATE_X,
    PP_TV_TRANSLATE_Y,
    PP_TV_ROTATE,
    PP_TV_BRIGHTNESS,
    PP_TV_COLOR,
    PP_TV_CONTRAST,
    PP_TV_SHARPNESS,
    PP_TV_POSTERIZE,
    PP_TV_SOLARIZE,
    PP_TV_AUTOCONTRAST,
    PP_TV_EQUALIZE,
    PP_TV_INVERT,
} pp_tv_op;

const char *pp_tv_op_name(pp_tv_op op);

/* _apply_op(img, op, magnitude, interpolation, fill=None): nearest or bilinear
 * sampling for the geometric ops. out must not alias in; same size. */
void pp_tv_apply(pp_image *out, const pp_image *in, pp_tv_op op, float magnitude, bool bilinear);

/* torch.linspace(start, end, steps) as torch 1.13's CPU kernel (AVX2 build)
 * computes it in float32, the tables the transforms draw magnitudes from. */
void pp_torch_linspace(float *out, float start, float end, int steps);

#endif
