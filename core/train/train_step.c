#include "train_step.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../model/layout.h"
#include "../ops/blurpool.h"
#include "../ops/linear.h"
#include "../ops/noise_masks.h"
#include "../ops/pool.h"
#include "../ops/residual_add.h"
#include "../ops/silu.h"
#include "../ops/winograd.h"
#include "../threads.h"
#include "loss.h"

/* What the backward needs of one step beyond its input and output values. */
typedef struct {
    float *pre;           /* CONV with BN: the conv output, before BN */
    float *mean, *invstd; /* CONV with BN, BATCHNORM: batch statistics */
    float *responses;     /* PUSHPULL: (2K, N, Ho, Wo) push and pooled pull */
    int32_t *argmax;      /* MAXPOOL */
    float *scale;         /* ADD with drop-connect: (N) its factors of the training forward */
    float *mask;          /* DROPOUT: the training forward's mask (ops/dropout.h) */
} step_rec;

/* Gradient buffers: as many as the reversed walk keeps alive at once
 * (assigned like the forward's activation buffers, model/plan.c). */
#define MAX_GRAD_BUFFERS 64

struct pp_train_ctx {
    size_t arena_floats;
    float *grad;     /* (arena_floats) mirrors the model's arena */
    float *momentum; /* (arena_floats) */
    bool first_step;

    int threads; /* every op of a step runs on this many; scratch is per thread */
    /* the layout: for one plan, input shape and set of input-gradient needs */
    const pp_plan *plan;
    int n, h, w;
    bool train; /* the layout checked the training-mode constraints */
    float *acts; /* everything below, in one allocation */
    size_t acts_floats;
    int value_count, step_count;
    float **value; /* (value_count) every activation of the forward, kept */
    int *vh, *vw;  /* (value_count) */
    step_rec *recs; /* (step_count) */
    int *grad_buffer; /* (value_count) buffer holding each value's gradient, -1 none */
    bool *fresh;      /* (value_count) the gradient has no contribution yet */
    float *gbuf[MAX_GRAD_BUFFERS];
    int gbuf_count;
    float *logits, *dlogits; /* (N, O) */
    float *g_pre;        /* (largest activation) gradient before BN, or before it is added */
    float *pool_scratch; /* PUSHPULL forward */
    float *se_scratch;   /* SQUEEZE_EXCITE forward and backward */
    uint64_t seed;       /* drop-connect and dropout masks: seed and forwards run (pp_train_set_seed) */
    uint64_t forwards;
    float *wino;         /* Winograd kernels of a layer that keeps none */
    pp_conv_scratch conv;
};

pp_status pp_train_ctx_new(pp_train_ctx **out, const pp_model *m, int threads, pp_error *err)
{
    *out = NULL;
    pp_train_ctx *ctx = calloc(1, sizeof *ctx);
    size_t bytes;
    if (!ctx || !pp_mul_size(m->arena_floats, sizeof(float), &bytes)) {
        free(ctx);
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate the training context");
    }
    ctx->arena_floats = m->arena_floats;
    ctx->threads = pp_threads_clamp(threads);
    ctx->grad = pp_aligned_alloc(bytes);
    ctx->momentum = pp_aligned_alloc(bytes);
    if (!ctx->grad || !ctx->momentum) {
        pp_train_ctx_free(ctx);
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate %zu MB of gradients and momentum", 2 * bytes >> 20);
    }
    memset(ctx->grad, 0, bytes);
    memset(ctx->momentum, 0, bytes);
    ctx->first_step = true;
    *out = ctx;
    return PP_OK;
}

static void free_layout(pp_train_ctx *ctx)
{
    free(ctx->acts);
    free(ctx->value);
    free(ctx->vh);
    free(ctx->vw);
    free(ctx->recs);
    free(ctx->grad_buffer);
    free(ctx->fresh);
    ctx->acts = NULL;
    ctx->value = NULL;
    ctx->vh = ctx->vw = NULL;
    ctx->recs = NULL;
    ctx->grad_buffer = NULL;
    ctx->fresh = NULL;
    ctx->plan = NULL;
}

void pp_train_ctx_free(pp_train_ctx *ctx)
{
    if (!ctx)
        return;
    free(ctx->grad);
    free(ctx->momentum);
    free_layout(ctx);
    free(ctx);
}

void pp_train_set_seed(pp_train_ctx *ctx, uint64_t seed)
{
    ctx->seed = seed;
    ctx->forwards = 0;
}

/* The CIFAR ResNet18's 45 MB in one region, a slice per thread; a small
 * model's on the calling thread. */
void pp_train_zero_grad(pp_train_ctx *ctx)
{
    const size_t total = ctx->arena_floats;
    const int threads = total > ((size_t)1 << 18) ? ctx->threads : 1;
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const size_t begin = total * t / nt, end = total * (t + 1) / nt;
        memset(ctx->grad + begin, 0, (end - begin) * sizeof(float));
    }
}

/* The gradient slot of a pointer into the model's arena (NULL: none wanted). */
static float *grad_of(pp_train_ctx *ctx, const pp_model *m, const float *param)
{
    return param && ctx->grad ? ctx->grad + (param - m->arena) : NULL;
}

float *pp_train_grad(pp_train_ctx *ctx, const pp_model *m, const pp_param *p)
{
    return grad_of(ctx, m, p->data);
}

