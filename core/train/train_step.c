#include "train_step.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../ops/linear.h"
#include "../ops/pool.h"
#include "../ops/winograd.h"
#include "../pushpull.h"
#include "../threads.h"
#include "batchnorm_train.h"
#include "conv_backward.h"
#include "linear_train.h"
#include "loss.h"
#include "pool_train.h"
#include "pushpull_train.h"

/* What the backward needs of one convolution followed by BatchNorm. */
typedef struct {
    const pp_conv_layer *conv;
    pp_bn_layer *bn;
    int h, w, ho, wo; /* input and output size */
    const float *in;  /* (C, N, H, W) the conv's input (owned by another record) */
    float *pre;       /* (K, N, Ho, Wo) conv output, before BN */
    float *post;      /* (K, N, Ho, Wo) BN output (+ residual), after ReLU where there is one */
    float *mean, *invstd; /* (K) batch statistics */
} conv_bn_rec;

typedef struct {
    conv_bn_rec c1, c2, c3, down; /* c3 in bottlenecks only; down if the block has one */
} block_rec;

#define GRAD_BUFFERS 5

struct pp_train_ctx {
    size_t arena_floats;
    float *grad;     /* (arena_floats) mirrors the model's arena */
    float *momentum; /* (arena_floats) */
    bool first_step;

    int threads; /* every op of a step runs on this many; scratch is per thread */
    /* activations for one input shape */
    int n, h, w;
    float *acts;  /* every activation below, in one allocation */
    size_t acts_floats;
    float *input;     /* (C, N, H, W) */
    conv_bn_rec stem; /* pre = conv1 / unit output; post = after BN, ReLU */
    float *responses; /* (2K, N, Ho, Wo) push and pooled pull (push-pull stem) */
    float *pooled;    /* (K, N, Ho/2, Wo/2) after the max-pool (ImageNet stem) */
    int32_t *argmax;  /* (K, N, Ho/2, Wo/2) */
    int stem_h, stem_w; /* stem output size, after the max-pool */
    block_rec *blocks;
    int block_count;
    float *features;  /* (F, N) */
    float *logits;    /* (N, O) */
    float *dlogits;   /* (N, O) */
    float *dfeatures; /* (F, N) */
    float *g[GRAD_BUFFERS]; /* (largest activation) gradient scratch */
    float *dx_tmp;  /* (largest activation) input gradient before it is added */
    float *flipped; /* (largest conv weight) W transposed and flipped */
    float *wino;    /* (36, C, K) its Winograd transform */
    float *workspace;
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
    ctx->blocks = calloc((size_t)m->block_count, sizeof *ctx->blocks);
    ctx->block_count = m->block_count;
    if (!ctx->grad || !ctx->momentum || !ctx->blocks) {
        pp_train_ctx_free(ctx);
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate %zu MB of gradients and momentum", 2 * bytes >> 20);
    }
    memset(ctx->grad, 0, bytes);
    memset(ctx->momentum, 0, bytes);
    ctx->first_step = true;
    *out = ctx;
    return PP_OK;
}

void pp_train_ctx_free(pp_train_ctx *ctx)
{
    if (!ctx)
        return;
    free(ctx->grad);
    free(ctx->momentum);
    free(ctx->acts);
    free(ctx->blocks);
    free(ctx);
}

void pp_train_zero_grad(pp_train_ctx *ctx)
{
    memset(ctx->grad, 0, ctx->arena_floats * sizeof(float));
}

/* The gradient slot of a pointer into the model's arena. */
static float *grad_of(pp_train_ctx *ctx, const pp_model *m, const float *param)
{
    return param ? ctx->grad + (param - m->arena) : NULL;
}

float *pp_train_grad(pp_train_ctx *ctx, const pp_model *m, const pp_param *p)
{
    return grad_of(ctx, m, p->data);
}

/* ---- layout: one walk over the network, run twice (size, then assign) ---- */

typedef struct {
    pp_train_ctx *ctx;
    bool assign;
    size_t cursor, largest, workspace, weights, wino;
} layout;

static float *take(layout *l, size_t floats)
{
    size_t start = (l->cursor + 15) & ~(size_t)15;
    l->cursor = start + floats;
    return l->assign ? l->ctx->acts + start : NULL;
}

