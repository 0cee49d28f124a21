#include "arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/efficientnet.h"
#include "model/families.h"

/* The named nets: torchvision's (width_per_group and groups as its
 * wide_resnet50_2 / resnext50_32x4d) and the 2020 push-pull repo's CIFAR
 * ResNets (3 stages, width 16). */
static const struct {
    const char *name;
    pp_block_kind block;
    int blocks[4];
    int stages, width, width_per_group, groups;
} known_nets[] = {
    {"resnet18", PP_BLOCK_BASIC, {2, 2, 2, 2}, 4, 64, 64, 1},
    {"resnet34", PP_BLOCK_BASIC, {3, 4, 6, 3}, 4, 64, 64, 1},
    {"resnet50", PP_BLOCK_BOTTLENECK, {3, 4, 6, 3}, 4, 64, 64, 1},
    {"resnet101", PP_BLOCK_BOTTLENECK, {3, 4, 23, 3}, 4, 64, 64, 1},
    {"resnet152", PP_BLOCK_BOTTLENECK, {3, 8, 36, 3}, 4, 64, 64, 1},
    {"wide_resnet50_2", PP_BLOCK_BOTTLENECK, {3, 4, 6, 3}, 4, 64, 128, 1},
    {"resnext50_32x4d", PP_BLOCK_BOTTLENECK, {3, 4, 6, 3}, 4, 64, 4, 32},
    {"resnet20", PP_BLOCK_BASIC, {3, 3, 3, 0}, 3, 16, 64, 1},
    {"resnet32", PP_BLOCK_BASIC, {5, 5, 5, 0}, 3, 16, 64, 1},
    {"resnet44", PP_BLOCK_BASIC, {7, 7, 7, 0}, 3, 16, 64, 1},
    {"resnet56", PP_BLOCK_BASIC, {9, 9, 9, 0}, 3, 16, 64, 1},
};
enum { KNOWN_NETS = sizeof known_nets / sizeof known_nets[0] };

/* Families built from a name: "<prefix>resnetN" (docs/arch-blurpool.md). */
static const struct {
    const char *prefix, *family;
    int filter;     /* the reference's default filter size */
    bool blur_stem; /* zhang's (adobe pool_only false) */
} blur_nets[] = {
    {"blurpool-", "blurpool_resnet", 4, false}, /* adobe's default, pool_only true */
    {"zhang-", "blurpool_resnet", 4, true},
    {"vasconcelos-", "vasconcelos_resnet", 5, false},
};

/* torchvision Bottleneck: width = int(planes * width_per_group / 64) * groups.
 * The standard widths stay implicit (0: derived from `width`), so a caller
 * that narrows a standard net by setting `width` gets consistent stages; only
 * wide or grouped nets store theirs (pp_arch_set_width keeps them in step). */
static void set_widths(pp_arch *a, int width_per_group, int groups)
{
    a->groups = groups;
    const bool standard = width_per_group == 64 && groups == 1;
    for (int s = 0; s < pp_arch_stages(a); s++) {
        const int planes = a->width << s;
        a->mid[s] = standard ? 0 : planes * width_per_group / 64 * groups;
        a->out[s] = standard ? 0 : planes * pp_arch_expansion(a);
    }
}

bool pp_arch_is_preact(const pp_arch *a)
{
    return strcmp(a->family, "wide_resnet") == 0 || strcmp(a->family, "preact_resnet") == 0;
}

/* The pre-activation nets by name (docs/spec/architectures-wrn-preact.md):
 * "wrn-D-K" (depth D = 6n + 4, widen factor K: AugMix's and RobustBench's
 * WideResNet, 3 stages of n blocks, widths 16K, 32K, 64K after a 16-channel
 * stem) and "preact_resnet18" (RobustBench's PreActResNet-18). CIFAR only.
 * Returns false when the name is neither. */
static bool preact_from_name(pp_arch *a, const char *name, int in_channels, int num_classes, pp_error *err,
                             pp_status *st)
{
    int depth = 0, widen = 0, used = 0;
    const bool wrn = sscanf(name, "wrn-%d-%d%n", &depth, &widen, &used) == 2 && name[used] == '\0';
    const bool pnn = strcmp(name, "perturb_resnet18") == 0;
    if (!wrn && !pnn && strcmp(name, "preact_resnet18") != 0)
        return false;
    memset(a, 0, sizeof *a);
    a->block = PP_BLOCK_BASIC;
    a->stem = PP_STEM_CIFAR;
    a->in_channels = in_channels;
    a->num_classes = num_classes;
    a->alpha_fixed = 1.0f;
    a->avg_kernel = 3;
    a->alpha_trainable = true;
    *st = PP_OK;
    if (wrn) {
        if (depth < 10 || depth > 202 || (depth - 4) % 6 != 0 || widen < 1 || widen > 32) {
            *st = pp_fail(err, PP_ERR_ARG, "'%s': a WideResNet is wrn-D-K with depth D = 6n + 4 (10 to 202) and "
                          "widen factor K from 1 to 32", name);
            return true;
        }
        snprintf(a->family, sizeof a->family, "wide_resnet");
        a->stages = 3;
        a->width = 16;
        a->final_bn = true;
        for (int s = 0; s < 3; s++) {
            a->blocks[s] = (depth - 4) / 6;
            a->out[s] = a->mid[s] = (16 << s) * widen;
        }
    } else if (pnn) {
        /* pnn.pytorch's defaults (main.py): nfilters 64, unique masks, m 1, level 0.5,
         * first_filter_size 0, use_act False, max pooling; masks 32x32 */
        snprintf(a->family, sizeof a->family, "perturb_resnet");
        a->stages = 4;
        a->width = 64;
        for (int s = 0; s < 4; s++) {
            a->blocks[s] = 2;
            a->out[s] = a->mid[s] = 64 << s;
        }
        a->pnn.masks = 1;
        a->pnn.unique = true;
        a->pnn.size = 32;
        a->pnn.level = a->pnn.first_level = 0.5f;
    } else {
        snprintf(a->family, sizeof a->family, "preact_resnet");
        a->stages = 4;
        a->width = 64;
        for (int s = 0; s < 4; s++) {
            a->blocks[s] = 2;
            a->out[s] = a->mid[s] = 64 << s;
        }
    }
    return true;
}

