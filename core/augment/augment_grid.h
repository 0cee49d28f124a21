/* A preview sheet: the clean image followed by n augmented samples (seeds
 * seed, seed + 1, ...), tiled in rows of `columns` (0: about square) with a
 * 2-pixel dark gap; what
 * `pushpull augment --grid` writes and the studio's jobs view shows. */
#ifndef PP_AUGMENT_GRID_H
#define PP_AUGMENT_GRID_H

#include "augmentation.h"

#define PP_AUGMENT_GRID_MAX 64

/* out is allocated here (free with pp_image_free); 1 <= n <= PP_AUGMENT_GRID_MAX. */
pp_status pp_augment_grid(const pp_augment_config *cfg, uint32_t seed, const pp_image *in, int n, int columns,
                          pp_image *out, pp_error *err);

#endif