static void need_workspace(layout *l, size_t floats)
{
    if (floats > l->workspace)
        l->workspace = floats;
}

/* Winograd where it pays, with the model's kernels or, for layers too wide to
 * keep them (see model.c), kernels transformed into ctx->wino on each step. */
static bool use_winograd(const pp_conv_layer *c, int n, int h, int w, int threads)
{
    return pp_winograd_supports(&c->shape) && pp_winograd_preferred(&c->shape, n, h, w, threads);
}

/* For stride-1 "same" convolutions the input gradient is itself a
 * convolution: dY with the kernels transposed (K <-> C) and flipped, same
 * padding. Running it through the forward's fast paths (Winograd included)
 * beats the GEMM + col2im route. */
static bool by_transposed_forward(const pp_conv_shape *s)
{
    return s->stride == 1 && s->kh == s->kw && s->kh > 1 && 2 * s->pad == s->kh - 1;
}

static pp_conv_shape transposed_shape(const pp_conv_shape *s)
{
    pp_conv_shape t = *s;
    t.cin = s->cout;
    t.cout = s->cin;
    return t;
}

static bool transposed_winograd(const pp_conv_shape *t, int n, int h, int w, int threads)
{
    return pp_winograd_supports(t) && pp_winograd_preferred(t, n, h, w, threads);
}

/* flipped: (C, K, kh, kw) from weight (K, C, kh, kw), each kernel rotated 180 degrees. */
static void flip_transpose(float *flipped, const float *weight, const pp_conv_shape *s)
{
    const int kk = s->kh * s->kw;
    for (int k = 0; k < s->cout; k++)
        for (int c = 0; c < s->cin; c++) {
            const float *src = weight + ((size_t)k * s->cin + c) * kk;
            float *dst = flipped + ((size_t)c * s->cout + k) * kk;
            for (int i = 0; i < kk; i++)
                dst[i] = src[kk - 1 - i];
        }
}

static void layout_conv(layout *l, conv_bn_rec *r, const pp_conv_layer *conv, const pp_conv_shape *s,
                        pp_bn_layer *bn, const float *in, int n, int h, int w)
{
    const int threads = l->ctx->threads;
    r->conv = conv;
    r->bn = bn;
    r->in = in;
    r->h = h;
    r->w = w;
    r->ho = pp_conv_out_size(h, s->kh, s->stride, s->pad);
    r->wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    size_t act = (size_t)s->cout * n * r->ho * r->wo;
    r->pre = take(l, act);
    r->post = take(l, act);
    r->mean = take(l, (size_t)s->cout);
    r->invstd = take(l, (size_t)s->cout);
    if (act > l->largest)
        l->largest = act;
    need_workspace(l, pp_conv2d_workspace_floats(s, n, h, w, threads));
    need_workspace(l, pp_conv2d_backward_workspace_floats(s, n, h, w, threads));
    if (conv && use_winograd(conv, n, h, w, threads)) {
        need_workspace(l, pp_winograd_workspace_floats(s, n, h, w, threads));
        if (!conv->winograd && pp_winograd_weight_floats(s) > l->wino)
            l->wino = pp_winograd_weight_floats(s);
    }
    if (conv && by_transposed_forward(s)) {
        pp_conv_shape t = transposed_shape(s);
        size_t wf = (size_t)s->cout * s->cin * s->kh * s->kw;
        l->weights = wf > l->weights ? wf : l->weights;
        need_workspace(l, pp_conv2d_workspace_floats(&t, n, r->ho, r->wo, threads));
        if (transposed_winograd(&t, n, r->ho, r->wo, threads)) {
            size_t u = pp_winograd_weight_floats(&t);
            l->wino = u > l->wino ? u : l->wino;
            need_workspace(l, pp_winograd_workspace_floats(&t, n, r->ho, r->wo, threads));
        }
    }
}

