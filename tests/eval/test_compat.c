/* Job validation (core/eval/compat.h): an ImageNet model is refused on
 * Fashion-MNIST, a colour set on a greyscale model, a baseline of another task;
 * the matching pairs pass. If this fails, the jobs view would evaluate or
 * fine-tune nonsense (issue 12) or refuse what is right. */
#include <string.h>

#include "../fixture_compare.h"
#include "../test_util.h"
#include "eval/compat.h"
#include "model_file.h"

/* An in-memory set's description (no samples are read by the checks). */
static pp_dataset fake_set(const char *name, int classes, int side, int channels)
{
    static uint8_t pixel;
    pp_dataset ds;
    memset(&ds, 0, sizeof ds);
    snprintf(ds.name, sizeof ds.name, "%s", name);
    ds.num_classes = classes;
    ds.width = ds.height = side;
    ds.channels = channels;
    ds.pixels = &pixel;
    return ds;
}

static void test_dataset_checks(void)
{
    pp_model in1k, fm, fm_base, in10_base;
    if (!fixture_open_model(&in1k, "core", "r18_imagenet1k_pp3.safetensors") ||
        !fixture_open_model(&fm, "core", "r18_cifar_gray_pp5.safetensors") ||
        !fixture_open_model(&fm_base, "core", "r18_cifar_gray_base.safetensors") ||
        !fixture_open_model(&in10_base, "core", "r18_imagenet_base.safetensors"))
        return;
    pp_error err = {0};
    pp_dataset fmnist = fake_set("fashion-mnist:test", 10, 28, 1), cifar = fake_set("cifar10", 10, 32, 3);
    pp_dataset folder = fake_set("photos/", 1000, 0, 0);
    folder.pixels = NULL; /* image files: any size, brought to the model's input */

    CHECK(pp_check_dataset_for_model(&fmnist, &in1k, "in1k", &err) == PP_ERR_ARG, "ImageNet model on Fashion-MNIST");
    CHECK(strstr(err.msg, "10 classes") && strstr(err.msg, "1000") && strstr(err.msg, "fashion-mnist:test") &&
              strstr(err.msg, "in1k"),
          "the message names both and the class counts: %s", err.msg);
    CHECK(pp_check_dataset_for_model(&cifar, &fm, "fm", &err) == PP_ERR_ARG && strstr(err.msg, "colour"),
          "a colour set on a greyscale model: %s", err.msg);
    pp_dataset fm32 = fake_set("gray32.npy", 10, 32, 1);
    CHECK(pp_check_dataset_for_model(&fm32, &fm, "fm", &err) == PP_ERR_ARG && strstr(err.msg, "32x32") &&
              strstr(err.msg, "28x28"),
          "another input size: %s", err.msg);
    CHECK_OK(pp_check_dataset_for_model(&fmnist, &fm, "fm", &err), &err);
    CHECK_OK(pp_check_dataset_for_model(&folder, &in1k, "in1k", &err), &err);

    CHECK(pp_check_baseline_for_model(&in10_base, "base", &in1k, "in1k", &err) == PP_ERR_ARG &&
              strstr(err.msg, "baseline base has 10 classes"),
          "a baseline of another class count: %s", err.msg);
    CHECK(pp_check_baseline_for_model(&fm_base, "fmb", &in10_base, "inb", &err) == PP_ERR_ARG,
          "a baseline of another input: %s", err.msg);
    CHECK_OK(pp_check_baseline_for_model(&fm_base, "fmb", &fm, "fm", &err), &err);

    CHECK(pp_model_is_imagenet1k(&in1k) && !pp_model_is_imagenet1k(&fm) && !pp_model_is_imagenet1k(&in10_base),
          "AlexNet normalisation only for ImageNet-1k models");
    pp_model_free(&in1k);
    pp_model_free(&fm);
    pp_model_free(&fm_base);
    pp_model_free(&in10_base);
}

int main(void)
{
    RUN_TEST(test_dataset_checks);
    return TEST_EXIT();
}
