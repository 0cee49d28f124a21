#include "forward.h"

#include <stdlib.h>
#include <string.h>

#include "kernel_cache.h"
#include "ops/linear.h"
#include "ops/pool.h"
#include "ops/winograd.h"
#include "pushpull.h"
#include "threads.h"

static const char *const tap_names[PP_TAP_COUNT] = {
    "conv1", "push", "pull", "kernels", "stem", "layer1", "layer2", "layer3", "layer4", "features", "logits",
};

const char *pp_tap_name(pp_tap t)
{
    return (unsigned)t < PP_TAP_COUNT ? tap_names[t] : "?";
}

pp_status pp_tap_from_name(const char *name, pp_tap *t, pp_error *err)
{
    for (int i = 0; i < PP_TAP_COUNT; i++)
        if (strcmp(name, tap_names[i]) == 0) {
            *t = (pp_tap)i;
            return PP_OK;
        }
    return pp_fail(err, PP_ERR_ARG,
                   "unknown layer '%s' (conv1, push, pull, kernels, stem, layer1..layer4, features, logits)", name);
}

void pp_taps_free(pp_taps *taps)
{
    for (int i = 0; i < PP_TAP_COUNT; i++)
        pp_tensor_free(&taps->out[i]);
}

/* Activation buffers: four of the largest activation's size (a bottleneck needs
 * input, two temporaries and the downsampled identity alive at once), the
 * PushPull responses, conv scratch and the channel-major input. */
#define ACT_BUFFERS 4

struct pp_forward_ctx {
    float *act[ACT_BUFFERS];
    size_t act_floats;
    float *responses, *pool_scratch;
    size_t responses_floats, pool_scratch_floats;
    float *workspace;
    size_t workspace_floats;
    float *input;
    size_t input_floats;
    float *features;
    size_t features_floats;
    pp_kernel_cache *kernels; /* Winograd kernels of the wide layers */
    int threads;              /* every op of a forward runs on this many */
};

pp_forward_ctx *pp_forward_ctx_new(int threads)
{
    pp_forward_ctx *ctx = calloc(1, sizeof(pp_forward_ctx));
    if (ctx)
        ctx->threads = pp_threads_clamp(threads);
    return ctx;
}

int pp_forward_ctx_threads(const pp_forward_ctx *ctx)
{
    return ctx->threads;
}

void pp_forward_ctx_set_threads(pp_forward_ctx *ctx, int threads)
{
    ctx->threads = pp_threads_clamp(threads);
}

void pp_forward_ctx_free(pp_forward_ctx *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < ACT_BUFFERS; i++)
        free(ctx->act[i]);
    free(ctx->responses);
    free(ctx->pool_scratch);
    free(ctx->workspace);
    free(ctx->input);
    free(ctx->features);
    pp_kernel_cache_free(ctx->kernels);
    free(ctx);
}

static bool ensure(float **buf, size_t *have, size_t need)
{
    if (*have >= need && *buf)
        return true;
    free(*buf);
    *buf = pp_aligned_alloc((need ? need : 1) * sizeof(float));
    *have = *buf ? need : 0;
    return *buf != NULL;
}

/* ---- planning: walk the network once to size every buffer ---- */

typedef struct {
    size_t act, responses, workspace;
    int threads; /* the context's: workspace sizes depend on it */
} plan_sizes;

static void plan_conv(plan_sizes *ps, const pp_conv_shape *s, int n, int *h, int *w);

static bool use_winograd(const pp_conv_layer *c, int n, int h, int w, int threads)
{
    return pp_winograd_supports(&c->shape) && pp_winograd_preferred(&c->shape, n, h, w, threads);
}