static pp_status layout_all(layout *l, const pp_model *m, int n, int h, int w, pp_error *err)
{
    pp_train_ctx *ctx = l->ctx;
    const pp_arch *a = &m->arch;
    const size_t in_floats = (size_t)a->in_channels * n * h * w;
    const int threads = ctx->threads;
    ctx->input = take(l, in_floats);
    if (in_floats > l->largest)
        l->largest = in_floats;
    /* g[0] is the push-pull unit's scratch in the forward pass */
    if (a->push_pull && pp_pushpull_scratch_floats(&m->pp, n, h, w, threads) > l->largest)
        l->largest = pp_pushpull_scratch_floats(&m->pp, n, h, w, threads);
    const pp_conv_shape *stem = a->push_pull ? &m->pp.shape : &m->conv1.shape;
    if (h + 2 * stem->pad < stem->kh || w + 2 * stem->pad < stem->kw)
        return pp_fail(err, PP_ERR_SHAPE, "input %dx%d is smaller than the first kernel", h, w);
    layout_conv(l, &ctx->stem, a->push_pull ? NULL : &m->conv1, stem, (pp_bn_layer *)&m->bn, ctx->input, n, h, w);
    int ho = ctx->stem.ho, wo = ctx->stem.wo;
    size_t p = (size_t)n * ho * wo;
    if (a->push_pull) {
        ctx->responses = take(l, 2 * (size_t)stem->cout * p);
        need_workspace(l, pp_pushpull_backward_workspace_floats(&m->pp, n, h, w, threads));
        pp_conv_shape stacked = *stem;
        stacked.cout *= 2;
        need_workspace(l, pp_conv2d_workspace_floats(&stacked, n, h, w, threads));
    }
    const float *x = ctx->stem.post;
    if (a->stem == PP_STEM_IMAGENET) {
        ho = pp_conv_out_size(ho, 3, 2, 1);
        wo = pp_conv_out_size(wo, 3, 2, 1);
        ctx->pooled = take(l, (size_t)stem->cout * n * ho * wo);
        ctx->argmax = (int32_t *)take(l, (size_t)stem->cout * n * ho * wo);
        x = ctx->pooled;
    }
    ctx->stem_h = ho;
    ctx->stem_w = wo;
    if ((size_t)n * ho * wo < 2)
        return pp_fail(err, PP_ERR_SHAPE, "BatchNorm needs more than one value per channel in training");
    for (int b = 0; b < m->block_count; b++) {
        pp_block *blk = &m->blocks[b];
        block_rec *r = &ctx->blocks[b];
        layout_conv(l, &r->c1, &blk->conv1, &blk->conv1.shape, &blk->bn1, x, n, ho, wo);
        layout_conv(l, &r->c2, &blk->conv2, &blk->conv2.shape, &blk->bn2, r->c1.post, n, r->c1.ho, r->c1.wo);
        conv_bn_rec *last = &r->c2;
        if (a->block == PP_BLOCK_BOTTLENECK) {
            layout_conv(l, &r->c3, &blk->conv3, &blk->conv3.shape, &blk->bn3, r->c2.post, n, r->c2.ho, r->c2.wo);
            last = &r->c3;
        }
        if (blk->has_downsample)
            layout_conv(l, &r->down, &blk->down, &blk->down.shape, &blk->down_bn, x, n, ho, wo);
        ho = last->ho;
        wo = last->wo;
        x = last->post;
        if (ho < 1 || wo < 1)
            return pp_fail(err, PP_ERR_SHAPE, "input is too small for this network");
        if ((size_t)n * ho * wo < 2)
            return pp_fail(err, PP_ERR_SHAPE,
                           "BatchNorm needs more than one value per channel in training: use a batch of 2 or more");
    }
    const size_t feat = (size_t)pp_arch_feature_dim(a) * n, classes = (size_t)a->num_classes * n;
    ctx->features = take(l, feat);
    ctx->dfeatures = take(l, feat);
    ctx->logits = take(l, classes);
    ctx->dlogits = take(l, classes);
    for (int i = 0; i < GRAD_BUFFERS; i++)
        ctx->g[i] = take(l, l->largest);
    ctx->dx_tmp = take(l, l->largest);
    ctx->flipped = take(l, l->weights);
    ctx->wino = take(l, l->wino);
    ctx->workspace = take(l, l->workspace);
    return PP_OK;
}

