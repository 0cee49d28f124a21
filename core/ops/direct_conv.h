/* Direct convolution for layers with few input channels (stride 1; 2 on the avx2 path).
 *
 * With C * kh * kw small, the im2col matrix is a 9x copy of a small input that
 * costs more to write and pack than the multiply costs to run (the demo
 * networks' first layers, the stems). Here each output row segment of 16
 * pixels is accumulated in registers for 8 output channels at a time, reading
 * a zero-padded copy of the input image, with the epilogue fused. */
#ifndef PP_DIRECT_CONV_H
#define PP_DIRECT_CONV_H

#include <stdbool.h>
#include <stddef.h>

#include "conv2d.h"

bool pp_direct_conv_preferred(const pp_conv_shape *s);
/* Stride-2 3x3 layers of few input channels at least 12 output columns wide
 * (w: the input's), on the avx2 path: the forward only. */
bool pp_direct_conv_strided_preferred(const pp_conv_shape *s, int w);
size_t pp_direct_conv_workspace_floats(const pp_conv_shape *s, int h, int w, int threads);
/* Same layouts, epilogue and thread count as pp_conv2d_forward. */
void pp_direct_conv_forward(float *out, const float *in, const float *weight, const pp_conv_shape *s, int n, int h,
                            int w, const pp_epilogue *ep, float *workspace, int threads);

/* dw (K, C, kh, kw) += the weight gradient for dy (K, N, Ho, Wo) and the
 * input x (C, N, H, W): per thread over whole images, sums held in registers.
 * For the shapes pp_direct_conv_preferred takes, on the avx512 and avx2 paths. */
bool pp_direct_conv_weight_grad_available(const pp_conv_shape *s);
size_t pp_direct_conv_weight_grad_workspace_floats(const pp_conv_shape *s, int h, int w, int threads);
void pp_direct_conv_weight_grad(float *dw, const float *dy, const float *x, const pp_conv_shape *s, int n, int h,
                                int w, float *workspace, int threads);

#endif
