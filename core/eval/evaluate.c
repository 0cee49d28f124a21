#include "evaluate.h"
#include "shard_units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../data/batch.h"
#include "../forward.h"
#include "../preprocess.h"
#include "../sha256.h"
#include "../topk.h"

typedef struct {
    const pp_model *m;
    pp_preprocess pre;
    pp_forward_ctx *ctx;
    pp_tensor batch, logits;
    int batch_size, threads;
    const pp_job *job;
    int64_t done, total; /* samples over all phases, for progress */
    double last_report;
} eval_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    const pp_corruption *c;
    double severity;
    const pp_eval_options *opt;
} corruption_ctx;

static pp_status corrupt_sample(pp_image *out, const pp_image *in, int64_t sample, void *ctx, pp_error *err)
{
    const corruption_ctx *cc = ctx;
    pp_corruption_request req = {.severity = cc->severity, .preset = cc->opt->preset,
                                 .seed = pp_corruption_sample_seed(cc->opt->seed, (uint64_t)sample)};
    return pp_corruption_apply(cc->c, &req, in, out, err);
}

/* One phase over batches [b_lo, b_hi) of `ds` (batches of the unsharded run),
 * optionally corrupted: counts of evaluated samples and top-1/top-5 errors. */
static pp_status run_phase(eval_state *s, const pp_dataset *ds, int64_t b_lo, int64_t b_hi, const pp_corruption *c,
                           double severity, const pp_eval_options *opt, const char *phase, pp_eval_counts *counts,
                           pp_error *err)
{
    int64_t wrong1 = 0, wrong5 = 0, seen = 0;
    const int classes = s->m->arch.num_classes;
    for (int64_t b = b_lo; b < b_hi; b++) {
        int64_t start = b * s->batch_size;
        if (start >= ds->count) /* a pre-corrupted copy with fewer samples */
            break;
        if (pp_job_cancelled(s->job))
            return pp_fail(err, PP_ERR_CANCELLED, "evaluation cancelled");
        int n = (int)(ds->count - start < s->batch_size ? ds->count - start : s->batch_size);
        corruption_ctx cc = {.c = c, .severity = severity, .opt = opt};
        pp_status st =
            pp_batch_fill(&s->batch, &s->pre, ds, NULL, start, n, c ? corrupt_sample : NULL, &cc, s->threads, err);
        if (st != PP_OK)
            return st;
        if ((st = pp_model_forward(s->m, s->ctx, &s->batch, &s->logits, NULL, err)) != PP_OK)
            return st;
        for (int i = 0; i < n; i++) {
            const float *row = s->logits.data + (size_t)i * classes;
            int64_t label = ds->labels[start + i];
            int rank = 0; /* classes scoring above the true one; NaN scores count as wrong */
            for (int k = 0; k < classes; k++)
                rank += !(row[k] < row[label]) && (k != label) && (row[k] != row[label] || k < label);
            wrong1 += rank >= 1;
            wrong5 += rank >= 5;
        }
        seen += n;
        s->done += n;
        double t = now();
        if (t - s->last_report > 0.2 || s->done == s->total) {
            s->last_report = t;
            pp_job_progress p = {.fraction = (double)s->done / (double)s->total, .phase = phase, .loss = NAN,
                                 .accuracy = (double)(seen - wrong1) / (double)seen};
            pp_job_report(s->job, &p);
        }
    }
    counts->evaluated = seen;
    counts->wrong_top1 = wrong1;
    counts->wrong_top5 = wrong5;
    return PP_OK;
}

/* Appends whole lines of `notes` while they fit; counts the rest. */
static void add_notes(pp_eval_result *out, const char *notes, int *left_out)
{
    size_t used = strlen(out->notes), len = strlen(notes);
    if (used + len < sizeof out->notes - 64 || (!left_out && used + len < sizeof out->notes))
        memcpy(out->notes + used, notes, len + 1);
    else if (left_out)
        *left_out += len > 0;
}

static double ratio(int64_t num, int64_t den)
{
    return den > 0 ? (double)num / (double)den : NAN;
}

