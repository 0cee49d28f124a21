/* elastic_transform: an optional random affine warp (CIFAR-10-C) followed by a smooth
 * random displacement field (Gaussian-smoothed uniform noise times alpha), resampled
 * bilinearly with half-sample-symmetric borders. With the ImageNet preset it is
 * imagecorruptions' version (no affine, field amplitude 0.005 * side, sigma 0.01 *
 * side); with the CIFAR preset Hendrycks' make_cifar_c.py version. */
#include "corrupt_impl.h"

#include <immintrin.h>

/* Bilinear sampling of all channels at once from an interleaved (H, W, C) float image:
 * the corners, weights and border folds are worked out once per pixel, not once per
 * channel (the border fold only off the image's edge). */
static inline int fold(int i, int n, pp_border mode)
{
    return (unsigned)i < (unsigned)n ? i : pp_border_index(i, n, mode);
}

static inline void sample_px(const float *img, int h, int w, int c, float sy, float sx, pp_border mode,
                             float *out /* (c) */)
{
    float fy = floorf(sy), fx = floorf(sx);
    int y0 = (int)fy, x0 = (int)fx;
    float ay = sy - fy, ax = sx - fx;
    size_t ya = (size_t)fold(y0, h, mode) * w, yb = (size_t)fold(y0 + 1, h, mode) * w;
    size_t xa = fold(x0, w, mode), xb = fold(x0 + 1, w, mode);
    const float *p00 = img + (ya + xa) * c, *p01 = img + (ya + xb) * c;
    const float *p10 = img + (yb + xa) * c, *p11 = img + (yb + xb) * c;
    for (int k = 0; k < c; k++) {
        float t = p00[k] + ax * (p01[k] - p00[k]);
        float b = p10[k] + ax * (p11[k] - p10[k]);
        out[k] = t + ay * (b - t);
    }
}

/* Bilinear RGB at eight points (sy, sx) with a border fold, in AVX2: the same
 * operations as sample_px, lane by lane (unfused, floor, the same fold), so the same
 * bits. v[i] holds point i's RGB in its low half and point i + 4's in its high half
 * (a fourth float each that is not theirs). Returns false where a corner lies more
 * than one image off (the scalar path folds those). */
static bool sample8_rgb(const float *img, int h, int w, __m256 sy, __m256 sx, pp_border mode, __m256 v[4])
{
    const __m256 fy = _mm256_floor_ps(sy), fx = _mm256_floor_ps(sx);
    const __m256 ay = _mm256_sub_ps(sy, fy), ax = _mm256_sub_ps(sx, fx);
    const __m256i y0 = _mm256_cvttps_epi32(fy), x0 = _mm256_cvttps_epi32(fx), one = _mm256_set1_epi32(1);
    const __m256i vh = _mm256_set1_epi32(h), vw = _mm256_set1_epi32(w);
    /* the folds below map i < 0 to -1 - i (half-sample symmetric) or -i (reflect 101),
     * i >= n to 2n - 1 - i or 2n - 2 - i, once: the corners y0, y0 + 1 and x0, x0 + 1
     * must lie within one image of it */
    const int r101 = mode == PP_BORDER_REFLECT101;
    if (r101 && (h < 2 || w < 2))
        return false;
    const __m256i bad = _mm256_or_si256(
        _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(-h + r101), y0), _mm256_cmpgt_epi32(y0, _mm256_set1_epi32(2 * h - 2 - r101))),
        _mm256_or_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(-w + r101), x0), _mm256_cmpgt_epi32(x0, _mm256_set1_epi32(2 * w - 2 - r101))));
    if (!_mm256_testz_si256(bad, bad))
        return false;
    const __m256i low = _mm256_set1_epi32(r101 ? 0 : -1), high = _mm256_set1_epi32(r101 ? 2 : 1);
#define PICK(a, b, mask) /* per 32-bit lane: b where mask's sign bit is set */                   \
    _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), _mm256_castsi256_ps(mask)))
