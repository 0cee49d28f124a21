/* EfficientNet-b0's stage table and what its state dicts say about a net
 * (model/efficientnet.h). */
#include <stdio.h>
#include <string.h>

#include "efficientnet.h"
#include "../tensor.h"

const pp_effnet_stage pp_effnet_b0[PP_EFFNET_STAGES] = {
    {1, 3, 1, 16, 1}, {6, 3, 2, 24, 2}, {6, 5, 2, 40, 2}, {6, 3, 2, 80, 3},
    {6, 5, 1, 112, 3}, {6, 5, 2, 192, 4}, {6, 3, 1, 320, 1},
};

bool pp_effnet_is_lukemelas(const pp_arch *a)
{
    return strcmp(a->family, "efficientnet_lukemelas") == 0;
}

const char *pp_effnet_stem_prefix(bool lukemelas)
{
    return lukemelas ? "_conv_stem" : "features.0.0";
}

void pp_effnet_b0_arch(pp_arch *a, bool lukemelas)
{
    snprintf(a->family, sizeof a->family, "%s", lukemelas ? "efficientnet_lukemelas" : "efficientnet");
    a->width = 32;
    for (int s = 0; s < PP_EFFNET_STAGES; s++) {
        a->effnet_blocks[s] = pp_effnet_b0[s].blocks;
        a->effnet_out[s] = pp_effnet_b0[s].out;
    }
    a->effnet_head = 1280;
    a->drop_connect = 0.2f;
    a->dropout = 0.2f;
}

/* torchvision's _make_divisible, lukemelas' round_filters (divisor 8) */
static int round_channels(double channels)
{
    int rounded = (int)(channels + 4) / 8 * 8;
    if (rounded < 8)
        rounded = 8;
    if (rounded < 0.9 * channels)
        rounded += 8;
    return rounded;
}

void pp_effnet_set_width(pp_arch *a, int stem)
{
    const double mult = stem / 32.0;
    a->width = round_channels(32 * mult);
    for (int s = 0; s < PP_EFFNET_STAGES; s++)
        a->effnet_out[s] = round_channels(pp_effnet_b0[s].out * mult);
    a->effnet_head = pp_effnet_is_lukemelas(a) ? round_channels(1280 * mult) : 4 * a->effnet_out[6];
}

static const pp_sd_entry *find4(const pp_state_dict *sd, const char *name)
{
    const pp_sd_entry *e = pp_sd_find(sd, name);
    return e && e->ndim == 4 && e->dtype == PP_DTYPE_F32 ? e : NULL;
}

static pp_status bad_shape(pp_error *err, const char *key, const pp_sd_entry *e, const char *want)
{
    char shape[96] = "missing or not a 4-D float tensor";
    if (e)
        pp_shape_string(e->ndim, e->shape, shape, sizeof shape);
    return pp_fail(err, PP_ERR_SHAPE, "EfficientNet: %s is %s; expected %s", key, shape, want);
}

/* One block's depthwise kernel, input and output channels from its keys;
 * false when the block does not exist. The expansion must be b0's. */
static pp_status read_block(const pp_state_dict *sd, bool lm, int stage, int i, int index, int *kernel, int *in,
                            int *out, bool *found, pp_error *err)
{
    char block[48], key[96];
    if (lm)
        snprintf(block, sizeof block, "_blocks.%d", index);
    else
        snprintf(block, sizeof block, "features.%d.%d.block", stage + 1, i);
    /* the expansion, if any, comes first: torchvision's block.0 is then a 1x1 conv */
    snprintf(key, sizeof key, lm ? "%s._expand_conv.weight" : "%s.0.0.weight", block);
    const pp_sd_entry *first = find4(sd, key);
    bool expands = first && !(first->shape[1] == 1 && first->shape[2] > 1);
    if (lm)
        snprintf(key, sizeof key, "%s._depthwise_conv.weight", block);
    else
        snprintf(key, sizeof key, "%s.%d.0.weight", block, expands ? 1 : 0);
    const pp_sd_entry *dw = find4(sd, key);
    *found = dw != NULL || first != NULL;
    if (!*found)
        return PP_OK;
    if (!dw || dw->shape[1] != 1 || dw->shape[2] != dw->shape[3] || dw->shape[0] < 1 || dw->shape[0] > 65536)
        return bad_shape(err, key, dw, "(channels, 1, k, k): a depthwise kernel");
    *kernel = (int)dw->shape[2];
    const int exp = (int)dw->shape[0];
    *in = expands ? (int)first->shape[1] : exp;
    const int want = pp_effnet_b0[stage].expand;
    if (expands && first->shape[0] == exp && first->shape[2] == 1 && *in >= 1 && exp != *in * want)
        return pp_fail(err, PP_ERR_SHAPE,
                       "EfficientNet: block %s expands %d to %d channels (ratio %.3g); EfficientNet-b0's stage %d "
                       "expands by %d",
                       block, *in, exp, (double)exp / *in, stage + 1, want);
    if (expands && (first->shape[0] != exp || first->shape[2] != 1 || *in < 1)) {
        snprintf(key, sizeof key, lm ? "%s._expand_conv.weight" : "%s.0.0.weight", block);
        return bad_shape(err, key, first, "(expanded channels, in, 1, 1) with the depthwise conv's channels");
    }
    if (exp != *in * want)
        return pp_fail(err, PP_ERR_SHAPE, "EfficientNet: block %s does not expand its %d channels; EfficientNet-b0's "
                       "stage %d expands by %d", block, *in, stage + 1, want);
    snprintf(key, sizeof key, lm ? "%s._project_conv.weight" : "%s.%d.0.weight", block, expands ? 3 : 2);
    const pp_sd_entry *proj = find4(sd, key);
    if (!proj || proj->shape[1] != exp || proj->shape[2] != 1 || proj->shape[0] < 1 || proj->shape[0] > 65536)
        return bad_shape(err, key, proj, "(out, expanded channels, 1, 1): the projection");
    *out = (int)proj->shape[0];
    if (*kernel != pp_effnet_b0[stage].kernel)
        return pp_fail(err, PP_ERR_SHAPE, "EfficientNet: block %s has a %dx%d depthwise kernel; EfficientNet-b0's "
                       "stage %d has %dx%d", block, *kernel, *kernel, stage + 1, pp_effnet_b0[stage].kernel,
                       pp_effnet_b0[stage].kernel);
    return PP_OK;
}

