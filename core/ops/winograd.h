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

/* ---- backward: the weight gradient in the Winograd domain ----
 * The forward is Y = A^T [U (.) V] A per tile with U = G g G^T, V = B^T d B;
 * so dU = sum over tiles of (A dY A^T) (.) V: 36 (K, C) GEMMs over the tiles
 * (the tiles are the inner dimension), and dg = G^T dU G. 2.25 multiplies per
 * output pixel and weight instead of 9 (the lane kernel's, weight_grad_avx2.h).
 * Rounding differs from the direct sums: within about 1e-5 of the largest
 * gradient entry (tests/train/test_train_gradcheck.c). */

/* 3x3 stride-1 dense layers with 16 or more channels on both sides and
 * enough tiles (64 per thread, and at least K C / (C + K)) for the GEMMs over
 * tiles to pay; on the avx2 and avx512 paths not the narrow ones the lane
 * kernel takes (under 32 channels on a side, under 64 where edge tiles are
 * partial: output sides not multiples of 4). */
bool pp_winograd_weight_grad_preferred(const pp_conv_shape *s, int n, int h, int w, int threads);
size_t pp_winograd_weight_grad_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads);
/* dw (K, C, 3, 3) += the gradient from dy (K, N, Ho, Wo) and the forward's
 * input x (C, N, H, W); workspace sized for the same `threads`. */
void pp_winograd_weight_grad(float *dw, const float *dy, const float *x, const pp_conv_shape *s, int n, int h,
                             int w, float *workspace, int threads);

#endif
