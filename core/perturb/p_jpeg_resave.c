/* jpeg_resave (repeatability): the same picture saved again and again as JPEG quality
 * 90, as a part image passes through tools that each re-save it; frame 0 is clean,
 * frame i is the i-th generation. */
#include "perturb_impl.h"

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    pp_perturb_crop(base, out, 0);
    size_t per = (size_t)out->width * out->height * out->channels;
    for (int i = 1; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, "jpeg_resave");
        pp_image prev = pp_sequence_frame(out, i - 1), gen = {0};
        pp_status st = pp_image_copy(&gen, &prev, err); /* the round trip replaces its pixels */
        if (!st)
            st = pp_image_jpeg_roundtrip(&gen, 90, err);
        if (!st)
            memcpy(prev.pixels + per, gen.pixels, per);
        pp_image_free(&gen);
        if (st)
            return st;
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_jpeg_resave = {
    .name = "jpeg_resave",
    .summary = "(repeatability) re-saved as JPEG 90, eight generations",
    .set = PP_PERTURB_REPEATABILITY,
    .against_first = true,
    .frames_imagenet = 9,
    .frames_cifar = 9,
    .generate = generate,
};