/* A trained parameter's gradient slot; NULL for derived data (a fixed alpha). */
static float *param_grad(pp_train_ctx *ctx, const pp_model *m, const float *data)
{
    for (int i = 0; data && i < m->param_count; i++)
        if (m->params[i].data == data)
            return m->params[i].buffer ? NULL : grad_of(ctx, m, data);
    return NULL;
}

static const float *transformed_kernels(void *owner, const pp_conv_layer *c, int threads)
{
    pp_train_ctx *ctx = owner;
    return pp_winograd_transform_weights(ctx->wino, c->weight, &c->shape, threads) ? ctx->wino : NULL;
}

/* ---- layout: one walk over the plan, run twice (size, then assign) ---- */

typedef struct {
    pp_train_ctx *ctx;
    bool assign;
    size_t cursor, largest, pool_scratch, se_scratch;
    pp_conv_sizes conv;
} layout;

static float *take(layout *l, size_t floats)
{
    size_t start = (l->cursor + 15) & ~(size_t)15;
    l->cursor = start + floats;
    return l->assign ? l->ctx->acts + start : NULL;
}

static size_t value_floats(const pp_plan *p, const pp_train_ctx *ctx, int v, int n)
{
    const pp_value *val = &p->values[v];
    return val->layout == PP_VALUE_MAP ? (size_t)val->channels * n * ctx->vh[v] * ctx->vw[v]
                                       : (size_t)val->channels * n;
}

/* Gradient buffers by liveness on the reversed walk: a value's gradient
 * lives from its last reader's backward to its producer's. */
static pp_status assign_grad_buffers(pp_train_ctx *ctx, const pp_plan *p, pp_error *err)
{
    int holder[MAX_GRAD_BUFFERS];
    for (int b = 0; b < MAX_GRAD_BUFFERS; b++)
        holder[b] = -1;
    for (int v = 0; v < p->value_count; v++)
        ctx->grad_buffer[v] = -1;
    ctx->gbuf_count = 0;
    for (int i = p->step_count - 1; i >= 0; i--) {
        const pp_step *s = &p->steps[i];
        const int reads[2] = {s->in, s->residual};
        for (int r = 0; r < 2; r++) {
            const int v = reads[r];
            if (v < 0 || ctx->grad_buffer[v] >= 0)
                continue;
            /* a buffer is busy while its value's producer has not run backward */
            int b = 0;
            while (b < MAX_GRAD_BUFFERS && holder[b] >= 0 && p->values[holder[b]].producer <= i)
                b++;
            if (b == MAX_GRAD_BUFFERS)
                return pp_fail(err, PP_ERR_ARG, "the network plan needs more than %d gradient buffers",
                               MAX_GRAD_BUFFERS);
            holder[b] = v;
            ctx->grad_buffer[v] = b;
            if (b + 1 > ctx->gbuf_count)
                ctx->gbuf_count = b + 1;
        }
    }
    return PP_OK;
}

static pp_status layout_all(layout *l, const pp_model *m, int n, bool train, pp_error *err)
{
    pp_train_ctx *ctx = l->ctx;
    const pp_plan *p = m->plan;
    const int threads = ctx->threads;
    for (int v = 0; v < p->value_count; v++) {
        const size_t f = value_floats(p, ctx, v, n);
        if (p->values[v].layout != PP_VALUE_LOGITS && f > l->largest)
            l->largest = f;
        float *data = p->values[v].layout == PP_VALUE_LOGITS ? NULL : take(l, f);
        if (l->assign)
            ctx->value[v] = data;
    }
    for (int i = 0; i < p->step_count; i++) {
        const pp_step *s = &p->steps[i];
        step_rec r = {0};
        const int hi = ctx->vh[s->in], wi = ctx->vw[s->in];
        const size_t out_floats = value_floats(p, ctx, s->out, n);
        const size_t plane = (size_t)n * ctx->vh[s->out] * ctx->vw[s->out];
        const pp_bn_layer *bn = pp_model_step_bn(m, s);
        if (bn) {
            if (train && plane < 2)
                return pp_fail(err, PP_ERR_SHAPE,
                               "BatchNorm needs more than one value per channel in training: use a batch of 2 or more");
            r.mean = take(l, (size_t)bn->channels);
            r.invstd = take(l, (size_t)bn->channels);
        }
        switch (s->kind) {
        case PP_STEP_CONV:
            if (bn)
                r.pre = take(l, out_floats);
            pp_conv_layer_sizes(&l->conv, pp_model_step_conv(m, s), n, hi, wi, threads, true);
            break;
        case PP_STEP_PUSHPULL: {
            const pp_pushpull_unit *u = pp_model_step_unit(m, s);
            r.responses = take(l, 2 * out_floats);
            size_t sc = pp_pushpull_scratch_floats(u, n, hi, wi, threads);
            l->pool_scratch = sc > l->pool_scratch ? sc : l->pool_scratch;
            pp_conv_shape stacked = u->shape;
            stacked.cout *= 2;
            size_t ws = pp_conv2d_workspace_floats(&stacked, n, hi, wi, threads);
            size_t bws = pp_pushpull_backward_workspace_floats(u, n, hi, wi, threads);
            ws = bws > ws ? bws : ws;
            l->conv.workspace = ws > l->conv.workspace ? ws : l->conv.workspace;
            break;
        }
        case PP_STEP_PUSHPULL2020: {
            const pp_pushpull2020_layer *pl = pp_model_step_pp2020(m, s);
            r.responses = take(l, 2 * out_floats);
            size_t ws = pp_pushpull2020_workspace_floats(pl, n, hi, wi, threads);
            size_t bws = pp_pushpull2020_backward_workspace_floats(pl, n, hi, wi, threads);
            ws = bws > ws ? bws : ws;
            l->conv.workspace = ws > l->conv.workspace ? ws : l->conv.workspace;
            break;
        }
        case PP_STEP_MAXPOOL:
            r.argmax = (int32_t *)take(l, out_floats);
            break;
        case PP_STEP_SQUEEZE_EXCITE: {
            size_t sc = pp_se_scratch_floats(s->layer, n);
            l->se_scratch = sc > l->se_scratch ? sc : l->se_scratch;
            break;
        }
        case PP_STEP_ADD:
            if (s->layer)
                r.scale = take(l, (size_t)n);
            break;
        case PP_STEP_DROPOUT:
            r.mask = take(l, out_floats);
            break;
        default:
            break;
        }
        if (l->assign)
            ctx->recs[i] = r;
    }
    const size_t classes = (size_t)p->values[p->steps[p->step_count - 1].out].channels * n;
    ctx->logits = take(l, classes);
    ctx->dlogits = take(l, classes);
    for (int b = 0; b < ctx->gbuf_count; b++)
        ctx->gbuf[b] = take(l, l->largest);
    ctx->g_pre = take(l, l->largest);
    ctx->pool_scratch = take(l, l->pool_scratch);
    ctx->se_scratch = take(l, l->se_scratch);
    ctx->wino = take(l, l->conv.wino);
    ctx->conv.workspace = take(l, l->conv.workspace);
    ctx->conv.flipped = take(l, l->conv.flipped);
    ctx->conv.flipped_wino = take(l, l->conv.flipped_wino);
    ctx->conv.dx_tmp = take(l, l->conv.dx_tmp);
    ctx->conv.winograd = (pp_winograd_source){transformed_kernels, ctx};
    return PP_OK;
}

