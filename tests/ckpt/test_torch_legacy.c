/* Legacy (pre-1.6, non-zip) torch.save files, the containers robustness
 * checkpoints come in, and Lightning hyper-parameters that pickle
 * augmentation objects (tests/ckpt/make_legacy_fixtures.py). Each must load
 * exactly PyTorch's tensors; the objects must stay inert text. If these fail,
 * the 2019-2020 checkpoints researchers have do not open, or open wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_expect.h"
#include "model_file.h"

#define LEGACY "torch legacy (pre-1.6)"

static void load(const char *file, pp_state_dict *sd)
{
    pp_error err = {0};
    CHECK_OK(pp_checkpoint_load(fixture(file), sd, &err), &err);
}

static void test_plain_state_dict(void)
{
    pp_state_dict sd;
    load("plain_state_dict.pt", &sd);
    check_against_expected("plain_state_dict.pt", &sd);
    check_meta(&sd, "checkpoint.format", LEGACY);
    check_meta(&sd, "checkpoint.container", "top level");
    CHECK(pp_sd_meta_get(&sd, "checkpoint.prefix") == NULL, "a prefix was removed");
    pp_sd_free(&sd);
    /* The torch loader itself takes both formats. */
    pp_error err;
    CHECK_OK(pp_torch_load(fixture("plain_state_dict.pt"), &sd, &err), &err);
    check_against_expected("plain_state_dict.pt", &sd);
    pp_sd_free(&sd);
}

static void test_views_and_dtypes(void)
{
    /* Rows, columns and transposes of one float32 storage, two views of one
     * float64 storage, float16 and int64 (transposed), a 0-d int64. */
    pp_state_dict sd;
    load("views_dtypes.pt", &sd);
    check_against_expected("views_dtypes.pt", &sd);
    pp_sd_free(&sd);
}

static void test_storage_view_metadata(void)
{
    /* ('storage', ..., '0', 'cpu', 4, ('v', 1, 2)): elements 1..2 of '0'. */
    pp_state_dict sd;
    load("view_metadata.pt", &sd);
    const pp_sd_entry *w = pp_sd_find(&sd, "w");
    CHECK(w && w->ndim == 1 && w->shape[0] == 2, "view tensor shape");
    if (w && w->ndim == 1 && w->shape[0] == 2) {
        const float *d = w->data;
        CHECK(d[0] == 2 && d[1] == 3, "storage view reads %g %g, torch.load gives 2 3", d[0], d[1]);
    }
    pp_sd_free(&sd);
}

/* The augmentation objects of make_legacy_fixtures.py's aug_hparams(),
 * shown as class, arguments and public attributes; never called. */
static void check_augmentation_hparams(const char *file, const char *format)
{
    pp_state_dict sd;
    load(file, &sd);
    check_against_expected(file, &sd);
    check_meta(&sd, "checkpoint.format", format);
    check_meta(&sd, "checkpoint.container", "state_dict");
    check_meta(&sd, "checkpoint.prefix", "model.");
    check_meta(&sd, "avg_kernel_size", "5");
    check_meta(&sd, "dataset_name", "cifar10");
    check_meta(&sd, "epoch", "19");
    /* NEWOBJ + BUILD; the enum member pickled as getattr(cls, name). */
    check_meta(&sd, "augmentation",
               "augmentations.AugMix(severity=3, mixture_width=4, alpha=1, "
               "interpolation=augmentations.Interpolation.BILINEAR)");
    /* A __reduce__ through a classmethod: getattr(cls, 'from_config')(config). */
    check_meta(&sd, "prime",
               "prime.GeneralizedPRIMEModule.from_config({'max_depth': 3, 'kernels': [3, 5]})");
    const char *tv = pp_sd_meta_get(&sd, "tv_augmix");
    CHECK(tv && strncmp(tv, "torchvision.transforms.autoaugment.AugMix(", 42) == 0 &&
              strstr(tv, "severity=2") &&
              strstr(tv, "interpolation=torchvision.transforms.functional.InterpolationMode.BILINEAR"),
          "%s: torchvision's AugMix as text: %s", file, tv ? tv : "(none)");
    const char *inert = pp_sd_meta_get(&sd, "checkpoint.inert_objects");
    CHECK(inert && strstr(inert, "hyper_parameters.augmentation: augmentations.AugMix") &&
              strstr(inert, "hyper_parameters.prime: prime.GeneralizedPRIMEModule.from_config") &&
              strstr(inert, "hyper_parameters.tv_augmix: torchvision.transforms.autoaugment.AugMix"),
          "%s: inert objects listed as: %s", file, inert ? inert : "(none)");
    CHECK(sd.count == 10, "%s: %zu tensors, want the model's 10", file, sd.count);
    pp_sd_free(&sd);
}

