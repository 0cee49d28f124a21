#include "warp.h"

#include <math.h>
#include <stdint.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif
#include <string.h>

void pp_affine_inverse_matrix(int w, int h, double angle, double tx, double ty, double scale, double shear,
                              double m[6])
{
    const double cx = w * 0.5 + 0.5, cy = h * 0.5 + 0.5;
    const double a = angle * M_PI / 180, s = shear * M_PI / 180, inv = 1.0 / scale;
    /* inverse of rotation-scale-shear, then of the centring and translation */
    double d = cos(a + s) * cos(a) + sin(a + s) * sin(a);
    m[0] = inv / d * cos(a + s), m[1] = inv / d * sin(a + s), m[2] = 0;
    m[3] = inv / d * -sin(a), m[4] = inv / d * cos(a), m[5] = 0;
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
    m[2] += cx;
    m[5] += cy;
}

int pp_center_crop_offset(int size, int crop)
{
    return (int)nearbyint((size - crop) / 2.0);
}

static inline int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

#ifdef __AVX2__
/* Three bytes as four int32 lanes (the fourth 0), without reading past them. */
static inline __m128i load_rgb(const uint8_t *p)
{
    return _mm_setr_epi32(p[0], p[1], p[2], 0);
}

/* bilinear_tap's interior arithmetic for an RGB pixel, lane by lane: v1 = a + (b - a) dx
 * on both rows, v = v1 + (v2 - v1) dy, clamped to 0..255 and truncated. */
static inline void bilinear_rgb_avx2(const uint8_t *a0, const uint8_t *a1, double dx, double dy, uint8_t *d)
{
    const __m128i ia0 = load_rgb(a0), ib0 = load_rgb(a0 + 3), ia1 = load_rgb(a1), ib1 = load_rgb(a1 + 3);
    const __m256d vdx = _mm256_set1_pd(dx), vdy = _mm256_set1_pd(dy);
    __m256d v1 = _mm256_add_pd(_mm256_cvtepi32_pd(ia0),
                               _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_sub_epi32(ib0, ia0)), vdx));
    __m256d v2 = _mm256_add_pd(_mm256_cvtepi32_pd(ia1),
                               _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_sub_epi32(ib1, ia1)), vdx));
    __m256d v = _mm256_add_pd(v1, _mm256_mul_pd(_mm256_sub_pd(v2, v1), vdy));
    v = _mm256_min_pd(_mm256_max_pd(v, _mm256_setzero_pd()), _mm256_set1_pd(255));
    __m128i q = _mm256_cvttpd_epi32(v);
    d[0] = (uint8_t)_mm_extract_epi32(q, 0), d[1] = (uint8_t)_mm_extract_epi32(q, 1);
    d[2] = (uint8_t)_mm_extract_epi32(q, 2);
}
#endif

/* PIL's bilinear_filter at (xin, yin) (already inside the image, minus 0.5): the
 * edge-clamped taps. C is a constant where it is inlined, so the channel loop unrolls. */