static pp_status ensure_layout(pp_train_ctx *ctx, const pp_model *m, int n, int h, int w, bool train, pp_error *err)
{
    const pp_plan *p = m->plan;
    if (ctx->acts && ctx->plan == p && ctx->n == n && ctx->h == h && ctx->w == w && (ctx->train || !train))
        return PP_OK;
    free_layout(ctx);
    ctx->n = ctx->h = ctx->w = 0;
    ctx->value = calloc((size_t)p->value_count, sizeof *ctx->value);
    ctx->vh = calloc((size_t)p->value_count, sizeof *ctx->vh);
    ctx->vw = calloc((size_t)p->value_count, sizeof *ctx->vw);
    ctx->grad_buffer = calloc((size_t)p->value_count, sizeof *ctx->grad_buffer);
    ctx->fresh = calloc((size_t)p->value_count, sizeof *ctx->fresh);
    ctx->recs = calloc((size_t)p->step_count, sizeof *ctx->recs);
    if (!ctx->value || !ctx->vh || !ctx->vw || !ctx->grad_buffer || !ctx->fresh || !ctx->recs) {
        free_layout(ctx);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    }
    ctx->value_count = p->value_count;
    ctx->step_count = p->step_count;
    pp_status st = pp_model_spatial(m, h, w, ctx->vh, ctx->vw, err);
    if (st == PP_OK)
        st = assign_grad_buffers(ctx, p, err);
    layout size = {.ctx = ctx};
    if (st == PP_OK)
        st = layout_all(&size, m, n, train, err);
    if (st != PP_OK) {
        free_layout(ctx);
        return st;
    }
    ctx->acts = pp_aligned_alloc(size.cursor * sizeof(float));
    if (!ctx->acts) {
        free_layout(ctx);
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate %zu MB of training activations for a batch of %d",
                       size.cursor * sizeof(float) >> 20, n);
    }
    layout assign = {.ctx = ctx, .assign = true};
    st = layout_all(&assign, m, n, train, err);
    if (st != PP_OK) {
        free_layout(ctx);
        return st;
    }
    ctx->plan = p;
    ctx->train = train;
    ctx->n = n;
    ctx->h = h;
    ctx->w = w;
    return PP_OK;
}

/* ---- forward: the plan's steps in order, keeping every value ---- */

static float *value_of(pp_train_ctx *ctx, const pp_plan *p, int v)
{
    return p->values[v].layout == PP_VALUE_LOGITS ? ctx->logits : ctx->value[v];
}

/* The seed of step i's random masks in this forward: a stream per forward and step. */
static uint64_t mask_seed(const pp_train_ctx *ctx, int i)
{
    return ctx->seed ^ (ctx->forwards * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)i << 32);
}

