#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "threads.h"
#include "topk.h"

static unsigned first_layer_taps(const pp_model *m)
{
    return (1u << PP_TAP_CONV1) | (pp_arch_inhibits(&m->arch) ? (1u << PP_TAP_PUSH) | (1u << PP_TAP_PULL) : 0) |
           (1u << PP_TAP_LOGITS);
}

/* Normalises img into p->input and runs the forward pass into `taps`. */
static pp_status forward_image(pp_probe *p, const pp_image *img, pp_taps *taps, pp_error *err)
{
    pp_preprocess_normalize(&p->pre, img, &p->input, 0);
    taps->requested = first_layer_taps(p->model);
    pp_status st = pp_model_forward(&p->view, p->ctx, &p->input, &p->logits, taps, err);
    return st == PP_OK ? pp_logits_check(p->logits.data, p->model->arch.num_classes, err) : st;
}

/* The clean side: taps and top-1 of the cached image with the current view. */
static pp_status compute_clean(pp_probe *p, pp_error *err)
{
    p->staged = false; /* the clean forward replaces a stopped one */
    pp_status st = forward_image(p, &p->clean, &p->clean_taps, err);
    if (st != PP_OK)
        return st;
    int order[1];
    pp_topk(order, p->logits.data, p->model->arch.num_classes, 1);
    p->clean_top1 = order[0];
    return PP_OK;
}

pp_status pp_probe_init(pp_probe *p, const pp_model *m, const pp_image *img, int threads, pp_error *err)
{
    memset(p, 0, sizeof *p);
    p->model = m;
    p->view = *m; /* a shallow copy: same weights; alpha and pooling of its own */
    p->threads = threads > 0 ? threads : 1;
    p->true_class = -1;
    pp_status st = pp_preprocess_for_model(&p->pre, m, err);
    if (st == PP_OK)
        st = pp_preprocess_geometry(&p->pre, img, &p->clean, err);
    if (st == PP_OK)
        st = pp_tensor_alloc4(&p->input, 1, p->pre.channels, p->pre.size, p->pre.size, err);
    p->ctx = pp_forward_ctx_new(p->threads);
    p->channel_buffers = calloc((size_t)2 * m->arch.width, sizeof(double));
    p->channel_sums = calloc((size_t)2 * m->arch.width, sizeof(double));
    const bool inhibits = pp_arch_inhibits(&m->arch);
    if (inhibits) {
        /* the view's alpha: the PushPull unit's as stored, the 2020 layer's as applied
         * (its view runs that array through ReLU again: the same non-negative values) */
        p->alpha = malloc(sizeof(float) * (size_t)m->arch.width);
        p->learned = malloc(sizeof(float) * (size_t)m->arch.width);
        if (p->alpha && p->learned) {
            pp_model_first_alphas(m, p->learned);
            memcpy(p->alpha, p->learned, sizeof(float) * (size_t)m->arch.width);
            if (m->arch.pp2020)
                p->view.pp2020.alpha = p->alpha;
            else
                p->view.pp.alpha = p->alpha;
        }
    }
    if (st == PP_OK && (!p->ctx || !p->channel_buffers || !p->channel_sums || (inhibits && (!p->alpha || !p->learned))))
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory");
    if (st == PP_OK)
        st = compute_clean(p, err);
    if (st != PP_OK) {
        pp_probe_free(p);
        return st;
    }
    return PP_OK;
}

