/* Perturbation sequences: ImageNet-P / CIFAR-10-P (Hendrycks & Dietterich, ICLR 2019)
 * and a repeatability set, behind one descriptor like the corruptions.
 *
 * Every perturbation is one file (core/perturb/p_<name>.c) exporting a pp_perturbation:
 * name, which set it belongs to, its frame counts at 224 (ImageNet-P) and 32
 * (CIFAR-10-P), and one pure, seeded generate function that writes every frame of the
 * sequence. registry.c lists them. The schedules are those of the official generators
 * (make_imagenet_p.py, make_cifar_p.py; docs/spec/stability.md section 2).
 *
 * ImageNet preset: the image is resized so its shorter side is 256 (torchvision
 * Resize(256)); geometric perturbations move that whole image and crop the centre
 * 224 afterwards (content enters from outside the crop), the others work on the
 * centre 224 crop. CIFAR preset: the image itself (32 x 32 for CIFAR-10), no resize.
 * Noise is re-drawn independently for every frame from the clean image. */
#ifndef PP_PERTURBATION_H
#define PP_PERTURBATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../corrupt/corruption.h"
#include "../image/image.h"
#include "../status.h"

typedef enum {
    PP_PERTURB_TEST,          /* the 10 of mFR / mT5D */
    PP_PERTURB_VALIDATION,    /* the 4 "extra" ones of make_imagenet_p.py */
    PP_PERTURB_REPEATABILITY, /* same part, same answer: tiny changes a camera makes */
} pp_perturbation_set;

/* A whole sequence: n frames of one size, contiguous (n, height, width, channels),
 * which is one row of the CIFAR-10-P array (N, T, H, W, 3). */
typedef struct {
    int n, width, height, channels;
    uint8_t *pixels;
} pp_sequence;

pp_status pp_sequence_alloc(pp_sequence *s, int n, int width, int height, int channels, pp_error *err);
void pp_sequence_free(pp_sequence *s);
/* Frame i as an image view into the sequence (not to be freed). */
pp_image pp_sequence_frame(const pp_sequence *s, int i);

/* What generate gets. */
typedef struct {
    pp_corruption_preset preset; /* IMAGENET or CIFAR, resolved */
    int level;                   /* noise strength 1..3 (folders <p>, <p>_2, <p>_3); others ignore */
    uint64_t seed;               /* this sequence's seed */
    bool (*cancel)(void *);
    void *cancel_ctx;
} pp_perturb_ctx;

/* base: for the ImageNet preset the 256-short-side image if the perturbation is
 * geometric, else its centre 224 crop; for CIFAR the image itself. out is allocated
 * by the caller with the descriptor's frame count at the output size (224 x 224 or
 * the CIFAR image's) and base's channels. Pure: same inputs, same bytes. */
typedef pp_status (*pp_perturb_fn)(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out,
                                   pp_error *err);

typedef struct {
    const char *name;
    const char *summary;
    pp_perturbation_set set;
    /* Compared with frame 0 (the clean frame) instead of the previous frame: the
     * official scripts' `'noise' in p` test, and every repeatability sequence. */
    bool against_first;
    bool geometric; /* ImageNet preset: moves the 256 image, then crops */
    bool random;    /* depends on the seed */
    int frames_imagenet, frames_cifar;
    pp_perturb_fn generate;
} pp_perturbation;

/* Registry (registry.c): the 10 test perturbations first in the make_imagenet_p.py
 * order, then the 4 validation ones, then the repeatability set. */
size_t pp_perturbation_count(void);
const pp_perturbation *pp_perturbation_at(size_t i);
const pp_perturbation *pp_perturbation_find(const char *name);
#define PP_PERTURBATION_TEST_COUNT 10
const char *pp_perturbation_set_name(pp_perturbation_set s);

/* The ten perturbations averaged into the CIFAR-10-P mean flip probability: the list
 * cifar-p-eval.py evaluates (spatter in snow's place; see docs/stability.md). */
#define PP_CIFAR_P_MEAN_COUNT 10
extern const char *const pp_cifar_p_mean_set[PP_CIFAR_P_MEAN_COUNT];

int pp_perturbation_frames(const pp_perturbation *p, pp_corruption_preset preset);
/* The output side of a sequence made from a width x height image. */
void pp_perturbation_frame_size(pp_corruption_preset preset, int width, int height, int *out_w, int *out_h);

typedef struct {
    pp_corruption_preset preset; /* AUTO: CIFAR below 85 px (as the corruptions) */
    int level;                   /* 1..3; 0 = 1 */
    uint64_t seed;               /* the sequence's seed (see pp_perturbation_sample_seed) */
    bool (*cancel)(void *);
    void *cancel_ctx;
} pp_perturb_request;

/* The seed of sample `index`'s sequence in a data set perturbed with `seed`. */
uint64_t pp_perturbation_sample_seed(uint64_t seed, uint64_t index);

/* The whole sequence of src (8-bit gray or RGB, any size): resizing and cropping for
 * the ImageNet preset done here. out is allocated here (pp_sequence_free). */
pp_status pp_perturb_sequence(const pp_perturbation *p, const pp_perturb_request *req, const pp_image *src,
                              pp_sequence *out, pp_error *err);

#endif