static void forward_step(pp_train_ctx *ctx, const pp_model *m, int i, bool train)
{
    const pp_plan *p = m->plan;
    const pp_step *s = &p->steps[i];
    step_rec *r = &ctx->recs[i];
    const int n = ctx->n, h = ctx->vh[s->in], w = ctx->vw[s->in], c = p->values[s->in].channels;
    const float *in = value_of(ctx, p, s->in);
    float *out = value_of(ctx, p, s->out);
    const size_t plane = (size_t)n * ctx->vh[s->out] * ctx->vw[s->out];
    pp_bn_layer *bn = pp_model_step_bn(m, s);
    switch (s->kind) {
    case PP_STEP_CONV: {
        const pp_conv_layer *conv = pp_model_step_conv(m, s);
        const float *residual = s->residual >= 0 ? value_of(ctx, p, s->residual) : NULL;
        if (bn && train) {
            pp_epilogue ep = {.shift = conv->bias};
            pp_conv_layer_forward(r->pre, in, conv, n, h, w, &ep, &ctx->conv, ctx->threads);
            pp_batchnorm_train_forward(out, r->mean, r->invstd, r->pre, residual, bn->gamma, bn->beta, bn->mean,
                                       bn->var, &bn->num_batches_tracked, pp_bn_momentum(bn), pp_bn_eps(bn), s->relu,
                                       bn->channels, plane, ctx->threads);
        } else {
            pp_epilogue ep = {.scale = bn ? bn->scale : NULL, .shift = bn ? bn->shift : conv->bias,
                              .residual = residual, .relu = s->relu};
            pp_conv_layer_forward(out, in, conv, n, h, w, &ep, &ctx->conv, ctx->threads);
        }
        break;
    }
    case PP_STEP_PUSHPULL:
        pp_pushpull_forward(out, r->responses, ctx->pool_scratch, in, pp_model_step_unit(m, s), n, h, w,
                            ctx->conv.workspace, ctx->threads);
        break;
    case PP_STEP_PUSHPULL2020:
        pp_pushpull2020_forward(out, r->responses, in, pp_model_step_pp2020(m, s), n, h, w, ctx->conv.workspace,
                                ctx->threads);
        break;
    case PP_STEP_BATCHNORM:
        if (train) {
            pp_batchnorm_train_forward(out, r->mean, r->invstd, in, NULL, bn->gamma, bn->beta, bn->mean, bn->var,
                                       &bn->num_batches_tracked, pp_bn_momentum(bn), pp_bn_eps(bn), s->relu, bn->channels,
                                       plane, ctx->threads);
        } else {
            memcpy(out, in, (size_t)c * plane * sizeof(float));
            pp_epilogue ep = {.scale = bn->scale, .shift = bn->shift, .relu = s->relu};
            pp_epilogue_apply(out, c, plane, 0, plane, &ep, ctx->threads);
        }
        break;
    case PP_STEP_MAXPOOL:
        pp_maxpool2d_train_forward(out, r->argmax, in, (size_t)c * n, h, w, s->pool.k, s->pool.stride, s->pool.pad,
                                   ctx->threads);
        break;
    case PP_STEP_ADD:
        /* drop-connect in training only; a mask stream per forward and step */
        if (train && s->layer)
            pp_drop_connect_draw(r->scale, n, s->layer,
                                 ctx->seed ^ (ctx->forwards * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)i << 32));
        pp_residual_add_forward(out, in, value_of(ctx, p, s->residual), train && s->layer ? r->scale : NULL, c, n,
                                (size_t)h * w, s->relu, ctx->threads);
        break;
    case PP_STEP_SQUEEZE_EXCITE:
        pp_se_forward(out, in, s->layer, n, (size_t)h * w, ctx->se_scratch, ctx->threads);
        break;
    case PP_STEP_DROPOUT: /* in training only */
        if (train)
            pp_dropout_draw(r->mask, (size_t)c * plane, s->layer, mask_seed(ctx, i), ctx->threads);
        pp_dropout_forward(out, in, train ? r->mask : NULL, (size_t)c * plane, ctx->threads);
        break;
    default:
        pp_step_forward_stateless(s, out, in, c, n, h, w, ctx->threads);
        break;
    }
}

/* ---- backward: the plan's steps reversed ---- */

static void zero(float *x, size_t count)
{
    memset(x, 0, count * sizeof(float));
}

static void add_into(float *dst, const float *src, size_t count, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (size_t i = 0; i < count; i++)
        dst[i] += src[i];
}

/* dst = (fresh) or += dy through the ReLU whose output is y. */
static void relu_mask_into(float *dst, bool fresh, const float *dy, const float *y, size_t count, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (size_t i = 0; i < count; i++) {
        const float g = y[i] > 0.0f ? dy[i] : 0.0f;
        dst[i] = fresh ? g : dst[i] + g;
    }
}

/* The gradient buffer of value v for a contribution (NULL: v needs none);
 * *fresh tells whether it holds nothing yet (the contribution then writes). */
static float *grad_target(pp_train_ctx *ctx, int v, bool *fresh)
{
    *fresh = false;
    if (v < 0 || ctx->grad_buffer[v] < 0)
        return NULL;
    *fresh = ctx->fresh[v];
    ctx->fresh[v] = false;
    return ctx->gbuf[ctx->grad_buffer[v]];
}

/* For ops whose backward accumulates: a fresh target is zeroed first. */
static float *accumulating(pp_train_ctx *ctx, int v, size_t count)
{
    bool fresh;
    float *g = grad_target(ctx, v, &fresh);
    if (g && fresh)
        zero(g, count);
    return g;
}