static void hash_labels(const pp_dataset *ds, int64_t count, char hex[65])
{
    pp_sha256 h;
    pp_sha256_init(&h);
    for (int64_t i = 0; i < count; i++) {
        uint8_t le[8];
        for (int k = 0; k < 8; k++)
            le[k] = (uint8_t)((uint64_t)ds->labels[i] >> (8 * k));
        pp_sha256_update(&h, le, 8);
    }
    pp_sha256_hex(&h, hex);
}

pp_status pp_eval_prepare(const pp_model *m, const char *model_name, const pp_dataset *clean,
                          const pp_eval_options *opt, pp_eval_result *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    if (clean->num_classes > m->arch.num_classes)
        return pp_fail(err, PP_ERR_SHAPE, "%s has %d classes but %s has %d: they do not match", model_name,
                       m->arch.num_classes, clean->name, clean->num_classes);
    int64_t count = clean->count;
    if (opt->limit > 0 && opt->limit < count)
        count = opt->limit;
    if (count == 0)
        return pp_fail(err, PP_ERR_ARG, "%s: no samples to evaluate", clean->name);
    if (opt->n_shards < 0 || (opt->n_shards > 0 && (opt->shard < 1 || opt->shard > opt->n_shards)))
        return pp_fail(err, PP_ERR_ARG, "shard %d of %d: K must be from 1 to N", opt->shard, opt->n_shards);

    bool sev[5];
    int n_sev = 0;
    for (int s = 0; s < 5; s++)
        n_sev += opt->severities[s];
    for (int s = 0; s < 5; s++)
        sev[s] = n_sev == 0 || opt->severities[s];
    if (!opt->clean_only) {
        int n_names = opt->corruptions ? opt->n_corruptions : PP_BENCHMARK_CORRUPTIONS;
        if (n_names > PP_EVAL_MAX_CORRUPTIONS)
            return pp_fail(err, PP_ERR_ARG, "at most %d corruptions per evaluation", PP_EVAL_MAX_CORRUPTIONS);
        for (int i = 0; i < n_names; i++) {
            const char *name = opt->corruptions ? opt->corruptions[i] : pp_benchmark_corruptions[i];
            const pp_corruption *c = pp_corruption_find(name);
            if (!c)
                return pp_fail(err, PP_ERR_ARG, "unknown corruption '%s' (see `pushpull corrupt --list`)", name);
            pp_eval_corruption *ec = &out->corruptions[out->n_corruptions++];
            snprintf(ec->name, sizeof ec->name, "%s", c->name);
            memcpy(ec->has, sev, sizeof sev);
        }
    }
    snprintf(out->model, sizeof out->model, "%s", model_name);
    snprintf(out->dataset, sizeof out->dataset, "%s", clean->name);
    out->samples = count;
    if (opt->corrupted_dir)
        snprintf(out->corruption_source, sizeof out->corruption_source, "%s", opt->corrupted_dir);
    else
        snprintf(out->corruption_source, sizeof out->corruption_source, "engine seed %llu preset %s",
                 (unsigned long long)opt->seed, pp_corruption_preset_name(opt->preset));

    pp_eval_shard *sh = &out->shard;
    sh->batch = opt->batch > 0 ? opt->batch : 64;
    int64_t batches = (count + sh->batch - 1) / sh->batch;
    sh->units_total = batches * pp_eval_phase_count(out);
    sh->count = opt->n_shards;
    sh->index = opt->n_shards ? opt->shard : 0;
    if (sh->count)
        pp_eval_shard_units(out, sh->index, sh->count, &sh->unit_lo, &sh->unit_hi);
    else
        sh->unit_lo = 0, sh->unit_hi = sh->units_total;
    hash_labels(clean, count, sh->labels_sha256);
    return PP_OK;
}

