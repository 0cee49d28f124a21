/* SGD with momentum and weight decay, with torch.optim.SGD's exact semantics
 * (dampening 0, nesterov off):
 *   d = grad + weight_decay * p
 *   buf = d on the first step, else momentum * buf + d
 *   p -= lr * buf
 * over every trainable parameter of the model (not the BN running statistics,
 * not a fixed alpha, which is no parameter). Gradient and momentum arenas
 * mirror the model's parameter arena: params[i]'s gradient sits at the same
 * offset. The caller runs pp_model_prepare afterwards (pp_train_step does). */
#ifndef PP_SGD_H
#define PP_SGD_H

#include <stdbool.h>

#include "../model.h"

typedef struct {
    float momentum;     /* 0.9 in the paper */
    float weight_decay; /* 1e-5 in the paper */
} pp_sgd_config;

/* grad, momentum_buf: (m->arena_floats) each. *first: true before the first
 * step (the buffers start as d), set to false here. */
void pp_sgd_step(pp_model *m, const float *grad, float *momentum_buf, bool *first, const pp_sgd_config *cfg,
                 float lr, int threads);

#endif