static void test_lightning_augmentation_objects_legacy(void)
{
    check_augmentation_hparams("lightning_aug_legacy.ckpt", LEGACY);
}

static void test_lightning_augmentation_objects_zip(void)
{
    check_augmentation_hparams("lightning_aug_zip.ckpt", "torch zip");
}

static void check_container(const char *file, const char *container, const char *prefix)
{
    pp_state_dict sd;
    load(file, &sd);
    check_against_expected(file, &sd);
    check_meta(&sd, "checkpoint.container", container);
    if (prefix)
        check_meta(&sd, "checkpoint.prefix", prefix);
    else
        CHECK(pp_sd_meta_get(&sd, "checkpoint.prefix") == NULL, "%s: a prefix was removed", file);
    pp_sd_free(&sd);
}

static void test_containers(void)
{
    check_container("augmix_style.pth.tar", "state_dict", "module.");
    check_container("game_of_noise.pth", "model_state_dict", "resnet.");
    check_container("model_dict.pt", "model", NULL);
    check_container("module_module_model.pt", "top level", "module.module.model.");
    check_container("prime_raw.ckpt", "state_dict", "model.model.");
}

static void test_prime_augmentation_layer_dropped(void)
{
    pp_state_dict sd;
    load("prime_raw.ckpt", &sd);
    const char *dropped = pp_sd_meta_get(&sd, "checkpoint.dropped");
    CHECK(dropped && strcmp(dropped, "model.aug.preprocess.mean, model.aug.preprocess.std") == 0,
          "dropped: %s", dropped ? dropped : "(none)");
    pp_sd_free(&sd);
}

static void test_non_tensor_values(void)
{
    /* A float becomes a 0-d tensor; a string and None are left out, listed. */
    pp_state_dict sd;
    load("nontensor_values.pt", &sd);
    check_against_expected("nontensor_values.pt", &sd);
    const pp_sd_entry *a = pp_sd_find(&sd, "conv1.fixed_alpha");
    CHECK(a && a->ndim == 0 && a->dtype == PP_DTYPE_F32 && *(float *)a->data == 0.75f, "float alpha");
    check_meta(&sd, "checkpoint.dropped", "note, nothing");
    pp_sd_free(&sd);
}

static void test_whole_pickled_model(void)
{
    /* The same tensors as the model's state_dict(), named as it names them. */
    pp_state_dict whole, sd;
    load("r18_whole_legacy.pt", &whole);
    load("r18_zip.ckpt", &sd);
    CHECK(whole.count == sd.count, "whole model: %zu tensors, state_dict() has %zu", whole.count, sd.count);
    for (size_t i = 0; i < sd.count; i++) {
        const pp_sd_entry *e = pp_sd_find(&whole, sd.entries[i].name);
        CHECK(e && pp_sd_entry_numel(e) == pp_sd_entry_numel(&sd.entries[i]) &&
                  memcmp(e->data, sd.entries[i].data,
                         (size_t)pp_sd_entry_numel(e) * pp_dtype_size(e->dtype)) == 0,
              "whole model: '%s' differs or is missing", sd.entries[i].name);
    }
    pp_sd_free(&whole);
    load("tiny_whole_legacy.pt", &whole);
    check_against_expected("tiny_whole_legacy.pt", &whole);
    check_meta(&whole, "checkpoint.container", "whole pickled model ckpt_fixtures.Tiny");
    pp_sd_free(&whole);
    load("r18_whole_legacy.pt", &whole);
    const char *c = pp_sd_meta_get(&whole, "checkpoint.container");
    CHECK(c && strcmp(c, "whole pickled model engine_fixtures.ResNet") == 0, "container: %s", c ? c : "(none)");
    pp_sd_free(&whole);
    pp_sd_free(&sd);
}