pp_status pp_evaluate(const pp_model *m, const char *model_name, const pp_dataset *clean,
                      const pp_eval_options *opt, const pp_job *job, pp_eval_result *out, pp_error *err)
{
    double t0 = now();
    pp_status st = pp_eval_prepare(m, model_name, clean, opt, out, err);
    if (st != PP_OK)
        return st;
    pp_dataset limited = *clean; /* a view: limit without touching the caller's set */
    limited.count = out->samples;
    const pp_eval_shard *sh = &out->shard;
    const int64_t phases = pp_eval_phase_count(out);

    eval_state s = {.m = m, .job = job, .batch_size = sh->batch, .threads = pp_job_threads(job)};
    int notes_left_out = 0;
    st = pp_preprocess_for_model(&s.pre, m, err);
    if (st == PP_OK)
        st = pp_tensor_alloc4(&s.batch, s.batch_size, s.pre.channels, s.pre.size, s.pre.size, err);
    if (st != PP_OK)
        return st;
    s.ctx = pp_forward_ctx_new(s.threads);
    for (int64_t p = 0; p < phases; p++) { /* the shard's samples, for progress */
        int64_t lo, hi;
        pp_eval_shard_phase_batches(sh, phases, p, &lo, &hi);
        for (int64_t b = lo; b < hi; b++)
            s.total += b * s.batch_size + s.batch_size <= out->samples ? s.batch_size : out->samples - b * s.batch_size;
    }
    s.total = s.total > 0 ? s.total : 1;
    s.last_report = now();

    int64_t lo, hi;
    pp_eval_shard_phase_batches(sh, phases, 0, &lo, &hi);
    st = run_phase(&s, &limited, lo, hi, NULL, 0, opt, "clean", &out->clean_counts, err);
    int64_t p = 1;
    for (int c = 0; c < out->n_corruptions && st == PP_OK; c++) {
        pp_eval_corruption *ec = &out->corruptions[c];
        const pp_corruption *corr = pp_corruption_find(ec->name);
        for (int sv = 0; sv < 5 && st == PP_OK; sv++) {
            if (!ec->has[sv])
                continue;
            pp_eval_shard_phase_batches(sh, phases, p++, &lo, &hi);
            if (lo == hi)
                continue;
            char phase[64];
            snprintf(phase, sizeof phase, "%s s%d", ec->name, sv + 1);
            if (opt->corrupted_dir) {
                pp_dataset pre_made;
                st = pp_dataset_open_corrupted(&pre_made, opt->corrupted_dir, ec->name, sv + 1, clean, err);
                if (st == PP_OK) {
                    add_notes(out, pre_made.notes, &notes_left_out);
                    pp_dataset_limit(&pre_made, limited.count);
                    st = run_phase(&s, &pre_made, lo, hi, NULL, 0, opt, phase, &ec->counts[sv], err);
                    pp_dataset_free(&pre_made);
                }
            } else {
                st = run_phase(&s, &limited, lo, hi, corr, sv + 1, opt, phase, &ec->counts[sv], err);
            }
        }
    }
    /* Errors of what this run saw (a whole run: the single-run numbers). */
    out->clean_error = ratio(out->clean_counts.wrong_top1, out->clean_counts.evaluated);
    out->clean_top5_error = ratio(out->clean_counts.wrong_top5, out->clean_counts.evaluated);
    for (int c = 0; c < out->n_corruptions; c++)
        for (int sv = 0; sv < 5; sv++)
            out->corruptions[c].error[sv] =
                ratio(out->corruptions[c].counts[sv].wrong_top1, out->corruptions[c].counts[sv].evaluated);
    if (notes_left_out) {
        char more[64];
        snprintf(more, sizeof more, "%d more warnings like these\n", notes_left_out);
        add_notes(out, more, NULL);
    }
    out->seconds = now() - t0;
    pp_forward_ctx_free(s.ctx);
    pp_tensor_free(&s.batch);
    pp_tensor_free(&s.logits);
    return st;
}

void pp_eval_result_table(const pp_eval_result *r, pp_error_table *t)
{
    memset(t, 0, sizeof *t);
    t->clean_error = r->clean_error;
    for (int i = 0; i < r->n_corruptions; i++) {
        const pp_eval_corruption *c = &r->corruptions[i];
        int b = pp_benchmark_index(c->name);
        if (b < 0 || !(c->has[0] && c->has[1] && c->has[2] && c->has[3] && c->has[4]))
            continue;
        t->has[b] = true;
        memcpy(t->error[b], c->error, sizeof c->error);
    }
}
