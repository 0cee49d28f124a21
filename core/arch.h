/* The shape of a (PushPull-)ResNet: everything needed to build it, recovered
 * from a checkpoint's keys, shapes and metadata, or given by the user. */
#ifndef PP_ARCH_H
#define PP_ARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "ckpt/state_dict.h"
#include "ops/pushpull.h" /* pp_pull_minmax */
#include "status.h"

typedef enum { PP_BLOCK_BASIC, PP_BLOCK_BOTTLENECK } pp_block_kind;

/* ImageNet stem: 7x7/2 pad 3 conv, BN, ReLU, 3x3/2 max-pool.
 * CIFAR stem: 3x3/1 pad 1 conv, BN, ReLU, no max-pool. */
typedef enum { PP_STEM_IMAGENET, PP_STEM_CIFAR } pp_stem_kind;


typedef struct {
    pp_block_kind block;
    int blocks[4];     /* residual blocks per stage (blocks[3] = 0 with 3 stages) */
    int stages;        /* 3 (the CIFAR ResNet-20..56 of the 2020 push-pull repo) or 4; 0 = 4 */
    /* Per stage, read from the tensors' shapes (0 = the standard value): the
     * blocks' inner width (conv1's outputs; torchvision's
     * int(planes * width_per_group / 64) * groups) and their output channels. */
    int mid[4], out[4];
    int groups;        /* of the bottlenecks' 3x3 convolutions (ResNeXt); 0 or 1 = dense */
    pp_stem_kind stem;
    int in_channels;   /* 1 (grayscale) or 3 */
    int num_classes;
    int width;         /* stem and stage-1 channels; 64 in the standard nets */
    bool push_pull;    /* conv1 is a PushPull unit (else a plain conv) */
    bool pp2020;       /* conv1 is the 2020 push-pull layer (ops/pushpull2020.h); then
                        * alpha_trainable (tensor conv1.alpha), alpha_fixed and conv1_bias
                        * (conv1.push.bias) describe it */
    int avg_kernel;    /* 0, 3 or 5: average pooling of the pull response */
    bool alpha_trainable; /* alpha per output channel (else one fixed scalar) */
    float alpha_fixed;    /* the scalar when !alpha_trainable */
    pp_pull_minmax pull_minmax;
    bool conv1_bias;
    char dataset[32];  /* "cifar10", "fashion_mnist", "imagenet", ... or "" */
    char family[32];   /* model/families.h row name; "" = from push_pull */
    /* BlurPool families (docs/arch-blurpool.md): the filter size of the
     * stage blurs (from the `filt` buffers' shape), and whether the stem is
     * blurred too (adobe's pool_only = false, pushpull-conv's zhang_resnet50:
     * conv1 at stride 1, blur before and after the 2x2 max-pool). */
    int blur_filter;
    bool blur_stem;
    /* Pre-activation families (model/preact_builder.c, docs/spec/architectures-wrn-preact.md):
     * the WideResNet's shortcut is AugMix's `conv_shortcut` (else TRADES/RobustBench's
     * `convShortcut`); a PreActResNet may end in BN + ReLU (`bn`, RobustBench's bn_before_fc;
     * a WideResNet always does). */
    bool wrn_snake_case;
    bool final_bn;
    /* Perturbative networks (pnn.pytorch's perturb_resnet18; model/pnn_builder.c): what
     * the noise masks' shapes say (m, unique, S) and what only the saved module's
     * attributes or the user can (the levels, the first layer's activation, the pool). */
    struct {
        int masks;          /* m: masks per input channel */
        bool unique;        /* one mask set per input channel (else shared) */
        int size;           /* the input side the masks were made for (32 on CIFAR) */
        int first_filter;   /* 0: the first layer perturbs too; 3: a 3x3 conv (no noise) */
        float level;        /* the blocks' noise level */
        float first_level;  /* the first layer's: level * scale_noise */
        bool first_act;     /* use_act in the first layer (blocks always rectify) */
        bool mix_maps;      /* a second 1x1 conv + BN + ReLU in each layer */
        bool avg_pool;      /* the blocks' stride pool: AvgPool2d (else MaxPool2d) */
    } pnn;
    /* EfficientNet-b0 families (model/efficientnet.h): per stage of b0's
     * seven (kernel, stride and expansion fixed by b0) its blocks and output
     * channels, read from the tensors; the head conv's channels (the
     * features); the base drop-connect rate of training (the references'
     * 0.2; block i of B drops with rate * i / B); the classifier's dropout
     * rate of training (torchvision's classifier.0, lukemelas' _dropout: 0.2).
     * `width` is the stem's. */
    int effnet_blocks[7], effnet_out[7];
    int effnet_head;
    float drop_connect;
    float dropout;
} pp_arch;