pp_status pp_effnet_infer(pp_arch *a, const pp_state_dict *sd, pp_error *err)
{
    const bool lm = pp_effnet_is_lukemelas(a);
    int in = a->width, index = 0;
    pp_status st = PP_OK;
    for (int s = 0; s < PP_EFFNET_STAGES; s++) {
        int blocks = 0;
        for (int i = 0; i < 64; i++) {
            int kernel = 0, bin = 0, bout = 0;
            bool found;
            pp_error probe = {0}; /* a lukemelas block that starts the next stage is no error */
            st = read_block(sd, lm, s, i, index, &kernel, &bin, &bout, &found, lm && i > 0 ? &probe : err);
            /* lukemelas numbers blocks across stages: a stage ends where the
             * next block's kernel, expansion or input (!= its output) says a
             * new stage starts */
            if (lm && i > 0 && (st != PP_OK || !found || bin != bout || kernel != pp_effnet_b0[s].kernel)) {
                st = PP_OK;
                break;
            }
            if (st != PP_OK)
                return st;
            if (!found)
                break;
            if (bin != in)
                return pp_fail(err, PP_ERR_SHAPE, "EfficientNet: stage %d block %d takes %d channels; the layer "
                               "before gives %d", s + 1, i, bin, in);
            if (i > 0 && bout != a->effnet_out[s])
                return pp_fail(err, PP_ERR_SHAPE, "EfficientNet: stage %d block %d gives %d channels, block 0 %d",
                               s + 1, i, bout, a->effnet_out[s]);
            a->effnet_out[s] = bout;
            in = bout;
            blocks++;
            index++;
        }
        if (blocks == 0)
            return pp_fail(err, PP_ERR_FORMAT, "EfficientNet: no blocks for stage %d (block %d%s)", s + 1,
                           lm ? index : 0, lm ? " of _blocks" : "");
        a->effnet_blocks[s] = blocks;
    }
    char key[48];
    if (lm) {
        snprintf(key, sizeof key, "_blocks.%d._depthwise_conv.weight", index);
        if (pp_sd_find(sd, key))
            return pp_fail(err, PP_ERR_SHAPE, "EfficientNet: %s is a block after the seven stages of b0", key);
    }
    snprintf(key, sizeof key, "%s", lm ? "_conv_head.weight" : "features.8.0.weight");
    const pp_sd_entry *head = find4(sd, key);
    if (!head || head->shape[1] != in || head->shape[2] != 1 || head->shape[0] < 1 || head->shape[0] > 65536) {
        char want[64];
        snprintf(want, sizeof want, "(features, %d, 1, 1): the head conv", in);
        return bad_shape(err, key, head, want);
    }
    a->effnet_head = (int)head->shape[0];
    snprintf(key, sizeof key, "%s", lm ? "_fc.weight" : "classifier.1.weight");
    const pp_sd_entry *fc = pp_sd_find(sd, key);
    if (!fc || fc->ndim != 2 || fc->dtype != PP_DTYPE_F32 || fc->shape[1] != a->effnet_head || fc->shape[0] < 1)
        return pp_fail(err, PP_ERR_SHAPE, "EfficientNet: %s must be (classes, %d) floats", key, a->effnet_head);
    a->num_classes = (int)fc->shape[0];
    a->drop_connect = 0.2f;
    a->dropout = 0.2f;
    return PP_OK;
}
