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

/* Output pixel d from input point (xin, yin), PIL's nearest or bilinear filter. */
static inline __attribute__((always_inline)) void warp_pixel(const pp_image *src, bool bilinear, int C, double xin,
                                                             double yin, uint8_t *d)
{
    const int W = src->width, H = src->height;
    if (!bilinear) { /* nearest_filter: COORD truncates, -1 below zero */
        int xi = xin < 0 ? -1 : (int)xin, yi = yin < 0 ? -1 : (int)yin;
        if (xi < 0 || xi >= W || yi < 0 || yi >= H)
            return;
        const uint8_t *s0 = src->pixels + ((size_t)yi * W + (size_t)xi) * C;
        for (int c = 0; c < C; c++)
            d[c] = s0[c];
        return;
    }
    /* bilinear_filter: outside the image keeps the fill; inside, edge-clamped taps */
    if (xin < 0 || xin >= W || yin < 0 || yin >= H)
        return;
    bilinear_tap(src->pixels, W, H, C, xin - 0.5, yin - 0.5, d);
}

#ifdef __AVX2__
/* The four taps of channel c of four RGB pixels whose top-left taps are (x0, y0), all
 * interior: top-row taps read the byte and the three after it, bottom-row taps the
 * three before it, so no read leaves the image. t[0..3]: top-left, top-right,
 * bottom-left, bottom-right. */
static inline void gather_rgb_taps(const uint8_t *pixels, int W, __m128i x0, __m128i y0, int c, __m128i t[4])
{
    const int stride = W * 3;
    const __m128i i0 = _mm_add_epi32(_mm_add_epi32(_mm_mullo_epi32(y0, _mm_set1_epi32(stride)),
                                                   _mm_mullo_epi32(x0, _mm_set1_epi32(3))), _mm_set1_epi32(c));
    const __m128i i1 = _mm_add_epi32(i0, _mm_set1_epi32(stride - 3)), three = _mm_set1_epi32(3);
    const __m128i low = _mm_set1_epi32(255);
    const int *base = (const int *)(const void *)pixels;
    t[0] = _mm_and_si128(_mm_i32gather_epi32(base, i0, 1), low);
    t[1] = _mm_and_si128(_mm_i32gather_epi32(base, _mm_add_epi32(i0, three), 1), low);
    t[2] = _mm_srli_epi32(_mm_i32gather_epi32(base, i1, 1), 24);
    t[3] = _mm_srli_epi32(_mm_i32gather_epi32(base, _mm_add_epi32(i1, three), 1), 24);
}

/* Channel planes q[c][pixel] back to interleaved RGB bytes. */
static inline void store_rgb4(const int q[3][4], uint8_t *d)
{
    for (int p = 0; p < 4; p++)
        for (int c = 0; c < 3; c++)
            d[p * 3 + c] = (uint8_t)q[c][p];
}

/* Four RGB output pixels at once when all four points are interior (else false and
 * nothing written): bilinear_tap's steps lane by lane, the taps gathered. */
static inline bool bilinear_rgb4_avx2(const uint8_t *pixels, int W, int H, const double xs[4], const double ys[4],
                                      uint8_t *d)
{
    const __m256d half = _mm256_set1_pd(0.5), one = _mm256_set1_pd(1);
    const __m128i ione = _mm_set1_epi32(1), zero = _mm_setzero_si128();
    __m256d X = _mm256_sub_pd(_mm256_loadu_pd(xs), half), Y = _mm256_sub_pd(_mm256_loadu_pd(ys), half);
    __m128i x0 = _mm_sub_epi32(_mm256_cvttpd_epi32(_mm256_add_pd(X, one)), ione);
    __m128i y0 = _mm_sub_epi32(_mm256_cvttpd_epi32(_mm256_add_pd(Y, one)), ione);
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi32(x0, zero), _mm_cmpgt_epi32(x0, _mm_set1_epi32(W - 2))),
                               _mm_or_si128(_mm_cmplt_epi32(y0, zero), _mm_cmpgt_epi32(y0, _mm_set1_epi32(H - 2))));
    if (!_mm_testz_si128(bad, bad))
        return false;
    const __m256d dx = _mm256_sub_pd(X, _mm256_cvtepi32_pd(x0)), dy = _mm256_sub_pd(Y, _mm256_cvtepi32_pd(y0));
    int q[3][4];
    for (int c = 0; c < 3; c++) {
        __m128i t[4];
        gather_rgb_taps(pixels, W, x0, y0, c, t);
        const __m128i a0 = t[0], b0 = t[1], a1 = t[2], b1 = t[3];
        __m256d v1 = _mm256_add_pd(_mm256_cvtepi32_pd(a0), _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_sub_epi32(b0, a0)), dx));
        __m256d v2 = _mm256_add_pd(_mm256_cvtepi32_pd(a1), _mm256_mul_pd(_mm256_cvtepi32_pd(_mm_sub_epi32(b1, a1)), dx));
        __m256d v = _mm256_add_pd(v1, _mm256_mul_pd(_mm256_sub_pd(v2, v1), dy));
        v = _mm256_min_pd(_mm256_max_pd(v, _mm256_setzero_pd()), _mm256_set1_pd(255));
        _mm_storeu_si128((__m128i *)(void *)q[c], _mm256_cvttpd_epi32(v));
    }
    store_rgb4((const int (*)[4])q, d);
    return true;
}
#endif

