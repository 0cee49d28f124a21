/* A model's input preprocessing: size, channels, normalisation, and how an
 * arbitrary image is brought to that size. */
#ifndef PP_PREPROCESS_H
#define PP_PREPROCESS_H

#include "image/image.h"
#include "model.h"
#include "tensor.h"

typedef enum {
    PP_RESIZE_SQUARE,      /* small-image sets (CIFAR, Fashion-MNIST): resize to size x size */
    PP_RESIZE_CROP_IMAGENET /* resize the short side to size*256/224, centre-crop size */
} pp_resize_mode;

typedef struct {
    int size;          /* input side in pixels */
    int channels;      /* 1 or 3 */
    float mean[3], std[3];
    pp_resize_mode mode;
    char source[64];   /* where these came from: "metadata", "cifar10 defaults", ... */
} pp_preprocess;

/* From metadata keys input_size / mean / std (JSON lists) when present, else by
 * data set name, else by stem: CIFAR stem -> CIFAR-10 (or Fashion-MNIST for 1
 * channel), ImageNet stem -> ImageNet. Fails only when parsing the metadata
 * runs out of memory (PP_ERR_NOMEM): never falls back to defaults silently. */
pp_status pp_preprocess_for_model(pp_preprocess *pre, const pp_model *m, pp_error *err);

/* Normalisation statistics a file may give (pixel scale 0..1 or 0..255). */
#define PP_PREPROCESS_MAX_MEAN 1e3f
#define PP_PREPROCESS_MIN_STD 1e-4f
#define PP_PREPROCESS_MAX_STD 1e3f

/* Refuses metadata mean / std that are not finite or are absurd (std = 0,
 * negative, ...), naming the key; absent or unparsable keys are not checked. */
pp_status pp_preprocess_check_metadata(const pp_state_dict *meta, pp_error *err);

/* Appends one image as sample `index` of a batch tensor (N, C, size, size)
 * that the caller allocated. */
pp_status pp_preprocess_image(const pp_preprocess *pre, const pp_image *img, pp_tensor *batch, int index,
                              pp_error *err);

/* Brings an image to the model's geometry and channels without normalising
 * (what the probe view shows). */
pp_status pp_preprocess_geometry(const pp_preprocess *pre, const pp_image *img, pp_image *out, pp_error *err);

/* Normalises an image already at the model's geometry into sample `index`. */
void pp_preprocess_normalize(const pp_preprocess *pre, const pp_image *img, pp_tensor *batch, int index);

#endif
