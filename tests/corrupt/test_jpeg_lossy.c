/* image/jpeg_lossy.c's in-process JPEG round trip against libjpeg's own (encode
 * to memory, decode), byte for byte: every quality, sizes from 1x1 to beyond
 * 224 (no multiple of 2, 8 or 16 among them: the edge padding and the
 * subsampled chroma's last row and column), noise, gradients and hard edges
 * (samples the IDCT pushes past 0..255). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../test_util.h"
#include "image/image.h"
#include "image/jpeg_lossy.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t next_u32(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* kind 0: uniform noise; 1: a gradient with a little noise; 2: a checkerboard of
 * near-black and near-white cells (ringing past the range). */
static void fill(pp_image *img, int kind)
{
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++)
            for (int c = 0; c < 3; c++) {
                int v = kind == 0   ? (int)(next_u32() & 255)
                        : kind == 1 ? (x * 7 + y * 3 + c * 50 + (int)(next_u32() % 20)) & 255
                                    : ((x / 5 + y / 3 + c) & 1) ? 250 : 5;
                img->pixels[((size_t)y * img->width + x) * 3 + c] = (uint8_t)v;
            }
}

/* libjpeg's round trip through a file in memory. */
static pp_status codec_roundtrip(pp_image *img, int quality, pp_error *err)
{
    uint8_t *buf;
    size_t len;
    pp_status st = pp_image_encode_jpeg(img, quality, &buf, &len, err);
    if (st)
        return st;
    pp_image dec;
    st = pp_image_decode(buf, len, "test JPEG", &dec, err);
    free(buf);
    if (st)
        return st;
    pp_image_free(img);
    *img = dec;
    return PP_OK;
}

static int compare_once(int w, int h, int quality, int kind)
{
    pp_error err = {0};
    pp_image want = {0}, got = {0};
    CHECK_OK(pp_image_alloc(&want, w, h, 3, &err), &err);
    fill(&want, kind);
    CHECK_OK(pp_image_copy(&got, &want, &err), &err);
    CHECK_OK(codec_roundtrip(&want, quality, &err), &err);
    CHECK_OK(pp_jpeg_lossy_roundtrip(&got, quality, &err), &err);
    size_t n = (size_t)w * h * 3, bad = 0, first = 0;
    for (size_t i = 0; i < n && want.pixels && got.pixels; i++)
        if (want.pixels[i] != got.pixels[i] && bad++ == 0)
            first = i;
    CHECK(bad == 0, "%dx%d quality %d kind %d: %zu of %zu values differ from libjpeg, first at pixel (%zu, %zu) channel %zu",
          w, h, quality, kind, bad, n, first / 3 % w, first / 3 / w, first % 3);
    pp_image_free(&want);
    pp_image_free(&got);
    return bad != 0;
}

static void test_every_quality_224(void)
{
    for (int q = 1; q <= 100; q++)
        compare_once(224, 224, q, q % 3);
}

static void test_many_sizes(void)
{
    int failed = 0;
    for (int t = 0; t < 400 && failed < 5; t++) {
        int big = t % 16 == 0;
        int w = 1 + (int)(next_u32() % (big ? 300 : 70)), h = 1 + (int)(next_u32() % (big ? 300 : 70));
        failed += compare_once(w, h, 1 + (int)(next_u32() % 100), (int)(next_u32() % 3));
    }
    for (int w = 1; w <= 18; w++) /* the small-width cases: no fancy upsampling at 4 and below */
        for (int h = 1; h <= 18; h += 5)
            compare_once(w, h, 50, 1);
}

static void test_bad_input(void)
{
    pp_error err = {0};
    pp_image gray = {0};
    CHECK_OK(pp_image_alloc(&gray, 8, 8, 1, &err), &err);
    CHECK(pp_jpeg_lossy_roundtrip(&gray, 50, &err) == PP_ERR_SHAPE, "gray accepted");
    pp_image_free(&gray);
}

int main(void)
{
    RUN_TEST(test_every_quality_224);
    RUN_TEST(test_many_sizes);
    RUN_TEST(test_bad_input);
    return TEST_EXIT();
}
