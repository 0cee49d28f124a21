/* SGD (PyTorch's semantics over several steps), the learning-rate schedules
 * (the one-cycle against torch's OneCycleLR and against values worked out by
 * hand), and whole training steps: a tiny net must be able to fit one batch. */
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "train/schedule.h"
#include "train/sgd.h"
#include "train/train_step.h"
#include "threads.h"

static pp_arch tiny_arch(bool push_pull, bool trainable)
{
    pp_arch a = {.block = PP_BLOCK_BASIC, .blocks = {1, 1, 1, 1}, .stem = PP_STEM_CIFAR, .in_channels = 3,
                 .num_classes = 4, .width = 4, .push_pull = push_pull, .avg_kernel = 3,
                 .alpha_trainable = trainable, .alpha_fixed = 0.7f, .conv1_bias = true};
    return a;
}

/* Three steps by hand for one weight: d = g + wd p; buf = d, then 0.9 buf + d;
 * p -= lr buf. Running statistics and a fixed alpha must not move. */
static void test_sgd_semantics(void)
{
    pp_model m;
    pp_error err = {0};
    pp_arch a = tiny_arch(true, false);
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    float *grad = calloc(m.arena_floats, sizeof(float)), *mom = calloc(m.arena_floats, sizeof(float));
    const pp_param *w = pp_model_find_param(&m, "layer1.0.conv1.weight");
    const pp_param *rv = pp_model_find_param(&m, "bn.running_var");
    CHECK(w && rv, "parameters by name");
    CHECK(pp_model_find_param(&m, "conv1.pull_inhibition_strength") == NULL, "a fixed alpha is no parameter");
    size_t off = (size_t)(w->data - m.arena);
    w->data[0] = 1.0f;
    const float g[3] = {0.5f, -1.0f, 0.25f};
    const double lr = 0.1, wd = 0.01, mu = 0.9;
    double p = 1.0, buf = 0;
    bool first = true;
    pp_sgd_config cfg = {.momentum = (float)mu, .weight_decay = (float)wd};
    for (int step = 0; step < 3; step++) {
        for (size_t i = 0; i < m.arena_floats; i++)
            grad[i] = 1.0f; /* every slot, buffers included: they must be skipped */
        grad[off] = g[step];
        pp_sgd_step(&m, grad, mom, &first, &cfg, (float)lr, pp_threads_default());
        double d = g[step] + wd * p;
        buf = step == 0 ? d : mu * buf + d;
        p -= lr * buf;
        CHECK(fabs(w->data[0] - p) < 1e-6, "step %d: weight %.7f, want %.7f", step, w->data[0], p);
    }
    CHECK(!first, "the first-step flag is cleared");
    CHECK(rv->data[0] == 1.0f, "SGD moved a running statistic (%g)", rv->data[0]);
    CHECK(m.pp.alpha[0] == 0.7f, "SGD moved the fixed alpha (%g)", m.pp.alpha[0]);
    CHECK(m.derived_stale, "the model is marked for pp_model_prepare");
    free(grad);
    free(mom);
    pp_model_free(&m);
}

/* The update runs in one region split over the threads by floats, cutting
 * through parameters: with 1, 2 and 3 threads on a model big enough to split
 * (0.9 M trained floats), two steps must give every trained float exactly the
 * update worked out one by one, and leave the buffers alone. */
