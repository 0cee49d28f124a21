/* The job API: evaluation and training report progress and stop on cancel at
 * the next batch, returning PP_ERR_CANCELLED and leaving no thread behind. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "../fixture.h"
#include "../test_util.h"
#include "eval/evaluate.h"
#include "model_file.h"
#include "train/trainer.h"

typedef struct {
    int reports;
    int cancel_polls;
    int cancel_after; /* polls answered false before saying stop */
    double last_fraction;
    bool monotone;
} watch;

static void on_progress(const pp_job_progress *p, void *ctx)
{
    watch *w = ctx;
    w->reports++;
    w->monotone = w->monotone && p->fraction >= w->last_fraction && p->fraction <= 1.0;
    w->last_fraction = p->fraction;
}

static bool on_cancel(void *ctx)
{
    watch *w = ctx;
    return ++w->cancel_polls > w->cancel_after;
}

static bool open_small(pp_model *m, pp_dataset *ds)
{
    pp_error err = {0};
    char notes[256];
    pp_arch_hints hints = {.avg_kernel = -1};
    if (pp_model_open(m, fixture_path("core", "r18_cifar_gray_pp5.safetensors"), &hints, notes, sizeof notes, &err) ||
        pp_dataset_open(ds, fixture_path("core", "jobs_images.npy"), false, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return false;
    }
    return true;
}

static void test_eval_progress_and_cancel(void)
{
    pp_model m;
    pp_dataset ds;
    if (!open_small(&m, &ds))
        return;
    watch w = {.cancel_after = 1 << 30, .monotone = true};
    pp_job job = {.progress = on_progress, .cancel = on_cancel, .ctx = &w};
    pp_eval_options opt = {.corruptions = (const char *const[]){"fog"}, .n_corruptions = 1, .batch = 8};
    pp_eval_result r;
    pp_error err = {0};
    CHECK_OK(pp_evaluate(&m, "m", &ds, &opt, &job, &r, &err), &err);
    CHECK(w.reports >= 1 && w.monotone && fabs(w.last_fraction - 1.0) < 1e-9, "progress reaches 1 monotonically");
    CHECK(w.cancel_polls >= 6, "cancel polled every batch (%d polls)", w.cancel_polls);

    watch c = {.cancel_after = 2, .monotone = true};
    job.ctx = &c;
    CHECK(pp_evaluate(&m, "m", &ds, &opt, &job, &r, &err) == PP_ERR_CANCELLED, "cancel stops evaluation");
    CHECK(c.cancel_polls == 3, "stopped at the first poll that said so (%d)", c.cancel_polls);
    pp_dataset_free(&ds);
    pp_model_free(&m);
}

static void test_train_cancel_keeps_model_usable(void)
{
    pp_model m;
    pp_dataset ds;
    if (!open_small(&m, &ds))
        return;
    watch c = {.cancel_after = 1, .monotone = true};
    pp_job job = {.progress = on_progress, .cancel = on_cancel, .ctx = &c};
    pp_train_options opt = {.epochs = 3, .batch = 8, .schedule = pp_lr_one_cycle_default(0.01f),
                            .sgd = {.momentum = 0.9f, .weight_decay = 1e-5f}};
    static pp_train_history hist;
    pp_error err = {0};
    CHECK(pp_trainer_run(&m, &ds, &opt, &job, &hist, &err) == PP_ERR_CANCELLED && strstr(err.msg, "cancelled"),
          "cancel stops training: %s", err.msg);
    CHECK(c.cancel_polls == 2 && hist.epochs_done == 0, "one step ran before the stop");
    /* The model is still consistent: a forward pass works. */
    pp_eval_options eo = {.clean_only = true};
    pp_eval_result r;
    CHECK_OK(pp_evaluate(&m, "m", &ds, &eo, NULL, &r, &err), &err);
    pp_dataset_free(&ds);
    pp_model_free(&m);
}

/* A model whose outputs are NaN is wrong on every sample, not right. */
static void test_nan_logits_count_as_errors(void)
{
    pp_model m;
    pp_dataset ds;
    if (!open_small(&m, &ds))
        return;
    for (int k = 0; k < m.arch.num_classes; k++)
        m.fc_bias[k] = NAN;
    pp_eval_options opt = {.clean_only = true};
    pp_eval_result r;
    pp_error err = {0};
    CHECK_OK(pp_evaluate(&m, "m", &ds, &opt, NULL, &r, &err), &err);
    CHECK(r.clean_error == 1.0 && r.clean_top5_error == 1.0, "NaN logits: error %.3f / top-5 %.3f, want 1",
          r.clean_error, r.clean_top5_error);
    pp_dataset_free(&ds);
    pp_model_free(&m);
}

int main(void)
{
    RUN_TEST(test_eval_progress_and_cancel);
    RUN_TEST(test_train_cancel_keeps_model_usable);
    RUN_TEST(test_nan_logits_count_as_errors);
    return TEST_EXIT();
}
