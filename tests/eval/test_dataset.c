/* Data-set readers: CIFAR-10 binaries, npy arrays (plain and CIFAR-10-C
 * stacked), class folders, Fashion-MNIST from Debian; bad files rejected with
 * the file named. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fixture.h"
#include "../test_util.h"
#include "ckpt/npy.h"
#include "data/dataset.h"

static char dir[256];

static const char *at(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *fp = fopen(path, "wb");
    fwrite(data, 1, n, fp);
    fclose(fp);
}

static void test_cifar_binary(void)
{
    mkdir(at("cifar"), 0755);
    static uint8_t rec[3][3073];
    for (int r = 0; r < 3; r++) {
        rec[r][0] = (uint8_t)(r * 4); /* labels 0, 4, 8 */
        for (int p = 0; p < 3072; p++)
            rec[r][1 + p] = (uint8_t)(p / 1024 * 100 + r); /* plane c holds 100 c + r */
    }
    write_bytes(at("cifar/test_batch.bin"), rec, sizeof rec);
    pp_dataset ds;
    pp_error err = {0};
    CHECK_OK(pp_dataset_open(&ds, at("cifar"), false, &err), &err);
    if (err.status)
        return;
    CHECK(ds.count == 3 && ds.num_classes == 10 && ds.channels == 3 && ds.height == 32, "cifar shape");
    CHECK(ds.labels[1] == 4 && strcmp(ds.class_names[8], "ship") == 0, "labels and names");
    pp_image img;
    CHECK_OK(pp_dataset_image(&ds, 2, &img, &err), &err);
    CHECK(img.pixels[0] == 2 && img.pixels[1] == 102 && img.pixels[2] == 202, "planes interleaved to RGB: %d %d %d",
          img.pixels[0], img.pixels[1], img.pixels[2]);
    pp_image_free(&img);
    pp_dataset_free(&ds);

    rec[1][0] = 11;
    write_bytes(at("cifar/test_batch.bin"), rec, sizeof rec);
    CHECK(pp_dataset_open(&ds, at("cifar"), false, &err) == PP_ERR_FORMAT && strstr(err.msg, "label 11"),
          "label out of range: %s", err.msg);
    write_bytes(at("cifar/test_batch.bin"), rec, 3073 + 5);
    CHECK(pp_dataset_open(&ds, at("cifar"), false, &err) == PP_ERR_FORMAT && strstr(err.msg, "test_batch.bin"),
          "partial record: %s", err.msg);
}

static void test_npy_and_stacked_c(void)
{
    mkdir(at("c"), 0755);
    /* 5 severities x 4 images of 6x5 gray; pixel value = severity * 10 + image */
    uint8_t px[20 * 30];
    int64_t labels[4] = {3, 1, 2, 0};
    for (int i = 0; i < 20; i++)
        memset(px + i * 30, (i / 4 + 1) * 10 + i % 4, 30);
    int64_t shape[3] = {20, 6, 5}, lshape[1] = {4};
    pp_error err = {0};
    CHECK_OK(pp_npy_save(at("c/fog.npy"), PP_NPY_U8, 3, shape, px, &err), &err);
    CHECK_OK(pp_npy_save(at("c/labels.npy"), PP_NPY_I64, 1, lshape, labels, &err), &err);
    pp_dataset ds;
    CHECK_OK(pp_dataset_open_corrupted(&ds, at("c"), "fog", 3, NULL, &err), &err);
    if (!err.status) {
        CHECK(ds.count == 4 && ds.channels == 1 && ds.width == 5 && ds.height == 6, "one severity, 4 images: %lld %d %dx%d", (long long)ds.count, ds.channels, ds.width, ds.height);
        CHECK(ds.pixels[0] == 30 && ds.pixels[3 * 30] == 33 && ds.labels[0] == 3, "severity 3 rows");
        pp_dataset_free(&ds);
    }
    CHECK(pp_dataset_open_corrupted(&ds, at("c"), "snow", 1, NULL, &err) == PP_ERR_IO && strstr(err.msg, "snow"),
          "missing corruption named: %s", err.msg);
    shape[0] = 4;
    CHECK_OK(pp_npy_save(at("c/images.npy"), PP_NPY_U8, 3, shape, px, &err), &err);
    CHECK_OK(pp_dataset_open(&ds, at("c/images.npy"), false, &err), &err);
    CHECK(ds.count == 4 && ds.labels[3] == 0, "plain npy data set");
    pp_dataset_free(&ds);
    lshape[0] = 2;
    CHECK_OK(pp_npy_save(at("c/labels.npy"), PP_NPY_I64, 1, lshape, labels, &err), &err);
    CHECK(pp_dataset_open(&ds, at("c/images.npy"), false, &err) == PP_ERR_FORMAT && strstr(err.msg, "2 labels for 4"),
          "count mismatch: %s", err.msg);
}

static void test_class_folders(void)
{
    mkdir(at("folders"), 0755);
    mkdir(at("folders/cat"), 0755);
    mkdir(at("folders/ant"), 0755);
    FILE *src = fopen(fixture_path("images", "gray_28.png"), "rb");
    static uint8_t png[4096];
    size_t n = fread(png, 1, sizeof png, src);
    fclose(src);
    write_bytes(at("folders/cat/a.png"), png, n);
    write_bytes(at("folders/cat/b.png"), png, n);
    write_bytes(at("folders/ant/c.png"), png, n);
    write_bytes(at("folders/ant/notes.txt"), "x", 1);
    pp_dataset ds;
    pp_error err = {0};
    CHECK_OK(pp_dataset_open(&ds, at("folders"), false, &err), &err);
    if (err.status)
        return;
    CHECK(ds.num_classes == 2 && strcmp(ds.class_names[0], "ant") == 0, "classes sorted");
    CHECK(ds.count == 3 && ds.labels[0] == 0 && ds.labels[2] == 1, "images listed per class, txt ignored");
    pp_image img;
    CHECK_OK(pp_dataset_image(&ds, 1, &img, &err), &err);
    CHECK(img.width == 28, "decoded on demand");
    pp_image_free(&img);
    pp_dataset_limit(&ds, 1);
    CHECK(ds.count == 1, "limit");
    pp_dataset_free(&ds);
}

