#include "families.h"

#include <stdio.h>
#include <string.h>

#include "builder.h"
#include "efficientnet.h"

/* Keys the families below do not know how to run: a checkpoint carrying them
 * is another architecture (blur filters, the 2020 push-pull layer, PNN noise
 * masks, EfficientNet blocks), and loading it as a plain ResNet would run
 * with weights missing. */
#define OTHER_FAMILIES "*.filt", "*.push.weight", "*.noise", "pre_layers.*", "*_blocks.*", "features.*"

static const char *const pushpull_resnet_required[] = {
    "conv1.push_conv.weight", "bn.weight", "layer1.0.conv1.weight", "layer2.0.conv1.weight",
    "layer3.0.conv1.weight", "layer4.0.conv1.weight", "classifier.weight", "classifier.bias", NULL};
static const char *const pushpull_resnet_forbidden[] = {"conv1.weight", OTHER_FAMILIES, NULL};

static const char *const resnet_required[] = {
    "conv1.weight", "bn.weight", "layer1.0.conv1.weight", "layer2.0.conv1.weight", "layer3.0.conv1.weight",
    "layer4.0.conv1.weight", "classifier.weight", "classifier.bias", NULL};
static const char *const resnet_forbidden[] = {"*.push_conv.*", "*.alpha", "*.shortcut.*", OTHER_FAMILIES, NULL};

/* Anti-aliased ResNets (model/blurpool_resnet_builder.c): the shortcut of
 * every stride-2 block carries a blur, before its 1x1 conv (Zhang's layout:
 * adobe/antialiased-cnns, pushpull-conv's zhang_resnet50) or after it
 * (pushpull-conv's vasconcelos_resnet50, which also blurs after every 3x3 conv
 * and in the stem's conv1.1). Either stem may be a PushPull unit. */
#define NOT_BLUR_FAMILIES "*.push.weight", "*.noise", "pre_layers.*", "*_blocks.*", "features.*", "*.alpha"
static const char *const blurpool_resnet_required[] = {
    "conv1.*weight", "bn.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.filt", "layer3.0.downsample.0.filt",
    "layer4.0.downsample.0.filt", "classifier.weight", "classifier.bias", NULL};
static const char *const blurpool_resnet_forbidden[] = {"conv1.0.*", "conv1.1.*", "*.downsample.1.filt",
                                                        NOT_BLUR_FAMILIES, NULL};

static const char *const vasconcelos_resnet_required[] = {
    "conv1.*weight", "bn.weight", "layer1.0.conv*.1.filt", "layer2.0.downsample.1.filt", "layer3.0.downsample.1.filt",
    "layer4.0.downsample.1.filt", "classifier.weight", "classifier.bias", NULL};
static const char *const vasconcelos_resnet_forbidden[] = {"*.downsample.0.filt", "maxpool.0.filt", "maxpool.2.filt",
                                                           NOT_BLUR_FAMILIES, NULL};

/* The 2020 push-pull layer (Strisciuglio et al.; docs/arch-pushpull2020.md) as the
 * first layer: the official CIFAR ResNet-20..56 (three stages, `fc`, `bn1`) and
 * pushpull-conv's strisciuglio_resnet50 (four stages, `bn`, `classifier`). Its
 * push-pull blocks inside layer1 (`pp_block1`, `pp_all`) are not run. */
#define NOT_2020 "*.filt", "*.noise", "pre_layers.*", "*_blocks.*", "features.*", "*.pp1.*", "*.pp2.*"
static const char *const pp2020_cifar_required[] = {
    "conv1.push.weight", "bn.weight", "layer1.0.conv1.weight", "layer2.0.conv1.weight", "layer3.0.conv1.weight",
    "classifier.weight", "classifier.bias", NULL};
static const char *const pp2020_cifar_forbidden[] = {"conv1.weight", "layer4.*", "*.push_conv.*", NOT_2020, NULL};
static const char *const pp2020_resnet_required[] = {
    "conv1.push.weight", "bn.weight", "layer1.0.conv1.weight", "layer2.0.conv1.weight", "layer3.0.conv1.weight",
    "layer4.0.conv1.weight", "classifier.weight", "classifier.bias", NULL};
static const char *const pp2020_resnet_forbidden[] = {"conv1.weight", "*.push_conv.*", NOT_2020, NULL};
/* The official CIFAR ResNets without the layer (the 2020 paper's baselines). */
static const char *const cifar_resnet_required[] = {
    "conv1.weight", "bn.weight", "layer1.0.conv1.weight", "layer2.0.conv1.weight", "layer3.0.conv1.weight",
    "classifier.weight", "classifier.bias", NULL};
static const char *const cifar_resnet_forbidden[] = {"layer4.*", "*.push_conv.*", "*.alpha", OTHER_FAMILIES, NULL};

/* The pre-activation nets (model/preact_builder.c, docs/spec/architectures-wrn-preact.md):
 * the WideResNet (AugMix's `conv_shortcut`, TRADES/RobustBench's `convShortcut`; its final
 * BN `bn1` is read as `bn`) and RobustBench's PreActResNet-18 (`linear` read as `classifier`;
 * a 1x1 shortcut without BN; a final `bn` when bn_before_fc). */
