/* What a family's builder uses to lay out a model: parameters in the model's
 * one arena (named as in the reference state dicts), derived data next to
 * them, layer structs owned by the model, and the plan's steps.
 *
 * A builder runs twice: a counting pass (b->assign false: sizes only, every
 * pointer it gets is scratch) and an assigning pass (pointers into the
 * model; the steps it adds form m->plan). It must make the same calls in
 * both. See resnet_builder.c. */
#ifndef PP_MODEL_BUILDER_H
#define PP_MODEL_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../model.h"

typedef struct pp_model_builder {
    pp_model *m;
    pp_plan *plan;  /* the assigning pass's plan (a scratch plan when counting) */
    bool assign;
    size_t cursor;  /* floats used so far */
    int count;      /* params registered so far */
    size_t struct_bytes;
    void **scratch; /* counting pass: structs handed out, freed after */
    int scratch_count, scratch_cap;
    bool failed;    /* a counting-pass allocation failed */
} pp_model_builder;

/* A parameter (buffer: running statistics, saved but not trained) of up to 4
 * dimensions (unused trailing sizes 0); zeroed. */
float *pp_builder_param(pp_model_builder *b, const char *name, bool buffer, int ndim, int64_t s0, int64_t s1,
                        int64_t s2, int64_t s3);
/* The same with any shape of up to 5 dimensions. */
float *pp_builder_param_shaped(pp_model_builder *b, const char *name, bool buffer, int ndim, const int64_t *shape);
/* Derived floats (not saved), 64-byte aligned like every view. */
float *pp_builder_derived(pp_model_builder *b, size_t floats);
/* A zeroed layer struct owned by the model (freed with it); NULL when out of
 * memory (the build has failed: the builder stops there). */
void *pp_builder_struct(pp_model_builder *b, size_t bytes);
/* m->blocks: one block struct per residual block of the arch's stages
 * (m->block_count of them); false when out of memory (the build has failed). */
bool pp_builder_blocks(pp_model_builder *b);

/* The common layers: "<prefix>.weight" (+ ".bias"), with Winograd kernels
 * kept for the 3x3 stride-1 layers up to 256 x 256 channels. */
void pp_builder_conv(pp_model_builder *b, pp_conv_layer *c, const char *prefix, int cin, int cout, int k,
                     int stride, int pad, bool bias);
/* The same with `groups` groups (weight (cout, cin / groups, k, k)). */
void pp_builder_grouped_conv(pp_model_builder *b, pp_conv_layer *c, const char *prefix, int cin, int cout, int k,
                             int stride, int pad, int groups, bool bias);
/* "<prefix>.weight/.bias/.running_mean/.running_var" and the folded affine. */
void pp_builder_bn(pp_model_builder *b, pp_bn_layer *bn, const char *prefix, int channels);

/* The first layer (the model's conv1, PushPull unit per arch.push_pull or
 * 2020 layer per arch.pp2020, named "<prefix>.weight",
 * "<prefix>.push_conv.weight" ... or "<prefix>.push.weight" ...), k x k at
 * `stride`, with the first-layer taps; returns its value. Then the stem's BN
 * ("bn") with ReLU, also a first-layer step. */
int pp_builder_first_layer(pp_model_builder *b, const char *prefix, int k, int stride, int pad, int v);
int pp_builder_first_bn(pp_model_builder *b, int v);

/* A BlurPool step "<prefix>" (buffer "<prefix>.filt" (C, 1, f, f), made the
 * binomial filter here and overwritten by a checkpoint's); f = 1 at stride 1
 * is the identity and adds the buffer but no step. Returns its value. */
int pp_builder_blurpool(pp_model_builder *b, const char *prefix, int channels, int filter, int stride, int v);

/* The ResNets' head after value v (the last stage): global average pool
 * (features tap), then "classifier" (logits tap). */
void pp_builder_head(pp_model_builder *b, int v);

/* The ResNet family (basic and bottleneck blocks, ImageNet and CIFAR stems,
 * 3 or 4 stages, any width per stage and grouped bottlenecks; a plain,
 * PushPull or 2020 push-pull first layer): resnet_builder.c. */
void pp_resnet_build(pp_model_builder *b);

/* The anti-aliased ResNets (adobe/antialiased-cnns, pushpull-conv's
 * zhang_resnet50) and pushpull-conv's vasconcelos_resnet50:
 * blurpool_resnet_builder.c. */
void pp_blurpool_resnet_build(pp_model_builder *b);
void pp_vasconcelos_resnet_build(pp_model_builder *b);

/* The pre-activation nets: AugMix's / RobustBench's WideResNet and
 * RobustBench's PreActResNet-18 (preact_builder.c). */
void pp_preact_build(pp_model_builder *b);

/* pnn.pytorch's perturb_resnet18 (pnn_builder.c). */
void pp_pnn_build(pp_model_builder *b);

#endif
