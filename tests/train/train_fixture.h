/* One of tests/fixtures/train's tiny networks with its input batch
 * (tests/train/make_fixtures.py): NAME.safetensors, NAME_x.npy, NAME_y.npy. */
#ifndef PP_TEST_TRAIN_FIXTURE_H
#define PP_TEST_TRAIN_FIXTURE_H

#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "ckpt/safetensors.h"
#include "model_file.h"
#include "threads.h"
#include "train/train_step.h"

typedef struct {
    pp_model m;
    pp_npy x, y;
    pp_tensor input; /* a view of x */
    int32_t labels[64];
    int n;
} train_fixture;

/* False (a failed check) when the model does not open. */
static inline bool train_fixture_open(train_fixture *f, const char *name)
{
    char file[256];
    pp_error err = {0};
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = -1};
    memset(f, 0, sizeof *f);
    snprintf(file, sizeof file, "%s.safetensors", name);
    CHECK_OK(pp_model_open(&f->m, fixture_path("train", file), &hints, notes, sizeof notes, &err), &err);
    if (err.status != PP_OK)
        return false;
    snprintf(file, sizeof file, "%s_x.npy", name);
    f->x = fixture_npy("train", file);
    snprintf(file, sizeof file, "%s_y.npy", name);
    f->y = fixture_npy("train", file);
    f->n = (int)f->x.shape[0];
    for (int i = 0; i < f->n && i < 64; i++)
        f->labels[i] = (int32_t)((const int64_t *)f->y.data)[i];
    f->input = (pp_tensor){.ndim = 4, .data = f->x.data};
    memcpy(f->input.shape, f->x.shape, sizeof f->input.shape);
    return true;
}

static inline void train_fixture_close(train_fixture *f)
{
    pp_npy_free(&f->x);
    pp_npy_free(&f->y);
    pp_model_free(&f->m);
}

/* Every trainable parameter's gradient in ctx against PyTorch's (grads, by
 * name through `lookup`: the file's entry for an engine name) within 1e-3 of
 * that tensor's largest |gradient|, and no trainable tensor missing either
 * side. The scale is at least 1e-3 of the largest gradient anywhere: a stem
 * bias feeding straight into a train-mode BN has an exact gradient of 0, and
 * both sides hold round-off there. */
static inline void train_fixture_check_grads(const char *name, pp_train_ctx *ctx, const pp_model *m,
                                             const pp_state_dict *grads,
                                             const pp_sd_entry *(*lookup)(const pp_state_dict *, const char *))
{
    double global = 0;
    for (size_t i = 0; i < grads->count; i++)
        for (int64_t j = 0; j < pp_sd_entry_numel(&grads->entries[i]); j++)
            global = fmax(global, fabs(((const float *)grads->entries[i].data)[j]));
    int trainable = 0;
    for (int i = 0; i < m->param_count; i++) {
        const pp_param *p = &m->params[i];
        if (p->buffer)
            continue;
        trainable++;
        const pp_sd_entry *e = lookup(grads, p->name);
        CHECK(e != NULL, "%s: PyTorch has no gradient for %s", name, p->name);
        if (!e)
            continue;
        size_t count = (size_t)pp_shape_numel(p->ndim, p->shape);
        CHECK((size_t)pp_sd_entry_numel(e) == count, "%s: %s gradient size", name, p->name);
        if ((size_t)pp_sd_entry_numel(e) != count)
            continue;
        char what[160];
        snprintf(what, sizeof what, "%s d%s", name, p->name);
        const float *want = e->data, *got = pp_train_grad(ctx, m, p);
        double scale = 1e-3 * global;
        for (size_t j = 0; j < count; j++)
            scale = fmax(scale, fabs(want[j]));
        double rel = pp_test_compare(what, got, want, count, 1e-3 * scale, 0) / scale;
        CHECK(rel <= 1e-3, "%s: gradient of %s off by %.3g of its largest value", name, p->name, rel);
    }
    CHECK((size_t)trainable == grads->count, "%s: %d trainable tensors, PyTorch has %zu", name, trainable,
          grads->count);
}

/* One training step of m on input against PyTorch's, from the files of the
 * architecture fixtures in SUB: the loss for the labels of <stem>_train_y.npy
 * within 1e-5 of <stem>_train_loss.npy, and every gradient against
 * <stem>_train_grad.safetensors (train_fixture_check_grads, with lookup). */
static inline void train_fixture_check_step(const char *sub, const char *stem, pp_model *m, const pp_tensor *input,
                                            const pp_sd_entry *(*lookup)(const pp_state_dict *, const char *))
{
    char file[256];
    pp_error err = {0};
    snprintf(file, sizeof file, "%.200s_train_y.npy", stem);
    pp_npy y = fixture_npy(sub, file);
    snprintf(file, sizeof file, "%.200s_train_loss.npy", stem);
    pp_npy loss = fixture_npy(sub, file);
    int32_t labels[16];
    for (int i = 0; i < (int)input->shape[0] && i < 16; i++)
        labels[i] = (int32_t)((const int64_t *)y.data)[i];

    pp_train_ctx *ctx = NULL;
    CHECK_OK(pp_train_ctx_new(&ctx, m, pp_threads_default(), &err), &err);
    pp_train_stats stats = {0};
    pp_train_zero_grad(ctx);
    CHECK_OK(pp_train_forward_backward(ctx, m, input, labels, &stats, &err), &err);
    const double want_loss = ((const float *)loss.data)[0];
    CHECK(fabs(stats.loss - want_loss) < 1e-5 * fmax(1, want_loss), "%s: loss %.7f, want %.7f", stem, stats.loss,
          want_loss);
    pp_state_dict grads;
    snprintf(file, sizeof file, "%.200s_train_grad.safetensors", stem);
    CHECK_OK(pp_safetensors_load(fixture_path(sub, file), &grads, &err), &err);
    if (err.status == PP_OK) {
        train_fixture_check_grads(stem, ctx, m, &grads, lookup);
        pp_sd_free(&grads);
    }
    pp_train_ctx_free(ctx);
    pp_npy_free(&y), pp_npy_free(&loss);
}

#endif
