/* Image decoding and the models' preprocessing against torchvision's PIL
 * pipeline (Resize bilinear, CenterCrop, ToTensor, Normalize). */
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "preprocess.h"

/* One 8-bit level after normalisation is 1/(255 std) ~ 0.02. We resample in
 * PIL's fixed point, so differences come only from JPEG decoding details. */
static void check_pipeline(const char *image, const pp_preprocess *pre, const char *expected)
{
    pp_image img;
    pp_error err = {0};
    CHECK_OK(pp_image_load(fixture_path("images", image), &img, &err), &err);
    if (err.status)
        return;
    pp_tensor batch;
    CHECK_OK(pp_tensor_alloc4(&batch, 1, pre->channels, pre->size, pre->size, &err), &err);
    CHECK_OK(pp_preprocess_image(pre, &img, &batch, 0, &err), &err);
    pp_npy want = fixture_npy("core", expected);
    CHECK(pp_npy_numel(&want) == pp_tensor_numel(&batch), "%s: size", expected);
    size_t n = (size_t)pp_npy_numel(&want), off_by_more = 0;
    double max_err = 0;
    const float *w = want.data;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(batch.data[i] - w[i]);
        max_err = e > max_err ? e : max_err;
        off_by_more += e > 0.005;
    }
    CHECK(max_err < 0.05, "%s: max difference %.4f (more than two 8-bit levels)", expected, max_err);
    CHECK(off_by_more * 100 < n, "%s: %zu of %zu values differ by more than rounding", expected, off_by_more, n);
    printf("  %s: %zu of %zu values off by a level or more\n", expected, off_by_more, n);
    pp_npy_free(&want);
    pp_tensor_free(&batch);
    pp_image_free(&img);
}

static void test_cifar_pipeline(void)
{
    pp_preprocess pre = {.size = 32, .channels = 3, .mean = {0.4914f, 0.4822f, 0.4465f},
                         .std = {0.2023f, 0.1994f, 0.2010f}, .mode = PP_RESIZE_SQUARE};
    check_pipeline("rgb_40x30.png", &pre, "pre_cifar_rgb_40x30.npy");
}

static void test_fashion_mnist_pipeline(void)
{
    pp_preprocess pre = {.size = 28, .channels = 1, .mean = {0.2860f}, .std = {0.3530f}, .mode = PP_RESIZE_SQUARE};
    check_pipeline("rgb_40x30.png", &pre, "pre_fmnist_rgb_40x30.npy");
}

static void test_imagenet_pipeline(void)
{
    pp_preprocess pre = {.size = 224, .channels = 3, .mean = {0.485f, 0.456f, 0.406f},
                         .std = {0.229f, 0.224f, 0.225f}, .mode = PP_RESIZE_CROP_IMAGENET};
    check_pipeline("photo_300x200.jpg", &pre, "pre_imagenet_photo_300x200.npy");
}

static void test_decode_errors(void)
{
    pp_image img;
    pp_error err = {0};
    const uint8_t junk[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H'};
    CHECK(pp_image_decode(junk, sizeof junk, "cut.png", &img, &err) == PP_ERR_FORMAT && strstr(err.msg, "cut.png"),
          "truncated PNG: %s", err.msg);
    const uint8_t jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0};
    CHECK(pp_image_decode(jpeg, sizeof jpeg, "cut.jpg", &img, &err) == PP_ERR_FORMAT && strstr(err.msg, "cut.jpg"),
          "truncated JPEG: %s", err.msg);
    CHECK(pp_image_decode((const uint8_t *)"GIF89a", 6, "x.gif", &img, &err) == PP_ERR_FORMAT &&
              strstr(err.msg, "not a PNG or JPEG"), "unknown format: %s", err.msg);
    CHECK(pp_image_load("/nonexistent.png", &img, &err) == PP_ERR_IO, "missing file");
}

static void test_gray_png_stays_gray(void)
{
    pp_image img;
    pp_error err = {0};
    CHECK_OK(pp_image_load(fixture_path("images", "gray_28.png"), &img, &err), &err);
    CHECK(img.channels == 1 && img.width == 28 && img.height == 28, "gray 28x28, got %dx%dx%d", img.width,
          img.height, img.channels);
    CHECK(img.pixels && img.pixels[28 * 2 + 3] == (uint8_t)((3 * 9 + 2 * 4) % 256), "pixel value");
    pp_image_free(&img);
}

int main(void)
{
    RUN_TEST(test_cifar_pipeline);
    RUN_TEST(test_fashion_mnist_pipeline);
    RUN_TEST(test_imagenet_pipeline);
    RUN_TEST(test_decode_errors);
    RUN_TEST(test_gray_png_stays_gray);
    return TEST_EXIT();
}