pp_status pp_arch_from_name(pp_arch *a, const char *name, pp_stem_kind stem, int in_channels,
                            int num_classes, pp_error *err)
{
    pp_status preact;
    if (preact_from_name(a, name, in_channels, num_classes, err, &preact)) {
        if (preact == PP_OK && stem != PP_STEM_CIFAR)
            return pp_fail(err, PP_ERR_ARG, "'%s' is a CIFAR network (3x3 stem): --stem imagenet does not apply", name);
        return preact;
    }
    for (size_t i = 0; i < sizeof blur_nets / sizeof blur_nets[0]; i++) {
        size_t len = strlen(blur_nets[i].prefix);
        if (strncmp(name, blur_nets[i].prefix, len) != 0 || strncmp(name + len, "resnet", 6) != 0)
            continue;
        pp_status st = pp_arch_from_name(a, name + len, stem, in_channels, num_classes, err);
        if (st != PP_OK)
            return st;
        if (pp_arch_stages(a) != 4) /* the families' files name layer4's blurs */
            return pp_fail(err, PP_ERR_ARG, "'%s': the anti-aliased nets have 4 stages (resnet18 to resnet152)",
                           name);
        snprintf(a->family, sizeof a->family, "%s", blur_nets[i].family);
        a->blur_filter = blur_nets[i].filter;
        a->blur_stem = blur_nets[i].blur_stem;
        /* the references' blurred ImageNet stems have no conv bias */
        a->conv1_bias = stem == PP_STEM_CIFAR;
        return PP_OK;
    }
    memset(a, 0, sizeof *a);
    const bool lukemelas = strcmp(name, "lukemelas-efficientnet_b0") == 0;
    if (lukemelas || strcmp(name, "efficientnet_b0") == 0) {
        pp_effnet_b0_arch(a, lukemelas);
        a->stem = PP_STEM_IMAGENET;
        (void)stem; /* b0 has one stem, 3x3/2 */
        a->in_channels = in_channels;
        a->num_classes = num_classes;
        a->push_pull = true;
        a->avg_kernel = 3;
        a->alpha_trainable = true;
        a->alpha_fixed = 1.0f;
        a->conv1_bias = false; /* pushpull-conv's EfficientNet stem unit has no bias */
        return PP_OK;
    }
    for (size_t i = 0; i < KNOWN_NETS; i++) {
        if (strcmp(name, known_nets[i].name) == 0) {
            a->block = known_nets[i].block;
            memcpy(a->blocks, known_nets[i].blocks, sizeof a->blocks);
            a->stages = known_nets[i].stages;
            a->stem = stem;
            a->in_channels = in_channels;
            a->num_classes = num_classes;
            a->width = known_nets[i].width;
            set_widths(a, known_nets[i].width_per_group, known_nets[i].groups);
            a->push_pull = true;
            a->avg_kernel = 3;
            a->alpha_trainable = true;
            a->alpha_fixed = 1.0f;
            a->conv1_bias = true;
            return PP_OK;
        }
    }
    return pp_fail(err, PP_ERR_ARG, "unknown architecture '%s' (%s; the anti-aliased blurpool-, zhang- and "
                   "vasconcelos-resnet18 to 152; efficientnet_b0, lukemelas-efficientnet_b0)", name,
                   pp_arch_known_names());
}

const char *pp_arch_known_names(void)
{
    return "resnet18, resnet34, resnet50, resnet101, resnet152, wide_resnet50_2, resnext50_32x4d, "
           "resnet20, resnet32, resnet44, resnet56, wrn-D-K (e.g. wrn-40-2), preact_resnet18, perturb_resnet18";
}

void pp_arch_set_width(pp_arch *a, int width)
{
    if (pp_arch_is_efficientnet(a)) {
        pp_effnet_set_width(a, width);
        return;
    }
    if (pp_arch_is_preact(a) || strcmp(a->family, "perturb_resnet") == 0) { /* the stages keep their ratio to the stem */
        for (int s = 0; s < pp_arch_stages(a) && a->width > 0; s++)
            a->out[s] = a->mid[s] = (int)((long)a->out[s] * width / a->width);
        a->width = width;
        return;
    }
    int width_per_group = 64, groups = pp_arch_groups(a);
    if (a->mid[0] > 0 && a->width > 0)
        width_per_group = a->mid[0] * 64 / groups / a->width;
    a->width = width;
    set_widths(a, width_per_group, groups);
}

int pp_arch_groups(const pp_arch *a)
{
    return a->groups > 1 ? a->groups : 1;
}

