/* Whole networks against PyTorch: ResNet18 with ImageNet and CIFAR stems,
 * push-pull with avg 0/3/5, trainable and fixed alpha, grayscale, baselines,
 * plus ResNet34 and a Bottleneck ResNet50. Logits within 1e-4 of the largest
 * logit; the named taps too. */
#include <string.h>

#include "../fixture_compare.h"
#include "../test_util.h"
#include "forward.h"
#include "model_file.h"
#include "model_init.h"
#include "threads.h"

static const char *const networks[] = {
    "r18_imagenet_pp3", "r18_imagenet_pp5_fixed", "r18_imagenet_pp0", "r18_imagenet_base",
    "r18_cifar_pp3",    "r18_cifar_pp0_fixed",    "r18_cifar_gray_pp5", "r18_cifar_gray_base",
    "r34_cifar_pp3",    "r50_imagenet_pp3",
};

static void compare_tap(const char *net, const char *tap, const pp_tensor *got, double tol)
{
    char name[128];
    snprintf(name, sizeof name, "%s_%s.npy", net, tap);
    pp_npy want = fixture_npy("core", name);
    CHECK(pp_tensor_numel(got) == pp_npy_numel(&want), "%s %s: %lld values, want %lld", net, tap,
          (long long)pp_tensor_numel(got), (long long)pp_npy_numel(&want));
    if (pp_tensor_numel(got) == pp_npy_numel(&want)) {
        snprintf(name, sizeof name, "%s %s", net, tap);
        double e = pp_test_compare(name, got->data, want.data, (size_t)pp_npy_numel(&want), tol, 1);
        CHECK(e <= tol, "%s %s: max error %.3g relative to the largest value (> %.0e)", net, tap, e, tol);
    }
    pp_npy_free(&want);
}

static void check_network(const char *net)
{
    char path[256];
    snprintf(path, sizeof path, "%s.safetensors", net);
    pp_model m;
    pp_error err = {0};
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = -1};
    CHECK_OK(pp_model_open(&m, fixture_path("core", path), &hints, notes, sizeof notes, &err), &err);
    if (err.status != PP_OK)
        return;
    CHECK(notes[0] == '\0', "%s: unexpected assumptions: %s", net, notes);
    snprintf(path, sizeof path, "%s_x.npy", net);
    pp_npy x = fixture_npy("core", path);
    pp_tensor input = fixture_tensor(&x);
    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    pp_taps taps = {.requested = 1u << PP_TAP_CONV1 | 1u << PP_TAP_STEM | 1u << PP_TAP_LOGITS};
    if (m.arch.push_pull)
        taps.requested |= 1u << PP_TAP_PUSH | 1u << PP_TAP_PULL;
    pp_tensor logits = {0};
    CHECK_OK(pp_model_forward(&m, ctx, &input, &logits, &taps, &err), &err);
    compare_tap(net, "logits", &logits, 1e-4);
    compare_tap(net, "conv1", &taps.out[PP_TAP_CONV1], 1e-5);
    compare_tap(net, "stem", &taps.out[PP_TAP_STEM], 1e-5);
    if (m.arch.push_pull) {
        compare_tap(net, "push", &taps.out[PP_TAP_PUSH], 1e-5);
        compare_tap(net, "pull", &taps.out[PP_TAP_PULL], 1e-5);
    }

    /* Buffers are reused: a second call, and the second image alone, must agree. */
    pp_tensor again = {0}, single = {0};
    CHECK_OK(pp_model_forward(&m, ctx, &input, &again, NULL, &err), &err);
    CHECK(memcmp(again.data, logits.data, sizeof(float) * (size_t)pp_tensor_numel(&logits)) == 0,
          "%s: a second forward pass on the same context gave different logits", net);
    pp_tensor second = input;
    second.shape[0] = 1;
    second.data += (size_t)(input.shape[1] * input.shape[2] * input.shape[3]);
    CHECK_OK(pp_model_forward(&m, ctx, &second, &single, NULL, &err), &err);
    int classes = m.arch.num_classes;
    double e = pp_test_compare("batch of one", single.data, logits.data + classes, (size_t)classes, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: image 2 alone differs from image 2 in a batch (%.3g)", net, e);

    pp_tensor_free(&logits), pp_tensor_free(&again), pp_tensor_free(&single);
    pp_taps_free(&taps);
    pp_forward_ctx_free(ctx);
    pp_npy_free(&x);
    pp_model_free(&m);
}

static void test_networks_match_pytorch(void)
{
    for (size_t i = 0; i < sizeof networks / sizeof networks[0]; i++)
        check_network(networks[i]);
}