static pp_status ensure_layout(pp_train_ctx *ctx, const pp_model *m, int n, int h, int w, pp_error *err)
{
    if (ctx->acts && ctx->n == n && ctx->h == h && ctx->w == w)
        return PP_OK;
    layout size = {.ctx = ctx};
    pp_status st = layout_all(&size, m, n, h, w, err);
    if (st != PP_OK)
        return st;
    free(ctx->acts);
    ctx->acts = pp_aligned_alloc(size.cursor * sizeof(float));
    ctx->n = ctx->h = ctx->w = 0;
    if (!ctx->acts)
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate %zu MB of training activations for a batch of %d",
                       size.cursor * sizeof(float) >> 20, n);
    layout assign = {.ctx = ctx, .assign = true};
    st = layout_all(&assign, m, n, h, w, err);
    if (st != PP_OK)
        return st;
    ctx->n = n;
    ctx->h = h;
    ctx->w = w;
    return PP_OK;
}

/* ---- forward ---- */

static void conv_forward(pp_train_ctx *ctx, float *out, const float *in, const pp_conv_layer *c, int n, int h, int w)
{
    pp_epilogue ep = {.shift = c->bias};
    const float *kernels = NULL;
    if (use_winograd(c, n, h, w, ctx->threads))
        kernels = c->winograd ? c->winograd
                  : pp_winograd_transform_weights(ctx->wino, c->weight, &c->shape, ctx->threads) ? ctx->wino : NULL;
    if (kernels)
        pp_winograd_forward(out, in, kernels, &c->shape, n, h, w, &ep, ctx->workspace, ctx->threads);
    else
        pp_conv2d_forward(out, in, c->weight, &c->shape, n, h, w, &ep, ctx->workspace, ctx->threads);
}

static size_t rec_plane(const conv_bn_rec *r, int n)
{
    return (size_t)n * r->ho * r->wo;
}

/* BN in training mode on r->pre into r->post (+ residual), ReLU if relu. */
static void bn_forward(conv_bn_rec *r, int n, const float *residual, bool relu, int threads)
{
    pp_bn_layer *bn = r->bn;
    pp_batchnorm_train_forward(r->post, r->mean, r->invstd, r->pre, residual, bn->gamma, bn->beta, bn->mean,
                               bn->var, &bn->num_batches_tracked, PP_BN_MOMENTUM, 1e-5f, relu, bn->channels,
                               rec_plane(r, n), threads);
}

static void conv_bn_forward(pp_train_ctx *ctx, conv_bn_rec *r, const float *residual, bool relu)
{
    conv_forward(ctx, r->pre, r->in, r->conv, ctx->n, r->h, r->w);
    bn_forward(r, ctx->n, residual, relu, ctx->threads);
}

static void forward(pp_train_ctx *ctx, const pp_model *m)
{
    const pp_arch *a = &m->arch;
    const int n = ctx->n, k = a->width;
    if (a->push_pull)
        pp_pushpull_forward(ctx->stem.pre, ctx->responses, ctx->g[0], ctx->input, &m->pp, n, ctx->h, ctx->w,
                            ctx->workspace, ctx->threads);
    else
        conv_forward(ctx, ctx->stem.pre, ctx->input, &m->conv1, n, ctx->h, ctx->w);
    bn_forward(&ctx->stem, n, NULL, true, ctx->threads);
    if (a->stem == PP_STEM_IMAGENET)
        pp_maxpool2d_train_forward(ctx->pooled, ctx->argmax, ctx->stem.post, (size_t)k * n, ctx->stem.ho,
                                   ctx->stem.wo, 3, 2, 1, ctx->threads);
    const float *x = a->stem == PP_STEM_IMAGENET ? ctx->pooled : ctx->stem.post;
    for (int b = 0; b < m->block_count; b++) {
        const pp_block *blk = &m->blocks[b];
        block_rec *r = &ctx->blocks[b];
        const bool bottleneck = a->block == PP_BLOCK_BOTTLENECK;
        conv_bn_forward(ctx, &r->c1, NULL, true);
        if (bottleneck)
            conv_bn_forward(ctx, &r->c2, NULL, true);
        const float *identity = x;
        if (blk->has_downsample) {
            conv_bn_forward(ctx, &r->down, NULL, false);
            identity = r->down.post;
        }
        conv_bn_rec *last = bottleneck ? &r->c3 : &r->c2;
        conv_bn_forward(ctx, last, identity, true);
        x = last->post;
    }
}

/* ---- backward ---- */

/* Gradient of a conv + BN record: dy is the gradient of r->post (ReLU mask
 * applied here when masked); dx (may be NULL) accumulates the gradient of
 * the conv's input. Uses ctx->g[scratch] for the gradient of r->pre. */
