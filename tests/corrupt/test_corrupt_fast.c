/* The corruptions' fast paths against the direct formulas they replace: the same
 * numbers (bit for bit where the arithmetic is the same, to float rounding where the
 * sums are regrouped) on sizes and parameters that reach every branch. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test_util.h"
#include "corrupt/defocus_filter.h"
#include "corrupt/defocus_kernel.h"
#include "corrupt/filter.h"

/* Values with structure at every scale, reproducible. */
static float *plane(int h, int w, uint32_t seed)
{
    float *p = malloc(sizeof(float) * (size_t)h * w);
    for (int i = 0; i < h * w; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 8) * 0x1.0p-24f * 0.5f + 0.25f * (1 + sinf(0.07f * (float)i));
    }
    return p;
}

/* scipy.ndimage.zoom(order=1) of the centre crop, one output pixel at a time. */
static float zoom_direct(const float *src, int h, int w, double z, int y, int x)
{
    int ch = (int)ceil(h / z), cw = (int)ceil(w / z);
    int top = (h - ch) / 2, left = (w - cw) / 2;
    int zh = (int)rint(ch * z), zw = (int)rint(cw * z);
    int yy[2], xx[2];
    float f[2];
    const int in[2] = {ch, cw}, out[2] = {zh, zw}, o[2] = {y, x};
    for (int a = 0; a < 2; a++) {
        double scale = out[a] > 1 ? (double)(in[a] - 1) / (out[a] - 1) : 0.0, s = o[a] * scale;
        int b = (int)floor(s);
        if (b >= in[a] - 1)
            b = in[a] > 1 ? in[a] - 2 : 0;
        f[a] = in[a] > 1 ? (float)(s - b) : 0.f;
        f[a] = f[a] > 1.f ? 1.f : f[a];
        (a ? xx : yy)[0] = b;
        (a ? xx : yy)[1] = b + (in[a] > 1);
    }
    float r[2];
    for (int k = 0; k < 2; k++) {
        const float *row = src + (size_t)(top + yy[k]) * w + left;
        r[k] = row[xx[0]] + f[1] * (row[xx[1]] - row[xx[0]]);
    }
    return (1.f - f[0]) * r[0] + f[0] * r[1];
}

static void test_clipped_zoom(void)
{
    static const int sizes[][2] = {{224, 224}, {32, 32}, {37, 41}, {9, 300}, {300, 9}, {1, 17}, {17, 1}};
    static const double zooms[] = {1.01, 1.07, 1.24, 1.3000000000000003, 2.25, 4.5};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int h = sizes[s][0], w = sizes[s][1];
        float *src = plane(h, w, (uint32_t)s);
        for (size_t k = 0; k < sizeof zooms / sizeof zooms[0]; k++) {
            double z = zooms[k];
            int zh, zw;
            pp_zoom_layer_size(h, w, z, &zh, &zw);
            for (int full = 0; full < 2; full++) { /* the whole layer, or the image's corner */
                int oh = full ? zh : h, ow = full ? zw : w;
                float *got = malloc(sizeof(float) * (size_t)oh * ow);
                pp_clipped_zoom_planes(src, 1, h, w, z, got, oh, ow, false);
                int bad = 0;
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++) {
                        float want = zoom_direct(src, h, w, z, y, x);
                        if (got[(size_t)y * ow + x] != want && bad++ < 3)
                            fprintf(stderr, "  zoom %g on %dx%d at (%d, %d): %.9g, direct %.9g\n", z, h, w, y,
                                    x, got[(size_t)y * ow + x], want);
                    }
                CHECK(bad == 0, "clipped zoom %g on %dx%d (%dx%d out): %d values differ from the direct formula",
                      z, h, w, oh, ow, bad);
                free(got);
            }
        }
        free(src);
    }
}

/* The disk-span defocus against cv2.filter2D with the whole kernel (pp_filter_2d):
 * the ImageNet and CIFAR (radius, sigma) pairs, radii scaled for other sizes, and
 * planes smaller than the kernel (reflect-101 folding more than once). */
/* pp_filter_separable (here through pp_gaussian_plane) against the direct two-pass
 * correlation, tap by tap in the same order: bit for bit. Widths that reach the
 * 32-wide runs, the 8-wide ones and the scalar tail, radii wider than the image, all
 * border modes, in place and not. A mismatch means the register-held runs sum
 * differently (or read outside the row) from the loop they replace. */
