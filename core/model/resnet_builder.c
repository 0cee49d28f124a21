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
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    const int k = a->stem == PP_STEM_IMAGENET ? 7 : 3;
    const int stride = a->stem == PP_STEM_IMAGENET ? 2 : 1;
    const int pad = a->stem == PP_STEM_IMAGENET ? 3 : 1;
    pp_step *s;
    if (a->push_pull) {
        pp_pushpull_unit *u = &m->pp;
        u->shape = (pp_conv_shape){.cin = a->in_channels, .cout = a->width, .kh = k, .kw = k,
                                   .stride = stride, .pad = pad};
        u->avg_kernel = a->avg_kernel;
        u->minmax = a->pull_minmax;
        u->weight = pp_builder_param(b, "conv1.push_conv.weight", false, 4, a->width, a->in_channels, k, k);
        u->alpha = a->alpha_trainable ? pp_builder_param(b, "conv1.pull_inhibition_strength", false, 1, a->width, 0, 0, 0)
                                      : pp_builder_derived(b, (size_t)a->width);
        u->bias = a->conv1_bias ? pp_builder_param(b, "conv1.bias", false, 1, a->width, 0, 0, 0) : NULL;
        u->stacked = pp_builder_derived(b, (size_t)2 * a->width * a->in_channels * k * k);
        *v = pp_plan_pushpull(b->plan, "conv1", *v, u, &s);
        if (s) {
            s->first_layer = true;
            s->unit = NULL;
            s->taps = 1u << PP_TAP_CONV1 | 1u << PP_TAP_PUSH | 1u << PP_TAP_PULL | 1u << PP_TAP_KERNELS;
        }
    } else if (a->pp2020) {
        pp_pushpull2020_layer *l = &m->pp2020;
        pp_pushpull2020_shapes(l, a->in_channels, a->width, k, stride, pad, PP_PUSHPULL2020_SCALE);
        l->weight = pp_builder_param(b, "conv1.push.weight", false, 4, a->width, a->in_channels, k, k);
        l->bias = a->conv1_bias ? pp_builder_param(b, "conv1.push.bias", false, 1, a->width, 0, 0, 0) : NULL;
        l->alpha = a->alpha_trainable ? pp_builder_param(b, "conv1.alpha", false, 4, 1, a->width, 1, 1) : NULL;
        l->alpha_fixed = a->alpha_fixed;
        l->pull_weight = pp_builder_derived(b, (size_t)a->width * a->in_channels * l->pull.kh * l->pull.kw);
        *v = pp_plan_pushpull2020(b->plan, "conv1", *v, l, &s);
        if (s) {
            s->first_layer = true;
            s->layer = NULL;
            s->taps = 1u << PP_TAP_CONV1 | 1u << PP_TAP_PUSH | 1u << PP_TAP_PULL | 1u << PP_TAP_KERNELS;
        }
    } else {
        pp_builder_conv(b, &m->conv1, "conv1", a->in_channels, a->width, k, stride, pad, a->conv1_bias);
        *v = pp_plan_conv(b->plan, "conv1", *v, &m->conv1, NULL, -1, false, &s);
        if (s) {
            s->first_layer = true;
            s->conv = NULL;
            s->taps = 1u << PP_TAP_CONV1 | 1u << PP_TAP_KERNELS;
        }
    }
    pp_builder_bn(b, &m->bn, "bn", a->width);
    *v = pp_plan_batchnorm(b->plan, "bn", *v, &m->bn, true, &s);
    if (s) {
        s->first_layer = true;
        s->bn = NULL;
    }
    if (a->stem == PP_STEM_IMAGENET)
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
    m->block_count = 0;
    for (int stage = 0; stage < stages; stage++)
        m->block_count += a->blocks[stage];
    m->blocks = pp_builder_struct(b, (size_t)m->block_count * sizeof *m->blocks);
    int in_planes = a->width, index = 0;
    for (int stage = 0; stage < stages; stage++) {
        const int planes = pp_arch_stage_mid(a, stage), out_planes = pp_arch_stage_out(a, stage);
        for (int i = 0; i < a->blocks[stage]; i++, index++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "layer%d.%d", stage + 1, i);
            build_block(b, &m->blocks[index], prefix, in_planes, planes, out_planes, (stage > 0 && i == 0) ? 2 : 1,
                        &v);
            in_planes = out_planes;
        }
        pp_plan_tap(b->plan, v, (pp_tap)(PP_TAP_LAYER1 + stage));
    }
    v = pp_plan_global_avgpool(b->plan, "avgpool", v, NULL);
    pp_plan_tap(b->plan, v, PP_TAP_FEATURES);
    const int features = pp_arch_feature_dim(a);
    m->fc_weight = pp_builder_param(b, "classifier.weight", false, 2, a->num_classes, features, 0, 0);
    m->fc_bias = pp_builder_param(b, "classifier.bias", false, 1, a->num_classes, 0, 0, 0);
    v = pp_plan_linear(b->plan, "classifier", v, m->fc_weight, m->fc_bias, a->num_classes, NULL);
    pp_plan_tap(b->plan, v, PP_TAP_LOGITS);
}