static void conv_bn_backward(pp_train_ctx *ctx, const pp_model *m, conv_bn_rec *r, float *dx, const float *dy,
                             bool masked, float *scratch)
{
    const int n = ctx->n;
    pp_bn_layer *bn = r->bn;
    pp_batchnorm_train_backward(scratch, grad_of(ctx, m, bn->gamma), grad_of(ctx, m, bn->beta), dy,
                                masked ? r->post : NULL, r->pre, r->mean, r->invstd, bn->gamma, bn->channels,
                                rec_plane(r, n), ctx->threads);
    const pp_conv_layer *c = r->conv;
    const bool transposed = dx && by_transposed_forward(&c->shape);
    pp_conv2d_backward(transposed ? NULL : dx, grad_of(ctx, m, c->weight), grad_of(ctx, m, c->bias), scratch,
                       r->in, c->weight, &c->shape, n, r->h, r->w, ctx->workspace, ctx->threads);
    if (transposed) {
        const pp_conv_shape t = transposed_shape(&c->shape);
        flip_transpose(ctx->flipped, c->weight, &c->shape);
        if (transposed_winograd(&t, n, r->ho, r->wo, ctx->threads) &&
            pp_winograd_transform_weights(ctx->wino, ctx->flipped, &t, ctx->threads)) {
            pp_winograd_forward(ctx->dx_tmp, scratch, ctx->wino, &t, n, r->ho, r->wo, NULL, ctx->workspace,
                                ctx->threads);
        } else {
            pp_conv2d_forward(ctx->dx_tmp, scratch, ctx->flipped, &t, n, r->ho, r->wo, NULL, ctx->workspace,
                              ctx->threads);
        }
        const size_t count = (size_t)c->shape.cin * n * r->h * r->w;
        const float *src = ctx->dx_tmp;
#pragma omp parallel for schedule(static) num_threads(ctx->threads)
        for (size_t i = 0; i < count; i++)
            dx[i] += src[i];
    }
}

static void zero(float *x, size_t count)
{
    memset(x, 0, count * sizeof(float));
}