static void separable_direct(const float *src, float *dst, int h, int w, const float *k, int r, pp_border mode)
{
    float *tmp = malloc(sizeof(float) * (size_t)h * w);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float a = k[0] * src[(size_t)pp_border_index(y - r, h, mode) * w + x];
            for (int t = 1; t <= 2 * r; t++)
                a += k[t] * src[(size_t)pp_border_index(y + t - r, h, mode) * w + x];
            tmp[(size_t)y * w + x] = a;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const float *row = tmp + (size_t)y * w;
            float a = k[0] * row[pp_border_index(x - r, w, mode)];
            for (int t = 1; t <= 2 * r; t++)
                a += k[t] * row[pp_border_index(x + t - r, w, mode)];
            dst[(size_t)y * w + x] = a;
        }
    free(tmp);
}

static void test_separable(void)
{
    static const int sizes[][2] = {{224, 224}, {32, 32}, {29, 45}, {40, 71}, {7, 7}, {1, 9}, {9, 1}};
    static const double sigmas[] = {0.5, 1.1, 2.24, 6.0};
    static const pp_border modes[] = {PP_BORDER_NEAREST, PP_BORDER_REFLECT, PP_BORDER_REFLECT101, PP_BORDER_WRAP};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int h = sizes[s][0], w = sizes[s][1];
        float *src = plane(h, w, 300 + (uint32_t)s);
        float *got = malloc(sizeof(float) * (size_t)h * w), *want = malloc(sizeof(float) * (size_t)h * w);
        for (size_t i = 0; i < sizeof sigmas / sizeof sigmas[0]; i++)
            for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
                pp_error err = {0};
                float k[64];
                const int r = pp_gaussian_kernel(sigmas[i], 4.0, k, 64);
                CHECK(r > 0, "kernel of sigma %g", sigmas[i]);
                if (r <= 0)
                    continue;
                separable_direct(src, want, h, w, k, r, modes[m]);
                const bool in_place = (i + m) % 2;
                if (in_place)
                    memcpy(got, src, sizeof(float) * (size_t)h * w);
                CHECK_OK(pp_gaussian_plane(in_place ? got : src, got, h, w, sigmas[i], 4.0, modes[m], &err), &err);
                int bad = 0, first = -1;
                for (int j = 0; j < h * w; j++)
                    if (got[j] != want[j] && bad++ == 0)
                        first = j;
                CHECK(bad == 0, "separable sigma=%g mode %d on %dx%d%s: %d values differ, first at %d: %.9g, want %.9g",
                      sigmas[i], (int)modes[m], h, w, in_place ? " in place" : "", bad, first,
                      first >= 0 ? got[first] : 0.0, first >= 0 ? want[first] : 0.0);
            }
        free(src), free(got), free(want);
    }
}

static void test_defocus_spans(void)
{
    static const double params[][2] = {{3, .1}, {4, .5}, {6, .5}, {8, .5}, {10, .5}, {.3, .4}, {.4, .5},
                                       {.5, .6}, {1, .2}, {1.5, .1}, {0, 0}, {7, .3}, {12.7, .8}, {21, 1.5}};
    static const int sizes[][2] = {{224, 224}, {32, 32}, {37, 41}, {5, 7}, {1, 9}, {2, 2}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int h = sizes[s][0], w = sizes[s][1];
        float *src = plane(h, w, 100 + (uint32_t)s);
        float *got = malloc(sizeof(float) * (size_t)h * w), *want = malloc(sizeof(float) * (size_t)h * w);
        for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
            pp_error err = {0};
            int side;
            float *k = pp_defocus_kernel(params[i][0], params[i][1], &side, &err);
            pp_defocus_filter *f = pp_defocus_filter_new(params[i][0], params[i][1], &err);
            CHECK(k && f, "defocus r=%g: %s", params[i][0], err.msg);
            if (!k || !f) {
                free(k), pp_defocus_filter_free(f);
                continue;
            }
            if (s == 0)
                printf("  defocus r=%g sigma=%g: %d residual taps\n", params[i][0], params[i][1],
                       pp_defocus_filter_residual_taps(f));
            CHECK_OK(pp_filter_2d(src, want, h, w, k, side, side, PP_BORDER_REFLECT101, &err), &err);
            CHECK_OK(pp_defocus_filter_plane(f, src, got, h, w, &err), &err);
            double worst = 0;
            for (int j = 0; j < h * w; j++)
                worst = fmax(worst, fabs((double)got[j] - want[j]));
            /* values in [0, 1]: 1e-5 is 1/400 of an 8-bit step */
            CHECK(worst < 1e-5, "defocus r=%g sigma=%g on %dx%d: max |diff| %g against filter2D", params[i][0],
                  params[i][1], h, w, worst);
            free(k);
            pp_defocus_filter_free(f);
        }
        free(src), free(got), free(want);
    }
}

int main(void)
{
    RUN_TEST(test_clipped_zoom);
    RUN_TEST(test_defocus_spans);
    RUN_TEST(test_separable);
    return TEST_EXIT();
}