const char *pp_arch_name(const pp_arch *a)
{
    if (strcmp(a->family, "wide_resnet") == 0) {
        /* wrn-D-K when the widths are 16K, 32K, 64K after a 16-channel stem */
        static _Thread_local char name[32];
        const int k = a->out[0] / 16;
        bool standard = a->width == 16 && a->blocks[0] == a->blocks[1] && a->blocks[1] == a->blocks[2];
        for (int s = 0; s < 3; s++)
            standard = standard && k > 0 && a->out[s] == (16 << s) * k;
        if (!standard)
            return "wide_resnet-custom";
        snprintf(name, sizeof name, "wrn-%d-%d", 6 * a->blocks[0] + 4, k);
        return name;
    }
    if (strcmp(a->family, "preact_resnet") == 0) {
        bool standard = a->width == 64 && pp_arch_stages(a) == 4;
        for (int s = 0; s < 4; s++)
            standard = standard && a->blocks[s] == 2 && a->out[s] == 64 << s;
        return standard ? "preact_resnet18" : "preact_resnet-custom";
    }
    if (strcmp(a->family, "perturb_resnet") == 0)
        return "perturb_resnet18";
    if (pp_arch_is_efficientnet(a)) {
        pp_arch b0 = {0};
        pp_effnet_b0_arch(&b0, false);
        const bool standard = a->width == b0.width && a->effnet_head == b0.effnet_head &&
                              memcmp(a->effnet_blocks, b0.effnet_blocks, sizeof b0.effnet_blocks) == 0 &&
                              memcmp(a->effnet_out, b0.effnet_out, sizeof b0.effnet_out) == 0;
        if (pp_effnet_is_lukemelas(a))
            return standard ? "lukemelas-efficientnet_b0" : "lukemelas-efficientnet-custom";
        return standard ? "efficientnet_b0" : "efficientnet-custom";
    }
    for (size_t i = 0; i < KNOWN_NETS; i++) {
        if (a->block != known_nets[i].block || memcmp(a->blocks, known_nets[i].blocks, sizeof a->blocks) != 0 ||
            pp_arch_stages(a) != known_nets[i].stages || pp_arch_groups(a) != known_nets[i].groups)
            continue;
        bool widths = true; /* the inner widths relative to the stem width say wide or not */
        for (int s = 0; s < pp_arch_stages(a); s++)
            widths = widths && (long)pp_arch_stage_mid(a, s) * 64 ==
                                   (long)(a->width << s) * known_nets[i].width_per_group * known_nets[i].groups;
        if (widths)
            return known_nets[i].name;
    }
    return "resnet-custom";
}

const char *pp_pull_minmax_name(pp_pull_minmax v)
{
    return v == PP_PULL_MINMAX_CHANNEL ? "channel" : "filter";
}

bool pp_pull_minmax_parse(const char *s, pp_pull_minmax *out)
{
    if (strcmp(s, "filter") == 0)
        *out = PP_PULL_MINMAX_FILTER;
    else if (strcmp(s, "channel") == 0)
        *out = PP_PULL_MINMAX_CHANNEL;
    else
        return false;
    return true;
}

const char *pp_stem_name(pp_stem_kind s)
{
    return s == PP_STEM_CIFAR ? "cifar" : "imagenet";
}

int pp_arch_expansion(const pp_arch *a)
{
    return a->block == PP_BLOCK_BOTTLENECK ? 4 : 1;
}

int pp_arch_stages(const pp_arch *a)
{
    return a->stages == 3 ? 3 : 4;
}

int pp_arch_stage_mid(const pp_arch *a, int stage)
{
    return a->mid[stage] > 0 ? a->mid[stage] : a->width << stage;
}

int pp_arch_stage_out(const pp_arch *a, int stage)
{
    return a->out[stage] > 0 ? a->out[stage] : (a->width << stage) * pp_arch_expansion(a);
}

bool pp_arch_is_efficientnet(const pp_arch *a)
{
    return strncmp(a->family, "efficientnet", 12) == 0;
}

int pp_arch_feature_dim(const pp_arch *a)
{
    if (pp_arch_is_efficientnet(a))
        return a->effnet_head;
    return pp_arch_stage_out(a, pp_arch_stages(a) - 1);
}

bool pp_arch_inhibits(const pp_arch *a)
{
    return a->push_pull || a->pp2020;
}

/* False when out of memory: a key left with its old name would make the load
 * report a tensor missing, not the memory. */
static bool rename_prefix(pp_state_dict *sd, const char *from, const char *to)
{
    size_t flen = strlen(from), tlen = strlen(to);
    bool ok = true;
    for (size_t i = 0; i < sd->count; i++) {
        char *n = sd->entries[i].name;
        if (strncmp(n, from, flen) != 0)
            continue;
        size_t rest = strlen(n + flen);
        char *renamed = malloc(tlen + rest + 1);
        if (!renamed) {
            ok = false;
            continue;
        }
        memcpy(renamed, to, tlen);
        memcpy(renamed + tlen, n + flen, rest + 1);
        free(n);
        sd->entries[i].name = renamed;
    }
    pp_sd_names_changed(sd);
    return ok;
}

pp_status pp_sd_normalize_names(pp_state_dict *sd, pp_error *err)
{
    bool ok = true;
    if (!pp_sd_find(sd, "classifier.weight") && pp_sd_find(sd, "fc.weight"))
        ok = rename_prefix(sd, "fc.", "classifier.");
    if (ok && !pp_sd_find(sd, "classifier.weight") && pp_sd_find(sd, "linear.weight")) /* kuangliu-style heads */
        ok = rename_prefix(sd, "linear.", "classifier.");
    if (ok && !pp_sd_find(sd, "bn.weight") && pp_sd_find(sd, "bn1.weight"))
        ok = rename_prefix(sd, "bn1.", "bn.");
    return ok ? PP_OK : pp_fail(err, PP_ERR_NOMEM, "out of memory renaming the state dict's keys");
}

static void note(char *notes, size_t len, const char *fmt, const char *arg)
{
    if (!notes)
        return;
    size_t used = strlen(notes);
    if (used + 1 < len)
        snprintf(notes + used, len - used, fmt, arg);
}

static bool meta_bool(const pp_state_dict *sd, const char *key, bool *out)
{
    const char *v = pp_sd_meta_get(sd, key);
    if (!v)
        return false;
    *out = strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "1") == 0;
    return true;
}

static bool meta_int(const pp_state_dict *sd, const char *key, long *out)
{
    const char *v = pp_sd_meta_get(sd, key);
    if (!v || !*v)
        return false;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end)
        return false;
    *out = n;
    return true;
}

