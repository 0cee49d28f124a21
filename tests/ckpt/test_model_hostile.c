/* Checkpoints that parse but hold numbers or shapes no network can run:
 * each is a copy of a good PyTorch fixture with one tensor (or metadata key)
 * broken, saved as safetensors, and must be refused at load with a message
 * naming the file and the tensor. If one loads, a NaN weight turns into a
 * finite, confident prediction, or a permuted kernel into garbage that
 * `convert` writes out. At run time NaN must propagate, as in PyTorch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/checkpoint.h"
#include "ckpt/safetensors.h"
#include "forward.h"
#include "model_file.h"
#include "test_util.h"
#include "topk.h"
#include "threads.h"

#define GOOD "plain_r18_imagenet_pp3.pth"

static char path_buf[1024];

static const char *fixture(const char *name)
{
    const char *dir = getenv("PP_FIXTURES");
    snprintf(path_buf, sizeof path_buf, "%s/ckpt/%s", dir ? dir : "tests/fixtures", name);
    return path_buf;
}

static pp_sd_entry *entry(pp_state_dict *sd, const char *name)
{
    pp_sd_entry *e = (pp_sd_entry *)pp_sd_find(sd, name);
    CHECK(e != NULL, "the fixture has no '%s'", name);
    return e;
}

typedef void (*breaker)(pp_state_dict *sd);

/* Breaks a copy of the good file, saves it as <case>.safetensors and expects
 * pp_model_open to refuse it with the file, `tensor` and `why` named. */
static void expect_refused(const char *name, breaker brk, const char *tensor, const char *why)
{
    pp_state_dict sd;
    pp_error err = {0};
    CHECK_OK(pp_checkpoint_load(fixture(GOOD), &sd, &err), &err);
    brk(&sd);
    char path[512];
    snprintf(path, sizeof path, "%s/%s_%d.safetensors", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name,
             (int)getpid());
    CHECK_OK(pp_safetensors_save(path, &sd, &err), &err);
    pp_sd_free(&sd);
    pp_model m;
    pp_arch_hints hints = {.avg_kernel = 3};
    char notes[256];
    pp_status st = pp_model_open(&m, path, &hints, notes, sizeof notes, &err);
    CHECK(st != PP_OK, "%s: loaded", name);
    if (st == PP_OK)
        pp_model_free(&m);
    else {
        printf("  %s: %s\n", name, err.msg);
        CHECK(strstr(err.msg, path) && strstr(err.msg, tensor) && strstr(err.msg, why),
              "%s: message lacks the file, '%s' or '%s': %s", name, tensor, why, err.msg);
    }
    unlink(path);
}

static void nan_weight(pp_state_dict *sd)
{
    ((float *)entry(sd, "layer1.0.conv1.weight")->data)[5] = NAN;
}

static void inf_bias(pp_state_dict *sd)
{
    ((float *)entry(sd, "classifier.bias")->data)[0] = -INFINITY;
}

static void negative_running_var(pp_state_dict *sd)
{
    ((float *)entry(sd, "layer2.0.bn1.running_var")->data)[1] = -0.5f;
}

static void nan_alpha(pp_state_dict *sd)
{
    ((float *)entry(sd, "conv1.pull_inhibition_strength")->data)[0] = NAN;
}

static void zero_std(pp_state_dict *sd)
{
    pp_error err;
    CHECK_OK(pp_sd_meta_set(sd, "std", "[0.229, 0, 0.225]", &err), &err);
}

static void permuted_kernel(pp_state_dict *sd)
{
    /* (out, in, 3, 3) -> (in, out, 3, 3): the same count, a different kernel */
    pp_sd_entry *e = entry(sd, "layer2.0.conv1.weight");
    int64_t t = e->shape[0];
    e->shape[0] = e->shape[1];
    e->shape[1] = t;
}

static void flattened_kernel(pp_state_dict *sd)
{
    pp_sd_entry *e = entry(sd, "layer1.0.conv2.weight");
    e->shape[0] = pp_sd_entry_numel(e);
    e->ndim = 1;
}

static void test_non_finite_weights_refused(void)
{
    expect_refused("nan_weight", nan_weight, "'layer1.0.conv1.weight'", "NaN at element 5");
    expect_refused("inf_bias", inf_bias, "'classifier.bias'", "inf at element 0");
    expect_refused("nan_alpha", nan_alpha, "'conv1.pull_inhibition_strength'", "NaN");
}

static void test_negative_running_var_refused(void)
{
    expect_refused("negative_var", negative_running_var, "'layer2.0.bn1.running_var'", "negative variance");
}

static void test_zero_std_refused(void)
{
    expect_refused("zero_std", zero_std, "std[1]", "is not within");
}

static void test_shapes_checked_not_only_counts(void)
{
    expect_refused("permuted_kernel", permuted_kernel, "'layer2.0.conv1.weight' is float32 (2, 4, 3, 3)",
                   "needs float32 (4, 2, 3, 3)");
    expect_refused("flattened_kernel", flattened_kernel, "'layer1.0.conv2.weight' is float32 (36)",
                   "needs float32 (2, 2, 3, 3)");
}

static void test_nan_input_propagates(void)
{
    /* PyTorch gives NaN logits for a NaN input; fmaxf-style ReLUs gave 0
     * instead, and a finite, confident prediction. */
    pp_model m;
    pp_error err = {0};
    pp_arch_hints hints = {.avg_kernel = 3};
    char notes[256];
    CHECK_OK(pp_model_open(&m, fixture(GOOD), &hints, notes, sizeof notes, &err), &err);
    pp_tensor x = {0}, logits = {0};
    CHECK_OK(pp_tensor_alloc4(&x, 1, 3, 40, 40, &err), &err);
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++)
        x.data[i] = NAN;
    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    CHECK_OK(pp_model_forward(&m, ctx, &x, &logits, NULL, &err), &err);
    int finite = 0;
    for (int64_t i = 0; i < pp_tensor_numel(&logits); i++)
        finite += isfinite(logits.data[i]) != 0;
    CHECK(finite == 0, "%d of %lld logits are finite for an all-NaN input", finite,
          (long long)pp_tensor_numel(&logits));
    CHECK(pp_logits_check(logits.data, m.arch.num_classes, &err) == PP_ERR_FORMAT && strstr(err.msg, "NaN"),
          "NaN logits pass the check: %s", err.msg);
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&logits);
    pp_tensor_free(&x);
    pp_model_free(&m);
}

int main(void)
{
    RUN_TEST(test_non_finite_weights_refused);
    RUN_TEST(test_negative_running_var_refused);
    RUN_TEST(test_zero_std_refused);
    RUN_TEST(test_shapes_checked_not_only_counts);
    RUN_TEST(test_nan_input_propagates);
    return TEST_EXIT();
}
