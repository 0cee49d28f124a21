/* The pre-activation networks (docs/spec/architectures-wrn-preact.md): the
 * WideResNet of AugMix's CIFAR code and RobustBench's model zoo (Zagoruyko and
 * Komodakis 2016, as in xternalz/WideResNet-pytorch) and RobustBench's
 * PreActResNet-18 (He et al. 2016, "Identity mappings"). Both run
 *   stem:   conv1, 3x3/1, no BN (a plain conv or a PushPull unit)
 *   blocks: a = ReLU(bn1(x)); y = conv2(ReLU(bn2(conv1(a)))) + shortcut
 *   head:   (ReLU(bn(.)) when the net has it) -> global average pool -> classifier
 * They differ in the shortcut of a block that changes shape: the WideResNet's
 * 1x1 conv reads the pre-activated a and its identity the raw x (identity iff
 * in == out); the PreActResNet's 1x1 conv reads the raw x (identity iff stride
 * 1 and in == out). Both nets' 1x1 shortcut has no BN. Names are the reference
 * state dicts' after pp_sd_normalize_names (top-level bn1 -> bn, fc/linear ->
 * classifier). */
#include <stdio.h>
#include <string.h>

#include "builder.h"

typedef struct {
    const char *shortcut;  /* its 1x1 conv's name */
    bool wrn;
} preact_names;

static void block_prefix(char *out, size_t len, const preact_names *nm, int stage, int i)
{
    if (nm->wrn)
        snprintf(out, len, "block%d.layer.%d", stage + 1, i);
    else
        snprintf(out, len, "layer%d.%d", stage + 1, i);
}

/* One pre-activation block reading value *v; *v becomes its output. */
static void build_block(pp_model_builder *b, pp_block *blk, const preact_names *nm, const char *prefix,
                        int in_planes, int planes, int stride, int *v)
{
    char name[96];
    const int x = *v;
    blk->stride = stride;
    snprintf(name, sizeof name, "%s.bn1", prefix);
    pp_builder_bn(b, &blk->bn1, name, in_planes);
    const int act = pp_plan_batchnorm(b->plan, name, x, &blk->bn1, true, NULL);

    blk->has_downsample = nm->wrn ? in_planes != planes : stride != 1 || in_planes != planes;
    int shortcut = x;
    if (blk->has_downsample) {
        snprintf(name, sizeof name, "%s.%s", prefix, nm->shortcut);
        pp_builder_conv(b, &blk->down, name, in_planes, planes, 1, stride, 0, false);
        shortcut = pp_plan_conv(b->plan, name, nm->wrn ? act : x, &blk->down, NULL, -1, false, NULL);
    }
    snprintf(name, sizeof name, "%s.conv1", prefix);
    pp_builder_conv(b, &blk->conv1, name, in_planes, planes, 3, stride, 1, false);
    snprintf(name, sizeof name, "%s.bn2", prefix);
    pp_builder_bn(b, &blk->bn2, name, planes);
    snprintf(name, sizeof name, "%s.conv1", prefix);
    const int t = pp_plan_conv(b->plan, name, act, &blk->conv1, &blk->bn2, -1, true, NULL);
    snprintf(name, sizeof name, "%s.conv2", prefix);
    pp_builder_conv(b, &blk->conv2, name, planes, planes, 3, 1, 1, false);
    *v = pp_plan_conv(b->plan, name, t, &blk->conv2, NULL, shortcut, false, NULL);
}

void pp_preact_build(pp_model_builder *b)
{
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    const preact_names nm = {
        .wrn = strcmp(a->family, "wide_resnet") == 0,
        .shortcut = strcmp(a->family, "wide_resnet") != 0 ? "shortcut.0"
                    : a->wrn_snake_case                   ? "conv_shortcut"
                                                          : "convShortcut",
    };
    int v = pp_builder_first_layer(b, "conv1", 3, 1, 1, 0);
    pp_plan_tap(b->plan, v, PP_TAP_STEM);
    const int stages = pp_arch_stages(a);
    if (!pp_builder_blocks(b)) /* out of memory: the build has failed */
        return;
    int in_planes = a->width, index = 0;
    for (int s = 0; s < stages; s++) {
        const int planes = pp_arch_stage_out(a, s);
        for (int i = 0; i < a->blocks[s]; i++, index++) {
            char prefix[48];
            block_prefix(prefix, sizeof prefix, &nm, s, i);
            build_block(b, &m->blocks[index], &nm, prefix, in_planes, planes, (s > 0 && i == 0) ? 2 : 1, &v);
            pp_plan_block(b->plan, v, prefix); /* torch's module name: per-block CKA, the Compare view's maps */
            in_planes = planes;
        }
        pp_plan_tap(b->plan, v, (pp_tap)(PP_TAP_LAYER1 + s));
    }
    if (a->final_bn) {
        pp_bn_layer *bn = pp_builder_struct(b, sizeof *bn);
        if (!bn)
            return;
        pp_builder_bn(b, bn, "bn", in_planes);
        v = pp_plan_batchnorm(b->plan, "bn", v, bn, true, NULL);
    }
    pp_builder_head(b, v);
}
