/* Backward of the PushPull unit (pushpull.h; the forward is pp_pushpull_forward,
 * whose `responses` output - push and pooled pull, before ReLU - is exactly
 * what the backward needs).
 *   dout -> db = sum dout;  dalpha = -sum dout * relu(pull)
 *        -> dpush = dout * [push > 0];  dpull = -alpha * dout * [pull > 0]
 *        -> avg-pool backward of dpull -> one conv backward with [W; P] stacked
 *        -> dW = dW_push - dP + (sum dP) at the argmax and argmin of W[k]
 * The last line is the derivative of P[k] = -W[k] + max W[k] + min W[k]; on
 * ties the max/min (sub)gradient is shared evenly between the tied elements,
 * as torch.amax/amin do. */
#ifndef PP_PUSHPULL_TRAIN_H
#define PP_PUSHPULL_TRAIN_H

#include <stddef.h>

#include "../model.h"

/* Scratch floats the backward needs beyond the caller's buffers. */
size_t pp_pushpull_backward_workspace_floats(const pp_pushpull_unit *u, int n, int h, int w, int threads);

/* dx: (C, N, H, W) accumulated, or NULL; dw: (K, C, kh, kw), dalpha: (K) or
 * NULL (fixed alpha), dbias: (K) or NULL, all accumulated; dy: (K, N, Ho, Wo);
 * responses: (2K, N, Ho, Wo) from pp_pushpull_forward; in: (C, N, H, W).
 * workspace: pp_pushpull_backward_workspace_floats() floats. */
void pp_pushpull_backward(float *dx, float *dw, float *dalpha, float *dbias, const float *dy,
                          const float *responses, const float *in, const pp_pushpull_unit *u, int n, int h, int w,
                          float *workspace, int threads);

/* The kernel part alone: dw (K, per_kernel) += d_push - d_pull + the max/min
 * terms, from d_stacked (2K, per_kernel) = gradient of [W; P], w = W. */
void pp_pushpull_kernel_backward(float *dw, const float *d_stacked, const float *w, int k_count,
                                 size_t per_kernel);

#endif
