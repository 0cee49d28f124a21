/* The ResNet family (He et al. 2016, torchvision's layout; the PushPull-Net
 * variant replaces conv1 by a PushPull unit, docs/spec/pushpull.md; the 2020
 * variant by the Strisciuglio et al. layer, docs/arch-pushpull2020.md):
 *   stem:   conv1 (or the unit, or the 2020 layer) -> bn -> ReLU (-> 3x3/2 max-pool, ImageNet)
 *   stages: layer1..layer4 (layer3 last in the 2020 repo's CIFAR ResNet-20..56) of
 *           basic (3x3, 3x3) or bottleneck (1x1, 3x3, 1x1) blocks; the first block
 *           of stages 2-4 has stride 2 (in conv1 of a basic block, conv2 of a
 *           bottleneck) and a 1x1 downsample. Each stage's inner width, output
 *           channels and the bottleneck 3x3's groups come from the arch (read from
 *           the tensors' shapes: torchvision's width_per_group and ResNeXt groups)
 *   head:   global average pool -> classifier (the 2020 repo's AvgPool2d(8) on
 *           its 8x8 map is this pool at 32x32)
 * Parameter names are those of the reference state dicts. */
#include <stdio.h>

#include "builder.h"

static void build_stem(pp_model_builder *b, int *v)
{
    const pp_arch *a = &b->m->arch;
    const bool imagenet = a->stem == PP_STEM_IMAGENET;
    *v = pp_builder_first_layer(b, "conv1", imagenet ? 7 : 3, imagenet ? 2 : 1, imagenet ? 3 : 1, *v);
    *v = pp_builder_first_bn(b, *v);
    if (imagenet)
        *v = pp_plan_pool(b->plan, PP_STEP_MAXPOOL, "maxpool", *v, (pp_pool_params){.k = 3, .stride = 2, .pad = 1},
                          NULL);
    pp_plan_tap(b->plan, *v, PP_TAP_STEM);
}

/* One residual block reading value *v; *v becomes its output. */
static void build_block(pp_model_builder *b, pp_block *blk, const char *prefix, int in_planes, int planes,
                        int out_planes, int stride, int *v)
{
    const pp_arch *a = &b->m->arch;
    char name[64], bn_name[64];
#define NAMES(conv, bn) \
    (snprintf(name, sizeof name, "%s.%s", prefix, conv), snprintf(bn_name, sizeof bn_name, "%s.%s", prefix, bn))
    blk->stride = stride;
    const int x = *v;
    int t;
    pp_conv_layer *last;
    pp_bn_layer *last_bn;
    if (a->block == PP_BLOCK_BASIC) {
        NAMES("conv1", "bn1");
        pp_builder_conv(b, &blk->conv1, name, in_planes, planes, 3, stride, 1, false);
        pp_builder_bn(b, &blk->bn1, bn_name, planes);
        t = pp_plan_conv(b->plan, name, x, &blk->conv1, &blk->bn1, -1, true, NULL);
        NAMES("conv2", "bn2");
        pp_builder_conv(b, &blk->conv2, name, planes, out_planes, 3, 1, 1, false);
        pp_builder_bn(b, &blk->bn2, bn_name, out_planes);
        last = &blk->conv2;
        last_bn = &blk->bn2;
    } else {
        NAMES("conv1", "bn1");
        pp_builder_conv(b, &blk->conv1, name, in_planes, planes, 1, 1, 0, false);
        pp_builder_bn(b, &blk->bn1, bn_name, planes);
        t = pp_plan_conv(b->plan, name, x, &blk->conv1, &blk->bn1, -1, true, NULL);
        NAMES("conv2", "bn2");
        pp_builder_grouped_conv(b, &blk->conv2, name, planes, planes, 3, stride, 1, pp_arch_groups(a), false);
        pp_builder_bn(b, &blk->bn2, bn_name, planes);
        t = pp_plan_conv(b->plan, name, t, &blk->conv2, &blk->bn2, -1, true, NULL);
        NAMES("conv3", "bn3");
        pp_builder_conv(b, &blk->conv3, name, planes, out_planes, 1, 1, 0, false);
        pp_builder_bn(b, &blk->bn3, bn_name, out_planes);
        last = &blk->conv3;
        last_bn = &blk->bn3;
    }
    char last_name[64];
    snprintf(last_name, sizeof last_name, "%s", name);
    int identity = x;
    blk->has_downsample = stride != 1 || in_planes != out_planes;
    if (blk->has_downsample) {
        NAMES("downsample.0", "downsample.1");
        pp_builder_conv(b, &blk->down, name, in_planes, out_planes, 1, stride, 0, false);
        pp_builder_bn(b, &blk->down_bn, bn_name, out_planes);
        identity = pp_plan_conv(b->plan, name, x, &blk->down, &blk->down_bn, -1, false, NULL);
    }
#undef NAMES
    *v = pp_plan_conv(b->plan, last_name, t, last, last_bn, identity, true, NULL);
}

void pp_resnet_build(pp_model_builder *b)
{
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    int v = 0;
    build_stem(b, &v);
    const int stages = pp_arch_stages(a);
    if (!pp_builder_blocks(b)) /* out of memory: the build has failed */
        return;
    int in_planes = a->width, index = 0;
    for (int stage = 0; stage < stages; stage++) {
        const int planes = pp_arch_stage_mid(a, stage), out_planes = pp_arch_stage_out(a, stage);
        for (int i = 0; i < a->blocks[stage]; i++, index++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "layer%d.%d", stage + 1, i);
            build_block(b, &m->blocks[index], prefix, in_planes, planes, out_planes, (stage > 0 && i == 0) ? 2 : 1,
                        &v);
            pp_plan_block(b->plan, v, prefix);
            in_planes = out_planes;
        }
        pp_plan_tap(b->plan, v, (pp_tap)(PP_TAP_LAYER1 + stage));
    }
    pp_builder_head(b, v);
}