static void backward_step(pp_train_ctx *ctx, const pp_model *m, int i, bool train, bool params)
{
    const pp_plan *p = m->plan;
    const pp_step *s = &p->steps[i];
    step_rec *r = &ctx->recs[i];
    const int n = ctx->n, h = ctx->vh[s->in], w = ctx->vw[s->in], c = p->values[s->in].channels;
    const int ho = ctx->vh[s->out], wo = ctx->vw[s->out];
    const float *in = value_of(ctx, p, s->in);
    const float *out = value_of(ctx, p, s->out);
    const size_t in_count = value_floats(p, ctx, s->in, n), plane = (size_t)n * ho * wo;
    float *gout = p->values[s->out].layout == PP_VALUE_LOGITS ? ctx->dlogits : ctx->gbuf[ctx->grad_buffer[s->out]];
    pp_bn_layer *bn = pp_model_step_bn(m, s);
    bool fresh;
    switch (s->kind) {
    case PP_STEP_CONV: {
        const pp_conv_layer *conv = pp_model_step_conv(m, s);
        const size_t out_count = (size_t)conv->shape.cout * plane;
        bool masked = s->relu;
        float *gres = NULL; /* training: the residual's share, in the BN backward's pass */
        bool gres_fresh = false;
        if (s->residual >= 0 && s->relu && bn) {
            /* the sum's gradient through the ReLU goes to both addends: to the
             * residual (in training within the BN backward's dx pass), to the
             * BN backward as dy and the mask */
            gres = grad_target(ctx, s->residual, &gres_fresh);
            if (gres && !train)
                relu_mask_into(gres, gres_fresh, gout, out, out_count, ctx->threads);
        } else if (s->residual >= 0) {
            /* through the ReLU first: the sum's gradient goes to both addends */
            if (s->relu)
                pp_relu_backward(gout, gout, out, out_count, ctx->threads);
            masked = false;
            float *gres = grad_target(ctx, s->residual, &fresh);
            if (gres && fresh)
                memcpy(gres, gout, out_count * sizeof(float));
            else if (gres)
                add_into(gres, gout, out_count, ctx->threads);
        }
        const float *dy = gout;
        if (bn) {
            if (train && gres)
                pp_batchnorm_train_backward_residual(ctx->g_pre, params ? grad_of(ctx, m, bn->gamma) : NULL,
                                                     params ? grad_of(ctx, m, bn->beta) : NULL, gout, out, r->pre,
                                                     r->mean, r->invstd, bn->gamma, gres, gres_fresh, bn->channels,
                                                     plane, ctx->threads);
            else if (train)
                pp_batchnorm_train_backward(ctx->g_pre, params ? grad_of(ctx, m, bn->gamma) : NULL,
                                            params ? grad_of(ctx, m, bn->beta) : NULL, gout, masked ? out : NULL,
                                            r->pre, r->mean, r->invstd, bn->gamma, bn->channels, plane, ctx->threads);
            else
                pp_batchnorm_eval_backward(ctx->g_pre, gout, masked ? out : NULL, bn->scale, bn->channels, plane,
                                           ctx->threads);
            dy = ctx->g_pre;
        } else if (masked) {
            pp_relu_backward(gout, gout, out, out_count, ctx->threads);
        }
        float *gin = grad_target(ctx, s->in, &fresh);
        pp_conv_layer_backward(gin, fresh, params ? grad_of(ctx, m, conv->weight) : NULL,
                               params ? grad_of(ctx, m, conv->bias) : NULL, dy, in, conv, n, h, w, &ctx->conv,
                               ctx->threads);
        break;
    }
    case PP_STEP_PUSHPULL: {
        const pp_pushpull_unit *u = pp_model_step_unit(m, s);
        float *gin = accumulating(ctx, s->in, in_count);
        pp_pushpull_backward(gin, params ? grad_of(ctx, m, u->weight) : NULL,
                             params ? param_grad(ctx, m, u->alpha) : NULL, params ? grad_of(ctx, m, u->bias) : NULL,
                             gout, r->responses, in, u, n, h, w, ctx->conv.workspace, ctx->threads);
        break;
    }
    case PP_STEP_PUSHPULL2020: {
        const pp_pushpull2020_layer *l = pp_model_step_pp2020(m, s);
        float *gin = accumulating(ctx, s->in, in_count);
        pp_pushpull2020_backward(gin, params ? grad_of(ctx, m, l->weight) : NULL,
                                 params ? grad_of(ctx, m, l->bias) : NULL, params ? param_grad(ctx, m, l->alpha) : NULL,
                                 gout, r->responses, in, l, n, h, w, ctx->conv.workspace, ctx->threads);
        break;
    }
    case PP_STEP_BATCHNORM: {
        float *gin = grad_target(ctx, s->in, &fresh);
        if (!gin)
            break;
        float *target = fresh ? gin : ctx->g_pre;
        if (train)
            pp_batchnorm_train_backward(target, params ? grad_of(ctx, m, bn->gamma) : NULL,
                                        params ? grad_of(ctx, m, bn->beta) : NULL, gout, s->relu ? out : NULL, in,
                                        r->mean, r->invstd, bn->gamma, bn->channels, plane, ctx->threads);
        else
            pp_batchnorm_eval_backward(target, gout, s->relu ? out : NULL, bn->scale, bn->channels, plane,
                                       ctx->threads);
        if (!fresh)
            add_into(gin, target, in_count, ctx->threads);
        break;
    }
    case PP_STEP_MAXPOOL: {
        float *gin = accumulating(ctx, s->in, in_count);
        if (gin)
            pp_maxpool2d_backward(gin, gout, r->argmax, (size_t)c * n, h, w, ho, wo, ctx->threads);
        break;
    }
    case PP_STEP_AVGPOOL: {
        float *gin = accumulating(ctx, s->in, in_count);
        if (gin)
            pp_avgpool2d_backward(gin, gout, (size_t)c * n, h, w, s->pool.k, s->pool.stride, s->pool.pad,
                                  s->pool.count_include_pad, ctx->threads);
        break;
    }
    case PP_STEP_GLOBAL_AVGPOOL: {
        float *gin = accumulating(ctx, s->in, in_count);
        if (gin)
            pp_global_avgpool_backward(gin, gout, (size_t)c * n, (size_t)h * w, ctx->threads);
        break;
    }
    case PP_STEP_BLURPOOL: {
        float *gin = accumulating(ctx, s->in, in_count);
        if (gin)
            pp_blurpool_backward(gin, gout, s->layer, n, h, w, ctx->threads);
        break;
    }
    case PP_STEP_NOISE_MASKS: {
        float *gin = grad_target(ctx, s->in, &fresh);
        float *target = gin && !fresh ? ctx->g_pre : gin;
        if (gin)
            pp_noise_masks_backward(target, gout, out, s->layer, n, ctx->threads);
        if (gin && !fresh)
            add_into(gin, target, in_count, ctx->threads);
        break;
    }
    case PP_STEP_ADD: {
        /* the sum's gradient (through the ReLU) goes to both addends, the
         * branch's times its drop-connect factors */
        float *gres = grad_target(ctx, s->residual, &fresh);
        pp_residual_add_backward(gout, gres, fresh, gout, out, train && s->layer ? r->scale : NULL, c, n,
                                 (size_t)h * w, s->relu, ctx->threads);
        float *gin = grad_target(ctx, s->in, &fresh);
        if (gin && fresh)
            memcpy(gin, gout, in_count * sizeof(float));
        else if (gin)
            add_into(gin, gout, in_count, ctx->threads);
        break;
    }
    case PP_STEP_LINEAR: {
        float *gin = grad_target(ctx, s->in, &fresh);
        float *target = gin && !fresh ? ctx->g_pre : gin;
        pp_linear_backward(target, params ? grad_of(ctx, m, s->weight) : NULL, params ? grad_of(ctx, m, s->bias) : NULL,
                           gout, in, s->weight, n, c, s->out_features);
        if (gin && !fresh)
            add_into(gin, target, in_count, ctx->threads);
        break;
    }
    case PP_STEP_SILU: {
        float *gin = grad_target(ctx, s->in, &fresh);
        if (!gin)
            break;
        float *target = fresh ? gin : ctx->g_pre;
        pp_silu_backward(target, gout, in, in_count, ctx->threads);
        if (!fresh)
            add_into(gin, target, in_count, ctx->threads);
        break;
    }
    case PP_STEP_DEPTHWISE: {
        const pp_depthwise_conv *d = s->layer;
        float *gin = accumulating(ctx, s->in, in_count);
        pp_depthwise_backward(gin, params ? grad_of(ctx, m, d->weight) : NULL, gout, in, d, n, h, w, ctx->threads);
        break;
    }
    case PP_STEP_SQUEEZE_EXCITE: {
        const pp_squeeze_excite *se = s->layer;
        float *gin = grad_target(ctx, s->in, &fresh);
        float *target = gin && !fresh ? ctx->g_pre : gin;
        pp_se_backward(target, params ? grad_of(ctx, m, se->w1) : NULL, params ? grad_of(ctx, m, se->b1) : NULL,
                       params ? grad_of(ctx, m, se->w2) : NULL, params ? grad_of(ctx, m, se->b2) : NULL, gout, in, se,
                       n, (size_t)h * w, ctx->se_scratch, ctx->threads);
        if (gin && !fresh)
            add_into(gin, target, in_count, ctx->threads);
        break;
    }
    case PP_STEP_DROPOUT: {
        float *gin = grad_target(ctx, s->in, &fresh);
        if (!gin)
            break;
        float *target = fresh ? gin : ctx->g_pre;
        pp_dropout_backward(target, gout, train ? r->mask : NULL, in_count, ctx->threads);
        if (!fresh)
            add_into(gin, target, in_count, ctx->threads);
        break;
    }
    case PP_STEP_ZERO_PAD: {
        float *gin = accumulating(ctx, s->in, in_count);
        if (gin)
            pp_zero_pad_backward(gin, gout, s->layer, (size_t)c * n, h, w, ctx->threads);
        break;
    }
    case PP_STEP_KIND_COUNT:
        break;
    }
}

