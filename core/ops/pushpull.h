/* The PushPull-Conv unit (docs/spec/pushpull.md):
 *   P[k]  = -W[k] + (max W[k] + min W[k])        pull kernel, per output channel
 *           (db07739: max and min per input channel of W[k], pp_pull_minmax)
 *   push  = conv(x, W);  pull = conv(x, P) = -push + c_k * conv(x, ones), c_k = max + min
 *   pull  = avgpool_a(pull)  (a in {3,5}, stride 1, count_include_pad = false)
 *   out   = relu(push) - alpha[k] * relu(pull) + b[k]                              */
#ifndef PP_PUSHPULL_H
#define PP_PUSHPULL_H

#include <stdbool.h>
#include <stddef.h>

#include "conv2d.h"

/* Where the pull kernel takes its max + min (spec: pushpull-conv history): over
 * each whole filter (C, kh, kw) as at HEAD (437fe08), or over each (filter, input
 * channel) as at commit db07739. The keys cannot tell them apart: metadata
 * "pull_minmax" ("filter" / "channel") or the user says which; default filter. */
typedef enum { PP_PULL_MINMAX_FILTER, PP_PULL_MINMAX_CHANNEL } pp_pull_minmax;

/* The unit's parameters: views into a model's arena. */
typedef struct {
    pp_conv_shape shape;
    float *weight;  /* (K, C, kh, kw) push kernel */
    float *alpha;   /* (K): per channel; all equal when alpha is a fixed scalar */
    float *bias;    /* (K) or NULL */
    int avg_kernel; /* 0, 3 or 5 */
    pp_pull_minmax minmax; /* where P's max + min are taken */
    float *stacked; /* (2K, C, kh, kw): push kernels then pull kernels, derived */
} pp_pushpull_unit;

/* pull from push, both `count` runs of `span` floats; max and min over each run:
 * span = C*kh*kw (one filter, HEAD) or kh*kw (one input channel of a filter, db07739). */
void pp_pushpull_pull_kernels(float *pull, const float *push, int count, size_t span);
/* The run length for the unit's pp_pull_minmax. */
size_t pp_pushpull_minmax_span(const pp_pushpull_unit *u);

/* Forward of the unit on a channel-major batch.
 * out: (K, N, Ho, Wo) unit output; in: (C, N, H, W).
 * responses: (2K, N, Ho, Wo) scratch that ends holding the push response
 * (rows 0..K-1) and the pooled pull response (rows K..2K-1), both before ReLU;
 * NULL when nobody reads them (inference without the push/pull taps), unless
 * pp_pushpull_needs_responses(u): the unit then works in out alone.
 * pool_scratch: pp_pushpull_scratch_floats() floats. workspace: conv scratch.
 * Both sized for the `threads` the forward runs on. */
size_t pp_pushpull_scratch_floats(const pp_pushpull_unit *u, int n, int h, int w, int threads);
/* Whether the unit needs the responses buffer even when they are not read
 * (max + min per input channel: one stacked convolution of 2K channels). */
bool pp_pushpull_needs_responses(const pp_pushpull_unit *u);
void pp_pushpull_forward(float *out, float *responses, float *pool_scratch, const float *in,
                         const pp_pushpull_unit *u, int n, int h, int w, float *workspace, int threads);
/* The same with a batch norm (+ReLU) after the unit fused into its last pass
 * (inference: the BN step that follows the unit, forward.c): out = the
 * epilogue's scale and shift (+ReLU) applied to the unit's output; ep->residual
 * must be NULL. The responses are the unit's as above. */
void pp_pushpull_forward_bn(float *out, float *responses, float *pool_scratch, const float *in,
                            const pp_pushpull_unit *u, int n, int h, int w, const pp_epilogue *ep, float *workspace,
                            int threads);

/* Size (side) of the effective kernel: kh + a - 1 with pooling, else kh. */
int pp_pushpull_effective_size(const pp_pushpull_unit *u);
/* Effective linear kernels W - alpha * (P * box_a), ignoring the ReLUs:
 * out (K, C, e, e) with e = pp_pushpull_effective_size; the push kernel is
 * centred in the larger window. alpha_override < 0 keeps the learned alpha. */
void pp_pushpull_effective_kernels(float *out, const pp_pushpull_unit *u, float alpha_override);

/* ---- backward (training) ---- */

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



/* Scratch floats the backward needs beyond the caller's buffers. */
size_t pp_pushpull_backward_workspace_floats(const pp_pushpull_unit *u, int n, int h, int w, int threads);

/* dx: (C, N, H, W) accumulated, or NULL; dw: (K, C, kh, kw) or NULL, dalpha: (K) or
 * NULL (fixed alpha), dbias: (K) or NULL, all accumulated; dy: (K, N, Ho, Wo);
 * responses: (2K, N, Ho, Wo) from pp_pushpull_forward; in: (C, N, H, W).
 * workspace: pp_pushpull_backward_workspace_floats() floats. */
void pp_pushpull_backward(float *dx, float *dw, float *dalpha, float *dbias, const float *dy,
                          const float *responses, const float *in, const pp_pushpull_unit *u, int n, int h, int w,
                          float *workspace, int threads);

/* The kernel part alone: dw (K, per_kernel) += d_push - d_pull + the max/min
 * terms, from d_stacked (2K, per_kernel) = gradient of [W; P], w = W; max and min
 * over runs of `span` floats (pp_pushpull_minmax_span: a filter or one of its channels). */
void pp_pushpull_kernel_backward(float *dw, const float *d_stacked, const float *w, int k_count,
                                 size_t per_kernel, size_t span);

#endif