/* Metadata input_size: a forward pass costs side^2 (4096 took 27 s and 4.3 GB
 * for one image), so sides over the cap are refused at load and sides over
 * the warning level are noted; the reference models use 28 to 224. */
#define PP_INPUT_SIZE_MAX 1024
#define PP_INPUT_SIZE_WARN 512

/* A net of pp_arch_known_names() with standard widths and the given stem;
 * with a "blurpool-", "zhang-" or "vasconcelos-" prefix on a resnetN, the
 * anti-aliased family (filter 4, 4 with the stem blurred, 5: the references'
 * defaults). */
pp_status pp_arch_from_name(pp_arch *a, const char *name, pp_stem_kind stem, int in_channels,
                            int num_classes, pp_error *err);
/* A name of pp_arch_known_names() when the blocks and widths are those, else "resnet-custom". */
const char *pp_arch_name(const pp_arch *a);
const char *pp_arch_known_names(void);
/* Changes the stem width, keeping the nets' width_per_group and groups
 * (EfficientNet: every stage scaled alike, model/efficientnet.h). */
void pp_arch_set_width(pp_arch *a, int width);
int pp_arch_groups(const pp_arch *a);
/* A pre-activation family (wide_resnet, preact_resnet): stages' widths in out[]. */
bool pp_arch_is_preact(const pp_arch *a);
const char *pp_stem_name(pp_stem_kind s);
int pp_arch_expansion(const pp_arch *a);
/* Stages (3 or 4), and a stage's inner width and output channels (the file's,
 * else width << stage and that times the expansion). */
int pp_arch_stages(const pp_arch *a);
int pp_arch_stage_mid(const pp_arch *a, int stage);
int pp_arch_stage_out(const pp_arch *a, int stage);
/* Channels entering the classifier. */
int pp_arch_feature_dim(const pp_arch *a);
/* One of the EfficientNet families (torchvision's or lukemelas'). */
bool pp_arch_is_efficientnet(const pp_arch *a);
/* The first layer has inhibition (a PushPull unit or the 2020 layer). */
bool pp_arch_inhibits(const pp_arch *a);

/* What inference could not read from the file and had to assume. */
typedef struct {
    int avg_kernel;    /* used when the file does not say; -1 = default 3 with a note */
    int pull_minmax;   /* pp_pull_minmax used when the file does not say (0: filter, the default) */
    /* Perturbative networks, when the file does not say (a state dict never does; a
     * whole pickled model does): noise levels (<= 0: not given), the first layer's
     * ReLU after the noise and the blocks' pool (0: not given, 1: no / max, 2: yes / avg). */
    float pnn_level, pnn_first_level;
    int pnn_first_act, pnn_avg_pool;
} pp_arch_hints;

/* Recognises the family (model/families.h: a key set that fits none is an
 * error naming the closest family and what it lacks), then infers the
 * architecture from key names, shapes and metadata (hyper-parameters
 * of Lightning files or our safetensors metadata). `notes` receives one line
 * per assumption made ("" when none). */
pp_status pp_arch_infer(pp_arch *a, const pp_state_dict *sd, const pp_arch_hints *hints,
                        char *notes, size_t notes_len, pp_error *err);

/* Writes the architecture into metadata (keys of the reference hyper-parameters
 * plus arch/stem/width/in_channels). */
pp_status pp_arch_to_metadata(const pp_arch *a, pp_state_dict *sd, pp_error *err);

/* "filter" / "channel"; parses those names (false for anything else). */
const char *pp_pull_minmax_name(pp_pull_minmax v);
bool pp_pull_minmax_parse(const char *s, pp_pull_minmax *out);

/* Renames torchvision-style keys (fc.*, top-level bn1.*) to the reference
 * names; out of memory is an error (a key kept under its old name would load
 * as "missing"). */
pp_status pp_sd_normalize_names(pp_state_dict *sd, pp_error *err);

#endif
