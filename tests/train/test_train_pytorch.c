/* One training step of tiny (PushPull-)ResNets against PyTorch
 * (tests/train/make_fixtures.py): the loss, every trainable parameter's
 * gradient (within 1e-3 of that tensor's largest |gradient|), and for two nets
 * the parameters, BN running statistics and num_batches_tracked after an SGD
 * step (momentum 0.9, weight decay 5e-3, lr 0.1). A failure means a backward
 * pass, the train-mode BatchNorm or the update rule differs from PyTorch's. */
#include <string.h>

#include "../fixture.h"
#include "train_fixture.h"
#include "../test_util.h"
#include "ckpt/safetensors.h"
#include "model_file.h"
#include "model_init.h"
#include "train/train_step.h"
#include "threads.h"

typedef struct {
    const char *name;
    bool after;
} net;

static const net networks[] = {
    {"cifar_pp3", true},           {"imagenet_pp5", false}, {"cifar_gray_pp0_fixed_nobias", false},
    {"imagenet_base", true},       {"cifar_bottleneck_pp3", false},
    /* tests/make_arch_fixtures_pp2020.py: the 2020 layer (trained alpha), grouped bottlenecks */
    {"pp2020_r20", false},         {"resnext_groups", false},
    /* tests/make_arch_fixtures_pnn_wrn.py: pre-activation blocks (WideResNet, PreActResNet) */
    {"wrn_small", false},          {"preact_small", false},        {"pnn_small", false},
};

static void check_network(const net *nt)
{
    const char *name = nt->name;
    char file[256];
    pp_error err = {0};
    train_fixture f;
    if (!train_fixture_open(&f, name))
        return;
    pp_model m = f.m;
    snprintf(file, sizeof file, "%s_loss.npy", name);
    pp_npy loss_want = fixture_npy("train", file);
    const int32_t *labels = f.labels;
    const pp_tensor input = f.input;

    pp_train_ctx *ctx = NULL;
    CHECK_OK(pp_train_ctx_new(&ctx, &m, pp_threads_default(), &err), &err);
    pp_train_stats stats = {0};
    pp_train_zero_grad(ctx);
    CHECK_OK(pp_train_forward_backward(ctx, &m, &input, labels, &stats, &err), &err);
    CHECK(fabs(stats.loss - (double)((const float *)loss_want.data)[0]) < 1e-5, "%s: loss %.7f, want %.7f", name,
          stats.loss, (double)((const float *)loss_want.data)[0]);

    pp_state_dict grads;
    snprintf(file, sizeof file, "%s_grad.safetensors", name);
    CHECK_OK(pp_safetensors_load(fixture_path("train", file), &grads, &err), &err);
    train_fixture_check_grads(name, ctx, &m, &grads, pp_sd_find);
    pp_sd_free(&grads);

    if (nt->after) {
        pp_sgd_config cfg = {.momentum = 0.9f, .weight_decay = 5e-3f};
        pp_train_apply_sgd(ctx, &m, &cfg, 0.1f);
        pp_state_dict after, mine;
        snprintf(file, sizeof file, "%s_after.safetensors", name);
        CHECK_OK(pp_safetensors_load(fixture_path("train", file), &after, &err), &err);
        CHECK_OK(pp_model_to_state_dict(&m, &mine, &err), &err);
        for (size_t i = 0; i < after.count; i++) {
            const pp_sd_entry *want = &after.entries[i];
            const pp_sd_entry *got = pp_sd_find(&mine, want->name);
            CHECK(got != NULL, "%s: no %s after the step", name, want->name);
            if (!got)
                continue;
            if (want->dtype == PP_DTYPE_I64) {
                CHECK(*(const int64_t *)got->data == *(const int64_t *)want->data, "%s: %s is %lld, want %lld",
                      name, want->name, (long long)*(const int64_t *)got->data,
                      (long long)*(const int64_t *)want->data);
                continue;
            }
            char what[160];
            snprintf(what, sizeof what, "%s %s after", name, want->name);
            double rel = pp_test_compare(what, got->data, want->data, (size_t)pp_sd_entry_numel(want), 1e-4, 1);
            CHECK(rel <= 1e-4, "%s: %s after the step off by %.3g of its largest value", name, want->name, rel);
        }
        pp_sd_free(&after);
        pp_sd_free(&mine);
    }
    pp_train_ctx_free(ctx);
    pp_npy_free(&loss_want);
    f.m = m;
    train_fixture_close(&f);
}

