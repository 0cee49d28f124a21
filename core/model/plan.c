#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model.h"
#include "../ops/linear.h"
#include "../ops/blurpool.h"
#include "../ops/pool.h"
#include "../ops/silu.h"

static const char *const kind_names[PP_STEP_KIND_COUNT] = {
    "conv", "pushpull", "batchnorm", "maxpool", "avgpool", "global_avgpool", "linear", "blurpool",
    "pushpull2020", "noise_masks", "add", "silu", "depthwise", "squeeze_excite", "zero_pad", "dropout",
};

const char *pp_step_kind_name(pp_step_kind k)
{
    return (unsigned)k < PP_STEP_KIND_COUNT ? kind_names[k] : "?";
}

static bool grow(void **items, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return true;
    int cap2 = *cap ? *cap * 2 : 32;
    void *bigger = realloc(*items, (size_t)cap2 * size);
    if (!bigger)
        return false;
    *items = bigger;
    *cap = cap2;
    return true;
}

static int add_value(pp_plan *p, int channels, pp_value_layout layout, int producer)
{
    if (!grow((void **)&p->values, &p->value_cap, p->value_count + 1, sizeof *p->values)) {
        p->failed = true;
        return -1;
    }
    p->values[p->value_count] = (pp_value){.channels = channels, .layout = layout, .producer = producer,
                                           .last_use = -1, .buffer = -1};
    return p->value_count++;
}

pp_status pp_plan_init(pp_plan *p, int in_channels, pp_error *err)
{
    memset(p, 0, sizeof *p);
    if (add_value(p, in_channels, PP_VALUE_MAP, -1) < 0)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory building the network plan");
    return PP_OK;
}

void pp_plan_free(pp_plan *p)
{
    if (!p)
        return;
    free(p->steps);
    free(p->values);
    memset(p, 0, sizeof *p);
}

static void use(pp_plan *p, int v)
{
    if (v >= 0 && v < p->value_count)
        p->values[v].last_use = p->step_count;
}

int pp_plan_add(pp_plan *p, pp_step_kind kind, const char *name, int in, int residual, int channels,
                pp_value_layout layout, const pp_step *params, pp_step **out_step)
{
    if (out_step)
        *out_step = NULL;
    if (p->failed || in < 0 || in >= p->value_count || residual >= p->value_count ||
        !grow((void **)&p->steps, &p->step_cap, p->step_count + 1, sizeof *p->steps)) {
        p->failed = true;
        return -1;
    }
    int out = add_value(p, channels, layout, p->step_count);
    if (out < 0)
        return -1;
    pp_step *s = &p->steps[p->step_count];
    *s = *params;
    s->kind = kind;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->in = in;
    s->out = out;
    s->residual = residual;
    use(p, in);
    use(p, residual);
    p->step_count++;
    if (out_step)
        *out_step = s;
    return out;
}

int pp_plan_conv(pp_plan *p, const char *name, int in, const pp_conv_layer *conv, pp_bn_layer *bn, int residual,
                 bool relu, pp_step **step)
{
    pp_step params = {.conv = conv, .bn = bn, .relu = relu};
    return pp_plan_add(p, PP_STEP_CONV, name, in, residual, conv->shape.cout, PP_VALUE_MAP, &params, step);
}

int pp_plan_pushpull(pp_plan *p, const char *name, int in, const pp_pushpull_unit *unit, pp_step **step)
{
    pp_step params = {.unit = unit};
    return pp_plan_add(p, PP_STEP_PUSHPULL, name, in, -1, unit->shape.cout, PP_VALUE_MAP, &params, step);
}

int pp_plan_noise_masks(pp_plan *p, const char *name, int in, const pp_noise_masks *layer, pp_step **step)
{
    pp_step params = {.layer = layer};
    return pp_plan_add(p, PP_STEP_NOISE_MASKS, name, in, -1, layer->channels * layer->masks, PP_VALUE_MAP, &params,
                       step);
}

int pp_plan_add_values(pp_plan *p, const char *name, int in, int residual, int channels, bool relu, pp_step **step)
{
    pp_step params = {.relu = relu};
    return pp_plan_add(p, PP_STEP_ADD, name, in, residual, channels, PP_VALUE_MAP, &params, step);
}

