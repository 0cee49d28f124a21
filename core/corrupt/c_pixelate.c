/* pixelate: PIL resize down by c with BOX, back up with NEAREST, reproducing Pillow's
 * 8-bit fixed-point resampler so results match byte for byte. */
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

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    (void)ctx;
    int w = in->width, h = in->height, c = in->channels;
    int sw = (int)(w * ctx->p[0]), sh = (int)(h * ctx->p[0]);
    if (sw < 1)
        sw = 1;
    if (sh < 1)
        sh = 1;
    int *xmin = malloc(sizeof(int) * sw), *xn = malloc(sizeof(int) * sw);
    int *ymin = malloc(sizeof(int) * sh), *yn = malloc(sizeof(int) * sh);
    int *kx = NULL, *ky = NULL;
    uint8_t *tmp = malloc((size_t)h * sw * c);   /* (h, sw, c) */
    uint8_t *small = malloc((size_t)sh * sw * c); /* (sh, sw, c) */
    int ksx = -1, ksy = -1;
    if (xmin && xn && ymin && yn && tmp && small) {
        ksx = box_coeffs(w, sw, xmin, xn, &kx);
        ksy = box_coeffs(h, sh, ymin, yn, &ky);
    }
    pp_status st = PP_OK;
    if (ksx < 0 || ksy < 0) {
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory pixelating a %dx%d image", w, h);
        goto done;
    }
    /* Horizontal pass (skipped by Pillow when the width does not change). */
    for (int y = 0; y < h; y++) {
        const uint8_t *src = in->pixels + (size_t)y * w * c; /* (w, c) */
        uint8_t *dst = tmp + (size_t)y * sw * c;             /* (sw, c) */
        if (sw == w) {
            memcpy(dst, src, (size_t)w * c);
            continue;
        }
        for (int x = 0; x < sw; x++) {
            const int *k = kx + x * ksx;
            const uint8_t *p = src + (size_t)xmin[x] * c;
            for (int ch = 0; ch < c; ch++) {
                int ss = 1 << (PIL_PRECISION_BITS - 1);
                for (int i = 0; i < xn[x]; i++)
                    ss += p[i * c + ch] * k[i];
                dst[x * c + ch] = clip8(ss >> PIL_PRECISION_BITS);
            }
        }
    }
    /* Vertical pass: rows of (sw * c) values at once. */
    size_t row = (size_t)sw * c;
    int *acc = malloc(sizeof(int) * row);
    if (!acc) {
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory pixelating a %dx%d image", w, h);
        goto done;
    }
    for (int y = 0; y < sh; y++) {
        uint8_t *dst = small + (size_t)y * row;
        if (sh == h) {
            memcpy(dst, tmp + (size_t)y * row, row);
            continue;
        }
        const int *k = ky + y * ksy;
        for (size_t j = 0; j < row; j++)
            acc[j] = 1 << (PIL_PRECISION_BITS - 1);
        for (int i = 0; i < yn[y]; i++) {
            const uint8_t *src = tmp + (size_t)(ymin[y] + i) * row;
            int kv = k[i];
            for (size_t j = 0; j < row; j++)
                acc[j] += src[j] * kv;
        }
        for (size_t j = 0; j < row; j++)
            dst[j] = clip8(acc[j] >> PIL_PRECISION_BITS);
    }
    free(acc);
    /* NEAREST up: source index floor((i + 0.5) * small / big), as Pillow's affine path;
     * equal output rows are copied whole. */
    int *sx = malloc(sizeof(int) * w);
    if (!sx) {
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory pixelating a %dx%d image", w, h);
        goto done;
    }
    for (int x = 0; x < w; x++)
        sx[x] = (int)((x + 0.5) * sw / w) * c;
    int prev_sy = -1;
    for (int y = 0; y < h; y++) {
        int sy = (int)((y + 0.5) * sh / h);
        uint8_t *dst = out->pixels + (size_t)y * w * c;
        if (sy == prev_sy) {
            memcpy(dst, dst - (size_t)w * c, (size_t)w * c);
            continue;
        }
        prev_sy = sy;
        const uint8_t *src = small + (size_t)sy * row;
        if (c == 3) {
            for (int x = 0; x < w; x++) {
                dst[3 * x] = src[sx[x]];
                dst[3 * x + 1] = src[sx[x] + 1];
                dst[3 * x + 2] = src[sx[x] + 2];
            }
        } else {
            for (int x = 0; x < w; x++)
                dst[x] = src[sx[x]];
        }
    }
    free(sx);
done:
    free(xmin), free(xn), free(ymin), free(yn), free(kx), free(ky), free(tmp), free(small);
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