static const pp_sd_entry *find_shaped(const pp_state_dict *sd, const char *name, int ndim)
{
    const pp_sd_entry *e = pp_sd_find(sd, name);
    return e && e->ndim == ndim && e->dtype == PP_DTYPE_F32 ? e : NULL;
}

/* The blur families' filter size, read from a shortcut blur's `filt` buffer
 * (C, 1, f, f) (defaults differ between copies of the layer: never assumed),
 * and whether the stem is blurred (maxpool.0.filt: adobe's pool_only false). */
static pp_status infer_blur(pp_arch *a, const pp_state_dict *sd, pp_error *err)
{
    const char *key = strcmp(a->family, "blurpool_resnet") == 0      ? "layer2.0.downsample.0.filt"
                      : strcmp(a->family, "vasconcelos_resnet") == 0 ? "layer2.0.downsample.1.filt"
                                                                     : NULL;
    if (!key)
        return PP_OK;
    const pp_sd_entry *f = find_shaped(sd, key, 4);
    if (!f || f->shape[1] != 1 || f->shape[2] != f->shape[3] || f->shape[2] < 1 || f->shape[2] > 7) {
        char shape[96] = "not a float tensor";
        if (f)
            pp_shape_string(f->ndim, f->shape, shape, sizeof shape);
        return pp_fail(err, PP_ERR_SHAPE, "BlurPool buffer %s is %s; expected (channels, 1, f, f) with f from 1 to 7",
                       key, shape);
    }
    a->blur_filter = (int)f->shape[2];
    a->blur_stem = pp_sd_find(sd, "maxpool.0.filt") != NULL;
    if (a->stem == PP_STEM_IMAGENET && strcmp(a->family, "blurpool_resnet") == 0 && !a->blur_stem &&
        !pp_sd_find(sd, "maxpool.1.filt"))
        return pp_fail(err, PP_ERR_FORMAT, "anti-aliased ResNet with a 7x7 stem but no stem blur "
                       "(maxpool.1.filt, or maxpool.0.filt and maxpool.2.filt)");
    return PP_OK;
}

/* Every stage's inner width and output channels from its first block's BN sizes
 * (torchvision's width_per_group models, narrowed test nets), and the groups of
 * the bottlenecks' 3x3 convolutions (ResNeXt) from conv2's input channels. What
 * is missing or malformed keeps the standard value: the load then names the
 * tensor whose shape does not fit. */
static pp_status stage_widths(pp_arch *a, const pp_state_dict *sd, pp_error *err)
{
    const bool bottleneck = a->block == PP_BLOCK_BOTTLENECK;
    for (int s = 0; s < pp_arch_stages(a); s++) {
        char key[64];
        snprintf(key, sizeof key, "layer%d.0.bn1.weight", s + 1);
        const pp_sd_entry *inner = find_shaped(sd, key, 1);
        snprintf(key, sizeof key, "layer%d.0.%s.weight", s + 1, bottleneck ? "bn3" : "bn2");
        const pp_sd_entry *outer = find_shaped(sd, key, 1);
        snprintf(key, sizeof key, "layer%d.0.conv2.weight", s + 1);
        const pp_sd_entry *c2 = find_shaped(sd, key, 4);
        if (!c2) { /* vasconcelos_resnet: Sequential(conv, blur) */
            snprintf(key, sizeof key, "layer%d.0.conv2.0.weight", s + 1);
            c2 = find_shaped(sd, key, 4);
        }
        if (inner && inner->shape[0] >= 1 && inner->shape[0] <= 65536)
            a->mid[s] = (int)inner->shape[0];
        if (outer && outer->shape[0] >= 1 && outer->shape[0] <= 65536)
            a->out[s] = (int)outer->shape[0];
        int groups = 1;
        const int mid = pp_arch_stage_mid(a, s);
        if (bottleneck && c2 && c2->shape[1] >= 1 && mid % c2->shape[1] == 0)
            groups = mid / (int)c2->shape[1];
        if (s > 0 && groups != pp_arch_groups(a))
            return pp_fail(err, PP_ERR_SHAPE, "layer%d's 3x3 convolutions have %d groups, layer1's %d", s + 1, groups,
                           pp_arch_groups(a));
        a->groups = groups;
    }
    return PP_OK;
}

/* The ResNets' blocks per stage (3 or 4 stages) and their widths. */
static pp_status resnet_stages(pp_arch *a, const pp_state_dict *sd, pp_error *err)
{
    char key[96];
    for (int stage = 0; stage < 4; stage++) {
        int b = 0;
        for (;; b++) {
            /* bn1: every block has one, whatever its convs are wrapped in */
            snprintf(key, sizeof key, "layer%d.%d.bn1.weight", stage + 1, b);
            if (!pp_sd_find(sd, key) || b >= 256)
                break;
        }
        if (b == 0 && stage == 3) { /* the CIFAR ResNets of the 2020 push-pull repo end at layer3 */
            a->stages = 3;
            break;
        }
        if (b == 0)
            return pp_fail(err, PP_ERR_FORMAT, "no blocks found for layer%d (expected %s)", stage + 1, key);
        a->blocks[stage] = b;
    }
    return stage_widths(a, sd, err);
}

/* The pre-activation nets (docs/spec/architectures-wrn-preact.md): blocks per
 * stage counted by their conv1, each stage's width from its first conv1's
 * outputs; the WideResNet's 3 stages are "blockS.layer.i", the PreActResNet's
 * 4 "layerS.i". */
