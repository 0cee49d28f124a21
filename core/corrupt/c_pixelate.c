/* pixelate: PIL resize down by c with BOX, back up with NEAREST, reproducing Pillow's
 * 8-bit fixed-point resampler so results match byte for byte. */
#include <immintrin.h>

#include "corrupt_impl.h"

#define PIL_PRECISION_BITS (32 - 8 - 2)

/* Pillow's precompute_coeffs + normalize_coeffs_8bpc for the box filter. Writes per
 * output index its first input index, tap count, and ksize fixed-point weights. */
static int box_coeffs(int in_size, int out_size, int *xmin_out, int *n_out, int **kk_out)
{
    double scale = (double)in_size / out_size, filterscale = scale < 1 ? 1 : scale;
    double support = 0.5 * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    int *kk = malloc(sizeof(int) * (size_t)out_size * ksize);
    double *k = malloc(sizeof(double) * ksize);
    if (!kk || !k) {
        free(kk), free(k);
        return -1;
    }
    for (int xx = 0; xx < out_size; xx++) {
        double center = (xx + 0.5) * scale, ww = 0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0)
            xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size)
            xmax = in_size;
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
            double u = (x + xmin - center + 0.5) * ss;
            k[x] = (u > -0.5 && u <= 0.5) ? 1.0 : 0.0;
            ww += k[x];
        }
        for (int x = 0; x < ksize; x++) {
            double w = x < xmax ? (ww != 0 ? k[x] / ww : k[x]) : 0;
            kk[xx * ksize + x] = w < 0 ? (int)(-0.5 + w * (1 << PIL_PRECISION_BITS))
                                       : (int)(0.5 + w * (1 << PIL_PRECISION_BITS));
        }
        xmin_out[xx] = xmin;
        n_out[xx] = xmax;
    }
    free(k);
    *kk_out = kk;
    return ksize;
}

static inline uint8_t clip8(int v) { return v >= 255 ? 255 : v <= 0 ? 0 : (uint8_t)v; }

/* The low byte of eight int32 sums >> PIL_PRECISION_BITS, clipped to 0..255 as
 * Pillow's clip8, packed into the low 8 bytes. */
static inline __m128i shift_clip8(__m256i acc)
{
    __m256i v = _mm256_srai_epi32(acc, PIL_PRECISION_BITS);
    __m256i w = _mm256_packs_epi32(v, v);       /* saturating to int16, lanes interleaved */
    __m128i b = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
    return _mm_shuffle_epi32(b, _MM_SHUFFLE(3, 1, 2, 0)); /* (a0 a0 a1 a1) -> a0 a1 */
}

/* Horizontal box pass of one row: value j of dst (sw * c of them) is the bias plus
 * sum_i src[idx[i][j]] * wt[i][j] over the ksx taps (unused taps weigh 0), eight
 * values per gather. src must be readable 3 bytes past its last value (the gathers
 * load 4 bytes). */
static void box_row(const uint8_t *src, uint8_t *dst, int n, int ksx, const int *idx,
                    const int *wt)
{
    const __m256i lowbyte = _mm256_set1_epi32(0xff);
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256i acc = _mm256_set1_epi32(1 << (PIL_PRECISION_BITS - 1));
        for (int i = 0; i < ksx; i++) {
            const int *ix = idx + (size_t)i * n + j, *kw = wt + (size_t)i * n + j;
            __m256i v = _mm256_i32gather_epi32((const int *)src, _mm256_loadu_si256((const __m256i *)ix), 1);
            v = _mm256_and_si256(v, lowbyte);
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(v, _mm256_loadu_si256((const __m256i *)kw)));
        }
        _mm_storel_epi64((__m128i *)(dst + j), shift_clip8(acc));
    }
    for (; j < n; j++) {
        int ss = 1 << (PIL_PRECISION_BITS - 1);
        for (int i = 0; i < ksx; i++)
            ss += src[idx[(size_t)i * n + j]] * wt[(size_t)i * n + j];
        dst[j] = clip8(ss >> PIL_PRECISION_BITS);
    }
}

