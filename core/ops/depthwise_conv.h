/* Depthwise convolution: one k x k filter per channel, no bias
 * (EfficientNet's MBConv, nn.Conv2d(C, C, k, stride, groups=C)).
 *
 * Zero padding is given per side, so both of EfficientNet's conventions fit:
 * torchvision's symmetric (k - 1) / 2, and the TensorFlow "same" padding of the
 * lukemelas copy (more on the right and bottom, computed once for a 224 input
 * at construction: docs/spec/architectures.md, EfficientNet-B0 section 2).
 *
 * Layout as the rest of the engine (conv2d.h): activations (C, N, H, W). */
#ifndef PP_DEPTHWISE_CONV_H
#define PP_DEPTHWISE_CONV_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int channels, k, stride;
    int pad_top, pad_left, pad_bottom, pad_right;
    const float *weight; /* (C, 1, k, k) */
} pp_depthwise_conv;

/* (in + lo + hi - k) / stride + 1; 0 when the padded side is shorter than k. */
int pp_depthwise_out_size(int in, int k, int stride, int pad_lo, int pad_hi);

/* What an inference forward applies to each output right after the taps
 * (EfficientNet's depthwise -> BN -> SiLU -> SE squeeze, in one pass):
 * y = conv * scale[c] + shift[c] (NULL: 1, 0), then SiLU if asked; the sum
 * of each (c, sample) output plane into plane_sums (C, N) if not NULL. */
typedef struct {
    const float *scale, *shift;
    bool silu;
    float *plane_sums;
} pp_depthwise_epilogue;

/* out: (C, N, Ho, Wo) from in: (C, N, H, W); ep may be NULL (the plain
 * convolution). */
void pp_depthwise_forward_fused(float *out, const float *in, const pp_depthwise_conv *d, int n, int h, int w,
                                const pp_depthwise_epilogue *ep, int threads);

/* out: (C, N, Ho, Wo) from in: (C, N, H, W). */
void pp_depthwise_forward(float *out, const float *in, const pp_depthwise_conv *d, int n, int h, int w,
                          int threads);

/* dy: (C, N, Ho, Wo); x: the forward's input. dx: (C, N, H, W) accumulated
 * (the caller zeroes it), or NULL; dw: (C, k, k) accumulated, or NULL. */
void pp_depthwise_backward(float *dx, float *dw, const float *dy, const float *x, const pp_depthwise_conv *d, int n,
                           int h, int w, int threads);

/* Plain nested loops over every tap with bounds checks (one thread), for
 * testing the fast kernels. */
void pp_depthwise_forward_ref(float *out, const float *in, const pp_depthwise_conv *d, int n, int h, int w);

#endif
