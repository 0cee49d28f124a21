#include "pil_ops.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void apply_luts(pp_image *out, const pp_image *in, uint8_t lut[3][256])
{
    const int ch = in->channels;
    const size_t n = (size_t)in->width * in->height;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < ch; c++)
            out->pixels[i * ch + c] = lut[c][in->pixels[i * ch + c]];
}

static void histograms(const pp_image *in, uint32_t hist[3][256])
{
    memset(hist, 0, sizeof(uint32_t) * 3 * 256);
    const int ch = in->channels;
    const size_t n = (size_t)in->width * in->height;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < ch; c++)
            hist[c][in->pixels[i * ch + c]]++;
}

void pp_pil_autocontrast(pp_image *out, const pp_image *in)
{
    uint32_t hist[3][256];
    uint8_t lut[3][256];
    histograms(in, hist);
    for (int c = 0; c < in->channels; c++) {
        int lo = 0, hi = 255;
        while (lo < 255 && !hist[c][lo])
            lo++;
        while (hi > 0 && !hist[c][hi])
            hi--;
        if (hi <= lo) {
            for (int i = 0; i < 256; i++)
                lut[c][i] = (uint8_t)i;
            continue;
        }
        double scale = 255.0 / (hi - lo), offset = -lo * scale;
        for (int i = 0; i < 256; i++) {
            int v = (int)(i * scale + offset); /* Python int(): toward zero */
            lut[c][i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    apply_luts(out, in, lut);
}

void pp_pil_equalize(pp_image *out, const pp_image *in)
{
    uint32_t hist[3][256];
    uint8_t lut[3][256];
    histograms(in, hist);
    for (int c = 0; c < in->channels; c++) {
        uint64_t total = 0, last = 0;
        int nonzero = 0;
        for (int i = 0; i < 256; i++)
            if (hist[c][i]) {
                nonzero++;
                total += hist[c][i];
                last = hist[c][i];
            }
        uint64_t step = nonzero > 1 ? (total - last) / 255 : 0;
        if (!step) {
            for (int i = 0; i < 256; i++)
                lut[c][i] = (uint8_t)i;
            continue;
        }
        uint64_t acc = step / 2;
        for (int i = 0; i < 256; i++) {
            uint64_t v = acc / step;
            lut[c][i] = (uint8_t)(v > 255 ? 255 : v);
            acc += hist[c][i];
        }
    }
    apply_luts(out, in, lut);
}

void pp_pil_posterize(pp_image *out, const pp_image *in, int bits)
{
    uint8_t lut[3][256];
    const int mask = ~((1 << (8 - bits)) - 1) & 0xFF;
    for (int i = 0; i < 256; i++)
        lut[0][i] = lut[1][i] = lut[2][i] = (uint8_t)(i & mask);
    apply_luts(out, in, lut);
}

void pp_pil_solarize(pp_image *out, const pp_image *in, int threshold)
{
    uint8_t lut[3][256];
    for (int i = 0; i < 256; i++)
        lut[0][i] = lut[1][i] = lut[2][i] = (uint8_t)(i < threshold ? i : 255 - i);
    apply_luts(out, in, lut);
}

static inline int clip(int v, int size)
{
    return v < 0 ? 0 : v >= size ? size - 1 : v;
}

void pp_pil_affine(pp_image *out, const pp_image *in, const double m[6])
{
    const int W = in->width, H = in->height, ch = in->channels;
    for (int y = 0; y < out->height; y++)
        for (int x = 0; x < out->width; x++) {
            uint8_t *dst = out->pixels + ((size_t)y * out->width + x) * ch;
            double xo = x + 0.5, yo = y + 0.5;
            double xin = m[0] * xo + m[1] * yo + m[2], yin = m[3] * xo + m[4] * yo + m[5];
            if (xin < 0.0 || xin >= W || yin < 0.0 || yin >= H) {
                memset(dst, 0, (size_t)ch);
                continue;
            }
            xin -= 0.5;
            yin -= 0.5;
            int xi = (int)floor(xin), yi = (int)floor(yin);
            double dx = xin - xi, dy = yin - yi;
            int x0 = clip(xi, W), x1 = clip(xi + 1, W);
            const uint8_t *row1 = in->pixels + (size_t)clip(yi, H) * W * ch;
            const uint8_t *row2 = yi + 1 >= 0 && yi + 1 < H ? in->pixels + (size_t)(yi + 1) * W * ch : NULL;
            for (int c = 0; c < ch; c++) {
                double v1 = row1[x0 * ch + c] + (row1[x1 * ch + c] - row1[x0 * ch + c]) * dx;
                double v2 = row2 ? row2[x0 * ch + c] + (row2[x1 * ch + c] - row2[x0 * ch + c]) * dx : v1;
                dst[c] = (uint8_t)(v1 + (v2 - v1) * dy);
            }
        }
}

/* Python's round(x, 15): correctly rounded through the exact decimal expansion. */
static double round15(double x)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.15f", x);
    return strtod(buf, NULL);
}

void pp_pil_rotate(pp_image *out, const pp_image *in, double degrees)
{
    double angle = fmod(degrees, 360.0);
    if (angle < 0)
        angle += 360.0; /* Python's % */
    if (angle == 0) {
        memcpy(out->pixels, in->pixels, (size_t)in->width * in->height * in->channels);
        return;
    }
    const double cx = in->width / 2.0, cy = in->height / 2.0;
    const double t = -(angle * (M_PI / 180.0)); /* -math.radians(angle) */
    double m[6] = {round15(cos(t)), round15(sin(t)), 0.0, round15(-sin(t)), round15(cos(t)), 0.0};
    double c = m[0] * -cx + m[1] * -cy + m[2], f = m[3] * -cx + m[4] * -cy + m[5];
    m[2] = c + cx;
    m[5] = f + cy;
    pp_pil_affine(out, in, m);
}