/* One convolution layer with its epilogue, by the fastest applicable method. */
static void conv_layer(pp_forward_ctx *ctx, const pp_model *m, float *out, const float *in, const pp_conv_layer *c,
                       int n, int h, int w, const pp_epilogue *ep)
{
    const float *kernels = NULL;
    if (use_winograd(c, n, h, w, ctx->threads))
        kernels = c->winograd ? c->winograd : pp_kernel_cache_get(&ctx->kernels, m, c, ctx->threads);
    if (kernels)
        pp_winograd_forward(out, in, kernels, &c->shape, n, h, w, ep, ctx->workspace, ctx->threads);
    else
        pp_conv2d_forward(out, in, c->weight, &c->shape, n, h, w, ep, ctx->workspace, ctx->threads);
}

static void plan_layer(plan_sizes *ps, const pp_conv_layer *c, int n, int *h, int *w)
{
    if (use_winograd(c, n, *h, *w, ps->threads)) {
        size_t ws = pp_winograd_workspace_floats(&c->shape, n, *h, *w, ps->threads);
        if (ws > ps->workspace)
            ps->workspace = ws;
    }
    plan_conv(ps, &c->shape, n, h, w);
}

static void plan_conv(plan_sizes *ps, const pp_conv_shape *s, int n, int *h, int *w)
{
    size_t ws = pp_conv2d_workspace_floats(s, n, *h, *w, ps->threads);
    if (ws > ps->workspace)
        ps->workspace = ws;
    *h = pp_conv_out_size(*h, s->kh, s->stride, s->pad);
    *w = pp_conv_out_size(*w, s->kw, s->stride, s->pad);
    size_t act = (size_t)s->cout * n * *h * *w;
    if (act > ps->act)
        ps->act = act;
}

static pp_status plan(const pp_model *m, int n, int h, int w, int threads, plan_sizes *ps, pp_error *err)
{
    memset(ps, 0, sizeof *ps);
    ps->threads = threads;
    const pp_conv_shape *stem = m->arch.push_pull ? &m->pp.shape : &m->conv1.shape;
    if (h + 2 * stem->pad < stem->kh || w + 2 * stem->pad < stem->kw)
        return pp_fail(err, PP_ERR_SHAPE, "input %dx%d is smaller than the first kernel", h, w);
    if (m->arch.push_pull) {
        pp_conv_shape stacked = *stem;
        stacked.cout *= 2;
        int hh = h, ww = w;
        plan_conv(ps, &stacked, n, &hh, &ww);
        ps->responses = ps->act;
    }
    plan_conv(ps, stem, n, &h, &w);
    if (m->arch.stem == PP_STEM_IMAGENET) {
        h = pp_conv_out_size(h, 3, 2, 1);
        w = pp_conv_out_size(w, 3, 2, 1);
    }
    for (int b = 0; b < m->block_count; b++) {
        const pp_block *blk = &m->blocks[b];
        int h0 = h, w0 = w;
        plan_layer(ps, &blk->conv1, n, &h, &w);
        plan_layer(ps, &blk->conv2, n, &h, &w);
        if (m->arch.block == PP_BLOCK_BOTTLENECK)
            plan_layer(ps, &blk->conv3, n, &h, &w);
        if (blk->has_downsample)
            plan_layer(ps, &blk->down, n, &h0, &w0);
        if (h < 1 || w < 1)
            return pp_fail(err, PP_ERR_SHAPE, "input is too small for this network");
    }
    return PP_OK;
}

/* ---- taps ---- */

static bool wants(const pp_taps *taps, pp_tap t)
{
    return taps && (taps->requested & (1u << t));
}

/* Copies a channel-major (C, N, H, W) activation into an NCHW tap. */
static pp_status capture(pp_taps *taps, pp_tap t, const float *src, int c, int n, int h, int w, pp_error *err)
{
    int64_t shape[4] = {n, c, h, w};
    pp_status st = pp_tensor_resize(&taps->out[t], 4, shape, err);
    if (st != PP_OK)
        return st;
    size_t plane = (size_t)h * w;
    for (int img = 0; img < n; img++)
        for (int ch = 0; ch < c; ch++)
            memcpy(taps->out[t].data + ((size_t)img * c + ch) * plane, src + ((size_t)ch * n + img) * plane,
                   plane * sizeof(float));
    return PP_OK;
}

