/* Element-wise dropout (torch.nn.Dropout; EfficientNet's classifier.0 in
 * torchvision, _dropout in lukemelas'): in training each value is zeroed with
 * probability `rate` and the kept ones are scaled by 1 / (1 - rate), so the
 * expectation is unchanged; at evaluation (or rate 0) it is the identity.
 * The mask is drawn from a seed (core/rng.h: the same seed, the same mask,
 * on any thread count). */
#ifndef PP_DROPOUT_H
#define PP_DROPOUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    float rate; /* probability of zeroing a value, [0, 1) */
} pp_dropout;

/* mask (count): 0 or 1 / (1 - rate) per value, from `seed`; all 1 at rate 0. */
void pp_dropout_draw(float *mask, size_t count, const pp_dropout *d, uint64_t seed, int threads);

/* y = x * mask (mask NULL: y = x); y may alias x. */
void pp_dropout_forward(float *y, const float *x, const float *mask, size_t count, int threads);

/* dx = dy * mask (mask NULL: dx = dy): the dropped values get no gradient;
 * dx may alias dy. */
void pp_dropout_backward(float *dx, const float *dy, const float *mask, size_t count, int threads);

#endif
