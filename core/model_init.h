/* Fresh weights for training from scratch, as the reference code initialises
 * them: convolutions Kaiming-normal (fan_out, ReLU), BN weight 1 and bias 0,
 * the classifier like nn.Linear (uniform +-1/sqrt(fan_in)), and the PushPull
 * unit's alpha uniform(0, 1) and bias uniform(-1, 1). Seeded and deterministic. */
#ifndef PP_MODEL_INIT_H
#define PP_MODEL_INIT_H

#include <stdint.h>

#include "model.h"

void pp_model_init_random(pp_model *m, uint64_t seed);

#endif
