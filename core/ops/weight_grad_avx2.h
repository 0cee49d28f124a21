/* The weight gradient of a 3x3 convolution (avx2 and avx512 paths), with output
 * channels in the vector lanes:
 *   dW[k][c][i][j] += sum over output pixels p of dy[k][p] * x[c][p's input row + i][p's input column + j]
 * Each pixel's dy for 8 or 16 channels is one or two vectors (dy transposed
 * into panels per group of images), each input value under a tap a broadcast,
 * and 12 (tap, channel-vector) sums stay in registers over the whole group
 * (on the avx512 path 16-channel panels one zmm, four kernel rows a block):
 * no column matrix, and no lanes lost to short rows (4x4 and 7x7 maps) or to
 * stride 2. Layouts as conv2d.h: dy (K, N, Ho, Wo), x (C, N, H, W). */
#ifndef PP_WEIGHT_GRAD_AVX2_H
#define PP_WEIGHT_GRAD_AVX2_H

#include <stdbool.h>
#include <stddef.h>

#include "conv2d.h"

/* Dense 3x3 convolutions (any stride and padding) with a multiple of 8 output
 * channels. AVX2 code: the caller checks the CPU path (avx2 or above). */
bool pp_weight_grad_avx2_supports(const pp_conv_shape *s);
/* Supported, on the avx2 or avx512 path, and faster than the column GEMM:
 * where the Winograd weight gradient does not take the layer, the lane kernel
 * should (winograd.h). */
bool pp_weight_grad_avx2_preferred(const pp_conv_shape *s);
size_t pp_weight_grad_avx2_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads);
/* dw (K, C, 3, 3) += the gradient; images split over `threads`. */
void pp_weight_grad_avx2(float *dw, const float *dy, const float *x, const pp_conv_shape *s, int n, int h, int w,
                         float *workspace, int threads);

#endif
