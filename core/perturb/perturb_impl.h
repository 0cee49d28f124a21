/* Shared by the perturbation files only (not part of the public interface). */
#ifndef PP_PERTURB_IMPL_H
#define PP_PERTURB_IMPL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../corrupt/filter.h"
#include "../corrupt/noise_field.h"
#include "../corrupt/planes.h"
#include "../rng.h"
#include "perturbation.h"
#include "warp.h"

#define PP_PERTURB_CHECK_CANCEL(ctx, err, name)                                               \
    do {                                                                                     \
        if ((ctx)->cancel && (ctx)->cancel((ctx)->cancel_ctx))                               \
            return pp_fail(err, PP_ERR_CANCELLED, "%s: cancelled", name);                    \
    } while (0)

/* Stream ids of the random fields drawn once per sequence. */
enum { PP_PERTURB_STREAM_SNOW = 101, PP_PERTURB_STREAM_SPATTER };

static inline bool pp_perturb_cifar(const pp_perturb_ctx *ctx)
{
    return ctx->preset == PP_PRESET_CIFAR;
}

/* The preset's value: imagenet or cifar. */
static inline double pp_perturb_pick(const pp_perturb_ctx *ctx, double imagenet, double cifar)
{
    return pp_perturb_cifar(ctx) ? cifar : imagenet;
}

/* The noise strength of ctx->level (1..3) from the preset's three values. */
static inline double pp_perturb_level(const pp_perturb_ctx *ctx, const double imagenet[3], const double cifar[3])
{
    int l = ctx->level >= 1 && ctx->level <= 3 ? ctx->level - 1 : 0;
    return pp_perturb_cifar(ctx) ? cifar[l] : imagenet[l];
}

/* The seed of frame i's own noise: every frame draws afresh. */
static inline uint64_t pp_perturb_frame_seed(uint64_t seed, int frame)
{
    return pp_rng_mix(seed * 0x9e3779b97f4a7c15ull + 0x51ed27u + (uint64_t)frame);
}

/* The centre crop of base at the frame's size into frame i. */
void pp_perturb_crop(const pp_image *base, pp_sequence *out, int i);

/* torchvision 0.2 affine of the whole base, centre-cropped into frame i. */
void pp_perturb_affine(const pp_image *base, pp_sequence *out, int i, double angle, double tx, double ty,
                       double scale, double shear, bool bilinear);

/* Frame i = the named corruption of `in` at severity 1 with every parameter given
 * (overrides in descriptor order), seeded with seed. */
pp_status pp_perturb_corrupt(const char *corruption, const double *params, int n_params, uint64_t seed,
                             const pp_image *in, pp_sequence *out, int i, pp_error *err);

/* Noise sequences: frame 0 clean, every later frame the corruption with one
 * parameter `value`, drawn afresh from the clean frame. */
pp_status pp_perturb_noise_frames(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out,
                                  const char *corruption, double value, pp_error *err);

/* ImageMagick's Q16 result written as an 8-bit PNG: round to 16 bits, then v / 257. */
static inline uint8_t pp_perturb_q16_to_u8(float v255)
{
    float q = rintf(v255 / 255.f * 65535.f);
    q = q < 0.f ? 0.f : q > 65535.f ? 65535.f : q;
    return (uint8_t)((int)q / 257);
}

/* ImageMagick MotionBlurImage (the corruptions' re-implementation) of every channel
 * of src into frame i, 8-bit through Q16 as the script's PNG round trip. */
pp_status pp_perturb_motion_blur(const pp_image *src, double radius, double sigma, double angle, pp_sequence *out,
                                 int i, pp_error *err);

#endif
