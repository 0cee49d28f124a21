/* AugMix as the official code does it (google-research/augmix @ 9b9824c,
 * augmentations.py and cifar.py aug()): `width` chains of 1-3 random ops
 * (the nine that do not overlap ImageNet-C) on PIL images, mixed with
 * Dirichlet weights, then with the clean image by a Beta(1, 1) weight, in
 * float after normalisation (never re-quantised). Draws replay numpy's global
 * RandomState after np.random.seed(ctx->seed), op for op. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "augmentation.h"
#include "numpy_draws.h"
#include "pil_ops.h"

enum { P_SEVERITY, P_WIDTH, P_DEPTH };
#define MAX_WIDTH 10

/* sample_level(n) = uniform(0.1, n); int_parameter(l, max) = int(l * max / 10) */
static int int_level(pp_mt19937 *mt, double severity, double maxval)
{
    double level = pp_np_uniform(mt, 0.1, severity);
    return (int)(level * maxval / 10);
}

static double float_level(pp_mt19937 *mt, double severity, double maxval)
{
    double level = pp_np_uniform(mt, 0.1, severity);
    return level * maxval / 10.;
}

/* One op of augmentations.augmentations, chosen by index, with its own draws. */
static void apply_op(pp_mt19937 *mt, int op, double severity, pp_image *out, const pp_image *in)
{
    const double W = in->width, H = in->height;
    switch (op) {
    case 0: pp_pil_autocontrast(out, in); break;
    case 1: pp_pil_equalize(out, in); break;
    case 2: pp_pil_posterize(out, in, 4 - int_level(mt, severity, 4)); break;
    case 3: {
        int deg = int_level(mt, severity, 30);
        if (pp_np_uniform(mt, 0.0, 1.0) > 0.5)
            deg = -deg;
        pp_pil_rotate(out, in, deg);
        break;
    }
    case 4: pp_pil_solarize(out, in, 256 - int_level(mt, severity, 256)); break;
    case 5:
    case 6: {
        double s = float_level(mt, severity, 0.3);
        if (pp_np_uniform(mt, 0.0, 1.0) > 0.5)
            s = -s;
        const double shear_x[6] = {1, s, 0, 0, 1, 0}, shear_y[6] = {1, 0, 0, s, 1, 0};
        pp_pil_affine(out, in, op == 5 ? shear_x : shear_y);
        break;
    }
    default: { /* 7, 8: translate by a third of the image at most (IMAGE_SIZE / 3) */
        int t = int_level(mt, severity, (op == 7 ? W : H) / 3);
        if (pp_np_random(mt) > 0.5)
            t = -t;
        const double tx[6] = {1, 0, t, 0, 1, 0}, ty[6] = {1, 0, 0, 0, 1, t};
        pp_pil_affine(out, in, op == 7 ? tx : ty);
        break;
    }
    }
}

static pp_status augmix_apply(const pp_augment_ctx *ctx, const pp_image *in, float *out, pp_error *err)
{
    const double severity = ctx->p[P_SEVERITY];
    const int width = (int)ctx->p[P_WIDTH], depth = (int)ctx->p[P_DEPTH];
    const int ch = in->channels;
    const size_t plane = (size_t)in->width * in->height, n = plane * (size_t)ch;
    pp_mt19937 mt;
    pp_mt_seed(&mt, ctx->seed);
    double ws_d[MAX_WIDTH];
    pp_np_dirichlet_ones(&mt, ws_d, width);
    const float m = (float)pp_np_beta_one_one(&mt);

    pp_image a = {0}, b = {0};
    float *mix = calloc(n, sizeof(float)), *view = malloc(sizeof(float) * n);
    pp_status st = mix && view ? pp_image_alloc(&a, in->width, in->height, ch, err)
                               : pp_fail(err, PP_ERR_NOMEM, "augmix: out of memory");
    if (st == PP_OK)
        st = pp_image_alloc(&b, in->width, in->height, ch, err);
    for (int i = 0; i < width && st == PP_OK; i++) {
        memcpy(a.pixels, in->pixels, n);
        int d = depth > 0 ? depth : pp_np_randint(&mt, 1, 4);
        for (int k = 0; k < d; k++) {
            apply_op(&mt, pp_np_randint(&mt, 0, 9), severity, &b, &a);
            pp_image t = a;
            a = b;
            b = t;
        }
        pp_augment_to_tensor(view, &a, ctx->mean, ctx->std);
        const float w = (float)ws_d[i];
        for (size_t j = 0; j < n; j++)
            mix[j] += w * view[j];
    }
    if (st == PP_OK) {
        pp_augment_to_tensor(out, in, ctx->mean, ctx->std);
        const float keep = 1.0f - m;
        for (size_t j = 0; j < n; j++)
            out[j] = keep * out[j] + m * mix[j];
    }
    pp_image_free(&a);
    pp_image_free(&b);
    free(mix);
    free(view);
    return st;
}

const pp_augmentation pp_augment_augmix = {
    .name = "augmix",
    .summary = "AugMix (official code): chains of 9 PIL ops mixed in float, severity 3 for CIFAR, 1 for ImageNet",
    .n_params = 3,
    .params = {
        {"severity", "op strength: level ~ U(0.1, severity)", 1, 10, 3, true},
        {"width", "number of chains mixed", 1, MAX_WIDTH, 3, true},
        {"depth", "ops per chain; -1 = random 1 to 3", -1, 10, -1, true},
    },
    .apply_float = augmix_apply,
};