/* Vertical box pass of one output row: taps over rows of n bytes. */
static void box_column(const uint8_t *src, size_t stride, uint8_t *dst, size_t n, int taps,
                       const int *k)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256i acc = _mm256_set1_epi32(1 << (PIL_PRECISION_BITS - 1));
        for (int i = 0; i < taps; i++) {
            __m128i b = _mm_loadl_epi64((const __m128i *)(src + i * stride + j));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(b), _mm256_set1_epi32(k[i])));
        }
        _mm_storel_epi64((__m128i *)(dst + j), shift_clip8(acc));
    }
    for (; j < n; j++) {
        int ss = 1 << (PIL_PRECISION_BITS - 1);
        for (int i = 0; i < taps; i++)
            ss += src[i * stride + j] * k[i];
        dst[j] = clip8(ss >> PIL_PRECISION_BITS);
    }
}

/* Horizontal box pass of one RGB row, a pixel at a time with its three channels
 * in the lanes of one vector (no gathers): pixel x of dst is the bias plus
 * sum_i src pixel (xmin[x] + i) * k[x][i]. Each pixel is read and written as 4
 * bytes, so src is readable and dst writable one byte past the row (the next row
 * overwrites dst's). */
static void box_row_rgb(const uint8_t *src, uint8_t *dst, int sw, int ksx, const int *xmin,
                        const int *xn, const int *kx)
{
    const __m128i bias = _mm_set1_epi32(1 << (PIL_PRECISION_BITS - 1));
    for (int x = 0; x < sw; x++) {
        const uint8_t *p = src + (size_t)xmin[x] * 3;
        const int *k = kx + x * ksx;
        __m128i acc = bias;
        for (int i = 0; i < xn[x]; i++) {
            int32_t px;
            memcpy(&px, p + 3 * i, 4);
            __m128i v = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(px));
            acc = _mm_add_epi32(acc, _mm_mullo_epi32(v, _mm_set1_epi32(k[i])));
        }
        __m128i v = _mm_srai_epi32(acc, PIL_PRECISION_BITS);
        v = _mm_packus_epi16(_mm_packs_epi32(v, v), v);
        int32_t out = _mm_cvtsi128_si32(v);
        memcpy(dst + 3 * x, &out, 4);
    }
}

/* Pillow's COORD truncation of a source coordinate; the sums never leave the
 * image (their drift is far below half a step), the clamp only makes that sure. */
static inline int nearest_index(double v, int n)
{
    int i = (int)v;
    return i < n ? i : n - 1;
}

/* NEAREST enlarging of RGB rows by byte shuffles: output pixels come five to a
 * 16-byte store, and since the row only grows, five output pixels read at most
 * five consecutive source pixels, 15 bytes from the first one's: one load and
 * one shuffle per group. mask[g] holds group g's shuffle, made once per call. */
typedef struct {
    int groups;     /* full groups that store within the row */
    __m128i *mask;  /* (groups) */
} nearest_plan;

static bool nearest_plan_make(nearest_plan *np, int w, const int *sx)
{
    /* a group's 16-byte store must end inside the row: 15 g + 16 <= 3 w */
    np->groups = 3 * w >= 16 ? (3 * w - 16) / 15 + 1 : 0;
    np->mask = aligned_alloc(16, sizeof(__m128i) * (np->groups + 1));
    if (!np->mask)
        return false;
    for (int g = 0; g < np->groups; g++) {
        uint8_t m[16];
        for (int t = 0; t < 5; t++)
            for (int ch = 0; ch < 3; ch++)
                m[3 * t + ch] = (uint8_t)(sx[5 * g + t] - sx[5 * g] + ch);
        m[15] = 0x80;
        memcpy(&np->mask[g], m, 16);
    }
    return true;
}

