/* spatter (validation): a liquid layer drawn once per sequence (N(0.65, 0.27^2), blurred
 * sigma 3.7, below 0.69 dry at 224; N(0.6, 0.265^2), sigma 1.75, 0.7 at 32), rendered
 * every frame as spatter's water (pale turquoise, intensity 0.6), then run down the
 * picture: every column convolved with [0.05, 0.1, 0.15, 0.7] at 224 ([0.2, 0.8] at
 * 32), numpy's convolve mode 'same'. */
#include "../corrupt/spatter_water.h"
#include "perturb_impl.h"

/* np.convolve(col, k, 'same') down every column: out[y] = sum_j k[j] in[y + off - j],
 * off = (len(k) - 1) / 2, zeros outside. */
static void run_down(const float *in, float *out, int h, int w, const float *k, int nk)
{
    const int off = (nk - 1) / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0;
            for (int j = 0; j < nk; j++) {
                int yy = y + off - j;
                if (yy >= 0 && yy < h)
                    s += k[j] * in[(size_t)yy * w + x];
            }
            out[(size_t)y * w + x] = s;
        }
}

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    static const float k224[4] = {0.05f, 0.1f, 0.15f, 0.7f}, k32[2] = {0.2f, 0.8f};
    static const float water[3] = {175 / 255.f, 238 / 255.f, 238 / 255.f};
    const bool cifar = pp_perturb_cifar(ctx);
    const int h = out->height, w = out->width, c = out->channels;
    const size_t hw = (size_t)h * w;
    float *liquid = pp_floats_alloc(hw, err), *m = pp_floats_alloc(hw, err);
    float *t1 = pp_floats_alloc(hw, err), *t2 = pp_floats_alloc(hw, err);
    uint8_t *u8 = malloc(hw);
    pp_status st = PP_OK;
    if (!liquid || !m || !t1 || !t2 || !u8) {
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory for spatter");
        goto done;
    }
    const float mean = cifar ? 0.6f : 0.65f, sd = cifar ? 0.265f : 0.27f, thr = cifar ? 0.7f : 0.69f;
    pp_noise_normal_fill(pp_rng_key(ctx->seed, PP_PERTURB_STREAM_SPATTER), 0, liquid, hw);
    for (size_t j = 0; j < hw; j++)
        liquid[j] = mean + sd * liquid[j];
    if ((st = pp_gaussian_plane(liquid, liquid, h, w, cifar ? 1.75 : 3.7, 4.0, PP_BORDER_NEAREST, err)))
        goto done;
    for (size_t j = 0; j < hw; j++)
        if (liquid[j] < thr)
            liquid[j] = 0;
    for (int i = 0; i < out->n; i++) {
        if (ctx->cancel && ctx->cancel(ctx->cancel_ctx)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "spatter: cancelled");
            break;
        }
        pp_spatter_water_mask(liquid, m, t1, t2, u8, h, w);
        pp_image f = pp_sequence_frame(out, i);
        for (size_t j = 0; j < hw; j++) {
            float k = m[j] * 0.6f;
            const uint8_t *s = base->pixels + j * c;
            uint8_t *d = f.pixels + j * c;
            if (c == 3) {
                for (int ch = 0; ch < 3; ch++) {
                    float v = s[ch] / 255.f + k * water[ch];
                    d[ch] = (uint8_t)((v > 1.f ? 1.f : v) * 255.f);
                }
            } else {
                float v = s[0] / 255.f + k * (0.299f * water[0] + 0.587f * water[1] + 0.114f * water[2]);
                d[0] = (uint8_t)((v > 1.f ? 1.f : v) * 255.f);
            }
        }
        run_down(liquid, t1, h, w, cifar ? k32 : k224, cifar ? 2 : 4);
        memcpy(liquid, t1, sizeof(float) * hw);
    }
done:
    pp_floats_free(liquid), pp_floats_free(m), pp_floats_free(t1), pp_floats_free(t2), free(u8);
    return st;
}

const pp_perturbation pp_perturbation_spatter = {
    .name = "spatter",
    .summary = "(validation) water drops running down the lens",
    .set = PP_PERTURB_VALIDATION,
    .random = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