#define FOLD(i, n) PICK(PICK(i, _mm256_sub_epi32(low, i), i),                                      \
                        _mm256_sub_epi32(_mm256_sub_epi32(_mm256_add_epi32(n, n), high), i),       \
                        _mm256_cmpgt_epi32(i, _mm256_sub_epi32(n, one)))
    const __m256i ya = _mm256_mullo_epi32(FOLD(y0, vh), vw), yb = _mm256_mullo_epi32(FOLD(_mm256_add_epi32(y0, one), vh), vw);
    const __m256i xa = FOLD(x0, vw), xb = FOLD(_mm256_add_epi32(x0, one), vw);
#undef FOLD
#undef PICK
    const __m256i three = _mm256_set1_epi32(3);
    int32_t at[4][8]; /* each corner's first float, per point */
    _mm256_storeu_si256((__m256i *)at[0], _mm256_mullo_epi32(_mm256_add_epi32(ya, xa), three));
    _mm256_storeu_si256((__m256i *)at[1], _mm256_mullo_epi32(_mm256_add_epi32(ya, xb), three));
    _mm256_storeu_si256((__m256i *)at[2], _mm256_mullo_epi32(_mm256_add_epi32(yb, xa), three));
    _mm256_storeu_si256((__m256i *)at[3], _mm256_mullo_epi32(_mm256_add_epi32(yb, xb), three));
    /* a corner's RGB (and one float more, of the image's slack at its end) is one
     * 16-byte load, where gathers took a load per value */
    for (int i = 0; i < 4; i++) {
        const __m256i pick = _mm256_setr_epi32(i, i, i, i, i + 4, i + 4, i + 4, i + 4);
        const __m256 pax = _mm256_permutevar8x32_ps(ax, pick), pay = _mm256_permutevar8x32_ps(ay, pick);
#define CORNER(k) _mm256_loadu2_m128(img + at[k][i + 4], img + at[k][i])
        const __m256 p00 = CORNER(0), p01 = CORNER(1), p10 = CORNER(2), p11 = CORNER(3);
#undef CORNER
        const __m256 t = _mm256_add_ps(p00, _mm256_mul_ps(pax, _mm256_sub_ps(p01, p00)));
        const __m256 b = _mm256_add_ps(p10, _mm256_mul_ps(pax, _mm256_sub_ps(p11, p10)));
        v[i] = _mm256_add_ps(t, _mm256_mul_ps(pay, _mm256_sub_ps(b, t)));
    }
    return true;
}

/* sample8_rgb's values as pp_unit_to_u8's bytes (8, 3) */
static void store8_rgb_bytes(const __m256 v[4], uint8_t *out)
{
    __m256i q[4];
    for (int i = 0; i < 4; i++) {
        /* pp_unit_to_u8's steps: max and min pick as its selects do (NaN -> 0) */
        __m256 u = _mm256_max_ps(_mm256_mul_ps(v[i], _mm256_set1_ps(255.f)), _mm256_setzero_ps());
        u = _mm256_min_ps(_mm256_add_ps(u, _mm256_set1_ps(1e-3f)), _mm256_set1_ps(255.f));
        q[i] = _mm256_cvttps_epi32(u);
    }
    /* bytes: points 0-3 (four each) in the low half, 4-7 in the high; then each
     * point's three */
    const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    const __m256i rgb = _mm256_shuffle_epi8(
        bytes, _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1));
    const __m128i lo = _mm256_castsi256_si128(rgb), hi = _mm256_extracti128_si256(rgb, 1);
    _mm_storel_epi64((__m128i *)out, lo);
    _mm_storeu_si32(out + 8, _mm_srli_si128(lo, 8));
    _mm_storel_epi64((__m128i *)(out + 12), hi);
    _mm_storeu_si32(out + 20, _mm_srli_si128(hi, 8));
}

/* sample8_rgb's values as floats (8, 3); the fourth floats' stores land on the next
 * point's first, which the next store then writes (in order), and the last on the
 * float after the eight (the caller's slack or its next values) */
static void store8_rgb_floats(const __m256 v[4], float *out)
{
    for (int i = 0; i < 4; i++)
        _mm_storeu_ps(out + 3 * i, _mm256_castps256_ps128(v[i]));
    for (int i = 0; i < 4; i++)
        _mm_storeu_ps(out + 3 * (i + 4), _mm256_extractf128_ps(v[i], 1));
}

