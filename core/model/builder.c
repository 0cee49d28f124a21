#include "builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ops/blurpool.h"
#include "../ops/winograd.h"
#include "../tensor.h"

float *pp_builder_derived(pp_model_builder *b, size_t floats)
{
    /* Keep every view 64-byte aligned so BLAS and SIMD loops see aligned rows. */
    size_t start = (b->cursor + 15) & ~(size_t)15;
    b->cursor = start + floats;
    return b->assign ? b->m->arena + start : NULL;
}

float *pp_builder_param(pp_model_builder *b, const char *name, bool buffer, int ndim, int64_t s0, int64_t s1,
                        int64_t s2, int64_t s3)
{
    const int64_t shape[4] = {s0, s1, s2, s3};
    return pp_builder_param_shaped(b, name, buffer, ndim, shape);
}

float *pp_builder_param_shaped(pp_model_builder *b, const char *name, bool buffer, int ndim, const int64_t *shape)
{
    size_t floats = (size_t)pp_shape_numel(ndim, shape);
    float *data = pp_builder_derived(b, floats);
    if (b->assign) {
        pp_param *p = &b->m->params[b->count];
        snprintf(p->name, sizeof p->name, "%s", name);
        p->ndim = ndim;
        memset(p->shape, 0, sizeof p->shape);
        memcpy(p->shape, shape, (size_t)ndim * sizeof *shape);
        p->data = data;
        p->buffer = buffer;
    }
    b->count++;
    return data;
}

void *pp_builder_struct(pp_model_builder *b, size_t bytes)
{
    size_t rounded = (bytes + 15) & ~(size_t)15;
    if (b->assign) {
        char *base = (char *)b->m->layer_memory;
        void *p = base + b->struct_bytes;
        b->struct_bytes += rounded;
        return p;
    }
    b->struct_bytes += rounded;
    if (b->scratch_count == b->scratch_cap) {
        int cap = b->scratch_cap ? 2 * b->scratch_cap : 64;
        void **bigger = realloc(b->scratch, (size_t)cap * sizeof *bigger);
        if (!bigger) {
            b->failed = true;
            return NULL;
        }
        b->scratch = bigger;
        b->scratch_cap = cap;
    }
    void *p = calloc(1, rounded ? rounded : 1);
    if (!p) {
        b->failed = true;
        return NULL;
    }
    b->scratch[b->scratch_count++] = p;
    return p;
}

bool pp_builder_blocks(pp_model_builder *b)
{
    pp_model *m = b->m;
    const int stages = pp_arch_stages(&m->arch);
    m->block_count = 0;
    for (int stage = 0; stage < stages; stage++)
        m->block_count += m->arch.blocks[stage];
    m->blocks = pp_builder_struct(b, (size_t)m->block_count * sizeof *m->blocks);
    return m->blocks || !m->block_count;
}

void pp_builder_conv(pp_model_builder *b, pp_conv_layer *c, const char *prefix, int cin, int cout, int k,
                     int stride, int pad, bool bias)
{
    pp_builder_grouped_conv(b, c, prefix, cin, cout, k, stride, pad, 1, bias);
}

void pp_builder_grouped_conv(pp_model_builder *b, pp_conv_layer *c, const char *prefix, int cin, int cout, int k,
                             int stride, int pad, int groups, bool bias)
{
    char name[96];
    c->shape = (pp_conv_shape){.cin = cin, .cout = cout, .kh = k, .kw = k, .stride = stride, .pad = pad,
                               .groups = groups};
    snprintf(name, sizeof name, "%s.weight", prefix);
    c->weight = pp_builder_param(b, name, false, 4, cout, cin / pp_conv_groups(&c->shape), k, k);
    c->bias = NULL;
    if (bias) {
        snprintf(name, sizeof name, "%s.bias", prefix);
        c->bias = pp_builder_param(b, name, false, 1, cout, 0, 0, 0);
    }
    /* Winograd kernels cost 4x the weights; the widest layers (few tiles
     * anyway) keep the plain kernels only. */
    c->winograd = NULL;
    if (pp_winograd_supports(&c->shape) && (long)cin * cout <= 256L * 256L)
        c->winograd = pp_builder_derived(b, pp_winograd_weight_floats(&c->shape));
}

void pp_builder_bn(pp_model_builder *b, pp_bn_layer *bn, const char *prefix, int channels)
{
    char name[96];
    bn->channels = channels;
    snprintf(name, sizeof name, "%s.weight", prefix);
    bn->gamma = pp_builder_param(b, name, false, 1, channels, 0, 0, 0);
    snprintf(name, sizeof name, "%s.bias", prefix);
    bn->beta = pp_builder_param(b, name, false, 1, channels, 0, 0, 0);
    snprintf(name, sizeof name, "%s.running_mean", prefix);
    bn->mean = pp_builder_param(b, name, true, 1, channels, 0, 0, 0);
    snprintf(name, sizeof name, "%s.running_var", prefix);
    bn->var = pp_builder_param(b, name, true, 1, channels, 0, 0, 0);
    bn->scale = pp_builder_derived(b, (size_t)channels);
    bn->shift = pp_builder_derived(b, (size_t)channels);
}

