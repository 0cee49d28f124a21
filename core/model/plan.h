/* The network as ONE plan: the list of steps a family's builder emits
 * (docs/architecture.md). Inference (forward.c), training (train/train_step.c:
 * the list forward, then reversed for the backward) and the buffer planning
 * all walk this list; nothing else knows the topology.
 *
 * Values ("activation slots") are numbered: value 0 is the input image, each
 * step writes one new value and reads earlier ones. Activations are
 * channel-major (C, N, H, W) (ops/conv2d.h); a value's channel count is fixed
 * by the builder, its height and width follow from the input size
 * (pp_plan_spatial). A global pool's output is flat (C, N); the classifier's
 * is the logits (N, classes).
 *
 * Adding a layer: an op file pair in ops/ (forward and backward), a step kind
 * here, its case in the three walkers (spatial size and buffers in plan.c,
 * forward.c, train_step.c). Adding an architecture: a builder (see
 * resnet_builder.c) and a row in families.c. */
#ifndef PP_PLAN_H
#define PP_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "../ops/batchnorm.h"
#include "../ops/conv_layer.h"
#include "../ops/noise_masks.h"
#include "../ops/pushpull.h"
#include "../ops/pushpull2020.h"
#include "../ops/depthwise_conv.h"
#include "../ops/dropout.h"
#include "../ops/residual_add.h"
#include "../ops/squeeze_excite.h"
#include "../ops/zero_pad.h"
#include "../status.h"

typedef enum {
    PP_STEP_CONV,           /* conv (+bias) (+BN) (+residual add) (+ReLU) */
    PP_STEP_PUSHPULL,       /* the PushPull unit (ops/pushpull.h) */
    PP_STEP_BATCHNORM,      /* BN (+ReLU) on its own (after a layer whose raw output is tapped) */
    PP_STEP_MAXPOOL,        /* k x k, stride, padding (padding never wins) */
    PP_STEP_AVGPOOL,        /* k x k, stride, padding, count_include_pad */
    PP_STEP_GLOBAL_AVGPOOL, /* (C, N, H, W) -> flat (C, N) */
    PP_STEP_LINEAR,         /* flat (C, N) -> logits (N, classes) */
    PP_STEP_BLURPOOL,       /* anti-aliasing blur (+subsampling): layer is a pp_blurpool (ops/blurpool.h) */
    PP_STEP_PUSHPULL2020,   /* the 2020 push-pull layer (ops/pushpull2020.h; step.layer) */
    PP_STEP_NOISE_MASKS,    /* PNN's perturbation: C -> C*m channels (ops/noise_masks.h; step.layer) */
    PP_STEP_ADD,            /* act(in * f + residual), f drop-connect's per sample when step.layer is a
                             * pp_drop_connect (training), else 1 (ops/residual_add.h; relu) */
    PP_STEP_SILU,           /* x * sigmoid(x) (ops/silu.h) */
    PP_STEP_DEPTHWISE,      /* depthwise k x k conv, padding per side (ops/depthwise_conv.h; step.layer) */
    PP_STEP_SQUEEZE_EXCITE, /* squeeze-and-excitation gates (ops/squeeze_excite.h; step.layer) */
    PP_STEP_ZERO_PAD,       /* zero padding per side (ops/zero_pad.h; step.layer) */
    PP_STEP_DROPOUT,        /* element-wise dropout, training only (ops/dropout.h; step.layer) */
    PP_STEP_KIND_COUNT
} pp_step_kind;

/* Named intermediate outputs the app shows; a step carries the taps read
 * from it (pp_step.taps). */
typedef enum {
    PP_TAP_CONV1,    /* first-layer unit output, before BN: (N, K, Ho, Wo) */
    PP_TAP_PUSH,     /* push response conv(x, W), before ReLU (push-pull only) */
    PP_TAP_PULL,     /* pull response conv(x, P), pooled, before ReLU (push-pull only) */
    PP_TAP_KERNELS,  /* effective kernels W - alpha * P * box: (K, C, e, e) (push-pull) or W */
    PP_TAP_STEM,     /* after BN, ReLU (and max-pool on the ImageNet stem) */
    PP_TAP_LAYER1,
    PP_TAP_LAYER2,
    PP_TAP_LAYER3,
    PP_TAP_LAYER4,
    PP_TAP_FEATURES, /* global average pool: (N, features) */
    PP_TAP_LOGITS,   /* (N, classes) */
    PP_TAP_COUNT
} pp_tap;

typedef struct {
    int k, stride, pad;
    bool count_include_pad; /* average pooling only */
} pp_pool_params;

typedef struct {
    pp_step_kind kind;
    char name[48];     /* the layer's key prefix ("layer1.0.conv2"), for messages */
    int in;            /* value read */
    int out;           /* value written (always a new one) */
    int residual;      /* CONV: value added before the ReLU, or -1 */
    bool relu;         /* CONV, BATCHNORM */
    unsigned taps;     /* bit (1u << pp_tap) for each tap read from this step */
    char block[24];    /* a residual block's output: the block's name ("layer1.0"), else "" */
    /* The parameters are the model's first-layer fields (pp_model.conv1 /
     * .pp / .bn), resolved against the model a walk runs on (pp_model_step_*
     * in model.h): a view of a model (a shallow copy with its own alpha and
     * pull pooling, as the probe makes) then runs its own settings. */
    bool first_layer;
    const pp_conv_layer *conv;    /* CONV */
    pp_bn_layer *bn;              /* CONV (NULL: none), BATCHNORM */
    const pp_pushpull_unit *unit; /* PUSHPULL */
    pp_pool_params pool;          /* MAXPOOL, AVGPOOL */
    const float *weight, *bias;   /* LINEAR: (classes, features), (classes) or NULL */
    int out_features;             /* LINEAR */
    const void *layer;            /* kinds added later: their layer struct (the op's header) */
} pp_step;

