/* core/data/idx.c: the IDX reader on hand-made files (good, gzipped, and broken in each
 * way it must report) and on the installed Fashion-MNIST test set. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../test_util.h"
#include "data/idx.h"

static char dir[] = "/tmp/pp_idx_XXXXXX";

/* Writes an IDX file: magic bytes, dims (big-endian), payload; gz if name ends in .gz. */
static const char *write_idx(const char *name, const uint8_t magic[4], const uint32_t *dims, int nd,
                             const uint8_t *payload, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gzFile f = gzopen(path, strstr(name, ".gz") ? "wb" : "wbT");
    gzwrite(f, magic, 4);
    for (int i = 0; i < nd; i++) {
        uint8_t b[4] = {dims[i] >> 24, dims[i] >> 16, dims[i] >> 8, dims[i]};
        gzwrite(f, b, 4);
    }
    if (len)
        gzwrite(f, payload, (unsigned)len);
    gzclose(f);
    return path;
}

static const uint8_t IMG_MAGIC[4] = {0, 0, 8, 3}, LAB_MAGIC[4] = {0, 0, 8, 1};

static void test_good_files(void)
{
    uint8_t px[2 * 3 * 4], lab[2] = {7, 2};
    for (int i = 0; i < 24; i++)
        px[i] = (uint8_t)(i * 10);
    uint32_t d3[3] = {2, 3, 4}, d1[1] = {2};
    char ip[256], lp[256];
    strcpy(ip, write_idx("img.gz", IMG_MAGIC, d3, 3, px, sizeof px));
    strcpy(lp, write_idx("lab", LAB_MAGIC, d1, 1, lab, 2));
    pp_idx_images im;
    pp_idx_labels lb;
    pp_error err = {0};
    CHECK_OK(pp_idx_load_pair(ip, lp, 10, &im, &lb, &err), &err);
    CHECK(im.count == 2 && im.height == 3 && im.width == 4, "shape %lld %d %d", (long long)im.count, im.height, im.width);
    CHECK(im.pixels && memcmp(im.pixels, px, sizeof px) == 0, "pixels");
    CHECK(lb.count == 2 && lb.labels && lb.labels[0] == 7 && lb.labels[1] == 2, "labels");
    pp_idx_images_free(&im);
    pp_idx_labels_free(&lb);
}

static void expect_fail(pp_status st, const pp_error *err, const char *needle)
{
    CHECK(st != PP_OK, "accepted a file that should fail with '%s'", needle);
    CHECK(strstr(err->msg, needle) != NULL, "message '%s' lacks '%s'", err->msg, needle);
}

static void test_broken_files(void)
{
    uint8_t px[24] = {0}, lab[3] = {1, 12, 0};
    uint32_t d3[3] = {2, 3, 4}, d1[1] = {3};
    pp_idx_images im;
    pp_idx_labels lb;
    pp_error err = {0};
    const uint8_t bad_magic[4] = {1, 2, 8, 3};
    expect_fail(pp_idx_load_images(write_idx("m", bad_magic, d3, 3, px, 24), &im, &err), &err, "wrong magic");
    expect_fail(pp_idx_load_images(write_idx("l", LAB_MAGIC, d1, 1, lab, 3), &im, &err), &err, "wrong magic");
    expect_fail(pp_idx_load_images(write_idx("s.gz", IMG_MAGIC, d3, 3, px, 20), &im, &err), &err, "short read");
    expect_fail(pp_idx_load_images(write_idx("h", IMG_MAGIC, d3, 1, NULL, 0), &im, &err), &err, "short read");
    expect_fail(pp_idx_load_labels(write_idx("r", LAB_MAGIC, d1, 1, lab, 3), 10, &lb, &err), &err, "out of range");
    uint32_t huge[3] = {2, 100000, 100000};
    expect_fail(pp_idx_load_images(write_idx("big", IMG_MAGIC, huge, 3, px, 24), &im, &err), &err, "implausible");
    char ip[256];
    strcpy(ip, write_idx("ok", IMG_MAGIC, d3, 3, px, 24));
    /* 2 images, 3 labels: the message names both files */
    expect_fail(pp_idx_load_pair(ip, write_idx("three", LAB_MAGIC, d1, 1, lab, 3), 100, &im, &lb, &err), &err,
                "three");
    CHECK(strstr(err.msg, "mismatched counts") != NULL, "mismatch message: %s", err.msg);
    expect_fail(pp_idx_load_images("/nonexistent/x.gz", &im, &err), &err, "/nonexistent/x.gz");
}

static void test_fashion_mnist(void)
{
    const char *ip = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    const char *lp = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
    if (access(ip, R_OK) != 0) {
        printf("skip: %s not installed\n", ip);
        return;
    }
    pp_idx_images im;
    pp_idx_labels lb;
    pp_error err = {0};
    CHECK_OK(pp_idx_load_pair(ip, lp, 10, &im, &lb, &err), &err);
    CHECK(im.count == 10000 && im.height == 28 && im.width == 28, "fashion test set shape");
    int hist[10] = {0};
    for (int64_t i = 0; i < lb.count; i++)
        hist[lb.labels[i]]++;
    for (int k = 0; k < 10; k++)
        CHECK(hist[k] == 1000, "class %d has %d test images, want 1000", k, hist[k]);
    pp_idx_images_free(&im);
    pp_idx_labels_free(&lb);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    RUN_TEST(test_good_files);
    RUN_TEST(test_broken_files);
    RUN_TEST(test_fashion_mnist);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TEST_EXIT();
}
