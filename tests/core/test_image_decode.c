/* Image decoding against PIL and against hostile files (tests/core/make_hostile.py):
 * every PNG colour type and bit depth decodes as PIL's convert("RGB") / ("L");
 * files declaring huge images, progressive JPEGs with too many scans, truncated
 * and corrupt JPEGs fail with the file named, in bounded time and memory. */
#include <jansson.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../fixture.h"
#include "../test_util.h"
#include "file_buffer.h"
#include "image/image.h"

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* Our decode converted to `channels` against PIL's list of values. */
static void compare_with_pil(const char *name, const pp_image *img, int channels, const json_t *want)
{
    pp_image conv;
    pp_error err = {0};
    CHECK_OK(pp_image_convert(&conv, img, channels, &err), &err);
    if (err.status)
        return;
    size_t n = (size_t)conv.width * conv.height * channels;
    CHECK(json_array_size(want) == n, "%s: %zu values, PIL has %zu", name, n, json_array_size(want));
    int shown = 0;
    for (size_t i = 0; i < n && i < json_array_size(want); i++) {
        int w = (int)json_integer_value(json_array_get(want, i));
        if (conv.pixels[i] != w && shown++ < 4)
            CHECK(0, "%s as %s: value %zu is %d, PIL gives %d", name, channels == 3 ? "RGB" : "L", i,
                  conv.pixels[i], w);
    }
    pp_image_free(&conv);
}

static void test_png_modes_match_pil(void)
{
    json_error_t jerr;
    json_t *all = json_load_file(fixture_path("hostile", "expected.json"), 0, &jerr);
    CHECK(json_is_object(all), "expected.json: %s", jerr.text);
    const char *name;
    json_t *entry;
    int count = 0;
    json_object_foreach(all, name, entry) {
        char file[64];
        snprintf(file, sizeof file, "%s.png", name);
        pp_image img;
        pp_error err = {0};
        CHECK_OK(pp_image_load(fixture_path("hostile", file), &img, &err), &err);
        if (err.status)
            continue;
        compare_with_pil(name, &img, 3, json_object_get(entry, "rgb"));
        compare_with_pil(name, &img, 1, json_object_get(entry, "l"));
        pp_image_free(&img);
        count++;
    }
    CHECK(count >= 18, "only %d PNG cases", count);
    json_decref(all);
}

/* A hostile file must fail with its name and `problem` in the message. */
static void expect_rejected(const char *file, const char *problem)
{
    pp_image img;
    pp_error err = {0};
    double t0 = seconds();
    pp_status st = pp_image_load(fixture_path("hostile", file), &img, &err);
    printf("  %-28s %.3f s, peak RSS %ld MB: %s\n", file, seconds() - t0, peak_rss_mb(), err.msg);
    CHECK(st == PP_ERR_FORMAT && strstr(err.msg, file) && strstr(err.msg, problem),
          "%s: want an error naming the file and '%s', got %s: %s", file, problem, pp_status_string(st), err.msg);
    if (st == PP_OK)
        pp_image_free(&img);
}

static void test_decompression_bombs(void)
{
    /* Before the caps: 46 s and 2.5 GB, and 1 GB for the PNG (reported by hand). */
    expect_rejected("bomb_progressive_16000.jpg", "Mpixel limit");
    expect_rejected("bomb_idat_16384.png", "Mpixel limit");
    /* Within the pixel cap, but the data ends after 16x16 pixels. */
    expect_rejected("bomb_progressive_8000.jpg", "Corrupt JPEG data");
    expect_rejected("jpeg_many_scans.jpg", "more than 100 progressive scans");
    CHECK(peak_rss_mb() < 256, "bombs took %ld MB", peak_rss_mb());

    pp_image img;
    pp_error err = {0};
    CHECK_OK(pp_image_load(fixture_path("hostile", "jpeg_ok_scans.jpg"), &img, &err), &err);
    if (!err.status) {
        CHECK(img.width == 8 && img.channels == 1 && img.pixels[0] == 128 && img.pixels[63] == 128,
              "82-scan flat grey JPEG: %dx%d, %d", img.width, img.channels, img.pixels[0]);
        pp_image_free(&img);
    }
}

static void test_corrupt_jpeg(void)
{
    expect_rejected("jpeg_truncated_half.jpg", "Premature end of JPEG file");
    expect_rejected("jpeg_corrupt_data.jpg", "Corrupt JPEG data");

    /* Single-byte changes in the entropy-coded data: those libjpeg notices
     * fail with the file named; the rest are valid Huffman data that decodes
     * to other pixels (JPEG has no checksum to tell). */
    pp_file_buffer fb;
    pp_error err = {0};
    CHECK_OK(pp_file_buffer_read(&fb, fixture_path("images", "photo_300x200.jpg"), &err), &err);
    if (err.status)
        return;
    size_t sos = 0;
    while (sos + 1 < fb.size && !(fb.data[sos] == 0xff && fb.data[sos + 1] == 0xda))
        sos++;
    size_t start = sos + 20, span = fb.size - 2 - start;
    int decoded = 0, runs = 250;
    for (int i = 0; i < runs; i++) {
        size_t at = start + (size_t)i * span / runs;
        uint8_t keep = fb.data[at];
        fb.data[at] ^= (uint8_t)(0x5a + i);
        pp_image img;
        if (pp_image_decode(fb.data, fb.size, "mutated.jpg", &img, &err) == PP_OK) {
            decoded++;
            pp_image_free(&img);
        } else {
            CHECK(strstr(err.msg, "mutated.jpg") != NULL, "error names the file: %s", err.msg);
        }
        fb.data[at] = keep;
    }
    printf("  %d of %d byte-mutated JPEGs are rejected, %d are valid entropy data\n", runs - decoded, runs,
           decoded);
    pp_file_buffer_free(&fb);
}

int main(void)
{
    RUN_TEST(test_png_modes_match_pil);
    RUN_TEST(test_decompression_bombs);
    RUN_TEST(test_corrupt_jpeg);
    return TEST_EXIT();
}