typedef enum {
    PP_VALUE_MAP,    /* (C, N, H, W) */
    PP_VALUE_FLAT,   /* (C, N) */
    PP_VALUE_LOGITS, /* (N, C) */
} pp_value_layout;

typedef struct {
    int channels;
    pp_value_layout layout;
    int producer;  /* step writing it; -1 for the input */
    int last_use;  /* last step reading it; -1 if none */
    int buffer;    /* inference: the activation buffer holding it (-1: input / logits) */
} pp_value;

typedef struct {
    pp_step *steps;
    int step_count, step_cap;
    pp_value *values;
    int value_count, value_cap;
    int buffer_count; /* inference activation buffers (pp_plan_finish) */
    bool failed;      /* an allocation failed while building */
} pp_plan;

/* ---- building (a family's builder) ---- */

/* A plan whose value 0 is an input of `in_channels` channels. */
pp_status pp_plan_init(pp_plan *p, int in_channels, pp_error *err);
void pp_plan_free(pp_plan *p);

/* Each adds one step reading `in` and returns the value it writes (-1 if out
 * of memory: pp_plan_finish then fails). The step is returned through `step`
 * (may be NULL) for marks such as taps and first_layer; the pointer is valid
 * until the next add. */
int pp_plan_conv(pp_plan *p, const char *name, int in, const pp_conv_layer *conv, pp_bn_layer *bn,
                 int residual, bool relu, pp_step **step);
int pp_plan_pushpull(pp_plan *p, const char *name, int in, const pp_pushpull_unit *unit, pp_step **step);
int pp_plan_batchnorm(pp_plan *p, const char *name, int in, pp_bn_layer *bn, bool relu, pp_step **step);
int pp_plan_pool(pp_plan *p, pp_step_kind kind, const char *name, int in, pp_pool_params pool, pp_step **step);
int pp_plan_global_avgpool(pp_plan *p, const char *name, int in, pp_step **step);
int pp_plan_linear(pp_plan *p, const char *name, int in, const float *weight, const float *bias,
                   int out_features, pp_step **step);
/* The general form the functions above wrap (a new step kind may use it
 * directly): a step of `kind` reading `in` (and `residual`, or -1) that
 * writes a new value of `channels` channels and `layout`; `params` gives the
 * kind's fields (kind, name, in, out and residual are set here). */
int pp_plan_add(pp_plan *p, pp_step_kind kind, const char *name, int in, int residual, int channels,
                pp_value_layout layout, const pp_step *params, pp_step **step);
int pp_plan_pushpull2020(pp_plan *p, const char *name, int in, const pp_pushpull2020_layer *layer,
                         pp_step **step);
/* PNN's perturbation (its layer's masks and level) reading `in`. */
int pp_plan_noise_masks(pp_plan *p, const char *name, int in, const pp_noise_masks *layer, pp_step **step);
/* in + residual (+ ReLU): both values of `channels` channels and the same size. */
int pp_plan_add_values(pp_plan *p, const char *name, int in, int residual, int channels, bool relu, pp_step **step);
/* EfficientNet's layers (model/efficientnet_builder.c): each returns the
 * value it writes, as the adders above. */
int pp_plan_silu(pp_plan *p, const char *name, int in, pp_step **step);
int pp_plan_depthwise(pp_plan *p, const char *name, int in, const pp_depthwise_conv *d, pp_step **step);
int pp_plan_squeeze_excite(pp_plan *p, const char *name, int in, const pp_squeeze_excite *se, pp_step **step);
int pp_plan_residual_add(pp_plan *p, const char *name, int branch, int residual, const pp_drop_connect *d,
                         pp_step **step);
int pp_plan_zero_pad(pp_plan *p, const char *name, int in, const pp_zero_pad *pad, pp_step **step);
/* Dropout of `in` (a map or flat features; EfficientNet's before its classifier). */
int pp_plan_dropout(pp_plan *p, const char *name, int in, const pp_dropout *d, pp_step **step);
/* Marks tap t on the step that wrote value v. */
void pp_plan_tap(pp_plan *p, int v, pp_tap t);
/* Marks value v as the output of residual block `name` (e.g. "layer2.1"):
 * the per-block layers of the analyses (analysis/model_layers.h). */
void pp_plan_block(pp_plan *p, int v, const char *name);

/* Checks the plan (one logits output, last) and assigns the inference
 * buffers: a value's buffer is reused once its last reader has run, and a
 * batch-norm step runs in place when its input dies there. */
pp_status pp_plan_finish(pp_plan *p, pp_error *err);

/* ---- walking ---- */

/* Runs a step whose forward is the same in inference and training (average
 * pools, the global pool, the classifier): out from in (c channels, (n, h, w)
 * per channel). False for the other kinds (the walker runs them). */
bool pp_step_forward_stateless(const pp_step *s, float *out, const float *in, int c, int n, int h, int w,
                               int threads);

/* The step carrying tap t, or NULL. */
const pp_step *pp_plan_tap_step(const pp_plan *p, pp_tap t);
const char *pp_step_kind_name(pp_step_kind k);

#endif
