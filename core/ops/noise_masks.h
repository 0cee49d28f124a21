/* The perturbation of a Perturbative Neural Network layer (Juefei-Xu, Boddeti,
 * Savvides, CVPR 2018, as michaelklachko/pnn.pytorch's PerturbLayer runs it;
 * docs/spec/architectures.md "Perturbative Neural Networks"): each input
 * channel c is copied m times, fixed noise mask j added to copy j, then
 * (optionally) rectified:
 *
 *     y[c*m + j] = act(x[c] + level * noise[c' , j])     c' = c (unique masks) or 0 (shared)
 *
 * The masks (Cn, m, S, S) are the layer's saved `noise` parameter (the
 * unscaled masks; level multiplies them at run time), broadcast over the
 * batch; the input must be S x S. A grouped 1x1 convolution (groups = C when
 * m > 1) then mixes the copies (an ordinary CONV step, not here).
 *
 * Layout as the rest of the engine: activations (C, N, H, W). The masks are
 * fixed (pnn.pytorch's default, requires_grad False), so the backward pass
 * gives the input gradient only. */
#ifndef PP_NOISE_MASKS_H
#define PP_NOISE_MASKS_H

#include <stdbool.h>

typedef struct {
    int channels;       /* C, the input's */
    int masks;          /* m per channel (fan-out) */
    int mask_channels;  /* Cn: C (unique masks) or 1 (shared by every channel) */
    int size;           /* S: masks are S x S and so must the input be */
    float level;        /* the noise level the masks are scaled by */
    bool relu;          /* use_act with ReLU (the only activation run) */
    const float *noise; /* (Cn, m, S, S): the `noise` parameter */
} pp_noise_masks;

/* out: (C*m, N, S, S); in: (C, N, S, S). */
void pp_noise_masks_forward(float *out, const float *in, const pp_noise_masks *l, int n, int threads);

/* dx: (C, N, S, S) = the input gradient for dy (C*m, N, S, S), with y the
 * forward's output (its ReLU mask). Written, not accumulated. */
void pp_noise_masks_backward(float *dx, const float *dy, const float *y, const pp_noise_masks *l, int n,
                             int threads);

#endif
