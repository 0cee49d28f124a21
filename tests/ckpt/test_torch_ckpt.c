/* PyTorch / Lightning checkpoints made by torch.save (tests/ckpt/make_fixtures.py)
 * must load to exactly the tensors PyTorch holds, with hyper-parameters as
 * metadata. If these fail, users' real checkpoints load wrong or not at all. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/checkpoint.h"
#include "ckpt/torch_checkpoint.h"
#include "ckpt/torch_tensor.h"
#include "ckpt_expect.h"

static void check_lightning(const char *file)
{
    pp_state_dict sd;
    pp_error err;
    CHECK_OK(pp_torch_load(fixture(file), &sd, &err), &err);
    check_against_expected(file, &sd);
    /* The "model." prefix is gone; names are the reference's. */
    CHECK(pp_sd_find(&sd, "conv1.push_conv.weight") != NULL, "%s: prefix not stripped", file);
    CHECK(pp_sd_find(&sd, "bn.num_batches_tracked") != NULL, "%s: int64 buffer missing", file);
    check_meta(&sd, "avg_kernel_size", "5");
    check_meta(&sd, "pull_inhibition_strength", "0.75");
    check_meta(&sd, "trainable_pull_inhibition", "true");
    check_meta(&sd, "use_grayscale", "false");
    check_meta(&sd, "dataset_name", "cifar10");
    check_meta(&sd, "num_classes", "10");
    check_meta(&sd, "lr", "0.1");
    check_meta(&sd, "milestones", "[10,15]");
    check_meta(&sd, "seed", "null");
    check_meta(&sd, "epoch", "19");
    check_meta(&sd, "global_step", "7820");
    const char *opt = pp_sd_meta_get(&sd, "optimizer");
    CHECK(opt && strstr(opt, "\"momentum\":0.9") && strstr(opt, "\"name\":\"sgd\""),
          "nested hyper-parameter as JSON: %s", opt ? opt : "(none)");
    /* Optimizer state and callbacks are not tensors of the model. */
    CHECK(sd.count == 10, "%s: %zu tensors, want the model's 10", file, sd.count);
    pp_sd_free(&sd);
}

static void test_lightning_dict(void)
{
    check_lightning("lightning_dict.ckpt");
}

static void test_lightning_namespace(void)
{
    check_lightning("lightning_namespace.ckpt");
}

static void test_lightning_attribute_dict(void)
{
    check_lightning("lightning_attrdict.ckpt");
}

/* An unknown hyper-parameter container stays inert: tensors load, settings are unknown. */
static void test_lightning_unknown_hparams_container(void)
{
    pp_state_dict sd;
    pp_error err;
    CHECK_OK(pp_torch_load(fixture("lightning_unknown_hparams.ckpt"), &sd, &err), &err);
    check_against_expected("lightning_unknown_hparams.ckpt", &sd);
    CHECK(pp_sd_meta_get(&sd, "avg_kernel_size") == NULL, "settings read from an inert object");
    check_meta(&sd, "epoch", "19");
    pp_sd_free(&sd);
}

static void test_plain_state_dict(void)
{
    pp_state_dict sd;
    pp_error err;
    CHECK_OK(pp_torch_load(fixture("plain_state_dict.pt"), &sd, &err), &err);
    check_against_expected("plain_state_dict.pt", &sd);
    /* Only what the loader notes about the file itself (checkpoint.*). */
    size_t hparams = 0;
    for (size_t i = 0; i < sd.meta_count; i++)
        hparams += strncmp(sd.meta[i].key, "checkpoint.", 11) != 0;
    CHECK(hparams == 0, "a plain state dict has no hyper-parameters, got %zu", hparams);
    check_meta(&sd, "checkpoint.format", "torch zip");
    check_meta(&sd, "checkpoint.container", "top level");
    pp_sd_free(&sd);
}

static void test_dtypes_converted(void)
{
    pp_state_dict sd;
    pp_error err;
    CHECK_OK(pp_torch_load(fixture("dtypes.pth"), &sd, &err), &err);
    check_against_expected("dtypes.pth", &sd);
    const pp_sd_entry *e = pp_sd_find(&sd, "scalar");
    CHECK(e && e->ndim == 0 && e->dtype == PP_DTYPE_I64 && *(int64_t *)e->data == 1234,
          "0-d int64 scalar");
    pp_sd_free(&sd);
}