int pp_plan_pushpull2020(pp_plan *p, const char *name, int in, const pp_pushpull2020_layer *layer,
                         pp_step **step)
{
    pp_step params = {.layer = layer};
    return pp_plan_add(p, PP_STEP_PUSHPULL2020, name, in, -1, layer->push.cout, PP_VALUE_MAP, &params, step);
}

int pp_plan_batchnorm(pp_plan *p, const char *name, int in, pp_bn_layer *bn, bool relu, pp_step **step)
{
    pp_step params = {.bn = bn, .relu = relu};
    return pp_plan_add(p, PP_STEP_BATCHNORM, name, in, -1, bn->channels, PP_VALUE_MAP, &params, step);
}

int pp_plan_pool(pp_plan *p, pp_step_kind kind, const char *name, int in, pp_pool_params pool, pp_step **step)
{
    pp_step params = {.pool = pool};
    int channels = in >= 0 && in < p->value_count ? p->values[in].channels : 0;
    return pp_plan_add(p, kind, name, in, -1, channels, PP_VALUE_MAP, &params, step);
}

int pp_plan_global_avgpool(pp_plan *p, const char *name, int in, pp_step **step)
{
    pp_step params = {0};
    int channels = in >= 0 && in < p->value_count ? p->values[in].channels : 0;
    return pp_plan_add(p, PP_STEP_GLOBAL_AVGPOOL, name, in, -1, channels, PP_VALUE_FLAT, &params, step);
}

int pp_plan_linear(pp_plan *p, const char *name, int in, const float *weight, const float *bias, int out_features,
                   pp_step **step)
{
    pp_step params = {.weight = weight, .bias = bias, .out_features = out_features};
    return pp_plan_add(p, PP_STEP_LINEAR, name, in, -1, out_features, PP_VALUE_LOGITS, &params, step);
}

static int channels_of(const pp_plan *p, int v)
{
    return v >= 0 && v < p->value_count ? p->values[v].channels : 0;
}

int pp_plan_silu(pp_plan *p, const char *name, int in, pp_step **step)
{
    pp_step params = {0};
    return pp_plan_add(p, PP_STEP_SILU, name, in, -1, channels_of(p, in), PP_VALUE_MAP, &params, step);
}

int pp_plan_depthwise(pp_plan *p, const char *name, int in, const pp_depthwise_conv *d, pp_step **step)
{
    pp_step params = {.layer = d};
    return pp_plan_add(p, PP_STEP_DEPTHWISE, name, in, -1, d->channels, PP_VALUE_MAP, &params, step);
}

int pp_plan_squeeze_excite(pp_plan *p, const char *name, int in, const pp_squeeze_excite *se, pp_step **step)
{
    pp_step params = {.layer = se};
    return pp_plan_add(p, PP_STEP_SQUEEZE_EXCITE, name, in, -1, se->channels, PP_VALUE_MAP, &params, step);
}

int pp_plan_residual_add(pp_plan *p, const char *name, int branch, int residual, const pp_drop_connect *d,
                         pp_step **step)
{
    pp_step params = {.layer = d};
    return pp_plan_add(p, PP_STEP_ADD, name, branch, residual, channels_of(p, branch), PP_VALUE_MAP,
                       &params, step);
}

int pp_plan_zero_pad(pp_plan *p, const char *name, int in, const pp_zero_pad *pad, pp_step **step)
{
    pp_step params = {.layer = pad};
    return pp_plan_add(p, PP_STEP_ZERO_PAD, name, in, -1, channels_of(p, in), PP_VALUE_MAP, &params, step);
}

int pp_plan_dropout(pp_plan *p, const char *name, int in, const pp_dropout *d, pp_step **step)
{
    pp_step params = {.layer = d};
    const pp_value_layout layout = in >= 0 && in < p->value_count ? p->values[in].layout : PP_VALUE_MAP;
    return pp_plan_add(p, PP_STEP_DROPOUT, name, in, -1, channels_of(p, in), layout, &params, step);
}

void pp_plan_tap(pp_plan *p, int v, pp_tap t)
{
    if (v > 0 && v < p->value_count && p->values[v].producer >= 0)
        p->steps[p->values[v].producer].taps |= 1u << t;
}

void pp_plan_block(pp_plan *p, int v, const char *name)
{
    if (v > 0 && v < p->value_count && p->values[v].producer >= 0) {
        pp_step *s = &p->steps[p->values[v].producer];
        snprintf(s->block, sizeof s->block, "%s", name);
    }
}

