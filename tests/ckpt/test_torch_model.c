/* Whole PushPull ResNets from PyTorch checkpoints: a Lightning .ckpt (weights
 * under "model.", settings in an AttributeDict) and a plain .pth state dict,
 * opened with pp_model_open, must give PyTorch's logits within 1e-4 of the
 * largest logit; converting to safetensors (what `pushpull convert` does) must
 * keep them bit for bit. If this fails, a user's checkpoint predicts wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_expect.h"
#include "model_file.h"

static pp_status load_expected(const char *file, const char *what, pp_npy *a, pp_error *err)
{
    char name[256];
    snprintf(name, sizeof name, "expected/%s/%s.npy", file, what);
    return pp_npy_load(fixture(name), a, err);
}

static void check_file(const char *file, int avg_hint, int want_avg)
{
    pp_model m;
    pp_error err = {0};
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = avg_hint};
    pp_status s = pp_model_open(&m, fixture(file), &hints, notes, sizeof notes, &err);
    CHECK(s == PP_OK, "%s: %s", file, err.msg);
    if (s != PP_OK)
        return;
    CHECK(notes[0] == '\0', "%s: unexpected assumptions: %s", file, notes);
    CHECK(m.arch.push_pull && m.arch.alpha_trainable && m.arch.avg_kernel == want_avg,
          "%s: push-pull settings read wrong (avg %d)", file, m.arch.avg_kernel);
    pp_npy x, want;
    CHECK_OK(load_expected(file, "x", &x, &err), &err);
    CHECK_OK(load_expected(file, "logits", &want, &err), &err);
    pp_tensor logits = {0};
    ckpt_forward(&m, &x, &logits);
    CHECK(pp_tensor_numel(&logits) == pp_npy_numel(&want), "%s: logits shape", file);
    if (pp_tensor_numel(&logits) == pp_npy_numel(&want)) {
        double e = pp_test_compare(file, logits.data, want.data, (size_t)pp_npy_numel(&want), 1e-4, 1);
        CHECK(e <= 1e-4, "%s: logits differ from PyTorch by %.3g of the largest", file, e);
    }

    /* Convert to safetensors and back: the same logits exactly. */
    char out[256];
    snprintf(out, sizeof out, "%s/pp_convert_test_%d.safetensors",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    CHECK_OK(pp_model_save(&m, out, &err), &err);
    pp_model m2;
    pp_arch_hints none = {.avg_kernel = -1};
    s = pp_model_open(&m2, out, &none, notes, sizeof notes, &err);
    CHECK(s == PP_OK, "%s converted: %s", file, err.msg);
    if (s == PP_OK) {
        CHECK(notes[0] == '\0', "%s converted: settings lost: %s", file, notes);
        CHECK(m2.arch.avg_kernel == want_avg, "%s converted: avg kernel %d", file, m2.arch.avg_kernel);
        pp_tensor again = {0};
        ckpt_forward(&m2, &x, &again);
        CHECK(pp_tensor_numel(&again) == pp_tensor_numel(&logits) &&
                  memcmp(again.data, logits.data, sizeof(float) * (size_t)pp_tensor_numel(&logits)) == 0,
              "%s: converted model gives different logits", file);
        pp_tensor_free(&again);
        pp_model_free(&m2);
    }
    unlink(out);
    pp_tensor_free(&logits);
    pp_npy_free(&x);
    pp_npy_free(&want);
    pp_model_free(&m);
}

static void test_lightning_resnet18_matches_pytorch(void)
{
    check_file("lightning_r18_cifar_pp5.ckpt", -1, 5);
}

static void test_plain_resnet18_matches_pytorch(void)
{
    /* A plain state dict does not record avg_kernel_size: the hint gives it. */
    check_file("plain_r18_imagenet_pp3.pth", 3, 3);
}

static void test_plain_float_alpha_loads_as_fixed(void)
{
    /* The reference repository's misc/modify_ckpt.py fixes alpha by writing
     * a Python float into the state dict; such a file must load, with that
     * alpha on every channel, not trainable, and predict as PyTorch does. */
    const char *file = "fixed_alpha_float.pth";
    pp_model m;
    pp_error err = {0};
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = 3};
    pp_status s = pp_model_open(&m, fixture(file), &hints, notes, sizeof notes, &err);
    CHECK(s == PP_OK, "%s: %s", file, err.msg);
    if (s != PP_OK)
        return;
    CHECK(m.arch.push_pull && !m.arch.alpha_trainable && m.arch.alpha_fixed == 0.75f,
          "%s: alpha read as %s %g", file, m.arch.alpha_trainable ? "trainable" : "fixed",
          (double)m.arch.alpha_fixed);
    float lo, mean, hi;
    pp_model_alpha_stats(&m, &lo, &mean, &hi);
    CHECK(lo == 0.75f && hi == 0.75f, "%s: alpha per channel spans %g..%g", file, (double)lo, (double)hi);
    CHECK(pp_model_find_param(&m, "conv1.pull_inhibition_strength") == NULL,
          "%s: a fixed alpha became a trainable parameter", file);
    pp_npy x, want;
    CHECK_OK(load_expected(file, "x", &x, &err), &err);
    CHECK_OK(load_expected(file, "logits", &want, &err), &err);
    pp_tensor logits = {0};
    ckpt_forward(&m, &x, &logits);
    if (pp_tensor_numel(&logits) == pp_npy_numel(&want)) {
        double e = pp_test_compare(file, logits.data, want.data, (size_t)pp_npy_numel(&want), 1e-4, 1);
        CHECK(e <= 1e-4, "%s: logits differ from PyTorch by %.3g of the largest", file, e);
    } else {
        CHECK(false, "%s: logits shape", file);
    }
    pp_tensor_free(&logits);
    pp_npy_free(&x);
    pp_npy_free(&want);
    pp_model_free(&m);
}

int main(void)
{
    RUN_TEST(test_lightning_resnet18_matches_pytorch);
    RUN_TEST(test_plain_resnet18_matches_pytorch);
    RUN_TEST(test_plain_float_alpha_loads_as_fixed);
    return TEST_EXIT();
}
