/* Training augmentation, as torchvision's RandomCrop(size, padding) and
 * RandomHorizontalFlip(): the image padded with zeros, a random crop of its
 * original size, mirrored with probability 1/2. Seeded per sample. */
#ifndef PP_AUGMENT_H
#define PP_AUGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "../image/image.h"

/* out gets in's size; draws come from (seed, sample). */
pp_status pp_augment_crop_flip(pp_image *out, const pp_image *in, int padding, bool flip, uint64_t seed,
                               uint64_t sample, pp_error *err);

#endif
