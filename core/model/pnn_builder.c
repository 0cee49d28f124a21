/* Perturbative Neural Networks (Juefei-Xu, Boddeti, Savvides, CVPR 2018) as
 * michaelklachko/pnn.pytorch (08865db) builds perturb_resnet18
 * (docs/spec/architectures.md "Perturbative Neural Networks"):
 *   pre_layers.0: a PerturbLayer 3 -> nfilters (or, first_filter_size 3, a 3x3
 *                 conv + BN + ReLU), at level * scale_noise, ReLU after the
 *                 noise only with use_act
 *   layer1..4:    two PerturbBasicBlocks each, nfilters * {1, 2, 4, 8}, stride 2
 *                 on the first block of layers 2-4:
 *                 y = ReLU(L2(pool(L1(x))) + shortcut(x)), L = PerturbLayer with
 *                 ReLU after the noise, pool = MaxPool2d / AvgPool2d(stride,
 *                 stride), shortcut = 1x1 conv (no bias) + BN when the shape
 *                 changes, else x
 *   head:         the 4x4 map averaged, `linear` (read as `classifier`).
 * A PerturbLayer (filter_size 0): noise masks (ops/noise_masks.h), then
 * ReLU(BN(conv1x1(.))) with the 1x1 grouped by input channel when m > 1, then
 * (mix_maps) ReLU(BN(conv1x1_mix(.))). The branch ends rectified, so the
 * block's sum is an ADD step of its own. */
#include <stdio.h>

#include "builder.h"

typedef struct {
    int cin, cout, size; /* size: the masks' side, = the layer's input side */
    float level;
    bool act;            /* ReLU after the noise */
    int filter;          /* 0: perturbation; 3: a 3x3 conv (the first layer only) */
} perturb_params;

/* "<prefix>.noise", "<prefix>.layers.{0,1}", "<prefix>.mix_layers.{0,1}".
 * *first (when not NULL) receives what the app shows as the first layer's
 * kernels: the 3x3 conv, or the noise masks as (Cn * m) kernels of S x S. */
static int perturb_layer(pp_model_builder *b, const char *prefix, const perturb_params *pl, int v,
                         pp_conv_layer *first)
{
    const pp_arch *a = &b->m->arch;
    char name[96];
    pp_conv_layer *conv = pp_builder_struct(b, sizeof *conv);
    pp_bn_layer *bn = pp_builder_struct(b, sizeof *bn);
    if (!conv || !bn)
        return -1;
    if (pl->filter == 3) {
        snprintf(name, sizeof name, "%s.layers.0", prefix);
        pp_builder_conv(b, conv, name, pl->cin, pl->cout, 3, 1, 1, false);
        if (first)
            *first = *conv;
    } else {
        pp_noise_masks *nm = pp_builder_struct(b, sizeof *nm);
        if (!nm)
            return -1;
        const int m = a->pnn.masks, cn = a->pnn.unique ? pl->cin : 1;
        const int64_t shape[5] = {1, cn, m, pl->size, pl->size};
        snprintf(name, sizeof name, "%s.noise", prefix);
        /* fixed masks: saved, never trained (pnn.pytorch's train_masks False) */
        float *noise = pp_builder_param_shaped(b, name, true, 5, shape);
        if (first) /* never run as a convolution: no step reads it */
            *first = (pp_conv_layer){.shape = {.cin = 1, .cout = cn * m, .kh = pl->size, .kw = pl->size, .stride = 1,
                                               .groups = 1},
                                     .weight = noise};
        *nm = (pp_noise_masks){.channels = pl->cin, .masks = m, .mask_channels = cn, .size = pl->size,
                               .level = pl->level, .relu = pl->act, .noise = noise};
        v = pp_plan_noise_masks(b->plan, name, v, nm, NULL);
        snprintf(name, sizeof name, "%s.layers.0", prefix);
        pp_builder_grouped_conv(b, conv, name, pl->cin * m, pl->cout, 1, 1, 0, m > 1 ? pl->cin : 1, true);
    }
    snprintf(name, sizeof name, "%s.layers.1", prefix);
    pp_builder_bn(b, bn, name, pl->cout);
    snprintf(name, sizeof name, "%s.layers.0", prefix);
    v = pp_plan_conv(b->plan, name, v, conv, bn, -1, true, NULL);
    if (a->pnn.mix_maps && pl->filter == 0) {
        pp_conv_layer *mix = pp_builder_struct(b, sizeof *mix);
        pp_bn_layer *mix_bn = pp_builder_struct(b, sizeof *mix_bn);
        if (!mix || !mix_bn)
            return -1;
        snprintf(name, sizeof name, "%s.mix_layers.0", prefix);
        pp_builder_conv(b, mix, name, pl->cout, pl->cout, 1, 1, 0, true);
        snprintf(name, sizeof name, "%s.mix_layers.1", prefix);
        pp_builder_bn(b, mix_bn, name, pl->cout);
        snprintf(name, sizeof name, "%s.mix_layers.0", prefix);
        v = pp_plan_conv(b->plan, name, v, mix, mix_bn, -1, true, NULL);
    }
    return v;
}