static pp_status preact_stages(pp_arch *a, const pp_state_dict *sd, pp_error *err)
{
    const bool wrn = strcmp(a->family, "wide_resnet") == 0;
    if (a->stem != PP_STEM_CIFAR)
        return pp_fail(err, PP_ERR_UNSUPPORTED, "a %s has a 3x3 first layer; this one's is 7x7",
                       wrn ? "WideResNet" : "PreActResNet");
    const char *fmt = wrn ? "block%d.layer.%d.conv1.weight" : "layer%d.%d.conv1.weight";
    a->stages = wrn ? 3 : 4;
    a->block = PP_BLOCK_BASIC;
    char key[96];
    for (int s = 0; s < a->stages; s++) {
        int b = 0;
        while (b < 256) {
            snprintf(key, sizeof key, fmt, s + 1, b);
            if (!pp_sd_find(sd, key))
                break;
            b++;
        }
        snprintf(key, sizeof key, fmt, s + 1, 0);
        const pp_sd_entry *c = find_shaped(sd, key, 4);
        if (b == 0 || !c)
            return pp_fail(err, PP_ERR_FORMAT, "no blocks found for stage %d (expected %s, a 4-D float tensor)", s + 1,
                           key);
        if (c->shape[0] < 1 || c->shape[0] > 65536)
            return pp_fail(err, PP_ERR_SHAPE, "%s has %lld output channels", key, (long long)c->shape[0]);
        a->blocks[s] = b;
        a->out[s] = a->mid[s] = (int)c->shape[0];
    }
    if (wrn) {
        a->wrn_snake_case = false;
        for (size_t i = 0; i < sd->count; i++)
            if (pp_key_pattern_match("*.conv_shortcut.weight", sd->entries[i].name))
                a->wrn_snake_case = true;
    }
    a->final_bn = wrn || pp_sd_find(sd, "bn.weight") != NULL;
    return PP_OK;
}

/* ---- perturbative networks (pnn.pytorch's perturb_resnet18, model/pnn_builder.c) ---- */

static bool meta_float(const pp_state_dict *sd, const char *key, float *out)
{
    const char *v = pp_sd_meta_get(sd, key);
    if (!v || !*v)
        return false;
    char *end;
    float f = strtof(v, &end);
    if (*end)
        return false;
    *out = f;
    return true;
}

/* The classes a whole pickled PNN may hold: its own three and torch.nn's. */
static bool pnn_known_class(const char *cls)
{
    return strncmp(cls, "torch.nn.modules.", 17) == 0 || strcmp(cls, "models.PerturbResNet") == 0 ||
           strcmp(cls, "models.PerturbBasicBlock") == 0 || strcmp(cls, "models.PerturbLayer") == 0;
}

/* A whole pickled model (torch.save(model)) whose module classes are not all
 * known is refused, naming them: its forward could be anything. */
static pp_status pnn_classes(const pp_state_dict *sd, pp_error *err)
{
    char unknown[400] = "";
    int count = 0;
    for (size_t i = 0; i < sd->meta_count; i++) {
        const char *k = sd->meta[i].key, *cls = sd->meta[i].value;
        if (strncmp(k, "class:", 6) != 0 || pnn_known_class(cls))
            continue;
        if (strstr(unknown, cls))
            continue;
        size_t used = strlen(unknown);
        if (used + strlen(cls) + 3 < sizeof unknown)
            snprintf(unknown + used, sizeof unknown - used, "%s%s", count ? ", " : "", cls);
        count++;
    }
    if (count)
        return pp_fail(err, PP_ERR_UNSUPPORTED,
                       "whole pickled perturbative network with module classes the engine does not know: %s (known: "
                       "pnn.pytorch's models.PerturbResNet, PerturbBasicBlock, PerturbLayer and torch.nn's)", unknown);
    return PP_OK;
}

/* Every noise mask [1, Cn, m, S, S]: Cn = the layer's input channels (unique
 * masks) or 1, m and uniqueness the same everywhere, S the layer's input side. */
static pp_status pnn_mask(const pp_state_dict *sd, const pp_arch *a, const char *key, int cin, int side,
                          pp_error *err)
{
    const pp_sd_entry *e = pp_sd_find(sd, key);
    if (!e)
        return pp_fail(err, PP_ERR_FORMAT, "perturbative network without noise masks %s", key);
    char got[96];
    pp_shape_string(e->ndim, e->shape, got, sizeof got);
    const int64_t cn = a->pnn.unique ? cin : 1;
    if (e->dtype != PP_DTYPE_F32 || e->ndim != 5 || e->shape[0] != 1 || e->shape[1] != cn ||
        e->shape[2] != a->pnn.masks || e->shape[3] != side || e->shape[4] != side)
        return pp_fail(err, PP_ERR_SHAPE,
                       "noise masks %s are %s; this network's are [1, %lld, %d, %d, %d] (%s masks, %d per channel, "
                       "read from layer1.0.layers.0.noise, and the layer's %dx%d input)",
                       key, got, (long long)cn, a->pnn.masks, side, side, a->pnn.unique ? "unique" : "shared",
                       a->pnn.masks, side, side);
    return PP_OK;
}

