/* zoom_blur: frame i is the running mean of the clean crop and the crops of the image
 * zoomed by 1 + 0.004 k, k = 1..i (bilinear torchvision affine of the whole image,
 * then CenterCrop), the mean as float32 and truncated to 8 bits (ToPILImage). */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    size_t per = (size_t)out->width * out->height * out->channels;
    float *avg = pp_floats_alloc(per, err); /* (H, W, C) sum of ToTensor() frames */
    if (!avg)
        return PP_ERR_NOMEM;
    pp_perturb_crop(base, out, 0);
    const uint8_t *clean = out->pixels;
    for (size_t j = 0; j < per; j++)
        avg[j] = clean[j] / 255.f;
    for (int i = 1; i < out->n; i++) {
        if (ctx->cancel && ctx->cancel(ctx->cancel_ctx)) {
            pp_floats_free(avg);
            return pp_fail(err, PP_ERR_CANCELLED, "zoom_blur: cancelled");
        }
        /* the zoomed crop lands in frame i, then is replaced by the mean */
        pp_perturb_affine(base, out, i, 0, 0, 0, 1 + 0.004 * i, 0, true);
        uint8_t *f = out->pixels + per * (size_t)i;
        float inv = 1.f / (float)(i + 1);
        for (size_t j = 0; j < per; j++) {
            avg[j] += f[j] / 255.f;
            float v = avg[j] * inv * 255.f;
            f[j] = (uint8_t)(v < 0.f ? 0.f : v > 255.f ? 255.f : v);
        }
    }
    pp_floats_free(avg);
    return PP_OK;
}

const pp_perturbation pp_perturbation_zoom_blur = {
    .name = "zoom_blur",
    .summary = "a zoom that accumulates, frame by frame",
    .set = PP_PERTURB_TEST,
    .geometric = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};
