/* 3x3 stride-1 convolution by Winograd's minimal filtering F(4x4, 3x3)
 * (Lavin & Gray 2016): each 6x6 input tile and 3x3 kernel are transformed,
 * multiplied element-wise (36 GEMMs over channels), and transformed back to a
 * 4x4 output tile: 36 multiplies instead of 144 per tile and channel pair.
 * Layout as conv2d.h: activations (C, N, H, W). */
#ifndef PP_WINOGRAD_H
#define PP_WINOGRAD_H

#include <stdbool.h>
#include <stddef.h>

#include "conv2d.h"

/* 3x3 kernels, stride 1 (any padding). */
bool pp_winograd_supports(const pp_conv_shape *s);
/* Worth it for this problem on `threads` threads (enough tiles per thread to
 * keep the GEMMs efficient)? */
bool pp_winograd_preferred(const pp_conv_shape *s, int n, int h, int w, int threads);

size_t pp_winograd_weight_floats(const pp_conv_shape *s);
/* u: 36 transformed (K, C) matrices, GEMM-packed, from weight (K, C, 3, 3).
 * False when its scratch memory cannot be had (u is then not usable). */
bool pp_winograd_transform_weights(float *u, const float *weight, const pp_conv_shape *s, int threads);

size_t pp_winograd_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads);
/* out: (K, N, Ho, Wo); in: (C, N, H, W); u from pp_winograd_transform_weights;
 * workspace sized for the same `threads`. */
void pp_winograd_forward(float *out, const float *in, const float *u, const pp_conv_shape *s, int n, int h,
                         int w, const pp_epilogue *ep, float *workspace, int threads);

/* The same on pre(in): each input channel c activated as it is read,
 * in * pre->scale[c] + pre->shift[c] (either NULL: 1, 0), then ReLU if
 * pre->relu (pre->residual unused), so a pre-activation BN + ReLU costs no
 * pass of its own; the padding is that of the activated input (zeros). */
void pp_winograd_forward_pre(float *out, const float *in, const pp_epilogue *pre, const float *u,
                             const pp_conv_shape *s, int n, int h, int w, const pp_epilogue *ep, float *workspace,
                             int threads);

#endif
