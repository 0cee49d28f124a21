/* The probe's area-average downscale (the images panel's pictures): whole
 * blocks are their mean, a partly covered pixel counts by the part covered,
 * and each channel is averaged on its own. No display needed. */
#include <gtk/gtk.h>

#include "pp-probe-plots.h"

static void test_blocks(void)
{
    /* 4 x 2 grey -> 2 x 1: each output is the mean of a 2 x 2 block */
    guint8 px[8] = {0, 10, 100, 200, 20, 30, 50, 51};
    pp_image src = {.width = 4, .height = 2, .channels = 1, .pixels = px}, dst;
    pp_probe_image_downscale(&src, &dst, 2, 1);
    g_assert_cmpint(dst.width, ==, 2);
    g_assert_cmpint(dst.height, ==, 1);
    g_assert_cmpint(dst.channels, ==, 1);
    const guint8 want[2] = {15, 100}; /* 60 / 4; 401 / 4 = 100.25 */
    g_assert_cmpmem(dst.pixels, 2, want, 2);
    g_free(dst.pixels);
}

static void test_partial_pixels(void)
{
    /* 3 x 1 RGB -> 2 x 1: output 0 covers pixel 0 and half of pixel 1, output 1
     * the other half and pixel 2 (weights 1, 0.5 over 1.5) */
    guint8 px[9] = {0, 30, 90, 60, 60, 60, 120, 90, 30};
    pp_image src = {.width = 3, .height = 1, .channels = 3, .pixels = px}, dst;
    pp_probe_image_downscale(&src, &dst, 2, 1);
    g_assert_cmpint(dst.channels, ==, 3);
    const guint8 want[6] = {20, 40, 80, 100, 80, 40};
    g_assert_cmpmem(dst.pixels, 6, want, 6);
    g_free(dst.pixels);
}

static void test_same_size(void)
{
    guint8 px[6] = {1, 2, 3, 250, 251, 252};
    pp_image src = {.width = 3, .height = 2, .channels = 1, .pixels = px}, dst;
    pp_probe_image_downscale(&src, &dst, 3, 2);
    g_assert_cmpmem(dst.pixels, 6, px, 6);
    g_free(dst.pixels);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/probe-downscale/blocks", test_blocks);
    g_test_add_func("/probe-downscale/partial-pixels", test_partial_pixels);
    g_test_add_func("/probe-downscale/same-size", test_same_size);
    return g_test_run();
}