static inline __attribute__((always_inline)) void warp_affine_rows(const pp_image *src, const double m[6],
                                                                   bool bilinear, int ox, int oy, pp_image *out,
                                                                   int C)
{
#ifdef __AVX2__
    /* the gathers index bytes with int32 */
    const bool four = C == 3 && bilinear && (size_t)src->width * src->height * 3 < (size_t)INT32_MAX;
#endif
    for (int y = 0; y < out->height; y++) {
        uint8_t *row = out->pixels + (size_t)y * out->width * C;
        /* PIL's affine_transform: (a0 x + a1 y) + a2 at output pixel centres */
        const double yc = y + oy + 0.5, ry0 = m[1] * yc, ry1 = m[4] * yc;
        int x = 0;
#ifdef __AVX2__
        for (; four && x + 4 <= out->width; x += 4) {
            double xs[4], ys[4];
            for (int k = 0; k < 4; k++) {
                const double xc = x + k + ox + 0.5;
                xs[k] = m[0] * xc + ry0 + m[2];
                ys[k] = m[3] * xc + ry1 + m[5];
            }
            if (!bilinear_rgb4_avx2(src->pixels, src->width, src->height, xs, ys, row + (size_t)x * 3))
                for (int k = 0; k < 4; k++)
                    warp_pixel(src, true, 3, xs[k], ys[k], row + (size_t)(x + k) * 3);
        }
#endif
        for (; x < out->width; x++) {
            const double xc = x + ox + 0.5;
            warp_pixel(src, bilinear, C, m[0] * xc + ry0 + m[2], m[3] * xc + ry1 + m[5], row + (size_t)x * C);
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

/* One output pixel (X, Y) of the full warped image into d: OpenCV's remap step, the
 * weights from wt (32 x 32 fractions, three each). */
static inline void perspective_pixel(const pp_image *src, const double M[9], const int *wt, int X, int Y,
                                     uint8_t *d)
{
    enum { TAB = 32, COEF = 1 << 15 };
    const int W = src->width, H = src->height, C = src->channels;
    const size_t stride = (size_t)W * C;
    double w = M[6] * X + M[7] * Y + M[8];
    w = w != 0 ? TAB / w : 0;
    double fx = (M[0] * X + M[1] * Y + M[2]) * w, fy = (M[3] * X + M[4] * Y + M[5]) * w;
    long qx = lrint(clamp_1e9(fx)), qy = lrint(clamp_1e9(fy));
    int ix = (int)(qx >> 5), iy = (int)(qy >> 5); /* arithmetic shift: floor */
    const int *t = wt + 3 * ((qy & (TAB - 1)) * TAB + (qx & (TAB - 1)));
    const int w00 = t[0], w01 = t[1], w10 = t[2], w11 = COEF - w00 - w01 - w10;
    if (ix >= 0 && ix + 1 < W && iy >= 0 && iy + 1 < H) { /* all four taps inside */
        const uint8_t *p0 = src->pixels + (size_t)iy * stride + (size_t)ix * C, *p1 = p0 + stride;
        for (int c = 0; c < C; c++) {
            int acc = p0[c] * w00 + p0[C + c] * w01 + p1[c] * w10 + p1[C + c] * w11;
            acc = (acc + (COEF >> 1)) >> 15;
            d[c] = (uint8_t)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
        }
        return;
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

#ifdef __AVX2__
/* The four output pixels X .. X + 3 of row Y when all their taps are inside (else false
 * and nothing written): the scalar loop's steps lane by lane (lrint is the default
 * round-to-nearest-even conversion; the clamped coordinates fit in int32). */
static inline bool perspective_rgb4_avx2(const uint8_t *pixels, int W, int H, const double M[9], const int *wt,
                                         int X, int Y, uint8_t *d)
{
    enum { TAB = 32, COEF = 1 << 15 };
    const __m256d vx = _mm256_cvtepi32_pd(_mm_add_epi32(_mm_set1_epi32(X), _mm_setr_epi32(0, 1, 2, 3)));
    const __m256d vy = _mm256_set1_pd((double)Y), zero = _mm256_setzero_pd();
    __m256d w = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(M[6]), vx),
                                            _mm256_mul_pd(_mm256_set1_pd(M[7]), vy)), _mm256_set1_pd(M[8]));
    const __m256d nonzero = _mm256_cmp_pd(w, zero, _CMP_NEQ_OQ);
    w = _mm256_and_pd(_mm256_div_pd(_mm256_set1_pd(TAB), w), nonzero);
    __m256d fx = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(M[0]), vx),
                                             _mm256_mul_pd(_mm256_set1_pd(M[1]), vy)), _mm256_set1_pd(M[2]));
    __m256d fy = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(M[3]), vx),
                                             _mm256_mul_pd(_mm256_set1_pd(M[4]), vy)), _mm256_set1_pd(M[5]));
    fx = _mm256_mul_pd(fx, w), fy = _mm256_mul_pd(fy, w);
    /* clamp_1e9: NaN to 1e9 (min with the NaN second returns the second operand) */
    const __m256d hi = _mm256_set1_pd(1e9), lo = _mm256_set1_pd(-1e9);
    fx = _mm256_max_pd(_mm256_min_pd(fx, hi), lo), fy = _mm256_max_pd(_mm256_min_pd(fy, hi), lo);
    const __m128i qx = _mm256_cvtpd_epi32(fx), qy = _mm256_cvtpd_epi32(fy);
    const __m128i ix = _mm_srai_epi32(qx, 5), iy = _mm_srai_epi32(qy, 5);
    const __m128i zero4 = _mm_setzero_si128();
    __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi32(ix, zero4), _mm_cmpgt_epi32(ix, _mm_set1_epi32(W - 2))),
                               _mm_or_si128(_mm_cmplt_epi32(iy, zero4), _mm_cmpgt_epi32(iy, _mm_set1_epi32(H - 2))));
    if (!_mm_testz_si128(bad, bad))
        return false;
    const __m128i mask = _mm_set1_epi32(TAB - 1);
    const __m128i t = _mm_mullo_epi32(_mm_add_epi32(_mm_slli_epi32(_mm_and_si128(qy, mask), 5),
                                                    _mm_and_si128(qx, mask)), _mm_set1_epi32(3));
    const __m128i w00 = _mm_i32gather_epi32(wt, t, 4), w01 = _mm_i32gather_epi32(wt + 1, t, 4);
    const __m128i w10 = _mm_i32gather_epi32(wt + 2, t, 4);
    const __m128i w11 = _mm_sub_epi32(_mm_sub_epi32(_mm_sub_epi32(_mm_set1_epi32(COEF), w00), w01), w10);
    const __m128i low = _mm_set1_epi32(255);
    int q[3][4];
    for (int c = 0; c < 3; c++) {
        __m128i v[4];
        gather_rgb_taps(pixels, W, ix, iy, c, v);
        const __m128i v00 = v[0], v01 = v[1], v10 = v[2], v11 = v[3];
        __m128i acc = _mm_add_epi32(_mm_add_epi32(_mm_mullo_epi32(v00, w00), _mm_mullo_epi32(v01, w01)),
                                    _mm_add_epi32(_mm_mullo_epi32(v10, w10), _mm_mullo_epi32(v11, w11)));
        acc = _mm_srai_epi32(_mm_add_epi32(acc, _mm_set1_epi32(COEF >> 1)), 15);
        acc = _mm_min_epi32(_mm_max_epi32(acc, zero4), low);
        _mm_storeu_si128((__m128i *)(void *)q[c], acc);
    }
    store_rgb4((const int (*)[4])q, d);
    return true;
}
#endif

void pp_warp_perspective(const pp_image *src, const double mat[9], int ox, int oy, pp_image *out)
{
    enum { TAB = 32, COEF = 1 << 15 };
    const int C = src->channels;
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
#ifdef __AVX2__
    const int W = src->width, H = src->height;
    const bool four = C == 3 && (size_t)W * H * 3 < (size_t)INT32_MAX;
#endif
    for (int y = 0; y < out->height; y++) {
        const int Y = y + oy;
        int x = 0;
#ifdef __AVX2__
        for (; four && x + 4 <= out->width; x += 4)
            if (!perspective_rgb4_avx2(src->pixels, W, H, M, &wt[0][0], x + ox, Y,
                                       out->pixels + ((size_t)y * out->width + x) * 3))
                for (int k = 0; k < 4; k++) /* some tap outside: one by one */
                    perspective_pixel(src, M, &wt[0][0], x + k + ox, Y, out->pixels + ((size_t)y * out->width + x + k) * 3);
#endif
        for (; x < out->width; x++)
            perspective_pixel(src, M, &wt[0][0], x + ox, Y, out->pixels + ((size_t)y * out->width + x) * C);
    }
}