pp_status pp_probe_copy(pp_probe *dst, const pp_probe *src, pp_error *err)
{
    memset(dst, 0, sizeof *dst);
    const pp_model *m = src->model;
    const size_t k = (size_t)m->arch.width;
    dst->model = m;
    dst->view = src->view;
    dst->overridden = src->overridden;
    dst->pre = src->pre;
    dst->threads = src->threads;
    dst->clean_top1 = src->clean_top1;
    dst->true_class = src->true_class;
    dst->ctx = pp_forward_ctx_new(dst->threads);
    dst->channel_buffers = calloc(2 * k, sizeof(double));
    dst->channel_sums = calloc(2 * k, sizeof(double));
    pp_status st = dst->ctx && dst->channel_buffers && dst->channel_sums ? PP_OK
                                                                         : pp_fail(err, PP_ERR_NOMEM, "out of memory");
    if (st == PP_OK && src->alpha) {
        dst->alpha = malloc(sizeof(float) * k);
        dst->learned = malloc(sizeof(float) * k);
        if (dst->alpha && dst->learned) {
            memcpy(dst->alpha, src->alpha, sizeof(float) * k);
            memcpy(dst->learned, src->learned, sizeof(float) * k);
            if (m->arch.pp2020) /* the view's alpha is the copy's own */
                dst->view.pp2020.alpha = dst->alpha;
            else
                dst->view.pp.alpha = dst->alpha;
        } else {
            st = pp_fail(err, PP_ERR_NOMEM, "out of memory");
        }
    }
    if (st == PP_OK)
        st = pp_image_copy(&dst->clean, &src->clean, err);
    if (st == PP_OK)
        st = pp_tensor_alloc(&dst->input, src->input.ndim, src->input.shape, err);
    dst->clean_taps.requested = src->clean_taps.requested;
    for (int t = 0; t < PP_TAP_COUNT && st == PP_OK; t++) {
        const pp_tensor *a = &src->clean_taps.out[t];
        if (!a->data)
            continue;
        st = pp_tensor_alloc(&dst->clean_taps.out[t], a->ndim, a->shape, err);
        if (st == PP_OK)
            memcpy(dst->clean_taps.out[t].data, a->data, sizeof(float) * (size_t)pp_tensor_numel(a));
    }
    if (st != PP_OK)
        pp_probe_free(dst);
    return st;
}

bool pp_probe_same_view(const pp_probe *a, const pp_probe *b)
{
    if (a->model != b->model || !pp_probe_same_input(a, b))
        return false;
    if (!a->alpha || !b->alpha)
        return !a->alpha && !b->alpha;
    return a->view.pp.avg_kernel == b->view.pp.avg_kernel &&
           memcmp(a->alpha, b->alpha, sizeof(float) * (size_t)a->model->arch.width) == 0;
}

pp_status pp_probe_set_overrides(pp_probe *p, const pp_probe_overrides *o, pp_error *err)
{
    const pp_model *m = p->model;
    if (!pp_arch_inhibits(&m->arch))
        return PP_OK;
    const int k = m->arch.width;
    const float *alpha = o && o->alpha ? o->alpha : p->learned;
    /* the 2020 layer has no pull pooling: a pooling override does not apply to it */
    int avg = m->arch.pp2020 ? 0 : o && o->avg_kernel >= 0 ? o->avg_kernel : m->pp.avg_kernel;
    if (avg != 0 && avg != 3 && avg != 5)
        return pp_fail(err, PP_ERR_ARG, "pull pooling %d (supported: 0, 3, 5)", avg);
    for (int i = 0; i < k; i++)
        if (!isfinite(alpha[i]))
            return pp_fail(err, PP_ERR_ARG, "alpha of channel %d is not a number", i);
    if (avg == p->view.pp.avg_kernel && memcmp(alpha, p->alpha, sizeof(float) * (size_t)k) == 0)
        return PP_OK;
    memcpy(p->alpha, alpha, sizeof(float) * (size_t)k);
    p->view.pp.avg_kernel = avg;
    p->view.arch.avg_kernel = avg;
    p->overridden = (!m->arch.pp2020 && avg != m->pp.avg_kernel) ||
                    memcmp(alpha, p->learned, sizeof(float) * (size_t)k) != 0;
    return compute_clean(p, err);
}

void pp_probe_free(pp_probe *p)
{
    if (!p)
        return;
    pp_forward_ctx_free(p->ctx);
    pp_image_free(&p->clean);
    pp_taps_free(&p->clean_taps);
    pp_taps_free(&p->taps);
    pp_tensor_free(&p->input);
    pp_tensor_free(&p->logits);
    free(p->channel_buffers);
    free(p->channel_sums);
    free(p->alpha);
    free(p->learned);
    memset(p, 0, sizeof *p);
}

void pp_probe_result_free(pp_probe_result *r)
{
    pp_image_free(&r->corrupted);
}

static double ratio_db(double signal, double noise)
{
    if (noise == 0)
        return INFINITY; /* identical responses */
    return 10.0 * log10(signal / noise);
}