static void test_sgd_split(void)
{
    pp_arch a = tiny_arch(true, true);
    a.width = 32;
    pp_model ref;
    pp_error err = {0};
    CHECK_OK(pp_model_create(&ref, &a, &err), &err);
    const size_t floats = ref.arena_floats;
    CHECK(pp_model_param_count(&ref) > 500000, "the model splits (%lld floats)", (long long)pp_model_param_count(&ref));
    float *grad = malloc(floats * sizeof(float)), *want_w = malloc(floats * sizeof(float));
    float *want_buf = calloc(floats, sizeof(float));
    for (size_t i = 0; i < floats; i++) {
        grad[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
        ref.arena[i] = (float)((i * 40503u) % 997) / 997.0f - 0.5f;
    }
    memcpy(want_w, ref.arena, floats * sizeof(float));
    const float lr = 0.05f, wd = 5e-4f, mu = 0.9f;
    for (int step = 0; step < 2; step++)
        for (int i = 0; i < ref.param_count; i++) {
            const pp_param *p = &ref.params[i];
            if (p->buffer)
                continue;
            const size_t off = (size_t)(p->data - ref.arena), count = (size_t)pp_shape_numel(p->ndim, p->shape);
            for (size_t j = off; j < off + count; j++) {
                float d = grad[j] + wd * want_w[j];
                d = want_buf[j] = step == 0 ? d : mu * want_buf[j] + d;
                want_w[j] -= lr * d;
            }
        }
    for (int threads = 1; threads <= 3; threads++) {
        pp_model m;
        CHECK_OK(pp_model_create(&m, &a, &err), &err);
        for (size_t i = 0; i < floats; i++)
            m.arena[i] = (float)((i * 40503u) % 997) / 997.0f - 0.5f;
        float *buf = calloc(floats, sizeof(float));
        bool first = true;
        pp_sgd_config cfg = {.momentum = mu, .weight_decay = wd};
        for (int step = 0; step < 2; step++)
            pp_sgd_step(&m, grad, buf, &first, &cfg, lr, threads);
        size_t wrong = 0;
        for (size_t i = 0; i < floats; i++)
            wrong += memcmp(&m.arena[i], &want_w[i], sizeof(float)) != 0 || memcmp(&buf[i], &want_buf[i], sizeof(float)) != 0;
        CHECK(wrong == 0, "%d threads: %zu of %zu floats differ from the update one by one", threads, wrong, floats);
        free(buf);
        pp_model_free(&m);
    }
    free(grad);
    free(want_w);
    free(want_buf);
    pp_model_free(&ref);
}

static void test_one_cycle(void)
{
    pp_npy want = fixture_npy("train", "onecycle_lr.npy"); /* torch OneCycleLR, 100 steps, peak 0.1 */
    pp_lr_schedule s = pp_lr_one_cycle_default(0.1f);
    const float *lr = want.data;
    for (int i = 0; i < 100; i++)
        CHECK(fabs(pp_lr_at(&s, i, 100) - lr[i]) <= 1e-6 * 0.1, "step %d: lr %.8g, torch %.8g", i,
              pp_lr_at(&s, i, 100), lr[i]);
    pp_npy_free(&want);
    /* by hand: starts at 0.05 peak, peaks at step 0.3 * 100 - 1 = 29, ends at 5e-5 peak */
    CHECK(fabs(pp_lr_at(&s, 0, 100) - 0.005) < 1e-9, "start %g", pp_lr_at(&s, 0, 100));
    CHECK(fabs(pp_lr_at(&s, 29, 100) - 0.1) < 1e-8, "peak %g", pp_lr_at(&s, 29, 100));
    CHECK(fabs(pp_lr_at(&s, 99, 100) - 5e-6) < 1e-12, "end %g", pp_lr_at(&s, 99, 100));
    /* the cosine by hand in the warm-up (of a 99-step cycle: it ends at step 28.7),
     * and half-way down the decay (step 64) the mean of peak and floor */
    double mid_up = pp_lr_one_cycle(14, 99, 1.0, 0.3, 0.05, 5e-5); /* warm-up ends at 28.7 */
    CHECK(fabs(mid_up - (0.05 + 0.95 / 2 * (1 - cos(M_PI * 14 / 28.7)))) < 1e-9, "warm-up %g", mid_up);
    CHECK(fabs(pp_lr_at(&s, 64, 100) - (0.1 + 5e-6) / 2) < 1e-8, "half-way down %g", pp_lr_at(&s, 64, 100));
    for (int i = 1; i < 30; i++)
        CHECK(pp_lr_at(&s, i, 100) > pp_lr_at(&s, i - 1, 100), "warm-up rises at step %d", i);
    for (int i = 30; i < 100; i++)
        CHECK(pp_lr_at(&s, i, 100) < pp_lr_at(&s, i - 1, 100), "decay falls at step %d", i);
    CHECK(fabs(pp_lr_at(&s, 150, 100) - 5e-6) < 1e-12, "past the end it stays at the floor");
}

static void test_step_and_constant(void)
{
    pp_lr_schedule s = {.kind = PP_LR_STEP, .peak = 0.1f, .gamma = 0.1f, .step_epochs = 2, .steps_per_epoch = 10};
    CHECK(fabs(pp_lr_at(&s, 19, 1000) - 0.1) < 1e-7, "epoch 1 keeps the base");
    CHECK(fabs(pp_lr_at(&s, 20, 1000) - 0.01) < 1e-8, "epoch 2 drops by gamma");
    CHECK(fabs(pp_lr_at(&s, 45, 1000) - 0.001) < 1e-9, "epoch 4 drops twice");
    pp_lr_schedule c = {.kind = PP_LR_CONSTANT, .peak = 0.03f};
    CHECK(pp_lr_at(&c, 0, 10) == 0.03f && pp_lr_at(&c, 9, 10) == 0.03f, "constant");
}

/* Whole steps: a tiny push-pull net memorises one batch; the loss must fall. */
static void test_fit_one_batch(void)
{
    pp_model m;
    pp_error err = {0};
    pp_arch a = tiny_arch(true, true);
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    unsigned seed = 12345;
    for (int i = 0; i < m.param_count; i++) {
        pp_param *p = &m.params[i];
        if (p->buffer || strstr(p->name, "bn") || strstr(p->name, "downsample.1"))
            continue;
        size_t count = (size_t)pp_shape_numel(p->ndim, p->shape);
        for (size_t j = 0; j < count; j++) {
            seed = seed * 1103515245u + 12345u;
            p->data[j] = ((float)(seed >> 8) / 16777216.0f - 0.5f) * 0.6f;
        }
    }
    pp_model_prepare(&m);
    pp_tensor x = {0};
    CHECK_OK(pp_tensor_alloc4(&x, 8, 3, 8, 8, &err), &err);
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++) {
        seed = seed * 1103515245u + 12345u;
        x.data[i] = (float)(seed >> 8) / 16777216.0f * 2 - 1;
    }
    int32_t labels[8] = {0, 1, 2, 3, 0, 1, 2, 3};
    pp_train_ctx *ctx = NULL;
    CHECK_OK(pp_train_ctx_new(&ctx, &m, pp_threads_default(), &err), &err);
    pp_sgd_config cfg = {.momentum = 0.9f, .weight_decay = 1e-5f};
    pp_train_stats first = {0}, st = {0};
    for (int step = 0; step < 30 && err.status == PP_OK; step++)
        CHECK_OK(pp_train_step(ctx, &m, &x, labels, &cfg, 0.05f, step ? &st : &first, &err), &err);
    CHECK(st.loss < 0.5 * first.loss, "30 steps on one batch: loss %.4f -> %.4f", first.loss, st.loss);
    CHECK(st.correct == 8, "the batch is memorised: %d of 8", st.correct);
    const pp_param *nbt_check = pp_model_find_param(&m, "bn.running_mean");
    CHECK(nbt_check && m.bn.num_batches_tracked == 30, "num_batches_tracked %lld", (long long)m.bn.num_batches_tracked);

    /* bad input is refused before anything moves */
    int32_t bad[8] = {0, 1, 2, 3, 0, 1, 2, 9};
    CHECK(pp_train_step(ctx, &m, &x, bad, &cfg, 0.05f, NULL, &err) == PP_ERR_ARG, "label out of range accepted");
    pp_train_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_model_free(&m);
}

int main(void)
{
    RUN_TEST(test_sgd_semantics);
    RUN_TEST(test_sgd_split);
    RUN_TEST(test_one_cycle);
    RUN_TEST(test_step_and_constant);
    RUN_TEST(test_fit_one_batch);
    return TEST_EXIT();
}
