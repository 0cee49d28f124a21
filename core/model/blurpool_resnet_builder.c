/* The anti-aliased ResNets (docs/arch-blurpool.md): ResNets whose
 * downsampling is a BlurPool (ops/blurpool.h). Parameter names are those of
 * the reference state dicts, after pp_sd_normalize_names (fc -> classifier,
 * the stem's bn1 -> bn).
 *
 * blurpool_resnet: Zhang, ICML 2019 (adobe/antialiased-cnns resnet.py; the
 * same network as pushpull-conv's zhang_resnet50 when the stem is blurred).
 *   stem:   conv1 7x7 (stride 2; stride 1 when blurred) -> bn -> ReLU ->
 *           pool_only: max 2x2/1 -> blur "maxpool.1"
 *           blurred:   blur "maxpool.0" -> max 2x2/1 -> blur "maxpool.2"
 *           CIFAR:     3x3/1 conv with bias, no pools
 *   stride-2 blocks: the strided conv runs at stride 1; the blur follows its
 *           BN+ReLU and precedes the next conv (basic: "conv2.0" blur,
 *           "conv2.1" conv; bottleneck: "conv3.0", "conv3.1"); the shortcut
 *           is blur "downsample.0", 1x1 conv "downsample.1", BN "downsample.2".
 *
 * vasconcelos_resnet: pushpull-conv's vasconcelos_resnet50 (Vasconcelos et
 * al., ICCV 2021): a blur right after the 3x3 conv of every block, before its
 * BN (basic: "conv1.0" conv, "conv1.1" blur; bottleneck: "conv2.0", "conv2.1"),
 * at stride 2 in the first block of layers 2-4 and stride 1 elsewhere; layer1's
 * are filter 1 at stride 1 (identities). Stem: conv1.0 7x7/1 -> blur conv1.1
 * -> bn -> ReLU -> max 2x2/1 -> blur maxpool.1 (CIFAR: as above). Shortcut:
 * 1x1 conv "downsample.0", blur "downsample.1", BN "downsample.2". */
#include <stdio.h>

#include "builder.h"

typedef enum { ZHANG, VASCONCELOS } placement;

static int max2x2(pp_model_builder *b, int v)
{
    return pp_plan_pool(b->plan, PP_STEP_MAXPOOL, "maxpool", v, (pp_pool_params){.k = 2, .stride = 1, .pad = 0}, NULL);
}

static int build_stem(pp_model_builder *b, placement where, int v)
{
    const pp_arch *a = &b->m->arch;
    const int width = a->width, f = a->blur_filter;
    if (a->stem == PP_STEM_CIFAR) {
        v = pp_builder_first_bn(b, pp_builder_first_layer(b, "conv1", 3, 1, 1, v));
    } else if (where == VASCONCELOS) {
        v = pp_builder_first_layer(b, "conv1.0", 7, 1, 3, v);
        v = pp_builder_blurpool(b, "conv1.1", width, f, 2, v);
        v = pp_builder_first_bn(b, v);
        v = pp_builder_blurpool(b, "maxpool.1", width, f, 2, max2x2(b, v));
    } else if (a->blur_stem) {
        v = pp_builder_first_bn(b, pp_builder_first_layer(b, "conv1", 7, 1, 3, v));
        v = max2x2(b, pp_builder_blurpool(b, "maxpool.0", width, f, 2, v));
        v = pp_builder_blurpool(b, "maxpool.2", width, f, 2, v);
    } else {
        v = pp_builder_first_bn(b, pp_builder_first_layer(b, "conv1", 7, 2, 3, v));
        v = pp_builder_blurpool(b, "maxpool.1", width, f, 2, max2x2(b, v));
    }
    pp_plan_tap(b->plan, v, PP_TAP_STEM);
    return v;
}

/* A conv of `groups` groups (+BN +ReLU) named "<block>.<conv>" / "<block>.<bn>". */
static int grouped_conv_bn(pp_model_builder *b, pp_conv_layer *c, pp_bn_layer *bn, const char *block,
                           const char *conv, const char *bn_name, int cin, int cout, int k, int groups, int residual,
                           bool relu, int v)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", block, conv);
    pp_builder_grouped_conv(b, c, name, cin, cout, k, 1, k / 2, groups, false);
    if (bn) {
        char bname[64];
        snprintf(bname, sizeof bname, "%s.%s", block, bn_name);
        pp_builder_bn(b, bn, bname, cout);
    }
    return pp_plan_conv(b->plan, name, v, c, bn, residual, relu, NULL);
}

static int conv_bn(pp_model_builder *b, pp_conv_layer *c, pp_bn_layer *bn, const char *block, const char *conv,
                   const char *bn_name, int cin, int cout, int k, int residual, bool relu, int v)
{
    return grouped_conv_bn(b, c, bn, block, conv, bn_name, cin, cout, k, 1, residual, relu, v);
}

static int blur(pp_model_builder *b, const char *block, const char *what, int channels, int filter, int stride, int v)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", block, what);
    return pp_builder_blurpool(b, name, channels, filter, stride, v);
}

/* A BN (+ReLU) step of its own, for vasconcelos' conv -> blur -> BN. */
static int bn_step(pp_model_builder *b, pp_bn_layer *bn, const char *block, const char *what, int channels, bool relu,
                   int v)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", block, what);
    pp_builder_bn(b, bn, name, channels);
    return pp_plan_batchnorm(b->plan, name, v, bn, relu, NULL);
}