static const char *const wide_resnet_required[] = {
    "conv1.*weight", "block1.layer.0.bn1.weight", "block1.layer.0.conv1.weight", "block2.layer.0.conv*hortcut.weight",
    "block3.layer.0.conv2.weight", "bn.weight", "classifier.weight", "classifier.bias", NULL};
static const char *const wide_resnet_forbidden[] = {"layer1.*", "block4.*", OTHER_FAMILIES, NULL};
static const char *const preact_resnet_required[] = {
    "conv1.*weight", "layer1.0.bn1.weight", "layer1.0.conv1.weight", "layer1.0.bn2.weight", "layer2.0.shortcut.0.weight",
    "layer4.0.conv2.weight", "classifier.weight", "classifier.bias", NULL};
static const char *const preact_resnet_forbidden[] = {"*.shortcut.1.*", "*.conv3.*", "*.bn3.*", "*.downsample.*",
                                                      "*.bn0.*", OTHER_FAMILIES, NULL};

/* Perturbative networks (model/pnn_builder.c): pnn.pytorch's perturb_resnet18, noise masks
 * `.noise` [1, Cn, m, S, S] in every layer of the blocks; the original authors' NoiseResNet
 * (`layers.5.*`, masks not saved) is not run. */
static const char *const perturb_resnet_required[] = {
    "pre_layers.0.layers.0.weight", "pre_layers.0.layers.1.weight", "layer1.0.layers.0.noise", "layer1.0.layers.2.noise",
    "layer2.0.shortcut.0.weight", "layer4.1.layers.2.layers.0.weight", "classifier.weight", "classifier.bias", NULL};
static const char *const perturb_resnet_forbidden[] = {"*.layers.5.*", "*.filt", "*.push.weight", "*.push_conv.*",
                                                       "*_blocks.*", "features.*", "conv1.*", NULL};
/* EfficientNet-b0 (model/efficientnet.h): torchvision's layout and the
 * lukemelas copy in pushpull-conv; either stem may be a PushPull unit. */
#define NOT_EFFNET "*.filt", "*.push.weight", "*.noise", "pre_layers.*", "layer1.*", "*.alpha"
static const char *const efficientnet_required[] = {
    "features.0.0.*weight", "features.0.1.weight", "features.1.0.block.*", "features.8.0.weight",
    "classifier.1.weight", "classifier.1.bias", NULL};
static const char *const efficientnet_forbidden[] = {"*_blocks.*", NOT_EFFNET, NULL};
static const char *const efficientnet_lukemelas_required[] = {
    "_conv_stem.*weight", "_bn0.weight", "_blocks.0._depthwise_conv.weight", "_conv_head.weight", "_bn1.weight",
    "_fc.weight", "_fc.bias", NULL};
static const char *const efficientnet_lukemelas_forbidden[] = {"features.*", NOT_EFFNET, NULL};

static const pp_family families[] = {
    {"pushpull_resnet", "PushPull-ResNet: a PushPull-Conv first layer (pushpull-conv resnet.py)",
     pushpull_resnet_required, pushpull_resnet_forbidden, pp_resnet_build},
    {"resnet", "ResNet with a plain first layer (torchvision, pushpull-conv baselines)", resnet_required,
     resnet_forbidden, pp_resnet_build},
    {"blurpool_resnet",
     "anti-aliased ResNet (Zhang, ICML 2019; adobe/antialiased-cnns, and pushpull-conv's zhang_resnet50 = the "
     "blurred-stem form)",
     blurpool_resnet_required, blurpool_resnet_forbidden, pp_blurpool_resnet_build},
    {"vasconcelos_resnet",
     "blur after every 3x3 conv (pushpull-conv's vasconcelos_resnet50, after Vasconcelos et al., ICCV 2021)",
     vasconcelos_resnet_required, vasconcelos_resnet_forbidden, pp_vasconcelos_resnet_build},
    {"pushpull2020_cifar_resnet",
     "CIFAR ResNet-20/32/44/56 with the 2020 push-pull layer first (nicstrisc Push-Pull-CNN-layer resnetcifar.py)",
     pp2020_cifar_required, pp2020_cifar_forbidden, pp_resnet_build},
    {"pushpull2020_resnet", "ResNet with the 2020 push-pull layer first (pushpull-conv strisciuglio_resnet50)",
     pp2020_resnet_required, pp2020_resnet_forbidden, pp_resnet_build},
    {"cifar_resnet", "CIFAR ResNet-20/32/44/56 with a plain first layer (nicstrisc resnetcifar.py baseline)",
     cifar_resnet_required, cifar_resnet_forbidden, pp_resnet_build},
    {"wide_resnet", "WideResNet-D-K (AugMix's WRN-40-2, RobustBench's WideResNet; pre-activation blocks)",
     wide_resnet_required, wide_resnet_forbidden, pp_preact_build},
    {"preact_resnet", "PreActResNet-18 (RobustBench's model zoo; pre-activation blocks)", preact_resnet_required,
     preact_resnet_forbidden, pp_preact_build},
    {"perturb_resnet", "Perturbative ResNet-18 (PNN, Juefei-Xu et al. CVPR 2018, as michaelklachko/pnn.pytorch)",
     perturb_resnet_required, perturb_resnet_forbidden, pp_pnn_build},
    {"efficientnet", "EfficientNet-b0, torchvision's layout (features.*; a plain or PushPull stem)",
     efficientnet_required, efficientnet_forbidden, pp_efficientnet_build},
    {"efficientnet_lukemelas",
     "EfficientNet-b0, the lukemelas layout (_conv_stem, _blocks.N; TF padding; pushpull-conv's PushPull stem)",
     efficientnet_lukemelas_required, efficientnet_lukemelas_forbidden, pp_efficientnet_build},
};