const pp_step *pp_plan_tap_step(const pp_plan *p, pp_tap t)
{
    for (int i = 0; i < p->step_count; i++)
        if (p->steps[i].taps & (1u << t))
            return &p->steps[i];
    return NULL;
}

/* Elementwise steps (per channel and sample) that may overwrite their input. */
static bool runs_in_place(pp_step_kind k)
{
    return k == PP_STEP_BATCHNORM || k == PP_STEP_SILU || k == PP_STEP_SQUEEZE_EXCITE || k == PP_STEP_ADD ||
           k == PP_STEP_DROPOUT;
}

/* Greedy reuse in step order: every map value gets one of a few equal-sized
 * buffers; a buffer is free again once the last step reading its value ran. */
static void assign_buffers(pp_plan *p)
{
    enum { MAX_BUFFERS = 64 };
    int holder[MAX_BUFFERS]; /* value in each buffer, -1 free */
    for (int b = 0; b < MAX_BUFFERS; b++)
        holder[b] = -1;
    p->buffer_count = 0;
    for (int i = 0; i < p->step_count; i++) {
        const pp_step *s = &p->steps[i];
        pp_value *out = &p->values[s->out];
        if (out->layout == PP_VALUE_LOGITS)
            continue; /* written into the caller's tensor */
        const pp_value *in = &p->values[s->in];
        if (runs_in_place(s->kind) && in->buffer >= 0 && in->last_use == i) {
            out->buffer = in->buffer; /* in place */
        } else {
            int b = 0;
            for (; b < MAX_BUFFERS; b++) {
                int v = holder[b];
                if (v < 0 || p->values[v].last_use < i)
                    break;
            }
            if (b == MAX_BUFFERS) {
                p->failed = true;
                return;
            }
            out->buffer = b;
            if (b + 1 > p->buffer_count)
                p->buffer_count = b + 1;
        }
        holder[out->buffer] = s->out;
    }
}

pp_status pp_plan_finish(pp_plan *p, pp_error *err)
{
    if (!p->failed && p->step_count > 0) {
        const pp_step *last = &p->steps[p->step_count - 1];
        if (last->kind != PP_STEP_LINEAR)
            return pp_fail(err, PP_ERR_ARG, "network plan does not end in a classifier");
        assign_buffers(p);
    }
    if (p->failed)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory building the network plan");
    if (p->step_count == 0)
        return pp_fail(err, PP_ERR_ARG, "empty network plan");
    return PP_OK;
}

/* ---- sizes for one input ---- */

static const pp_conv_shape *step_conv_shape(const pp_model *m, const pp_step *s)
{
    if (s->kind == PP_STEP_CONV)
        return &pp_model_step_conv(m, s)->shape;
    if (s->kind == PP_STEP_PUSHPULL)
        return &pp_model_step_unit(m, s)->shape;
    if (s->kind == PP_STEP_PUSHPULL2020) /* the pull convolution gives the same size */
        return &pp_model_step_pp2020(m, s)->push;
    return NULL;
}

