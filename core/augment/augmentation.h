/* Training augmentations for robustness (AugMix, torchvision's AugMix,
 * TrivialAugmentWide, AutoAugment, PRIME, Gaussian noise), each one file
 * behind one descriptor, as the corruptions are: a name, a parameter table
 * with ranges and defaults, and one pure, re-entrant, seeded apply function.
 * registry.c lists them; adding one is a file, a line there and one in
 * meson.build.
 *
 * They work on uint8 images (H, W, C) at the model's geometry, before
 * normalisation, and write the normalised network input. Methods whose
 * reference mixes in float (official AugMix, PRIME, Gaussian noise) write
 * float directly; the others produce a uint8 image that is then normalised.
 *
 * Seeding: a sample's draws come from MT19937 seeded with ctx->seed, replaying
 * np.random.seed / torch.manual_seed of the reference code where it draws on
 * the CPU (see each file), so `pushpull augment --seed S` equals the reference
 * run with seed S. Training derives one such seed per (epoch, view, sample). */
#ifndef PP_AUGMENTATION_H
#define PP_AUGMENTATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../image/image.h"
#include "../status.h"

#define PP_AUGMENT_MAX_PARAMS 6

typedef struct {
    const char *name;
    const char *help;
    double min, max, def;
    bool integer;
} pp_augment_param;

typedef struct {
    const double *p;        /* (n_params) in descriptor order, checked against the ranges */
    uint32_t seed;          /* MT19937 seed of this sample's draws */
    const float *mean, *std; /* (channels) the model's normalisation */
    int position, batch;    /* the sample's place in its batch (Gaussian noise treats part of it) */
} pp_augment_ctx;

typedef struct {
    const char *name;
    const char *summary;
    int n_params;
    pp_augment_param params[PP_AUGMENT_MAX_PARAMS];
    /* Exactly one is set. apply_u8: out is allocated by the caller with in's
     * size. apply_float: out (C, H, W) gets the normalised input. */
    pp_status (*apply_u8)(const pp_augment_ctx *ctx, const pp_image *in, pp_image *out, pp_error *err);
    pp_status (*apply_float)(const pp_augment_ctx *ctx, const pp_image *in, float *out, pp_error *err);
} pp_augmentation;

size_t pp_augmentation_count(void);
const pp_augmentation *pp_augmentation_at(size_t i);
const pp_augmentation *pp_augmentation_find(const char *name);
/* "augmix, augmix-tv, ..." for error messages */
void pp_augmentation_names(char *buf, size_t size);

/* A method with its parameters, as parsed from "NAME[:KEY=VALUE,...]". */
typedef struct {
    const pp_augmentation *method;
    double p[PP_AUGMENT_MAX_PARAMS];
} pp_augment_config;

/* Parses a method spec; unknown names or keys and values out of range fail
 * with the valid ones listed. */
pp_status pp_augment_config_parse(pp_augment_config *cfg, const char *spec, pp_error *err);
/* "augmix:severity=3,width=3,depth=-1": the spec that parses back to cfg. */
void pp_augment_config_format(const pp_augment_config *cfg, char *buf, size_t size);

/* One sample into out (C, H, W), normalised with mean/std (channels of in). */
pp_status pp_augment_normalised(const pp_augment_config *cfg, const pp_augment_ctx *ctx_base, const pp_image *in,
                                float *out, pp_error *err);
/* One sample as a viewable image (float results mapped back to 0..255 and
 * rounded); out is allocated here. position 0 of a batch of 1. */
pp_status pp_augment_image(const pp_augment_config *cfg, uint32_t seed, const pp_image *in, pp_image *out,
                           pp_error *err);

/* Normalisation of a uint8 image into (C, H, W) floats, as ToTensor then
 * Normalize compute it in float32: (v / 255 - mean) / std. */
void pp_augment_to_tensor(float *out, const pp_image *in, const float *mean, const float *std);

#endif