static void backward(pp_train_ctx *ctx, const pp_model *m)
{
    const pp_arch *a = &m->arch;
    const int n = ctx->n, k = a->width, classes = a->num_classes;
    const bool bottleneck = a->block == PP_BLOCK_BOTTLENECK;
    const int feat = pp_arch_feature_dim(a);
    float *gA = ctx->g[0], *gX = ctx->g[1], *t1 = ctx->g[2], *t2 = ctx->g[3], *t3 = ctx->g[4];

    /* head: logits -> features -> last block output */
    pp_linear_backward(ctx->dfeatures, grad_of(ctx, m, m->fc_weight), grad_of(ctx, m, m->fc_bias), ctx->dlogits,
                       ctx->features, m->fc_weight, n, feat, classes);
    const conv_bn_rec *tail = m->block_count ? (bottleneck ? &ctx->blocks[m->block_count - 1].c3
                                                           : &ctx->blocks[m->block_count - 1].c2)
                                             : NULL;
    const size_t tail_plane = (size_t)tail->ho * tail->wo;
    zero(gA, (size_t)feat * n * tail_plane);
    pp_global_avgpool_backward(gA, ctx->dfeatures, (size_t)feat * n, tail_plane, ctx->threads);

    for (int b = m->block_count - 1; b >= 0; b--) {
        const pp_block *blk = &m->blocks[b];
        block_rec *r = &ctx->blocks[b];
        conv_bn_rec *last = bottleneck ? &r->c3 : &r->c2;
        const size_t out_count = (size_t)last->bn->channels * rec_plane(last, n);
        const size_t in_count = (size_t)r->c1.conv->shape.cin * n * r->c1.h * r->c1.w;
        /* through the final ReLU: gA becomes the gradient of branch + identity */
        pp_relu_backward(gA, gA, last->post, out_count, ctx->threads);
        if (blk->has_downsample) {
            zero(gX, in_count);
            conv_bn_backward(ctx, m, &r->down, gX, gA, false, t1);
        } else {
            memcpy(gX, gA, in_count * sizeof(float));
        }
        /* the branch, last conv first; t2 (then t3) hold the gradient of each conv's input */
        zero(t2, (size_t)last->conv->shape.cin * n * last->h * last->w);
        conv_bn_backward(ctx, m, last, t2, gA, false, t1);
        float *g_mid = t2;
        if (bottleneck) {
            zero(t3, (size_t)r->c2.conv->shape.cin * n * r->c2.h * r->c2.w);
            conv_bn_backward(ctx, m, &r->c2, t3, t2, true, t1);
            g_mid = t3;
        }
        conv_bn_backward(ctx, m, &r->c1, gX, g_mid, true, t1);
        float *swap = gA;
        gA = gX;
        gX = swap;
    }

    /* stem: gA is the gradient of the stem output */
    const size_t stem_count = (size_t)k * rec_plane(&ctx->stem, n);
    const float *g_stem = gA;
    if (a->stem == PP_STEM_IMAGENET) {
        zero(gX, stem_count);
        pp_maxpool2d_backward(gX, gA, ctx->argmax, (size_t)k * n, ctx->stem.ho, ctx->stem.wo, ctx->stem_h,
                              ctx->stem_w, ctx->threads);
        g_stem = gX;
    }
    pp_bn_layer *bn = ctx->stem.bn;
    pp_batchnorm_train_backward(t1, grad_of(ctx, m, bn->gamma), grad_of(ctx, m, bn->beta), g_stem, ctx->stem.post,
                                ctx->stem.pre, ctx->stem.mean, ctx->stem.invstd, bn->gamma, k,
                                rec_plane(&ctx->stem, n), ctx->threads);
    if (a->push_pull) {
        const pp_pushpull_unit *u = &m->pp;
        pp_pushpull_backward(NULL, grad_of(ctx, m, u->weight), a->alpha_trainable ? grad_of(ctx, m, u->alpha) : NULL,
                             grad_of(ctx, m, u->bias), t1, ctx->responses, ctx->input, u, n, ctx->h, ctx->w,
                             ctx->workspace, ctx->threads);
    } else {
        const pp_conv_layer *c = &m->conv1;
        pp_conv2d_backward(NULL, grad_of(ctx, m, c->weight), grad_of(ctx, m, c->bias), t1, ctx->input, c->weight,
                           &c->shape, n, ctx->h, ctx->w, ctx->workspace, ctx->threads);
    }
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
    if (m->arena_floats != ctx->arena_floats)
        return pp_fail(err, PP_ERR_ARG, "training context was made for another model");
    if (m->derived_stale)
        return pp_fail(err, PP_ERR_ARG, "model parameters changed: call pp_model_prepare first");
    if (input->ndim != 4 || input->shape[1] != a->in_channels)
        return pp_fail(err, PP_ERR_SHAPE, "input must be (N, %d, H, W)", a->in_channels);
    if (input->shape[0] < 1 || input->shape[0] > 65536 || input->shape[2] < 1 || input->shape[3] < 1 ||
        input->shape[2] > 8192 || input->shape[3] > 8192)
        return pp_fail(err, PP_ERR_SHAPE, "input size is out of range");
    const int n = (int)input->shape[0], h = (int)input->shape[2], w = (int)input->shape[3];
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= a->num_classes)
            return pp_fail(err, PP_ERR_ARG, "label %d of sample %d is outside [0, %d)", (int)labels[i], i,
                           a->num_classes);
    pp_status st = ensure_layout(ctx, m, n, h, w, err);
    if (st != PP_OK)
        return st;

    /* NCHW -> (C, N, H, W) */
    const size_t plane = (size_t)h * w;
    for (int img = 0; img < n; img++)
        for (int c = 0; c < a->in_channels; c++)
            memcpy(ctx->input + ((size_t)c * n + img) * plane, input->data + ((size_t)img * a->in_channels + c) * plane,
                   plane * sizeof(float));

    forward(ctx, m);
    const conv_bn_rec *tail = a->block == PP_BLOCK_BOTTLENECK ? &ctx->blocks[m->block_count - 1].c3
                                                              : &ctx->blocks[m->block_count - 1].c2;
    const int feat = pp_arch_feature_dim(a);
    pp_global_avgpool_forward(ctx->features, tail->post, (size_t)feat * n, (size_t)tail->ho * tail->wo,
                              ctx->threads);
    pp_linear_forward(ctx->logits, ctx->features, m->fc_weight, m->fc_bias, n, feat, a->num_classes);
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
    backward(ctx, m);
    return PP_OK;
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
