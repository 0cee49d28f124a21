/* EfficientNet's classifier dropout (torchvision's classifier.0, lukemelas'
 * _dropout; ops/dropout.h, the plan's PP_STEP_DROPOUT):
 *  - the masks against PyTorch's (tests/make_dropout_fixture.py: torch's
 *    nn.Dropout on 2^20 ones at p 0.2 and 0.9): the zeroed fraction within
 *    the binomial spread of torch's, the kept values scaled as torch scales
 *    them (1 / (1 - p)); seeded (the same masks on 1 and 2 threads);
 *  - the backward passes the gradient through the kept values only;
 *  - in a network: a training forward with it differs from one without, the
 *    same seed repeats it, the classifier's weight gradient is zero exactly
 *    for the features dropped in every sample (about p^N of them) and so is
 *    the head BN's (the backward masked them), and evaluation ignores it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "effnet_fixture.h"
#include "forward.h"
#include "model_file.h"
#include "ops/dropout.h"
#include "train/train_step.h"

#define DIR "arch_effnet"

static void test_masks_match_torch(void)
{
    pp_npy stats = fixture_npy(DIR, "dropout_torch.npy");
    CHECK(stats.dtype == PP_NPY_F32 && stats.ndim == 2 && stats.shape[1] == 5, "fixture layout");
    const float *row = stats.data;
    for (int r = 0; r < (int)stats.shape[0]; r++, row += 5) {
        const pp_dropout d = {.rate = row[0]};
        const size_t count = (size_t)row[1];
        float *mask = malloc(count * sizeof *mask), *again = malloc(count * sizeof *again);
        if (!mask || !again) {
            free(mask), free(again);
            CHECK(0, "out of memory");
            break;
        }
        pp_dropout_draw(mask, count, &d, 3, 2);
        size_t zeros = 0, off_scale = 0;
        const double kept = 1.0 / (1.0 - (double)row[0]);
        for (size_t i = 0; i < count; i++) {
            zeros += mask[i] == 0.0f;
            off_scale += mask[i] != 0.0f && fabs(mask[i] - kept) > 1e-6 * kept;
        }
        const double p = row[0], frac = (double)zeros / (double)count;
        const double spread = 6.0 * sqrt(2.0 * p * (1.0 - p) / (double)count); /* two draws' difference */
        CHECK(fabs(frac - row[2]) < spread, "p %.2f: %.5f zeroed, torch %.5f (spread %.5f)", p, frac, row[2], spread);
        CHECK(off_scale == 0, "p %.2f: %zu kept values not 1 / (1 - p) = %g", p, off_scale, kept);
        CHECK(fabs(kept - row[3]) < 1e-6 * kept && fabs(kept - row[4]) < 1e-6 * kept,
              "p %.2f: kept scaled by %g, torch by %g..%g", p, kept, row[3], row[4]);
        pp_dropout_draw(again, count, &d, 3, 1);
        CHECK(memcmp(mask, again, count * sizeof *mask) == 0, "p %.2f: the same seed, the same mask on 1 thread", p);
        pp_dropout_draw(again, count, &d, 4, 2);
        CHECK(memcmp(mask, again, count * sizeof *mask) != 0, "p %.2f: another seed, another mask", p);
        free(mask), free(again);
    }
    pp_npy_free(&stats);
}

static void test_forward_backward(void)
{
    enum { COUNT = 4096 };
    static float x[COUNT], mask[COUNT], y[COUNT], dx[COUNT];
    for (int i = 0; i < COUNT; i++)
        x[i] = (float)(i % 97) * 0.25f - 7.0f;
    const pp_dropout d = {.rate = 0.5f};
    pp_dropout_draw(mask, COUNT, &d, 11, 2);
    pp_dropout_forward(y, x, mask, COUNT, 2);
    pp_dropout_backward(dx, x, mask, COUNT, 2); /* dy = x */
    int bad = 0;
    for (int i = 0; i < COUNT; i++)
        bad += y[i] != x[i] * mask[i] || dx[i] != (mask[i] == 0.0f ? 0.0f : x[i] * 2.0f);
    CHECK(bad == 0, "%d values: y = x * mask, dx = dy * mask", bad);
    pp_dropout_forward(y, x, NULL, COUNT, 2);
    CHECK(memcmp(y, x, sizeof x) == 0, "no mask (evaluation): the identity");
    const pp_dropout none = {0};
    pp_dropout_draw(mask, COUNT, &none, 11, 2);
    bad = 0;
    for (int i = 0; i < COUNT; i++)
        bad += mask[i] != 1.0f;
    CHECK(bad == 0, "rate 0: every value kept unscaled");
}

/* The torchvision fixture without drop-connect, with classifier dropout `rate`. */
static bool open_with_dropout(pp_model *m, float rate)
{
    return effnet_fixture_open(m, "tv_small.pth", 0.0f, rate);
}

