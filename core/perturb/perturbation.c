#include "perturbation.h"

#include <stdlib.h>
#include <string.h>

#include "../rng.h"
#include "perturb_impl.h"

pp_status pp_sequence_alloc(pp_sequence *s, int n, int width, int height, int channels, pp_error *err)
{
    *s = (pp_sequence){0};
    if (n < 1 || width < 1 || height < 1 || (channels != 1 && channels != 3))
        return pp_fail(err, PP_ERR_SHAPE, "a sequence needs frames, a size and 1 or 3 channels");
    size_t bytes = (size_t)n * width * height * channels;
    if (bytes / (size_t)n / width / height / channels != 1 || (int64_t)width * height > PP_IMAGE_MAX_PIXELS)
        return pp_fail(err, PP_ERR_NOMEM, "a sequence of %d frames of %dx%d is too large", n, width, height);
    s->pixels = calloc(bytes, 1);
    if (!s->pixels)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for %d frames of %dx%d", n, width, height);
    s->n = n, s->width = width, s->height = height, s->channels = channels;
    return PP_OK;
}

void pp_sequence_free(pp_sequence *s)
{
    free(s->pixels);
    *s = (pp_sequence){0};
}

pp_image pp_sequence_frame(const pp_sequence *s, int i)
{
    size_t per = (size_t)s->width * s->height * s->channels;
    return (pp_image){.width = s->width, .height = s->height, .channels = s->channels,
                      .pixels = s->pixels + per * (size_t)i};
}

const char *pp_perturbation_set_name(pp_perturbation_set s)
{
    static const char *const names[] = {"test", "validation", "repeatability"};
    return (unsigned)s < 3 ? names[s] : "?";
}

const char *const pp_cifar_p_mean_set[PP_CIFAR_P_MEAN_COUNT] = {
    "gaussian_noise", "shot_noise", "motion_blur", "zoom_blur", "spatter",
    "brightness",     "translate",  "rotate",      "tilt",      "scale",
};

int pp_perturbation_frames(const pp_perturbation *p, pp_corruption_preset preset)
{
    return preset == PP_PRESET_CIFAR ? p->frames_cifar : p->frames_imagenet;
}

void pp_perturbation_frame_size(pp_corruption_preset preset, int width, int height, int *out_w, int *out_h)
{
    if (pp_corruption_preset_resolve(preset, width, height) == PP_PRESET_CIFAR)
        *out_w = width, *out_h = height;
    else
        *out_w = *out_h = 224;
}

uint64_t pp_perturbation_sample_seed(uint64_t seed, uint64_t index)
{
    return pp_rng_mix(pp_rng_mix(seed + 0x7e57ab1eu) + index * 0x9e3779b97f4a7c15ull);
}

void pp_perturb_crop(const pp_image *base, pp_sequence *out, int i)
{
    pp_image f = pp_sequence_frame(out, i);
    int ox = pp_center_crop_offset(base->width, f.width), oy = pp_center_crop_offset(base->height, f.height);
    for (int y = 0; y < f.height; y++)
        memcpy(f.pixels + (size_t)y * f.width * f.channels,
               base->pixels + ((size_t)(y + oy) * base->width + ox) * base->channels, (size_t)f.width * f.channels);
}

void pp_perturb_affine(const pp_image *base, pp_sequence *out, int i, double angle, double tx, double ty,
                       double scale, double shear, bool bilinear)
{
    pp_image f = pp_sequence_frame(out, i);
    double m[6];
    pp_affine_inverse_matrix(base->width, base->height, angle, tx, ty, scale, shear, m);
    pp_warp_affine(base, m, bilinear, pp_center_crop_offset(base->width, f.width),
                   pp_center_crop_offset(base->height, f.height), &f);
}

