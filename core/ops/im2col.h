/* The column matrix of a convolution on channel-major batches, and its adjoint.
 * Row (c, i, j) of the matrix holds input channel c shifted by kernel tap (i, j);
 * column (n, ho, wo) is one output pixel. The forward convolution builds it,
 * the backward pass builds it for the weight gradient and scatters the input
 * gradient back through pp_col2im_add. */
#ifndef PP_IM2COL_H
#define PP_IM2COL_H

#include <stddef.h>

#include "conv2d.h"

/* Rows [r0, r1) and columns [p0, p1) of the matrix for in (C, N, H, W),
 * stored with row stride p1 - p0 (row r at col + r * (p1 - p0)). */
void pp_im2col(float *col, const float *in, const pp_conv_shape *s, int n, int h, int w, size_t p0, size_t p1,
               int r0, int r1);

/* dx += the adjoint of pp_im2col applied to all rows of columns [p0, p1). */
void pp_col2im_add(float *dx, const float *col, const pp_conv_shape *s, int n, int h, int w, size_t p0, size_t p1);

#endif
