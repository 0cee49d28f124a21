/* A residual sum on its own, y = act(a + b), for blocks whose branch already
 * ends in its activation (PNN's PerturbBasicBlock: relu(relu(bn(conv)) + s),
 * which the CONV step's fused residual, relu(bn(conv) + s), is not). */
#ifndef PP_RESIDUAL_ADD_H
#define PP_RESIDUAL_ADD_H

#include <stdbool.h>
#include <stddef.h>

/* out = a + b (then ReLU), count values. */
void pp_residual_add_forward(float *out, const float *a, const float *b, size_t count, bool relu, int threads);

/* The gradient of either addend for dy given the output y: dy through the
 * ReLU (mask y > 0). da (may alias dy) is written; db, when not NULL, is
 * written (fresh) or accumulated into. */
void pp_residual_add_backward(float *da, float *db, bool db_fresh, const float *dy, const float *y, size_t count,
                              bool relu, int threads);

#endif