/* src must be readable 16 bytes past any pixel's start. */
static void nearest_row_rgb(const nearest_plan *np, const uint8_t *src, uint8_t *dst, int w,
                            const int *sx)
{
    for (int g = 0; g < np->groups; g++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(src + sx[5 * g]));
        _mm_storeu_si128((__m128i *)(dst + 15 * g), _mm_shuffle_epi8(v, np->mask[g]));
    }
    for (int x = 5 * np->groups; x < w; x++)
        memcpy(dst + 3 * x, src + sx[x], 3);
}

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    int w = in->width, h = in->height, c = in->channels;
    int sw = (int)(w * ctx->p[0]), sh = (int)(h * ctx->p[0]);
    if (sw < 1)
        sw = 1;
    if (sh < 1)
        sh = 1;
    size_t row_in = (size_t)w * c, row = (size_t)sw * c;
    int *xmin = malloc(sizeof(int) * sw), *xn = malloc(sizeof(int) * sw);
    int *ymin = malloc(sizeof(int) * sh), *yn = malloc(sizeof(int) * sh);
    int *kx = NULL, *ky = NULL, *idx = NULL, *wt = NULL, *sx = malloc(sizeof(int) * w);
    uint8_t *tmp = malloc((size_t)h * row + 4);   /* (h, sw, c) */
    uint8_t *small = malloc((size_t)sh * row + 16); /* (sh, sw, c), a 16-byte read's slack */
    uint8_t *last = malloc(row_in + 4);            /* the last input row, with slack */
    int ksx = -1, ksy = -1;
    if (xmin && xn && ymin && yn && sx && tmp && small && last) {
        ksx = box_coeffs(w, sw, xmin, xn, &kx);
        ksy = box_coeffs(h, sh, ymin, yn, &ky);
    }
    if (ksx > 0 && c != 3) { /* the gray rows' gather tables */
        idx = malloc(sizeof(int) * row * ksx);
        wt = malloc(sizeof(int) * row * ksx);
    }
    pp_status st = PP_OK;
    if (ksx < 0 || ksy < 0 || (c != 3 && (!idx || !wt))) {
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory pixelating a %dx%d image", w, h);
        goto done;
    }
    /* Per output value and tap: the input byte and its weight (0 past the taps). */
    for (int x = 0; x < sw && c != 3; x++)
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < ksx; i++) {
                size_t j = (size_t)i * row + (size_t)x * c + ch;
                idx[j] = (xmin[x] + (i < xn[x] ? i : 0)) * c + ch;
                wt[j] = i < xn[x] ? kx[x * ksx + i] : 0;
            }
    /* Horizontal pass (skipped by Pillow when the width does not change). */
    memcpy(last, in->pixels + (size_t)(h - 1) * row_in, row_in);
    for (int y = 0; y < h; y++) {
        const uint8_t *src = y == h - 1 ? last : in->pixels + (size_t)y * row_in;
        if (sw == w)
            memcpy(tmp + (size_t)y * row, src, row);
        else if (c == 3)
            box_row_rgb(src, tmp + (size_t)y * row, sw, ksx, xmin, xn, kx);
        else
            box_row(src, tmp + (size_t)y * row, (int)row, ksx, idx, wt);
    }
    /* Vertical pass (likewise skipped when the height does not change). */
    for (int y = 0; y < sh; y++) {
        if (sh == h)
            memcpy(small + (size_t)y * row, tmp + (size_t)y * row, row);
        else
            box_column(tmp + (size_t)ymin[y] * row, row, small + (size_t)y * row, row, yn[y], ky + y * ksy);
    }
    /* NEAREST up as Pillow's ImagingScaleAffine: the source coordinate starts at
     * step / 2 and adds step = small / big per pixel in doubles, so it drifts below
     * (i + 0.5) * step where that is an integer (a different row or column);
     * equal output rows are copied whole. */
    double xstep = (double)sw / w, xo = 0.5 * xstep;
    for (int x = 0; x < w; x++, xo += xstep)
        sx[x] = nearest_index(xo, sw) * c;
    nearest_plan np = {0};
    if (c == 3 && !nearest_plan_make(&np, w, sx)) {
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory pixelating a %dx%d image", w, h);
        goto done;
    }
    int prev_sy = -1;
    double ystep = (double)sh / h, yo = 0.5 * ystep;
    for (int y = 0; y < h; y++, yo += ystep) {
        int sy = nearest_index(yo, sh);
        uint8_t *dst = out->pixels + (size_t)y * row_in;
        if (sy == prev_sy) {
            memcpy(dst, dst - row_in, row_in);
            continue;
        }
        prev_sy = sy;
        const uint8_t *src = small + (size_t)sy * row;
        if (c == 3) {
            nearest_row_rgb(&np, src, dst, w, sx);
        } else {
            for (int x = 0; x < w; x++)
                dst[x] = src[sx[x]];
        }
    }
    free(np.mask);
done:
    free(xmin), free(xn), free(ymin), free(yn), free(kx), free(ky), free(tmp), free(small);
    free(last), free(idx), free(wt), free(sx);
    return st;
}

const pp_corruption pp_corruption_pixelate = {
    .name = "pixelate",
    .summary = "blocky: box down-sample by c, nearest up-sample back",
    .family = PP_FAMILY_DIGITAL,
    .band = PP_BAND_HIGH,
    .n_params = 1,
    .params = {{"scale", "intermediate size as a fraction of the image", 0.01, 1, 1, 0,
                {.6, .5, .4, .3, .25}, {.95, .9, .85, .75, .65}}},
    .apply = apply,
};