/* Runs steps last..0 backward from the gradient already in place for step
 * `last`'s output. want_input: the input image's gradient too. On the way,
 * `grads` receives the requested taps' gradients. */
static pp_status backward(pp_train_ctx *ctx, const pp_model *m, int last, bool train, bool params, bool want_input,
                          pp_taps *grads, pp_error *err)
{
    const pp_plan *p = m->plan;
    for (int v = 0; v < p->value_count; v++)
        ctx->fresh[v] = true;
    ctx->fresh[p->steps[last].out] = false;
    /* the input's gradient only on request: no buffer, no work in the first layer */
    const int input_buffer = ctx->grad_buffer[0];
    if (!want_input)
        ctx->grad_buffer[0] = -1;
    pp_status st = PP_OK;
    for (int i = last; i >= 0 && st == PP_OK; i--) {
        const pp_step *s = &p->steps[i];
        const pp_value *out = &p->values[s->out];
        if (out->layout != PP_VALUE_LOGITS && ctx->grad_buffer[s->out] < 0)
            continue; /* read by no later step: no gradient reaches it */
        if (out->layout != PP_VALUE_LOGITS && ctx->fresh[s->out]) /* no path to the seed: a zero gradient */
            zero(ctx->gbuf[ctx->grad_buffer[s->out]], value_floats(p, ctx, s->out, ctx->n));
        ctx->fresh[s->out] = false;
        if (grads && (s->taps & grads->requested) && out->layout != PP_VALUE_LOGITS)
            for (int t = 0; t < PP_TAP_COUNT && st == PP_OK; t++)
                if ((s->taps & grads->requested & (1u << t)) && t != PP_TAP_PUSH && t != PP_TAP_PULL &&
                    t != PP_TAP_KERNELS)
                    st = pp_tensor_from_channel_major(&grads->out[t], ctx->gbuf[ctx->grad_buffer[s->out]], ctx->n,
                                                      out->channels, ctx->vh[s->out], ctx->vw[s->out],
                                                      out->layout == PP_VALUE_FLAT, err);
        backward_step(ctx, m, i, train, params);
    }
    ctx->grad_buffer[0] = input_buffer;
    return st;
}