enum { FAMILY_COUNT = sizeof families / sizeof families[0] };

int pp_family_count(void)
{
    return FAMILY_COUNT;
}

const pp_family *pp_family_at(int index)
{
    return index >= 0 && index < FAMILY_COUNT ? &families[index] : NULL;
}

const pp_family *pp_family_by_name(const char *name)
{
    for (int i = 0; name && i < FAMILY_COUNT; i++)
        if (strcmp(families[i].name, name) == 0)
            return &families[i];
    return NULL;
}

const pp_family *pp_family_of_arch(const pp_arch *a)
{
    const pp_family *f = pp_family_by_name(a->family);
    if (f)
        return f;
    if (a->pp2020)
        return pp_family_by_name(pp_arch_stages(a) == 3 ? "pushpull2020_cifar_resnet" : "pushpull2020_resnet");
    if (pp_arch_stages(a) == 3)
        return pp_family_by_name("cifar_resnet");
    return pp_family_by_name(a->push_pull ? "pushpull_resnet" : "resnet");
}

bool pp_key_pattern_match(const char *pattern, const char *key)
{
    /* iterative glob with one backtrack point: linear in practice, no recursion on hostile keys */
    const char *star = NULL, *resume = NULL;
    while (*key) {
        if (*pattern == '*') {
            star = pattern++;
            resume = key;
        } else if (*pattern == *key) {
            pattern++;
            key++;
        } else if (star) {
            pattern = star + 1;
            key = ++resume;
        } else {
            return false;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

static const char *first_match(const pp_state_dict *sd, const char *pattern)
{
    for (size_t i = 0; i < sd->count; i++)
        if (pp_key_pattern_match(pattern, sd->entries[i].name))
            return sd->entries[i].name;
    return NULL;
}

/* How far sd is from fitting f: required patterns unmatched plus keys it
 * cannot run (those matching a forbidden pattern; 0 = fits). Counting keys,
 * not patterns, makes a blur network with one blur moved closer to its blur
 * family than to a plain ResNet that would have to drop all its blurs. */
static int distance(const pp_state_dict *sd, const pp_family *f)
{
    int d = 0;
    for (const char *const *r = f->required; *r; r++)
        d += first_match(sd, *r) == NULL;
    for (const char *const *x = f->forbidden; *x; x++)
        for (size_t i = 0; i < sd->count; i++)
            d += pp_key_pattern_match(*x, sd->entries[i].name);
    return d;
}

static void append(char *buf, size_t len, const char *fmt, const char *arg)
{
    size_t used = strlen(buf);
    if (used + 1 < len)
        snprintf(buf + used, len - used, fmt, arg);
}

pp_status pp_family_recognise(const pp_state_dict *sd, const pp_family **family, pp_error *err)
{
    *family = NULL;
    int best = -1, best_distance = 0;
    for (int i = 0; i < FAMILY_COUNT; i++) {
        int d = distance(sd, &families[i]);
        if (d == 0) {
            *family = &families[i];
            return PP_OK;
        }
        if (best < 0 || d < best_distance) {
            best = i;
            best_distance = d;
        }
    }
    /* What was found: the first keys, enough to tell the architecture. */
    char found[320] = "";
    size_t shown = 0;
    for (size_t i = 0; i < sd->count && shown < 6; i++, shown++)
        append(found, sizeof found, shown ? ", %s" : "%s", sd->entries[i].name);
    if (sd->count > shown)
        append(found, sizeof found, "%s", ", ...");
    const pp_family *f = &families[best];
    char lacks[320] = "", extra[320] = "";
    for (const char *const *r = f->required; *r; r++)
        if (!first_match(sd, *r))
            append(lacks, sizeof lacks, lacks[0] ? ", %s" : "%s", *r);
    for (const char *const *x = f->forbidden; *x; x++) {
        const char *hit = first_match(sd, *x);
        if (hit)
            append(extra, sizeof extra, extra[0] ? ", %s" : "%s", hit);
    }
    return pp_fail(err, PP_ERR_UNSUPPORTED,
                   "the state dict's keys fit no known model family (found %zu keys: %s); closest: %s (%s)%s%s%s%s",
                   sd->count, sd->count ? found : "none", f->name, f->description, lacks[0] ? ", lacking " : "", lacks,
                   extra[0] ? ", with keys it cannot run: " : "", extra);
}