/* Four channels side by side, one per lane: each lane sums its channel in
 * pp_snr_db's order (the sums are bitwise the same), and a ReLU is a mask,
 * not a branch (a tap's signs are a coin toss: the branch cost 8x). */
#define SNR_LANES 4
typedef float snr_floats __attribute__((vector_size(SNR_LANES * sizeof(float))));
typedef int snr_mask __attribute__((vector_size(SNR_LANES * sizeof(int))));
typedef double snr_doubles __attribute__((vector_size(SNR_LANES * sizeof(double))));

static inline snr_floats relu_lanes(snr_floats x)
{
    return (snr_floats)((snr_mask)x & (x > 0)); /* x > 0 ? x : +0, NaN to +0 as the scalar form */
}

/* Adds to the signal and noise sums of `lanes` (1 to SNR_LANES) channels of
 * one image, `plane` values each, the first at clean / noisy. */
static void channel_sums(const float *clean, const float *noisy, size_t plane, int lanes, bool relu,
                         snr_doubles *signal, snr_doubles *noise)
{
    snr_doubles s = *signal, e = *noise;
    for (size_t i = 0; i < plane; i++) {
        snr_floats x = {0}, y = {0};
        for (int l = 0; l < lanes; l++) {
            x[l] = clean[l * plane + i];
            y[l] = noisy[l * plane + i];
        }
        if (relu) {
            x = relu_lanes(x);
            y = relu_lanes(y);
        }
        const snr_doubles xd = __builtin_convertvector(x, snr_doubles), yd = __builtin_convertvector(y, snr_doubles);
        const snr_doubles d = yd - xd;
        s += xd * xd;
        e += d * d;
    }
    *signal = s;
    *noise = e;
}

/* pp_snr_db of two (N, C, H, W) taps, of their ReLU when `relu` (the push-only
 * path's response, without copies): groups of channels on the probe's
 * threads, each channel summed in pp_snr_db's order and the totals over
 * channels in theirs, so the values are pp_snr_db's to the bit. The slider
 * runs this on every move: at 224 a tap is 64 x 112 x 112. */
static double tap_snr_db(const pp_probe *p, const pp_tensor *clean, const pp_tensor *noisy, bool relu,
                         double *per_channel)
{
    const int n = (int)clean->shape[0], channels = (int)clean->shape[1];
    const size_t plane = (size_t)(clean->shape[2] * clean->shape[3]);
    double *signal = p->channel_sums, *noise = p->channel_sums + channels;
    const int groups = (channels + SNR_LANES - 1) / SNR_LANES;
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(p->threads))
    for (int g = 0; g < groups; g++) {
        const int c0 = g * SNR_LANES, lanes = channels - c0 < SNR_LANES ? channels - c0 : SNR_LANES;
        snr_doubles s = {0}, e = {0};
        for (int img = 0; img < n; img++) {
            const size_t at = ((size_t)img * channels + c0) * plane;
            channel_sums(clean->data + at, noisy->data + at, plane, lanes, relu, &s, &e);
        }
        for (int l = 0; l < lanes; l++) {
            signal[c0 + l] = s[l];
            noise[c0 + l] = e[l];
        }
    }
    double signal_all = 0, noise_all = 0;
    for (int c = 0; c < channels; c++) {
        per_channel[c] = ratio_db(signal[c], noise[c]);
        signal_all += signal[c];
        noise_all += noise[c];
    }
    return ratio_db(signal_all, noise_all);
}

void pp_probe_set_threads(pp_probe *p, int threads)
{
    p->threads = threads > 0 ? threads : 1;
    pp_forward_ctx_set_threads(p->ctx, p->threads);
}

bool pp_probe_corruption_find(const char *name, const pp_corruption **out)
{
    *out = name ? pp_corruption_find(name) : NULL;
    return *out || (name && strcmp(name, PP_PROBE_NO_CORRUPTION) == 0);
}

pp_status pp_probe_corrupt(const pp_probe *p, const pp_corruption *c, const pp_corruption_request *req,
                           pp_image *out, pp_error *err)
{
    if (!c || !req || req->severity <= 0)
        return pp_image_copy(out, &p->clean, err);
    pp_corruption_request own = *req;
    own.threads = p->threads;
    return pp_corruption_apply(c, &own, &p->clean, out, err);
}

