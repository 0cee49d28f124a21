/* Backward of the 2-D convolution in ops/conv2d.h (same channel-major layout).
 * The forward is pp_conv2d_forward; this is its gradient:
 *   dW (K, C*kh*kw) += dY (K, P) x columns^T (P, C*kh*kw)
 *   dX              += col2im(W^T (C*kh*kw, K) x dY (K, P))
 *   db (K)          += sum over P of dY
 * with P = N*Ho*Wo. Gradients accumulate; the caller zeroes them. */
#ifndef PP_CONV_BACKWARD_H
#define PP_CONV_BACKWARD_H

#include <stddef.h>

#include "../ops/conv2d.h"

/* Floats of scratch space pp_conv2d_backward needs for this problem. */
size_t pp_conv2d_backward_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads);

/* dx: (C, N, H, W) or NULL (input needs no gradient); dw: (K, C, kh, kw);
 * db: (K) or NULL; dy: (K, N, Ho, Wo); x: (C, N, H, W); weight: (K, C, kh, kw). */
void pp_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *weight,
                        const pp_conv_shape *s, int n, int h, int w, float *workspace, int threads);

/* Plain direct loops (double accumulation), for testing the fast path. */
void pp_conv2d_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *weight, const pp_conv_shape *s, int n, int h, int w);

#endif
