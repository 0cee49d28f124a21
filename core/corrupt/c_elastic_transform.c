/* elastic_transform: an optional random affine warp (CIFAR-10-C) followed by a smooth
 * random displacement field (Gaussian-smoothed uniform noise times alpha), resampled
 * bilinearly with half-sample-symmetric borders. With the ImageNet preset it is
 * imagecorruptions' version (no affine, field amplitude 0.005 * side, sigma 0.01 *
 * side); with the CIFAR preset Hendrycks' make_cifar_c.py version. */
#include "corrupt_impl.h"

/* Bilinear sample of a plane at (sy, sx) with the given border. */
static inline float sample(const float *pl, int h, int w, float sy, float sx, pp_border mode)
{
    float fy = floorf(sy), fx = floorf(sx);
    int y0 = (int)fy, x0 = (int)fx;
    float ay = sy - fy, ax = sx - fx;
    int ya = pp_border_index(y0, h, mode), yb = pp_border_index(y0 + 1, h, mode);
    int xa = pp_border_index(x0, w, mode), xb = pp_border_index(x0 + 1, w, mode);
    float t = pl[(size_t)ya * w + xa] + ax * (pl[(size_t)ya * w + xb] - pl[(size_t)ya * w + xa]);
    float b = pl[(size_t)yb * w + xa] + ax * (pl[(size_t)yb * w + xb] - pl[(size_t)yb * w + xa]);
    return t + ay * (b - t);
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
    int h = in->height, w = in->width;
    size_t hw = (size_t)h * w;
    pp_planes x;
    pp_status st = pp_planes_from_image(&x, in, 1.f / 255.f, err);
    if (st)
        return st;
    float *dx = pp_floats_alloc(hw, err), *dy = pp_floats_alloc(hw, err); /* (H, W) */
    float *tmp = pp_floats_alloc(hw, err);
    if (!dx || !dy || !tmp) {
        st = PP_ERR_NOMEM;
        goto done;
    }
    if (jitter > 0) {
        /* cv2 points are (x, y); the reference builds them from (H//2, W//2) */
        double cy = h / 2, cx = w / 2, sq = (h < w ? h : w) / 3;
        double src[3][2] = {{cy + sq, cx + sq}, {cy + sq, cx - sq}, {cy - sq, cx - sq}}, dst[3][2];
        uint64_t key = pp_rng_key(ctx->seed, PP_STREAM_ELASTIC_AFFINE);
        for (int i = 0; i < 6; i++)
            dst[i / 2][i % 2] = src[i / 2][i % 2] + jitter * (2 * pp_rng_uniform(key, i) - 1);
        double m[6];
        if (affine_inverse(src, dst, m)) {
            for (int c = 0; c < x.c; c++) {
                float *pl = pp_planes_plane(&x, c);
                for (int yy = 0; yy < h; yy++)
                    for (int xx = 0; xx < w; xx++)
                        tmp[(size_t)yy * w + xx] =
                            sample(pl, h, w, (float)(m[3] * xx + m[4] * yy + m[5]),
                                   (float)(m[0] * xx + m[1] * yy + m[2]), PP_BORDER_REFLECT101);
                memcpy(pl, tmp, sizeof(float) * hw);
            }
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
    for (int c = 0; c < x.c; c++) {
        float *pl = pp_planes_plane(&x, c);
        for (int yy = 0; yy < h; yy++)
            for (int xx = 0; xx < w; xx++) {
                size_t i = (size_t)yy * w + xx;
                tmp[i] = sample(pl, h, w, yy + (float)alpha * dy[i], xx + (float)alpha * dx[i],
                                PP_BORDER_REFLECT);
            }
        memcpy(pl, tmp, sizeof(float) * hw);
    }
    pp_planes_to_image(&x, 255.f, out);
done:
    free(dx), free(dy), free(tmp);
    pp_planes_free(&x);
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
