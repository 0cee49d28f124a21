#include "cka_layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../data/batch.h"
#include "../eval/compat.h"
#include "../preprocess.h"
#include "../rng.h"
#include "../threads.h"

/* Images per forward pass while a batch's activations are gathered. */
#define FORWARD_BATCH 32

void pp_cka_pass_order(int64_t *order, int64_t n, uint64_t seed, int pass)
{
    const uint64_t key = pp_rng_key(seed, PP_CKA_SHUFFLE_STREAM + (uint64_t)pass);
    for (int64_t i = 0; i < n; i++)
        order[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = pp_rng_int(key, (uint64_t)i, 0, (int)i);
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* One model's side of a run: its input, its layers (captured as plan step
 * outputs), and per layer one batch of activations (rows of `features`
 * floats) and that batch's centred kernel. */
typedef struct {
    const pp_model *m;
    pp_preprocess pre;
    pp_forward_ctx *ctx;
    pp_tensor input;
    int n_layers;
    pp_model_layer layers[PP_CKA_MAX_LAYERS];
    int steps[PP_CKA_MAX_LAYERS];
    pp_tensor step_out[PP_CKA_MAX_LAYERS];
    pp_taps taps;
    float *act[PP_CKA_MAX_LAYERS];
    int64_t features[PP_CKA_MAX_LAYERS];
    double *kernel[PP_CKA_MAX_LAYERS];
} side;

static void side_free(side *s)
{
    pp_forward_ctx_free(s->ctx);
    pp_tensor_free(&s->input);
    pp_taps_free(&s->taps);
    for (int l = 0; l < PP_CKA_MAX_LAYERS; l++) {
        free(s->act[l]);
        free(s->kernel[l]);
    }
}

/* The model's layers: the names given, or every block (model_layers.h). */
static pp_status side_layers(side *s, const pp_model *m, const char *name, const char *const *layers, int n_layers,
                             pp_error *err)
{
    if (!layers) {
        s->n_layers = pp_model_layers_per_block(m, s->layers, PP_CKA_MAX_LAYERS);
        return s->n_layers <= PP_CKA_MAX_LAYERS
                   ? PP_OK
                   : pp_fail(err, PP_ERR_ARG, "%s has %d layers, more than a CKA run takes (%d): pick some", name,
                             s->n_layers, PP_CKA_MAX_LAYERS);
    }
    if (n_layers < 1 || n_layers > PP_CKA_MAX_LAYERS)
        return pp_fail(err, PP_ERR_ARG, "a CKA run takes 1 to %d layers (got %d)", PP_CKA_MAX_LAYERS, n_layers);
    for (int l = 0; l < n_layers; l++) {
        pp_status st = pp_model_layer_find(m, name, layers[l], &s->layers[l], err);
        if (st != PP_OK)
            return st;
    }
    s->n_layers = n_layers;
    return PP_OK;
}

static pp_status side_init(side *s, const pp_model *m, const char *name, const char *const *layers, int n_layers,
                           int batch, int threads, pp_error *err)
{
    memset(s, 0, sizeof *s);
    s->m = m;
    pp_status st = side_layers(s, m, name, layers, n_layers, err);
    if (st == PP_OK)
        st = pp_preprocess_for_model(&s->pre, m, err);
    if (st == PP_OK)
        st = pp_tensor_alloc4(&s->input, FORWARD_BATCH, s->pre.channels, s->pre.size, s->pre.size, err);
    if (st != PP_OK)
        return st;
    for (int l = 0; l < s->n_layers; l++) {
        s->steps[l] = s->layers[l].step;
        if (!(s->kernel[l] = malloc((size_t)batch * batch * sizeof(double))))
            return pp_fail(err, PP_ERR_NOMEM, "out of memory for %d x %d CKA kernels", batch, batch);
    }
    s->taps = (pp_taps){.steps = s->steps, .step_out = s->step_out, .step_count = s->n_layers};
    if (!(s->ctx = pp_forward_ctx_new(threads)))
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a forward context");
    return PP_OK;
}

typedef struct {
    const pp_corruption *c;
    const pp_cka_options *opt;
} corruption_ctx;

static pp_status corrupt_sample(pp_image *out, const pp_image *in, int64_t sample, void *ctx, pp_error *err)
{
    const corruption_ctx *cc = ctx;
    pp_corruption_request req = {.severity = cc->opt->severity, .preset = cc->opt->preset,
                                 .seed = pp_corruption_sample_seed(cc->opt->seed, (uint64_t)sample)};
    return pp_corruption_apply(cc->c, &req, in, out, err);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Images order[0..n) through one model: every layer's activations, then
 * its centred kernel (U-centred when `unbiased`). */
static pp_status side_batch(side *s, const pp_dataset *ds, const int64_t *order, int n, int batch_max,
                            const corruption_ctx *cc, pp_cka_kind kind, double threshold, bool unbiased,
                            const pp_job *job, double *kernel_seconds, pp_error *err)
{
    const int threads = pp_job_threads(job);
    pp_status st = PP_OK;
    for (int off = 0; off < n && st == PP_OK; off += FORWARD_BATCH) {
        if (pp_job_cancelled(job))
            return pp_fail(err, PP_ERR_CANCELLED, "CKA cancelled");
        int k = n - off < FORWARD_BATCH ? n - off : FORWARD_BATCH;
        st = pp_batch_fill(&s->input, &s->pre, ds, order + off, 0, k, cc->c ? corrupt_sample : NULL, (void *)cc,
                           threads, err);
        if (st == PP_OK)
            st = pp_model_forward(s->m, s->ctx, &s->input, NULL, &s->taps, err);
        for (int l = 0; l < s->n_layers && st == PP_OK; l++) {
            const pp_tensor *t = &s->step_out[l];
            int64_t per = pp_tensor_numel(t) / k;
            if (!s->act[l]) {
                s->features[l] = per;
                size_t bytes;
                if (!pp_mul_size((size_t)batch_max * (size_t)per, sizeof(float), &bytes) ||
                    !(s->act[l] = malloc(bytes)))
                    return pp_fail(err, PP_ERR_NOMEM, "out of memory for %d images of layer %s (%lld values each): "
                                   "lower the CKA batch", batch_max, s->layers[l].name, (long long)per);
            }
            memcpy(s->act[l] + (size_t)off * per, t->data, (size_t)k * per * sizeof(float));
        }
    }
    const double t0 = now();
    for (int l = 0; l < s->n_layers && st == PP_OK; l++) {
        if (pp_job_cancelled(job))
            return pp_fail(err, PP_ERR_CANCELLED, "CKA cancelled");
        st = pp_cka_gram(s->act[l], n, s->features[l], s->kernel[l], threads, err);
        if (st == PP_OK) {
            if (kind == PP_CKA_RBF)
                pp_cka_rbf_from_gram(s->kernel[l], n, threshold);
            pp_cka_center(s->kernel[l], n, unbiased);
        }
    }
    *kernel_seconds += now() - t0;
    return st;
}

void pp_cka_match_layers(const pp_cka_layer_name *a, int la, const pp_cka_layer_name *b, int lb, int *match,
                         bool *by_position)
{
    bool any = false;
    for (int i = 0; i < la; i++) {
        match[i] = -1;
        for (int j = 0; j < lb && match[i] < 0; j++)
            if (strcmp(a[i].name, b[j].name) == 0)
                match[i] = j;
        any |= match[i] >= 0;
    }
    *by_position = !any && la > 0 && lb > 0;
    if (*by_position)
        for (int i = 0; i < la; i++)
            match[i] = i < lb ? i : -1;
}

static pp_status check_run(const pp_model *a, const char *name_a, const pp_model *b, const char *name_b,
                           const pp_dataset *ds, const pp_cka_options *opt, int64_t n, int batch, pp_error *err)
{
    pp_status st = pp_check_dataset_for_model(ds, a, name_a, err);
    if (st == PP_OK && b != a)
        st = pp_check_dataset_for_model(ds, b, name_b, err);
    if (st == PP_OK && b != a)
        st = pp_check_models_comparable(a, name_a, b, name_b, err);
    if (st != PP_OK)
        return st;
    if (opt->n_shards < 0 || (opt->n_shards > 0 && (opt->shard < 1 || opt->shard > opt->n_shards)))
        return pp_fail(err, PP_ERR_ARG, "shard %d of %d: K must be from 1 to N", opt->shard, opt->n_shards);
    if (opt->passes > 1 && opt->in_order)
        return pp_fail(err, PP_ERR_ARG, "%d CKA passes in data-set order would repeat one pass: shuffle them",
                       opt->passes);
    if (batch < 8)
        return pp_fail(err, PP_ERR_ARG, "a CKA batch needs at least 8 images (got %d)", batch);
    if (n < (opt->kind == PP_CKA_DEBIASED ? 4 : 2))
        return pp_fail(err, PP_ERR_ARG, "%s CKA needs at least %d images; %s has %lld", pp_cka_kind_name(opt->kind),
                       opt->kind == PP_CKA_DEBIASED ? 4 : 2, ds->name, (long long)n);
    if (opt->corruption && !pp_corruption_find(opt->corruption))
        return pp_fail(err, PP_ERR_ARG, "unknown corruption '%s' (see `pushpull corrupt --list`)", opt->corruption);
    if (opt->corruption && !(opt->severity >= 0 && opt->severity <= PP_CORRUPTION_MAX_SEVERITY))
        return pp_fail(err, PP_ERR_ARG, "severity %g is outside 0..5", opt->severity);
    return PP_OK;
}

static void describe_run(pp_cka_result *out, const side *sa, const side *sb, const char *name_a,
                         const char *name_b, const pp_dataset *ds, const corruption_ctx *cc)
{
    out->layers_a = sa->n_layers;
    out->layers_b = sb->n_layers;
    for (int l = 0; l < sa->n_layers; l++)
        snprintf(out->names_a[l].name, sizeof out->names_a[l].name, "%s", sa->layers[l].name);
    for (int l = 0; l < sb->n_layers; l++)
        snprintf(out->names_b[l].name, sizeof out->names_b[l].name, "%s", sb->layers[l].name);
    pp_cka_match_layers(out->names_a, out->layers_a, out->names_b, out->layers_b, out->match,
                        &out->matched_by_position);
    snprintf(out->model_a, sizeof out->model_a, "%s", name_a);
    snprintf(out->model_b, sizeof out->model_b, "%s", name_b);
    snprintf(out->dataset, sizeof out->dataset, "%s", ds->name);
    if (cc->c) {
        snprintf(out->corruption, sizeof out->corruption, "%s", cc->c->name);
        out->severity = cc->opt->severity;
    }
}

pp_status pp_cka_models(const pp_model *a, const char *name_a, const pp_model *b, const char *name_b,
                        const pp_dataset *ds, const pp_cka_options *opt, const pp_job *job, pp_cka_result *out,
                        pp_error *err)
{
    const double t0 = now();
    memset(out, 0, sizeof *out);
    if (!b)
        b = a, name_b = name_a;
    const int64_t n = opt->limit > 0 && opt->limit < ds->count ? opt->limit : ds->count;
    const int batch_option = opt->batch > 0 ? opt->batch : PP_CKA_DEFAULT_BATCH;
    pp_status st = check_run(a, name_a, b, name_b, ds, opt, n, batch_option, err);
    if (st != PP_OK)
        return st;

    const bool minibatch = n > batch_option;
    const int batches = (int)((n + batch_option - 1) / batch_option);
    const int batch_max = (int)((n + batches - 1) / batches); /* near-equal sizes: n / batches rounded up */
    const int passes = minibatch && opt->passes > 1 ? opt->passes : 1;
    const bool shuffled = minibatch && !opt->in_order;
    const double threshold = opt->threshold > 0 ? opt->threshold : PP_CKA_RBF_THRESHOLD;
    const bool has_b_layers = opt->layers_b != NULL;
    const bool same = a == b && !has_b_layers; /* one side serves both */
    corruption_ctx cc = {.c = opt->corruption ? pp_corruption_find(opt->corruption) : NULL, .opt = opt};

    side *sa = calloc(1, sizeof *sa), *sb = same ? sa : calloc(1, sizeof *sb);
    int64_t *order = malloc((size_t)n * sizeof *order);
    pp_cka_accumulator acc = {0};
    const int threads = pp_job_threads(job);
    if (!sa || !sb || !order)
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory for a CKA run of %lld images", (long long)n);
    if (st == PP_OK)
        st = side_init(sa, a, name_a, opt->layers, opt->n_layers, batch_max, threads, err);
    if (st == PP_OK && !same)
        st = side_init(sb, b, name_b, has_b_layers ? opt->layers_b : opt->layers,
                       has_b_layers ? opt->n_layers_b : opt->n_layers, batch_max, threads, err);
    if (st == PP_OK) {
        describe_run(out, sa, sb, name_a, name_b, ds, &cc);
        st = pp_cka_accumulator_init(&acc, sa->n_layers, sb->n_layers, err);
    }
    out->same_model = a == b;
    out->kind = opt->kind;
    out->threshold = threshold;
    out->minibatch = minibatch;
    out->batches = batches;
    out->batch = batch_max;
    out->samples = n;
    out->passes = passes;
    out->shuffled = shuffled;
    out->seed = opt->seed;
    out->preset = opt->preset;
    const int64_t units = (int64_t)passes * batches;
    out->units = units;
    out->unit_lo = opt->n_shards ? (opt->shard - 1) * units / opt->n_shards : 0;
    out->unit_hi = opt->n_shards ? opt->shard * units / opt->n_shards : units;
    out->shard_index = opt->n_shards ? opt->shard : 0;
    out->shard_count = opt->n_shards;
    const size_t per_unit = st == PP_OK ? PP_CKA_TERMS(sa->n_layers, sb->n_layers) : 0;
    double *terms = NULL;
    if (st == PP_OK && !(terms = malloc(per_unit * (size_t)(out->unit_hi - out->unit_lo + 1) * sizeof(double))))
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory for the CKA terms");

    const bool unbiased = minibatch || opt->kind == PP_CKA_DEBIASED;
    const int sides = same ? 1 : 2;
    const int64_t steps = (out->unit_hi - out->unit_lo) * sides;
    for (int pass = 0; pass < passes && st == PP_OK && !opt->describe_only; pass++) {
        if (shuffled)
            pp_cka_pass_order(order, n, opt->seed, pass);
        else
            for (int64_t i = 0; i < n; i++)
                order[i] = i;
        int64_t start = 0;
        for (int k = 0; k < batches && st == PP_OK; k++) {
            int size = (int)((n - start) / (batches - k)); /* the rest shared evenly */
            const int64_t unit = (int64_t)pass * batches + k;
            if (unit < out->unit_lo || unit >= out->unit_hi) { /* another shard's */
                start += size;
                continue;
            }
            char phase[64];
            if (passes > 1)
                snprintf(phase, sizeof phase, "pass %d/%d, batch %d/%d", pass + 1, passes, k + 1, batches);
            else
                snprintf(phase, sizeof phase, "batch %d/%d", k + 1, batches);
            for (int side_index = 0; side_index < sides && st == PP_OK; side_index++) {
                st = side_batch(side_index ? sb : sa, ds, order + start, size, batch_max, &cc, opt->kind, threshold,
                                unbiased, job, &out->seconds_cka, err);
                const int64_t done = (unit - out->unit_lo) * sides + side_index + 1;
                pp_job_progress p = {.fraction = (double)done / steps, .phase = phase, .loss = NAN,
                                     .accuracy = NAN};
                if (st == PP_OK)
                    pp_job_report(job, &p);
            }
            if (st == PP_OK) { /* exact: one batch, and the (n-1)² normaliser cancels */
                double t1 = now();
                double *t = terms + per_unit * (size_t)(opt->n_shards ? unit - out->unit_lo : 0);
                pp_cka_batch_terms(sa->n_layers, sb->n_layers, sa->kernel, sb->kernel, size,
                                   minibatch ? (double)size * (size - 3) : 1.0, threads, t);
                if (!opt->n_shards)
                    pp_cka_accumulator_add(&acc, t);
                out->seconds_cka += now() - t1;
            }
            start += size;
        }
    }
    if (st == PP_OK && opt->describe_only) {
        /* the description only */
    } else if (st == PP_OK && opt->n_shards) {
        out->terms = terms;
        terms = NULL;
    } else if (st == PP_OK) {
        if (!(out->matrix = malloc((size_t)acc.layers_a * acc.layers_b * sizeof(double))))
            st = pp_fail(err, PP_ERR_NOMEM, "out of memory for the CKA matrix");
        else
            pp_cka_accumulator_result(&acc, out->matrix);
    }
    pp_cka_accumulator_free(&acc);
    if (sa)
        side_free(sa);
    if (sb && !same)
        side_free(sb);
    free(sa);
    if (!same)
        free(sb);
    free(order);
    free(terms);
    out->seconds = now() - t0;
    return st;
}

void pp_cka_result_free(pp_cka_result *r)
{
    free(r->matrix);
    free(r->terms);
    r->matrix = NULL;
    r->terms = NULL;
}
