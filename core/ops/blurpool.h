/* BlurPool: the anti-aliasing low-pass filter of Zhang, "Making Convolutional
 * Networks Shift-Invariant Again" (ICML 2019; adobe/antialiased-cnns
 * antialiased_cnns/blurpool.py, class BlurPool) and the baselines that reuse it
 * (pushpull-conv's zhang_resnet50 and vasconcelos_resnet50).
 *
 * Per channel c: y[c] = conv2d(reflectpad(x[c]), filt[c], stride), a depthwise
 * convolution with the layer's `filt` buffer (C, 1, f, f) (a normalised
 * binomial, the same for every channel in every real checkpoint, but read as
 * saved). Reflection padding as nn.ReflectionPad2d (mirror without repeating
 * the edge sample), (left, right, top, bottom) = (floor((f-1)/2),
 * ceil((f-1)/2), floor, ceil): even sizes pad one more on the right and bottom.
 * f = 1 is pure subsampling, x[:, :, ::s, ::s], without reading the filter.
 *
 * Layout as the rest of the engine (conv2d.h): activations (C, N, H, W), so
 * the N planes of channel c are consecutive. No parameters, so the backward
 * pass gives the input gradient only. */
#ifndef PP_BLURPOOL_H
#define PP_BLURPOOL_H

#include <stdbool.h>
#include <stddef.h>

#define PP_BLURPOOL_MAX_FILTER 7

typedef struct {
    int channels;
    int filter; /* f, 1..PP_BLURPOOL_MAX_FILTER */
    int stride; /* 1 (blur only, vasconcelos) or 2 */
    const float *filt; /* (C, f, f): the checkpoint's `filt` buffer */
} pp_blurpool;

/* Reflection padding before (lo) and after (hi) along each axis. */
int pp_blurpool_pad_lo(int filter);
int pp_blurpool_pad_hi(int filter);

/* Output size along an axis of `in` cells: (in + f - 1 - f) / s + 1, i.e.
 * ceil(in / s). */
int pp_blurpool_out_size(int in, int filter, int stride);

/* True when a plane of h x w can be reflection-padded for this filter (each
 * pad smaller than the side, PyTorch's rule); callers check it before running
 * and report the layer. */
bool pp_blurpool_fits(int filter, int h, int w);

/* The normalised binomial filter (f, f) of size f (1..7) as the reference
 * builds it (outer product of the taps, divided by their sum in float32). */
void pp_blurpool_binomial(float *filt, int filter);

/* out: (C, N, Ho, Wo); in: (C, N, H, W). Needs pp_blurpool_fits. */
void pp_blurpool_forward(float *out, const float *in, const pp_blurpool *bp, int n, int h, int w, int threads);

/* dx: (C, N, H, W) += the adjoint of the forward applied to dy (C, N, Ho, Wo);
 * the caller zeroes dx. */
void pp_blurpool_backward(float *dx, const float *dy, const pp_blurpool *bp, int n, int h, int w, int threads);

/* Plain reference kernels (explicitly padded copy, nested loops, one thread)
 * for testing the fast ones. */
void pp_blurpool_forward_ref(float *out, const float *in, const pp_blurpool *bp, int n, int h, int w);
void pp_blurpool_backward_ref(float *dx, const float *dy, const pp_blurpool *bp, int n, int h, int w);

#endif
