/* The corruption engine: ImageNet-C / CIFAR-10-C corruptions behind one descriptor.
 *
 * Every corruption is one file (core/corrupt/c_<name>.c) exporting a pp_corruption:
 * name, family, frequency band, a parameter table (range, severity-0 identity, the five
 * published ImageNet-C and CIFAR-10-C severities) and one pure, re-entrant, seeded apply
 * function. registry.c lists them; adding a corruption is one file plus one line there.
 *
 * Severity is continuous in [0, 5]: 0 is the clean image, integers are the published
 * levels, values between interpolate every parameter linearly. Below 1, parameters run
 * from their identity value to severity 1; a corruption with a parameter that has no
 * identity value (e.g. JPEG quality) instead blends its severity-1 output with the clean
 * image. Random fields are drawn from the seed independently of the severity, so moving
 * the severity deforms the same noise rather than drawing new noise.
 *
 * Sizes: parameters marked PP_PARAM_PIXELS are published in pixels of the preset's
 * reference image (224 for ImageNet-C, 32 for CIFAR-10-C) and are scaled by
 * min(H, W) / reference, so a corruption looks the same relative to the picture at any
 * size. preset auto picks CIFAR for images whose shorter side is below 85 px (the
 * geometric mean of 32 and 224), ImageNet otherwise. */
#ifndef PP_CORRUPTION_H
#define PP_CORRUPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../image/image.h"
#include "../status.h"

typedef enum {
    PP_FAMILY_NOISE,
    PP_FAMILY_BLUR,
    PP_FAMILY_WEATHER,
    PP_FAMILY_DIGITAL,
} pp_corruption_family;

/* The PushPull paper's frequency groups (which band the damage lives in). */
typedef enum { PP_BAND_LOW, PP_BAND_MID, PP_BAND_HIGH } pp_corruption_band;

typedef enum { PP_PRESET_AUTO, PP_PRESET_IMAGENET, PP_PRESET_CIFAR } pp_corruption_preset;

#define PP_CORRUPTION_MAX_PARAMS 8
#define PP_CORRUPTION_MAX_SEVERITY 5.0

enum {
    PP_PARAM_PIXELS = 1u << 0,  /* a length in pixels at the reference size: scaled */
    PP_PARAM_INTEGER = 1u << 1, /* rounded to the nearest integer after interpolation */
    PP_PARAM_RANDOM = 1u << 2,  /* a random draw (angle, offset): uniform in [min, max]
                                   from the seed unless the caller pins it */
};

typedef struct {
    const char *name;
    const char *help;
    double min, max;  /* accepted range of an override */
    double identity;  /* value that leaves the image clean; NAN if there is none */
    unsigned flags;
    double imagenet[5]; /* published severities 1..5 (unused for RANDOM) */
    double cifar[5];
} pp_corruption_param;

/* What apply gets: parameters already resolved for this image (severity interpolated,
 * pixel lengths scaled, random draws made), a seed for its own random fields, and a
 * cancel hook it polls between passes. */
typedef struct {
    const double *p; /* (n_params), descriptor order */
    uint64_t seed;
    /* the resolved table (IMAGENET or CIFAR); where the two reference scripts differ
     * in algorithm, not only in numbers (snow), apply follows this preset's script */
    pp_corruption_preset preset;
    bool (*cancel)(void *);
    void *cancel_ctx;
} pp_corruption_ctx;

/* in and out have the same size and channels (1 or 3); out is allocated by the caller
 * and must not alias in. Must be pure: no globals, same inputs -> same bytes. */
typedef pp_status (*pp_corruption_apply_fn)(const pp_corruption_ctx *ctx, const pp_image *in,
                                            pp_image *out, pp_error *err);

typedef struct {
    const char *name;
    const char *summary;
    pp_corruption_family family;
    pp_corruption_band band;
    bool random; /* output depends on the seed */
    int n_params;
    pp_corruption_param params[PP_CORRUPTION_MAX_PARAMS];
    pp_corruption_apply_fn apply;
} pp_corruption;

/* Registry (registry.c). */
size_t pp_corruption_count(void);
const pp_corruption *pp_corruption_at(size_t i);
const pp_corruption *pp_corruption_find(const char *name);
/* The 15 benchmark corruptions come first in the registry, in the ImageNet-C order. */
#define PP_CORRUPTION_BENCHMARK_COUNT 15

const char *pp_corruption_family_name(pp_corruption_family f);
const char *pp_corruption_band_name(pp_corruption_band b);
const char *pp_corruption_preset_name(pp_corruption_preset p);
bool pp_corruption_preset_parse(const char *s, pp_corruption_preset *out);
/* AUTO -> IMAGENET or CIFAR by the image's shorter side; others unchanged. */
pp_corruption_preset pp_corruption_preset_resolve(pp_corruption_preset p, int width, int height);
int pp_corruption_preset_reference_side(pp_corruption_preset p); /* 224 or 32 */
int pp_corruption_param_index(const pp_corruption *c, const char *name); /* -1 if none */

typedef struct {
    double severity;             /* [0, 5] */
    pp_corruption_preset preset; /* AUTO by default (zero-initialised) */
    uint64_t seed;
    /* (n_params) values replacing the severity's, in published units; NAN = not set.
     * NULL = none. */
    const double *overrides;
    bool jpeg85; /* re-encode the result as JPEG quality 85, like ImageNet-C's files */
    bool (*cancel)(void *);
    void *cancel_ctx;
    int threads; /* for the filters' loops over large images; below 1 (the default): one */
} pp_corruption_request;

/* The parameters for a severity in published units (before size scaling; random ones
 * left at NAN). out has n_params entries. */
pp_status pp_corruption_params_at(const pp_corruption *c, pp_corruption_preset preset,
                                  double severity, double *out, pp_error *err);

/* The seed of sample `index` of a data set corrupted with `seed`: one seed per
 * image, shared by its five severities, the same in `eval` and `make-c`. */
uint64_t pp_corruption_sample_seed(uint64_t seed, uint64_t index);

/* Corrupts in into out (allocated here; free with pp_image_free). Checks the request. */
pp_status pp_corruption_apply(const pp_corruption *c, const pp_corruption_request *req,
                              const pp_image *in, pp_image *out, pp_error *err);

#endif