int pp_builder_first_layer(pp_model_builder *b, const char *prefix, int k, int stride, int pad, int v)
{
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    char name[96];
    pp_step *s;
    if (a->push_pull) {
        pp_pushpull_unit *u = &m->pp;
        u->shape = (pp_conv_shape){.cin = a->in_channels, .cout = a->width, .kh = k, .kw = k,
                                   .stride = stride, .pad = pad};
        u->avg_kernel = a->avg_kernel;
        u->minmax = a->pull_minmax;
        snprintf(name, sizeof name, "%s.push_conv.weight", prefix);
        u->weight = pp_builder_param(b, name, false, 4, a->width, a->in_channels, k, k);
        snprintf(name, sizeof name, "%s.pull_inhibition_strength", prefix);
        u->alpha = a->alpha_trainable ? pp_builder_param(b, name, false, 1, a->width, 0, 0, 0)
                                      : pp_builder_derived(b, (size_t)a->width);
        snprintf(name, sizeof name, "%s.bias", prefix);
        u->bias = a->conv1_bias ? pp_builder_param(b, name, false, 1, a->width, 0, 0, 0) : NULL;
        u->stacked = pp_builder_derived(b, (size_t)2 * a->width * a->in_channels * k * k);
        v = pp_plan_pushpull(b->plan, prefix, v, u, &s);
        if (s) {
            s->first_layer = true;
            s->unit = NULL;
            s->taps = 1u << PP_TAP_CONV1 | 1u << PP_TAP_PUSH | 1u << PP_TAP_PULL | 1u << PP_TAP_KERNELS;
        }
    } else if (a->pp2020) {
        pp_pushpull2020_layer *l = &m->pp2020;
        pp_pushpull2020_shapes(l, a->in_channels, a->width, k, stride, pad, PP_PUSHPULL2020_SCALE);
        snprintf(name, sizeof name, "%s.push.weight", prefix);
        l->weight = pp_builder_param(b, name, false, 4, a->width, a->in_channels, k, k);
        snprintf(name, sizeof name, "%s.push.bias", prefix);
        l->bias = a->conv1_bias ? pp_builder_param(b, name, false, 1, a->width, 0, 0, 0) : NULL;
        snprintf(name, sizeof name, "%s.alpha", prefix);
        l->alpha = a->alpha_trainable ? pp_builder_param(b, name, false, 4, 1, a->width, 1, 1) : NULL;
        l->alpha_fixed = a->alpha_fixed;
        l->pull_weight = pp_builder_derived(b, (size_t)a->width * a->in_channels * l->pull.kh * l->pull.kw);
        v = pp_plan_pushpull2020(b->plan, prefix, v, l, &s);
        if (s) {
            s->first_layer = true;
            s->layer = NULL;
            s->taps = 1u << PP_TAP_CONV1 | 1u << PP_TAP_PUSH | 1u << PP_TAP_PULL | 1u << PP_TAP_KERNELS;
        }
    } else {
        pp_builder_conv(b, &m->conv1, prefix, a->in_channels, a->width, k, stride, pad, a->conv1_bias);
        v = pp_plan_conv(b->plan, prefix, v, &m->conv1, NULL, -1, false, &s);
        if (s) {
            s->first_layer = true;
            s->conv = NULL;
            s->taps = 1u << PP_TAP_CONV1 | 1u << PP_TAP_KERNELS;
        }
    }
    return v;
}

int pp_builder_first_bn(pp_model_builder *b, int v)
{
    pp_step *s;
    pp_builder_bn(b, &b->m->bn, "bn", b->m->arch.width);
    v = pp_plan_batchnorm(b->plan, "bn", v, &b->m->bn, true, &s);
    if (s) {
        s->first_layer = true;
        s->bn = NULL;
    }
    return v;
}

int pp_builder_blurpool(pp_model_builder *b, const char *prefix, int channels, int filter, int stride, int v)
{
    char name[96];
    snprintf(name, sizeof name, "%s.filt", prefix);
    pp_blurpool *bp = pp_builder_struct(b, sizeof *bp);
    if (!bp) /* out of memory: the build has failed */
        return -1;
    float *filt = pp_builder_param(b, name, true, 4, channels, 1, filter, filter);
    *bp = (pp_blurpool){.channels = channels, .filter = filter, .stride = stride, .filt = filt};
    for (int c = 0; filt && c < channels; c++)
        pp_blurpool_binomial(filt + (size_t)c * filter * filter, filter);
    if (filter == 1 && stride == 1)
        return v;
    pp_step params = {.layer = bp};
    return pp_plan_add(b->plan, PP_STEP_BLURPOOL, prefix, v, -1, channels, PP_VALUE_MAP, &params, NULL);
}

void pp_builder_head(pp_model_builder *b, int v)
{
    pp_model *m = b->m;
    const pp_arch *a = &m->arch;
    v = pp_plan_global_avgpool(b->plan, "avgpool", v, NULL);
    pp_plan_tap(b->plan, v, PP_TAP_FEATURES);
    const int features = pp_arch_feature_dim(a);
    m->fc_weight = pp_builder_param(b, "classifier.weight", false, 2, a->num_classes, features, 0, 0);
    m->fc_bias = pp_builder_param(b, "classifier.bias", false, 1, a->num_classes, 0, 0, 0);
    v = pp_plan_linear(b->plan, "classifier", v, m->fc_weight, m->fc_bias, a->num_classes, NULL);
    pp_plan_tap(b->plan, v, PP_TAP_LOGITS);
}
