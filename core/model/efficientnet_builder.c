/* The EfficientNet-b0 builder (model/efficientnet.h): both key layouts, both
 * paddings, a plain or PushPull stem. Parameter names are the reference
 * state dicts'. */
#include <stdio.h>
#include <string.h>

#include "builder.h"
#include "efficientnet.h"

typedef enum { PART_EXPAND, PART_DEPTHWISE, PART_SE, PART_PROJECT } block_part;

/* The conv (SE: reduce) and BN (SE: expand) key prefixes of a block part. */
static void part_names(char *conv, char *bn, size_t len, bool lukemelas, const char *block, block_part part,
                       bool expands)
{
    static const char *const lm_conv[] = {"_expand_conv", "_depthwise_conv", "_se_reduce", "_project_conv"};
    static const char *const lm_bn[] = {"_bn0", "_bn1", "_se_expand", "_bn2"};
    if (lukemelas) {
        snprintf(conv, len, "%s.%s", block, lm_conv[part]);
        snprintf(bn, len, "%s.%s", block, lm_bn[part]);
        return;
    }
    /* torchvision: block.0 is the expansion when there is one */
    const int index = part == PART_EXPAND ? 0 : (int)part - 1 + (expands ? 1 : 0);
    if (part == PART_SE) {
        snprintf(conv, len, "%s.%d.fc1", block, index);
        snprintf(bn, len, "%s.%d.fc2", block, index);
    } else {
        snprintf(conv, len, "%s.%d.0", block, index);
        snprintf(bn, len, "%s.%d.1", block, index);
    }
}

/* TensorFlow "same" padding for a k x k/s conv on a side of `size` (lo, hi:
 * the extra pixel goes after), as lukemelas' Conv2dStaticSamePadding. */
static void tf_same_pad(int size, int k, int s, int *lo, int *hi)
{
    const int out = (size + s - 1) / s;
    int total = (out - 1) * s + k - size;
    if (total < 0)
        total = 0;
    *lo = total / 2;
    *hi = total - *lo;
}

static pp_bn_layer *bn_layer(pp_model_builder *b, pp_bn_layer *bn, const char *prefix, int channels)
{
    pp_builder_bn(b, bn, prefix, channels);
    if (pp_effnet_is_lukemelas(&b->m->arch)) {
        bn->eps = 1e-3f;
        bn->momentum = 0.01f; /* TF's 0.99 */
    }
    return bn;
}

/* conv (1x1) -> BN (-> SiLU). */
static int pointwise(pp_model_builder *b, const char *conv_name, const char *bn_name, int cin, int cout, bool silu,
                     int v)
{
    pp_conv_layer *c = pp_builder_struct(b, sizeof *c);
    pp_bn_layer *bn = pp_builder_struct(b, sizeof *bn);
    if (!c || !bn)
        return -1;
    pp_builder_conv(b, c, conv_name, cin, cout, 1, 1, 0, false);
    v = pp_plan_conv(b->plan, conv_name, v, c, bn_layer(b, bn, bn_name, cout), -1, false, NULL);
    return silu ? pp_plan_silu(b->plan, bn_name, v, NULL) : v;
}

/* One MBConv block reading v; returns its output. *tf_size: the side the
 * static pads are computed for (lukemelas), advanced by the stride. */
static int build_block(pp_model_builder *b, const char *block, int in, const pp_effnet_stage *st, int out, int stride,
                       float drop_rate, int *tf_size, int v)
{
    const bool lm = pp_effnet_is_lukemelas(&b->m->arch), expands = st->expand != 1;
    const int exp = in * st->expand, squeeze = in / 4 > 1 ? in / 4 : 1, k = st->kernel;
    char conv[96], bn[96];
    const int x = v;
    if (expands) {
        part_names(conv, bn, sizeof conv, lm, block, PART_EXPAND, expands);
        v = pointwise(b, conv, bn, in, exp, true, v);
    }
    part_names(conv, bn, sizeof conv, lm, block, PART_DEPTHWISE, expands);
    pp_depthwise_conv *dw = pp_builder_struct(b, sizeof *dw);
    pp_bn_layer *dw_bn = pp_builder_struct(b, sizeof *dw_bn);
    if (!dw || !dw_bn)
        return -1;
    char name[112];
    snprintf(name, sizeof name, "%s.weight", conv);
    *dw = (pp_depthwise_conv){.channels = exp, .k = k, .stride = stride,
                              .weight = pp_builder_param(b, name, false, 4, exp, 1, k, k)};
    if (lm) {
        tf_same_pad(*tf_size, k, stride, &dw->pad_top, &dw->pad_bottom);
        dw->pad_left = dw->pad_top;
        dw->pad_right = dw->pad_bottom;
        *tf_size = (*tf_size + stride - 1) / stride;
    } else {
        dw->pad_top = dw->pad_left = dw->pad_bottom = dw->pad_right = (k - 1) / 2;
    }
    v = pp_plan_depthwise(b->plan, conv, v, dw, NULL);
    v = pp_plan_batchnorm(b->plan, bn, v, bn_layer(b, dw_bn, bn, exp), false, NULL);
    v = pp_plan_silu(b->plan, bn, v, NULL);

    part_names(conv, bn, sizeof conv, lm, block, PART_SE, expands);
    pp_squeeze_excite *se = pp_builder_struct(b, sizeof *se);
    if (!se)
        return -1;
    *se = (pp_squeeze_excite){.channels = exp, .squeeze = squeeze};
    snprintf(name, sizeof name, "%s.weight", conv);
    se->w1 = pp_builder_param(b, name, false, 4, squeeze, exp, 1, 1);
    snprintf(name, sizeof name, "%s.bias", conv);
    se->b1 = pp_builder_param(b, name, false, 1, squeeze, 0, 0, 0);
    snprintf(name, sizeof name, "%s.weight", bn);
    se->w2 = pp_builder_param(b, name, false, 4, exp, squeeze, 1, 1);
    snprintf(name, sizeof name, "%s.bias", bn);
    se->b2 = pp_builder_param(b, name, false, 1, exp, 0, 0, 0);
    v = pp_plan_squeeze_excite(b->plan, block, v, se, NULL);

    part_names(conv, bn, sizeof conv, lm, block, PART_PROJECT, expands);
    v = pointwise(b, conv, bn, exp, out, false, v);
    if (stride == 1 && in == out) {
        pp_drop_connect *dc = pp_builder_struct(b, sizeof *dc);
        if (!dc)
            return -1;
        dc->rate = drop_rate;
        v = pp_plan_residual_add(b->plan, block, v, x, dc, NULL);
    }
    return v;
}

