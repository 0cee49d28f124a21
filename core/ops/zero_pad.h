/* Zero padding with a size per side (nn.ZeroPad2d((left, right, top,
 * bottom))): the TensorFlow "same" padding lukemelas' EfficientNet puts
 * before its plain stem convolution (more on the right and bottom). Layout
 * (C, N, H, W). */
#ifndef PP_ZERO_PAD_H
#define PP_ZERO_PAD_H

#include <stddef.h>

typedef struct {
    int top, left, bottom, right;
} pp_zero_pad;

/* out: (planes, H + top + bottom, W + left + right) from in (planes, H, W). */
void pp_zero_pad_forward(float *out, const float *in, const pp_zero_pad *p, size_t planes, int h, int w, int threads);

/* dx (planes, H, W) += the interior of dy. */
void pp_zero_pad_backward(float *dx, const float *dy, const pp_zero_pad *p, size_t planes, int h, int w, int threads);

#endif
