/* SiLU / swish, y = x * sigmoid(x) (PyTorch's nn.SiLU, lukemelas'
 * MemoryEfficientSwish): EfficientNet's activation. Elementwise, so the
 * layout does not matter. */
#ifndef PP_SILU_H
#define PP_SILU_H

#include <math.h>
#include <stddef.h>

static inline float pp_sigmoid(float v)
{
    return 1.0f / (1.0f + expf(-v));
}

static inline float pp_silu(float v)
{
    return v * pp_sigmoid(v);
}

/* y = silu(x); y may alias x. */
void pp_silu_forward(float *y, const float *x, size_t count, int threads);

/* dx = dy * silu'(x) with silu'(x) = s + x s (1 - s), s = sigmoid(x);
 * x is the forward's input; dx written (may alias dy). */
void pp_silu_backward(float *dx, const float *dy, const float *x, size_t count, int threads);

#endif
