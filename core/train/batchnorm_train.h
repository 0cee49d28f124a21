/* Batch normalisation in training mode, forward and backward, on channel-major
 * activations (C, plane) with plane = N*H*W, as PyTorch's BatchNorm2d.train():
 * normalise with the batch mean and the biased batch variance; update the
 * running statistics with momentum (running_var takes the UNBIASED variance);
 * count the batch in num_batches_tracked. */
#ifndef PP_BATCHNORM_TRAIN_H
#define PP_BATCHNORM_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_BN_MOMENTUM 0.1f

/* y = gamma * (x - mean) * invstd + beta (+ residual), then ReLU if relu.
 * y: (C, plane), may not alias x; mean, invstd: (C) batch statistics kept for
 * the backward; residual: (C, plane) or NULL. running_mean, running_var: (C)
 * updated in place (NULL to leave alone); *num_batches_tracked += 1 if non-NULL.
 * plane must be > 1 (the unbiased variance needs two values). */
void pp_batchnorm_train_forward(float *y, float *mean, float *invstd, const float *x, const float *residual,
                                const float *gamma, const float *beta, float *running_mean, float *running_var,
                                int64_t *num_batches_tracked, float momentum, float eps, bool relu, int channels,
                                size_t plane, int threads);

/* dx: (C, plane) written (not accumulated; may alias dy); dgamma, dbeta: (C)
 * accumulated; dy: (C, plane) gradient of the BN output; y: (C, plane) the
 * forward's output when it had a ReLU (its mask is applied to dy), else NULL;
 * x: (C, plane) the forward's input; mean, invstd from the forward. */
void pp_batchnorm_train_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *y,
                                 const float *x, const float *mean, const float *invstd, const float *gamma,
                                 int channels, size_t plane, int threads);

#endif
