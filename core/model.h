/* A (PushPull-)ResNet: the architecture, its parameters in one arena with a
 * table of named views (named as in the reference state dicts), the small
 * derived data inference needs (folded BN affines, the stacked push/pull
 * kernels), and the network plan (model/plan.h) every pass walks. */
#ifndef PP_MODEL_H
#define PP_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "ckpt/state_dict.h"
#include "model/plan.h"
#include "ops/batchnorm.h"
#include "ops/conv_layer.h"
#include "ops/pushpull.h"
#include "ops/pushpull2020.h"
#include "status.h"

typedef struct {
    char name[96];
    int ndim;
    int64_t shape[5]; /* 5-D only for PNN's noise masks [1, Cn, m, S, S] */
    float *data; /* view into the model's arena */
    bool buffer; /* running statistics: saved, but not trained */
} pp_param;

typedef struct {
    int stride;
    pp_conv_layer conv1, conv2, conv3; /* conv3 only in bottlenecks */
    pp_bn_layer bn1, bn2, bn3;
    bool has_downsample;
    pp_conv_layer down;
    pp_bn_layer down_bn;
} pp_block;

typedef struct {
    pp_arch arch;
    float *arena; /* all parameters and derived data */
    size_t arena_floats;
    pp_param *params;
    int param_count;

    pp_conv_layer conv1;   /* plain stem conv (baseline) */
    pp_pushpull_unit pp;   /* PushPull stem (when arch.push_pull) */
    pp_pushpull2020_layer pp2020; /* the 2020 push-pull stem (when arch.pp2020) */
    pp_bn_layer bn;
    pp_block *blocks;
    int block_count;
    void *layer_memory; /* layer structs a builder asked for (pp_builder_struct) */
    pp_plan *plan; /* the steps; shared (read-only) by shallow copies of the model */
    float *fc_weight; /* (classes, features) */
    float *fc_bias;   /* (classes) */

    pp_state_dict meta; /* metadata kept from the file (no tensors) */
    char **class_names; /* num_classes strings */
    bool derived_stale; /* parameters changed since pp_model_prepare */
    uint64_t generation; /* new and unique at each pp_model_prepare: keys caches of derived data */
} pp_model;

/* A step's layer: the model's own first-layer fields for first-layer steps
 * (so a view's overrides apply), else the step's pointer. The first layer's
 * BN is a step of its own (its unit's raw output is tapped before it). */
static inline const pp_conv_layer *pp_model_step_conv(const pp_model *m, const pp_step *s)
{
    return s->first_layer ? &m->conv1 : s->conv;
}
static inline const pp_pushpull_unit *pp_model_step_unit(const pp_model *m, const pp_step *s)
{
    return s->first_layer ? &m->pp : s->unit;
}
static inline const pp_pushpull2020_layer *pp_model_step_pp2020(const pp_model *m, const pp_step *s)
{
    return s->first_layer ? &m->pp2020 : (const pp_pushpull2020_layer *)s->layer;
}
static inline pp_bn_layer *pp_model_step_bn(const pp_model *m, const pp_step *s)
{
    if (!s->first_layer)
        return s->bn;
    return s->kind == PP_STEP_BATCHNORM ? (pp_bn_layer *)&m->bn : NULL;
}

/* Height and width of every value of m's plan for an (h, w) input: vh, vw
 * hold m->plan->value_count entries. Fails when the input is too small. */
pp_status pp_model_spatial(const pp_model *m, int h, int w, int *vh, int *vw, pp_error *err);

/* Builds a model with zero weights, unit BN (gamma 1, var 1). */
pp_status pp_model_create(pp_model *m, const pp_arch *arch, pp_error *err);
void pp_model_free(pp_model *m);

/* Copies every parameter from sd, checking shapes; unknown keys are ignored,
 * missing ones are an error naming the key. Also keeps sd's metadata. */
pp_status pp_model_load_state_dict(pp_model *m, const pp_state_dict *sd, pp_error *err);
/* The parameters as a state dict with the architecture in its metadata. */
pp_status pp_model_to_state_dict(const pp_model *m, pp_state_dict *sd, pp_error *err);

/* Recomputes derived data after parameters change (alpha edits need nothing),
 * on one thread; pp_model_prepare_threads on `threads` (a training step). */
void pp_model_prepare(pp_model *m);
void pp_model_prepare_threads(pp_model *m, int threads);

int64_t pp_model_param_count(const pp_model *m); /* trainable values only */
const pp_param *pp_model_find_param(const pp_model *m, const char *name);

/* Alpha statistics of the PushPull unit or the 2020 layer (as applied: ReLU(alpha)
 * there); zeros for a baseline. */
void pp_model_alpha_stats(const pp_model *m, float *min, float *mean, float *max);
/* out (K): the first layer's alpha per channel as applied (zeros for a baseline). */
void pp_model_first_alphas(const pp_model *m, float *out);

/* Class names: metadata "class_names" (JSON list or one per line), else the
 * known set for the data set / class count, else "class N". */
const char *pp_model_class_name(const pp_model *m, int index);
/* The class whose name matches `label` (pp_class_name_matches), or -1. */
int pp_model_class_index(const pp_model *m, const char *label);
pp_status pp_model_set_class_names(pp_model *m, const char *const *names, int count, pp_error *err);

#endif
