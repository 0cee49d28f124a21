#include "trainer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../rng.h"
#include "../data/augment.h"
#include "../data/batch.h"
#include "../eval/evaluate.h"
#include "../model_file.h"
#include "../preprocess.h"
#include "adversarial_batch.h"
#include "train_step.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Fisher-Yates with a counter-based stream: epoch e's order depends only on (seed, e). */
static void shuffle(int64_t *order, int64_t n, uint64_t seed, int epoch)
{
    uint64_t key = pp_rng_key(seed ^ 0x5eed5eedull, (uint64_t)epoch);
    for (int64_t i = 0; i < n; i++)
        order[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(pp_rng_uniform(key, (uint64_t)i) * (double)(i + 1));
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

pp_status pp_trainer_describe_data(pp_model *m, const pp_dataset *train, pp_error *err)
{
    if (strncmp(train->name, "fashion-mnist", 13) == 0)
        snprintf(m->arch.dataset, sizeof m->arch.dataset, "fashion_mnist");
    else if (strncmp(train->name, "cifar10", 7) == 0)
        snprintf(m->arch.dataset, sizeof m->arch.dataset, "cifar10");
    pp_preprocess pre;
    pp_status st = pp_preprocess_for_model(&pre, m, err);
    if (st != PP_OK)
        return st;
    char buf[160];
    st = pp_sd_meta_set(&m->meta, "dataset_name", m->arch.dataset, err);
    snprintf(buf, sizeof buf, "%d", pre.size);
    if (st == PP_OK)
        st = pp_sd_meta_set(&m->meta, "input_size", buf, err);
    for (int which = 0; which < 2 && st == PP_OK; which++) {
        const float *v = which ? pre.std : pre.mean;
        int used = snprintf(buf, sizeof buf, "[");
        for (int c = 0; c < pre.channels; c++)
            used += snprintf(buf + used, sizeof buf - (size_t)used, "%s%.6g", c ? ", " : "", v[c]);
        snprintf(buf + used, sizeof buf - (size_t)used, "]");
        st = pp_sd_meta_set(&m->meta, which ? "std" : "mean", buf, err);
    }
    if (st == PP_OK && train->class_names && train->num_classes == m->arch.num_classes)
        st = pp_model_set_class_names(m, (const char *const *)train->class_names, train->num_classes, err);
    return st;
}

typedef struct {
    pp_preprocess pre;
    pp_tensor batch;
    int32_t *labels;
} batch_buffers;

typedef struct {
    const pp_train_options *opt;
    int epoch;
} augment_ctx;

static pp_status augment_sample(pp_image *out, const pp_image *in, int64_t sample, void *ctx, pp_error *err)
{
    const augment_ctx *a = ctx;
    return pp_augment_crop_flip(out, in, a->opt->crop_padding, a->opt->flip,
                                a->opt->seed + (uint64_t)a->epoch * 0x9e3779b9ull, (uint64_t)sample, err);
}

/* The resume point: epochs done, and the steps per epoch that the schedule's
 * position depends on. */
static pp_status save_checkpoint(pp_model *m, const char *path, int epoch, int64_t steps_per_epoch, pp_error *err)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d", epoch);
    pp_status st = pp_sd_meta_set(&m->meta, "train_epochs_done", buf, err);
    snprintf(buf, sizeof buf, "%lld", (long long)steps_per_epoch);
    if (st == PP_OK)
        st = pp_sd_meta_set(&m->meta, "train_steps_per_epoch", buf, err);
    return st == PP_OK ? pp_model_save(m, path, err) : st;
}

/* A whole decimal integer in [min, max], or false (absent, junk, out of range). */
static bool meta_integer(const char *text, long long min, long long max, long long *out)
{
    if (!text || !*text)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* Where a checkpoint says training stopped, checked against this run: a
 * corrupt or foreign value must not index the history or skew the schedule. */
static pp_status read_resume_point(const pp_model *saved, const char *path, const pp_train_options *opt,
                                   int64_t steps_per_epoch, int *first_epoch, pp_error *err)
{
    const char *done = pp_sd_meta_get(&saved->meta, "train_epochs_done");
    const char *steps = pp_sd_meta_get(&saved->meta, "train_steps_per_epoch");
    long long epochs_done, saved_steps;
    if (!done)
        return pp_fail(err, PP_ERR_FORMAT, "%s: not a training checkpoint (no train_epochs_done in its metadata)",
                       path);
    if (!meta_integer(done, 0, PP_TRAIN_MAX_EPOCHS, &epochs_done))
        return pp_fail(err, PP_ERR_FORMAT, "%s: train_epochs_done is '%.40s', not a count from 0 to %d", path,
                       done, PP_TRAIN_MAX_EPOCHS);
    if (epochs_done > opt->epochs)
        return pp_fail(err, PP_ERR_ARG, "%s: the checkpoint has %lld epochs done but this run has only %d", path,
                       epochs_done, opt->epochs);
    if (steps && !meta_integer(steps, 1, INT64_MAX, &saved_steps))
        return pp_fail(err, PP_ERR_FORMAT, "%s: train_steps_per_epoch is '%.40s', not a positive count", path,
                       steps);
    if (steps && saved_steps != steps_per_epoch)
        return pp_fail(err, PP_ERR_ARG,
                       "%s: the checkpoint was written with %lld steps per epoch, this run has %lld "
                       "(same --limit, --batch and data set needed to resume)",
                       path, saved_steps, (long long)steps_per_epoch);
    *first_epoch = (int)epochs_done;
    return PP_OK;
}

pp_status pp_trainer_run(pp_model *m, const pp_dataset *train, const pp_train_options *opt, const pp_job *job,
                         pp_train_history *hist, pp_error *err)
{
    memset(hist, 0, sizeof *hist);
    double t0 = now();
    if (opt->epochs < 1 || opt->epochs > PP_TRAIN_MAX_EPOCHS || opt->batch < 1)
        return pp_fail(err, PP_ERR_ARG, "epochs must be 1..%d and the batch positive", PP_TRAIN_MAX_EPOCHS);
    if (train->num_classes > m->arch.num_classes)
        return pp_fail(err, PP_ERR_SHAPE, "the model has %d classes but %s has %d", m->arch.num_classes, train->name,
                       train->num_classes);
    int64_t count = opt->limit > 0 && opt->limit < train->count ? opt->limit : train->count;
    int batch = opt->batch < count ? opt->batch : (int)count;
    /* Drop the last partial batch, as PyTorch's drop_last: BN needs > 1 sample. */
    int64_t steps_per_epoch = count / batch;
    if (steps_per_epoch < 1)
        return pp_fail(err, PP_ERR_ARG, "%s: too few samples for one batch", train->name);
    int64_t total_steps = steps_per_epoch * opt->epochs;

    if (opt->resume && opt->checkpoint && access(opt->checkpoint, F_OK) == 0) {
        pp_model saved;
        pp_arch_hints hints = {.avg_kernel = m->arch.avg_kernel};
        char notes[256];
        pp_status st = pp_model_open(&saved, opt->checkpoint, &hints, notes, sizeof notes, err);
        if (st != PP_OK)
            return st;
        if (memcmp(&saved.arch.blocks, &m->arch.blocks, sizeof m->arch.blocks) != 0 || saved.arena_floats != m->arena_floats) {
            pp_model_free(&saved);
            return pp_fail(err, PP_ERR_SHAPE, "%s: checkpoint has a different architecture", opt->checkpoint);
        }
        st = read_resume_point(&saved, opt->checkpoint, opt, steps_per_epoch, &hist->first_epoch, err);
        if (st != PP_OK) {
            pp_model_free(&saved);
            return st;
        }
        memcpy(m->arena, saved.arena, sizeof(float) * m->arena_floats);
        pp_model_free(&saved);
        pp_model_prepare(m);
    }

    /* robustness recipe: views per sample (rows v * batch + i), the loss over them */
    static const pp_train_recipe plain = {.kind = PP_RECIPE_PLAIN};
    const pp_train_recipe *recipe = opt->recipe ? opt->recipe : &plain;
    pp_batch_views views;
    pp_train_recipe_views(recipe, opt->seed, &views);
    pp_loss_hook hook;
    bool use_hook;
    pp_train_recipe_loss(recipe, &hook, &use_hook);
    hook.scored = batch;
    char recipe_text[256];
    pp_train_recipe_format(recipe, recipe_text, sizeof recipe_text);
    pp_status meta_st = pp_sd_meta_set(&m->meta, "train_augment", recipe_text, err);
    if (meta_st != PP_OK)
        return meta_st;

    batch_buffers b = {0};
    pp_train_ctx *ctx = NULL;
    int64_t *order = malloc(sizeof(int64_t) * (size_t)count);
    b.labels = malloc(sizeof(int32_t) * (size_t)batch * views.count);
    pp_status st = order && b.labels ? pp_preprocess_for_model(&b.pre, m, err)
                                     : pp_fail(err, PP_ERR_NOMEM, "out of memory");
    if (st == PP_OK)
        st = pp_tensor_alloc4(&b.batch, (int64_t)batch * views.count, b.pre.channels, b.pre.size, b.pre.size, err);
    if (st == PP_OK)
        st = pp_train_ctx_new(&ctx, m, pp_job_threads(job), err);
    if (st == PP_OK) /* drop-connect masks (EfficientNet) from the run's seed; a resumed run draws anew */
        pp_train_set_seed(ctx, opt->seed ^ ((uint64_t)hist->first_epoch << 40));

    double last_report = 0;
    for (int epoch = hist->first_epoch; epoch < opt->epochs && st == PP_OK; epoch++) {
        shuffle(order, count, opt->seed, epoch);
        double loss_sum = 0;
        int64_t correct = 0, seen = 0;
        char phase[48];
        snprintf(phase, sizeof phase, "epoch %d/%d", epoch + 1, opt->epochs);
        for (int64_t step = 0; step < steps_per_epoch && st == PP_OK; step++) {
            if (pp_job_cancelled(job)) {
                st = pp_fail(err, PP_ERR_CANCELLED, "training cancelled in epoch %d", epoch + 1);
                break;
            }
            augment_ctx actx = {opt, epoch};
            views.seed = opt->seed + (uint64_t)epoch * 0x9e3779b9ull;
            if (recipe->kind == PP_RECIPE_PLAIN)
                st = pp_batch_fill(&b.batch, &b.pre, train, order + step * batch, 0, batch, augment_sample, &actx,
                                   pp_job_threads(job), err);
            else
                st = pp_batch_fill_views(&b.batch, &b.pre, train, order + step * batch, 0, batch, augment_sample, &actx,
                                         &views, pp_job_threads(job), err);
            if (st != PP_OK)
                break;
            for (int v = 0; v < views.count; v++)
                for (int i = 0; i < batch; i++)
                    b.labels[v * batch + i] = (int32_t)train->labels[order[step * batch + i]];
            int64_t global = epoch * steps_per_epoch + step;
            const pp_pixel_space px = {b.pre.mean, b.pre.std};
            if ((st = pp_adversarial_batch(recipe, ctx, m, &px, &b.batch, b.labels, opt->seed, global, job, err)) != PP_OK) {
                if (st == PP_ERR_CANCELLED)
                    st = pp_fail(err, PP_ERR_CANCELLED, "training cancelled in epoch %d", epoch + 1);
                break;
            }
            float lr = (float)pp_lr_at(&opt->schedule, (int)global, (int)total_steps);
            pp_train_stats stats;
            st = pp_train_step_loss(ctx, m, &b.batch, b.labels, use_hook ? &hook : NULL, &opt->sgd, lr, &stats, err);
            if (st != PP_OK) {
                if (!isfinite(stats.loss))
                    st = pp_fail(err, PP_ERR_ARG,
                                 "the loss became %g in epoch %d, step %lld (learning rate %.3g too high?); "
                                 "training stopped%s",
                                 stats.loss, epoch + 1, (long long)step, lr,
                                 opt->checkpoint ? ", the last epoch's checkpoint is kept" : "");
                break;
            }
            loss_sum += stats.loss * stats.n;
            correct += stats.correct;
            seen += stats.n;
            double t = now();
            if (t - last_report > 0.2) {
                last_report = t;
                pp_job_progress p = {.fraction = (double)(global + 1) / (double)total_steps, .phase = phase,
                                     .loss = loss_sum / (double)seen, .accuracy = (double)correct / (double)seen};
                pp_job_report(job, &p);
            }
        }
        if (st != PP_OK)
            break;
        int e = hist->epochs_done++;
        hist->loss[e] = loss_sum / (double)seen;
        hist->accuracy[e] = (double)correct / (double)seen;
        hist->val_error[e] = NAN;
        if (opt->val) {
            pp_eval_options vo = {.clean_only = true, .limit = opt->val_limit, .batch = 256};
            pp_eval_result r;
            pp_job threads_only = {.threads = pp_job_threads(job)}; /* no progress, no cancel */
            if ((st = pp_evaluate(m, "training", opt->val, &vo, &threads_only, &r, err)) != PP_OK)
                break;
            hist->val_error[e] = r.clean_error;
        }
        pp_job_progress p = {.fraction = (double)((epoch + 1) * steps_per_epoch) / (double)total_steps,
                             .phase = phase, .loss = hist->loss[e], .accuracy = hist->accuracy[e]};
        pp_job_report(job, &p);
        if (opt->checkpoint)
            st = save_checkpoint(m, opt->checkpoint, epoch + 1, steps_per_epoch, err);
    }
    hist->seconds = now() - t0;
    pp_train_ctx_free(ctx);
    pp_tensor_free(&b.batch);
    free(b.labels);
    free(order);
    return st;
}
