/* Fully connected layer and ReLU. */
#ifndef PP_LINEAR_H
#define PP_LINEAR_H

#include <stddef.h>

/* out: (N, O); in: (C, N) channel-major features; weight: (O, C); bias: (O) or NULL;
 * on up to `threads` threads (bands of outputs). */
void pp_linear_forward(float *out, const float *in, const float *weight, const float *bias, int n,
                       int in_features, int out_features, int threads);

void pp_relu_forward(float *x, size_t count, int threads);

/* ---- backward (training) ---- */

/* Backward of the fully connected layer (ops/linear.h) and of the ReLU. */


/* The forward is pp_linear_forward: out (N, O) = in^T W^T + b.
 * dx: (C, N) channel-major, written (may be NULL); dw: (O, C) and db: (O)
 * accumulated (either may be NULL); dy: (N, O); x: (C, N); weight: (O, C). */
void pp_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *weight,
                        int n, int in_features, int out_features);

/* dx = dy where the forward's output y was positive, else 0 (dx may alias dy).
 * dx, dy, y: (count). */
void pp_relu_backward(float *dx, const float *dy, const float *y, size_t count, int threads);

#endif
