/* glass_blur: Gaussian blur, 8-bit truncation, local pixel shuffling, blur again
 * (imagecorruptions' glass_blur). The shuffle visits rows and columns from the bottom
 * right and copies pixel (h+dy, w+dx) onto (h, w), a one-way copy, as the numpy/numba
 * "swap" does; dx, dy are uniform in [-delta, delta - 1]. */
#include "corrupt_impl.h"

static pp_status blur_all(const pp_corruption_ctx *ctx, pp_planes *x, double sigma, pp_error *err)
{
    for (int c = 0; c < x->c; c++) {
        PP_CHECK_CANCEL(ctx, err, "glass_blur");
        pp_status st = pp_gaussian_plane(pp_planes_plane(x, c), pp_planes_plane(x, c), x->h, x->w,
                                         sigma, 4.0, PP_BORDER_NEAREST, err);
        if (st)
            return st;
    }
    return PP_OK;
}

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    double sigma = ctx->p[0];
    int delta = (int)ctx->p[1], iters = (int)ctx->p[2];
    int h = in->height, w = in->width, c = in->channels;
    pp_planes x;
    pp_status st = pp_planes_from_image(&x, in, 1.f / 255.f, err);
    if (st)
        return st;
    st = blur_all(ctx, &x, sigma, err);
    if (st) {
        pp_planes_free(&x);
        return st;
    }
    pp_planes_to_image(&x, 255.f, out); /* np.uint8(blurred * 255) */
    pp_planes_free(&x);

    uint64_t key = pp_rng_key(ctx->seed, PP_STREAM_GLASS);
    uint8_t *px = out->pixels; /* (H, W, C) */
    uint64_t *draws = malloc(sizeof(uint64_t) * (size_t)w);
    if (!draws)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for glass blur");
    for (int it = 0; it < iters && delta > 0; it++) {
        if (pp_ctx_cancelled(ctx)) {
            free(draws);
            return pp_fail(err, PP_ERR_CANCELLED, "glass_blur: cancelled");
        }
        for (int y = h - delta; y > delta; y--) {
            /* The draw is tied to (iteration, pixel), not to the loop's position, so a
             * change of delta re-scales the same draws. A row's draws first: that loop
             * vectorises (the copies below depend on each other, it does not). */
            const uint64_t row0 = ((uint64_t)it * h + y) * w;
            for (int xx = 0; xx < w; xx++)
                draws[xx] = pp_rng_u64(key, row0 + xx);
            for (int xx = w - delta; xx > delta; xx--) {
                const uint64_t r = draws[xx];
                int dx = (int)(((r >> 32) * (uint64_t)(2 * delta)) >> 32) - delta;
                int dy = (int)(((r & 0xffffffffu) * (uint64_t)(2 * delta)) >> 32) - delta;
                uint8_t *d = px + ((size_t)y * w + xx) * c;
                const uint8_t *s = px + ((size_t)(y + dy) * w + xx + dx) * c;
                /* spelled out, not memcpy (or a loop the compiler turns into one): a
                 * library call per pixel was a sixth of the time; d == s is a no-op */
                if (c == 3) {
                    const uint8_t r0 = s[0], g0 = s[1], b0 = s[2];
                    d[0] = r0, d[1] = g0, d[2] = b0;
                } else {
                    d[0] = s[0];
                }
            }
        }
    }
    free(draws);
    st = pp_planes_from_image(&x, out, 1.f / 255.f, err);
    if (st)
        return st;
    st = blur_all(ctx, &x, sigma, err);
    if (!st)
        pp_planes_to_image(&x, 255.f, out);
    pp_planes_free(&x);
    return st;
}

const pp_corruption pp_corruption_glass_blur = {
    .name = "glass_blur",
    .summary = "frosted glass: blur, shuffle pixels locally, blur",
    .family = PP_FAMILY_BLUR,
    .band = PP_BAND_MID,
    .random = true,
    .n_params = 3,
    .params = {{"sigma", "Gaussian sigma in pixels", 0, 32, 0, PP_PARAM_PIXELS,
                {.7, .9, 1, 1.1, 1.5}, {.05, .25, .4, .25, .4}},
               {"delta", "largest pixel displacement", 0, 64, 0, PP_PARAM_PIXELS | PP_PARAM_INTEGER,
                {1, 2, 2, 3, 4}, {1, 1, 1, 1, 1}},
               {"iterations", "shuffle passes", 0, 16, 0, PP_PARAM_INTEGER,
                {2, 1, 3, 2, 2}, {1, 1, 1, 2, 2}}},
    .apply = apply,
};
