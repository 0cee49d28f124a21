/* Squeeze-and-excitation (Hu et al. 2018) as EfficientNet uses it
 * (torchvision ops.SqueezeExcitation, lukemelas _se_reduce/_se_expand):
 *   s = mean over H, W of x            (C, N)
 *   r = silu(W1 s + b1)                (S, N), W1 (S, C) "fc1" / "_se_reduce"
 *   e = sigmoid(W2 r + b2)             (C, N), W2 (C, S) "fc2" / "_se_expand"
 *   y = x * e                          per channel and sample
 * Layout as the rest of the engine: x, y (C, N, H, W). */
#ifndef PP_SQUEEZE_EXCITE_H
#define PP_SQUEEZE_EXCITE_H

#include <stddef.h>

typedef struct {
    int channels, squeeze;
    const float *w1, *b1; /* (S, C), (S) */
    const float *w2, *b2; /* (C, S), (C) */
} pp_squeeze_excite;

/* Floats of scratch a forward or backward on n samples needs. */
size_t pp_se_scratch_floats(const pp_squeeze_excite *se, int n);

/* y: (C, N, H, W) from x; y may alias x. */
void pp_se_forward(float *y, const float *x, const pp_squeeze_excite *se, int n, size_t hw, float *scratch,
                   int threads);

/* The same with the squeeze done: plane_sums (C, N), the sum over H, W of
 * each plane of x (pp_depthwise_forward_fused computes them). */
void pp_se_forward_pooled(float *y, const float *x, const float *plane_sums, const pp_squeeze_excite *se, int n,
                          size_t hw, float *scratch, int threads);

/* dy: gradient of y; x: the forward's input (the gates are recomputed from
 * it). dx: (C, N, H, W) written (not accumulated), or NULL; dw1, db1, dw2,
 * db2 accumulated, or NULL. */
void pp_se_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, const float *dy, const float *x,
                    const pp_squeeze_excite *se, int n, size_t hw, float *scratch, int threads);

#endif