static void test_noncontiguous_views(void)
{
    pp_state_dict sd;
    pp_error err;
    CHECK_OK(pp_torch_load(fixture("noncontiguous.pt"), &sd, &err), &err);
    check_against_expected("noncontiguous.pt", &sd);
    pp_sd_free(&sd);
}

/* The lead's dispatcher sends zip archives here, whatever the extension. */
static void test_dispatcher(void)
{
    pp_state_dict sd;
    pp_error err;
    CHECK_OK(pp_checkpoint_load(fixture("lightning_namespace.ckpt"), &sd, &err), &err);
    CHECK(pp_sd_find(&sd, "classifier.weight") != NULL, "dispatcher did not load the ckpt");
    pp_sd_free(&sd);
}

/* Loading from memory gives the same result (the fuzzer's entry point). */
static void test_load_buffer(void)
{
    FILE *fp = fopen(fixture("dtypes.pth"), "rb");
    CHECK(fp != NULL, "open");
    if (!fp)
        return;
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    pp_state_dict sd;
    pp_error err;
    CHECK_OK(pp_torch_load_buffer(buf, n, "dtypes.pth", &sd, &err), &err);
    check_against_expected("dtypes.pth", &sd);
    pp_sd_free(&sd);
}

/* Views the fixtures do not cover: a size-1 dimension with a huge stride
 * (legal in PyTorch; must not enter the index arithmetic), a 0-d view at an
 * offset, and stride-0 broadcasting of an int32 storage into int64. */
static void test_tensor_copy_edge_views(void)
{
    float fdata[6] = {0, 1, 2, 3, 4, 5};
    pp_pv fst = {.kind = PP_PV_STORAGE};
    fst.u.storage.key = "0";
    fst.u.storage.dtype = PP_RAW_F32;
    fst.u.storage.numel = 6;
    pp_pv_tensor t = {.storage = &fst, .offset = 1, .ndim = 2, .size = {1, 3},
                      .stride = {INT64_MAX, 2}, .numel = 3};
    void *out = NULL;
    pp_error err = {0};
    CHECK_OK(pp_torch_tensor_copy(&t, fdata, &out, &err), &err);
    if (out) {
        const float *o = out;
        CHECK(o[0] == 1 && o[1] == 3 && o[2] == 5, "huge stride on size 1: %g %g %g", o[0], o[1], o[2]);
        free(out);
    }
    pp_pv_tensor s0 = {.storage = &fst, .offset = 4, .ndim = 0, .numel = 1};
    out = NULL;
    CHECK(pp_torch_tensor_copy(&s0, fdata, &out, &err) == PP_OK && out && *(float *)out == 4,
          "0-d view at offset 4");
    free(out);

    int32_t idata[2] = {-7, 9};
    pp_pv ist = {.kind = PP_PV_STORAGE};
    ist.u.storage.key = "1";
    ist.u.storage.dtype = PP_RAW_I32;
    ist.u.storage.numel = 2;
    pp_pv_tensor b = {.storage = &ist, .ndim = 2, .size = {3, 2}, .stride = {0, 1}, .numel = 6};
    out = NULL;
    CHECK(pp_torch_tensor_copy(&b, idata, &out, &err) == PP_OK && out, "broadcast int32");
    if (out) {
        const int64_t *q = out;
        CHECK(q[0] == -7 && q[1] == 9 && q[4] == -7 && q[5] == 9, "broadcast values");
        free(out);
    }
    CHECK(!pp_torch_tensor_is_whole_storage(&b), "a broadcast view is not the storage");
}

int main(void)
{
    RUN_TEST(test_lightning_dict);
    RUN_TEST(test_lightning_namespace);
    RUN_TEST(test_lightning_attribute_dict);
    RUN_TEST(test_lightning_unknown_hparams_container);
    RUN_TEST(test_plain_state_dict);
    RUN_TEST(test_dtypes_converted);
    RUN_TEST(test_noncontiguous_views);
    RUN_TEST(test_dispatcher);
    RUN_TEST(test_load_buffer);
    RUN_TEST(test_tensor_copy_edge_views);
    return TEST_EXIT();
}
