/* The residual add of EfficientNet's MBConv with drop-connect (stochastic
 * depth per sample, "row" mode: torchvision ops.StochasticDepth, lukemelas
 * utils.drop_connect): y = x + branch * m_i / keep for sample i, where m_i is
 * 1 with probability keep = 1 - rate, else 0. At evaluation (or rate 0) it
 * is the plain sum y = x + branch. Layout (C, N, H, W). */
#ifndef PP_DROP_CONNECT_H
#define PP_DROP_CONNECT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    float rate; /* probability of dropping the branch of a sample, [0, 1) */
} pp_drop_connect;

/* scale (N): each sample's factor m_i / keep, drawn from `seed` (a splitmix64
 * stream; the same seed gives the same masks); all 1 when rate is 0. */
void pp_drop_connect_draw(float *scale, int n, const pp_drop_connect *d, uint64_t seed);

/* y = x + branch * scale[i] (scale NULL: 1), per sample i of the (C, N, plane)
 * maps; y may alias either input. */
void pp_drop_connect_forward(float *y, const float *x, const float *branch, const float *scale, int channels, int n,
                             size_t plane, int threads);

/* dbranch = dy * scale[i] (written, may alias dy). The identity's gradient is
 * dy itself (the caller adds it). */
void pp_drop_connect_backward(float *dbranch, const float *dy, const float *scale, int channels, int n, size_t plane,
                              int threads);

#endif