static inline __attribute__((always_inline)) void bilinear_tap(const uint8_t *pixels, int W, int H, int C,
                                                               double xin, double yin, uint8_t *d)
{
    const size_t stride = (size_t)W * C;
    /* floor for values above -1 (xin, yin >= -0.5 here) without the libm call */
    int x0 = (int)(xin + 1) - 1, y0 = (int)(yin + 1) - 1;
    double dx = xin - x0, dy = yin - y0;
    if (x0 >= 0 && x0 + 1 < W && y0 >= 0 && y0 + 1 < H) { /* interior: four taps, no clamping */
        const uint8_t *a0 = pixels + (size_t)y0 * stride + (size_t)x0 * C, *a1 = a0 + stride;
#ifdef __AVX2__
        if (C == 3) { /* the three channels side by side: the same IEEE steps in each lane */
            bilinear_rgb_avx2(a0, a1, dx, dy, d);
            return;
        }
#endif
        for (int c = 0; c < C; c++) {
            double v1 = a0[c] + (a0[C + c] - a0[c]) * dx;
            double v2 = a1[c] + (a1[C + c] - a1[c]) * dx;
            double v = v1 + (v2 - v1) * dy;
            d[c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        return;
    }
    int xa = clampi(x0, 0, W - 1), xb = clampi(x0 + 1, 0, W - 1);
    const uint8_t *r0 = pixels + (size_t)clampi(y0, 0, H - 1) * stride;
    const uint8_t *r1 = y0 + 1 < H ? pixels + (size_t)(y0 + 1) * stride : NULL;
    const uint8_t *a0 = r0 + (size_t)xa * C, *b0 = r0 + (size_t)xb * C;
    for (int c = 0; c < C; c++) {
        double v1 = a0[c] + (b0[c] - a0[c]) * dx;
        double v2 = r1 ? r1[(size_t)xa * C + c] + (r1[(size_t)xb * C + c] - r1[(size_t)xa * C + c]) * dx : v1;
        double v = v1 + (v2 - v1) * dy;
        d[c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); /* PIL casts (truncates) */
    }
}

static inline __attribute__((always_inline)) void warp_affine_rows(const pp_image *src, const double m[6],
                                                                   bool bilinear, int ox, int oy, pp_image *out,
                                                                   int C)
{
    const int W = src->width, H = src->height;
    const size_t stride = (size_t)W * C;
    for (int y = 0; y < out->height; y++) {
        uint8_t *row = out->pixels + (size_t)y * out->width * C;
        /* PIL's affine_transform: (a0 x + a1 y) + a2 at output pixel centres */
        const double yc = y + oy + 0.5, ry0 = m[1] * yc, ry1 = m[4] * yc;
        for (int x = 0; x < out->width; x++) {
            const double xc = x + ox + 0.5;
            double xin = m[0] * xc + ry0 + m[2];
            double yin = m[3] * xc + ry1 + m[5];
            uint8_t *d = row + (size_t)x * C;
            if (!bilinear) { /* nearest_filter: COORD truncates, -1 below zero */
                int xi = xin < 0 ? -1 : (int)xin, yi = yin < 0 ? -1 : (int)yin;
                if (xi < 0 || xi >= W || yi < 0 || yi >= H)
                    continue;
                const uint8_t *s0 = src->pixels + (size_t)yi * stride + (size_t)xi * C;
                for (int c = 0; c < C; c++)
                    d[c] = s0[c];
                continue;
            }
            /* bilinear_filter: outside the image keeps the fill; inside, edge-clamped taps */
            if (xin < 0 || xin >= W || yin < 0 || yin >= H)
                continue;
            bilinear_tap(src->pixels, W, H, C, xin - 0.5, yin - 0.5, d);
        }
    }
}

void pp_warp_affine(const pp_image *src, const double m[6], bool bilinear, int ox, int oy, pp_image *out)
{
    const int C = src->channels;
    memset(out->pixels, 0, (size_t)out->width * out->height * C);
    /* the channel count as a constant in each copy, so the per-channel loops unroll */
    if (C == 3)
        warp_affine_rows(src, m, bilinear, ox, oy, out, 3);
    else if (C == 1)
        warp_affine_rows(src, m, bilinear, ox, oy, out, 1);
    else
        warp_affine_rows(src, m, bilinear, ox, oy, out, C);
}

/* fmax(fmin(v, 1e9), -1e9), NaN to 1e9 as fmin does, without the libm calls. */
static inline double clamp_1e9(double v)
{
    v = v < 1e9 ? v : 1e9;
    return v > -1e9 ? v : -1e9;
}

/* 3 x 3 inverse by cofactors. */
static void invert3(const double a[9], double r[9])
{
    double c0 = a[4] * a[8] - a[5] * a[7], c1 = a[5] * a[6] - a[3] * a[8], c2 = a[3] * a[7] - a[4] * a[6];
    double det = a[0] * c0 + a[1] * c1 + a[2] * c2;
    double k = det != 0 ? 1.0 / det : 0;
    r[0] = c0 * k, r[1] = (a[2] * a[7] - a[1] * a[8]) * k, r[2] = (a[1] * a[5] - a[2] * a[4]) * k;
    r[3] = c1 * k, r[4] = (a[0] * a[8] - a[2] * a[6]) * k, r[5] = (a[2] * a[3] - a[0] * a[5]) * k;
    r[6] = c2 * k, r[7] = (a[1] * a[6] - a[0] * a[7]) * k, r[8] = (a[0] * a[4] - a[1] * a[3]) * k;
}

void pp_warp_perspective(const pp_image *src, const double mat[9], int ox, int oy, pp_image *out)
{
    enum { TAB = 32, COEF = 1 << 15 };
    const int W = src->width, H = src->height, C = src->channels;
    const size_t stride = (size_t)W * C;
    double M[9];
    invert3(mat, M);
    /* the weights depend on the 1/32 fractions only: OpenCV's own table, made once */
    int wt[TAB * TAB][3];
    for (int j = 0; j < TAB; j++)
        for (int i = 0; i < TAB; i++) {
            double ax = i / (double)TAB, ay = j / (double)TAB;
            int *t = wt[j * TAB + i];
            t[0] = (int)lrint((1 - ax) * (1 - ay) * COEF), t[1] = (int)lrint(ax * (1 - ay) * COEF);
            t[2] = (int)lrint((1 - ax) * ay * COEF);
        }
    for (int y = 0; y < out->height; y++) {
        const int Y = y + oy;
        for (int x = 0; x < out->width; x++) {
            const int X = x + ox;
            double w = M[6] * X + M[7] * Y + M[8];
            w = w != 0 ? TAB / w : 0;
            double fx = (M[0] * X + M[1] * Y + M[2]) * w, fy = (M[3] * X + M[4] * Y + M[5]) * w;
            long qx = lrint(clamp_1e9(fx)), qy = lrint(clamp_1e9(fy));
            int ix = (int)(qx >> 5), iy = (int)(qy >> 5); /* arithmetic shift: floor */
            const int *t = wt[(qy & (TAB - 1)) * TAB + (qx & (TAB - 1))];
            const int w00 = t[0], w01 = t[1], w10 = t[2], w11 = COEF - w00 - w01 - w10;
            uint8_t *d = out->pixels + ((size_t)y * out->width + x) * C;
            if (ix >= 0 && ix + 1 < W && iy >= 0 && iy + 1 < H) { /* all four taps inside */
                const uint8_t *p0 = src->pixels + (size_t)iy * stride + (size_t)ix * C, *p1 = p0 + stride;
                for (int c = 0; c < C; c++) {
                    int acc = p0[c] * w00 + p0[C + c] * w01 + p1[c] * w10 + p1[C + c] * w11;
                    acc = (acc + (COEF >> 1)) >> 15;
                    d[c] = (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
                }
                continue;
            }
            for (int c = 0; c < C; c++) {
                int v[4];
                for (int k = 0; k < 4; k++) {
                    int sx = ix + (k & 1), sy = iy + (k >> 1);
                    v[k] = sx >= 0 && sx < W && sy >= 0 && sy < H ? src->pixels[((size_t)sy * W + sx) * C + c] : 0;
                }
                int acc = v[0] * w00 + v[1] * w01 + v[2] * w10 + v[3] * w11;
                acc = (acc + (COEF >> 1)) >> 15;
                d[c] = (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
            }
        }
    }
}
