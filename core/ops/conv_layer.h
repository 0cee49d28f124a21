/* A convolution layer: its parameters, and its forward and backward passes by
 * the algorithm pp_conv_choose picks (im2col + GEMM, direct, or Winograd).
 *
 * The input gradient of a stride-1 "same" layer is itself a convolution of
 * dY with the kernels transposed (K <-> C) and flipped, same padding; running
 * it through the forward's fast paths (Winograd included) beats GEMM + col2im.
 * Stride-2 3x3 layers of few input channels on the avx2 path take a direct
 * input gradient (input_grad_stride2_avx2.h); other layers conv2d.h's
 * GEMM + col2im backward. */
#ifndef PP_CONV_LAYER_H
#define PP_CONV_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "conv2d.h"

/* Parameters: views into a model's arena. */
typedef struct {
    pp_conv_shape shape;
    float *weight;   /* (cout, cin, kh, kw) */
    float *bias;     /* (cout) or NULL */
    float *winograd; /* transformed 3x3 kernels (ops/winograd.h), derived; NULL if not kept */
} pp_conv_layer;

/* Where transformed Winograd kernels come from for a layer that keeps none
 * (c->winograd NULL): a cache (inference) or a transform into scratch
 * (training). NULL source or NULL answer: convolve without Winograd. */
typedef struct {
    const float *(*get)(void *owner, const pp_conv_layer *c, int threads);
    void *owner;
} pp_winograd_source;

/* Scratch the layer passes use; sized by pp_conv_layer_sizes. */
typedef struct {
    float *workspace;
    float *flipped;      /* backward: the transposed, flipped kernels */
    float *flipped_wino; /* backward: their Winograd transform */
    float *dx_tmp;       /* backward: the input gradient before it is added */
    pp_winograd_source winograd;
} pp_conv_scratch;

/* Floats each scratch buffer needs for this layer on an (N, C, H, W) input;
 * each is raised to at least that (callers take the maximum over layers).
 * backward: include what the backward pass needs. `wino` counts a transform
 * of the layer's own kernels when it keeps none. */
typedef struct {
    size_t workspace, flipped, flipped_wino, dx_tmp, wino;
} pp_conv_sizes;
void pp_conv_layer_sizes(pp_conv_sizes *sz, const pp_conv_layer *c, int n, int h, int w, int threads, bool backward);

/* out: (K, N, Ho, Wo) from in: (C, N, H, W), with the epilogue. */
void pp_conv_layer_forward(float *out, const float *in, const pp_conv_layer *c, int n, int h, int w,
                           const pp_epilogue *ep, const pp_conv_scratch *scratch, int threads);

/* The same on pre(in) (winograd.h, pp_winograd_forward_pre: a per-channel
 * affine + ReLU applied to the input as it is read) when the layer runs by
 * Winograd here; false (nothing done) otherwise: the caller activates the
 * input itself. */
bool pp_conv_layer_forward_pre(float *out, const float *in, const pp_epilogue *pre, const pp_conv_layer *c, int n,
                               int h, int w, const pp_epilogue *ep, const pp_conv_scratch *scratch, int threads);

/* dy: (K, N, Ho, Wo) gradient of the output (before the epilogue: the caller
 * takes it through BN and ReLU first); x: the forward's input.
 * dx: (C, N, H, W) or NULL; dx_fresh: dx holds nothing yet (it is written,
 * else accumulated). dw: (K, C, kh, kw) and db: (K) or NULL, accumulated. */
void pp_conv_layer_backward(float *dx, bool dx_fresh, float *dw, float *db, const float *dy, const float *x,
                            const pp_conv_layer *c, int n, int h, int w, const pp_conv_scratch *scratch, int threads);

#endif