static pp_status check_call(const pp_train_ctx *ctx, const pp_model *m, const pp_tensor *input, pp_error *err)
{
    const pp_arch *a = &m->arch;
    if (m->arena_floats != ctx->arena_floats)
        return pp_fail(err, PP_ERR_ARG, "training context was made for another model");
    if (m->derived_stale)
        return pp_fail(err, PP_ERR_ARG, "model parameters changed: call pp_model_prepare first");
    if (input->ndim != 4 || input->shape[1] != a->in_channels)
        return pp_fail(err, PP_ERR_SHAPE, "input must be (N, %d, H, W)", a->in_channels);
    if (input->shape[0] < 1 || input->shape[0] > 65536 || input->shape[2] < 1 || input->shape[3] < 1 ||
        input->shape[2] > 8192 || input->shape[3] > 8192)
        return pp_fail(err, PP_ERR_SHAPE, "input size is out of range");
    return PP_OK;
}

static pp_status check_labels(const pp_model *m, const int32_t *labels, int n, pp_error *err)
{
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= m->arch.num_classes)
            return pp_fail(err, PP_ERR_ARG, "label %d of sample %d is outside [0, %d)", (int)labels[i], i,
                           m->arch.num_classes);
    return PP_OK;
}

pp_status pp_train_forward_backward(pp_train_ctx *ctx, pp_model *m, const pp_tensor *input,
                                    const int32_t *labels, pp_train_stats *stats, pp_error *err)
{
    return pp_train_forward_backward_loss(ctx, m, input, labels, NULL, stats, err);
}

pp_status pp_train_forward_backward_loss(pp_train_ctx *ctx, pp_model *m, const pp_tensor *input,
                                         const int32_t *labels, const pp_loss_hook *loss_hook, pp_train_stats *stats,
                                         pp_error *err)
{
    const pp_arch *a = &m->arch;
    pp_status st = check_call(ctx, m, input, err);
    if (st != PP_OK)
        return st;
    const int n = (int)input->shape[0], h = (int)input->shape[2], w = (int)input->shape[3];
    if ((st = check_labels(m, labels, n, err)))
        return st;
    st = ensure_layout(ctx, m, n, h, w, true, err);
    if (st != PP_OK)
        return st;
    pp_to_channel_major(ctx->value[0], input->data, n, a->in_channels, h, w);
    const pp_plan *p = m->plan;
    ctx->forwards++;
    for (int i = 0; i < p->step_count; i++)
        forward_step(ctx, m, i, true);
    const double loss = loss_hook ? loss_hook->fn(ctx->dlogits, ctx->logits, labels, n, a->num_classes, loss_hook->ctx)
                                  : pp_cross_entropy(ctx->dlogits, ctx->logits, labels, n, a->num_classes);
    const int scored = loss_hook && loss_hook->scored > 0 && loss_hook->scored < n ? loss_hook->scored : n;
    if (stats) {
        stats->loss = loss;
        stats->correct = pp_top1_correct(ctx->logits, labels, scored, a->num_classes);
        stats->n = scored;
    }
    if (!isfinite(loss))
        return pp_fail(err, PP_ERR_ARG, "the loss is not finite (%g): the learning rate may be too high", loss);
    return backward(ctx, m, p->step_count - 1, true, true, false, NULL, err);
}

