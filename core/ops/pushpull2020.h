/* The push-pull layer of Strisciuglio, Lopez-Antequera and Petkov (Neural Computing
 * and Applications 2020; nicstrisc/Push-Pull-CNN-layer PPmodule2d, docs/arch-pushpull2020.md):
 *   W_up  = bilinear resize of the push kernel W (s x s) to S x S, align_corners = true
 *           (S = floor(s * scale), made odd; scale 2: 3 -> 7, 5 -> 11, 7 -> 15)
 *   push  = conv(x, W, stride, pad) + b
 *   pull  = conv(x, -W_up, stride, pull_pad) - b,   pull_pad = S/2 - s/2 + pad
 *   out   = relu(push) - a[k] * relu(pull),  a = ReLU(alpha[k]) when trained, else a fixed scalar
 * Forward and backward side by side; activations channel-major (C, N, H, W) as in conv2d.h.
 * The forward runs the pull convolution through the resize (pushpull2020_forward.c): the
 * cost of two s x s convolutions and s^2 short separable filters per input channel. */
#ifndef PP_PUSHPULL2020_H
#define PP_PUSHPULL2020_H

#include <stddef.h>

#include "conv2d.h"

/* The factor of the pull kernel's size; both repositories fix it at 2 (never stored). */
#define PP_PUSHPULL2020_SCALE 2
/* The largest push kernel side the layer takes (scale 2: pull up to 33); the
 * networks use 3 and 7. */
#define PP_PUSHPULL2020_MAX_KERNEL 16

typedef struct {
    pp_conv_shape push; /* s x s, stride, pad */
    pp_conv_shape pull; /* S x S, same stride, pull_pad: the same output size */
    float *weight;      /* (K, C, s, s) push kernel (the layer's only kernel parameter) */
    float *bias;        /* (K) push bias (the pull conv uses -bias), or NULL */
    float *alpha;       /* (K) trainable alpha, applied as ReLU(alpha[k]); NULL: alpha_fixed */
    float alpha_fixed;
    float *pull_weight; /* (K, C, S, S) derived: -W_up (pp_pushpull2020_prepare) */
} pp_pushpull2020_layer;

/* S for a push kernel of side k (scale 1 keeps k). */
int pp_pushpull2020_pull_size(int k, int scale);
/* Fills both shapes for a cin -> cout layer with a k x k push kernel. */
void pp_pushpull2020_shapes(pp_pushpull2020_layer *l, int cin, int cout, int k, int stride, int pad, int scale);

/* u: (S, s) weights of the align-corners bilinear resize along one axis: output
 * tap j reads input j * (s-1)/(S-1), split between its two neighbours. */
void pp_pushpull2020_resize_weights(double *u, int s, int S);
/* pull: (planes, S, S) = -resize(push (planes, s, s)), planes = K * C. */
void pp_pushpull2020_pull_kernels(float *pull, const float *push, size_t planes, int s, int S);
/* Recomputes pull_weight from weight (after any change of the weights). */
void pp_pushpull2020_prepare(pp_pushpull2020_layer *l);

/* The inhibition strength of channel k as the forward applies it. */
float pp_pushpull2020_alpha(const pp_pushpull2020_layer *l, int k);

size_t pp_pushpull2020_workspace_floats(const pp_pushpull2020_layer *l, int n, int h, int w, int threads);
/* out: (K, N, Ho, Wo); responses: (2K, N, Ho, Wo) or NULL, ends holding push (rows 0..K-1)
 * and pull (rows K..2K-1) before their ReLUs, biases included: the taps and the backward
 * read them. in: (C, N, H, W). workspace: pp_pushpull2020_workspace_floats(). The pull
 * response is computed from weight through the resize (pushpull2020_forward.c), not from
 * pull_weight: the two agree after pp_pushpull2020_prepare. */
void pp_pushpull2020_forward(float *out, float *responses, const float *in, const pp_pushpull2020_layer *l, int n,
                             int h, int w, float *workspace, int threads);
/* The same, with ep (a following eval BN: scale, shift, ReLU; NULL: none) applied to out. */
void pp_pushpull2020_forward_bn(float *out, float *responses, const float *in, const pp_pushpull2020_layer *l, int n,
                                int h, int w, const pp_epilogue *ep, float *workspace, int threads);

size_t pp_pushpull2020_backward_workspace_floats(const pp_pushpull2020_layer *l, int n, int h, int w, int threads);
/* Gradients of the forward, accumulated (the caller zeroes them):
 *   dpush = dy [push > 0];  dpull = -a dy [pull > 0];  db += sum dpush - sum dpull
 *   dalpha[k] += -[alpha[k] > 0] sum dy relu(pull)          (trained alpha only)
 *   dW += conv_grad(dpush) - resize^T(conv_grad(dpull));   dx += both input gradients
 * dx (C, N, H, W) or NULL; dw (K, C, s, s), db, dalpha (K) or NULL; dy (K, N, Ho, Wo);
 * responses from pp_pushpull2020_forward on the same input. */
void pp_pushpull2020_backward(float *dx, float *dw, float *db, float *dalpha, const float *dy,
                              const float *responses, const float *in, const pp_pushpull2020_layer *l, int n, int h,
                              int w, float *workspace, int threads);

/* Effective linear kernels (the ReLUs ignored): W - a * (-W_up) = W + a W_up, with W
 * centred in the S x S window: out (K, C, S, S). alpha_override < 0 keeps the layer's a. */
void pp_pushpull2020_effective_kernels(float *out, const pp_pushpull2020_layer *l, float alpha_override);

#endif