static void test_cifar_pp3(void) { check_network(&networks[0]); }
static void test_pp2020_resnet20(void) { check_network(&networks[5]); }
static void test_grouped_resnext(void) { check_network(&networks[6]); }
static void test_imagenet_pp5(void) { check_network(&networks[1]); }
static void test_gray_pp0_fixed_alpha_no_bias(void) { check_network(&networks[2]); }
static void test_imagenet_baseline(void) { check_network(&networks[3]); }
static void test_bottleneck_pp3(void) { check_network(&networks[4]); }

/* Layers too wide to keep Winograd kernels in the model get them transformed
 * on each step: with every layer forced down that path, the loss and the
 * gradients must equal those of the kept-kernel path. */
static void test_transient_winograd_kernels(void)
{
    pp_error err = {0};
    pp_arch arch;
    CHECK_OK(pp_arch_from_name(&arch, "resnet18", PP_STEM_CIFAR, 3, 10, &err), &err);
    arch.width = 16;
    arch.push_pull = true;
    arch.avg_kernel = 3;
    arch.alpha_trainable = true;
    pp_model kept, transient;
    CHECK_OK(pp_model_create(&kept, &arch, &err), &err);
    CHECK_OK(pp_model_create(&transient, &arch, &err), &err);
    if (err.status != PP_OK)
        return;
    pp_model_init_random(&kept, 3);
    pp_model_init_random(&transient, 3);
    for (int b = 0; b < transient.block_count; b++)
        transient.blocks[b].conv1.winograd = transient.blocks[b].conv2.winograd = NULL;
    pp_tensor x = {0};
    CHECK_OK(pp_tensor_alloc4(&x, 8, 3, 32, 32, &err), &err);
    uint32_t r = 5;
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++)
        r = r * 1664525u + 1013904223u, x.data[i] = (float)(r >> 8) / (float)(1 << 24) * 2 - 1;
    int32_t labels[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    pp_train_ctx *ctx_kept = NULL, *ctx_transient = NULL;
    CHECK_OK(pp_train_ctx_new(&ctx_kept, &kept, pp_threads_default(), &err), &err);
    CHECK_OK(pp_train_ctx_new(&ctx_transient, &transient, pp_threads_default(), &err), &err);
    pp_train_stats a = {0}, b = {0};
    pp_train_zero_grad(ctx_kept);
    pp_train_zero_grad(ctx_transient);
    CHECK_OK(pp_train_forward_backward(ctx_kept, &kept, &x, labels, &a, &err), &err);
    CHECK_OK(pp_train_forward_backward(ctx_transient, &transient, &x, labels, &b, &err), &err);
    CHECK(fabs(a.loss - b.loss) < 1e-5, "loss %.7f with kept kernels, %.7f with transient ones", a.loss, b.loss);
    for (int i = 0; i < kept.param_count; i++) {
        if (kept.params[i].buffer)
            continue;
        size_t count = (size_t)pp_shape_numel(kept.params[i].ndim, kept.params[i].shape);
        double e = pp_test_compare(kept.params[i].name, pp_train_grad(ctx_transient, &transient, &transient.params[i]),
                                   pp_train_grad(ctx_kept, &kept, &kept.params[i]), count, 1e-4, 1);
        CHECK(e <= 1e-4, "gradient of %s differs by %.3g between the two kernel paths", kept.params[i].name, e);
    }
    pp_train_ctx_free(ctx_kept);
    pp_train_ctx_free(ctx_transient);
    pp_tensor_free(&x);
    pp_model_free(&kept);
    pp_model_free(&transient);
}

int main(void)
{
    RUN_TEST(test_cifar_pp3);
    RUN_TEST(test_imagenet_pp5);
    RUN_TEST(test_gray_pp0_fixed_alpha_no_bias);
    RUN_TEST(test_imagenet_baseline);
    RUN_TEST(test_bottleneck_pp3);
    RUN_TEST(test_pp2020_resnet20);
    RUN_TEST(test_grouped_resnext);
    RUN_TEST(test_transient_winograd_kernels);
    return TEST_EXIT();
}