static void perturb_block(pp_model_builder *b, pp_block *blk, const char *prefix, int cin, int cout, int stride,
                          int size, int *v)
{
    const pp_arch *a = &b->m->arch;
    char name[96];
    const int x = *v;
    blk->stride = stride;
    snprintf(name, sizeof name, "%s.layers.0", prefix);
    perturb_params pl = {.cin = cin, .cout = cout, .size = size, .level = a->pnn.level, .act = true};
    int t = perturb_layer(b, name, &pl, x, NULL);
    if (stride != 1) {
        snprintf(name, sizeof name, "%s.layers.1", prefix);
        t = pp_plan_pool(b->plan, a->pnn.avg_pool ? PP_STEP_AVGPOOL : PP_STEP_MAXPOOL, name, t,
                         (pp_pool_params){.k = stride, .stride = stride, .count_include_pad = true}, NULL);
    }
    snprintf(name, sizeof name, "%s.layers.2", prefix);
    pl = (perturb_params){.cin = cout, .cout = cout, .size = size / stride, .level = a->pnn.level, .act = true};
    t = perturb_layer(b, name, &pl, t, NULL);
    int shortcut = x;
    blk->has_downsample = stride != 1 || cin != cout;
    if (blk->has_downsample) {
        char bn_name[96];
        snprintf(name, sizeof name, "%s.shortcut.0", prefix);
        snprintf(bn_name, sizeof bn_name, "%s.shortcut.1", prefix);
        pp_builder_conv(b, &blk->down, name, cin, cout, 1, stride, 0, false);
        pp_builder_bn(b, &blk->down_bn, bn_name, cout);
        shortcut = pp_plan_conv(b->plan, name, x, &blk->down, &blk->down_bn, -1, false, NULL);
    }
    *v = pp_plan_add_values(b->plan, prefix, t, shortcut, cout, true, NULL);
}

void pp_pnn_build(pp_model_builder *b)
{
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    const int s = a->pnn.size;
    perturb_params first = {.cin = a->in_channels, .cout = a->width, .size = s, .level = a->pnn.first_level,
                            .act = a->pnn.first_act, .filter = a->pnn.first_filter};
    int v = perturb_layer(b, "pre_layers.0", &first, 0, &m->conv1);
    /* the first layer's output is also the "conv1" tap the probe's SNR reads (it has no raw
     * convolution output before a BN step of its own) */
    pp_plan_tap(b->plan, v, PP_TAP_CONV1);
    pp_plan_tap(b->plan, v, PP_TAP_STEM);
    m->block_count = 8;
    m->blocks = pp_builder_struct(b, (size_t)m->block_count * sizeof *m->blocks);
    if (!m->blocks)
        return;
    /* mask sides: the stage's input side for the first block's first layer, then halved by its stride */
    int cin = a->width, side = s, index = 0;
    for (int stage = 0; stage < 4; stage++) {
        const int cout = a->width << stage, stride = stage ? 2 : 1;
        for (int i = 0; i < 2; i++, index++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "layer%d.%d", stage + 1, i);
            perturb_block(b, &m->blocks[index], prefix, cin, cout, i ? 1 : stride, side, &v);
            pp_plan_block(b->plan, v, prefix);
            if (i == 0)
                side /= stride;
            cin = cout;
        }
        pp_plan_tap(b->plan, v, (pp_tap)(PP_TAP_LAYER1 + stage));
    }
    pp_builder_head(b, v);
}