static pp_status pnn_infer(pp_arch *a, const pp_state_dict *sd, const pp_arch_hints *hints, char *notes,
                           size_t notes_len, pp_error *err)
{
    const char *container = pp_sd_meta_get(sd, "checkpoint.container");
    if (container && strncmp(container, "whole pickled model", 19) == 0) {
        pp_status known = pnn_classes(sd, err);
        if (known != PP_OK)
            return known;
    }
    const pp_sd_entry *w0 = find_shaped(sd, "pre_layers.0.layers.0.weight", 4);
    const pp_sd_entry *n1 = pp_sd_find(sd, "layer1.0.layers.0.noise");
    if (!w0 || !n1 || n1->ndim != 5 || n1->shape[2] < 1 || n1->shape[2] > 4096 || n1->shape[3] < 4 ||
        n1->shape[3] > 1024 || n1->shape[3] != n1->shape[4])
        return pp_fail(err, PP_ERR_FORMAT, "perturbative network: pre_layers.0.layers.0.weight (4-D) and "
                       "layer1.0.layers.0.noise ([1, Cn, m, S, S]) are needed");
    a->block = PP_BLOCK_BASIC;
    a->stages = 4;
    a->stem = PP_STEM_CIFAR;
    a->width = (int)w0->shape[0];
    if (a->width < 1 || a->width > 4096)
        return pp_fail(err, PP_ERR_FORMAT, "pre_layers.0.layers.0.weight has %lld outputs", (long long)w0->shape[0]);
    for (int s = 0; s < 4; s++) {
        a->blocks[s] = 2;
        a->out[s] = a->mid[s] = a->width << s;
    }
    a->pnn.masks = (int)n1->shape[2];
    a->pnn.unique = n1->shape[1] == a->width && a->width > 1;
    a->pnn.size = (int)n1->shape[3];
    a->pnn.mix_maps = pp_sd_find(sd, "layer1.0.layers.0.mix_layers.0.weight") != NULL;
    /* perturb_resnet18 takes RGB (PerturbLayer(in_channels=3, ...)); ours may take gray: the first
     * layer's unique masks or dense 1x1 / 3x3 kernel say so, else the metadata */
    const pp_sd_entry *n0 = pp_sd_find(sd, "pre_layers.0.noise");
    long channels = 3;
    if (n0 && n0->ndim == 5 && a->pnn.unique)
        channels = (long)n0->shape[1];
    else if (!n0 || a->pnn.masks == 1)
        channels = (long)w0->shape[1];
    else if (!meta_int(sd, "in_channels", &channels))
        channels = 3;
    if (channels < 1 || channels > 4)
        return pp_fail(err, PP_ERR_FORMAT, "perturbative network with %ld input channels", channels);
    a->in_channels = (int)channels;
    if (pp_sd_find(sd, "pre_layers.0.noise"))
        a->pnn.first_filter = 0;
    else if (w0->shape[2] == 3 && w0->shape[3] == 3)
        a->pnn.first_filter = 3;
    else
        return pp_fail(err, PP_ERR_UNSUPPORTED, "perturbative network whose first layer is a %lldx%lld convolution "
                       "(first_filter_size 0 and 3 are run)", (long long)w0->shape[2], (long long)w0->shape[3]);
    /* the masks of every layer against the first block's */
    pp_status st = a->pnn.first_filter == 0 ? pnn_mask(sd, a, "pre_layers.0.noise", a->in_channels, a->pnn.size, err)
                                            : PP_OK;
    int cin = a->width, side = a->pnn.size;
    for (int s = 0; s < 4 && st == PP_OK; s++) {
        const int cout = a->width << s, stride = s ? 2 : 1;
        for (int i = 0; i < 2 && st == PP_OK; i++) {
            char key[64];
            snprintf(key, sizeof key, "layer%d.%d.layers.0.noise", s + 1, i);
            st = pnn_mask(sd, a, key, cin, side, err);
            if (i == 0)
                side /= stride;
            snprintf(key, sizeof key, "layer%d.%d.layers.2.noise", s + 1, i);
            if (st == PP_OK)
                st = pnn_mask(sd, a, key, cout, side, err);
            cin = cout;
        }
    }
    if (st != PP_OK)
        return st;
    const pp_sd_entry *fc = find_shaped(sd, "classifier.weight", 2);
    if (!fc || fc->shape[0] < 1)
        return pp_fail(err, PP_ERR_FORMAT, "no linear.weight (2-D float) in the perturbative network");
    a->num_classes = (int)fc->shape[0];

    /* What only the pickle's attributes (or the user) can say: ours first
     * (pp_arch_to_metadata), then the saved modules', then the hints. */
    const char *act = pp_sd_meta_get(sd, "class:pre_layers.0.act");
    if (act && strcmp(act, "torch.nn.modules.activation.ReLU") != 0)
        return pp_fail(err, PP_ERR_UNSUPPORTED, "perturbative network with activation %.80s (only ReLU is run)", act);
    if (!meta_float(sd, "pnn_level", &a->pnn.level) && !meta_float(sd, "module:layer1.0.layers.0.level", &a->pnn.level)) {
        a->pnn.level = hints && hints->pnn_level > 0 ? hints->pnn_level : 0.5f;
        if (!(hints && hints->pnn_level > 0))
            note(notes, notes_len, "%s", "the noise level is not recorded (a state dict never holds it); assuming "
                 "pnn.pytorch's default 0.5 (pushpull convert --pnn-level L to set it)\n");
    }
    if (!meta_float(sd, "pnn_first_level", &a->pnn.first_level) &&
        !meta_float(sd, "module:pre_layers.0.level", &a->pnn.first_level))
        a->pnn.first_level = hints && hints->pnn_first_level > 0 ? hints->pnn_first_level : a->pnn.level;
    bool flag;
    if (meta_bool(sd, "pnn_first_act", &flag) || meta_bool(sd, "module:pre_layers.0.use_act", &flag))
        a->pnn.first_act = flag;
    else
        a->pnn.first_act = hints && hints->pnn_first_act == 2;
    const char *pool = pp_sd_meta_get(sd, "pnn_pool");
    const char *pool_class = pp_sd_meta_get(sd, "class:layer2.0.layers.1");
    if (pool)
        a->pnn.avg_pool = strcmp(pool, "avg") == 0;
    else if (pool_class)
        a->pnn.avg_pool = strstr(pool_class, "AvgPool2d") != NULL;
    else
        a->pnn.avg_pool = hints && hints->pnn_avg_pool == 2;
    const char *ds = pp_sd_meta_get(sd, "dataset_name");
    if (ds)
        snprintf(a->dataset, sizeof a->dataset, "%s", ds);
    return PP_OK;
}

