/* snow: one snow layer per sequence, N(0.05, 0.3^2) zoomed (x3 at 224, x2 at 32),
 * below 0.5 set to 0 and stored as an 8-bit image; frame i streaks it with ImageMagick
 * motion blur at angle 4 i - 150 degrees (radius 14, sigma 4 at 224; 10, 2 at 32) and
 * adds it twice (once rotated 180 degrees) to 0.85 x + 0.15 max(x, 1.5 gray + 0.5). */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    const bool cifar = pp_perturb_cifar(ctx);
    const int h = out->height, w = out->width, c = out->channels;
    const size_t hw = (size_t)h * w;
    const double zoom = cifar ? 2 : 3, radius = cifar ? 10 : 14, sigma = cifar ? 2 : 4;
    int zh, zw;
    pp_zoom_layer_size(h, w, zoom, &zh, &zw);
    float *field = pp_floats_alloc(hw, err), *layer = pp_floats_alloc((size_t)zh * zw, err);
    float *streak = pp_floats_alloc(hw, err), *white = pp_floats_alloc(hw * c, err);
    pp_status st = PP_OK;
    if (!field || !layer || !streak || !white) {
        st = PP_ERR_NOMEM;
        goto done;
    }
    pp_noise_normal_fill(pp_rng_key(ctx->seed, PP_PERTURB_STREAM_SNOW), 0, field, hw);
    for (size_t j = 0; j < hw; j++)
        field[j] = 0.05f + 0.3f * field[j];
    pp_clipped_zoom_planes(field, 1, h, w, zoom, layer, zh, zw, false);
    /* clipped_zoom trims about the centre; the 'L' PNG truncates clip(v) * 255 */
    int ty = (zh - h) / 2, tx = (zw - w) / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = layer[(size_t)(y + ty) * zw + x + tx];
            v = v < 0.5f ? 0.f : v > 1.f ? 1.f : v;
            field[(size_t)y * w + x] = (float)(int)(v * 255.f);
        }
    /* the whitened image does not move: computed once */
    const pp_image *x0 = base; /* the crop itself: snow is not geometric */
    for (size_t j = 0; j < hw; j++) {
        const uint8_t *s = x0->pixels + j * c;
        float gray = c == 3 ? 0.299f * (s[0] / 255.f) + 0.587f * (s[1] / 255.f) + 0.114f * (s[2] / 255.f) : s[0] / 255.f;
        for (int ch = 0; ch < c; ch++) {
            float v = s[ch] / 255.f;
            white[j * c + ch] = 0.85f * v + 0.15f * fmaxf(v, gray * 1.5f + 0.5f);
        }
    }
    for (int i = 0; i < out->n && !st; i++) {
        if (ctx->cancel && ctx->cancel(ctx->cancel_ctx)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "snow: cancelled");
            break;
        }
        if ((st = pp_motion_blur_plane(field, streak, h, w, radius, sigma, i * 4.0 - 150, err)))
            break;
        for (size_t j = 0; j < hw; j++)
            streak[j] = pp_perturb_q16_to_u8(streak[j]) / 255.f;
        pp_image f = pp_sequence_frame(out, i);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t j = (size_t)y * w + x;
                float flake = streak[j] + streak[(size_t)(h - 1 - y) * w + (w - 1 - x)];
                for (int ch = 0; ch < c; ch++) {
                    float v = white[j * c + ch] + flake;
                    v = v < 0.f ? 0.f : v > 1.f ? 1.f : v;
                    f.pixels[j * c + ch] = (uint8_t)(v * 255.f);
                }
            }
    }
done:
    pp_floats_free(field), pp_floats_free(layer), pp_floats_free(streak), pp_floats_free(white);
    return st;
}

const pp_perturbation pp_perturbation_snow = {
    .name = "snow",
    .summary = "falling snow whose streaks turn from frame to frame",
    .set = PP_PERTURB_TEST,
    .random = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