pp_status pp_perturb_corrupt(const char *corruption, const double *params, int n_params, uint64_t seed,
                             const pp_image *in, pp_sequence *out, int i, pp_error *err)
{
    const pp_corruption *c = pp_corruption_find(corruption);
    if (!c || c->n_params != n_params)
        return pp_fail(err, PP_ERR_ARG, "perturbation: no corruption %s with %d parameters", corruption, n_params);
    /* parameters are given in the units of the frame itself: the reference side is
     * the frame's, so nothing is rescaled */
    pp_corruption_request req = {.severity = 1, .seed = seed, .overrides = params,
                                 .preset = in->width < 85 || in->height < 85 ? PP_PRESET_CIFAR : PP_PRESET_IMAGENET};
    pp_image tmp = {0};
    pp_status st = pp_corruption_apply(c, &req, in, &tmp, err);
    if (st)
        return st;
    pp_image f = pp_sequence_frame(out, i);
    memcpy(f.pixels, tmp.pixels, (size_t)f.width * f.height * f.channels);
    pp_image_free(&tmp);
    return PP_OK;
}

pp_status pp_perturb_noise_frames(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out,
                                  const char *corruption, double value, pp_error *err)
{
    pp_perturb_crop(base, out, 0);
    for (int i = 1; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, corruption);
        pp_status st = pp_perturb_corrupt(corruption, &value, 1, pp_perturb_frame_seed(ctx->seed, i), base, out, i, err);
        if (st)
            return st;
    }
    return PP_OK;
}

pp_status pp_perturb_motion_blur(const pp_image *src, double radius, double sigma, double angle, pp_sequence *out,
                                 int i, pp_error *err)
{
    pp_planes x;
    pp_status st = pp_planes_from_image(&x, src, 1.f, err); /* 0..255 units, as the reference */
    float *tmp = st ? NULL : pp_floats_alloc((size_t)x.h * x.w, err);
    if (!tmp) {
        if (!st)
            pp_planes_free(&x);
        return err ? err->status : PP_ERR_NOMEM;
    }
    pp_image f = pp_sequence_frame(out, i);
    size_t hw = (size_t)x.h * x.w;
    for (int c = 0; c < x.c && !st; c++) {
        st = pp_motion_blur_plane(pp_planes_plane(&x, c), tmp, x.h, x.w, radius, sigma, angle, err);
        for (size_t j = 0; j < hw && !st; j++)
            f.pixels[j * x.c + c] = pp_perturb_q16_to_u8(tmp[j]);
    }
    pp_floats_free(tmp);
    pp_planes_free(&x);
    return st;
}

pp_status pp_perturb_sequence(const pp_perturbation *p, const pp_perturb_request *req, const pp_image *src,
                              pp_sequence *out, pp_error *err)
{
    *out = (pp_sequence){0};
    if (!src || !src->pixels || src->width < 1 || src->height < 1 || (src->channels != 1 && src->channels != 3))
        return pp_fail(err, PP_ERR_SHAPE, "%s: perturbations need a non-empty 8-bit gray or RGB image", p->name);
    int level = req->level ? req->level : 1;
    if (level < 1 || level > 3)
        return pp_fail(err, PP_ERR_ARG, "%s: noise level %d is not 1, 2 or 3", p->name, level);
    pp_corruption_preset preset = pp_corruption_preset_resolve(req->preset, src->width, src->height);
    pp_perturb_ctx ctx = {.preset = preset, .level = level, .seed = req->seed, .cancel = req->cancel,
                          .cancel_ctx = req->cancel_ctx};
    pp_image resized = {0}, cropped = {0};
    const pp_image *base = src;
    int ow = src->width, oh = src->height;
    pp_status st = PP_OK;
    if (preset == PP_PRESET_IMAGENET) { /* Resize(256), then the crop for non-geometric ones */
        ow = oh = 224;
        st = pp_image_resize_short_side(&resized, src, 256, err);
        if (!st && !p->geometric)
            st = pp_image_center_crop(&cropped, &resized, 224, 224, err);
        base = p->geometric ? &resized : &cropped;
    }
    if (!st)
        st = pp_sequence_alloc(out, pp_perturbation_frames(p, preset), ow, oh, src->channels, err);
    if (!st)
        st = p->generate(&ctx, base, out, err);
    if (st)
        pp_sequence_free(out);
    pp_image_free(&resized);
    pp_image_free(&cropped);
    return st;
}