pp_status pp_arch_infer(pp_arch *a, const pp_state_dict *sd, const pp_arch_hints *hints,
                        char *notes, size_t notes_len, pp_error *err)
{
    memset(a, 0, sizeof *a);
    if (notes && notes_len)
        notes[0] = '\0';
    const pp_family *family;
    pp_status recognised = pp_family_recognise(sd, &family, err);
    if (recognised != PP_OK)
        return recognised;
    snprintf(a->family, sizeof a->family, "%s", family->name);
    if (strcmp(family->name, "perturb_resnet") == 0)
        return pnn_infer(a, sd, hints, notes, notes_len, err);
    /* vasconcelos_resnet's ImageNet stem is Sequential(conv, blur): conv1.0 */
    const bool effnet = pp_arch_is_efficientnet(a);
    const char *first = effnet ? pp_effnet_stem_prefix(pp_effnet_is_lukemelas(a))
                        : pp_sd_find(sd, "conv1.0.weight") || pp_sd_find(sd, "conv1.0.push_conv.weight") ||
                                pp_sd_find(sd, "conv1.0.push.weight")
                            ? "conv1.0"
                            : "conv1";
    char key[96];
    snprintf(key, sizeof key, "%s.push_conv.weight", first);
    const pp_sd_entry *w = find_shaped(sd, key, 4);
    a->push_pull = w != NULL;
    if (!w) {
        snprintf(key, sizeof key, "%s.push.weight", first);
        w = find_shaped(sd, key, 4);
        a->pp2020 = w != NULL;
    }
    snprintf(key, sizeof key, "%s.weight", first);
    if (!w)
        w = find_shaped(sd, key, 4);
    if (!w)
        return pp_fail(err, PP_ERR_FORMAT,
                       "no first-layer kernel (%s.push_conv.weight, %s.push.weight or %s.weight, 4-D float): "
                       "not a (PushPull-)ResNet state dict", first, first, first);
    a->width = (int)w->shape[0];
    a->in_channels = (int)w->shape[1];
    if (effnet && (w->shape[2] != 3 || w->shape[3] != 3))
        return pp_fail(err, PP_ERR_UNSUPPORTED, "EfficientNet stem kernel %s is %lldx%lld; EfficientNet-b0's is 3x3",
                       key, (long long)w->shape[2], (long long)w->shape[3]);
    if (effnet)
        a->stem = PP_STEM_IMAGENET; /* the 3x3/2 stem of an ImageNet net */
    else if (w->shape[2] == 7 && w->shape[3] == 7)
        a->stem = PP_STEM_IMAGENET;
    else if (w->shape[2] == 3 && w->shape[3] == 3)
        a->stem = PP_STEM_CIFAR;
    else
        return pp_fail(err, PP_ERR_UNSUPPORTED, "first-layer kernel is %lldx%lld; expected 7x7 "
                       "(ImageNet stem) or 3x3 (CIFAR stem)", (long long)w->shape[2], (long long)w->shape[3]);
    if (a->width < 1 || a->width > 4096 || a->in_channels < 1 || a->in_channels > 4)
        return pp_fail(err, PP_ERR_FORMAT, "first-layer kernel has an implausible shape");
    snprintf(key, sizeof key, "%s.%s", first, a->pp2020 ? "push.bias" : "bias");
    a->conv1_bias = pp_sd_find(sd, key) != NULL;

    a->block = pp_sd_find(sd, "layer1.0.conv3.weight") ? PP_BLOCK_BOTTLENECK : PP_BLOCK_BASIC;
    a->stages = 4;
    if (effnet) {
        pp_status st = pp_effnet_infer(a, sd, err);
        if (st != PP_OK)
            return st;
    } else {
        pp_status stages = pp_arch_is_preact(a) ? preact_stages(a, sd, err) : resnet_stages(a, sd, err);
        if (stages != PP_OK)
            return stages;
    }
    const pp_sd_entry *fc = effnet ? NULL : find_shaped(sd, "classifier.weight", 2);
    if (!fc && !effnet)
        return pp_fail(err, PP_ERR_FORMAT, "no classifier.weight (2-D float) in the state dict");
    if (fc)
        a->num_classes = (int)fc->shape[0];
    if (a->num_classes < 1)
        return pp_fail(err, PP_ERR_FORMAT, "classifier has no outputs");

    pp_status blur = infer_blur(a, sd, err);
    if (blur != PP_OK)
        return blur;

    /* Push-pull settings: alpha from the tensor when trainable; the rest from
     * hyper-parameters, since shapes cannot tell them. */
    a->alpha_fixed = 1.0f;
    if (a->pp2020) {
        /* the 2020 layer: alpha [1, K, 1, 1] when trained (applied as ReLU(alpha)), else
         * fixed: the hyper-parameter of a pushpull-conv file, 1 in the official repo */
        snprintf(key, sizeof key, "%s.alpha", first);
        const pp_sd_entry *alpha = pp_sd_find(sd, key);
        if (alpha && (alpha->dtype != PP_DTYPE_F32 || pp_sd_entry_numel(alpha) != a->width))
            return pp_fail(err, PP_ERR_SHAPE, "%s has %lld values; expected %d (one per channel)", key,
                           (long long)pp_sd_entry_numel(alpha), a->width);
        a->alpha_trainable = alpha != NULL;
        const char *v = pp_sd_meta_get(sd, "pull_inhibition_strength");
        if (!alpha && v)
            a->alpha_fixed = strtof(v, NULL);
    }
    if (a->push_pull) {
        snprintf(key, sizeof key, "%s.pull_inhibition_strength", first);
        const pp_sd_entry *alpha = pp_sd_find(sd, key);
        if (alpha && alpha->dtype == PP_DTYPE_F32 && alpha->ndim == 1 && alpha->shape[0] == a->width) {
            a->alpha_trainable = true;
        } else if (alpha && pp_sd_entry_numel(alpha) == 1) {
            /* one value, a tensor or a plain number (misc/modify_ckpt.py): fixed */
            a->alpha_fixed = alpha->dtype == PP_DTYPE_F32 ? *(const float *)alpha->data
                                                          : (float)*(const int64_t *)alpha->data;
        } else if (alpha) {
            return pp_fail(err, PP_ERR_SHAPE, "%s has %lld values; expected %d or 1", key,
                           (long long)pp_sd_entry_numel(alpha), a->width);
        } else {
            const char *v = pp_sd_meta_get(sd, "pull_inhibition_strength");
            if (v)
                a->alpha_fixed = strtof(v, NULL);
            else
                note(notes, notes_len, "%s", "fixed inhibition strength not recorded; assuming alpha = 1\n");
        }
        const char *minmax = pp_sd_meta_get(sd, "pull_minmax");
        if (minmax && !pp_pull_minmax_parse(minmax, &a->pull_minmax))
            return pp_fail(err, PP_ERR_FORMAT, "metadata pull_minmax '%.32s' is not 'filter' or 'channel'", minmax);
        if (!minmax && hints && hints->pull_minmax >= 0)
            a->pull_minmax = (pp_pull_minmax)hints->pull_minmax;
        long avg;
        if (meta_int(sd, "avg_kernel_size", &avg)) {
            if (avg != 0 && avg != 3 && avg != 5)
                return pp_fail(err, PP_ERR_UNSUPPORTED, "avg_kernel_size %ld (supported: 0, 3, 5)", avg);
            a->avg_kernel = (int)avg;
        } else if (hints && hints->avg_kernel >= 0) {
            a->avg_kernel = hints->avg_kernel;
        } else {
            a->avg_kernel = 3;
            note(notes, notes_len, "%s",
                 "avg_kernel_size is not recorded in the file; assuming 3 (pass --avg-kernel to choose)\n");
        }
    }
    const char *size = pp_sd_meta_get(sd, "input_size");
    long side;
    if (size && (!meta_int(sd, "input_size", &side) || side < 1 || side > PP_INPUT_SIZE_MAX))
        return pp_fail(err, PP_ERR_FORMAT, "metadata input_size '%.32s' is not a side from 1 to %d pixels", size,
                       PP_INPUT_SIZE_MAX);
    if (size && side > PP_INPUT_SIZE_WARN)
        note(notes, notes_len, "input_size %s is large: each image costs a forward pass at that side\n", size);
    const char *ds = pp_sd_meta_get(sd, "dataset_name");
    if (ds)
        snprintf(a->dataset, sizeof a->dataset, "%s", ds);
    long classes;
    if (meta_int(sd, "num_classes", &classes) && classes != a->num_classes)
        note(notes, notes_len, "%s", "hyper-parameter num_classes disagrees with the classifier; using the classifier\n");
    bool gray;
    if (meta_bool(sd, "use_grayscale", &gray) && gray != (a->in_channels == 1))
        note(notes, notes_len, "%s", "hyper-parameter use_grayscale disagrees with conv1's input channels\n");
    return PP_OK;
}