static void test_arch_inference(void)
{
    pp_model m;
    pp_error err = {0};
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = -1};
    CHECK_OK(pp_model_open(&m, fixture_path("core", "r50_imagenet_pp3.safetensors"), &hints, notes, sizeof notes,
                           &err), &err);
    if (err.status != PP_OK)
        return;
    CHECK(m.arch.block == PP_BLOCK_BOTTLENECK, "ResNet50 should have bottleneck blocks");
    CHECK(strcmp(pp_arch_name(&m.arch), "resnet50") == 0, "arch name %s", pp_arch_name(&m.arch));
    CHECK(m.arch.stem == PP_STEM_IMAGENET && m.arch.width == 4 && m.arch.num_classes == 12,
          "stem %d width %d classes %d", m.arch.stem, m.arch.width, m.arch.num_classes);
    CHECK(m.arch.push_pull && m.arch.alpha_trainable && m.arch.avg_kernel == 3, "push-pull settings wrong");
    pp_model_free(&m);

    CHECK_OK(pp_model_open(&m, fixture_path("core", "r18_cifar_pp0_fixed.safetensors"), &hints, notes, sizeof notes,
                           &err), &err);
    if (err.status != PP_OK)
        return;
    CHECK(strcmp(pp_arch_name(&m.arch), "resnet18") == 0 && m.arch.stem == PP_STEM_CIFAR, "cifar resnet18");
    CHECK(!m.arch.alpha_trainable && m.arch.alpha_fixed == 1.0f && m.arch.avg_kernel == 0, "fixed alpha 1, avg 0");
    pp_model_free(&m);

    CHECK_OK(pp_model_open(&m, fixture_path("core", "r18_cifar_gray_base.safetensors"), &hints, notes, sizeof notes,
                           &err), &err);
    if (err.status != PP_OK)
        return;
    CHECK(!m.arch.push_pull && m.arch.conv1_bias && m.arch.in_channels == 1, "grayscale baseline with conv1 bias");
    CHECK(strcmp(pp_model_class_name(&m, 9), "Ankle boot") == 0, "Fashion-MNIST names, got %s",
          pp_model_class_name(&m, 9));
    pp_model_free(&m);
}

/* Wide layers (512 x 512 channels) run by Winograd only at large batches, on
 * kernels the forward context transforms and keeps: logits of a batch of 32
 * must match those of the same images one at a time (by im2col), also after the
 * weights change (the kept kernels must follow). */
static void compare_batch_with_singles(const pp_model *m, pp_forward_ctx *ctx, const pp_tensor *x, const char *what)
{
    pp_error err = {0};
    pp_tensor batch_logits = {0}, single_logits = {0}, one = {0};
    CHECK_OK(pp_model_forward(m, ctx, x, &batch_logits, NULL, &err), &err);
    const int classes = m->arch.num_classes;
    const size_t image = (size_t)x->shape[1] * x->shape[2] * x->shape[3];
    pp_forward_ctx *single_ctx = pp_forward_ctx_new(pp_forward_ctx_threads(ctx));
    CHECK_OK(pp_tensor_alloc4(&one, 1, x->shape[1], x->shape[2], x->shape[3], &err), &err);
    for (int i = 0; i < 4 && batch_logits.data && one.data; i++) {
        int img = i * 9; /* spread over the batch */
        memcpy(one.data, x->data + img * image, sizeof(float) * image);
        CHECK_OK(pp_model_forward(m, single_ctx, &one, &single_logits, NULL, &err), &err);
        char name[64];
        snprintf(name, sizeof name, "%s image %d", what, img);
        double e = pp_test_compare(name, batch_logits.data + (size_t)img * classes, single_logits.data, classes, 1e-4, 1);
        CHECK(e <= 1e-4, "%s: batch and single logits differ by %.3g", name, e);
    }
    pp_forward_ctx_free(single_ctx);
    pp_tensor_free(&batch_logits), pp_tensor_free(&single_logits), pp_tensor_free(&one);
}

static void test_wide_layers_at_large_batch(void)
{
    pp_error err = {0};
    pp_arch arch;
    pp_model m;
    CHECK_OK(pp_arch_from_name(&arch, "resnet18", PP_STEM_CIFAR, 3, 10, &err), &err);
    arch.push_pull = true;
    arch.avg_kernel = 3;
    arch.alpha_trainable = true;
    CHECK_OK(pp_model_create(&m, &arch, &err), &err);
    if (err.status != PP_OK)
        return;
    pp_model_init_random(&m, 7);
    pp_tensor x = {0};
    CHECK_OK(pp_tensor_alloc4(&x, 32, 3, 32, 32, &err), &err);
    uint32_t r = 99;
    for (size_t i = 0; i < (size_t)pp_tensor_numel(&x); i++)
        r = r * 1664525u + 1013904223u, x.data[i] = (float)(r >> 8) / (float)(1 << 24) * 2 - 1;
    pp_forward_ctx *ctx = pp_forward_ctx_new(2);
    compare_batch_with_singles(&m, ctx, &x, "fresh");
    /* change the last block's convolutions (the wide ones) and prepare again */
    pp_block *last = &m.blocks[m.block_count - 1];
    size_t count = (size_t)last->conv1.shape.cout * last->conv1.shape.cin * 9;
    for (size_t i = 0; i < count; i++)
        last->conv1.weight[i] *= (i % 3) ? -1.5f : 0.5f;
    pp_model_prepare(&m);
    compare_batch_with_singles(&m, ctx, &x, "changed weights");
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_model_free(&m);
}

int main(void)
{
    RUN_TEST(test_networks_match_pytorch);
    RUN_TEST(test_arch_inference);
    RUN_TEST(test_wide_layers_at_large_batch);
    return TEST_EXIT();
}
