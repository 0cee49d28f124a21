/* A residual sum on its own, the one step both families use:
 *   y = act(branch * f_i + residual)   per sample i of the (C, N, plane) maps
 * - PNN's PerturbBasicBlock, relu(relu(bn(conv)) + s): act ReLU, f_i = 1 (the
 *   CONV step's fused residual, relu(bn(conv) + s), is not that block);
 * - EfficientNet's MBConv: no act, and drop-connect (stochastic depth per
 *   sample, "row" mode: torchvision ops.StochasticDepth, lukemelas
 *   utils.drop_connect) in training: f_i = m_i / keep, m_i 1 with probability
 *   keep = 1 - rate, else 0. At evaluation (or rate 0) f_i = 1. */
#ifndef PP_RESIDUAL_ADD_H
#define PP_RESIDUAL_ADD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    float rate; /* probability of dropping the branch of a sample, [0, 1) */
} pp_drop_connect;

/* scale (N): each sample's factor m_i / keep, drawn from `seed` (a splitmix64
 * stream; the same seed gives the same masks); all 1 when rate is 0. */
void pp_drop_connect_draw(float *scale, int n, const pp_drop_connect *d, uint64_t seed);

/* out = act(branch * scale[i] + residual) (scale NULL: 1; act: ReLU when
 * relu); out may alias either input. */
void pp_residual_add_forward(float *out, const float *branch, const float *residual, const float *scale,
                             int channels, int n, size_t plane, bool relu, int threads);

/* For dy given the output y: g = dy through the ReLU (mask y > 0; y unread
 * without it). dresidual = g, written (fresh) or accumulated into, or NULL;
 * dbranch = g * scale[i], written (may alias dy), or NULL. */
void pp_residual_add_backward(float *dbranch, float *dresidual, bool dresidual_fresh, const float *dy, const float *y,
                              const float *scale, int channels, int n, size_t plane, bool relu, int threads);

#endif