static void copy_png(const char *to)
{
    FILE *src = fopen(fixture_path("images", "gray_28.png"), "rb");
    static uint8_t png[4096];
    size_t n = fread(png, 1, sizeof png, src);
    fclose(src);
    write_bytes(to, png, n);
}

/* ImageNet-C trees: labels by class name from the clean set, not by position,
 * so a missing class folder shifts nothing (it shifted every later label). */
static void test_corrupted_folders_keep_labels(void)
{
    const char *dirs[] = {"inc", "inc/fog", "inc/fog/2", "inc/fog/2/ant", "inc/fog/2/cat", "clean", "clean/ant",
                          "clean/bee", "clean/cat"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        mkdir(at(dirs[i]), 0755);
    copy_png(at("clean/ant/1.png"));
    copy_png(at("clean/bee/2.png"));
    copy_png(at("clean/cat/3.png"));
    copy_png(at("inc/fog/2/ant/1.png"));
    copy_png(at("inc/fog/2/cat/3.png"));
    pp_dataset clean, ds;
    pp_error err = {0};
    CHECK_OK(pp_dataset_open(&clean, at("clean"), false, &err), &err);
    if (err.status)
        return;
    CHECK_OK(pp_dataset_open_corrupted(&ds, at("inc"), "fog", 2, &clean, &err), &err);
    if (!err.status) {
        CHECK(ds.count == 2 && ds.labels[0] == 0 && ds.labels[1] == 2, "cat keeps label 2 with bee missing: %lld",
              (long long)ds.labels[1]);
        CHECK(ds.num_classes == 3 && strcmp(ds.class_names[2], "cat") == 0, "the clean set's classes");
        CHECK(strstr(ds.notes, "1 of 3 class folders are missing (the first: bee)") != NULL, "noted: '%s'",
              ds.notes);
        pp_dataset_free(&ds);
    }
    mkdir(at("inc/fog/2/zebra"), 0755);
    CHECK(pp_dataset_open_corrupted(&ds, at("inc"), "fog", 2, &clean, &err) == PP_ERR_FORMAT &&
              strstr(err.msg, "'zebra' is neither one of the 3 class names"), "unknown class folder: %s", err.msg);
    rmdir(at("inc/fog/2/zebra"));
    pp_dataset_free(&clean);

    /* A clean set without names (npy): folders are named by class number. */
    pp_dataset numbered = {.num_classes = 10};
    snprintf(numbered.name, sizeof numbered.name, "images.npy");
    CHECK(pp_dataset_open_corrupted(&ds, at("inc"), "fog", 2, &numbered, &err) == PP_ERR_FORMAT &&
              strstr(err.msg, "'ant' is neither") && strstr(err.msg, "class number 0..9"), "names vs numbers: %s",
          err.msg);
    mkdir(at("inc/fog/3"), 0755);
    mkdir(at("inc/fog/3/7"), 0755);
    copy_png(at("inc/fog/3/7/a.png"));
    pp_error_clear(&err); /* a success leaves err as the last failure set it */
    CHECK_OK(pp_dataset_open_corrupted(&ds, at("inc"), "fog", 3, &numbered, &err), &err);
    if (!err.status) {
        CHECK(ds.count == 1 && ds.labels[0] == 7 && ds.num_classes == 10, "folder 7 is class 7");
        pp_dataset_free(&ds);
    }
}

/* A split typo used to pick the test split silently (and train on it). */
static void test_unknown_split(void)
{
    pp_dataset ds;
    pp_error err = {0};
    const char *typos[] = {"fashion-mnist:trian", "fashion-mnist:TRAIN", "fashion-mnist:"};
    for (int i = 0; i < 3; i++)
        CHECK(pp_dataset_open(&ds, typos[i], true, &err) == PP_ERR_ARG && strstr(err.msg, typos[i]) &&
                  strstr(err.msg, "(valid: train, test)"), "%s: %s", typos[i], err.msg);
}

static void test_fashion_mnist(void)
{
    pp_dataset ds;
    pp_error err = {0};
    if (access(PP_FASHION_MNIST_DIR "/t10k-images-idx3-ubyte.gz", R_OK) != 0) {
        printf("  (dataset-fashion-mnist not installed: skipped)\n");
        return;
    }
    CHECK_OK(pp_dataset_open(&ds, "fashion-mnist", false, &err), &err);
    CHECK(ds.count == 10000 && ds.width == 28 && ds.channels == 1 && ds.num_classes == 10, "test split");
    int counts[10] = {0};
    for (int64_t i = 0; i < ds.count; i++)
        counts[ds.labels[i]]++;
    CHECK(counts[0] == 1000 && counts[9] == 1000, "1000 images per class");
    pp_dataset_free(&ds);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pp-test-dataset-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    RUN_TEST(test_cifar_binary);
    RUN_TEST(test_npy_and_stacked_c);
    RUN_TEST(test_class_folders);
    RUN_TEST(test_corrupted_folders_keep_labels);
    RUN_TEST(test_unknown_split);
    RUN_TEST(test_fashion_mnist);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 2;
    return TEST_EXIT();
}
