/* One training step of anti-aliased ResNets against PyTorch
 * (tests/make_arch_fixtures_blur.py): adobe's R18 with a blurred stem
 * (filter 3, pool_only false) and vasconcelos' CIFAR R50 (blurs at stride 1
 * in every block of layers 2-4, filter-1 blurs in layer1). Train-mode BN,
 * mean cross-entropy: the loss and every trainable parameter's gradient
 * within 1e-3 of that tensor's largest |gradient|. A failure means the
 * BlurPool backward or its place in the reversed plan differs from autograd. */
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "train_fixture.h"
#include "model_file.h"
#include "threads.h"
#include "train/train_step.h"

#define DIR "arch_blur"

/* PyTorch's name of an engine parameter: the files say fc.* and the stem's
 * bn1.* where the engine's names are normalised (classifier.*, bn.*). */
static const pp_sd_entry *torch_grad(const pp_state_dict *grads, const char *name)
{
    const pp_sd_entry *e = pp_sd_find(grads, name);
    char alt[128];
    if (!e && strncmp(name, "classifier.", 11) == 0) {
        snprintf(alt, sizeof alt, "fc.%s", name + 11);
        e = pp_sd_find(grads, alt);
    }
    if (!e && strncmp(name, "bn.", 3) == 0) {
        snprintf(alt, sizeof alt, "bn1.%s", name + 3);
        e = pp_sd_find(grads, alt);
    }
    return e;
}

static void check_step(const char *model_file, const char *stem, int side)
{
    char file[256], notes[512];
    pp_error err = {0};
    pp_arch_hints hints = {.avg_kernel = -1};
    pp_model m;
    CHECK_OK(pp_model_open(&m, fixture_path(DIR, model_file), &hints, notes, sizeof notes, &err), &err);
    if (err.status != PP_OK)
        return;
    snprintf(file, sizeof file, "x%d.npy", side);
    pp_npy x = fixture_npy(DIR, file);
    pp_tensor input = {.ndim = 4, .data = x.data};
    memcpy(input.shape, x.shape, sizeof input.shape);
    train_fixture_check_step(DIR, stem, &m, &input, torch_grad);
    CHECK(pp_model_find_param(&m, "layer2.0.downsample.1.filt") || pp_model_find_param(&m, "maxpool.0.filt"),
          "%s: the blur filters are buffers of the model", stem);
    pp_npy_free(&x);
    pp_model_free(&m);
}

static void test_adobe_blurred_stem(void)
{
    check_step("aa_r18_f3_full.pth", "aa_r18_f3_full", 48);
}

static void test_vasconcelos_stride1_blurs(void)
{
    check_step("vasconcelos_r50_cifar.ckpt", "vasconcelos_r50_cifar", 32);
}

int main(void)
{
    RUN_TEST(test_adobe_blurred_stem);
    RUN_TEST(test_vasconcelos_stride1_blurs);
    return TEST_EXIT();
}
