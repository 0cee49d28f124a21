/* One training step of EfficientNet-b0s against PyTorch
 * (tests/make_arch_fixtures_effnet.py): torchvision's layout with a plain
 * stem, lukemelas' with a plain (TF-padded) stem and with a trainable PushPull
 * stem. Train-mode BN (eps 1e-5 / 1e-3), mean cross-entropy, drop-connect
 * and dropout 0 on both sides: the loss and every trainable parameter's
 * gradient within 1e-3 of that tensor's largest |gradient|. A failure means a
 * backward of the depthwise conv, squeeze-excite, SiLU, the residual add or
 * the zero pad, or its place in the reversed plan, differs from autograd.
 * Also: drop-connect applies in training (seeded, repeatable) and not at
 * evaluation. */
#include <math.h>
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "effnet_fixture.h"
#include "train_fixture.h"
#include "forward.h"
#include "model_file.h"
#include "threads.h"
#include "train/train_step.h"

#define DIR "arch_effnet"

static const pp_sd_entry *torch_grad(const pp_state_dict *grads, const char *name)
{
    return pp_sd_find(grads, name);
}

/* The fixture's model rebuilt with another drop-connect rate and dropout 0
 * (the fixture's; test_effnet_dropout.c tests the dropout). */
static bool open_with_rate(pp_model *m, const char *file, float rate)
{
    return effnet_fixture_open(m, file, rate, 0.0f);
}

static pp_npy load_input(int side, pp_tensor *input)
{
    char file[32];
    snprintf(file, sizeof file, "x%d.npy", side);
    pp_npy x = fixture_npy(DIR, file);
    *input = (pp_tensor){.ndim = 4, .data = x.data};
    memcpy(input->shape, x.shape, sizeof input->shape);
    return x;
}

static void check_step(const char *model_file, const char *stem, int side)
{
    pp_model m;
    if (!open_with_rate(&m, model_file, 0.0f))
        return;
    pp_tensor input;
    pp_npy x = load_input(side, &input);
    train_fixture_check_step(DIR, stem, &m, &input, torch_grad);
    pp_npy_free(&x);
    pp_model_free(&m);
}

static void test_torchvision(void)
{
    check_step("tv_small.pth", "tv_small", 64);
}

static void test_lukemelas(void)
{
    check_step("lm_small.ckpt", "lm_small", 40);
}

static void test_lukemelas_pushpull(void)
{
    check_step("lm_small_pp3.ckpt", "lm_small_pp3", 64);
}

/* The loss of one training forward (the model is left as it was). */
static double train_loss(pp_train_ctx *ctx, pp_model *m, const pp_tensor *x, const int32_t *labels)
{
    pp_error err = {0};
    pp_train_stats stats = {0};
    pp_train_zero_grad(ctx);
    CHECK_OK(pp_train_forward_backward(ctx, m, x, labels, &stats, &err), &err);
    return stats.loss;
}

/* With a rate of 0.9 (most branches dropped, the kept ones scaled by 10),
 * a training forward differs from one without; the same seed repeats it
 * exactly, and evaluation ignores the rate. */
static void test_drop_connect(void)
{
    pp_model plain, dropping;
    if (!open_with_rate(&plain, "tv_small.pth", 0.0f))
        return;
    if (!open_with_rate(&dropping, "tv_small.pth", 0.9f)) {
        pp_model_free(&plain);
        return;
    }
    pp_error err = {0};
    pp_tensor input;
    pp_npy x = load_input(64, &input);
    const int32_t labels[2] = {1, 7};
    pp_train_ctx *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(pp_train_ctx_new(&a, &plain, 1, &err), &err);
    CHECK_OK(pp_train_ctx_new(&b, &dropping, 1, &err), &err);
    CHECK_OK(pp_train_ctx_new(&c, &dropping, 2, &err), &err);
    if (a && b && c) {
        pp_train_set_seed(b, 5);
        pp_train_set_seed(c, 5);
        const double l0 = train_loss(a, &plain, &input, labels);
        const double l1 = train_loss(b, &dropping, &input, labels);
        const double l2 = train_loss(c, &dropping, &input, labels);
        CHECK(fabs(l0 - l1) > 1e-4, "drop-connect changes the training loss (%.6f, %.6f)", l0, l1);
        CHECK(fabs(l1 - l2) < 1e-5 * fmax(1, l1), "the same seed repeats it (%.7f, %.7f)", l1, l2);
        bool differs = false;
        for (int i = 0; i < 8 && !differs; i++)
            differs = fabs(train_loss(b, &dropping, &input, labels) - l1) > 1e-6;
        CHECK(differs, "later forwards draw new masks");
        effnet_fixture_check_eval("tv_small.pth", 0.9f, 0.0f, &input, "drop-connect");
    }
    pp_train_ctx_free(a), pp_train_ctx_free(b), pp_train_ctx_free(c);
    pp_npy_free(&x);
    pp_model_free(&plain), pp_model_free(&dropping);
}

int main(void)
{
    RUN_TEST(test_torchvision);
    RUN_TEST(test_lukemelas);
    RUN_TEST(test_lukemelas_pushpull);
    RUN_TEST(test_drop_connect);
    return TEST_EXIT();
}