/* (float)(a x + by + c) for x = x0 .. x0 + 7, by the scalar path's double sums
 * (by: b y, the row's term), four points a vector */
static __m256 affine8(double a, double by, double c, int x0)
{
    const __m256d x = _mm256_add_pd(_mm256_set1_pd(x0), _mm256_setr_pd(0, 1, 2, 3));
    const __m256d va = _mm256_set1_pd(a), vb = _mm256_set1_pd(by), vc = _mm256_set1_pd(c);
    const __m128 lo = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(va, x), vb), vc));
    const __m256d x4 = _mm256_add_pd(x, _mm256_set1_pd(4));
    const __m128 hi = _mm256_cvtpd_ps(_mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(va, x4), vb), vc));
    return _mm256_set_m128(hi, lo);
}

/* cv2.getAffineTransform(src, dst) inverted: maps output (x, y) to the source point. */
static bool affine_inverse(const double src[3][2], const double dst[3][2], double m[6])
{
    /* Solve for A (dst -> src): src = A * [dst; 1] */
    double a = dst[0][0], b = dst[0][1], c = dst[1][0], d = dst[1][1], e = dst[2][0], f = dst[2][1];
    double det = a * (d - f) - b * (c - e) + (c * f - d * e);
    if (fabs(det) < 1e-12)
        return false;
    /* rows of the inverse of [[a b 1][c d 1][e f 1]] */
    double inv[3][3] = {{(d - f) / det, (f - b) / det, (b - d) / det},
                        {(e - c) / det, (a - e) / det, (c - a) / det},
                        {(c * f - d * e) / det, (b * e - a * f) / det, (a * d - b * c) / det}};
    for (int k = 0; k < 2; k++) {
        /* coefficients so that src_k = m0 * x + m1 * y + m2 */
        m[3 * k + 0] = inv[0][0] * src[0][k] + inv[0][1] * src[1][k] + inv[0][2] * src[2][k];
        m[3 * k + 1] = inv[1][0] * src[0][k] + inv[1][1] * src[1][k] + inv[1][2] * src[2][k];
        m[3 * k + 2] = inv[2][0] * src[0][k] + inv[2][1] * src[1][k] + inv[2][2] * src[2][k];
    }
    return true;
}

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    double alpha = ctx->p[0], sigma = ctx->p[1], amp = ctx->p[2], jitter = ctx->p[3];
    int h = in->height, w = in->width, c = in->channels;
    size_t hw = (size_t)h * w;
    pp_status st = PP_OK;
    /* (H, W, C), and a float of slack for sample8_rgb's 16-byte loads and stores */
    float *img = pp_floats_alloc(hw * c + 1, err), *tmp = pp_floats_alloc(hw * c + 1, err);
    float *dx = pp_floats_alloc(hw, err), *dy = pp_floats_alloc(hw, err);           /* (H, W) */
    if (!img || !tmp || !dx || !dy) {
        st = PP_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < hw * c; i++)
        img[i] = in->pixels[i] * (1.f / 255.f);
    img[hw * c] = tmp[hw * c] = 0;
    if (jitter > 0) {
        /* cv2 points are (x, y); the reference builds them from (H//2, W//2) */
        double cy = h / 2, cx = w / 2, sq = (h < w ? h : w) / 3;
        double src[3][2] = {{cy + sq, cx + sq}, {cy + sq, cx - sq}, {cy - sq, cx - sq}}, dst[3][2];
        uint64_t key = pp_rng_key(ctx->seed, PP_STREAM_ELASTIC_AFFINE);
        for (int i = 0; i < 6; i++)
            dst[i / 2][i % 2] = src[i / 2][i % 2] + jitter * (2 * pp_rng_uniform(key, i) - 1);
        double m[6];
        if (affine_inverse(src, dst, m)) {
            for (int yy = 0; yy < h; yy++)
                for (int xx = 0; xx < w; xx++) {
                    __m256 v[4];
                    if (c == 3 && xx + 8 <= w && hw * 3 < (1u << 31)) {
                        const __m256 sy = affine8(m[3], m[4] * yy, m[5], xx), sx = affine8(m[0], m[1] * yy, m[2], xx);
                        if (sample8_rgb(img, h, w, sy, sx, PP_BORDER_REFLECT101, v)) {
                            store8_rgb_floats(v, tmp + ((size_t)yy * w + xx) * c);
                            xx += 7;
                            continue;
                        }
                    }
                    sample_px(img, h, w, c, (float)(m[3] * xx + m[4] * yy + m[5]),
                              (float)(m[0] * xx + m[1] * yy + m[2]), PP_BORDER_REFLECT101,
                              tmp + ((size_t)yy * w + xx) * c);
                }
            float *t = img;
            img = tmp, tmp = t;
        }
    }
    if (pp_ctx_cancelled(ctx)) {
        st = pp_fail(err, PP_ERR_CANCELLED, "elastic_transform: cancelled");
        goto done;
    }
    pp_rng_uniform_fill(pp_rng_key(ctx->seed, PP_STREAM_ELASTIC_X), dx, hw);
    pp_rng_uniform_fill(pp_rng_key(ctx->seed, PP_STREAM_ELASTIC_Y), dy, hw);
    for (size_t i = 0; i < hw; i++) {
        dx[i] = (float)(amp * (2 * dx[i] - 1));
        dy[i] = (float)(amp * (2 * dy[i] - 1));
    }
    if ((st = pp_gaussian_plane(dx, dx, h, w, sigma, 3.0, PP_BORDER_REFLECT, err)) ||
        (st = pp_gaussian_plane(dy, dy, h, w, sigma, 3.0, PP_BORDER_REFLECT, err)))
        goto done;
    const float fa = (float)alpha;
    for (int yy = 0; yy < h; yy++)
        for (int xx = 0; xx < w; xx++) {
            size_t i = (size_t)yy * w + xx;
            if (c == 3 && xx + 8 <= w && xx % 8 == 0 && hw * 3 < (1u << 31)) {
                const __m256 a = _mm256_set1_ps(fa);
                const __m256 sy = _mm256_add_ps(_mm256_set1_ps((float)yy), _mm256_mul_ps(a, _mm256_loadu_ps(dy + i)));
                const __m256 sx = _mm256_add_ps(_mm256_add_ps(_mm256_set1_ps((float)xx), _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7)),
                                                _mm256_mul_ps(a, _mm256_loadu_ps(dx + i)));
                __m256 v[4];
                if (sample8_rgb(img, h, w, sy, sx, PP_BORDER_REFLECT, v)) {
                    store8_rgb_bytes(v, out->pixels + i * 3);
                    xx += 7;
                    continue;
                }
            }
            float v[3];
            sample_px(img, h, w, c, yy + fa * dy[i], xx + fa * dx[i], PP_BORDER_REFLECT, v);
            for (int k = 0; k < c; k++)
                out->pixels[i * c + k] = pp_unit_to_u8(v[k]);
        }