static pp_status capture_kernels(const pp_model *m, pp_taps *taps, pp_error *err)
{
    if (m->arch.push_pull) {
        const pp_pushpull_unit *u = &m->pp;
        int e = pp_pushpull_effective_size(u);
        int64_t shape[4] = {u->shape.cout, u->shape.cin, e, e};
        pp_status st = pp_tensor_resize(&taps->out[PP_TAP_KERNELS], 4, shape, err);
        if (st == PP_OK)
            pp_pushpull_effective_kernels(taps->out[PP_TAP_KERNELS].data, u, -1.0f);
        return st;
    }
    const pp_conv_shape *s = &m->conv1.shape;
    int64_t shape[4] = {s->cout, s->cin, s->kh, s->kw};
    pp_status st = pp_tensor_resize(&taps->out[PP_TAP_KERNELS], 4, shape, err);
    if (st == PP_OK)
        memcpy(taps->out[PP_TAP_KERNELS].data, m->conv1.weight, (size_t)pp_shape_numel(4, shape) * sizeof(float));
    return st;
}

static int pick_free(int a, int b, int c)
{
    for (int i = 0; i < ACT_BUFFERS; i++)
        if (i != a && i != b && i != c)
            return i;
    return -1;
}

pp_status pp_model_forward(const pp_model *m, pp_forward_ctx *ctx, const pp_tensor *input,
                           pp_tensor *logits, pp_taps *taps, pp_error *err)
{
    const pp_arch *a = &m->arch;
    if (input->ndim != 4)
        return pp_fail(err, PP_ERR_SHAPE, "input must be 4-D (N, C, H, W), got %d dimensions", input->ndim);
    if (input->shape[1] != a->in_channels)
        return pp_fail(err, PP_ERR_SHAPE, "input has %lld channels; the model takes %d",
                       (long long)input->shape[1], a->in_channels);
    if (input->shape[0] < 1 || input->shape[0] > 65536 || input->shape[2] < 1 || input->shape[3] < 1 ||
        input->shape[2] > 8192 || input->shape[3] > 8192)
        return pp_fail(err, PP_ERR_SHAPE, "input size (%lld, %lld, %lld, %lld) is out of range",
                       (long long)input->shape[0], (long long)input->shape[1], (long long)input->shape[2],
                       (long long)input->shape[3]);
    if (m->derived_stale)
        return pp_fail(err, PP_ERR_ARG, "model parameters changed: call pp_model_prepare first");
    const int n = (int)input->shape[0], c_in = a->in_channels;
    int h = (int)input->shape[2], w = (int)input->shape[3];

    plan_sizes ps;
    pp_status st = plan(m, n, h, w, ctx->threads, &ps, err);
    if (st != PP_OK)
        return st;
    size_t in_floats = (size_t)c_in * n * h * w;
    bool ok = ensure(&ctx->input, &ctx->input_floats, in_floats) &&
              ensure(&ctx->workspace, &ctx->workspace_floats, ps.workspace);
    for (int i = 0; i < ACT_BUFFERS && ok; i++) {
        size_t have = ctx->act_floats;
        ok = ensure(&ctx->act[i], &have, ps.act);
    }
    if (ok)
        ctx->act_floats = ctx->act_floats > ps.act ? ctx->act_floats : ps.act;
    if (ok && ps.responses) {
        size_t have = ctx->responses_floats;
        ok = ensure(&ctx->responses, &have, ps.responses);
        ok = ok && ensure(&ctx->pool_scratch, &ctx->pool_scratch_floats,
                          pp_pushpull_scratch_floats(&m->pp, n, h, w, ctx->threads));
        if (ok)
            ctx->responses_floats = ctx->responses_floats > ps.responses ? ctx->responses_floats : ps.responses;
    }
    int feat = pp_arch_feature_dim(a);
    ok = ok && ensure(&ctx->features, &ctx->features_floats, (size_t)feat * n);
    if (!ok)
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate activation buffers for a batch of %d", n);

    /* NCHW -> (C, N, H, W) */
    size_t plane = (size_t)h * w;
    for (int img = 0; img < n; img++)
        for (int c = 0; c < c_in; c++)
            memcpy(ctx->input + ((size_t)c * n + img) * plane, input->data + ((size_t)img * c_in + c) * plane,
                   plane * sizeof(float));

    /* Stem */
    float *x = ctx->act[0];
    int k = a->width;
    if (a->push_pull) {
        pp_pushpull_forward(x, ctx->responses, ctx->pool_scratch, ctx->input, &m->pp, n, h, w, ctx->workspace,
                            ctx->threads);
        const pp_conv_shape *s = &m->pp.shape;
        h = pp_conv_out_size(h, s->kh, s->stride, s->pad);
        w = pp_conv_out_size(w, s->kw, s->stride, s->pad);
        if (wants(taps, PP_TAP_PUSH) && (st = capture(taps, PP_TAP_PUSH, ctx->responses, k, n, h, w, err)))
            return st;
        if (wants(taps, PP_TAP_PULL) &&
            (st = capture(taps, PP_TAP_PULL, ctx->responses + (size_t)k * n * h * w, k, n, h, w, err)))
            return st;
    } else {
        pp_epilogue ep = {.shift = m->conv1.bias};
        pp_conv2d_forward(x, ctx->input, m->conv1.weight, &m->conv1.shape, n, h, w, &ep, ctx->workspace, ctx->threads);
        h = pp_conv_out_size(h, m->conv1.shape.kh, m->conv1.shape.stride, m->conv1.shape.pad);
        w = pp_conv_out_size(w, m->conv1.shape.kw, m->conv1.shape.stride, m->conv1.shape.pad);
    }
    if (wants(taps, PP_TAP_CONV1) && (st = capture(taps, PP_TAP_CONV1, x, k, n, h, w, err)))
        return st;
    if (wants(taps, PP_TAP_KERNELS) && (st = capture_kernels(m, taps, err)))
        return st;
    pp_epilogue bn_relu = {.scale = m->bn.scale, .shift = m->bn.shift, .relu = true};
    pp_epilogue_apply(x, k, (size_t)n * h * w, 0, (size_t)n * h * w, &bn_relu, ctx->threads);
    int cur = 0;
    if (a->stem == PP_STEM_IMAGENET) {
        int ho = pp_conv_out_size(h, 3, 2, 1), wo = pp_conv_out_size(w, 3, 2, 1);
        pp_maxpool2d_forward(ctx->act[1], x, (size_t)k * n, h, w, 3, 2, 1, ctx->threads);
        h = ho;
        w = wo;
        cur = 1;
    }
    if (wants(taps, PP_TAP_STEM) && (st = capture(taps, PP_TAP_STEM, ctx->act[cur], k, n, h, w, err)))
        return st;

    /* Residual stages */
    int channels = k, block = 0;
    for (int stage = 0; stage < 4; stage++) {
        for (int i = 0; i < a->blocks[stage]; i++, block++) {
            const pp_block *blk = &m->blocks[block];
            const bool bottleneck = a->block == PP_BLOCK_BOTTLENECK;
            int t1 = pick_free(cur, -1, -1);
            int ho = h, wo = w;
            pp_epilogue ep1 = {.scale = blk->bn1.scale, .shift = blk->bn1.shift, .relu = true};
            conv_layer(ctx, m, ctx->act[t1], ctx->act[cur], &blk->conv1, n, h, w, &ep1);
            ho = pp_conv_out_size(h, blk->conv1.shape.kh, blk->conv1.shape.stride, blk->conv1.shape.pad);
            wo = pp_conv_out_size(w, blk->conv1.shape.kw, blk->conv1.shape.stride, blk->conv1.shape.pad);
            int last_in = t1; /* input of the final conv of the branch */
            const pp_conv_layer *last = &blk->conv2;
            const pp_bn_layer *last_bn = &blk->bn2;
            if (bottleneck) {
                int t2 = pick_free(cur, t1, -1);
                pp_epilogue ep2 = {.scale = blk->bn2.scale, .shift = blk->bn2.shift, .relu = true};
                conv_layer(ctx, m, ctx->act[t2], ctx->act[t1], &blk->conv2, n, ho, wo, &ep2);
                int h2 = pp_conv_out_size(ho, blk->conv2.shape.kh, blk->conv2.shape.stride, blk->conv2.shape.pad);
                int w2 = pp_conv_out_size(wo, blk->conv2.shape.kw, blk->conv2.shape.stride, blk->conv2.shape.pad);
                ho = h2;
                wo = w2;
                last_in = t2;
                last = &blk->conv3;
                last_bn = &blk->bn3;
            }
            int identity = cur;
            if (blk->has_downsample) {
                identity = pick_free(cur, last_in, -1);
                pp_epilogue epd = {.scale = blk->down_bn.scale, .shift = blk->down_bn.shift};
                conv_layer(ctx, m, ctx->act[identity], ctx->act[cur], &blk->down, n, h, w, &epd);
            }
            int out = pick_free(last_in, identity, identity == cur ? -1 : cur);
            if (out < 0)
                out = cur == identity ? -1 : cur; /* x is dead once the identity is computed */
            pp_epilogue ep_last = {.scale = last_bn->scale, .shift = last_bn->shift,
                                   .residual = ctx->act[identity], .relu = true};
            conv_layer(ctx, m, ctx->act[out], ctx->act[last_in], last, n, ho, wo, &ep_last);
            cur = out;
            h = ho;
            w = wo;
            channels = last->shape.cout;
        }
        if (wants(taps, (pp_tap)(PP_TAP_LAYER1 + stage)) &&
            (st = capture(taps, (pp_tap)(PP_TAP_LAYER1 + stage), ctx->act[cur], channels, n, h, w, err)))
            return st;
    }

    /* Head: (C, N, H, W) -> (C, N) -> (N, classes) */
    pp_global_avgpool_forward(ctx->features, ctx->act[cur], (size_t)channels * n, (size_t)h * w, ctx->threads);
    if (wants(taps, PP_TAP_FEATURES)) {
        int64_t shape[2] = {n, channels};
        if ((st = pp_tensor_resize(&taps->out[PP_TAP_FEATURES], 2, shape, err)))
            return st;
        for (int img = 0; img < n; img++)
            for (int c = 0; c < channels; c++)
                taps->out[PP_TAP_FEATURES].data[(size_t)img * channels + c] = ctx->features[(size_t)c * n + img];
    }
    pp_tensor local = {0};
    pp_tensor *dst = logits ? logits : wants(taps, PP_TAP_LOGITS) ? &taps->out[PP_TAP_LOGITS] : &local;
    int64_t shape[2] = {n, a->num_classes};
    if ((st = pp_tensor_resize(dst, 2, shape, err)))
        return st;
    pp_linear_forward(dst->data, ctx->features, m->fc_weight, m->fc_bias, n, channels, a->num_classes);
    if (wants(taps, PP_TAP_LOGITS) && dst != &taps->out[PP_TAP_LOGITS]) {
        if ((st = pp_tensor_resize(&taps->out[PP_TAP_LOGITS], 2, shape, err)))
            return st;
        memcpy(taps->out[PP_TAP_LOGITS].data, dst->data, (size_t)n * a->num_classes * sizeof(float));
    }
    pp_tensor_free(&local);
    return PP_OK;
}
