#include "forward.h"

#include <stdlib.h>
#include <string.h>

#include "kernel_cache.h"
#include "ops/linear.h"
#include "ops/pool.h"
#include "ops/residual_add.h"
#include "ops/silu.h"
#include "ops/depthwise_conv.h"
#include "ops/squeeze_excite.h"
#include "ops/winograd.h"
#include "model/layout.h"
#include "ops/pushpull.h"
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
    for (int i = 0; i < taps->step_count; i++)
        pp_tensor_free(&taps->step_out[i]);
}

/* Activation buffers: the plan's inference buffers (model/plan.c assigns
 * them by liveness), each the size of the largest activation; the PushPull
 * responses, conv scratch and the channel-major input. */
#define MAX_BUFFERS 64

struct pp_forward_ctx {
    float *act[MAX_BUFFERS];
    size_t act_floats[MAX_BUFFERS];
    float *responses, *pool_scratch, *se_scratch;
    size_t responses_floats, pool_scratch_floats, se_scratch_floats;
    float *workspace;
    size_t workspace_floats;
    float *input;
    size_t input_floats;
    int *vh, *vw; /* spatial size of each value for the current input */
    int values;
    pp_kernel_cache *kernels; /* Winograd kernels of the wide layers */
    const pp_model *model;    /* the model of the running forward (for the cache) */
    int threads;              /* every op of a forward runs on this many */
    pp_forward_stop_fn stop;  /* asked between steps (pp_forward_ctx_set_stop) */
    void *stop_data;
    int resume_step;          /* the step a stopped forward continues from (0: none stopped) */
    int batch;                /* its batch */
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

void pp_forward_ctx_set_stop(pp_forward_ctx *ctx, pp_forward_stop_fn stop, void *data)
{
    ctx->stop = stop;
    ctx->stop_data = data;
}

void pp_forward_ctx_free(pp_forward_ctx *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < MAX_BUFFERS; i++)
        free(ctx->act[i]);
    free(ctx->responses);
    free(ctx->pool_scratch);
    free(ctx->se_scratch);
    free(ctx->workspace);
    free(ctx->input);
    free(ctx->vh);
    free(ctx->vw);
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

static const float *cached_kernels(void *owner, const pp_conv_layer *c, int threads)
{
    pp_forward_ctx *ctx = owner;
    return pp_kernel_cache_get(&ctx->kernels, ctx->model, c, threads);
}

/* ---- buffer planning: one walk over the plan for this input ---- */

typedef struct {
    size_t act, responses, pool_scratch, se_scratch;
    pp_conv_sizes conv;
} plan_sizes;

static size_t value_floats(const pp_value *v, int n, int h, int w)
{
    return v->layout == PP_VALUE_MAP ? (size_t)v->channels * n * h * w : (size_t)v->channels * n;
}

static void size_steps(const pp_forward_ctx *ctx, const pp_model *m, int n, plan_sizes *ps)
{
    const pp_plan *p = m->plan;
    memset(ps, 0, sizeof *ps);
    for (int i = 0; i < p->step_count; i++) {
        const pp_step *s = &p->steps[i];
        const int h = ctx->vh[s->in], w = ctx->vw[s->in];
        const pp_value *out = &p->values[s->out];
        if (out->buffer >= 0) {
            size_t f = value_floats(out, n, ctx->vh[s->out], ctx->vw[s->out]);
            ps->act = f > ps->act ? f : ps->act;
        }
        if (s->kind == PP_STEP_CONV) {
            pp_conv_layer_sizes(&ps->conv, pp_model_step_conv(m, s), n, h, w, ctx->threads, false);
        } else if (s->kind == PP_STEP_PUSHPULL) {
            const pp_pushpull_unit *u = pp_model_step_unit(m, s);
            pp_conv_shape stacked = u->shape;
            stacked.cout *= 2;
            size_t ws = pp_conv2d_workspace_floats(&stacked, n, h, w, ctx->threads);
            ps->conv.workspace = ws > ps->conv.workspace ? ws : ps->conv.workspace;
            size_t r = 2 * value_floats(out, n, ctx->vh[s->out], ctx->vw[s->out]);
            ps->responses = r > ps->responses ? r : ps->responses;
            size_t sc = pp_pushpull_scratch_floats(u, n, h, w, ctx->threads);
            ps->pool_scratch = sc > ps->pool_scratch ? sc : ps->pool_scratch;
        } else if (s->kind == PP_STEP_SQUEEZE_EXCITE) {
            /* and the plane sums of a fused depthwise before it (C, N) */
            size_t sc = pp_se_scratch_floats(s->layer, n) + (size_t)p->values[s->in].channels * n;
            ps->se_scratch = sc > ps->se_scratch ? sc : ps->se_scratch;
        } else if (s->kind == PP_STEP_PUSHPULL2020) {
            size_t ws = pp_pushpull2020_workspace_floats(pp_model_step_pp2020(m, s), n, h, w, ctx->threads);
            ps->conv.workspace = ws > ps->conv.workspace ? ws : ps->conv.workspace;
            size_t r = 2 * value_floats(out, n, ctx->vh[s->out], ctx->vw[s->out]);
            ps->responses = r > ps->responses ? r : ps->responses;
            ps->pool_scratch = ps->pool_scratch ? ps->pool_scratch : 1;
        }
    }
}

static pp_status ensure_buffers(pp_forward_ctx *ctx, const pp_model *m, int n, int h, int w, pp_error *err)
{
    const pp_plan *p = m->plan;
    if (p->buffer_count > MAX_BUFFERS)
        return pp_fail(err, PP_ERR_ARG, "the network plan needs %d activation buffers (at most %d)", p->buffer_count,
                       MAX_BUFFERS);
    if (ctx->values < p->value_count) {
        free(ctx->vh);
        free(ctx->vw);
        ctx->vh = malloc(sizeof(int) * (size_t)p->value_count);
        ctx->vw = malloc(sizeof(int) * (size_t)p->value_count);
        ctx->values = ctx->vh && ctx->vw ? p->value_count : 0;
        if (!ctx->values)
            return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    }
    pp_status st = pp_model_spatial(m, h, w, ctx->vh, ctx->vw, err);
    if (st != PP_OK)
        return st;
    plan_sizes ps;
    size_steps(ctx, m, n, &ps);
    bool ok = ensure(&ctx->input, &ctx->input_floats, (size_t)p->values[0].channels * n * h * w) &&
              ensure(&ctx->workspace, &ctx->workspace_floats, ps.conv.workspace);
    for (int i = 0; i < p->buffer_count && ok; i++)
        ok = ensure(&ctx->act[i], &ctx->act_floats[i], ps.act);
    if (ok && ps.se_scratch)
        ok = ensure(&ctx->se_scratch, &ctx->se_scratch_floats, ps.se_scratch);
    if (ok && ps.responses)
        ok = ensure(&ctx->responses, &ctx->responses_floats, ps.responses) &&
             ensure(&ctx->pool_scratch, &ctx->pool_scratch_floats, ps.pool_scratch);
    if (!ok)
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate activation buffers for a batch of %d", n);
    return PP_OK;
}

/* ---- taps ---- */

static pp_status capture_kernels(const pp_model *m, const pp_step *s, pp_taps *taps, pp_error *err)
{
    if (s->kind == PP_STEP_PUSHPULL2020) {
        const pp_pushpull2020_layer *l = pp_model_step_pp2020(m, s);
        int64_t shape[4] = {l->pull.cout, l->pull.cin, l->pull.kh, l->pull.kw};
        pp_status st = pp_tensor_resize(&taps->out[PP_TAP_KERNELS], 4, shape, err);
        if (st == PP_OK)
            pp_pushpull2020_effective_kernels(taps->out[PP_TAP_KERNELS].data, l, -1.0f);
        return st;
    }
    if (s->kind == PP_STEP_PUSHPULL) {
        const pp_pushpull_unit *u = pp_model_step_unit(m, s);
        int e = pp_pushpull_effective_size(u);
        int64_t shape[4] = {u->shape.cout, u->shape.cin, e, e};
        pp_status st = pp_tensor_resize(&taps->out[PP_TAP_KERNELS], 4, shape, err);
        if (st == PP_OK)
            pp_pushpull_effective_kernels(taps->out[PP_TAP_KERNELS].data, u, -1.0f);
        return st;
    }
    const pp_conv_layer *c = pp_model_step_conv(m, s);
    const pp_conv_shape *cs = &c->shape;
    int64_t shape[4] = {cs->cout, cs->cin, cs->kh, cs->kw};
    pp_status st = pp_tensor_resize(&taps->out[PP_TAP_KERNELS], 4, shape, err);
    if (st == PP_OK)
        memcpy(taps->out[PP_TAP_KERNELS].data, c->weight, (size_t)pp_shape_numel(4, shape) * sizeof(float));
    return st;
}

/* Step s's output (out; value layout as the plan says) copied into t. */
static pp_status capture_output(const pp_forward_ctx *ctx, const pp_model *m, const pp_step *s, const float *out,
                                int n, pp_tensor *t, pp_error *err)
{
    const pp_value *v = &m->plan->values[s->out];
    if (v->layout != PP_VALUE_LOGITS)
        return pp_tensor_from_channel_major(t, out, n, v->channels, ctx->vh[s->out], ctx->vw[s->out],
                                            v->layout == PP_VALUE_FLAT, err);
    if (out == t->data)
        return PP_OK;
    int64_t shape[2] = {n, v->channels};
    pp_status st = pp_tensor_resize(t, 2, shape, err);
    if (st == PP_OK)
        memcpy(t->data, out, (size_t)n * v->channels * sizeof(float));
    return st;
}

/* The taps and step outputs requested of step s (index i), right after it
 * ran (out: its output). */
static pp_status capture_step(pp_forward_ctx *ctx, const pp_model *m, int i, const float *out, int n, pp_taps *taps,
                              pp_error *err)
{
    const pp_step *s = &m->plan->steps[i];
    const pp_value *v = &m->plan->values[s->out];
    const size_t plane = (size_t)v->channels * n * ctx->vh[s->out] * ctx->vw[s->out];
    pp_status st = PP_OK;
    for (int t = 0; t < PP_TAP_COUNT && st == PP_OK; t++) {
        if (!(s->taps & taps->requested & (1u << t)))
            continue;
        if (t == PP_TAP_PUSH || t == PP_TAP_PULL)
            st = pp_tensor_from_channel_major(&taps->out[t], ctx->responses + (t == PP_TAP_PULL ? plane : 0), n,
                                              v->channels, ctx->vh[s->out], ctx->vw[s->out], false, err);
        else if (t == PP_TAP_KERNELS)
            st = capture_kernels(m, s, taps, err);
        else
            st = capture_output(ctx, m, s, out, n, &taps->out[t], err);
    }
    for (int j = 0; j < taps->step_count && st == PP_OK; j++)
        if (taps->steps[j] == i)
            st = capture_output(ctx, m, s, out, n, &taps->step_out[j], err);
    return st;
}

/* ---- the walk ---- */

static float *value_data(pp_forward_ctx *ctx, const pp_plan *p, int v, float *logits)
{
    if (v == 0)
        return ctx->input;
    return p->values[v].layout == PP_VALUE_LOGITS ? logits : ctx->act[p->values[v].buffer];
}

/* Runs step s; fused_bn: the BN step after it to apply in its last pass
 * (fusion_with_bn); pre_bn: the BN step before the CONV s whose activation s
 * applies to that BN's input as it reads it (fusion_preactivated_conv).
 * False: s could not take pre_bn (and did nothing). taps: what the caller
 * captures (the push-pull unit keeps its responses only for them). */
static bool run_step(pp_forward_ctx *ctx, const pp_model *m, const pp_step *s, int n, float *logits,
                     const pp_step *fused_bn, const pp_step *pre_bn, const pp_taps *taps)
{
    const pp_plan *p = m->plan;
    const float *in = value_data(ctx, p, s->in, logits);
    float *out = value_data(ctx, p, s->out, logits);
    const int h = ctx->vh[s->in], w = ctx->vw[s->in];
    const int c = p->values[s->in].channels;
    const pp_conv_scratch scratch = {.workspace = ctx->workspace, .winograd = {cached_kernels, ctx}};
    const pp_bn_layer *next_bn = fused_bn ? pp_model_step_bn(m, fused_bn) : NULL;
    const pp_epilogue fused = {.scale = next_bn ? next_bn->scale : NULL, .shift = next_bn ? next_bn->shift : NULL,
                               .relu = fused_bn && fused_bn->relu};
    switch (s->kind) {
    case PP_STEP_CONV: {
        const pp_conv_layer *conv = pp_model_step_conv(m, s);
        const pp_bn_layer *bn = pp_model_step_bn(m, s);
        pp_epilogue ep = {.scale = bn ? bn->scale : NULL, .shift = bn ? bn->shift : conv->bias,
                          .residual = s->residual >= 0 ? value_data(ctx, p, s->residual, logits) : NULL,
                          .relu = s->relu};
        if (pre_bn) {
            const pp_bn_layer *pb = pp_model_step_bn(m, pre_bn);
            const pp_epilogue pre = {.scale = pb->scale, .shift = pb->shift, .relu = pre_bn->relu};
            return pp_conv_layer_forward_pre(out, value_data(ctx, p, pre_bn->in, logits), &pre, conv, n, h, w,
                                             fused_bn ? &fused : &ep, &scratch, ctx->threads);
        }
        pp_conv_layer_forward(out, in, conv, n, h, w, fused_bn ? &fused : &ep, &scratch, ctx->threads);
        break;
    }
    case PP_STEP_PUSHPULL: {
        /* the responses only for the push/pull taps (the unit is faster without) */
        const pp_pushpull_unit *u = pp_model_step_unit(m, s);
        const unsigned response_taps = 1u << PP_TAP_PUSH | 1u << PP_TAP_PULL;
        const bool keep = pp_pushpull_needs_responses(u) || (taps && (s->taps & taps->requested & response_taps));
        pp_pushpull_forward_bn(out, keep ? ctx->responses : NULL, ctx->pool_scratch, in, u, n, h, w,
                               fused_bn ? &fused : NULL, ctx->workspace, ctx->threads);
        break;
    }
    case PP_STEP_PUSHPULL2020: {
        /* the responses only for the push/pull taps (written, they cost a pass of twice the output) */
        const unsigned response_taps = 1u << PP_TAP_PUSH | 1u << PP_TAP_PULL;
        const bool keep = taps && (s->taps & taps->requested & response_taps);
        pp_pushpull2020_forward_bn(out, keep ? ctx->responses : NULL, in, pp_model_step_pp2020(m, s), n, h, w,
                                   fused_bn ? &fused : NULL, ctx->workspace, ctx->threads);
        break;
    }
    case PP_STEP_BATCHNORM: {
        const pp_bn_layer *bn = pp_model_step_bn(m, s);
        pp_batchnorm_eval_apply(out, in, bn->scale, bn->shift, s->relu, c, (size_t)n * h * w, ctx->threads);
        break;
    }
    case PP_STEP_MAXPOOL:
        pp_maxpool2d_forward(out, in, (size_t)c * n, h, w, s->pool.k, s->pool.stride, s->pool.pad, ctx->threads);
        break;
    case PP_STEP_ADD: /* drop-connect is the identity at evaluation */
        pp_residual_add_forward(out, in, value_data(ctx, p, s->residual, logits), NULL, c, n, (size_t)h * w, s->relu,
                                ctx->threads);
        break;
    case PP_STEP_SQUEEZE_EXCITE:
        pp_se_forward(out, in, s->layer, n, (size_t)h * w, ctx->se_scratch, ctx->threads);
        break;
    case PP_STEP_DROPOUT: /* the identity at evaluation (in place when its input dies here) */
        pp_dropout_forward(out, in, NULL, (size_t)c * n * h * w, ctx->threads);
        break;
    default:
        pp_step_forward_stateless(s, out, in, c, n, h, w, ctx->threads);
        break;
    }
    return true;
}

/* ---- fusions: runs of steps done in fewer passes over the activations ----
 *
 * Each fusion looks at the steps from i; if its pattern is there (each
 * intermediate output read only by the next step, and no tap wanting it),
 * it runs them all and returns how many; else it returns 0 and ran nothing.
 * The walk tries them in the table's order, then runs the step alone. A
 * fusion is never cut by a stop (a resumed pass would start inside it). */

typedef struct {
    pp_forward_ctx *ctx;
    const pp_model *m;
    int n;
    float *logits;
    const pp_taps *taps;
} walk_state;

/* No tap wants the outputs of steps [i, i + count) (then they need not exist). */
static bool untapped(const pp_plan *p, int i, int count, const pp_taps *taps)
{
    if (!taps)
        return true;
    if (taps->step_count)
        return false;
    for (int j = i; j < i + count; j++)
        if (p->steps[j].taps & taps->requested)
            return false;
    return true;
}

/* Step j + 1 is of kind `kind` and the only reader of step j's output. */
static bool feeds(const pp_plan *p, int j, pp_step_kind kind)
{
    if (j + 1 >= p->step_count)
        return false;
    const pp_step *s = &p->steps[j], *next = &p->steps[j + 1];
    return next->kind == kind && next->in == s->out && p->values[s->out].last_use == j + 1;
}

/* The BN step right after step i that can be fused into it, or NULL: a BN
 * whose input only it reads, after a push-pull unit (of either kind) or a plain
 * convolution (no BN, residual, ReLU or bias of its own), when no tap wants the raw
 * output in between (the unit's responses and kernels are still there). The
 * first layer of every ResNet is such a pair (its BN is a step of its own
 * for the conv1 tap); fused, its output is written once instead of twice. */
static const pp_step *fusable_bn(const pp_model *m, int i, const pp_taps *taps)
{
    const pp_plan *p = m->plan;
    const pp_step *s = &p->steps[i];
    if (!feeds(p, i, PP_STEP_BATCHNORM))
        return NULL;
    const unsigned from_responses = 1u << PP_TAP_PUSH | 1u << PP_TAP_PULL | 1u << PP_TAP_KERNELS;
    if (taps && ((s->taps & taps->requested & ~from_responses) || taps->step_count))
        return NULL; /* a tap (or a captured step) wants the unit's output before its BN */
    if (s->kind == PP_STEP_PUSHPULL || s->kind == PP_STEP_PUSHPULL2020)
        return &p->steps[i + 1];
    if (s->kind != PP_STEP_CONV)
        return NULL;
    const pp_conv_layer *conv = pp_model_step_conv(m, s);
    return !pp_model_step_bn(m, s) && s->residual < 0 && !s->relu && !conv->bias ? &p->steps[i + 1] : NULL;
}

/* The BN step bn, applied by the step before it: its own run only moves the
 * data, if its output is not in place. */
static void move_fused_bn(const walk_state *ws, const pp_step *bn)
{
    const pp_plan *p = ws->m->plan;
    const float *in = value_data(ws->ctx, p, bn->in, ws->logits);
    float *out = value_data(ws->ctx, p, bn->out, ws->logits);
    if (out != in)
        memcpy(out, in,
               (size_t)p->values[bn->in].channels * ws->n * ws->ctx->vh[bn->in] * ws->ctx->vw[bn->in] *
                   sizeof(float));
}

/* Depthwise -> BN -> SiLU (-> squeeze-excite), EfficientNet's: the
 * convolution applies the BN and the SiLU to each block before storing it
 * and sums the planes for the SE's squeeze; then the SE's gates and its
 * scaling pass. */
static int fusion_depthwise_chain(const walk_state *ws, int i)
{
    const pp_plan *p = ws->m->plan;
    const pp_step *s = &p->steps[i];
    if (s->kind != PP_STEP_DEPTHWISE || !feeds(p, i, PP_STEP_BATCHNORM) || p->steps[i + 1].relu ||
        !feeds(p, i + 1, PP_STEP_SILU))
        return 0;
    const bool se = feeds(p, i + 2, PP_STEP_SQUEEZE_EXCITE);
    const int count = se ? 4 : 3;
    pp_forward_ctx *ctx = ws->ctx;
    const float *in = value_data(ctx, p, s->in, ws->logits);
    float *mid = value_data(ctx, p, p->steps[i + 2].out, ws->logits); /* the SiLU's output */
    if (!untapped(p, i, count, ws->taps) || mid == in)
        return 0;
    const pp_bn_layer *bn = pp_model_step_bn(ws->m, &p->steps[i + 1]);
    const pp_squeeze_excite *gates = se ? p->steps[i + 3].layer : NULL;
    float *sums = se ? ctx->se_scratch + pp_se_scratch_floats(gates, ws->n) : NULL;
    const pp_depthwise_epilogue ep = {.scale = bn->scale, .shift = bn->shift, .silu = true, .plane_sums = sums};
    pp_depthwise_forward_fused(mid, in, s->layer, ws->n, ctx->vh[s->in], ctx->vw[s->in], &ep, ctx->threads);
    if (se)
        pp_se_forward_pooled(value_data(ctx, p, p->steps[i + 3].out, ws->logits), mid, sums, gates, ws->n,
                             (size_t)ctx->vh[s->out] * ctx->vw[s->out], ctx->se_scratch, ctx->threads);
    return count;
}

/* A convolution (with its BN, or followed by a BN step it can take:
 * fusable_bn) -> SiLU: the SiLU in the GEMM's epilogue. EfficientNet's
 * expansions and head (1x1), and its stem (3x3 / 2, whose BN is a step of
 * its own for the conv1 tap). Only when the convolution runs by im2col or as
 * a plain GEMM: the Winograd and direct kernels take no SiLU. */
static int fusion_conv_silu(const walk_state *ws, int i)
{
    const pp_plan *p = ws->m->plan;
    const pp_step *s = &p->steps[i];
    if (s->kind != PP_STEP_CONV || s->residual >= 0 || s->relu)
        return 0;
    const pp_step *bn_step = fusable_bn(ws->m, i, ws->taps);
    const int count = bn_step ? 3 : 2; /* the SiLU is step i + count - 1 */
    if ((bn_step && bn_step->relu) || !feeds(p, i + count - 2, PP_STEP_SILU) || !untapped(p, i, count, ws->taps))
        return 0;
    const pp_conv_layer *conv = pp_model_step_conv(ws->m, s);
    pp_forward_ctx *ctx = ws->ctx;
    const int h = ctx->vh[s->in], w = ctx->vw[s->in];
    const float *in = value_data(ctx, p, s->in, ws->logits);
    float *out = value_data(ctx, p, p->steps[i + count - 1].out, ws->logits);
    if (pp_conv_groups(&conv->shape) != 1 ||
        pp_conv_choose(&conv->shape, ws->n, h, w, ctx->threads, true) != PP_CONV_IM2COL || out == in)
        return 0;
    const pp_bn_layer *bn = pp_model_step_bn(ws->m, bn_step ? bn_step : s);
    const pp_epilogue ep = {.scale = bn ? bn->scale : NULL, .shift = bn ? bn->shift : conv->bias, .silu = true};
    const pp_conv_scratch scratch = {.workspace = ctx->workspace, .winograd = {cached_kernels, ctx}};
    pp_conv_layer_forward(out, in, conv, ws->n, h, w, &ep, &scratch, ctx->threads);
    return count;
}

/* A BN (without ReLU) -> SiLU: one pass (EfficientNet's stem when a tap
 * keeps its convolution apart). */
static int fusion_bn_silu(const walk_state *ws, int i)
{
    const pp_plan *p = ws->m->plan;
    const pp_step *s = &p->steps[i];
    if (s->kind != PP_STEP_BATCHNORM || s->relu || !feeds(p, i, PP_STEP_SILU) || !untapped(p, i, 1, ws->taps))
        return 0;
    const pp_bn_layer *bn = pp_model_step_bn(ws->m, s);
    pp_forward_ctx *ctx = ws->ctx;
    pp_silu_affine_forward(value_data(ctx, p, p->steps[i + 1].out, ws->logits), value_data(ctx, p, s->in, ws->logits),
                           bn->scale, bn->shift, bn->channels, (size_t)ws->n * ctx->vh[s->in] * ctx->vw[s->in],
                           ctx->threads);
    return 2;
}

/* A BN (+ ReLU) whose output only the CONV step after it reads, as its input
 * (not as its residual), untapped: the pre-activations of WideResNet and
 * PreActResNet blocks. The conv activates its input as it reads it
 * (pp_conv_layer_forward_pre, when it runs by Winograd; else this fusion
 * does not apply) and may apply a BN after it (fusable_bn): the first BN's
 * output is never written. */
static int fusion_preactivated_conv(const walk_state *ws, int i)
{
    const pp_plan *p = ws->m->plan;
    const pp_step *s = &p->steps[i];
    if (s->kind != PP_STEP_BATCHNORM || !feeds(p, i, PP_STEP_CONV) || p->steps[i + 1].residual == s->out ||
        !untapped(p, i, 1, ws->taps))
        return 0;
    const pp_step *after = fusable_bn(ws->m, i + 1, ws->taps);
    if (!run_step(ws->ctx, ws->m, &p->steps[i + 1], ws->n, ws->logits, after, s, ws->taps))
        return 0;
    if (after)
        move_fused_bn(ws, after);
    return after ? 3 : 2;
}

/* A convolution or push-pull unit -> the BN after it (fusable_bn): the BN in
 * the layer's last pass. */
static int fusion_with_bn(const walk_state *ws, int i)
{
    const pp_step *bn = fusable_bn(ws->m, i, ws->taps);
    if (!bn)
        return 0;
    run_step(ws->ctx, ws->m, &ws->m->plan->steps[i], ws->n, ws->logits, bn, NULL, ws->taps);
    move_fused_bn(ws, bn);
    return 2;
}

/* In this order: the longest patterns first (a depthwise chain's BN -> SiLU
 * is not the stem's). */
static int (*const fusions[])(const walk_state *, int) = {
    fusion_depthwise_chain, fusion_conv_silu, fusion_bn_silu, fusion_preactivated_conv, fusion_with_bn,
};

/* Steps first.. of the plan; a stop leaves ctx->resume_step at the next one. */
static pp_status walk(const pp_model *m, pp_forward_ctx *ctx, int first, pp_tensor *dst, pp_taps *taps, pp_error *err)
{
    const pp_plan *p = m->plan;
    const walk_state ws = {.ctx = ctx, .m = m, .n = ctx->batch, .logits = dst->data, .taps = taps};
    pp_status st = PP_OK;
    ctx->resume_step = 0;
    for (int i = first; i < p->step_count && st == PP_OK; i++) {
        int ran = 0;
        for (size_t f = 0; f < sizeof fusions / sizeof fusions[0] && !ran; f++)
            ran = fusions[f](&ws, i);
        if (!ran)
            ran = run_step(ctx, m, &p->steps[i], ws.n, dst->data, NULL, NULL, taps);
        /* the taps of each step run (the fusions leave only those they may) */
        for (int j = i; j < i + ran && st == PP_OK; j++)
            if (taps && ((p->steps[j].taps & taps->requested) || taps->step_count))
                st = capture_step(ctx, m, j, value_data(ctx, p, p->steps[j].out, dst->data), ws.n, taps, err);
        i += ran - 1;
        if (st == PP_OK && ctx->stop && i + 1 < p->step_count && ctx->stop(ctx->stop_data, i + 1)) {
            ctx->resume_step = i + 1;
            st = pp_fail(err, PP_ERR_CANCELLED, "forward stopped after step %d of %d (%s)", i + 1, p->step_count,
                         p->steps[i].name);
        }
    }
    return st;
}

pp_status pp_model_forward_resume(const pp_model *m, pp_forward_ctx *ctx, pp_tensor *logits, pp_taps *taps,
                                  pp_error *err)
{
    const pp_tensor *dst = logits ? logits : taps ? &taps->out[PP_TAP_LOGITS] : NULL;
    if (ctx->resume_step <= 0 || ctx->model != m || !dst || !dst->data || dst->ndim != 2 || dst->shape[0] != ctx->batch)
        return pp_fail(err, PP_ERR_ARG, "no stopped forward of this model to continue (with its logits)");
    return walk(m, ctx, ctx->resume_step, (pp_tensor *)dst, taps, err);
}

pp_status pp_model_forward(const pp_model *m, pp_forward_ctx *ctx, const pp_tensor *input,
                           pp_tensor *logits, pp_taps *taps, pp_error *err)
{
    const pp_arch *a = &m->arch;
    ctx->resume_step = 0; /* whatever happens, the last stopped pass is gone */
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
    const int n = (int)input->shape[0], h = (int)input->shape[2], w = (int)input->shape[3];
    pp_status st = ensure_buffers(ctx, m, n, h, w, err);
    if (st != PP_OK)
        return st;
    ctx->model = m;
    pp_to_channel_major(ctx->input, input->data, n, a->in_channels, h, w);

    const pp_plan *p = m->plan;
    const pp_value *out_value = &p->values[p->steps[p->step_count - 1].out];
    pp_tensor local = {0};
    const bool tap_logits = taps && (taps->requested & (1u << PP_TAP_LOGITS));
    pp_tensor *dst = logits ? logits : tap_logits ? &taps->out[PP_TAP_LOGITS] : &local;
    int64_t shape[2] = {n, out_value->channels};
    if ((st = pp_tensor_resize(dst, 2, shape, err)))
        return st;
    ctx->batch = n;
    st = walk(m, ctx, 0, dst, taps, err);
    if (dst == &local) /* nowhere to continue into */
        ctx->resume_step = 0;
    pp_tensor_free(&local);
    return st;
}
