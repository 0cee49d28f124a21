/* Fully connected layer and ReLU. */
#ifndef PP_LINEAR_H
#define PP_LINEAR_H

#include <stddef.h>

/* out: (N, O); in: (C, N) channel-major features; weight: (O, C); bias: (O) or NULL. */
void pp_linear_forward(float *out, const float *in, const float *weight, const float *bias, int n,
                       int in_features, int out_features);

void pp_relu_forward(float *x, size_t count, int threads);

#endif
