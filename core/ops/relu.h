/* ReLU as PyTorch computes it: NaN passes through (fmaxf(v, 0) and
 * `v > 0 ? v : 0` turn it into 0, and a broken input or weight then gives a
 * finite, confident prediction). Compiles to one maxss/maxps with the operands
 * in the NaN-propagating order, as fast as the other spellings. */
#ifndef PP_OPS_RELU_H
#define PP_OPS_RELU_H

static inline float pp_relu(float v)
{
    return v < 0.0f ? 0.0f : v;
}

#endif