done:
    pp_floats_free(img), pp_floats_free(tmp), pp_floats_free(dx), pp_floats_free(dy);
    return st;
}

const pp_corruption pp_corruption_elastic_transform = {
    .name = "elastic_transform",
    .summary = "elastic warp: affine jitter plus a smooth random displacement field",
    .family = PP_FAMILY_DIGITAL,
    .band = PP_BAND_MID,
    .random = true,
    .n_params = 4,
    .params = {{"alpha", "gain of the smoothed displacement field", 0, 1000, 0, 0,
                {12.5, 16.25, 21.25, 25, 30}, {0, 1.6, 2.56, 3.2, 3.2}},
               {"sigma", "smoothing sigma of the field in pixels", 0, 256, 0, PP_PARAM_PIXELS,
                {2.24, 2.24, 2.24, 2.24, 2.24}, {0, 6.4, 1.92, 1.28, 0.96}},
               {"amplitude", "raw field is uniform in [-amplitude, amplitude] pixels", 0, 64, 0,
                PP_PARAM_PIXELS, {1.12, 1.12, 1.12, 1.12, 1.12}, {1, 1, 1, 1, 1}},
               {"affine", "affine jitter of the reference points in pixels", 0, 64, 0,
                PP_PARAM_PIXELS, {0, 0, 0, 0, 0}, {2.56, 2.24, 1.92, 1.6, 0.96}}},
    .apply = apply,
};
