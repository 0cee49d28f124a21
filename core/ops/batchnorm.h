/* Batch normalisation, inference mode (running statistics). */
#ifndef PP_BATCHNORM_H
#define PP_BATCHNORM_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define PP_BN_EPS 1e-5f

/* A BN layer's parameters and running statistics: views into a model's arena. */
typedef struct {
    int channels;
    float *gamma, *beta, *mean, *var; /* (channels) each */
    int64_t num_batches_tracked;
    float *scale, *shift; /* (channels) folded affine, derived */
    /* 0: PP_BN_EPS, PP_BN_MOMENTUM (torchvision's); lukemelas' EfficientNet
     * uses 1e-3 and 0.01 */
    float eps, momentum;
} pp_bn_layer;


/* Folds BN into a per-channel affine: y = x * scale + shift. */
void pp_batchnorm_fold(float *scale, float *shift, const float *gamma, const float *beta,
                       const float *mean, const float *var, float eps, int channels);

/* x: (C, plane) in place, plane = N*H*W in channel-major layout. */
void pp_batchnorm_forward(float *x, const float *gamma, const float *beta, const float *mean,
                          const float *var, float eps, int channels, size_t plane, int threads);

/* y = x * scale + shift per channel (the folded BN), then ReLU if relu: one
 * pass, y may alias x. (C, plane) as above. */
void pp_batchnorm_eval_apply(float *y, const float *x, const float *scale, const float *shift, bool relu,
                             int channels, size_t plane, int threads);

/* ---- backward (training) ---- */

/* Batch normalisation in training mode, forward and backward, on channel-major
 * activations (C, plane) with plane = N*H*W, as PyTorch's BatchNorm2d.train():
 * normalise with the batch mean and the biased batch variance; update the
 * running statistics with momentum (running_var takes the UNBIASED variance);
 * count the batch in num_batches_tracked. */


#define PP_BN_MOMENTUM 0.1f

static inline float pp_bn_eps(const pp_bn_layer *bn)
{
    return bn->eps > 0.0f ? bn->eps : PP_BN_EPS;
}

static inline float pp_bn_momentum(const pp_bn_layer *bn)
{
    return bn->momentum > 0.0f ? bn->momentum : PP_BN_MOMENTUM;
}

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
/* The same for a BN (+ residual) + ReLU whose sum's gradient also goes to
 * the residual: y the ReLU's output (not NULL); residual_grad (C, plane)
 * gets (residual_fresh: =, else +=) dy where y > 0, else 0, in the same pass
 * as dx (not aliasing dx, dy or y). */
void pp_batchnorm_train_backward_residual(float *dx, float *dgamma, float *dbeta, const float *dy, const float *y,
                                          const float *x, const float *mean, const float *invstd, const float *gamma,
                                          float *residual_grad, bool residual_fresh, int channels, size_t plane,
                                          int threads);

/* Backward of the inference-mode BN y = x * scale + shift (folded, running
 * statistics), with the ReLU's mask when y (its output) is given:
 * dx = dy * [y > 0] * scale. dx written, may alias dy. For gradients with
 * respect to the input of a model in eval mode (no parameter gradients). */
void pp_batchnorm_eval_backward(float *dx, const float *dy, const float *y, const float *scale, int channels,
                                size_t plane, int threads);

#endif