/* One training forward and backward: its loss; the classifier's weight
 * gradient's columns (features) that are exactly zero (the features the
 * forward dropped in every sample) into *zero_columns, and into *mismatched
 * the features where that disagrees with the head BN's bias gradient being
 * zero (the backward must give a feature dropped in every sample no gradient:
 * the head BN's channel then gets none either). */
static double train_once(pp_train_ctx *ctx, pp_model *m, const pp_tensor *x, const int32_t *labels,
                         int *zero_columns, int *columns, int *mismatched)
{
    pp_error err = {0};
    pp_train_stats stats = {0};
    pp_train_zero_grad(ctx);
    CHECK_OK(pp_train_forward_backward(ctx, m, x, labels, &stats, &err), &err);
    const pp_param *fc = pp_model_find_param(m, "classifier.1.weight");
    const pp_param *head_beta = pp_model_find_param(m, "features.8.1.bias");
    CHECK(fc && head_beta, "classifier.1.weight, features.8.1.bias");
    *zero_columns = *columns = *mismatched = 0;
    if (!fc || !head_beta)
        return stats.loss;
    const float *g = pp_train_grad(ctx, m, fc), *gb = pp_train_grad(ctx, m, head_beta);
    const int classes = m->arch.num_classes, features = m->arch.effnet_head;
    for (int j = 0; j < features; j++) {
        bool zero = true;
        for (int k = 0; k < classes; k++)
            zero = zero && g[(size_t)k * features + j] == 0.0f;
        *zero_columns += zero;
        *mismatched += zero != (gb[j] == 0.0f);
    }
    *columns = features;
    return stats.loss;
}

static void test_in_training_only(void)
{
    pp_model plain, dropping;
    if (!open_with_dropout(&plain, 0.0f))
        return;
    if (!open_with_dropout(&dropping, 0.9f)) {
        pp_model_free(&plain);
        return;
    }
    pp_error err = {0};
    pp_npy x = fixture_npy(DIR, "x64.npy");
    pp_tensor input = {.ndim = 4, .data = x.data};
    memcpy(input.shape, x.shape, sizeof input.shape);
    const int n = (int)x.shape[0];
    int32_t labels[16];
    for (int i = 0; i < n && i < 16; i++)
        labels[i] = (int32_t)(i * 3 % plain.arch.num_classes);
    pp_train_ctx *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(pp_train_ctx_new(&a, &plain, 1, &err), &err);
    CHECK_OK(pp_train_ctx_new(&b, &dropping, 1, &err), &err);
    CHECK_OK(pp_train_ctx_new(&c, &dropping, 2, &err), &err);
    if (a && b && c && n <= 16) {
        pp_train_set_seed(b, 5);
        pp_train_set_seed(c, 5);
        int z0, z1, z2, cols, bad0, bad1, bad2;
        const double l0 = train_once(a, &plain, &input, labels, &z0, &cols, &bad0);
        const double l1 = train_once(b, &dropping, &input, labels, &z1, &cols, &bad1);
        const double l2 = train_once(c, &dropping, &input, labels, &z2, &cols, &bad2);
        CHECK(fabs(l0 - l1) > 1e-4, "dropout changes the training loss (%.6f, %.6f)", l0, l1);
        CHECK(fabs(l1 - l2) < 1e-5 * fmax(1, l1) && z1 == z2, "the same seed repeats it (%.7f, %.7f; %d, %d)", l1,
              l2, z1, z2);
        CHECK(z0 == 0, "without dropout every feature gets a gradient (%d of %d columns zero)", z0, cols);
        /* a feature's column is zero iff it was dropped in all n samples: p^n of them */
        const double want = pow(0.9, n), got = (double)z1 / cols, spread = 6.0 * sqrt(want * (1 - want) / cols);
        CHECK(fabs(got - want) < spread, "%d of %d classifier columns without gradient, want about %.0f", z1, cols,
              want * cols);
        CHECK(z1 > 0 && bad0 == 0 && bad1 == 0 && bad2 == 0,
              "the backward masks the gradient: %d, %d, %d features where the head BN's gradient disagrees", bad0,
              bad1, bad2);
        bool differs = false;
        for (int i = 0; i < 8 && !differs; i++)
            differs = fabs(train_once(b, &dropping, &input, labels, &z1, &cols, &bad1) - l1) > 1e-6;
        CHECK(differs, "later forwards draw new masks");
        effnet_fixture_check_eval("tv_small.pth", 0.0f, 0.9f, &input, "dropout");
    }
    pp_train_ctx_free(a), pp_train_ctx_free(b), pp_train_ctx_free(c);
    pp_npy_free(&x);
    pp_model_free(&plain), pp_model_free(&dropping);
}

int main(void)
{
    RUN_TEST(test_masks_match_torch);
    RUN_TEST(test_forward_backward);
    RUN_TEST(test_in_training_only);
    return TEST_EXIT();
}
