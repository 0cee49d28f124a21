/* The named activations the analyses read from a model (CKA, feature maps):
 * the fixed taps (conv1, stem, the stage outputs layer1..layer4, features,
 * logits) and the output of every residual block, named as its parameters
 * are ("layer1.0", "layer1.1", ...; the plan marks them, model/plan.h). Each
 * is the output of one plan step, captured through pp_taps.steps. */
#ifndef PP_ANALYSIS_MODEL_LAYERS_H
#define PP_ANALYSIS_MODEL_LAYERS_H

#include <stdbool.h>

#include "../forward.h"
#include "../model.h"

/* The most layers one analysis takes (ResNet-152: 50 blocks and 3 more). */
#define PP_MODEL_LAYERS_MAX 64

typedef struct {
    char name[24];
    int step;  /* the plan step writing it */
    bool map;  /* (C, H, W) per image; features and logits are flat */
} pp_model_layer;

/* The layer `name` of model m: conv1, stem, layer1..layer4, features, logits
 * or a block ("layer2.1"). Unknown: an error naming `model_name` and the
 * layers it has. */
pp_status pp_model_layer_find(const pp_model *m, const char *model_name, const char *name, pp_model_layer *out,
                              pp_error *err);

/* Every layer CKA compares by default: stem, each residual block in plan
 * order, features, logits (a family whose plan marks no block: the stage
 * outputs instead). Fills at most max; returns the count (more than max:
 * too many for out). */
int pp_model_layers_per_block(const pp_model *m, pp_model_layer *out, int max);

#endif