pp_status pp_arch_to_metadata(const pp_arch *a, pp_state_dict *sd, pp_error *err)
{
    char buf[64];
    pp_status st = PP_OK;
#define SET(k, v) \
    if (st == PP_OK) \
        st = pp_sd_meta_set(sd, k, v, err)
    SET("format", "pushpull-studio/1");
    SET("arch", pp_arch_name(a));
    SET("family", pp_family_of_arch(a)->name);
    snprintf(buf, sizeof buf, "%s:%d,%d,%d,%d", a->block == PP_BLOCK_BASIC ? "basic" : "bottleneck",
             a->blocks[0], a->blocks[1], a->blocks[2], a->blocks[3]);
    SET("blocks", buf);
    SET("stem", pp_stem_name(a->stem));
    snprintf(buf, sizeof buf, "%d", a->width);
    SET("width", buf);
    snprintf(buf, sizeof buf, "%d", a->in_channels);
    SET("in_channels", buf);
    SET("use_grayscale", a->in_channels == 1 ? "true" : "false");
    snprintf(buf, sizeof buf, "%d", a->num_classes);
    SET("num_classes", buf);
    SET("use_push_pull", pp_arch_inhibits(a) ? "true" : "false");
    if (a->pp2020) {
        SET("first_layer", "pushpull2020");
        SET("trainable_pull_inhibition", a->alpha_trainable ? "true" : "false");
        snprintf(buf, sizeof buf, "%.9g", a->alpha_fixed);
        SET("pull_inhibition_strength", buf);
    }
    if (a->groups > 1) {
        snprintf(buf, sizeof buf, "%d", a->groups);
        SET("groups", buf);
    }
    if (a->push_pull) {
        snprintf(buf, sizeof buf, "%d", a->avg_kernel);
        SET("avg_kernel_size", buf);
        SET("trainable_pull_inhibition", a->alpha_trainable ? "true" : "false");
        snprintf(buf, sizeof buf, "%.9g", a->alpha_fixed);
        SET("pull_inhibition_strength", buf);
        SET("pull_minmax", pp_pull_minmax_name(a->pull_minmax));
    }
    if (strcmp(a->family, "perturb_resnet") == 0) {
        snprintf(buf, sizeof buf, "%.9g", a->pnn.level);
        SET("pnn_level", buf);
        snprintf(buf, sizeof buf, "%.9g", a->pnn.first_level);
        SET("pnn_first_level", buf);
        SET("pnn_first_act", a->pnn.first_act ? "true" : "false");
        SET("pnn_pool", a->pnn.avg_pool ? "avg" : "max");
    }
    if (a->dataset[0])
        SET("dataset_name", a->dataset);
#undef SET
    return st;
}
