/* The input gradient of a 3x3, stride-2, pad-1 convolution on the avx2 path,
 * by direct accumulation (no column matrix, no col2im scatter):
 *   dx[c][iy][ix] = sum over k and taps (i, j) with 2 oy + i - 1 = iy and
 *                   2 ox + j - 1 = ix of w[k][c][i][j] * dy[k][oy][ox]
 * An even input column 2q takes tap column 1 at ox = q; an odd one, 2q + 1,
 * taps 0 and 2 at ox = q + 1 and q (rows alike). So the even and odd columns
 * of a row are two 8-lane sums over q from the same two loads of a dy row
 * (at q and q + 1), interleaved on the store. Layouts as conv2d.h: dy
 * (K, N, Ho, Wo), dx (C, N, H, W). */
#ifndef PP_INPUT_GRAD_STRIDE2_AVX2_H
#define PP_INPUT_GRAD_STRIDE2_AVX2_H

#include <stdbool.h>
#include <stddef.h>

#include "conv2d.h"

/* Dense 3x3 stride 2 pad 1 with 4, 8, 12 or 16 input channels, on the avx2
 * path, for maps of at least 6 output columns (the 8-lane sums mostly full). */
bool pp_input_grad_stride2_preferred(const pp_conv_shape *s, int w);
size_t pp_input_grad_stride2_workspace_floats(const pp_conv_shape *s, int h, int w, int threads);
/* dx = (fresh) or += the input gradient; images split over `threads`. */
void pp_input_grad_stride2(float *dx, bool fresh, const float *dy, const float *weight, const pp_conv_shape *s, int n,
                           int h, int w, float *workspace, int threads);

#endif