bool pp_probe_same_input(const pp_probe *a, const pp_probe *b)
{
    const pp_image *x = &a->clean, *y = &b->clean;
    return x->width == y->width && x->height == y->height && x->channels == y->channels &&
           memcmp(x->pixels, y->pixels, (size_t)x->width * x->height * x->channels) == 0;
}

/* The first-layer SNRs of the corrupted side's taps against the clean ones. */
static void first_layer_snr(const pp_probe *p, pp_probe_result *out)
{
    const int k = p->model->arch.width;
    const pp_tensor *a = &p->clean_taps.out[PP_TAP_CONV1], *b = &p->taps.out[PP_TAP_CONV1];
    out->snr_output_channel = p->channel_buffers;
    out->snr_push_channel = p->channel_buffers + k;
    out->snr_output = tap_snr_db(p, a, b, false, out->snr_output_channel);
    if (pp_arch_inhibits(&p->model->arch)) {
        out->snr_push = tap_snr_db(p, &p->clean_taps.out[PP_TAP_PUSH], &p->taps.out[PP_TAP_PUSH], true,
                                   out->snr_push_channel);
        return;
    }
    out->snr_push = NAN;
    for (int i = 0; i < k; i++)
        out->snr_push_channel[i] = NAN;
}

static int first_layer_steps(const pp_model *m)
{
    int last = 0;
    for (pp_tap t = PP_TAP_CONV1; t <= PP_TAP_PULL; t++) {
        const pp_step *s = pp_plan_tap_step(m->plan, t);
        if (s && (int)(s - m->plan->steps) + 1 > last)
            last = (int)(s - m->plan->steps) + 1;
    }
    return last;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The predictions from p->logits. */
static pp_status predictions(const pp_probe *p, pp_probe_result *out, pp_error *err)
{
    const int classes = p->model->arch.num_classes;
    float *probs = malloc(sizeof(float) * (size_t)classes);
    int *order = malloc(sizeof(int) * (size_t)classes);
    if (!probs || !order) {
        free(probs);
        free(order);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    }
    pp_softmax(probs, p->logits.data, classes);
    int top = classes < PP_PROBE_TOPK ? classes : PP_PROBE_TOPK;
    pp_topk(order, probs, classes, top);
    for (int i = 0; i < PP_PROBE_TOPK; i++) {
        out->top_class[i] = i < top ? order[i] : -1;
        out->top_prob[i] = i < top ? probs[order[i]] : 0;
    }
    out->true_known = p->true_class >= 0 && p->true_class < classes;
    out->true_class = out->true_known ? p->true_class : p->clean_top1;
    out->true_prob = probs[out->true_class];
    free(probs);
    free(order);
    return PP_OK;
}

/* The forward's stop hook: stage one stops after the first layer's taps,
 * stage two when the caller cancels. The caller's hook may do work of its
 * own at a boundary (the studio makes a newer move's first stage there):
 * its time is not the forward's. */
typedef struct {
    int stop_after;             /* stage one: steps run; 0 in stage two */
    bool (*cancelled)(void *data);
    void *data;
    double hook_ms;             /* spent in cancelled() */
} stage_stop;

static double now_ms(void);

static bool stop_stage(void *data, int done)
{
    stage_stop *s = data;
    if (s->stop_after > 0)
        return done >= s->stop_after;
    if (!s->cancelled)
        return false;
    const double t0 = now_ms();
    const bool stop = s->cancelled(s->data);
    s->hook_ms += now_ms() - t0;
    return stop;
}

pp_status pp_probe_first_layer(pp_probe *p, const pp_image *corrupted, pp_probe_result *out, double *forward_ms,
                               pp_error *err)
{
    memset(out, 0, sizeof *out);
    p->staged = false;
    if (corrupted->width != p->clean.width || corrupted->height != p->clean.height ||
        corrupted->channels != p->clean.channels)
        return pp_fail(err, PP_ERR_SHAPE, "the corrupted image is %dx%dx%d; the probe's input is %dx%dx%d",
                       corrupted->width, corrupted->height, corrupted->channels, p->clean.width, p->clean.height,
                       p->clean.channels);
    pp_status st = pp_image_copy(&out->corrupted, corrupted, err);
    if (st == PP_OK) {
        stage_stop stop = {.stop_after = first_layer_steps(p->model)};
        pp_forward_ctx_set_stop(p->ctx, stop_stage, &stop);
        double t0 = now_ms();
        pp_preprocess_normalize(&p->pre, &out->corrupted, &p->input, 0);
        p->taps.requested = first_layer_taps(p->model);
        st = pp_model_forward(&p->view, p->ctx, &p->input, &p->logits, &p->taps, err);
        if (forward_ms)
            *forward_ms = now_ms() - t0;
        pp_forward_ctx_set_stop(p->ctx, NULL, NULL);
        p->resume = st == PP_ERR_CANCELLED; /* stopped where asked: stage two continues */
        if (p->resume)
            st = PP_OK;
    }
    if (st == PP_OK)
        first_layer_snr(p, out);
    if (st != PP_OK)
        pp_probe_result_free(out);
    p->staged = st == PP_OK;
    return st;
}

pp_status pp_probe_predict(pp_probe *p, bool (*cancelled)(void *data), void *data, pp_probe_result *out,
                           double *forward_ms, pp_error *err)
{
    if (!p->staged)
        return pp_fail(err, PP_ERR_ARG, "no first layer to predict from (pp_probe_first_layer)");
    pp_status st = PP_OK;
    if (p->resume) {
        stage_stop stop = {.cancelled = cancelled, .data = data};
        pp_forward_ctx_set_stop(p->ctx, stop_stage, &stop);
        double t0 = now_ms();
        st = pp_model_forward_resume(&p->view, p->ctx, &p->logits, &p->taps, err);
        if (forward_ms)
            *forward_ms = now_ms() - t0 - stop.hook_ms;
        pp_forward_ctx_set_stop(p->ctx, NULL, NULL);
        p->resume = false;
    } else if (forward_ms) {
        *forward_ms = 0;
    }
    p->staged = false;
    if (st == PP_OK)
        st = pp_logits_check(p->logits.data, p->model->arch.num_classes, err);
    if (st == PP_OK)
        st = predictions(p, out, err);
    if (st != PP_OK)
        pp_probe_result_free(out);
    return st;
}

pp_status pp_probe_run(pp_probe *p, const pp_corruption *c, const pp_corruption_request *req,
                       pp_probe_result *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    pp_image corrupted = {0};
    pp_status st = pp_probe_corrupt(p, c, req, &corrupted, err);
    if (st == PP_OK)
        st = pp_probe_first_layer(p, &corrupted, out, NULL, err);
    if (st == PP_OK)
        st = pp_probe_predict(p, NULL, NULL, out, NULL, err);
    pp_image_free(&corrupted);
    return st;
}

pp_status pp_probe_sweep_run(pp_probe *p, const pp_corruption *c, const pp_corruption_request *base, int steps,
                             pp_probe_sweep *out, bool (*cancel)(void *), void *cancel_ctx, pp_error *err)
{
    memset(out, 0, sizeof *out);
    if (steps < 1 || steps > 63)
        return pp_fail(err, PP_ERR_ARG, "a sweep has 1 to 63 steps");
    out->steps = steps;
    for (int i = 0; i <= steps; i++) {
        if (cancel && cancel(cancel_ctx))
            return pp_fail(err, PP_ERR_CANCELLED, "sweep cancelled");
        pp_corruption_request req = *base;
        req.severity = PP_CORRUPTION_MAX_SEVERITY * i / steps;
        pp_probe_result r;
        pp_status st = pp_probe_run(p, c, &req, &r, err);
        if (st != PP_OK)
            return st;
        out->severity[i] = req.severity;
        out->snr_push[i] = r.snr_push;
        out->snr_output[i] = r.snr_output;
        out->true_prob[i] = r.true_prob;
        out->top1[i] = r.top_class[0];
        out->flip[i] = i > 0 && out->top1[i] != out->top1[i - 1];
        pp_probe_result_free(&r);
    }
    return PP_OK;
}
