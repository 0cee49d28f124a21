/* SiLU / swish, y = x * sigmoid(x) (PyTorch's nn.SiLU, lukemelas'
 * MemoryEfficientSwish): EfficientNet's activation. Elementwise, so the
 * layout does not matter. */
#ifndef PP_SILU_H
#define PP_SILU_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* e^x in float, branch-free so that loops over it vectorise (libm's expf
 * does not): x = k ln 2 + r with |r| <= ln 2 / 2, e^r by Cephes' expf
 * polynomial, 2^k through the exponent bits. Within 2 ulp of expf over
 * [-87, 88]; below it e^-87, from about 88.4 on +inf (k = 128 makes the
 * exponent bits those of infinity), so that sigmoid saturates to exactly 0.
 * Why infinity, not e^88: GCC evaluates a vectorised SiLU's saturated
 * branch for every lane and blends, and v * sigmoid(-88) = v * 6e-39 is a
 * subnormal for any |v| < 2, a microcode assist per vector that made the
 * AVX2 SiLU ten times slower; v * 0 is not. */
static inline float pp_fast_expf(float x)
{
    x = x < -87.0f ? -87.0f : x > 89.0f ? 89.0f : x;
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    const float k = (x * 1.44269504088896341f + magic) - magic;
    const float r = (x - k * 0.693359375f) - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float pp_sigmoid(float v)
{
    return 1.0f / (1.0f + pp_fast_expf(-v));
}

static inline float pp_silu(float v)
{
    return v * pp_sigmoid(v);
}

/* y = silu(x); y may alias x. */
void pp_silu_forward(float *y, const float *x, size_t count, int threads);

/* y = silu(x * scale[c] + shift[c]) over (C, plane): an inference BN and its
 * SiLU in one pass; y may alias x. */
void pp_silu_affine_forward(float *y, const float *x, const float *scale, const float *shift, int channels,
                            size_t plane, int threads);

/* y[i] = silu(y[i] * a + b (+ res[i])) in place, on the calling thread: the
 * epilogue of a convolution whose BN and SiLU are fused (res may be NULL). */
void pp_silu_affine_row(float *y, const float *res, size_t count, float a, float b);

/* dx = dy * silu'(x) with silu'(x) = s + x s (1 - s), s = sigmoid(x);
 * x is the forward's input; dx written (may alias dy). */
void pp_silu_backward(float *dx, const float *dy, const float *x, size_t count, int threads);

#endif