static void test_no_storages(void)
{
    /* Nothing but a Python int: an empty storage table, one 0-d int64. */
    pp_state_dict sd;
    load("no_storages.pt", &sd);
    const pp_sd_entry *a = pp_sd_find(&sd, "alpha");
    CHECK(sd.count == 1 && a && a->ndim == 0 && a->dtype == PP_DTYPE_I64 && *(int64_t *)a->data == 3,
          "a state dict of one int");
    pp_sd_free(&sd);
}

/* ---- a whole network: the engine's logits from both formats ---- */

static bool logits_of(const char *file, const pp_npy *x, pp_tensor *logits)
{
    pp_model m;
    pp_error err = {0};
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = 3};
    pp_status s = pp_model_open(&m, fixture(file), &hints, notes, sizeof notes, &err);
    CHECK(s == PP_OK, "%s: %s", file, err.msg);
    if (s != PP_OK)
        return false;
    ckpt_forward(&m, x, logits);
    pp_model_free(&m);
    return true;
}

static void test_network_logits_legacy_equal_zip(void)
{
    pp_npy x, want;
    pp_error err = {0};
    CHECK_OK(pp_npy_load(fixture("expected/r18/x.npy"), &x, &err), &err);
    CHECK_OK(pp_npy_load(fixture("expected/r18/logits.npy"), &want, &err), &err);
    pp_tensor zip = {0}, legacy = {0}, no_nbt = {0}, whole_zip = {0}, whole_legacy = {0};
    bool ok = logits_of("r18_zip.ckpt", &x, &zip) && logits_of("r18_legacy.ckpt", &x, &legacy) &&
              logits_of("r18_legacy_no_nbt.pth.tar", &x, &no_nbt) &&
              logits_of("r18_whole_zip.pt", &x, &whole_zip) &&
              logits_of("r18_whole_legacy.pt", &x, &whole_legacy);
    size_t n = (size_t)pp_npy_numel(&want);
    if (ok && (size_t)pp_tensor_numel(&zip) == n && (size_t)pp_tensor_numel(&legacy) == n &&
        (size_t)pp_tensor_numel(&no_nbt) == n && (size_t)pp_tensor_numel(&whole_zip) == n &&
        (size_t)pp_tensor_numel(&whole_legacy) == n) {
        /* torch.save(model) in both formats: the module tree walked, nothing run. */
        CHECK(memcmp(zip.data, whole_zip.data, n * sizeof(float)) == 0,
              "the whole pickled model (zip) gives other logits");
        CHECK(memcmp(zip.data, whole_legacy.data, n * sizeof(float)) == 0,
              "the whole pickled model (legacy) gives other logits");
        double e = pp_test_compare("r18 zip", zip.data, want.data, n, 1e-4, 1);
        CHECK(e <= 1e-4, "zip logits differ from PyTorch by %.3g of the largest", e);
        CHECK(memcmp(zip.data, legacy.data, n * sizeof(float)) == 0,
              "legacy-saved logits differ from the zip-saved ones");
        /* module. prefix, no num_batches_tracked: the same weights. */
        CHECK(memcmp(zip.data, no_nbt.data, n * sizeof(float)) == 0,
              "the DataParallel file without num_batches_tracked gives other logits");
    } else {
        CHECK(false, "logits shapes");
    }
    pp_tensor_free(&zip);
    pp_tensor_free(&legacy);
    pp_tensor_free(&no_nbt);
    pp_tensor_free(&whole_zip);
    pp_tensor_free(&whole_legacy);
    pp_npy_free(&x);
    pp_npy_free(&want);
}

int main(void)
{
    fixture_dir = "legacy";
    RUN_TEST(test_plain_state_dict);
    RUN_TEST(test_views_and_dtypes);
    RUN_TEST(test_storage_view_metadata);
    RUN_TEST(test_lightning_augmentation_objects_legacy);
    RUN_TEST(test_lightning_augmentation_objects_zip);
    RUN_TEST(test_containers);
    RUN_TEST(test_prime_augmentation_layer_dropped);
    RUN_TEST(test_non_tensor_values);
    RUN_TEST(test_no_storages);
    RUN_TEST(test_whole_pickled_model);
    RUN_TEST(test_network_logits_legacy_equal_zip);
    return TEST_EXIT();
}