pp_status pp_model_spatial(const pp_model *m, int h, int w, int *vh, int *vw, pp_error *err)
{
    const pp_plan *p = m->plan;
    vh[0] = h;
    vw[0] = w;
    for (int i = 0; i < p->step_count; i++) {
        const pp_step *s = &p->steps[i];
        int hi = vh[s->in], wi = vw[s->in], ho = 1, wo = 1;
        const pp_conv_shape *cs = step_conv_shape(m, s);
        if (cs) {
            if (hi + 2 * cs->pad < cs->kh || wi + 2 * cs->pad < cs->kw)
                return i == 0 ? pp_fail(err, PP_ERR_SHAPE, "input %dx%d is smaller than the first kernel", h, w)
                              : pp_fail(err, PP_ERR_SHAPE, "input is too small for this network");
            ho = pp_conv_out_size(hi, cs->kh, cs->stride, cs->pad);
            wo = pp_conv_out_size(wi, cs->kw, cs->stride, cs->pad);
        } else if (s->kind == PP_STEP_MAXPOOL || s->kind == PP_STEP_AVGPOOL) {
            ho = pp_conv_out_size(hi, s->pool.k, s->pool.stride, s->pool.pad);
            wo = pp_conv_out_size(wi, s->pool.k, s->pool.stride, s->pool.pad);
        } else if (s->kind == PP_STEP_BATCHNORM || s->kind == PP_STEP_ADD || s->kind == PP_STEP_SILU ||
                   s->kind == PP_STEP_SQUEEZE_EXCITE || s->kind == PP_STEP_DROPOUT) {
            ho = hi;
            wo = wi;
        } else if (s->kind == PP_STEP_NOISE_MASKS) {
            const pp_noise_masks *l = s->layer;
            if (hi != l->size || wi != l->size)
                return pp_fail(err, PP_ERR_SHAPE,
                               "input %dx%d gives %s (fixed %dx%d noise masks) a %dx%d map: a perturbative network "
                               "runs only at the size its masks were made for (%dx%d here at the layer)",
                               h, w, s->name, l->size, l->size, hi, wi, l->size, l->size);
            ho = hi;
            wo = wi;
        } else if (s->kind == PP_STEP_DEPTHWISE) {
            const pp_depthwise_conv *d = s->layer;
            ho = pp_depthwise_out_size(hi, d->k, d->stride, d->pad_top, d->pad_bottom);
            wo = pp_depthwise_out_size(wi, d->k, d->stride, d->pad_left, d->pad_right);
        } else if (s->kind == PP_STEP_ZERO_PAD) {
            const pp_zero_pad *z = s->layer;
            ho = hi + z->top + z->bottom;
            wo = wi + z->left + z->right;
        } else if (s->kind == PP_STEP_BLURPOOL) {
            const pp_blurpool *bp = s->layer;
            if (!pp_blurpool_fits(bp->filter, hi, wi))
                return pp_fail(err, PP_ERR_SHAPE,
                               "input %dx%d is too small for this network: %s (BlurPool, filter %d, reflection "
                               "padding %d) gets a %dx%d map, and each side must exceed the padding",
                               h, w, s->name, bp->filter, pp_blurpool_pad_hi(bp->filter), hi, wi);
            ho = pp_blurpool_out_size(hi, bp->filter, bp->stride);
            wo = pp_blurpool_out_size(wi, bp->filter, bp->stride);
        }
        if (ho < 1 || wo < 1)
            return pp_fail(err, PP_ERR_SHAPE, "input %dx%d is too small for this network: %s (%s) gets a %dx%d map",
                           h, w, s->name, pp_step_kind_name(s->kind), hi, wi);
        if (s->residual >= 0 && (vh[s->residual] != ho || vw[s->residual] != wo))
            return pp_fail(err, PP_ERR_SHAPE, "input %dx%d gives %s a residual of %dx%d for an output of %dx%d", h, w,
                           s->name, vh[s->residual], vw[s->residual], ho, wo);
        vh[s->out] = ho;
        vw[s->out] = wo;
    }
    return PP_OK;
}

bool pp_step_forward_stateless(const pp_step *s, float *out, const float *in, int c, int n, int h, int w,
                               int threads)
{
    switch (s->kind) {
    case PP_STEP_AVGPOOL:
        pp_avgpool2d_forward(out, in, (size_t)c * n, h, w, s->pool.k, s->pool.stride, s->pool.pad,
                             s->pool.count_include_pad, threads);
        return true;
    case PP_STEP_GLOBAL_AVGPOOL:
        pp_global_avgpool_forward(out, in, (size_t)c * n, (size_t)h * w, threads);
        return true;
    case PP_STEP_LINEAR:
        pp_linear_forward(out, in, s->weight, s->bias, n, c, s->out_features, threads);
        return true;
    case PP_STEP_BLURPOOL:
        pp_blurpool_forward(out, in, s->layer, n, h, w, threads);
        return true;
    case PP_STEP_NOISE_MASKS:
        pp_noise_masks_forward(out, in, s->layer, n, threads);
        return true;
    case PP_STEP_SILU:
        pp_silu_forward(out, in, (size_t)c * n * h * w, threads);
        return true;
    case PP_STEP_DEPTHWISE:
        pp_depthwise_forward(out, in, s->layer, n, h, w, threads);
        return true;
    case PP_STEP_ZERO_PAD:
        pp_zero_pad_forward(out, in, s->layer, (size_t)c * n, h, w, threads);
        return true;
    default:
        return false;
    }
}