pp_status pp_model_backward(pp_train_ctx *ctx, const pp_model *m, const pp_tensor *input, pp_grad_request *req,
                            pp_error *err)
{
    const pp_arch *a = &m->arch;
    pp_status st = check_call(ctx, m, input, err);
    if (st != PP_OK)
        return st;
    const pp_plan *p = m->plan;
    const int n = (int)input->shape[0], h = (int)input->shape[2], w = (int)input->shape[3];
    const pp_step *seed_step = pp_plan_tap_step(p, req->seed_tap);
    if (!seed_step || req->seed_tap == PP_TAP_PUSH || req->seed_tap == PP_TAP_PULL || req->seed_tap == PP_TAP_KERNELS)
        return pp_fail(err, PP_ERR_ARG, "a gradient cannot enter at '%s' in this model", pp_tap_name(req->seed_tap));
    const int last = (int)(seed_step - p->steps);
    if (!req->seed && (!req->labels || req->seed_tap != PP_TAP_LOGITS))
        return pp_fail(err, PP_ERR_ARG, "a backward needs a seed gradient, or labels for the logits' cross-entropy");
    if (!req->seed && (st = check_labels(m, req->labels, n, err)))
        return st;
    st = ensure_layout(ctx, m, n, h, w, false, err);
    if (st != PP_OK)
        return st;
    const pp_value *seed_value = &p->values[seed_step->out];
    const int sh = ctx->vh[seed_step->out], sw = ctx->vw[seed_step->out];
    if (req->seed) {
        const pp_tensor *g = req->seed;
        bool fits = seed_value->layout == PP_VALUE_MAP
                        ? g->ndim == 4 && g->shape[0] == n && g->shape[1] == seed_value->channels && g->shape[2] == sh &&
                              g->shape[3] == sw
                        : g->ndim == 2 && g->shape[0] == n && g->shape[1] == seed_value->channels;
        if (!fits)
            return pp_fail(err, PP_ERR_SHAPE, "the seed gradient's shape does not match the '%s' activation",
                           pp_tap_name(req->seed_tap));
    }
    pp_to_channel_major(ctx->value[0], input->data, n, a->in_channels, h, w);
    /* eval mode writes no running statistics and no parameter gradient */
    for (int i = 0; i <= last; i++)
        forward_step(ctx, m, i, false);
    pp_taps *acts = req->activations;
    for (int i = 0; acts && i <= last && st == PP_OK; i++) {
        const pp_step *s = &p->steps[i];
        const pp_value *v = &p->values[s->out];
        for (int t = 0; t < PP_TAP_COUNT && st == PP_OK; t++)
            if ((s->taps & acts->requested & (1u << t)) && t != PP_TAP_PUSH && t != PP_TAP_PULL && t != PP_TAP_KERNELS) {
                if (v->layout == PP_VALUE_LOGITS) {
                    int64_t shape[2] = {n, v->channels};
                    st = pp_tensor_resize(&acts->out[t], 2, shape, err);
                    if (st == PP_OK)
                        memcpy(acts->out[t].data, ctx->logits, (size_t)n * v->channels * sizeof(float));
                } else {
                    st = pp_tensor_from_channel_major(&acts->out[t], ctx->value[s->out], n, v->channels,
                                                      ctx->vh[s->out], ctx->vw[s->out], v->layout == PP_VALUE_FLAT, err);
                }
            }
    }
    if (st != PP_OK)
        return st;
    if (req->seed_tap == PP_TAP_LOGITS && req->logits) {
        int64_t shape[2] = {n, a->num_classes};
        if ((st = pp_tensor_resize(req->logits, 2, shape, err)))
            return st;
        memcpy(req->logits->data, ctx->logits, (size_t)n * a->num_classes * sizeof(float));
    }
    float *g = seed_value->layout == PP_VALUE_LOGITS ? ctx->dlogits : ctx->gbuf[ctx->grad_buffer[seed_step->out]];
    if (!req->seed) {
        req->loss = pp_cross_entropy(ctx->dlogits, ctx->logits, req->labels, n, a->num_classes);
    } else if (seed_value->layout == PP_VALUE_MAP) {
        pp_to_channel_major(g, req->seed->data, n, seed_value->channels, sh, sw);
    } else if (seed_value->layout == PP_VALUE_FLAT) {
        pp_to_channel_major(g, req->seed->data, n, seed_value->channels, 1, 1);
    } else {
        memcpy(g, req->seed->data, (size_t)n * seed_value->channels * sizeof(float));
    }
    st = backward(ctx, m, last, false, false, req->input_grad != NULL, req->grads, err);
    if (st == PP_OK && req->input_grad)
        st = pp_tensor_from_channel_major(req->input_grad, ctx->gbuf[ctx->grad_buffer[0]], n, a->in_channels, h, w,
                                          false, err);
    return st;
}

pp_status pp_train_step(pp_train_ctx *ctx, pp_model *m, const pp_tensor *input, const int32_t *labels,
                        const pp_sgd_config *cfg, float lr, pp_train_stats *stats, pp_error *err)
{
    return pp_train_step_loss(ctx, m, input, labels, NULL, cfg, lr, stats, err);
}

pp_status pp_train_step_loss(pp_train_ctx *ctx, pp_model *m, const pp_tensor *input, const int32_t *labels,
                             const pp_loss_hook *loss, const pp_sgd_config *cfg, float lr, pp_train_stats *stats,
                             pp_error *err)
{
    pp_train_zero_grad(ctx);
    pp_status st = pp_train_forward_backward_loss(ctx, m, input, labels, loss, stats, err);
    if (st != PP_OK)
        return st;
    pp_train_apply_sgd(ctx, m, cfg, lr);
    return PP_OK;
}

void pp_train_apply_sgd(pp_train_ctx *ctx, pp_model *m, const pp_sgd_config *cfg, float lr)
{
    pp_sgd_step(m, ctx->grad, ctx->momentum, &ctx->first_step, cfg, lr, ctx->threads);
    pp_model_prepare_threads(m, ctx->threads);
}