/* Stem: (TF pad ->) conv or PushPull unit -> BN -> SiLU. */
static int build_stem(pp_model_builder *b, int *tf_size)
{
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    const bool lm = pp_effnet_is_lukemelas(a);
    int v = 0, pad = 1;
    if (lm && !a->push_pull) { /* the PushPull unit pads symmetrically, like torchvision */
        pp_zero_pad *zp = pp_builder_struct(b, sizeof *zp);
        if (!zp)
            return -1;
        tf_same_pad(*tf_size, 3, 2, &zp->top, &zp->bottom);
        zp->left = zp->top;
        zp->right = zp->bottom;
        v = pp_plan_zero_pad(b->plan, "_conv_stem.static_padding", v, zp, NULL);
        pad = 0;
    }
    *tf_size = (*tf_size + 1) / 2;
    const char *prefix = pp_effnet_stem_prefix(lm);
    v = pp_builder_first_layer(b, prefix, 3, 2, pad, v);
    const char *bn_name = lm ? "_bn0" : "features.0.1";
    pp_builder_bn(b, &m->bn, bn_name, a->width);
    if (lm) {
        m->bn.eps = 1e-3f;
        m->bn.momentum = 0.01f;
    }
    pp_step *s;
    v = pp_plan_batchnorm(b->plan, bn_name, v, &m->bn, false, &s);
    if (s) {
        s->first_layer = true;
        s->bn = NULL;
    }
    v = pp_plan_silu(b->plan, bn_name, v, NULL);
    pp_plan_tap(b->plan, v, PP_TAP_STEM);
    return v;
}

void pp_efficientnet_build(pp_model_builder *b)
{
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    const bool lm = pp_effnet_is_lukemelas(a);
    int tf_size = PP_EFFNET_TF_IMAGE_SIZE;
    int v = build_stem(b, &tf_size);
    int total = 0;
    for (int s = 0; s < PP_EFFNET_STAGES; s++)
        total += a->effnet_blocks[s];
    int in = a->width, index = 0;
    for (int s = 0; s < PP_EFFNET_STAGES && v >= 0; s++) {
        const int out = a->effnet_out[s];
        for (int i = 0; i < a->effnet_blocks[s] && v >= 0; i++, index++) {
            char module[24], block[48]; /* the MBConv's torch module name; its layers' key prefix */
            if (lm)
                snprintf(module, sizeof module, "_blocks.%d", index);
            else
                snprintf(module, sizeof module, "features.%d.%d", s + 1, i);
            snprintf(block, sizeof block, lm ? "%s" : "%s.block", module);
            const float rate = a->drop_connect * (float)index / (float)(total ? total : 1);
            v = build_block(b, block, in, &pp_effnet_b0[s], out, i == 0 ? pp_effnet_b0[s].stride : 1, rate, &tf_size,
                            v);
            if (v >= 0)
                pp_plan_block(b->plan, v, module); /* per-block CKA, the Compare view's maps */
            in = out;
        }
        if (s == 1 || s == 2 || s == 4)
            pp_plan_tap(b->plan, v, s == 1 ? PP_TAP_LAYER1 : s == 2 ? PP_TAP_LAYER2 : PP_TAP_LAYER3);
    }
    if (v < 0)
        return;
    v = pointwise(b, lm ? "_conv_head" : "features.8.0", lm ? "_bn1" : "features.8.1", in, a->effnet_head, true, v);
    pp_plan_tap(b->plan, v, PP_TAP_LAYER4);
    v = pp_plan_global_avgpool(b->plan, "avgpool", v, NULL);
    pp_plan_tap(b->plan, v, PP_TAP_FEATURES);
    pp_dropout *drop = pp_builder_struct(b, sizeof *drop);
    if (!drop)
        return;
    drop->rate = a->dropout;
    v = pp_plan_dropout(b->plan, lm ? "_dropout" : "classifier.0", v, drop, NULL);
    const char *fc = lm ? "_fc" : "classifier.1";
    char name[48];
    snprintf(name, sizeof name, "%s.weight", fc);
    m->fc_weight = pp_builder_param(b, name, false, 2, a->num_classes, a->effnet_head, 0, 0);
    snprintf(name, sizeof name, "%s.bias", fc);
    m->fc_bias = pp_builder_param(b, name, false, 1, a->num_classes, 0, 0, 0);
    v = pp_plan_linear(b->plan, fc, v, m->fc_weight, m->fc_bias, a->num_classes, NULL);
    pp_plan_tap(b->plan, v, PP_TAP_LOGITS);
}