/* The shortcut of a block that changes size or width; -1 where it is the identity. */
static int build_shortcut(pp_model_builder *b, pp_block *blk, placement where, const char *prefix, int in_planes,
                          int out_planes, int stride, int filter, int x)
{
    blk->has_downsample = stride != 1 || in_planes != out_planes;
    if (!blk->has_downsample)
        return -1;
    if (stride == 1)
        return conv_bn(b, &blk->down, &blk->down_bn, prefix, "downsample.0", "downsample.1", in_planes, out_planes, 1,
                       -1, false, x);
    if (where == ZHANG) {
        int t = blur(b, prefix, "downsample.0", in_planes, filter, stride, x);
        return conv_bn(b, &blk->down, &blk->down_bn, prefix, "downsample.1", "downsample.2", in_planes, out_planes, 1,
                       -1, false, t);
    }
    int t = conv_bn(b, &blk->down, NULL, prefix, "downsample.0", NULL, in_planes, out_planes, 1, -1, false, x);
    t = blur(b, prefix, "downsample.1", out_planes, filter, stride, t);
    return bn_step(b, &blk->down_bn, prefix, "downsample.2", out_planes, false, t);
}

/* One residual block reading value x; returns its output. `planes` is the
 * stage's inner width, `out_planes` its outputs (model/resnet_builder.c);
 * `filter` is the stage's blur size (vasconcelos' layer1: 1). */
static int build_block(pp_model_builder *b, pp_block *blk, placement where, const char *prefix, int in_planes,
                       int planes, int out_planes, int stride, int filter, int x)
{
    const pp_arch *a = &b->m->arch;
    const int groups = pp_arch_groups(a);
    blk->stride = stride;
    const int identity = build_shortcut(b, blk, where, prefix, in_planes, out_planes, stride, filter, x);
    const int residual = identity >= 0 ? identity : x;
    int t;
    if (a->block == PP_BLOCK_BASIC) {
        if (where == ZHANG) {
            t = conv_bn(b, &blk->conv1, &blk->bn1, prefix, "conv1", "bn1", in_planes, planes, 3, -1, true, x);
            if (stride != 1)
                return conv_bn(b, &blk->conv2, &blk->bn2, prefix, "conv2.1", "bn2", planes, out_planes, 3, residual,
                               true, blur(b, prefix, "conv2.0", planes, filter, stride, t));
        } else {
            t = conv_bn(b, &blk->conv1, NULL, prefix, "conv1.0", NULL, in_planes, planes, 3, -1, false, x);
            t = blur(b, prefix, "conv1.1", planes, filter, stride, t);
            t = bn_step(b, &blk->bn1, prefix, "bn1", planes, true, t);
        }
        return conv_bn(b, &blk->conv2, &blk->bn2, prefix, "conv2", "bn2", planes, out_planes, 3, residual, true, t);
    }
    t = conv_bn(b, &blk->conv1, &blk->bn1, prefix, "conv1", "bn1", in_planes, planes, 1, -1, true, x);
    if (where == ZHANG) {
        t = grouped_conv_bn(b, &blk->conv2, &blk->bn2, prefix, "conv2", "bn2", planes, planes, 3, groups, -1, true,
                            t);
        if (stride != 1)
            return conv_bn(b, &blk->conv3, &blk->bn3, prefix, "conv3.1", "bn3", planes, out_planes, 1, residual, true,
                           blur(b, prefix, "conv3.0", planes, filter, stride, t));
    } else {
        t = grouped_conv_bn(b, &blk->conv2, NULL, prefix, "conv2.0", NULL, planes, planes, 3, groups, -1, false, t);
        t = blur(b, prefix, "conv2.1", planes, filter, stride, t);
        t = bn_step(b, &blk->bn2, prefix, "bn2", planes, true, t);
    }
    return conv_bn(b, &blk->conv3, &blk->bn3, prefix, "conv3", "bn3", planes, out_planes, 1, residual, true, t);
}

static void build(pp_model_builder *b, placement where)
{
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    int v = build_stem(b, where, 0);
    const int stages = pp_arch_stages(a);
    if (!pp_builder_blocks(b)) /* out of memory: the build has failed */
        return;
    int in_planes = a->width, index = 0;
    for (int stage = 0; stage < stages; stage++) {
        const int planes = pp_arch_stage_mid(a, stage), out_planes = pp_arch_stage_out(a, stage);
        /* vasconcelos' layer1 is made without the filter size: f = 1 */
        const int filter = stage == 0 && where == VASCONCELOS ? 1 : a->blur_filter;
        for (int i = 0; i < a->blocks[stage]; i++, index++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "layer%d.%d", stage + 1, i);
            v = build_block(b, &m->blocks[index], where, prefix, in_planes, planes, out_planes,
                            (stage > 0 && i == 0) ? 2 : 1, filter, v);
            pp_plan_block(b->plan, v, prefix);
            in_planes = out_planes;
        }
        pp_plan_tap(b->plan, v, (pp_tap)(PP_TAP_LAYER1 + stage));
    }
    pp_builder_head(b, v);
}

void pp_blurpool_resnet_build(pp_model_builder *b)
{
    build(b, ZHANG);
}

void pp_vasconcelos_resnet_build(pp_model_builder *b)
{
    build(b, VASCONCELOS);
}
