/* Batch normalisation, inference mode (running statistics). */
#ifndef PP_BATCHNORM_H
#define PP_BATCHNORM_H

#include <stddef.h>

#define PP_BN_EPS 1e-5f

/* Folds BN into a per-channel affine: y = x * scale + shift. */
void pp_batchnorm_fold(float *scale, float *shift, const float *gamma, const float *beta,
                       const float *mean, const float *var, float eps, int channels);

/* x: (C, plane) in place, plane = N*H*W in channel-major layout. */
void pp_batchnorm_forward(float *x, const float *gamma, const float *beta, const float *mean,
                          const float *var, float eps, int channels, size_t plane, int threads);

#endif
