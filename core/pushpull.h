/* The PushPull-Conv unit (spec/pushpull.md):
 *   P[k]  = -W[k] + (max W[k] + min W[k])        pull kernel, per output channel
 *   push  = conv(x, W);  pull = conv(x, P) = -push + c_k * conv(x, ones), c_k = max + min
 *   pull  = avgpool_a(pull)  (a in {3,5}, stride 1, count_include_pad = false)
 *   out   = relu(push) - alpha[k] * relu(pull) + b[k]                              */
#ifndef PP_PUSHPULL_H
#define PP_PUSHPULL_H

#include <stddef.h>

#include "model.h"

/* pull: (K, per_kernel) from push: (K, per_kernel). */
void pp_pushpull_pull_kernels(float *pull, const float *push, int k_count, size_t per_kernel);

/* Forward of the unit on a channel-major batch.
 * out: (K, N, Ho, Wo) unit output; in: (C, N, H, W).
 * responses: (2K, N, Ho, Wo) scratch that ends holding the push response
 * (rows 0..K-1) and the pooled pull response (rows K..2K-1), both before ReLU.
 * pool_scratch: pp_pushpull_scratch_floats() floats. workspace: conv scratch.
 * Both sized for the `threads` the forward runs on. */
size_t pp_pushpull_scratch_floats(const pp_pushpull_unit *u, int n, int h, int w, int threads);
void pp_pushpull_forward(float *out, float *responses, float *pool_scratch, const float *in,
                         const pp_pushpull_unit *u, int n, int h, int w, float *workspace, int threads);

/* Size (side) of the effective kernel: kh + a - 1 with pooling, else kh. */
int pp_pushpull_effective_size(const pp_pushpull_unit *u);
/* Effective linear kernels W - alpha * (P * box_a), ignoring the ReLUs:
 * out (K, C, e, e) with e = pp_pushpull_effective_size; the push kernel is
 * centred in the larger window. alpha_override < 0 keeps the learned alpha. */
void pp_pushpull_effective_kernels(float *out, const pp_pushpull_unit *u, float alpha_override);

#endif
